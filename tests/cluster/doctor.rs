//! `kdeck doctor`, `--broker-map` and `--socks5` against real listeners: the main cluster's
//! (PLAINTEXT, SCRAM, TLS, mTLS) for the passing cases and wrong port/password/CA/name, a port
//! that accepts and never answers, and a one-node broker whose listeners advertise a name that
//! does not resolve and a port nothing listens on (scripts/kafka-compat.sh unreachable). The
//! SOCKS5 proxy is a real one (pproxy, scripts/socks5-proxy.sh) that resolves that name on its
//! side only.

use std::net::{TcpListener, TcpStream};
use std::process::Command;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use serde_json::Value;

use crate::common::{self, env, kdeck_raw, root, unique};
use crate::tmux::{row, Tmux};

const UNRESOLVABLE: &str = "kafka-1.kdeck.invalid";
/// The one-node broker's listeners (scripts/kafka-compat.sh unreachable).
const INTERNAL: &str = "127.0.0.1:45092";
const EXTERNAL: &str = "127.0.0.1:45094";
const EXTERNAL_ADVERTISED: &str = "kafka-1.kdeck.invalid:45094";
const BADPORT: &str = "127.0.0.1:45095";
const TLS_LISTENER: &str = "127.0.0.1:45096";
const TLS_ADVERTISED: &str = "kafka-1.kdeck.invalid:45096";

/// Starts the one-node broker (idempotent, safe to run concurrently).
fn unreachable_broker() {
    static UP: OnceLock<()> = OnceLock::new();
    UP.get_or_init(|| {
        let script = root().join("scripts/kafka-compat.sh");
        let up = Command::new("bash").arg(&script).args(["unreachable", "up"]).status().expect("run kafka-compat.sh");
        assert!(up.success(), "scripts/kafka-compat.sh unreachable up failed");
    });
}

/// Runs `kdeck doctor -o json` with `args`; (exit code success, report, stderr). The timeout
/// is generous: a cold, busy cluster must not fail a step that passes.
fn doctor(args: &[&str]) -> (bool, Value, String) {
    doctor_within("15s", args)
}

fn doctor_within(timeout: &str, args: &[&str]) -> (bool, Value, String) {
    let mut full = args.to_vec();
    full.extend_from_slice(&["--timeout", timeout, "doctor", "-o", "json"]);
    let out = kdeck_raw(&full);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let report: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("doctor JSON ({e}): {stdout}"));
    (out.status.success(), report, String::from_utf8_lossy(&out.stderr).into_owned())
}

/// (step, status) of each step of a check.
type Steps = Vec<(String, String)>;

/// Each check as (broker id or "bootstrap", address, [(step, status)]).
fn outline(report: &Value) -> Vec<(String, String, Steps)> {
    report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .map(|c| {
            let who = c["broker"].as_i64().map(|b| b.to_string()).unwrap_or_else(|| "bootstrap".into());
            let steps = c["steps"]
                .as_array()
                .expect("steps")
                .iter()
                .map(|s| {
                    (s["step"].as_str().expect("step").to_string(), s["status"].as_str().expect("status").to_string())
                })
                .collect();
            (who, c["address"].as_str().expect("address").to_string(), steps)
        })
        .collect()
}

fn steps(spec: &[(&str, &str)]) -> Steps {
    spec.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
}

fn step<'a>(report: &'a Value, check: usize, name: &str) -> &'a Value {
    report["checks"][check]["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .find(|s| s["step"] == name)
        .unwrap_or_else(|| panic!("no {name} step in check {check}: {report:#}"))
}

fn verdicts(report: &Value) -> Vec<String> {
    report["verdicts"].as_array().expect("verdicts").iter().map(|v| v.as_str().expect("text").to_string()).collect()
}

fn ssl_args(ca: &str) -> Vec<String> {
    vec![
        "-X".into(),
        "security.protocol=SSL".into(),
        "-X".into(),
        format!("ssl.ca.location={ca}"),
        "-X".into(),
        "ssl.endpoint.identification.algorithm=https".into(),
    ]
}

/// The first address of a bootstrap list.
fn first(list: &str) -> String {
    list.split(',').next().expect("one address").to_string()
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

const ALL_PASS_PLAIN: &[(&str, &str)] = &[
    ("dns", "pass"),
    ("tcp", "pass"),
    ("tls", "skipped"),
    ("api_versions", "pass"),
    ("sasl", "skipped"),
    ("metadata", "pass"),
];

#[test]
fn doctor_passes_every_step_on_every_listener_of_the_healthy_cluster() {
    let _g = common::shared();
    let e = env();
    let ca = e.certs.join("ca.pem").display().to_string();

    let (ok, report, stderr) = doctor(&["-b", &first(&e.bootstrap)]);
    assert!(ok, "{stderr}\n{report:#}");
    let o = outline(&report);
    assert_eq!(o.len(), 4, "{report:#}");
    assert_eq!(o[0], ("bootstrap".into(), first(&e.bootstrap), steps(ALL_PASS_PLAIN)));
    let plain: Vec<&str> = e.bootstrap.split(',').collect();
    for (i, addr) in plain.iter().enumerate() {
        assert_eq!(o[i + 1], ((i + 1).to_string(), addr.to_string(), steps(ALL_PASS_PLAIN)));
    }
    assert_eq!(verdicts(&report), ["all 4 addresses passed every step"]);
    assert_eq!(report["ok"], true);

    let jaas = "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"kdeck-admin\" password=\"kdeck-secret\";";
    let sasl = [
        "-b",
        e.sasl_bootstrap.as_str(),
        "-X",
        "security.protocol=SASL_PLAINTEXT",
        "-X",
        "sasl.mechanism=SCRAM-SHA-256",
        "-X",
    ];
    let mut args = sasl.to_vec();
    let jaas_kv = format!("sasl.jaas.config={jaas}");
    args.push(&jaas_kv);
    let (ok, report, stderr) = doctor(&args);
    assert!(ok, "{stderr}\n{report:#}");
    assert_eq!(report["checks"].as_array().expect("checks").len(), 6, "3 bootstrap + 3 advertised: {report:#}");
    for (i, (_, _, s)) in outline(&report).iter().enumerate() {
        assert_eq!(s[4], ("sasl".into(), "pass".into()), "check {i}");
        assert_eq!(
            step(&report, i, "sasl")["detail"],
            "offers SCRAM-SHA-256, SCRAM-SHA-512; authenticated with SCRAM-SHA-256 as kdeck-admin"
        );
    }
    assert!(!report.to_string().contains("kdeck-secret"), "the password never appears");

    // TLS: the certificate as openssl reads it
    let enddate = Command::new("openssl")
        .args(["x509", "-noout", "-enddate", "-in"])
        .arg(e.certs.join("broker.pem"))
        .output()
        .expect("openssl");
    let enddate = String::from_utf8_lossy(&enddate.stdout).trim().trim_start_matches("notAfter=").to_string();
    for (bootstrap, client) in [(&e.ssl_bootstrap, false), (&e.mtls_bootstrap, true)] {
        let mut args = vec!["-b".to_string(), bootstrap.clone()];
        args.extend(ssl_args(&ca));
        if client {
            for (k, f) in [("ssl.certificate.location", "client.pem"), ("ssl.key.location", "client.key")] {
                args.extend(["-X".to_string(), format!("{k}={}", e.certs.join(f).display())]);
            }
        }
        let (ok, report, stderr) = doctor(&strs(&args));
        assert!(ok, "{bootstrap}: {stderr}\n{report:#}");
        assert_eq!(report["checks"].as_array().expect("checks").len(), 6);
        let tls = step(&report, 0, "tls");
        assert_eq!(tls["status"], "pass");
        let cert = &tls["certificate"];
        assert_eq!(cert["subject"], "CN=localhost");
        assert_eq!(cert["issuer"], "CN=kdeck test CA");
        assert_eq!(cert["names"], serde_json::json!(["127.0.0.1", "localhost"]));
        // openssl: "Nov 26 23:33:12 2036 GMT"; doctor: "2036-11-26T23:33:12Z"
        let ours = cert["not_after"].as_str().expect("not_after");
        let parts: Vec<&str> = enddate.split_whitespace().collect();
        assert_eq!(&ours[..4], parts[3], "year of {ours} vs {enddate}");
        assert_eq!(&ours[11..19], parts[2], "time of {ours} vs {enddate}");
        assert_eq!(ours[8..10].trim_start_matches('0'), parts[1], "day of {ours} vs {enddate}");
        assert!(
            tls["detail"]
                .as_str()
                .expect("detail")
                .ends_with(&format!("verified with the CA file {ca}; name checked against 127.0.0.1")),
            "{tls:#}"
        );
    }
}

#[test]
fn doctor_names_the_failing_step_for_a_wrong_port_password_or_protocol() {
    let _g = common::shared();
    let e = env();
    let plain = first(&e.bootstrap);
    let sasl = first(&e.sasl_bootstrap);
    let ca = e.certs.join("ca.pem").display().to_string();

    // a PLAINTEXT client on the SASL port: the broker answers ApiVersions, then hangs up
    let (ok, report, _) = doctor(&["-b", &sasl]);
    assert!(!ok);
    assert_eq!(
        outline(&report)[0].2,
        steps(&[
            ("dns", "pass"),
            ("tcp", "pass"),
            ("tls", "skipped"),
            ("api_versions", "pass"),
            ("sasl", "skipped"),
            ("metadata", "fail")
        ])
    );
    assert_eq!(
        verdicts(&report),
        [
            format!("bootstrap {sasl} failed at Metadata: connection to {sasl} closed: the broker closed the connection (wrong security protocol for this port? e.g. PLAINTEXT client on a SASL or SSL listener)"),
            "no bootstrap server answered Metadata, so the advertised brokers could not be checked".to_string(),
        ]
    );

    // wrong password; SCRAM on the PLAINTEXT port
    let jaas = |pw: &str| {
        format!("sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"kdeck-admin\" password=\"{pw}\";")
    };
    let wrong = jaas("not-the-secret");
    for (addr, want) in [
        (&sasl, "Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512 (check the username and password, and that the user exists for SCRAM-SHA-512)"),
        (&plain, "ILLEGAL_SASL_STATE (this listener has no SASL mechanisms: is it a PLAINTEXT/SSL port?)"),
    ] {
        let (ok, report, _) = doctor(&[
            "-b",
            addr,
            "-X",
            "security.protocol=SASL_PLAINTEXT",
            "-X",
            "sasl.mechanism=SCRAM-SHA-512",
            "-X",
            &wrong,
        ]);
        assert!(!ok);
        let s = step(&report, 0, "sasl");
        assert_eq!(s["status"], "fail");
        assert_eq!(s["detail"], format!("authentication with {addr} failed (SCRAM-SHA-512): {want}"));
        assert!(!report.to_string().contains("not-the-secret"));
    }

    // TLS to the PLAINTEXT port
    let mut args = vec!["-b".to_string(), plain.clone()];
    args.extend(ssl_args(&ca));
    let (ok, report, _) = doctor(&strs(&args));
    assert!(!ok);
    let tls = step(&report, 0, "tls");
    assert_eq!(tls["status"], "fail");
    assert_eq!(
        tls["detail"],
        "tls handshake eof: the port closed the connection instead of answering TLS (a PLAINTEXT or SASL_PLAINTEXT listener?)"
    );
}

#[test]
fn doctor_names_a_tls_name_mismatch_and_an_untrusted_ca() {
    let _g = common::shared();
    let e = env();
    let ssl = first(&e.ssl_bootstrap);
    let port = ssl.rsplit_once(':').expect("port").1;
    let ca = e.certs.join("ca.pem").display().to_string();

    // The certificate names 127.0.0.1 and localhost; ask for another name at the same address.
    let other = format!("kafka.kdeck.invalid:{port}");
    let map = format!("{other}={ssl}");
    let mut args = vec!["-b".to_string(), other.clone(), "--broker-map".to_string(), map];
    args.extend(ssl_args(&ca));
    let (ok, report, _) = doctor(&strs(&args));
    assert!(!ok);
    assert_eq!(report["route"], format!("broker map {other}→{ssl}"));
    assert_eq!(report["checks"][0]["via"], format!("{ssl} (broker map)"));
    assert_eq!(
        step(&report, 0, "tls")["detail"],
        "TLS name mismatch: the certificate is for 127.0.0.1, localhost, not for kafka.kdeck.invalid, which the broker map sends there (does the map point kafka.kdeck.invalid at the right broker?)"
    );

    // Without the map: "localhost" is in the certificate, "127.0.0.2" (still loopback) is not.
    let lo2 = format!("127.0.0.2:{port}");
    let mut args = vec!["-b".to_string(), lo2.clone(), "--broker-map".to_string(), format!("{lo2}={ssl}")];
    args.extend(ssl_args(&ca));
    let (ok, report, _) = doctor(&strs(&args));
    assert!(!ok);
    assert!(step(&report, 0, "tls")["detail"]
        .as_str()
        .expect("detail")
        .starts_with("TLS name mismatch: the certificate is for 127.0.0.1, localhost, not for 127.0.0.2"));

    // A CA that did not sign the broker's certificate.
    let dir = std::env::temp_dir().join(unique("kdeck-other-ca"));
    std::fs::create_dir_all(&dir).expect("dir");
    let other_ca = dir.join("other-ca.pem");
    let made = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=some other CA", "-keyout"])
        .arg(dir.join("other-ca.key"))
        .arg("-out")
        .arg(&other_ca)
        .output()
        .expect("openssl");
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let mut args = vec!["-b".to_string(), ssl.clone()];
    args.extend(ssl_args(&other_ca.display().to_string()));
    let (ok, report, _) = doctor(&strs(&args));
    assert!(!ok);
    assert_eq!(
        step(&report, 0, "tls")["detail"],
        format!(
            "the certificate is issued by CN=kdeck test CA, which the CA file {} does not trust: give that CA with ssl.ca.location / ssl.truststore.location (PEM)",
            other_ca.display()
        )
    );
}

/// A loopback port that accepts connections and never answers; open while the value lives.
struct Silent {
    addr: String,
    _held: Arc<Mutex<Vec<TcpStream>>>,
}

fn silent_port() -> Silent {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    let held: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
    let keep = held.clone();
    std::thread::spawn(move || {
        for s in listener.incoming().flatten() {
            keep.lock().expect("lock").push(s);
        }
    });
    Silent { addr, _held: held }
}

#[test]
fn doctor_ends_within_its_timeouts_on_a_port_that_never_answers() {
    let silent = silent_port();
    let (ok, report, _) = doctor_within("3s", &["-b", &silent.addr]);
    assert!(!ok);
    assert_eq!(
        outline(&report)[0].2,
        steps(&[("dns", "pass"), ("tcp", "pass"), ("tls", "skipped"), ("api_versions", "timeout")])
    );
    assert_eq!(
        verdicts(&report)[0],
        format!(
            "bootstrap {0} accepted the connection but did not answer ApiVersions within its timeout ({0} did not answer ApiVersions within 3s): a hung broker, or not a Kafka port",
            silent.addr
        )
    );
    let ca = env().certs.join("ca.pem").display().to_string();
    let mut args = vec!["-b".to_string(), silent.addr.clone()];
    args.extend(ssl_args(&ca));
    let (ok, report, _) = doctor_within("3s", &strs(&args));
    assert!(!ok);
    assert_eq!(outline(&report)[0].2, steps(&[("dns", "pass"), ("tcp", "pass"), ("tls", "timeout")]));
    assert_eq!(step(&report, 0, "tls")["detail"], "no TLS handshake within 3s (is this a TLS port?)");
}

/// A real SOCKS5 server: pproxy (PyPI), installed into the cache and run by
/// scripts/socks5-proxy.sh in a private mount namespace whose /etc/hosts resolves
/// `kafka-1.kdeck.invalid` to 127.0.0.1 (only the proxy side can). Its log names every
/// connection's target as the client sent it. Stopped when the value is dropped.
struct Socks5 {
    addr: String,
    log: std::path::PathBuf,
    proxy: std::process::Child,
}

impl Socks5 {
    fn start() -> Socks5 {
        // a free port: pproxy does not report the one it was given when asked for port 0
        let port = TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
        let addr = format!("127.0.0.1:{port}");
        let log = std::env::temp_dir().join(format!("{}.log", unique("kdeck-socks5")));
        let out = std::fs::File::create(&log).expect("proxy log");
        let proxy = Command::new("bash")
            .arg(root().join("scripts/socks5-proxy.sh"))
            .args(["run", &port.to_string(), &format!("{UNRESOLVABLE}=127.0.0.1")])
            .stdout(out.try_clone().expect("log"))
            .stderr(out)
            .spawn()
            .expect("run scripts/socks5-proxy.sh");
        let socks = Socks5 { addr, log, proxy };
        // the first run pip-installs pproxy
        common::wait_for("the SOCKS5 proxy to listen", Duration::from_secs(300), || {
            let text = std::fs::read_to_string(&socks.log).unwrap_or_default();
            assert!(!text.contains("socks5-proxy:"), "scripts/socks5-proxy.sh failed: {text}");
            text.contains(&format!("Serving on ipv? {} by socks5", socks.addr)).then_some(())
        });
        socks
    }

    /// The target of every connection the proxy made, in order ("socks5 CLIENT -> TARGET").
    fn targets(&self) -> Vec<String> {
        let text = std::fs::read_to_string(&self.log).expect("proxy log");
        text.lines().filter_map(|l| l.strip_prefix("socks5 ")?.split_once(" -> ").map(|(_, t)| t.to_string())).collect()
    }
}

impl Drop for Socks5 {
    fn drop(&mut self) {
        let _ = self.proxy.kill();
        let _ = self.proxy.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

/// A topic on the one-node broker with `n` messages in each of 2 partitions and a group that
/// committed `committed[p]` in partition p (through its INTERNAL listener, which advertises
/// 127.0.0.1).
fn seed_unreachable(topic: &str, group: &str, n: usize, committed: [i64; 2]) {
    use rdkafka::config::ClientConfig;
    use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
    use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};
    use rdkafka::{Offset, TopicPartitionList};
    crate::common::kafka_tool(
        "org.apache.kafka.tools.TopicCommand",
        &[
            "--bootstrap-server",
            INTERNAL,
            "--create",
            "--topic",
            topic,
            "--partitions",
            "2",
            "--replication-factor",
            "1",
        ],
    );
    let producer: ThreadedProducer<DefaultProducerContext> =
        ClientConfig::new().set("bootstrap.servers", INTERNAL).create().expect("producer");
    for p in 0..2 {
        for i in 0..n {
            let payload = format!("m{i}");
            producer.send(BaseRecord::<(), _>::to(topic).partition(p).payload(&payload)).expect("send");
        }
    }
    producer.flush(Duration::from_secs(30)).expect("flush");
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", INTERNAL)
        .set("group.id", group)
        .set("enable.auto.commit", "false")
        .create()
        .expect("consumer");
    let mut tpl = TopicPartitionList::new();
    for (p, c) in committed.iter().enumerate() {
        tpl.add_partition_offset(topic, p as i32, Offset::Offset(*c)).expect("offset");
    }
    // the group coordinator of a freshly started broker may still be loading
    common::wait_for("the group's commit", Duration::from_secs(60), || consumer.commit(&tpl, CommitMode::Sync).ok());
}

/// `kdeck ARGS -o json` and the parsed output, failing the test on error.
fn kdeck_json_with(args: &[&str]) -> Value {
    let mut full = args.to_vec();
    full.extend_from_slice(&["-o", "json"]);
    let out = kdeck_raw(&full);
    assert!(out.status.success(), "kdeck {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("json")
}

fn lag_rows(lag: &Value) -> Vec<(i64, i64, i64, i64)> {
    let mut rows: Vec<_> = lag["partitions"]
        .as_array()
        .unwrap_or_else(|| panic!("lag JSON: {lag:#}"))
        .iter()
        .map(|r| {
            let n = |k: &str| r[k].as_i64().unwrap_or_else(|| panic!("{k} in {r:#}"));
            (n("partition"), n("committed_offset"), n("log_end_offset"), n("lag"))
        })
        .collect();
    rows.sort();
    rows
}

#[test]
fn an_unresolvable_advertised_listener_is_explained_and_bridged_by_broker_map() {
    let (topic, group) = seeded("doctor");

    // doctor: bootstrap answers, the advertised name does not resolve / the port is closed
    let (ok, report, _) = doctor(&["-b", EXTERNAL]);
    assert!(!ok);
    let o = outline(&report);
    assert_eq!(o[0], ("bootstrap".into(), EXTERNAL.into(), steps(ALL_PASS_PLAIN)));
    assert_eq!(o[1], ("1".into(), EXTERNAL_ADVERTISED.into(), steps(&[("dns", "fail")])));
    assert_eq!(
        verdicts(&report),
        [format!("bootstrap {EXTERNAL} answered, but broker 1 advertises {EXTERNAL_ADVERTISED}, which does not resolve from here: fix advertised.listeners (see the INTERNAL/EXTERNAL listener pattern) or reach the brokers' network (VPN), or tunnel with --socks5 HOST:PORT (ssh -D) or --broker-map ADVERTISED=LOCAL (ssh -L)")]
    );
    let (ok, report, _) = doctor(&["-b", BADPORT]);
    assert!(!ok);
    assert_eq!(outline(&report)[1], ("1".into(), "127.0.0.1:45099".into(), steps(&[("dns", "pass"), ("tcp", "fail")])));
    assert!(verdicts(&report)[0].starts_with(&format!("bootstrap {BADPORT} answered, but broker 1 advertises 127.0.0.1:45099, which refuses connections from here")), "{report:#}");

    // without a way through, lag fails and says why
    let out = kdeck_raw(&["-b", EXTERNAL, "--timeout", "5s", "lag", &group]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("broker 1 advertises {EXTERNAL_ADVERTISED}, which kdeck cannot reach")),
        "{stderr}"
    );
    assert!(
        stderr.contains("`kdeck doctor` checks each step, and --socks5 / --broker-map reach such brokers"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("kdeck doctor: bootstrap {EXTERNAL} answered, but broker 1 advertises {EXTERNAL_ADVERTISED}, which does not resolve from here")),
        "the failure comes with the doctor's verdict: {stderr}"
    );

    // control plane (topics, lag) and data plane (peek, lag in time) the same way
    let check = |args: &[&str]| {
        assert_topics_and_lag(args, &topic, &group);
        let stamps = assert_peeks(args, &topic);
        // lag in time reads the message at each committed offset: m3 of partition 0, m1 of 1
        let timed = kdeck_json_with(&[args, &["lag", group.as_str(), "--time"]].concat());
        let mut next: Vec<(i64, Option<i64>)> = timed["partitions"]
            .as_array()
            .expect("rows")
            .iter()
            .map(|r| (r["partition"].as_i64().expect("partition"), r["next_timestamp_ms"].as_i64()))
            .collect();
        next.sort();
        let p1 = kdeck_json_with(&[args, &["peek", topic.as_str(), "-p", "1", "--offset", "1", "-n", "1"]].concat());
        assert_eq!(next, vec![(0, Some(stamps[3])), (1, p1[0]["timestamp_ms"].as_i64())], "{timed:#}");
    };

    // --broker-map: the advertised name is dialled at the listener's loopback address
    let map = format!("{EXTERNAL_ADVERTISED}={EXTERNAL}");
    check(&["-b", EXTERNAL, "--broker-map", &map]);
    let (ok, report, stderr) = doctor(&["-b", EXTERNAL, "--broker-map", &map]);
    assert!(ok, "{stderr}\n{report:#}");
    assert_eq!(report["route"], format!("broker map {EXTERNAL_ADVERTISED}→{EXTERNAL}"));
    assert_eq!(report["checks"][1]["via"], format!("{EXTERNAL} (broker map)"));

    // without a map, peek (librdkafka) fails too, and says why
    let out = kdeck_raw(&["-b", EXTERNAL, "--timeout", "5s", "peek", &topic, "-p", "0"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("kdeck doctor: bootstrap {EXTERNAL} answered, but broker 1 advertises {EXTERNAL_ADVERTISED}, which does not resolve from here")),
        "{stderr}"
    );

    // TLS: the certificate names only kafka-1.kdeck.invalid. Dialled by its address, doctor
    // says so; through the map it is checked against the advertised name and passes.
    let ca = unreachable_ca();
    let tls = [
        "-X",
        "security.protocol=SSL",
        "-X",
        &format!("ssl.ca.location={ca}"),
        "-X",
        "ssl.endpoint.identification.algorithm=https",
    ]
    .map(str::to_string);
    let with = |extra: &[&str]| [extra, &strs(&tls)].concat().iter().map(|a| a.to_string()).collect::<Vec<_>>();
    let (ok, report, _) = doctor(&strs(&with(&["-b", TLS_LISTENER])));
    assert!(!ok);
    assert_eq!(
        step(&report, 0, "tls")["detail"],
        format!("TLS name mismatch: the certificate is for {UNRESOLVABLE}, you connected to 127.0.0.1 (a tunnel? use --broker-map so kdeck checks the certificate against the broker's real name)")
    );
    let tls_map = format!("{TLS_ADVERTISED}={TLS_LISTENER}");
    let mapped = with(&["-b", TLS_ADVERTISED, "--broker-map", &tls_map]);
    check(&strs(&mapped));
    let (ok, report, stderr) = doctor(&strs(&mapped));
    assert!(ok, "{stderr}\n{report:#}");
    assert_eq!(step(&report, 1, "tls")["certificate"]["names"], serde_json::json!([UNRESOLVABLE]));
    assert!(step(&report, 1, "tls")["detail"]
        .as_str()
        .expect("detail")
        .ends_with(&format!("name checked against {UNRESOLVABLE}")));
    // a map entry under another name: librdkafka refuses the certificate (it checks the name it
    // was given, not the address dialled), and the doctor names the mismatch
    let wrong = "kafka-9.kdeck.invalid:45096";
    let wrong_map = format!("{wrong}={TLS_LISTENER}");
    let args = with(&["-b", wrong, "--broker-map", &wrong_map, "--timeout", "5s", "peek", &topic, "-p", "0"]);
    let out = kdeck_raw(&strs(&args));
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    // librdkafka's own reason (its wording varies between attempts)
    let reason = regex::Regex::new(&format!(r"ssl://{}/bootstrap: .*certificate verify failed", regex::escape(wrong)));
    assert!(reason.expect("regex").is_match(&stderr), "{stderr}");
    assert!(
        stderr.contains(&format!("kdeck doctor: bootstrap {wrong}: TLS name mismatch: the certificate is for {UNRESOLVABLE}, not for kafka-9.kdeck.invalid, which the broker map sends there (does the map point kafka-9.kdeck.invalid at the right broker?) [connected via {TLS_LISTENER} (broker map)]")),
        "{stderr}"
    );
}

/// The one-node broker up, with a topic of 5 messages in each of 2 partitions and a group at
/// offsets 3 and 1 (`seed_unreachable`); (topic, group).
fn seeded(prefix: &str) -> (String, String) {
    unreachable_broker();
    let (topic, group) = (unique(prefix), unique(&format!("{prefix}-group")));
    seed_unreachable(&topic, &group, 5, [3, 1]);
    (topic, group)
}

/// `kdeck ARGS topics` and `lag` on a topic and group made by [`seeded`]: exact counts and lag.
fn assert_topics_and_lag(args: &[&str], topic: &str, group: &str) {
    let topics = kdeck_json_with(&[args, &["topics"]].concat());
    let row = topics.as_array().expect("array").iter().find(|t| t["name"] == topic).cloned();
    let row = row.unwrap_or_else(|| panic!("{topic} missing: {topics:#}"));
    assert_eq!((row["partitions"].as_i64(), row["messages"].as_i64()), (Some(2), Some(10)), "{row:#}");
    let lag = kdeck_json_with(&[args, &["lag", group]].concat());
    assert_eq!(lag_rows(&lag), vec![(0, 3, 5, 2), (1, 1, 5, 4)], "{lag:#}");
    assert_eq!(lag["total_lag"], 6);
}

/// `kdeck ARGS peek` of partition 0 of a topic seeded by `seed_unreachable`: m0…m4, exactly,
/// with the SHA-256 of each value. Returns their timestamps.
fn assert_peeks(args: &[&str], topic: &str) -> Vec<i64> {
    use sha2::{Digest, Sha256};
    let peeked = kdeck_json_with(&[args, &["peek", topic, "-p", "0", "--offset", "0", "-n", "10"]].concat());
    let got: Vec<(i64, String, String)> = peeked
        .as_array()
        .unwrap_or_else(|| panic!("peek JSON: {peeked:#}"))
        .iter()
        .map(|m| {
            let text = |k: &str| m[k].as_str().map(str::to_string).unwrap_or_else(|| panic!("{k} in {m:#}"));
            (
                m["offset"].as_i64().expect("offset"),
                m["value"]["text"].as_str().expect("value").to_string(),
                text("value_sha256"),
            )
        })
        .collect();
    let want: Vec<(i64, String, String)> = (0..5)
        .map(|i| {
            let v = format!("m{i}");
            let hash = Sha256::digest(v.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
            (i, v, hash)
        })
        .collect();
    assert_eq!(got, want, "{args:?}");
    peeked.as_array().expect("list").iter().map(|m| m["timestamp_ms"].as_i64().expect("timestamp")).collect()
}

#[test]
fn through_a_real_socks5_proxy_every_connection_goes_by_the_advertised_name() {
    let (topic, group) = seeded("socks5");
    let proxy = Socks5::start();

    // only the proxy side resolves the name: kdeck asked directly cannot even bootstrap
    let (ok, report, _) = doctor(&["-b", EXTERNAL_ADVERTISED]);
    assert!(!ok);
    assert_eq!(outline(&report)[0].2, steps(&[("dns", "fail")]));
    assert!(
        verdicts(&report)[0].starts_with(&format!("bootstrap {EXTERNAL_ADVERTISED} does not resolve from here (")),
        "{report:#}"
    );

    let via = ["-b", EXTERNAL_ADVERTISED, "--socks5", proxy.addr.as_str()];
    assert_topics_and_lag(&via, &topic, &group);

    // the data plane too: peek's connections are new lines in the proxy's log, by name
    let before = proxy.targets().len();
    assert_peeks(&via, &topic);
    let targets = proxy.targets();
    assert!(targets.len() > before, "peek made no connection through the proxy: {targets:?}");
    assert!(targets.iter().all(|t| t == EXTERNAL_ADVERTISED), "every connection by the advertised name: {targets:?}");

    let (ok, report, stderr) = doctor(&via);
    assert!(ok, "{stderr}\n{report:#}");
    assert_eq!(step(&report, 1, "dns")["status"], "skipped");
    assert_eq!(
        step(&report, 1, "tcp")["detail"],
        format!("connected to {EXTERNAL_ADVERTISED} through the SOCKS5 proxy {}", proxy.addr)
    );

    // TLS through the proxy: the certificate is checked against the advertised name
    let ca = unreachable_ca();
    let ca_setting = format!("ssl.ca.location={ca}");
    let tls = [
        "-b",
        TLS_ADVERTISED,
        "--socks5",
        proxy.addr.as_str(),
        "-X",
        "security.protocol=SSL",
        "-X",
        &ca_setting,
        "-X",
        "ssl.endpoint.identification.algorithm=https",
    ];
    let before = proxy.targets().len();
    assert_peeks(&tls, &topic);
    let (ok, report, stderr) = doctor(&tls);
    assert!(ok, "{stderr}\n{report:#}");
    assert!(step(&report, 1, "tls")["detail"]
        .as_str()
        .expect("detail")
        .ends_with(&format!("name checked against {UNRESOLVABLE}")));
    let targets = proxy.targets()[before..].to_vec();
    assert!(!targets.is_empty() && targets.iter().all(|t| t == TLS_ADVERTISED), "{targets:?}");

    // the proxy gone: doctor says it is the proxy that refuses
    let addr = proxy.addr.clone();
    drop(proxy);
    let (ok, report, _) = doctor(&["-b", EXTERNAL_ADVERTISED, "--socks5", &addr]);
    assert!(!ok);
    assert_eq!(
        verdicts(&report),
        [
            format!("the SOCKS5 proxy {addr} refuses connections (connecting to SOCKS5 proxy {addr}: Connection refused (os error 111)): is it running (ssh -D PORT bastion) and is --socks5 its address? [connected via {EXTERNAL_ADVERTISED} through SOCKS5 {addr}]"),
            "no bootstrap server answered Metadata, so the advertised brokers could not be checked".to_string(),
        ]
    );
}

/// The CA of the one-node broker's TLS listener (made by kafka-compat.sh in its data dir).
fn unreachable_ca() -> String {
    let cache = std::env::var_os("KDECK_CACHE_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::PathBuf::from(std::env::var_os("HOME").expect("HOME")).join(".cache/kdeck"));
    cache.join("compat-unreachable/node1/certs/ca.pem").display().to_string()
}

#[test]
fn the_console_through_a_broker_map_says_so_in_its_header_and_shows_exact_values() {
    unreachable_broker();
    let topic = unique("doctor-tui");
    let group = unique("doctor-tui-group");
    seed_unreachable(&topic, &group, 7, [2, 7]);
    let map = format!("{EXTERNAL_ADVERTISED}={EXTERNAL}");
    let t = Tmux::start(&["--bootstrap", EXTERNAL, "--broker-map", &map, "--refresh", "2s"], 120, 40);
    let screen = t.wait_screen("the header", |s| s.contains("Topics ("));
    assert!(screen.lines().next().unwrap_or("").contains(&format!("{EXTERNAL} via broker map (1)")), "{screen}");
    t.keys(&["/"]);
    t.type_text(&topic);
    t.keys(&["Enter"]);
    // the offsets come from broker 1 by its advertised name, through the map
    let filtered = t.wait_screen("the test topic with its messages", |s| {
        s.contains(&format!("/{topic}"))
            && s.lines().any(|l| l.trim_matches(|c| c == '│' || c == ' ').starts_with(&topic) && l.contains(" 14"))
    });
    assert_eq!(row(&filtered, &topic)[1..], ["2", "1", "0", "0", "0", "14"], "{filtered}");
}

#[test]
fn the_console_that_cannot_connect_shows_the_doctor_steps() {
    let out = kdeck_raw(&["--bootstrap", "127.0.0.1:9", "--timeout", "2s"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    // step timings vary: compare the text with them taken out
    let stderr = regex::Regex::new(r" +[0-9]+ ms  ").expect("regex").replace_all(&stderr, " N ms  ");
    assert_eq!(
        stderr.trim(),
        "error: none of the bootstrap servers answered:\n  127.0.0.1:9: could not connect to 127.0.0.1:9: Connection refused (os error 111)\n\n\
         kdeck doctor:\nbootstrap 127.0.0.1:9\n  DNS         ok N ms  127.0.0.1:9 → 127.0.0.1\n  \
         TCP         FAIL N ms  connecting to 127.0.0.1:9: Connection refused (os error 111)\n\nverdict:\n  \
         bootstrap 127.0.0.1:9 refuses connections (connecting to 127.0.0.1:9: Connection refused (os error 111)): is the port right and the broker up?\n  \
         no bootstrap server answered Metadata, so the advertised brokers could not be checked"
    );
}

/// The lines of the console's connection pane (between its borders), timings as `N ms`.
fn connection_pane(screen: &str) -> Vec<String> {
    let timing = regex::Regex::new(r" +[0-9]+ ms  ").expect("regex");
    screen
        .lines()
        .skip_while(|l| !l.starts_with("┌ connection: "))
        .skip(1)
        .take_while(|l| !l.starts_with('└'))
        .map(|l| timing.replace_all(l.trim_matches('│').trim_end(), " N ms  ").into_owned())
        .collect()
}

#[test]
fn the_console_shows_the_doctor_steps_live_and_retries_with_backoff() {
    unreachable_broker();
    // wide enough that no line of the pane wraps
    let t = Tmux::start(&["--bootstrap", EXTERNAL, "--refresh", "2s", "--timeout", "3s"], 330, 50);
    let screen = t.wait_screen("the doctor's verdict in the connection pane", |s| {
        connection_pane(s).iter().any(|l| l.starts_with("verdict: "))
    });
    assert_eq!(
        connection_pane(&screen),
        [
            format!("partial refresh: broker 1 advertises {EXTERNAL_ADVERTISED}, which kdeck cannot reach: could not connect to {EXTERNAL_ADVERTISED}: failed to lookup address information: Name or service not known"),
            format!("bootstrap {EXTERNAL}"),
            format!("  DNS         ok N ms  {EXTERNAL} → 127.0.0.1"),
            format!("  TCP         ok N ms  connected to {EXTERNAL}"),
            "  TLS         - N ms  no TLS configured (security.protocol PLAINTEXT or SASL_PLAINTEXT)".to_string(),
            "  ApiVersions ok N ms  73 APIs (Metadata v0–v13, Fetch v4–v18); every API kdeck uses is there".to_string(),
            "  SASL        - N ms  no SASL configured".to_string(),
            format!("  Metadata    ok N ms  advertises broker 1 at {EXTERNAL_ADVERTISED}"),
            format!("broker 1 {EXTERNAL_ADVERTISED}"),
            format!("  DNS         FAIL N ms  {EXTERNAL_ADVERTISED} does not resolve from here: failed to lookup address information: Name or service not known"),
            format!("verdict: bootstrap {EXTERNAL} answered, but broker 1 advertises {EXTERNAL_ADVERTISED}, which does not resolve from here: fix advertised.listeners (see the INTERNAL/EXTERNAL listener pattern) or reach the brokers' network (VPN), or tunnel with --socks5 HOST:PORT (ssh -D) or --broker-map ADVERTISED=LOCAL (ssh -L)"),
        ],
        "{screen}"
    );
    // the retries back off (2 s, 4 s, 8 s, …): a countdown from 5 to 8 s needs a backoff of 8 s or more
    let title = regex::Regex::new(r"┌ connection: retry in ([0-9]+) s \(r retries now\) ").expect("regex");
    t.wait_screen("a retry 8 s away", |s| {
        title.captures(s).is_some_and(|c| c[1].parse::<u64>().is_ok_and(|n| (5..=8).contains(&n)))
    });
    // the keys work meanwhile: another view, and back
    t.keys(&["3"]);
    let groups = t.wait_screen("the groups view", |s| s.contains("┌ Consumer groups ("));
    assert!(groups.contains("┌ connection: "), "the pane stays while the cluster is out of reach: {groups}");
    t.keys(&["2"]);
    t.wait_screen("the topics view", |s| s.contains("┌ Topics ("));
}
