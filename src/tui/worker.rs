//! The worker owns the backend (and so every network connection). It serves each request in its
//! own task, bounds it with a deadline, and reports back as an [`Event`]; the UI never awaits I/O.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use super::backend::ClusterBackend;
use super::message::{Event, Request};

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
                    let late = |what: &str| format!("{what} did not finish within {deadline:?} (a broker may be down or unreachable)");
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
                        Request::Peek { topic, partition, count } => {
                            let result = match tokio::time::timeout(deadline, backend.peek(topic.clone(), partition, count)).await {
                                Ok(r) => r,
                                Err(_) => Err(late("peek")),
                            };
                            Event::Peeked { topic, partition, result }
                        }
                    };
                    let _ = tx.send(event);
                });
            }
        });
        Worker { requests: req_tx, events: ev_rx, task }
    }
}
