//! The `dctwin` command line.
//!
//! Exit codes: 0 success (all expectations hold), 1 an expectation failed, 2 bad input
//! (scenario, arguments, unwritable output).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::app::{EXIT_BAD_INPUT, EXIT_EXPECTATION_FAILED, EXIT_NUMERIC_FAULT, EXIT_OK, load_valid};
use crate::report::{summary_table, timeline};
use crate::run::{RunToDisk, default_out_dir, run_to_disk};
use crate::scenario::build::BuildOptions;
use crate::units::SimDuration;

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
        /// Output directory (default `results/<scenario name>`).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Time-series interval instead of the scenario's, e.g. 10s, 1min, 1h.
        #[arg(long)]
        interval: Option<SimDuration>,
        /// Longest adaptive tick instead of the scenario's `max_tick`, e.g. 10min (the
        /// scenario's tick: fixed step).
        #[arg(long)]
        max_tick: Option<SimDuration>,
        /// Share per-rack loops among the cores (the same results; pays on the largest sites
        /// and machines with many cores).
        #[arg(long)]
        parallel: bool,
        /// Most timeline lines to print.
        #[arg(long, default_value_t = 60)]
        timeline_lines: usize,
        /// Print only the summary (and no progress bar).
        #[arg(long, short)]
        quiet: bool,
        /// Run even when the estimate says the output would not fit the free disk space or the
        /// run would take far longer than any useful study.
        #[arg(long)]
        force: bool,
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
        /// Share per-rack loops among the cores (results are the same; see
        /// docs/performance.md for when it pays).
        #[arg(long)]
        parallel: bool,
        /// Also print where a tick's time goes, stage by stage.
        #[arg(long)]
        stages: bool,
        /// Run the CI regression guard of this baseline file instead (e.g.
        /// .ci/bench-baseline.ron); exit 1 if the tick got slower than it allows.
        #[arg(long, conflicts_with_all = ["files", "duration", "repeat", "max_tick", "parallel", "stages"])]
        guard: Option<PathBuf>,
    },
    /// Run every member of a sweep (grid and Monte Carlo) in parallel; write per-member rows,
    /// percentiles, failure probabilities, JUnit XML and a Markdown summary.
    Batch {
        /// Sweep file (RON).
        sweep: PathBuf,
        /// Output directory (default `results/<sweep name>`); a shard writes to `DIR/shard-K-of-N`.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Worker threads (default: every core).
        #[arg(long)]
        threads: Option<usize>,
        /// Run only members with index ≡ K (mod N): `K/N`, or `auto/N` to read K from
        /// JOB_COMPLETION_INDEX (Kubernetes Indexed Job) or SLURM_ARRAY_TASK_ID (Slurm array).
        #[arg(long)]
        shard: Option<String>,
        /// Also render the charts and HTML report into DIR/report.
        #[arg(long)]
        report: bool,
        /// Exit 0 even when expectations fail (studies where failures are the data, and shards
        /// whose scheduler would retry a failing task); bad input still exits 2.
        #[arg(long)]
        allow_failures: bool,
        /// No progress bar or summary table.
        #[arg(long, short)]
        quiet: bool,
        /// Run even when the estimate refuses the batch (a member a lone run would refuse, or
        /// more than 10¹³ rack-ticks in all).
        #[arg(long)]
        force: bool,
    },
    /// Find, at every grid point of a sweep with `search: (path, min, max)`, the largest count
    /// (e.g. of racks) that keeps every expectation, by bisection; say what breaks first and
    /// the margin of the rest. Writes capacity.json, capacity.csv, capacity.md.
    Capacity {
        /// Sweep file (RON) with a `search`.
        sweep: PathBuf,
        /// Output directory (default `results/<sweep file name>`).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Worker threads (default: every core; grid points run in parallel).
        #[arg(long)]
        threads: Option<usize>,
        /// Also render the HTML report into DIR/report.
        #[arg(long)]
        report: bool,
        /// No progress bar.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Combine the outputs of shards into the outputs of the whole sweep.
    Merge {
        /// Shard directories (or directories holding shard-* directories).
        dirs: Vec<PathBuf>,
        /// Output directory.
        #[arg(long)]
        out: PathBuf,
        /// Also render the charts and HTML report into OUT/report.
        #[arg(long)]
        report: bool,
        /// Exit 0 even when expectations fail.
        #[arg(long)]
        allow_failures: bool,
    },
    /// Render charts (PNG) and an HTML page from the results of a run or a batch.
    Report {
        /// Output directory of `dctwin run` or `dctwin batch`/`merge`.
        dir: PathBuf,
        /// Where to write the report (default DIR/report).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Also write each chart as SVG.
        #[arg(long)]
        svg: bool,
    },
    /// Open the 3D viewer on a scenario (needs a build with `--features viewer`).
    View {
        /// Scenario file (RON).
        file: PathBuf,
        /// Seed instead of the scenario's.
        #[arg(long)]
        seed: Option<u64>,
        /// Starting speed, simulated seconds per wall second (1 to 604800).
        #[arg(long)]
        speed: Option<f64>,
        /// Start playing at once (else paused).
        #[arg(long)]
        play: bool,
        /// Window size, e.g. 1600x900.
        #[arg(long, default_value = "1600x900")]
        size: String,
        /// Unattended: save a screenshot (PNG, with a pixel map beside it) at `--at`, then exit.
        #[arg(long, requires = "at")]
        screenshot: Option<PathBuf>,
        /// Simulated time of the screenshot, e.g. 1h10min.
        #[arg(long)]
        at: Option<SimDuration>,
        /// Unattended: time this many frames while playing, print them, exit.
        #[arg(long)]
        frame_report: Option<u32>,
        /// Operator actions to take at their times, as if clicked: a RON list of
        /// `(at: "20min", action: CoolingFail(unit: "crah-1"), note: "...")`.
        #[arg(long)]
        script: Option<PathBuf>,
        /// Where Ctrl+S saves the session (default: beside the scenario,
        /// `<name>.session.ron`); unattended runs save there on exit.
        #[arg(long)]
        save_session: Option<PathBuf>,
    },
    /// Compare dctwin with EnergyPlus on the validation cases (docs/validation.md): run each
    /// case's year on the weather EnergyPlus used and print the side-by-side table; exit 1 if
    /// any quantity is outside its tolerance.
    Validate {
        /// The validation directory (cases/ and reference/).
        #[arg(long, default_value = "validation")]
        dir: PathBuf,
        /// Only these cases (default: every case with a reference).
        cases: Vec<String>,
        /// Also write the tables as Markdown to this file.
        #[arg(long)]
        markdown: Option<PathBuf>,
    },
    /// List the built-in equipment catalog.
    Catalog,
    /// Write a synthetic weather year as an EPW file.
    WeatherSynth {
        /// Climate preset: paris, paris_orly, amsterdam, frankfurt, warsaw, stockholm, madrid.
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

/// Exit status of a command whose reader went away (`dctwin catalog | head -1`): 128 + SIGPIPE,
/// what a shell reports for a Unix tool stopped by a closed pipe.
pub const EXIT_CLOSED_PIPE: i32 = 141;

/// A reader that closes the pipe early (`| head`) ends the command quietly with
/// [`EXIT_CLOSED_PIPE`], as other Unix tools end, instead of the panic `println!` raises on a
/// broken pipe. Anything else still panics as before. Results are written as one set before
/// they are announced, so a command stopped here has either written its set or left none.
fn quiet_on_closed_stdout() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let msg =
            payload.downcast_ref::<String>().map(String::as_str).or_else(|| payload.downcast_ref::<&str>().copied());
        if msg.is_some_and(|m| m.starts_with("failed printing to stdout") && m.contains("Broken pipe")) {
            std::process::exit(EXIT_CLOSED_PIPE);
        }
        default(info);
    }));
}

/// Runs the command line.
pub fn main() -> ExitCode {
    quiet_on_closed_stdout();
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { EXIT_BAD_INPUT } else { EXIT_OK });
        }
    };
    match cli.command {
        Command::Run { file, duration, seed, out, interval, max_tick, parallel, timeline_lines, quiet, force } => {
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
                build: BuildOptions {
                    seed,
                    duration,
                    interval,
                    max_tick,
                    parallel: Some(parallel),
                    ..Default::default()
                },
                progress: !quiet,
            };
            // Known before the run starts: refuse what cannot end well unless told to go on.
            let est = crate::run::estimate(&v, &opts.build);
            if let Some(why) = est.refusal(crate::report::resultset::free_bytes(&out_dir))
                && !force
            {
                eprintln!(
                    "{}: error: refusing to run: {why} (estimate: {} ticks, {} racks, {:.0} rows)\n  \
                     hint: lengthen --interval or --max-tick, shorten --duration, or pass --force",
                    file.display(),
                    est.ticks_text(),
                    est.racks,
                    est.rows
                );
                return ExitCode::from(EXIT_BAD_INPUT);
            }
            if !quiet {
                println!(
                    "estimate: {} ticks, {} racks, {:.0} time-series rows (about {})\n",
                    est.ticks_text(),
                    est.racks,
                    est.rows,
                    crate::run::human_bytes(est.bytes)
                );
            }
            let done = match run_to_disk(&v, opts) {
                Ok(d) => d,
                Err(e) => {
                    let hint = match e {
                        crate::report::resultset::SetError::Foreign { .. } => {
                            "give --out an empty directory or one that holds only dctwin results"
                        }
                        crate::report::resultset::SetError::Io { .. } => {
                            "free some space or choose another directory with --out; the previous results are unchanged"
                        }
                    };
                    eprintln!("error: cannot write results: {e}\n  hint: {hint}");
                    return ExitCode::from(EXIT_BAD_INPUT);
                }
            };
            if let Some(f) =
                done.app.world().get_resource::<crate::metrics::guard::NumericFault>().and_then(|f| f.0.clone())
            {
                eprintln!(
                    "{}: error: numeric fault at {}: {} of {} is {} — the run stopped there and wrote no results\n  \
                     hint: a rating, capacity or curve in the scenario is probably far outside what real equipment has",
                    file.display(),
                    crate::units::format_clock(f.t_s),
                    f.quantity,
                    f.element,
                    f.value
                );
                return ExitCode::from(EXIT_NUMERIC_FAULT);
            }
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
        Command::Bench { files, duration, repeat, max_tick, parallel, stages, guard: None } => crate::bench::run_bench(
            &files,
            crate::bench::BenchOptions { duration, repeat: repeat.max(1), max_tick, parallel, stages },
        ),
        Command::Batch { sweep, out, threads, shard, report, allow_failures, quiet, force } => {
            let opts = BatchFlags { report, allow_failures, quiet, force };
            batch_command(&sweep, out, threads, shard.as_deref(), opts)
        }
        Command::Merge { dirs, out, report, allow_failures } => {
            merge_command(&dirs, &out, BatchFlags { report, allow_failures, quiet: false, force: false })
        }
        Command::Report { dir, out, svg } => {
            let out = out.unwrap_or_else(|| dir.join("report"));
            report_command(&dir, &out, svg)
        }
        Command::View { file, seed, speed, play, size, screenshot, at, frame_report, script, save_session } => {
            view_command(
                file,
                seed,
                speed,
                play,
                &size,
                screenshot.zip(at).map(|(p, t)| (t, p)),
                frame_report,
                script,
                save_session,
            )
        }
        Command::Capacity { sweep, out, threads, report, quiet } => {
            capacity_command(&sweep, out, threads, report, quiet)
        }
        Command::Validate { dir, cases, markdown } => validate_cmd(&dir, cases, markdown.as_deref()),
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

/// Switches shared by `batch` and `merge`.
#[derive(Clone, Copy, Debug)]
struct BatchFlags {
    /// Render the report too.
    report: bool,
    /// Exit 0 even when expectations fail.
    allow_failures: bool,
    /// No progress bar or summary.
    quiet: bool,
    /// Run even a batch the estimate refuses.
    force: bool,
}

/// Exit code of a finished batch: 1 when any member failed an expectation (unless allowed).
fn batch_exit(members: &[crate::batch::results::MemberResult], allow_failures: bool) -> ExitCode {
    let failed = members.iter().filter(|m| !m.passed).count();
    if failed == 0 {
        return ExitCode::from(EXIT_OK);
    }
    eprintln!("{failed} of {} members failed an expectation (see summary.md, junit.xml)", members.len());
    ExitCode::from(if allow_failures { EXIT_OK } else { EXIT_EXPECTATION_FAILED })
}

/// `dctwin batch`.
fn batch_command(
    sweep_file: &Path,
    out: Option<PathBuf>,
    threads: Option<usize>,
    shard: Option<&str>,
    flags: BatchFlags,
) -> ExitCode {
    use crate::batch::{run, sweep};
    let BatchFlags { report, allow_failures, quiet, .. } = flags;
    let bad = |msg: String| {
        eprintln!("{msg}");
        ExitCode::from(EXIT_BAD_INPUT)
    };
    let shard = match shard.map(|s| run::parse_shard(s, |k| std::env::var(k).ok())).transpose() {
        Ok(s) => s,
        Err(e) => return bad(e),
    };
    let threads = match worker_threads(threads) {
        Ok(t) => t,
        Err(e) => return bad(e),
    };
    let sweep = match sweep::load_sweep(sweep_file) {
        Ok(s) => s,
        Err(e) => return bad(e.to_string()),
    };
    let manifest = run::manifest(&sweep, shard);
    let indices = manifest.indices();
    let mut dir = out.unwrap_or_else(|| default_out_dir(sweep_file));
    if let Some(s) = manifest.shard {
        dir = dir.join(format!("shard-{}-of-{}", s.index, s.count));
    }
    if !quiet {
        println!(
            "dctwin batch: {} — {} of {} members on {threads} thread(s)",
            sweep.spec.name,
            indices.len(),
            manifest.members
        );
    }
    let (members, speed) = match run::run_members(&sweep, &indices, threads, quiet, flags.force) {
        Ok(r) => r,
        Err(e) => return bad(e.to_string()),
    };
    let stats = match crate::batch::outputs::write_outputs(&dir, &manifest, &members) {
        Ok(s) => s,
        Err(e) => {
            return bad(format!(
                "{}: cannot write results: {e}\n  hint: choose another directory with --out",
                dir.display()
            ));
        }
    };
    if !quiet {
        print!("{}", crate::batch::results::summary_md(&manifest, &members, &stats));
    }
    let comparison = if dir.join("comparison.md").exists() { ", comparison.md" } else { "" };
    println!(
        "results in {}/ (members.csv, stats.csv, probabilities.csv, junit.xml, summary.md{comparison}) — {} members in {:.1} s wall on {} thread(s): {:.0} members/min",
        dir.display(),
        speed.members,
        speed.wall_s,
        speed.threads,
        speed.members_per_min()
    );
    if report && let Err(code) = report_quietly(&dir) {
        return code;
    }
    batch_exit(&members, allow_failures)
}

/// `--threads`: at least 1; every core when not given.
fn worker_threads(threads: Option<usize>) -> Result<usize, String> {
    match threads {
        Some(0) => Err("--threads must be at least 1".into()),
        Some(t) => Ok(t),
        None => Ok(std::thread::available_parallelism().map_or(1, |n| n.get())),
    }
}

/// `dctwin capacity`.
fn capacity_command(
    sweep_file: &Path,
    out: Option<PathBuf>,
    threads: Option<usize>,
    report: bool,
    quiet: bool,
) -> ExitCode {
    use crate::batch::{capacity, sweep};
    let bad = |msg: String| {
        eprintln!("{msg}");
        ExitCode::from(EXIT_BAD_INPUT)
    };
    let threads = match worker_threads(threads) {
        Ok(t) => t,
        Err(e) => return bad(e),
    };
    let sweep = match sweep::load_sweep(sweep_file) {
        Ok(s) => s,
        Err(e) => return bad(e.to_string()),
    };
    let Some(search) = &sweep.spec.search else {
        return bad(format!(
            "{}: error: the sweep has no `search`\n  hint: add search: (path: \"halls[0].rows[0].racks_per_row\", min: 1, max: 40), or run it with `dctwin batch`",
            sweep_file.display()
        ));
    };
    if !quiet {
        println!(
            "dctwin capacity: {} — {} grid point(s), `{}` from {} to {}",
            sweep.spec.name,
            sweep.points(),
            search.path,
            search.min,
            search.max
        );
    }
    let caps = match capacity::search_all(&sweep, threads, quiet) {
        Ok(c) => c,
        Err(e) => return bad(e.to_string()),
    };
    let dir = out.unwrap_or_else(|| default_out_dir(sweep_file));
    if let Err(e) = capacity::write_outputs(&dir, &sweep, &caps) {
        return bad(format!(
            "{}: cannot write results: {e}\n  hint: choose another directory with --out",
            dir.display()
        ));
    }
    for c in &caps {
        let at = if c.label.is_empty() { String::new() } else { format!("{}: ", c.label) };
        println!("{at}limit {}", capacity::describe(c));
    }
    println!("results in {}/ (capacity.md, capacity.csv, capacity.json)", dir.display());
    if report && let Err(code) = report_quietly(&dir) {
        return code;
    }
    ExitCode::SUCCESS
}

/// `dctwin merge`.
fn merge_command(dirs: &[PathBuf], out: &Path, flags: BatchFlags) -> ExitCode {
    let (manifest, members) = match crate::batch::merge::merge(dirs) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    if let Err(e) = crate::batch::outputs::write_outputs(out, &manifest, &members) {
        eprintln!("{}: cannot write results: {e}\n  hint: choose another directory with --out", out.display());
        return ExitCode::from(EXIT_BAD_INPUT);
    }
    println!("merged {} members of \"{}\" into {}/", members.len(), manifest.sweep, out.display());
    if flags.report
        && let Err(code) = report_quietly(out)
    {
        return code;
    }
    batch_exit(&members, flags.allow_failures)
}

fn report_quietly(dir: &Path) -> Result<(), ExitCode> {
    match crate::report::html::report(dir, &dir.join("report"), false) {
        Ok(w) => {
            println!("report: {} ({} charts)", w.index.display(), w.images.len());
            Ok(())
        }
        Err(e) => {
            eprintln!("{e}");
            Err(ExitCode::from(EXIT_BAD_INPUT))
        }
    }
}

/// `dctwin report`.
fn report_command(dir: &Path, out: &Path, svg: bool) -> ExitCode {
    match crate::report::html::report(dir, out, svg) {
        Ok(w) => {
            println!("report: {} ({} images)", w.index.display(), w.images.len());
            ExitCode::from(EXIT_OK)
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(EXIT_BAD_INPUT)
        }
    }
}

/// Runs `dctwin view`.
#[allow(clippy::too_many_arguments)]
fn view_command(
    file: PathBuf,
    seed: Option<u64>,
    speed: Option<f64>,
    play: bool,
    size: &str,
    screenshot: Option<(SimDuration, PathBuf)>,
    frame_report: Option<u32>,
    script: Option<PathBuf>,
    save_session: Option<PathBuf>,
) -> ExitCode {
    let parsed = size.split_once('x').and_then(|(w, h)| Some((w.parse::<u32>().ok()?, h.parse::<u32>().ok()?)));
    let Some(size) = parsed.filter(|(w, h)| *w >= 320 && *h >= 240) else {
        eprintln!("--size {size}: expected WIDTHxHEIGHT of at least 320x240, e.g. 1600x900");
        return ExitCode::from(EXIT_BAD_INPUT);
    };
    if let Some(s) = speed
        && !(1.0..=604_800.0).contains(&s)
    {
        eprintln!("--speed {s}: expected 1 to 604800 simulated seconds per second");
        return ExitCode::from(EXIT_BAD_INPUT);
    }
    #[cfg(feature = "viewer")]
    {
        crate::viewer::run(crate::viewer::ViewerOptions {
            file,
            seed,
            speed,
            play,
            size,
            screenshot,
            frame_report,
            script,
            save_session,
        })
    }
    #[cfg(not(feature = "viewer"))]
    {
        let _ = (seed, play, screenshot, frame_report, script, save_session, size);
        eprintln!(
            "dctwin was built without the 3D viewer.\n  hint: cargo run --release --features viewer -- view {}\n  (the first build with the viewer takes about half an hour on two cores)",
            file.display()
        );
        ExitCode::from(EXIT_BAD_INPUT)
    }
}

/// `dctwin validate`: every case (or those named), a table per case, exit 1 on any miss.
fn validate_cmd(dir: &Path, cases: Vec<String>, markdown: Option<&Path>) -> ExitCode {
    let cases = if cases.is_empty() {
        match crate::compare::energyplus::cases(dir) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("error: {e}\n  hint: run from the repository root, or pass --dir");
                return ExitCode::from(EXIT_BAD_INPUT);
            }
        }
    } else {
        cases
    };
    let mut reports = Vec::with_capacity(cases.len());
    for case in &cases {
        match crate::compare::energyplus::validate_case(dir, case) {
            Ok(r) => {
                eprintln!("{case}: {} ticks in {:.2} s", r.ticks, r.wall_s);
                reports.push(r);
            }
            Err(e) => {
                eprintln!("error: case {case}: {e}");
                return ExitCode::from(EXIT_BAD_INPUT);
            }
        }
    }
    let text = crate::compare::energyplus::markdown(&reports);
    print!("{text}");
    if let Some(path) = markdown
        && let Err(e) = crate::report::write_atomic(path, text.as_bytes())
    {
        eprintln!("error: writing {}: {e}", path.display());
        return ExitCode::from(EXIT_BAD_INPUT);
    }
    let failed: Vec<&str> = reports.iter().filter(|r| !r.passes()).map(|r| r.case.as_str()).collect();
    if failed.is_empty() {
        eprintln!("every quantity of {} case(s) within its tolerance", reports.len());
        ExitCode::from(EXIT_OK)
    } else {
        eprintln!("outside tolerance: {}", failed.join(", "));
        ExitCode::from(EXIT_EXPECTATION_FAILED)
    }
}
