//! The console's tests: whole screens and key handling, fed through the real worker from a fake
//! backend (the only place a fake stands in for the cluster).
//!
//! - `fixture`: the snapshot and configs the fake serves;
//! - `fake`: the fake backend (previews from ops' own functions);
//! - `harness`: the app and worker driven by keys, screens rendered to text;
//! - `screens`, `changes`, `events`, `groups`, `reassign`: the tests (panes and navigation; topic
//!   operations; refreshes, data needs, typed-ahead keys and the event loop; a consumer group's
//!   keys; reassignments); `msk`: the `:msk` picker.

mod changes;
mod events;
mod fake;
mod fixture;
mod groups;
mod harness;
mod msk;
mod reassign;
mod screens;
