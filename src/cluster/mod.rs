//! The cluster as kdeck sees it: the snapshot model and how it is loaded through the client.

pub mod controller;
pub mod load;
pub mod model;
pub mod sizes;

pub use load::{load, GroupScope, LoadOptions};
pub use model::*;
pub use sizes::{replica_sizes, ReplicaSizes};
