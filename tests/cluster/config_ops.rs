//! Topic and broker configs: sources, masking, set and delete, with kafka-configs as the oracle.

use std::time::Duration;

use crate::common::{self, data, env, kafka_tool, wait_for, Fixture};
use crate::ops_fixture::{assert_audit, topic_config, wait_partitions, Ops};
use crate::topic_ops::cluster_name;

const CONFIG_COMMAND: &str = "kafka.admin.ConfigCommand";

fn kafka_configs(entity_type: &str, name: &str, all: bool) -> String {
    let mut args = vec![
        "--bootstrap-server",
        env().bootstrap.as_str(),
        "--describe",
        "--entity-type",
        entity_type,
        "--entity-name",
        name,
    ];
    if all {
        args.push("--all");
    }
    kafka_tool(CONFIG_COMMAND, &args)
}

/// The `key=…` line of kafka-configs --describe output.
fn line_for(out: &str, key: &str) -> Option<String> {
    out.lines().map(str::trim).find(|l| l.starts_with(&format!("{key}="))).map(str::to_string)
}

#[test]
fn retention_override_set_and_deleted_source_dynamic_then_default() {
    let fx = Fixture::shared();
    let ops = Ops::new();
    let topic = fx.topic("retention");
    data::create_topic(&topic, 1, 3);
    wait_partitions(&ops, &topic, Some(1));
    assert_eq!(
        topic_config(&ops, &topic, "retention.ms"),
        ("604800000".into(), "default".into(), "DEFAULT_CONFIG".into())
    );

    let set = ops.ok_json(&["config", "set", "topic", &topic, "retention.ms=86400000", "--yes"]);
    assert_eq!(set["result"], "ok");
    assert_eq!(set["configs"][0]["current_source"], "default");
    let dynamic = ("86400000".to_string(), "dynamic".to_string(), "DYNAMIC_TOPIC_CONFIG".to_string());
    wait_for("the override to show", Duration::from_secs(30), || {
        (topic_config(&ops, &topic, "retention.ms") == dynamic).then_some(())
    });
    let table = ops.ok(&["config", "get", "topic", &topic]);
    let row: Vec<&str> =
        table.lines().find(|l| l.starts_with("retention.ms ")).expect("row").split_whitespace().collect();
    assert_eq!(row, ["retention.ms", "86400000", "dynamic", "topic", "override"]);
    let oracle = kafka_configs("topics", &topic, false);
    assert_eq!(
        line_for(&oracle, "retention.ms").as_deref(),
        Some("retention.ms=86400000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:retention.ms=86400000}"),
        "{oracle}"
    );

    let deleted = ops.ok_json(&["config", "delete", "topic", &topic, "retention.ms", "--yes"]);
    assert_eq!(deleted["result"], "ok");
    assert_eq!(
        (&deleted["configs"][0]["current_source"], &deleted["configs"][0]["new_source"]),
        (&"dynamic".into(), &"default".into())
    );
    let default = ("604800000".to_string(), "default".to_string(), "DEFAULT_CONFIG".to_string());
    wait_for("the override to go", Duration::from_secs(30), || {
        (topic_config(&ops, &topic, "retention.ms") == default).then_some(())
    });
    let oracle = kafka_configs("topics", &topic, false);
    assert_eq!(line_for(&oracle, "retention.ms"), None, "kafka-configs still shows an override:\n{oracle}");
    let all = kafka_configs("topics", &topic, true);
    // --all prints the value without a source; no synonym left means no override anywhere
    assert_eq!(
        line_for(&all, "retention.ms").as_deref(),
        Some("retention.ms=604800000 sensitive=false synonyms={}"),
        "{all}"
    );

    let audit = ops.audit();
    assert_eq!(audit.len(), 2);
    assert_audit(&audit[0], &cluster_name(), "config set", "ok");
    assert_eq!(audit[0]["request"], format!("set retention.ms=86400000 on topic {topic}"));
    assert_audit(&audit[1], &cluster_name(), "config delete", "ok");
    assert_eq!(audit[1]["request"], format!("delete retention.ms on topic {topic}"));
}

#[test]
fn broker_configs_show_sources_mask_secrets_and_change_on_that_broker() {
    let _g = common::shared();
    let ops = Ops::new();
    let get = ops.ok_json(&["config", "get", "broker", "2"]);
    assert_eq!(get["resource"], serde_json::json!({"type": "broker", "name": 2}));
    let find = |v: &serde_json::Value, key: &str| {
        v["configs"].as_array().expect("configs").iter().find(|c| c["name"] == key).cloned()
    };
    let rack = find(&get, "broker.rack").expect("broker.rack");
    assert_eq!((rack["value"].as_str(), rack["source"].as_str()), (Some("az-b"), Some("static")));
    let jaas = find(&get, "listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config").expect("jaas config");
    assert_eq!((jaas["value"].as_str(), jaas["sensitive"].as_bool()), (Some("[hidden]"), Some(true)));

    // log.cleaner.backoff.ms is a harmless dynamic per-broker key: set it on broker 2 and remove it again
    let key = "log.cleaner.backoff.ms";
    let set = ops.ok_json(&["config", "set", "broker", "2", &format!("{key}=15001"), "--yes"]);
    assert_eq!(set["result"], "ok");
    let value = |ops: &Ops| {
        find(&ops.ok_json(&["config", "get", "broker", "2"]), key)
            .map(|c| (c["value"].clone(), c["kafka_source"].clone()))
    };
    wait_for("the broker override", Duration::from_secs(30), || {
        (value(&ops) == Some(("15001".into(), "DYNAMIC_BROKER_CONFIG".into()))).then_some(())
    });
    let oracle = kafka_configs("brokers", "2", false);
    assert!(
        line_for(&oracle, key).is_some_and(
            |l| l.starts_with(&format!("{key}=15001 sensitive=false synonyms={{DYNAMIC_BROKER_CONFIG:{key}=15001"))
        ),
        "{oracle}"
    );
    let other = find(&ops.ok_json(&["config", "get", "broker", "1"]), key).expect("key on broker 1");
    assert_eq!(other["kafka_source"], "DEFAULT_CONFIG", "only broker 2 changed");
    ops.ok(&["config", "delete", "broker", "2", key, "--yes"]);
    wait_for("the broker override to go", Duration::from_secs(30), || {
        (value(&ops) == Some(("15000".into(), "DEFAULT_CONFIG".into()))).then_some(())
    });

    // static keys cannot change at runtime: said before anything is sent
    let err = ops.fails(&["config", "set", "broker", "2", "log.dirs=/tmp/x", "--yes"]);
    assert_eq!(
        err,
        "error: log.dirs cannot be changed while the broker runs: set it in server.properties and restart the broker"
    );
    let err = ops.fails(&["config", "get", "broker", "7"]);
    assert_eq!(err, "error: broker 7 is not in the cluster (brokers: 1, 2, 3)");
    let results: Vec<String> = ops
        .audit()
        .iter()
        .map(|e| format!("{} {}", e["action"].as_str().unwrap_or(""), e["result"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(results, ["config set ok", "config delete ok", "config set invalid"]);
}
