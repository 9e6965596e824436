//! The `dctwin` command line.
//!
//! Exit codes: 0 success (all expectations hold), 1 an expectation failed, 2 bad input
//! (scenario, arguments, unwritable output).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::report::{summary_table, timeline};
use crate::run::{RunToDisk, default_out_dir, run_to_disk};
use crate::scenario::build::BuildOptions;
use crate::scenario::validate::{ValidScenario, validate};
use crate::scenario::{ScenarioError, load_file};
use crate::units::SimDuration;

/// Exit code: every expectation held.
pub const EXIT_OK: u8 = 0;
/// Exit code: at least one expectation failed.
pub const EXIT_EXPECTATION_FAILED: u8 = 1;
/// Exit code: bad input.
pub const EXIT_BAD_INPUT: u8 = 2;

/// dctwin — a digital twin of a datacenter's power and cooling.
#[derive(Parser, Debug)]
#[command(name = "dctwin", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run a scenario headless; print its timeline and summary; write results.
    Run {
        /// Scenario file (RON).
        file: PathBuf,
        /// Simulated duration instead of the scenario's, e.g. 24h, 30min, 2d.
        #[arg(long)]
        duration: Option<SimDuration>,
        /// Seed instead of the scenario's.
        #[arg(long)]
        seed: Option<u64>,
        /// Output directory (default results/<scenario name>).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Time-series interval instead of the scenario's, e.g. 10s, 1min, 1h.
        #[arg(long)]
        interval: Option<SimDuration>,
        /// Longest adaptive tick instead of the scenario's `max_tick`, e.g. 10min (the
        /// scenario's tick: fixed step).
        #[arg(long)]
        max_tick: Option<SimDuration>,
        /// Most timeline lines to print.
        #[arg(long, default_value_t = 60)]
        timeline_lines: usize,
        /// Print only the summary.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Validate a scenario without running it.
    Check {
        /// Scenario file (RON).
        file: PathBuf,
    },
    /// Run scenarios headless without writing results and report speed and memory.
    Bench {
        /// Scenario files.
        files: Vec<PathBuf>,
        /// Simulated duration instead of each scenario's.
        #[arg(long)]
        duration: Option<SimDuration>,
        /// Repetitions per scenario (the median is reported).
        #[arg(long, default_value_t = 1)]
        repeat: usize,
        /// Longest adaptive tick instead of each scenario's `max_tick`.
        #[arg(long)]
        max_tick: Option<SimDuration>,
        /// Keep every per-rack loop on one thread (to measure what the parallel loops give).
        #[arg(long)]
        serial: bool,
        /// Also print where a tick's time goes, stage by stage.
        #[arg(long)]
        stages: bool,
        /// Run the CI regression guard of this baseline file instead (e.g.
        /// .ci/bench-baseline.ron); exit 1 if the tick got slower than it allows.
        #[arg(long, conflicts_with_all = ["files", "duration", "repeat", "max_tick", "serial", "stages"])]
        guard: Option<PathBuf>,
    },
    /// List the built-in equipment catalog.
    Catalog,
    /// Write a synthetic weather year as an EPW file.
    WeatherSynth {
        /// Climate preset (paris).
        #[arg(long, default_value = "paris")]
        climate: String,
        /// Seed.
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        /// Output file.
        #[arg(long)]
        out: PathBuf,
    },
}

/// Loads and validates a scenario, printing problems; `Err` carries the exit code.
pub fn load_valid(file: &Path) -> Result<ValidScenario, ExitCode> {
    let loaded = load_file(file).map_err(report_error)?;
    let v = validate(loaded).map_err(report_error)?;
    for w in &v.warnings {
        eprintln!("{}", w.display_in(&v.loaded.file).to_string().replacen("error:", "warning:", 1));
    }
    Ok(v)
}

fn report_error(e: ScenarioError) -> ExitCode {
    eprintln!("{e}");
    ExitCode::from(EXIT_BAD_INPUT)
}

/// Runs the command line.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { EXIT_BAD_INPUT } else { EXIT_OK });
        }
    };
    match cli.command {
        Command::Run { file, duration, seed, out, interval, max_tick, timeline_lines, quiet } => {
            let v = match load_valid(&file) {
                Ok(v) => v,
                Err(code) => return code,
            };
            if let Some(d) = duration
                && d.is_zero()
            {
                eprintln!("--duration must be longer than zero");
                return ExitCode::from(EXIT_BAD_INPUT);
            }
            if let Some(m) = max_tick
                && (m < v.loaded.scenario.tick || m > SimDuration::from_hours(1))
            {
                eprintln!("--max-tick {m} must be between the scenario's tick {} and 1h", v.loaded.scenario.tick);
                return ExitCode::from(EXIT_BAD_INPUT);
            }
            if let Some(i) = interval
                && i < v.loaded.scenario.tick
            {
                eprintln!("--interval {i} is shorter than the scenario's tick {}", v.loaded.scenario.tick);
                return ExitCode::from(EXIT_BAD_INPUT);
            }
            let out_dir = out.unwrap_or_else(|| default_out_dir(&file));
            let s = &v.loaded.scenario;
            if !quiet {
                println!("dctwin: {} — {}", s.name, file.display());
                if !s.description.is_empty() {
                    println!("{}", s.description.trim());
                }
                println!();
            }
            let opts = RunToDisk {
                out_dir: out_dir.clone(),
                build: BuildOptions { seed, duration, interval, max_tick, ..Default::default() },
            };
            let done = match run_to_disk(&v, opts) {
                Ok(d) => d,
                Err(e) => {
                    eprintln!(
                        "{}: cannot write results: {e}\n  hint: choose another directory with --out",
                        out_dir.display()
                    );
                    return ExitCode::from(EXIT_BAD_INPUT);
                }
            };
            if !quiet {
                println!("timeline:");
                print!("{}", timeline(&done.events, timeline_lines));
                println!();
            }
            println!("summary:");
            print!("{}", summary_table(&done.summary));
            println!();
            println!(
                "results in {}/ (timeseries.csv, events.jsonl, summary.json) — {} ticks in {:.2} s wall ({:.0}× real time)",
                out_dir.display(),
                done.ticks,
                done.wall_s,
                done.summary.duration_h * 3600.0 / done.wall_s.max(1e-9)
            );
            let failed: Vec<_> = done.summary.expectations.iter().filter(|o| !o.passed).collect();
            if failed.is_empty() {
                ExitCode::from(EXIT_OK)
            } else {
                for o in failed {
                    eprintln!("expectation failed: {} (measured {})", o.expectation, o.measured);
                }
                ExitCode::from(EXIT_EXPECTATION_FAILED)
            }
        }
        Command::Check { file } => match load_valid(&file) {
            Ok(v) => {
                let s = &v.loaded.scenario;
                let racks: usize = v.plant.halls.iter().flat_map(|h| &h.rows).map(|r| r.racks.len()).sum();
                println!(
                    "{}: ok — \"{}\", {} hall(s), {racks} racks, {} event(s), {} expectation(s)",
                    file.display(),
                    s.name,
                    v.plant.halls.len(),
                    s.events.len(),
                    s.expectations.len()
                );
                ExitCode::from(EXIT_OK)
            }
            Err(code) => code,
        },
        Command::Bench { guard: Some(baseline), .. } => crate::bench::run_guard(&baseline),
        Command::Bench { files, duration, repeat, max_tick, serial, stages, guard: None } => crate::bench::run_bench(
            &files,
            crate::bench::BenchOptions { duration, repeat: repeat.max(1), max_tick, parallel: !serial, stages },
        ),
        Command::Catalog => {
            let c = crate::catalog::Catalog::builtin();
            println!("racks:");
            for (id, r) in &c.racks {
                println!("  {id:<20} {:>6.1} kW  {}", c.nameplate_kw(r), r.description);
            }
            println!("gpus:");
            for (id, g) in &c.gpus {
                println!("  {id:<20} {:>6.0} W   {}", g.tdp_w, g.name);
            }
            ExitCode::from(EXIT_OK)
        }
        Command::WeatherSynth { climate, seed, out } => {
            let Some(c) = crate::weather::synthetic_climate(&climate) else {
                eprintln!("unknown climate \"{climate}\"; known: {}", crate::weather::CLIMATES.join(", "));
                return ExitCode::from(EXIT_BAD_INPUT);
            };
            let text = crate::weather::synthetic_epw_text(&climate, &c, seed);
            match crate::report::write_atomic(&out, text.as_bytes()) {
                Ok(()) => {
                    println!("wrote {} (synthetic {climate} year, seed {seed})", out.display());
                    ExitCode::from(EXIT_OK)
                }
                Err(e) => {
                    eprintln!("{}: {e}", out.display());
                    ExitCode::from(EXIT_BAD_INPUT)
                }
            }
        }
    }
}
