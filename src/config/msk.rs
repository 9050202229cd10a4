//! AWS MSK discovery: the region's clusters (ListClustersV2) and a cluster's bootstrap strings
//! (GetBootstrapBrokers), through aws-sdk-kafka on the default credential chain (env, profile,
//! SSO, process, instance role). Standard endpoint overrides (`AWS_ENDPOINT_URL`,
//! `AWS_ENDPOINT_URL_KAFKA`) apply. One TLS stack: the SDK's HTTPS client is rustls with ring.
//!
//! Discovery resolves a bootstrap and a security setup; it is config, below the client that
//! connects with them.

use std::time::Duration;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_kafka::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_kafka::types::{Cluster, ClusterType};
use serde::Serialize;

use crate::kafka::msk_iam::error_chain;

/// Where MSK is and as whom to ask: `--region`, `--profile` (else the SDK's own defaults).
#[derive(Clone, Debug, Default)]
pub struct AwsOptions {
    pub region: Option<String>,
    pub profile: Option<String>,
    /// Bounds every AWS API call (connect and whole operation).
    pub timeout: Option<Duration>,
}

/// How kdeck talks to the brokers of an MSK cluster.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum MskAuth {
    /// SASL/OAUTHBEARER with an IAM-signed token over TLS (port 9098)
    Iam,
    /// SASL/SCRAM-SHA-512 over TLS (port 9096); username and password from the settings
    Scram,
    /// TLS, unauthenticated or with a client certificate from the settings (port 9094)
    Tls,
    /// no encryption, no authentication (port 9092)
    Plaintext,
}

impl MskAuth {
    pub fn name(self) -> &'static str {
        match self {
            MskAuth::Iam => "iam",
            MskAuth::Scram => "scram",
            MskAuth::Tls => "tls",
            MskAuth::Plaintext => "plaintext",
        }
    }

    pub fn parse(text: &str) -> Option<MskAuth> {
        [MskAuth::Iam, MskAuth::Scram, MskAuth::Tls, MskAuth::Plaintext]
            .into_iter()
            .find(|a| a.name().eq_ignore_ascii_case(text.trim()))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum MskError {
    #[error("no AWS region: give --region, set AWS_REGION, or set region in the AWS profile")]
    NoRegion,
    #[error("no AWS credentials for the MSK API: {0} (set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, run `aws sso login`, or use an instance role)")]
    NoCredentials(String),
    #[error("access denied calling MSK {action} in {region}: {message} (the IAM identity needs kafka:{action} — note kafka:*, not kafka-cluster:*)")]
    AccessDenied { action: &'static str, region: String, message: String },
    #[error("the MSK API in {region} rejected the credentials: {message} (expired session? run `aws sso login` or refresh the keys)")]
    BadCredentials { region: String, message: String },
    #[error("cannot reach the MSK API for region {region:?}: {message} (is the region right? --region / AWS_REGION; behind a proxy or without internet, set AWS_ENDPOINT_URL_KAFKA to a VPC endpoint)")]
    Unreachable { region: String, message: String },
    #[error("no MSK cluster {cluster:?} in {region} ({known}; wrong --region?)")]
    NotFound { cluster: String, region: String, known: String },
    #[error("MSK {action} in {region} failed: {message}")]
    Api { action: &'static str, region: String, message: String },
    #[error("MSK cluster {cluster} has no {auth} bootstrap brokers (it offers: {offered}); choose one with --auth")]
    NoSuchAuth { cluster: String, auth: &'static str, offered: String },
}

/// One cluster of `kdeck msk list`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MskCluster {
    pub name: String,
    pub arn: String,
    pub state: String,
    /// "provisioned" or "serverless"
    #[serde(rename = "type")]
    pub kind: String,
    /// Serverless clusters have no Kafka version of their own.
    pub kafka_version: Option<String>,
    pub brokers: Option<i32>,
    /// The client subnets (one per availability zone on MSK).
    pub subnets: Vec<String>,
    /// Enabled client authentication: iam, scram, tls, unauthenticated.
    pub auth: Vec<String>,
}

/// Every bootstrap string of a cluster (GetBootstrapBrokers), by kind.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Bootstraps {
    pub cluster: String,
    pub arn: String,
    /// (kind, auth, servers): e.g. ("vpc", Iam, "b-1…:9098,b-2…:9098"); kinds: vpc, public,
    /// vpc-connectivity.
    pub strings: Vec<BootstrapString>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BootstrapString {
    pub network: &'static str,
    pub auth: MskAuth,
    pub servers: String,
}

/// Loads the SDK configuration: region, credentials chain, endpoint overrides, our HTTPS client.
pub async fn sdk_config(opts: &AwsOptions) -> Result<SdkConfig, MskError> {
    let https = aws_smithy_http_client::Builder::new()
        .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
            aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https();
    let mut loader = aws_config::defaults(BehaviorVersion::latest()).http_client(https);
    if let Some(p) = &opts.profile {
        loader = loader.profile_name(p);
    }
    if let Some(r) = &opts.region {
        loader = loader.region(Region::new(r.clone()));
    }
    if let Some(t) = opts.timeout {
        loader = loader.timeout_config(
            aws_config::timeout::TimeoutConfig::builder()
                .connect_timeout(t.min(Duration::from_secs(5)))
                .operation_timeout(t)
                .build(),
        );
    }
    let config = loader.load().await;
    if config.region().is_none() {
        return Err(MskError::NoRegion);
    }
    Ok(config)
}

/// The region in an MSK broker's name: `b-1.c.abc123.c2.kafka.eu-west-1.amazonaws.com:9098`.
pub fn region_of_host(server: &str) -> Option<String> {
    let host = server.rsplit_once(':').map(|(h, _)| h).unwrap_or(server);
    let (before, _) = host.split_once(".amazonaws.com")?;
    let (_, region) = before.rsplit_once(".kafka.").or_else(|| before.rsplit_once(".kafka-serverless."))?;
    Some(region.to_string()).filter(|r| !r.is_empty() && !r.contains('.'))
}

fn region_of(config: &SdkConfig) -> String {
    config.region().map(|r| r.to_string()).unwrap_or_default()
}

/// Every cluster of the region, every page.
pub async fn list_clusters(config: &SdkConfig) -> Result<Vec<MskCluster>, MskError> {
    let client = aws_sdk_kafka::Client::new(config);
    let mut pages = client.list_clusters_v2().into_paginator().send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| api_error("ListClustersV2", config, e))?;
        out.extend(page.cluster_info_list().iter().map(describe));
    }
    Ok(out)
}

fn describe(c: &Cluster) -> MskCluster {
    let mut auth = Vec::new();
    let (kind, kafka_version, brokers, subnets) = match c.cluster_type() {
        Some(ClusterType::Serverless) => {
            let s = c.serverless();
            if s.and_then(|s| s.client_authentication())
                .and_then(|a| a.sasl())
                .and_then(|s| s.iam())
                .is_some_and(|i| i.enabled() == Some(true))
            {
                auth.push("iam".to_string());
            }
            let subnets = s
                .map(|s| s.vpc_configs().iter().flat_map(|v| v.subnet_ids().iter().cloned()).collect())
                .unwrap_or_default();
            ("serverless", None, None, subnets)
        }
        _ => {
            let p = c.provisioned();
            let ca = p.and_then(|p| p.client_authentication());
            let sasl = ca.and_then(|a| a.sasl());
            if sasl.and_then(|s| s.iam()).is_some_and(|i| i.enabled() == Some(true)) {
                auth.push("iam".into());
            }
            if sasl.and_then(|s| s.scram()).is_some_and(|s| s.enabled() == Some(true)) {
                auth.push("scram".into());
            }
            if ca.and_then(|a| a.tls()).is_some_and(|t| t.enabled() == Some(true)) {
                auth.push("tls".into());
            }
            if ca.and_then(|a| a.unauthenticated()).is_some_and(|u| u.enabled() == Some(true)) {
                auth.push("unauthenticated".into());
            }
            let version =
                p.and_then(|p| p.current_broker_software_info()).and_then(|s| s.kafka_version()).map(str::to_string);
            let subnets =
                p.and_then(|p| p.broker_node_group_info()).map(|b| b.client_subnets().to_vec()).unwrap_or_default();
            ("provisioned", version, p.and_then(|p| p.number_of_broker_nodes()), subnets)
        }
    };
    MskCluster {
        name: c.cluster_name().unwrap_or_default().to_string(),
        arn: c.cluster_arn().unwrap_or_default().to_string(),
        state: c.state().map(|s| s.as_str().to_string()).unwrap_or_default(),
        kind: kind.to_string(),
        kafka_version,
        brokers,
        subnets,
        auth,
    }
}

/// A cluster by name or ARN: its ARN and name. A name is looked up among the region's clusters.
pub async fn find_cluster(config: &SdkConfig, cluster: &str) -> Result<(String, String), MskError> {
    if cluster.starts_with("arn:") {
        let name = cluster.split('/').nth(1).unwrap_or(cluster).to_string();
        return Ok((cluster.to_string(), name));
    }
    let all = list_clusters(config).await?;
    match all.iter().find(|c| c.name == cluster) {
        Some(c) => Ok((c.arn.clone(), c.name.clone())),
        None => Err(MskError::NotFound {
            cluster: cluster.to_string(),
            region: region_of(config),
            known: if all.is_empty() {
                "the region has no clusters".into()
            } else {
                format!("clusters there: {}", all.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", "))
            },
        }),
    }
}

/// Every bootstrap string of a cluster (name or ARN).
pub async fn bootstraps(config: &SdkConfig, cluster: &str) -> Result<Bootstraps, MskError> {
    let (arn, name) = find_cluster(config, cluster).await?;
    let client = aws_sdk_kafka::Client::new(config);
    let out =
        client.get_bootstrap_brokers().cluster_arn(&arn).send().await.map_err(|e| match e.as_service_error() {
            Some(s) if s.code() == Some("NotFoundException") => MskError::NotFound {
                cluster: cluster.to_string(),
                region: region_of(config),
                known: "GetBootstrapBrokers says it does not exist".into(),
            },
            _ => api_error("GetBootstrapBrokers", config, e),
        })?;
    let candidates = [
        ("vpc", MskAuth::Iam, out.bootstrap_broker_string_sasl_iam()),
        ("vpc", MskAuth::Scram, out.bootstrap_broker_string_sasl_scram()),
        ("vpc", MskAuth::Tls, out.bootstrap_broker_string_tls()),
        ("vpc", MskAuth::Plaintext, out.bootstrap_broker_string()),
        ("public", MskAuth::Iam, out.bootstrap_broker_string_public_sasl_iam()),
        ("public", MskAuth::Scram, out.bootstrap_broker_string_public_sasl_scram()),
        ("public", MskAuth::Tls, out.bootstrap_broker_string_public_tls()),
        ("vpc-connectivity", MskAuth::Iam, out.bootstrap_broker_string_vpc_connectivity_sasl_iam()),
        ("vpc-connectivity", MskAuth::Scram, out.bootstrap_broker_string_vpc_connectivity_sasl_scram()),
        ("vpc-connectivity", MskAuth::Tls, out.bootstrap_broker_string_vpc_connectivity_tls()),
    ];
    let strings = candidates
        .into_iter()
        .filter_map(|(network, auth, s)| {
            s.filter(|s| !s.is_empty()).map(|s| BootstrapString { network, auth, servers: s.to_string() })
        })
        .collect();
    Ok(Bootstraps { cluster: name, arn, strings })
}

/// The order kdeck prefers when `--auth` does not say: IAM needs nothing but the AWS credentials
/// already in use; SCRAM needs a username and password, so it comes last.
const PREFERENCE: [MskAuth; 4] = [MskAuth::Iam, MskAuth::Tls, MskAuth::Plaintext, MskAuth::Scram];

impl Bootstraps {
    /// The string kdeck connects with: the in-VPC one (a bastion or VPN is inside the VPC) of the
    /// asked authentication, else of the first offered in [`PREFERENCE`]; public and
    /// multi-VPC strings only when the cluster has no in-VPC one of that authentication.
    pub fn pick(&self, auth: Option<MskAuth>) -> Result<&BootstrapString, MskError> {
        let order: Vec<MskAuth> = match auth {
            Some(a) => vec![a],
            None => PREFERENCE.to_vec(),
        };
        for a in &order {
            for network in ["vpc", "public", "vpc-connectivity"] {
                if let Some(s) = self.strings.iter().find(|s| s.auth == *a && s.network == network) {
                    return Ok(s);
                }
            }
        }
        Err(MskError::NoSuchAuth {
            cluster: self.cluster.clone(),
            auth: auth.map(MskAuth::name).unwrap_or("usable"),
            offered: self.offered(),
        })
    }

    fn offered(&self) -> String {
        let mut names: Vec<&str> = self.strings.iter().map(|s| s.auth.name()).collect();
        names.dedup();
        if names.is_empty() {
            "none yet: is the cluster still CREATING?".into()
        } else {
            names.join(", ")
        }
    }
}

/// An SDK error in words, with the action named when it was refused.
fn api_error<E, R>(action: &'static str, config: &SdkConfig, e: SdkError<E, R>) -> MskError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + 'static,
{
    let region = region_of(config);
    if let Some(c) = credentials_failure(&e) {
        return MskError::NoCredentials(c);
    }
    match &e {
        SdkError::ServiceError(s) => {
            let code = s.err().code().unwrap_or_default();
            let message = s.err().message().unwrap_or(code).to_string();
            match code {
                "AccessDeniedException" | "AccessDenied" | "ForbiddenException" => {
                    MskError::AccessDenied { action, region, message }
                }
                "UnrecognizedClientException"
                | "InvalidSignatureException"
                | "ExpiredTokenException"
                | "UnauthorizedException"
                | "InvalidClientTokenId"
                | "SignatureDoesNotMatch" => MskError::BadCredentials { region, message: format!("{code}: {message}") },
                _ => MskError::Api { action, region, message: format!("{code}: {message}") },
            }
        }
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => {
            MskError::Unreachable { region, message: error_chain(&e) }
        }
        _ => MskError::Api { action, region, message: error_chain(&e) },
    }
}

/// The credential chain's failure, if that is why the call failed (the SDK reports it as a
/// failure to build the request, deep in the error's sources).
fn credentials_failure(e: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut source = Some(e);
    while let Some(s) = source {
        if let Some(c) = s.downcast_ref::<aws_credential_types::provider::error::CredentialsError>() {
            return Some(error_chain(c));
        }
        source = s.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(strings: &[(&'static str, MskAuth)]) -> Bootstraps {
        Bootstraps {
            cluster: "c".into(),
            arn: "arn".into(),
            strings: strings
                .iter()
                .map(|(n, a)| BootstrapString { network: n, auth: *a, servers: format!("{n}-{}:1", a.name()) })
                .collect(),
        }
    }

    #[test]
    fn region_from_broker_names() {
        assert_eq!(
            region_of_host("b-1.orders.abc123.c2.kafka.eu-west-1.amazonaws.com:9098").as_deref(),
            Some("eu-west-1")
        );
        assert_eq!(
            region_of_host("boot-abc.c1.kafka-serverless.us-east-2.amazonaws.com:9098").as_deref(),
            Some("us-east-2")
        );
        assert_eq!(region_of_host("127.0.0.1:9098"), None);
    }

    #[test]
    fn pick_prefers_iam_then_tls_in_the_vpc() {
        let b = set(&[("vpc", MskAuth::Scram), ("vpc", MskAuth::Tls), ("public", MskAuth::Iam), ("vpc", MskAuth::Iam)]);
        assert_eq!(b.pick(None).unwrap().servers, "vpc-iam:1");
        assert_eq!(b.pick(Some(MskAuth::Scram)).unwrap().servers, "vpc-scram:1");
        let b = set(&[("vpc", MskAuth::Scram), ("vpc", MskAuth::Tls)]);
        assert_eq!(b.pick(None).unwrap().servers, "vpc-tls:1");
        let b = set(&[("public", MskAuth::Iam)]);
        assert_eq!(b.pick(Some(MskAuth::Iam)).unwrap().servers, "public-iam:1");
        assert_eq!(
            b.pick(Some(MskAuth::Plaintext)).unwrap_err().to_string(),
            "MSK cluster c has no plaintext bootstrap brokers (it offers: iam); choose one with --auth"
        );
    }
}
