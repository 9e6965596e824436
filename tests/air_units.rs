//! Air-unit options a planner needs to describe their own hall, each against the physics it
//! claims: constant- or variable-volume evaporative AHUs, pad enable limits and the pad pump.
//! Runs the steady 1 MW evaporative hall of `tests/data/steady_evaporative_hall.ron` (four
//! 25 m³/s, 15 kW AHUs) with edits.

mod common;

use common::*;
use dctwin::cooling::{AirUnit, AirUnitOp};
use dctwin::power::PowerLoad;

/// Each AHU's operating point and electrical demand after ten steady minutes.
fn units_after_10_min(edits: &[(&str, &str)]) -> Vec<(AirUnit, AirUnitOp, f64)> {
    let text = data_with("steady_evaporative_hall.ron", edits);
    let mut sim = Sim::new(&text);
    sim.run_until(600.0);
    let world = sim.world();
    let mut q = world.query::<(&AirUnit, &AirUnitOp, &PowerLoad)>();
    let mut v: Vec<_> = q.iter(world).map(|(u, op, l)| (u.clone(), op.clone(), l.demand_kw)).collect();
    v.sort_by(|a, b| a.0.id.cmp(&b.0.id));
    assert_eq!(v.len(), 4);
    v
}

const CONSTANT: (&str, &str) = ("max_rh_pct: 85.0),", "max_rh_pct: 85.0, fan_control: Constant),");
const LIGHT: (&str, &str) = ("profile: Constant(0.7)", "profile: Constant(0.3)");
const FULL: (&str, &str) = ("profile: Constant(0.7)", "profile: Constant(1.0)");
/// Design fan power of each AHU in the test hall, kW.
const DESIGN_FAN_KW: f64 = 15.0;

#[test]
fn a_constant_volume_unit_moves_its_design_flow_whatever_the_it_load() {
    let light = units_after_10_min(&[CONSTANT, LIGHT]);
    let full = units_after_10_min(&[CONSTANT, FULL]);
    for ((u, a, _), (_, b, _)) in light.iter().zip(&full) {
        assert_eq!(a.flow_kg_s, u.design_flow_kg_s, "{}: design flow at 30 %", u.id);
        assert_eq!(b.flow_kg_s, u.design_flow_kg_s, "{}: design flow at 100 %", u.id);
        assert!((a.fan_kw - DESIGN_FAN_KW).abs() < 1e-12 && (b.fan_kw - DESIGN_FAN_KW).abs() < 1e-12);
    }
}

/// Half the racks: half the air drawn through the hall.
const HALF_RACKS: (&str, &str) = ("racks_per_row: 10", "racks_per_row: 5");

#[test]
fn a_constant_volume_unit_ignores_how_many_racks_draw_air() {
    for (u, op, _) in units_after_10_min(&[CONSTANT, HALF_RACKS]) {
        assert_eq!(op.flow_kg_s, u.design_flow_kg_s, "{}", u.id);
        assert!((op.fan_kw - DESIGN_FAN_KW).abs() < 1e-12);
    }
}

#[test]
fn a_variable_volume_unit_follows_the_racks_by_the_affinity_law() {
    let all = units_after_10_min(&[]);
    let half = units_after_10_min(&[HALF_RACKS]);
    for (u, op, _) in all.iter().chain(&half) {
        let fraction = op.flow_kg_s / u.design_flow_kg_s;
        assert!(fraction < 1.0, "{}: below design flow ({fraction})", u.id);
        // Fan power ∝ flow³ (docs/physics.md §2.3).
        assert!((op.fan_kw - DESIGN_FAN_KW * fraction.powi(3)).abs() < 1e-9 * DESIGN_FAN_KW, "{}", u.id);
    }
    let flow = |v: &[(AirUnit, AirUnitOp, f64)]| v.iter().map(|x| x.1.flow_kg_s).sum::<f64>();
    let fan = |v: &[(AirUnit, AirUnitOp, f64)]| v.iter().map(|x| x.1.fan_kw).sum::<f64>();
    // Half the racks draw half the air (same racks, same inlets): the units follow, and their
    // fans take an eighth of the power.
    assert!((flow(&half) / flow(&all) - 0.5).abs() < 0.01, "flow ratio {}", flow(&half) / flow(&all));
    assert!((fan(&half) / fan(&all) - 0.125).abs() < 0.01, "fan power ratio {}", fan(&half) / fan(&all));
}

/// A hot, dry afternoon: 32 °C, 35 % RH (wet bulb ≈ 20.6 °C): the pads are needed for 22 °C.
const HOT: (&str, &str) =
    ("weather: Constant(dry_bulb_c: 12.0, rh_pct: 70.0)", "weather: Constant(dry_bulb_c: 32.0, rh_pct: 35.0)");

fn water_l_per_h(units: &[(AirUnit, AirUnitOp, f64)]) -> f64 {
    units.iter().map(|u| u.1.water_l_per_h).sum()
}

#[test]
fn pads_stay_dry_outside_their_enable_limits() {
    let base = units_after_10_min(&[HOT]);
    assert!(base.iter().all(|u| u.1.pads_on) && water_l_per_h(&base) > 100.0, "premise: pads on");
    for limit in [
        "max_rh_pct: 85.0, pad_min_entering_dry_bulb_c: 33.0),",
        "max_rh_pct: 85.0, pad_max_entering_wet_bulb_c: 19.0),",
    ] {
        let dry = units_after_10_min(&[HOT, ("max_rh_pct: 85.0),", limit)]);
        assert!(dry.iter().all(|u| !u.1.pads_on), "{limit}: pads off");
        assert_eq!(water_l_per_h(&dry), 0.0, "{limit}: no water");
    }
    for limit in [
        "max_rh_pct: 85.0, pad_min_entering_dry_bulb_c: 30.0),",
        "max_rh_pct: 85.0, pad_max_entering_wet_bulb_c: 22.0),",
    ] {
        let wet = units_after_10_min(&[HOT, ("max_rh_pct: 85.0),", limit)]);
        assert!(wet.iter().all(|u| u.1.pads_on), "{limit}: within the limits the pads run");
    }
}

#[test]
fn the_pad_pump_runs_only_with_wet_pads_in_proportion_to_the_airflow() {
    // 200 W per m³/s on a 25 m³/s unit: 5 kW at design flow.
    let pump = ("max_rh_pct: 85.0),", "max_rh_pct: 85.0, pad_pump_w_per_m3_s: 200.0),");
    for (u, op, demand_kw) in units_after_10_min(&[HOT, pump]) {
        assert!(op.pads_on);
        let fraction = op.flow_kg_s / u.design_flow_kg_s;
        assert!((op.pump_kw - 5.0 * fraction).abs() < 1e-12, "{}: {} kW", u.id, op.pump_kw);
        assert!((demand_kw - (op.fan_kw + op.compressor_kw + op.pump_kw)).abs() < 1e-12, "the feed carries the pump");
    }
    for (u, op, _) in units_after_10_min(&[pump]) {
        assert!(!op.pads_on && op.pump_kw == 0.0, "{}: mild weather, pads dry, pump off", u.id);
    }
}

/// A fan given by its pressure rise and efficiency draws the air power over the efficiency:
/// 25 m³/s × 600 Pa / 0.6 = 25 kW at design flow (docs/physics.md §2.3), exactly as the same
/// unit given `fan_power_kw: 25.0`.
#[test]
fn fan_power_from_pressure_rise_and_efficiency() {
    let by_pressure = units_after_10_min(&[
        CONSTANT,
        ("fan_power_kw: 15.0, supply_setpoint_c", "fan_pressure_pa: 600.0, fan_efficiency: 0.6, supply_setpoint_c"),
    ]);
    let by_power = units_after_10_min(&[CONSTANT, ("fan_power_kw: 15.0,", "fan_power_kw: 25.0,")]);
    for ((u, a, _), (_, b, _)) in by_pressure.iter().zip(&by_power) {
        assert!((u.fan_power_kw - 25.0).abs() < 1e-12, "{}: {} kW", u.id, u.fan_power_kw);
        assert!((a.fan_kw - 25.0).abs() < 1e-12 && a.fan_kw == b.fan_kw, "{}: {} vs {} kW", u.id, a.fan_kw, b.fan_kw);
    }
}

#[test]
fn the_economiser_holds_the_set_point_on_ten_minute_ticks_in_deep_frost() {
    // −20 °C outdoors, a light hall (no structural mass) and 10-minute ticks: the dampers must
    // still hold 22 °C. With the damper position fixed at the start of each tick the loop gain
    // (T_set − T_oa)/(T_r − T_sup) ≈ 5 made the supply swing by up to 2 K (EnergyPlus
    // validation case `evap_golden`: hottest inlet 25.1 °C against EnergyPlus's 22.8 °C).
    let text = data_with(
        "steady_evaporative_hall.ron",
        &[
            (
                "weather: Constant(dry_bulb_c: 12.0, rh_pct: 70.0),",
                "weather: Constant(dry_bulb_c: -20.0, rh_pct: 70.0),",
            ),
            (r#"tick: "1s","#, r#"tick: "1s", max_tick: "10min","#),
            ("containment: ColdAisle,", "containment: ColdAisle, thermal_mass_kj_per_k: 1.0, mass_ua_kw_per_k: 0.001,"),
            (CONSTANT.0, CONSTANT.1),
        ],
    );
    let opts = dctwin::scenario::build::BuildOptions {
        interval: Some(dctwin::units::SimDuration::from_secs(600)),
        ..Default::default()
    };
    let mut app = dctwin::scenario::build::build_app(&valid(&text), opts);
    let world = app.world_mut();
    let (mut ticks, mut worst) = (0, 0.0_f64);
    while world.resource::<dctwin::schedule::SimClock>().t_s() < 7_200.0 {
        dctwin::schedule::step(world);
        let mut q = world.query::<&dctwin::thermal::HallState>();
        let supply = q.iter(world).next().unwrap().supply_c;
        if world.resource::<dctwin::schedule::SimClock>().t_s() > 1_800.0 {
            worst = worst.max((supply - 22.0).abs());
        }
        ticks += 1;
    }
    assert!(ticks < 100, "the steady hall runs on long ticks ({ticks} ticks in 2 h)");
    assert!(worst < 0.01, "supply off its 22 °C set point by {worst:.3} K");
}
