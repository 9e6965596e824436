//! Builds the electrical plant from the checked scenario.

use std::collections::BTreeMap;

use bevy::prelude::*;
use rand::RngExt;

use crate::fuel::FuelTank;
use crate::power::breaker::{Breaker, default_tau_s, magnetic_band};
use crate::power::generator::GenState;
use crate::power::ups::{Battery, UpsState, ups_losses};
use crate::power::*;
use crate::scenario::*;

use super::*;

/// The electrical plant, sources first: utility feeds, transformers, generator buses and their
/// sets, switchboards, UPS, distribution in dependency order; then the topology.
pub(super) fn power(world: &mut World, cx: &mut Cx) {
    let (_s, p) = (&cx.v.loaded.scenario, &cx.v.plant);
    let (ids, rng) = (&mut cx.ids, &cx.rng);
    let mut order: Vec<Entity> = Vec::new();
    for u in &p.utilities {
        let x = &u.item;
        let e = world
            .spawn((
                PowerNode::new(&x.id, NodeKind::Utility, None, x.capacity_kw),
                UtilityFeed { capacity_kw: x.capacity_kw, available: true, over_capacity: false },
            ))
            .id();
        ids.insert(x.id.clone(), e);
        order.push(e);
    }
    for t in &p.transformers {
        let x = &t.item;
        let e = world
            .spawn((
                PowerNode::new(&x.id, NodeKind::Transformer, Some(ids[&x.from]), x.rating_kva * x.power_factor),
                Transformer {
                    rating_kva: x.rating_kva,
                    no_load_loss_kw: x.no_load_loss_pct / 100.0 * x.rating_kva,
                    load_loss_kw: x.load_loss_pct / 100.0 * x.rating_kva,
                    power_factor: x.power_factor,
                },
            ))
            .id();
        ids.insert(x.id.clone(), e);
        order.push(e);
    }
    let gen_specs: BTreeMap<&str, &GeneratorSpec> =
        p.generators.iter().map(|g| (g.item.id.as_str(), &g.item)).collect();
    for g in &p.generator_groups {
        let x = &g.item;
        let rating: f64 = x.units.iter().filter_map(|u| gen_specs.get(u.as_str())).map(|g| g.rating_kw).sum();
        let bus = world.spawn(PowerNode::new(&x.id, NodeKind::GeneratorBus, None, rating)).id();
        let mut units = Vec::new();
        for u in &x.units {
            let gs = gen_specs[u.as_str()];
            let tank = ids[&gs.tank];
            let fuel_ok = world.get::<FuelTank>(tank).is_some_and(|t| t.usable_l() > 0.0);
            let e = world
                .spawn(Generator {
                    id: gs.id.clone(),
                    bus,
                    rating_kw: gs.rating_kw,
                    start_delay_ms: gs.start_delay.as_ms(),
                    fail_to_start_probability: gs.fail_to_start_probability,
                    fuel_curve: gs.fuel_curve.clone(),
                    derate_above_c: gs.derate_above_c,
                    derate_pct_per_k: gs.derate_pct_per_k,
                    tank,
                    state: GenState::Stopped,
                    fail_next_start: false,
                    start_will_fail: false,
                    output_kw: 0.0,
                    available_kw: 0.0,
                    start_attempts: 0,
                    light_load_s: 0.0,
                    run_s: 0.0,
                    fuel_ok,
                })
                .id();
            ids.insert(gs.id.clone(), e);
            units.push(e);
        }
        world.entity_mut(bus).insert(GeneratorBus {
            units,
            redundancy: x.redundancy,
            step_fraction: x.load_step_pct / 100.0,
            step_interval_ms: x.load_step_interval.as_ms(),
            cooldown_ms: x.cooldown.as_ms(),
            requests: 0,
            capacity_kw: 0.0,
            load_limit_kw: 0.0,
            last_step_ms: 0,
            overload_acc: 0.0,
            idle_since_ms: None,
            signal_ms: None,
        });
        ids.insert(x.id.clone(), bus);
        order.push(bus);
    }
    for sb in &p.switchboards {
        let x = &sb.item;
        let normal = ids[&x.normal];
        let rating = world.get::<PowerNode>(normal).map_or(0.0, |n| n.rating_kw);
        let e = world
            .spawn((
                PowerNode::new(&x.id, NodeKind::Switchboard, Some(normal), rating),
                Switchboard {
                    emergency: x.emergency.as_ref().map(|g| ids[g]),
                    ats: AtsState::OnNormal,
                    sense_delay_ms: x.ats.sense_delay.as_ms(),
                    retransfer_delay_ms: x.ats.retransfer_delay.as_ms(),
                    normal_ok_since_ms: None,
                    children: Vec::new(),
                    signal_ms: 0,
                },
            ))
            .id();
        ids.insert(x.id.clone(), e);
        order.push(e);
    }
    for u in &p.ups {
        let x = &u.item;
        let losses = ups_losses(x.mode, x.losses.as_ref());
        let rated_dc = x.rating_kw + losses.loss_kw(x.rating_kw, x.rating_kw);
        let battery = Battery::from_spec(&x.battery, rated_dc, x.rating_kw);
        let e = world
            .spawn((
                PowerNode::new(&x.id, NodeKind::Ups, Some(ids[&x.from]), x.rating_kw),
                Ups {
                    rating_kw: x.rating_kw,
                    modules: x.modules,
                    redundancy: x.redundancy,
                    mode: x.mode,
                    losses,
                    battery,
                    state: UpsState::Online,
                    faulted: false,
                    input_share: 1.0,
                    walk_in_s: x.walk_in.as_secs_f64(),
                    overload_acc: 0.0,
                    below_rating_s: 0.0,
                    overload_bypass: false,
                    battery_dc_kw: 0.0,
                    battery_chem_kw: 0.0,
                    recharge_kw: 0.0,
                    stored_kw: 0.0,
                },
            ))
            .id();
        ids.insert(x.id.clone(), e);
        order.push(e);
    }
    // Distribution in dependency order (parents before children).
    let mut pending: Vec<&DistributionSpec> = p.distribution.iter().map(|d| &d.item).collect();
    while !pending.is_empty() {
        let before = pending.len();
        pending.retain(|x| {
            let Some(&up) = ids.get(&x.from) else { return true };
            let rating_kw = 3.0_f64.sqrt() * x.voltage_v * x.rating_a * x.power_factor / 1_000.0;
            let standard = x.breaker.standard;
            let (lo, hi) = magnetic_band(x.breaker.curve);
            let mut r = rng.stream(&format!("breaker-magnetic/{}", x.id), 0);
            let magnetic = lo + (hi - lo) * r.random::<f64>();
            let breaker = Breaker::new(
                x.breaker.rating_a.unwrap_or(x.rating_a),
                standard,
                x.breaker.tau_s.unwrap_or_else(|| default_tau_s(standard)),
                magnetic,
            );
            let e = world
                .spawn((
                    PowerNode::new(&x.id, NodeKind::Distribution, Some(up), rating_kw),
                    Distribution {
                        kind: x.kind,
                        rating_a: x.rating_a,
                        voltage_v: x.voltage_v,
                        power_factor: x.power_factor,
                        breaker,
                        losses: x
                            .losses
                            .as_ref()
                            .map_or_else(|| distribution_losses(x.kind), crate::power::ups::LossModel::from_pct),
                        current_a: 0.0,
                    },
                ))
                .id();
            ids.insert(x.id.clone(), e);
            order.push(e);
            false
        });
        assert!(pending.len() < before, "validated: distribution graph is acyclic");
    }
    // Switchboard children: UPS first (critical load), then the rest.
    for sb in &p.switchboards {
        let e = ids[&sb.item.id];
        let mut kids: Vec<Entity> =
            p.ups.iter().filter(|u| u.item.from == sb.item.id).map(|u| ids[&u.item.id]).collect();
        kids.extend(p.distribution.iter().filter(|d| d.item.from == sb.item.id).map(|d| ids[&d.item.id]));
        world.get_mut::<Switchboard>(e).expect("spawned").children = kids;
    }
    world.insert_resource(PowerTopology::new(order));
}
