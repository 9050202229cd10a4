//! Java `.properties` files as Kafka's `--command-config` takes them, with line numbers kept so
//! errors can point at the line.

use std::collections::BTreeMap;

use thiserror::Error;

#[derive(Debug, Error, PartialEq, Eq)]
#[error("{source_name}:{line}: {message}")]
pub struct PropertiesError {
    pub source_name: String,
    pub line: usize,
    pub message: String,
}

/// A value and the line it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prop {
    pub value: String,
    pub line: usize,
}

/// Parses the subset of java.util.Properties syntax that real client configs use: `key=value`,
/// `key: value`, `key value`, `#`/`!` comments, `\` line continuations and `\uXXXX` escapes.
/// A line without a key, or with a bad escape, is an error naming the line.
pub fn parse(text: &str, source_name: &str) -> Result<BTreeMap<String, Prop>, PropertiesError> {
    let err = |line: usize, message: String| PropertiesError { source_name: source_name.to_string(), line, message };
    let mut out = BTreeMap::new();
    let lines: Vec<&str> = text.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let start = i + 1;
        let first = lines[i].trim_start();
        i += 1;
        if first.is_empty() || first.starts_with('#') || first.starts_with('!') {
            continue;
        }
        // Join continuation lines (an odd number of trailing backslashes).
        let mut logical = first.to_string();
        while ends_with_continuation(&logical) {
            logical.pop();
            match lines.get(i) {
                Some(next) => {
                    logical.push_str(next.trim_start());
                    i += 1;
                }
                None => return Err(err(start, "line continuation (`\\`) at the end of the file".into())),
            }
        }
        // Errors quote keys but never the rest of a line: it may be (part of) a password.
        let (raw_key, raw_value) = split_key_value(&logical);
        if raw_key.is_empty() {
            return Err(err(start, "expected key=value, found a line that starts with `=` or `:` (no key)".into()));
        }
        let Some(raw_value) = raw_value else {
            return Err(err(start, "expected key=value, found a line with no `=`".into()));
        };
        let key = unescape(raw_key).map_err(|m| err(start, format!("in the key: {m}")))?;
        let value = unescape(raw_value).map_err(|m| {
            let m = if crate::kafka::redact::is_sensitive_key(&key) { "malformed \\u escape".into() } else { m };
            err(start, format!("in the value of {key}: {m}"))
        })?;
        out.insert(key, Prop { value, line: start });
    }
    Ok(out)
}

fn ends_with_continuation(s: &str) -> bool {
    s.chars().rev().take_while(|c| *c == '\\').count() % 2 == 1
}

/// Splits at the first unescaped `=`, `:` or whitespace; None as value when there is no separator.
fn split_key_value(line: &str) -> (&str, Option<&str>) {
    let bytes = line.as_bytes();
    let mut j = 0;
    while j < bytes.len() {
        match bytes[j] {
            b'\\' => j += 2,
            b'=' | b':' => {
                return (line[..j].trim_end(), Some(line[j + 1..].trim_start()));
            }
            b' ' | b'\t' => {
                let key = &line[..j];
                let rest = line[j..].trim_start();
                let rest = rest.strip_prefix(['=', ':']).map(str::trim_start).unwrap_or(rest);
                return (key, Some(rest));
            }
            _ => j += 1,
        }
    }
    (line, None)
}

fn unescape(s: &str) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('f') => out.push('\x0c'),
            Some('u') => {
                let hex: String = chars.by_ref().take(4).collect();
                // from_str_radix alone would take "+123"
                let code = Some(&hex)
                    .filter(|h| h.len() == 4 && h.chars().all(|c| c.is_ascii_hexdigit()))
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .ok_or_else(|| format!("malformed \\u escape: \\u{hex}"))?;
                out.push(char::from_u32(code).ok_or_else(|| format!("\\u{hex} is not a character"))?);
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_kafka_client_configs() {
        let text = "# SCRAM\nsecurity.protocol=SASL_SSL\nsasl.mechanism : SCRAM-SHA-512\n\
                    sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required \\\n    username=\"alice\" password=\"p=w\";\n\
                    ssl.endpoint.identification.algorithm=\n  ! comment\nclient.id kdeck\\u0021\n";
        let p = parse(text, "client.properties").unwrap();
        assert_eq!(p["security.protocol"].value, "SASL_SSL");
        assert_eq!(p["sasl.mechanism"].value, "SCRAM-SHA-512");
        assert_eq!(
            p["sasl.jaas.config"].value,
            "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"alice\" password=\"p=w\";"
        );
        assert_eq!(p["sasl.jaas.config"].line, 4);
        assert_eq!(p["ssl.endpoint.identification.algorithm"].value, "");
        assert_eq!(p["client.id"], Prop { value: "kdeck!".into(), line: 8 });
    }

    #[test]
    fn errors_name_the_line() {
        let e = parse("security.protocol=SSL\n\nthis-line-has-no-value\n", "bad.properties").unwrap_err();
        assert_eq!(e.line, 3);
        assert_eq!(e.to_string(), "bad.properties:3: expected key=value, found a line with no `=`");
        let e = parse("a=1\nb=\\u12x4\n", "x").unwrap_err();
        assert_eq!((e.line, e.message.as_str()), (2, "in the value of b: malformed \\u escape: \\u12x4"));
        let e = parse("a=1\nsasl.password=s3cr3t\\u12x4\n", "x").unwrap_err();
        assert_eq!((e.line, e.message.as_str()), (2, "in the value of sasl.password: malformed \\u escape"));
        let e = parse("s3cr3t-on-its-own-line\n", "x").unwrap_err();
        assert!(!e.to_string().contains("s3cr3t"), "{e}");
        let e = parse("a=1\nb=2\\", "x").unwrap_err();
        assert_eq!(e.line, 2);
        let e = parse("=value\n", "x").unwrap_err();
        assert_eq!(e.line, 1);
    }

    mod props {
        use proptest::prelude::*;

        use super::super::parse;

        /// A line a client config could hold: key=value with a plain key and a printable value.
        fn good_line() -> impl Strategy<Value = (String, String)> {
            ("[a-z][a-z0-9.]{0,20}", "[ -~&&[^\\\\]]{0,30}").prop_map(|(k, v)| (k, v.trim().to_string()))
        }

        /// A line the parser must refuse, whatever precedes it.
        fn bad_line() -> impl Strategy<Value = String> {
            prop_oneof![
                // no `=`
                "[a-z][a-z0-9.]{0,20}",
                // no key
                "[=:][ -~]{0,10}",
                // a \u escape that is not four hex digits
                ("[a-z]{1,8}", "[g-z+][0-9a-f]{3}").prop_map(|(k, h)| format!("{k}=\\u{h}")),
            ]
        }

        proptest! {
            #[test]
            fn arbitrary_text_never_panics_and_errors_name_a_line(text in "\\PC{0,200}") {
                let lines = text.lines().count();
                if let Err(e) = parse(&text, "f.properties") {
                    prop_assert!(e.line >= 1 && e.line <= lines, "line {} of {lines}: {e}", e.line);
                    prop_assert!(e.to_string().starts_with(&format!("f.properties:{}: ", e.line)), "{e}");
                }
            }

            #[test]
            fn good_documents_parse_exactly(lines in prop::collection::vec(good_line(), 0..20)) {
                let text: String = lines.iter().map(|(k, v)| format!("{k}={v}\n")).collect();
                let parsed = parse(&text, "f").expect("a document of key=value lines parses");
                for (i, (k, v)) in lines.iter().enumerate() {
                    // the last line with a key wins
                    if lines.iter().rposition(|(k2, _)| k2 == k) == Some(i) {
                        prop_assert_eq!(&parsed[k].value, v);
                        prop_assert_eq!(parsed[k].line, i + 1);
                    }
                }
            }

            #[test]
            fn one_broken_line_is_named(lines in prop::collection::vec(good_line(), 1..20), at in any::<prop::sample::Index>(), bad in bad_line()) {
                let at = at.index(lines.len());
                let mut text: Vec<String> = lines.iter().map(|(k, v)| format!("{k}={v}")).collect();
                text[at] = bad;
                let e = parse(&(text.join("\n") + "\n"), "f").expect_err("the broken line is refused");
                prop_assert_eq!(e.line, at + 1, "{}", e);
            }
        }
    }
}
