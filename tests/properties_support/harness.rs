//! The runner behind every property: proptest's own (it reads `PROPTEST_CASES`, shrinks a
//! failure and saves it under `proptest-regressions/`), plus a count of the inputs generated and,
//! when scripts/fuzz.sh asks with `AIDA_PROPERTY_PROGRESS=1`, progress lines on stderr.
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use proptest::strategy::Strategy;
use proptest::test_runner::{Config, FileFailurePersistence, TestCaseError, TestRunner};

pub type Outcome = Result<(), TestCaseError>;

/// Runs `test` on inputs drawn from `strategy`; a panic inside it is a failure like any other.
#[track_caller]
pub fn check<S>(name: &str, strategy: S, test: impl Fn(S::Value) -> Outcome)
where
    S: Strategy,
    S::Value: std::fmt::Debug,
{
    let config = Config {
        // The calling test file, so a saved failure is replayed by the property that found it.
        source_file: Some(std::panic::Location::caller().file()),
        // Beside it: tests/properties.proptest-regressions (proptest's default looks for lib.rs).
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource(
            "proptest-regressions",
        ))),
        ..Config::default()
    };
    let total = u64::from(config.cases);
    let progress = std::env::var_os("AIDA_PROPERTY_PROGRESS").is_some();
    let step = (total / 10).max(1);
    let count = AtomicU64::new(0);
    let started = Instant::now();
    let mut runner = TestRunner::new(config);
    let result = runner.run(&strategy, |value| {
        let n = count.fetch_add(1, Ordering::Relaxed) + 1;
        if progress && n.is_multiple_of(step) {
            eprintln!(
                "property {name}: {n}/{total} inputs, {:.0} s",
                started.elapsed().as_secs_f64()
            );
        }
        test(value)
    });
    if progress {
        // scripts/fuzz.sh adds these lines up; keep the format.
        eprintln!(
            "property {name}: {} inputs in {:.1} s: {}",
            count.load(Ordering::Relaxed),
            started.elapsed().as_secs_f64(),
            if result.is_ok() { "ok" } else { "FAILED" }
        );
    }
    if let Err(err) = result {
        panic!("property {name}: {err}");
    }
}
