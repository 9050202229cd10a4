//! Control plane: an async Kafka client on the `kafka-protocol` codec (the README's architecture section says
//! why not rdkafka's admin API).

pub mod admin;
pub mod client;
pub mod conn;
pub mod error;
pub mod frame;
pub mod proto;
pub mod quorum;
pub mod reassign;
pub mod redact;
pub mod sasl;
pub mod security;
pub mod topic_config_admin;

pub use client::{BrokerAddr, Client, ClientConfig, Target};
pub use error::{KafkaError, Result};
pub use security::{PemSource, SaslMechanism, TlsOptions, TokenProvider};
/// The old name of [`topic_config_admin`], for branches written before the rename; remove once
/// they are merged.
#[doc(hidden)]
pub use topic_config_admin as admin_ops;
