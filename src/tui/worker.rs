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
                    let late = |what: &str| {
                        format!("{what} did not finish within {deadline:?} (a broker may be down or unreachable)")
                    };
                    let event = match req {
                        Request::Refresh => {
                            let result = match tokio::time::timeout(deadline, backend.snapshot()).await {
                                Ok(r) => r.map(Box::new),
                                Err(_) => Err(late("refresh")),
                            };
                            if let Err(e) = &result {
                                tracing::warn!(error = %e, "refresh failed");
                            }
                            Event::Snapshot { result, took: started.elapsed() }
                        }
                        Request::Peek { ref topic, partition, from, count } => {
                            let read = backend.peek(topic.clone(), partition, from, count);
                            let result = match tokio::time::timeout(deadline, read).await {
                                Ok(r) => r.map(Loaded::Messages),
                                Err(_) => Err(late("peek")),
                            };
                            Event::Loaded { request: req, result }
                        }
                        Request::TimeLag { ref group } => {
                            let result = match tokio::time::timeout(deadline, backend.time_lag(group.clone())).await {
                                Ok(r) => r.map(Loaded::TimeLags),
                                Err(_) => Err(late("lag in time")),
                            };
                            Event::Loaded { request: req, result }
                        }
                        Request::Group { ref group } => {
                            let result = match tokio::time::timeout(deadline, backend.group(group.clone())).await {
                                Ok(r) => r.map(|g| Loaded::Group(g.map(Box::new))),
                                Err(_) => Err(late("reading the group")),
                            };
                            Event::Loaded { request: req, result }
                        }
                        Request::Record { ref topic, partition, offset } => {
                            let read = backend.record(topic.clone(), partition, offset);
                            let result = match tokio::time::timeout(deadline, read).await {
                                Ok(r) => r.map(|d| Loaded::Record(d.map(Box::new))),
                                Err(_) => Err(late("reading the message")),
                            };
                            Event::Loaded { request: req, result }
                        }
                        Request::Prepare(request) => {
                            let result = match tokio::time::timeout(deadline, backend.prepare(request.clone())).await {
                                Ok(r) => r.map(Box::new),
                                Err(_) => Err(late("checking the change")),
                            };
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
                            let result = match tokio::time::timeout(deadline, backend.msk_clusters()).await {
                                Ok(r) => r.map(Loaded::MskClusters),
                                Err(_) => Err(late("listing MSK clusters")),
                            };
                            Event::Loaded { request: req, result }
                        }
                        Request::ReassignStatus => {
                            let result = match tokio::time::timeout(deadline, backend.reassign_status()).await {
                                Ok(r) => r.map(Box::new),
                                Err(_) => Err(late("reading the reassignments")),
                            };
                            Event::ReassignStatus(result)
                        }
                        Request::Plan(request) => {
                            let result = match tokio::time::timeout(deadline, backend.plan((*request).clone())).await {
                                Ok(r) => r.map(Box::new),
                                Err(_) => Err(late("planning")),
                            };
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
                            Event::Verified(match tokio::time::timeout(deadline, backend.verify()).await {
                                Ok(r) => r.map(Box::new),
                                Err(_) => Err(late("verifying")),
                            })
                        }
                        Request::AfterCancel(moves) => Event::Verified(
                            match tokio::time::timeout(deadline * 2, backend.after_cancel(moves)).await {
                                Ok(r) => r.map(Box::new),
                                Err(_) => Err(late("removing the throttles of the cancelled moves")),
                            },
                        ),
                        Request::Diagnose => {
                            // every step has its own timeout; this bounds the whole in case
                            let steps = tx.clone();
                            let on_step = Box::new(move |s| {
                                let _ = steps.send(Event::DoctorStep(Box::new(s)));
                            });
                            Event::Diagnosed(
                                match tokio::time::timeout(deadline * 2, backend.diagnose(on_step)).await {
                                    Ok(r) => r.map(Box::new),
                                    Err(_) => Err(late("the connection check")),
                                },
                            )
                        }
                        Request::Configs { ref topic } => {
                            let result = match tokio::time::timeout(deadline, backend.configs(topic.clone())).await {
                                Ok(r) => r.map(Loaded::Configs),
                                Err(_) => Err(late("reading configs")),
                            };
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
