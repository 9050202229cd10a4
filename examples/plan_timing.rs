//! Times every planner benchmark case (`benches/support/plan_cases.rs`) `RUNS` times in turn, for
//! `scripts/bench/planner.sh`: one tab-separated line per case on stdout,
//! `name  median_ms  min_ms  max_ms  figures`. Cases in turn (A B C A B C ...) so drift spreads
//! over all of them.
//!
//!     cargo run --release --example plan_timing -- [RUNS]    # default 5

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test (or tool) fails by panicking

#[path = "../benches/support/plan_cases.rs"]
mod plan_cases;

use std::time::Instant;

use kdeck::plan::{plan, PlanRequest, Scope};

fn main() {
    let runs: usize = std::env::args().nth(1).map(|s| s.parse().expect("RUNS: a number")).unwrap_or(5).max(1);
    let cases = plan_cases::cases();
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
    let mut figures: Vec<String> = vec![String::new(); cases.len()];
    for run in 0..runs {
        for (i, case) in cases.iter().enumerate() {
            let t0 = Instant::now();
            let p = plan(&case.state, &reqs[i]).unwrap_or_else(|e| panic!("{}: plan failed: {e}", case.name));
            times[i].push(t0.elapsed().as_secs_f64() * 1000.0);
            figures[i] = plan_cases::describe(&p);
            eprintln!("plan_timing: run {}/{runs} {} {:.0} ms", run + 1, case.name, times[i][run]);
        }
    }
    for (i, case) in cases.iter().enumerate() {
        let mut t = times[i].clone();
        t.sort_by(f64::total_cmp);
        let median = if t.len() % 2 == 1 { t[t.len() / 2] } else { (t[t.len() / 2 - 1] + t[t.len() / 2]) / 2.0 };
        println!("{}\t{median:.0}\t{:.0}\t{:.0}\t{}", case.name, t[0], t[t.len() - 1], figures[i]);
    }
}
