//! What counts as a secret and how it is shown: one rule for connection settings, topic and
//! broker configs, the audit log, JSON output and error messages.

/// What a secret value is shown as.
pub const HIDDEN: &str = "[hidden]";

/// Keys whose values are secrets: passwords, JAAS configs (they carry a password), private keys,
/// tokens and credentials, in Kafka's, librdkafka's and listener-prefixed spellings.
pub fn is_sensitive_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    ["password", "secret", "jaas", "credential", "token"].iter().any(|w| k.contains(w))
        || k.ends_with(".key")
        || k.ends_with("key.pem")
        || k.contains("keystore.key")
}

/// The value as it may be shown: [`HIDDEN`] for a sensitive key.
pub fn mask<'a>(key: &str, value: &'a str) -> &'a str {
    if is_sensitive_key(key) {
        HIDDEN
    } else {
        value
    }
}

/// `text` with every occurrence of each secret replaced by [`HIDDEN`], for messages that may
/// quote a value back (a broker's error, a library's). Empty secrets are left alone.
pub fn scrub<'s>(text: &str, secrets: impl IntoIterator<Item = &'s str>) -> String {
    let mut out = text.to_string();
    for s in secrets.into_iter().filter(|s| !s.is_empty()) {
        out = out.replace(s, HIDDEN);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sensitive_keys_in_every_spelling() {
        for k in [
            "sasl.jaas.config",
            "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config",
            "sasl.password",
            "ssl.key.password",
            "ssl.keystore.password",
            "SSL.TRUSTSTORE.PASSWORD",
            "ssl.keystore.key",
            "ssl.key.pem",
            "sasl.oauthbearer.client.secret",
            "aws.session.token",
            "my.plugin.credentials",
        ] {
            assert!(is_sensitive_key(k), "{k}");
            assert_eq!(mask(k, "s3cr3t"), HIDDEN, "{k}");
        }
        for k in ["retention.ms", "ssl.key.location", "ssl.keystore.location", "sasl.username", "bootstrap.servers"] {
            assert!(!is_sensitive_key(k), "{k}");
            assert_eq!(mask(k, "v"), "v", "{k}");
        }
    }

    #[test]
    fn scrub_replaces_every_occurrence() {
        assert_eq!(scrub("bad value s3cr3t (s3cr3t)", ["s3cr3t", ""]), "bad value [hidden] ([hidden])");
        assert_eq!(scrub("nothing here", ["s3cr3t"]), "nothing here");
    }
}
