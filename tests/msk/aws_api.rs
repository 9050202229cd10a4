//! A loopback stand-in of the MSK control-plane API (REST-JSON, the documented shapes of
//! ListClustersV2 and GetBootstrapBrokers), reached through AWS_ENDPOINT_URL_KAFKA. moto's server
//! would be the more independent stand-in, but moto 5.2 has no GetBootstrapBrokers, writes
//! `creationTime` without a UTC offset (which the Rust SDK rejects) and never denies access; so
//! the answers here are written from the API reference. Like MSK it answers per region (the
//! region of the request's SigV4 credential scope) and refuses an identity without the action.
//!
//! What it does not cover: real IAM policy evaluation, AWS's signature check (it checks that the
//! request is SigV4-signed for service `kafka` by the expected key, not the signature itself),
//! throttling and TLS to the endpoint (plain HTTP on loopback).

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

pub const REGION: &str = "eu-west-1";
pub const ACCOUNT: &str = "123456789012";
/// An identity whose policy lacks kafka:ListClustersV2 and kafka:GetBootstrapBrokers.
pub const DENIED_KEY: &str = "AKIADENIEDKEY0000001";

/// One request the stand-in saw: method, path with query, Authorization header.
#[derive(Clone, Debug)]
pub struct Seen {
    pub path: String,
    pub authorization: String,
}

pub struct AwsApi {
    pub endpoint: String,
    pub seen: Arc<Mutex<Vec<Seen>>>,
}

pub fn arn(name: &str, suffix: &str) -> String {
    format!("arn:aws:kafka:{REGION}:{ACCOUNT}:cluster/{name}/{suffix}")
}

/// Starts the stand-in on a free loopback port; `bootstrap(cluster, kind)` gives the broker
/// strings GetBootstrapBrokers answers (e.g. the local test brokers).
pub fn start(iam_bootstrap: &str, plaintext_bootstrap: &str) -> AwsApi {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
    let (iam, plain) = (iam_bootstrap.to_string(), plaintext_bootstrap.to_string());
    let log = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (log, iam, plain) = (log.clone(), iam.clone(), plain.clone());
            std::thread::spawn(move || serve(stream, &log, &iam, &plain));
        }
    });
    AwsApi { endpoint, seen }
}

fn serve(stream: TcpStream, log: &Mutex<Vec<Seen>>, iam: &str, plain: &str) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut out = stream;
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
            return;
        }
        let mut authorization = String::new();
        let mut length = 0usize;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((k, v)) = line.split_once(':') {
                match k.to_ascii_lowercase().as_str() {
                    "authorization" => authorization = v.trim().to_string(),
                    "content-length" => length = v.trim().parse().unwrap_or(0),
                    _ => {}
                }
            }
        }
        let mut body = vec![0; length];
        std::io::Read::read_exact(&mut reader, &mut body).unwrap();
        let path = request_line.split_whitespace().nth(1).unwrap_or("").to_string();
        log.lock().unwrap().push(Seen { path: path.clone(), authorization: authorization.clone() });
        let (status, error_type, json) = answer(&path, &authorization, iam, plain);
        let mut head = format!("HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nx-amzn-RequestId: 11111111-2222-3333-4444-555555555555\r\n", json.len());
        if let Some(t) = error_type {
            head.push_str(&format!("x-amzn-ErrorType: {t}\r\n"));
        }
        head.push_str("\r\n");
        if out.write_all(head.as_bytes()).and_then(|_| out.write_all(json.as_bytes())).is_err() {
            return;
        }
    }
}

/// The region and access key of a SigV4 Authorization header for service `kafka`, if it is one.
fn scope(authorization: &str) -> Option<(String, String)> {
    let credential = authorization.split("Credential=").nth(1)?.split(',').next()?;
    let parts: Vec<&str> = credential.split('/').collect();
    (authorization.starts_with("AWS4-HMAC-SHA256 ")
        && parts.len() == 5
        && parts[3] == "kafka"
        && parts[4] == "aws4_request")
        .then(|| (parts[0].to_string(), parts[2].to_string()))
}

fn answer(path: &str, authorization: &str, iam: &str, plain: &str) -> (&'static str, Option<&'static str>, String) {
    let Some((key, region)) = scope(authorization) else {
        return (
            "403 Forbidden",
            Some("MissingAuthenticationTokenException"),
            r#"{"message":"Missing Authentication Token"}"#.into(),
        );
    };
    let (route, query) = path.split_once('?').unwrap_or((path, ""));
    let action = if route == "/api/v2/clusters" { "ListClustersV2" } else { "GetBootstrapBrokers" };
    if key == DENIED_KEY {
        let message = format!("User: arn:aws:iam::{ACCOUNT}:user/bastion is not authorized to perform: kafka:{action} on resource: * because no identity-based policy allows the kafka:{action} action");
        return ("403 Forbidden", Some("AccessDeniedException"), serde_json::json!({ "message": message }).to_string());
    }
    if route == "/api/v2/clusters" {
        if region != REGION {
            return ("200 OK", None, r#"{"clusterInfoList":[]}"#.into());
        }
        // two pages: the SDK's paginator must follow nextToken
        return if query.contains("nextToken=page-2") {
            ("200 OK", None, serde_json::json!({ "clusterInfoList": [serverless()] }).to_string())
        } else {
            (
                "200 OK",
                None,
                serde_json::json!({ "clusterInfoList": [provisioned()], "nextToken": "page-2" }).to_string(),
            )
        };
    }
    if let Some(rest) = route.strip_prefix("/v1/clusters/") {
        let arn_text = decode(rest.trim_end_matches("/bootstrap-brokers"));
        if region == REGION && arn_text == arn("orders-prod", "5b3c1d2e-0f9a-4b8c-9d7e-6a5b4c3d2e1f-2") {
            return (
                "200 OK",
                None,
                serde_json::json!({
                    "bootstrapBrokerString": plain,
                    "bootstrapBrokerStringSaslIam": iam,
                    "bootstrapBrokerStringSaslScram": "b-1.orders-prod.x1y2z3.c2.kafka.eu-west-1.amazonaws.com:9096,b-2.orders-prod.x1y2z3.c2.kafka.eu-west-1.amazonaws.com:9096",
                    "bootstrapBrokerStringPublicSaslIam": "b-1-public.orders-prod.x1y2z3.c2.kafka.eu-west-1.amazonaws.com:9198",
                })
                .to_string(),
            );
        }
        if region == REGION && arn_text == arn("clicks-serverless", "0c1d2e3f-4a5b-6c7d-8e9f-0a1b2c3d4e5f-s1") {
            return (
                "200 OK",
                None,
                serde_json::json!({ "bootstrapBrokerStringSaslIam": "boot-abcd1234.c1.kafka-serverless.eu-west-1.amazonaws.com:9098" }).to_string(),
            );
        }
        return (
            "404 Not Found",
            Some("NotFoundException"),
            r#"{"message":"The specified cluster was not found."}"#.into(),
        );
    }
    ("404 Not Found", Some("UnknownOperationException"), "{}".into())
}

fn decode(s: &str) -> String {
    let mut out = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() + 1 {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// A provisioned cluster as ListClustersV2 describes it (IAM and SCRAM enabled, 3 brokers, 3 AZs).
fn provisioned() -> serde_json::Value {
    serde_json::json!({
        "activeOperationArn": null,
        "clusterType": "PROVISIONED",
        "clusterArn": arn("orders-prod", "5b3c1d2e-0f9a-4b8c-9d7e-6a5b4c3d2e1f-2"),
        "clusterName": "orders-prod",
        "creationTime": "2024-03-01T10:15:30.123Z",
        "currentVersion": "K3AEGXETSR30VB",
        "state": "ACTIVE",
        "tags": {"team": "payments"},
        "provisioned": {
            "brokerNodeGroupInfo": {
                "brokerAZDistribution": "DEFAULT",
                "clientSubnets": ["subnet-0a1", "subnet-0b2", "subnet-0c3"],
                "instanceType": "kafka.m5.large",
                "securityGroups": ["sg-0123456789abcdef0"],
                "storageInfo": {"ebsStorageInfo": {"volumeSize": 1000}}
            },
            "currentBrokerSoftwareInfo": {"kafkaVersion": "3.6.0", "configurationRevision": 1},
            "clientAuthentication": {
                "sasl": {"scram": {"enabled": true}, "iam": {"enabled": true}},
                "tls": {"certificateAuthorityArnList": [], "enabled": false},
                "unauthenticated": {"enabled": false}
            },
            "encryptionInfo": {
                "encryptionAtRest": {"dataVolumeKMSKeyId": format!("arn:aws:kms:{REGION}:{ACCOUNT}:key/abcd")},
                "encryptionInTransit": {"clientBroker": "TLS", "inCluster": true}
            },
            "enhancedMonitoring": "DEFAULT",
            "numberOfBrokerNodes": 3,
            "zookeeperConnectString": "z-1.orders-prod.x1y2z3.c2.kafka.eu-west-1.amazonaws.com:2181"
        }
    })
}

/// A serverless cluster (IAM only, no version, no broker count).
fn serverless() -> serde_json::Value {
    serde_json::json!({
        "clusterType": "SERVERLESS",
        "clusterArn": arn("clicks-serverless", "0c1d2e3f-4a5b-6c7d-8e9f-0a1b2c3d4e5f-s1"),
        "clusterName": "clicks-serverless",
        "creationTime": "2025-06-12T08:00:00.000Z",
        "currentVersion": "K2EUQ1WTGCTBG2",
        "state": "ACTIVE",
        "tags": {},
        "serverless": {
            "vpcConfigs": [{"subnetIds": ["subnet-0a1", "subnet-0b2"], "securityGroupIds": ["sg-0fedcba9876543210"]}],
            "clientAuthentication": {"sasl": {"iam": {"enabled": true}}}
        }
    })
}
