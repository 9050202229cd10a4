//! SASL over Kafka's SaslHandshake + SaslAuthenticate (KIP-152). The mechanisms themselves
//! (SCRAM's proofs, PLAIN's encoding) come from rsasl.

use std::collections::HashMap;
use std::io::Cursor;
use std::time::Duration;

use bytes::Bytes;
use kafka_protocol::messages::{SaslAuthenticateRequest, SaslAuthenticateResponse, SaslHandshakeRequest};
use kafka_protocol::protocol::StrBytes;
use rsasl::prelude::{Mechname, SASLClient, SASLConfig, State};

use super::error::{KafkaError, Result};
use super::frame::{negotiate, Handshake};
use super::security::{SaslMechanism, TokenKind};

/// A successful SASL exchange.
#[derive(Debug)]
pub struct Authenticated {
    /// How long the broker keeps the session (KIP-368's `session_lifetime_ms`, from
    /// `connections.max.reauth.ms` or the token's expiry), if it limits it.
    pub lifetime: Option<Duration>,
    /// The mechanisms the listener offers (for `doctor`).
    pub offered: Vec<String>,
}

/// Authenticates the connection: what the broker granted and the mechanisms the listener offers.
pub async fn authenticate(
    hs: &mut Handshake<'_>,
    versions: &HashMap<i16, (i16, i16)>,
    mech: &SaslMechanism,
) -> Result<Authenticated> {
    let name = mech.name();
    let auth_err =
        |addr: &str, message: String| KafkaError::Auth { addr: addr.to_string(), mechanism: name.to_string(), message };

    let hv = negotiate::<SaslHandshakeRequest>(versions, hs.addr)?;
    let resp =
        hs.roundtrip(&SaslHandshakeRequest::default().with_mechanism(StrBytes::from_static_str(name)), hv).await?;
    let enabled: Vec<String> = resp.mechanisms.iter().map(|m| m.to_string()).collect();
    if resp.error_code != 0 {
        let msg = if enabled.is_empty() {
            format!(
                "{} (this listener has no SASL mechanisms: is it a PLAINTEXT/SSL port?)",
                super::proto::error_name(resp.error_code)
            )
        } else {
            format!("the listener does not offer {name}; it offers {}", enabled.join(", "))
        };
        return Err(auth_err(hs.addr, msg));
    }
    let av = negotiate::<SaslAuthenticateRequest>(versions, hs.addr)?;

    let (user, pass) = match mech {
        SaslMechanism::OAuthBearer(provider) => {
            let token = provider.token().map_err(|e| auth_err(hs.addr, format!("could not obtain a token: {e}")))?;
            let first = format!("n,,\x01auth=Bearer {token}\x01\x01");
            let answer = send_step(hs, av, first.into_bytes(), name).await?;
            if !answer.auth_bytes.is_empty() {
                // RFC 7628: a refused token gets a JSON error the client acknowledges with 0x01;
                // the broker then fails the exchange, with its reason
                let status = refusal_status(&answer.auth_bytes);
                // the broker answers the acknowledgement with the failure (Kafka: the same JSON),
                // or just closes
                let reason = match send_step(hs, av, vec![1], name).await {
                    Err(KafkaError::Auth { message, .. })
                        if !message.is_empty() && refusal_status(message.as_bytes()) != status =>
                    {
                        format!("the broker refused the token ({status}: {message})")
                    }
                    _ => format!("the broker refused the token ({status})"),
                };
                return Err(auth_err(hs.addr, oauth_hint(provider.kind(), &reason)));
            }
            return Ok(Authenticated { lifetime: lifetime(&answer), offered: enabled });
        }
        SaslMechanism::Plain { username, password }
        | SaslMechanism::ScramSha256 { username, password }
        | SaslMechanism::ScramSha512 { username, password } => (username.clone(), password.clone()),
    };
    let config = SASLConfig::with_credentials(None, user, pass).map_err(|e| auth_err(hs.addr, e.to_string()))?;
    let mechname = Mechname::parse(name.as_bytes()).map_err(|e| auth_err(hs.addr, e.to_string()))?;
    let mut session =
        SASLClient::new(config).start_suggested(&[mechname]).map_err(|e| auth_err(hs.addr, e.to_string()))?;

    let mut input: Option<Bytes> = None;
    let mut last: Option<Option<Duration>> = None;
    loop {
        let mut out = Cursor::new(Vec::new());
        let state = session.step(input.as_deref(), &mut out).map_err(|e| {
            auth_err(
                hs.addr,
                format!(
                    "{e} (the broker's answer did not verify: wrong mechanism or a server that is not who it claims?)"
                ),
            )
        })?;
        match state {
            State::Running => {
                let answer = send_step(hs, av, out.into_inner(), name).await?;
                last = Some(lifetime(&answer));
                input = Some(answer.auth_bytes);
            }
            State::Finished(sent) => {
                if matches!(sent, rsasl::prelude::MessageSent::Yes) {
                    last = Some(lifetime(&send_step(hs, av, out.into_inner(), name).await?));
                }
                return Ok(Authenticated { lifetime: last.flatten(), offered: enabled });
            }
        }
    }
}

/// The session lifetime the broker granted (0: unlimited, or a broker before KIP-368).
fn lifetime(answer: &SaslAuthenticateResponse) -> Option<Duration> {
    u64::try_from(answer.session_lifetime_ms).ok().filter(|ms| *ms > 0).map(Duration::from_millis)
}

/// The `status` of an RFC 7628 error answer (`{"status":"invalid_token"}`), else its text.
fn refusal_status(answer: &[u8]) -> String {
    let text = String::from_utf8_lossy(answer);
    serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| v.get("status").and_then(|s| s.as_str()).map(str::to_string))
        .unwrap_or_else(|| text.into_owned())
}

/// What a refused OAUTHBEARER token means, in words.
fn oauth_hint(kind: TokenKind, reason: &str) -> String {
    match kind {
        TokenKind::MskIam => format!(
            "SASL authentication failed: {reason} (MSK IAM: the AWS credentials are expired or invalid, the region is not the cluster's, or the IAM policy lacks kafka-cluster:Connect on this cluster)"
        ),
        TokenKind::Other => format!("SASL authentication failed: {reason} (the broker refused the OAUTHBEARER token)"),
    }
}

async fn send_step(
    hs: &mut Handshake<'_>,
    version: i16,
    bytes: Vec<u8>,
    mech: &str,
) -> Result<SaslAuthenticateResponse> {
    let resp = hs.roundtrip(&SaslAuthenticateRequest::default().with_auth_bytes(Bytes::from(bytes)), version).await?;
    if resp.error_code != 0 {
        let detail =
            resp.error_message.map(|m| m.to_string()).unwrap_or_else(|| super::proto::error_name(resp.error_code));
        return Err(KafkaError::Auth {
            addr: hs.addr.to_string(),
            mechanism: mech.to_string(),
            message: if mech == "OAUTHBEARER" {
                detail
            } else {
                format!("{detail} (check the username and password, and that the user exists for {mech})")
            },
        });
    }
    Ok(resp)
}
