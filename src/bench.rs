//! `dctwin bench`: whole-scenario speed and memory, headless, without writing results.
//!
//! Reports per scenario the entities in the world, the ticks run, the median wall time over
//! the repetitions, ticks per second, the simulated-to-wall-time ratio and the process's peak
//! resident memory (Linux `VmHWM`; it only grows, so measure the largest scenario alone or
//! last). `--stages` adds where the time of a tick goes, stage by stage.
//!
//! `--guard FILE` is the CI regression guard: it measures the GPU updates per second of a
//! scenario against a reference kernel run in the same process — the naive layout of issue 7
//! (one Bevy entity per GPU, power and die temperature in two query passes) — and fails if the
//! ratio has fallen more than the file allows below the ratio stored there. The two run in
//! alternating slices of a few milliseconds and the guard takes the median of the slices'
//! ratios: it does not depend on how fast the machine is, or on a slow spell of a shared one,
//! so the guard never compares against an absolute time.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use bevy::ecs::schedule::{ScheduleLabel, SingleThreadedExecutor};
use bevy::prelude::*;
use serde::Deserialize;

use crate::app::{EXIT_BAD_INPUT, EXIT_EXPECTATION_FAILED, EXIT_OK, load_valid};
use crate::scenario::build::{BuildOptions, build_app};
use crate::schedule::{SimStep, StageTimer, enable_stage_timing, run_to_end};
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
    /// Wall seconds per stage of [`SimStep::ORDER`] (last repetition), when timed.
    pub stages_s: Option<[f64; SimStep::ORDER.len()]>,
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

    /// GPU state updates per wall-clock second.
    pub fn gpu_updates_per_s(&self) -> f64 {
        self.gpus as f64 * self.ticks_per_s()
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

/// How to run the scenarios of a benchmark.
#[derive(Clone, Copy, Debug)]
pub struct BenchOptions {
    /// Simulated duration instead of each scenario's.
    pub duration: Option<SimDuration>,
    /// Repetitions (the median wall time is reported).
    pub repeat: usize,
    /// Longest adaptive tick instead of each scenario's.
    pub max_tick: Option<SimDuration>,
    /// Share per-rack loops among the compute threads.
    pub parallel: bool,
    /// Time every stage of the tick.
    pub stages: bool,
}

/// Measures one scenario `o.repeat` times.
pub fn bench_one(v: &crate::scenario::validate::ValidScenario, file: &str, o: BenchOptions) -> BenchResult {
    let BenchOptions { duration, repeat, max_tick, parallel, stages } = o;
    let mut walls = Vec::with_capacity(repeat);
    let mut last = None;
    for _ in 0..repeat.max(1) {
        let mut app = build_app(v, BuildOptions { duration, max_tick, parallel: Some(parallel), ..Default::default() });
        if stages {
            enable_stage_timing(&mut app);
        }
        let start = Instant::now();
        let ticks = run_to_end(app.world_mut());
        walls.push(start.elapsed().as_secs_f64());
        let world = app.world_mut();
        let entities = world.entities().count_spawned();
        let gpus: usize = world.query::<&crate::load::GpuBank>().iter(world).map(|b| b.len()).sum();
        let simulated_s = world.resource::<crate::schedule::SimClock>().t_s();
        let stages_s = world.get_resource::<StageTimer>().map(|t| t.spent_s);
        last = Some((entities, gpus, ticks, simulated_s, stages_s));
    }
    walls.sort_by(f64::total_cmp);
    let (entities, gpus, ticks, simulated_s, stages_s) = last.expect("repeat ≥ 1");
    BenchResult {
        file: file.to_owned(),
        entities,
        gpus,
        ticks,
        simulated_s,
        wall_s: walls[walls.len() / 2],
        peak_mib: peak_rss_mib(),
        stages_s,
    }
}

/// The printed row of a result.
fn row(r: &BenchResult) -> String {
    format!(
        "{:<40} {:>9} {:>8} {:>9} {:>10.3} {:>11.0} {:>11.0}× {:>10.1}",
        r.file,
        r.entities,
        r.gpus,
        r.ticks,
        r.wall_s,
        r.ticks_per_s(),
        r.speedup(),
        r.peak_mib
    )
}

/// Where a tick's time went, stage by stage.
fn stage_table(r: &BenchResult) -> String {
    let Some(spent) = r.stages_s else { return String::new() };
    let total: f64 = spent.iter().sum();
    let mut out = String::from("  stage          µs/tick   share\n");
    for (stage, s) in SimStep::ORDER.iter().zip(spent) {
        out.push_str(&format!(
            "  {:<12} {:>9.1} {:>6.1} %\n",
            format!("{stage:?}"),
            s / r.ticks.max(1) as f64 * 1e6,
            100.0 * s / total.max(1e-12)
        ));
    }
    out
}

/// Runs the `bench` command.
pub fn run_bench(files: &[PathBuf], o: BenchOptions) -> ExitCode {
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
        let r = bench_one(&v, &f.display().to_string(), o);
        println!("{}", row(&r));
        print!("{}", stage_table(&r));
    }
    ExitCode::from(EXIT_OK)
}

/// The naive reference layout: one entity per GPU, ~30 bytes of state.
#[derive(Component, Clone, Copy)]
struct NaiveGpu {
    activity: f32,
    idle_w: f32,
    tdp_w: f32,
    cap_w: f32,
    power_w: f32,
    temp_c: f32,
    r_k_per_w: f32,
    state: u8,
}

#[derive(ScheduleLabel, Debug, Clone, PartialEq, Eq, Hash)]
struct NaiveTick;

/// The naive reference layout of issue 7: `n_gpus` entities, each tick one query pass for
/// power under its cap and one for the die's exact RC step (the H100 figures of docs/physics.md
/// §1.3–1.4), on a single-threaded executor.
pub struct NaiveLayout {
    world: World,
    schedule: Schedule,
}

impl NaiveLayout {
    /// Spawns `n_gpus` naive GPUs and runs one warm-up tick.
    pub fn new(n_gpus: usize) -> Self {
        let mut world = World::new();
        world.spawn_batch((0..n_gpus).map(|i| NaiveGpu {
            activity: 0.8 + 0.01 * (i % 7) as f32,
            idle_w: 75.0,
            tdp_w: 700.0,
            cap_w: 700.0,
            power_w: 0.0,
            temp_c: 60.0,
            r_k_per_w: 0.065,
            state: 0,
        }));
        let mut schedule = Schedule::new(NaiveTick);
        schedule.set_executor(SingleThreadedExecutor::new());
        let alpha = (-1.0_f32 / 120.0).exp();
        schedule.add_systems(
            (
                |mut q: Query<&mut NaiveGpu>| {
                    for mut g in &mut q {
                        g.power_w = (g.idle_w + (g.tdp_w - g.idle_w) * g.activity).min(g.cap_w);
                    }
                },
                move |mut q: Query<&mut NaiveGpu>| {
                    for mut g in &mut q {
                        let t_ss = 25.0 + g.power_w * g.r_k_per_w;
                        g.temp_c = t_ss + (g.temp_c - t_ss) * alpha;
                        g.state = u8::from(g.temp_c >= 87.0);
                    }
                },
            )
                .chain(),
        );
        schedule.run(&mut world);
        Self { world, schedule }
    }

    /// Runs `ticks` ticks; returns the wall time, s.
    pub fn run(&mut self, ticks: u32) -> f64 {
        let start = Instant::now();
        for _ in 0..ticks {
            self.schedule.run(&mut self.world);
        }
        start.elapsed().as_secs_f64()
    }
}

/// Ticks of the scenario per guard slice (each slice then runs as many naive ticks).
const GUARD_SLICE_TICKS: u32 = 10;

/// The regression guard's stored baseline (`.ci/bench-baseline.ron`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GuardBaseline {
    /// Scenario measured, relative to the baseline file.
    pub scenario: String,
    /// Simulated time of the measurement.
    pub duration: SimDuration,
    /// When the measurement starts instead of the scenario's own start: a warm afternoon
    /// keeps every controller busy (pads, trim), which a cool night would not exercise.
    #[serde(default)]
    pub start: Option<crate::scenario::StartSpec>,
    /// Stored ratio: the scenario's GPU updates per second over the naive layout's.
    pub ratio: f64,
    /// Largest accepted fall of the ratio below `ratio`, fraction.
    pub max_drop: f64,
}

/// Runs the regression guard of `baseline_file`; exit 1 when the ratio fell too far.
pub fn run_guard(baseline_file: &Path) -> ExitCode {
    let text = match std::fs::read_to_string(baseline_file) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{}: {e}", baseline_file.display());
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    let base: GuardBaseline = match ron::from_str(&text) {
        Ok(b) => b,
        Err(e) => {
            eprintln!(
                "{}:{}: error: {}\n  hint: see src/bench.rs GuardBaseline",
                baseline_file.display(),
                e.span.start,
                e.code
            );
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    let scenario = baseline_file.parent().unwrap_or(Path::new(".")).join(&base.scenario);
    let mut v = match load_valid(&scenario) {
        Ok(v) => v,
        Err(code) => return code,
    };
    if let Some(start) = base.start {
        v.loaded.scenario.start = start;
    }
    // Serial loops (the default): the guard watches the single-thread cost of a tick. Shared
    // machines change speed from one second to the next, so the two measurements alternate in
    // slices of a few milliseconds and the guard keeps the median of the slices' ratios: a
    // slow spell slows both sides of a slice alike and only moves the odd slice.
    let mut app = build_app(&v, BuildOptions { duration: Some(base.duration), parallel: Some(false), ..default() });
    let world = app.world_mut();
    crate::schedule::step(world);
    let gpus: usize = world.query::<&crate::load::GpuBank>().iter(world).map(|b| b.len()).sum::<usize>().max(1);
    let mut naive = NaiveLayout::new(gpus);
    let (mut model_s, mut naive_s, mut ticks) = (0.0, 0.0, 0_u32);
    let mut ratios = Vec::new();
    while !world.resource::<crate::schedule::SimClock>().finished() {
        let start = Instant::now();
        let mut n = 0;
        while n < GUARD_SLICE_TICKS && !world.resource::<crate::schedule::SimClock>().finished() {
            crate::schedule::step(world);
            n += 1;
        }
        let m = start.elapsed().as_secs_f64();
        let r = naive.run(n);
        ratios.push(r / m.max(1e-12));
        (model_s, naive_s, ticks) = (model_s + m, naive_s + r, ticks + n);
    }
    ratios.sort_by(f64::total_cmp);
    let ratio = ratios.get(ratios.len() / 2).copied().unwrap_or(0.0);
    let per_s = |wall: f64| (gpus as f64) * f64::from(ticks) / wall.max(1e-12);
    let (model, naive) = (per_s(model_s), per_s(naive_s));
    let floor = base.ratio * (1.0 - base.max_drop);
    println!(
        "bench guard: {} ({gpus} GPUs, {} slices) {:.3e} GPU updates/s, naive layout {:.3e}/s: median ratio {ratio:.3} (baseline {:.3}, floor {floor:.3})",
        base.scenario,
        ratios.len(),
        model,
        naive,
        base.ratio
    );
    if ratio < floor {
        eprintln!(
            "bench guard: the tick is {:.0} % slower relative to the reference than the baseline allows",
            100.0 * (1.0 - ratio / base.ratio)
        );
        return ExitCode::from(EXIT_EXPECTATION_FAILED);
    }
    ExitCode::from(EXIT_OK)
}
