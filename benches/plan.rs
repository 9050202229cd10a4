//! The planner at 100k partitions over 50 brokers (cases in `support/plan_cases.rs`): criterion timings;
//! the figures of each plan are printed once first.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test (or tool) fails by panicking

#[path = "support/plan_cases.rs"]
mod plan_cases;

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use kdeck::plan::{plan, PlanRequest, Scope};

fn bench(c: &mut Criterion) {
    for case in plan_cases::cases() {
        let req =
            PlanRequest { goal: case.goal, scope: Scope::All, target_brokers: Vec::new(), include_unhealthy: false };
        match plan(&case.state, &req) {
            Ok(p) => eprintln!("{}: {}", case.name, plan_cases::describe(&p)),
            Err(e) => eprintln!("{}: plan failed: {e}", case.name),
        }
        c.bench_function(case.name, |b| b.iter(|| plan(black_box(&case.state), black_box(&req))));
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = bench
}
criterion_main!(benches);
