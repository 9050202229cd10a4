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
    #[serde(default)]
    pub properties: BTreeMap<String, String>,
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
        toml::from_str(&text).map_err(|e| ConfigError::Other(format!("{}: {e}", path.display())))
    }
}

/// `~/x` → `$HOME/x`.
pub fn expand_home(p: &Path) -> PathBuf {
    match (p.strip_prefix("~"), directories::BaseDirs::new()) {
        (Ok(rest), Some(b)) => b.home_dir().join(rest),
        _ => p.to_path_buf(),
    }
}
