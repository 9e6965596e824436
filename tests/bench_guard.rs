//! The CI performance guard (`dctwin bench --guard`): it passes a tick at least as fast,
//! relative to the reference kernel, as its baseline allows, fails one that is slower with
//! exit 1, and rejects a malformed baseline with exit 2 and its location.

mod common;

use common::*;

/// Writes a baseline for the default scenario (a short warm afternoon) with `ratio`.
fn baseline(dir: &std::path::Path, ratio: &str) -> std::path::PathBuf {
    let scenario = file("scenarios/legacy_hall_blackwell.ron");
    let text = format!(
        "(scenario: {:?}, duration: \"1min\", start: Some((month: 7, day: 20, hour: 15.0)), ratio: {ratio}, max_drop: 0.25)",
        scenario.to_str().unwrap()
    );
    let path = dir.join("baseline.ron");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn guard_fails_a_tick_slower_than_the_baseline_allows_and_passes_one_within_it() {
    let dir = tempfile::tempdir().unwrap();
    // No model tick can be a thousand times cheaper per GPU than the two-pass naive layout.
    let slow = dctwin(&["bench", "--guard", baseline(dir.path(), "1000.0").to_str().unwrap()]);
    assert_eq!(slow.code, 1, "stdout:\n{}\nstderr:\n{}", slow.stdout, slow.stderr);
    assert!(slow.stderr.contains("slower relative to the reference"), "{}", slow.stderr);
    assert!(slow.stdout.contains("median ratio"), "{}", slow.stdout);
    // Nor a thousand times dearer.
    let fast = dctwin(&["bench", "--guard", baseline(dir.path(), "0.001").to_str().unwrap()]);
    assert_eq!(fast.code, 0, "stdout:\n{}\nstderr:\n{}", fast.stdout, fast.stderr);
}

#[test]
fn malformed_baseline_is_bad_input_with_its_location() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("baseline.ron");
    std::fs::write(&path, "(\n  scenario: \"x.ron\",\n  duration: \"1min\",\n  ratio: fast,\n  max_drop: 0.25,\n)")
        .unwrap();
    let out = dctwin(&["bench", "--guard", path.to_str().unwrap()]);
    assert_eq!(out.code, 2, "stderr:\n{}", out.stderr);
    assert!(out.stderr.contains("baseline.ron:4:"), "expected line 4 in:\n{}", out.stderr);
    assert!(out.stderr.contains("hint:"), "{}", out.stderr);
    assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
}
