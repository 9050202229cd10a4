//! A peek at a topic's latest messages (data plane, rdkafka) to tell whether producers use keys:
//! adding partitions remaps keys, which matters only if there are keys.

use std::time::{Duration, Instant};

use rdkafka::config::ClientConfig as RdConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::KafkaError as RdError;
use rdkafka::{Message, Offset, TopicPartitionList};
use serde::Serialize;

use crate::kafka::{ClientConfig, PemSource, SaslMechanism};

pub const SAMPLE_GROUP: &str = "kdeck-peek";

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct KeySample {
    pub sampled: usize,
    pub keyed: usize,
}

impl KeySample {
    pub fn looks_keyed(&self) -> bool {
        self.keyed > 0
    }
}

/// The same connection settings for librdkafka.
pub fn rdkafka_config(cfg: &ClientConfig) -> Result<RdConfig, String> {
    let mut c = RdConfig::new();
    c.set("bootstrap.servers", cfg.bootstrap.join(","));
    c.set("client.id", &cfg.client_id);
    c.set("socket.timeout.ms", cfg.request_timeout.as_millis().to_string());
    let protocol = match (cfg.tls.is_some(), cfg.sasl.is_some()) {
        (false, false) => "plaintext",
        (true, false) => "ssl",
        (false, true) => "sasl_plaintext",
        (true, true) => "sasl_ssl",
    };
    c.set("security.protocol", protocol);
    match &cfg.sasl {
        None => {}
        Some(SaslMechanism::Plain { username, password })
        | Some(SaslMechanism::ScramSha256 { username, password })
        | Some(SaslMechanism::ScramSha512 { username, password }) => {
            c.set("sasl.mechanisms", cfg.sasl.as_ref().map(|s| s.name()).unwrap_or_default());
            c.set("sasl.username", username);
            c.set("sasl.password", password);
        }
        Some(SaslMechanism::OAuthBearer(_)) => {
            return Err("reading messages over OAUTHBEARER is not supported yet".into())
        }
    }
    if let Some(tls) = &cfg.tls {
        let pem = |c: &mut RdConfig, src: &PemSource, file_key: &str, pem_key: &str| match src {
            PemSource::File(p) => {
                c.set(file_key, p.display().to_string());
            }
            PemSource::Inline(text) => {
                c.set(pem_key, text);
            }
        };
        if let Some(ca) = &tls.ca {
            pem(&mut c, ca, "ssl.ca.location", "ssl.ca.pem");
        }
        if let Some(cert) = &tls.client_cert {
            pem(&mut c, cert, "ssl.certificate.location", "ssl.certificate.pem");
        }
        if let Some(key) = &tls.client_key {
            pem(&mut c, key, "ssl.key.location", "ssl.key.pem");
        }
        c.set("ssl.endpoint.identification.algorithm", if tls.verify_hostname { "https" } else { "none" });
    }
    Ok(c)
}

/// Reads up to `per_partition` of the newest messages of each partition, without a consumer
/// group (assign, no commits), and counts those with keys. Stops at the end of every partition
/// or after `timeout`.
pub fn sample_keys(
    cfg: &ClientConfig,
    topic: &str,
    partitions: &[i32],
    per_partition: i64,
    timeout: Duration,
) -> Result<KeySample, String> {
    // librdkafka's assign() needs a group.id; with assign, no commits and tail offsets the
    // group never joins, commits or shows up in the cluster
    let consumer: BaseConsumer = rdkafka_config(cfg)?
        .set("group.id", SAMPLE_GROUP)
        .set("enable.auto.commit", "false")
        .set("enable.auto.offset.store", "false")
        .set("enable.partition.eof", "true")
        .create()
        .map_err(|e| format!("cannot create a consumer: {e}"))?;
    let mut tpl = TopicPartitionList::new();
    for p in partitions {
        tpl.add_partition_offset(topic, *p, Offset::OffsetTail(per_partition)).map_err(|e| e.to_string())?;
    }
    consumer.assign(&tpl).map_err(|e| format!("cannot read {topic}: {e}"))?;
    let mut sample = KeySample::default();
    let mut at_end = std::collections::BTreeSet::new();
    let deadline = Instant::now() + timeout;
    let limit = per_partition.max(1) as usize * partitions.len();
    while at_end.len() < partitions.len() && sample.sampled < limit {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        match consumer.poll(left.min(Duration::from_millis(200))) {
            None => {}
            Some(Ok(m)) => {
                sample.sampled += 1;
                if m.key().is_some_and(|k| !k.is_empty()) {
                    sample.keyed += 1;
                }
            }
            Some(Err(RdError::PartitionEOF(p))) => {
                at_end.insert(p);
            }
            Some(Err(e)) => return Err(format!("reading {topic}: {e}")),
        }
    }
    Ok(sample)
}
