//! Heat: GPU dies, rack heat split, hall air and mass, rack inlet temperatures, ASHRAE
//! envelopes, GPU throttling. See [`ThermalPlugin`].
//!
//! - [`gpu`]: die RC nodes and the throttle / slowdown / shutdown law (docs/physics.md §1.4).
//! - Rack heat (docs/physics.md §1.5): with a facility liquid loop, `f_liq·P` goes to liquid and the
//!   rest to air; without one (or with the loop failed) all heat goes to air through the
//!   rack's liquid-to-air exchanger. GPU storage `C·ΔT` is booked, so energy closes.
//! - Rack airflow `ṁ = s·ṁ_max` follows the server fans (speed `s` from inlet temperature);
//!   `ṁ_max` gives the design ΔT at minimum speed (docs/physics.md §2.1).
//! - [`network`]: room, mass and cold-aisle nodes of each hall, implicit (docs/physics.md §2.5).
//! - Rack inlets: `T_in = (1−ρ)·T_cold + ρ·T_hot`, `ρ` the rack's recirculation share (larger at
//!   row ends, cut by containment) — the structured recirculation matrix of each row.
//! - Starved rows (drawing more than their tiles supply) make up the deficit through their
//!   cold aisle, from the room air and, in the share [`starved_row_exhaust_share`], their own
//!   exhaust: the aisle, room and mass capacities set how fast their inlets warm.
//! - [`ashrae`]: time per rack in each envelope (docs/physics.md §2.2).

use serde::{Deserialize, Serialize};
pub mod ashrae;
pub mod gpu;
pub mod network;

use bevy::ecs::system::SystemParam;
use bevy::prelude::*;

use crate::events::{EventDetail, EventKind, EventLog, Severity};
use crate::load::{FAN_MIN_SPEED, GpuBank, GpuState, Rack, RackLoad};
use crate::power::{PowerNode, RackSupply};
use crate::psychro;
use crate::schedule::{SimClock, SimSchedule, SimStep};
use network::{Affine, HallNetwork, NetRow, NetUnit};

/// Rack width, m (standard 600 mm cabinet).
pub const RACK_WIDTH_M: f64 = 0.6;
/// Rack depth, m (1200 mm, docs/physics.md §2.4).
pub const RACK_DEPTH_M: f64 = 1.2;
/// Rack height, m (42–48 U).
pub const RACK_HEIGHT_M: f64 = 2.2;
/// Cold-aisle width, m (two 600 mm tiles).
pub const COLD_AISLE_WIDTH_M: f64 = 1.2;
/// Row pitch: rack depth plus half a cold and half a hot aisle, m.
pub const ROW_PITCH_M: f64 = RACK_DEPTH_M + COLD_AISLE_WIDTH_M;
/// Mass-node heat capacity as a multiple of the hall air's (docs/physics.md §2.5: C_s ≈ 3–8 × C_a).
pub const MASS_TO_AIR_CAPACITY: f64 = 5.0;
/// Air-to-mass conductance per m² of floor, W/(K·m²) (docs/physics.md §2.5: 60 kW/K for 1000 m²).
pub const MASS_UA_W_PER_K_M2: f64 = 60.0;

/// How a hall's rack inlets relate to its supply and room air (docs/physics.md §2.6).
///
/// - [`InletModel::AirBalance`] (default): the physical air balance of each row's cold aisle —
///   supply by tile share, recirculation over and around the rows set by containment and row
///   position, make-up air when the racks draw more than the supply. Air is conserved, so a
///   hall whose racks out-pull their air units warms at its inlets.
/// - [`InletModel::Recirculation`]: a fixed share of well-mixed room air at every inlet,
///   `T_in = T_s + f·(T_room − T_s)`, `T_s` the flow-weighted supply (EnergyPlus
///   `ElectricEquipment:ITE:AirCooled`, inlet connection `AdjustedSupply`). The share does not
///   change with the racks' draw: air is not balanced, so an overloaded hall shows no extra
///   recirculation — calibrate `f` to CFD or measurements at the operating point.
/// - [`InletModel::Approach`]: inlets a fixed approach above the supply, `T_in = T_s + ΔT_s`,
///   and the units' return air a fixed approach above the well-mixed room, `T_ret = T_room +
///   ΔT_r` (stratified return; EnergyPlus `FlowControlWithApproachTemperatures` measures the
///   return approach from the IT outlet instead, which does not conserve energy when the units
///   move a different flow than the racks). Air is not balanced either.
///
/// Under both empirical models the racks take no share of their own row's exhaust: the whole
/// recirculation is in the model's law.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub enum InletModel {
    /// The physical air balance of rows, aisles and room.
    #[default]
    AirBalance,
    /// A fixed recirculation fraction of room air at every inlet.
    Recirculation {
        /// Share of room air in the inlet air, 0–1 (EnergyPlus "Design Recirculation Fraction").
        fraction: f64,
    },
    /// Fixed supply and return approach temperatures.
    Approach {
        /// Rack inlet above the mixed supply, K (EnergyPlus "Supply Temperature Difference").
        supply_k: f64,
        /// Units' return air above the well-mixed room, K.
        #[serde(default)]
        return_k: f64,
    },
}

impl InletModel {
    /// Share of a rack's inlet air drawn from its own row's exhaust: by containment and row
    /// position under the air balance ([`recirculation_share`]), none under the empirical
    /// models (their law holds all of it).
    pub fn rack_recirculation(&self, containment: Containment, row_end: bool) -> f64 {
        match self {
            InletModel::AirBalance => recirculation_share(containment, row_end),
            InletModel::Recirculation { .. } | InletModel::Approach { .. } => 0.0,
        }
    }

    /// Units' return air above the room node, K.
    pub fn return_offset_k(&self) -> f64 {
        match *self {
            InletModel::Approach { return_k, .. } => return_k,
            InletModel::AirBalance | InletModel::Recirculation { .. } => 0.0,
        }
    }

    /// Steady inlet for a mixed supply `supply_c` and a room at `room_c`, °C (the air balance
    /// at design: the supply).
    pub fn steady_inlet_c(&self, supply_c: f64, room_c: f64) -> f64 {
        match *self {
            InletModel::AirBalance => supply_c,
            InletModel::Recirculation { fraction } => supply_c + fraction * (room_c - supply_c),
            InletModel::Approach { supply_k, .. } => supply_c + supply_k,
        }
    }
}

/// Recirculation share of a rack's inlet air taken from its row's exhaust `(interior, row end)`
/// by containment. \[U\] engineering values: open aisles in legacy rooms show supply heat
/// indices of 0.2–0.4, containment cuts recirculation to a few percent.
pub fn recirculation_share(containment: Containment, row_end: bool) -> f64 {
    let (interior, end) = match containment {
        Containment::None => (0.08, 0.20),
        Containment::ColdAisle => (0.02, 0.04),
        Containment::HotAisle => (0.01, 0.02),
    };
    if row_end { end } else { interior }
}

/// Share of a starved row's airflow deficit that is its own exhaust; the rest is hall (room)
/// air. `sums` are the row's racks this tick.
///
/// A row that draws more than its tiles supply (its air units stopped, or racks that need
/// more air than the tiles were laid out for) pulls the make-up air into its cold aisle over
/// the rack tops and around the row ends: the paths by which exhaust wraps into the inlets
/// at design, whose shares `ρ_i` ([`recirculation_share`]) already describe them. The make-up
/// air is taken to carry exhaust in the same proportion, the row's flow-weighted
/// `ρ̄ = Σṁ_i·ρ_i / Σṁ_i` (open aisles ≈ 0.1, contained ≤ 0.04) [U, as `ρ_i`]. Both parts mix
/// into the cold-aisle node before reaching the inlets ([`network`]), so the inlets follow
/// the aisle, then the room and mass nodes, which warm over minutes (docs/physics.md §2.5: the
/// two-node room model), instead of jumping in one tick. With containment the room node is
/// the hot side (the contained hot aisle, or the hall outside a contained cold aisle), so
/// the make-up air is exhaust already.
///
/// This replaces fixed shares \[U\] (0.5 open, 0.3 contained) taken straight into the inlets:
/// when an open legacy hall lost its units they put every inlet about one rack ΔT above the
/// room air within the first tick (22.5 → 35.6 °C at any density), where the published
/// rates call for minutes (docs/physics.md §2.5: 1–3 K/min in legacy halls at 0.5–1 kW/m² \[U\];
/// Opengate study \[S\]: about 3 min to thermal shutdown at 5 kW per cabinet, under a minute
/// only at 10 kW and more).
pub fn starved_row_exhaust_share(sums: &network::RowSums) -> f64 {
    sums.mean_recirculation()
}

/// Halls and rows in dense index order, for per-rack loops that must not look entities up.
#[derive(Resource, Clone, Debug, Default)]
pub struct ThermalIndex {
    /// Halls by index.
    pub halls: Vec<Entity>,
    /// Rows by index (all halls).
    pub rows: Vec<Entity>,
}

/// A data hall.
#[derive(Component, Clone, Debug)]
pub struct Hall {
    /// Dense index (position in [`ThermalIndex::halls`]).
    pub index: usize,
    /// Id.
    pub id: String,
    /// Floor area, m².
    pub floor_area_m2: f64,
    /// Height, m.
    pub height_m: f64,
    /// Containment.
    pub containment: Containment,
    /// How rack inlets follow supply and room air.
    pub inlet: InletModel,
    /// Declared design cooling, kW.
    pub design_cooling_kw: f64,
    /// Rows, in number order.
    pub rows: Vec<Entity>,
    /// Air units serving the hall.
    pub units: Vec<Entity>,
    /// Room air heat capacity, J/K.
    pub room_capacity_j_per_k: f64,
    /// Mass node heat capacity, J/K.
    pub mass_capacity_j_per_k: f64,
    /// Air-to-mass conductance, W/K.
    pub mass_ua_w_per_k: f64,
    /// Liquid loop serving direct-liquid racks.
    pub liquid_loop: Option<Entity>,
}

/// A hall's thermal state.
#[derive(Component, Clone, Debug)]
pub struct HallState {
    /// Room / return air, °C.
    pub room_c: f64,
    /// Mass, °C.
    pub mass_c: f64,
    /// Humidity ratio of the hall air, kg/kg.
    pub humidity_ratio: f64,
    /// Mixed supply temperature, °C.
    pub supply_c: f64,
    /// Supply airflow, kg/s.
    pub supply_kg_s: f64,
    /// Rack airflow, kg/s.
    pub rack_flow_kg_s: f64,
    /// Heat into the hall air this tick, kW.
    pub heat_in_kw: f64,
    /// Heat removed by air units (net of their fan heat), kW.
    pub removed_kw: f64,
    /// Heat stored in air and mass this tick, kW.
    pub stored_kw: f64,
    /// Heat released directly into the room (PDU losses, racks without airflow), kW.
    pub room_heat_kw: f64,
    /// Heat from racks to the liquid loop, kW.
    pub liquid_heat_kw: f64,
    /// Whether the liquid loop can take heat this tick.
    pub liquid_available: bool,
    /// Coolant supply temperature from the loop, °C.
    pub coolant_c: f64,
    /// Coolant flow per kW of rack liquid heat, L/min/kW.
    pub coolant_flow_l_per_min_per_kw: f64,
    /// Hottest rack inlet, °C.
    pub max_inlet_c: f64,
    /// Dew-point band of the hall air (for excursion events).
    pub humidity_band: Option<ashrae::Band>,
    /// Mean rack inlet, °C.
    pub mean_inlet_c: f64,
}

/// A row of racks and its cold aisle.
#[derive(Component, Clone, Debug)]
pub struct Row {
    /// Dense index (position in [`ThermalIndex::rows`]).
    pub index: usize,
    /// Hall.
    pub hall: Entity,
    /// Row number.
    pub number: u32,
    /// Racks in position order.
    pub racks: Vec<Entity>,
    /// Cold-aisle air heat capacity, J/K.
    pub capacity_j_per_k: f64,
    /// Share of the hall's supply air reaching this row (set by its tiles at design).
    pub supply_share: f64,
    /// Cold aisle, °C.
    pub cold_c: f64,
    /// Exhaust side, °C.
    pub hot_c: f64,
    /// This tick's sums over the row's racks with airflow.
    pub sums: network::RowSums,
    /// This tick's response to its cold aisle (hot aisle, row heat).
    pub response: network::RowResponse,
    /// Recirculation from the room this tick, kg/s.
    pub recirc_kg_s: f64,
    /// The row's own exhaust re-entering its cold aisle this tick (starved rows), kg/s.
    pub local_kg_s: f64,
}

/// A rack's air side and heat split.
#[derive(Component, Clone, Debug)]
pub struct RackAir {
    /// Inlet, °C.
    pub inlet_c: f64,
    /// Exhaust, °C.
    pub exhaust_c: f64,
    /// Airflow, kg/s.
    pub flow_kg_s: f64,
    /// Airflow at full fan speed, kg/s.
    pub max_flow_kg_s: f64,
    /// Recirculation share of the inlet from the row's exhaust.
    pub recirculation: f64,
    /// Heat to air, kW.
    pub heat_air_kw: f64,
    /// Heat to liquid, kW.
    pub heat_liquid_kw: f64,
    /// Heat stored in GPU dies this tick, kW.
    pub gpu_stored_kw: f64,
    /// GPU sink (inlet air or coolant), °C.
    pub sink_c: f64,
    /// The rack's own coolant (cold plates without facility water), °C.
    pub coolant_c: f64,
    /// Heat stored in the rack's own coolant this tick, kW.
    pub coolant_stored_kw: f64,
    /// Heat to air at an inlet of 0 °C, W (`heat = b − k·T_in`).
    pub heat_b_w: f64,
    /// Fall of the heat to air per K of inlet, W/K.
    pub heat_k_w_per_k: f64,
    /// Exchanger conductance between the rack's coolant and its airflow this tick, W/K.
    pub l2a_g_w_per_k: f64,
    /// Heat into the rack's own coolant this tick, W.
    pub coolant_q_w: f64,
    /// The rack's own coolant at the start of the tick, °C.
    pub coolant_t0_c: f64,
    /// Served by a facility liquid loop this tick.
    pub liquid_served: bool,
    /// Time in each ASHRAE band.
    pub exposure: ashrae::Exposure,
    /// Dry-bulb band of the inlet (for excursion events).
    pub temperature_band: Option<ashrae::Band>,
}

impl RackAir {
    /// Design airflow of a rack at full fan speed for a design heat to air, kg/s.
    pub fn max_flow_for(design_air_heat_kw: f64, design_delta_t_k: f64, cp: f64) -> f64 {
        design_air_heat_kw * 1_000.0 / (cp * design_delta_t_k * FAN_MIN_SPEED)
    }
}

/// How an air unit's supply depends on its hall's return air this tick (set by the cooling
/// plugin, used by the hall solve).
#[derive(Component, Clone, Debug, Default)]
pub struct SupplyLaw {
    /// Hall served.
    pub hall: Option<Entity>,
    /// Dry-air mass flow, kg/s.
    pub mass_flow_kg_s: f64,
    /// Supply temperature pieces: the supply is the largest, °C.
    pub pieces: Vec<Affine>,
    /// Ceiling on the supply (a coil never heats: return + fan heat), °C.
    pub cap: Option<Affine>,
    /// Humidity ratio of the supply, kg/kg.
    pub humidity_ratio: f64,
}

/// What an air unit did this tick (set by the hall solve).
#[derive(Component, Clone, Debug, Default)]
pub struct AirDuty {
    /// Supply, °C.
    pub supply_c: f64,
    /// Return, °C.
    pub return_c: f64,
    /// Net sensible heat removed, kW.
    pub removed_kw: f64,
    /// Active law piece.
    pub piece: usize,
}

/// This tick's heat books, kW.
#[derive(Resource, Clone, Debug, Default)]
pub struct ThermalBooks {
    /// Rack heat to air.
    pub rack_air_kw: f64,
    /// Rack heat to liquid.
    pub rack_liquid_kw: f64,
    /// Heat released straight into rooms.
    pub room_heat_kw: f64,
    /// Removed by air units (net of fan heat).
    pub air_removed_kw: f64,
    /// Stored in hall air and mass.
    pub hall_stored_kw: f64,
    /// Stored in GPU dies and racks' own coolant.
    pub gpu_stored_kw: f64,
    /// Electrical power into racks.
    pub rack_electric_kw: f64,
    /// PDU/busway losses released in halls.
    pub hall_losses_kw: f64,
}

/// Racks whose GPU protection has work this tick, in query order: found by the heat pass,
/// read by [`SimStep::GpuProtection`].
///
/// Every input of [`gpu::protection_idle`] is settled once the dies are stepped: the rack's
/// power (electrical stage), its GPU sink (set with the die step), its GPU states (changed only
/// by protection itself, and by operator resets, rack swaps and additions in the events stage)
/// and its hottest die.
/// Neither the cooling nor the hall solve between the two stages touches them, so the heat
/// pass can tell which racks protection must visit and protection skips the thousands of idle
/// ones without reading them.
#[derive(Resource, Clone, Debug, Default)]
pub struct ProtectionWatch(pub Vec<Entity>);

/// Margin below the throttle temperature within which a die counts as close to throttling,
/// K: the adaptive step holds its shortest tick there so the throttle onset is timed to the
/// tick. A die at TDP moves ~0.5 K/s at most (docs/physics.md §1.4: τ ≈ 50–150 s, rise ≈ 45 K).
pub const THROTTLE_WATCH_K: f64 = 2.0;

/// The thermal side as the adaptive step sees it (see [`crate::adaptive`]).
#[derive(SystemParam)]
pub struct ThermalSteadiness<'w, 's> {
    racks: Query<'w, 's, (&'static Rack, &'static GpuBank, &'static RackAir)>,
    halls: Query<'w, 's, &'static HallState>,
    rows: Query<'w, 's, &'static Row>,
}

impl ThermalSteadiness<'_, '_> {
    /// Why the thermal side needs the shortest tick: GPUs throttling or in slowdown, or dies
    /// within [`THROTTLE_WATCH_K`] of their throttle temperature. (Shut-down GPUs are latched
    /// off and steady.)
    pub fn unsteady(&self) -> Option<&'static str> {
        for (rack, bank, _) in &self.racks {
            let Some(g) = &rack.params.gpu else { continue };
            if bank.counts[GpuState::Throttled as usize] + bank.counts[GpuState::Slowdown as usize] > 0 {
                return Some("GPUs throttling");
            }
            if f64::from(bank.hottest_c) >= g.throttle_c - THROTTLE_WATCH_K {
                return Some("GPU dies near their throttle temperature");
            }
        }
        None
    }

    /// Pushes the temperatures whose change per tick bounds the tick, °C: each hall's room
    /// and mass nodes, each cold aisle, and the own coolant of liquid-cooled racks without
    /// facility water. (GPU dies are integrated exactly and need no bound.)
    pub fn temperatures(&self, out: &mut Vec<f64>) {
        for h in &self.halls {
            out.extend([h.room_c, h.mass_c]);
        }
        out.extend(self.rows.iter().map(|r| r.cold_c));
        for (rack, _, air) in &self.racks {
            if rack.params.liquid_cooled && !air.liquid_served {
                out.push(air.coolant_c);
            }
        }
    }
}

/// Specific heat of moist air used by the air network, J/(kg·K) (docs/physics.md §2.1, at a typical
/// hall humidity of 9 g/kg).
pub fn air_cp(humidity_ratio: f64) -> f64 {
    psychro::moist_air_cp_j_per_kg_k(humidity_ratio)
}

/// The hall solve and rack inlet update; plants that need the halls' results run after it.
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SolveHalls;

/// The thermal domain.
#[derive(Default)]
pub struct ThermalPlugin;

impl Plugin for ThermalPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<ThermalBooks>()
            .init_resource::<ProtectionWatch>()
            .add_systems(SimSchedule, (reset_rows, rack_heat).chain().in_set(SimStep::Heat))
            .add_systems(SimSchedule, (solve_halls, rack_inlets).chain().in_set(SolveHalls).in_set(SimStep::Thermal))
            .add_systems(SimSchedule, protect_gpus.in_set(SimStep::GpuProtection));
    }
}

fn reset_rows(mut rows: Query<&mut Row>, mut halls: Query<&mut HallState>, mut books: ResMut<ThermalBooks>) {
    *books = ThermalBooks::default();
    for mut r in &mut rows {
        r.sums = network::RowSums::default();
    }
    for mut h in &mut halls {
        h.room_heat_kw = 0.0;
        h.liquid_heat_kw = 0.0;
    }
}

/// What a rack needs to know of its hall this tick (read once per hall, not per rack).
#[derive(Clone, Copy)]
struct HallView {
    liquid_available: bool,
    coolant_c: f64,
    flow_l_per_min_per_kw: f64,
    cp: f64,
}

/// Dies, heat split and airflow of every rack, summed by hall and row in query order, and the
/// racks whose GPU protection has work ([`ProtectionWatch`]). On one thread this is one pass;
/// with the racks shared among threads ([`crate::schedule::Parallelism`]) each rack is done on
/// its own and the sums follow in query order, so the result is the same bit for bit.
#[allow(clippy::type_complexity, clippy::too_many_arguments)]
fn rack_heat(
    clock: Res<SimClock>,
    index: Res<ThermalIndex>,
    parallel: Res<crate::schedule::Parallelism>,
    mut books: ResMut<ThermalBooks>,
    mut watch: ResMut<ProtectionWatch>,
    mut racks: Query<(Entity, &Rack, &RackLoad, &RackSupply, &mut GpuBank, &mut RackAir)>,
    mut rows: Query<&mut Row>,
    mut halls: Query<&mut HallState>,
) {
    let dt = clock.dt_s();
    let views: Vec<HallView> = index
        .halls
        .iter()
        .map(|&h| {
            let st = halls.get(h).expect("indexed hall");
            HallView {
                liquid_available: st.liquid_available,
                coolant_c: st.coolant_c,
                flow_l_per_min_per_kw: st.coolant_flow_l_per_min_per_kw,
                cp: air_cp(st.humidity_ratio),
            }
        })
        .collect();
    let views = &views;
    let mut acc = HeatSums {
        liquid_heat: vec![0.0; views.len()],
        room_heat: vec![0.0; views.len()],
        sums: vec![network::RowSums::default(); index.rows.len()],
    };
    watch.0.clear();
    if parallel.0 {
        // Each rack on its own in parallel, then the sums in query order.
        racks.par_iter_mut().for_each(|(_, rack, load, supply, mut bank, mut air)| {
            heat_one_rack(rack, load, supply, &mut bank, &mut air, &views[rack.hall_index], dt);
        });
        for (entity, rack, _, supply, bank, air) in &racks {
            acc.add(&mut books, &mut watch, entity, rack, supply, bank, air);
        }
    } else {
        // The same, in one pass: the sums see the racks in the same order.
        for (entity, rack, load, supply, mut bank, mut air) in &mut racks {
            heat_one_rack(rack, load, supply, &mut bank, &mut air, &views[rack.hall_index], dt);
            acc.add(&mut books, &mut watch, entity, rack, supply, &bank, &air);
        }
    }
    let HeatSums { liquid_heat, room_heat, sums } = acc;
    for (i, &h) in index.halls.iter().enumerate() {
        if let Ok(mut st) = halls.get_mut(h) {
            st.liquid_heat_kw += liquid_heat[i];
            st.room_heat_kw += room_heat[i];
        }
    }
    for (i, &r) in index.rows.iter().enumerate() {
        if let Ok(mut row) = rows.get_mut(r) {
            row.sums = sums[i];
        }
    }
}

/// This tick's rack heat summed by hall and row (see [`rack_heat`]).
struct HeatSums {
    liquid_heat: Vec<f64>,
    room_heat: Vec<f64>,
    sums: Vec<network::RowSums>,
}

impl HeatSums {
    /// Adds one rack's heat to the books and sums, and puts it on the protection watch if its
    /// GPUs need protection this tick.
    #[allow(clippy::too_many_arguments)]
    fn add(
        &mut self,
        books: &mut ThermalBooks,
        watch: &mut ProtectionWatch,
        entity: Entity,
        rack: &Rack,
        supply: &RackSupply,
        bank: &GpuBank,
        air: &RackAir,
    ) {
        if protection_due(rack, supply, air, bank) {
            watch.0.push(entity);
        }
        books.rack_electric_kw += supply.delivered_kw;
        books.gpu_stored_kw += air.gpu_stored_kw + air.coolant_stored_kw;
        books.rack_liquid_kw += air.heat_liquid_kw;
        self.liquid_heat[rack.hall_index] += air.heat_liquid_kw;
        if air.flow_kg_s > 0.0 {
            self.sums[rack.row_index].add(air.flow_kg_s, air.recirculation, air.heat_b_w, air.heat_k_w_per_k);
        } else {
            books.room_heat_kw += air.heat_air_kw;
            self.room_heat[rack.hall_index] += air.heat_air_kw;
        }
    }
}

/// One rack's dies, heat split and airflow for a tick of `dt` s (see [`rack_heat`]).
fn heat_one_rack(
    rack: &Rack,
    load: &RackLoad,
    supply: &RackSupply,
    bank: &mut GpuBank,
    air: &mut RackAir,
    hall: &HallView,
    dt: f64,
) {
    let p = &rack.params;
    let liquid = p.liquid_cooled && hall.liquid_available;
    air.liquid_served = liquid;
    let powered = supply.powered;
    // GPU sink: facility coolant on a served cold plate, the rack's own coolant on an
    // unserved one, else inlet air.
    air.sink_c = if liquid {
        // Cold plates see the supply plus half the coolant's rise through the rack
        // (docs/physics.md §7.3: T_j ≈ T_tcs + ΔT/2 + P·R), flow sized per kW at design.
        let flow_kg_s = hall.flow_l_per_min_per_kw * p.liquid_fraction * p.nameplate_kw / 60.0;
        let rise = if flow_kg_s > 0.0 {
            air.heat_liquid_kw.max(0.0) * 1_000.0 / (flow_kg_s * crate::cooling::WATER_CP_J_PER_KG_K)
        } else {
            0.0
        };
        hall.coolant_c + 0.5 * rise
    } else if p.liquid_cooled {
        air.coolant_c
    } else {
        air.inlet_c
    };
    // kW per J stored over the tick (computed apart from the die step, so the two overlap).
    let kw_per_j = 1e-3 / dt;
    let mut stored_kw = 0.0;
    if let Some(g) = &p.gpu {
        let r = if p.liquid_cooled { g.r_cold_plate_k_per_w } else { g.r_air_k_per_w };
        let step = gpu::step_dies(bank, g, r, air.sink_c, powered, dt);
        stored_kw = step.stored_j * kw_per_j;
    }
    let electric_kw = supply.delivered_kw;
    let air_flow = if powered { load.fan_speed * air.max_flow_kg_s } else { 0.0 };
    air.gpu_stored_kw = stored_kw;
    air.coolant_stored_kw = 0.0;
    air.heat_k_w_per_k = 0.0;
    air.l2a_g_w_per_k = 0.0;
    air.coolant_q_w = 0.0;
    air.coolant_t0_c = air.coolant_c;
    if liquid {
        air.heat_liquid_kw = p.liquid_fraction * electric_kw - stored_kw;
        air.heat_air_kw = (1.0 - p.liquid_fraction) * electric_kw;
        air.coolant_c = hall.coolant_c;
        air.coolant_t0_c = hall.coolant_c;
    } else if p.liquid_cooled {
        // Cold-plate heat into the rack's coolant; its liquid-to-air exchanger rejects it
        // into the rack's own airflow. An exchanger cannot give the air more than
        // ε·ṁ·c·(T_cool − T_in) with ε = 1 − e^(−UA/ṁc) (ε-NTU, air the minimum stream),
        // so a rack whose fans were sized for its 15 % air share cannot dump its liquid
        // heat when the facility loop fails: its coolant climbs instead.
        // Backward Euler: C·(T' − T)/dt = Q − G·(T' − T_in), G = ε·ṁ·c, which makes the
        // rack's heat to air affine in its own inlet: h = b − k·T_in, solved with the row.
        let q_w = (p.liquid_fraction * electric_kw - stored_kw) * 1_000.0;
        let c_dt = p.coolant_j_per_k / dt;
        let c_air = air_flow * hall.cp;
        let g = if c_air > 0.0 { c_air * (1.0 - (-p.l2a_ua_w_per_k / c_air).exp()) } else { 0.0 };
        air.l2a_g_w_per_k = g;
        air.coolant_q_w = q_w;
        air.heat_liquid_kw = 0.0;
        let direct_w = (1.0 - p.liquid_fraction) * electric_kw * 1_000.0;
        let b = direct_w + g * (c_dt * air.coolant_c + q_w) / (c_dt + g);
        air.heat_k_w_per_k = g * c_dt / (c_dt + g);
        if air_flow <= 0.0 {
            // Dark rack: its coolant cools by itself into the room (no airflow, g = 0).
            let t1 = (c_dt * air.coolant_c + q_w) / c_dt;
            air.coolant_stored_kw = c_dt * (t1 - air.coolant_c) / 1_000.0;
            air.coolant_c = t1;
            air.heat_air_kw = direct_w / 1_000.0;
        } else {
            // Provisional (at last tick's inlet); final once the row is solved.
            air.heat_air_kw = (b - air.heat_k_w_per_k * air.inlet_c) / 1_000.0;
        }
        air.heat_b_w = b;
    } else {
        air.heat_liquid_kw = 0.0;
        air.heat_air_kw = electric_kw - stored_kw;
    }
    air.flow_kg_s = air_flow;
    if air.flow_kg_s > 0.0 && air.heat_k_w_per_k == 0.0 {
        air.heat_b_w = air.heat_air_kw * 1_000.0;
    }
}

#[allow(clippy::type_complexity)]
fn solve_halls(
    clock: Res<SimClock>,
    mut books: ResMut<ThermalBooks>,
    mut halls: Query<(&Hall, &mut HallState)>,
    mut rows: Query<&mut Row>,
    mut units: Query<(&SupplyLaw, &mut AirDuty)>,
    nodes: Query<&PowerNode>,
) {
    let dt = clock.dt_s();
    // PDU and busway losses heat the hall they stand in.
    for n in &nodes {
        if let Some(h) = n.heat_hall
            && let Ok((_, mut st)) = halls.get_mut(h)
        {
            st.room_heat_kw += n.loss_kw;
            books.hall_losses_kw += n.loss_kw;
            books.room_heat_kw += n.loss_kw;
        }
    }
    for (hall, mut st) in &mut halls {
        let cp = air_cp(st.humidity_ratio);
        let mut net = HallNetwork {
            room_capacity_j_per_k: hall.room_capacity_j_per_k,
            mass_capacity_j_per_k: hall.mass_capacity_j_per_k,
            ua_w_per_k: hall.mass_ua_w_per_k,
            room_t0_c: st.room_c,
            mass_t0_c: st.mass_c,
            cp_j_per_kg_k: cp,
            room_heat_w: st.room_heat_kw * 1_000.0,
            rows: Vec::with_capacity(hall.rows.len()),
            units: Vec::with_capacity(hall.units.len()),
            inlet: hall.inlet,
        };
        let (mut w_flow, mut m_tot) = (0.0, 0.0);
        for &u in &hall.units {
            if let Ok((law, duty)) = units.get(u) {
                net.units.push(NetUnit {
                    mass_flow_kg_s: law.mass_flow_kg_s,
                    pieces: law.pieces.clone(),
                    cap: law.cap,
                    active: duty.piece,
                });
                w_flow += law.mass_flow_kg_s * law.humidity_ratio;
                m_tot += law.mass_flow_kg_s;
            }
        }
        for &r in &hall.rows {
            if let Ok(mut row) = rows.get_mut(r) {
                let response = network::row_response(&row.sums, cp);
                row.response = response;
                net.rows.push(NetRow {
                    capacity_j_per_k: row.capacity_j_per_k,
                    t0_c: row.cold_c,
                    supply_share: row.supply_share,
                    draw_kg_s: row.sums.draw_kg_s(),
                    heat_w: response.h0_w,
                    heat_slope_w_per_k: response.h1_w_per_k,
                    local_share: starved_row_exhaust_share(&row.sums),
                    hot_offset_c: response.alpha,
                    hot_slope: response.beta,
                });
            }
        }
        let sol = net.solve(dt);
        st.room_c = sol.room_c;
        st.mass_c = sol.mass_c;
        st.supply_kg_s = m_tot;
        st.rack_flow_kg_s = hall.rows.iter().filter_map(|&r| rows.get(r).ok()).map(|r| r.sums.draw_kg_s()).sum::<f64>();
        if m_tot > 0.0 {
            st.humidity_ratio = w_flow / m_tot;
            st.supply_c =
                sol.unit_supply_c.iter().zip(&net.units).map(|(t, u)| t * u.mass_flow_kg_s).sum::<f64>() / m_tot;
        }
        st.heat_in_kw = sol.heat_in_w / 1_000.0;
        st.removed_kw = sol.unit_removed_w.iter().sum::<f64>() / 1_000.0;
        st.stored_kw = sol.stored_w / 1_000.0;
        books.air_removed_kw += st.removed_kw;
        books.hall_stored_kw += st.stored_kw;
        for (k, &r) in hall.rows.iter().enumerate() {
            if let Ok(mut row) = rows.get_mut(r) {
                row.cold_c = sol.cold_c[k];
                row.recirc_kg_s = sol.recirc_kg_s[k];
                row.local_kg_s = sol.local_kg_s[k];
            }
        }
        for (i, &u) in hall.units.iter().enumerate() {
            if let Ok((_, mut duty)) = units.get_mut(u) {
                duty.supply_c = sol.unit_supply_c[i];
                duty.return_c = sol.return_c;
                duty.removed_kw = sol.unit_removed_w[i] / 1_000.0;
                duty.piece = sol.unit_piece[i];
            }
        }
    }
}

/// What a rack needs of its hall to place its inlet in the envelopes.
struct InletView {
    cp: f64,
    classifier: ashrae::HallClassifier,
}

/// Hottest and mean cold-aisle temperature of a hall's rows, °C (`None` without rows).
fn hall_cold_aisles(rows: &[Entity], q: &Query<&mut Row>) -> (Option<f64>, Option<f64>) {
    let cold: Vec<f64> = rows.iter().filter_map(|&r| q.get(r).ok()).map(|r| r.cold_c).collect();
    if cold.is_empty() {
        return (None, None);
    }
    let max = cold.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (Some(max), Some(cold.iter().sum::<f64>() / cold.len() as f64))
}

/// Rack inlet and exhaust temperatures from each row's cold aisle, and envelope time.
#[allow(clippy::too_many_arguments)]
fn rack_inlets(
    clock: Res<SimClock>,
    index: Res<ThermalIndex>,
    mut log: ResMut<EventLog>,
    mut books: ResMut<ThermalBooks>,
    mut halls: Query<(&Hall, &mut HallState)>,
    mut rows: Query<&mut Row>,
    mut racks: Query<(&Rack, &mut RackAir)>,
    outdoor: Res<crate::weather::Outdoor>,
    parallel: Res<crate::schedule::Parallelism>,
) {
    let dt = clock.dt_s();
    let t = clock.t_s();
    let p_pa = outdoor.pressure_pa;
    let mut views = Vec::with_capacity(index.halls.len());
    let mut dew_points = Vec::with_capacity(index.halls.len());
    for &h in &index.halls {
        let (_, st) = halls.get(h).expect("indexed hall");
        let dew_point = psychro::dew_point_c(st.humidity_ratio, p_pa);
        let p_w = psychro::vapor_pressure_from_humidity_ratio(st.humidity_ratio, p_pa);
        views
            .push(InletView { cp: air_cp(st.humidity_ratio), classifier: ashrae::HallClassifier::new(dew_point, p_w) });
        dew_points.push(dew_point);
    }
    // Each row's hot aisle from its cold aisle (the row closed form).
    let mut row_state: Vec<(f64, f64)> = Vec::with_capacity(index.rows.len());
    for &r in &index.rows {
        let mut row = rows.get_mut(r).expect("indexed row");
        let th = row.response.alpha + row.response.beta * row.cold_c;
        row.hot_c = th;
        row_state.push((row.cold_c, th));
    }
    // Each rack on its own (in parallel where allowed), then logging and sums in query order.
    let (views, row_state) = (&views, &row_state);
    let each = move |(rack, mut a): (&Rack, Mut<RackAir>)| {
        let view = &views[rack.hall_index];
        let (tc, th) = row_state[rack.row_index];
        if a.flow_kg_s <= 0.0 {
            // A dark rack: no airflow through it, nothing to protect; its front faces its
            // row's cold aisle. (It once read the room node, which in a contained hall is the
            // hot return air: a dark row then showed a 37 °C "inlet".)
            a.inlet_c = tc;
            a.exhaust_c = tc;
            a.exposure.current = None;
            a.temperature_band = None;
            return;
        }
        let rho = a.recirculation;
        let inlet = (1.0 - rho) * tc + rho * th;
        a.inlet_c = inlet;
        let heat_w = a.heat_b_w - a.heat_k_w_per_k * inlet;
        a.heat_air_kw = heat_w / 1_000.0;
        a.exhaust_c = inlet + heat_w / (a.flow_kg_s * view.cp);
        if a.l2a_g_w_per_k > 0.0 {
            // The rack's coolant at the end of the tick, with this tick's inlet.
            let c_dt = rack.params.coolant_j_per_k / dt;
            let g = a.l2a_g_w_per_k;
            let t1 = (c_dt * a.coolant_t0_c + a.coolant_q_w + g * inlet) / (c_dt + g);
            a.coolant_stored_kw = c_dt * (t1 - a.coolant_t0_c) / 1_000.0;
            a.coolant_c = t1;
        }
        let (band, in_h1) = view.classifier.classify(inlet);
        a.exposure.add(band, in_h1, dt);
        a.exposure.current = Some(band);
    };
    if parallel.0 {
        racks.par_iter_mut().for_each(each);
    } else {
        racks.iter_mut().for_each(each);
    }
    let mut stats = vec![(f64::NEG_INFINITY, 0.0_f64, 0usize); index.halls.len()];
    for (rack, mut a) in &mut racks {
        if a.flow_kg_s <= 0.0 {
            continue;
        }
        if a.l2a_g_w_per_k > 0.0 {
            books.gpu_stored_kw += a.coolant_stored_kw;
        }
        books.rack_air_kw += a.heat_air_kw;
        let inlet = a.inlet_c;
        let now = ashrae::temperature_band(inlet);
        if a.temperature_band != Some(now) {
            log_band_change(&mut log, t, &rack.id, a.temperature_band, now, inlet);
            a.temperature_band = Some(now);
        }
        let s = &mut stats[rack.hall_index];
        s.0 = s.0.max(inlet);
        s.1 += inlet;
        s.2 += 1;
    }
    for (i, &h) in index.halls.iter().enumerate() {
        let (hall, mut st) = halls.get_mut(h).expect("indexed hall");
        let dew_point = dew_points[i];
        let hum = ashrae::dew_point_band(dew_point);
        if let Some(before) = st.humidity_band
            && hum != before
        {
            let (kind, sev, msg) = if hum > before {
                (
                    EventKind::HumidityExcursion,
                    if hum >= ashrae::Band::A2 { Severity::Alarm } else { Severity::Warning },
                    format!(
                        "hall dew point {dew_point:.1} °C left the {} humidity envelope (now {})",
                        before.label(),
                        hum.label()
                    ),
                )
            } else {
                (
                    EventKind::HumidityRecovered,
                    Severity::Info,
                    format!("hall dew point {dew_point:.1} °C back in {}", hum.label()),
                )
            };
            log.log(t, kind, sev, &hall.id, msg, Some(dew_point)).detail =
                EventDetail::Envelope { from: before, to: hum };
        }
        st.humidity_band = Some(hum);
        // Inlet statistics are over racks moving air; a hall with none reports its cold aisles.
        let (max_in, sum_in, n) = stats[i];
        (st.max_inlet_c, st.mean_inlet_c) = if n > 0 {
            (max_in, sum_in / n as f64)
        } else {
            let (cold_max, cold_mean) = hall_cold_aisles(&hall.rows, &rows);
            (cold_max.unwrap_or(st.room_c), cold_mean.unwrap_or(st.room_c))
        };
    }
}

fn log_band_change(
    log: &mut EventLog,
    t: f64,
    rack: &str,
    before: Option<ashrae::Band>,
    now: ashrae::Band,
    inlet: f64,
) {
    let Some(before) = before else { return };
    if now > before {
        let sev = if now >= ashrae::Band::A2 { Severity::Alarm } else { Severity::Warning };
        log.log(
            t,
            EventKind::InletExcursion,
            sev,
            rack,
            format!(
                "inlet {inlet:.1} °C above the {} limit of {:.0} °C (now {})",
                before.label(),
                before.max_c(),
                now.label()
            ),
            Some(inlet),
        )
        .detail = EventDetail::Envelope { from: before, to: now };
    } else if now < before {
        log.log(
            t,
            EventKind::InletRecovered,
            Severity::Info,
            rack,
            format!("inlet {inlet:.1} °C back in {}", now.label()),
            Some(inlet),
        )
        .detail = EventDetail::Envelope { from: before, to: now };
    }
}

/// Whether a rack's GPU protection has work this tick (see [`ProtectionWatch`]).
fn protection_due(rack: &Rack, supply: &RackSupply, air: &RackAir, bank: &GpuBank) -> bool {
    let Some(g) = &rack.params.gpu else { return false };
    !gpu::protection_idle(bank, g, supply.powered, coolant_trips(rack, air))
}

/// Whether a direct-liquid rack's coolant is above the limit at which its trays power off.
fn coolant_trips(rack: &Rack, air: &RackAir) -> bool {
    rack.params.liquid_cooled && air.sink_c > rack.params.max_coolant_c
}

/// GPU protection of the racks the heat pass found with work ([`ProtectionWatch`], in query
/// order); idle racks are left untouched (no change tick either).
fn protect_gpus(
    clock: Res<SimClock>,
    watch: Res<ProtectionWatch>,
    mut log: ResMut<EventLog>,
    mut racks: Query<(&Rack, &RackSupply, &RackAir, &mut GpuBank)>,
) {
    let t = clock.t_s();
    for &entity in &watch.0 {
        let Ok((rack, supply, air, mut bank)) = racks.get_mut(entity) else { continue };
        let Some(g) = &rack.params.gpu else { continue };
        let coolant_trip = coolant_trips(rack, air);
        let before = bank.counts;
        gpu::protect_bank(&mut bank, g, supply.powered, coolant_trip);
        let after = bank.counts;
        let (thr, slow, off) = (GpuState::Throttled as usize, GpuState::Slowdown as usize, GpuState::Shutdown as usize);
        if before[thr] + before[slow] == 0 && after[thr] + after[slow] > 0 {
            log.log(
                t,
                EventKind::GpuThrottling,
                Severity::Warning,
                &rack.id,
                format!(
                    "{} GPU(s) thermally throttling, hottest die {:.1} °C",
                    after[thr] + after[slow],
                    f64::from(bank.hottest_c)
                ),
                Some(f64::from(bank.hottest_c)),
            );
        }
        if after[slow] > before[slow] && before[slow] == 0 {
            log.log(
                t,
                EventKind::GpuSlowdown,
                Severity::Alarm,
                &rack.id,
                format!("{} GPU(s) in hardware slowdown (clocks halved)", after[slow]),
                Some(f64::from(bank.hottest_c)),
            );
        }
        if after[off] > before[off] {
            let why = if coolant_trip {
                format!("rack coolant {:.1} °C above its {:.0} °C limit", air.sink_c, rack.params.max_coolant_c)
            } else {
                format!("die over {:.0} °C", g.shutdown_c)
            };
            log.log(
                t,
                EventKind::GpuShutdown,
                Severity::Critical,
                &rack.id,
                format!(
                    "{} GPU(s) shut down on over-temperature: {why} ({} of {} off)",
                    after[off] - before[off],
                    after[off],
                    bank.len()
                ),
                Some(f64::from(after[off])),
            );
        }
    }
}

/// Aisle containment.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub enum Containment {
    /// Open hot/cold aisles.
    #[default]
    None,
    /// Contained cold aisles.
    ColdAisle,
    /// Contained (ducted) hot aisles.
    HotAisle,
}
