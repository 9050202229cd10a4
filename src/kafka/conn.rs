//! One connection to one broker: TCP (+TLS), ApiVersions, SASL, then pipelined requests.
//!
//! After the handshake the socket is split: a writer task sends frames in order, a reader task
//! matches responses to callers by correlation id. Callers time out on their own; a timed-out
//! connection is marked dead so the next request reconnects instead of queueing behind it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::{Buf, Bytes};
use kafka_protocol::messages::ApiKey;
use kafka_protocol::protocol::StrBytes;
use tokio::io::AsyncWriteExt;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use super::error::{KafkaError, Result};
use super::frame::{decode_response, encode_request, negotiate, read_frame, Handshake, Io};
use super::proto::KafkaRequest;
use super::route::{DialError, Route};
use super::sasl;
use super::security::Security;
use super::stats::{self, RequestStats};

type Pending = Arc<Mutex<HashMap<i32, oneshot::Sender<Result<Bytes>>>>>;

pub struct Connection {
    addr: String,
    client_id: StrBytes,
    versions: HashMap<i16, (i16, i16)>,
    next_correlation: AtomicI32,
    frames: mpsc::UnboundedSender<Bytes>,
    pending: Pending,
    dead: Arc<AtomicBool>,
    request_timeout: Duration,
    /// When to stop using this connection for new requests: before the SASL session the broker
    /// granted ends (KIP-368). A new connection authenticates afresh (a new token) instead of
    /// re-authenticating in band, which would have to pause the pipeline.
    retire_at: Option<Instant>,
    stats: Option<RequestStats>,
    tasks: [JoinHandle<()>; 2],
}

impl Drop for Connection {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// What a connection needs to come up.
pub struct ConnectOptions<'a> {
    pub client_id: &'a str,
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
    pub security: &'a Security,
    /// Broker map / SOCKS5 proxy: where the TCP connection really goes.
    pub route: &'a Route,
    /// Counts every request of the connection, the handshake's included.
    pub stats: Option<&'a RequestStats>,
}

impl Connection {
    pub async fn open(addr: &str, opts: &ConnectOptions<'_>) -> Result<Connection> {
        let deadline = opts.connect_timeout;
        let tcp = opts.route.dial(addr, deadline).await.map_err(|e| dial_error(addr, e))?;
        let _ = tcp.set_nodelay(true);
        let mut io: Box<dyn Io> = match &opts.security.tls {
            None => Box::new(tcp),
            Some(tls) => {
                let host = addr.rsplit_once(':').map(|(h, _)| h).unwrap_or(addr);
                let stream = tokio::time::timeout(deadline, tls.connect(host, tcp))
                    .await
                    .map_err(|_| KafkaError::ConnectTimeout { addr: addr.to_string(), after: deadline })?
                    .map_err(|e| KafkaError::Tls { addr: addr.to_string(), message: tls_hint(&e) })?;
                Box::new(stream)
            }
        };
        let client_id = StrBytes::from_string(opts.client_id.to_string());
        let mut handshake =
            Handshake::new(&mut io, addr, &client_id, opts.request_timeout).counting(opts.stats.cloned());
        let versions = handshake.api_versions().await?;
        let authenticated_at = Instant::now();
        let session = match &opts.security.sasl {
            Some(mechanism) => sasl::authenticate(&mut handshake, &versions, mechanism).await?.lifetime,
            None => None,
        };
        if opts.security.sasl.is_some() {
            tracing::debug!(addr, session = ?session, "connection authenticated");
        }
        let next = handshake.next_correlation();
        let mut conn = Self::start(addr, client_id, versions, io, next, opts.request_timeout);
        conn.stats = opts.stats.cloned();
        conn.retire_at = session.map(|lifetime| authenticated_at + retire_after(lifetime, opts.request_timeout));
        Ok(conn)
    }

    fn start(
        addr: &str,
        client_id: StrBytes,
        versions: HashMap<i16, (i16, i16)>,
        io: Box<dyn Io>,
        next_correlation: i32,
        request_timeout: Duration,
    ) -> Connection {
        let (mut rd, mut wr) = tokio::io::split(io);
        let pending: Pending = Arc::default();
        let dead = Arc::new(AtomicBool::new(false));
        let (tx, mut rx) = mpsc::unbounded_channel::<Bytes>();

        let answered = Arc::new(AtomicBool::new(false));
        let fail_all = {
            let pending = pending.clone();
            let dead = dead.clone();
            let addr = addr.to_string();
            let answered = answered.clone();
            move |mut reason: String| {
                if !answered.load(Ordering::SeqCst) {
                    // Brokers answer ApiVersions on any listener, then drop a client that skips
                    // the listener's authentication: say so instead of a bare EOF.
                    reason = format!(
                        "{reason}; the broker closed the connection before answering (wrong security protocol for this port? e.g. PLAINTEXT client on a SASL or SSL listener)"
                    );
                }
                dead.store(true, Ordering::SeqCst);
                let waiting: Vec<_> = pending.lock().map(|mut p| p.drain().collect()).unwrap_or_default();
                for (_, tx) in waiting {
                    let _ = tx.send(Err(KafkaError::Disconnected { addr: addr.clone(), reason: Some(reason.clone()) }));
                }
            }
        };

        let writer = {
            let fail_all = fail_all.clone();
            tokio::spawn(async move {
                while let Some(frame) = rx.recv().await {
                    if let Err(e) = wr.write_all(&frame).await {
                        fail_all(e.to_string());
                        return;
                    }
                }
            })
        };
        let reader = {
            let pending = pending.clone();
            tokio::spawn(async move {
                loop {
                    match read_frame(&mut rd).await {
                        Ok(mut frame) => {
                            if frame.len() < 4 {
                                fail_all("response shorter than its header".into());
                                return;
                            }
                            answered.store(true, Ordering::SeqCst);
                            let correlation = (&frame[..4]).get_i32();
                            let waiter = pending.lock().ok().and_then(|mut p| p.remove(&correlation));
                            if let Some(w) = waiter {
                                let _ = w.send(Ok(frame.split_off(0)));
                            }
                        }
                        Err(e) => {
                            fail_all(e.to_string());
                            return;
                        }
                    }
                }
            })
        };
        Connection {
            addr: addr.to_string(),
            client_id,
            versions,
            next_correlation: AtomicI32::new(next_correlation),
            frames: tx,
            pending,
            dead,
            request_timeout,
            retire_at: None,
            stats: None,
            tasks: [writer, reader],
        }
    }

    pub fn addr(&self) -> &str {
        &self.addr
    }

    /// Closed, failed, or too close to the end of its SASL session for new requests.
    pub fn is_dead(&self) -> bool {
        self.dead.load(Ordering::SeqCst) || self.retire_at.is_some_and(|at| Instant::now() >= at)
    }

    /// The broker's supported version range for an API, if it has it.
    pub fn supports(&self, key: ApiKey) -> Option<(i16, i16)> {
        self.versions.get(&(key as i16)).copied()
    }

    /// The highest version both sides speak.
    pub fn version_for<R: KafkaRequest>(&self) -> Result<i16> {
        negotiate::<R>(&self.versions, &self.addr)
    }

    pub async fn send<R: KafkaRequest>(&self, req: &R) -> Result<R::Response> {
        let version = self.version_for::<R>()?;
        self.send_version(req, version).await
    }

    pub async fn send_version<R: KafkaRequest>(&self, req: &R, version: i16) -> Result<R::Response> {
        // a retiring connection still serves the request it was picked for
        if self.dead.load(Ordering::SeqCst) {
            return Err(KafkaError::Disconnected { addr: self.addr.clone(), reason: None });
        }
        let correlation = self.next_correlation.fetch_add(1, Ordering::Relaxed);
        let frame = encode_request(req, version, correlation, &self.client_id, &self.addr)?;
        let (tx, rx) = oneshot::channel();
        if let Ok(mut p) = self.pending.lock() {
            p.insert(correlation, tx);
        }
        let sent = frame.len();
        let count = |received: usize| stats::record(self.stats.as_ref(), R::KEY, &self.addr, sent, received);
        if self.frames.send(frame).is_err() {
            return Err(KafkaError::Disconnected { addr: self.addr.clone(), reason: None });
        }
        let api = format!("{:?}", R::KEY);
        let asked = Instant::now();
        match tokio::time::timeout(self.request_timeout, rx).await {
            Ok(Ok(Ok(bytes))) => {
                // the frame's 4-byte length prefix was read too
                count(bytes.len() + 4);
                let answered = asked.elapsed();
                let size = bytes.len();
                let decoded = decode_response::<R>(bytes, version, &self.addr);
                // KDECK_LOG=kdeck::kafka::conn=trace: where a slow command spends its time
                tracing::trace!(addr = %self.addr, api, version, bytes = size, ?answered, decoded = ?asked.elapsed() - answered, "response");
                decoded
            }
            Ok(Ok(Err(e))) => {
                count(0);
                Err(e)
            }
            Ok(Err(_)) => {
                count(0);
                Err(KafkaError::Disconnected { addr: self.addr.clone(), reason: None })
            }
            Err(_) => {
                count(0);
                if let Ok(mut p) = self.pending.lock() {
                    p.remove(&correlation);
                }
                // Responses arrive in order: one that never came means the rest may queue behind it.
                self.dead.store(true, Ordering::SeqCst);
                Err(KafkaError::Timeout { addr: self.addr.clone(), api, after: self.request_timeout })
            }
        }
    }
}

/// How long to use a connection whose SASL session lasts `lifetime`: until a request sent then
/// would still be answered within the session (a request timeout before its end), and at most
/// 90% of it; never less than half of it.
fn retire_after(lifetime: Duration, request_timeout: Duration) -> Duration {
    lifetime.saturating_sub(request_timeout).min(lifetime.mul_f64(0.9)).max(lifetime / 2)
}

fn dial_error(addr: &str, e: DialError) -> KafkaError {
    match e {
        DialError::Timeout { after, .. } => KafkaError::ConnectTimeout { addr: addr.to_string(), after },
        DialError::Io { source, .. } => KafkaError::Connect { addr: addr.to_string(), source },
        proxy @ DialError::Proxy { .. } => KafkaError::Connect {
            addr: addr.to_string(),
            source: std::io::Error::new(std::io::ErrorKind::ConnectionRefused, proxy.to_string()),
        },
    }
}

pub(crate) fn tls_hint(e: &std::io::Error) -> String {
    let text = e.to_string();
    if text.contains("UnknownIssuer") {
        format!("{text} (the broker's certificate is not signed by a trusted CA: set ssl.truststore.location / ssl.ca.location to the CA's PEM file)")
    } else if text.contains("NotValidForName") {
        format!("{text} (the certificate does not name this host: connect by the name in the certificate, or set ssl.endpoint.identification.algorithm= to skip the hostname check)")
    } else if text.contains("CorruptMessage") || text.contains("InvalidContentType") {
        format!("{text} (the port did not answer TLS: is it a PLAINTEXT or SASL_PLAINTEXT listener?)")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connections_retire_before_their_session_ends() {
        let s = Duration::from_secs;
        assert_eq!(retire_after(s(900), s(15)), s(810));
        assert_eq!(retire_after(s(100), s(15)), s(85));
        assert_eq!(retire_after(s(20), s(15)), s(10));
    }
}
