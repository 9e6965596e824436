//! Running a scenario to its end, headless, as fast as the CPU allows.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use bevy::prelude::*;

use crate::events::{EventLog, LogEvent};
use crate::metrics::guard::NumericFault;
use crate::metrics::{Summary, Timeseries, summarize};
use crate::report::resultset::{ResultSet, SetError};
use crate::report::{AtomicFile, events_jsonl};
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
    simulate_observed(v, opts, setup, None)
}

/// [`simulate_with`], showing a progress bar with the simulated time and an ETA when `progress`
/// is given (indicatif hides it where stderr is not a terminal). The bar only reads the clock:
/// results are the same with or without it.
pub fn simulate_observed(
    v: &ValidScenario,
    opts: BuildOptions,
    setup: impl FnOnce(&mut App),
    progress: Option<&indicatif::ProgressBar>,
) -> Finished {
    let mut app = build_app(v, opts);
    setup(&mut app);
    let start = Instant::now();
    let ticks = match progress {
        None => run_to_end(app.world_mut()),
        Some(bar) => run_with_progress(app.world_mut(), bar),
    };
    let wall_s = start.elapsed().as_secs_f64();
    let s = &v.loaded.scenario;
    let seed = app.world().resource::<crate::schedule::SimRng>().seed();
    let summary = summarize(app.world_mut(), &s.name, seed);
    let events = app.world().resource::<EventLog>().events.clone();
    Finished { summary, events, app, ticks, wall_s }
}

/// Runs to the end, moving `bar` (simulated seconds) at most ten times a second.
fn run_with_progress(world: &mut World, bar: &indicatif::ProgressBar) -> u64 {
    let mut n = 0;
    let mut shown = Instant::now();
    loop {
        let clock = world.resource::<crate::schedule::SimClock>();
        if clock.finished() {
            break;
        }
        if n % 256 == 0 && shown.elapsed().as_millis() >= 100 {
            bar.set_position(clock.t_ms / 1_000);
            shown = Instant::now();
        }
        crate::schedule::step(world);
        n += 1;
    }
    bar.finish_and_clear();
    n
}

/// Options of a run that writes results to disk.
pub struct RunToDisk {
    /// Output directory.
    pub out_dir: PathBuf,
    /// Build options (the time-series sink is set here).
    pub build: BuildOptions,
    /// Show a progress bar on a terminal.
    pub progress: bool,
}

/// The files of a run's result directory (and the report `dctwin report` adds to it).
pub const RUN_FILES: &[&str] = &["timeseries.csv", "events.jsonl", "summary.json", "inlets_worst.csv", "report"];

/// Runs a scenario and writes `timeseries.csv`, `events.jsonl`, `summary.json` and
/// `inlets_worst.csv` (every rack's inlet when the hottest one peaked) to `out_dir` as one set
/// ([`ResultSet`]): readers see the previous set or this one, never a mix; a run that fails
/// (or stops on a numeric fault) leaves the previous set as it was.
pub fn run_to_disk(v: &ValidScenario, mut opts: RunToDisk) -> Result<Finished, SetError> {
    let set = ResultSet::begin(&opts.out_dir, RUN_FILES)?;
    let ts = "timeseries.csv";
    let ts_error = |e: io::Error| set.error(ts, e);
    let sink = SharedSink(Arc::new(Mutex::new(AtomicFile::create(&set.path(ts)).map_err(ts_error)?)));
    opts.build.timeseries_sink = Some(Box::new(sink.clone()));
    let bar = opts.progress.then(|| progress_bar(v, &opts.build));
    let mut done = simulate_observed(v, opts.build, crate::report::worst::install, bar.as_ref());
    if done.app.world().get_resource::<NumericFault>().is_some_and(|f| f.0.is_some()) {
        // A broken run writes nothing: the staged set is dropped and the previous results stay
        // as they were.
        return Ok(done);
    }
    if let Some(e) = done.app.world_mut().resource_mut::<Timeseries>().close() {
        return Err(ts_error(io::Error::other(e)));
    }
    let file = Arc::try_unwrap(sink.0).map_err(|_| ts_error(io::Error::other("time-series sink still shared")))?;
    file.into_inner().map_err(|_| ts_error(io::Error::other("sink poisoned")))?.commit().map_err(ts_error)?;
    set.write("events.jsonl", events_jsonl(&done.events).as_bytes())?;
    let json =
        serde_json::to_string_pretty(&done.summary).map_err(|e| set.error("summary.json", io::Error::other(e)))?;
    set.write("summary.json", json.as_bytes())?;
    let worst = crate::report::worst::inlets_csv(done.app.world().resource::<crate::report::worst::WorstInlets>());
    set.write("inlets_worst.csv", worst.as_bytes())?;
    set.commit()?;
    Ok(done)
}

/// Default output directory for a scenario file: `results/<file stem>`.
pub fn default_out_dir(scenario: &Path) -> PathBuf {
    let stem = scenario.file_stem().and_then(|s| s.to_str()).unwrap_or("run");
    PathBuf::from("results").join(stem)
}

/// A progress bar over the run's simulated seconds (hidden where stderr is not a terminal).
fn progress_bar(v: &ValidScenario, build: &BuildOptions) -> indicatif::ProgressBar {
    let duration = build.duration.unwrap_or(v.loaded.scenario.duration);
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(duration.as_ms() / 1_000),
        indicatif::ProgressDrawTarget::stderr_with_hz(10),
    );
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{bar:40} {percent:>3}% of the simulated time, {elapsed} elapsed, ETA {eta}",
    ) {
        bar.set_style(style);
    }
    bar
}

/// What a run will cost, known before it starts: ticks, racks, time-series rows and bytes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    /// Fewest ticks (the duration over the longest tick).
    pub ticks_min: f64,
    /// Most ticks (the duration over the shortest tick).
    pub ticks_max: f64,
    /// Racks.
    pub racks: usize,
    /// Time-series rows.
    pub rows: f64,
    /// Time-series bytes (a generous 16 bytes per value).
    pub bytes: f64,
}

/// Bytes per time-series value in the estimate: a value prints in 4–12 characters plus a comma.
const BYTES_PER_VALUE: f64 = 16.0;
/// Most rack-ticks a run may do without `--force`: about a day of computation at the ~10⁷
/// rack-ticks per second this machine class reaches (docs/performance.md).
pub const MAX_RACK_TICKS: f64 = 1e12;
/// Most time-series rows without `--force` (10⁹ rows is tens of GB no tool reads whole).
pub const MAX_ROWS: f64 = 1e9;
/// Most ticks without `--force`: 10⁹ ticks take hours even for one rack (a century at 1 s is
/// 3·10⁹; a year needs 5·10⁴ adaptive ticks).
pub const MAX_TICKS: f64 = 1e9;

/// The estimate of running `v` with `build`'s overrides.
pub fn estimate(v: &ValidScenario, build: &BuildOptions) -> Estimate {
    let s = &v.loaded.scenario;
    let duration = build.duration.unwrap_or(s.duration).as_secs_f64();
    let tick = s.tick.as_secs_f64().max(1e-3);
    let max_tick = build.max_tick.or(s.max_tick).unwrap_or(s.tick).as_secs_f64().max(tick);
    let interval = build.interval.unwrap_or(s.output.interval).as_secs_f64().max(1e-3);
    let racks: usize = v.plant.halls.iter().flat_map(|h| &h.rows).map(|r| r.racks.len()).sum();
    let rows = (duration / interval).ceil() + 1.0;
    let columns = (crate::metrics::SITE_COLUMNS.len() + 5 * v.plant.halls.len()) as f64;
    Estimate {
        // Ticks land on output rows, so none is longer than the row interval either.
        ticks_min: (duration / max_tick.min(interval)).ceil(),
        ticks_max: (duration / tick).ceil(),
        racks,
        rows,
        bytes: rows * columns * BYTES_PER_VALUE,
    }
}

impl Estimate {
    /// The tick count as text: one number for a fixed step, a range for an adaptive one.
    pub fn ticks_text(&self) -> String {
        if self.ticks_min == self.ticks_max {
            format!("{:.0}", self.ticks_max)
        } else {
            format!("{:.0}–{:.0}", self.ticks_min, self.ticks_max)
        }
    }

    /// Why the run should not start without `--force`, if it should not: output that would
    /// not fit `free_bytes`, or work or rows beyond any useful run.
    pub fn refusal(&self, free_bytes: Option<u64>) -> Option<String> {
        let work = self.ticks_min * self.racks.max(1) as f64;
        if let Some(free) = free_bytes
            && self.bytes > free as f64
        {
            return Some(format!(
                "the time series would take about {} and {} are free",
                human_bytes(self.bytes),
                human_bytes(free as f64)
            ));
        }
        if self.rows > MAX_ROWS {
            return Some(format!("{:.1e} time-series rows ({})", self.rows, human_bytes(self.bytes)));
        }
        if self.ticks_min > MAX_TICKS {
            return Some(format!(
                "at least {:.1e} ticks (more than {MAX_TICKS:.0e}); an adaptive max_tick or a longer tick needs far fewer",
                self.ticks_min
            ));
        }
        if work > MAX_RACK_TICKS {
            return Some(format!(
                "at least {:.1e} ticks × {} racks = {work:.1e} rack-ticks, about {:.0} h of computation",
                self.ticks_min,
                self.racks,
                work / 1e7 / 3_600.0
            ));
        }
        None
    }
}

/// Bytes in kB, MB, GB or TB.
pub fn human_bytes(b: f64) -> String {
    let units = ["B", "kB", "MB", "GB", "TB", "PB"];
    let mut v = b;
    let mut k = 0;
    while v >= 1_000.0 && k + 1 < units.len() {
        v /= 1_000.0;
        k += 1;
    }
    format!("{v:.1} {}", units[k])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn est(ticks: f64, racks: usize, rows: f64, bytes: f64) -> Estimate {
        Estimate { ticks_min: ticks, ticks_max: ticks, racks, rows, bytes }
    }

    #[test]
    fn runs_that_cannot_end_well_are_refused_and_ordinary_ones_are_not() {
        // A year of a 1 MW hall on 10-minute ticks with hourly rows: nothing to object to.
        assert_eq!(est(52_560.0, 100, 8_761.0, 8_761.0 * 30.0 * 16.0).refusal(Some(10_000_000_000)), None);
        // Output larger than the free space.
        let r = est(86_400.0, 18, 86_401.0, 5e9).refusal(Some(1_000_000_000)).unwrap();
        assert!(r.contains("5.0 GB") && r.contains("1.0 GB are free"), "{r}");
        // A century at 1 s: 3·10⁹ ticks.
        assert!(est(3.15e9, 18, 5e7, 1e10).refusal(None).unwrap().contains("ticks"));
        // A 100 MW site for a year at 1 s: 3·10⁷ ticks × 72,000 racks.
        assert!(est(3.15e7, 72_000, 8_761.0, 1e7).refusal(None).unwrap().contains("rack-ticks"));
    }
}
