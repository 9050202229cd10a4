//! The record of an execution: one JSON file per execution in the state directory
//! (`reassign/ID.json` next to the audit log), written before the first config change, so a
//! crash or a lost session can be finished later (`kdeck reassign resume`, `verify`).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::ops::{Context, OpsError};
use crate::plan::execution::Move;
use crate::plan::throttle::Throttles;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordState {
    /// Batches are being submitted or moved.
    Running,
    /// Every move reached its target (throttles may still be waiting to be cleared).
    Complete,
    /// Cancelled: no further batch is submitted.
    Cancelled,
}

/// A partition the controller refused, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refused {
    pub topic: String,
    pub partition: i32,
    pub error: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExecutionRecord {
    pub id: String,
    /// The cluster's name as the user calls it, and its id where the cluster has one.
    pub cluster: String,
    pub cluster_id: Option<String>,
    pub user: String,
    pub created: String,
    pub updated: String,
    pub plan_file: Option<String>,
    pub rollback_file: Option<String>,
    /// Bytes per second on every broker involved; None: unthrottled.
    pub throttle: Option<u64>,
    pub batch_size: Option<usize>,
    pub batches: Vec<Vec<Move>>,
    /// How many batches were handed to the controller.
    pub submitted: usize,
    /// When each submitted batch was handed over (milliseconds since the epoch): the copy rate
    /// of its moves is measured from there.
    #[serde(default)]
    pub submitted_at_ms: Vec<u64>,
    /// Throttles this execution set and has not cleared yet: list entries it appended and
    /// brokers whose rates it set. Recorded before each config change is sent.
    pub throttles: Throttles,
    pub refused: Vec<Refused>,
    pub state: RecordState,
}

impl ExecutionRecord {
    pub fn moves(&self) -> impl Iterator<Item = &Move> {
        self.batches.iter().flatten()
    }

    /// When the batch holding this partition was submitted, if it was.
    pub fn submitted_at(&self, topic: &str, partition: i32) -> Option<u64> {
        let batch = self.batches.iter().position(|b| b.iter().any(|m| m.topic == topic && m.partition == partition))?;
        self.submitted_at_ms.get(batch).copied()
    }

    /// Nothing left to do: not running and no throttle left to clear.
    pub fn finished(&self) -> bool {
        self.state != RecordState::Running && self.throttles.is_empty()
    }

    pub fn is_for(&self, cluster: &str, cluster_id: Option<&str>) -> bool {
        match (&self.cluster_id, cluster_id) {
            (Some(a), Some(b)) => a == b,
            _ => self.cluster == cluster,
        }
    }
}

/// The directory of execution records.
#[derive(Clone, Debug)]
pub struct Records {
    dir: PathBuf,
}

impl Records {
    /// `reassign/` next to the audit log (the state directory).
    pub fn for_context(ctx: &Context) -> Result<Records, OpsError> {
        let dir = ctx
            .audit
            .path()
            .and_then(Path::parent)
            .ok_or_else(|| OpsError::Audit("no state directory (set KDECK_STATE_DIR)".into()))?;
        Ok(Records { dir: dir.join("reassign") })
    }

    pub fn at(dir: PathBuf) -> Records {
        Records { dir }
    }

    pub fn path(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.json"))
    }

    /// Writes the record (a temporary file renamed over the old one, so a crash never leaves
    /// half a record) and stamps `updated`.
    pub fn save(&self, record: &mut ExecutionRecord) -> Result<PathBuf, OpsError> {
        record.updated = crate::ops::audit::now_rfc3339();
        let io = |e: std::io::Error, p: &Path| OpsError::Audit(format!("{}: {e}", p.display()));
        std::fs::create_dir_all(&self.dir).map_err(|e| io(e, &self.dir))?;
        let path = self.path(&record.id);
        let tmp = self.dir.join(format!(".{}.json.tmp", record.id));
        let text = serde_json::to_string_pretty(record).map_err(|e| OpsError::Audit(e.to_string()))? + "\n";
        std::fs::write(&tmp, text).map_err(|e| io(e, &tmp))?;
        std::fs::rename(&tmp, &path).map_err(|e| io(e, &path))?;
        Ok(path)
    }

    pub fn load(&self, id: &str) -> Result<ExecutionRecord, OpsError> {
        let path = self.path(id);
        let text = std::fs::read_to_string(&path).map_err(|e| {
            OpsError::Invalid(format!(
                "no execution {id} ({}: {e}); `kdeck reassign resume` without an id lists the unfinished ones",
                path.display()
            ))
        })?;
        serde_json::from_str(&text).map_err(|e| OpsError::Invalid(format!("{}: {e}", path.display())))
    }

    /// Every record, oldest first; files that do not parse are skipped with a warning in the log.
    pub fn list(&self) -> Vec<ExecutionRecord> {
        let Ok(dir) = std::fs::read_dir(&self.dir) else { return Vec::new() };
        let mut out: Vec<ExecutionRecord> = dir
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json") && !p.to_string_lossy().ends_with(".tmp"))
            .filter_map(|p| match std::fs::read_to_string(&p).map(|t| serde_json::from_str::<ExecutionRecord>(&t)) {
                Ok(Ok(r)) => Some(r),
                other => {
                    tracing::warn!(path = %p.display(), ?other, "skipping an unreadable execution record");
                    None
                }
            })
            .collect();
        out.sort_by(|a, b| (&a.created, &a.id).cmp(&(&b.created, &b.id)));
        out
    }

    /// Records of this cluster with something left to do, oldest first.
    pub fn unfinished(&self, cluster: &str, cluster_id: Option<&str>) -> Vec<ExecutionRecord> {
        self.list().into_iter().filter(|r| r.is_for(cluster, cluster_id) && !r.finished()).collect()
    }
}

/// A new execution id: the UTC time to the second and the process id (`20240301T123456Z-4242`),
/// with a counter when one process starts more than one.
pub fn new_id() -> String {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let now = crate::ops::audit::now_rfc3339();
    let compact: String = now.chars().take(19).filter(|c| !matches!(c, '-' | ':')).collect();
    match N.fetch_add(1, std::sync::atomic::Ordering::Relaxed) {
        0 => format!("{compact}Z-{}", std::process::id()),
        n => format!("{compact}Z-{}-{n}", std::process::id()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: &str, created: &str) -> ExecutionRecord {
        ExecutionRecord {
            id: id.into(),
            cluster: "local".into(),
            cluster_id: Some("abc".into()),
            user: "alice".into(),
            created: created.into(),
            updated: created.into(),
            plan_file: Some("plan.json".into()),
            rollback_file: Some("plan.rollback.json".into()),
            throttle: Some(1000),
            batch_size: None,
            batches: vec![vec![Move { topic: "t".into(), partition: 0, current: vec![1], target: vec![2] }]],
            submitted: 0,
            submitted_at_ms: vec![],
            throttles: Throttles::default(),
            refused: vec![],
            state: RecordState::Running,
        }
    }

    #[test]
    fn saved_records_read_back_and_list_in_order() {
        let dir = std::env::temp_dir().join(format!("kdeck-records-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let records = Records::at(dir.clone());
        let mut b = record("b", "2024-03-01T10:00:00.000Z");
        let mut a = record("a", "2024-03-01T09:00:00.000Z");
        records.save(&mut b).expect("save");
        records.save(&mut a).expect("save");
        assert_eq!(records.load("b").expect("load"), b);
        assert_eq!(records.list().iter().map(|r| r.id.as_str()).collect::<Vec<_>>(), vec!["a", "b"]);
        std::fs::write(dir.join("junk.json"), "{").expect("junk");
        assert_eq!(records.list().len(), 2, "an unreadable file is skipped");
        b.state = RecordState::Complete;
        records.save(&mut b).expect("save");
        assert_eq!(
            records.unfinished("local", Some("abc")).iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
            vec!["a"]
        );
        assert!(records.unfinished("local", Some("other-cluster")).is_empty());
        let missing = records.load("nope").expect_err("missing").to_string();
        assert!(missing.starts_with("no execution nope ("), "{missing}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn ids_are_compact_utc_times() {
        let (a, b) = (new_id(), new_id());
        assert_ne!(a, b);
        for id in [a, b] {
            assert_eq!(&id[8..9], "T", "{id}");
            assert_eq!(&id[15..17], "Z-", "{id}");
            assert!(id[17..].starts_with(&std::process::id().to_string()), "{id}");
        }
    }
}
