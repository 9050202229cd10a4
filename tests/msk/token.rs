//! kdeck's MSK IAM token, byte for byte against AWS's Python signer (aws-msk-iam-sasl-signer-python,
//! on botocore) for fixed credentials, regions and signing times. The vectors are committed
//! (tests/msk/vectors/tokens.json); scripts/msk-token-vectors.py regenerates them.

use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use kdeck::kafka::msk_iam;

fn vectors() -> Vec<serde_json::Value> {
    let text = include_str!("vectors/tokens.json");
    let all: serde_json::Value = serde_json::from_str(text).unwrap();
    assert_eq!(all["signer"], "aws-msk-iam-sasl-signer-python==1.0.2");
    all["vectors"].as_array().unwrap().clone()
}

fn signing_time(text: &str) -> SystemTime {
    // "2024-05-01T12:34:56Z": days from the civil date (no date crate in the tests)
    let (date, time) = text.trim_end_matches('Z').split_once('T').unwrap();
    let d: Vec<i64> = date.split('-').map(|x| x.parse().unwrap()).collect();
    let t: Vec<u64> = time.split(':').map(|x| x.parse().unwrap()).collect();
    let (y, m) = if d[1] <= 2 { (d[0] - 1, d[1] + 9) } else { (d[0], d[1] - 3) };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + d[2] - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146097 + doe - 719468;
    SystemTime::UNIX_EPOCH + Duration::from_secs(days as u64 * 86400 + t[0] * 3600 + t[1] * 60 + t[2])
}

#[test]
fn token_matches_aws_python_signer_byte_for_byte() {
    let vectors = vectors();
    assert_eq!(vectors.len(), 3);
    for v in vectors {
        let creds = Credentials::new(
            v["access_key_id"].as_str().unwrap(),
            v["secret_access_key"].as_str().unwrap(),
            v["session_token"].as_str().map(str::to_string),
            None,
            "vectors",
        );
        let at = signing_time(v["signing_time"].as_str().unwrap());
        let ours =
            msk_iam::token(&creds, v["region"].as_str().unwrap(), at, v["user_agent"].as_str().unwrap()).unwrap();
        assert_eq!(ours, v["token"].as_str().unwrap(), "{}", v["name"]);
        // the signer's expiry is the signing time + 900 s
        let expiry = at + msk_iam::TOKEN_LIFETIME;
        let expiry_ms = expiry.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_millis() as u64;
        assert_eq!(expiry_ms, v["expiry_ms"].as_u64().unwrap(), "{}", v["name"]);
    }
}

#[test]
fn kdeck_token_carries_its_own_user_agent_after_the_signature() {
    let creds = Credentials::new("AKIDEXAMPLE", "secret", None, None, "t");
    let token = msk_iam::token(&creds, "eu-west-1", signing_time("2024-05-01T12:34:56Z"), msk_iam::USER_AGENT).unwrap();
    let url = decode(&token);
    assert!(url.starts_with("https://kafka.eu-west-1.amazonaws.com/?Action=kafka-cluster%3AConnect&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20240501%2Feu-west-1%2Fkafka-cluster%2Faws4_request&X-Amz-Date=20240501T123456Z&X-Amz-Expires=900&X-Amz-SignedHeaders=host&X-Amz-Signature="), "{url}");
    assert!(url.ends_with(&format!("&User-Agent=kdeck%2F{}", env!("CARGO_PKG_VERSION"))), "{url}");
    assert!(!token.contains('=') && !token.contains('+') && !token.contains('/'), "base64url without padding: {token}");
}

/// base64url (no padding) → text.
pub fn decode(token: &str) -> String {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut bits = 0u32;
    let mut n = 0;
    let mut out = Vec::new();
    for c in token.bytes() {
        let v = alphabet.iter().position(|a| *a == c).expect("base64url character") as u32;
        bits = (bits << 6) | v;
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
            bits &= (1 << n) - 1;
        }
    }
    String::from_utf8(out).unwrap()
}
