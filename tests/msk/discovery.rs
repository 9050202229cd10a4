//! `kdeck msk list`, `kdeck msk bootstrap`, `--msk` and `msk = …` in config.toml against the
//! loopback MSK API stand-in (aws_api.rs) through AWS_ENDPOINT_URL_KAFKA and env credentials.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use crate::aws_api::{self, AwsApi, DENIED_KEY, REGION};

pub const ACCESS_KEY: &str = "AKIAKDECKIAMTEST0001";
pub const SECRET: &str = "kdeck-iam-test-secret";
/// The IAM broker of scripts/kafka-iam.sh and the main test cluster's PLAINTEXT brokers, as the
/// stand-in's GetBootstrapBrokers answers them for orders-prod.
pub const IAM_BOOTSTRAP: &str = "127.0.0.1:44098";
pub const PLAINTEXT_BOOTSTRAP: &str = "127.0.0.1:19092,127.0.0.1:29092,127.0.0.1:39092";

pub fn api() -> &'static AwsApi {
    static API: OnceLock<AwsApi> = OnceLock::new();
    API.get_or_init(|| aws_api::start(IAM_BOOTSTRAP, PLAINTEXT_BOOTSTRAP))
}

pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// kdeck with an AWS environment of its own: env credentials (or none), the stand-in as the MSK
/// endpoint, a HOME without ~/.aws, no instance metadata (never leaves loopback).
pub fn kdeck_aws(key: Option<(&str, &str)>, region: Option<&str>, args: &[&str]) -> Output {
    kdeck_aws_env(key, region, &[], args)
}

/// [`kdeck_aws`] with more environment variables (KDECK_LOG, AWS_SESSION_TOKEN, …).
pub fn kdeck_aws_env(key: Option<(&str, &str)>, region: Option<&str>, env: &[(&str, &str)], args: &[&str]) -> Output {
    let home = std::env::temp_dir().join("kdeck-msk-test-home");
    std::fs::create_dir_all(&home).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kdeck"));
    cmd.args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", &home)
        .env("KDECK_STATE_DIR", home.join("state"))
        .env("KDECK_CONFIG", root().join("tests/msk/no-such-config.toml"))
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ENDPOINT_URL_KAFKA", &api().endpoint);
    if let Some((k, s)) = key {
        cmd.env("AWS_ACCESS_KEY_ID", k).env("AWS_SECRET_ACCESS_KEY", s);
    }
    if let Some(r) = region {
        cmd.env("AWS_REGION", r);
    }
    cmd.envs(env.iter().copied());
    cmd.output().unwrap()
}

fn ok(out: &Output) -> String {
    assert!(out.status.success(), "kdeck failed:\n{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn failed(out: &Output) -> String {
    assert!(!out.status.success(), "kdeck should have failed:\n{}", String::from_utf8_lossy(&out.stdout));
    String::from_utf8(out.stderr.clone()).unwrap()
}

const KEY: Option<(&str, &str)> = Some((ACCESS_KEY, SECRET));

#[test]
fn msk_list_follows_both_pages_and_shows_provisioned_and_serverless() {
    let json: serde_json::Value =
        serde_json::from_str(&ok(&kdeck_aws(KEY, Some(REGION), &["msk", "list", "-o", "json"]))).unwrap();
    assert_eq!(
        json,
        serde_json::json!([
            {
                "name": "orders-prod",
                "arn": "arn:aws:kafka:eu-west-1:123456789012:cluster/orders-prod/5b3c1d2e-0f9a-4b8c-9d7e-6a5b4c3d2e1f-2",
                "state": "ACTIVE",
                "type": "provisioned",
                "kafka_version": "3.6.0",
                "brokers": 3,
                "subnets": ["subnet-0a1", "subnet-0b2", "subnet-0c3"],
                "auth": ["iam", "scram"]
            },
            {
                "name": "clicks-serverless",
                "arn": "arn:aws:kafka:eu-west-1:123456789012:cluster/clicks-serverless/0c1d2e3f-4a5b-6c7d-8e9f-0a1b2c3d4e5f-s1",
                "state": "ACTIVE",
                "type": "serverless",
                "kafka_version": null,
                "brokers": null,
                "subnets": ["subnet-0a1", "subnet-0b2"],
                "auth": ["iam"]
            }
        ])
    );
    let table = ok(&kdeck_aws(KEY, Some(REGION), &["msk", "list"]));
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        ["NAME", "STATE", "TYPE", "VERSION", "BROKERS", "SUBNETS", "AUTH", "ARN"]
    );
    assert_eq!(
        lines[1].split_whitespace().take(7).collect::<Vec<_>>(),
        ["orders-prod", "ACTIVE", "provisioned", "3.6.0", "3", "3", "iam,scram"]
    );
    assert_eq!(
        lines[2].split_whitespace().take(7).collect::<Vec<_>>(),
        ["clicks-serverless", "ACTIVE", "serverless", "-", "-", "2", "iam"]
    );
    assert_eq!(lines[3], "2 clusters in eu-west-1");

    // the SDK followed nextToken, signing for service kafka in the region with the env key (other
    // tests share the stand-in: their requests are signed by other keys or for other regions)
    let seen = api().seen.lock().unwrap().clone();
    let scope = format!("AWS4-HMAC-SHA256 Credential={ACCESS_KEY}/");
    assert!(
        seen.iter().any(|s| s.path.starts_with("/api/v2/clusters?")
            && s.path.contains("nextToken=page-2")
            && s.authorization.starts_with(&scope)
            && s.authorization.contains(&format!("/{REGION}/kafka/aws4_request"))),
        "{seen:?}"
    );
}

#[test]
fn msk_bootstrap_lists_every_string_and_the_one_kdeck_picks() {
    let json: serde_json::Value =
        serde_json::from_str(&ok(&kdeck_aws(KEY, Some(REGION), &["msk", "bootstrap", "orders-prod", "-o", "json"])))
            .unwrap();
    let iam = serde_json::json!({"network": "vpc", "auth": "iam", "servers": IAM_BOOTSTRAP});
    assert_eq!(
        json,
        serde_json::json!({
            "cluster": "orders-prod",
            "arn": "arn:aws:kafka:eu-west-1:123456789012:cluster/orders-prod/5b3c1d2e-0f9a-4b8c-9d7e-6a5b4c3d2e1f-2",
            "bootstrap": [
                iam,
                {"network": "vpc", "auth": "scram", "servers": "b-1.orders-prod.x1y2z3.c2.kafka.eu-west-1.amazonaws.com:9096,b-2.orders-prod.x1y2z3.c2.kafka.eu-west-1.amazonaws.com:9096"},
                {"network": "vpc", "auth": "plaintext", "servers": PLAINTEXT_BOOTSTRAP},
                {"network": "public", "auth": "iam", "servers": "b-1-public.orders-prod.x1y2z3.c2.kafka.eu-west-1.amazonaws.com:9198"}
            ],
            "chosen": iam
        })
    );
    // by ARN, with --auth: the SCRAM string
    let arn = aws_api::arn("orders-prod", "5b3c1d2e-0f9a-4b8c-9d7e-6a5b4c3d2e1f-2");
    let table = ok(&kdeck_aws(KEY, Some(REGION), &["msk", "bootstrap", &arn, "--auth", "plaintext"]));
    assert_eq!(
        table.lines().last().unwrap(),
        format!("kdeck --msk orders-prod connects with: {PLAINTEXT_BOOTSTRAP} (plaintext, vpc)")
    );
    let serverless: serde_json::Value = serde_json::from_str(&ok(&kdeck_aws(
        KEY,
        Some(REGION),
        &["msk", "bootstrap", "clicks-serverless", "-o", "json"],
    )))
    .unwrap();
    assert_eq!(serverless["chosen"]["servers"], "boot-abcd1234.c1.kafka-serverless.eu-west-1.amazonaws.com:9098");
    let none = kdeck_aws(KEY, Some(REGION), &["msk", "bootstrap", "clicks-serverless", "--auth", "tls"]);
    assert_eq!(
        ok(&none).lines().last().unwrap(),
        "kdeck --msk clicks-serverless: MSK cluster clicks-serverless has no tls bootstrap brokers (it offers: iam); choose one with --auth"
    );
}

#[test]
fn aws_errors_say_what_is_wrong_and_what_to_do() {
    // access denied: the action is named, and kafka:* told apart from kafka-cluster:*
    let e = failed(&kdeck_aws(Some((DENIED_KEY, "whatever")), Some(REGION), &["msk", "list"]));
    assert_eq!(
        e.trim_end(),
        "error: access denied calling MSK ListClustersV2 in eu-west-1: User: arn:aws:iam::123456789012:user/bastion is not authorized to perform: kafka:ListClustersV2 on resource: * because no identity-based policy allows the kafka:ListClustersV2 action (the IAM identity needs kafka:ListClustersV2 — note kafka:*, not kafka-cluster:*)"
    );
    let arn = aws_api::arn("orders-prod", "5b3c1d2e-0f9a-4b8c-9d7e-6a5b4c3d2e1f-2");
    let e = failed(&kdeck_aws(Some((DENIED_KEY, "whatever")), Some(REGION), &["msk", "bootstrap", &arn]));
    assert!(e.starts_with("error: access denied calling MSK GetBootstrapBrokers in eu-west-1: "), "{e}");
    assert!(
        e.trim_end()
            .ends_with("(the IAM identity needs kafka:GetBootstrapBrokers — note kafka:*, not kafka-cluster:*)"),
        "{e}"
    );

    // no credentials anywhere in the chain (env, files, SSO, process, instance metadata disabled)
    let e = failed(&kdeck_aws(None, Some(REGION), &["msk", "list"]));
    assert!(e.starts_with("error: no AWS credentials for the MSK API: "), "{e}");
    assert!(e.trim_end().ends_with("(set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, run `aws sso login`, or use an instance role)"), "{e}");

    // no region at all
    let e = failed(&kdeck_aws(KEY, None, &["msk", "list"]));
    assert_eq!(e.trim_end(), "error: no AWS region: give --region, set AWS_REGION, or set region in the AWS profile");

    // the wrong region: MSK there has no such cluster (the stand-in answers per signed region)
    let e = failed(&kdeck_aws(KEY, Some(REGION), &["--region", "us-east-2", "msk", "bootstrap", "orders-prod"]));
    assert_eq!(
        e.trim_end(),
        "error: no MSK cluster \"orders-prod\" in us-east-2 (the region has no clusters; wrong --region?)"
    );
    let e = failed(&kdeck_aws(KEY, Some(REGION), &["msk", "bootstrap", "orders-staging"]));
    assert_eq!(
        e.trim_end(),
        "error: no MSK cluster \"orders-staging\" in eu-west-1 (clusters there: orders-prod, clicks-serverless; wrong --region?)"
    );
    // --auth belongs to --msk; --msk and --bootstrap exclude each other
    let e = failed(&kdeck_aws(KEY, Some(REGION), &["--auth", "iam", "-b", "127.0.0.1:1", "topics"]));
    assert_eq!(e.trim_end(), "error: --auth chooses among an MSK cluster's bootstrap strings: give the cluster with --msk (or msk = … in the profile)");
    let e = failed(&kdeck_aws(KEY, Some(REGION), &["--msk", "orders-prod", "-b", "127.0.0.1:1", "topics"]));
    assert_eq!(e.trim_end(), "error: both --bootstrap and an MSK cluster (orders-prod) say where to connect: give one");
}

/// A config.toml naming the MSK cluster, with its region and auth.
fn config_file(body: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(crate::support::unique("kdeck-msk-config"));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("config.toml");
    std::fs::write(&path, body).unwrap();
    path
}

#[test]
fn msk_in_config_toml_and_on_the_command_line_connect_to_the_picked_bootstrap() {
    crate::iam::main_cluster();
    // the profile picks plaintext: the stand-in's plaintext string is the local test cluster
    let cfg = config_file("[clusters.orders]\nmsk = \"orders-prod\"\nregion = \"eu-west-1\"\nauth = \"plaintext\"\n");
    let cfg = cfg.to_str().unwrap();
    let via_profile: serde_json::Value = serde_json::from_str(&ok(&kdeck_aws(
        KEY,
        None,
        &["--config", cfg, "--cluster", "orders", "brokers", "-o", "json"],
    )))
    .unwrap();
    let direct: serde_json::Value =
        serde_json::from_str(&ok(&kdeck_aws(KEY, None, &["-b", PLAINTEXT_BOOTSTRAP, "brokers", "-o", "json"])))
            .unwrap();
    let ids =
        |v: &serde_json::Value| v.as_array().unwrap().iter().map(|b| b["id"].as_i64().unwrap()).collect::<Vec<_>>();
    assert_eq!(ids(&via_profile), vec![1, 2, 3]);
    assert_eq!(ids(&via_profile), ids(&direct));
    // the same from the command line; a bad auth in the profile is named
    let brokers: serde_json::Value = serde_json::from_str(&ok(&kdeck_aws(
        KEY,
        Some(REGION),
        &["--msk", "orders-prod", "--auth", "plaintext", "brokers", "-o", "json"],
    )))
    .unwrap();
    assert_eq!(ids(&brokers), vec![1, 2, 3]);
    let bad = config_file("[clusters.orders]\nmsk = \"orders-prod\"\nauth = \"kerberos\"\n");
    let e =
        failed(&kdeck_aws(KEY, Some(REGION), &["--config", bad.to_str().unwrap(), "--cluster", "orders", "topics"]));
    assert_eq!(
        e.trim_end(),
        format!("error: {} [clusters.orders]: auth = \"kerberos\": use iam, scram, tls or plaintext", bad.display())
    );
}
