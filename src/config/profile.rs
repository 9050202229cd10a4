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
//! [clusters.prod-msk.properties]                       # or inline keys
//! "security.protocol" = "SASL_SSL"
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
    /// Client settings; numbers and booleans are taken as their text (`"request.timeout.ms" = 30000`).
    #[serde(default, deserialize_with = "scalar_values")]
    pub properties: BTreeMap<String, String>,
}

fn scalar_values<'de, D: serde::Deserializer<'de>>(d: D) -> Result<BTreeMap<String, String>, D::Error> {
    let raw = BTreeMap::<String, toml::Value>::deserialize(d)?;
    raw.into_iter()
        .map(|(k, v)| match v {
            toml::Value::String(s) => Ok((k, s)),
            toml::Value::Integer(_) | toml::Value::Float(_) | toml::Value::Boolean(_) => Ok((k, v.to_string())),
            // the value is not quoted back: it may be a secret
            other => Err(serde::de::Error::custom(format!(
                "property {k:?} must be a string, number or boolean, not {}",
                other.type_str()
            ))),
        })
        .collect()
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
        toml::from_str(&text).map_err(|e| ConfigError::Other(toml_error(&path.display().to_string(), &text, &e)))
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
