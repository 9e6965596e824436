//! Running a scenario to its end, headless, as fast as the CPU allows.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use bevy::prelude::*;

use crate::events::{EventLog, LogEvent};
use crate::metrics::guard::NumericFault;
use crate::metrics::{Summary, Timeseries, summarize};
use crate::report::{AtomicFile, events_jsonl, write_atomic};
use crate::scenario::build::{BuildOptions, build_app};
use crate::scenario::validate::ValidScenario;
use crate::schedule::run_to_end;

/// A `Write` shared between the simulation (which streams rows) and the caller (which commits
/// the file when the run succeeds).
#[derive(Clone)]
pub struct SharedSink(pub Arc<Mutex<AtomicFile>>);

impl Write for SharedSink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().map_err(|_| io::Error::other("sink poisoned"))?.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.lock().map_err(|_| io::Error::other("sink poisoned"))?.flush()
    }
}

/// What a finished run leaves.
pub struct Finished {
    /// The summary.
    pub summary: Summary,
    /// Every logged event.
    pub events: Vec<LogEvent>,
    /// The app, for inspection (tests, viewer hand-over).
    pub app: App,
    /// Ticks run.
    pub ticks: u64,
    /// Wall-clock seconds of the simulation loop.
    pub wall_s: f64,
}

/// Builds and runs a scenario to its end.
pub fn simulate(v: &ValidScenario, opts: BuildOptions) -> Finished {
    simulate_with(v, opts, |_| {})
}

/// Builds a scenario, lets `setup` add observers to the app, and runs it to its end.
pub fn simulate_with(v: &ValidScenario, opts: BuildOptions, setup: impl FnOnce(&mut App)) -> Finished {
    let mut app = build_app(v, opts);
    setup(&mut app);
    let start = Instant::now();
    let ticks = run_to_end(app.world_mut());
    let wall_s = start.elapsed().as_secs_f64();
    let s = &v.loaded.scenario;
    let seed = app.world().resource::<crate::schedule::SimRng>().seed();
    let summary = summarize(app.world_mut(), &s.name, seed);
    let events = app.world().resource::<EventLog>().events.clone();
    Finished { summary, events, app, ticks, wall_s }
}

/// Options of a run that writes results to disk.
pub struct RunToDisk {
    /// Output directory.
    pub out_dir: PathBuf,
    /// Build options (the time-series sink is set here).
    pub build: BuildOptions,
}

/// Runs a scenario and writes `timeseries.csv`, `events.jsonl`, `summary.json` and
/// `inlets_worst.csv` (every rack's inlet when the hottest one peaked) to `out_dir`, each
/// atomically.
pub fn run_to_disk(v: &ValidScenario, mut opts: RunToDisk) -> io::Result<Finished> {
    std::fs::create_dir_all(&opts.out_dir)?;
    let ts_path = opts.out_dir.join("timeseries.csv");
    let sink = SharedSink(Arc::new(Mutex::new(AtomicFile::create(&ts_path)?)));
    opts.build.timeseries_sink = Some(Box::new(sink.clone()));
    let mut done = simulate_with(v, opts.build, crate::report::worst::install);
    if done.app.world().get_resource::<NumericFault>().is_some_and(|f| f.0.is_some()) {
        // A broken run writes nothing: the time series' temporary file is dropped uncommitted
        // and the previous results stay as they were.
        return Ok(done);
    }
    let ts_error = done.app.world_mut().resource_mut::<Timeseries>().close();
    if let Some(e) = ts_error {
        return Err(io::Error::other(format!("writing timeseries.csv: {e}")));
    }
    let file = Arc::try_unwrap(sink.0).map_err(|_| io::Error::other("time-series sink still shared"))?;
    file.into_inner().map_err(|_| io::Error::other("sink poisoned"))?.commit()?;
    write_atomic(&opts.out_dir.join("events.jsonl"), events_jsonl(&done.events).as_bytes())?;
    let json = serde_json::to_string_pretty(&done.summary).map_err(io::Error::other)?;
    write_atomic(&opts.out_dir.join("summary.json"), json.as_bytes())?;
    let worst = crate::report::worst::inlets_csv(done.app.world().resource::<crate::report::worst::WorstInlets>());
    write_atomic(&opts.out_dir.join("inlets_worst.csv"), worst.as_bytes())?;
    Ok(done)
}

/// Default output directory for a scenario file: `results/<file stem>`.
pub fn default_out_dir(scenario: &Path) -> PathBuf {
    let stem = scenario.file_stem().and_then(|s| s.to_str()).unwrap_or("run");
    PathBuf::from("results").join(stem)
}
