//! A result directory always holds exactly one complete set of files — the previous run's or
//! the new one's — whatever happens to the run writing it (issue 16): killed with SIGKILL at 20
//! moments spread over its run, or stopped by a full disk. The next run leaves no temporaries.
//!
//! Runs are deterministic, so "complete" is checked byte for byte: after every kill the
//! directory must equal, file for file, one of the two reference sets.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

/// The files of a directory and their bytes.
fn set_of(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap())
        .map(|e| (e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap()))
        .collect()
}

/// Names in `dir` other than `keep`.
fn others(dir: &Path, keep: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !keep.contains(&n.as_str()))
        .collect();
    v.sort();
    v
}

/// `dctwin run` of the small hall for a day with 1 s rows (≈ 15 MB of time series), seed `seed`.
fn run_args(out: &Path, seed: u64) -> Vec<String> {
    [
        "run",
        file("tests/data/small_hall.ron").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--seed",
        &seed.to_string(),
        "--duration",
        "24h",
        "--interval",
        "1s",
        "-q",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

fn complete_run(out: &Path, seed: u64) -> Duration {
    let start = Instant::now();
    let o = Command::new(env!("CARGO_BIN_EXE_dctwin")).args(run_args(out, seed)).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    start.elapsed()
}

#[test]
fn killed_runs_leave_the_old_set_or_the_new_one_never_a_mix() {
    let root = tempfile::tempdir().unwrap();
    let (ref_a, ref_b, out) = (root.path().join("ref-a"), root.path().join("ref-b"), root.path().join("out"));
    let full = complete_run(&ref_a, 1).max(complete_run(&ref_b, 2));
    let (set_a, set_b) = (set_of(&ref_a), set_of(&ref_b));
    assert_eq!(set_a.len(), 4);
    assert_ne!(set_a, set_b, "two seeds give two different sets");
    complete_run(&out, 1);
    let mut current = 1;
    // Kill moments spread over 0–120 % of a full run (a fixed sequence: the test is repeatable).
    let mut seen = BTreeMap::new();
    for k in 0..20u64 {
        let seed = if current == 1 { 2 } else { 1 };
        let delay = full.mul_f64(((k * 7) % 20) as f64 / 20.0 * 1.2);
        let mut child = Command::new(env!("CARGO_BIN_EXE_dctwin"))
            .args(run_args(&out, seed))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        let _ = child.kill(); // SIGKILL
        let status = child.wait().unwrap();
        let now = set_of(&out);
        let which = if now == set_a {
            1
        } else if now == set_b {
            2
        } else {
            panic!(
                "kill {k} after {delay:?}: {} holds neither complete set: {:?}",
                out.display(),
                now.keys().collect::<Vec<_>>()
            )
        };
        assert!(which == current || which == seed, "kill {k}: an unexpected set");
        *seen.entry(if which == current { "old" } else { "new" }).or_insert(0) += 1;
        if status.success() {
            assert_eq!(which, seed, "a finished run left its own set");
        }
        current = which;
    }
    assert!(seen.contains_key("old"), "some kills must land mid-run: {seen:?}");
    // The next complete run cleans whatever the killed ones left beside the directory.
    complete_run(&out, 1);
    assert_eq!(set_of(&out), set_a);
    assert_eq!(others(root.path(), &["ref-a", "ref-b", "out"]), Vec::<String>::new(), "stale temporaries");
}

#[test]
fn a_full_disk_names_the_file_and_keeps_the_previous_set() {
    // A file-size limit stands in for a full disk: writes past it fail (EFBIG) exactly where
    // ENOSPC would, with SIGXFSZ ignored so the run sees the error instead of dying.
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("out");
    let mut small = run_args(&out, 1);
    small[7] = "1h".to_owned(); // --duration 1h: ≈ 0.6 MB, under the limit
    let o = Command::new(env!("CARGO_BIN_EXE_dctwin")).args(&small).output().unwrap();
    assert!(o.status.success());
    let before = set_of(&out);
    let args: Vec<String> = run_args(&out, 2);
    let script = format!("trap '' XFSZ; ulimit -f 2048; exec \"$0\" {}", shell_words(&args));
    let o = Command::new("bash").arg("-c").arg(&script).arg(env!("CARGO_BIN_EXE_dctwin")).output().unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "exit 2 on a write error; stderr:\n{stderr}");
    assert!(stderr.contains("timeseries.csv"), "the error names the file:\n{stderr}");
    assert!(stderr.contains("File too large") || stderr.contains("No space left"), "and the cause:\n{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(set_of(&out), before, "the previous set is untouched");
    assert_eq!(others(root.path(), &["out"]), Vec::<String>::new(), "no temporaries left behind");
}

fn shell_words(args: &[String]) -> String {
    args.iter().map(|a| format!("'{}'", a.replace('\'', "'\\''"))).collect::<Vec<_>>().join(" ")
}
