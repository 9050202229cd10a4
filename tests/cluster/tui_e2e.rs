//! The real binary in tmux against the real cluster, driven with send-keys and read with
//! capture-pane, as a person at a terminal would.

use std::process::Command;
use std::time::Duration;

use crate::common::{self, data, env, script, unique, wait_for, Fixture};
use crate::tmux::{position, row, Tmux};

#[test]
fn topics_filter_isr_and_group_lag_in_the_console() {
    let fx = Fixture::shared();
    let topic = fx.topic("tui");
    let group = fx.group("tui-group");
    data::create_topic_with_assignment(&topic, &[&[1, 2, 3], &[2, 3, 1], &[3, 1, 2]]);
    assert_eq!(data::produce(&topic, 100, 3), vec![34, 33, 33]);
    data::consume_and_commit(&topic, &group, &[20, 15, 5]);

    let t = Tmux::start(&["--bootstrap", &env().bootstrap, "--refresh", "2s"], 120, 40);
    // the topic may be below the fold on a busy cluster: the filter below waits for it
    t.wait_screen("the topics pane", |s| s.contains("Topics ("));

    // `/` + name filters; Enter keeps the filter, Enter opens the topic.
    t.keys(&["/"]);
    t.type_text(&topic);
    t.keys(&["Enter"]);
    let filtered =
        t.wait_screen("only the test topic", |s| s.contains(&format!("/{topic}")) && position(s) == Some("1/1"));
    assert_eq!(row(&filtered, &topic)[1..], ["3", "3", "0", "0", "0", "100"], "{filtered}");
    t.keys(&["Enter"]);
    let parts =
        t.wait_screen("the partitions of the test topic", |s| s.contains(&format!("{topic} — 3 partitions, RF 3")));
    assert_eq!(row(&parts, "0")[1..], ["1", "1,2,3", "1,2,3", "0", "34", "ok"]);
    assert_eq!(row(&parts, "1")[1..], ["2", "2,3,1", "2,3,1", "0", "33", "ok"]);
    assert_eq!(row(&parts, "2")[1..], ["3", "3,1,2", "3,1,2", "0", "33", "ok"]);
    assert!(parts.contains(&format!("topics › {topic}")), "breadcrumbs:\n{parts}");

    // `:g GROUP` opens the group: exact per-partition lag and the total.
    t.keys(&[":"]);
    t.type_text(&format!("g {group}"));
    t.keys(&["Enter"]);
    let detail =
        t.wait_screen("the group detail", |s| s.contains(&format!("{group} — Empty, 0 members, total lag 60")));
    let lags: Vec<Vec<&str>> = detail
        .lines()
        .map(|l| l.trim_matches(|c| c == '│' || c == ' ').split_whitespace().collect::<Vec<_>>())
        .filter(|w| w.first() == Some(&topic.as_str()))
        .map(|w| w[1..5].to_vec())
        .collect();
    assert_eq!(
        lags,
        vec![vec!["0", "20", "34", "14"], vec!["1", "15", "33", "18"], vec!["2", "5", "33", "28"]],
        "{detail}"
    );

    // Esc goes back to the groups list, where the group shows its total.
    t.keys(&["Escape"]);
    t.keys(&["/"]);
    t.type_text(&group);
    t.keys(&["Enter"]);
    let groups = t.wait_screen("the groups pane filtered", |s| {
        s.contains("Consumer groups") && s.contains(&format!("/{group}")) && position(s) == Some("1/1")
    });
    let g = row(&groups, &group);
    assert_eq!(g[1..4], ["Empty", "0", topic.as_str()], "{groups}");
    assert_eq!(g[4], "60");

    t.keys(&["q"]);
    wait_for("kdeck to exit on q", Duration::from_secs(20), || (!t.alive()).then_some(()));
}

fn node_pid(n: u8) -> String {
    let dir = env().certs.parent().expect("cluster dir").join(format!("node{n}/kafka.pid"));
    std::fs::read_to_string(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())).trim().to_string()
}

fn signal(pid: &str, sig: &str) {
    let st = Command::new("kill").args([sig, pid]).status().expect("kill");
    assert!(st.success(), "kill {sig} {pid}");
}

#[test]
fn broker_down_shows_in_header_and_keys_still_work_while_requests_hang() {
    let fx = Fixture::exclusive();
    let topic = fx.topic("tui-down");
    data::create_topic_with_assignment(&topic, &[&[1, 2, 3], &[2, 3, 1], &[3, 1, 2]]);
    let t = Tmux::start(&["--bootstrap", &env().bootstrap, "--refresh", "1s", "--timeout", "2s"], 120, 40);
    // (the test topic may be below the first screen on a long-lived cluster; the filter finds it)
    t.wait_screen("a healthy cluster", |s| s.contains("brokers 3/3 URP 0 offline 0") && s.contains("Topics ("));

    // A hung broker (SIGSTOP): connections open but nothing answers, so requests to it time out.
    let pid = node_pid(3);
    signal(&pid, "-STOP");
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        // While a refresh waits on the hung broker (⟳ in the header), keys still switch panes.
        for (key, title) in [("1", "Brokers ("), ("3", "Consumer groups ("), ("2", "Topics (")] {
            t.keys(&[key]);
            t.wait_screen(&format!("{title} while a refresh is in flight"), |s| s.contains(title) && s.contains('⟳'));
        }
        // …and the refresh really was waiting on the hung broker: its timeout is reported.
        t.wait_screen("the hung broker named in the status line", |s| s.contains("127.0.0.1:39092 did not answer"));
    }));
    signal(&pid, "-CONT");
    if let Err(e) = outcome {
        std::panic::resume_unwind(e);
    }

    // A stopped broker: the header counts it out and the ISR shrinks, within a refresh or two.
    script(&["stop-node", "3"]);
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        t.wait_screen("broker 3 out of the header count", |s| s.contains("brokers 2/3") && !s.contains("URP 0 "));
        t.keys(&["/"]);
        t.type_text(&topic);
        t.keys(&["Enter", "Enter"]);
        let parts = t.wait_screen("the shrunken ISR", |s| {
            s.contains(&format!("{topic} — 3 partitions")) && s.matches("under-repl").count() == 3
        });
        for p in ["0", "1", "2"] {
            let r = row(&parts, p);
            assert!(!r[3].contains('3'), "ISR of partition {p} still lists broker 3: {r:?}");
            assert_eq!(r[6], "under-repl");
        }
        t.keys(&["1"]);
        let brokers = t.wait_screen("broker 3 marked down", |s| s.contains("DOWN (not in metadata)"));
        assert_eq!(row(&brokers, "3")[1..4], ["DOWN", "(not", "in"]);
    }));
    script(&["start-node", "3"]);
    t.wait_screen("the cluster healthy again", |s| s.contains("brokers 3/3 URP 0 offline 0"));
    if let Err(e) = outcome {
        std::panic::resume_unwind(e);
    }
}

#[test]
fn sigterm_restores_the_terminal() {
    let _g = common::shared();
    let marker = unique("kdeck-sigterm");
    // After kdeck exits, the shell reports its status and whether the tty is back in canonical
    // (cooked) mode; a console that leaves raw mode on would print "-icanon".
    let script = format!(
        "{} --bootstrap {} -X client.id={marker}; echo EXITED-$?; stty -a | grep -o -- '-\\?icanon' | head -1; sleep 60",
        env!("CARGO_BIN_EXE_kdeck"),
        env().bootstrap
    );
    let t = Tmux::shell(100, 30);
    t.type_text(&format!("clear; NO_COLOR=1 {script}"));
    t.keys(&["Enter"]);
    t.wait_screen("the console up", |s| s.contains("Topics ("));
    let st = Command::new("pkill").args(["-TERM", "-f", &format!("client.id={marker}")]).status().expect("pkill");
    assert!(st.success(), "no kdeck process to signal");
    let after_exit =
        |s: &str| s.lines().skip_while(|l| !l.starts_with("EXITED-")).nth(1).unwrap_or("").trim().to_string();
    let s = t.wait_screen("the shell back after SIGTERM, and stty's answer", |s| after_exit(s).ends_with("icanon"));
    assert!(s.contains("EXITED-0"), "{s}");
    let mode = after_exit(&s);
    assert_eq!(mode, "icanon", "terminal left in raw mode:\n{s}");
    assert!(!s.contains("Topics ("), "the alternate screen was not left:\n{s}");
}

/// The README's product command: cluster (reused), sample topics, load and the console; the slow
/// group's lag climbs while the others keep up; quitting stops the load.
#[test]
fn demo_runs_the_load_and_quits_cleanly() {
    let _g = common::shared();
    let t = Tmux::shell(120, 40);
    t.type_text(&format!("clear; {} demo --rate 40; echo DEMO-EXITED-$?", env!("CARGO_BIN_EXE_kdeck")));
    t.keys(&["Enter"]);
    t.wait_screen("the demo console", |s| s.contains(" demo ") && s.contains("Topics ("));
    t.keys(&["3", "/"]);
    t.type_text("demo-");
    t.keys(&["Enter"]);
    let lag_of = |s: &str, g: &str| -> Option<i64> {
        s.lines()
            .map(|l| l.trim_matches(|c| c == '│' || c == ' ').split_whitespace().collect::<Vec<_>>())
            .find(|w| w.first() == Some(&g))
            .and_then(|w| w.get(4)?.parse().ok())
    };
    // Billing reads a quarter of its topic's rate: its lag grows from one refresh to the next.
    let first = t.wait_screen("demo-billing behind", |s| lag_of(s, "demo-billing").is_some_and(|l| l > 0));
    let l1 = lag_of(&first, "demo-billing").unwrap_or(0);
    let later = t.wait_screen("demo-billing further behind", |s| lag_of(s, "demo-billing").is_some_and(|l| l > l1));
    let groups = ["demo-analytics", "demo-audit", "demo-billing"];
    for g in groups {
        assert!(later.contains(g), "{g} missing:\n{later}");
    }
    t.keys(&["q"]);
    let s = t.wait_screen("the demo's exit", |s| s.contains("DEMO-EXITED-"));
    assert!(s.contains("kdeck demo: load stopped") && s.contains("DEMO-EXITED-0"), "{s}");
}

/// Keys typed while the console starts (before raw mode and the first frame: the terminal turns
/// Enter into a line feed then) and Esc typed together with the next key are acted on as typed.
#[test]
fn keys_typed_ahead_of_the_console_are_kept() {
    let fx = Fixture::shared();
    let topic = fx.topic("tui-ahead");
    data::create_topic_with_assignment(&topic, &[&[1, 2], &[2, 3]]);

    let t = Tmux::start(&["--bootstrap", &env().bootstrap, "--refresh", "2s"], 120, 40);
    // no wait: the console is still starting
    t.keys(&["?"]);
    t.keys(&["Escape", "/"]); // one write: Esc and / arrive in one read
    t.type_text(&topic);
    t.keys(&["Enter"]);
    let filtered =
        t.wait_screen("the typed-ahead filter", |s| s.contains(&format!("/{topic}")) && position(s) == Some("1/1"));
    assert!(!filtered.contains("keys —"), "Esc closed the help:\n{filtered}");
    assert_eq!(row(&filtered, &topic)[1..3], ["2", "2"], "{filtered}");
    assert!(!filtered.contains(&format!("/{topic}j")), "Enter is not text:\n{filtered}");
}
