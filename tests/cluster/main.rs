//! Integration tests against the real 3-node KRaft cluster (scripts/kafka-cluster.sh).
//! One test binary so the cluster is brought up once and rdkafka is linked once.

mod common;

mod auth;
mod bad_input;
mod inspect;
mod isr;
