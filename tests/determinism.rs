//! Same scenario and seed ⇒ byte-identical results; another seed ⇒ different draws.

mod common;

use common::*;

fn read_all(dir: &std::path::Path) -> Vec<Vec<u8>> {
    ["timeseries.csv", "events.jsonl", "summary.json"].iter().map(|f| std::fs::read(dir.join(f)).unwrap()).collect()
}

#[test]
fn same_scenario_and_seed_give_byte_identical_results() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let scenario = file("tests/data/small_hall.ron");
    assert_eq!(run(&scenario, a.path(), &["--interval", "1s", "-q"]).code, 0);
    assert_eq!(run(&scenario, b.path(), &["--interval", "1s", "-q"]).code, 0);
    let (ra, rb) = (read_all(a.path()), read_all(b.path()));
    for (i, name) in ["timeseries.csv", "events.jsonl", "summary.json"].iter().enumerate() {
        assert!(ra[i] == rb[i], "{name} differs between two identical runs");
    }
}

#[test]
fn a_different_seed_changes_the_random_draws() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let scenario = file("tests/data/small_hall.ron");
    assert_eq!(run(&scenario, a.path(), &["--seed", "1", "-q"]).code, 0);
    assert_eq!(run(&scenario, b.path(), &["--seed", "2", "-q"]).code, 0);
    assert_ne!(read_all(a.path())[0], read_all(b.path())[0], "workload noise and weather depend on the seed");
}

#[test]
fn the_output_interval_does_not_change_the_simulation() {
    // Sampling is an observer: a run sampled every second and one sampled every minute end
    // in the same state.
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let scenario = file("tests/data/small_hall.ron");
    assert_eq!(run(&scenario, a.path(), &["--interval", "1s", "-q"]).code, 0);
    assert_eq!(run(&scenario, b.path(), &["--interval", "1min", "-q"]).code, 0);
    assert_eq!(
        std::fs::read(a.path().join("summary.json")).unwrap(),
        std::fs::read(b.path().join("summary.json")).unwrap()
    );
    assert_eq!(
        std::fs::read(a.path().join("events.jsonl")).unwrap(),
        std::fs::read(b.path().join("events.jsonl")).unwrap()
    );
}

#[test]
fn sharing_rack_loops_among_threads_changes_no_bit() {
    // Per-rack loops may run on every core; their sums are taken in query order, so a run
    // with them spread over threads equals a run on one thread bit for bit.
    let text = std::fs::read_to_string(file("scenarios/legacy_hall_blackwell.ron")).unwrap();
    let v = valid_at(&text, &file("scenarios"));
    let run = |parallel: bool| {
        let opts = dctwin::scenario::build::BuildOptions {
            parallel: Some(parallel),
            keep_timeseries: true,
            interval: Some(dctwin::units::SimDuration::from_secs(10)),
            ..Default::default()
        };
        let mut done = dctwin::run::simulate(&v, opts);
        let rows = done.app.world_mut().resource::<dctwin::metrics::Timeseries>().rows.clone();
        (serde_json::to_string(&done.summary).unwrap(), dctwin::report::events_jsonl(&done.events), rows)
    };
    let (a, b) = (run(false), run(true));
    assert!(a.0 == b.0, "summaries differ");
    assert!(a.1 == b.1, "event logs differ");
    assert!(
        a.2.iter().flatten().zip(b.2.iter().flatten()).all(|(x, y)| x.to_bits() == y.to_bits()),
        "time series differ"
    );
}
