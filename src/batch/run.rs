//! Running the members of a sweep (or of one shard of it) in parallel.
//!
//! Members are independent worlds, so they run on `threads` OS threads that take the next
//! member index from a shared counter; results are put back in index order, so the output
//! does not depend on the thread count or on which thread ran what. First every member is
//! expanded and validated (a bad member stops the batch before anything runs or is written),
//! then they run.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};

use super::results::{ExpectationResult, Manifest, MemberResult, MetricValue, Num, Shard};
use super::sweep::{Member, Sweep, SweepError};
use crate::run::simulate;
use crate::scenario::build::BuildOptions;

/// Environment variables that carry a shard index: Kubernetes Indexed Jobs, Slurm job arrays.
pub const SHARD_INDEX_VARS: [&str; 2] = ["JOB_COMPLETION_INDEX", "SLURM_ARRAY_TASK_ID"];

/// Parses `--shard K/N` (0 ≤ K < N), or `auto/N` with K read from the environment
/// ([`SHARD_INDEX_VARS`]; a Slurm index is counted from `SLURM_ARRAY_TASK_MIN` when set, so
/// arrays `--array=1-8` work too).
pub fn parse_shard(text: &str, env: impl Fn(&str) -> Option<String>) -> Result<Shard, String> {
    let hint = "write --shard K/N with 0 ≤ K < N, e.g. --shard 2/8, or --shard auto/N inside a Kubernetes Indexed Job or a Slurm job array";
    let Some((k, n)) = text.split_once('/') else {
        return Err(format!("--shard \"{text}\" is not K/N\n  hint: {hint}"));
    };
    let count: usize = n
        .trim()
        .parse()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| format!("--shard \"{text}\": N must be a whole number ≥ 1\n  hint: {hint}"))?;
    let index: usize = if k.trim() == "auto" {
        shard_index_from_env(&env).ok_or_else(|| {
            format!(
                "--shard auto/{count}: none of {} is set to a whole number\n  hint: {hint}",
                SHARD_INDEX_VARS.join(", ")
            )
        })?
    } else {
        k.trim()
            .parse()
            .map_err(|_| format!("--shard \"{text}\": K must be a whole number or `auto`\n  hint: {hint}"))?
    };
    if index >= count {
        return Err(format!("--shard {index}/{count}: the index must be below the count\n  hint: {hint}"));
    }
    Ok(Shard { index, count })
}

fn shard_index_from_env(env: &impl Fn(&str) -> Option<String>) -> Option<usize> {
    if let Some(k) = env("JOB_COMPLETION_INDEX") {
        return k.trim().parse().ok();
    }
    let id: usize = env("SLURM_ARRAY_TASK_ID")?.trim().parse().ok()?;
    let min: usize = env("SLURM_ARRAY_TASK_MIN").and_then(|m| m.trim().parse().ok()).unwrap_or(0);
    id.checked_sub(min)
}

/// Runs `f` on every item with `threads` threads; results in item order.
pub fn par_map<T: Sync, R: Send>(items: &[T], threads: usize, f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let slots: Mutex<Vec<Option<R>>> = Mutex::new((0..items.len()).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..threads.clamp(1, items.len().max(1)) {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    let r = f(item);
                    slots.lock().expect("no worker panicked")[i] = Some(r);
                }
            });
        }
    });
    slots.into_inner().expect("no worker panicked").into_iter().map(|r| r.expect("every item ran")).collect()
}

/// The manifest of a run of `sweep` (or of a shard of it).
pub fn manifest(sweep: &Sweep, shard: Option<Shard>) -> Manifest {
    let names = sweep.param_names();
    let n_draws = sweep.spec.draws.len();
    let (axes, draws) = names.split_at(names.len() - n_draws);
    Manifest {
        sweep: sweep.spec.name.clone(),
        description: sweep.spec.description.clone(),
        sweep_file: sweep.file.clone(),
        base: sweep.base_file.display().to_string(),
        fingerprint: sweep.fingerprint(),
        seed: sweep.spec.seed,
        members: sweep.members(),
        points: sweep.points(),
        replicates: sweep.spec.replicates,
        axes: axes.to_vec(),
        draws: draws.to_vec(),
        metrics: sweep.metrics.clone(),
        shard: shard.filter(|s| s.count > 1),
        compare: sweep.spec.compare.as_ref().map(|c| c.baseline.clone()),
    }
}

/// A progress bar on stderr, hidden when stderr is not a terminal (CI logs, pipes).
pub fn progress_bar(len: usize, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::new(len as u64);
    if let Ok(style) =
        ProgressStyle::with_template("{elapsed_precise} [{bar:40}] {pos}/{len} members ({per_sec}, eta {eta})")
    {
        pb.set_style(style.progress_chars("=> "));
    }
    pb
}

/// Expands and validates every member, printing each distinct warning once; `Err` holds the
/// rendered problems of the first bad member and how many others are bad.
pub fn check_members(sweep: &Sweep, indices: &[usize], threads: usize) -> Result<BatchEstimate, SweepError> {
    let checked = par_map(indices, threads, |&i| {
        let m = sweep.member(i)?;
        let v = sweep.validate_member(&m)?;
        let est = crate::run::estimate(&v, &BuildOptions::default());
        let warnings = v.warnings.iter().map(|w| sweep.render_warning(&m, w)).collect::<Vec<_>>();
        Ok::<_, SweepError>((est, m.index, warnings))
    });
    let bad: Vec<&SweepError> = checked.iter().filter_map(|r| r.as_ref().err()).collect();
    if let Some(first) = bad.first() {
        let more = if bad.len() > 1 {
            format!("\n… and {} more members with problems", bad.len() - 1)
        } else {
            String::new()
        };
        return Err(SweepError::Invalid(format!("{first}{more}")));
    }
    let mut warnings: BTreeMap<String, usize> = BTreeMap::new();
    let mut total = BatchEstimate { members: indices.len(), ..Default::default() };
    for (est, index, ws) in checked.into_iter().flatten() {
        for w in ws {
            *warnings.entry(w).or_default() += 1;
        }
        total.ticks_min += est.ticks_min;
        total.rack_ticks += est.ticks_min * est.racks.max(1) as f64;
        if total.refused.is_none()
            && let Some(why) = est.refusal(None)
        {
            total.refused = Some(format!("member {index}: {why}"));
        }
    }
    for (w, n) in warnings {
        eprintln!("{w}\n  (in {n} of {} members)", indices.len());
    }
    Ok(total)
}

/// What a batch will cost, known before it starts (members write no time series, so the work
/// is the cost: see [`crate::run::Estimate`]).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BatchEstimate {
    /// Members to run.
    pub members: usize,
    /// Fewest ticks of all members together.
    pub ticks_min: f64,
    /// Rack-ticks of all members together (at their fewest ticks).
    pub rack_ticks: f64,
    /// The first member a lone run would refuse, and why.
    pub refused: Option<String>,
}

impl BatchEstimate {
    /// Why the batch should not start without `--force`: a member a lone run would refuse, or
    /// more work than [`MAX_BATCH_RACK_TICKS`].
    pub fn refusal(&self) -> Option<String> {
        self.refused.clone().or_else(|| {
            (self.rack_ticks > MAX_BATCH_RACK_TICKS).then(|| {
                format!(
                    "{} members need {:.1e} rack-ticks, about {:.0} core-hours",
                    self.members,
                    self.rack_ticks,
                    self.rack_ticks / 1e7 / 3_600.0
                )
            })
        })
    }
}

/// Most rack-ticks of a whole batch without `--force`: ten lone runs' worth (about ten
/// core-days at ~10⁷ rack-ticks per second), the scale of a cluster job, not a laptop's.
pub const MAX_BATCH_RACK_TICKS: f64 = 10.0 * crate::run::MAX_RACK_TICKS;

/// Runs one member to its end.
pub fn run_member(sweep: &Sweep, m: &Member) -> Result<MemberResult, SweepError> {
    let v = sweep.validate_member(m)?;
    let seed = sweep.run_seed(m, &v);
    // Members already fill every core, one each: their per-rack loops stay on their thread.
    let done = simulate(&v, BuildOptions { seed: Some(seed), parallel: Some(false), ..Default::default() });
    let s = &done.summary;
    Ok(MemberResult {
        climate: s.climate.clone(),
        index: m.index,
        point: m.point,
        replicate: m.replicate,
        seed,
        params: m.params.clone(),
        passed: s.passed(),
        metrics: sweep
            .metrics
            .iter()
            .map(|name| MetricValue { name: name.clone(), value: Num(s.metric(name).unwrap_or(f64::NAN)) })
            .collect(),
        expectations: s
            .expectations
            .iter()
            .map(|o| ExpectationResult {
                expectation: o.expectation.clone(),
                measured: Num(o.measured),
                passed: o.passed,
            })
            .collect(),
    })
}

/// What a batch run measured about itself (printed, never written: outputs stay identical
/// whatever the machine).
#[derive(Clone, Copy, Debug)]
pub struct Throughput {
    /// Members run.
    pub members: usize,
    /// Threads used.
    pub threads: usize,
    /// Wall seconds of the run phase.
    pub wall_s: f64,
}

impl Throughput {
    /// Members per minute.
    pub fn members_per_min(&self) -> f64 {
        self.members as f64 * 60.0 / self.wall_s.max(1e-9)
    }
}

/// Checks then runs the members `indices` of `sweep`.
pub fn run_members(
    sweep: &Sweep,
    indices: &[usize],
    threads: usize,
    quiet: bool,
    force: bool,
) -> Result<(Vec<MemberResult>, Throughput), SweepError> {
    let est = check_members(sweep, indices, threads)?;
    if let Some(why) = est.refusal()
        && !force
    {
        return Err(SweepError::Invalid(format!(
            "{}: error: refusing to run: {why}\n  hint: shorten the members' duration, lengthen their tick or \
             max_tick, run fewer members (--shard), or pass --force",
            sweep.file
        )));
    }
    if !quiet {
        eprintln!(
            "estimate: {} members, at least {:.0} ticks and {:.1e} rack-ticks in all",
            est.members, est.ticks_min, est.rack_ticks
        );
    }
    let pb = progress_bar(indices.len(), quiet);
    let start = Instant::now();
    let results = par_map(indices, threads, |&i| {
        let r = sweep.member(i).and_then(|m| run_member(sweep, &m));
        pb.inc(1);
        r
    });
    pb.finish_and_clear();
    let wall_s = start.elapsed().as_secs_f64();
    let results = results.into_iter().collect::<Result<Vec<_>, _>>()?;
    Ok((results, Throughput { members: indices.len(), threads, wall_s }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| (*v).to_owned())
    }

    #[test]
    fn shards_come_from_the_flag_or_the_scheduler() {
        assert_eq!(parse_shard("2/3", env(&[])), Ok(Shard { index: 2, count: 3 }));
        assert_eq!(parse_shard("auto/4", env(&[("JOB_COMPLETION_INDEX", "3")])), Ok(Shard { index: 3, count: 4 }));
        let slurm = [("SLURM_ARRAY_TASK_ID", "5"), ("SLURM_ARRAY_TASK_MIN", "1")];
        assert_eq!(parse_shard("auto/8", env(&slurm)), Ok(Shard { index: 4, count: 8 }));
        for bad in ["3/3", "x/2", "1/0", "12", "auto/2"] {
            assert!(parse_shard(bad, env(&[])).is_err(), "{bad}");
        }
    }

    #[test]
    fn par_map_keeps_item_order_whatever_the_thread_count() {
        let items: Vec<u64> = (0..100).collect();
        for threads in [1, 2, 7] {
            assert_eq!(par_map(&items, threads, |x| x * x), items.iter().map(|x| x * x).collect::<Vec<_>>());
        }
    }
}
