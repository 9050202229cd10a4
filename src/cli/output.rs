//! Aligned plain-text tables (like Kafka's own tools print) and JSON.

use clap::ValueEnum;
use serde::Serialize;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    #[default]
    Table,
    Json,
}

/// Columns are left-aligned, separated by two spaces, padded to the widest cell.
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new<const N: usize>(header: [&str; N]) -> Table {
        Table { header: header.iter().map(|h| h.to_string()).collect(), rows: Vec::new() }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    pub fn render(&self) -> String {
        let cols = self.header.len();
        let mut width = vec![0usize; cols];
        for r in std::iter::once(&self.header).chain(&self.rows) {
            for (i, c) in r.iter().enumerate().take(cols) {
                width[i] = width[i].max(c.chars().count());
            }
        }
        let mut out = String::new();
        for r in std::iter::once(&self.header).chain(&self.rows) {
            let mut line = String::new();
            for (i, c) in r.iter().enumerate().take(cols) {
                if i + 1 == cols {
                    line.push_str(c);
                } else {
                    line.push_str(&format!("{c:<w$}  ", w = width[i]));
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

/// A result with parts missing because some of the cluster did not answer: what did answer is
/// printed, then each problem, and kdeck exits 1 (never a silently partial table).
#[derive(Debug)]
pub struct Incomplete {
    pub output: String,
    pub problems: Vec<String>,
}

impl std::fmt::Display for Incomplete {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "incomplete: {}", self.problems.join("; "))
    }
}

impl std::error::Error for Incomplete {}

/// `output` if nothing is missing, else [`Incomplete`].
pub fn complete(output: String, problems: Vec<String>) -> anyhow::Result<String> {
    if problems.is_empty() {
        Ok(output)
    } else {
        Err(Incomplete { output, problems }.into())
    }
}

/// Warnings go to stderr, so stdout stays the table or the JSON.
pub fn warn(lines: impl IntoIterator<Item = String>) {
    for l in lines {
        eprintln!("warning: {l}");
    }
}

/// Online partitions whose offsets could not be read (their leader did not answer ListOffsets),
/// one problem per distinct error with the first few partitions named.
pub fn offset_problems(snap: &crate::cluster::Snapshot) -> Vec<String> {
    let mut by_error: std::collections::BTreeMap<&str, Vec<String>> = std::collections::BTreeMap::new();
    for t in &snap.topics {
        for p in t.partitions.iter().filter(|p| !p.is_offline()) {
            if let Some(e) = &p.error {
                by_error.entry(e).or_default().push(format!("{}/{}", t.name, p.partition));
            }
        }
    }
    by_error
        .into_iter()
        .map(|(e, parts)| {
            let more = if parts.len() > 5 { format!(" and {} more", parts.len() - 5) } else { String::new() };
            format!(
                "offsets of {} partitions unknown ({}{more}): {e}",
                parts.len(),
                parts[..parts.len().min(5)].join(", ")
            )
        })
        .collect()
}

/// What a group listing or lag table is missing: brokers that did not list their groups, groups
/// whose coordinator did not describe them or fetch their offsets.
pub fn group_problems(snap: &crate::cluster::Snapshot) -> Vec<String> {
    let groups =
        snap.groups.iter().filter_map(|g| g.error.as_ref().map(|e| format!("consumer group {:?}: {e}", g.group_id)));
    snap.warnings.iter().cloned().chain(groups).collect()
}

/// Brokers the snapshot's replicas name that are not in the metadata, one warning each.
pub fn warn_down_brokers(snap: &crate::cluster::Snapshot) {
    warn(snap.down_brokers().iter().map(|d| d.warning()));
}

/// Bytes and rates for people: shared with the console.
pub use crate::plan::progress::{bytes, rate_text};

pub fn json<T: Serialize>(value: &T) -> anyhow::Result<String> {
    Ok(serde_json::to_string_pretty(value)? + "\n")
}

/// `1,2,3` for replica lists.
pub fn ids(v: &[i32]) -> String {
    v.iter().map(i32::to_string).collect::<Vec<_>>().join(",")
}

pub fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_else(|| "-".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_columns() {
        let mut t = Table::new(["ID", "HOST", "RACK"]);
        t.row(vec!["1".into(), "127.0.0.1:19092".into(), "az-a".into()]);
        t.row(vec!["10".into(), "h:1".into(), "-".into()]);
        assert_eq!(t.render(), "ID  HOST             RACK\n1   127.0.0.1:19092  az-a\n10  h:1              -\n");
    }

    #[test]
    fn what_did_not_answer_is_named() {
        use crate::cluster::{Broker, Group, Partition, Snapshot, Topic};
        let part = |partition, leader: Option<i32>, replicas: Vec<i32>, error: Option<&str>| Partition {
            partition,
            leader,
            isr: replicas.clone(),
            replicas,
            offline_replicas: vec![],
            log_start_offset: None,
            log_end_offset: None,
            error: error.map(str::to_string),
        };
        let snap = Snapshot {
            brokers: vec![Broker { id: 1, host: "h".into(), port: 1, rack: None, is_controller: true }],
            topics: vec![Topic {
                name: "t".into(),
                internal: false,
                partitions: vec![
                    part(0, Some(1), vec![1, 3], Some("127.0.0.1:29092 did not answer ListOffsets within 5s")),
                    part(1, None, vec![3], Some("LEADER_NOT_AVAILABLE")),
                    part(2, Some(1), vec![1, 2], None),
                ],
                min_insync_replicas: None,
            }],
            groups: vec![Group {
                group_id: "g".into(),
                state: "Stable".into(),
                group_type: String::new(),
                protocol_type: String::new(),
                members: vec![],
                offsets: vec![],
                total_lag: 0,
                error: Some("127.0.0.1:39092 did not answer OffsetFetch within 5s".into()),
                ..Default::default()
            }],
            warnings: vec!["list groups: broker 3: 127.0.0.1:39092 did not answer ListGroups within 5s".into()],
            ..Default::default()
        };
        let down: Vec<String> = snap.down_brokers().iter().map(|d| d.warning()).collect();
        assert_eq!(
            down,
            vec![
                "broker 2 is down (not in the cluster metadata): 1 partitions have a replica on it, 0 of them offline",
                "broker 3 is down (not in the cluster metadata): 2 partitions have a replica on it, 1 of them offline"
            ]
        );
        assert_eq!(
            offset_problems(&snap),
            vec!["offsets of 1 partitions unknown (t/0): 127.0.0.1:29092 did not answer ListOffsets within 5s"]
        );
        assert_eq!(
            group_problems(&snap),
            vec![
                "list groups: broker 3: 127.0.0.1:39092 did not answer ListGroups within 5s",
                "consumer group \"g\": 127.0.0.1:39092 did not answer OffsetFetch within 5s"
            ]
        );
        let e = complete("table\n".into(), group_problems(&snap)).expect_err("incomplete");
        let partial = e.downcast_ref::<Incomplete>().expect("Incomplete");
        assert_eq!(partial.output, "table\n");
        assert_eq!(partial.problems.len(), 2);
        assert_eq!(complete("table\n".into(), vec![]).expect("complete"), "table\n");
    }
}
