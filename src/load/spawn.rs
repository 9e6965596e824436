//! Racks as entities: spawning one with every component it carries, and its GPU bank at a
//! steady or a cold start. Used when a world is built and when racks are added or swapped
//! during a run (scripted `SwapRacks` / `AddRacks`).

use bevy::prelude::*;
use rand::RngExt;

use super::{GpuBank, Rack, RackLoad, RackParams};
use crate::catalog::Catalog;
use crate::power::{RackFeeds, RackSupply};
use crate::schedule::SimRng;
use crate::thermal::RackAir;
use crate::thermal::gpu::R_SPREAD;

/// The merged equipment catalog, for events that change racks.
#[derive(Resource, Clone, Debug)]
pub struct CatalogRes(pub Catalog);

/// The id of rack `position` in row `row` of hall `hall`.
pub fn rack_id(hall: &str, row: u32, position: u32) -> String {
    format!("{hall}/R{row:02}/{position:02}")
}

/// A seeded resistance spread for the GPUs of rack `index`.
pub fn gpu_spread(rng: &SimRng, index: u32) -> impl FnMut() -> f64 {
    let mut r = rng.stream("gpu-spread", u64::from(index));
    move || 1.0 + R_SPREAD * (2.0 * r.random::<f64>() - 1.0)
}

/// Everything a rack entity carries.
pub struct RackSpawn<'a> {
    /// Hall entity.
    pub hall: Entity,
    /// Hall id.
    pub hall_id: &'a str,
    /// Dense hall index.
    pub hall_index: usize,
    /// Dense row index.
    pub row_index: usize,
    /// Row entity.
    pub row: Entity,
    /// Row number.
    pub row_number: u32,
    /// Position.
    pub position: u32,
    /// Site-wide index.
    pub index: u32,
    /// Rack type id.
    pub type_id: &'a str,
    /// Workload index.
    pub workload: usize,
    /// Feeds.
    pub feeds: RackFeeds,
    /// Recirculation share.
    pub recirculation: f64,
    /// A liquid loop serves the hall.
    pub liquid_loop: bool,
    /// Initial inlet, °C.
    pub inlet_c: f64,
    /// Initial activity.
    pub utilisation: f64,
}

/// Spawns one rack with all its components.
pub fn spawn_rack(world: &mut World, catalog: &Catalog, rng: &SimRng, cp: f64, r: RackSpawn) -> Entity {
    let rt = &catalog.racks[r.type_id];
    let params = RackParams::from_catalog(catalog, r.type_id, rt);
    let max_flow = RackAir::max_flow_for(params.design_air_heat_kw(r.liquid_loop), params.design_delta_t_k, cp);
    let (bank, sink) = rack_bank(&params, rng, r.index, r.inlet_c, r.utilisation, r.liquid_loop);
    world
        .spawn((
            Rack {
                id: rack_id(r.hall_id, r.row_number, r.position),
                hall: r.hall,
                row: r.row,
                hall_index: r.hall_index,
                row_index: r.row_index,
                position: r.position,
                index: r.index,
                workload: r.workload,
                params,
            },
            RackLoad::default(),
            bank,
            r.feeds,
            RackSupply { powered: true, ..default() },
            RackAir {
                inlet_c: r.inlet_c,
                exhaust_c: r.inlet_c,
                flow_kg_s: 0.0,
                max_flow_kg_s: max_flow,
                recirculation: r.recirculation,
                heat_air_kw: 0.0,
                heat_liquid_kw: 0.0,
                gpu_stored_kw: 0.0,
                sink_c: sink,
                coolant_c: sink,
                coolant_stored_kw: 0.0,
                heat_b_w: 0.0,
                heat_k_w_per_k: 0.0,
                l2a_g_w_per_k: 0.0,
                coolant_q_w: 0.0,
                coolant_t0_c: sink,
                liquid_served: false,
                exposure: Default::default(),
                temperature_band: None,
            },
        ))
        .id()
}

/// A GPU bank at its steady temperature for `inlet_c` and activity `u`; returns the bank and
/// the GPU sink temperature.
pub fn rack_bank(
    params: &RackParams,
    rng: &SimRng,
    index: u32,
    inlet_c: f64,
    u: f64,
    liquid_loop: bool,
) -> (GpuBank, f64) {
    let Some(g) = &params.gpu else { return (GpuBank::default(), inlet_c) };
    let p_rack_w =
        params.gpu.as_ref().map_or(0.0, |g| (g.idle_w + (g.tdp_w - g.idle_w) * u) * f64::from(params.gpu_count))
            + (params.base_idle_kw + (params.base_max_kw - params.base_idle_kw) * u) * 1_000.0;
    let sink = if params.liquid_cooled && liquid_loop {
        inlet_c.max(30.0)
    } else if params.liquid_cooled && params.l2a_ua_w_per_k > 0.0 {
        // Steady in-rack coolant: the exchanger rejects the cold-plate heat to the inlet air.
        inlet_c + params.liquid_fraction * p_rack_w / params.l2a_ua_w_per_k
    } else {
        inlet_c
    };
    let r = if params.liquid_cooled { g.r_cold_plate_k_per_w } else { g.r_air_k_per_w };
    let p = g.idle_w + (g.tdp_w - g.idle_w) * u;
    let mut spread = gpu_spread(rng, index);
    let mut bank = GpuBank::new(params.gpu_count as usize, sink, g.tdp_w, &mut spread);
    bank.set_form(sink, p * r);
    (bank, sink)
}

/// A GPU bank of a newly installed rack: dies and rack coolant at the surrounding air (or at
/// the facility coolant when a loop serves it); returns the bank and the GPU sink.
pub fn rack_bank_cold(
    params: &RackParams,
    rng: &SimRng,
    index: u32,
    inlet_c: f64,
    liquid_loop: bool,
) -> (GpuBank, f64) {
    let Some(g) = &params.gpu else { return (GpuBank::default(), inlet_c) };
    let sink = if params.liquid_cooled && liquid_loop { inlet_c.max(30.0) } else { inlet_c };
    let mut spread = gpu_spread(rng, index);
    (GpuBank::new(params.gpu_count as usize, sink, g.tdp_w, &mut spread), sink)
}
