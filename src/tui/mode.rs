//! Where keys go (the mode) and the change being checked or sent (the op): the state of the change
//! flow, form → preview → confirm → apply, whose reactions live in `change.rs`.

use super::dialogs::{Confirm, Form};
use super::reassign_dialogs::Dialog;
use crate::ops::Mutation;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mode {
    Normal,
    Filter,
    Command(String),
    Help,
    ErrorDetail,
    /// Typing the details of a change (create topic, add partitions, set config).
    Form(Box<Form>),
    /// A previewed change waiting for yes.
    Confirm(Box<Confirm>),
    /// Planning, editing, executing or exporting a reassignment.
    Reassign(Box<Dialog>),
}

/// The change being checked or sent; at most one at a time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    Idle,
    Preparing(Mutation),
    Applying(Mutation),
}
