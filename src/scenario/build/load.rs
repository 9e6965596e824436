//! Builds workloads from the checked scenario.

use bevy::prelude::*;

use crate::load::{Workload, Workloads};
use crate::scenario::*;

use super::*;

/// The workloads (a constant 80 % `default` one unless the file declares it); returns them
/// with their activity at the start.
pub(super) fn workloads(world: &mut World, cx: &Cx) -> (Workloads, Vec<f64>) {
    let (s, seed) = (&cx.v.loaded.scenario, cx.seed);
    let mut list: Vec<Workload> = s
        .workloads
        .iter()
        .map(|w| Workload { id: w.id.clone(), profile: w.profile.clone(), noise: w.noise_pct / 100.0 })
        .collect();
    if !list.iter().any(|w| w.id == "default") {
        list.push(Workload { id: "default".into(), profile: LoadProfile::Constant(0.8), noise: 0.0 });
    }
    let activity0: Vec<f64> = list.iter().map(|w| w.activity(0.0, s.start.seconds_of_year())).collect();
    let workloads = Workloads { activity: activity0.clone(), list, seed };
    world.insert_resource(workloads.clone());

    (workloads, activity0)
}
