//! Builds fuel storage from the checked scenario.

use bevy::prelude::*;

use crate::fuel::{FuelState, FuelTank};

use super::*;

/// Tanks (day tanks linked to the bulk tanks that fill them), tanker logistics and automatic
/// ordering.
pub(super) fn fuel(world: &mut World, cx: &mut Cx) {
    let (s, p) = (&cx.v.loaded.scenario, &cx.v.plant);
    let ids = &mut cx.ids;
    for t in &p.tanks {
        let x = &t.item;
        let e = world
            .spawn(FuelTank {
                id: x.id.clone(),
                kind: x.kind,
                capacity_l: x.capacity_l,
                level_l: x.level_l.unwrap_or(x.capacity_l),
                usable_fraction: x.usable_fraction,
                fill_from: None,
                pump_l_per_h: x.pump_l_per_h,
                pump_start_l: x.pump_start_pct / 100.0 * x.capacity_l,
                pump_stop_l: x.pump_stop_pct / 100.0 * x.capacity_l,
                pumping: false,
                empty_logged: false,
            })
            .id();
        ids.insert(x.id.clone(), e);
    }
    for t in &p.tanks {
        if let Some(f) = &t.item.fill_from {
            let src = ids[f];
            world.get_mut::<FuelTank>(ids[&t.item.id]).expect("spawned").fill_from = Some(src);
        }
    }
    let mut fuel = FuelState { tanker: s.fuel.tankers.clone(), ..default() };
    if let Some(a) = &s.fuel.auto_order {
        fuel.auto_order = Some((ids[&a.tank], a.below_autonomy_h, a.tankers));
    }
    world.insert_resource(fuel);
}
