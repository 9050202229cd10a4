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
    let screen =
        t.wait_screen("the console on orders-prod", |s| s.contains(" kdeck  orders-prod") && s.contains(&topic));
    assert!(screen.contains(&topic), "{screen}");
    t.keys(&["q"]);
    t.wait_screen("kdeck's exit status", |s| s.contains("EXIT=0"));
}
