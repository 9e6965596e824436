//! Builds halls, rows and racks from the checked scenario.

use std::collections::BTreeMap;

use bevy::prelude::*;

use super::cooling::{spawn_unit, unit_airflow, unit_setpoint};
use crate::cooling::LiquidLoop;
use crate::load::spawn::{RackSpawn, spawn_rack};
use crate::load::{RackParams, Workloads};
use crate::power::*;
use crate::thermal::*;

use super::*;

/// Halls with their rows, racks and air units, the thermal index, and the hall each PDU or
/// busway heats; returns the hall ids (time-series columns).
pub(super) fn halls(
    world: &mut World,
    cx: &mut Cx,
    workloads: &Workloads,
    activity0: &[f64],
    rho: f64,
    cp: f64,
) -> Vec<String> {
    let (v, p) = (cx.v, &cx.v.plant);
    let (ids, rng) = (&mut cx.ids, &cx.rng);
    let mut rack_index: u32 = 0;
    let mut hall_ids = Vec::new();
    let mut thermal_index = ThermalIndex::default();
    let mut feed_hall: BTreeMap<Entity, Entity> = BTreeMap::new();
    for h in &p.halls {
        let x = &h.spec;
        hall_ids.push(x.id.clone());
        let loop_e = x.liquid_loop.as_ref().map(|l| ids[l]);
        let setpoint = h.units.iter().map(|u| unit_setpoint(&u.item)).sum::<f64>() / h.units.len().max(1) as f64;
        // Initial state: the steady state of the initial operating point, so that the first tick
        // is no start-up transient (which would become the run's hottest inlet).
        let steady = steady_hall(h, v, workloads, activity0, loop_e.is_some(), setpoint, rho, cp);
        let (room0, inlet0, draw_kg_s) = (steady.room_c, steady.inlet_c, steady.draw_kg_s);
        let total_volume = x.floor_area_m2 * x.height_m;
        let n_racks: usize = h.rows.iter().map(|r| r.racks.len()).sum();
        let aisle_volume = n_racks as f64 * RACK_WIDTH_M * COLD_AISLE_WIDTH_M * RACK_HEIGHT_M;
        // Which air is "cold side" and which is "return" depends on containment: with hot
        // aisles contained, the white space is the cold side and only the hot aisles and the
        // ceiling plenum hold return air.
        let (room_volume, cold_volume) = match x.containment {
            Containment::HotAisle => {
                let ret = (aisle_volume + HAC_PLENUM_SHARE * total_volume).min(0.5 * total_volume);
                (ret, total_volume - ret)
            }
            Containment::None | Containment::ColdAisle => {
                let room = (total_volume - aisle_volume).max(0.1 * total_volume);
                (room, total_volume - room)
            }
        };
        let cold_per_rack = cold_volume / n_racks.max(1) as f64;
        let c_air_total = rho * cp * total_volume;
        let hall_e = world
            .spawn((
                Hall {
                    index: 0,
                    id: x.id.clone(),
                    floor_area_m2: x.floor_area_m2,
                    height_m: x.height_m,
                    containment: x.containment,
                    inlet: x.inlet,
                    design_cooling_kw: x.design_cooling_kw,
                    rows: Vec::new(),
                    units: Vec::new(),
                    room_capacity_j_per_k: rho * cp * room_volume,
                    mass_capacity_j_per_k: x
                        .thermal_mass_kj_per_k
                        .map_or(MASS_TO_AIR_CAPACITY * c_air_total, |k| k * 1_000.0),
                    mass_ua_w_per_k: x.mass_ua_kw_per_k.map_or(MASS_UA_W_PER_K_M2 * x.floor_area_m2, |k| k * 1_000.0),
                    liquid_loop: loop_e,
                },
                HallState {
                    room_c: room0,
                    mass_c: room0,
                    humidity_ratio: 0.008,
                    supply_c: setpoint,
                    supply_kg_s: 0.0,
                    rack_flow_kg_s: draw_kg_s,
                    heat_in_kw: 0.0,
                    removed_kw: 0.0,
                    stored_kw: 0.0,
                    room_heat_kw: 0.0,
                    liquid_heat_kw: 0.0,
                    liquid_available: loop_e.is_some(),
                    coolant_flow_l_per_min_per_kw: loop_e
                        .and_then(|l| world.get::<LiquidLoop>(l))
                        .map_or(crate::cooling::DEFAULT_DLC_FLOW_L_PER_MIN_PER_KW, |l| l.flow_l_per_min_per_kw),
                    coolant_c: loop_e
                        .map_or(setpoint, |l| world.get::<LiquidLoop>(l).map_or(setpoint, |l| l.setpoint_c)),
                    max_inlet_c: inlet0,
                    humidity_band: None,
                    mean_inlet_c: inlet0,
                },
            ))
            .id();
        if let Some(l) = loop_e {
            world.get_mut::<LiquidLoop>(l).expect("spawned").halls.push(hall_e);
        }
        let mut rows = Vec::new();
        let mut row_design: Vec<f64> = Vec::new();
        for row in &h.rows {
            let n = row.racks.len();
            let row_e = world
                .spawn(Row {
                    index: 0,
                    hall: hall_e,
                    number: row.number,
                    racks: Vec::new(),
                    capacity_j_per_k: rho * cp * n as f64 * cold_per_rack,
                    supply_share: 0.0,
                    cold_c: inlet0,
                    hot_c: room0,
                    sums: Default::default(),
                    response: Default::default(),
                    recirc_kg_s: 0.0,
                    local_kg_s: 0.0,
                })
                .id();
            let mut racks = Vec::new();
            let mut design = 0.0;
            for (k, rp) in row.racks.iter().enumerate() {
                let end = k == 0 || k + 1 == n;
                let rho_i = x.inlet.rack_recirculation(x.containment, end);
                let a = ids[&rp.feed_a];
                let b = rp.feed_b.as_ref().map(|b| ids[b]);
                feed_hall.entry(a).or_insert(hall_e);
                if let Some(b) = b {
                    feed_hall.entry(b).or_insert(hall_e);
                }
                let wl = workloads.index_of(&rp.workload).unwrap_or(0);
                let e = spawn_rack(
                    world,
                    &v.catalog,
                    rng,
                    cp,
                    RackSpawn {
                        hall: hall_e,
                        hall_id: &x.id,
                        hall_index: thermal_index.halls.len(),
                        row_index: thermal_index.rows.len(),
                        row: row_e,
                        row_number: row.number,
                        position: rp.position,
                        index: rack_index,
                        type_id: &rp.rack,
                        workload: wl,
                        feeds: RackFeeds { a, b },
                        recirculation: rho_i,
                        liquid_loop: loop_e.is_some(),
                        inlet_c: inlet0,
                        utilisation: activity0[wl],
                    },
                );
                let air = world.get::<RackAir>(e).expect("spawned");
                design += air.max_flow_kg_s * crate::load::FAN_MIN_SPEED * (1.0 - rho_i);
                rack_index += 1;
                racks.push(e);
            }
            world.get_mut::<Row>(row_e).expect("spawned").racks = racks;
            world.get_mut::<Row>(row_e).expect("spawned").index = thermal_index.rows.len();
            thermal_index.rows.push(row_e);
            rows.push(row_e);
            row_design.push(design);
        }
        // Supply tiles are laid out for the racks as built.
        let total: f64 = row_design.iter().sum();
        for (&r, d) in rows.iter().zip(&row_design) {
            world.get_mut::<Row>(r).expect("spawned").supply_share =
                if total > 0.0 { d / total } else { 1.0 / rows.len() as f64 };
        }
        let mut units = Vec::new();
        for u in &h.units {
            let e = spawn_unit(world, &u.item, hall_e, ids, rho, cp);
            units.push(e);
        }
        let mut hall = world.get_mut::<Hall>(hall_e).expect("spawned");
        hall.rows = rows;
        hall.units = units;
        hall.index = thermal_index.halls.len();
        thermal_index.halls.push(hall_e);
    }
    world.insert_resource(thermal_index);
    // PDU and busway losses heat the hall of the racks they feed.
    for (feed, hall) in feed_hall {
        if let Some(mut n) = world.get_mut::<PowerNode>(feed)
            && n.kind == NodeKind::Distribution
        {
            n.heat_hall = Some(hall);
        }
    }

    hall_ids
}

/// A hall's steady state at its initial operating point.
struct SteadyHall {
    /// Room air, °C.
    room_c: f64,
    /// Rack inlets (the cold aisles), °C.
    inlet_c: f64,
    /// Air the racks draw from their aisles, kg/s.
    draw_kg_s: f64,
}

/// The steady state of hall `h` at activities `activity0`: supply at set point; the racks
/// draw their air at the speed of the steady inlet and give their whole air-side heat
/// (servers, fans, GPUs) to it; the units move what the control stage gives that draw
/// (cooling::SupplySplit: variable units follow it, constant ones run at design); the
/// units' return sits at `set point + air heat / (supply flow · c_p)`, the room that less
/// the return approach, and the inlets follow the hall's inlet law. The inlet depends on the
/// room under a recirculation law and the draw on the inlet: a few fixed-point passes settle
/// it (each pass shrinks the error by the flow's sensitivity to the inlet, a few % per K).
#[allow(clippy::too_many_arguments)]
fn steady_hall(
    h: &crate::scenario::expand::HallPlan,
    v: &ValidScenario,
    workloads: &Workloads,
    activity0: &[f64],
    liquid: bool,
    setpoint: f64,
    rho: f64,
    cp: f64,
) -> SteadyHall {
    const PASSES: usize = 4;
    let x = &h.spec;
    let mut inlet = setpoint;
    let mut st = SteadyHall { room_c: setpoint, inlet_c: setpoint, draw_kg_s: 0.0 };
    for _ in 0..PASSES {
        let (mut air_heat_kw, mut draw_kg_s) = (0.0, 0.0);
        for row in &h.rows {
            let n = row.racks.len();
            for (k, r) in row.racks.iter().enumerate() {
                let rt = &v.catalog.racks[&r.rack];
                let wl = workloads.index_of(&r.workload).unwrap_or(0);
                let params = RackParams::from_catalog(&v.catalog, &r.rack, rt);
                let u = activity0[wl];
                let gpu = params.gpu.as_ref().map_or(0.0, |g| (g.idle_w + (g.tdp_w - g.idle_w) * u) / 1_000.0)
                    * f64::from(params.gpu_count);
                let (base_kw, fan_kw, s) = params.server_kw(u, inlet);
                air_heat_kw += (base_kw + fan_kw + gpu) * if liquid { 1.0 - params.liquid_fraction } else { 1.0 };
                let max_flow_kg_s =
                    RackAir::max_flow_for(params.design_air_heat_kw(liquid), params.design_delta_t_k, cp);
                let rho_i = x.inlet.rack_recirculation(x.containment, k == 0 || k + 1 == n);
                draw_kg_s += max_flow_kg_s * s * (1.0 - rho_i);
            }
        }
        let supply_kg_s = crate::cooling::SupplySplit::new(
            draw_kg_s,
            h.units.iter().map(|u| (u.item.fan_control(), unit_airflow(&u.item) * rho)),
        )
        .total_kg_s();
        let return_c =
            setpoint + if supply_kg_s > 0.0 { (air_heat_kw * 1_000.0 / (supply_kg_s * cp)).min(15.0) } else { 10.0 };
        let room_c = return_c - x.inlet.return_offset_k();
        st = SteadyHall { room_c, inlet_c: x.inlet.steady_inlet_c(setpoint, room_c), draw_kg_s };
        if x.inlet == InletModel::AirBalance || st.inlet_c == inlet {
            break;
        }
        inlet = st.inlet_c;
    }
    st
}
