//! How a connection reaches an address: directly, through a `--broker-map` entry (an `ssh -L`
//! tunnel's local end), or through a SOCKS5 proxy that resolves the name on its side (`ssh -D`).
//! The connection keeps the address the cluster advertises as its identity (TLS checks the
//! certificate against that host), only the dial goes elsewhere.

use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Where connections really go. Empty: straight to the advertised address.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Route {
    /// advertised `host:port` → `host:port` to dial instead.
    pub broker_map: BTreeMap<String, String>,
    /// `host:port` of a SOCKS5 proxy (no authentication) that every connection goes through.
    pub socks5: Option<String>,
}

/// Why a dial failed, by the step that failed.
#[derive(Debug)]
pub enum DialError {
    Timeout {
        to: String,
        after: Duration,
    },
    Io {
        to: String,
        source: std::io::Error,
    },
    /// The proxy answered but would not connect to the address.
    Proxy {
        proxy: String,
        target: String,
        message: String,
    },
}

impl fmt::Display for DialError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DialError::Timeout { to, after } => write!(f, "connecting to {to} timed out after {after:?}"),
            DialError::Io { to, source } => write!(f, "connecting to {to}: {source}"),
            DialError::Proxy { proxy, target, message } => {
                write!(f, "SOCKS5 proxy {proxy} could not reach {target}: {message}")
            }
        }
    }
}

impl Route {
    pub fn is_direct(&self) -> bool {
        self.broker_map.is_empty() && self.socks5.is_none()
    }

    /// The address to dial for an advertised one (the broker map's entry, or itself).
    pub fn target<'a>(&'a self, addr: &'a str) -> &'a str {
        self.broker_map.get(addr).map(String::as_str).unwrap_or(addr)
    }

    /// One line for headers and `doctor`: "broker map b-1:9092→127.0.0.1:9093; SOCKS5 127.0.0.1:1080".
    pub fn describe(&self) -> Option<String> {
        let mut parts = Vec::new();
        if !self.broker_map.is_empty() {
            let pairs: Vec<String> = self.broker_map.iter().map(|(a, t)| format!("{a}→{t}")).collect();
            parts.push(format!("broker map {}", pairs.join(", ")));
        }
        if let Some(p) = &self.socks5 {
            parts.push(format!("SOCKS5 proxy {p} (names resolved on its side)"));
        }
        (!parts.is_empty()).then(|| parts.join("; "))
    }

    /// A few words for the console's header: "via SOCKS5 127.0.0.1:1080", "via broker map (3)".
    pub fn badge(&self) -> Option<String> {
        let map = (!self.broker_map.is_empty()).then(|| format!("broker map ({})", self.broker_map.len()));
        let proxy = self.socks5.as_ref().map(|p| format!("SOCKS5 {p}"));
        match (proxy, map) {
            (None, None) => None,
            (Some(p), Some(m)) => Some(format!("via {p} + {m}")),
            (Some(one), None) | (None, Some(one)) => Some(format!("via {one}")),
        }
    }

    /// A TCP stream to `addr` (advertised `host:port`) the way this route goes, within `timeout`.
    pub async fn dial(&self, addr: &str, timeout: Duration) -> Result<TcpStream, DialError> {
        let target = self.target(addr);
        match &self.socks5 {
            None => match tokio::time::timeout(timeout, TcpStream::connect(target)).await {
                Err(_) => Err(DialError::Timeout { to: target.to_string(), after: timeout }),
                Ok(Err(source)) => Err(DialError::Io { to: target.to_string(), source }),
                Ok(Ok(s)) => Ok(s),
            },
            Some(proxy) => match tokio::time::timeout(timeout, socks5_connect(proxy, target)).await {
                Err(_) => Err(DialError::Timeout { to: format!("{target} via SOCKS5 {proxy}"), after: timeout }),
                Ok(r) => r,
            },
        }
    }
}

/// Parses `advertised=host:port,…` (what `--broker-map` and `broker.map` take).
pub fn parse_broker_map(text: &str) -> Result<BTreeMap<String, String>, String> {
    let mut map = BTreeMap::new();
    for entry in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let (from, to) = entry
            .split_once('=')
            .ok_or_else(|| format!("broker map entry {entry:?}: expected ADVERTISED_HOST:PORT=HOST:PORT"))?;
        for side in [from.trim(), to.trim()] {
            if split_host_port(side).is_none() {
                return Err(format!("broker map entry {entry:?}: {side:?} is not host:port"));
            }
        }
        map.insert(from.trim().to_string(), to.trim().to_string());
    }
    if map.is_empty() {
        return Err("empty broker map (expected ADVERTISED_HOST:PORT=HOST:PORT,…)".into());
    }
    Ok(map)
}

/// `host:port` → (host, port); IPv6 as `[::1]:9092`.
pub fn split_host_port(addr: &str) -> Option<(&str, u16)> {
    let (host, port) = addr.rsplit_once(':')?;
    let host = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
    let port = port.parse().ok()?;
    (!host.is_empty()).then_some((host, port))
}

/// RFC 1928 CONNECT without authentication; a name goes to the proxy unresolved (ATYP 3).
async fn socks5_connect(proxy: &str, target: &str) -> Result<TcpStream, DialError> {
    let io = |source| DialError::Io { to: format!("SOCKS5 proxy {proxy}"), source };
    let refused = |message: String| DialError::Proxy { proxy: proxy.to_string(), target: target.to_string(), message };
    let (host, port) = split_host_port(target).ok_or_else(|| refused("not host:port".into()))?;
    let mut s = TcpStream::connect(proxy).await.map_err(io)?;
    let _ = s.set_nodelay(true);
    s.write_all(&[5, 1, 0]).await.map_err(io)?;
    let mut choice = [0u8; 2];
    s.read_exact(&mut choice).await.map_err(io)?;
    if choice != [5, 0] {
        return Err(refused(format!(
            "the proxy wants authentication (method {}); kdeck speaks SOCKS5 without authentication",
            choice[1]
        )));
    }
    let mut req = vec![5, 1, 0];
    match host.parse::<IpAddr>() {
        Ok(IpAddr::V4(ip)) => {
            req.push(1);
            req.extend_from_slice(&ip.octets());
        }
        Ok(IpAddr::V6(ip)) => {
            req.push(4);
            req.extend_from_slice(&ip.octets());
        }
        Err(_) => {
            let name = host.as_bytes();
            let len = u8::try_from(name.len()).map_err(|_| refused("host name longer than 255 bytes".into()))?;
            req.push(3);
            req.push(len);
            req.extend_from_slice(name);
        }
    }
    req.extend_from_slice(&port.to_be_bytes());
    s.write_all(&req).await.map_err(io)?;
    let mut head = [0u8; 4];
    s.read_exact(&mut head).await.map_err(io)?;
    if head[1] != 0 {
        return Err(refused(socks5_reply(head[1]).to_string()));
    }
    let rest = match head[3] {
        1 => 4 + 2,
        4 => 16 + 2,
        3 => usize::from(s.read_u8().await.map_err(io)?) + 2,
        other => return Err(refused(format!("malformed reply (address type {other})"))),
    };
    let mut bound = vec![0u8; rest];
    s.read_exact(&mut bound).await.map_err(io)?;
    Ok(s)
}

fn socks5_reply(code: u8) -> &'static str {
    match code {
        1 => "general failure",
        2 => "not allowed by the proxy's rules",
        3 => "network unreachable from the proxy",
        4 => "host unreachable from the proxy (does the name resolve on the proxy's side?)",
        5 => "connection refused by the broker address",
        6 => "TTL expired",
        7 => "command not supported",
        8 => "address type not supported",
        _ => "unknown error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broker_maps_parse_and_bad_entries_are_named() {
        let m = parse_broker_map("b-1.x:9092=127.0.0.1:9093, [::1]:1=h:2").unwrap();
        assert_eq!(m["b-1.x:9092"], "127.0.0.1:9093");
        assert_eq!(m["[::1]:1"], "h:2");
        assert_eq!(
            parse_broker_map("b-1:9092").unwrap_err(),
            "broker map entry \"b-1:9092\": expected ADVERTISED_HOST:PORT=HOST:PORT"
        );
        assert_eq!(
            parse_broker_map("b-1:9092=h").unwrap_err(),
            "broker map entry \"b-1:9092=h\": \"h\" is not host:port"
        );
        let r = Route { broker_map: m, socks5: Some("127.0.0.1:1080".into()) };
        assert_eq!(r.target("b-1.x:9092"), "127.0.0.1:9093");
        assert_eq!(r.target("other:1"), "other:1");
        assert_eq!(r.badge().unwrap(), "via SOCKS5 127.0.0.1:1080 + broker map (2)");
        assert_eq!(Route::default().badge(), None);
        assert_eq!(
            r.describe().unwrap(),
            "broker map [::1]:1→h:2, b-1.x:9092→127.0.0.1:9093; SOCKS5 proxy 127.0.0.1:1080 (names resolved on its side)"
        );
    }
}
