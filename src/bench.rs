//! `dctwin bench`: whole-scenario speed and memory, headless, without writing results.
//!
//! Reports per scenario the entities in the world, the ticks run, the median wall time over
//! the repetitions, ticks per second, the simulated-to-wall-time ratio and the process's peak
//! resident memory (Linux `VmHWM`).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use crate::cli::{EXIT_BAD_INPUT, EXIT_OK, load_valid};
use crate::scenario::build::{BuildOptions, build_app};
use crate::schedule::run_to_end;
use crate::units::SimDuration;

/// One scenario's measurement.
#[derive(Clone, Debug)]
pub struct BenchResult {
    /// Scenario file.
    pub file: String,
    /// Entities in the world.
    pub entities: u32,
    /// GPUs simulated.
    pub gpus: usize,
    /// Ticks run.
    pub ticks: u64,
    /// Simulated seconds.
    pub simulated_s: f64,
    /// Median wall seconds of the tick loop.
    pub wall_s: f64,
    /// Peak resident memory of the process so far, MiB.
    pub peak_mib: f64,
}

impl BenchResult {
    /// Ticks per wall-clock second.
    pub fn ticks_per_s(&self) -> f64 {
        self.ticks as f64 / self.wall_s.max(1e-12)
    }

    /// Simulated time over wall time.
    pub fn speedup(&self) -> f64 {
        self.simulated_s / self.wall_s.max(1e-12)
    }
}

/// Peak resident set size of this process, MiB (0 where /proc is unavailable).
pub fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).map(str::to_owned))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse::<f64>().ok()))
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Measures one scenario `repeat` times.
pub fn bench_one(
    v: &crate::scenario::validate::ValidScenario,
    file: &str,
    duration: Option<SimDuration>,
    repeat: usize,
    max_tick: Option<SimDuration>,
) -> BenchResult {
    let mut walls = Vec::with_capacity(repeat);
    let mut last = None;
    for _ in 0..repeat {
        let mut app = build_app(v, BuildOptions { duration, max_tick, ..Default::default() });
        let start = Instant::now();
        let ticks = run_to_end(app.world_mut());
        walls.push(start.elapsed().as_secs_f64());
        let world = app.world_mut();
        let entities = world.entities().count_spawned();
        let gpus: usize = world.query::<&crate::load::GpuBank>().iter(world).map(|b| b.len()).sum();
        let simulated_s = world.resource::<crate::schedule::SimClock>().t_s();
        last = Some((entities, gpus, ticks, simulated_s));
    }
    walls.sort_by(f64::total_cmp);
    let (entities, gpus, ticks, simulated_s) = last.expect("repeat ≥ 1");
    BenchResult {
        file: file.to_owned(),
        entities,
        gpus,
        ticks,
        simulated_s,
        wall_s: walls[walls.len() / 2],
        peak_mib: peak_rss_mib(),
    }
}

/// Runs the `bench` command.
pub fn run_bench(
    files: &[PathBuf],
    duration: Option<SimDuration>,
    repeat: usize,
    max_tick: Option<SimDuration>,
) -> ExitCode {
    if files.is_empty() {
        eprintln!("dctwin bench: give one or more scenario files");
        return ExitCode::from(EXIT_BAD_INPUT);
    }
    println!(
        "{:<40} {:>9} {:>8} {:>9} {:>10} {:>11} {:>12} {:>10}",
        "scenario", "entities", "GPUs", "ticks", "wall s", "ticks/s", "sim/wall", "peak MiB"
    );
    for f in files {
        let v = match load_valid(f) {
            Ok(v) => v,
            Err(code) => return code,
        };
        let r = bench_one(&v, &f.display().to_string(), duration, repeat, max_tick);
        println!(
            "{:<40} {:>9} {:>8} {:>9} {:>10.3} {:>11.0} {:>11.0}× {:>10.1}",
            r.file,
            r.entities,
            r.gpus,
            r.ticks,
            r.wall_s,
            r.ticks_per_s(),
            r.speedup(),
            r.peak_mib
        );
    }
    ExitCode::from(EXIT_OK)
}
