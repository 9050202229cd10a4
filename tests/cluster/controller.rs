//! The active controller on the main cluster (KRaft, every node a broker and a controller): the
//! metadata quorum's leader, as kafka-metadata-quorum names it, in every snapshot the console
//! loads, in its header and brokers pane, and in `kdeck brokers`.

use kdeck::cluster::Controller;
use kdeck::kafka::{Client, ClientConfig};
use kdeck::tui::backend::{ClusterBackend, KafkaBackend};

use crate::common::{self, env, kafka_tool, kdeck, kdeck_json};
use crate::tmux::{row, Tmux};

/// LeaderId of `kafka-metadata-quorum describe --status`.
fn quorum_leader() -> i32 {
    let quorum = kafka_tool(
        "org.apache.kafka.tools.MetadataQuorumCommand",
        &["--bootstrap-server", &env().bootstrap, "describe", "--status"],
    );
    quorum
        .lines()
        .find_map(|l| l.strip_prefix("LeaderId:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no LeaderId in:\n{quorum}"))
}

/// Metadata's controller id on KRaft is an arbitrary broker, different from answer to answer;
/// ten refreshes of the console's own backend in a row must all name the quorum leader, and mark
/// that broker and no other.
#[test]
fn console_refreshes_name_the_quorum_leader_every_time() {
    let _g = common::shared();
    let leader = quorum_leader();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let seen: Vec<(Controller, Vec<i32>)> = rt.block_on(async {
        let bootstrap = env().bootstrap.split(',').map(str::to_string).collect();
        let cfg = ClientConfig { bootstrap, ..Default::default() };
        let client = Client::connect(cfg).await.expect("connect");
        let backend = KafkaBackend {
            client,
            data: Default::default(),
            ops: kdeck::ops::Context::new("controller-test", true, false),
            aws: Default::default(),
            refresh_requests: Default::default(),
        };
        let mut seen = Vec::new();
        for _ in 0..10 {
            let snap = backend.snapshot().await.expect("snapshot");
            let marked = snap.brokers.iter().filter(|b| b.is_controller).map(|b| b.id).collect();
            seen.push((snap.controller, marked));
        }
        seen
    });
    assert_eq!(quorum_leader(), leader, "the quorum leader changed during the test (a node restarted?)");
    let want = (Controller::Kraft { id: leader, broker: true }, vec![leader]);
    assert_eq!(seen, vec![want; 10]);
}

/// `kdeck brokers`: the table's CONTROLLER mark and its Controller line, and the JSON, name the
/// quorum leader.
#[test]
fn brokers_command_names_the_quorum_leader() {
    let _g = common::shared();
    let leader = quorum_leader();
    let table = kdeck(&["brokers"]);
    let marked: Vec<&str> =
        table.lines().skip(1).filter(|l| l.contains(" * ")).filter_map(|l| l.split_whitespace().next()).collect();
    assert_eq!(marked, vec![leader.to_string()], "{table}");
    assert_eq!(table.lines().last(), Some(format!("Controller: {leader} (KRaft quorum leader)").as_str()), "{table}");
    let json = kdeck_json(&["brokers"]);
    let controllers: Vec<(i64, &str)> = json
        .as_array()
        .expect("array")
        .iter()
        .filter(|b| b["controller"] == true)
        .map(|b| (b["id"].as_i64().unwrap_or(-1), b["role"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(controllers, vec![(i64::from(leader), "broker")], "{json}");
    assert_eq!(quorum_leader(), leader, "the quorum leader changed during the test (a node restarted?)");
}

/// The console: the header's controller and the brokers pane's CTRL mark are the quorum leader.
#[test]
fn console_header_and_brokers_pane_show_the_quorum_leader() {
    let _g = common::shared();
    let leader = quorum_leader();
    let t = Tmux::start(&["--bootstrap", &env().bootstrap, "--refresh", "1s"], 120, 30);
    t.wait_screen("the console up", |s| s.contains("Topics ("));
    t.keys(&["1"]);
    let screen = t.wait_screen("the brokers pane", |s| s.contains("Brokers (3)") && s.contains('●'));
    let header = screen.lines().next().unwrap_or_default();
    assert!(header.contains(&format!(" ctrl {leader} brokers 3/3 ")), "{screen}");
    let marked: Vec<&str> = ["1", "2", "3"].into_iter().filter(|id| row(&screen, id).contains(&"●")).collect();
    assert_eq!(marked, vec![leader.to_string()], "{screen}");
    assert_eq!(quorum_leader(), leader, "the quorum leader changed during the test (a node restarted?)");
}
