//! Running mutating kdeck commands with a private state dir, so each test reads back its own
//! audit log. stdin is never a terminal here (Command::output gives the child a closed stdin).

use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::Duration;

use crate::common::{env, root, unique, wait_for};

pub struct Ops {
    pub state: PathBuf,
}

impl Ops {
    pub fn new() -> Ops {
        let state = std::env::temp_dir().join(unique("kdeck-state"));
        std::fs::create_dir_all(&state).expect("state dir");
        Ops { state }
    }

    /// kdeck with exactly these arguments (no bootstrap added), not started yet.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_kdeck"));
        c.args(args)
            .env("KDECK_CONFIG", root().join("tests/cluster/no-such-config.toml"))
            .env("KDECK_STATE_DIR", &self.state)
            .env("USER", "kdeck-test")
            .env_remove("KDECK_BOOTSTRAP")
            .env_remove("KDECK_CLUSTER");
        c
    }

    /// kdeck with exactly these arguments (no bootstrap added).
    pub fn raw(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("run kdeck")
    }

    /// kdeck against the PLAINTEXT listener.
    pub fn run(&self, args: &[&str]) -> Output {
        let mut full = vec!["--bootstrap", env().bootstrap.as_str()];
        full.extend_from_slice(args);
        self.raw(&full)
    }

    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(out.status.success(), "kdeck {args:?} failed:\n{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).expect("utf-8")
    }

    pub fn ok_json(&self, args: &[&str]) -> serde_json::Value {
        let mut full = args.to_vec();
        full.extend_from_slice(&["--output", "json"]);
        let text = self.ok(&full);
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("kdeck {args:?} printed no JSON ({e}):\n{text}"))
    }

    /// Fails with exit code 1; returns stderr, trimmed.
    pub fn fails(&self, args: &[&str]) -> String {
        expect_failure(&self.run(args), args)
    }

    pub fn fails_raw(&self, args: &[&str]) -> String {
        expect_failure(&self.raw(args), args)
    }

    pub fn audit(&self) -> Vec<serde_json::Value> {
        let text = std::fs::read_to_string(self.state.join("audit.jsonl")).unwrap_or_default();
        text.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("audit line {l:?}: {e}"))).collect()
    }

    pub fn last_audit(&self) -> serde_json::Value {
        self.audit().pop().expect("an audit entry")
    }

    /// A config.toml with a read-only profile `ro` and a writable `rw` for the test cluster.
    pub fn profiles(&self) -> PathBuf {
        let path = self.state.join("config.toml");
        let b = &env().bootstrap;
        std::fs::write(
            &path,
            format!("[clusters.ro]\nbootstrap = \"{b}\"\nread_only = true\n\n[clusters.rw]\nbootstrap = \"{b}\"\n"),
        )
        .expect("write config");
        path
    }
}

impl Drop for Ops {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.state);
    }
}

fn expect_failure(out: &Output, args: &[&str]) -> String {
    assert!(!out.status.success(), "kdeck {args:?} succeeded:\n{}", String::from_utf8_lossy(&out.stdout));
    assert_eq!(out.status.code(), Some(1), "kdeck {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stderr).trim().to_string()
}

/// Checks an audit entry's fixed fields.
pub fn assert_audit(entry: &serde_json::Value, cluster: &str, action: &str, result: &str) {
    assert_eq!(entry["cluster"], cluster, "{entry}");
    assert_eq!(entry["user"], "kdeck-test", "{entry}");
    assert_eq!(entry["action"], action, "{entry}");
    assert_eq!(entry["result"], result, "{entry}");
    let time = entry["time"].as_str().expect("time");
    assert!(time.len() == 24 && time.ends_with('Z') && &time[10..11] == "T", "time {time:?} is not RFC 3339 UTC");
}

/// Partition → replicas as kdeck describes the topic (None once it does not exist).
pub fn replicas(ops: &Ops, topic: &str) -> Option<Vec<Vec<i64>>> {
    let out = ops.run(&["describe", topic, "-o", "json"]);
    if !out.status.success() {
        return None;
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    Some(
        v["partitions"]
            .as_array()
            .expect("partitions")
            .iter()
            .map(|p| p["replicas"].as_array().expect("replicas").iter().map(|r| r.as_i64().expect("id")).collect())
            .collect(),
    )
}

/// Waits until every broker's metadata agrees the topic has `n` partitions (None: it is gone).
pub fn wait_partitions(ops: &Ops, topic: &str, n: Option<usize>) -> Option<Vec<Vec<i64>>> {
    wait_for(&format!("{topic} to have {n:?} partitions"), Duration::from_secs(30), || {
        let r = replicas(ops, topic);
        (r.as_ref().map(Vec::len) == n).then_some(r)
    })
}

/// One config's (value, source, kafka_source) from `kdeck config get topic`.
pub fn topic_config(ops: &Ops, topic: &str, key: &str) -> (String, String, String) {
    let v = ops.ok_json(&["config", "get", "topic", topic]);
    let c = v["configs"]
        .as_array()
        .expect("configs")
        .iter()
        .find(|c| c["name"] == key)
        .unwrap_or_else(|| panic!("no {key} in {v}"))
        .clone();
    (
        c["value"].as_str().unwrap_or("-").to_string(),
        c["source"].as_str().expect("source").to_string(),
        c["kafka_source"].as_str().expect("kafka_source").to_string(),
    )
}
