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
