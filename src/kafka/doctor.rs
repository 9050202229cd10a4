//! Connectivity diagnosis (`kdeck doctor`, and the console when a connection fails): the
//! bootstrap servers and then every broker the metadata advertises, step by step — DNS, TCP,
//! TLS, ApiVersions, SASL, Metadata — each timed and with its own timeout, then verdicts in
//! words that say what to do.

use std::collections::HashMap;
use std::time::Instant;

use kafka_protocol::messages::{self as m, MetadataResponse};
use kafka_protocol::protocol::StrBytes;
use serde::Serialize;

use super::cert::CertSummary;
use super::client::ClientConfig;
use super::conn::tls_hint;
use super::error::{KafkaError, Result};
use super::frame::{negotiate, Handshake, Io};
use super::proto::KafkaRequest;
use super::route::{split_host_port, DialError};
use super::sasl;
use super::security::{PemSource, Tls};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepName {
    Dns,
    Tcp,
    Tls,
    ApiVersions,
    Sasl,
    Metadata,
}

impl StepName {
    pub fn label(self) -> &'static str {
        match self {
            StepName::Dns => "DNS",
            StepName::Tcp => "TCP",
            StepName::Tls => "TLS",
            StepName::ApiVersions => "ApiVersions",
            StepName::Sasl => "SASL",
            StepName::Metadata => "Metadata",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pass,
    Fail,
    /// The step's own timeout ran out.
    Timeout,
    /// Not applicable (no TLS/SASL configured, names resolved by the proxy).
    Skipped,
}

#[derive(Clone, Debug, Serialize)]
pub struct Step {
    pub step: StepName,
    pub status: Status,
    pub millis: u64,
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate: Option<CertSummary>,
}

/// One address checked: a bootstrap server, or a broker as the metadata advertises it.
#[derive(Clone, Debug, Serialize)]
pub struct Check {
    /// The broker id for an advertised address; None for a bootstrap server.
    pub broker: Option<i32>,
    pub address: String,
    /// Where the connection really went, when a broker map or proxy is in the way.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
    pub steps: Vec<Step>,
}

impl Check {
    pub fn passed(&self) -> bool {
        self.failure().is_none()
    }

    /// The first step that failed or timed out.
    pub fn failure(&self) -> Option<&Step> {
        self.steps.iter().find(|s| matches!(s.status, Status::Fail | Status::Timeout))
    }

    fn who(&self) -> String {
        match self.broker {
            Some(id) => format!("broker {id} ({})", self.address),
            None => format!("bootstrap {}", self.address),
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// The broker map / proxy in use, so nobody forgets one is active.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub route: Option<String>,
    pub checks: Vec<Check>,
    /// What is wrong and what to do, one sentence each; "all brokers passed every step" when ok.
    pub verdicts: Vec<String>,
    pub ok: bool,
}

/// Runs every step against every bootstrap server and every advertised broker. Errors only for
/// configuration that cannot even be tried (unreadable TLS material).
pub async fn diagnose(cfg: &ClientConfig) -> Result<Report> {
    diagnose_live(cfg, &|_: &StepDone| {}).await
}

/// A step as soon as it is over (the console shows them as they come).
#[derive(Clone, Debug, PartialEq)]
pub struct StepDone {
    /// The broker id for an advertised address; None for a bootstrap server.
    pub broker: Option<i32>,
    pub address: String,
    pub step: StepName,
    pub status: Status,
    pub millis: u64,
    pub detail: String,
}

impl Step {
    /// One line of the doctor's table: `  TCP         FAIL        3 ms  connecting to …`.
    pub fn line(&self) -> String {
        step_line(self.step, self.status, self.millis, &self.detail)
    }
}

impl StepDone {
    pub fn line(&self) -> String {
        step_line(self.step, self.status, self.millis, &self.detail)
    }

    /// The heading of the address it belongs to: `bootstrap HOST:PORT`, `broker 1 HOST:PORT`.
    pub fn who(&self) -> String {
        heading(self.broker, &self.address)
    }
}

impl Check {
    /// `bootstrap HOST:PORT` or `broker 1 HOST:PORT`.
    pub fn heading(&self) -> String {
        heading(self.broker, &self.address)
    }
}

fn heading(broker: Option<i32>, address: &str) -> String {
    match broker {
        Some(id) => format!("broker {id} {address}"),
        None => format!("bootstrap {address}"),
    }
}

fn step_line(step: StepName, status: Status, millis: u64, detail: &str) -> String {
    let mark = match status {
        Status::Pass => "ok",
        Status::Fail => "FAIL",
        Status::Timeout => "TIMEOUT",
        Status::Skipped => "-",
    };
    format!("  {:<12}{:<8}{:>6} ms  {}", step.label(), mark, millis, detail)
}

/// [`diagnose`], telling `on_step` about each step when it ends.
pub async fn diagnose_live(cfg: &ClientConfig, on_step: &(dyn Fn(&StepDone) + Sync)) -> Result<Report> {
    let tls = cfg.tls.as_ref().map(Tls::new).transpose()?;
    let probe = Probe { cfg, tls: tls.as_ref(), on_step };
    let bootstraps = futures::future::join_all(cfg.bootstrap.iter().map(|a| probe.check(a, None))).await;
    let mut checks = Vec::new();
    let mut metadata: Option<(String, MetadataResponse)> = None;
    for (check, meta) in bootstraps {
        if let (None, Some(meta)) = (&metadata, meta) {
            metadata = Some((check.address.clone(), meta));
        }
        checks.push(check);
    }
    if let Some((_, meta)) = &metadata {
        let advertised: Vec<(i32, String)> = meta
            .brokers
            .iter()
            .map(|b| {
                let host = b.host.to_string();
                let addr =
                    if host.contains(':') { format!("[{host}]:{}", b.port) } else { format!("{host}:{}", b.port) };
                (b.node_id.0, addr)
            })
            .collect();
        let brokers = futures::future::join_all(advertised.iter().map(|(id, a)| probe.check(a, Some(*id)))).await;
        checks.extend(brokers.into_iter().map(|(c, _)| c));
    }
    let verdicts = verdicts(cfg, &checks, metadata.as_ref().map(|(a, _)| a.as_str()));
    let ok = checks.iter().all(Check::passed) && metadata.is_some();
    Ok(Report { route: cfg.route.describe(), checks, verdicts, ok })
}

struct Probe<'a> {
    cfg: &'a ClientConfig,
    tls: Option<&'a Tls>,
    on_step: &'a (dyn Fn(&StepDone) + Sync),
}

/// Times one step, records it and tells the listener.
struct Steps<'a> {
    broker: Option<i32>,
    address: &'a str,
    steps: Vec<Step>,
    on_step: &'a (dyn Fn(&StepDone) + Sync),
}

impl Steps<'_> {
    fn push(&mut self, step: StepName, since: Instant, status: Status, detail: String) {
        self.record(Step { step, status, millis: since.elapsed().as_millis() as u64, detail, certificate: None });
    }

    fn record(&mut self, step: Step) {
        (self.on_step)(&StepDone {
            broker: self.broker,
            address: self.address.to_string(),
            step: step.step,
            status: step.status,
            millis: step.millis,
            detail: step.detail.clone(),
        });
        self.steps.push(step);
    }

    fn fail_from(&mut self, step: StepName, since: Instant, e: &KafkaError) {
        let status = if matches!(e, KafkaError::Timeout { .. } | KafkaError::ConnectTimeout { .. }) {
            Status::Timeout
        } else {
            Status::Fail
        };
        self.push(step, since, status, e.to_string());
    }
}

impl Probe<'_> {
    async fn check(&self, addr: &str, broker: Option<i32>) -> (Check, Option<MetadataResponse>) {
        let route = &self.cfg.route;
        let target = route.target(addr);
        let via = match (&route.socks5, target != addr) {
            (Some(p), _) => Some(format!("{target} through SOCKS5 {p}")),
            (None, true) => Some(format!("{target} (broker map)")),
            (None, false) => None,
        };
        let mut steps = Steps { broker, address: addr, steps: Vec::new(), on_step: self.on_step };
        let meta = self.run(addr, &mut steps).await;
        (Check { broker, address: addr.to_string(), via, steps: steps.steps }, meta)
    }

    async fn run(&self, addr: &str, steps: &mut Steps<'_>) -> Option<MetadataResponse> {
        let cfg = self.cfg;
        let route = &cfg.route;
        let connect_timeout = cfg.connect_timeout;
        let target = route.target(addr);

        let t = Instant::now();
        match &route.socks5 {
            Some(p) => {
                steps.push(StepName::Dns, t, Status::Skipped, format!("{target} is resolved by the SOCKS5 proxy {p}"))
            }
            None => match tokio::time::timeout(connect_timeout, tokio::net::lookup_host(target)).await {
                Err(_) => {
                    steps.push(
                        StepName::Dns,
                        t,
                        Status::Timeout,
                        format!("resolving {target} took over {connect_timeout:?}"),
                    );
                    return None;
                }
                Ok(Err(e)) => {
                    steps.push(StepName::Dns, t, Status::Fail, format!("{target} does not resolve from here: {e}"));
                    return None;
                }
                Ok(Ok(found)) => {
                    let mut ips: Vec<String> = found.map(|a| a.ip().to_string()).collect();
                    ips.dedup();
                    steps.push(StepName::Dns, t, Status::Pass, format!("{target} → {}", ips.join(", ")));
                }
            },
        }

        let t = Instant::now();
        let tcp = match route.dial(addr, connect_timeout).await {
            Ok(s) => s,
            Err(e) => {
                let status = if matches!(e, DialError::Timeout { .. }) { Status::Timeout } else { Status::Fail };
                steps.push(StepName::Tcp, t, status, e.to_string());
                return None;
            }
        };
        let _ = tcp.set_nodelay(true);
        let peer = tcp.peer_addr().map(|a| a.to_string()).unwrap_or_default();
        let detail = match &route.socks5 {
            Some(p) => format!("connected to {target} through the SOCKS5 proxy {p}"),
            None => format!("connected to {peer}"),
        };
        steps.push(StepName::Tcp, t, Status::Pass, detail);

        let t = Instant::now();
        let mut io: Box<dyn Io> = match self.tls {
            None => {
                steps.push(
                    StepName::Tls,
                    t,
                    Status::Skipped,
                    "no TLS configured (security.protocol PLAINTEXT or SASL_PLAINTEXT)".into(),
                );
                Box::new(tcp)
            }
            Some(tls) => {
                let host = split_host_port(addr).map(|(h, _)| h).unwrap_or(addr);
                let handshake = tokio::time::timeout(connect_timeout, tls.connect_inspect(host, tcp)).await;
                let Ok((result, chain)) = handshake else {
                    steps.push(
                        StepName::Tls,
                        t,
                        Status::Timeout,
                        format!("no TLS handshake within {connect_timeout:?} (is this a TLS port?)"),
                    );
                    return None;
                };
                let cert = chain.first().and_then(|c| CertSummary::parse(c));
                let ca = self.ca_used();
                let (status, detail) = match &result {
                    Ok(_) => {
                        let shown = cert.as_ref().map(describe_cert).unwrap_or_default();
                        let checked = if self.verify_hostname() {
                            format!("name checked against {host}")
                        } else {
                            "name not checked (ssl.endpoint.identification.algorithm is empty)".into()
                        };
                        (Status::Pass, format!("{shown}; chain of {} verified with {ca}; {checked}", chain.len()))
                    }
                    Err(e) => (Status::Fail, tls_failure(e, host, target != addr, cert.as_ref(), &ca)),
                };
                steps.record(Step {
                    step: StepName::Tls,
                    status,
                    millis: t.elapsed().as_millis() as u64,
                    detail,
                    certificate: cert,
                });
                match result {
                    Ok(s) => Box::new(s),
                    Err(_) => return None,
                }
            }
        };

        let client_id = StrBytes::from_string(cfg.client_id.clone());
        let mut hs = Handshake::new(&mut io, addr, &client_id, cfg.request_timeout);
        let t = Instant::now();
        let versions = match hs.api_versions().await {
            Ok(v) => v,
            Err(e) => {
                steps.fail_from(StepName::ApiVersions, t, &e);
                return None;
            }
        };
        let missing = missing_apis(&versions, addr);
        let essential: Vec<&str> = missing.iter().filter(|(_, essential)| *essential).map(|(n, _)| *n).collect();
        let optional: Vec<&str> = missing.iter().filter(|(_, essential)| !*essential).map(|(n, _)| *n).collect();
        let range = |key: m::ApiKey| {
            versions.get(&(key as i16)).map(|(lo, hi)| format!("v{lo}–v{hi}")).unwrap_or_else(|| "missing".into())
        };
        let mut notes = vec![format!(
            "{} APIs (Metadata {}, Fetch {})",
            versions.len(),
            range(m::ApiKey::Metadata),
            range(m::ApiKey::Fetch)
        )];
        if missing.is_empty() {
            notes.push("every API kdeck uses is there".into());
        }
        if !optional.is_empty() {
            notes.push(format!("without {} (the commands that use them will fail)", optional.join(", ")));
        }
        if !essential.is_empty() {
            notes.push(format!("missing what kdeck needs to inspect a cluster: {}", essential.join(", ")));
            steps.push(StepName::ApiVersions, t, Status::Fail, notes.join("; "));
            return None;
        }
        steps.push(StepName::ApiVersions, t, Status::Pass, notes.join("; "));

        let t = Instant::now();
        match &cfg.sasl {
            None => steps.push(StepName::Sasl, t, Status::Skipped, "no SASL configured".into()),
            Some(mech) => match sasl::authenticate(&mut hs, &versions, mech).await {
                Ok(sasl::Authenticated { mut offered, .. }) => steps.push(
                    StepName::Sasl,
                    t,
                    Status::Pass,
                    format!("offers {}; authenticated with {mech:?}", {
                        offered.sort();
                        offered.join(", ")
                    }),
                ),
                Err(e) => {
                    steps.fail_from(StepName::Sasl, t, &e);
                    return None;
                }
            },
        }

        let t = Instant::now();
        let req = m::MetadataRequest::default().with_topics(Some(Vec::new())).with_allow_auto_topic_creation(false);
        let answer = match negotiate::<m::MetadataRequest>(&versions, addr) {
            Ok(v) => hs.roundtrip(&req, v).await,
            Err(e) => Err(e),
        };
        match answer {
            Ok(meta) => {
                let brokers: Vec<String> =
                    meta.brokers.iter().map(|b| format!("{} at {}:{}", b.node_id.0, b.host.as_str(), b.port)).collect();
                steps.push(StepName::Metadata, t, Status::Pass, format!("advertises broker {}", brokers.join(", ")));
                Some(meta)
            }
            Err(e) => {
                steps.fail_from(StepName::Metadata, t, &e);
                None
            }
        }
    }

    fn verify_hostname(&self) -> bool {
        self.cfg.tls.as_ref().is_some_and(|t| t.verify_hostname)
    }

    fn ca_used(&self) -> String {
        match self.cfg.tls.as_ref().and_then(|t| t.ca.as_ref()) {
            Some(PemSource::File(p)) => format!("the CA file {}", p.display()),
            Some(PemSource::Inline(_)) => "the inline CA (ssl.ca.pem)".into(),
            None => "the system's CA certificates".into(),
        }
    }
}

fn describe_cert(c: &CertSummary) -> String {
    format!("certificate {} for {}, issued by {}, valid until {}", c.subject, c.names.join(", "), c.issuer, c.not_after)
}

/// A failed handshake in words: which check failed, against what.
fn tls_failure(e: &std::io::Error, host: &str, mapped: bool, cert: Option<&CertSummary>, ca: &str) -> String {
    let text = e.to_string();
    match cert {
        Some(c) if mapped && (text.contains("NotValidForName") || !c.names_host(host) && text.contains("certificate")) => format!(
            "TLS name mismatch: the certificate is for {}, not for {host}, which the broker map sends there (does the map point {host} at the right broker?)",
            c.names.join(", ")
        ),
        Some(c) if text.contains("NotValidForName") || !c.names_host(host) && text.contains("certificate") => format!(
            "TLS name mismatch: the certificate is for {}, you connected to {host} (a tunnel? use --broker-map so kdeck checks the certificate against the broker's real name)",
            c.names.join(", ")
        ),
        Some(c) if text.contains("Expired") => format!("the certificate expired on {} ({})", c.not_after, describe_cert(c)),
        Some(c) if text.contains("UnknownIssuer") => format!(
            "the certificate is issued by {}, which {ca} does not trust: give that CA with ssl.ca.location / ssl.truststore.location (PEM)",
            c.issuer
        ),
        _ if text.contains("eof") => format!(
            "{text}: the port closed the connection instead of answering TLS (a PLAINTEXT or SASL_PLAINTEXT listener?)"
        ),
        _ => tls_hint(e),
    }
}

/// APIs kdeck uses that the broker lacks (or only in versions kdeck does not speak), and
/// whether inspection needs them.
fn missing_apis(versions: &HashMap<i16, (i16, i16)>, addr: &str) -> Vec<(&'static str, bool)> {
    fn lacks<R: KafkaRequest>(v: &HashMap<i16, (i16, i16)>, addr: &str) -> bool {
        negotiate::<R>(v, addr).is_err()
    }
    let checks: [(&'static str, bool, bool); 14] = [
        ("Metadata", true, lacks::<m::MetadataRequest>(versions, addr)),
        ("ListOffsets", true, lacks::<m::ListOffsetsRequest>(versions, addr)),
        ("FindCoordinator", true, lacks::<m::FindCoordinatorRequest>(versions, addr)),
        ("ListGroups", true, lacks::<m::ListGroupsRequest>(versions, addr)),
        ("DescribeGroups", true, lacks::<m::DescribeGroupsRequest>(versions, addr)),
        ("OffsetFetch", true, lacks::<m::OffsetFetchRequest>(versions, addr)),
        ("DescribeConfigs", true, lacks::<m::DescribeConfigsRequest>(versions, addr)),
        ("CreateTopics", false, lacks::<m::CreateTopicsRequest>(versions, addr)),
        ("DeleteTopics", false, lacks::<m::DeleteTopicsRequest>(versions, addr)),
        ("CreatePartitions", false, lacks::<m::CreatePartitionsRequest>(versions, addr)),
        ("IncrementalAlterConfigs", false, lacks::<m::IncrementalAlterConfigsRequest>(versions, addr)),
        ("AlterPartitionReassignments", false, lacks::<m::AlterPartitionReassignmentsRequest>(versions, addr)),
        ("ElectLeaders", false, lacks::<m::ElectLeadersRequest>(versions, addr)),
        ("DescribeLogDirs", false, lacks::<m::DescribeLogDirsRequest>(versions, addr)),
    ];
    checks.into_iter().filter(|(_, _, lacking)| *lacking).map(|(n, essential, _)| (n, essential)).collect()
}

/// MSK's port per authentication mode, for "you asked for IAM on the PLAINTEXT port".
fn msk_ports_hint(cfg: &ClientConfig, addr: &str) -> Option<String> {
    let (host, port) = split_host_port(addr)?;
    let asked = match (cfg.tls.is_some(), &cfg.sasl) {
        (_, Some(m)) if m.name() == "OAUTHBEARER" => "IAM",
        (_, Some(m)) if m.name().starts_with("SCRAM") => "SCRAM",
        (_, Some(m)) => m.name(),
        (true, None) => "TLS",
        (false, None) => "PLAINTEXT",
    };
    let serves = match port {
        9092 => "PLAINTEXT",
        9094 => "TLS",
        9096 => "SCRAM",
        9098 => "IAM",
        _ => return None,
    };
    // only for MSK's names: elsewhere these ports mean whatever the operator chose
    (serves != asked && host.ends_with(".amazonaws.com")).then(|| {
        format!(
            "advertised port {port} is {serves} on MSK but you asked for {asked}: MSK serves IAM on 9098, SCRAM on 9096, TLS on 9094, PLAINTEXT on 9092"
        )
    })
}

/// Whether a TCP step failed at the SOCKS5 proxy itself rather than beyond it.
fn proxy_down(cfg: &ClientConfig, detail: &str) -> bool {
    cfg.route.socks5.as_ref().is_some_and(|p| detail.starts_with(&format!("connecting to SOCKS5 proxy {p}:")))
}

fn verdicts(cfg: &ClientConfig, checks: &[Check], answered: Option<&str>) -> Vec<String> {
    let mut out = Vec::new();
    let reach = "reach the brokers' network (VPN), or tunnel with --socks5 HOST:PORT (ssh -D) or --broker-map ADVERTISED=LOCAL (ssh -L)";
    for check in checks {
        let Some(step) = check.failure() else { continue };
        let who = check.who();
        let before = match (check.broker, answered) {
            (Some(id), Some(boot)) => {
                format!("bootstrap {boot} answered, but broker {id} advertises {}", check.address)
            }
            _ => who.clone(),
        };
        let advertised = check.broker.is_some();
        let mut line = match (step.step, step.status) {
            (StepName::Dns, _) if advertised => format!(
                "{before}, which does not resolve from here: fix advertised.listeners (see the INTERNAL/EXTERNAL listener pattern) or {reach}"
            ),
            (StepName::Dns, _) => format!("{who} does not resolve from here ({}): check the name, or {reach}", step.detail),
            (StepName::Tcp, Status::Timeout) => format!(
                "{before}, which does not answer TCP within {:?} ({}): a firewall or security group drops it, or {reach}",
                cfg.connect_timeout, step.detail
            ),
            (StepName::Tcp, _) if proxy_down(cfg, &step.detail) => format!(
                "the SOCKS5 proxy {} refuses connections ({}): is it running (ssh -D PORT bastion) and is --socks5 its address?",
                cfg.route.socks5.as_deref().unwrap_or_default(),
                step.detail
            ),
            (StepName::Tcp, _) if advertised => format!(
                "{before}, which refuses connections from here ({}): nothing listens there (broker down, or advertised.listeners names the wrong port), or {reach}",
                step.detail
            ),
            (StepName::Tcp, _) => format!("{who} refuses connections ({}): is the port right and the broker up?", step.detail),
            (StepName::Tls, Status::Timeout) => format!("{who}: {} ", step.detail).trim_end().to_string(),
            (StepName::Tls, _) => format!("{who}: {}", step.detail),
            (name, Status::Timeout) => format!(
                "{who} accepted the connection but did not answer {} within its timeout ({}): a hung broker, or not a Kafka port",
                name.label(),
                step.detail
            ),
            (name, _) => format!("{who} failed at {}: {}", name.label(), step.detail),
        };
        if matches!(step.step, StepName::Tls | StepName::Sasl | StepName::Metadata | StepName::ApiVersions) {
            if let Some(hint) = msk_ports_hint(cfg, &check.address) {
                line.push_str(&format!("; {hint}"));
            }
        }
        if let Some(via) = &check.via {
            line.push_str(&format!(" [connected via {via}]"));
        }
        out.push(line);
    }
    if answered.is_none() && !checks.is_empty() && checks.iter().all(|c| c.broker.is_none()) {
        out.push("no bootstrap server answered Metadata, so the advertised brokers could not be checked".into());
    }
    if out.is_empty() {
        out.push(format!("all {} addresses passed every step", checks.len()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kafka::SaslMechanism;

    fn check(broker: Option<i32>, address: &str, failed: (StepName, Status, &str)) -> Check {
        let pass = |step| Step { step, status: Status::Pass, millis: 1, detail: String::new(), certificate: None };
        let mut steps: Vec<Step> = [StepName::Dns, StepName::Tcp, StepName::Tls, StepName::ApiVersions, StepName::Sasl]
            .into_iter()
            .take_while(|s| *s != failed.0)
            .map(pass)
            .collect();
        steps.push(Step { step: failed.0, status: failed.1, millis: 1, detail: failed.2.into(), certificate: None });
        Check { broker, address: address.into(), via: None, steps }
    }

    #[test]
    fn the_wrong_msk_port_for_the_auth_mode_is_named() {
        let cfg = ClientConfig {
            sasl: Some(SaslMechanism::ScramSha512 { username: "u".into(), password: "p".into() }),
            ..ClientConfig::default()
        };
        let addr = "b-1.demo.abc123.c2.kafka.us-east-2.amazonaws.com:9092";
        let failed = check(None, addr, (StepName::Sasl, Status::Fail, "ILLEGAL_SASL_STATE"));
        assert_eq!(
            verdicts(&cfg, &[failed], None),
            [
                format!("bootstrap {addr} failed at SASL: ILLEGAL_SASL_STATE; advertised port 9092 is PLAINTEXT on MSK but you asked for SCRAM: MSK serves IAM on 9098, SCRAM on 9096, TLS on 9094, PLAINTEXT on 9092"),
                "no bootstrap server answered Metadata, so the advertised brokers could not be checked".to_string(),
            ]
        );
        // not an MSK name: the port says nothing
        let failed = check(None, "kafka:9092", (StepName::Sasl, Status::Fail, "ILLEGAL_SASL_STATE"));
        assert_eq!(verdicts(&cfg, &[failed], None)[0], "bootstrap kafka:9092 failed at SASL: ILLEGAL_SASL_STATE");
    }

    #[test]
    fn a_silent_advertised_broker_is_a_timeout_at_its_step() {
        let cfg = ClientConfig::default();
        let boot = Check { broker: None, address: "10.0.0.1:9092".into(), via: None, steps: Vec::new() };
        let hung = check(
            Some(2),
            "ip-10-0-1-23.ec2.internal:9092",
            (StepName::Tcp, Status::Timeout, "connecting to ip-10-0-1-23.ec2.internal:9092 timed out after 5s"),
        );
        assert_eq!(
            verdicts(&cfg, &[boot, hung], Some("10.0.0.1:9092")),
            ["bootstrap 10.0.0.1:9092 answered, but broker 2 advertises ip-10-0-1-23.ec2.internal:9092, which does not answer TCP within 5s (connecting to ip-10-0-1-23.ec2.internal:9092 timed out after 5s): a firewall or security group drops it, or reach the brokers' network (VPN), or tunnel with --socks5 HOST:PORT (ssh -D) or --broker-map ADVERTISED=LOCAL (ssh -L)"]
        );
    }
}
