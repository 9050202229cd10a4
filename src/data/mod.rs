//! Data plane on rdkafka: reading messages (peek) and producing (demo load). The same connection
//! settings as the control plane, translated to librdkafka's names.

pub mod peek;
pub mod position;
pub mod sample;

pub use peek::{peek, PeekMessage, Record, RecordDetail, Start};

use rdkafka::config::ClientConfig as RdConfig;

use crate::kafka::{redact, ClientConfig, PemSource, SaslMechanism};

/// librdkafka settings derived from the control-plane configuration. Debug masks the secrets.
#[derive(Clone, Default)]
pub struct DataConfig {
    pub settings: Vec<(String, String)>,
}

impl std::fmt::Debug for DataConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown: Vec<(&str, &str)> = self.settings.iter().map(|(k, v)| (k.as_str(), redact::mask(k, v))).collect();
        f.debug_struct("DataConfig").field("settings", &shown).finish()
    }
}

impl DataConfig {
    pub fn from_client(cfg: &ClientConfig) -> Result<DataConfig, String> {
        let mut s: Vec<(String, String)> = vec![
            ("bootstrap.servers".into(), cfg.bootstrap.join(",")),
            ("client.id".into(), cfg.client_id.clone()),
            ("socket.timeout.ms".into(), cfg.request_timeout.as_millis().max(10).to_string()),
        ];
        let protocol = match (cfg.tls.is_some(), cfg.sasl.is_some()) {
            (false, false) => "plaintext",
            (true, false) => "ssl",
            (false, true) => "sasl_plaintext",
            (true, true) => "sasl_ssl",
        };
        s.push(("security.protocol".into(), protocol.into()));
        if let Some(m) = &cfg.sasl {
            match m {
                SaslMechanism::Plain { username, password }
                | SaslMechanism::ScramSha256 { username, password }
                | SaslMechanism::ScramSha512 { username, password } => {
                    s.push(("sasl.mechanism".into(), m.name().into()));
                    s.push(("sasl.username".into(), username.clone()));
                    s.push(("sasl.password".into(), password.clone()));
                }
                SaslMechanism::OAuthBearer(_) => return Err("peeking with OAUTHBEARER is not supported yet".into()),
            }
        }
        if let Some(tls) = &cfg.tls {
            let mut pem = |file_key: &str, pem_key: &str, src: &Option<PemSource>| match src {
                Some(PemSource::File(p)) => s.push((file_key.into(), p.display().to_string())),
                Some(PemSource::Inline(text)) => s.push((pem_key.into(), text.clone())),
                None => {}
            };
            pem("ssl.ca.location", "ssl.ca.pem", &tls.ca);
            pem("ssl.certificate.location", "ssl.certificate.pem", &tls.client_cert);
            pem("ssl.key.location", "ssl.key.pem", &tls.client_key);
            s.push((
                "ssl.endpoint.identification.algorithm".into(),
                if tls.verify_hostname { "https" } else { "none" }.into(),
            ));
        }
        Ok(DataConfig { settings: s })
    }

    /// Creates a librdkafka client. rdkafka's error for a rejected setting quotes its value, so
    /// the value of a secret key is taken out of it.
    pub fn create<T: rdkafka::config::FromClientConfig>(&self, extra: &[(&str, &str)]) -> anyhow::Result<T> {
        let mut c = self.rdkafka();
        for (k, v) in extra {
            c.set(*k, *v);
        }
        c.create().map_err(|e| anyhow::anyhow!("{}", self.scrub(&e)))
    }

    fn scrub(&self, e: &rdkafka::error::KafkaError) -> String {
        match e {
            rdkafka::error::KafkaError::ClientConfig(_, desc, key, value) => {
                format!("librdkafka rejected {key}={}: {desc}", redact::mask(key, value))
            }
            other => self.scrub_text(&other.to_string()),
        }
    }

    /// `text` without the values of this configuration's secret settings.
    pub fn scrub_text(&self, text: &str) -> String {
        let secrets = self.settings.iter().filter(|(k, _)| redact::is_sensitive_key(k)).map(|(_, v)| v.as_str());
        redact::scrub(text, secrets)
    }

    pub fn rdkafka(&self) -> RdConfig {
        let mut c = RdConfig::new();
        for (k, v) in &self.settings {
            c.set(k, v);
        }
        c.set("log_level", "3");
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_stay_out_of_debug_and_errors() {
        let cfg = DataConfig {
            settings: vec![
                ("sasl.username".into(), "alice".into()),
                ("sasl.password".into(), "s3cr3t-data".into()),
                ("ssl.key.pem".into(), "-----BEGIN PRIVATE KEY-----s3cr3t-pem".into()),
            ],
        };
        let debug = format!("{cfg:?}");
        assert!(debug.contains("alice") && !debug.contains("s3cr3t"), "{debug}");
        let rejected = rdkafka::error::KafkaError::ClientConfig(
            rdkafka::types::RDKafkaConfRes::RD_KAFKA_CONF_INVALID,
            "Invalid value".into(),
            "sasl.password".into(),
            "s3cr3t-data".into(),
        );
        assert!(rejected.to_string().contains("s3cr3t-data"), "rdkafka quotes the value: {rejected}");
        assert_eq!(cfg.scrub(&rejected), "librdkafka rejected sasl.password=[hidden]: Invalid value");
        let other = rdkafka::error::KafkaError::ClientCreation("ssl.key.pem s3cr3t-data failed".into());
        assert_eq!(cfg.scrub(&other), "Client creation error: ssl.key.pem [hidden] failed");
    }
}
