//! Semantic checks of a parsed scenario: ranges, references, the electrical graph.
//!
//! Every problem names its place in the file, what was expected and a hint. Checks run on the
//! expanded plant, so a `{n}` template that produces a dangling id is caught too.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use super::expand::{Plant, expand};
use super::load::{LoadedScenario, Problem, ScenarioError};
use super::*;
use crate::catalog::{Catalog, RackCooling};

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
    /// Things that are legal but probably not intended.
    pub warnings: Vec<Problem>,
}

struct Checker<'a> {
    s: &'a LoadedScenario,
    problems: Vec<Problem>,
    warnings: Vec<Problem>,
}

impl Checker<'_> {
    fn err(&mut self, path: &str, message: impl Into<String>, hint: impl Into<String>) {
        let p = self.s.problem(path, message, hint);
        self.problems.push(p);
    }

    fn warn(&mut self, path: &str, message: impl Into<String>, hint: impl Into<String>) {
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

    /// `v` must be finite and > 0 (and ≤ `hi`).
    fn positive(&mut self, path: &str, v: f64, hi: f64, unit: &str) {
        if !v.is_finite() {
            self.err(path, format!("{v} is not a finite number"), format!("write a positive number of {unit}"));
        } else if v <= 0.0 {
            self.err(path, format!("{v} {unit}: expected a positive value"), range_hint(path));
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
        let near = closest(id, known);
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
    let mut c = Checker { s: &loaded, problems: Vec::new(), warnings: Vec::new() };
    for i in issues {
        c.err(&i.path, i.message, i.hint);
    }
    let s = &loaded.scenario;
    let catalog = Catalog::builtin().merged(&s.catalog);

    check_run(&mut c, s);
    check_catalog(&mut c, s, &catalog);
    let epw = check_weather(&mut c, s, &loaded.base_dir);
    let ids = check_ids(&mut c, &plant, s);
    check_power(&mut c, &plant, &ids);
    check_fuel(&mut c, s, &plant, &ids);
    check_plant(&mut c, &plant, &ids);
    check_halls(&mut c, &plant, &ids, &catalog, s);
    check_events(&mut c, s, &plant, &ids, &catalog);

    if c.problems.is_empty() {
        let warnings = c.warnings;
        Ok(ValidScenario { plant, catalog, epw, warnings, loaded })
    } else {
        let mut problems = c.problems;
        problems.sort_by_key(|p| p.pos.map(|p| (p.line, p.col)));
        // Copies made by `each` repeat their template's problems: report each once.
        problems.dedup_by(|a, b| a.pos == b.pos && a.message == b.message);
        Err(ScenarioError::Invalid { file: loaded.file.clone(), problems })
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
    c.range("site.grid.carbon_g_per_kwh", s.site.grid.carbon_g_per_kwh, 0.0, 2_000.0, "g/kWh");
    c.range("site.grid.price_eur_per_mwh", s.site.grid.price_eur_per_mwh, -1_000.0, 10_000.0, "€/MWh");
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
    }
}

fn check_weather(c: &mut Checker, s: &Scenario, base: &std::path::Path) -> Option<crate::weather::epw::EpwFile> {
    match &s.weather {
        WeatherSpec::Constant { dry_bulb_c, rh_pct } => {
            c.range("weather.dry_bulb_c", *dry_bulb_c, -60.0, 60.0, "°C");
            c.range("weather.rh_pct", *rh_pct, 0.0, 100.0, "%");
        }
        WeatherSpec::Diurnal { mean_c, swing_k, dew_point_c, noise_k, heatwaves } => {
            c.range("weather.mean_c", *mean_c, -50.0, 50.0, "°C");
            c.range("weather.swing_k", *swing_k, 0.0, 40.0, "K");
            c.range("weather.dew_point_c", *dew_point_c, -60.0, 35.0, "°C");
            c.range("weather.noise_k", *noise_k, 0.0, 15.0, "K");
            check_heatwaves(c, heatwaves);
        }
        WeatherSpec::Synthetic { climate, heatwaves } => {
            if crate::weather::synthetic_climate(climate).is_none() {
                c.err(
                    "weather.climate",
                    format!("unknown climate \"{climate}\""),
                    format!("known climates: {}", crate::weather::CLIMATES.join(", ")),
                );
            }
            check_heatwaves(c, heatwaves);
        }
        WeatherSpec::Epw { file, heatwaves } => match resolve_asset(file, base) {
            None => c.err(
                "weather.file",
                format!("weather file \"{file}\" not found (looked next to the scenario and under assets/)"),
                "give a path relative to the scenario file, e.g. \"../assets/weather/paris_synthetic.epw\"",
            ),
            Some(path) => match {
                check_heatwaves(c, heatwaves);
                std::fs::read_to_string(&path)
            }
            .map_err(|e| e.to_string())
            .and_then(|t| crate::weather::epw::parse_epw(&t).map_err(|e| e.to_string()))
            {
                Ok(f) => return Some(f),
                Err(e) => c.err(
                    "weather.file",
                    format!("weather file {}: {e}", path.display()),
                    "EnergyPlus EPW format: 8 header lines then 35 comma-separated fields per hour",
                ),
            },
        },
    }
    None
}

fn check_heatwaves(c: &mut Checker, hws: &[Heatwave]) {
    for (i, hw) in hws.iter().enumerate() {
        c.range(&format!("weather.heatwaves[{i}].peak_k"), hw.peak_k, -30.0, 30.0, "K");
        c.range(&format!("weather.heatwaves[{i}].dew_point_k"), hw.dew_point_k, -20.0, 20.0, "K");
        if hw.duration.is_zero() {
            c.err(&format!("weather.heatwaves[{i}].duration"), "a heat wave needs a duration", "e.g. \"3d\"");
        }
    }
}

/// Finds a file given in a scenario: relative to the scenario, then the working directory,
/// then the crate's `assets/`.
pub fn resolve_asset(file: &str, base: &std::path::Path) -> Option<PathBuf> {
    let candidates = [
        base.join(file),
        PathBuf::from(file),
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(file),
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets").join(file),
    ];
    candidates.into_iter().find(|p| p.is_file())
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

fn check_power(c: &mut Checker, p: &Plant, ids: &Ids) {
    if p.utilities.is_empty() {
        c.err(
            "power.utilities",
            "the site has no utility feed",
            "add e.g. utilities: [(id: \"grid\", capacity_kw: 4000)]",
        );
    }
    for u in &p.utilities {
        c.positive(&format!("{}.capacity_kw", u.path), u.item.capacity_kw, 1e7, "kW");
    }
    for t in &p.transformers {
        let x = &t.item;
        c.reference(&format!("{}.from", t.path), &x.from, "utility feed", &ids.utilities);
        c.positive(&format!("{}.rating_kva", t.path), x.rating_kva, 1e6, "kVA");
        c.range(&format!("{}.no_load_loss_pct", t.path), x.no_load_loss_pct, 0.0, 5.0, "%");
        c.range(&format!("{}.load_loss_pct", t.path), x.load_loss_pct, 0.0, 10.0, "%");
        c.range(&format!("{}.power_factor", t.path), x.power_factor, 0.5, 1.0, "");
    }
    let mut grouped: BTreeMap<&str, &str> = BTreeMap::new();
    for g in &p.generator_groups {
        if g.item.units.is_empty() {
            c.err(
                &format!("{}.units", g.path),
                "a generator group needs at least one generator",
                "list generator ids, e.g. units: [\"gen-1\", \"gen-2\"]",
            );
        }
        c.range(&format!("{}.load_step_pct", g.path), g.item.load_step_pct, 1.0, 100.0, "%");
        for (k, u) in g.item.units.iter().enumerate() {
            let path = format!("{}.units[{k}]", g.path);
            if c.reference(&path, u, "generator", &ids.generators)
                && let Some(prev) = grouped.insert(u.as_str(), g.item.id.as_str())
            {
                c.err(&path, format!("generator \"{u}\" is already in group \"{prev}\""), "a set belongs to one bus");
            }
        }
    }
    for g in &p.generators {
        let x = &g.item;
        c.positive(&format!("{}.rating_kw", g.path), x.rating_kw, 50_000.0, "kW");
        c.range(
            &format!("{}.fail_to_start_probability", g.path),
            x.fail_to_start_probability,
            0.0,
            1.0,
            "(probability)",
        );
        c.reference(&format!("{}.tank", g.path), &x.tank, "fuel tank", &ids.tanks);
        c.range(
            &format!("{}.fuel_curve.no_load_l_per_h_per_kw", g.path),
            x.fuel_curve.no_load_l_per_h_per_kw,
            0.0,
            0.1,
            "L/h per kW",
        );
        c.range(
            &format!("{}.fuel_curve.incremental_l_per_kwh", g.path),
            x.fuel_curve.incremental_l_per_kwh,
            0.1,
            0.5,
            "L/kWh",
        );
        c.range(&format!("{}.derate_pct_per_k", g.path), x.derate_pct_per_k, 0.0, 10.0, "%/K");
        if !grouped.contains_key(x.id.as_str()) {
            c.err(
                &format!("{}.id", g.path),
                format!("generator \"{}\" is in no generator group (orphan)", x.id),
                "add it to a generator_groups entry's units",
            );
        }
    }
    let mut used_groups = BTreeSet::new();
    for sb in &p.switchboards {
        let x = &sb.item;
        let normal_ok = ids.transformers.contains(&x.normal) || ids.utilities.contains(&x.normal);
        if !normal_ok {
            let known: BTreeSet<String> = ids.transformers.union(&ids.utilities).cloned().collect();
            c.reference(&format!("{}.normal", sb.path), &x.normal, "transformer or utility feed", &known);
        }
        if let Some(e) = &x.emergency
            && c.reference(&format!("{}.emergency", sb.path), e, "generator group", &ids.groups)
        {
            used_groups.insert(e.clone());
        }
    }
    for g in &p.generator_groups {
        if !used_groups.contains(&g.item.id) {
            c.err(
                &format!("{}.id", g.path),
                format!("generator group \"{}\" backs no switchboard (orphan)", g.item.id),
                "name it as a switchboard's emergency source",
            );
        }
    }
    for u in &p.ups {
        let x = &u.item;
        c.reference(&format!("{}.from", u.path), &x.from, "switchboard", &ids.switchboards);
        c.positive(&format!("{}.rating_kw", u.path), x.rating_kw, 1e6, "kW");
        c.positive(&format!("{}.battery.autonomy_min", u.path), x.battery.autonomy_min, 600.0, "min");
        c.range(&format!("{}.battery.recharge_pct", u.path), x.battery.recharge_pct, 0.0, 100.0, "%");
        c.range(&format!("{}.battery.initial_soc_pct", u.path), x.battery.initial_soc_pct, 0.0, 100.0, "%");
        if let Some(k) = x.battery.peukert_k {
            c.range(&format!("{}.battery.peukert_k", u.path), k, 1.0, 1.6, "");
        }
        if x.modules == 0 {
            c.err(&format!("{}.modules", u.path), "a UPS needs at least one module", "modules: 1");
        }
        if x.walk_in.is_zero() {
            c.err(&format!("{}.walk_in", u.path), "walk-in time must be positive", "typical 5–20 s");
        }
        if let Some(l) = &x.losses {
            check_losses(c, &format!("{}.losses", u.path), l);
        }
    }
    let dist_from: BTreeSet<String> =
        ids.ups.iter().chain(&ids.switchboards).chain(&ids.distribution).cloned().collect();
    let mut parent: BTreeMap<&str, &str> = BTreeMap::new();
    for d in &p.distribution {
        let x = &d.item;
        if c.reference(&format!("{}.from", d.path), &x.from, "UPS, switchboard or distribution element", &dist_from) {
            parent.insert(&x.id, &x.from);
        }
        c.positive(&format!("{}.rating_a", d.path), x.rating_a, 10_000.0, "A");
        c.range(&format!("{}.voltage_v", d.path), x.voltage_v, 100.0, 1_000.0, "V");
        c.range(&format!("{}.power_factor", d.path), x.power_factor, 0.5, 1.0, "");
        if let Some(r) = x.breaker.rating_a {
            c.positive(&format!("{}.breaker.rating_a", d.path), r, 10_000.0, "A");
        }
        if let Some(t) = x.breaker.tau_s {
            c.positive(&format!("{}.breaker.tau_s", d.path), t, 7_200.0, "s");
        }
        if let Some(l) = &x.losses {
            check_losses(c, &format!("{}.losses", d.path), l);
        }
    }
    // Loops in the distribution graph.
    for d in &p.distribution {
        let mut cur = d.item.id.as_str();
        let mut steps = 0;
        while let Some(&up) = parent.get(cur) {
            steps += 1;
            if up == d.item.id || steps > parent.len() {
                c.err(
                    &format!("{}.from", d.path),
                    format!("distribution loop: \"{}\" feeds itself through \"{}\"", d.item.id, d.item.from),
                    "every element must lead back to a UPS or switchboard",
                );
                break;
            }
            cur = up;
        }
    }
}

fn check_losses(c: &mut Checker, path: &str, l: &LossCoefficients) {
    c.range(&format!("{path}.no_load_pct"), l.no_load_pct, 0.0, 10.0, "%");
    c.range(&format!("{path}.proportional_pct"), l.proportional_pct, 0.0, 10.0, "%");
    c.range(&format!("{path}.square_pct"), l.square_pct, 0.0, 10.0, "%");
}

fn check_fuel(c: &mut Checker, s: &Scenario, p: &Plant, ids: &Ids) {
    for t in &p.tanks {
        let x = &t.item;
        c.positive(&format!("{}.capacity_l", t.path), x.capacity_l, 1e9, "L");
        if let Some(l) = x.level_l {
            c.range(&format!("{}.level_l", t.path), l, 0.0, x.capacity_l.max(0.0), "L");
        }
        c.range(&format!("{}.usable_fraction", t.path), x.usable_fraction, 0.5, 1.0, "");
        c.range(&format!("{}.pump_l_per_h", t.path), x.pump_l_per_h, 0.0, 1e6, "L/h");
        c.range(&format!("{}.pump_start_pct", t.path), x.pump_start_pct, 0.0, 100.0, "%");
        c.range(&format!("{}.pump_stop_pct", t.path), x.pump_stop_pct, x.pump_start_pct.max(0.0), 100.0, "%");
        match (&x.fill_from, x.kind) {
            (Some(f), _)
                if c.reference(&format!("{}.fill_from", t.path), f, "bulk tank", &ids.bulk_tanks) && *f == x.id =>
            {
                c.err(&format!("{}.fill_from", t.path), "a tank cannot fill itself", "name a bulk tank");
            }
            (Some(_), _) => {}
            (None, TankKind::Day) => c.warn(
                &format!("{}.kind", t.path),
                "day tank with no fill_from: it is never refilled",
                "set fill_from to a bulk tank",
            ),
            _ => {}
        }
    }
    let tk = &s.fuel.tankers;
    c.positive("fuel.tankers.volume_l", tk.volume_l, 100_000.0, "L");
    c.positive("fuel.tankers.trucks_per_hour", tk.trucks_per_hour, 100.0, "per hour");
    c.positive("fuel.tankers.pump_l_per_min", tk.pump_l_per_min, 20_000.0, "L/min");
    if let Some(a) = &s.fuel.auto_order {
        c.reference("fuel.auto_order.tank", &a.tank, "bulk tank", &ids.bulk_tanks);
        c.positive("fuel.auto_order.below_autonomy_h", a.below_autonomy_h, 10_000.0, "h");
        if a.tankers == 0 {
            c.err("fuel.auto_order.tankers", "an order needs at least one tanker", "tankers: 2");
        }
    }
}

fn check_plant(c: &mut Checker, p: &Plant, ids: &Ids) {
    for x in &p.chillers {
        let ch = &x.item;
        c.reference(&format!("{}.feed", x.path), &ch.feed, "feed (switchboard, UPS or distribution)", &ids.feeds);
        c.positive(&format!("{}.capacity_kw", x.path), ch.capacity_kw, 1e6, "kW");
        c.range(&format!("{}.cop_rated", x.path), ch.cop_rated, 1.0, 15.0, "");
        c.range(&format!("{}.chilled_water_c", x.path), ch.chilled_water_c, 4.0, 25.0, "°C");
        c.range(&format!("{}.pump_kw", x.path), ch.pump_kw, 0.0, 1e4, "kW");
    }
    for x in &p.liquid_loops {
        let l = &x.item;
        c.reference(&format!("{}.feed", x.path), &l.feed, "feed (switchboard, UPS or distribution)", &ids.feeds);
        c.positive(&format!("{}.cdu_capacity_kw", x.path), l.cdu_capacity_kw, 1e6, "kW");
        c.range(&format!("{}.cdu_approach_k", x.path), l.cdu_approach_k, 0.5, 15.0, "K");
        c.range(&format!("{}.supply_setpoint_c", x.path), l.supply_setpoint_c, 10.0, 60.0, "°C");
        c.positive(&format!("{}.volume_m3", x.path), l.volume_m3, 1e4, "m³");
        c.positive(&format!("{}.flow_l_per_min_per_kw", x.path), l.flow_l_per_min_per_kw, 10.0, "L/min/kW");
    }
}

fn check_halls(c: &mut Checker, p: &Plant, ids: &Ids, catalog: &Catalog, s: &Scenario) {
    if p.halls.is_empty() {
        c.err("halls", "the scenario has no hall", "add a hall with rows and cooling units");
    }
    let rack_ids: BTreeSet<String> = catalog.racks.keys().cloned().collect();
    let mut feeds_used = BTreeSet::new();
    for h in &p.halls {
        let x = &h.spec;
        c.positive(&format!("{}.floor_area_m2", h.path), x.floor_area_m2, 1e6, "m²");
        c.range(&format!("{}.height_m", h.path), x.height_m, 2.5, 30.0, "m");
        c.range(&format!("{}.design_cooling_kw", h.path), x.design_cooling_kw, 0.0, 1e7, "kW");
        if let Some(m) = x.thermal_mass_kj_per_k {
            c.positive(&format!("{}.thermal_mass_kj_per_k", h.path), m, 1e9, "kJ/K");
        }
        if let Some(u) = x.mass_ua_kw_per_k {
            c.positive(&format!("{}.mass_ua_kw_per_k", h.path), u, 1e6, "kW/K");
        }
        if let Some(l) = &x.liquid_loop {
            c.reference(&format!("{}.liquid_loop", h.path), l, "liquid loop", &ids.loops);
        }
        if x.rows.is_empty() || h.rows.iter().all(|r| r.racks.is_empty()) {
            c.err(&format!("{}.rows", h.path), format!("hall \"{}\" is empty: no racks", x.id), "add a row group, e.g. (rows: \"1-4\", racks_per_row: 10, rack: \"legacy_air_10kw\", feeds: (a: \"pdu-{row}\"))");
        }
        if x.cooling_units.is_empty() {
            c.err(
                &format!("{}.cooling_units", h.path),
                format!("hall \"{}\" has no cooling unit", x.id),
                "add a Crah, Crac or EvaporativeAhu; to study a cooling loss, use a CoolingFail event",
            );
        }
        let area_needed: f64 = h.rows.iter().map(|r| r.racks.len() as f64).sum::<f64>()
            * crate::thermal::RACK_WIDTH_M
            * crate::thermal::ROW_PITCH_M;
        if area_needed > x.floor_area_m2 {
            c.err(
                &format!("{}.floor_area_m2", h.path),
                format!("{:.0} m² cannot hold the racks: they need at least {area_needed:.0} m²", x.floor_area_m2),
                "enlarge the hall or split it",
            );
        }
        for (g, group) in x.rows.iter().enumerate() {
            let gp = format!("{}.rows[{g}]", h.path);
            if group.racks_per_row == 0 {
                c.err(&format!("{gp}.racks_per_row"), "a row needs at least one rack", "racks_per_row: 10");
            }
            if group.racks_per_row > 200 {
                c.err(
                    &format!("{gp}.racks_per_row"),
                    format!("{} racks in one row is implausible", group.racks_per_row),
                    "split long rows",
                );
            }
            if group.rows.0.is_empty() {
                c.err(&format!("{gp}.rows"), "no row numbers", "e.g. rows: \"1-4\"");
            }
            c.reference(&format!("{gp}.rack"), &group.rack, "rack type", &rack_ids);
            if let Some(rt) = catalog.racks.get(&group.rack)
                && rt.is_liquid_cooled()
                && x.liquid_loop.is_none()
            {
                c.warn(
                    &format!("{gp}.rack"),
                    format!(
                        "\"{}\" is liquid-cooled but hall \"{}\" has no liquid loop: all its heat goes to air",
                        group.rack, x.id
                    ),
                    "add liquid_loop to the hall to serve its cold plates",
                );
            }
            c.reference(&format!("{gp}.workload"), &group.workload, "workload", &ids.workloads);
            for row in group.rows.iter() {
                let a = group.feeds.a.replace("{row}", &row.to_string());
                if c.reference(&format!("{gp}.feeds.a"), &a, "feed (distribution, UPS or switchboard)", &ids.feeds) {
                    feeds_used.insert(a.clone());
                }
                if let Some(b) = &group.feeds.b {
                    let b = b.replace("{row}", &row.to_string());
                    if b == a {
                        c.err(
                            &format!("{gp}.feeds.b"),
                            format!("A and B feeds are both \"{a}\""),
                            "2N needs two different feeds",
                        );
                    } else if c.reference(
                        &format!("{gp}.feeds.b"),
                        &b,
                        "feed (distribution, UPS or switchboard)",
                        &ids.feeds,
                    ) {
                        feeds_used.insert(b);
                    }
                }
                if c.problems.len() > 50 {
                    return;
                }
            }
        }
        for u in &h.units {
            check_unit(c, &u.path, &u.item, ids);
            feeds_used.insert(u.item.feed().to_owned());
        }
    }
    let _ = s;
}

fn check_unit(c: &mut Checker, path: &str, u: &CoolingUnitSpec, ids: &Ids) {
    c.reference(&format!("{path}.feed"), u.feed(), "feed (switchboard, UPS or distribution)", &ids.feeds);
    match u {
        CoolingUnitSpec::Crah {
            sensible_capacity_kw,
            airflow_m3_per_s,
            fan_power_kw,
            supply_setpoint_c,
            plant,
            ..
        } => {
            c.positive(&format!("{path}.sensible_capacity_kw"), *sensible_capacity_kw, 5_000.0, "kW");
            c.positive(&format!("{path}.airflow_m3_per_s"), *airflow_m3_per_s, 500.0, "m³/s");
            c.range(&format!("{path}.fan_power_kw"), *fan_power_kw, 0.0, 1_000.0, "kW");
            c.range(&format!("{path}.supply_setpoint_c"), *supply_setpoint_c, 10.0, 35.0, "°C");
            c.reference(&format!("{path}.plant"), plant, "chiller plant", &ids.chillers);
        }
        CoolingUnitSpec::Crac {
            sensible_capacity_kw,
            airflow_m3_per_s,
            fan_power_kw,
            supply_setpoint_c,
            cop_rated,
            ..
        } => {
            c.positive(&format!("{path}.sensible_capacity_kw"), *sensible_capacity_kw, 5_000.0, "kW");
            c.positive(&format!("{path}.airflow_m3_per_s"), *airflow_m3_per_s, 500.0, "m³/s");
            c.range(&format!("{path}.fan_power_kw"), *fan_power_kw, 0.0, 1_000.0, "kW");
            c.range(&format!("{path}.supply_setpoint_c"), *supply_setpoint_c, 10.0, 35.0, "°C");
            c.range(&format!("{path}.cop_rated"), *cop_rated, 1.0, 10.0, "");
        }
        CoolingUnitSpec::EvaporativeAhu {
            effectiveness,
            indirect_effectiveness,
            airflow_m3_per_s,
            fan_power_kw,
            supply_setpoint_c,
            max_dew_point_c,
            max_rh_pct,
            trim,
            ..
        } => {
            c.range(&format!("{path}.effectiveness"), *effectiveness, 0.0, 1.0, "");
            c.range(&format!("{path}.indirect_effectiveness"), *indirect_effectiveness, 0.0, 1.0, "");
            c.positive(&format!("{path}.airflow_m3_per_s"), *airflow_m3_per_s, 1_000.0, "m³/s");
            c.range(&format!("{path}.fan_power_kw"), *fan_power_kw, 0.0, 2_000.0, "kW");
            c.range(&format!("{path}.supply_setpoint_c"), *supply_setpoint_c, 10.0, 35.0, "°C");
            c.range(&format!("{path}.max_dew_point_c"), *max_dew_point_c, -10.0, 30.0, "°C");
            c.range(&format!("{path}.max_rh_pct"), *max_rh_pct, 10.0, 100.0, "%");
            if let Some(t) = trim {
                c.positive(&format!("{path}.trim.capacity_kw"), t.capacity_kw, 10_000.0, "kW");
                c.range(&format!("{path}.trim.cop_rated"), t.cop_rated, 1.0, 10.0, "");
            }
        }
    }
}

fn check_events(c: &mut Checker, s: &Scenario, p: &Plant, ids: &Ids, catalog: &Catalog) {
    let rack_ids: BTreeSet<String> = catalog.racks.keys().cloned().collect();
    let cooling: BTreeSet<String> = ids.units.iter().chain(&ids.chillers).chain(&ids.loops).cloned().collect();
    for (i, e) in s.events.iter().enumerate() {
        let path = format!("events[{i}].action");
        if e.at > s.duration {
            c.warn(
                &format!("events[{i}].at"),
                format!("event at {} is after the end of the run ({})", e.at, s.duration),
                "it will not happen",
            );
        }
        match &e.action {
            Action::UtilityOutage { feed, .. } | Action::UtilityRestore { feed } => {
                if let Some(f) = feed {
                    c.reference(&format!("{path}.feed"), f, "utility feed", &ids.utilities);
                }
            }
            Action::CoolingFail { unit } | Action::CoolingRestore { unit } => {
                c.reference(&format!("{path}.unit"), unit, "cooling unit, chiller plant or liquid loop", &cooling);
            }
            Action::SwapRacks { hall, rows, rack, feeds, workload, .. }
            | Action::AddRacks { hall, rows, rack, feeds, workload, .. } => {
                if let Some(w) = workload {
                    c.reference(&format!("{path}.workload"), w, "workload", &ids.workloads);
                }
                if let Some(f) = feeds {
                    for r in rows.iter() {
                        let a = f.a.replace("{row}", &r.to_string());
                        c.reference(
                            &format!("{path}.feeds.a"),
                            &a,
                            "feed (distribution, UPS or switchboard)",
                            &ids.feeds,
                        );
                        if let Some(b) = &f.b {
                            let b = b.replace("{row}", &r.to_string());
                            c.reference(
                                &format!("{path}.feeds.b"),
                                &b,
                                "feed (distribution, UPS or switchboard)",
                                &ids.feeds,
                            );
                        }
                    }
                }
                if c.reference(&format!("{path}.hall"), hall, "hall", &ids.halls)
                    && let Some(h) = p.halls.iter().find(|h| h.spec.id == *hall)
                {
                    for r in rows.iter() {
                        if !h.rows.iter().any(|x| x.number == r) {
                            c.err(
                                &format!("{path}.rows"),
                                format!("hall \"{hall}\" has no row {r}"),
                                format!(
                                    "rows: {}",
                                    h.rows.iter().map(|x| x.number.to_string()).collect::<Vec<_>>().join(", ")
                                ),
                            );
                        }
                    }
                }
                c.reference(&format!("{path}.rack"), rack, "rack type", &rack_ids);
            }
            Action::SetUtilisation { workload, utilisation } => {
                c.reference(&format!("{path}.workload"), workload, "workload", &ids.workloads);
                c.range(&format!("{path}.utilisation"), *utilisation, 0.0, 1.0, "(activity)");
            }
            Action::OrderFuel { tank, tankers } => {
                c.reference(&format!("{path}.tank"), tank, "fuel tank", &ids.tanks);
                if *tankers == 0 {
                    c.err(&format!("{path}.tankers"), "order at least one tanker", "tankers: 1");
                }
            }
            Action::BreakerTrip { breaker } | Action::BreakerReset { breaker } => {
                c.reference(&format!("{path}.breaker"), breaker, "distribution element", &ids.distribution);
            }
            Action::GeneratorTrip { generator }
            | Action::GeneratorFailToStart { generator }
            | Action::GeneratorRepair { generator } => {
                c.reference(&format!("{path}.generator"), generator, "generator", &ids.generators);
            }
            Action::UpsFault { ups } | Action::UpsRestore { ups } => {
                c.reference(&format!("{path}.ups"), ups, "UPS", &ids.ups);
            }
            Action::ResetGpus { hall } => {
                if let Some(h) = hall {
                    c.reference(&format!("{path}.hall"), h, "hall", &ids.halls);
                }
            }
            Action::DelayDeliveries { .. } | Action::Caption | Action::Pause => {}
        }
    }
}
