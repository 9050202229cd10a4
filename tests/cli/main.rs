//! The command line on bad input that needs no cluster: errors name what is wrong and where,
//! the exit code is 1, nothing hangs. A test binary of its own, so these run first and in
//! seconds (the cluster tests start Kafka).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails by panicking

use std::process::{Command, Output};

/// A name no other test (or earlier run) uses.
fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    format!("{prefix}-{}-{}", std::process::id(), nanos % 1_000_000_000)
}

/// kdeck with no config file and no connection settings from the environment.
fn kdeck_raw(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kdeck"))
        .args(args)
        .env("KDECK_CONFIG", "/nonexistent/kdeck.toml")
        .env_remove("KDECK_BOOTSTRAP")
        .env_remove("KDECK_CLUSTER")
        .output()
        .expect("run kdeck")
}

fn fails(args: &[&str]) -> String {
    let out = kdeck_raw(args);
    assert!(!out.status.success(), "kdeck {args:?} succeeded: {}", String::from_utf8_lossy(&out.stdout));
    assert_eq!(out.status.code(), Some(1), "kdeck {args:?}");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn dead_bootstrap_is_a_clear_error() {
    // Port 9 on loopback: nothing listens there.
    let err = fails(&["--bootstrap", "127.0.0.1:9", "--timeout", "2s", "brokers"]);
    assert_eq!(
        err.trim(),
        "error: none of the bootstrap servers answered:\n  127.0.0.1:9: could not connect to 127.0.0.1:9: Connection refused (os error 111)"
    );
}

#[test]
fn malformed_properties_name_the_line() {
    let dir = std::env::temp_dir().join(unique("kdeck-bad"));
    std::fs::create_dir_all(&dir).expect("dir");
    let f = dir.join("client.properties");
    std::fs::write(&f, "# client\nsecurity.protocol=SASL_SSL\nsasl.mechanism SCRAM-SHA-512\njust-a-word\n")
        .expect("write");
    let path = f.to_str().expect("path");
    let err = fails(&["--bootstrap", "127.0.0.1:9", "--command-config", path, "topics"]);
    // the line is named, its text is not quoted (it may be a password)
    assert_eq!(err.trim(), format!("error: {path}:4: expected key=value, found a line with no `=`"));

    std::fs::write(&f, "security.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-512\nsasl.jaas.config=ScramLoginModule required username=\"u\"\n").expect("write");
    let err = fails(&["--bootstrap", "127.0.0.1:9", "--command-config", path, "topics"]);
    assert_eq!(
        err.trim(),
        format!("error: {path}:3: sasl.jaas.config must end with `;` (a value spread over lines needs `\\` at the end of each line)")
    );

    let err = fails(&["--bootstrap", "127.0.0.1:9", "--command-config", "/nonexistent/kdeck.properties", "topics"]);
    assert!(err.starts_with("error: cannot read /nonexistent/kdeck.properties:"), "{err}");
}
