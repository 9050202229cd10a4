//! The console's `:msk` picker in tmux, as a person uses it: the stand-in's clusters listed with
//! state, version and auth; Enter on one opens the console on its bootstrap — here orders-prod's
//! IAM string, the IAM broker of scripts/kafka-iam.sh, with the env credentials.

use crate::discovery::{api, ACCESS_KEY, SECRET};
use crate::tmux::{row, Tmux};

#[test]
fn console_msk_picker_lists_clusters_and_connects_to_the_chosen_one() {
    let ca = crate::iam::iam_broker();
    let topic = crate::iam::topic_with_messages(1);
    let ca_setting = format!("ssl.ca.location={ca}");
    let env = [
        ("AWS_ENDPOINT_URL_KAFKA", api().endpoint.as_str()),
        ("AWS_ACCESS_KEY_ID", ACCESS_KEY),
        ("AWS_SECRET_ACCESS_KEY", SECRET),
        ("AWS_REGION", "eu-west-1"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
        ("AWS_CONFIG_FILE", "/nonexistent/aws-config"),
        ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/aws-credentials"),
    ];
    // start on the main test cluster, by bootstrap, from a shell (an error stays on the screen)
    let t = Tmux::shell(120, 30);
    let vars: Vec<String> = env.iter().map(|(k, v)| format!("{k}={v}")).collect();
    t.type_text(&format!(
        "KDECK_CONFIG=/nonexistent/kdeck.toml NO_COLOR=1 KDECK_STATE_DIR={} {} {} -b 127.0.0.1:19092 -X {ca_setting}; echo EXIT=$?",
        t.state.display(),
        vars.join(" "),
        env!("CARGO_BIN_EXE_kdeck")
    ));
    t.keys(&["Enter"]);
    t.wait_screen("the console on the test cluster", |s| s.contains(" kdeck  127.0.0.1:19092"));
    t.type_text(":msk");
    t.keys(&["Enter"]);
    let screen = t.wait_screen("the picker's clusters", |s| s.contains("MSK clusters (2)"));
    assert_eq!(
        row(&screen, "orders-prod"),
        ["orders-prod", "ACTIVE", "provisioned", "3.6.0", "3", "iam,scram"],
        "{screen}"
    );
    assert_eq!(
        row(&screen, "clicks-serverless"),
        ["clicks-serverless", "ACTIVE", "serverless", "-", "-", "iam"],
        "{screen}"
    );
    // Enter on orders-prod: the console comes back on its IAM bootstrap, named after it
    t.keys(&["Enter"]);
    t.wait_screen("the console on orders-prod", |s| s.contains(" kdeck  orders-prod"));
    // The IAM broker keeps the topics of earlier runs, so this one can sort below the fold:
    // filter the topics pane to it.
    t.type_text(&format!("/{topic}"));
    t.keys(&["Enter"]);
    let screen =
        t.wait_screen("this test's topic on orders-prod", |s| s.contains(" kdeck  orders-prod") && s.contains(&topic));
    assert!(screen.contains(&topic), "{screen}");
    t.keys(&["q"]);
    t.wait_screen("kdeck's exit status", |s| s.contains("EXIT=0"));
}

/// A console on MSK IAM lives through many broker sessions (10 s each on the IAM broker): it keeps
/// refreshing, authenticates afresh before each session ends, and no refresh fails.
#[test]
fn console_over_iam_keeps_refreshing_across_session_ends() {
    let ca = crate::iam::iam_broker();
    let ca_setting = format!("ssl.ca.location={ca}");
    let endpoint = format!("AWS_ENDPOINT_URL_KAFKA={}", api().endpoint);
    let t = Tmux::start_with_env(
        &[
            ("KDECK_LOG", "debug"),
            ("AWS_ENDPOINT_URL_KAFKA", endpoint.trim_start_matches("AWS_ENDPOINT_URL_KAFKA=")),
            ("AWS_ACCESS_KEY_ID", ACCESS_KEY),
            ("AWS_SECRET_ACCESS_KEY", SECRET),
            ("AWS_REGION", "eu-west-1"),
            ("AWS_EC2_METADATA_DISABLED", "true"),
            ("AWS_CONFIG_FILE", "/nonexistent/aws-config"),
            ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/aws-credentials"),
        ],
        &["--msk", "orders-prod", "-X", &ca_setting, "--refresh", "1s"],
        120,
        30,
    );
    t.wait_screen("the console on orders-prod", |s| s.contains(" kdeck  orders-prod"));
    let log = t.state.join("kdeck.log");
    let read = || std::fs::read_to_string(&log).unwrap_or_default();
    // the console still authenticates afresh 30 s after it first did: three of the broker's
    // 10 s sessions have ended under it
    crate::support::wait_for("30 s of sessions", std::time::Duration::from_secs(150), || {
        let times: Vec<u32> =
            read().lines().filter(|l| l.contains("connection authenticated")).filter_map(seconds_of_day).collect();
        let (first, last) = (times.first()?, times.last()?);
        ((last + 86_400 - first) % 86_400 >= 30).then_some(())
    });
    let text = read();
    assert!(!text.contains("refresh failed"), "a refresh failed:\n{text}");
    let screen = t.screen();
    assert!(screen.contains(" kdeck  orders-prod") && !screen.contains("failed"), "{screen}");
    assert!(t.alive());
    t.keys(&["q"]);
}

/// The time of day of a log line (`2026-11-30T03:25:07.123456Z  DEBUG …`), in seconds.
fn seconds_of_day(line: &str) -> Option<u32> {
    let time = line.split_whitespace().next()?.split('T').nth(1)?;
    let mut parts = time.split(':');
    let h: u32 = parts.next()?.parse().ok()?;
    let m: u32 = parts.next()?.parse().ok()?;
    let s: u32 = parts.next()?.split('.').next()?.parse().ok()?;
    Some(h * 3600 + m * 60 + s)
}
