//! Offsets as CSV, the way `kafka-consumer-groups --reset-offsets --export` writes them and
//! `--from-file` reads them: `topic,partition,offset` per line for one group
//! (`group,topic,partition,offset` for several), no header.
//!
//! Kafka's tool prints the partitions in the iteration order of a Java `HashMap` keyed by
//! `TopicPartition`; kdeck writes the same order, so an export of the same offsets is the same
//! bytes, and a diff of two exports shows only what changed.

/// One line of an offsets file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsvOffset {
    pub group: Option<String>,
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
}

/// Java's `String.hashCode` (over UTF-16 code units).
fn java_string_hash(s: &str) -> i32 {
    s.encode_utf16().fold(0i32, |h, c| h.wrapping_mul(31).wrapping_add(i32::from(c)))
}

/// Kafka's `TopicPartition.hashCode`.
fn topic_partition_hash(topic: &str, partition: i32) -> i32 {
    31i32.wrapping_mul(31i32.wrapping_add(partition)).wrapping_add(java_string_hash(topic))
}

/// The bucket of a key in a `java.util.HashMap` of `capacity` buckets.
fn bucket(hash: i32, capacity: usize) -> usize {
    let h = hash as u32;
    ((h ^ (h >> 16)) as usize) & (capacity - 1)
}

/// The table size of a `HashMap` after `n` insertions from the default (16, load factor 0.75).
fn capacity(n: usize) -> usize {
    let mut cap = 16;
    while n > cap * 3 / 4 {
        cap *= 2;
    }
    cap
}

/// `(topic, partition)` pairs in the order a Java `HashMap` filled in the given order iterates
/// them: by bucket, and within a bucket in insertion order.
pub fn java_hashmap_order<T>(items: Vec<T>, key: impl Fn(&T) -> (&str, i32)) -> Vec<T> {
    let cap = capacity(items.len());
    let mut keyed: Vec<(usize, usize, T)> = items
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            let (t, p) = key(&item);
            (bucket(topic_partition_hash(t, p), cap), i, item)
        })
        .collect();
    keyed.sort_by_key(|(b, i, _)| (*b, *i));
    keyed.into_iter().map(|(_, _, item)| item).collect()
}

/// One group's offsets as Kafka's tool prints them: `topic,partition,offset` lines in its
/// order, then the empty line its `println` adds. `offsets` in the order Kafka's tool fills its
/// map in (for a group's committed offsets, the order the coordinator lists them): it decides
/// the order of partitions that share a bucket.
pub fn write(offsets: &[(String, i32, i64)]) -> String {
    let ordered = java_hashmap_order(offsets.to_vec(), |(t, p, _)| (t.as_str(), *p));
    let mut out: String = ordered.iter().map(|(t, p, o)| format!("{t},{p},{o}\n")).collect();
    out.push('\n');
    out
}

/// Fields of one CSV line (double quotes as Jackson writes them around a value with a comma
/// or quote, `""` inside).
fn fields(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(std::mem::take(&mut cur)),
            (c, _) => cur.push(c),
        }
    }
    out.push(cur);
    out
}

/// Reads an offsets file in either of Kafka's forms; `source` names it in errors.
pub fn parse(text: &str, source: &str) -> Result<Vec<CsvOffset>, String> {
    let mut out = Vec::new();
    for (i, raw) in text.split('\n').enumerate() {
        let line = raw.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let at = || format!("{source} line {}", i + 1);
        let f = fields(line);
        let (group, topic, partition, offset) = match f.as_slice() {
            [t, p, o] => (None, t, p, o),
            [g, t, p, o] => (Some(g.clone()), t, p, o),
            _ => {
                return Err(format!(
                    "{}: expected topic,partition,offset or group,topic,partition,offset, got {line:?}",
                    at()
                ))
            }
        };
        let partition =
            partition.trim().parse().map_err(|_| format!("{}: partition {partition:?} is not a number", at()))?;
        let offset = offset.trim().parse().map_err(|_| format!("{}: offset {offset:?} is not a number", at()))?;
        out.push(CsvOffset { group, topic: topic.clone(), partition, offset });
    }
    if out.is_empty() {
        return Err(format!("{source} has no offsets"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_hashes() {
        assert_eq!(java_string_hash(""), 0);
        assert_eq!(java_string_hash("orders"), -1_008_770_331);
        // TopicPartition("orders", 0).hashCode() in Java: 31 * (31 + 0) + "orders".hashCode()
        assert_eq!(topic_partition_hash("orders", 0), 961 - 1_008_770_331);
        assert_eq!((capacity(0), capacity(12), capacity(13), capacity(24), capacity(25)), (16, 16, 32, 32, 64));
    }

    #[test]
    fn a_shared_bucket_keeps_the_insertion_order() {
        // x-0, y-1 and z-2 share bucket 9 of 16; x-1 is bucket 8 (worked out with Java's hashes)
        let rows =
            vec![("z".to_string(), 2, 0), ("x".to_string(), 0, 0), ("y".to_string(), 1, 0), ("x".to_string(), 1, 0)];
        let order: Vec<(String, i32)> =
            java_hashmap_order(rows, |(t, p, _)| (t.as_str(), *p)).into_iter().map(|(t, p, _)| (t, p)).collect();
        let want = [("x", 1), ("z", 2), ("x", 0), ("y", 1)];
        assert_eq!(order, want.map(|(t, p)| (t.to_string(), p)));
    }

    #[test]
    fn export_round_trips() {
        let offsets = vec![("a".to_string(), 0, 5), ("a".to_string(), 1, 0), ("b.c".to_string(), 0, 12)];
        let text = write(&offsets);
        assert!(text.ends_with("\n\n"), "{text:?}");
        let mut back: Vec<(String, i32, i64)> =
            parse(&text, "x.csv").expect("parse").into_iter().map(|c| (c.topic, c.partition, c.offset)).collect();
        back.sort();
        assert_eq!(back, offsets);
    }

    #[test]
    fn both_forms_and_bad_lines() {
        let rows = parse("g1,t,0,5\n\"g,2\",t,1,6\n", "f").expect("parse");
        assert_eq!(rows[1], CsvOffset { group: Some("g,2".into()), topic: "t".into(), partition: 1, offset: 6 });
        assert_eq!(parse("t,x,1", "f.csv").expect_err("bad"), "f.csv line 1: partition \"x\" is not a number");
        assert_eq!(parse("\n\n", "f.csv").expect_err("empty"), "f.csv has no offsets");
        assert!(parse("t,1", "f").expect_err("short").starts_with("f line 1: expected"));
    }
}
