//! Comparisons: the grid points of a sweep side by side, each metric given in absolute terms
//! and as a difference from a named baseline point (`compare: (baseline: "Paris")` in a sweep
//! file). A point's value is the mean over its replicates (one replicate: the run itself).

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use super::results::{GroupStats, Manifest, MemberResult, Num, fmt_num, short};

/// The label of a grid point's group ([`super::sweep::params_label`] of its axis values).
pub fn point_label(g: &GroupStats) -> String {
    super::sweep::params_label(&g.params)
}

/// One metric of one point against the baseline.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Cell {
    /// Metric name.
    pub metric: String,
    /// The point's value (mean over its replicates).
    pub value: Num,
    /// Value − baseline.
    pub delta: Num,
    /// (Value − baseline) / |baseline|, % (none when the baseline is 0).
    pub delta_pct: Option<Num>,
}

impl Cell {
    /// The cell as shown in tables: the value, and for a point other than the baseline its
    /// difference and relative difference, `9013 (-2083, -18.8 %)`.
    pub fn text(&self, baseline: bool) -> String {
        if baseline {
            return short(self.value.0);
        }
        let pct = self.delta_pct.as_ref().map_or(String::new(), |p| format!(", {:+.1} %", p.0));
        format!("{} ({}{pct})", short(self.value.0), signed(self.delta.0))
    }
}

/// One point of the comparison.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// Point label.
    pub label: String,
    /// Whether this is the baseline.
    pub baseline: bool,
    /// How the point's weather was made (its first member's; synthetic years say so).
    #[serde(default)]
    pub climate: String,
    /// Its metrics.
    pub cells: Vec<Cell>,
}

/// The points of `stats` (the trailing "all members" group excluded) against `baseline`,
/// each with the weather of its members; `None` when no point carries that label.
pub fn compare(stats: &[GroupStats], members: &[MemberResult], baseline: &str) -> Option<Vec<Row>> {
    let points: Vec<&GroupStats> = stats.iter().filter(|g| g.point.is_some()).collect();
    let base = points.iter().find(|g| point_label(g) == baseline)?;
    let mean = |g: &GroupStats, m: &str| g.metrics.iter().find(|s| s.metric == m).map_or(f64::NAN, |s| s.mean.0);
    Some(
        points
            .iter()
            .map(|g| Row {
                label: point_label(g),
                baseline: point_label(g) == baseline,
                climate: members.iter().find(|m| Some(m.point) == g.point).map_or(String::new(), |m| m.climate.clone()),
                cells: base
                    .metrics
                    .iter()
                    .map(|s| {
                        let (v, b) = (mean(g, &s.metric), s.mean.0);
                        let delta = v - b;
                        Cell {
                            metric: s.metric.clone(),
                            value: Num(v),
                            delta: Num(delta),
                            delta_pct: relative(v, b).map(Num),
                        }
                    })
                    .collect(),
            })
            .collect(),
    )
}

/// `(v − b) / |b|` in %, where the baseline is a substantial number: not zero and not a
/// millionth of the value (a second of free cooling in a year of chillers is no base for a
/// percentage).
fn relative(v: f64, b: f64) -> Option<f64> {
    let meaningful = v.is_finite() && b.is_finite() && b.abs() > 1e-6 * v.abs().max(b.abs());
    meaningful.then(|| (v - b) / b.abs() * 100.0)
}

/// A signed short number: `+12.5`, `-3.0`, `0`.
pub fn signed(v: f64) -> String {
    let s = short(v);
    if v > 0.0 { format!("+{s}") } else { s }
}

/// `comparison.csv`: one row per point and metric.
pub fn comparison_csv(rows: &[Row]) -> std::io::Result<Vec<u8>> {
    super::results::csv_bytes(|w| {
        w.write_record(["point", "baseline", "metric", "value", "delta", "delta_pct"])?;
        for r in rows {
            for c in &r.cells {
                w.write_record([
                    r.label.as_str(),
                    if r.baseline { "yes" } else { "no" },
                    c.metric.as_str(),
                    &fmt_num(c.value.0),
                    &fmt_num(c.delta.0),
                    &c.delta_pct.as_ref().map_or(String::new(), |p| format!("{:.2}", p.0)),
                ])?;
            }
        }
        Ok(())
    })
}

/// `comparison.md`: metrics down, points across; each cell `value (Δ, Δ%)` against the baseline.
pub fn comparison_md(manifest: &Manifest, rows: &[Row], baseline: &str) -> String {
    let mut s = format!("# {} — comparison against {baseline}\n\n", manifest.sweep);
    if !manifest.description.trim().is_empty() {
        let _ = writeln!(s, "{}\n", manifest.description.trim());
    }
    s.push_str("| metric |");
    for r in rows {
        let _ = write!(s, " {}{} |", r.label, if r.baseline { " (baseline)" } else { "" });
    }
    s.push_str("\n|---|");
    s.push_str(&"---|".repeat(rows.len()));
    s.push('\n');
    let metrics: Vec<&str> = rows.first().map_or(Vec::new(), |r| r.cells.iter().map(|c| c.metric.as_str()).collect());
    for (k, m) in metrics.iter().enumerate() {
        let _ = write!(s, "| {m} |");
        for r in rows {
            let _ = write!(s, " {} |", r.cells[k].text(r.baseline));
        }
        s.push('\n');
    }
    s.push_str("\nWeather:\n\n");
    for r in rows {
        let _ = writeln!(s, "- {}: {}", r.label, if r.climate.is_empty() { "—" } else { &r.climate });
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::results::MetricStats;
    use crate::batch::sweep::Param;

    fn point(i: usize, label: &str, v: f64) -> GroupStats {
        GroupStats {
            group: format!("point {i}"),
            point: Some(i),
            params: vec![Param { name: "site".into(), value: label.into() }],
            members: 1,
            passed: 1,
            metrics: vec![MetricStats {
                metric: "co2_t_per_year".into(),
                n: 1,
                mean: Num(v),
                min: Num(v),
                p5: Num(v),
                p50: Num(v),
                p95: Num(v),
                max: Num(v),
            }],
            expectations: Vec::new(),
        }
    }

    #[test]
    fn differences_are_absolute_and_relative_to_the_baseline() {
        let stats = vec![point(0, "Paris", 200.0), point(1, "Warsaw", 3_000.0)];
        let rows = compare(&stats, &[], "Paris").unwrap();
        assert!(rows[0].baseline && !rows[1].baseline);
        assert_eq!(rows[1].cells[0].delta.0, 2_800.0);
        assert_eq!(rows[1].cells[0].delta_pct.as_ref().unwrap().0, 1_400.0);
        assert!(compare(&stats, &[], "Lyon").is_none());
        // No percentage against a zero or vanishing baseline.
        assert_eq!(relative(8_760.0, 0.0), None);
        assert_eq!(relative(8_760.0, 2.8e-4), None);
        assert_eq!(relative(-1.0, -2.0), Some(50.0));
    }
}
