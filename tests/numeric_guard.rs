//! No NaN escapes: a non-finite value in the state that feeds the next tick stops the run at
//! the end of that tick, naming the element, the quantity and the time.

mod common;

use bevy::prelude::*;
use common::*;
use dctwin::metrics::guard::{Fault, NumericFault};
use dctwin::run::simulate_with;
use dctwin::scenario::build::BuildOptions;
use dctwin::schedule::{SimClock, SimSchedule, SimStep};
use dctwin::thermal::HallState;

/// Corrupts every hall's room temperature in the tick that starts at 60 s.
fn corrupt_room_at_60_s(clock: Res<SimClock>, mut halls: Query<&mut HallState>) {
    if clock.t_ms == 60_000 {
        for mut h in &mut halls {
            h.room_c = f64::NAN;
        }
    }
}

#[test]
fn a_nan_in_a_hall_stops_the_run_at_that_tick_and_names_it() {
    let text = std::fs::read_to_string(file("tests/data/small_hall.ron")).unwrap();
    let v = valid(&text);
    let done = simulate_with(&v, BuildOptions::default(), |app| {
        app.add_systems(SimSchedule, corrupt_room_at_60_s.in_set(SimStep::Fuel));
    });
    let fault: Fault = done.app.world().resource::<NumericFault>().0.clone().expect("a fault is recorded");
    assert_eq!((fault.t_s, fault.element.as_str(), fault.quantity), (61.0, "hall", "room_c"));
    assert!(fault.value.is_nan());
    assert_eq!(done.ticks, 61, "the run ends with the faulty tick, not two hours later");
}

#[test]
fn a_healthy_run_has_no_fault() {
    let text = std::fs::read_to_string(file("tests/data/small_hall.ron")).unwrap();
    let done = simulate_with(&valid(&text), BuildOptions::default(), |_| {});
    assert_eq!(done.app.world().resource::<NumericFault>().0, None);
    assert_eq!(done.ticks, 7_200);
}
