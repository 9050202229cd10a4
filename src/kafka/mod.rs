//! Control plane: an async Kafka client on the `kafka-protocol` codec (the README's architecture section says
//! why not rdkafka's admin API).

pub mod admin;
pub mod cert;
pub mod client;
pub mod conn;
pub mod doctor;
pub mod error;
pub mod frame;
pub mod groups;
pub mod msk_iam;
pub mod offset_fetch;
pub mod proto;
pub mod quorum;
pub mod reassign;
pub mod redact;
pub mod route;
pub mod sasl;
pub mod security;
pub mod stats;
pub mod topic_config_admin;

pub use client::{BrokerAddr, Client, ClientConfig, Target};
pub use error::{KafkaError, Result};
pub use route::Route;
pub use security::{PemSource, SaslMechanism, TlsOptions, TokenKind, TokenProvider};
pub use stats::{RequestStats, StatsReport};
