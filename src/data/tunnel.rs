//! `--broker-map` and `--socks5` for librdkafka. librdkafka resolves every broker name itself
//! (bootstrap and advertised), so kdeck installs its address resolution callback
//! (`rd_kafka_conf_set_resolve_cb`, a getaddrinfo replacement): a mapped address resolves to its
//! map entry; with a SOCKS5 proxy every address resolves to a loopback forwarder that relays
//! through the proxy with the name unresolved (what `socks5h` means). librdkafka keeps the
//! broker's advertised name as its identity, so TLS still sends that name (SNI) and checks the
//! certificate against it.

use std::collections::HashMap;
use std::ffi::{c_char, c_int, c_void, CStr, CString};
use std::net::SocketAddr;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use rdkafka::bindings::rd_kafka_conf_t;

use crate::kafka::Route;

/// What the resolve callback needs; lives in the client's context (librdkafka's opaque).
#[derive(Clone, Debug, Default)]
pub struct Tunnel {
    pub route: Route,
    pub connect_timeout: Duration,
}

type ResolveCb = unsafe extern "C" fn(
    node: *const c_char,
    service: *const c_char,
    hints: *const libc::addrinfo,
    res: *mut *mut libc::addrinfo,
    opaque: *mut c_void,
) -> c_int;

// rdkafka-sys' bindings leave this one out; the symbol is in the librdkafka it links (2.12.1).
extern "C" {
    fn rd_kafka_conf_set_resolve_cb(conf: *mut rd_kafka_conf_t, resolve_cb: Option<ResolveCb>);
}

/// The part of a client context the resolve callback reads. librdkafka hands the callback the
/// configuration's opaque, which rdkafka sets to the client's context.
pub trait HasTunnel {
    fn tunnel(&self) -> &Tunnel;
}

/// Installs the resolve callback for a client whose context is a `C` (only when the route is not
/// direct: then librdkafka resolves as it always does).
///
/// # Safety
/// `conf` must be a live configuration that becomes a client whose opaque is a `*const C`
/// (rdkafka's `Client::new` sets it so) living as long as the client.
pub unsafe fn install<C: HasTunnel>(conf: *mut rd_kafka_conf_t, tunnel: &Tunnel) {
    if !tunnel.route.is_direct() {
        rd_kafka_conf_set_resolve_cb(conf, Some(resolve::<C>));
    }
}

/// librdkafka's contract: called like getaddrinfo(3); called with node, service and hints all
/// NULL it must free `*res`, which it allocated. Every `*res` here comes from libc's getaddrinfo,
/// so freeaddrinfo frees it.
unsafe extern "C" fn resolve<C: HasTunnel>(
    node: *const c_char,
    service: *const c_char,
    hints: *const libc::addrinfo,
    res: *mut *mut libc::addrinfo,
    opaque: *mut c_void,
) -> c_int {
    if node.is_null() && service.is_null() && hints.is_null() {
        if !res.is_null() && !(*res).is_null() {
            libc::freeaddrinfo(*res);
        }
        return 0;
    }
    if node.is_null() || opaque.is_null() {
        return libc::getaddrinfo(node, service, hints, res);
    }
    let context = &*(opaque as *const C);
    let host = CStr::from_ptr(node).to_string_lossy().into_owned();
    let port = if service.is_null() { String::new() } else { CStr::from_ptr(service).to_string_lossy().into_owned() };
    // no unwinding into C
    let redirected = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        redirect(context.tunnel(), &join_host_port(&host, &port))
    }));
    match redirected {
        Ok(Ok(Some((to_host, to_port)))) => match (CString::new(to_host), CString::new(to_port)) {
            (Ok(h), Ok(p)) => libc::getaddrinfo(h.as_ptr(), p.as_ptr(), hints, res),
            _ => libc::EAI_NONAME,
        },
        Ok(Ok(None)) => libc::getaddrinfo(node, service, hints, res),
        Ok(Err(e)) => {
            tracing::warn!(address = %join_host_port(&host, &port), error = %e, "SOCKS5 forwarder");
            libc::EAI_FAIL
        }
        Err(_) => libc::EAI_FAIL,
    }
}

fn join_host_port(host: &str, port: &str) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// Where librdkafka should really connect for an advertised `host:port`: the broker map's entry,
/// or with a proxy the loopback forwarder for it; None: resolve it as it is.
pub fn redirect(tunnel: &Tunnel, addr: &str) -> Result<Option<(String, String)>, String> {
    if tunnel.route.socks5.is_some() {
        let local = forwarder(tunnel, addr)?;
        return Ok(Some((local.ip().to_string(), local.port().to_string())));
    }
    let target = tunnel.route.target(addr);
    if target == addr {
        return Ok(None);
    }
    let (host, port) = crate::kafka::route::split_host_port(target)
        .ok_or_else(|| format!("broker map entry for {addr}: {target:?} is not host:port"))?;
    Ok(Some((host.to_string(), port.to_string())))
}

/// The loopback listener that relays to `addr` the way `tunnel.route` goes; one per route and
/// address for the life of the process (librdkafka reconnects to the same address, and a peek
/// creates a client each time).
fn forwarder(tunnel: &Tunnel, addr: &str) -> Result<SocketAddr, String> {
    static LISTENERS: OnceLock<Mutex<HashMap<(String, String), SocketAddr>>> = OnceLock::new();
    let key = (format!("{:?}", tunnel.route), addr.to_string());
    let mut listeners = LISTENERS.get_or_init(Default::default).lock().map_err(|_| "forwarder registry poisoned")?;
    if let Some(local) = listeners.get(&key) {
        return Ok(*local);
    }
    let runtime = forwarder_runtime()?;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| format!("loopback listener: {e}"))?;
    listener.set_nonblocking(true).map_err(|e| format!("loopback listener: {e}"))?;
    let local = listener.local_addr().map_err(|e| format!("loopback listener: {e}"))?;
    let (route, target, timeout) = (tunnel.route.clone(), addr.to_string(), tunnel.connect_timeout);
    runtime.spawn(async move {
        let listener = match tokio::net::TcpListener::from_std(listener) {
            Ok(l) => l,
            Err(e) => return tracing::warn!(error = %e, "SOCKS5 forwarder listener"),
        };
        tracing::debug!(%local, %target, "SOCKS5 forwarder listening");
        while let Ok((mut inbound, _)) = listener.accept().await {
            let (route, target) = (route.clone(), target.clone());
            tokio::spawn(async move {
                match route.dial(&target, timeout).await {
                    Ok(mut upstream) => {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut upstream).await;
                    }
                    // dropping the inbound connection: librdkafka reports the broker down and retries
                    Err(e) => tracing::warn!(error = %e, "SOCKS5 forwarder"),
                }
            });
        }
    });
    listeners.insert(key, local);
    Ok(local)
}

/// The forwarders' own runtime: the resolve callback runs on librdkafka's threads, outside any.
fn forwarder_runtime() -> Result<&'static tokio::runtime::Runtime, String> {
    static RUNTIME: OnceLock<Result<tokio::runtime::Runtime, String>> = OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .thread_name("kdeck-socks5")
                .enable_all()
                .build()
                .map_err(|e| format!("SOCKS5 forwarder runtime: {e}"))
        })
        .as_ref()
        .map_err(Clone::clone)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mapped_address_resolves_to_its_entry_and_others_stay() {
        let route = Route {
            broker_map: crate::kafka::route::parse_broker_map("kafka-1.kdeck.invalid:45094=127.0.0.1:19092").unwrap(),
            socks5: None,
        };
        let tunnel = Tunnel { route, connect_timeout: Duration::from_secs(1) };
        assert_eq!(
            redirect(&tunnel, "kafka-1.kdeck.invalid:45094").unwrap(),
            Some(("127.0.0.1".to_string(), "19092".to_string()))
        );
        assert_eq!(redirect(&tunnel, "127.0.0.1:45094").unwrap(), None);
        assert_eq!(join_host_port("::1", "9092"), "[::1]:9092");
    }

    #[test]
    fn with_a_proxy_each_address_gets_one_loopback_forwarder() {
        let route = Route { broker_map: Default::default(), socks5: Some("127.0.0.1:1".into()) };
        let tunnel = Tunnel { route, connect_timeout: Duration::from_secs(1) };
        let a = redirect(&tunnel, "a.kdeck.invalid:1").unwrap().unwrap();
        let again = redirect(&tunnel, "a.kdeck.invalid:1").unwrap().unwrap();
        let b = redirect(&tunnel, "b.kdeck.invalid:1").unwrap().unwrap();
        assert_eq!(a.0, "127.0.0.1");
        assert_eq!(a, again, "one forwarder per address");
        assert_ne!(a.1, b.1);
    }
}
