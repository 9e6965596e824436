//! Builds the central plant and air-side cooling units from the checked scenario.

use std::collections::BTreeMap;

use bevy::prelude::*;

use crate::cooling::{
    AIR_UNIT_RESTART_S, AirUnit, AirUnitKind, AirUnitOp, Availability, CHW_VOLUME_M3_PER_KW, ChillerPlant, LiquidLoop,
    WATER_CP_J_PER_KG_K, WATER_DENSITY_KG_PER_M3,
};
use crate::power::*;
use crate::scenario::*;
use crate::thermal::*;

use super::*;

/// The central plant: chilled-water plants and liquid loops.
pub(super) fn plant(world: &mut World, cx: &mut Cx) {
    let (_s, p) = (&cx.v.loaded.scenario, &cx.v.plant);
    let ids = &mut cx.ids;
    for c in &p.chillers {
        let x = &c.item;
        let e = world
            .spawn((
                ChillerPlant {
                    id: x.id.clone(),
                    capacity_kw: x.capacity_kw,
                    cop_rated: x.cop_rated,
                    rated_lift_k: x.rated_lift_k,
                    setpoint_c: x.chilled_water_c,
                    condenser: x.condenser.clone(),
                    free_cooling: x.free_cooling,
                    pump_kw: x.pump_kw,
                    loop_capacity_j_per_k: x.capacity_kw
                        * CHW_VOLUME_M3_PER_KW
                        * WATER_DENSITY_KG_PER_M3
                        * WATER_CP_J_PER_KG_K,
                    chw_c: x.chilled_water_c,
                    coil_load_kw: 0.0,
                    removed_kw: 0.0,
                    free_share: 0.0,
                    compressor_kw: 0.0,
                    planned_removal_kw: 0.0,
                    pumps_on: true,
                    water_l_per_h: 0.0,
                    availability: Availability::new(x.restart_delay.as_ms()),
                },
                PowerLoad::on(ids[&x.feed]),
            ))
            .id();
        ids.insert(x.id.clone(), e);
    }
    for l in &p.liquid_loops {
        let x = &l.item;
        let e = world
            .spawn((
                LiquidLoop {
                    id: x.id.clone(),
                    halls: Vec::new(),
                    capacity_kw: x.cdu_capacity_kw,
                    approach_k: x.cdu_approach_k,
                    setpoint_c: x.supply_setpoint_c,
                    rejection: x.heat_rejection.clone(),
                    pump_kw: x.pump_kw,
                    flow_l_per_min_per_kw: x.flow_l_per_min_per_kw,
                    capacity_j_per_k: x.volume_m3 * WATER_DENSITY_KG_PER_M3 * WATER_CP_J_PER_KG_K,
                    coolant_c: x.supply_setpoint_c,
                    facility_c: x.supply_setpoint_c - x.cdu_approach_k,
                    heat_in_kw: 0.0,
                    removed_kw: 0.0,
                    stored_kw: 0.0,
                    water_l_per_h: 0.0,
                    adiabatic: false,
                    availability: Availability::new(AIR_UNIT_RESTART_S * 1_000),
                },
                PowerLoad::on(ids[&x.feed]),
            ))
            .id();
        ids.insert(x.id.clone(), e);
    }
}

pub(super) fn unit_setpoint(u: &CoolingUnitSpec) -> f64 {
    match u {
        CoolingUnitSpec::Crah { supply_setpoint_c, .. }
        | CoolingUnitSpec::Crac { supply_setpoint_c, .. }
        | CoolingUnitSpec::EvaporativeAhu { supply_setpoint_c, .. } => *supply_setpoint_c,
    }
}

pub(super) fn unit_airflow(u: &CoolingUnitSpec) -> f64 {
    match u {
        CoolingUnitSpec::Crah { airflow_m3_per_s, .. }
        | CoolingUnitSpec::Crac { airflow_m3_per_s, .. }
        | CoolingUnitSpec::EvaporativeAhu { airflow_m3_per_s, .. } => *airflow_m3_per_s,
    }
}

pub(super) fn spawn_unit(
    world: &mut World,
    u: &CoolingUnitSpec,
    hall: Entity,
    ids: &BTreeMap<String, Entity>,
    rho: f64,
    cp: f64,
) -> Entity {
    let flow = unit_airflow(u) * rho;
    let fan_kw = u.design_fan_kw().unwrap_or(0.0);
    let kind = match u {
        CoolingUnitSpec::Crah { sensible_capacity_kw, supply_setpoint_c, plant, .. } => {
            let chw = world.get::<ChillerPlant>(ids[plant]).map_or(12.0, |p| p.setpoint_c);
            // Rated capacity at design flow with the return at set point + coil ΔT.
            let dt_coil = sensible_capacity_kw * 1_000.0 / (flow * cp);
            let eff = (dt_coil / (supply_setpoint_c + dt_coil - chw)).clamp(0.05, 0.95);
            AirUnitKind::Crah { capacity_kw: *sensible_capacity_kw, coil_effectiveness: eff, plant: ids[plant] }
        }
        CoolingUnitSpec::Crac { sensible_capacity_kw, cop_rated, rated_lift_k, .. } => {
            AirUnitKind::Crac { capacity_kw: *sensible_capacity_kw, cop_rated: *cop_rated, rated_lift_k: *rated_lift_k }
        }
        CoolingUnitSpec::EvaporativeAhu {
            stages,
            effectiveness,
            indirect_effectiveness,
            max_dew_point_c,
            max_rh_pct,
            trim,
            pad_min_entering_dry_bulb_c,
            pad_max_entering_wet_bulb_c,
            pad_pump_w_per_m3_s,
            airflow_m3_per_s,
            ..
        } => AirUnitKind::Evaporative {
            stages: *stages,
            eff_direct: *effectiveness,
            eff_indirect: *indirect_effectiveness,
            max_dew_point_c: *max_dew_point_c,
            max_rh_pct: *max_rh_pct,
            trim: trim.as_ref().map(|t| (t.capacity_kw, t.cop_rated, t.rated_lift_k)),
            pad_limits: crate::cooling::PadLimits {
                min_entering_dry_bulb_c: *pad_min_entering_dry_bulb_c,
                max_entering_wet_bulb_c: *pad_max_entering_wet_bulb_c,
            },
            pad_pump_kw: pad_pump_w_per_m3_s * airflow_m3_per_s / 1_000.0,
        },
    };
    world
        .spawn((
            AirUnit {
                id: u.id().to_owned(),
                hall,
                kind,
                design_flow_kg_s: flow,
                fan_power_kw: fan_kw,
                fan_control: u.fan_control(),
                setpoint_c: unit_setpoint(u),
                availability: Availability::new(AIR_UNIT_RESTART_S * 1_000),
            },
            AirUnitOp::default(),
            PowerLoad::on(ids[u.feed()]),
            SupplyLaw::default(),
            AirDuty { supply_c: unit_setpoint(u), return_c: unit_setpoint(u), removed_kw: 0.0, piece: 0 },
        ))
        .id()
}
