//! Criterion benchmarks of the tick (issue 7).
//!
//! - `stage/<size>/<stage>`: one tick's time in each stage of the schedule (events, control,
//!   IT load, electrical, heat, cooling, thermal, protection, fuel, metrics) at 1 MW (a
//!   100-rack air-cooled hall), 100 MW (102 400 H100 GPUs) and 1 GW (518 400 GB300 GPUs). Each
//!   measurement runs whole ticks, so every stage sees the state the others leave, and counts
//!   only the time spent in its stage.
//! - `scaling/<halls>`: a whole tick of the 1 GW campus cut to 1, 5, 10, 20 and 40 halls; the
//!   run ends with the least-squares line of tick time against entity count.
//!
//! Run: `cargo bench --bench tick` (a few minutes). Per-rack loops run serially here, so the
//! figures are one core's.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion};
use dctwin::scenario::build::{BuildOptions, build_app};
use dctwin::scenario::validate::{ValidScenario, validate};
use dctwin::schedule::{SimStep, StageTimer, enable_stage_timing, step};

fn scenario_text(name: &str) -> (String, PathBuf) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios").join(name);
    (std::fs::read_to_string(&path).expect("scenario"), path)
}

fn valid(text: &str, path: &std::path::Path) -> ValidScenario {
    let loaded =
        dctwin::scenario::load::parse_str(text, &path.display().to_string(), path.parent().unwrap()).expect("parses");
    validate(loaded).expect("valid")
}

/// A world of scenario `v` after `warm` ticks, with stage timing on.
fn world_of(v: &ValidScenario, warm: u32) -> bevy::app::App {
    let mut app = build_app(v, BuildOptions { parallel: Some(false), ..Default::default() });
    enable_stage_timing(&mut app);
    for _ in 0..warm {
        step(app.world_mut());
    }
    app
}

fn stages(c: &mut Criterion) {
    let sizes = [("1MW", "annual_free_cooling_1mw.ron"), ("100MW", "gigafactory_100mw.ron"), ("1GW", "campus_1gw.ron")];
    for (size, file) in sizes {
        let (text, path) = scenario_text(file);
        let v = valid(&text, &path);
        let mut app = world_of(&v, 5);
        let mut group = c.benchmark_group(format!("stage/{size}"));
        group.sample_size(10).warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(2));
        for (i, stage) in SimStep::ORDER.iter().enumerate() {
            group.bench_function(BenchmarkId::from_parameter(format!("{stage:?}")), |b| {
                b.iter_custom(|iters| {
                    let before = app.world().resource::<StageTimer>().spent_s[i];
                    for _ in 0..iters {
                        step(app.world_mut());
                    }
                    Duration::from_secs_f64(app.world().resource::<StageTimer>().spent_s[i] - before)
                });
            });
        }
        group.bench_function(BenchmarkId::from_parameter("tick"), |b| b.iter(|| step(app.world_mut())));
        group.finish();
    }
}

/// Halls of the 1 GW campus kept for the scaling runs.
const SCALING_HALLS: [u32; 5] = [1, 5, 10, 20, 40];

fn campus_with(halls: u32) -> ValidScenario {
    let (text, path) = scenario_text("campus_1gw.ron");
    valid(&text.replace("\"1-40\"", &format!("\"1-{halls}\"")), &path)
}

fn scaling(c: &mut Criterion) {
    let mut group = c.benchmark_group("scaling");
    group.sample_size(10).warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(2));
    for halls in SCALING_HALLS {
        let mut app = world_of(&campus_with(halls), 5);
        group.bench_function(BenchmarkId::from_parameter(halls), |b| b.iter(|| step(app.world_mut())));
    }
    group.finish();
}

/// Least-squares line `t = a + b·n` of tick time against entities, with R², printed.
fn fit_report() {
    let mut points = Vec::new();
    for halls in SCALING_HALLS {
        let mut app = world_of(&campus_with(halls), 5);
        let entities = f64::from(app.world_mut().entities().count_spawned());
        let ticks = 60;
        let start = Instant::now();
        for _ in 0..ticks {
            step(app.world_mut());
        }
        points.push((entities, start.elapsed().as_secs_f64() / f64::from(ticks)));
    }
    let n = points.len() as f64;
    let (sx, sy) = points.iter().fold((0.0, 0.0), |(a, b), (x, y)| (a + x, b + y));
    let (mx, my) = (sx / n, sy / n);
    let sxy: f64 = points.iter().map(|(x, y)| (x - mx) * (y - my)).sum();
    let sxx: f64 = points.iter().map(|(x, _)| (x - mx).powi(2)).sum();
    let slope = sxy / sxx;
    let intercept = my - slope * mx;
    let ss_res: f64 = points.iter().map(|(x, y)| (y - intercept - slope * x).powi(2)).sum();
    let ss_tot: f64 = points.iter().map(|(_, y)| (y - my).powi(2)).sum();
    println!("\nscaling: tick time against entity count (1 GW campus cut to {SCALING_HALLS:?} halls)");
    for (x, y) in &points {
        println!("  {x:>8.0} entities  {:>9.1} µs/tick", y * 1e6);
    }
    println!(
        "  fit: t = {:.1} µs + {:.1} ns × entities   (R² = {:.4})",
        intercept * 1e6,
        slope * 1e9,
        1.0 - ss_res / ss_tot
    );
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    stages(&mut c);
    scaling(&mut c);
    c.final_summary();
    fit_report();
}
