//! The control-plane client: a pool of broker connections and request routing
//! (any broker, a given broker, the controller, a group's coordinator) with retries.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use kafka_protocol::messages::{MetadataRequest, MetadataResponse, TopicName};
use kafka_protocol::protocol::StrBytes;

use super::conn::{ConnectOptions, Connection};
use super::error::{KafkaError, Result};
use super::proto::KafkaRequest;
use super::route::Route;
use super::security::{SaslMechanism, Security, Tls, TlsOptions};
use super::stats::{RequestStats, StatsReport};

/// How to reach and talk to a cluster. (Debug never prints secrets: see SaslMechanism.)
#[derive(Clone, Debug)]
pub struct ClientConfig {
    pub bootstrap: Vec<String>,
    pub client_id: String,
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
    pub tls: Option<TlsOptions>,
    pub sasl: Option<SaslMechanism>,
    /// `--broker-map` / `--socks5`: how connections reach the advertised addresses.
    pub route: Route,
    /// Where every connection made with this config counts its requests (`--stats`); clones of
    /// the config share it.
    pub stats: RequestStats,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            bootstrap: Vec::new(),
            client_id: "kdeck".into(),
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(15),
            tls: None,
            sasl: None,
            route: Route::default(),
            stats: RequestStats::default(),
        }
    }
}

/// Where a request goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// Any broker that answers (metadata, list-type requests).
    Any,
    Broker(i32),
    /// A group coordinator on broker N, over a connection of its own (as Kafka's consumer keeps
    /// one): a broker answers a connection's requests one at a time, so group requests would
    /// otherwise wait behind the offsets and metadata requests a refresh sends at once.
    Coordinator(i32),
    /// The controller as the brokers report it (KRaft brokers forward admin requests to the
    /// active controller themselves).
    Controller,
}

/// The pool key of a coordinator connection: the address and a suffix no address has.
const COORDINATOR_LANE: &str = " coordinator";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BrokerAddr {
    pub id: i32,
    pub host: String,
    pub port: i32,
    pub rack: Option<String>,
}

impl BrokerAddr {
    pub fn addr(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

type Slot = Arc<tokio::sync::Mutex<Option<Arc<Connection>>>>;

struct Inner {
    cfg: ClientConfig,
    security: Security,
    slots: Mutex<HashMap<String, Slot>>,
    /// Addresses that timed out recently, and until when requests to them fail fast: a hung
    /// broker must not make every refresh wait out its timeout again and again.
    hung: Mutex<HashMap<String, (Instant, Instant)>>,
    brokers: RwLock<BTreeMap<i32, BrokerAddr>>,
    controller: RwLock<Option<i32>>,
    /// Brokers whose advertised address the last attempt could not reach, with why
    /// (`KafkaError::Advertised`); a broker leaves it when a connection to it opens.
    unreachable: Mutex<BTreeMap<i32, String>>,
}

const RETRIES: usize = 3;

impl Client {
    /// Connects to the first bootstrap server that answers and loads the broker list.
    pub async fn connect(cfg: ClientConfig) -> Result<Client> {
        if cfg.bootstrap.is_empty() {
            return Err(KafkaError::Config(
                "no bootstrap servers given (--bootstrap HOST:PORT or a --cluster profile)".into(),
            ));
        }
        let tls = cfg.tls.as_ref().map(Tls::new).transpose()?;
        let security = Security { tls, sasl: cfg.sasl.clone() };
        let client = Client {
            inner: Arc::new(Inner {
                cfg,
                security,
                slots: Mutex::default(),
                hung: Mutex::default(),
                unreachable: Mutex::default(),
                brokers: RwLock::default(),
                controller: RwLock::default(),
            }),
        };
        client.refresh_brokers().await?;
        Ok(client)
    }

    pub fn config(&self) -> &ClientConfig {
        &self.inner.cfg
    }

    /// The requests counted so far by every client sharing this one's config (see [`RequestStats`]).
    pub fn stats(&self) -> StatsReport {
        self.inner.cfg.stats.report()
    }

    /// Brokers as last seen in metadata.
    pub fn brokers(&self) -> Vec<BrokerAddr> {
        self.inner.brokers.read().map(|b| b.values().cloned().collect()).unwrap_or_default()
    }

    pub fn controller_id(&self) -> Option<i32> {
        self.inner.controller.read().ok().and_then(|c| *c)
    }

    /// Metadata for all topics (None) or the named ones; also refreshes the broker map.
    pub async fn metadata(&self, topics: Option<&[String]>) -> Result<MetadataResponse> {
        self.metadata_from(Target::Any, topics).await
    }

    /// Metadata as one broker (or any) sees it.
    pub async fn metadata_from(&self, target: Target, topics: Option<&[String]>) -> Result<MetadataResponse> {
        let req = MetadataRequest::default()
            .with_topics(topics.map(|ts| {
                ts.iter()
                    .map(|t| {
                        kafka_protocol::messages::metadata_request::MetadataRequestTopic::default()
                            .with_name(Some(TopicName(StrBytes::from_string(t.clone()))))
                    })
                    .collect()
            }))
            .with_allow_auto_topic_creation(false);
        let resp = self.send(target, &req).await?;
        self.absorb_metadata(&resp);
        Ok(resp)
    }

    /// Metadata (all topics, or `topics`) in which every topic of `named` exists, if any broker's
    /// metadata has them. Brokers learn of a new topic from the controller one by one, so a topic
    /// created a moment ago may be missing from the broker asked first: before kdeck says a topic
    /// the user named does not exist, every broker is asked. Returns the first answer that knows
    /// them all, else the first answer (and the caller reports what is missing).
    pub async fn metadata_knowing(&self, topics: Option<&[String]>, named: &[String]) -> Result<MetadataResponse> {
        let first = self.metadata(topics).await?;
        if missing_topics(&first, named).is_empty() {
            return Ok(first);
        }
        let asks = self.broker_ids().into_iter().map(|id| self.metadata_from(Target::Broker(id), topics));
        let answers = futures::future::join_all(asks).await;
        match answers.into_iter().flatten().find(|m| missing_topics(m, named).is_empty()) {
            Some(m) => {
                self.absorb_metadata(&m);
                Ok(m)
            }
            None => Ok(first),
        }
    }

    /// Waits until every broker's metadata shows `topic` with `partitions` partitions, each with
    /// a leader (None: until no broker lists it), within the call's budget: after kdeck creates,
    /// grows or deletes a topic, the next command (or another tool) may ask any broker. Returns
    /// the brokers that had not caught up when the budget ran out.
    pub async fn await_topic_everywhere(&self, topic: &str, partitions: Option<usize>) -> Vec<i32> {
        let named = [topic.to_string()];
        let caught_up = |m: &MetadataResponse| {
            let t =
                m.topics.iter().find(|t| t.name.as_ref().is_some_and(|n| n.0.as_str() == topic) && t.error_code == 0);
            match (t, partitions) {
                (None, None) => true,
                (Some(t), Some(n)) => t.partitions.len() == n && t.partitions.iter().all(|p| p.leader_id.0 >= 0),
                _ => false,
            }
        };
        let mut budget = self.retry();
        let mut behind = self.broker_ids();
        loop {
            let named = &named;
            let asks = behind.iter().map(|&id| async move {
                let seen = self.metadata_from(Target::Broker(id), Some(named)).await;
                (id, seen)
            });
            behind = futures::future::join_all(asks)
                .await
                .into_iter()
                .filter(|(_, seen)| !seen.as_ref().is_ok_and(caught_up))
                .map(|(id, _)| id)
                .collect();
            if behind.is_empty() || !budget.again(format!("brokers {behind:?} do not show {topic} yet")).await {
                return behind;
            }
        }
    }

    pub async fn refresh_brokers(&self) -> Result<()> {
        self.metadata(Some(&[])).await.map(|_| ())
    }

    fn absorb_metadata(&self, resp: &MetadataResponse) {
        let map: BTreeMap<i32, BrokerAddr> = resp
            .brokers
            .iter()
            .map(|b| {
                (
                    b.node_id.0,
                    BrokerAddr {
                        id: b.node_id.0,
                        host: b.host.to_string(),
                        port: b.port,
                        rack: b.rack.as_ref().map(|r| r.to_string()),
                    },
                )
            })
            .collect();
        if let Ok(mut b) = self.inner.brokers.write() {
            *b = map;
        }
        if let Ok(mut c) = self.inner.controller.write() {
            *c = (resp.controller_id.0 >= 0).then_some(resp.controller_id.0);
        }
    }

    fn broker_addr(&self, id: i32) -> Option<String> {
        self.inner.brokers.read().ok().and_then(|b| b.get(&id).map(|b| b.addr()))
    }

    /// A live connection to `addr`, opening one if needed. Connections to different brokers open
    /// in parallel; callers for the same broker wait for the one attempt.
    fn mark_hung(&self, addr: &str) {
        let now = Instant::now();
        let cooldown = (self.inner.cfg.request_timeout * 2).max(Duration::from_secs(5));
        if let Ok(mut h) = self.inner.hung.lock() {
            h.insert(addr.to_string(), (now, now + cooldown));
        }
    }

    fn hung_since(&self, addr: &str) -> Option<(Instant, Instant)> {
        let now = Instant::now();
        let mut h = self.inner.hung.lock().ok()?;
        match h.get(addr).copied() {
            Some((since, until)) if until > now => Some((since, until)),
            Some(_) => {
                h.remove(addr);
                None
            }
            None => None,
        }
    }

    async fn connection(&self, addr: &str) -> Result<Arc<Connection>> {
        self.pooled_connection(addr, addr).await
    }

    /// The connection kept under `key` in the pool (the address itself, or the address and a
    /// lane suffix), opened to `addr` when there is none or it died.
    async fn pooled_connection(&self, addr: &str, key: &str) -> Result<Arc<Connection>> {
        if let Some((since, until)) = self.hung_since(addr) {
            let now = Instant::now();
            return Err(KafkaError::Unresponsive {
                addr: addr.to_string(),
                ago: now.duration_since(since).as_secs(),
                left: until.duration_since(now).as_secs() + 1,
            });
        }
        let slot = {
            let mut slots =
                self.inner.slots.lock().map_err(|_| KafkaError::Config("connection pool poisoned".into()))?;
            slots.entry(key.to_string()).or_default().clone()
        };
        let mut guard = slot.lock().await;
        if let Some(c) = guard.as_ref() {
            if !c.is_dead() {
                return Ok(c.clone());
            }
        }
        let opts = ConnectOptions {
            client_id: &self.inner.cfg.client_id,
            connect_timeout: self.inner.cfg.connect_timeout,
            request_timeout: self.inner.cfg.request_timeout,
            security: &self.inner.security,
            route: &self.inner.cfg.route,
            stats: Some(&self.inner.cfg.stats),
        };
        let conn = match Connection::open(addr, &opts).await {
            Ok(c) => Arc::new(c),
            Err(e) => {
                if matches!(e, KafkaError::Timeout { .. } | KafkaError::ConnectTimeout { .. }) {
                    self.mark_hung(addr);
                }
                return Err(e);
            }
        };
        *guard = Some(conn.clone());
        Ok(conn)
    }

    /// A connection for a target. `Any` prefers known brokers, then the bootstrap list.
    pub async fn connection_for(&self, target: &Target) -> Result<Arc<Connection>> {
        match target {
            Target::Broker(id) => self.broker_connection(*id, "").await,
            Target::Coordinator(id) => self.broker_connection(*id, COORDINATOR_LANE).await,
            Target::Controller => match self.controller_id() {
                Some(id) => self.broker_connection(id, "").await,
                None => self.any_connection().await,
            },
            Target::Any => self.any_connection().await,
        }
    }

    async fn broker_connection(&self, id: i32, lane: &str) -> Result<Arc<Connection>> {
        let addr = match self.broker_addr(id) {
            Some(a) => a,
            None => {
                // boxed: refresh → send → connection_for → here would be an infinitely sized future
                Box::pin(self.refresh_brokers()).await?;
                self.broker_addr(id).ok_or(KafkaError::UnknownBroker { id })?
            }
        };
        let result = self.pooled_connection(&addr, &format!("{addr}{lane}")).await.map_err(|e| {
            if e.is_connection() || matches!(e, KafkaError::Tls { .. }) {
                KafkaError::Advertised { id, addr: addr.clone(), source: Box::new(e) }
            } else {
                e
            }
        });
        if let Ok(mut unreachable) = self.inner.unreachable.lock() {
            match &result {
                Ok(_) => {
                    unreachable.remove(&id);
                }
                Err(e @ KafkaError::Advertised { .. }) => {
                    unreachable.insert(id, e.to_string());
                }
                Err(_) => {}
            }
        }
        result
    }

    /// The brokers the last attempt to connect to could not reach at their advertised address,
    /// with the error: what a refresh that got an answer from the bootstrap alone reports.
    pub fn unreachable_brokers(&self) -> BTreeMap<i32, String> {
        self.inner.unreachable.lock().map(|u| u.clone()).unwrap_or_default()
    }

    async fn any_connection(&self) -> Result<Arc<Connection>> {
        // An existing live connection is the cheapest answer (not a coordinator's: its lane is
        // kept for group requests).
        let live: Vec<Slot> = self
            .inner
            .slots
            .lock()
            .map(|s| {
                s.iter().filter(|(key, _)| !key.ends_with(COORDINATOR_LANE)).map(|(_, slot)| slot.clone()).collect()
            })
            .unwrap_or_default();
        for slot in live {
            if let Ok(guard) = slot.try_lock() {
                if let Some(c) = guard.as_ref().filter(|c| !c.is_dead() && self.hung_since(c.addr()).is_none()) {
                    return Ok(c.clone());
                }
            }
        }
        let mut candidates: Vec<String> = self.brokers().iter().map(BrokerAddr::addr).collect();
        for b in &self.inner.cfg.bootstrap {
            if !candidates.contains(b) {
                candidates.push(b.clone());
            }
        }
        // the hung ones last: they fail fast, and only if nothing else answers
        candidates.sort_by_key(|a| self.hung_since(a).is_some());
        let mut failures = Vec::new();
        for addr in candidates {
            match self.connection(&addr).await {
                Ok(c) => return Ok(c),
                // Bad credentials or TLS will not get better on another broker: say so at once.
                Err(e @ (KafkaError::Auth { .. } | KafkaError::Tls { .. } | KafkaError::Config(_))) => return Err(e),
                Err(e) => failures.push(format!("{addr}: {e}")),
            }
        }
        Err(KafkaError::Bootstrap(failures))
    }

    /// Sends a request, reconnecting and retrying when the connection drops.
    pub async fn send<R: KafkaRequest>(&self, target: Target, req: &R) -> Result<R::Response> {
        let mut last = None;
        for attempt in 0..RETRIES {
            let conn = self.connection_for(&target).await?;
            let result = conn.send(req).await;
            if matches!(result, Err(KafkaError::Timeout { .. })) {
                self.mark_hung(conn.addr());
            }
            match result {
                Ok(r) => return Ok(r),
                // A broker that hangs times out; for "any broker" another one can answer.
                Err(e @ KafkaError::Timeout { .. }) if target == Target::Any => {
                    tracing::debug!(attempt, error = %e, "retrying on another broker");
                    last = Some(e);
                }
                Err(e @ KafkaError::Disconnected { .. }) => {
                    tracing::debug!(attempt, error = %e, "retrying on a new connection");
                    last = Some(e);
                    tokio::time::sleep(backoff(attempt)).await;
                }
                Err(e) => return Err(e),
            }
        }
        Err(last.unwrap_or(KafkaError::Bootstrap(vec![])))
    }

    /// A retry budget for one call (see [`Retry`]).
    pub fn retry(&self) -> Retry {
        Retry::within(self.inner.cfg.request_timeout)
    }

    /// Version the target broker would use for a request (for choosing request shapes).
    pub async fn version_for<R: KafkaRequest>(&self, target: &Target) -> Result<i16> {
        self.connection_for(target).await?.version_for::<R>()
    }

    /// Drops cached routing after NOT_CONTROLLER / NOT_LEADER, so the next call re-reads metadata.
    pub async fn invalidate(&self) -> Result<()> {
        self.refresh_brokers().await
    }

    pub fn broker_ids(&self) -> Vec<i32> {
        self.brokers().iter().map(|b| b.id).collect()
    }
}

/// The topics of `named` that a metadata answer does not know.
pub fn missing_topics<'a>(meta: &MetadataResponse, named: &'a [String]) -> Vec<&'a String> {
    named
        .iter()
        .filter(|n| {
            !meta
                .topics
                .iter()
                .any(|t| t.error_code == 0 && t.name.as_ref().is_some_and(|x| x.0.as_str() == n.as_str()))
        })
        .collect()
}

/// Exponential backoff with a ceiling: 100 ms, 200 ms, 400 ms … 2 s.
pub fn backoff(attempt: usize) -> Duration {
    Duration::from_millis((100u64 << attempt.min(5)).min(2000))
}

/// The retry budget of one call: transient answers (a coordinator still loading after a restart,
/// a leader or controller moving) are retried with backoff until the call's time is spent, as
/// Kafka's AdminClient does until `default.api.timeout.ms`. The budget is the request timeout, so
/// a call never takes much longer than one request could.
#[derive(Debug)]
pub struct Retry {
    deadline: Instant,
    attempt: usize,
}

impl Retry {
    pub fn within(budget: Duration) -> Retry {
        Retry { deadline: Instant::now() + budget, attempt: 0 }
    }

    /// Waits out the next backoff and returns true, or returns false at once when the wait would
    /// end past the budget (the caller then reports the last error).
    pub async fn again(&mut self, why: impl std::fmt::Display) -> bool {
        let wait = backoff(self.attempt);
        if Instant::now() + wait >= self.deadline {
            tracing::debug!(attempts = self.attempt, "giving up: {why}");
            return false;
        }
        tracing::debug!(attempt = self.attempt + 1, ?wait, "asking again: {why}");
        self.attempt += 1;
        tokio::time::sleep(wait).await;
        true
    }

    /// How many retries have been made so far.
    pub fn attempts(&self) -> usize {
        self.attempt
    }
}
