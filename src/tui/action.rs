//! What a key asks the UI to do. Its own file so that panes (which name the actions their status
//! line hints at) and the keymap (which lists the panes' open-actions) do not import each other.

/// What a key asks the UI to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Action {
    Quit,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Enter,
    Back,
    Filter,
    Command,
    Help,
    Refresh,
    Sort,
    Reverse,
    Peek,
    Configs,
    CreateTopic,
    DeleteTopic,
    AddPartitions,
    SetConfig,
    DeleteConfig,
    ErrorDetail,
    /// Mark (or unmark) the topic under the cursor for a reassignment plan.
    Mark,
    /// Mark every topic the filter shows (or unmark them all if they all are).
    MarkAll,
    /// Plan a reassignment of the marked topics (goal and brokers in a dialog).
    PlanReassign,
    /// Edit the replicas of the plan's partition under the cursor.
    EditPlan,
    /// Execute the plan: throttle, batch size, preview, confirm.
    ExecutePlan,
    /// Write the plan and its rollback to files.
    ExportPlan,
    /// Cancel the move of the partition under the cursor.
    CancelMove,
    /// Cancel every reassignment in progress.
    CancelAll,
    /// Verify kdeck's executions and remove the throttles of the moves that are over.
    Verify,
    /// Remove the throttle configs no reassignment needs.
    ClearThrottles,
    /// Stay attached to kdeck's unfinished executions (after a restart): submit their next
    /// batches, verify at the end.
    Attach,
    /// Group detail: reset the group's offsets (a form, then the preview).
    ResetOffsets,
    /// Group detail: how far behind in time each partition is.
    TimeLag,
    /// Group detail: the messages at the committed offset of the partition under the cursor.
    PeekStuck,
    /// Open the view a pane registry entry names (`panes::REGISTRY`); the name is its keymap name.
    Open(&'static str),
}

/// An action, its name in keymap.toml and its line in the help screen.
pub type Described = (Action, &'static str, &'static str);

/// Moving around; the help screen lists these, then the views, then [`CHANGES`].
pub const NAVIGATION: &[Described] = &[
    (Action::Up, "up", "move up"),
    (Action::Down, "down", "move down"),
    (Action::PageUp, "page_up", "page up"),
    (Action::PageDown, "page_down", "page down"),
    (Action::Top, "top", "first row"),
    (Action::Bottom, "bottom", "last row"),
    (Action::Enter, "enter", "open (topic → partitions, group → detail)"),
    (Action::Back, "back", "back / close"),
    (Action::Filter, "filter", "filter rows"),
    (Action::Command, "command", "command: :VIEW (as below), :t NAME, :g NAME, :q"),
    (Action::Sort, "sort", "sort by next column"),
    (Action::Reverse, "reverse", "reverse sort"),
    (Action::Peek, "peek", "peek at the last messages of a partition"),
    (Action::PeekStuck, "peek_stuck", "group: peek at its committed offset (where stuck)"),
    (Action::TimeLag, "time_lag", "group: lag in time (age of the next message)"),
    (Action::Refresh, "refresh", "refresh now"),
    (Action::ErrorDetail, "error_detail", "show the last error in full"),
];

/// Topic operations and the rest, after the views in the help screen.
pub const CHANGES: &[Described] = &[
    (Action::Configs, "configs", "configs of the selected topic"),
    (Action::CreateTopic, "create_topic", "create a topic (name, partitions, replication factor)"),
    (Action::DeleteTopic, "delete_topic", "delete the selected topic or group (type its name)"),
    (Action::ResetOffsets, "reset_offsets", "group: reset its offsets (preview first)"),
    (Action::AddPartitions, "add_partitions", "add partitions to the selected topic (preview first)"),
    (Action::SetConfig, "set_config", "configs view: set the selected config (also enter)"),
    (Action::DeleteConfig, "delete_config", "configs view: delete the selected override"),
    (Action::Mark, "mark", "topics view: mark the topic for a reassignment plan"),
    (Action::MarkAll, "mark_all", "topics view: mark every topic shown (the filter's)"),
    (Action::PlanReassign, "plan_reassign", "plan a reassignment of the marked topics (goal, brokers)"),
    (Action::EditPlan, "edit_plan", "plan view: edit the partition's replicas (also enter)"),
    (Action::ExecutePlan, "execute_plan", "plan view: execute (throttle, batch size, preview)"),
    (Action::ExportPlan, "export_plan", "plan view: write the plan and its rollback to files"),
    (Action::CancelMove, "cancel_move", "reassignments view: cancel the partition's move"),
    (Action::CancelAll, "cancel_all", "reassignments view: cancel every move in progress"),
    (Action::Verify, "verify", "verify executions, remove the throttles of finished moves"),
    (Action::ClearThrottles, "clear_throttles", "remove the throttles no reassignment needs"),
    (Action::Attach, "attach", "reassignments view: attach to kdeck's unfinished executions"),
    (Action::Help, "help", "this help"),
    (Action::Quit, "quit", "quit"),
];

impl Action {
    /// Changes the cluster: hidden and refused in read-only mode.
    pub fn is_mutating(self) -> bool {
        matches!(
            self,
            Action::CreateTopic
                | Action::DeleteTopic
                | Action::AddPartitions
                | Action::SetConfig
                | Action::DeleteConfig
                | Action::ResetOffsets
        ) || self.is_reassignment()
    }

    /// Planning, executing and watching over reassignments (`tui::reassign`).
    pub fn is_reassignment(self) -> bool {
        matches!(
            self,
            Action::Mark
                | Action::MarkAll
                | Action::PlanReassign
                | Action::EditPlan
                | Action::ExecutePlan
                | Action::ExportPlan
                | Action::CancelMove
                | Action::CancelAll
                | Action::Verify
                | Action::ClearThrottles
                | Action::Attach
        )
    }
}
