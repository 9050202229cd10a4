//! Read-only mode: refuse before anything is sent (and say so in the audit log).

use super::{AuditResult, Context, Mutation, OpsError};

/// Refuses every mutation on a read-only cluster. Called before connecting where possible, and
/// again by [`super::prepare`] and [`super::apply`] so no path skips it.
pub fn guard(ctx: &Context, mutation: &Mutation) -> Result<(), OpsError> {
    if !ctx.read_only {
        return Ok(());
    }
    let err = OpsError::ReadOnly { what: mutation.title(), cluster: ctx.cluster.clone() };
    ctx.record(mutation, AuditResult::Refused, Some(err.to_string()));
    Err(err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::audit::AuditLog;

    #[test]
    fn read_only_refuses_and_records() {
        let dir = std::env::temp_dir().join(format!("kdeck-guard-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let path = dir.join("audit.jsonl");
        let ctx = Context {
            cluster: "prod".into(),
            read_only: true,
            dry_run: false,
            audit: AuditLog::at(path.clone()),
            user: "alice".into(),
        };
        let m = Mutation::DeleteTopic { topic: "orders".into() };
        let err = guard(&ctx, &m).expect_err("refused");
        assert_eq!(
            err.to_string(),
            "refusing to delete topic orders: cluster prod is read-only (--read-only or read_only = true in its profile); nothing was sent"
        );
        let line = std::fs::read_to_string(&path).expect("audit");
        let v: serde_json::Value = serde_json::from_str(line.trim()).expect("json");
        assert_eq!(
            (v["cluster"].as_str(), v["user"].as_str(), v["action"].as_str()),
            (Some("prod"), Some("alice"), Some("topic delete"))
        );
        assert_eq!((v["request"].as_str(), v["result"].as_str()), (Some("delete topic orders"), Some("refused")));
        let writable = Context { read_only: false, ..ctx };
        assert!(guard(&writable, &m).is_ok());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
