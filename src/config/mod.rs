//! Where connection settings come from, lowest precedence first: a named cluster in
//! config.toml, its command_config, `--command-config FILE`, `-X key=value`, `--bootstrap`.

pub mod client;
pub mod msk;
pub mod profile;
pub mod properties;

use std::path::PathBuf;

pub use client::{ConfigError, Settings};
pub use profile::{ClusterProfile, FileConfig};

use std::sync::Arc;

use crate::kafka::msk_iam::IamTokens;
use crate::kafka::{ClientConfig, SaslMechanism};
use msk::{AwsOptions, MskAuth};

/// Where kdeck keeps its log and audit log: $KDECK_STATE_DIR, else the platform state dir
/// (~/.local/state/kdeck on Linux).
pub fn state_dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("KDECK_STATE_DIR").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(d));
    }
    let dirs = directories::ProjectDirs::from("", "", "kdeck")?;
    Some(dirs.state_dir().unwrap_or_else(|| dirs.data_local_dir()).to_path_buf())
}

/// The connection options every command shares.
#[derive(Clone, Debug, Default)]
pub struct ConnectArgs {
    pub bootstrap: Option<String>,
    pub command_config: Option<PathBuf>,
    pub overrides: Vec<String>,
    pub cluster: Option<String>,
    pub config_file: Option<PathBuf>,
    pub timeout: Option<std::time::Duration>,
    /// An MSK cluster (name or ARN) whose bootstrap is looked up with the AWS API.
    pub msk: Option<String>,
    /// Which of the MSK cluster's authentications to use (default: see `msk::Bootstraps::pick`).
    pub auth: Option<MskAuth>,
    /// AWS region and profile for MSK discovery and IAM.
    pub aws: AwsOptions,
    /// `--broker-map` and `--socks5` (win over the profile and -X).
    pub broker_map: Option<String>,
    pub socks5: Option<String>,
}

/// A resolved connection: what to connect with and how to call the cluster in messages.
#[derive(Clone)]
pub struct Resolved {
    pub name: String,
    pub client: ClientConfig,
    pub read_only: bool,
}

/// Resolves the connection: settings from every source, an MSK cluster's bootstrap from the AWS
/// API, and for MSK IAM a token source on the AWS credential chain (started on the current
/// runtime, refreshed in the background).
pub async fn resolve(args: &ConnectArgs) -> Result<Resolved, ConfigError> {
    let (file_path, explicit) = match &args.config_file {
        Some(p) => (Some(p.clone()), true),
        None => (profile::default_path(), false),
    };
    let file = match &file_path {
        Some(p) => FileConfig::load(p, explicit)?,
        None => FileConfig::default(),
    };
    let mut settings = Settings::default();
    let mut read_only = false;
    let cluster_name = args.cluster.clone().or_else(|| {
        // the default profile applies only when nothing else says where to connect
        (args.bootstrap.is_none() && args.command_config.is_none()).then(|| file.default_cluster.clone()).flatten()
    });
    let mut name = String::new();
    let (mut msk_cluster, mut msk_auth, mut aws) = (None, None, AwsOptions::default());
    if let Some(cluster) = &cluster_name {
        let where_ = file_path.as_ref().map(|p| p.display().to_string()).unwrap_or_else(|| "config.toml".into());
        let prof = file.clusters.get(cluster).ok_or_else(|| {
            let known: Vec<&str> = file.clusters.keys().map(String::as_str).collect();
            ConfigError::Other(format!(
                "no cluster named {cluster:?} in {where_} (known: {})",
                if known.is_empty() { "none".to_string() } else { known.join(", ") }
            ))
        })?;
        let origin = format!("{where_} [clusters.{cluster}]");
        if let Some(cc) = &prof.command_config {
            settings.load_properties_file(&profile::expand_home(cc))?;
        }
        for (k, v) in &prof.properties {
            settings.set(k, v, &origin);
        }
        if let Some(b) = &prof.bootstrap {
            settings.set("bootstrap.servers", b, &origin);
        }
        if let Some(m) = &prof.broker_map {
            settings.set("broker.map", m, &format!("{origin} broker_map"));
        }
        if let Some(p) = &prof.socks5 {
            settings.set("socks5.proxy", p, &format!("{origin} socks5"));
        }
        read_only = prof.read_only;
        name = cluster.clone();
        if let Some(m) = &prof.msk {
            msk_cluster = Some(m.clone());
        }
        if let Some(a) = &prof.auth {
            msk_auth = Some(MskAuth::parse(a).ok_or_else(|| {
                ConfigError::Other(format!("{origin}: auth = {a:?}: use iam, scram, tls or plaintext"))
            })?);
        }
        aws.region = prof.region.clone();
        aws.profile = prof.profile.clone();
    }
    if let Some(cc) = &args.command_config {
        settings.load_properties_file(cc)?;
    }
    for kv in &args.overrides {
        settings.apply_override(kv)?;
    }
    if let Some(m) = &args.broker_map {
        settings.set("broker.map", m, &format!("--broker-map {m}"));
    }
    if let Some(p) = &args.socks5 {
        settings.set("socks5.proxy", p, &format!("--socks5 {p}"));
    }
    // the command line wins over the profile
    msk_cluster = args.msk.clone().or(msk_cluster);
    msk_auth = args.auth.or(msk_auth);
    aws.region = args.aws.region.clone().or(aws.region);
    aws.profile = args.aws.profile.clone().or(aws.profile);
    aws.timeout = Some(args.timeout.unwrap_or(ClientConfig::default().request_timeout));
    let mut sdk = None;
    let mut bootstrap = args.bootstrap.clone();
    if let Some(cluster) = &msk_cluster {
        if bootstrap.is_some() {
            return Err(ConfigError::Other(format!(
                "both --bootstrap and an MSK cluster ({cluster}) say where to connect: give one"
            )));
        }
        let config = msk::sdk_config(&aws).await?;
        let found = msk::bootstraps(&config, cluster).await?;
        let chosen = found.pick(msk_auth)?;
        let origin = format!("MSK cluster {} ({} bootstrap)", found.cluster, chosen.auth.name());
        settings.set_msk_security(chosen.auth, &origin);
        bootstrap = Some(chosen.servers.clone());
        if name.is_empty() {
            name = found.cluster.clone();
        }
        sdk = Some(config);
    } else if msk_auth.is_some() {
        return Err(ConfigError::Other(
            "--auth chooses among an MSK cluster's bootstrap strings: give the cluster with --msk (or msk = … in the profile)".into(),
        ));
    }
    let unused = settings.unused_keys();
    if !unused.is_empty() {
        tracing::debug!(keys = ?unused, "settings kdeck does not use");
    }
    let mut client = settings.client_config(bootstrap.as_deref())?;
    if settings.msk_iam() {
        let config = match sdk {
            Some(c) => c,
            None => {
                // a Java client's MSK IAM setup: the region is in the brokers' names
                if aws.region.is_none() {
                    aws.region = client.bootstrap.iter().find_map(|b| msk::region_of_host(b));
                }
                msk::sdk_config(&aws).await?
            }
        };
        let region = config.region().map(|r| r.to_string()).unwrap_or_default();
        let credentials = config
            .credentials_provider()
            .ok_or_else(|| ConfigError::Other("MSK IAM: the AWS configuration has no credentials provider".into()))?;
        let tokens = IamTokens::start(credentials, &region).await.map_err(|e| ConfigError::Other(e.to_string()))?;
        client.sasl = Some(SaslMechanism::OAuthBearer(Arc::new(tokens)));
    }
    if let Some(t) = args.timeout {
        client.request_timeout = t;
        client.connect_timeout = client.connect_timeout.min(t);
    }
    if name.is_empty() {
        name = client.bootstrap.first().cloned().unwrap_or_default();
    }
    Ok(Resolved { name, client, read_only })
}
