//! The worker owns the backend (and so every network connection). It serves each request in its
//! own task, bounds it with a deadline, and reports back as an [`Event`]; the UI never awaits I/O.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use super::backend::ClusterBackend;
use super::message::{Event, Loaded, Request};

pub struct Worker {
    pub requests: mpsc::UnboundedSender<Request>,
    pub events: mpsc::UnboundedReceiver<Event>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Worker {
    pub fn spawn(backend: Arc<dyn ClusterBackend>, deadline: Duration) -> Worker {
        let (req_tx, mut req_rx) = mpsc::unbounded_channel::<Request>();
        let (ev_tx, ev_rx) = mpsc::unbounded_channel::<Event>();
        let task = tokio::spawn(async move {
            while let Some(req) = req_rx.recv().await {
                let backend = backend.clone();
                let tx = ev_tx.clone();
                tokio::spawn(async move {
                    let started = Instant::now();
                    let event = match req {
                        Request::Refresh => {
                            let result = bounded(deadline, "refresh", backend.snapshot()).await.map(Box::new);
                            if let Err(e) = &result {
                                tracing::warn!(error = %e, "refresh failed");
                            }
                            Event::Snapshot { result, took: started.elapsed() }
                        }
                        Request::Peek { ref topic, partition, from, count } => {
                            let read = backend.peek(topic.clone(), partition, from, count);
                            let result = bounded(deadline, "peek", read).await.map(Loaded::Messages);
                            Event::Loaded { request: req, result }
                        }
                        Request::TimeLag { ref group } => {
                            let result = bounded(deadline, "lag in time", backend.time_lag(group.clone()))
                                .await
                                .map(Loaded::TimeLags);
                            Event::Loaded { request: req, result }
                        }
                        Request::Group { ref group } => {
                            let result = bounded(deadline, "reading the group", backend.group(group.clone()))
                                .await
                                .map(|g| Loaded::Group(g.map(Box::new)));
                            Event::Loaded { request: req, result }
                        }
                        Request::Record { ref topic, partition, offset } => {
                            let read = backend.record(topic.clone(), partition, offset);
                            let result = bounded(deadline, "reading the message", read)
                                .await
                                .map(|d| Loaded::Record(d.map(Box::new)));
                            Event::Loaded { request: req, result }
                        }
                        Request::Prepare(request) => {
                            let result = bounded(deadline, "checking the change", backend.prepare(request.clone()))
                                .await
                                .map(Box::new);
                            if let Err(e) = &result {
                                tracing::info!(error = %e, change = %request.summary(), "change not prepared");
                            }
                            Event::Prepared { request, result }
                        }
                        Request::Apply(preview) => {
                            // No deadline: a change cut short after sending would leave the audit
                            // log without its result; the client's request timeouts bound it.
                            let mutation = preview.mutation.clone();
                            let result = backend.apply(*preview).await.map(Box::new);
                            match &result {
                                Ok(o) => {
                                    tracing::info!(change = %mutation.summary(), result = ?o.result, "change applied")
                                }
                                Err(e) => tracing::warn!(error = %e, change = %mutation.summary(), "change failed"),
                            }
                            Event::Applied { mutation, result }
                        }
                        Request::Decline(preview) => {
                            backend.decline(*preview);
                            Event::Declined
                        }
                        Request::MskClusters => {
                            let result = bounded(deadline, "listing MSK clusters", backend.msk_clusters())
                                .await
                                .map(Loaded::MskClusters);
                            Event::Loaded { request: req, result }
                        }
                        Request::ReassignStatus => {
                            let result = bounded(deadline, "reading the reassignments", backend.reassign_status())
                                .await
                                .map(Box::new);
                            Event::ReassignStatus(result)
                        }
                        Request::Plan(request) => {
                            let result =
                                bounded(deadline, "planning", backend.plan((*request).clone())).await.map(Box::new);
                            Event::Planned { request, result }
                        }
                        Request::WritePlan { path, plan, rollback } => Event::Wrote(
                            tokio::task::spawn_blocking(move || write_plan(&path, &plan, rollback.as_ref()))
                                .await
                                .unwrap_or_else(|e| Err(format!("writing the plan failed: {e}"))),
                        ),
                        Request::Drive { execution } => {
                            // no deadline: it lasts as long as the moves; every request in it is bounded
                            let progress = tx.clone();
                            let on_event = Box::new(move |e| {
                                let _ = progress.send(Event::Driving(Box::new(e)));
                            });
                            let result = backend.drive(execution.clone(), on_event).await.map(Box::new);
                            if let Err(e) = &result {
                                tracing::warn!(error = %e, %execution, "attached execution stopped");
                            }
                            Event::DriveEnded { execution, result }
                        }
                        Request::Verify => {
                            Event::Verified(bounded(deadline, "verifying", backend.verify()).await.map(Box::new))
                        }
                        Request::AfterCancel(moves) => Event::Verified(
                            bounded(
                                deadline * 2,
                                "removing the throttles of the cancelled moves",
                                backend.after_cancel(moves),
                            )
                            .await
                            .map(Box::new),
                        ),
                        Request::Diagnose => {
                            // every step has its own timeout; this bounds the whole in case
                            let steps = tx.clone();
                            let on_step = Box::new(move |s| {
                                let _ = steps.send(Event::DoctorStep(Box::new(s)));
                            });
                            Event::Diagnosed(
                                bounded(deadline * 2, "the connection check", backend.diagnose(on_step))
                                    .await
                                    .map(Box::new),
                            )
                        }
                        Request::Configs { ref topic } => {
                            let result = bounded(deadline, "reading configs", backend.configs(topic.clone()))
                                .await
                                .map(Loaded::Configs);
                            Event::Loaded { request: req, result }
                        }
                    };
                    let _ = tx.send(event);
                });
            }
        });
        Worker { requests: req_tx, events: ev_rx, task }
    }
}

/// `request`'s result, or an error naming `what` when it does not finish within `limit`.
async fn bounded<T>(
    limit: Duration,
    what: &str,
    request: impl std::future::Future<Output = Result<T, String>>,
) -> Result<T, String> {
    tokio::time::timeout(limit, request).await.unwrap_or_else(|_| {
        Err(format!("{what} did not finish within {limit:?} (a broker may be down or unreachable)"))
    })
}

/// Writes Kafka's reassignment JSON to `path` and the rollback (if given) next to it; returns the
/// files written.
fn write_plan(
    path: &str,
    plan: &crate::plan::Reassignment,
    rollback: Option<&crate::plan::Reassignment>,
) -> Result<Vec<String>, String> {
    let write = |p: &std::path::Path, r: &crate::plan::Reassignment| {
        std::fs::write(p, r.to_json() + "\n").map_err(|e| format!("cannot write {}: {e}", p.display()))
    };
    let path = std::path::Path::new(path);
    write(path, plan)?;
    let mut written = vec![path.display().to_string()];
    if let Some(r) = rollback {
        let back = crate::ops::reassign::execute::rollback_path(path);
        write(&back, r)?;
        written.push(back.display().to_string());
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A request past its limit becomes an error naming it and the limit; one within it keeps its
    /// own result, success or error.
    #[tokio::test]
    async fn a_request_past_its_limit_is_an_error_naming_it() {
        let late = bounded(Duration::from_millis(20), "refresh", std::future::pending::<Result<u8, String>>()).await;
        assert_eq!(late, Err("refresh did not finish within 20ms (a broker may be down or unreachable)".to_string()));
        let done = bounded(Duration::from_secs(60), "refresh", async { Ok::<u8, String>(7) }).await;
        assert_eq!(done, Ok(7));
        let refused = bounded(Duration::from_secs(60), "refresh", async { Err::<u8, String>("refused".into()) }).await;
        assert_eq!(refused, Err("refused".to_string()));
    }
}
