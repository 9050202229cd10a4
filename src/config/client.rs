//! Turns connection settings (Kafka Java client keys, librdkafka/kcat aliases) into a
//! [`ClientConfig`]. Every setting remembers where it came from so errors can say
//! `client.properties:4: …` or `-X sasl.mechanism=…: …`.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use thiserror::Error;

use crate::kafka::{redact, route, ClientConfig, PemSource, SaslMechanism, TlsOptions};

#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("{origin}: {message}")]
    Setting { origin: String, message: String },
    #[error(transparent)]
    Properties(#[from] super::properties::PropertiesError),
    #[error(transparent)]
    Msk(#[from] super::msk::MskError),
    #[error("{0}")]
    Other(String),
}

/// One setting's value and where it came from. Its Debug form leaves the value out, since a
/// setting does not know whether its key is a secret (see [`Settings`]'s Debug).
#[derive(Clone, PartialEq, Eq)]
pub struct Setting {
    pub value: String,
    /// "client.properties:4", "-X security.protocol=SSL", "config.toml [clusters.prod]"; never a
    /// secret value (`-X sasl.password` names only the key).
    pub origin: String,
}

impl fmt::Debug for Setting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Setting {{ value: <{} chars>, origin: {:?} }}", self.value.chars().count(), self.origin)
    }
}

/// Settings merged from all sources; later inserts win.
#[derive(Clone, Default)]
pub struct Settings {
    pub map: BTreeMap<String, Setting>,
    /// Relative file paths in a properties file are resolved against its folder.
    base_dirs: BTreeMap<String, PathBuf>,
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown: BTreeMap<&str, (&str, &str)> =
            self.map.iter().map(|(k, s)| (k.as_str(), (redact::mask(k, &s.value), s.origin.as_str()))).collect();
        f.debug_struct("Settings").field("map", &shown).finish_non_exhaustive()
    }
}

impl Settings {
    pub fn set(&mut self, key: &str, value: &str, origin: &str) {
        self.map.insert(key.to_string(), Setting { value: value.to_string(), origin: origin.to_string() });
    }

    /// Reads a Java client .properties file (Kafka's --command-config).
    pub fn load_properties_file(&mut self, path: &Path) -> Result<(), ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError::Other(format!("cannot read {}: {e}", path.display())))?;
        let name = path.display().to_string();
        for (k, p) in super::properties::parse(&text, &name)? {
            self.set(&k, &p.value, &format!("{name}:{}", p.line));
            if let Some(dir) = path.parent() {
                self.base_dirs.insert(k, dir.to_path_buf());
            }
        }
        Ok(())
    }

    /// `-X key=value` as kcat takes it.
    pub fn apply_override(&mut self, kv: &str) -> Result<(), ConfigError> {
        let Some((k, v)) = kv.split_once('=') else {
            // `-X sasl.password:s3cr3t` would echo the password
            let origin = if redact::is_sensitive_key(kv) { "-X".to_string() } else { format!("-X {kv}") };
            return Err(ConfigError::Setting { origin, message: "expected key=value".into() });
        };
        let key = k.trim();
        let origin = if redact::is_sensitive_key(key) { format!("-X {key}") } else { format!("-X {kv}") };
        self.set(key, v.trim(), &origin);
        Ok(())
    }

    fn get<'k>(&self, keys: &[&'k str]) -> Option<(&'k str, &Setting)> {
        // the latest-set alias would be ideal; Java and librdkafka names rarely mix in one file
        keys.iter().find_map(|k| self.map.get(*k).map(|s| (*k, s)))
    }

    fn path(&self, key: &str, s: &Setting) -> PathBuf {
        let p = PathBuf::from(&s.value);
        match (p.is_relative(), self.base_dirs.get(key)) {
            (true, Some(dir)) => dir.join(p),
            _ => p,
        }
    }

    /// Keys kdeck does not use (producer/consumer tuning and the like), for a debug log line.
    pub fn unused_keys(&self) -> Vec<String> {
        self.map.keys().filter(|k| !KNOWN.contains(&k.as_str())).cloned().collect()
    }

    /// Builds the client configuration. `bootstrap` from the command line wins over settings.
    pub fn client_config(&self, bootstrap: Option<&str>) -> Result<ClientConfig, ConfigError> {
        let bad = |s: &Setting, message: String| ConfigError::Setting { origin: s.origin.clone(), message };
        let mut cfg = ClientConfig::default();

        let servers = match bootstrap {
            Some(b) => b.to_string(),
            None => self
                .get(&["bootstrap.servers", "metadata.broker.list"])
                .map(|(_, s)| s.value.clone())
                .unwrap_or_default(),
        };
        cfg.bootstrap = parse_bootstrap(&servers).map_err(ConfigError::Other)?;

        if let Some((_, s)) = self.get(&["client.id"]) {
            cfg.client_id = s.value.clone();
        }
        if let Some((_, s)) = self.get(&["request.timeout.ms", "socket.timeout.ms"]) {
            cfg.request_timeout = Duration::from_millis(parse_ms(s).map_err(|m| bad(s, m))?);
        }
        if let Some((_, s)) =
            self.get(&["socket.connection.setup.timeout.ms", "socket.connection.setup.timeout.max.ms"])
        {
            cfg.connect_timeout = Duration::from_millis(parse_ms(s).map_err(|m| bad(s, m))?);
        }

        let (tls, sasl) = match self.get(&["security.protocol"]) {
            None => (false, false),
            Some((_, s)) => match s.value.to_ascii_uppercase().as_str() {
                "PLAINTEXT" => (false, false),
                "SSL" => (true, false),
                "SASL_PLAINTEXT" => (false, true),
                "SASL_SSL" => (true, true),
                other => {
                    return Err(bad(
                        s,
                        format!("unknown security.protocol {other:?}: use PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL"),
                    ))
                }
            },
        };
        if sasl {
            // None: MSK IAM, whose token source the caller starts (config::resolve)
            cfg.sasl = self.sasl()?;
        } else if let Some((k, s)) = self.get(&["sasl.mechanism", "sasl.mechanisms"]) {
            return Err(bad(s, format!("{k} is set but security.protocol is not SASL_PLAINTEXT or SASL_SSL")));
        }
        if tls {
            cfg.tls = Some(self.tls()?);
        }
        if let Some((_, s)) = self.get(&["broker.map"]) {
            cfg.route.broker_map = route::parse_broker_map(&s.value).map_err(|m| bad(s, m))?;
        }
        if let Some((_, s)) = self.get(&["socks5.proxy", "socks5"]) {
            let proxy = s.value.trim().trim_start_matches("socks5://").trim_start_matches("socks5h://");
            if route::split_host_port(proxy).is_none() {
                return Err(bad(
                    s,
                    format!("SOCKS5 proxy {proxy:?} is not host:port (e.g. 127.0.0.1:1080 for `ssh -D 1080`)"),
                ));
            }
            cfg.route.socks5 = Some(proxy.to_string());
        }
        Ok(cfg)
    }

    /// Whether these settings ask for MSK IAM: kdeck's `--auth iam`, or a Java client's MSK IAM
    /// setup (`sasl.mechanism=AWS_MSK_IAM`, or OAUTHBEARER with the aws-msk-iam-auth callback
    /// handler). kdeck speaks OAUTHBEARER with the signed token for both.
    pub fn msk_iam(&self) -> bool {
        let sasl_protocol =
            self.get(&["security.protocol"]).is_some_and(|(_, s)| s.value.to_ascii_uppercase().starts_with("SASL_"));
        let mechanism = self.get(&["sasl.mechanism", "sasl.mechanisms"]).map(|(_, s)| s.value.to_ascii_uppercase());
        let msk_handler = self
            .get(&["sasl.login.callback.handler.class"])
            .is_some_and(|(_, s)| s.value.contains("IAMOAuthBearerLoginCallbackHandler"));
        sasl_protocol
            && match mechanism.as_deref() {
                Some("AWS_MSK_IAM") => true,
                Some("OAUTHBEARER") => msk_handler,
                _ => false,
            }
    }

    /// The security settings of an MSK bootstrap string's authentication, replacing any set
    /// before (the port decides what the listener speaks). SCRAM's username and password, and
    /// TLS's CA or client certificate, stay as the other sources set them.
    pub fn set_msk_security(&mut self, auth: super::msk::MskAuth, origin: &str) {
        use super::msk::MskAuth;
        let (protocol, mechanism) = match auth {
            MskAuth::Iam => ("SASL_SSL", Some("AWS_MSK_IAM")),
            MskAuth::Scram => ("SASL_SSL", Some("SCRAM-SHA-512")),
            MskAuth::Tls => ("SSL", None),
            MskAuth::Plaintext => ("PLAINTEXT", None),
        };
        self.set("security.protocol", protocol, origin);
        self.map.remove("sasl.mechanisms");
        match mechanism {
            Some(m) => self.set("sasl.mechanism", m, origin),
            None => {
                self.map.remove("sasl.mechanism");
            }
        }
    }

    /// The SASL mechanism; None for MSK IAM, whose token source needs the AWS SDK (async).
    fn sasl(&self) -> Result<Option<SaslMechanism>, ConfigError> {
        if self.msk_iam() {
            return Ok(None);
        }
        let bad = |s: &Setting, message: String| ConfigError::Setting { origin: s.origin.clone(), message };
        let (mech, mech_setting) = match self.get(&["sasl.mechanism", "sasl.mechanisms"]) {
            Some((_, s)) => (s.value.to_ascii_uppercase(), Some(s)),
            None => ("GSSAPI".to_string(), None), // Java's default
        };
        let (mut user, mut pass) = (None, None);
        // missing credentials are blamed on the JAAS config when there is one: they belong in it
        let mut creds_origin = None;
        if let Some((_, s)) = self.get(&["sasl.jaas.config"]) {
            creds_origin = Some(s.origin.clone());
            let jaas = parse_jaas(&s.value).map_err(|m| bad(s, m))?;
            user = jaas.options.get("username").cloned();
            pass = jaas.options.get("password").cloned();
        }
        if let Some((_, s)) = self.get(&["sasl.username"]) {
            user = Some(s.value.clone());
        }
        if let Some((_, s)) = self.get(&["sasl.password"]) {
            pass = Some(s.value.clone());
        }
        let origin = mech_setting.map(|s| s.origin.clone()).unwrap_or_else(|| "security.protocol".into());
        let creds = |user: Option<String>, pass: Option<String>| {
            match (user, pass) {
            (Some(u), Some(p)) => Ok((u, p)),
            _ => Err(ConfigError::Setting {
                origin: creds_origin.clone().unwrap_or_else(|| origin.clone()),
                message: format!(
                    "{mech} needs a username and password: sasl.jaas.config=... required username=\"...\" password=\"...\"; (or -X sasl.username=… -X sasl.password=…)"
                ),
            }),
        }
        };
        let mechanism = match mech.as_str() {
            "PLAIN" => creds(user, pass).map(|(username, password)| SaslMechanism::Plain { username, password }),
            "SCRAM-SHA-256" => {
                creds(user, pass).map(|(username, password)| SaslMechanism::ScramSha256 { username, password })
            }
            "SCRAM-SHA-512" => {
                creds(user, pass).map(|(username, password)| SaslMechanism::ScramSha512 { username, password })
            }
            "OAUTHBEARER" => Err(ConfigError::Setting {
                origin,
                message: "OAUTHBEARER is supported for MSK IAM only: sasl.mechanism=AWS_MSK_IAM, or sasl.login.callback.handler.class=software.amazon.msk.auth.iam.IAMOAuthBearerLoginCallbackHandler (or --msk CLUSTER --auth iam)".into(),
            }),
            "GSSAPI" => Err(ConfigError::Setting {
                origin,
                message:
                    "GSSAPI (Kerberos) is not supported; set sasl.mechanism to PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512"
                        .into(),
            }),
            other => Err(ConfigError::Setting { origin, message: format!("unknown sasl.mechanism {other:?}") }),
        };
        mechanism.map(Some)
    }

    fn tls(&self) -> Result<TlsOptions, ConfigError> {
        let bad = |s: &Setting, message: String| ConfigError::Setting { origin: s.origin.clone(), message };
        let mut tls = TlsOptions { verify_hostname: true, ..Default::default() };
        let pem_type = |type_key: &str| self.get(&[type_key]).map(|(_, s)| s);
        let require_pem = |loc_key: &str, loc: &Setting, type_key: &str| -> Result<PathBuf, ConfigError> {
            let path = self.path(loc_key, loc);
            if let Some(t) = pem_type(type_key) {
                if !t.value.eq_ignore_ascii_case("PEM") {
                    return Err(bad(t, format!(
                        "{type_key}={} is not supported: kdeck reads PEM files only (convert with `keytool -exportcert -rfc` / `openssl pkcs12 -nodes`) and set {type_key}=PEM",
                        t.value
                    )));
                }
            } else if std::fs::read(&path).map(|b| !b.starts_with(b"-----BEGIN")).unwrap_or(false) {
                return Err(bad(
                    loc,
                    format!(
                        "{} is not a PEM file (JKS/PKCS12 are not supported: convert to PEM and set {type_key}=PEM)",
                        path.display()
                    ),
                ));
            }
            Ok(path)
        };
        if let Some((k, s)) = self.get(&["ssl.truststore.location"]) {
            tls.ca = Some(PemSource::File(require_pem(k, s, "ssl.truststore.type")?));
        } else if let Some((k, s)) = self.get(&["ssl.ca.location"]) {
            tls.ca = Some(PemSource::File(self.path(k, s)));
        } else if let Some((_, s)) = self.get(&["ssl.truststore.certificates", "ssl.ca.pem"]) {
            tls.ca = Some(PemSource::Inline(s.value.clone()));
        }
        if let Some((k, s)) = self.get(&["ssl.keystore.location"]) {
            let path = require_pem(k, s, "ssl.keystore.type")?;
            tls.client_cert = Some(PemSource::File(path.clone()));
            tls.client_key = Some(PemSource::File(path));
        }
        if let Some((k, s)) = self.get(&["ssl.certificate.location"]) {
            tls.client_cert = Some(PemSource::File(self.path(k, s)));
        }
        if let Some((k, s)) = self.get(&["ssl.key.location"]) {
            tls.client_key = Some(PemSource::File(self.path(k, s)));
        }
        if let Some((_, s)) = self.get(&["ssl.keystore.certificate.chain", "ssl.certificate.pem"]) {
            tls.client_cert = Some(PemSource::Inline(s.value.clone()));
        }
        if let Some((_, s)) = self.get(&["ssl.keystore.key", "ssl.key.pem"]) {
            tls.client_key = Some(PemSource::Inline(s.value.clone()));
        }
        if let Some((_, s)) = self.get(&["ssl.key.password"]) {
            if !s.value.is_empty() {
                return Err(bad(s, "encrypted client keys are not supported yet: decrypt with `openssl pkcs8 -topk8 -nocrypt -in key.pem -out key-plain.pem`".into()));
            }
        }
        if let Some((_, s)) = self.get(&["ssl.endpoint.identification.algorithm"]) {
            tls.verify_hostname = match s.value.to_ascii_lowercase().as_str() {
                "" | "none" => false,
                "https" => true,
                other => {
                    return Err(bad(
                        s,
                        format!("ssl.endpoint.identification.algorithm={other:?}: use https or leave it empty"),
                    ))
                }
            };
        }
        if let Some((_, s)) = self.get(&["enable.ssl.certificate.verification"]) {
            if s.value.eq_ignore_ascii_case("false") {
                return Err(bad(
                    s,
                    "turning certificate verification off is not supported; give the CA with ssl.ca.location instead"
                        .into(),
                ));
            }
        }
        Ok(tls)
    }
}

const KNOWN: &[&str] = &[
    "bootstrap.servers",
    "metadata.broker.list",
    "client.id",
    "request.timeout.ms",
    "socket.timeout.ms",
    "socket.connection.setup.timeout.ms",
    "socket.connection.setup.timeout.max.ms",
    "security.protocol",
    "sasl.mechanism",
    "sasl.mechanisms",
    "sasl.jaas.config",
    "sasl.login.callback.handler.class",
    "sasl.client.callback.handler.class",
    "sasl.username",
    "sasl.password",
    "ssl.truststore.location",
    "ssl.truststore.type",
    "ssl.truststore.certificates",
    "ssl.ca.location",
    "ssl.ca.pem",
    "ssl.keystore.location",
    "ssl.keystore.type",
    "ssl.keystore.certificate.chain",
    "ssl.keystore.key",
    "ssl.certificate.location",
    "ssl.key.location",
    "ssl.certificate.pem",
    "ssl.key.pem",
    "ssl.key.password",
    "ssl.endpoint.identification.algorithm",
    "enable.ssl.certificate.verification",
    "broker.map",
    "socks5.proxy",
    "socks5",
];

fn parse_ms(s: &Setting) -> Result<u64, String> {
    s.value.trim().parse::<u64>().map_err(|_| format!("expected milliseconds, found {:?}", s.value))
}

/// `host:port,host:port`; IPv6 as `[::1]:9092`.
pub fn parse_bootstrap(servers: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for raw in servers.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let raw = raw
            .strip_prefix("PLAINTEXT://")
            .or_else(|| raw.strip_prefix("SSL://"))
            .or_else(|| raw.strip_prefix("SASL_SSL://"))
            .or_else(|| raw.strip_prefix("SASL_PLAINTEXT://"))
            .unwrap_or(raw);
        let Some((host, port)) = raw.rsplit_once(':') else {
            return Err(format!("bootstrap server {raw:?} has no port (expected host:port)"));
        };
        if host.is_empty() || port.parse::<u16>().is_err() {
            return Err(format!("bootstrap server {raw:?} is not host:port"));
        }
        out.push(raw.to_string());
    }
    if out.is_empty() {
        return Err("no bootstrap servers given (--bootstrap HOST:PORT, bootstrap.servers, or --cluster NAME)".into());
    }
    Ok(out)
}

/// A parsed `sasl.jaas.config`: `Module required key="value" key2=value2;`
#[derive(Debug, PartialEq, Eq)]
pub struct Jaas {
    pub module: String,
    pub options: BTreeMap<String, String>,
}

/// Errors name options by key and quote nothing else from the text: it holds a password, and a
/// stray word in it may be one.
pub fn parse_jaas(text: &str) -> Result<Jaas, String> {
    let text = text.trim();
    let body = text
        .strip_suffix(';')
        .ok_or("sasl.jaas.config must end with `;` (a value spread over lines needs `\\` at the end of each line)")?
        .trim();
    let mut words = body.splitn(3, char::is_whitespace);
    let module = words.next().filter(|m| !m.is_empty()).ok_or("sasl.jaas.config has no login module")?.to_string();
    let flag = words.next().unwrap_or("");
    if !matches!(flag, "required" | "requisite" | "sufficient" | "optional") {
        // Kafka's login modules are all *LoginModule; anything else may be a misplaced secret
        let named = if module.ends_with("LoginModule") { format!(" {module}") } else { String::new() };
        return Err(format!(
            "sasl.jaas.config: expected `required` after the login module{named} (Module required key=\"value\" …;)"
        ));
    }
    let mut options = BTreeMap::new();
    let mut last_key: Option<String> = None;
    let rest: Vec<char> = words.next().unwrap_or("").chars().collect();
    let mut i = 0;
    while i < rest.len() {
        while i < rest.len() && rest[i].is_whitespace() {
            i += 1;
        }
        if i >= rest.len() {
            break;
        }
        let start = i;
        while i < rest.len() && rest[i] != '=' && !rest[i].is_whitespace() {
            i += 1;
        }
        if i >= rest.len() || rest[i] != '=' {
            let after = last_key.as_ref().map(|k| format!("option {k:?}")).unwrap_or_else(|| format!("`{flag}`"));
            return Err(format!("sasl.jaas.config: expected key=value after {after}"));
        }
        let key: String = rest[start..i].iter().collect();
        i += 1;
        let value = if rest.get(i) == Some(&'"') {
            i += 1;
            let mut v = String::new();
            loop {
                match rest.get(i) {
                    None => return Err(format!("sasl.jaas.config: unterminated quote in option {key:?}")),
                    Some('"') => {
                        i += 1;
                        break;
                    }
                    Some('\\') if i + 1 < rest.len() => {
                        v.push(rest[i + 1]);
                        i += 2;
                    }
                    Some(c) => {
                        v.push(*c);
                        i += 1;
                    }
                }
            }
            v
        } else {
            let start = i;
            while i < rest.len() && !rest[i].is_whitespace() {
                i += 1;
            }
            rest[start..i].iter().collect()
        };
        options.insert(key.clone(), value);
        last_key = Some(key);
    }
    Ok(Jaas { module, options })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(text: &str) -> Settings {
        let mut s = Settings::default();
        for (k, p) in crate::config::properties::parse(text, "c.properties").unwrap() {
            s.set(&k, &p.value, &format!("c.properties:{}", p.line));
        }
        s
    }

    #[test]
    fn jaas_options() {
        let j = parse_jaas(r#"org.apache.kafka.common.security.scram.ScramLoginModule required username="alice" password="s3cr\"et;x";"#).unwrap();
        assert_eq!(j.module, "org.apache.kafka.common.security.scram.ScramLoginModule");
        assert_eq!(j.options["username"], "alice");
        assert_eq!(j.options["password"], "s3cr\"et;x");
        assert!(parse_jaas("Module required username=\"a\"").unwrap_err().contains("end with `;`"));
        assert!(parse_jaas("Module username=\"a\";").unwrap_err().contains("expected `required`"));
    }

    #[test]
    fn jaas_errors_quote_no_secret() {
        let cases = [
            ("Module password=\"s3cr3t-1\";", "sasl.jaas.config: expected `required` after the login module (Module required key=\"value\" …;)"),
            ("s3cr3t-1;", "sasl.jaas.config: expected `required` after the login module (Module required key=\"value\" …;)"),
            ("x.ScramLoginModule s3cr3t-1;", "sasl.jaas.config: expected `required` after the login module x.ScramLoginModule (Module required key=\"value\" …;)"),
            ("M required username=\"u\" password= s3cr3t-1;", "sasl.jaas.config: expected key=value after option \"password\""),
            ("M required s3cr3t-1;", "sasl.jaas.config: expected key=value after `required`"),
            ("M required password=\"s3cr3t-1;", "sasl.jaas.config: unterminated quote in option \"password\""),
        ];
        for (text, want) in cases {
            assert_eq!(parse_jaas(text).unwrap_err(), want, "{text}");
        }
    }

    #[test]
    fn scram_over_tls_from_java_properties() {
        let s = settings(
            "bootstrap.servers=b-1.msk:9096,b-2.msk:9096\nsecurity.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-512\n\
             sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"u\" password=\"p\";\n",
        );
        let c = s.client_config(None).unwrap();
        assert_eq!(c.bootstrap, vec!["b-1.msk:9096", "b-2.msk:9096"]);
        assert!(
            matches!(c.sasl, Some(SaslMechanism::ScramSha512 { ref username, ref password }) if username == "u" && password == "p")
        );
        let tls = c.tls.unwrap();
        assert!(tls.verify_hostname && tls.ca.is_none());
    }

    #[test]
    fn bad_values_name_their_line() {
        let s = settings("security.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-999\n");
        assert_eq!(
            s.client_config(Some("h:1")).unwrap_err().to_string(),
            "c.properties:2: unknown sasl.mechanism \"SCRAM-SHA-999\""
        );
        let s = settings("security.protocol=SSL\nssl.truststore.location=/x/truststore.jks\nssl.truststore.type=JKS\n");
        let e = s.client_config(Some("h:1")).unwrap_err().to_string();
        assert!(e.starts_with("c.properties:3: ssl.truststore.type=JKS is not supported"), "{e}");
        let s = settings("security.protocol=TLS\n");
        assert!(s
            .client_config(Some("h:1"))
            .unwrap_err()
            .to_string()
            .starts_with("c.properties:1: unknown security.protocol"));
    }

    #[test]
    fn broker_map_and_socks5_settings() {
        let s = settings("broker.map=b-1.x:9092=127.0.0.1:9093\nsocks5.proxy=socks5h://127.0.0.1:1080\n");
        let c = s.client_config(Some("b-1.x:9092")).unwrap();
        assert_eq!(c.route.broker_map["b-1.x:9092"], "127.0.0.1:9093");
        assert_eq!(c.route.socks5.as_deref(), Some("127.0.0.1:1080"));
        let s = settings("socks5.proxy=localhost\n");
        assert_eq!(
            s.client_config(Some("h:1")).unwrap_err().to_string(),
            "c.properties:1: SOCKS5 proxy \"localhost\" is not host:port (e.g. 127.0.0.1:1080 for `ssh -D 1080`)"
        );
        let s = settings("broker.map=b-1.x:9092\n");
        assert_eq!(
            s.client_config(Some("h:1")).unwrap_err().to_string(),
            "c.properties:1: broker map entry \"b-1.x:9092\": expected ADVERTISED_HOST:PORT=HOST:PORT"
        );
    }

    #[test]
    fn bootstrap_forms() {
        assert_eq!(parse_bootstrap("a:1, [::1]:9092,SSL://b:2").unwrap(), vec!["a:1", "[::1]:9092", "b:2"]);
        assert!(parse_bootstrap("nohost").unwrap_err().contains("no port"));
        assert!(parse_bootstrap("").is_err());
    }

    mod props {
        use proptest::prelude::*;

        use super::super::*;

        const PASSWORD: &str = "s3cr3t-prop";

        /// A working SASL_SSL setup as -X flags.
        fn valid() -> Vec<(&'static str, String)> {
            vec![
                ("security.protocol", "SASL_SSL".into()),
                ("sasl.mechanism", "SCRAM-SHA-512".into()),
                (
                    "sasl.jaas.config",
                    format!("org.apache.kafka.common.security.scram.ScramLoginModule required username=\"u\" password=\"{PASSWORD}\";"),
                ),
                ("request.timeout.ms", "30000".into()),
                ("socket.connection.setup.timeout.ms", "5000".into()),
                ("ssl.endpoint.identification.algorithm", "https".into()),
                ("enable.ssl.certificate.verification", "true".into()),
                ("client.id", "kdeck".into()),
            ]
        }

        proptest! {
            #[test]
            fn arbitrary_overrides_never_panic(kv in "\\PC{0,40}", servers in "\\PC{0,40}", jaas in "\\PC{0,80}") {
                let mut s = Settings::default();
                if let Err(e) = s.apply_override(&kv) {
                    prop_assert!(e.to_string().starts_with("-X"), "{}", e);
                }
                let _ = s.client_config(None);
                let _ = parse_bootstrap(&servers);
                let _ = parse_jaas(&jaas);
            }

            #[test]
            fn one_bad_value_is_named_by_its_flag_and_never_shows_the_password(
                at in 0..8usize,
                value in prop_oneof!["\\PC{0,30}", "[A-Z_-]{0,12}", "-?[0-9]{0,12}", "[a-zA-Z.]{1,20} (required|optional)? ?[a-z]{0,8}=?\"?[a-z]{0,8};?"],
            ) {
                let mut settings = valid();
                let key = settings[at].0;
                settings[at].1 = value;
                let mut s = Settings::default();
                for (k, v) in &settings {
                    s.apply_override(&format!("{k}={v}")).expect("key=value");
                }
                match s.client_config(Some("h:9096")) {
                    Ok(_) => {}
                    Err(ConfigError::Setting { origin, message }) => {
                        prop_assert!(origin.starts_with(&format!("-X {key}")), "{} / {}: {}", key, origin, message);
                        prop_assert!(!origin.contains(PASSWORD) && !message.contains(PASSWORD), "{}: {}", origin, message);
                    }
                    Err(e) => prop_assert!(false, "not named by its flag: {}", e),
                }
            }
        }
    }
}
