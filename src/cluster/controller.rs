//! Which node is the active controller, and what kind of node it is.

use serde::Serialize;

use crate::kafka::Client;

/// The active controller as kdeck shows it everywhere (console header, brokers pane, `kdeck
/// brokers`). Serialized with a `kind` tag: `{"kind": "kraft", "id": 3000, "broker": false}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Controller {
    /// KRaft: the leader of the metadata quorum. `broker` is false when it is a node of its own
    /// (process.roles=controller), as on MSK's KRaft clusters: then no broker is the controller.
    Kraft { id: i32, broker: bool },
    /// ZooKeeper mode: the broker elected controller (Metadata's controller id).
    Zookeeper { id: i32 },
    /// Not known, and why (e.g. no broker answered DescribeQuorum on a KRaft cluster). Never
    /// guessed: on KRaft, Metadata's controller id is an arbitrary broker.
    Unknown { reason: String },
}

impl Default for Controller {
    fn default() -> Self {
        Controller::Unknown { reason: "not loaded yet".into() }
    }
}

impl Controller {
    /// Asks the cluster: the KRaft quorum leader if the brokers offer DescribeQuorum, else (ZooKeeper
    /// mode) the controller id of the Metadata answer `metadata_controller`. `brokers` are the ids
    /// Metadata lists, to tell a controller that is also a broker from one that is not.
    pub async fn load(client: &Client, metadata_controller: i32, brokers: &[i32]) -> Controller {
        match client.quorum_leader().await {
            Ok(Some(id)) => Controller::Kraft { id, broker: brokers.contains(&id) },
            Ok(None) if metadata_controller >= 0 => Controller::Zookeeper { id: metadata_controller },
            Ok(None) => Controller::Unknown { reason: "the brokers name no controller (none elected?)".into() },
            Err(e) => Controller::Unknown { reason: e.to_string() },
        }
    }

    /// The controller's node id, if known.
    pub fn id(&self) -> Option<i32> {
        match self {
            Controller::Kraft { id, .. } | Controller::Zookeeper { id } => Some(*id),
            Controller::Unknown { .. } => None,
        }
    }

    /// The broker that is the controller, if one is.
    pub fn broker_id(&self) -> Option<i32> {
        match self {
            Controller::Kraft { id, broker: true } | Controller::Zookeeper { id } => Some(*id),
            _ => None,
        }
    }

    /// One line for people: `3000 (KRaft controller, not a broker)`.
    pub fn describe(&self) -> String {
        match self {
            Controller::Kraft { id, broker: true } => format!("{id} (KRaft quorum leader)"),
            Controller::Kraft { id, broker: false } => format!("{id} (KRaft controller, not a broker)"),
            Controller::Zookeeper { id } => format!("{id} (ZooKeeper mode)"),
            Controller::Unknown { reason } => format!("unknown ({reason})"),
        }
    }

    /// For the console header, where space is short: the id, and that it is not a broker when
    /// it is not (`?` when unknown).
    pub fn short(&self) -> String {
        match self {
            Controller::Kraft { id, broker: false } => format!("{id} (not a broker)"),
            _ => self.id().map(|id| id.to_string()).unwrap_or_else(|| "?".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wording() {
        let separate = Controller::Kraft { id: 3000, broker: false };
        assert_eq!(separate.describe(), "3000 (KRaft controller, not a broker)");
        assert_eq!(separate.short(), "3000 (not a broker)");
        assert_eq!((separate.id(), separate.broker_id()), (Some(3000), None));

        let combined = Controller::Kraft { id: 3, broker: true };
        assert_eq!((combined.describe(), combined.short()), ("3 (KRaft quorum leader)".into(), "3".into()));
        assert_eq!(combined.broker_id(), Some(3));

        let zk = Controller::Zookeeper { id: 1 };
        assert_eq!((zk.describe(), zk.short(), zk.broker_id()), ("1 (ZooKeeper mode)".into(), "1".into(), Some(1)));

        let unknown = Controller::Unknown { reason: "no broker answered".into() };
        assert_eq!((unknown.describe(), unknown.short()), ("unknown (no broker answered)".into(), "?".into()));
        assert_eq!(unknown.id(), None);
        assert_eq!(
            serde_json::to_value(&separate).ok(),
            Some(serde_json::json!({"kind": "kraft", "id": 3000, "broker": false}))
        );
    }
}
