//! Checks the grid's carbon and price sources (constants, country presets, hourly CSV series)
//! and the cost inputs.

use super::*;

/// Hourly series read from the files a scenario names.
#[derive(Clone, Debug, Default)]
pub struct Series {
    /// Grid carbon intensity per hour, g CO₂e/kWh.
    pub carbon_g_per_kwh: Option<Vec<f64>>,
    /// Electricity price per hour, €/MWh.
    pub price_eur_per_mwh: Option<Vec<f64>>,
}

/// Most rows of an hourly series: a leap year's hours.
pub const MAX_SERIES_HOURS: usize = 8_784;
/// Rows of an hourly series of a common year.
const HOURS_PER_YEAR: usize = 8_760;

pub(super) fn check_economics(c: &mut Checker, s: &Scenario, base: &std::path::Path) -> Series {
    let g = &s.site.grid;
    let mut series = Series::default();
    let carbon_sources = [g.carbon_g_per_kwh.is_some(), g.country.is_some(), g.carbon_series.is_some()];
    match carbon_sources.iter().filter(|x| **x).count() {
        0 => c.err(
            "site.grid",
            "the grid has no carbon intensity",
            "give one of carbon_g_per_kwh: 56.0, country: \"FR\" or carbon_series: \"file.csv\"",
        ),
        1 => {}
        _ => c.err(
            "site.grid",
            "the grid's carbon intensity is given more than once",
            "keep one of carbon_g_per_kwh, country and carbon_series",
        ),
    }
    if let Some(v) = g.carbon_g_per_kwh {
        c.range("site.grid.carbon_g_per_kwh", v, 0.0, 2_000.0, "g/kWh");
    }
    if let Some(country) = &g.country
        && crate::economics::grid_preset(country).is_none()
    {
        let known: Vec<&str> = crate::economics::GRID_PRESETS.iter().map(|p| p.country).collect();
        c.err(
            "site.grid.country",
            format!("no grid carbon preset for \"{country}\""),
            format!("presets: {}; or give carbon_g_per_kwh or carbon_series", known.join(", ")),
        );
    }
    if let Some(file) = &g.carbon_series {
        series.carbon_g_per_kwh = read_series(c, "site.grid.carbon_series", file, base, "g_per_kwh", 0.0, 2_000.0);
    }
    match (g.price_eur_per_mwh, &g.price_series) {
        (None, None) => c.err(
            "site.grid",
            "the grid has no electricity price",
            "give price_eur_per_mwh: 75.0 or price_series: \"prices.csv\"",
        ),
        (Some(_), Some(_)) => {
            c.err("site.grid", "the electricity price is given twice", "keep price_eur_per_mwh or price_series")
        }
        (Some(v), None) => c.range("site.grid.price_eur_per_mwh", v, -1_000.0, 10_000.0, "€/MWh"),
        (None, Some(file)) => {
            series.price_eur_per_mwh =
                read_series(c, "site.grid.price_series", file, base, "eur_per_mwh", -1_000.0, 10_000.0);
        }
    }
    check_costs(c, &s.economics);
    series
}

fn check_costs(c: &mut Checker, e: &EconomicsSpec) {
    c.range("economics.discount_rate", e.discount_rate, -0.05, 0.5, "(per year)");
    for (field, v, hi, unit) in [
        ("building_eur_per_mw", e.building_eur_per_mw, 1e9, "€/MW"),
        ("critical_eur_per_kw", e.critical_eur_per_kw, 1e6, "€/kW"),
        ("it_eur_per_gpu", e.it_eur_per_gpu, 1e7, "€/GPU"),
        ("it_eur_per_kw", e.it_eur_per_kw, 1e6, "€/kW"),
        ("generators_eur_per_kw", e.generators_eur_per_kw, 1e6, "€/kW"),
        ("fuel_storage_eur_per_m3", e.fuel_storage_eur_per_m3, 1e6, "€/m³"),
        ("ups_eur_per_kw", e.ups_eur_per_kw, 1e6, "€/kW"),
        ("chillers_eur_per_kw", e.chillers_eur_per_kw, 1e6, "€/kW"),
        ("liquid_loops_eur_per_kw", e.liquid_loops_eur_per_kw, 1e6, "€/kW"),
        ("water_eur_per_m3", e.water_eur_per_m3, 1e3, "€/m³"),
        ("diesel_eur_per_l", e.diesel_eur_per_l, 1e3, "€/L"),
        ("delivery_eur", e.delivery_eur, 1e7, "€"),
        ("maintenance_share_per_year", e.maintenance_share_per_year, 1.0, "(share)"),
        ("embodied_kg_per_gpu", e.embodied_kg_per_gpu, 1e6, "kg"),
        ("embodied_t_per_mw", e.embodied_t_per_mw, 1e6, "t"),
    ] {
        c.range(&format!("economics.{field}"), v, 0.0, hi, unit);
    }
    for (field, v) in [
        ("building_life_years", e.building_life_years),
        ("equipment_life_years", e.equipment_life_years),
        ("it_life_years", e.it_life_years),
    ] {
        c.range(&format!("economics.{field}"), v, 0.5, 200.0, "years");
    }
    if let Some(v) = e.lost_gpu_hour_eur {
        c.range("economics.lost_gpu_hour_eur", v, 0.0, 1e6, "€");
    }
    // The default critical-plant price covers the whole plant: a part priced apart on top of
    // it is counted twice.
    let apart: Vec<&str> = [
        ("generators_eur_per_kw", e.generators_eur_per_kw),
        ("fuel_storage_eur_per_m3", e.fuel_storage_eur_per_m3),
        ("ups_eur_per_kw", e.ups_eur_per_kw),
        ("chillers_eur_per_kw", e.chillers_eur_per_kw),
        ("liquid_loops_eur_per_kw", e.liquid_loops_eur_per_kw),
    ]
    .into_iter()
    .filter(|(_, v)| *v > 0.0)
    .map(|(k, _)| k)
    .collect();
    if !apart.is_empty() && e.critical_eur_per_kw == crate::economics::defaults::CRITICAL_EUR_PER_KW {
        c.warn(
            "economics",
            format!(
                "{} priced apart while critical_eur_per_kw keeps its default, which already includes them: they are counted twice",
                apart.join(", ")
            ),
            "lower critical_eur_per_kw by what the lines priced apart cost per kW of IT (docs/physics.md §6.3)",
        );
    }
}

/// Reads an hourly series: a CSV whose header names `column`, one row per hour from 1 January
/// 00:00 for a whole year (8,760 rows, or [`MAX_SERIES_HOURS`] in a leap year), every value
/// finite and within `[lo, hi]`.
/// Problems are reported at the scenario's field, naming the CSV's line and column.
fn read_series(
    c: &mut Checker,
    path: &str,
    file: &str,
    base: &std::path::Path,
    column: &str,
    lo: f64,
    hi: f64,
) -> Option<Vec<f64>> {
    let Some(resolved) = resolve_asset(file, base) else {
        c.err(
            path,
            format!("series file \"{file}\" not found (looked next to the scenario and under assets/)"),
            "give a path relative to the scenario file",
        );
        return None;
    };
    match parse_series(&resolved, column, lo, hi) {
        Ok(v) => Some(v),
        Err(e) => {
            c.err(
                path,
                format!("{}:{e}", resolved.display()),
                format!("a CSV with a header naming `{column}` and one row per hour of the year (8,760 rows)"),
            );
            None
        }
    }
}

/// Parses an hourly series from `file`; the error starts with `line:col: `.
pub fn parse_series(file: &std::path::Path, column: &str, lo: f64, hi: f64) -> Result<Vec<f64>, String> {
    let f = std::fs::File::open(file).map_err(|e| format!("1:1: cannot read: {e}"))?;
    let mut r = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(std::io::BufReader::new(f));
    let header = r.headers().map_err(|e| format!("1:1: {e}"))?.clone();
    let Some(k) = header.iter().position(|h| h == column) else {
        return Err(format!(
            "1:1: no `{column}` column (the header is \"{}\")",
            header.iter().collect::<Vec<_>>().join(",")
        ));
    };
    let mut out = Vec::new();
    for rec in r.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            format!("{line}:1: {e}")
        })?;
        let line = rec.position().map_or(0, |p| p.line());
        if out.len() == MAX_SERIES_HOURS {
            return Err(format!(
                "{line}:1: more than {MAX_SERIES_HOURS} hourly rows (a leap year holds {MAX_SERIES_HOURS})"
            ));
        }
        let col = 1 + rec.iter().take(k).map(|f| f.len() + 1).sum::<usize>();
        let text = rec.get(k).unwrap_or("");
        let v: f64 =
            text.parse().map_err(|_| format!("{line}:{col}: expected a number in `{column}`, found \"{text}\""))?;
        if !v.is_finite() || v < lo || v > hi {
            return Err(format!("{line}:{col}: {v} is out of range: expected {lo} … {hi}"));
        }
        out.push(v);
    }
    if out.len() != HOURS_PER_YEAR && out.len() != MAX_SERIES_HOURS {
        return Err(format!(
            "{}:1: {} hourly rows; a series holds a whole year: 8,760 rows (8,784 in a leap year)",
            out.len() + 2,
            out.len()
        ));
    }
    Ok(out)
}
