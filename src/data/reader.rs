//! The consumer behind peek, lag in time and key sampling: assigned partitions only (no group
//! joined, nothing committed). Built on rdkafka's `Client` rather than its `BaseConsumer`,
//! because only a client built from kdeck's own native configuration can carry the address
//! resolution callback `--broker-map`/`--socks5` need (`tunnel.rs`); rdkafka builds a
//! `BaseConsumer`'s configuration where nothing can reach it.

use std::ffi::{c_char, c_void, CStr, CString};
use std::ptr;
use std::time::{Duration, Instant};

use rdkafka::bindings as rd;
use rdkafka::client::Client;
use rdkafka::types::{RDKafkaErrorCode, RDKafkaRespErr, RDKafkaType};
use rdkafka::{ClientContext, TopicPartitionList};

use super::{DataConfig, DataContext};

/// A whole message, bytes as they are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
    pub timestamp_ms: Option<i64>,
    /// "create" (the producer's clock), "log-append" (the broker's) or "none".
    pub timestamp_type: &'static str,
    pub key: Option<Vec<u8>>,
    pub value: Option<Vec<u8>>,
    pub headers: Vec<(String, Option<Vec<u8>>)>,
}

/// What one poll brought.
#[derive(Debug)]
pub(crate) enum Polled {
    Message(Record),
    /// The end of the partition (librdkafka names the partition, not the topic).
    End(i32),
    Error(String),
}

/// An assign-only consumer. librdkafka is thread-safe; the queue belongs to this client.
pub(crate) struct Reader {
    client: Client<DataContext>,
    queue: *mut rd::rd_kafka_queue_t,
}

// SAFETY: every librdkafka call used here may be made from any thread (librdkafka's guarantee,
// the one rdkafka's own consumer relies on).
unsafe impl Send for Reader {}

impl Reader {
    pub(crate) fn new(cfg: &DataConfig, settings: &[(&str, &str)]) -> anyhow::Result<Reader> {
        let mut rd_config = cfg.rdkafka();
        for (k, v) in settings {
            rd_config.set(*k, *v);
        }
        let native = rd_config.create_native_config().map_err(|e| anyhow::anyhow!("{}", cfg.scrub(&e)))?;
        let context = cfg.context();
        // SAFETY: `native` is live; `Client::new` sets the opaque to its `Arc<DataContext>`,
        // which lives as long as the client.
        unsafe {
            super::tunnel::install::<DataContext>(native.ptr(), &context.tunnel);
            rd::rd_kafka_conf_set_events(
                native.ptr(),
                rd::RD_KAFKA_EVENT_ERROR | rd::RD_KAFKA_EVENT_OAUTHBEARER_TOKEN_REFRESH,
            );
        }
        let client = Client::new(&rd_config, native, RDKafkaType::RD_KAFKA_CONSUMER, context)
            .map_err(|e| anyhow::anyhow!("{}", cfg.scrub(&e)))?;
        // SAFETY: a live consumer handle; its main queue (logs, errors, tokens) now drains
        // through the consumer queue this reader polls.
        let queue = unsafe {
            rd::rd_kafka_poll_set_consumer(client.native_ptr());
            rd::rd_kafka_queue_get_consumer(client.native_ptr())
        };
        if queue.is_null() {
            anyhow::bail!("librdkafka gave the consumer no queue (is group.id set?)");
        }
        let reader = Reader { client, queue };
        if cfg.needs_token_poll() {
            // nothing is assigned yet: this poll only hands librdkafka its OAUTHBEARER token
            let _ = reader.poll(Duration::ZERO);
        }
        Ok(reader)
    }

    pub(crate) fn assign(&self, tpl: &TopicPartitionList) -> Result<(), String> {
        // SAFETY: live handle and list
        let err = unsafe { rd::rd_kafka_assign(self.client.native_ptr(), tpl.ptr()) };
        check(err)
    }

    pub(crate) fn pause(&self, tpl: &TopicPartitionList) -> Result<(), String> {
        // SAFETY: live handle and list
        let err = unsafe { rd::rd_kafka_pause_partitions(self.client.native_ptr(), tpl.ptr()) };
        check(err)
    }

    pub(crate) fn fetch_watermarks(
        &self,
        topic: &str,
        partition: i32,
        timeout: Duration,
    ) -> anyhow::Result<(i64, i64)> {
        self.client.fetch_watermarks(topic, partition, timeout).map_err(|e| {
            let text = self.why(e.to_string());
            match e.rdkafka_error_code() {
                Some(code) if unreachable(code) => Unreachable(text).into(),
                _ => anyhow::anyhow!(text),
            }
        })
    }

    /// `failure` with the connection errors librdkafka reported meanwhile: "all broker
    /// connections are down" alone does not say that TLS refused the broker's certificate.
    fn why(&self, failure: String) -> String {
        let mut seen: Vec<String> = Vec::new();
        while let Some(polled) = self.poll_event(Duration::ZERO) {
            if let Some(Polled::Error(e)) = polled {
                if !seen.contains(&e) {
                    seen.push(e);
                }
            }
        }
        match seen.last() {
            Some(last) => format!("{failure}: {last}"),
            None => failure,
        }
    }

    /// Fills each entry's offset (a timestamp on the way in) with the first offset at or after
    /// it; an entry without one comes back with a negative (logical) offset.
    pub(crate) fn offsets_for_times(&self, tpl: &TopicPartitionList, timeout: Duration) -> Result<(), String> {
        let ms = i32::try_from(timeout.as_millis()).unwrap_or(i32::MAX);
        // SAFETY: live handle and list
        let err = unsafe { rd::rd_kafka_offsets_for_times(self.client.native_ptr(), tpl.ptr(), ms) };
        check(err).map_err(|e| self.why(e))
    }

    /// The next message, end of partition or error within `wait`; None if nothing came.
    pub(crate) fn poll(&self, wait: Duration) -> Option<Polled> {
        let deadline = Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.poll_event(left) {
                Some(Some(polled)) => return Some(polled),
                Some(None) if !left.is_zero() => {}
                _ => return None,
            }
        }
    }

    /// One event within `wait`: None if the queue stayed empty, Some(None) for an event handled
    /// here (a log line, a token refresh).
    fn poll_event(&self, wait: Duration) -> Option<Option<Polled>> {
        let ms = i32::try_from(wait.as_millis()).unwrap_or(i32::MAX);
        // SAFETY: our queue; the event is destroyed below
        let event = unsafe { rd::rd_kafka_queue_poll(self.queue, ms) };
        if event.is_null() {
            return None;
        }
        let polled = self.handle(event);
        // SAFETY: `handle` copied everything it keeps out of the event
        unsafe { rd::rd_kafka_event_destroy(event) };
        Some(polled)
    }

    /// The next poll result until `deadline`, at most 200 ms at a time (so callers can look at
    /// the clock); None once the deadline has passed, Some(None) when nothing came.
    pub(crate) fn next(&self, deadline: Instant) -> Option<Option<Polled>> {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return None;
        }
        Some(self.poll(left.min(Duration::from_millis(200))))
    }

    fn handle(&self, event: *mut rd::rd_kafka_event_t) -> Option<Polled> {
        // SAFETY: a live event from our queue
        unsafe {
            match rd::rd_kafka_event_type(event) {
                rd::RD_KAFKA_EVENT_FETCH => {
                    let m = rd::rd_kafka_event_message_next(event);
                    (!m.is_null()).then(|| message(m))
                }
                rd::RD_KAFKA_EVENT_ERROR => {
                    let text = text(rd::rd_kafka_event_error_string(event));
                    tracing::debug!(error = %text, "librdkafka");
                    Some(Polled::Error(text))
                }
                rd::RD_KAFKA_EVENT_LOG => {
                    let (mut fac, mut msg, mut level): (*const c_char, *const c_char, i32) =
                        (ptr::null(), ptr::null(), 0);
                    if rd::rd_kafka_event_log(event, &mut fac, &mut msg, &mut level) == 0 {
                        tracing::debug!(level, facility = %text(fac), "librdkafka: {}", text(msg));
                    }
                    None
                }
                rd::RD_KAFKA_EVENT_OAUTHBEARER_TOKEN_REFRESH => {
                    self.refresh_token(event);
                    None
                }
                _ => None,
            }
        }
    }

    /// Hands librdkafka a token from the control plane's token source (MSK IAM).
    fn refresh_token(&self, event: *mut rd::rd_kafka_event_t) {
        let rk = self.client.native_ptr();
        // SAFETY: a live event; the strings outlive the calls
        let config = unsafe { rd::rd_kafka_event_config_string(event) };
        let config = (!config.is_null()).then(|| unsafe { text(config) });
        let token =
            self.client.context().generate_oauth_token(config.as_deref()).map_err(|e| e.to_string()).and_then(|t| {
                let token = CString::new(t.token).map_err(|e| e.to_string())?;
                let principal = CString::new(t.principal_name).map_err(|e| e.to_string())?;
                Ok((token, principal, t.lifetime_ms))
            });
        let failure = match token {
            Ok((token, principal, lifetime_ms)) => {
                let mut err_buf = [0 as c_char; 512];
                let code = unsafe {
                    rd::rd_kafka_oauthbearer_set_token(
                        rk,
                        token.as_ptr(),
                        lifetime_ms,
                        principal.as_ptr(),
                        ptr::null_mut(),
                        0,
                        err_buf.as_mut_ptr(),
                        err_buf.len(),
                    )
                };
                if code == RDKafkaRespErr::RD_KAFKA_RESP_ERR_NO_ERROR {
                    return;
                }
                unsafe { text(err_buf.as_ptr()) }
            }
            Err(e) => e,
        };
        tracing::debug!(error = %failure, "OAUTHBEARER token");
        let message = CString::new(failure.replace('\0', " ")).unwrap_or_default();
        unsafe { rd::rd_kafka_oauthbearer_set_token_failure(rk, message.as_ptr()) };
    }
}

impl Drop for Reader {
    fn drop(&mut self) {
        // As rdkafka's consumer does: close through the queue, serve it until closed, then let
        // the client destroy the handle.
        let rk = self.client.native_ptr();
        // SAFETY: live handle and queue; the queue is destroyed last and never used again
        unsafe {
            let error = rd::rd_kafka_consumer_close_queue(rk, self.queue);
            if error.is_null() {
                let deadline = Instant::now() + Duration::from_secs(10);
                while rd::rd_kafka_consumer_closed(rk) != 1 && Instant::now() < deadline {
                    let _ = self.poll(Duration::from_millis(100));
                }
            } else {
                rd::rd_kafka_error_destroy(error);
            }
            rd::rd_kafka_queue_destroy(self.queue);
        }
    }
}

/// librdkafka could not get an answer from the cluster (name, connection, TLS, authentication):
/// the doctor can tell which step fails.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Unreachable(pub String);

fn unreachable(code: RDKafkaErrorCode) -> bool {
    use RDKafkaErrorCode as C;
    matches!(
        code,
        C::AllBrokersDown
            | C::Resolve
            | C::BrokerTransportFailure
            | C::OperationTimedOut
            | C::SSL
            | C::Authentication
            | C::UnknownBroker
    )
}

fn check(err: RDKafkaRespErr) -> Result<(), String> {
    if err == RDKafkaRespErr::RD_KAFKA_RESP_ERR_NO_ERROR {
        Ok(())
    } else {
        // SAFETY: librdkafka's static error strings
        Err(unsafe { text(rd::rd_kafka_err2str(err)) })
    }
}

/// # Safety
/// `p` is null or a NUL-terminated string.
unsafe fn text(p: *const c_char) -> String {
    if p.is_null() {
        String::new()
    } else {
        CStr::from_ptr(p).to_string_lossy().into_owned()
    }
}

/// # Safety
/// `m` is a live message of a fetch event.
unsafe fn message(m: *const rd::rd_kafka_message_t) -> Polled {
    let msg = &*m;
    if msg.err == RDKafkaRespErr::RD_KAFKA_RESP_ERR__PARTITION_EOF {
        return Polled::End(msg.partition);
    }
    if msg.err != RDKafkaRespErr::RD_KAFKA_RESP_ERR_NO_ERROR {
        return Polled::Error(text(rd::rd_kafka_message_errstr(m)));
    }
    let bytes =
        |p: *mut c_void, len: usize| (!p.is_null()).then(|| std::slice::from_raw_parts(p as *const u8, len).to_vec());
    let mut ts_type = rd::rd_kafka_timestamp_type_t::RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
    let ts = rd::rd_kafka_message_timestamp(m, &mut ts_type);
    let (timestamp_ms, timestamp_type) = match ts_type {
        rd::rd_kafka_timestamp_type_t::RD_KAFKA_TIMESTAMP_CREATE_TIME => (Some(ts), "create"),
        rd::rd_kafka_timestamp_type_t::RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME => (Some(ts), "log-append"),
        _ => (None, "none"),
    };
    let mut headers = Vec::new();
    let mut hdrs: *mut rd::rd_kafka_headers_t = ptr::null_mut();
    if rd::rd_kafka_message_headers(m, &mut hdrs) == RDKafkaRespErr::RD_KAFKA_RESP_ERR_NO_ERROR {
        let mut idx = 0;
        loop {
            let (mut name, mut value, mut size): (*const c_char, *const c_void, usize) = (ptr::null(), ptr::null(), 0);
            if rd::rd_kafka_header_get_all(hdrs, idx, &mut name, &mut value, &mut size)
                != RDKafkaRespErr::RD_KAFKA_RESP_ERR_NO_ERROR
            {
                break;
            }
            headers.push((text(name), bytes(value as *mut c_void, size)));
            idx += 1;
        }
    }
    Polled::Message(Record {
        topic: text(rd::rd_kafka_topic_name(msg.rkt)),
        partition: msg.partition,
        offset: msg.offset,
        timestamp_ms,
        timestamp_type,
        key: bytes(msg.key, msg.key_len),
        value: bytes(msg.payload, msg.len),
        headers,
    })
}
