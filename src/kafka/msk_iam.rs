//! MSK IAM authentication: the SASL OAUTHBEARER token is a SigV4-presigned
//! `GET https://kafka.REGION.amazonaws.com/?Action=kafka-cluster%3AConnect` (service `kafka-cluster`,
//! 900 s, signed header `host`) with `User-Agent` appended after signing, base64url without
//! padding; the payload hash in the signature is that of the empty body (as botocore presigns) —
//! the format of AWS's Go and Python signers (tests/msk/token.rs compares with the Python
//! one byte for byte).
//!
//! Credentials come from a provider (aws-config's default chain); a background task keeps a fresh
//! copy, so a token is signed synchronously when a connection opens — also from librdkafka's
//! OAUTHBEARER refresh callback, which must not block on the async runtime.

use std::fmt;
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_credential_types::Credentials;
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SignatureLocation, SigningSettings};
use aws_sigv4::sign::v4;

use super::security::{TokenKind, TokenProvider};

/// How long a token is valid (the signers' default; MSK accepts up to 900 s).
pub const TOKEN_LIFETIME: Duration = Duration::from_secs(900);
/// kdeck's User-Agent inside the token (not signed; MSK logs it).
pub const USER_AGENT: &str = concat!("kdeck/", env!("CARGO_PKG_VERSION"));
/// Credentials are fetched again this long before they expire (aws-config's own caches use 5 min).
const REFRESH_AHEAD: Duration = Duration::from_secs(300);
/// Credentials without an expiry (keys in env or a profile) are re-read this often anyway, so a
/// rotated key file is picked up.
const REREAD_EVERY: Duration = Duration::from_secs(600);
/// After a failed refresh, try again after this long.
const RETRY_AFTER: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum IamError {
    #[error("cannot sign the MSK IAM token: {0}")]
    Sign(String),
    #[error("no AWS credentials: {0} (set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, run `aws sso login`, or use an instance role)")]
    NoCredentials(String),
}

/// The token for `credentials` in `region`, signed at `at`.
pub fn token(credentials: &Credentials, region: &str, at: SystemTime, user_agent: &str) -> Result<String, IamError> {
    let host = format!("kafka.{region}.amazonaws.com");
    let url = format!("https://{host}/?Action=kafka-cluster%3AConnect");
    let identity = credentials.clone().into();
    let mut settings = SigningSettings::default();
    settings.signature_location = SignatureLocation::QueryParams;
    settings.expires_in = Some(TOKEN_LIFETIME);
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name("kafka-cluster")
        .time(at)
        .settings(settings)
        .build()
        .map_err(|e| IamError::Sign(e.to_string()))?
        .into();
    let request =
        SignableRequest::new("GET", url.as_str(), std::iter::once(("host", host.as_str())), SignableBody::Bytes(&[]))
            .map_err(|e| IamError::Sign(e.to_string()))?;
    let (instructions, _signature) = sign(request, &params).map_err(|e| IamError::Sign(e.to_string()))?.into_parts();
    // botocore's order (the signers' tokens are compared byte for byte): the signing parameters,
    // the session token, the signature, then the User-Agent
    const ORDER: [&str; 7] = [
        "X-Amz-Algorithm",
        "X-Amz-Credential",
        "X-Amz-Date",
        "X-Amz-Expires",
        "X-Amz-SignedHeaders",
        "X-Amz-Security-Token",
        "X-Amz-Signature",
    ];
    let mut query: Vec<(&str, &str)> = instructions.params().iter().map(|(k, v)| (*k, v.as_ref())).collect();
    query.sort_by_key(|(k, _)| ORDER.iter().position(|o| o == k).unwrap_or(ORDER.len()));
    let mut signed = url;
    for (k, v) in query.into_iter().chain(std::iter::once(("User-Agent", user_agent))) {
        signed.push('&');
        signed.push_str(k);
        signed.push('=');
        signed.push_str(&uri_encode(v));
    }
    Ok(base64url(signed.as_bytes()))
}

/// AWS's URI encoding: everything but `A-Za-z0-9-_.~` as %XX.
fn uri_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Base64, URL alphabet, no padding (the token's encoding).
pub fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

/// Signs MSK IAM tokens for every connection from credentials kept fresh in the background.
pub struct IamTokens {
    region: String,
    state: Arc<RwLock<CredentialState>>,
    refresher: Option<tokio::task::JoinHandle<()>>,
}

struct CredentialState {
    current: Credentials,
    /// The last refresh failure, said when the credentials have expired meanwhile.
    last_error: Option<String>,
}

impl fmt::Debug for IamTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Credentials' own Debug redacts the secret; the access key id alone is enough here
        write!(f, "MSK IAM ({})", self.region)
    }
}

impl Drop for IamTokens {
    fn drop(&mut self) {
        if let Some(task) = &self.refresher {
            task.abort();
        }
    }
}

impl IamTokens {
    /// Fetches credentials once (so a missing one is an error now, not at the first connection)
    /// and keeps them fresh from a background task of the current runtime.
    pub async fn start(provider: SharedCredentialsProvider, region: &str) -> Result<IamTokens, IamError> {
        let first = provider.provide_credentials().await.map_err(|e| IamError::NoCredentials(error_chain(&e)))?;
        let state = Arc::new(RwLock::new(CredentialState { current: first, last_error: None }));
        let refresher = tokio::spawn(keep_fresh(provider, Arc::downgrade(&state)));
        Ok(IamTokens { region: region.to_string(), state, refresher: Some(refresher) })
    }

    /// Fixed credentials, never refreshed (tests; credentials handed over by a caller).
    pub fn fixed(credentials: Credentials, region: &str) -> IamTokens {
        let state = Arc::new(RwLock::new(CredentialState { current: credentials, last_error: None }));
        IamTokens { region: region.to_string(), state, refresher: None }
    }

    pub fn region(&self) -> &str {
        &self.region
    }

    /// A token signed now, or why there is none.
    pub fn token_now(&self) -> Result<String, String> {
        let (credentials, last_error) = match self.state.read() {
            Ok(s) => (s.current.clone(), s.last_error.clone()),
            Err(_) => return Err("the credential cache is unusable (a refresh panicked)".into()),
        };
        let now = SystemTime::now();
        if credentials.expiry().is_some_and(|e| e <= now) {
            let why = last_error.map(|e| format!(": {e}")).unwrap_or_default();
            return Err(format!("the AWS credentials have expired and could not be refreshed{why}"));
        }
        token(&credentials, &self.region, now, USER_AGENT).map_err(|e| e.to_string())
    }
}

impl TokenProvider for IamTokens {
    fn token(&self) -> Result<String, String> {
        self.token_now()
    }
    fn kind(&self) -> TokenKind {
        TokenKind::MskIam
    }
}

/// Refreshes the credentials ahead of their expiry until the token source is dropped.
async fn keep_fresh(provider: SharedCredentialsProvider, state: std::sync::Weak<RwLock<CredentialState>>) {
    let mut wait = next_refresh(state.upgrade().and_then(|s| s.read().ok().and_then(|s| s.current.expiry())));
    loop {
        tokio::time::sleep(wait).await;
        let Some(state) = state.upgrade() else { return };
        match provider.provide_credentials().await {
            Ok(fresh) => {
                wait = next_refresh(fresh.expiry());
                tracing::debug!(expires = ?fresh.expiry(), "AWS credentials refreshed for MSK IAM");
                if let Ok(mut s) = state.write() {
                    s.current = fresh;
                    s.last_error = None;
                }
            }
            Err(e) => {
                let text = error_chain(&e);
                tracing::warn!(error = %text, "refreshing AWS credentials for MSK IAM failed; retrying");
                if let Ok(mut s) = state.write() {
                    s.last_error = Some(text);
                }
                wait = RETRY_AFTER;
            }
        }
    }
}

fn next_refresh(expiry: Option<SystemTime>) -> Duration {
    match expiry {
        None => REREAD_EVERY,
        Some(at) => at
            .duration_since(SystemTime::now())
            .unwrap_or_default()
            .saturating_sub(REFRESH_AHEAD)
            .clamp(RETRY_AFTER, REREAD_EVERY),
    }
}

/// An error and its sources on one line (the SDK's Display is only the outermost layer).
pub fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let more = s.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_without_padding() {
        assert_eq!(base64url(b""), "");
        assert_eq!(base64url(b"f"), "Zg");
        assert_eq!(base64url(b"fo"), "Zm8");
        assert_eq!(base64url(b"foo"), "Zm9v");
        assert_eq!(base64url(b"\xfb\xff"), "-_8");
    }

    #[test]
    fn uri_encoding_keeps_only_unreserved() {
        assert_eq!(uri_encode("a/b+c=d~e_f.g-h:i"), "a%2Fb%2Bc%3Dd~e_f.g-h%3Ai");
    }

    #[test]
    fn debug_shows_no_secret() {
        let t = IamTokens::fixed(
            Credentials::new("AKIDDEBUG", "s3cr3t-debug", Some("tok3n".into()), None, "t"),
            "eu-west-1",
        );
        let shown = format!("{t:?}");
        assert_eq!(shown, "MSK IAM (eu-west-1)");
    }

    #[test]
    fn expired_credentials_are_refused_in_words() {
        let past = SystemTime::now() - Duration::from_secs(60);
        let t = IamTokens::fixed(Credentials::new("AKID", "secret", None, Some(past), "t"), "eu-west-1");
        assert_eq!(t.token_now().unwrap_err(), "the AWS credentials have expired and could not be refreshed");
    }
}
