//! Helpers shared by the integration tests: run the `dctwin` binary as a user would, and
//! load scenarios through the library.

#![allow(dead_code, reason = "each test file uses a different subset")]

use std::path::{Path, PathBuf};
use std::process::Command;

/// Repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A shipped scenario or test data file, by path relative to the repository root.
pub fn file(rel: &str) -> PathBuf {
    root().join(rel)
}

/// What a run of the binary printed and returned.
pub struct Output {
    /// Exit code.
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

/// Runs `dctwin` with `args` from the repository root.
pub fn dctwin(args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_dctwin")).args(args).current_dir(root()).output().expect("binary runs");
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs a scenario file into `out`, returning the process output.
pub fn run(scenario: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["run", scenario.to_str().unwrap(), "--out", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    dctwin(&args)
}

/// Parses `summary.json` of a finished run.
pub fn summary(out: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(out.join("summary.json")).expect("summary.json written");
    serde_json::from_str(&text).expect("summary.json is JSON")
}

/// Writes `text` as a scenario file in `dir` and returns its path.
pub fn write_scenario(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// The small test hall with `from` replaced by `to` (exactly once).
pub fn small_hall_with(from: &str, to: &str) -> String {
    let base = std::fs::read_to_string(file("tests/data/small_hall.ron")).unwrap();
    assert_eq!(base.matches(from).count(), 1, "test edit `{from}` must match exactly once");
    base.replacen(from, to, 1)
}

/// 1-based line of the first occurrence of `needle` in `text`.
pub fn line_of(text: &str, needle: &str) -> usize {
    let at = text.find(needle).unwrap_or_else(|| panic!("`{needle}` not in text"));
    text[..at].matches('\n').count() + 1
}
