//! Money and carbon against hand calculations: capex priced on what the site holds, hourly
//! carbon and price series integrated over the ticks, and bad series files located.

mod common;

use std::path::Path;

use common::*;
use serde_json::Value;

/// The small hall with `grid` as its grid line and `extra` fields added, written into `dir`.
fn small_hall(dir: &Path, grid: &str, extra: &str) -> std::path::PathBuf {
    let text = std::fs::read_to_string(file("tests/data/small_hall.ron")).unwrap();
    let text = text
        .replace("grid: (capacity_kw: 1000.0, carbon_g_per_kwh: 30.0, price_eur_per_mwh: 75.0)", grid)
        .replace("    expectations:", &format!("{extra}\n    expectations:"))
        .replace("output: (interval: \"1min\")", "output: (interval: \"1h\")");
    let p = dir.join("hall.ron");
    std::fs::write(&p, text).unwrap();
    p
}

/// Intensity (g/kWh) and price (€/MWh) of hour `h` in the test series.
fn carbon(h: usize) -> f64 {
    100.0 + 10.0 * (h % 24) as f64
}
fn price(h: usize) -> f64 {
    40.0 + 5.0 * (h % 7) as f64
}

fn write_series(dir: &Path) {
    let mut c = String::from("hour,g_per_kwh\n");
    let mut p = String::from("eur_per_mwh\n");
    for h in 0..8_760 {
        c.push_str(&format!("{h},{}\n", carbon(h)));
        p.push_str(&format!("{}\n", price(h)));
    }
    std::fs::write(dir.join("carbon.csv"), c).unwrap();
    std::fs::write(dir.join("price.csv"), p).unwrap();
}

fn summary(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap()
}

/// Grid energy of each hour (kWh) from the time series: rows average power over their hour.
fn hourly_grid_kwh(dir: &Path) -> Vec<f64> {
    let mut r = csv::Reader::from_path(dir.join("timeseries.csv")).unwrap();
    let k = r.headers().unwrap().iter().position(|h| h == "grid_kw").unwrap();
    r.records().map(|rec| rec.unwrap()[k].parse::<f64>().unwrap()).collect()
}

#[test]
fn grid_co2_and_electricity_cost_are_grid_energy_times_the_hours_rate() {
    let tmp = tempfile::tempdir().unwrap();
    write_series(tmp.path());
    let s = small_hall(
        tmp.path(),
        "grid: (capacity_kw: 1000.0, carbon_series: \"carbon.csv\", price_series: \"price.csv\")",
        "",
    );
    let out = tmp.path().join("out");
    let r = run(&s, &out, &["-q", "--duration", "6h"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let sum = summary(&out);
    let kwh = hourly_grid_kwh(&out);
    assert_eq!(kwh.len(), 6);
    // Σ hour's grid energy × that hour's intensity (and price); the run starts 1 January 00:00.
    let co2: f64 = kwh.iter().enumerate().map(|(h, e)| e * carbon(h) / 1_000.0).sum();
    let eur: f64 = kwh.iter().enumerate().map(|(h, e)| e * price(h) / 1_000.0).sum();
    // Rows carry three decimals of kW.
    let tol = |x: f64| 1e-6 * x + 6.0 * 5e-4 * 0.4;
    assert!((sum["co2_grid_kg"].as_f64().unwrap() - co2).abs() < tol(co2), "{} vs {co2}", sum["co2_grid_kg"]);
    assert!(
        (sum["electricity_cost_eur"].as_f64().unwrap() - eur).abs() < tol(eur),
        "{} vs {eur}",
        sum["electricity_cost_eur"]
    );
    // The outage from 30 to 50 min is on generators: diesel CO₂ at 2.65 kg/L on top.
    let diesel = sum["fuel_used_l"].as_f64().unwrap() * 2.65;
    assert!(diesel > 0.0);
    assert!((sum["co2_kg"].as_f64().unwrap() - sum["co2_grid_kg"].as_f64().unwrap() - diesel).abs() < 1e-9);
    assert_eq!(sum["carbon"]["grid_source"], "hourly series carbon.csv");
    // The reported intensity is the energy-weighted mean over the hours the run drew.
    let kwh_total: f64 = kwh.iter().sum();
    let weighted = sum["carbon"]["grid_g_per_kwh"].as_f64().unwrap();
    assert!((weighted - co2 * 1_000.0 / kwh_total).abs() < 0.05, "{weighted} vs {}", co2 * 1_000.0 / kwh_total);
    assert!(weighted > carbon(0) && weighted < carbon(5), "{weighted}");
}

#[test]
fn capex_is_priced_on_what_the_site_holds_and_annualised_by_the_annuity() {
    let tmp = tempfile::tempdir().unwrap();
    let s = small_hall(
        tmp.path(),
        "grid: (capacity_kw: 1000.0, country: \"PL\", price_eur_per_mwh: 75.0)",
        "    economics: (discount_rate: 0.07, building_eur_per_mw: 4e6, critical_eur_per_kw: 4000.0, it_eur_per_gpu: 40000.0,\n                generators_eur_per_kw: 600.0, fuel_storage_eur_per_m3: 1000.0, building_life_years: 25.0,\n                equipment_life_years: 15.0, it_life_years: 5.0, maintenance_share_per_year: 0.02),",
    );
    let out = tmp.path().join("out");
    let r = run(&s, &out, &["-q", "--duration", "1h"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let c = &summary(&out)["cost"];
    // 16 legacy racks at 9.8 kW and 2 GB200 NVL72 at 132 kW (144 GPUs); one 800 kW
    // generator; 21 m³ of tanks.
    let it_kw = 16.0 * 9.8 + 2.0 * 132.0;
    let lines = [
        (it_kw / 1_000.0 * 4e6, 25.0),
        (it_kw * 4_000.0, 15.0),
        (144.0 * 40_000.0, 5.0),
        (800.0 * 600.0, 15.0),
        (21.0 * 1_000.0, 25.0),
    ];
    let crf = |n: f64| 0.07 / (1.0 - 1.07_f64.powf(-n));
    let capex: f64 = lines.iter().map(|(e, _)| e).sum();
    let annual: f64 = lines.iter().map(|(e, n)| e * crf(*n)).sum();
    assert!((c["capex_eur"].as_f64().unwrap() / capex - 1.0).abs() < 1e-9, "{} vs {capex}", c["capex_eur"]);
    assert!((c["capex_eur_per_year"].as_f64().unwrap() / annual - 1.0).abs() < 1e-9);
    // Maintenance: 2 % of the facility (non-IT) capex.
    let facility = capex - 144.0 * 40_000.0;
    assert!((c["maintenance_eur_per_year"].as_f64().unwrap() / (0.02 * facility) - 1.0).abs() < 1e-9);
    // Poland's 2024 grid.
    assert!((summary(&out)["carbon"]["grid_g_per_kwh"].as_f64().unwrap() - 608.18).abs() < 1e-9);
}

#[test]
fn bad_series_and_carbon_sources_are_located_with_a_hint() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("bad.csv"), "g_per_kwh\n100\n120\nabc\n").unwrap();
    let short: String = std::iter::once("g_per_kwh\n".to_owned()).chain((0..100).map(|h| format!("{h}\n"))).collect();
    std::fs::write(tmp.path().join("short.csv"), short).unwrap();
    for (grid, expect) in [
        (
            "grid: (capacity_kw: 1000.0, carbon_series: \"bad.csv\", price_eur_per_mwh: 75.0)",
            "bad.csv:4:1: expected a number in `g_per_kwh`, found \"abc\"",
        ),
        ("grid: (capacity_kw: 1000.0, country: \"XX\", price_eur_per_mwh: 75.0)", "no grid carbon preset for \"XX\""),
        (
            "grid: (capacity_kw: 1000.0, carbon_series: \"short.csv\", price_eur_per_mwh: 75.0)",
            "short.csv:102:1: 100 hourly rows; a series holds a whole year: 8,760 rows",
        ),
        (
            "grid: (capacity_kw: 1000.0, country: \"FR\", carbon_g_per_kwh: 30.0, price_eur_per_mwh: 75.0)",
            "given more than once",
        ),
        ("grid: (capacity_kw: 1000.0, price_eur_per_mwh: 75.0)", "the grid has no carbon intensity"),
        (
            "grid: (capacity_kw: 1000.0, country: \"FR\", price_series: \"missing.csv\")",
            "series file \"missing.csv\" not found",
        ),
    ] {
        let s = small_hall(tmp.path(), grid, "");
        let r = dctwin(&["check", s.to_str().unwrap()]);
        assert_eq!(r.code, 2, "{grid}: {}", r.stdout);
        assert!(r.stderr.contains(expect), "{grid}: {}", r.stderr);
        assert!(r.stderr.contains("hall.ron:10:"), "located at the grid line: {}", r.stderr);
        assert!(r.stderr.contains("hint:"), "{}", r.stderr);
    }
}

#[test]
fn pricing_a_plant_line_on_top_of_the_default_critical_plant_is_flagged_as_double_counting() {
    let tmp = tempfile::tempdir().unwrap();
    let grid = "grid: (capacity_kw: 1000.0, country: \"FR\", price_eur_per_mwh: 75.0)";
    let s = small_hall(tmp.path(), grid, "    economics: (generators_eur_per_kw: 600.0),");
    let r = dctwin(&["check", s.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let all = format!("{}{}", r.stdout, r.stderr);
    assert!(all.contains("generators_eur_per_kw priced apart while critical_eur_per_kw keeps its default"), "{all}");
    // With the critical plant priced by the user, no warning.
    let s = small_hall(tmp.path(), grid, "    economics: (generators_eur_per_kw: 600.0, critical_eur_per_kw: 3800.0),");
    let r = dctwin(&["check", s.to_str().unwrap()]);
    assert!(!format!("{}{}", r.stdout, r.stderr).contains("counted twice"));
}
