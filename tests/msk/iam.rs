//! MSK IAM end to end: a real Kafka 4.1.1 broker (scripts/kafka-iam.sh) whose SASL_SSL listener
//! takes OAUTHBEARER and checks the token like MSK: KdeckMskIamValidator recomputes the SigV4
//! signature with the test secret and checks action, host, region and expiry. Its sessions last
//! 10 s (connections.max.reauth.ms), so every test here also lives through session ends.
//!
//! Not covered: MSK's real authorizer (kafka-cluster:* actions per topic or group: the broker here
//! lets an authenticated identity do anything), STS/SSO credential sources, clock skew policies.

use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use kdeck::kafka::msk_iam::{self, IamTokens};
use kdeck::kafka::{Client, ClientConfig, PemSource, SaslMechanism, TlsOptions, TokenProvider};
use rdkafka::producer::{BaseRecord, DefaultProducerContext, ThreadedProducer};

use crate::discovery::{kdeck_aws, root, ACCESS_KEY, IAM_BOOTSTRAP, SECRET};

pub const PLAINTEXT: &str = "127.0.0.1:44092";
const REGION: &str = "eu-west-1";

/// The shared test cluster (its jars and certificates; PLAINTEXT brokers for discovery tests).
pub fn main_cluster() {
    static UP: OnceLock<()> = OnceLock::new();
    UP.get_or_init(|| {
        let st = Command::new("bash").arg(root().join("scripts/kafka-cluster.sh")).arg("up").status().unwrap();
        assert!(st.success(), "scripts/kafka-cluster.sh up failed");
    });
}

/// The IAM broker, started once (idempotent); returns the CA file its listener's certificate needs.
pub fn iam_broker() -> &'static str {
    static CA: OnceLock<String> = OnceLock::new();
    CA.get_or_init(|| {
        main_cluster();
        let st = Command::new("bash").arg(root().join("scripts/kafka-iam.sh")).arg("up").status().unwrap();
        assert!(st.success(), "scripts/kafka-iam.sh up failed");
        let env = Command::new("bash").arg(root().join("scripts/kafka-iam.sh")).arg("env").output().unwrap();
        let text = String::from_utf8(env.stdout).unwrap();
        let ca = text.lines().find_map(|l| l.strip_prefix("KDECK_IAM_CA=")).unwrap();
        ca.trim_matches('\'').to_string()
    })
}

/// Where the validator logs its refusals (the broker's stdout).
fn broker_log() -> std::path::PathBuf {
    let env = Command::new("bash").arg(root().join("scripts/kafka-iam.sh")).arg("env").output().unwrap();
    let text = String::from_utf8(env.stdout).unwrap();
    text.lines().find_map(|l| l.strip_prefix("KDECK_IAM_LOG=")).unwrap().trim_matches('\'').into()
}

fn classpath() -> String {
    let env = Command::new("bash").arg(root().join("scripts/kafka-cluster.sh")).arg("env").output().unwrap();
    let text = String::from_utf8(env.stdout).unwrap();
    text.lines().find_map(|l| l.strip_prefix("KDECK_KAFKA_CLASSPATH=")).unwrap().trim_matches('\'').to_string()
}

/// A topic with `count` messages, made with Kafka's own tool and rdkafka on the PLAINTEXT listener.
pub fn topic_with_messages(count: usize) -> String {
    let topic = crate::support::unique("msk-iam");
    crate::support::java_tool(
        &classpath(),
        "org.apache.kafka.tools.TopicCommand",
        &[
            "--bootstrap-server",
            PLAINTEXT,
            "--create",
            "--topic",
            &topic,
            "--partitions",
            "2",
            "--replication-factor",
            "1",
        ],
    );
    let producer: ThreadedProducer<DefaultProducerContext> =
        rdkafka::ClientConfig::new().set("bootstrap.servers", PLAINTEXT).create().unwrap();
    for i in 0..count {
        crate::support::send(
            &producer,
            BaseRecord::to(&topic).partition(0).key(&format!("k{i}")).payload(&format!("v{i}")),
        );
    }
    rdkafka::producer::Producer::flush(&producer, Duration::from_secs(30)).unwrap();
    topic
}

fn iam_config(ca: &str, provider: Arc<dyn TokenProvider>) -> ClientConfig {
    ClientConfig {
        bootstrap: vec![IAM_BOOTSTRAP.to_string()],
        tls: Some(TlsOptions { ca: Some(PemSource::File(ca.into())), verify_hostname: true, ..Default::default() }),
        sasl: Some(SaslMechanism::OAuthBearer(provider)),
        ..Default::default()
    }
}

fn test_tokens() -> IamTokens {
    IamTokens::fixed(Credentials::new(ACCESS_KEY, SECRET, None, None, "test"), REGION)
}

#[test]
fn msk_cluster_over_iam_lists_topics_and_peeks_messages() {
    let ca = iam_broker();
    let topic = topic_with_messages(5);
    // discovery picks the IAM string; credentials from the env through the default chain
    let out = kdeck_aws(
        Some((ACCESS_KEY, SECRET)),
        Some(REGION),
        &["--msk", "orders-prod", "-X", &format!("ssl.ca.location={ca}"), "topics", "-o", "json"],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let topics: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let row = topics
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == topic.as_str())
        .unwrap_or_else(|| panic!("{topic} in {topics}"));
    assert_eq!(row["partitions"], 2);
    // the oracle: Kafka's own tool over PLAINTEXT sees the same topics
    let listed = crate::support::java_tool(
        &classpath(),
        "org.apache.kafka.tools.TopicCommand",
        &["--bootstrap-server", PLAINTEXT, "--list"],
    );
    let mut ours: Vec<&str> = topics.as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    let mut theirs: Vec<&str> = listed.lines().filter(|t| !t.starts_with("__")).collect();
    ours.sort_unstable();
    theirs.sort_unstable();
    assert_eq!(ours, theirs);

    // the Java client's MSK IAM properties work too (AWS_MSK_IAM; kdeck speaks OAUTHBEARER)
    let out = kdeck_aws(
        Some((ACCESS_KEY, SECRET)),
        None,
        &[
            "-b",
            IAM_BOOTSTRAP,
            "--region",
            REGION,
            "-X",
            "security.protocol=SASL_SSL",
            "-X",
            "sasl.mechanism=AWS_MSK_IAM",
            "-X",
            "sasl.jaas.config=software.amazon.msk.auth.iam.IAMLoginModule required;",
            "-X",
            &format!("ssl.ca.location={ca}"),
            "describe",
            &topic,
            "-o",
            "json",
        ],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let described: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(described["partitions"][0]["log_end_offset"], 5, "{described}");

    // peek: librdkafka over OAUTHBEARER with kdeck's token from its refresh callback
    let cfg = iam_config(ca, Arc::new(test_tokens()));
    let data = kdeck::data::DataConfig::from_client(&cfg).unwrap();
    let messages = kdeck::data::peek(&data, &topic, 0, 3, Duration::from_secs(20)).unwrap();
    let got: Vec<(Option<String>, Option<String>)> =
        messages.iter().map(|m| (m.key.clone(), m.value.clone())).collect();
    assert_eq!(
        got,
        vec![
            (Some("k2".into()), Some("v2".into())),
            (Some("k3".into()), Some("v3".into())),
            (Some("k4".into()), Some("v4".into()))
        ]
    );
}

/// Makes a token (one the broker must refuse).
type MakeToken = fn() -> String;

/// Hands out a token the broker must refuse.
struct Bad(fn() -> String);

impl TokenProvider for Bad {
    fn token(&self) -> Result<String, String> {
        Ok((self.0)())
    }
    fn kind(&self) -> kdeck::kafka::TokenKind {
        kdeck::kafka::TokenKind::MskIam
    }
}

const REFUSED: &str = "SASL authentication failed: ";
const HINT: &str = "(MSK IAM: the AWS credentials are expired or invalid, the region is not the cluster's, or the IAM policy lacks kafka-cluster:Connect on this cluster)";

#[test]
fn tampered_expired_and_wrongly_signed_tokens_are_refused_in_words() {
    let ca = iam_broker();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let creds = || Credentials::new(ACCESS_KEY, SECRET, None, None, "test");
    let cases: [(&str, MakeToken); 3] = [
        ("tampered", || {
            let t = msk_iam::token(
                &Credentials::new(ACCESS_KEY, SECRET, None, None, "t"),
                REGION,
                SystemTime::now(),
                "kdeck-test",
            )
            .unwrap();
            let url = crate::token::decode(&t).replace("X-Amz-Expires=900", "X-Amz-Expires=899");
            msk_iam::base64url(url.as_bytes())
        }),
        ("expired", || {
            let at = SystemTime::now() - Duration::from_secs(901);
            msk_iam::token(&Credentials::new(ACCESS_KEY, SECRET, None, None, "t"), REGION, at, "kdeck-test").unwrap()
        }),
        ("other region", || {
            msk_iam::token(
                &Credentials::new(ACCESS_KEY, SECRET, None, None, "t"),
                "us-east-1",
                SystemTime::now(),
                "kdeck-test",
            )
            .unwrap()
        }),
    ];
    let _ = creds;
    let log = broker_log();
    let before = std::fs::read_to_string(&log).unwrap_or_default().len();
    for (what, make) in cases {
        let err = rt
            .block_on(Client::connect(iam_config(ca, Arc::new(Bad(make)))))
            .err()
            .unwrap_or_else(|| panic!("{what} accepted"));
        let text = format!("{err:#}");
        assert!(text.contains(REFUSED) && text.ends_with(HINT), "{what}: {text}");
    }
    // each was refused for its own reason (the validator logs why; the client is told only that)
    let after = std::fs::read_to_string(&log).unwrap();
    let new = &after[before..];
    for reason in [
        "refused: signature does not match",
        "refused: token expired at ",
        "refused: not https://kafka.eu-west-1.amazonaws.com/",
    ] {
        assert!(new.contains(reason), "{reason:?} not in the broker's log:\n{new}");
    }
    // the right token is accepted (the refusals are about the token)
    rt.block_on(Client::connect(iam_config(ca, Arc::new(test_tokens())))).unwrap();

    // a wrong secret from the environment, through the CLI
    let out = kdeck_aws(
        Some((ACCESS_KEY, "not-the-secret")),
        Some(REGION),
        &["--msk", "orders-prod", "-X", &format!("ssl.ca.location={ca}"), "topics"],
    );
    assert!(!out.status.success());
    let e = String::from_utf8(out.stderr).unwrap();
    assert!(e.contains(REFUSED) && e.trim_end().ends_with(HINT), "{e}");
    assert!(!e.contains("not-the-secret"), "{e}");
}

/// Counts the tokens handed out: one per authenticated connection.
struct Counting(IamTokens, AtomicUsize);

impl TokenProvider for Counting {
    fn token(&self) -> Result<String, String> {
        self.1.fetch_add(1, Ordering::SeqCst);
        self.0.token()
    }
}

#[test]
fn a_client_keeps_working_across_session_ends() {
    let ca = iam_broker();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let tokens = Arc::new(Counting(test_tokens(), AtomicUsize::new(0)));
    let mut cfg = iam_config(ca, tokens.clone());
    cfg.request_timeout = Duration::from_secs(5);
    let client = rt.block_on(Client::connect(cfg)).unwrap();
    // the broker ends each session after 10 s; requests keep coming until the client has
    // authenticated afresh three times, and every one of them succeeds
    let mut requests = 0;
    crate::support::wait_for("three fresh sessions", Duration::from_secs(120), || {
        rt.block_on(client.metadata(None)).unwrap_or_else(|e| panic!("request {requests} failed: {e:#}"));
        requests += 1;
        (tokens.1.load(Ordering::SeqCst) >= 4).then_some(())
    });
}
