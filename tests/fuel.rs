//! Fuel autonomy in a real outage, against a hand calculation from the reference fuel curve
//! (docs/physics.md §5.1) and the tank's usable volume (docs/physics.md §5.3).

mod common;

use common::*;

/// Reference consumption of a 2 MW set, (load fraction, L/h) (docs/physics.md §5.1: 162 / 290 / 417 /
/// 544 L/h at 25 / 50 / 75 / 100 %).
const REFERENCE_2MW: [(f64, f64); 4] = [(0.25, 162.0), (0.5, 290.0), (0.75, 417.0), (1.0, 544.0)];
/// The reference site's set, kWe, and its tank (tests/data/outage_site.ron): 2 000 L, full,
/// 95 % usable (docs/physics.md §5.3: 90–95 %).
const SET_KW: f64 = 2_000.0;
const TANK_L: f64 = 2_000.0;
const USABLE: f64 = 0.95;

/// Burn of the 2 MW set at `kw` by hand: linear interpolation of the reference table, the end
/// segments extended (a Willans line is straight, so this is exact between the points).
fn reference_burn_l_per_h(kw: f64) -> f64 {
    let x = kw / SET_KW;
    let k = REFERENCE_2MW.iter().position(|&(f, _)| x <= f).unwrap_or(REFERENCE_2MW.len() - 1).clamp(1, 3);
    let ((x0, f0), (x1, f1)) = (REFERENCE_2MW[k - 1], REFERENCE_2MW[k]);
    f0 + (f1 - f0) * (x - x0) / (x1 - x0)
}

#[test]
fn tank_autonomy_is_usable_litres_over_the_reference_burn() {
    // The site loses the grid at 60 s for good; the set carries it for the rest of 30 min.
    let text = data_with(
        "outage_site.ron",
        &[("duration: \"3min\"", "duration: \"30min\""), ("UtilityOutage(duration: \"60s\")", "UtilityOutage()")],
    );
    let mut sim = Sim::new(&text);
    let s = sim.finish();
    let ts = sim.series();
    let (gen_kw, facility_kw, running) = (ts.col("generator_kw"), ts.col("facility_kw"), ts.col("generators_running"));
    let autonomy = ts.col("autonomy_h");

    // Hand: the tank level follows the reference burn at the set's output each second; the
    // autonomy is usable litres over the burn (on the grid: the burn the set would have
    // carrying the site, as the model defines it).
    let mut level = TANK_L;
    let mut hand = Vec::with_capacity(gen_kw.len());
    for i in 0..gen_kw.len() {
        let burn = if running[i] > 0.0 {
            let b = reference_burn_l_per_h(gen_kw[i]);
            level -= b / 3_600.0;
            b
        } else {
            reference_burn_l_per_h(facility_kw[i])
        };
        hand.push((level - (1.0 - USABLE) * TANK_L) / burn);
    }
    // The reference table is rounded to 1 L/h and the model's Willans line (a = 0.017 L/h per
    // kW, b = 0.255 L/kWh) is a fit through it: within 2 % (docs/physics.md §5.1).
    let close = |model: f64, hand: f64| (model - hand).abs() <= 0.02 * hand;
    for (i, (&m, &h)) in autonomy.iter().zip(&hand).enumerate() {
        assert!(close(m, h), "row {i}: model {m:.3} h vs hand {h:.3} h");
    }
    let last = *hand.last().unwrap();
    assert!(close(s.fuel_autonomy_h, last), "end: model {} h vs hand {last} h", s.fuel_autonomy_h);
    let min = hand.iter().copied().fold(f64::INFINITY, f64::min);
    assert!(close(s.min_fuel_autonomy_h, min), "lowest: model {} h vs hand {min} h", s.min_fuel_autonomy_h);
    assert!(close(s.fuel_used_l, TANK_L - level), "burned: model {} L vs hand {} L", s.fuel_used_l, TANK_L - level);

    // The set ran at a steady known load at the end (57 % of 2 MW: the site's 1.14 MW).
    let end_kw = *gen_kw.last().unwrap();
    assert!((0.5..0.6).contains(&(end_kw / SET_KW)), "end load {end_kw} kW");
    // The autonomy at the end is the usable litres over the burn at that load, ≈ 5.7 h.
    assert!((5.0..6.5).contains(&last), "{last} h");
}

#[test]
fn a_site_without_tanks_reports_zero_fuel_not_negative_zero() {
    // A float sum over no tanks is −0.0; the summary once printed "-0.000 L" and "-0.0 t".
    let tmp = tempfile::tempdir().unwrap();
    let out = run(&file("scenarios/evaporative_heatwave.ron"), tmp.path(), &["--duration", "10min"]);
    // Ten minutes are too short for the heat wave its expectations ask for (exit 1); the
    // summary is written either way.
    assert!(out.code == 0 || out.code == 1, "{}", out.stderr);
    let s = summary(tmp.path());
    for key in ["fuel_remaining_l", "diesel_stored_t"] {
        let v = s[key].as_f64().unwrap();
        assert!(v == 0.0 && v.is_sign_positive(), "{key} = {v:?}");
    }
    assert!(!out.stdout.contains("-0.0"), "negative zero printed:\n{}", out.stdout);
    assert!(out.stdout.contains("no GPUs modelled"), "{}", out.stdout);
}
