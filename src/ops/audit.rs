//! The audit log: one JSON line per mutation attempt (accepted, refused, failed, dry run), so
//! "who changed what on which cluster" has an answer after the incident.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;

/// How an attempt ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AuditResult {
    /// Sent and accepted by the cluster.
    Ok,
    /// Validated (by the broker where the API can), nothing changed.
    DryRun,
    /// Read-only mode or no confirmation: nothing was sent.
    Refused,
    /// The user answered no.
    Cancelled,
    /// Rejected before sending (kdeck's checks or the broker's validate-only mode).
    Invalid,
    /// The cluster rejected it, or it could not be sent.
    Failed,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    /// RFC 3339, UTC.
    pub time: String,
    pub cluster: String,
    pub user: String,
    /// The command as a user calls it: "topic create", "config set"…
    pub action: String,
    /// What was asked, sensitive values masked.
    pub request: String,
    pub result: AuditResult,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl AuditEntry {
    pub fn to_line(&self) -> String {
        // a struct of strings always serializes
        serde_json::to_string(self).unwrap_or_default() + "\n"
    }
}

#[derive(Clone, Debug)]
pub struct AuditLog {
    /// None: no state directory could be found (every write then fails, and so does the mutation).
    path: Option<PathBuf>,
}

pub const FILE_NAME: &str = "audit.jsonl";

impl AuditLog {
    pub fn at(path: PathBuf) -> AuditLog {
        AuditLog { path: Some(path) }
    }

    /// `$KDECK_STATE_DIR/audit.jsonl`, else the platform state dir (`~/.local/state/kdeck` on
    /// Linux), else the local data dir (macOS, Windows have no state dir).
    pub fn default_location() -> AuditLog {
        AuditLog { path: state_dir().map(|d| d.join(FILE_NAME)) }
    }

    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    pub fn append(&self, entry: &AuditEntry) -> Result<(), String> {
        let path = self.path.as_ref().ok_or("no state directory (set KDECK_STATE_DIR)")?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        // one write per line, so concurrent kdeck processes do not interleave within a line
        f.write_all(entry.to_line().as_bytes()).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Checks the log can be written before anything is sent: no audit trail, no change.
    pub fn check_writable(&self) -> Result<(), String> {
        let path = self.path.as_ref().ok_or("no state directory (set KDECK_STATE_DIR)")?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map(|_| ())
            .map_err(|e| format!("{}: {e}", path.display()))
    }
}

pub use crate::config::state_dir;

/// The login name for the log: $USER ($LOGNAME, $USERNAME), else the name of our uid.
pub fn current_user() -> String {
    ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
        .or_else(user_of_uid)
        .unwrap_or_else(|| "unknown".into())
}

/// Cron jobs and `sudo -i`-less shells may lack $USER; the process's uid still names someone.
#[cfg(unix)]
fn user_of_uid() -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let uid = std::fs::metadata("/proc/self").ok()?.uid();
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    let name = passwd.lines().find_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        (f.len() > 2 && f[2] == uid.to_string()).then(|| f[0].to_string())
    });
    Some(name.unwrap_or_else(|| format!("uid {uid}")))
}

#[cfg(not(unix))]
fn user_of_uid() -> Option<String> {
    None
}

pub fn now_rfc3339() -> String {
    rfc3339(SystemTime::now())
}

/// `2024-03-01T12:34:56.789Z` (UTC, milliseconds).
pub fn rfc3339(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs() as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, day) = civil_from_days(days);
    format!("{y:04}-{m:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z", rem / 3600, rem % 3600 / 60, rem % 60, d.subsec_millis())
}

/// [`rfc3339`] of milliseconds since the epoch (a record's timestamp).
pub fn rfc3339_ms(ms: i64) -> String {
    rfc3339(UNIX_EPOCH + std::time::Duration::from_millis(ms.max(0) as u64))
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian (H. Hinnant's algorithm).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn rfc3339_utc() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        // 2024-02-29 (leap day) 13:45:30.250 UTC
        assert_eq!(rfc3339(UNIX_EPOCH + Duration::from_millis(1_709_214_330_250)), "2024-02-29T13:45:30.250Z");
        assert_eq!(rfc3339(UNIX_EPOCH + Duration::from_secs(951_782_400)), "2000-02-29T00:00:00.000Z");
        assert_eq!(rfc3339(UNIX_EPOCH + Duration::from_secs(4_102_444_799)), "2099-12-31T23:59:59.000Z");
    }

    #[test]
    fn entry_is_one_json_line_with_every_field() {
        let e = AuditEntry {
            time: "2024-02-29T13:45:30.250Z".into(),
            cluster: "prod".into(),
            user: "alice".into(),
            action: "topic create".into(),
            request: "create topic orders: 3 partitions, replication factor 3".into(),
            result: AuditResult::DryRun,
            message: None,
        };
        assert_eq!(
            e.to_line(),
            "{\"time\":\"2024-02-29T13:45:30.250Z\",\"cluster\":\"prod\",\"user\":\"alice\",\"action\":\"topic create\",\
             \"request\":\"create topic orders: 3 partitions, replication factor 3\",\"result\":\"dry-run\"}\n"
        );
        let refused = AuditEntry { result: AuditResult::Refused, message: Some("read-only".into()), ..e };
        let v: serde_json::Value = serde_json::from_str(refused.to_line().trim_end()).expect("json");
        assert_eq!(v["result"], "refused");
        assert_eq!(v["message"], "read-only");
    }

    #[test]
    fn appends_lines() {
        let dir = std::env::temp_dir().join(format!("kdeck-audit-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let log = AuditLog::at(dir.join("sub").join(FILE_NAME));
        log.check_writable().expect("writable");
        let e = AuditEntry {
            time: now_rfc3339(),
            cluster: "c".into(),
            user: current_user(),
            action: "topic delete".into(),
            request: "delete topic t".into(),
            result: AuditResult::Ok,
            message: None,
        };
        log.append(&e).expect("append");
        log.append(&AuditEntry { result: AuditResult::Failed, ..e.clone() }).expect("append");
        let text = std::fs::read_to_string(log.path().expect("path")).expect("read");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(lines[1].contains("\"result\":\"failed\""), "{}", lines[1]);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
