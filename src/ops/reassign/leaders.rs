//! Leader elections (ElectLeaders): preferred — each partition led by the first replica of its
//! assignment again — or unclean, for partitions without a leader.

use std::collections::BTreeSet;

use serde::Serialize;

use super::{partition_error, Applied, Step};
use crate::cluster::{self, LoadOptions, Snapshot};
use crate::kafka::reassign::{Election, ELECTION_NOT_NEEDED};
use crate::kafka::Client;
use crate::ops::{Context, Mutation, OpsError, Preview};

/// A partition and its leadership before the election.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Leadership {
    pub topic: String,
    pub partition: i32,
    pub leader: Option<i32>,
    pub preferred: Option<i32>,
    pub isr: Vec<i32>,
}

/// Elect leaders.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Elect {
    pub election: Election,
    /// Topics to look at; empty: every topic.
    pub topics: Vec<String>,
    /// Filled in by prepare: partitions the election can change…
    pub candidates: Vec<Leadership>,
    /// …partitions already as the election would make them…
    pub fine: Vec<Leadership>,
    /// …and partitions it cannot help, with why.
    pub cannot: Vec<(Leadership, String)>,
}

impl Elect {
    pub fn summary(&self) -> String {
        let kind = match self.election {
            Election::Preferred => "preferred",
            Election::Unclean => "unclean",
        };
        let scope = if self.topics.is_empty() { "all topics".to_string() } else { self.topics.join(",") };
        if self.candidates.is_empty() {
            return format!("{kind} leader election on {scope}");
        }
        let parts: Vec<String> = self.candidates.iter().map(|c| format!("{}-{}", c.topic, c.partition)).collect();
        format!("{kind} leader election on {scope}: {}", parts.join(","))
    }
}

/// Per partition, what the election did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ElectionResult {
    pub topic: String,
    pub partition: i32,
    pub before: Option<i32>,
    pub after: Option<i32>,
    /// `elected`, `already fine`, `not possible`, `failed`.
    pub result: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Elected {
    pub partitions: Vec<ElectionResult>,
}

async fn snapshot(client: &Client, topics: &[String]) -> Result<Snapshot, OpsError> {
    let opts = LoadOptions { topics: (!topics.is_empty()).then(|| topics.to_vec()), ..Default::default() };
    cluster::load(client, &opts).await.map_err(|e| match e {
        crate::kafka::KafkaError::UnknownTopic(t) => OpsError::Invalid(format!("unknown topic: {t}")),
        e => e.into(),
    })
}

/// Sorts partitions into candidates, fine and cannot, for an election.
pub fn classify(snap: &Snapshot, election: Election) -> (Vec<Leadership>, Vec<Leadership>, Vec<(Leadership, String)>) {
    let alive: BTreeSet<i32> = snap.brokers.iter().map(|b| b.id).collect();
    let (mut candidates, mut fine, mut cannot) = (Vec::new(), Vec::new(), Vec::new());
    for t in &snap.topics {
        for p in &t.partitions {
            let l = Leadership {
                topic: t.name.clone(),
                partition: p.partition,
                leader: p.leader,
                preferred: p.preferred_leader(),
                isr: p.isr.clone(),
            };
            match election {
                Election::Preferred => match (p.leader, p.preferred_leader()) {
                    (Some(l1), Some(pref)) if l1 == pref => fine.push(l),
                    (_, Some(pref)) if !alive.contains(&pref) => {
                        cannot.push((l, format!("preferred replica {pref} is on a broker that is down")))
                    }
                    (_, Some(pref)) if !p.isr.contains(&pref) => {
                        cannot.push((l, format!("preferred replica {pref} is not in sync")))
                    }
                    (_, Some(_)) => candidates.push(l),
                    (_, None) => cannot.push((l, "no replicas".into())),
                },
                Election::Unclean => match p.leader {
                    Some(_) => fine.push(l),
                    None if p.replicas.iter().any(|r| alive.contains(r)) => candidates.push(l),
                    None => cannot.push((l, "no replica is on a live broker".into())),
                },
            }
        }
    }
    (candidates, fine, cannot)
}

pub async fn prepare_elect(client: &Client, ctx: &Context, e: &Elect) -> Result<Preview, OpsError> {
    let snap = snapshot(client, &e.topics).await?;
    let (candidates, fine, cannot) = classify(&snap, e.election);
    let mut warnings = Vec::new();
    if e.election == Election::Unclean && !candidates.is_empty() {
        warnings.push(
            "an unclean election makes a replica that is not in sync the leader: messages only the lost leader had are gone for good"
                .to_string(),
        );
    }
    let step = Elect { candidates, fine, cannot, ..e.clone() };
    let unclean = step.election == Election::Unclean && !step.candidates.is_empty();
    let mut p = Preview::of(
        ctx,
        Mutation::Reassignment(Step::ElectLeaders(step)),
        "checked against the metadata (ElectLeaders has no validate-only mode)",
        warnings,
    );
    if unclean {
        p.type_to_confirm = Some("unclean".into());
    }
    Ok(p)
}

pub async fn apply_elect(client: &Client, e: &Elect) -> Result<(String, Applied), OpsError> {
    let mut results: Vec<ElectionResult> = e
        .fine
        .iter()
        .map(|l| ElectionResult {
            topic: l.topic.clone(),
            partition: l.partition,
            before: l.leader,
            after: l.leader,
            result: "already fine",
            reason: None,
        })
        .chain(e.cannot.iter().map(|(l, why)| ElectionResult {
            topic: l.topic.clone(),
            partition: l.partition,
            before: l.leader,
            after: l.leader,
            result: "not possible",
            reason: Some(why.clone()),
        }))
        .collect();
    if !e.candidates.is_empty() {
        let parts: Vec<(String, i32)> = e.candidates.iter().map(|c| (c.topic.clone(), c.partition)).collect();
        let outcomes = client.elect_leaders(e.election, &parts).await?;
        let topics: Vec<String> =
            e.candidates.iter().map(|c| c.topic.clone()).collect::<BTreeSet<_>>().into_iter().collect();
        // leaders as the metadata shows them once it has caught up (bounded)
        let mut snap = snapshot(client, &topics).await?;
        for attempt in 0..20 {
            let settled = outcomes.iter().filter(|o| o.error.is_none()).all(|o| {
                let c = e.candidates.iter().find(|c| c.topic == o.topic && c.partition == o.partition);
                let now = leader_of(&snap, &o.topic, o.partition);
                match e.election {
                    Election::Preferred => now.is_some() && now == c.and_then(|c| c.preferred),
                    Election::Unclean => now.is_some(),
                }
            });
            if settled {
                break;
            }
            tokio::time::sleep(crate::kafka::client::backoff(attempt.min(2))).await;
            snap = snapshot(client, &topics).await?;
        }
        for c in &e.candidates {
            let o = outcomes.iter().find(|o| o.topic == c.topic && o.partition == c.partition);
            let (result, reason) = match o.and_then(|o| o.error.as_ref()) {
                None if o.is_none() => ("failed", Some("the controller did not answer for it".to_string())),
                None => ("elected", None),
                Some(err) if err.code() == Some(ELECTION_NOT_NEEDED) => ("already fine", None),
                Some(err) => ("failed", Some(partition_error(err))),
            };
            results.push(ElectionResult {
                topic: c.topic.clone(),
                partition: c.partition,
                before: c.leader,
                after: leader_of(&snap, &c.topic, c.partition),
                result,
                reason,
            });
        }
    }
    results.sort_by(|a, b| (&a.topic, a.partition).cmp(&(&b.topic, b.partition)));
    let count = |what: &str| results.iter().filter(|r| r.result == what).count();
    let message = format!(
        "{} elected, {} already fine, {} not possible, {} failed",
        count("elected"),
        count("already fine"),
        count("not possible"),
        count("failed")
    );
    let failed = count("failed") > 0 && count("elected") == 0;
    let applied = Applied::Elected(Elected { partitions: results });
    if failed {
        return Err(OpsError::Rejected(message));
    }
    Ok((message, applied))
}

fn leader_of(snap: &Snapshot, topic: &str, partition: i32) -> Option<i32> {
    snap.topic(topic).and_then(|t| t.partitions.iter().find(|p| p.partition == partition)).and_then(|p| p.leader)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::{Broker, Partition, Topic};

    fn part(p: i32, leader: Option<i32>, replicas: &[i32], isr: &[i32]) -> Partition {
        Partition {
            partition: p,
            leader,
            replicas: replicas.to_vec(),
            isr: isr.to_vec(),
            offline_replicas: vec![],
            log_start_offset: None,
            log_end_offset: None,
            error: None,
        }
    }

    fn snap() -> Snapshot {
        let broker = |id: i32| Broker { id, host: "h".into(), port: 1, rack: None, is_controller: false };
        Snapshot {
            brokers: vec![broker(1), broker(2)],
            topics: vec![Topic {
                name: "t".into(),
                internal: false,
                partitions: vec![
                    part(0, Some(1), &[1, 2], &[1, 2]),
                    part(1, Some(1), &[2, 1], &[1, 2]),
                    part(2, Some(1), &[2, 1], &[1]),
                    part(3, Some(1), &[3, 1], &[1, 3]),
                    part(4, None, &[2, 3], &[3]),
                    part(5, None, &[3], &[3]),
                ],
                min_insync_replicas: None,
            }],
            ..Default::default()
        }
    }

    #[test]
    fn preferred_elects_only_where_the_preferred_replica_can_lead() {
        let (candidates, fine, cannot) = classify(&snap(), Election::Preferred);
        assert_eq!(candidates.iter().map(|c| c.partition).collect::<Vec<_>>(), vec![1]);
        assert_eq!(fine.iter().map(|c| c.partition).collect::<Vec<_>>(), vec![0]);
        let why: Vec<(i32, &str)> = cannot.iter().map(|(l, w)| (l.partition, w.as_str())).collect();
        assert_eq!(
            why,
            vec![
                (2, "preferred replica 2 is not in sync"),
                (3, "preferred replica 3 is on a broker that is down"),
                (4, "preferred replica 2 is not in sync"),
                (5, "preferred replica 3 is on a broker that is down"),
            ]
        );
    }

    #[test]
    fn unclean_elects_only_partitions_without_a_leader() {
        let (candidates, fine, cannot) = classify(&snap(), Election::Unclean);
        assert_eq!(candidates.iter().map(|c| c.partition).collect::<Vec<_>>(), vec![4]);
        assert_eq!(fine.len(), 4);
        assert_eq!(
            cannot.iter().map(|(l, w)| (l.partition, w.as_str())).collect::<Vec<_>>(),
            vec![(5, "no replica is on a live broker")]
        );
    }
}
