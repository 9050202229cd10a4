//! Data plane on rdkafka: reading messages (peek) and producing (demo load). The same connection
//! settings as the control plane, translated to librdkafka's names.

pub mod peek;

pub use peek::{peek, PeekMessage};

use rdkafka::config::ClientConfig as RdConfig;

use crate::kafka::{ClientConfig, PemSource, SaslMechanism};

/// librdkafka settings derived from the control-plane configuration.
#[derive(Clone, Debug, Default)]
pub struct DataConfig {
    pub settings: Vec<(String, String)>,
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

    pub fn rdkafka(&self) -> RdConfig {
        let mut c = RdConfig::new();
        for (k, v) in &self.settings {
            c.set(k, v);
        }
        c.set("log_level", "3");
        c
    }
}
