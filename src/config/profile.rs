//! Named clusters in `~/.config/kdeck/config.toml`:
//!
//! ```toml
//! default_cluster = "local"
//!
//! [clusters.local]
//! bootstrap = "127.0.0.1:19092"
//!
//! [clusters.prod-msk]
//! bootstrap = "b-1.prod.kafka.eu-west-1.amazonaws.com:9096"
//! command_config = "~/.config/kdeck/prod.properties"   # Java client .properties
//! read_only = true
//! socks5 = "127.0.0.1:1080"                           # ssh -D 1080 bastion (or broker_map = "b-1…:9096=127.0.0.1:9096")
//! [clusters.prod-msk.properties]                       # or inline keys
//! "security.protocol" = "SASL_SSL"
//!
//! [clusters.orders-msk]                                 # bootstrap from the AWS API
//! msk = "orders-prod"                                   # cluster name or ARN
//! region = "eu-west-1"                                  # optional, like profile
//! auth = "iam"                                          # iam | scram | tls | plaintext
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::client::ConfigError;
use crate::kafka::redact;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub default_cluster: Option<String>,
    #[serde(default)]
    pub clusters: BTreeMap<String, ClusterProfile>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterProfile {
    pub bootstrap: Option<String>,
    pub command_config: Option<PathBuf>,
    #[serde(default)]
    pub read_only: bool,
    /// An AWS MSK cluster (name or ARN): the bootstrap comes from the AWS API.
    pub msk: Option<String>,
    /// AWS region and profile for `msk` and IAM (default: the SDK's, e.g. AWS_REGION, AWS_PROFILE).
    pub region: Option<String>,
    pub profile: Option<String>,
    /// Which of the MSK cluster's authentications: iam, scram, tls, plaintext.
    pub auth: Option<String>,
    /// `"b-1.example:9092=127.0.0.1:9093,…"`: dial another address for an advertised one (ssh -L).
    pub broker_map: Option<String>,
    /// `"127.0.0.1:1080"`: every connection through this SOCKS5 proxy (ssh -D).
    pub socks5: Option<String>,
    /// Client settings; numbers and booleans are taken as their text (`"request.timeout.ms" = 30000`).
    #[serde(default, deserialize_with = "scalar_values")]
    pub properties: BTreeMap<String, String>,
}

fn scalar_values<'de, D: serde::Deserializer<'de>>(d: D) -> Result<BTreeMap<String, String>, D::Error> {
    Ok(BTreeMap::<String, ScalarText>::deserialize(d)?.into_iter().map(|(k, v)| (k, v.0)).collect())
}

/// A TOML string, number or boolean as text. Anything else is refused without quoting it: the
/// value may be a secret.
struct ScalarText(String);

impl<'de> Deserialize<'de> for ScalarText {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Text;
        impl serde::de::Visitor<'_> for Text {
            type Value = ScalarText;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string, number or boolean")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<ScalarText, E> {
                Ok(ScalarText(v.to_string()))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<ScalarText, E> {
                Ok(ScalarText(v.to_string()))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<ScalarText, E> {
                Ok(ScalarText(v.to_string()))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<ScalarText, E> {
                Ok(ScalarText(v.to_string()))
            }
            fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<ScalarText, E> {
                Ok(ScalarText(v.to_string()))
            }
        }
        d.deserialize_any(Text)
    }
}

/// `$KDECK_CONFIG`, else the platform config dir (`~/.config/kdeck/config.toml` on Linux).
pub fn default_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("KDECK_CONFIG") {
        return Some(PathBuf::from(p));
    }
    directories::ProjectDirs::from("", "", "kdeck").map(|d| d.config_dir().join("config.toml"))
}

impl FileConfig {
    /// Reads the file; a missing default file is an empty config, a missing explicit one an error.
    pub fn load(path: &Path, explicit: bool) -> Result<FileConfig, ConfigError> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => return Ok(FileConfig::default()),
            Err(e) => return Err(ConfigError::Other(format!("cannot read {}: {e}", path.display()))),
        };
        FileConfig::parse(&text, &path.display().to_string())
    }

    /// Parses config.toml's text; `origin` names it in errors (`origin:LINE:COLUMN: …`).
    pub fn parse(text: &str, origin: &str) -> Result<FileConfig, ConfigError> {
        toml::from_str(text).map_err(|e| ConfigError::Other(toml_error(origin, text, &e)))
    }
}

/// A TOML error as `FILE:LINE:COLUMN: message` on one line. toml's own Display quotes the
/// offending line, which in config.toml may hold a password; values of secret-looking keys are
/// also taken out of the message (serde quotes a value of the wrong type).
pub fn toml_error(origin: &str, text: &str, e: &toml::de::Error) -> String {
    let place = match e.span() {
        Some(span) => {
            let before = text.get(..span.start).unwrap_or(text);
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map(|l| l.chars().count()).unwrap_or(0) + 1;
            format!("{origin}:{line}:{column}")
        }
        None => origin.to_string(),
    };
    let message = e.message().trim_end().replace('\n', " ");
    format!("{place}: {}", redact::scrub(&message, secret_values(text)))
}

/// Values on `key = value` lines whose key looks secret, read leniently (the file did not parse).
fn secret_values(text: &str) -> Vec<&str> {
    text.lines()
        .filter_map(|l| l.split_once('='))
        .filter(|(k, _)| redact::is_sensitive_key(k))
        .map(|(_, v)| v.trim().trim_matches(|c| c == '"' || c == '\''))
        .filter(|v| !v.is_empty())
        .collect()
}

/// `~/x` → `$HOME/x`.
pub fn expand_home(p: &Path) -> PathBuf {
    match (p.strip_prefix("~"), directories::BaseDirs::new()) {
        (Ok(rest), Some(b)) => b.home_dir().join(rest),
        _ => p.to_path_buf(),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const GOOD: &str = "default_cluster = \"a\"\n[clusters.a]\nbootstrap = \"h:1\"\nread_only = true\n\
                        command_config = \"/x.properties\"\n[clusters.a.properties]\n\"client.id\" = \"me\"\n\
                        \"request.timeout.ms\" = 30000\n";

    #[test]
    fn profiles_and_scalar_properties() {
        let f = FileConfig::parse(GOOD, "c.toml").expect("parse");
        let a = &f.clusters["a"];
        assert_eq!(a.bootstrap.as_deref(), Some("h:1"));
        assert!(a.read_only);
        assert_eq!(a.properties["request.timeout.ms"], "30000");
        let e = FileConfig::parse("[clusters.a.properties]\n\"x\" = [1]\n", "c.toml").unwrap_err().to_string();
        assert_eq!(e, "c.toml:2:7: invalid type: sequence, expected a string, number or boolean");
        let e = FileConfig::parse("[clusters.a]\nbootstrap = \"h:1\"\npassword = \"s3cr3t\"\n", "c.toml").unwrap_err();
        assert!(e.to_string().starts_with("c.toml:3:1: unknown field `password`"), "{e}");
    }

    /// Lines 1-5 of a valid file: line 4 opens the properties table.
    const SMALL: &str =
        "default_cluster = \"a\"\n[clusters.a]\nbootstrap = \"h:1\"\n[clusters.a.properties]\n\"client.id\" = \"me\"\n";

    /// A line that spoils the cluster table (inserted as line 4) or the properties (line 6).
    fn spoil() -> impl Strategy<Value = (usize, String)> {
        prop_oneof![
            "x_[a-z_]{0,8} = \"[a-z]{0,5}\"".prop_map(|l| (3, l)),
            "read_only = \"[a-z0-9]{0,5}\"".prop_map(|l| (3, l)),
            "bootstrap = [0-9]{1,5}".prop_map(|l| (3, l)),
            "command_config = (true|false)".prop_map(|l| (3, l)),
            "\"x[a-z.]{0,9}\" = \\{\\}".prop_map(|l| (3, l)),
            "\"[a-z.]{1,9}\" = (\\{\\}|\\[1\\]|\\[\\])".prop_map(|l| (5, l)),
            "\"[a-z.]{1,9}\" = \"s3cr3t".prop_map(|l| (5, l)),
            "[a-z]{1,5} = \"[a-z]{0,5}".prop_map(|l| (3, l)),
        ]
    }

    proptest! {
        #[test]
        fn arbitrary_text_never_panics_and_errors_name_the_file(text in "\\PC{0,200}") {
            if let Err(e) = FileConfig::parse(&text, "c.toml") {
                prop_assert!(e.to_string().starts_with("c.toml"), "{}", e);
                prop_assert!(!e.to_string().contains('\n'), "one line: {}", e);
            }
        }

        #[test]
        fn one_spoiled_line_is_named((at, bad) in spoil()) {
            let mut lines: Vec<String> = SMALL.lines().map(str::to_string).collect();
            lines.insert(at, bad.clone());
            let text = lines.join("\n") + "\n";
            let e = FileConfig::parse(&text, "c.toml").expect_err("the spoiled line is refused").to_string();
            prop_assert!(e.starts_with(&format!("c.toml:{}:", at + 1)), "{}\n{}", e, text);
            prop_assert!(!e.contains("s3cr3t"), "{}", e);
        }
    }
}
