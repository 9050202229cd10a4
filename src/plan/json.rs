//! Kafka's own file formats, read and written exactly.
//!
//! * topics-to-move: `{"version":1,"topics":[{"topic":"t"}]}`
//! * reassignment: `{"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[1,2],"log_dirs":["any","any"]}]}`
//!
//! Writing follows `kafka-reassign-partitions.sh --generate`: compact JSON,
//! keys in the order above, partitions sorted by topic then partition, and
//! `log_dirs` always present (`"any"` for every replica unless a log dir is
//! known). Reading follows Kafka's parser (`version` defaults to 1 and must be 1,
//! a missing `partitions`/`topics` list is empty, `log_dirs` is optional) but is
//! stricter about key names: an unknown key (e.g. a misspelt `log_dir`, which
//! Kafka would silently ignore) is an error.

use serde::Deserialize;
use serde::Serialize;

use super::error::PlanError;

/// The value Kafka uses for "any log directory".
pub const ANY_LOG_DIR: &str = "any";

/// One partition of a reassignment file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReassignmentEntry {
    pub topic: String,
    pub partition: i32,
    pub replicas: Vec<i32>,
    /// `None` when the file has no `log_dirs` key.
    pub log_dirs: Option<Vec<String>>,
}

/// A parsed reassignment file (entries in file order).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Reassignment {
    pub partitions: Vec<ReassignmentEntry>,
}

impl Reassignment {
    /// Writes the file in Kafka's format (sorted by topic then partition;
    /// missing `log_dirs` written as `"any"`).
    pub fn to_json(&self) -> String {
        let mut entries: Vec<&ReassignmentEntry> = self.partitions.iter().collect();
        entries.sort_by(|a, b| (&a.topic, a.partition).cmp(&(&b.topic, b.partition)));
        let mut out = String::from("{\"version\":1,\"partitions\":[");
        for (i, e) in entries.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let dirs: Vec<&str> = match &e.log_dirs {
                Some(d) => d.iter().map(String::as_str).collect(),
                None => e.replicas.iter().map(|_| ANY_LOG_DIR).collect(),
            };
            push_entry(&mut out, &e.topic, e.partition, &e.replicas, &dirs);
        }
        out.push_str("]}");
        out
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReassignment {
    version: Option<i64>,
    #[serde(default)]
    partitions: Vec<RawEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    topic: String,
    partition: i32,
    replicas: Vec<i32>,
    log_dirs: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTopics {
    version: Option<i64>,
    #[serde(default)]
    topics: Vec<RawTopic>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTopic {
    topic: String,
}

fn check_version(v: Option<i64>) -> Result<(), PlanError> {
    match v {
        None | Some(1) => Ok(()),
        Some(other) => Err(PlanError::UnsupportedVersion(other)),
    }
}

/// Reads a reassignment file (`--reassignment-json-file`). Structural checks
/// only; use [`super::validate`] to check it against a cluster.
pub fn parse_reassignment(json: &str) -> Result<Reassignment, PlanError> {
    let raw: RawReassignment = serde_json::from_str(json).map_err(|e| PlanError::Json(e.to_string()))?;
    check_version(raw.version)?;
    Ok(Reassignment {
        partitions: raw
            .partitions
            .into_iter()
            .map(|e| ReassignmentEntry {
                topic: e.topic,
                partition: e.partition,
                replicas: e.replicas,
                log_dirs: e.log_dirs,
            })
            .collect(),
    })
}

/// Reads a topics-to-move file (`--topics-to-move-json-file`); topics in file order.
pub fn parse_topics_to_move(json: &str) -> Result<Vec<String>, PlanError> {
    let raw: RawTopics = serde_json::from_str(json).map_err(|e| PlanError::Json(e.to_string()))?;
    check_version(raw.version)?;
    Ok(raw.topics.into_iter().map(|t| t.topic).collect())
}

/// Writes a topics-to-move file: `{"version":1,"topics":[{"topic":"a"},...]}`
/// (topics in the given order).
pub fn write_topics_to_move<S: AsRef<str>>(topics: &[S]) -> String {
    let mut out = String::from("{\"version\":1,\"topics\":[");
    for (i, t) in topics.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str("{\"topic\":");
        push_str_lit(&mut out, t.as_ref());
        out.push('}');
    }
    out.push_str("]}");
    out
}

/// Writes a reassignment file from (topic, partition, replicas) triples, sorted
/// by topic then partition, with `"any"` log dirs.
pub fn write_reassignment<'a, I>(entries: I) -> String
where
    I: IntoIterator<Item = (&'a str, i32, &'a [i32])>,
{
    let mut v: Vec<(&str, i32, &[i32])> = entries.into_iter().collect();
    v.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    let mut out = String::from("{\"version\":1,\"partitions\":[");
    for (i, (topic, partition, replicas)) in v.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let dirs: Vec<&str> = replicas.iter().map(|_| ANY_LOG_DIR).collect();
        push_entry(&mut out, topic, *partition, replicas, &dirs);
    }
    out.push_str("]}");
    out
}

fn push_entry(out: &mut String, topic: &str, partition: i32, replicas: &[i32], dirs: &[&str]) {
    out.push_str("{\"topic\":");
    push_str_lit(out, topic);
    out.push_str(",\"partition\":");
    out.push_str(&partition.to_string());
    out.push_str(",\"replicas\":[");
    for (j, r) in replicas.iter().enumerate() {
        if j > 0 {
            out.push(',');
        }
        out.push_str(&r.to_string());
    }
    out.push_str("],\"log_dirs\":[");
    for (j, d) in dirs.iter().enumerate() {
        if j > 0 {
            out.push(',');
        }
        push_str_lit(out, d);
    }
    out.push_str("]}");
}

fn push_str_lit(out: &mut String, s: &str) {
    // `Value`'s Display is infallible and escapes like Jackson for the
    // characters Kafka topic names may contain ([a-zA-Z0-9._-]).
    out.push_str(&serde_json::Value::String(s.to_string()).to_string());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_kafka_format_byte_for_byte() {
        let s = write_reassignment([("t", 0, &[1, 2][..])]);
        assert_eq!(
            s,
            r#"{"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[1,2],"log_dirs":["any","any"]}]}"#
        );
        assert_eq!(write_reassignment(Vec::new()), r#"{"version":1,"partitions":[]}"#);
    }

    #[test]
    fn sorts_by_topic_then_partition() {
        let s = write_reassignment([("b", 0, &[1][..]), ("a", 10, &[2][..]), ("a", 2, &[3][..])]);
        assert_eq!(
            s,
            r#"{"version":1,"partitions":[{"topic":"a","partition":2,"replicas":[3],"log_dirs":["any"]},{"topic":"a","partition":10,"replicas":[2],"log_dirs":["any"]},{"topic":"b","partition":0,"replicas":[1],"log_dirs":["any"]}]}"#
        );
    }

    #[test]
    fn parses_kafka_example_with_and_without_log_dirs() {
        let r = parse_reassignment(
            r#"{"partitions":
              [{"topic": "foo", "partition": 1, "replicas": [1,2,3], "log_dirs": ["dir1","dir2","dir3"] },
               {"topic": "foo", "partition": 0, "replicas": [3]}],
              "version":1}"#,
        )
        .expect("parse");
        assert_eq!(r.partitions.len(), 2);
        assert_eq!(r.partitions[0].log_dirs.as_deref().map(<[String]>::len), Some(3));
        assert_eq!(r.partitions[1].log_dirs, None);
        assert_eq!(
            r.to_json(),
            r#"{"version":1,"partitions":[{"topic":"foo","partition":0,"replicas":[3],"log_dirs":["any"]},{"topic":"foo","partition":1,"replicas":[1,2,3],"log_dirs":["dir1","dir2","dir3"]}]}"#
        );
    }

    #[test]
    fn round_trip() {
        let text = r#"{"version":1,"partitions":[{"topic":"a.b_c-d","partition":7,"replicas":[5,1,3],"log_dirs":["any","/data/k1","any"]}]}"#;
        let r = parse_reassignment(text).expect("parse");
        assert_eq!(r.to_json(), text);
        let again = parse_reassignment(&r.to_json()).expect("parse again");
        assert_eq!(again, r);
    }

    #[test]
    fn rejects_bad_input() {
        assert!(matches!(
            parse_reassignment(r#"{"version":2,"partitions":[]}"#),
            Err(PlanError::UnsupportedVersion(2))
        ));
        // misspelt key
        assert!(matches!(
            parse_reassignment(
                r#"{"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[1],"log_dir":["any"]}]}"#
            ),
            Err(PlanError::Json(_))
        ));
        // missing replicas
        assert!(matches!(
            parse_reassignment(r#"{"version":1,"partitions":[{"topic":"t","partition":0}]}"#),
            Err(PlanError::Json(_))
        ));
        assert!(matches!(parse_reassignment("not json"), Err(PlanError::Json(_))));
        // no version, no partitions: Kafka's defaults
        assert_eq!(parse_reassignment("{}").expect("empty"), Reassignment::default());
    }

    #[test]
    fn topics_to_move() {
        let text = r#"{"version":1,"topics":[{"topic":"foo"},{"topic":"foo1"}]}"#;
        let t = parse_topics_to_move(text).expect("parse");
        assert_eq!(t, vec!["foo".to_string(), "foo1".to_string()]);
        assert_eq!(write_topics_to_move(&t), text);
        assert!(matches!(parse_topics_to_move(r#"{"version":1,"topics":[{"name":"foo"}]}"#), Err(PlanError::Json(_))));
        assert!(matches!(parse_topics_to_move(r#"{"version":3,"topics":[]}"#), Err(PlanError::UnsupportedVersion(3))));
    }

    mod props {
        use proptest::prelude::*;

        use super::super::*;

        fn entry() -> impl Strategy<Value = (String, i32, Vec<i32>)> {
            ("[a-zA-Z0-9._-]{1,20}", 0..1000i32, prop::collection::vec(0..100i32, 1..4))
        }

        /// One field of a partition entry spoiled, and the word the error must contain.
        fn spoil() -> impl Strategy<Value = (&'static str, &'static str, &'static str)> {
            prop::sample::select(vec![
                ("\"partition\":", "\"partition\":\"x\",\"was\":", "invalid type"),
                ("\"replicas\":[", "\"replicas\":[\"1\",", "invalid type"),
                ("\"log_dirs\":", "\"log_dir\":", "unknown field `log_dir`"),
                ("\"topic\":", "\"name\":", "unknown field `name`"),
                ("\"replicas\":", "\"replica\":", "unknown field `replica`"),
            ])
        }

        proptest! {
            #[test]
            fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
                let _ = parse_reassignment(&text);
                let _ = parse_topics_to_move(&text);
            }

            #[test]
            fn arbitrary_json_values_never_panic(text in r#"\{("(version|partitions|topics|topic|partition|replicas|log_dirs)":(-?[0-9]{1,12}|"[a-z]{0,3}"|\[[0-9,"a-z\[\]\{\}:]{0,20}\]|null|true),?){0,6}\}"#) {
                let _ = parse_reassignment(&text);
                let _ = parse_topics_to_move(&text);
            }

            #[test]
            fn written_files_read_back(entries in prop::collection::vec(entry(), 0..20)) {
                let text = write_reassignment(entries.iter().map(|(t, p, r)| (t.as_str(), *p, r.as_slice())));
                let back = parse_reassignment(&text).expect("kdeck reads what it writes");
                prop_assert_eq!(back.partitions.len(), entries.len());
                prop_assert_eq!(back.to_json(), text);
                let topics: Vec<&str> = entries.iter().map(|(t, _, _)| t.as_str()).collect();
                prop_assert_eq!(parse_topics_to_move(&write_topics_to_move(&topics)).expect("topics"), topics);
            }

            #[test]
            fn one_spoiled_field_is_named_with_its_place(
                entries in prop::collection::vec(entry(), 1..20),
                at in any::<prop::sample::Index>(),
                (from, to, says) in spoil(),
            ) {
                let at = at.index(entries.len());
                // one entry per line, as people lay these files out
                let lines: Vec<String> = write_reassignment(entries.iter().map(|(t, p, r)| (t.as_str(), *p, r.as_slice())))
                    .replace("[{", "[\n{")
                    .replace("},{", "},\n{")
                    .lines()
                    .map(str::to_string)
                    .collect();
                let mut spoiled = lines.clone();
                spoiled[at + 1] = spoiled[at + 1].replacen(from, to, 1);
                let e = parse_reassignment(&spoiled.join("\n")).expect_err("the spoiled entry is refused");
                let text = e.to_string();
                prop_assert!(text.contains(says), "{}", text);
                prop_assert!(text.contains(&format!("line {}", at + 2)), "{}", text);
            }
        }
    }
}
