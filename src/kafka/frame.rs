//! Kafka's framing: a request or response is a 4-byte length and the encoded message. Used
//! twice: on the raw stream during the handshake (ApiVersions, then SASL), before a connection
//! starts pipelining ([`super::conn`]), and by the pipelined connection itself.

use std::collections::HashMap;
use std::time::Duration;

use bytes::{BufMut, Bytes, BytesMut};
use kafka_protocol::messages::{ApiKey, ApiVersionsRequest, RequestHeader, ResponseHeader};
use kafka_protocol::protocol::{Decodable, Encodable, HeaderVersion, StrBytes};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use super::error::{KafkaError, Result};
use super::proto::KafkaRequest;
use super::stats::{self, RequestStats};

/// Largest response we accept; protects against reading garbage (e.g. a TLS alert on a
/// plaintext port) as a gigantic length.
const MAX_FRAME: usize = 256 * 1024 * 1024;

pub trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

pub(crate) fn negotiate<R: KafkaRequest>(versions: &HashMap<i16, (i16, i16)>, addr: &str) -> Result<i16> {
    let ours = R::VERSIONS;
    let Some(&(bmin, bmax)) = versions.get(&(R::KEY as i16)) else {
        return Err(KafkaError::UnsupportedVersion {
            addr: addr.to_string(),
            api: format!("{:?}", R::KEY),
            broker_min: -1,
            broker_max: -1,
            ours_min: ours.min,
            ours_max: ours.max,
        });
    };
    let max = ours.max.min(bmax);
    if max < ours.min.max(bmin) {
        return Err(KafkaError::UnsupportedVersion {
            addr: addr.to_string(),
            api: format!("{:?}", R::KEY),
            broker_min: bmin,
            broker_max: bmax,
            ours_min: ours.min,
            ours_max: ours.max,
        });
    }
    Ok(max)
}

pub(crate) fn encode_request<R: KafkaRequest>(
    req: &R,
    version: i16,
    correlation: i32,
    client_id: &StrBytes,
    addr: &str,
) -> Result<Bytes> {
    let header = RequestHeader::default()
        .with_request_api_key(R::KEY as i16)
        .with_request_api_version(version)
        .with_correlation_id(correlation)
        .with_client_id(Some(client_id.clone()));
    let header_version = R::header_version(version);
    let proto = |e: anyhow::Error| KafkaError::Protocol {
        addr: addr.to_string(),
        api: format!("{:?}", R::KEY),
        message: e.to_string(),
    };
    let size = header.compute_size(header_version).map_err(proto)? + req.compute_size(version).map_err(proto)?;
    let mut buf = BytesMut::with_capacity(size + 4);
    buf.put_i32(size as i32);
    header.encode(&mut buf, header_version).map_err(proto)?;
    req.encode(&mut buf, version).map_err(proto)?;
    Ok(buf.freeze())
}

pub(crate) fn decode_response<R: KafkaRequest>(mut bytes: Bytes, version: i16, addr: &str) -> Result<R::Response> {
    let proto = |e: anyhow::Error| KafkaError::Protocol {
        addr: addr.to_string(),
        api: format!("{:?}", R::KEY),
        message: e.to_string(),
    };
    ResponseHeader::decode(&mut bytes, R::Response::header_version(version)).map_err(proto)?;
    R::Response::decode(&mut bytes, version).map_err(proto)
}

pub(crate) async fn read_frame<T: AsyncRead + Unpin>(rd: &mut T) -> std::io::Result<Bytes> {
    let len = rd.read_u32().await? as usize;
    if len > MAX_FRAME {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("frame of {len} bytes: not a Kafka response (TLS port spoken to in plaintext, or the wrong port?)"),
        ));
    }
    let mut buf = BytesMut::zeroed(len);
    rd.read_exact(&mut buf).await?;
    Ok(buf.freeze())
}

/// Request/response on the raw stream before pipelining starts (ApiVersions, SASL).
pub struct Handshake<'a> {
    io: &'a mut Box<dyn Io>,
    pub addr: &'a str,
    client_id: &'a StrBytes,
    correlation: i32,
    timeout: Duration,
    stats: Option<RequestStats>,
}

impl<'a> Handshake<'a> {
    pub fn new(io: &'a mut Box<dyn Io>, addr: &'a str, client_id: &'a StrBytes, timeout: Duration) -> Handshake<'a> {
        Handshake { io, addr, client_id, correlation: 0, timeout, stats: None }
    }

    /// Counts the handshake's requests into `stats`.
    pub fn counting(mut self, stats: Option<RequestStats>) -> Self {
        self.stats = stats;
        self
    }

    /// The correlation id the pipelined connection continues with.
    pub fn next_correlation(&self) -> i32 {
        self.correlation
    }

    pub async fn roundtrip<R: KafkaRequest>(&mut self, req: &R, version: i16) -> Result<R::Response> {
        let correlation = self.correlation;
        self.correlation += 1;
        let frame = encode_request(req, version, correlation, self.client_id, self.addr)?;
        let sent = frame.len();
        let addr = self.addr.to_string();
        let io = &mut *self.io;
        let exchange = async move {
            io.write_all(&frame).await?;
            io.flush().await?;
            read_frame(io).await
        };
        let answer = tokio::time::timeout(self.timeout, exchange).await;
        let received = match &answer {
            Ok(Ok(b)) => b.len() + 4,
            _ => 0,
        };
        stats::record(self.stats.as_ref(), R::KEY, self.addr, sent, received);
        let bytes = match answer {
            Err(_) => return Err(KafkaError::Timeout { addr, api: format!("{:?}", R::KEY), after: self.timeout }),
            Ok(Err(e)) => {
                let reason = if e.kind() == std::io::ErrorKind::UnexpectedEof {
                    "the broker closed the connection (wrong security protocol for this port? e.g. PLAINTEXT client on a SASL or SSL listener)".to_string()
                } else {
                    e.to_string()
                };
                return Err(KafkaError::Disconnected { addr, reason: Some(reason) });
            }
            Ok(Ok(b)) => b,
        };
        decode_response::<R>(bytes, version, self.addr)
    }

    pub(crate) async fn api_versions(&mut self) -> Result<HashMap<i16, (i16, i16)>> {
        let req = ApiVersionsRequest::default()
            .with_client_software_name(StrBytes::from_static_str("kdeck"))
            .with_client_software_version(StrBytes::from_static_str(env!("CARGO_PKG_VERSION")));
        // v3 is understood by every broker since 2.4; older ones answer UNSUPPORTED_VERSION in v0 form.
        let resp = match self.roundtrip(&req, 3).await {
            Ok(r) if r.error_code == 0 => r,
            Ok(r) if r.error_code == 35 => self.roundtrip(&req, 0).await?,
            Ok(r) => return Err(KafkaError::broker(ApiKey::ApiVersions, r.error_code, None)),
            Err(KafkaError::Protocol { .. }) => self.roundtrip(&req, 0).await?,
            Err(e) => return Err(e),
        };
        if resp.error_code != 0 {
            return Err(KafkaError::broker(ApiKey::ApiVersions, resp.error_code, None));
        }
        Ok(resp.api_keys.iter().map(|k| (k.api_key, (k.min_version, k.max_version))).collect())
    }
}
