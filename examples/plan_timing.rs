//! Times every planner benchmark case (`benches/support/plan_cases.rs`) `RUNS` times in turn, for
//! `scripts/bench/planner.sh`: one tab-separated line per case on stdout,
//! `name  median_ms  min_ms  max_ms  figures  cpu_median_ms  plan_hash` (wall time, then the
//! figures of the plan, then the planning thread's CPU time: on a shared machine wall time also
//! counts the time other processes had the CPU; last a hash of the plan's reassignment JSON and
//! summary, to check that a faster planner plans the same). Cases in turn (A B C A B C ...) so drift spreads
//! over all of them.
//!
//!     cargo run --release --example plan_timing -- [RUNS [CASE]]    # default 5 runs, every case
//!
//! CASE: only the cases whose name contains it (e.g. `one_rack`, to profile one case).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test (or tool) fails by panicking

#[path = "../benches/support/plan_cases.rs"]
mod plan_cases;

use std::hash::{DefaultHasher, Hash, Hasher};
use std::time::Instant;

use kdeck::plan::{plan, PlanRequest, Scope};

fn main() {
    let runs: usize = std::env::args().nth(1).map(|s| s.parse().expect("RUNS: a number")).unwrap_or(5).max(1);
    let only = std::env::args().nth(2).unwrap_or_default();
    let cases: Vec<_> = plan_cases::cases().into_iter().filter(|c| c.name.contains(only.as_str())).collect();
    let reqs: Vec<PlanRequest> = cases
        .iter()
        .map(|c| PlanRequest {
            goal: c.goal.clone(),
            scope: Scope::All,
            target_brokers: Vec::new(),
            include_unhealthy: false,
        })
        .collect();
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); cases.len()];
    let mut cpu: Vec<Vec<f64>> = vec![Vec::new(); cases.len()];
    let mut figures: Vec<String> = vec![String::new(); cases.len()];
    let mut hashes: Vec<u64> = vec![0; cases.len()];
    for run in 0..runs {
        for (i, case) in cases.iter().enumerate() {
            let (t0, c0) = (Instant::now(), thread_cpu_ms());
            let p = plan(&case.state, &reqs[i]).unwrap_or_else(|e| panic!("{}: plan failed: {e}", case.name));
            times[i].push(t0.elapsed().as_secs_f64() * 1000.0);
            cpu[i].push(thread_cpu_ms() - c0);
            figures[i] = plan_cases::describe(&p);
            hashes[i] = json_hash(&p.reassignment_json(), &serde_json::to_string(&p.summary).expect("summary JSON"));
            eprintln!(
                "plan_timing: run {}/{runs} {} {:.0} ms ({:.0} ms CPU)",
                run + 1,
                case.name,
                times[i][run],
                cpu[i][run]
            );
        }
    }
    for (i, case) in cases.iter().enumerate() {
        let t = sorted(&times[i]);
        println!(
            "{}\t{:.0}\t{:.0}\t{:.0}\t{}\t{:.0}\t{:016x}",
            case.name,
            median(&t),
            t[0],
            t[t.len() - 1],
            figures[i],
            median(&sorted(&cpu[i])),
            hashes[i]
        );
    }
}

/// SipHash with fixed keys: the same JSON gives the same hash in every run of one build.
fn json_hash(reassignment: &str, summary: &str) -> u64 {
    let mut h = DefaultHasher::new();
    reassignment.hash(&mut h);
    summary.hash(&mut h);
    h.finish()
}

fn sorted(v: &[f64]) -> Vec<f64> {
    let mut t = v.to_vec();
    t.sort_by(f64::total_cmp);
    t
}

fn median(t: &[f64]) -> f64 {
    if t.len() % 2 == 1 {
        t[t.len() / 2]
    } else {
        (t[t.len() / 2 - 1] + t[t.len() / 2]) / 2.0
    }
}

/// CPU time of the calling thread so far, in milliseconds.
fn thread_cpu_ms() -> f64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid, writable timespec; CLOCK_THREAD_CPUTIME_ID exists on Linux.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
    ts.tv_sec as f64 * 1000.0 + ts.tv_nsec as f64 / 1e6
}
