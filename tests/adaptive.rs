//! The adaptive step against the fixed 1 s reference: the same scenario run both ways gives
//! the same answers within stated tolerances, with far fewer ticks.

mod common;

use common::*;
use dctwin::events::EventKind;
use dctwin::metrics::Summary;
use dctwin::run::{Finished, simulate};
use dctwin::scenario::build::BuildOptions;
use dctwin::units::SimDuration;

/// Runs shipped scenario `name` with the given longest tick (`None`: its fixed tick).
fn run(name: &str, max_tick: Option<SimDuration>) -> Finished {
    let path = file(&format!("scenarios/{name}.ron"));
    let loaded = dctwin::scenario::load_file(&path).expect("loads");
    let v = dctwin::scenario::validate::validate(loaded).expect("valid");
    simulate(&v, BuildOptions { max_tick, ..Default::default() })
}

/// Asserts `|a − b| ≤ rel·|a|` with a message naming the figure.
fn close(what: &str, reference: f64, adaptive: f64, rel: f64) {
    assert!(
        (reference - adaptive).abs() <= rel * reference.abs().max(1e-9),
        "{what}: 1 s reference {reference} vs adaptive {adaptive} (tolerance {:.2} %)",
        rel * 100.0
    );
}

/// The figures a planner reads, compared at the tolerances docs/model.md states for the
/// adaptive step: energies, PUE and fuel to 0.1 %, water to 1 % (pads switch on thresholds of
/// the outdoor state, sampled once per tick), the hottest inlet to 0.1 K (the tick shrinks
/// once temperatures move 0.25 K per tick), hours outside the envelopes to 1 % or 3 min.
fn assert_same_answers(a: &Summary, b: &Summary) {
    close("IT energy", a.it_energy_kwh, b.it_energy_kwh, 1e-3);
    close("facility energy", a.facility_energy_kwh, b.facility_energy_kwh, 1e-3);
    close("PUE", a.pue, b.pue, 1e-3);
    close("fuel used", a.fuel_used_l, b.fuel_used_l, 1e-3);
    close("water used", a.water_used_l, b.water_used_l, 1e-2);
    assert!((a.max_inlet_c - b.max_inlet_c).abs() <= 0.1, "max inlet {} vs {}", a.max_inlet_c, b.max_inlet_c);
    let h = |x: f64, y: f64| (x - y).abs() <= (0.01 * x).max(0.05);
    assert!(h(a.hours_outside_recommended, b.hours_outside_recommended), "hours outside recommended");
    assert!(h(a.hours_outside_a1, b.hours_outside_a1), "hours outside A1");
    assert_eq!(a.breaker_trips, b.breaker_trips, "breaker trips");
    close("load dropped", a.load_dropped_kwh, b.load_dropped_kwh, 1e-3);
    assert!(a.energy_balance_error <= 1e-6 && b.energy_balance_error <= 1e-6);
    assert!(a.heat_balance_error <= 1e-6 && b.heat_balance_error <= 1e-6);
}

#[test]
fn a_free_cooled_heat_wave_gives_the_same_answers_in_a_hundredth_of_the_ticks() {
    // Four days, mild then a humid heat wave: the slow diurnal and weather-driven dynamics
    // that long ticks are for.
    let (fixed, adaptive) =
        (run("evaporative_heatwave", None), run("evaporative_heatwave", Some(SimDuration::from_secs(600))));
    assert_same_answers(&fixed.summary, &adaptive.summary);
    assert!(adaptive.ticks * 100 <= fixed.ticks, "{} adaptive ticks vs {} fixed", adaptive.ticks, fixed.ticks);
}

#[test]
fn an_outage_keeps_its_sequence_to_the_second_on_adaptive_ticks() {
    // Transients hold the scenario's tick: every step of the outage sequence happens at the
    // same second as on the fixed 1 s reference, and the steady hours between run long.
    let (fixed, adaptive) = (run("grid_outage", None), run("grid_outage", Some(SimDuration::from_secs(600))));
    assert_same_answers(&fixed.summary, &adaptive.summary);
    for kind in [
        EventKind::UpsOnBattery,
        EventKind::GeneratorStartSignal,
        EventKind::GeneratorOnline,
        EventKind::AtsToGenerator,
        EventKind::AtsToUtility,
        EventKind::GeneratorStopped,
    ] {
        let (a, b) = (event_times(&fixed.events, kind, None), event_times(&adaptive.events, kind, None));
        assert!(!a.is_empty(), "{kind:?} happens");
        assert_eq!(a, b, "{kind:?} at the same times");
    }
    assert!(adaptive.ticks * 5 <= fixed.ticks, "{} adaptive ticks vs {} fixed", adaptive.ticks, fixed.ticks);
    assert!(adaptive.summary.held_by.contains_key("transfer switch sensing, transferring or timing a retransfer"));
}

#[test]
fn a_thermal_runaway_is_timed_to_the_tick() {
    // GPUs near or past their throttle temperature hold the scenario's tick: the same racks
    // shut down, each within one tick of the reference (the hall's state on the way up differs
    // by less than the tolerance, which can move a die across 92 °C one tick later), and the
    // busway's breaker trips within the same tick.
    let (fixed, adaptive) =
        (run("legacy_hall_blackwell", None), run("legacy_hall_blackwell", Some(SimDuration::from_secs(600))));
    assert_same_answers(&fixed.summary, &adaptive.summary);
    assert_eq!(fixed.summary.gpus_shutdown, adaptive.summary.gpus_shutdown);
    let (a, b) = (
        event_times(&fixed.events, EventKind::GpuShutdown, None),
        event_times(&adaptive.events, EventKind::GpuShutdown, None),
    );
    assert!(!a.is_empty() && a.len() == b.len(), "{a:?} vs {b:?}");
    assert!(a.iter().zip(&b).all(|(x, y)| (x - y).abs() <= 1.0), "shutdowns within a tick: {a:?} vs {b:?}");
    let trips = |f: &Finished| event_times(&f.events, EventKind::BreakerTrip, None);
    let (a, b) = (trips(&fixed), trips(&adaptive));
    assert!(
        a.len() == 1 && b.len() == 1 && (a[0] - b[0]).abs() <= 1.0,
        "the busway trips within a tick: {a:?} vs {b:?}"
    );
}

/// Ticks of a whole year at 10-minute maximum ticks: 365 × 144.
const YEAR_OF_10_MIN_TICKS: f64 = 52_560.0;

/// Output rows do not fragment the adaptive ticks: a year of the annual study with a 10-minute
/// maximum tick runs within 10 % of 52,560 ticks whatever the row interval (≥ 10 min). Growing
/// each tick from the clipped length of the last one took 40 % more ticks at 10-minute rows.
#[test]
fn output_rows_do_not_fragment_adaptive_ticks() {
    let text = std::fs::read_to_string(file("scenarios/annual_free_cooling_1mw.ron")).unwrap();
    let v = valid_at(&text, &file("scenarios"));
    for interval_s in [600, 1_200, 1_800, 3_600, 86_400] {
        let done =
            simulate(&v, BuildOptions { interval: Some(SimDuration::from_secs(interval_s)), ..Default::default() });
        let ratio = done.ticks as f64 / YEAR_OF_10_MIN_TICKS;
        assert!((1.0..1.1).contains(&ratio), "rows every {interval_s} s: {} ticks ({ratio:.3} × 52,560)", done.ticks);
    }
}
