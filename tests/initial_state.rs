//! Every run starts from a consistent state: a hall whose inputs never change shows its steady
//! state from the first tick on, so `max_inlet_c` and `inlets_worst.csv` never come from
//! initialisation (issue: variable-volume air units ran at their minimum flow on tick 1 and
//! the inlets spiked).

mod common;

use common::*;
use dctwin::load::Rack;
use dctwin::thermal::RackAir;

/// Every rack's inlet, by rack id order, °C.
fn inlets(sim: &mut Sim) -> Vec<(String, f64)> {
    let world = sim.world();
    let mut q = world.query::<(&Rack, &RackAir)>();
    let mut v: Vec<(String, f64)> = q.iter(world).map(|(r, a)| (r.id.clone(), a.inlet_c)).collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

/// Runs a steady hall one tick and two hours; every rack's inlet after the first tick must be
/// its steady inlet within `tol_k`, and so must the summary's hottest inlet.
fn first_tick_is_steady(name: &str, text: &str, tol_k: f64) {
    let mut sim = Sim::new(text);
    sim.step();
    let first = inlets(&mut sim);
    sim.run_until(7_200.0 - 1.0);
    let steady = inlets(&mut sim);
    let worst = first
        .iter()
        .zip(&steady)
        .map(|((id, a), (_, b))| (id.clone(), a - b))
        .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
        .unwrap();
    assert!(worst.1.abs() < tol_k, "{name}: {} first-tick inlet off its steady value by {:.3} K", worst.0, worst.1);
    let s = sim.finish();
    let hottest_steady = steady.iter().map(|r| r.1).fold(f64::NEG_INFINITY, f64::max);
    assert!(
        (s.max_inlet_c - hottest_steady).abs() < tol_k,
        "{name}: max_inlet_c {:.3} °C vs steady hottest {:.3} °C",
        s.max_inlet_c,
        hottest_steady
    );
}

#[test]
fn a_steady_evaporative_hall_is_steady_from_the_first_tick() {
    let text = std::fs::read_to_string(file("tests/data/steady_evaporative_hall.ron")).unwrap();
    first_tick_is_steady("variable-volume evaporative AHUs, cold aisles", &text, 0.1);
}

#[test]
fn a_steady_open_hall_on_constant_volume_cracs_is_steady_from_the_first_tick() {
    let text = data_with(
        "heatup_hall.ron",
        &[
            (r#"duration: "20min""#, r#"duration: "2h""#),
            (
                r#"events: [
        (at: "10min", action: CoolingFail(unit: "crac-1")),
        (at: "10min", action: CoolingFail(unit: "crac-2")),
    ],"#,
                "events: [],",
            ),
        ],
    );
    first_tick_is_steady("constant-volume DX CRACs, open aisles", &text, 0.1);
}

#[test]
fn a_steady_hall_under_a_fixed_recirculation_fraction_is_steady_from_the_first_tick() {
    // The inlet depends on the room air here (20 % of it), so the initial room must be the
    // steady one too, with the racks' fans in its heat.
    let text = data_with(
        "steady_evaporative_hall.ron",
        &[("containment: ColdAisle,", "containment: ColdAisle, inlet: Recirculation(fraction: 0.2),")],
    );
    first_tick_is_steady("fixed 20 % recirculation", &text, 0.1);
}

#[test]
fn a_steady_hall_under_approach_temperatures_is_steady_from_the_first_tick() {
    let text = data_with(
        "steady_evaporative_hall.ron",
        &[("containment: ColdAisle,", "containment: ColdAisle, inlet: Approach(supply_k: 1.5, return_k: 2.0),")],
    );
    first_tick_is_steady("approach temperatures", &text, 0.1);
}
