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

/// A test data file (`tests/data/<name>`) with each `(from, to)` edit applied; every `from`
/// must occur exactly once, so a stale edit fails loudly instead of silently testing the base.
pub fn data_with(name: &str, edits: &[(&str, &str)]) -> String {
    let mut text = std::fs::read_to_string(file(&format!("tests/data/{name}"))).unwrap();
    for (from, to) in edits {
        assert_eq!(text.matches(from).count(), 1, "test edit `{from}` must match exactly once in {name}");
        text = text.replacen(from, to, 1);
    }
    text
}

/// Parses and validates scenario text through the library, as `dctwin run` does.
pub fn valid(text: &str) -> dctwin::scenario::validate::ValidScenario {
    valid_at(text, &root().join("tests/data"))
}

/// [`valid`] for a scenario whose relative paths (weather files) start at `base_dir`.
pub fn valid_at(text: &str, base_dir: &Path) -> dctwin::scenario::validate::ValidScenario {
    let loaded = dctwin::scenario::load::parse_str(text, "test.ron", base_dir).expect("parses");
    dctwin::scenario::validate::validate(loaded).unwrap_or_else(|e| panic!("scenario is valid: {e}"))
}

/// A scenario being stepped tick by tick, so a test can read any component between ticks.
pub struct Sim {
    /// The app (its world holds the whole site).
    pub app: bevy::app::App,
}

impl Sim {
    /// Builds the world of scenario `text` (1 s time-series rows kept in memory).
    pub fn new(text: &str) -> Self {
        let opts = dctwin::scenario::build::BuildOptions {
            interval: Some(dctwin::units::SimDuration::from_secs(1)),
            keep_timeseries: true,
            ..Default::default()
        };
        Self { app: dctwin::scenario::build::build_app(&valid(text), opts) }
    }

    /// The world.
    pub fn world(&mut self) -> &mut bevy::ecs::world::World {
        self.app.world_mut()
    }

    /// Start time of the next tick, s.
    pub fn t_s(&self) -> f64 {
        self.app.world().resource::<dctwin::schedule::SimClock>().t_s()
    }

    /// Runs one tick.
    pub fn step(&mut self) {
        dctwin::schedule::step(self.world());
    }

    /// Runs ticks until the next tick starts at `t_s`.
    pub fn run_until(&mut self, t_s: f64) {
        while self.t_s() < t_s - 1e-9 {
            self.step();
        }
    }

    /// Runs to the end of the scenario and returns its summary.
    pub fn finish(&mut self) -> dctwin::metrics::Summary {
        dctwin::schedule::run_to_end(self.world());
        dctwin::metrics::summarize(self.world(), "test", 0)
    }

    /// Component `C` of the electrical node with id `id`.
    pub fn node<C: bevy::ecs::component::Component + Clone>(&mut self, id: &str) -> C {
        let world = self.world();
        let mut q = world.query::<(bevy::ecs::entity::Entity, &dctwin::power::PowerNode)>();
        let e = q.iter(world).find(|(_, n)| n.id == id).map(|(e, _)| e).unwrap_or_else(|| panic!("no node {id}"));
        world.get::<C>(e).unwrap_or_else(|| panic!("node {id} lacks the component")).clone()
    }

    /// Every logged event so far.
    pub fn events(&self) -> Vec<dctwin::events::LogEvent> {
        self.app.world().resource::<dctwin::events::EventLog>().events.clone()
    }

    /// The time series so far (1 s rows).
    pub fn series(&self) -> Series {
        let ts = self.app.world().resource::<dctwin::metrics::Timeseries>();
        Series { header: ts.header.clone(), rows: ts.rows.clone() }
    }
}

/// Time-series rows with their header.
pub struct Series {
    /// Column names.
    pub header: Vec<String>,
    /// Rows.
    pub rows: Vec<Vec<f64>>,
}

impl Series {
    /// Column `name`, one value per row.
    pub fn col(&self, name: &str) -> Vec<f64> {
        let i = self.header.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name}"));
        self.rows.iter().map(|r| r[i]).collect()
    }
}

/// Times (s) of the events of `kind` about `subject` (any subject if `None`).
pub fn event_times(
    events: &[dctwin::events::LogEvent],
    kind: dctwin::events::EventKind,
    subject: Option<&str>,
) -> Vec<f64> {
    events.iter().filter(|e| e.kind == kind && subject.is_none_or(|s| e.subject == s)).map(|e| e.t_s).collect()
}

/// Time (s) of the only event of `kind` about `subject`; panics with the log if there is not
/// exactly one.
pub fn only_event(events: &[dctwin::events::LogEvent], kind: dctwin::events::EventKind, subject: &str) -> f64 {
    let t = event_times(events, kind, Some(subject));
    assert_eq!(t.len(), 1, "expected one {kind:?} on {subject}, got {t:?}\n{}", timeline(events));
    t[0]
}

/// The event log as text, for assertion messages.
pub fn timeline(events: &[dctwin::events::LogEvent]) -> String {
    events.iter().map(|e| format!("{:>8.2} {:?} {} {}\n", e.t_s, e.kind, e.subject, e.message)).collect()
}
