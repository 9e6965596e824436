//! Capacity search: how many racks a hall takes before something gives, and what gives first.
//!
//! At every grid point of a sweep with `search: (path, min, max)`, whole numbers are written
//! at `path` and the member is run; the largest count whose run keeps every expectation is
//! found by bisection, assuming that more racks never relieve a constraint (monotone). The
//! result names the expectations that break at limit + 1 (the binding constraints, with the
//! equipment each stands for) and the margin every expectation and every class of equipment
//! keeps at the limit. At most ⌈log₂(max − min)⌉ + 2 runs per point (one when `min` already
//! breaks, two when `max` holds). A count the scenario rejects (a row too long) is bad input:
//! the search stops with the located error.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use super::results::{MemberResult, Num, short};
use super::run::{par_map, run_member};
use super::sweep::{Sweep, SweepError};
use crate::metrics::expect::{Expectation, constraint_of};

/// One run of the search.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Trial {
    /// Count tried.
    pub count: u32,
    /// Every expectation held.
    pub passed: bool,
    /// Expectations that failed.
    pub failed: Vec<String>,
}

/// An expectation's margin at the limit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Margin {
    /// The expectation.
    pub expectation: String,
    /// What gives when it fails.
    pub constraint: String,
    /// Measured at the limit.
    pub measured: Num,
    /// Distance from failing, in the metric's unit (positive: holds).
    pub margin: Num,
    /// Measured at limit + 1 (when that was run).
    pub measured_above: Option<Num>,
}

/// The search's answer at one grid point.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Capacity {
    /// Grid point.
    pub point: usize,
    /// Point label (axis values joined by `, `).
    pub label: String,
    /// Largest count that keeps every expectation (none: even `min` breaks one).
    pub limit: Option<u32>,
    /// The search reached `max` without breaking anything.
    pub limit_is_max: bool,
    /// Expectations broken at limit + 1, with what gives.
    pub binding: Vec<(String, String)>,
    /// Every expectation's margin at the limit.
    pub margins: Vec<Margin>,
    /// The metrics at the limit (equipment loading, temperatures).
    pub metrics_at_limit: Vec<(String, Num)>,
    /// Every run, in the order tried.
    pub trials: Vec<Trial>,
}

fn trial(count: u32, r: &MemberResult) -> Trial {
    let failed = r.expectations.iter().filter(|e| !e.passed).map(|e| e.expectation.clone()).collect();
    Trial { count, passed: r.passed, failed }
}

/// Bisection over `[min, max]` at one grid point.
pub fn search_point(sweep: &Sweep, point: usize) -> Result<Capacity, SweepError> {
    let spec = sweep.spec.search.as_ref().ok_or_else(|| SweepError::Invalid(format!("{}: no `search`", sweep.file)))?;
    let run = |n: u32| sweep.search_member(point, n).and_then(|m| run_member(sweep, &m));
    let mut trials = Vec::new();
    let mut results: Vec<(u32, MemberResult)> = Vec::new();
    let mut tryn = |n: u32, trials: &mut Vec<Trial>| -> Result<bool, SweepError> {
        let r = run(n)?;
        trials.push(trial(n, &r));
        let ok = r.passed;
        results.push((n, r));
        Ok(ok)
    };
    let (mut lo, mut hi) = (spec.min, spec.max);
    let limit = if !tryn(lo, &mut trials)? {
        None
    } else if lo == hi || tryn(hi, &mut trials)? {
        Some(hi)
    } else {
        // Invariant: lo passes, hi fails.
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if tryn(mid, &mut trials)? { lo = mid } else { hi = mid }
        }
        Some(lo)
    };
    let find = |n: u32| results.iter().find(|(c, _)| *c == n).map(|(_, r)| r);
    let at = limit.and_then(find);
    let above = match limit {
        None => find(spec.min),
        Some(l) if l < spec.max => find(l + 1),
        Some(_) => None,
    };
    let binding = above
        .map(|r| {
            r.expectations
                .iter()
                .filter(|e| !e.passed)
                .map(|e| (e.expectation.clone(), constraint_for(&e.expectation).to_owned()))
                .collect()
        })
        .unwrap_or_default();
    let margins = at
        .map(|r| {
            r.expectations
                .iter()
                .map(|e| {
                    let parsed = Expectation::parse(&e.expectation).ok();
                    Margin {
                        expectation: e.expectation.clone(),
                        constraint: parsed.as_ref().map_or("other", |x| constraint_of(&x.metric)).to_owned(),
                        measured: e.measured,
                        margin: Num(parsed.map_or(f64::NAN, |x| x.margin(e.measured.0))),
                        measured_above: above.and_then(|a| {
                            a.expectations.iter().find(|x| x.expectation == e.expectation).map(|x| x.measured)
                        }),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let metrics_at_limit =
        at.map(|r| r.metrics.iter().map(|m| (m.name.clone(), m.value)).collect()).unwrap_or_default();
    Ok(Capacity {
        point,
        label: sweep.point_label(point),
        limit,
        limit_is_max: limit == Some(spec.max),
        binding,
        margins,
        metrics_at_limit,
        trials,
    })
}

fn constraint_for(expectation: &str) -> &'static str {
    Expectation::parse(expectation).map_or("other", |e| constraint_of(&e.metric))
}

/// Searches every grid point (points in parallel, each point's runs in turn).
pub fn search_all(sweep: &Sweep, threads: usize, quiet: bool) -> Result<Vec<Capacity>, SweepError> {
    let points: Vec<usize> = (0..sweep.points()).collect();
    let pb = super::run::progress_bar(points.len(), quiet);
    let out = par_map(&points, threads, |&p| {
        let r = search_point(sweep, p);
        pb.inc(1);
        r
    });
    pb.finish_and_clear();
    out.into_iter().collect()
}

/// `capacity.md`: the limit, what binds, the margins, and every run.
pub fn capacity_md(name: &str, description: &str, search_path: &str, caps: &[Capacity]) -> String {
    let mut s = format!("# {name} — capacity\n\n");
    if !description.trim().is_empty() {
        let _ = writeln!(s, "{}\n", description.trim());
    }
    let _ = writeln!(s, "Searched: `{search_path}` (bisection over whole numbers).\n");
    for c in caps {
        let title = if c.label.is_empty() { "Result".to_owned() } else { c.label.clone() };
        let _ = writeln!(s, "## {title}\n");
        match c.limit {
            None => {
                let _ = writeln!(s, "**No capacity**: even the smallest count breaks an expectation.\n");
            }
            Some(l) if c.limit_is_max => {
                let _ = writeln!(s, "**Limit ≥ {l}**: the largest count searched keeps every expectation.\n");
            }
            Some(l) => {
                let _ = writeln!(s, "**Limit: {l}.** At {} it breaks:\n", l + 1);
            }
        }
        for (e, what) in &c.binding {
            let _ = writeln!(s, "- `{e}` — {what}");
        }
        if !c.binding.is_empty() {
            s.push('\n');
        }
        if !c.margins.is_empty() {
            s.push_str("| expectation | what gives | at the limit | margin | at limit + 1 |\n|---|---|---|---|---|\n");
            for m in &c.margins {
                let above = m.measured_above.as_ref().map_or("—".to_owned(), |v| short(v.0));
                let _ = writeln!(
                    s,
                    "| `{}` | {} | {} | {} | {above} |",
                    m.expectation,
                    m.constraint,
                    short(m.measured.0),
                    short(m.margin.0)
                );
            }
            s.push('\n');
        }
        if !c.metrics_at_limit.is_empty() {
            s.push_str("Metrics at the limit: ");
            let parts: Vec<String> = c.metrics_at_limit.iter().map(|(n, v)| format!("{n} {}", short(v.0))).collect();
            let _ = writeln!(s, "{}.\n", parts.join(", "));
        }
        let runs: Vec<String> =
            c.trials.iter().map(|t| format!("{} {}", t.count, if t.passed { "✓" } else { "✗" })).collect();
        let _ = writeln!(s, "Runs: {}.\n", runs.join(", "));
    }
    s
}

/// `capacity.csv`: one row per point.
pub fn capacity_csv(caps: &[Capacity]) -> std::io::Result<Vec<u8>> {
    super::results::csv_bytes(|w| {
        w.write_record(["point", "label", "limit", "limit_is_max", "binding", "gives", "runs"])?;
        for c in caps {
            let binding: Vec<&str> = c.binding.iter().map(|(e, _)| e.as_str()).collect();
            let gives: Vec<&str> = c.binding.iter().map(|(_, g)| g.as_str()).collect();
            w.write_record([
                c.point.to_string(),
                c.label.clone(),
                c.limit.map_or(String::new(), |l| l.to_string()),
                c.limit_is_max.to_string(),
                binding.join("; "),
                gives.join("; "),
                c.trials.len().to_string(),
            ])?;
        }
        Ok(())
    })
}

/// Files a capacity search writes.
pub const CAPACITY_FILES: &[&str] = &["capacity.json", "capacity.csv", "capacity.md", "report"];

/// Writes the search's results into `dir` as one set.
pub fn write_outputs(dir: &std::path::Path, sweep: &Sweep, caps: &[Capacity]) -> std::io::Result<()> {
    let set = crate::report::resultset::ResultSet::begin(dir, CAPACITY_FILES).map_err(std::io::Error::other)?;
    let path = sweep.spec.search.as_ref().map_or("", |s| s.path.as_str());
    let file = CapacityFile {
        study: sweep.spec.name.clone(),
        description: sweep.spec.description.clone(),
        sweep_file: sweep.file.clone(),
        search_path: path.to_owned(),
        points: caps.to_vec(),
    };
    let json = super::results::json(&file)?;
    let put = |name: &str, bytes: &[u8]| set.write(name, bytes).map_err(std::io::Error::other);
    put("capacity.json", &json)?;
    put("capacity.csv", &capacity_csv(caps)?)?;
    put("capacity.md", capacity_md(&file.study, &file.description, path, caps).as_bytes())?;
    set.commit().map_err(std::io::Error::other)
}

/// `capacity.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CapacityFile {
    /// Study name.
    pub study: String,
    /// What it asks.
    pub description: String,
    /// The sweep file.
    pub sweep_file: String,
    /// The searched path.
    pub search_path: String,
    /// One answer per grid point.
    pub points: Vec<Capacity>,
}

/// Formats a count range for messages.
pub fn describe(c: &Capacity) -> String {
    match c.limit {
        None => "no capacity (the smallest count breaks an expectation)".into(),
        Some(l) if c.limit_is_max => format!("≥ {l} (nothing broke in the searched range)"),
        Some(l) => {
            let gives: Vec<String> = c.binding.iter().map(|(e, g)| format!("{e} — {g}")).collect();
            format!("{l}; at {} breaks {}", l + 1, gives.join("; "))
        }
    }
}
