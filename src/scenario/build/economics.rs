//! Builds the cost and carbon models from the checked scenario and the equipment already
//! spawned: the capital lines are priced on what the site holds (MW of rack nameplate, GPUs,
//! generator and UPS kW, tank m³, chiller and CDU kW).

use bevy::prelude::*;

use crate::cooling::{ChillerPlant, LiquidLoop};
use crate::economics::{CapexClass, CapexLine, CarbonModel, CostModel, GRID_PRESET_SOURCE, HourlyRate, grid_preset};
use crate::fuel::{DIESEL_CO2_KG_PER_L, FuelTank};
use crate::load::Rack;
use crate::power::{Generator, NodeKind, PowerNode};

use super::*;

/// Sum of `f` over every entity with component `C`.
fn total<C: Component>(world: &mut World, f: impl Fn(&C) -> f64) -> f64 {
    let mut q = world.query::<&C>();
    q.iter(world).map(f).sum()
}

/// Inserts [`CostModel`] and [`CarbonModel`]; call after every equipment builder.
pub(super) fn economics(world: &mut World, cx: &Cx) {
    let (s, v) = (&cx.v.loaded.scenario, cx.v);
    let e = &s.economics;
    let (mut it_kw, mut gpus, mut other_kw) = (0.0, 0.0, 0.0);
    let mut q = world.query::<&Rack>();
    for r in q.iter(world) {
        it_kw += r.params.nameplate_kw;
        gpus += f64::from(r.params.gpu_count);
        if r.params.gpu_count == 0 {
            other_kw += r.params.nameplate_kw;
        }
    }
    let it_mw = it_kw / 1_000.0;
    let gen_kw = total::<Generator>(world, |g| g.rating_kw);
    let ups_kw = total::<PowerNode>(world, |n| if n.kind == NodeKind::Ups { n.rating_kw } else { 0.0 });
    let chiller_kw = total::<ChillerPlant>(world, |c| c.capacity_kw);
    let cdu_kw = total::<LiquidLoop>(world, |l| l.capacity_kw);
    let tank_m3 = total::<FuelTank>(world, |t| t.capacity_l) / 1_000.0;
    let (plant, building, it) = (e.equipment_life_years, e.building_life_years, e.it_life_years);
    let line =
        |class, quantity, unit, eur_per_unit, life_years| CapexLine { class, quantity, unit, eur_per_unit, life_years };
    let capex: Vec<CapexLine> = [
        line(CapexClass::Building, it_mw, "MW", e.building_eur_per_mw, building),
        line(CapexClass::CriticalPlant, it_kw, "kW", e.critical_eur_per_kw, plant),
        line(CapexClass::ItGpus, gpus, "GPU", e.it_eur_per_gpu, it),
        line(CapexClass::ItOther, other_kw, "kW", e.it_eur_per_kw, it),
        line(CapexClass::Generators, gen_kw, "kW", e.generators_eur_per_kw, plant),
        line(CapexClass::FuelStorage, tank_m3, "m³", e.fuel_storage_eur_per_m3, building),
        line(CapexClass::Ups, ups_kw, "kW", e.ups_eur_per_kw, plant),
        line(CapexClass::Chillers, chiller_kw, "kW", e.chillers_eur_per_kw, plant),
        line(CapexClass::LiquidLoops, cdu_kw, "kW", e.liquid_loops_eur_per_kw, plant),
    ]
    .into_iter()
    .filter(|l| l.quantity > 0.0 && l.eur_per_unit > 0.0)
    .collect();
    let g = &s.site.grid;
    let price = match (&v.series.price_eur_per_mwh, g.price_eur_per_mwh) {
        (Some(h), _) => HourlyRate::Hourly(h.clone()),
        (None, p) => HourlyRate::Constant(p.unwrap_or(0.0)),
    };
    world.insert_resource(CostModel {
        capex,
        discount_rate: e.discount_rate,
        electricity_eur_per_mwh: price,
        water_eur_per_m3: e.water_eur_per_m3,
        diesel_eur_per_l: e.diesel_eur_per_l,
        delivery_eur: e.delivery_eur,
        maintenance_share_per_year: e.maintenance_share_per_year,
        lost_gpu_hour_eur: e.lost_gpu_hour_eur,
        it_mw,
    });
    let (intensity, source) = grid_intensity(g, &v.series);
    world.insert_resource(CarbonModel {
        grid_g_per_kwh: intensity,
        grid_source: source,
        diesel_kg_per_l: DIESEL_CO2_KG_PER_L,
        embodied_kg_per_gpu: e.embodied_kg_per_gpu,
        embodied_kg_per_mw: e.embodied_t_per_mw * 1_000.0,
        gpus,
        it_mw,
        it_life_years: it,
        building_life_years: building,
    });
}

/// The grid's carbon intensity and where it comes from.
fn grid_intensity(g: &GridSpec, series: &crate::scenario::validate::Series) -> (HourlyRate, String) {
    if let (Some(h), Some(file)) = (&series.carbon_g_per_kwh, &g.carbon_series) {
        return (HourlyRate::Hourly(h.clone()), format!("hourly series {file}"));
    }
    if let Some(p) = g.country.as_deref().and_then(grid_preset) {
        return (HourlyRate::Constant(p.g_per_kwh), format!("{} {}: {GRID_PRESET_SOURCE}", p.country, p.year));
    }
    (HourlyRate::Constant(g.carbon_g_per_kwh.unwrap_or(0.0)), "scenario (site.grid.carbon_g_per_kwh)".into())
}
