//! SASL over Kafka's SaslHandshake + SaslAuthenticate (KIP-152). The mechanisms themselves
//! (SCRAM's proofs, PLAIN's encoding) come from rsasl.

use std::collections::HashMap;
use std::io::Cursor;

use bytes::Bytes;
use kafka_protocol::messages::{SaslAuthenticateRequest, SaslHandshakeRequest};
use kafka_protocol::protocol::StrBytes;
use rsasl::prelude::{Mechname, SASLClient, SASLConfig, State};

use super::error::{KafkaError, Result};
use super::frame::{negotiate, Handshake};
use super::security::SaslMechanism;

/// Authenticates with `mech`; returns the mechanisms the listener offers (for `doctor`).
pub async fn authenticate(
    hs: &mut Handshake<'_>,
    versions: &HashMap<i16, (i16, i16)>,
    mech: &SaslMechanism,
) -> Result<Vec<String>> {
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
            send_step(hs, av, first.into_bytes(), name).await?;
            return Ok(enabled);
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
            State::Running => input = Some(send_step(hs, av, out.into_inner(), name).await?),
            State::Finished(sent) => {
                if matches!(sent, rsasl::prelude::MessageSent::Yes) {
                    send_step(hs, av, out.into_inner(), name).await?;
                }
                return Ok(enabled);
            }
        }
    }
}

async fn send_step(hs: &mut Handshake<'_>, version: i16, bytes: Vec<u8>, mech: &str) -> Result<Bytes> {
    let resp = hs.roundtrip(&SaslAuthenticateRequest::default().with_auth_bytes(Bytes::from(bytes)), version).await?;
    if resp.error_code != 0 {
        let detail =
            resp.error_message.map(|m| m.to_string()).unwrap_or_else(|| super::proto::error_name(resp.error_code));
        return Err(KafkaError::Auth {
            addr: hs.addr.to_string(),
            mechanism: mech.to_string(),
            message: format!("{detail} (check the username and password, and that the user exists for {mech})"),
        });
    }
    Ok(resp.auth_bytes)
}
