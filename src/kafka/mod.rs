//! Control plane: an async Kafka client on the `kafka-protocol` codec (see DEVELOPERS.md for why
//! not rdkafka's admin API).

pub mod admin;
pub mod admin_ops;
pub mod client;
pub mod conn;
pub mod error;
pub mod proto;
pub mod reassign;
pub mod sasl;
pub mod security;

pub use client::{BrokerAddr, Client, ClientConfig, Target};
pub use error::{KafkaError, Result};
pub use security::{PemSource, SaslMechanism, TlsOptions, TokenProvider};
