//! `kdeck msk list` and `kdeck msk bootstrap CLUSTER`: MSK clusters of a region and their
//! bootstrap strings, from the AWS API (no Kafka connection).

use clap::Subcommand;
use serde::Serialize;

use super::output::{json, opt, Format, Table};
use super::Global;
use crate::config::msk::{self, AwsOptions, BootstrapString};

#[derive(Subcommand, Debug)]
pub enum MskCommand {
    /// The region's MSK clusters: name, state, type, Kafka version, brokers, subnets, auth modes
    List,
    /// Every bootstrap string of a cluster (name or ARN) and the one kdeck would connect with
    Bootstrap { cluster: String },
}

/// `-o json` of `msk bootstrap`.
#[derive(Serialize)]
struct BootstrapReport<'a> {
    cluster: &'a str,
    arn: &'a str,
    bootstrap: &'a [BootstrapString],
    /// What `--msk CLUSTER` (with the given --auth) connects with; null when nothing fits.
    chosen: Option<&'a BootstrapString>,
}

pub async fn run(global: &Global, cmd: &MskCommand) -> anyhow::Result<String> {
    let aws = AwsOptions {
        region: global.region.clone(),
        profile: global.profile.clone(),
        timeout: Some(global.timeout.unwrap_or(crate::kafka::ClientConfig::default().request_timeout)),
    };
    let config = msk::sdk_config(&aws).await?;
    match cmd {
        MskCommand::List => {
            let clusters = msk::list_clusters(&config).await?;
            Ok(match global.output {
                Format::Json => json(&clusters)?,
                Format::Table => {
                    let mut t = Table::new(["NAME", "STATE", "TYPE", "VERSION", "BROKERS", "SUBNETS", "AUTH", "ARN"]);
                    for c in &clusters {
                        t.row(vec![
                            c.name.clone(),
                            c.state.clone(),
                            c.kind.clone(),
                            opt(c.kafka_version.clone()),
                            opt(c.brokers),
                            c.subnets.len().to_string(),
                            c.auth.join(","),
                            c.arn.clone(),
                        ]);
                    }
                    let region = config.region().map(|r| r.to_string()).unwrap_or_default();
                    format!("{}{} clusters in {region}\n", t.render(), clusters.len())
                }
            })
        }
        MskCommand::Bootstrap { cluster } => {
            let found = msk::bootstraps(&config, cluster).await?;
            let chosen = found.pick(global.auth);
            Ok(match global.output {
                Format::Json => json(&BootstrapReport {
                    cluster: &found.cluster,
                    arn: &found.arn,
                    bootstrap: &found.strings,
                    chosen: chosen.as_ref().ok().copied(),
                })?,
                Format::Table => {
                    let mut t = Table::new(["NETWORK", "AUTH", "BOOTSTRAP"]);
                    for s in &found.strings {
                        t.row(vec![s.network.to_string(), s.auth.name().to_string(), s.servers.clone()]);
                    }
                    let pick = match chosen {
                        Ok(s) => format!(
                            "kdeck --msk {} connects with: {} ({}, {})\n",
                            found.cluster,
                            s.servers,
                            s.auth.name(),
                            s.network
                        ),
                        Err(e) => format!("kdeck --msk {}: {e}\n", found.cluster),
                    };
                    format!("{}{pick}", t.render())
                }
            })
        }
    }
}
