//! AWS secrets never appear in kdeck's output or logs, even at KDECK_LOG=trace: not the secret
//! key, not the session token, not the IAM token or its signature (a usable credential for 15 min).

use crate::discovery::{kdeck_aws_env, ACCESS_KEY, SECRET};

const SESSION: &str = "SeSsIoN-tOkEn-kdeck-secret";

fn assert_clean(what: &str, out: &std::process::Output) {
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    // the trace really ran (otherwise the test proves nothing)
    assert!(text.contains("TRACE") || text.contains("DEBUG"), "{what}: no log lines:\n{text}");
    for secret in [SECRET, SESSION, "X-Amz-Signature", "aHR0cHM6Ly9rYWZrYS", "not-the-secret"] {
        assert!(!text.contains(secret), "{what}: {secret:?} in the output:\n{text}");
    }
}

#[test]
fn aws_secrets_stay_out_of_output_and_trace_logs() {
    let ca = crate::iam::iam_broker();
    let ca_setting = format!("ssl.ca.location={ca}");
    let env = [("KDECK_LOG", "trace"), ("AWS_SESSION_TOKEN", SESSION)];
    // discovery: the SDK signs with the session token
    let out = kdeck_aws_env(Some((ACCESS_KEY, SECRET)), Some("eu-west-1"), &env, &["msk", "list"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_clean("msk list", &out);
    // IAM to the broker (the validator accepts the session token: it checks only the signature)
    let args = ["--msk", "orders-prod", "-X", ca_setting.as_str(), "topics"];
    let out = kdeck_aws_env(Some((ACCESS_KEY, SECRET)), Some("eu-west-1"), &env, &args);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_clean("topics over IAM", &out);
    // refused: the error names no secret either
    let out = kdeck_aws_env(Some((ACCESS_KEY, "not-the-secret")), Some("eu-west-1"), &env, &args);
    assert!(!out.status.success());
    assert_clean("refused IAM", &out);
}
