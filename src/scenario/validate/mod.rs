//! Semantic checks of a parsed scenario: ranges, references, the electrical graph.
//!
//! Every problem names its place in the file, what was expected and a hint. Checks run on the
//! expanded plant, so a `{n}` template that produces a dangling id is caught too.

mod cooling;
mod economics;
mod events;
mod fuel;
mod halls;
mod power;
mod weather;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use super::expand::{Plant, expand};
use super::load::{LoadedScenario, Problem, ScenarioError};
use super::*;
use crate::catalog::{Catalog, RackCooling};
use cooling::{check_plant, check_unit};
use economics::check_economics;
pub use economics::{MAX_SERIES_HOURS, Series, parse_series};
use events::check_events;
use fuel::check_fuel;
use halls::check_halls;
use power::check_power;
use weather::check_weather;
pub use weather::resolve_asset;

/// Smallest accepted positive quantity, as a share of its plausible maximum: keeps subnormal
/// and absurdly small ratings (1e-320 A, 1e-300 kVA) out of the model, where they would give
/// infinite losses, currents and PUE.
const MIN_SHARE_OF_LARGEST: f64 = 1e-9;

pub use super::expand::MAX_RACKS_PER_ROW;

/// Most GPUs (or GPU packages) in one rack type: a Rubin Ultra "Kyber" rack holds 576 GPU dies
/// (docs/physics.md §1.2); eight times that is no rack.
pub const MAX_GPUS_PER_RACK: u32 = 4_096;

/// Most tankers in one fuel order: one object is kept per truck.
pub const MAX_TANKERS_PER_ORDER: u32 = 10_000;

/// A scenario that passed validation, ready to build.
#[derive(Clone, Debug)]
pub struct ValidScenario {
    /// The scenario as loaded.
    pub loaded: LoadedScenario,
    /// The expanded plant.
    pub plant: Plant,
    /// The catalog with the scenario's overrides.
    pub catalog: Catalog,
    /// The weather file, if any, resolved and parsed.
    pub epw: Option<crate::weather::epw::EpwFile>,
    /// Hourly carbon and price series, if any, read.
    pub series: Series,
    /// Things that are legal but probably not intended.
    pub warnings: Vec<Problem>,
}

/// Most problems (and, apart, warnings) reported for one file; the rest are counted. A
/// mistake copied by `each` into 10⁵ elements once produced 10⁵ located errors, each with an
/// edit-distance suggestion over 10³ ids: an hour of `check` (found by fuzzing).
pub const MAX_PROBLEMS: usize = 100;

/// Most ids searched for a "did you mean" suggestion (an edit distance each).
const MAX_IDS_FOR_SUGGESTIONS: usize = 10_000;

struct Checker<'a> {
    s: &'a LoadedScenario,
    problems: Vec<Problem>,
    warnings: Vec<Problem>,
    /// Problems past [`MAX_PROBLEMS`], counted and not located.
    more_problems: usize,
    /// Warnings past [`MAX_PROBLEMS`].
    more_warnings: usize,
}

impl Checker<'_> {
    fn err(&mut self, path: &str, message: impl Into<String>, hint: impl Into<String>) {
        if self.full() {
            self.more_problems += 1;
            return;
        }
        let p = self.s.problem(path, message, hint);
        self.problems.push(p);
    }

    /// Whether the problem list is full (the next problems are only counted).
    fn full(&self) -> bool {
        self.problems.len() >= MAX_PROBLEMS
    }

    fn warn(&mut self, path: &str, message: impl Into<String>, hint: impl Into<String>) {
        if self.warnings.len() >= MAX_PROBLEMS {
            self.more_warnings += 1;
            return;
        }
        let p = self.s.problem(path, message, hint);
        self.warnings.push(p);
    }

    /// `v` must be finite and within `[lo, hi]`.
    fn range(&mut self, path: &str, v: f64, lo: f64, hi: f64, unit: &str) {
        if !v.is_finite() {
            self.err(
                path,
                format!("{v} is not a finite number"),
                format!("write a number between {lo} and {hi} {unit}"),
            );
        } else if v < lo || v > hi {
            self.err(path, format!("{v} {unit} is out of range: expected {lo} … {hi} {unit}"), range_hint(path));
        }
    }

    /// `v` must be finite and > 0, at least a billionth of `hi` (no real element is rated that
    /// low: a subnormal rating would give infinite losses and currents), and ≤ `hi`.
    fn positive(&mut self, path: &str, v: f64, hi: f64, unit: &str) {
        let floor = hi * MIN_SHARE_OF_LARGEST;
        if !v.is_finite() {
            self.err(path, format!("{v} is not a finite number"), format!("write a positive number of {unit}"));
        } else if v <= 0.0 {
            self.err(path, format!("{v} {unit}: expected a positive value"), range_hint(path));
        } else if v < floor {
            self.err(
                path,
                format!("{v} {unit} is implausibly small (less than {floor} {unit})"),
                "check the unit in the field name; no real element is rated that low",
            );
        } else if v > hi {
            self.err(
                path,
                format!("{v} {unit} is implausibly large (more than {hi} {unit})"),
                "check the unit in the field name",
            );
        }
    }

    fn reference(&mut self, path: &str, id: &str, what: &str, known: &BTreeSet<String>) -> bool {
        if known.contains(id) {
            return true;
        }
        if self.full() {
            self.more_problems += 1;
            return false;
        }
        // A typo's suggestion costs an edit distance per known id: skip it among very many.
        let near = if known.len() <= MAX_IDS_FOR_SUGGESTIONS { closest(id, known) } else { None };
        let hint = match near {
            Some(n) => format!("did you mean \"{n}\"? {what} ids: {}", list(known)),
            None if known.is_empty() => format!("no {what} is declared; add one"),
            None => format!("{what} ids: {}", list(known)),
        };
        self.err(path, format!("\"{id}\" is not a known {what}"), hint);
        false
    }
}

fn range_hint(path: &str) -> String {
    if path.ends_with("_pct") {
        "percentages are 0–100".into()
    } else if path.contains("effectiveness") || path.contains("fraction") {
        "fractions are 0–1".into()
    } else {
        "check the value and the unit in the field name".into()
    }
}

fn list(ids: &BTreeSet<String>) -> String {
    let v: Vec<&str> = ids.iter().map(String::as_str).take(12).collect();
    let more = if ids.len() > 12 { format!(" … ({} in all)", ids.len()) } else { String::new() };
    format!("{}{more}", v.join(", "))
}

/// The known id closest to `id` by edit distance, if close enough to be a typo.
fn closest<'a>(id: &str, known: &'a BTreeSet<String>) -> Option<&'a str> {
    let d = |a: &str, b: &str| -> usize {
        let b: Vec<char> = b.chars().collect();
        let mut prev: Vec<usize> = (0..=b.len()).collect();
        for (i, ca) in a.chars().enumerate() {
            let mut cur = vec![i + 1; b.len() + 1];
            for (j, &cb) in b.iter().enumerate() {
                cur[j + 1] = (prev[j] + usize::from(ca != cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
            }
            prev = cur;
        }
        prev[b.len()]
    };
    known.iter().map(|k| (d(id, k), k)).filter(|(dist, k)| *dist <= 2.max(k.len() / 4)).min().map(|(_, k)| k.as_str())
}

/// Validates a loaded scenario.
pub fn validate(loaded: LoadedScenario) -> Result<ValidScenario, ScenarioError> {
    let (plant, issues) = expand(&loaded.scenario);
    let mut c = Checker { s: &loaded, problems: Vec::new(), warnings: Vec::new(), more_problems: 0, more_warnings: 0 };
    for i in issues {
        c.err(&i.path, i.message, i.hint);
    }
    let s = &loaded.scenario;
    let catalog = Catalog::builtin().merged(&s.catalog);

    check_run(&mut c, s);
    check_catalog(&mut c, s, &catalog);
    let epw = check_weather(&mut c, s, &loaded.base_dir);
    let series = check_economics(&mut c, s, &loaded.base_dir);
    let ids = check_ids(&mut c, &plant, s);
    check_power(&mut c, &plant, &ids);
    check_fuel(&mut c, s, &plant, &ids);
    check_plant(&mut c, &plant, &ids);
    check_halls(&mut c, &plant, &ids, &catalog, s);
    check_events(&mut c, s, &plant, &ids, &catalog);

    if c.problems.is_empty() {
        let mut warnings = c.warnings;
        if c.more_warnings > 0 {
            warnings.push(more(c.more_warnings, "warnings"));
        }
        Ok(ValidScenario { plant, catalog, epw, series, warnings, loaded })
    } else {
        let mut problems = c.problems;
        problems.sort_by_key(|p| p.pos.map(|p| (p.line, p.col)));
        // Copies made by `each` repeat their template's problems: report each once.
        problems.dedup_by(|a, b| a.pos == b.pos && a.message == b.message);
        if c.more_problems > 0 {
            problems.push(more(c.more_problems, "problems"));
        }
        Err(ScenarioError::Invalid { file: loaded.file.clone(), problems })
    }
}

/// The line that stands for `n` problems (or warnings) not shown.
fn more(n: usize, what: &str) -> Problem {
    Problem {
        pos: None,
        path: None,
        message: format!("… and {n} more {what} (the first {MAX_PROBLEMS} are shown)"),
        hint: "fix those first: an `each` range copies one mistake into every element it makes".into(),
    }
}

fn check_run(c: &mut Checker, s: &Scenario) {
    if s.duration.is_zero() {
        c.err("duration", "the run has zero length", "write e.g. duration: \"24h\"");
    }
    if s.tick.is_zero() || s.tick.as_ms() > 3_600_000 {
        c.err(
            "tick",
            format!("tick {} is out of range: expected 1 ms … 1 h", s.tick),
            "1 s is the default and resolves breaker and GPU dynamics",
        );
    } else if s.tick > s.duration && !s.duration.is_zero() {
        c.err(
            "tick",
            format!("tick {} is longer than the run ({})", s.tick, s.duration),
            "shorten the tick or lengthen the run",
        );
    }
    if let Some(max) = s.max_tick
        && (max < s.tick || max.as_ms() > 3_600_000)
    {
        c.err(
            "max_tick",
            format!("max_tick {max} is out of range: expected from the tick ({}) to 1 h", s.tick),
            "10min matches EnergyPlus's default time step; leave it out for a fixed step",
        );
    }
    if s.tick.as_ms() > 2_000 && !s.power.generators.is_empty() {
        c.warn(
            "tick",
            format!("tick {} is longer than the ATS sensing delay: transfers are resolved only to the tick", s.tick),
            "use a 1 s tick to study outage sequences",
        );
    }
    if s.tick.as_ms() > 20_000 {
        c.warn(
            "tick",
            format!(
                "tick {} is longer than a fifth of a GPU die's time constant (~100 s): throttling is under-resolved",
                s.tick
            ),
            "use ticks of 10 s or less where GPU temperatures matter",
        );
    }
    if s.output.interval < s.tick {
        c.err(
            "output.interval",
            format!("output interval {} is shorter than the tick {}", s.output.interval, s.tick),
            "use an interval of at least one tick",
        );
    }
    if !(1..=12).contains(&s.start.month) {
        c.err("start.month", format!("month {} is not 1–12", s.start.month), "January is 1");
    } else if s.start.day == 0 || s.start.day > DAYS_IN_MONTH[s.start.month as usize - 1] {
        c.err(
            "start.day",
            format!("day {} does not exist in month {}", s.start.day, s.start.month),
            "days count from 1",
        );
    }
    c.range("start.hour", s.start.hour, 0.0, 24.0, "h");
    c.range("site.altitude_m", s.site.altitude_m, -500.0, 5_000.0, "m");
    c.positive("site.grid.capacity_kw", s.site.grid.capacity_kw, 1e8, "kW");
    let mut wl = BTreeSet::new();
    for (i, w) in s.workloads.iter().enumerate() {
        let p = format!("workloads[{i}]");
        if !wl.insert(w.id.clone()) {
            c.err(&format!("{p}.id"), format!("workload \"{}\" is declared twice", w.id), "ids must be unique");
        }
        c.range(&format!("{p}.noise_pct"), w.noise_pct, 0.0, 50.0, "%");
        match &w.profile {
            LoadProfile::Constant(u) => c.range(&format!("{p}.profile"), *u, 0.0, 1.0, "(activity)"),
            LoadProfile::Diurnal { mean, amplitude, peak_hour } => {
                c.range(&format!("{p}.profile.mean"), *mean, 0.0, 1.0, "(activity)");
                c.range(&format!("{p}.profile.amplitude"), *amplitude, 0.0, 1.0, "(activity)");
                c.range(&format!("{p}.profile.peak_hour"), *peak_hour, 0.0, 24.0, "h");
            }
            LoadProfile::Training { utilisation, checkpoint_every, checkpoint_duration, checkpoint_utilisation } => {
                c.range(&format!("{p}.profile.utilisation"), *utilisation, 0.0, 1.0, "(activity)");
                c.range(
                    &format!("{p}.profile.checkpoint_utilisation"),
                    *checkpoint_utilisation,
                    0.0,
                    1.0,
                    "(activity)",
                );
                if checkpoint_duration >= checkpoint_every {
                    c.err(
                        &format!("{p}.profile.checkpoint_duration"),
                        "a checkpoint lasts as long as its period",
                        "make checkpoint_duration shorter than checkpoint_every",
                    );
                }
            }
        }
    }
}

fn check_catalog(c: &mut Checker, s: &Scenario, catalog: &Catalog) {
    for (id, g) in &s.catalog.gpus {
        let p = format!("catalog.gpus[\"{id}\"]");
        c.positive(&format!("{p}.tdp_w"), g.tdp_w, 20_000.0, "W");
        c.range(&format!("{p}.idle_w"), g.idle_w, 0.0, g.tdp_w.max(0.0), "W");
        c.positive(&format!("{p}.heat_capacity_j_per_k"), g.heat_capacity_j_per_k, 1e6, "J/K");
        c.positive(&format!("{p}.r_air_k_per_w"), g.r_air_k_per_w, 10.0, "K/W");
        c.positive(&format!("{p}.r_cold_plate_k_per_w"), g.r_cold_plate_k_per_w, 10.0, "K/W");
        if !(g.throttle_c < g.slowdown_c && g.slowdown_c < g.shutdown_c) {
            c.err(
                &format!("{p}.throttle_c"),
                "thresholds must rise: throttle < slowdown < shutdown",
                "H100: 87 / 89 / 92 °C",
            );
        }
    }
    let gpu_ids: BTreeSet<String> = catalog.gpus.keys().cloned().collect();
    for (id, r) in &s.catalog.racks {
        let p = format!("catalog.racks[\"{id}\"]");
        c.range(&format!("{p}.base_idle_kw"), r.base_idle_kw, 0.0, 2_000.0, "kW");
        c.range(&format!("{p}.base_max_kw"), r.base_max_kw, r.base_idle_kw.max(0.0), 2_000.0, "kW");
        c.range(&format!("{p}.fan_max_kw"), r.fan_max_kw, 0.0, 200.0, "kW");
        c.positive(&format!("{p}.design_delta_t_k"), r.design_delta_t_k, 40.0, "K");
        if let Some(g) = &r.gpu {
            c.reference(&format!("{p}.gpu"), g, "GPU model", &gpu_ids);
            if r.gpu_count > MAX_GPUS_PER_RACK {
                c.err(
                    &format!("{p}.gpu_count"),
                    format!("{} GPUs in one rack is implausible (at most {MAX_GPUS_PER_RACK})", r.gpu_count),
                    "a GB200 NVL72 rack holds 72, a Rubin Ultra Kyber rack 576",
                );
            }
            if r.gpu_count == 0 {
                c.err(
                    &format!("{p}.gpu_count"),
                    "a rack with a GPU model needs gpu_count ≥ 1",
                    "e.g. 72 for an NVL72 rack",
                );
            }
        }
        if let RackCooling::DirectLiquid { liquid_fraction, l2a_ua_kw_per_k, coolant_kj_per_k, max_coolant_c } =
            r.cooling
        {
            c.range(&format!("{p}.cooling.max_coolant_c"), max_coolant_c, 20.0, 90.0, "°C");
            c.range(&format!("{p}.cooling.liquid_fraction"), liquid_fraction, 0.0, 1.0, "");
            c.range(&format!("{p}.cooling.l2a_ua_kw_per_k"), l2a_ua_kw_per_k, 0.0, 1_000.0, "kW/K");
            c.positive(&format!("{p}.cooling.coolant_kj_per_k"), coolant_kj_per_k, 1e5, "kJ/K");
        }
        check_it_curves(c, &format!("{p}.it_curves"), &r.it_curves);
    }
}

/// IT curves: finite coefficients, ordered limits within activity 0–1 and inlet −20…60 °C, and
/// a curve that stays within 0–3 (power multiplier, airflow or fan-power fraction) over them.
fn check_it_curves(c: &mut Checker, path: &str, curves: &crate::catalog::ItCurves) {
    let hint = "EnergyPlus form: coefficients [c0..c5] of c0 + c1·u + c2·u² + c3·T + c4·T² + c5·u·T, \
                with min_x/max_x the activity range (0–1) and min_y/max_y the inlet range in °C";
    for (name, curve) in [("power", &curves.power), ("airflow", &curves.airflow)] {
        let Some(b) = curve else { continue };
        let p = format!("{path}.{name}");
        if b.coefficients.len() != 6
            || b.coefficients.iter().any(|k| !k.is_finite())
            || !(0.0..=1.0).contains(&b.min_x)
            || !(b.min_x..=1.0).contains(&b.max_x)
            || !(-20.0..=60.0).contains(&b.min_y)
            || !(b.min_y..=60.0).contains(&b.max_y)
        {
            c.err(&p, "six finite coefficients, and limits ordered within 0–1 and −20…60 °C", hint);
            continue;
        }
        let corners = [(b.min_x, b.min_y), (b.min_x, b.max_y), (b.max_x, b.min_y), (b.max_x, b.max_y)];
        if corners.iter().any(|&(x, y)| !(0.0..=3.0).contains(&b.eval(x, y))) {
            c.err(&p, "the curve leaves 0–3 at a corner of its range", hint);
        }
    }
    if let Some(f) = &curves.fan_power {
        let p = format!("{path}.fan_power");
        let ok = f.coefficients.len() == 4
            && f.coefficients.iter().all(|k| k.is_finite())
            && (0.0..=2.0).contains(&f.min_x)
            && (f.min_x..=2.0).contains(&f.max_x)
            && [f.min_x, f.max_x].iter().all(|&x| (0.0..=10.0).contains(&f.eval(x)));
        if !ok {
            c.err(
                &p,
                "fan-power curve: four finite coefficients, 0 ≤ min_x ≤ max_x ≤ 2, values within 0–10",
                "the affinity law is coefficients [0, 0, 0, 1] on 0–1",
            );
        }
    }
}

/// Ids by kind, after expansion.
#[derive(Default)]
struct Ids {
    utilities: BTreeSet<String>,
    transformers: BTreeSet<String>,
    generators: BTreeSet<String>,
    groups: BTreeSet<String>,
    switchboards: BTreeSet<String>,
    ups: BTreeSet<String>,
    distribution: BTreeSet<String>,
    tanks: BTreeSet<String>,
    bulk_tanks: BTreeSet<String>,
    chillers: BTreeSet<String>,
    loops: BTreeSet<String>,
    units: BTreeSet<String>,
    halls: BTreeSet<String>,
    workloads: BTreeSet<String>,
    /// Everything that can feed a load.
    feeds: BTreeSet<String>,
}

fn check_ids(c: &mut Checker, p: &Plant, s: &Scenario) -> Ids {
    let mut ids = Ids::default();
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    let mut add = |c: &mut Checker, set: &mut BTreeSet<String>, id: &str, path: &str| {
        if id.trim().is_empty() {
            c.err(&format!("{path}.id"), "empty id", "give every element a short unique id");
            return;
        }
        if let Some(first) = seen.get(id) {
            c.err(
                &format!("{path}.id"),
                format!("id \"{id}\" is already used by {first}"),
                "ids must be unique across the scenario",
            );
            return;
        }
        seen.insert(id.to_owned(), path.to_owned());
        set.insert(id.to_owned());
    };
    for u in &p.utilities {
        add(c, &mut ids.utilities, &u.item.id, &u.path);
    }
    for t in &p.transformers {
        add(c, &mut ids.transformers, &t.item.id, &t.path);
    }
    for g in &p.generators {
        add(c, &mut ids.generators, &g.item.id, &g.path);
    }
    for g in &p.generator_groups {
        add(c, &mut ids.groups, &g.item.id, &g.path);
    }
    for x in &p.switchboards {
        add(c, &mut ids.switchboards, &x.item.id, &x.path);
    }
    for x in &p.ups {
        add(c, &mut ids.ups, &x.item.id, &x.path);
    }
    for x in &p.distribution {
        add(c, &mut ids.distribution, &x.item.id, &x.path);
    }
    for x in &p.tanks {
        add(c, &mut ids.tanks, &x.item.id, &x.path);
        if x.item.kind == TankKind::Bulk {
            ids.bulk_tanks.insert(x.item.id.clone());
        }
    }
    for x in &p.chillers {
        add(c, &mut ids.chillers, &x.item.id, &x.path);
    }
    for x in &p.liquid_loops {
        add(c, &mut ids.loops, &x.item.id, &x.path);
    }
    for h in &p.halls {
        add(c, &mut ids.halls, &h.spec.id, &h.path);
        for u in &h.units {
            add(c, &mut ids.units, u.item.id(), &u.path);
        }
    }
    ids.workloads = s.workloads.iter().map(|w| w.id.clone()).collect();
    ids.workloads.insert("default".into());
    ids.feeds = ids.switchboards.iter().chain(&ids.ups).chain(&ids.distribution).cloned().collect();
    ids
}
