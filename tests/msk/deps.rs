//! One TLS stack: neither aws-lc (aws-lc-sys, aws-lc-rs, cmake) nor OpenSSL may come in with the
//! AWS SDK. OpenSSL is allowed only under rdkafka (librdkafka's TLS for the data plane).

use std::process::Command;

fn inverse_tree(package: &str) -> Option<String> {
    let out = Command::new(env!("CARGO"))
        .args(["tree", "--offline", "--locked", "-e", "normal,build", "--prefix", "depth", "-i", package])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run cargo tree");
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.success() {
        Some(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        // cargo's answer when nothing in the graph is that package
        assert!(stderr.contains("did not match any packages"), "cargo tree -i {package}: {stderr}");
        None
    }
}

#[test]
fn no_aws_lc_and_openssl_only_under_rdkafka() {
    for banned in ["aws-lc-sys", "aws-lc-rs", "cmake", "native-tls", "openssl"] {
        assert_eq!(inverse_tree(banned), None, "{banned} is in the dependency graph");
    }
    // openssl-sys: librdkafka's TLS, pulled by rdkafka-sys and nothing else
    let tree = inverse_tree("openssl-sys").expect("rdkafka's ssl feature links openssl-sys");
    let dependents: Vec<&str> = tree
        .lines()
        .filter(|l| l.starts_with('1'))
        .map(|l| l[1..].split_whitespace().next().unwrap_or_default())
        .collect();
    assert_eq!(dependents, ["rdkafka-sys"], "{tree}");
}
