//! Bad input gets a clear error and a non-zero exit, and never hangs.

use crate::common::{self, env, kdeck_raw, unique, Fixture};

fn fails(args: &[&str]) -> String {
    let out = kdeck_raw(args);
    assert!(!out.status.success(), "kdeck {args:?} succeeded: {}", String::from_utf8_lossy(&out.stdout));
    assert_eq!(out.status.code(), Some(1), "kdeck {args:?}");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn unknown_topic_and_group_are_named() {
    let fx = Fixture::shared();
    let topic = fx.topic("no-such-topic");
    let err = fails(&["--bootstrap", &env().bootstrap, "describe", &topic]);
    assert_eq!(err.trim(), format!("error: unknown topic: {topic}"));
    let group = fx.group("no-such-group");
    let err = fails(&["--bootstrap", &env().bootstrap, "lag", &group]);
    assert_eq!(err.trim(), format!("error: consumer group \"{group}\" does not exist"));
}

#[test]
fn named_clusters_from_config_toml() {
    let _g = common::shared();
    let dir = std::env::temp_dir().join(unique("kdeck-cfg"));
    std::fs::create_dir_all(&dir).expect("dir");
    let cfg = dir.join("config.toml");
    std::fs::write(
        &cfg,
        format!(
            "default_cluster = \"local\"\n[clusters.local]\nbootstrap = \"{}\"\n[clusters.scram]\nbootstrap = \"{}\"\n\
             [clusters.scram.properties]\n\"security.protocol\" = \"SASL_PLAINTEXT\"\n\"sasl.mechanism\" = \"SCRAM-SHA-256\"\n\
             \"sasl.username\" = \"kdeck-user\"\n\"sasl.password\" = \"user-secret\"\n",
            env().bootstrap,
            env().sasl_bootstrap
        ),
    )
    .expect("write");
    let cfg = cfg.to_str().expect("path");
    for args in [
        vec!["--config", cfg, "brokers", "-o", "json"],
        vec!["--config", cfg, "--cluster", "scram", "brokers", "-o", "json"],
    ] {
        let out = kdeck_raw(&args);
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        assert_eq!(json.as_array().map(Vec::len), Some(3), "{args:?}");
    }
    let err = fails(&["--config", cfg, "--cluster", "prod", "brokers"]);
    assert!(err.contains("no cluster named \"prod\"") && err.contains("(known: local, scram)"), "{err}");
}
