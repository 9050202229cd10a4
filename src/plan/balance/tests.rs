use super::cycles::{negative_cycle, parent_cycle};
use super::hops::NO_HOP;
use super::*;
use crate::plan::dense::{brokers, placement};

#[test]
fn moves_within_rack() {
    let parts: Vec<BPart> = (0..4)
        .map(|_| BPart { topic: 0, size: 0, size_known: false, orig: brokers(&[0]).into(), rf: 1, h: 1 })
        .collect();
    let rack_of = [0usize, 0];
    let target = [2usize, 2];
    let (slots, fb) = Balancer::new(&parts, &rack_of, 1, &target).run();
    assert_eq!(fb, 0);
    let on1 = slots.iter().filter(|s| s[0] == BrokerIdx::new(1)).count();
    assert_eq!(on1, 2);
}

fn moves_of(parts: &[BPart], slots: &Slots) -> usize {
    parts.iter().zip(slots.iter()).map(|(p, s)| s.iter().filter(|b| !p.orig.contains(b)).count()).sum()
}

#[test]
fn negative_cycles_are_found_in_hop_order() {
    let none = NO_HOP;
    // 0 -> 1 (-1), 1 -> 2 (0), 2 -> 0 (0): cost -1.
    let m = vec![none, -1, none, none, none, 0, 0, none, none];
    assert_eq!(negative_cycle(&m, 3), Some(vec![1, 2, 0]));
    // Same cycle costing +1: none.
    let m = vec![none, 1, none, none, none, 0, 0, none, none];
    assert_eq!(negative_cycle(&m, 3), None);
    assert_eq!(parent_cycle(&[usize::MAX, 0, 1]), None);
    assert_eq!(parent_cycle(&[2, 0, 1]), Some(vec![1, 2, 0]));
}

#[test]
fn cancelling_undoes_a_needless_swap() {
    // Partition 0 was on broker 0, partition 1 on broker 1; a placement
    // that swapped them (2 moves) has the same counts as no move at all.
    let parts: Vec<BPart> = (0..2)
        .map(|i| BPart { topic: 0, size: 0, size_known: false, orig: brokers(&[i]).into(), rf: 1, h: 1 })
        .collect();
    let rack_of = [0usize, 1];
    let target = [1usize, 1];
    let mut b = Balancer::new(&parts, &rack_of, 2, &target);
    b.set_slot(0, 0, BrokerIdx::new(1));
    b.set_slot(1, 0, BrokerIdx::new(0));
    assert_eq!(moves_of(&parts, &b.slots), 2);
    b.build_index();
    b.cancel_negative_cycles();
    assert_eq!(b.slots, placement(&[&[0], &[1]]));
}

#[test]
fn forced_destinations_cost_a_second_move() {
    // Brokers 0 and 1 remain. Five RF-2 partitions were on {0, drained}:
    // their new replica can only go to broker 1, which already holds ten
    // RF-1 partitions. Targets 10/10: five RF-1 partitions must leave
    // broker 1 as well, so 10 moves is the minimum (the movement lower
    // bound only sees the deficit of broker 0, 5).
    let mut parts: Vec<BPart> = (0..5)
        .map(|_| BPart {
            topic: 0,
            size: 0,
            size_known: false,
            orig: vec![BrokerIdx::new(0), BrokerIdx::EMPTY].into(),
            rf: 2,
            h: 2,
        })
        .collect();
    parts.extend((0..10).map(|_| BPart {
        topic: 1,
        size: 0,
        size_known: false,
        orig: brokers(&[1]).into(),
        rf: 1,
        h: 1,
    }));
    let rack_of = [0usize, 0];
    let target = [10usize, 10];
    let (slots, _) = Balancer::new(&parts, &rack_of, 1, &target).run();
    for s in slots.iter().take(5) {
        let mut v = s.to_vec();
        v.sort_unstable();
        assert_eq!(v, brokers(&[0, 1]));
    }
    assert_eq!(slots.iter().skip(5).filter(|s| s[0] == BrokerIdx::new(0)).count(), 5);
    assert_eq!(moves_of(&parts, &slots), 10);
}
