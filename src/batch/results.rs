//! What a batch leaves: one result per member and the files built from them.
//!
//! Every output file is a pure function of the manifest and the member results in index
//! order, so an unsharded run and a merge of shards write the same bytes. Files (each written
//! atomically):
//!
//! | file | content |
//! |---|---|
//! | `sweep.json` | manifest: sweep, base, fingerprint, seed, members, parameters, metrics (and the shard, for a shard) |
//! | `members.csv`, `members.json` | one row per member: index, grid point, replicate, seed, parameters, pass/fail, metrics, each expectation's measured value and outcome |
//! | `stats.csv`, `stats.json` | per grid point and over all members: n, mean, min, p5, p50, p95, max of each metric |
//! | `probabilities.csv` | per grid point and expectation: members, failures, failure probability and its Wilson 95 % interval |
//! | `junit.xml`, `summary.md` | CI conventions (see [`super::junit`]) |

use std::fmt::Write as _;
use std::io;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::sweep::Param;

/// A number that may be infinite or NaN (written as a string in JSON then).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Num(pub f64);

impl Serialize for Num {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.0.is_finite() { s.serialize_f64(self.0) } else { s.serialize_str(&fmt_num(self.0)) }
    }
}

impl<'de> Deserialize<'de> for Num {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            N(f64),
            S(String),
        }
        match Raw::deserialize(d)? {
            Raw::N(v) => Ok(Num(v)),
            Raw::S(s) => s.parse().map(Num).map_err(serde::de::Error::custom),
        }
    }
}

/// Full-precision text of a number (shortest round trip, exponent for very small or large
/// magnitudes; `inf`, `-inf`, `NaN`).
pub fn fmt_num(v: f64) -> String {
    format!("{v:?}")
}

/// One expectation's outcome in one member.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExpectationResult {
    /// As written.
    pub expectation: String,
    /// Measured value.
    pub measured: Num,
    /// Whether it holds.
    pub passed: bool,
}

/// A metric's value in one member.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MetricValue {
    /// Metric name.
    pub name: String,
    /// Value.
    pub value: Num,
}

/// One member's result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MemberResult {
    /// Member index.
    pub index: usize,
    /// Grid point.
    pub point: usize,
    /// Replicate.
    pub replicate: u32,
    /// Seed it ran with.
    pub seed: u64,
    /// Parameter values.
    pub params: Vec<Param>,
    /// Every expectation held.
    pub passed: bool,
    /// Metrics, in the manifest's order.
    pub metrics: Vec<MetricValue>,
    /// Expectations, in the scenario's order.
    pub expectations: Vec<ExpectationResult>,
    /// How the member's weather was made (`SYNTHETIC year from monthly statistics: …`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub climate: String,
}

impl MemberResult {
    /// A short label: `member 17 (design=N+1, p=0.05)`.
    pub fn label(&self) -> String {
        let p: Vec<String> = self.params.iter().map(|p| format!("{}={}", p.name, p.value)).collect();
        format!("member {} ({})", self.index, p.join(", "))
    }
}

/// A shard: this run covers member indices `≡ index (mod count)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// 0-based shard index.
    pub index: usize,
    /// Shards in all.
    pub count: usize,
}

/// `sweep.json`: what was run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Sweep name.
    pub sweep: String,
    /// Sweep description.
    pub description: String,
    /// Sweep file.
    pub sweep_file: String,
    /// Base scenario file.
    pub base: String,
    /// Fingerprint of the sweep and base texts.
    pub fingerprint: String,
    /// Sweep seed.
    pub seed: u64,
    /// Members in the whole sweep.
    pub members: usize,
    /// Grid points.
    pub points: usize,
    /// Replicates per point.
    pub replicates: u32,
    /// Grid axis names.
    pub axes: Vec<String>,
    /// Draw names.
    pub draws: Vec<String>,
    /// Metric names.
    pub metrics: Vec<String>,
    /// The shard this directory holds; absent for a whole sweep.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<Shard>,
    /// The baseline point of a comparison, if the sweep compares its points.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compare: Option<String>,
}

impl Manifest {
    /// Member indices this manifest's run covers.
    pub fn indices(&self) -> Vec<usize> {
        let (k, n) = self.shard.map_or((0, 1), |s| (s.index, s.count));
        (k..self.members).step_by(n.max(1)).collect()
    }
}

/// Percentile `p` (0–1) of sorted values, linear between closest ranks (Hyndman–Fan type 7,
/// the default of NumPy and R).
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let h = (sorted.len() - 1) as f64 * p.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    let (a, b) = (sorted[lo], sorted[hi]);
    if a == b { a } else { a + (h - lo as f64) * (b - a) }
}

/// z for a two-sided 95 % interval.
const Z_95: f64 = 1.959_963_984_540_054;

/// Wilson score 95 % interval of a proportion `k / n` (Wilson 1927; good at k = 0 or k = n,
/// where the normal approximation collapses).
pub fn wilson_95(k: usize, n: usize) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let (k, n) = (k as f64, n as f64);
    let p = k / n;
    let z2 = Z_95 * Z_95;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = Z_95 * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / (1.0 + z2 / n);
    // At k = 0 (k = n) the bound is exactly 0 (1); rounding would leave 1e-17.
    let lo = if k == 0.0 { 0.0 } else { (centre - half).max(0.0) };
    let hi = if k == n { 1.0 } else { (centre + half).min(1.0) };
    (lo, hi)
}

/// Summary statistics of one metric over a group of members.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MetricStats {
    /// Metric name.
    pub metric: String,
    /// Values.
    pub n: usize,
    /// Mean.
    pub mean: Num,
    /// Minimum.
    pub min: Num,
    /// 5th percentile.
    pub p5: Num,
    /// Median.
    pub p50: Num,
    /// 95th percentile.
    pub p95: Num,
    /// Maximum.
    pub max: Num,
}

/// How often one expectation failed in a group.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FailureStats {
    /// The expectation.
    pub expectation: String,
    /// Members that evaluated it.
    pub members: usize,
    /// Members where it failed.
    pub failed: usize,
    /// failed / members.
    pub probability: f64,
    /// Wilson 95 % interval, low.
    pub ci95_low: f64,
    /// Wilson 95 % interval, high.
    pub ci95_high: f64,
}

/// Statistics of one group (a grid point, or all members).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GroupStats {
    /// `"all"` or `"point N"`.
    pub group: String,
    /// Grid point, if a point.
    pub point: Option<usize>,
    /// The point's axis values.
    pub params: Vec<Param>,
    /// Members.
    pub members: usize,
    /// Members where every expectation held.
    pub passed: usize,
    /// Per metric.
    pub metrics: Vec<MetricStats>,
    /// Per expectation.
    pub expectations: Vec<FailureStats>,
}

fn metric_stats(name: &str, mut v: Vec<f64>) -> MetricStats {
    v.sort_by(f64::total_cmp);
    let mean = if v.is_empty() { f64::NAN } else { v.iter().sum::<f64>() / v.len() as f64 };
    MetricStats {
        metric: name.to_owned(),
        n: v.len(),
        mean: Num(mean),
        min: Num(v.first().copied().unwrap_or(f64::NAN)),
        p5: Num(percentile(&v, 0.05)),
        p50: Num(percentile(&v, 0.50)),
        p95: Num(percentile(&v, 0.95)),
        max: Num(v.last().copied().unwrap_or(f64::NAN)),
    }
}

/// Statistics of a group of members.
pub fn group_stats(
    group: String,
    point: Option<usize>,
    params: Vec<Param>,
    members: &[&MemberResult],
    metrics: &[String],
) -> GroupStats {
    let metric_stats = metrics
        .iter()
        .enumerate()
        .map(|(i, name)| {
            metric_stats(name, members.iter().filter_map(|m| m.metrics.get(i)).map(|v| v.value.0).collect())
        })
        .collect();
    let mut names: Vec<&str> = Vec::new();
    for m in members {
        for e in &m.expectations {
            if !names.contains(&e.expectation.as_str()) {
                names.push(&e.expectation);
            }
        }
    }
    let expectations = names
        .iter()
        .map(|name| {
            let outcomes: Vec<bool> = members
                .iter()
                .flat_map(|m| m.expectations.iter().filter(|e| e.expectation == *name))
                .map(|e| e.passed)
                .collect();
            let failed = outcomes.iter().filter(|p| !**p).count();
            let (lo, hi) = wilson_95(failed, outcomes.len());
            FailureStats {
                expectation: (*name).to_owned(),
                members: outcomes.len(),
                failed,
                probability: if outcomes.is_empty() { 0.0 } else { failed as f64 / outcomes.len() as f64 },
                ci95_low: lo,
                ci95_high: hi,
            }
        })
        .collect();
    GroupStats {
        group,
        point,
        params,
        members: members.len(),
        passed: members.iter().filter(|m| m.passed).count(),
        metrics: metric_stats,
        expectations,
    }
}

/// Statistics per grid point (in point order), then over all members.
pub fn all_stats(manifest: &Manifest, members: &[MemberResult]) -> Vec<GroupStats> {
    let mut out = Vec::new();
    let mut points: Vec<usize> = members.iter().map(|m| m.point).collect();
    points.dedup();
    if manifest.points > 1 {
        for p in points {
            let group: Vec<&MemberResult> = members.iter().filter(|m| m.point == p).collect();
            let params = group[0].params.iter().filter(|q| manifest.axes.contains(&q.name)).cloned().collect();
            out.push(group_stats(format!("point {p}"), Some(p), params, &group, &manifest.metrics));
        }
    }
    let all: Vec<&MemberResult> = members.iter().collect();
    out.push(group_stats("all".into(), None, Vec::new(), &all, &manifest.metrics));
    out
}

/// CSV bytes written by `rows`.
pub(super) fn csv_bytes(rows: impl FnOnce(&mut csv::Writer<Vec<u8>>) -> csv::Result<()>) -> io::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    rows(&mut w).map_err(io::Error::other)?;
    w.into_inner().map_err(|e| io::Error::other(e.to_string()))
}

/// `members.csv`.
pub fn members_csv(manifest: &Manifest, members: &[MemberResult]) -> io::Result<Vec<u8>> {
    let exp_names: Vec<String> =
        members.first().map_or(Vec::new(), |m| m.expectations.iter().map(|e| e.expectation.clone()).collect());
    csv_bytes(|w| {
        let mut header: Vec<String> = ["member", "point", "replicate", "seed"].map(String::from).to_vec();
        header.extend(manifest.axes.iter().chain(&manifest.draws).cloned());
        header.push("passed".into());
        header.push("expectations_failed".into());
        header.extend(manifest.metrics.iter().cloned());
        for e in &exp_names {
            header.push(format!("{e} [measured]"));
            header.push(format!("{e} [passed]"));
        }
        w.write_record(&header)?;
        for m in members {
            let mut row = vec![m.index.to_string(), m.point.to_string(), m.replicate.to_string(), m.seed.to_string()];
            row.extend(m.params.iter().map(|p| p.value.clone()));
            row.push(m.passed.to_string());
            row.push(m.expectations.iter().filter(|e| !e.passed).count().to_string());
            row.extend(m.metrics.iter().map(|v| fmt_num(v.value.0)));
            for e in &m.expectations {
                row.push(fmt_num(e.measured.0));
                row.push(e.passed.to_string());
            }
            w.write_record(&row)?;
        }
        Ok(())
    })
}

fn point_label(params: &[Param]) -> String {
    if params.is_empty() {
        return "all members".into();
    }
    params.iter().map(|p| format!("{}={}", p.name, p.value)).collect::<Vec<_>>().join(", ")
}

/// `stats.csv`: one row per group and metric.
pub fn stats_csv(stats: &[GroupStats]) -> io::Result<Vec<u8>> {
    csv_bytes(|w| {
        w.write_record(["group", "label", "metric", "n", "mean", "min", "p5", "p50", "p95", "max"])?;
        for g in stats {
            for s in &g.metrics {
                let nums = [s.mean, s.min, s.p5, s.p50, s.p95, s.max].map(|v| fmt_num(v.0));
                let mut row = vec![g.group.clone(), point_label(&g.params), s.metric.clone(), s.n.to_string()];
                row.extend(nums);
                w.write_record(&row)?;
            }
        }
        Ok(())
    })
}

/// `probabilities.csv`: one row per group and expectation.
pub fn probabilities_csv(stats: &[GroupStats]) -> io::Result<Vec<u8>> {
    csv_bytes(|w| {
        w.write_record([
            "group",
            "label",
            "expectation",
            "members",
            "failed",
            "failure_probability",
            "ci95_low",
            "ci95_high",
        ])?;
        for g in stats {
            for e in &g.expectations {
                w.write_record([
                    g.group.clone(),
                    point_label(&g.params),
                    e.expectation.clone(),
                    e.members.to_string(),
                    e.failed.to_string(),
                    fmt_num(e.probability),
                    fmt_num(e.ci95_low),
                    fmt_num(e.ci95_high),
                ])?;
            }
        }
        Ok(())
    })
}

/// `members.json` document.
#[derive(Serialize, Deserialize)]
pub struct MembersFile {
    /// The members, in index order.
    pub members: Vec<MemberResult>,
}

/// Pretty JSON of `v`.
pub fn json(v: &impl Serialize) -> io::Result<Vec<u8>> {
    let mut s = serde_json::to_vec_pretty(v).map_err(io::Error::other)?;
    s.push(b'\n');
    Ok(s)
}

/// A percentage with one decimal.
fn pct(p: f64) -> String {
    format!("{:.1} %", p * 100.0)
}

/// `summary.md`: a Markdown summary for a CI job summary.
pub fn summary_md(manifest: &Manifest, members: &[MemberResult], stats: &[GroupStats]) -> String {
    let mut out = String::new();
    let failed: Vec<&MemberResult> = members.iter().filter(|m| !m.passed).collect();
    let _ = writeln!(out, "## Sweep: {}\n", manifest.sweep);
    if !manifest.description.is_empty() {
        let _ = writeln!(out, "{}\n", manifest.description.trim());
    }
    let verdict = if failed.is_empty() {
        "**every expectation held in every member**".to_owned()
    } else {
        format!("**{} of {} members failed an expectation**", failed.len(), members.len())
    };
    let _ = writeln!(
        out,
        "{} members ({} grid points × {} replicates), sweep seed {}, base `{}`: {verdict}.\n",
        members.len(),
        manifest.points,
        manifest.replicates,
        manifest.seed,
        manifest.base
    );
    let exps: Vec<&str> =
        stats.last().map_or(Vec::new(), |g| g.expectations.iter().map(|e| e.expectation.as_str()).collect());
    if !exps.is_empty() {
        let _ = writeln!(out, "### Probability that an expectation fails (Wilson 95 % interval)\n");
        let mut head = vec!["group".to_owned(), "members".into()];
        head.extend(exps.iter().map(|e| format!("`{e}`")));
        let _ = writeln!(out, "| {} |", head.join(" | "));
        let _ = writeln!(out, "|{}", "---|".repeat(head.len()));
        for g in stats {
            let mut row = vec![point_label(&g.params), g.members.to_string()];
            for e in &g.expectations {
                row.push(format!(
                    "{} [{}–{}] ({}/{})",
                    pct(e.probability),
                    pct(e.ci95_low),
                    pct(e.ci95_high),
                    e.failed,
                    e.members
                ));
            }
            let _ = writeln!(out, "| {} |", row.join(" | "));
        }
        out.push('\n');
    }
    if let Some(all) = stats.last() {
        let _ = writeln!(out, "### Metrics over all members\n\n| metric | p5 | p50 | p95 |\n|---|---|---|---|");
        for s in &all.metrics {
            let _ = writeln!(out, "| `{}` | {} | {} | {} |", s.metric, short(s.p5.0), short(s.p50.0), short(s.p95.0));
        }
        out.push('\n');
    }
    if !failed.is_empty() {
        const MAX_LISTED: usize = 20;
        let _ = writeln!(out, "### Failed members\n");
        for m in failed.iter().take(MAX_LISTED) {
            let what: Vec<String> = m
                .expectations
                .iter()
                .filter(|e| !e.passed)
                .map(|e| format!("`{}` (measured {})", e.expectation, short(e.measured.0)))
                .collect();
            let _ = writeln!(out, "- {}: {}", m.label(), what.join(", "));
        }
        if failed.len() > MAX_LISTED {
            let _ = writeln!(out, "- … and {} more (see members.csv)", failed.len() - MAX_LISTED);
        }
    }
    out
}

/// A number with four significant digits for tables.
pub fn short(v: f64) -> String {
    if !v.is_finite() || v == 0.0 {
        return fmt_num(v);
    }
    let digits = (3 - v.abs().log10().floor() as i32).clamp(0, 6) as usize;
    format!("{v:.digits$}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_interpolate_like_numpy() {
        let v: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(percentile(&v, 0.5), 5.5);
        assert!((percentile(&v, 0.05) - 1.45).abs() < 1e-12);
        assert!((percentile(&v, 0.95) - 9.55).abs() < 1e-12);
        assert_eq!(percentile(&[3.0], 0.95), 3.0);
    }

    #[test]
    fn wilson_interval_matches_reference_values() {
        // 0/100: [0, 3.70 %]; 10/100: [5.52 %, 17.44 %] (Newcombe 1998, method 3).
        let (lo, hi) = wilson_95(0, 100);
        assert_eq!(lo, 0.0);
        assert!((hi - 0.0370).abs() < 5e-4, "{hi}");
        let (lo, hi) = wilson_95(10, 100);
        assert!((lo - 0.0552).abs() < 5e-4 && (hi - 0.1744).abs() < 5e-4, "{lo} {hi}");
    }

    #[test]
    fn non_finite_numbers_round_trip_through_json() {
        let v = vec![Num(1.5), Num(f64::INFINITY), Num(f64::NEG_INFINITY), Num(0.1 + 0.2)];
        let text = serde_json::to_string(&v).unwrap();
        let back: Vec<Num> = serde_json::from_str(&text).unwrap();
        assert_eq!(back, v);
        let nan: Num = serde_json::from_str(&serde_json::to_string(&Num(f64::NAN)).unwrap()).unwrap();
        assert!(nan.0.is_nan());
    }
}
