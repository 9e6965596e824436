//! The rack inlets at the worst moment of a run: when the site's hottest inlet peaked, every
//! rack's inlet temperature (`inlets_worst.csv`, drawn as a heat map by `dctwin report`).
//!
//! An observer: a system after the metrics stage that reads the halls' hottest inlet and,
//! only on a tick that beats the run's record, copies every rack's inlet. It changes nothing
//! in the model.

use std::fmt::Write as _;

use bevy::prelude::*;

use crate::load::Rack;
use crate::schedule::{SimClock, SimSchedule, SimStep};
use crate::thermal::{HallState, RackAir};

/// One rack's inlet at the worst moment.
#[derive(Clone, Debug, PartialEq)]
pub struct RackInlet {
    /// Rack id (`hall/Rrr/pp`).
    pub id: String,
    /// Inlet temperature, °C.
    pub inlet_c: f64,
}

/// The snapshot at the hottest moment so far.
#[derive(Resource, Clone, Debug, Default)]
pub struct WorstInlets {
    /// Time of the snapshot, s from the start.
    pub t_s: f64,
    /// The site's hottest inlet then, °C.
    pub max_inlet_c: Option<f64>,
    /// Every rack, in spawn order.
    pub racks: Vec<RackInlet>,
}

/// Adds the observer to a built app (before it runs).
pub fn install(app: &mut App) {
    app.init_resource::<WorstInlets>().add_systems(SimSchedule, track.after(SimStep::Metrics));
}

fn track(
    clock: Res<SimClock>,
    halls: Query<&HallState>,
    racks: Query<(&Rack, &RackAir)>,
    mut worst: ResMut<WorstInlets>,
) {
    let hottest = halls.iter().map(|h| h.max_inlet_c).fold(f64::NEG_INFINITY, f64::max);
    if !hottest.is_finite() || worst.max_inlet_c.is_some_and(|w| hottest <= w) {
        return;
    }
    worst.t_s = clock.t_s() + clock.dt_s();
    worst.max_inlet_c = Some(hottest);
    worst.racks.clear();
    worst.racks.extend(racks.iter().map(|(r, a)| RackInlet { id: r.id.clone(), inlet_c: a.inlet_c }));
}

/// `inlets_worst.csv`: `t_s,rack,inlet_c`, one line per rack.
pub fn inlets_csv(w: &WorstInlets) -> String {
    let mut out = String::from("t_s,rack,inlet_c\n");
    for r in &w.racks {
        let _ = writeln!(out, "{},{},{:.3}", w.t_s, r.id, r.inlet_c);
    }
    out
}
