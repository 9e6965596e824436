//! The shipped planning studies (scenarios/studies/), each run reduced as a user would run it
//! (`dctwin batch` / `dctwin capacity` on the study file with a shorter period), asserting the
//! physical facts each study is about.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use serde_json::Value;

/// A copy of study `rel` in `dir`, its base made absolute and `edits` (from → to) applied.
fn reduced(rel: &str, dir: &Path, edits: &[(&str, &str)]) -> PathBuf {
    let src = file(rel);
    let mut text = std::fs::read_to_string(&src).unwrap();
    let base_dir = src.parent().unwrap();
    let start = text.find("base: \"").expect("a base") + "base: \"".len();
    let end = start + text[start..].find('"').unwrap();
    let base = base_dir.join(&text[start..end]);
    text.replace_range(start..end, base.to_str().unwrap());
    for (from, to) in edits {
        assert!(text.contains(from), "{rel}: `{from}` not found");
        text = text.replacen(from, to, 1);
    }
    let out = dir.join(src.file_name().unwrap());
    std::fs::write(&out, text).unwrap();
    out
}

/// The comparison of a batch: point label → metric → value.
fn comparison(dir: &Path) -> Vec<(String, Vec<(String, f64)>)> {
    let rows: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("comparison.json")).unwrap()).unwrap();
    rows.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let cells = r["cells"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| (c["metric"].as_str().unwrap().to_owned(), c["value"].as_f64().unwrap_or(f64::NAN)))
                .collect();
            (r["label"].as_str().unwrap().to_owned(), cells)
        })
        .collect()
}

fn value(rows: &[(String, Vec<(String, f64)>)], label: &str, metric: &str) -> f64 {
    let row = rows.iter().find(|(l, _)| l == label).unwrap_or_else(|| panic!("no point {label}"));
    row.1.iter().find(|(m, _)| m == metric).unwrap_or_else(|| panic!("no {metric}")).1
}

#[test]
fn evaporative_cooling_uses_less_electricity_and_more_water_than_chillers() {
    let tmp = tempfile::tempdir().unwrap();
    // Three summer weeks of the same Paris year.
    let study = reduced(
        "scenarios/studies/evaporative_vs_chillers.ron",
        tmp.path(),
        &[("\"duration\": \"365d\",", "\"duration\": \"21d\", \"start\": (month: 6, day: 20, hour: 0.0),")],
    );
    let out = tmp.path().join("out");
    let r = dctwin(&["batch", study.to_str().unwrap(), "--out", out.to_str().unwrap(), "-q"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let rows = comparison(&out);
    // The table says its weather is synthetic, and whose statistics it comes from.
    let md = std::fs::read_to_string(out.join("comparison.md")).unwrap();
    assert!(md.contains("- evaporative: SYNTHETIC year from monthly statistics: Paris-Montsouris"), "{md}");
    let (evap, chill) = ("evaporative", "chillers");
    let e = |m| value(&rows, evap, m);
    let c = |m| value(&rows, chill, m);
    assert!(e("facility_mwh_per_year") < c("facility_mwh_per_year"), "electricity");
    assert!(e("pue") < c("pue"));
    assert!(e("water_m3_per_year") > c("water_m3_per_year"), "water");
    // The air-cooled chiller plant evaporates nothing; the air handlers' pads do.
    assert_eq!(c("water_m3_per_year"), 0.0);
    // Same grid, same IT: CO₂ falls by the same share as the facility's energy.
    let co2_ratio = e("co2_t_per_year") / c("co2_t_per_year");
    let energy_ratio = e("facility_mwh_per_year") / c("facility_mwh_per_year");
    assert!((co2_ratio - energy_ratio).abs() < 1e-3, "{co2_ratio} vs {energy_ratio}");
    // No compressor runs in the evaporative design.
    assert!((e("free_cooling_hours") - 21.0 * 24.0).abs() < 1e-6);
    assert!(c("free_cooling_hours") < 0.01);
}

#[test]
fn warsaw_emits_more_co2_per_gpu_hour_than_paris_in_proportion_to_its_grid() {
    let tmp = tempfile::tempdir().unwrap();
    // Two days in April of the 100 MW design at two of the six sites.
    let study = reduced(
        "scenarios/studies/gigafactory_six_sites.ron",
        tmp.path(),
        &[
            ("\"duration\": \"365d\",", "\"duration\": \"2d\","),
            ("\"start\": (month: 1, day: 1, hour: 0.0)", "\"start\": (month: 4, day: 10, hour: 0.0)"),
        ],
    );
    // Keep Paris and Warsaw only.
    let text = std::fs::read_to_string(&study).unwrap();
    let keep: String = text
        .split_inclusive('\n')
        .scan(None::<bool>, |drop, line| {
            if line.trim_start().starts_with("(label: \"") {
                *drop = Some(!(line.contains("\"Paris\"") || line.contains("\"Warsaw\"")));
            }
            let out = if drop.unwrap_or(false) { "" } else { line };
            if line.trim_start().starts_with("}),") {
                *drop = None;
            }
            Some(out.to_owned())
        })
        .collect();
    std::fs::write(&study, keep).unwrap();
    let out = tmp.path().join("out");
    let r = dctwin(&["batch", study.to_str().unwrap(), "--out", out.to_str().unwrap(), "-q"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let rows = comparison(&out);
    assert_eq!(rows.len(), 2);
    let op = |site| value(&rows, site, "co2_t_per_year") / value(&rows, site, "facility_mwh_per_year");
    // Operational CO₂ per MWh is the grid's intensity (no diesel burned): 608.18 and 40.48 g/kWh
    // (2024, Ember via Our World in Data).
    assert!((op("Warsaw") - 0.608_18).abs() < 1e-6, "{}", op("Warsaw"));
    assert!((op("Paris") - 0.040_48).abs() < 1e-6, "{}", op("Paris"));
    assert!(value(&rows, "Warsaw", "co2_g_per_gpu_hour") > 5.0 * value(&rows, "Paris", "co2_g_per_gpu_hour"));
}

#[test]
fn the_capacity_limit_keeps_every_expectation_and_one_more_rack_breaks_the_binding_one() {
    let tmp = tempfile::tempdir().unwrap();
    // The afternoon of the design day only.
    let study = reduced(
        "scenarios/studies/legacy_hall_gb200_capacity.ron",
        tmp.path(),
        &[
            ("\"duration\": \"24h\",", "\"duration\": \"3h\","),
            ("\"start\": (month: 7, day: 20, hour: 0.0)", "\"start\": (month: 7, day: 20, hour: 13.0)"),
        ],
    );
    let out = tmp.path().join("out");
    let r = dctwin(&["capacity", study.to_str().unwrap(), "--out", out.to_str().unwrap(), "-q"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let text = std::fs::read_to_string(out.join("capacity.json")).unwrap();
    // One thread gives the same bytes as every core.
    let one = tmp.path().join("one");
    let r1 = dctwin(&["capacity", study.to_str().unwrap(), "--out", one.to_str().unwrap(), "-q", "--threads", "1"]);
    assert_eq!(r1.code, 0, "{}", r1.stderr);
    assert_eq!(std::fs::read_to_string(one.join("capacity.json")).unwrap(), text);
    let file: Value = serde_json::from_str(&text).unwrap();
    let points = file["points"].as_array().unwrap();
    assert_eq!(points.len(), 4);
    for p in points {
        let label = p["label"].as_str().unwrap();
        let limit = p["limit"].as_u64().unwrap_or_else(|| panic!("{label}: no limit"));
        let trials = p["trials"].as_array().unwrap();
        let trial = |n: u64| trials.iter().find(|t| t["count"].as_u64() == Some(n));
        // The limit was run and held every expectation; limit + 1 was run and broke the
        // binding ones, each of which held at the limit.
        assert_eq!(trial(limit).unwrap()["passed"], true, "{label}");
        let above = trial(limit + 1).unwrap_or_else(|| panic!("{label}: limit + 1 not run"));
        assert_eq!(above["passed"], false, "{label}");
        let binding: Vec<&str> = p["binding"].as_array().unwrap().iter().map(|b| b[0].as_str().unwrap()).collect();
        assert!(!binding.is_empty(), "{label}");
        let failed: Vec<&str> = above["failed"].as_array().unwrap().iter().map(|f| f.as_str().unwrap()).collect();
        assert_eq!(binding, failed, "{label}");
        for m in p["margins"].as_array().unwrap() {
            assert!(m["margin"].as_f64().unwrap() >= 0.0, "{label}: {m}");
        }
        // Monotone: every count tried below the limit passed, every one above failed.
        for t in trials {
            let n = t["count"].as_u64().unwrap();
            assert_eq!(t["passed"], n <= limit, "{label}: {n} racks");
        }
    }
    // With the busway as built, the busway binds whatever the cooling: 4 racks × ~132 kW
    // ≈ 530 kW is its rating (800 A at 400 V).
    let as_built: Vec<&Value> = points.iter().filter(|p| p["label"].as_str().unwrap().ends_with("800.0")).collect();
    for p in as_built {
        assert_eq!(p["limit"], 4, "{}", p["label"]);
        let gives: Vec<&str> = p["binding"].as_array().unwrap().iter().map(|b| b[1].as_str().unwrap()).collect();
        assert!(gives.iter().any(|g| g.starts_with("distribution")), "{gives:?}");
    }
}

#[test]
fn a_missing_baseline_or_a_search_with_replicates_is_located_with_a_hint() {
    let tmp = tempfile::tempdir().unwrap();
    let study = reduced(
        "scenarios/studies/evaporative_vs_chillers.ron",
        tmp.path(),
        &[("compare: (baseline: \"chillers\")", "compare: (baseline: \"chiller\")")],
    );
    let r = dctwin(&["batch", study.to_str().unwrap(), "--out", tmp.path().join("o").to_str().unwrap(), "-q"]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(r.stderr.contains("evaporative_vs_chillers.ron:"), "{}", r.stderr);
    assert!(r.stderr.contains("no grid point is labelled \"chiller\""), "{}", r.stderr);
    assert!(r.stderr.contains("hint: point labels") && r.stderr.contains("chillers"), "{}", r.stderr);
    assert!(!tmp.path().join("o").exists(), "nothing written");

    let study = reduced(
        "scenarios/studies/legacy_hall_gb200_capacity.ron",
        tmp.path(),
        &[("seed: 7,", "seed: 7, replicates: 3,")],
    );
    let r = dctwin(&["capacity", study.to_str().unwrap(), "--out", tmp.path().join("c").to_str().unwrap(), "-q"]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(r.stderr.contains("a capacity search runs one deterministic member per count"), "{}", r.stderr);
    // A comparison of a single point compares nothing.
    let study = reduced(
        "scenarios/studies/evaporative_vs_chillers.ron",
        tmp.path(),
        &[("(label: \"evaporative\", set: {}),", "")],
    );
    let r = dctwin(&["batch", study.to_str().unwrap(), "--out", tmp.path().join("p").to_str().unwrap(), "-q"]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(r.stderr.contains("a comparison needs at least two grid points"), "{}", r.stderr);
    // A sweep without `search` is not a capacity study.
    let r = dctwin(&["capacity", "scenarios/sweeps/generator_redundancy.ron", "-q"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("the sweep has no `search`") && r.stderr.contains("hint:"), "{}", r.stderr);
}
