//! How a connection proves who it is and protects the wire: TLS (rustls) and SASL.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

use super::error::{KafkaError, Result};

/// Everything about authentication and encryption for every connection of a client.
#[derive(Clone, Default)]
pub struct Security {
    pub tls: Option<Tls>,
    pub sasl: Option<SaslMechanism>,
}

/// A SASL mechanism with its credentials.
#[derive(Clone)]
pub enum SaslMechanism {
    Plain {
        username: String,
        password: String,
    },
    ScramSha256 {
        username: String,
        password: String,
    },
    ScramSha512 {
        username: String,
        password: String,
    },
    /// OAUTHBEARER: the token comes from a provider (MSK IAM signs one per connection).
    OAuthBearer(Arc<dyn TokenProvider>),
}

impl SaslMechanism {
    pub fn name(&self) -> &'static str {
        match self {
            SaslMechanism::Plain { .. } => "PLAIN",
            SaslMechanism::ScramSha256 { .. } => "SCRAM-SHA-256",
            SaslMechanism::ScramSha512 { .. } => "SCRAM-SHA-512",
            SaslMechanism::OAuthBearer(_) => "OAUTHBEARER",
        }
    }
}

impl fmt::Debug for SaslMechanism {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // never print secrets
        match self {
            SaslMechanism::Plain { username, .. }
            | SaslMechanism::ScramSha256 { username, .. }
            | SaslMechanism::ScramSha512 { username, .. } => write!(f, "{} as {username}", self.name()),
            SaslMechanism::OAuthBearer(_) => write!(f, "OAUTHBEARER"),
        }
    }
}

/// Supplies OAUTHBEARER tokens (e.g. a SigV4-signed MSK IAM token); called once per connection.
pub trait TokenProvider: Send + Sync {
    fn token(&self) -> std::result::Result<String, String>;
    /// What kind of token it is, so a refusal can be explained.
    fn kind(&self) -> TokenKind {
        TokenKind::Other
    }
}

/// Which OAUTHBEARER token source a connection uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    MskIam,
    Other,
}

/// Where TLS material comes from. PEM only: Java keystores (JKS/PKCS12) are refused with a hint.
#[derive(Clone, Debug, Default)]
pub struct TlsOptions {
    /// CA bundle to trust instead of the system roots.
    pub ca: Option<PemSource>,
    /// Client certificate chain and key for mTLS.
    pub client_cert: Option<PemSource>,
    pub client_key: Option<PemSource>,
    /// Check that the certificate names the host we dialled (Java: ssl.endpoint.identification.algorithm=https).
    pub verify_hostname: bool,
}

#[derive(Clone)]
pub enum PemSource {
    File(PathBuf),
    Inline(String),
}

impl fmt::Debug for PemSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PemSource::File(p) => f.debug_tuple("File").field(p).finish(),
            // inline PEM may be a private key
            PemSource::Inline(text) => write!(f, "Inline(<{} bytes>)", text.len()),
        }
    }
}

impl PemSource {
    fn read(&self, what: &str) -> Result<Vec<u8>> {
        match self {
            PemSource::Inline(s) => Ok(s.as_bytes().to_vec()),
            PemSource::File(p) => {
                std::fs::read(p).map_err(|e| KafkaError::Config(format!("cannot read {what} {}: {e}", p.display())))
            }
        }
    }
}

/// A ready TLS connector (built once per client, shared by its connections).
#[derive(Clone)]
pub struct Tls {
    connector: TlsConnector,
    config: Arc<rustls::ClientConfig>,
    verifier: Checked,
}

impl Tls {
    pub fn new(opts: &TlsOptions) -> Result<Tls> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = RootCertStore::empty();
        match &opts.ca {
            Some(src) => {
                let pem = src.read("CA file")?;
                let certs = parse_certs(&pem, "CA file")?;
                for c in certs {
                    roots.add(c).map_err(|e| KafkaError::Config(format!("CA file: {e}")))?;
                }
            }
            None => {
                let found = rustls_native_certs::load_native_certs();
                for c in found.certs {
                    let _ = roots.add(c);
                }
                if roots.is_empty() {
                    return Err(KafkaError::Config(
                        "no system CA certificates found; give the CA with ssl.truststore.location (PEM)".into(),
                    ));
                }
            }
        }
        let roots = Arc::new(roots);
        let webpki = WebPkiServerVerifier::builder_with_provider(roots, provider.clone())
            .build()
            .map_err(|e| KafkaError::Config(format!("TLS verifier: {e}")))?;
        let builder = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| KafkaError::Config(format!("TLS: {e}")))?;
        let verifier = Checked { webpki, check_name: opts.verify_hostname, seen: None };
        let builder = builder.dangerous().with_custom_certificate_verifier(Arc::new(verifier.clone()));
        let config = match (&opts.client_cert, &opts.client_key) {
            (Some(cert), Some(key)) => {
                let chain = parse_certs(&cert.read("client certificate")?, "client certificate")?;
                let key_pem = key.read("client key")?;
                let key = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|e| {
                    KafkaError::Config(format!(
                        "client key: {e} (expected an unencrypted PEM private key; encrypted keys are not supported yet)"
                    ))
                })?;
                builder
                    .with_client_auth_cert(chain, key)
                    .map_err(|e| KafkaError::Config(format!("client certificate/key: {e}")))?
            }
            (None, None) => builder.with_no_client_auth(),
            _ => return Err(KafkaError::Config("mTLS needs both a client certificate and its key".into())),
        };
        let config = Arc::new(config);
        Ok(Tls { connector: TlsConnector::from(config.clone()), config, verifier })
    }

    /// A handshake that also hands back the certificate chain the server sent, whether or not
    /// it verified (for `doctor`: "the certificate is for …, signed by …").
    pub async fn connect_inspect(
        &self,
        host: &str,
        tcp: TcpStream,
    ) -> (std::io::Result<TlsStream<TcpStream>>, Vec<CertificateDer<'static>>) {
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut config = (*self.config).clone();
        config
            .dangerous()
            .set_certificate_verifier(Arc::new(Checked { seen: Some(seen.clone()), ..self.verifier.clone() }));
        let name = match ServerName::try_from(host.to_string()) {
            Ok(n) => n,
            Err(e) => {
                let e =
                    std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("bad TLS server name {host}: {e}"));
                return (Err(e), Vec::new());
            }
        };
        let result = TlsConnector::from(Arc::new(config)).connect(name, tcp).await;
        let chain = seen.lock().map(|c| c.clone()).unwrap_or_default();
        (result, chain)
    }

    pub async fn connect(&self, host: &str, tcp: TcpStream) -> std::io::Result<TlsStream<TcpStream>> {
        let name = ServerName::try_from(host.to_string()).map_err(|e| {
            std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("bad TLS server name {host}: {e}"))
        })?;
        self.connector.connect(name, tcp).await
    }
}

fn parse_certs(pem: &[u8], what: &str) -> Result<Vec<CertificateDer<'static>>> {
    let certs: Vec<_> = CertificateDer::pem_slice_iter(pem)
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| KafkaError::Config(format!("{what}: {e}")))?;
    if certs.is_empty() {
        return Err(KafkaError::Config(format!(
            "{what}: no PEM certificate found (JKS/PKCS12 stores are not supported: export PEM with `keytool -exportcert -rfc`)"
        )));
    }
    Ok(certs)
}

/// Verifies the chain like webpki; with `check_name` false it accepts a certificate that names
/// another host, which is what Java clients do with an empty ssl.endpoint.identification.algorithm.
/// With `seen`, it first keeps the chain the server presented (for `doctor`).
#[derive(Clone, Debug)]
struct Checked {
    webpki: Arc<WebPkiServerVerifier>,
    check_name: bool,
    seen: Option<Arc<std::sync::Mutex<Vec<CertificateDer<'static>>>>>,
}

impl ServerCertVerifier for Checked {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        if let Some(Ok(mut seen)) = self.seen.as_ref().map(|s| s.lock()) {
            *seen = std::iter::once(end_entity).chain(intermediates).map(|c| c.clone().into_owned()).collect();
        }
        match self.webpki.verify_server_cert(end_entity, intermediates, server_name, ocsp, now) {
            Err(rustls::Error::InvalidCertificate(CertificateError::NotValidForName))
            | Err(rustls::Error::InvalidCertificate(CertificateError::NotValidForNameContext { .. }))
                if !self.check_name =>
            {
                Ok(ServerCertVerified::assertion())
            }
            other => other,
        }
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls12_signature(message, cert, dss)
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls13_signature(message, cert, dss)
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.webpki.supported_verify_schemes()
    }
}
