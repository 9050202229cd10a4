//! Data plane on rdkafka: reading messages (peek) and producing (demo load). The same connection
//! settings as the control plane, translated to librdkafka's names.

pub mod peek;
pub mod position;
mod reader;
pub mod sample;
pub mod tunnel;

pub use peek::{peek, PeekMessage, Record, RecordDetail, Start};
pub use reader::Unreachable;

use rdkafka::config::ClientConfig as RdConfig;

use std::sync::Arc;

use rdkafka::client::{ClientContext, OAuthToken};
use rdkafka::consumer::ConsumerContext;

use crate::kafka::{redact, ClientConfig, PemSource, SaslMechanism, TokenProvider};

/// librdkafka settings derived from the control-plane configuration. Debug masks the secrets.
#[derive(Clone, Default)]
pub struct DataConfig {
    pub settings: Vec<(String, String)>,
    /// OAUTHBEARER (MSK IAM): the control plane's token source, asked from librdkafka's refresh
    /// callback (a poll, on the thread that polls: never inside the async runtime).
    pub oauth: Option<Arc<dyn TokenProvider>>,
    /// `--broker-map` / `--socks5`, the control plane's route, applied by librdkafka's resolver.
    pub tunnel: tunnel::Tunnel,
}

/// The librdkafka client context: hands out OAUTHBEARER tokens when the configuration has a
/// token source (librdkafka asks only when sasl.mechanism is OAUTHBEARER), and tells the
/// resolve callback where addresses really go.
#[derive(Clone, Default)]
pub struct DataContext {
    oauth: Option<Arc<dyn TokenProvider>>,
    tunnel: tunnel::Tunnel,
}

impl tunnel::HasTunnel for DataContext {
    fn tunnel(&self) -> &tunnel::Tunnel {
        &self.tunnel
    }
}

impl ClientContext for DataContext {
    const ENABLE_REFRESH_OAUTH_TOKEN: bool = true;

    fn generate_oauth_token(&self, _config: Option<&str>) -> Result<OAuthToken, Box<dyn std::error::Error>> {
        let provider = self.oauth.as_ref().ok_or("no OAUTHBEARER token source configured")?;
        let token = provider.token()?;
        // librdkafka refreshes at 80% of the lifetime; the broker checks the real expiry itself
        let lifetime_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or_default()
            + crate::kafka::msk_iam::TOKEN_LIFETIME.as_millis() as i64;
        Ok(OAuthToken { token, principal_name: "kdeck".into(), lifetime_ms })
    }
}

impl ConsumerContext for DataContext {}

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
        let mut oauth = None;
        if let Some(m) = &cfg.sasl {
            match m {
                SaslMechanism::Plain { username, password }
                | SaslMechanism::ScramSha256 { username, password }
                | SaslMechanism::ScramSha512 { username, password } => {
                    s.push(("sasl.mechanism".into(), m.name().into()));
                    s.push(("sasl.username".into(), username.clone()));
                    s.push(("sasl.password".into(), password.clone()));
                }
                SaslMechanism::OAuthBearer(provider) => {
                    s.push(("sasl.mechanism".into(), "OAUTHBEARER".into()));
                    oauth = Some(provider.clone());
                }
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
        let tunnel = tunnel::Tunnel { route: cfg.route.clone(), connect_timeout: cfg.connect_timeout };
        Ok(DataConfig { settings: s, oauth, tunnel })
    }

    /// The context of a librdkafka client made from this configuration.
    fn context(&self) -> DataContext {
        DataContext { oauth: self.oauth.clone(), tunnel: self.tunnel.clone() }
    }

    /// Whether librdkafka needs a poll before anything else, to fetch its first OAUTHBEARER token
    /// (rdkafka asks for it from the poll, and blocking calls like fetch_watermarks wait for it).
    pub fn needs_token_poll(&self) -> bool {
        self.oauth.is_some()
    }

    /// rdkafka's error for a rejected setting quotes its value: the value of a secret key is
    /// taken out of it.
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
    use std::time::Duration;

    #[test]
    fn the_data_plane_takes_the_control_planes_route() {
        let route = crate::kafka::Route {
            broker_map: crate::kafka::route::parse_broker_map("b-1.x:9092=127.0.0.1:9093").unwrap(),
            socks5: Some("127.0.0.1:1080".into()),
        };
        let cfg = ClientConfig { route: route.clone(), connect_timeout: Duration::from_secs(3), ..Default::default() };
        let data = DataConfig::from_client(&cfg).unwrap();
        assert_eq!(data.tunnel.route, route);
        assert_eq!(data.tunnel.connect_timeout, Duration::from_secs(3));
        assert_eq!(data.context().tunnel.route, route, "the resolve callback reads the client's context");
    }

    #[test]
    fn secrets_stay_out_of_debug_and_errors() {
        let cfg = DataConfig {
            oauth: None,
            tunnel: Default::default(),
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
