//! Sweep files: a base scenario, the parameters to vary and how, expanded into members.
//!
//! A parameter names a path in the base scenario's text (`power.generators[0].each`,
//! `events[1].at`, as in error messages) and the RON value to write there. A member's scenario
//! text is the base text with those values substituted in order (fixed `set` values, then the
//! grid axes, then the Monte Carlo draws; each path is looked up in the text as changed so
//! far), then parsed and validated by the normal loader. A field left at its default in the
//! base is inserted into its struct. Because every substituted byte remembers where it came
//! from, a problem in a member is reported at the base file's line and column, or at the
//! sweep file's parameter that wrote the faulty value.
//!
//! Members are numbered point-major: `index = point × replicates + replicate`, where `point`
//! walks the grid with the first axis slowest. Each member's seed, and every draw, comes from
//! [`SimRng::stream`] of the sweep seed and the replicate number (with common random numbers,
//! the default: the designs of one replicate see the same luck) or the member index.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use rand::Rng as _;
use rand_distr::{Distribution, Exp, LogNormal, Normal, Uniform};
use ron::value::RawValue;
use serde::Deserialize;

use crate::metrics::expect::METRICS;
use crate::scenario::load::{LoadedScenario, Problem, parse_str};
use crate::scenario::locate::{TextPos, ValueSlot, locate, offset_of, position_of, value_slot};
use crate::scenario::validate::{ValidScenario, validate};
use crate::schedule::SimRng;

/// Metrics a comparison reports when the sweep names none: energy, efficiency, water, carbon,
/// money, free cooling, envelope hours and the hottest inlet.
pub const COMPARE_METRICS: &[&str] = &[
    "facility_mwh_per_year",
    "pue",
    "wue_l_per_kwh",
    "water_m3_per_year",
    "co2_t_per_year",
    "co2_g_per_gpu_hour",
    "capex_eur",
    "opex_eur_per_year",
    "tco_eur_per_year",
    "eur_per_gpu_hour",
    "free_cooling_hours",
    "hours_outside_recommended",
    "hours_outside_a1",
    "max_inlet_c",
];

/// Metrics a capacity search reports when the sweep names none: the loading of each class of
/// equipment and the temperatures that limit air and GPUs.
pub const SEARCH_METRICS: &[&str] = &[
    "peak_utility_load_pct",
    "peak_transformer_load_pct",
    "peak_ups_load_pct",
    "peak_distribution_load_pct",
    "peak_chiller_load_pct",
    "peak_liquid_load_pct",
    "max_inlet_c",
    "max_gpu_temp_c",
    "it_energy_kwh",
];

/// Most point labels listed in a hint.
const MAX_LABELS_LISTED: usize = 20;

/// Most members one sweep may expand to (a guard against a mistyped `replicates`).
pub const MAX_MEMBERS: usize = 10_000_000;

fn one_u32() -> u32 {
    1
}
fn yes() -> bool {
    true
}

/// A sweep file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepSpec {
    /// Short name shown in reports.
    pub name: String,
    /// What the sweep asks.
    #[serde(default)]
    pub description: String,
    /// Base scenario, relative to the sweep file.
    pub base: String,
    /// Sweep seed: every member seed and draw derives from it.
    #[serde(default)]
    pub seed: u64,
    /// Monte Carlo members per grid point.
    #[serde(default = "one_u32")]
    pub replicates: u32,
    /// Derive seeds and draws from the replicate number, so that every grid point of one
    /// replicate sees the same random draws (paired comparison); else from the member index.
    #[serde(default = "yes")]
    pub common_random_numbers: bool,
    /// Values written into every member: path → RON value.
    #[serde(default)]
    pub set: BTreeMap<String, Box<RawValue>>,
    /// Grid axes; members cover their cartesian product.
    #[serde(default)]
    pub grid: Vec<AxisSpec>,
    /// Seeded random draws, one per member.
    #[serde(default)]
    pub draws: Vec<DrawSpec>,
    /// Metrics reported per member (default: every expectation metric; with `compare`, the
    /// comparison's standard set).
    #[serde(default)]
    pub metrics: Vec<String>,
    /// Compare the grid points side by side against a baseline point.
    #[serde(default)]
    pub compare: Option<CompareSpec>,
    /// Search, at every grid point, for the largest whole number at `path` (a rack count)
    /// that keeps every expectation (`dctwin capacity`).
    #[serde(default)]
    pub search: Option<SearchSpec>,
}

/// A capacity search: bisection over whole numbers written at `path`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchSpec {
    /// Column name (default: the path).
    #[serde(default)]
    pub name: Option<String>,
    /// Path of the count in the base scenario (e.g. `halls[0].rows[1].racks_per_row`).
    pub path: String,
    /// Smallest count tried (it must keep the expectations for a limit to exist).
    pub min: u32,
    /// Largest count tried.
    pub max: u32,
}

/// A comparison of the grid points against one of them.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompareSpec {
    /// Label of the baseline point: its axis values joined by `, ` (one axis: the variant's
    /// label or value).
    pub baseline: String,
}

/// One grid axis: a path with values, or labelled variants that each set several paths.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AxisSpec {
    /// Column name (default: the path).
    #[serde(default)]
    pub name: Option<String>,
    /// Path in the base scenario.
    #[serde(default)]
    pub path: Option<String>,
    /// RON values for `path`.
    #[serde(default)]
    pub values: Vec<Box<RawValue>>,
    /// Linked changes: each variant sets several paths at once.
    #[serde(default)]
    pub variants: Vec<VariantSpec>,
}

/// One variant of a linked axis.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VariantSpec {
    /// Label in tables and charts.
    pub label: String,
    /// Path → RON value.
    pub set: BTreeMap<String, Box<RawValue>>,
}

/// A seeded random value written at a path in every member.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DrawSpec {
    /// Column name (default: the path).
    #[serde(default)]
    pub name: Option<String>,
    /// Path in the base scenario.
    pub path: String,
    /// Distribution.
    pub dist: Dist,
    /// Added to each numeric draw (e.g. the outage start before a time to failure), in the
    /// field's unit (seconds for durations).
    #[serde(default)]
    pub offset: f64,
    /// Lower clamp of numeric draws (after the offset).
    #[serde(default)]
    pub min: Option<f64>,
    /// Upper clamp of numeric draws (after the offset).
    #[serde(default)]
    pub max: Option<f64>,
    /// Round numeric draws to a whole number (counts).
    #[serde(default)]
    pub integer: bool,
}

/// A distribution of a drawn value.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum Dist {
    /// Uniform on `[min, max)`.
    Uniform {
        /// Lower bound.
        min: f64,
        /// Upper bound.
        max: f64,
    },
    /// Normal.
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation.
        sd: f64,
    },
    /// Log-normal: `ln X` is normal with `ln median` and `sigma`.
    LogNormal {
        /// Median.
        median: f64,
        /// Standard deviation of `ln X`.
        sigma: f64,
    },
    /// Exponential (memoryless time to failure).
    Exponential {
        /// Mean (1 / rate).
        mean: f64,
    },
    /// One of the listed RON values, each equally likely.
    Choice(Vec<Box<RawValue>>),
}

/// Why a sweep cannot run.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    /// A file could not be read.
    #[error(
        "{path}: cannot read the file: {source}\n  hint: check the path (a sweep's `base` is relative to the sweep file)"
    )]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// Problems located in the sweep, the base scenario or a member; already rendered.
    #[error("{0}")]
    Invalid(String),
}

/// Renders one problem at `file:line:col` with its hint.
fn render(file: &str, pos: TextPos, message: &str, hint: &str) -> String {
    let p = Problem { pos: Some(pos), path: None, message: message.to_owned(), hint: hint.to_owned() };
    p.display_in(file).to_string()
}

/// Where a substituted value was written in the sweep file.
#[derive(Clone, Debug)]
struct Origin {
    /// Path of the value in the sweep file (for `locate`).
    sweep_path: String,
}

/// One substitution of a member: where, what, from where.
#[derive(Clone, Debug)]
struct Subst {
    target: String,
    text: String,
    origin: usize,
}

/// A parameter column: its name and how each member's value is chosen.
#[derive(Clone, Debug)]
enum Column {
    /// A grid axis with its value labels and substitutions per value.
    Axis { name: String, labels: Vec<String>, substs: Vec<Vec<Subst>> },
    /// A draw.
    Draw { name: String, index: usize },
}

/// A loaded, checked sweep, ready to expand into members.
#[derive(Debug)]
pub struct Sweep {
    /// The sweep as written.
    pub spec: SweepSpec,
    /// Sweep file (as given).
    pub file: String,
    /// Sweep text.
    pub text: String,
    /// Base scenario file (resolved).
    pub base_file: PathBuf,
    /// Base scenario text.
    pub base_text: String,
    columns: Vec<Column>,
    fixed: Vec<Subst>,
    origins: Vec<Origin>,
    /// Origin of the search path's values.
    search_origin: usize,
    /// Metrics reported per member.
    pub metrics: Vec<String>,
}

/// A member's parameter value as shown in tables.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Param {
    /// Column name.
    pub name: String,
    /// Value (RON text, quotes of plain strings removed).
    pub value: String,
}

/// One member: its place in the sweep and its scenario text.
#[derive(Clone, Debug)]
pub struct Member {
    /// Member index.
    pub index: usize,
    /// Grid point.
    pub point: usize,
    /// Replicate within the point.
    pub replicate: u32,
    /// Seed it runs with.
    pub seed: u64,
    /// Parameter values, in column order.
    pub params: Vec<Param>,
    /// Scenario text.
    pub text: String,
    /// Provenance of the text: (length, origin) runs; origin `Ok(base offset)` or `Err(origin)`.
    runs: Vec<(usize, Result<usize, usize>)>,
    /// The sweep sets the scenario's `seed` itself.
    seed_from_text: bool,
}

/// Reads and checks a sweep file.
pub fn load_sweep(path: &Path) -> Result<Sweep, SweepError> {
    let file = path.display().to_string();
    let text = read_text(path, &file)?;
    let spec = parse_spec(&text, &file)?;
    let base_file = normalize(&path.parent().unwrap_or(Path::new("")).join(&spec.base));
    let base_text = read_text(&base_file, &base_file.display().to_string())?;
    let mut sweep = Sweep {
        spec,
        file,
        text,
        base_file,
        base_text,
        columns: Vec::new(),
        fixed: Vec::new(),
        origins: Vec::new(),
        search_origin: 0,
        metrics: Vec::new(),
    };
    sweep.check_and_index()?;
    Ok(sweep)
}

/// A file's text; bytes that are not UTF-8 are located (`file:line:col`) like a scenario's.
fn read_text(path: &Path, file: &str) -> Result<String, SweepError> {
    let bytes = std::fs::read(path).map_err(|source| SweepError::Io { path: path.to_owned(), source })?;
    String::from_utf8(bytes).map_err(|e| {
        let (pos, message) = crate::scenario::load::utf8_error_at(e.as_bytes(), e.utf8_error().valid_up_to());
        SweepError::Invalid(render(file, pos, &message, crate::scenario::load::NOT_UTF8_HINT))
    })
}

/// Removes `dir/..` pairs from a path, lexically (`scenarios/sweeps/../x.ron` → `scenarios/x.ron`).
fn normalize(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out: Vec<Component> = Vec::new();
    for c in path.components() {
        match (c, out.last()) {
            (Component::CurDir, _) => {}
            (Component::ParentDir, Some(Component::Normal(_))) => {
                out.pop();
            }
            _ => out.push(c),
        }
    }
    out.iter().collect()
}

/// Parses sweep text, reporting syntax errors at `file:line:col`.
pub fn parse_spec(text: &str, file: &str) -> Result<SweepSpec, SweepError> {
    let options = ron::Options::default().with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME);
    options.from_str::<SweepSpec>(text).map_err(|e| {
        let pos = TextPos { line: e.span.start.line.max(1), col: e.span.start.col.max(1) };
        SweepError::Invalid(render(
            file,
            pos,
            &e.code.to_string(),
            "see docs/batch.md for the sweep format, or copy scenarios/sweeps/generator_redundancy.ron",
        ))
    })
}

/// The label of a grid point from its axis values: the values joined by `, ` (`"Paris"`,
/// `"evaporative, 2N"`), as comparisons and capacity searches name their points.
pub fn params_label(params: &[Param]) -> String {
    params.iter().map(|p| p.value.as_str()).collect::<Vec<_>>().join(", ")
}

/// Strips the quotes of a plain RON string for display.
fn label_of(ron: &str) -> String {
    let t = ron.trim();
    if t.len() >= 2 && t.starts_with('"') && t.ends_with('"') && !t[1..t.len() - 1].contains(['"', '\\']) {
        t[1..t.len() - 1].to_owned()
    } else {
        t.to_owned()
    }
}

impl Sweep {
    fn problem(&self, sweep_path: &str, message: &str, hint: &str) -> String {
        render(&self.file, locate(&self.text, sweep_path), message, hint)
    }

    fn origin(&mut self, sweep_path: String) -> usize {
        self.origins.push(Origin { sweep_path });
        self.origins.len() - 1
    }

    fn substs_of(&mut self, map_path: &str, map: &BTreeMap<String, Box<RawValue>>) -> Vec<Subst> {
        let mut out = Vec::new();
        for (target, value) in map {
            let origin = self.origin(format!("{map_path}[{target:?}]"));
            out.push(Subst { target: target.clone(), text: value.get_ron().trim().to_owned(), origin });
        }
        out
    }

    /// Checks the sweep's own fields and builds the parameter columns.
    fn check_and_index(&mut self) -> Result<(), SweepError> {
        let mut errors = Vec::new();
        if self.spec.replicates == 0 {
            errors.push(self.problem("replicates", "replicates must be at least 1", "use 1 for a pure grid"));
        }
        let fixed = std::mem::take(&mut self.spec.set);
        self.fixed = self.substs_of("set", &fixed);
        self.spec.set = fixed;
        let axes = std::mem::take(&mut self.spec.grid);
        for (i, axis) in axes.iter().enumerate() {
            match self.axis_column(i, axis) {
                Ok(c) => self.columns.push(c),
                Err(e) => errors.push(e),
            }
        }
        self.spec.grid = axes;
        for (i, d) in self.spec.draws.iter().enumerate() {
            if let Err(e) = check_dist(d) {
                errors.push(self.problem(&format!("draws[{i}]"), &e, "see docs/batch.md"));
            }
        }
        for i in 0..self.spec.draws.len() {
            let d = &self.spec.draws[i];
            let name = d.name.clone().unwrap_or_else(|| d.path.clone());
            self.columns.push(Column::Draw { name, index: i });
        }
        self.metrics = if self.spec.metrics.is_empty() && self.spec.search.is_some() {
            SEARCH_METRICS.iter().map(|m| (*m).to_owned()).collect()
        } else if self.spec.metrics.is_empty() && self.spec.compare.is_some() {
            COMPARE_METRICS.iter().map(|m| (*m).to_owned()).collect()
        } else if self.spec.metrics.is_empty() {
            METRICS.iter().map(|(m, _)| (*m).to_owned()).collect()
        } else {
            self.spec.metrics.clone()
        };
        for (i, m) in self.spec.metrics.iter().enumerate() {
            if !METRICS.iter().any(|(k, _)| k == m) {
                let known: Vec<&str> = METRICS.iter().map(|(k, _)| *k).collect();
                errors.push(self.problem(
                    &format!("metrics[{i}]"),
                    &format!("unknown metric \"{m}\""),
                    &format!("known metrics: {}", known.join(", ")),
                ));
            }
        }
        if let Some(search) = &self.spec.search {
            if search.min > search.max {
                errors.push(self.problem(
                    "search.max",
                    &format!("max {} is below min {}", search.max, search.min),
                    "the search tries counts from min to max",
                ));
            }
            if self.spec.replicates != 1 || !self.spec.draws.is_empty() {
                errors.push(self.problem(
                    "search",
                    "a capacity search runs one deterministic member per count",
                    "remove `replicates` and `draws` from a sweep with `search`",
                ));
            }
            self.search_origin = self.origin("search.path".into());
        }
        if self.spec.compare.is_some() && self.points() < 2 {
            errors.push(self.problem(
                "compare",
                "a comparison needs at least two grid points",
                "add a grid axis with the designs or sites to compare, e.g. (name: \"site\", variants: [(label: \"Paris\", set: {…}), …])",
            ));
        } else if let Some(c) = &self.spec.compare
            && !(0..self.points()).any(|p| self.point_label(p) == c.baseline)
        {
            let labels: Vec<String> = (0..self.points().min(MAX_LABELS_LISTED)).map(|p| self.point_label(p)).collect();
            {
                errors.push(self.problem(
                    "compare.baseline",
                    &format!("no grid point is labelled \"{}\"", c.baseline),
                    &format!("point labels (axis values joined by \", \"): {}", labels.join("; ")),
                ));
            }
        }
        let members = self.points().checked_mul(self.spec.replicates as usize);
        if members.is_none_or(|m| m > MAX_MEMBERS) {
            errors.push(self.problem(
                "grid",
                &format!("the sweep expands to more than {MAX_MEMBERS} members"),
                "use fewer values or replicates",
            ));
        }
        if errors.is_empty() { Ok(()) } else { Err(SweepError::Invalid(errors.join("\n"))) }
    }

    fn axis_column(&mut self, i: usize, axis: &AxisSpec) -> Result<Column, String> {
        let at = format!("grid[{i}]");
        match (&axis.path, axis.values.is_empty(), axis.variants.is_empty()) {
            (Some(path), false, true) => {
                let mut labels = Vec::new();
                let mut substs = Vec::new();
                for (k, v) in axis.values.iter().enumerate() {
                    let text = v.get_ron().trim().to_owned();
                    labels.push(label_of(&text));
                    let origin = self.origin(format!("{at}.values[{k}]"));
                    substs.push(vec![Subst { target: path.clone(), text, origin }]);
                }
                Ok(Column::Axis { name: axis.name.clone().unwrap_or_else(|| path.clone()), labels, substs })
            }
            (None, true, false) => {
                let mut labels = Vec::new();
                let mut substs = Vec::new();
                for (k, v) in axis.variants.iter().enumerate() {
                    labels.push(v.label.clone());
                    substs.push(self.substs_of(&format!("{at}.variants[{k}].set"), &v.set));
                }
                let name = axis.name.clone().unwrap_or_else(|| format!("axis{i}"));
                Ok(Column::Axis { name, labels, substs })
            }
            _ => Err(self.problem(
                &at,
                "a grid axis needs either `path` with a non-empty `values` list, or a non-empty `variants` list",
                "e.g. (path: \"power.generators[0].fail_to_start_probability\", values: [0.01, 0.05]) or (name: \"design\", variants: [(label: \"N+1\", set: {…}), …])",
            )),
        }
    }

    /// Grid points (1 without axes).
    pub fn points(&self) -> usize {
        self.columns
            .iter()
            .filter_map(|c| match c {
                Column::Axis { labels, .. } => Some(labels.len()),
                Column::Draw { .. } => None,
            })
            .try_fold(1usize, |a, n| a.checked_mul(n))
            .unwrap_or(usize::MAX)
    }

    /// Members in the whole sweep.
    pub fn members(&self) -> usize {
        self.points().saturating_mul(self.spec.replicates as usize)
    }

    /// Parameter column names, in order (axes, then draws).
    pub fn param_names(&self) -> Vec<String> {
        self.columns
            .iter()
            .map(|c| match c {
                Column::Axis { name, .. } | Column::Draw { name, .. } => name.clone(),
            })
            .collect()
    }

    /// A grid point's label: its axis values joined by `, ` (as in comparisons).
    pub fn point_label(&self, point: usize) -> String {
        params_label(&self.point_params(point))
    }

    /// Labels of a grid point's axis values, as `name=label` pairs.
    pub fn point_params(&self, point: usize) -> Vec<Param> {
        let mut out = Vec::new();
        for (c, value) in self.axis_choices(point) {
            if let Column::Axis { name, labels, .. } = c {
                out.push(Param { name: name.clone(), value: labels[value].clone() });
            }
        }
        out
    }

    /// Each axis with the value index a grid point takes (first axis slowest).
    fn axis_choices(&self, point: usize) -> Vec<(&Column, usize)> {
        let axes: Vec<&Column> = self.columns.iter().filter(|c| matches!(c, Column::Axis { .. })).collect();
        let mut rest = point;
        let mut out = vec![(axes.first().copied(), 0); axes.len()];
        for (k, c) in axes.iter().enumerate().rev() {
            let Column::Axis { labels, .. } = c else { continue };
            out[k] = (Some(*c), rest % labels.len());
            rest /= labels.len();
        }
        out.into_iter().filter_map(|(c, v)| c.map(|c| (c, v))).collect()
    }

    /// A fingerprint of the sweep and base texts (FNV-1a, 64 bit), to check that shards
    /// belong to the same sweep.
    pub fn fingerprint(&self) -> String {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in self.text.bytes().chain([0]).chain(self.base_text.bytes()) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        format!("{h:016x}")
    }

    /// The random stream index of a member: its replicate (common random numbers) or index.
    fn stream_index(&self, index: usize, replicate: u32) -> u64 {
        if self.spec.common_random_numbers { u64::from(replicate) } else { index as u64 }
    }

    /// Builds member `index`'s scenario text; `Err` is a rendered problem in the sweep.
    pub fn member(&self, index: usize) -> Result<Member, SweepError> {
        let reps = self.spec.replicates as usize;
        let (point, replicate) = (index / reps, (index % reps) as u32);
        let rng = SimRng::new(self.spec.seed);
        let stream = self.stream_index(index, replicate);
        let mut m = Member {
            index,
            point,
            replicate,
            seed: rng.stream("sweep-member-seed", stream).next_u64(),
            params: Vec::new(),
            text: self.base_text.clone(),
            runs: vec![(self.base_text.len(), Ok(0))],
            seed_from_text: false,
        };
        for s in &self.fixed {
            self.apply(&mut m, s)?;
        }
        for (c, value) in self.axis_choices(point) {
            if let Column::Axis { name, labels, substs } = c {
                m.params.push(Param { name: name.clone(), value: labels[value].clone() });
                for s in &substs[value] {
                    self.apply(&mut m, s)?;
                }
            }
        }
        for c in &self.columns {
            if let Column::Draw { name, index: d } = c {
                let spec = &self.spec.draws[*d];
                let mut r = rng.stream(&format!("sweep-draw/{name}"), stream);
                let text = draw(spec, &mut r);
                m.params.push(Param { name: name.clone(), value: label_of(&text) });
                let origin = self.origins.len() + d;
                self.apply(&mut m, &Subst { target: spec.path.clone(), text, origin })?;
            }
        }
        Ok(m)
    }

    fn origin_of(&self, origin: usize) -> Origin {
        self.origins.get(origin).cloned().unwrap_or_else(|| Origin {
            sweep_path: format!("draws[{origin}].dist", origin = origin - self.origins.len()),
        })
    }

    /// Writes one value into a member's text.
    fn apply(&self, m: &mut Member, s: &Subst) -> Result<(), SweepError> {
        let (range, text) = match value_slot(&m.text, &s.target) {
            Some(ValueSlot::Span(r)) => (r, s.text.clone()),
            Some(ValueSlot::Missing { at, field }) => (at..at, format!("{field}: {}, ", s.text)),
            None => {
                let o = self.origin_of(s.origin);
                let deepest = locate(&m.text, &s.target);
                let (file, pos) = self.map_pos(m, deepest);
                return Err(SweepError::Invalid(format!(
                    "{}\n  note: the deepest part of the path that exists is at {file}:{}:{}",
                    self.problem(
                        &o.sweep_path,
                        &format!("path `{}` does not exist in the base scenario", s.target),
                        "paths are written as in error messages, e.g. `power.generators[0].fail_to_start_probability`; a list element must exist in the base (or be set earlier in the sweep)",
                    ),
                    pos.line,
                    pos.col
                )));
            }
        };
        if s.target == "seed" {
            m.seed_from_text = true;
        }
        m.text.replace_range(range.clone(), &text);
        splice_runs(&mut m.runs, range, text.len(), s.origin);
        Ok(())
    }

    /// Maps a position in a member's text back to the base file or the sweep file.
    fn map_pos(&self, m: &Member, pos: TextPos) -> (String, TextPos) {
        let mut offset = offset_of(&m.text, pos);
        // The parser may point at the blank before a token: move on to the token.
        while m.text.as_bytes().get(offset).is_some_and(|b| b.is_ascii_whitespace()) {
            offset += 1;
        }
        let mut start = 0;
        for &(len, origin) in &m.runs {
            if offset < start + len || start + len == m.text.len() {
                return match origin {
                    Ok(base) => {
                        (self.base_file.display().to_string(), position_of(&self.base_text, base + (offset - start)))
                    }
                    Err(o) => (self.file.clone(), locate(&self.text, &self.origin_of(o).sweep_path)),
                };
            }
            start += len;
        }
        (self.base_file.display().to_string(), position_of(&self.base_text, self.base_text.len()))
    }

    /// Grid point `point`'s scenario with the search count `count` written at the search path.
    pub fn search_member(&self, point: usize, count: u32) -> Result<Member, SweepError> {
        let Some(search) = &self.spec.search else {
            return Err(SweepError::Invalid(format!("{}: the sweep has no `search`", self.file)));
        };
        let mut m = self.member(point)?;
        let origin = self.search_origin;
        self.apply(&mut m, &Subst { target: search.path.clone(), text: count.to_string(), origin })?;
        let name = search.name.clone().unwrap_or_else(|| search.path.clone());
        m.params.push(Param { name, value: count.to_string() });
        Ok(m)
    }

    /// Parses and validates a member; problems are rendered against the base or sweep file.
    pub fn validate_member(&self, m: &Member) -> Result<ValidScenario, SweepError> {
        let base_dir = self.base_file.parent().unwrap_or(Path::new("")).to_owned();
        let name = format!("{} (member {})", self.base_file.display(), m.index);
        let loaded: LoadedScenario =
            parse_str(&m.text, &name, &base_dir).map_err(|e| self.member_error(m, e.problems()))?;
        validate(loaded).map_err(|e| self.member_error(m, e.problems()))
    }

    /// The seed member `m` runs with: the sweep-derived one, unless the sweep sets `seed`.
    pub fn run_seed(&self, m: &Member, v: &ValidScenario) -> u64 {
        if m.seed_from_text { v.loaded.scenario.seed } else { m.seed }
    }

    /// A member's validation warning, located in the base or sweep file (without the member,
    /// so that the same warning in many members reads the same).
    pub fn render_warning(&self, m: &Member, p: &Problem) -> String {
        let (file, pos) = p
            .pos
            .map_or((self.base_file.display().to_string(), TextPos { line: 1, col: 1 }), |pos| self.map_pos(m, pos));
        let msg = match &p.path {
            Some(path) => format!("{path}: {}", p.message),
            None => p.message.clone(),
        };
        render(&file, pos, &msg, &p.hint).replacen("error:", "warning:", 1)
    }

    fn member_error(&self, m: &Member, problems: &[Problem]) -> SweepError {
        let params: Vec<String> = m.params.iter().map(|p| format!("{}={}", p.name, p.value)).collect();
        let mut out = String::new();
        for p in problems {
            let (file, pos) =
                p.pos.map_or((self.base_file.display().to_string(), TextPos { line: 1, col: 1 }), |pos| {
                    self.map_pos(m, pos)
                });
            let mut msg = format!("member {} ({}): ", m.index, params.join(", "));
            if let Some(path) = &p.path {
                let _ = write!(msg, "{path}: ");
            }
            msg.push_str(&p.message);
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(&render(&file, pos, &msg, &p.hint));
        }
        SweepError::Invalid(out)
    }
}

/// Replaces `range` of the text described by `runs` with `new_len` bytes from `origin`.
fn splice_runs(
    runs: &mut Vec<(usize, Result<usize, usize>)>,
    range: std::ops::Range<usize>,
    new_len: usize,
    origin: usize,
) {
    let mut out = Vec::with_capacity(runs.len() + 2);
    let mut start = 0;
    let mut inserted = false;
    for &(len, o) in runs.iter() {
        let end = start + len;
        // The part of this run before the edit.
        if start < range.start {
            let keep = end.min(range.start) - start;
            out.push((keep, o));
        }
        if !inserted && end >= range.start {
            out.push((new_len, Err(origin)));
            inserted = true;
        }
        // The part after the edit.
        if end > range.end {
            let from = start.max(range.end);
            let shifted = match o {
                Ok(b) => Ok(b + (from - start)),
                Err(e) => Err(e),
            };
            out.push((end - from, shifted));
        }
        start = end;
    }
    if !inserted {
        out.push((new_len, Err(origin)));
    }
    out.retain(|(len, _)| *len > 0);
    *runs = out;
}

/// Checks a draw's distribution parameters.
fn check_dist(d: &DrawSpec) -> Result<(), String> {
    let finite = |v: f64| v.is_finite();
    match &d.dist {
        Dist::Uniform { min, max } if !(finite(*min) && finite(*max) && min < max) => {
            Err(format!("Uniform needs finite min < max, got {min} and {max}"))
        }
        Dist::Normal { mean, sd } if !(finite(*mean) && finite(*sd) && *sd > 0.0) => {
            Err(format!("Normal needs a finite mean and sd > 0, got {mean} and {sd}"))
        }
        Dist::LogNormal { median, sigma } if !(finite(*median) && *median > 0.0 && finite(*sigma) && *sigma > 0.0) => {
            Err(format!("LogNormal needs median > 0 and sigma > 0, got {median} and {sigma}"))
        }
        Dist::Exponential { mean } if !(finite(*mean) && *mean > 0.0) => {
            Err(format!("Exponential needs mean > 0, got {mean}"))
        }
        Dist::Choice(v) if v.is_empty() => Err("Choice needs at least one value".into()),
        _ if d.min.zip(d.max).is_some_and(|(a, b)| a > b) || !finite(d.offset) => {
            Err("min must not exceed max, and offset must be finite".into())
        }
        _ => Ok(()),
    }
}

/// Draws one value as RON text.
fn draw(d: &DrawSpec, r: &mut impl rand::Rng) -> String {
    let x = match &d.dist {
        Dist::Choice(values) => {
            let k = Uniform::new(0, values.len()).map_or(0, |u| u.sample(r));
            return values[k].get_ron().trim().to_owned();
        }
        Dist::Uniform { min, max } => Uniform::new(*min, *max).map_or(*min, |u| u.sample(r)),
        Dist::Normal { mean, sd } => Normal::new(*mean, *sd).map_or(*mean, |n| n.sample(r)),
        Dist::LogNormal { median, sigma } => LogNormal::new(median.ln(), *sigma).map_or(*median, |n| n.sample(r)),
        Dist::Exponential { mean } => Exp::new(1.0 / mean).map_or(*mean, |e| e.sample(r)),
    };
    let mut v = x + d.offset;
    if let Some(lo) = d.min {
        v = v.max(lo);
    }
    if let Some(hi) = d.max {
        v = v.min(hi);
    }
    if d.integer { format!("{}", v.round() as i64) } else { format!("{v:?}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "(\n    name: \"b\",\n    power: (generators: [(id: \"g\", rating_kw: 10.0)]),\n    events: [(at: \"1h\", action: Caption)],\n)\n";

    /// A sweep of `text` over `BASE`, not yet checked.
    fn unchecked(spec: SweepSpec, text: &str) -> Sweep {
        Sweep {
            spec,
            file: "s.ron".into(),
            text: text.into(),
            base_file: "b.ron".into(),
            base_text: BASE.into(),
            columns: Vec::new(),
            fixed: Vec::new(),
            origins: Vec::new(),
            search_origin: 0,
            metrics: Vec::new(),
        }
    }

    fn sweep(text: &str) -> Sweep {
        let spec = parse_spec(text, "s.ron").unwrap_or_else(|e| panic!("{e}"));
        let mut s = unchecked(spec, text);
        s.check_and_index().unwrap_or_else(|e| panic!("{e}"));
        s
    }

    #[test]
    fn members_cover_the_grid_point_major_with_replicates() {
        let s = sweep(
            r#"(name: "t", base: "b.ron", replicates: 2, grid: [
                (path: "power.generators[0].rating_kw", values: [1.0, 2.0, 3.0]),
                (name: "d", variants: [(label: "x", set: {"name": "x"}), (label: "y", set: {"name": "y"})]),
            ])"#,
        );
        assert_eq!(s.points(), 6);
        assert_eq!(s.members(), 12);
        let m = s.member(7).unwrap();
        assert_eq!((m.point, m.replicate), (3, 1));
        assert_eq!(
            m.params,
            vec![
                Param { name: "power.generators[0].rating_kw".into(), value: "2.0".into() },
                Param { name: "d".into(), value: "y".into() }
            ]
        );
        assert!(m.text.contains("rating_kw: 2.0") && m.text.contains("name: \"y\""), "{}", m.text);
    }

    #[test]
    fn common_random_numbers_pair_the_grid_points_of_a_replicate() {
        let text = r#"(name: "t", base: "b.ron", seed: 5, replicates: 3,
            grid: [(path: "name", values: ["a", "b"])],
            draws: [(path: "events[0].at", dist: Exponential(mean: 100.0), offset: 10.0)])"#;
        let s = sweep(text);
        let (a, b) = (s.member(1).unwrap(), s.member(4).unwrap());
        assert_eq!((a.replicate, b.replicate), (1, 1));
        assert_eq!(a.seed, b.seed);
        assert_eq!(a.params[1], b.params[1]);
        assert_ne!(s.member(0).unwrap().params[1], a.params[1]);
        let at: f64 = a.params[1].value.parse().unwrap();
        assert!(at >= 10.0);
        let unpaired = sweep(&text.replace("replicates: 3,", "replicates: 3, common_random_numbers: false,"));
        assert_ne!(unpaired.member(1).unwrap().seed, unpaired.member(4).unwrap().seed);
    }

    #[test]
    fn a_missing_field_is_inserted_and_a_missing_path_is_located_in_the_sweep() {
        let s = sweep(r#"(name: "t", base: "b.ron", set: {"power.generators[0].fail_to_start_probability": 0.5})"#);
        let m = s.member(0).unwrap();
        assert!(m.text.contains("(fail_to_start_probability: 0.5, id: \"g\""), "{}", m.text);
        let s = sweep("(name: \"t\", base: \"b.ron\",\n set: {\"power.generators[3].rating_kw\": 1.0})");
        let e = s.member(0).unwrap_err().to_string();
        assert!(e.starts_with("s.ron:2:"), "{e}");
        assert!(e.contains("power.generators[3].rating_kw") && e.contains("b.ron:3:"), "{e}");
    }

    #[test]
    fn positions_map_back_through_substitutions() {
        let s = sweep("(name: \"t\", base: \"b.ron\",\n set: {\"name\": \"a much longer name\"})");
        let m = s.member(0).unwrap();
        // Text after the substitution maps to the same place in the base.
        let at = m.text.find("events").unwrap();
        let (file, pos) = s.map_pos(&m, position_of(&m.text, at));
        assert_eq!((file.as_str(), pos), ("b.ron", position_of(BASE, BASE.find("events").unwrap())));
        // Text inside it maps to the sweep value.
        let at = m.text.find("longer").unwrap();
        let (file, pos) = s.map_pos(&m, position_of(&m.text, at));
        assert_eq!((file.as_str(), pos.line), ("s.ron", 2));
    }

    #[test]
    fn drawn_values_follow_their_distribution() {
        // An outage length drawn log-normal around 2 h: the sample median of 401 members lies
        // within ±15 % of 7200 s (its standard error is about 5 % here), every draw ≥ 60 s.
        let s = sweep(
            r#"(name: "t", base: "b.ron", seed: 3, replicates: 401,
                draws: [(name: "d", path: "events[0].at", dist: LogNormal(median: 7200.0, sigma: 0.8), min: 60.0)])"#,
        );
        let mut v: Vec<f64> = (0..s.members()).map(|i| s.member(i).unwrap().params[0].value.parse().unwrap()).collect();
        v.sort_by(f64::total_cmp);
        let median = v[v.len() / 2];
        assert!((median / 7200.0 - 1.0).abs() < 0.15, "{median}");
        assert!(v[0] >= 60.0);
        // A choice of RON values picks each about equally often.
        let s = sweep(
            r#"(name: "t", base: "b.ron", replicates: 400,
                draws: [(name: "c", path: "events[0].action", dist: Choice([Caption, Pause]))])"#,
        );
        let pauses = (0..s.members()).filter(|&i| s.member(i).unwrap().text.contains("action: Pause")).count();
        assert!((150..=250).contains(&pauses), "{pauses}");
    }

    #[test]
    fn parent_directories_are_removed_lexically() {
        assert_eq!(normalize(Path::new("scenarios/sweeps/../grid.ron")), PathBuf::from("scenarios/grid.ron"));
        assert_eq!(normalize(Path::new("../x/./y.ron")), PathBuf::from("../x/y.ron"));
    }

    #[test]
    fn bad_sweeps_are_located() {
        let e = parse_spec("(name: \"t\",\n base: \"b.ron\", replicate: 3)", "s.ron").unwrap_err().to_string();
        assert!(e.starts_with("s.ron:2:"), "{e}");
        let spec = parse_spec("(name: \"t\", base: \"b.ron\",\n grid: [(path: \"name\")])", "s.ron").unwrap();
        let mut s = unchecked(spec, "(name: \"t\", base: \"b.ron\",\n grid: [(path: \"name\")])");
        let e = s.check_and_index().unwrap_err().to_string();
        assert!(e.starts_with("s.ron:2:") && e.contains("needs either"), "{e}");
    }
}
