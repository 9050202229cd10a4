//! Every security mode against the real listeners: SCRAM-SHA-256/512 (SASL_PLAINTEXT), TLS with
//! the generated CA, mTLS with a client certificate; wrong credentials fail clearly.

use std::path::PathBuf;

use crate::common::{self, data, env, kdeck_raw, unique, Fixture};

fn props(name: &str, body: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(unique("kdeck-props"));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let p = dir.join(name);
    std::fs::write(&p, body).expect("write properties");
    p
}

/// Lists topics through `bootstrap` with a properties file and returns (success, stdout, stderr).
fn topics_with(bootstrap: &str, file: &std::path::Path) -> (bool, String, String) {
    let out = kdeck_raw(&[
        "--bootstrap",
        bootstrap,
        "--command-config",
        file.to_str().expect("path"),
        "--timeout",
        "10s",
        "topics",
        "--output",
        "json",
    ]);
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn assert_lists(topic: &str, (ok, stdout, stderr): (bool, String, String)) {
    assert!(ok, "kdeck failed: {stderr}");
    let json: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    assert!(json.as_array().expect("array").iter().any(|t| t["name"] == topic && t["partitions"] == 2), "{stdout}");
}

fn scram(mech: &str, user: &str, pass: &str) -> String {
    format!(
        "security.protocol=SASL_PLAINTEXT\nsasl.mechanism={mech}\n\
         sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"{user}\" password=\"{pass}\";\n"
    )
}

#[test]
fn every_auth_mode_lists_topics() {
    let fx = Fixture::shared();
    let topic = fx.topic("auth");
    data::create_topic(&topic, 2, 3);
    let e = env();
    let ca = e.certs.join("ca.pem");

    for mech in ["SCRAM-SHA-256", "SCRAM-SHA-512"] {
        let f = props("scram.properties", &scram(mech, "kdeck-admin", "kdeck-secret"));
        assert_lists(&topic, topics_with(&e.sasl_bootstrap, &f));
    }

    let tls = props(
        "tls.properties",
        &format!("security.protocol=SSL\nssl.truststore.type=PEM\nssl.truststore.location={}\n", ca.display()),
    );
    assert_lists(&topic, topics_with(&e.ssl_bootstrap, &tls));

    let mtls = props(
        "mtls.properties",
        &format!(
            "security.protocol=SSL\nssl.ca.location={}\nssl.certificate.location={}\nssl.key.location={}\n",
            ca.display(),
            e.certs.join("client.pem").display(),
            e.certs.join("client.key").display()
        ),
    );
    assert_lists(&topic, topics_with(&e.mtls_bootstrap, &mtls));

    // The same through -X overrides, as kcat users write them.
    let out = kdeck_raw(&[
        "--bootstrap",
        &e.sasl_bootstrap,
        "-X",
        "security.protocol=SASL_PLAINTEXT",
        "-X",
        "sasl.mechanism=SCRAM-SHA-512",
        "-X",
        "sasl.username=kdeck-user",
        "-X",
        "sasl.password=user-secret",
        "topics",
        "--output",
        "json",
    ]);
    assert_lists(
        &topic,
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into(),
            String::from_utf8_lossy(&out.stderr).into(),
        ),
    );
}

#[test]
fn wrong_credentials_and_wrong_trust_fail_clearly() {
    let _g = common::shared();
    let e = env();

    let f = props("bad.properties", &scram("SCRAM-SHA-256", "kdeck-admin", "not-the-password"));
    let (ok, _, stderr) = topics_with(&e.sasl_bootstrap, &f);
    assert!(!ok);
    assert!(stderr.contains("authentication with 127.0.0.1:") && stderr.contains("failed (SCRAM-SHA-256)"), "{stderr}");
    assert!(stderr.contains("check the username and password"), "{stderr}");

    // The mTLS listener without a client certificate.
    let nocert = props(
        "nocert.properties",
        &format!("security.protocol=SSL\nssl.ca.location={}\n", e.certs.join("ca.pem").display()),
    );
    let (ok, _, stderr) = topics_with(&e.mtls_bootstrap, &nocert);
    assert!(!ok, "the MTLS listener accepted a client without a certificate");
    assert!(stderr.starts_with("error: "), "{stderr}");

    // TLS against the system roots: the test CA is not trusted, and the message says what to do.
    let sysroots = props("sys.properties", "security.protocol=SSL\n");
    let (ok, _, stderr) = topics_with(&e.ssl_bootstrap, &sysroots);
    assert!(!ok);
    assert!(stderr.contains("TLS with 127.0.0.1:") && stderr.contains("ssl.truststore.location"), "{stderr}");

    // A PLAINTEXT client on the SASL port is told about the protocol mismatch.
    let out = kdeck_raw(&["--bootstrap", &e.sasl_bootstrap, "--timeout", "10s", "topics"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("wrong security protocol for this port"), "{stderr}");
}
