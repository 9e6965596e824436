//! The electrical chain: utility → transformer → switchboard/ATS → UPS → PDU/busway → rack,
//! generators on the emergency side. See [`PowerPlugin`].
//!
//! Each tick (docs/physics.md §4):
//!
//! 1. **Control** ([`SimStep::Control`]): ATS state machines in [`ats`] (sense delay,
//!    transfer, retransfer timer); generator start/stop and the bus's step-wise load
//!    acceptance in [`generator`].
//! 2. **Flow** ([`SimStep::Electrical`], [`flow`]): energisation top-down (a UPS output stays
//!    live on battery, [`ups`]), then one bottom-up flow pass: rack demand over live A/B feeds
//!    (2N load transfer), each stage's losses `a·P_rated + b·P + c·P²/P_rated` (docs/physics.md §4.1),
//!    batteries discharging or recharging.
//! 3. **Protection**, on the flows just computed: breakers integrate their thermal memory and
//!    **trip** in [`breaker::protect`]; UPS overload integrals (`ups::ups_overload`); generator
//!    bus overload (`generator::bus_overload`). A trip takes effect from the next tick:
//!    everything downstream loses power (GPUs off, heat gone).
//!
//! Scripted faults and repairs arrive through [`actions`].
//!
//! Books kept in [`PowerBooks`] close exactly each tick:
//! `grid + generators + battery discharge = IT + cooling + losses + battery charge`.

use serde::{Deserialize, Serialize};
pub mod actions;
pub mod ats;
pub mod breaker;
pub mod flow;
pub mod generator;
pub mod ups;

use bevy::ecs::system::SystemParam;
use bevy::prelude::*;
use rand::RngExt;

use crate::events::Action;
use crate::events::{DueActions, EventKind, EventLog, EventPhase, Severity};
use crate::load::{Rack, RackLoad};
use crate::schedule::{SimClock, SimRng, SimSchedule, SimStep};
use crate::weather::Outdoor;
pub use ats::{AtsState, Switchboard};
use breaker::{Breaker, TripCause, three_phase_current_a};
use generator::{GenFailure, GenState};
pub use generator::{Generator, GeneratorBus};
pub use ups::Ups;
use ups::{LossModel, UpsState};

/// Kind of electrical node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeKind {
    /// Utility feed.
    Utility,
    /// MV/LV transformer.
    Transformer,
    /// Switchboard with ATS.
    Switchboard,
    /// Paralleled generator bus.
    GeneratorBus,
    /// UPS system.
    Ups,
    /// PDU, busway or RPP.
    Distribution,
}

/// Common state of every electrical node.
#[derive(Component, Clone, Debug)]
pub struct PowerNode {
    /// Id from the scenario.
    pub id: String,
    /// Kind.
    pub kind: NodeKind,
    /// Normal upstream node (none for utilities and generator buses).
    pub upstream: Option<Entity>,
    /// Live this tick.
    pub energized: bool,
    /// Admitted by the generator bus's load sequencer (always true on utility).
    pub admitted: bool,
    /// Power delivered downstream, kW.
    pub output_kw: f64,
    /// Losses in this element, kW.
    pub loss_kw: f64,
    /// Power drawn from upstream, kW.
    pub input_kw: f64,
    /// Rating, kW (for loading).
    pub rating_kw: f64,
    /// Hall whose air receives this element's losses (PDUs and busways in the white space).
    pub heat_hall: Option<Entity>,
    /// Scratch: downstream demand accumulated this tick, kW.
    pub acc_kw: f64,
    /// What it drew when last live (the sequencer's estimate of its demand), kW.
    pub last_live_kw: f64,
}

impl PowerNode {
    /// A node with no flow yet.
    pub fn new(id: impl Into<String>, kind: NodeKind, upstream: Option<Entity>, rating_kw: f64) -> Self {
        Self {
            id: id.into(),
            kind,
            upstream,
            energized: false,
            admitted: true,
            output_kw: 0.0,
            loss_kw: 0.0,
            input_kw: 0.0,
            rating_kw,
            heat_hall: None,
            acc_kw: 0.0,
            last_live_kw: 0.0,
        }
    }

    /// Loading as a fraction of rating.
    pub fn loading(&self) -> f64 {
        if self.rating_kw > 0.0 { self.output_kw / self.rating_kw } else { 0.0 }
    }
}

/// A utility feed.
#[derive(Component, Clone, Debug)]
pub struct UtilityFeed {
    /// Capacity, kW.
    pub capacity_kw: f64,
    /// Whether the grid supplies it.
    pub available: bool,
    /// Whether the capacity alarm is raised.
    pub over_capacity: bool,
}

/// An MV/LV transformer (docs/physics.md §4.1).
#[derive(Component, Clone, Debug)]
pub struct Transformer {
    /// Rating, kVA.
    pub rating_kva: f64,
    /// No-load loss, kW.
    pub no_load_loss_kw: f64,
    /// Load loss at rated current, kW.
    pub load_loss_kw: f64,
    /// Load power factor.
    pub power_factor: f64,
}

impl Transformer {
    /// Losses at output `p_kw`: `P0 + Pk·(S/S_r)²`, kW.
    pub fn loss_kw(&self, p_kw: f64) -> f64 {
        let s = p_kw / self.power_factor / self.rating_kva;
        self.no_load_loss_kw + self.load_loss_kw * s * s
    }
}

/// A PDU, busway or RPP and its breaker.
#[derive(Component, Clone, Debug)]
pub struct Distribution {
    /// Kind.
    pub kind: DistributionKind,
    /// Rated current, A.
    pub rating_a: f64,
    /// Voltage, V.
    pub voltage_v: f64,
    /// Power factor.
    pub power_factor: f64,
    /// Breaker.
    pub breaker: Breaker,
    /// Losses.
    pub losses: LossModel,
    /// Current this tick, A.
    pub current_a: f64,
}

/// Default loss model of a distribution kind (docs/physics.md §4.1 \[U\]).
pub fn distribution_losses(kind: DistributionKind) -> LossModel {
    match kind {
        DistributionKind::Pdu => LossModel { a: 0.015, b: 0.0, c: 0.015 },
        DistributionKind::Busway => LossModel { a: 0.0, b: 0.0, c: 0.01 },
        DistributionKind::Rpp => LossModel { a: 0.0, b: 0.0, c: 0.005 },
    }
}

/// A rack's A and B feeds.
#[derive(Component, Clone, Debug)]
pub struct RackFeeds {
    /// A side.
    pub a: Entity,
    /// B side.
    pub b: Option<Entity>,
}

/// A rack's supply this tick.
#[derive(Component, Clone, Debug, Default)]
pub struct RackSupply {
    /// Powered from at least one feed.
    pub powered: bool,
    /// Power delivered, kW.
    pub delivered_kw: f64,
    /// From the A side, kW.
    pub a_kw: f64,
    /// From the B side, kW.
    pub b_kw: f64,
    /// Demand that could not be served, kW.
    pub unserved_kw: f64,
}

/// A facility load (cooling equipment) on a feed.
#[derive(Component, Clone, Debug)]
pub struct PowerLoad {
    /// Feed node.
    pub feed: Entity,
    /// Power asked for this tick, kW.
    pub demand_kw: f64,
    /// Whether the feed is live.
    pub powered: bool,
    /// Power delivered this tick, kW.
    pub delivered_kw: f64,
}

impl PowerLoad {
    /// A load on `feed` asking nothing yet.
    pub fn on(feed: Entity) -> Self {
        Self { feed, demand_kw: 0.0, powered: false, delivered_kw: 0.0 }
    }
}

/// Electrical nodes in top-down order (sources before what they feed).
///
/// A node's position in `top_down` is its *slot*: per-tick flows are accumulated in dense
/// vectors indexed by slot, so the per-rack loop never looks a node up by entity.
#[derive(Resource, Clone, Debug, Default)]
pub struct PowerTopology {
    /// Nodes, sources first.
    pub top_down: Vec<Entity>,
    /// Slot of each node by entity index (`u32::MAX`: not a node).
    slot_by_index: Vec<u32>,
}

impl PowerTopology {
    /// The topology of nodes `top_down`, sources first.
    pub fn new(top_down: Vec<Entity>) -> Self {
        let len = top_down.iter().map(|e| e.index_u32() as usize + 1).max().unwrap_or(0);
        let mut slot_by_index = vec![u32::MAX; len];
        for (slot, e) in top_down.iter().enumerate() {
            slot_by_index[e.index_u32() as usize] = slot as u32;
        }
        Self { top_down, slot_by_index }
    }

    /// Slot of node `e`, if it is one.
    #[inline]
    pub fn slot(&self, e: Entity) -> Option<usize> {
        let s = *self.slot_by_index.get(e.index_u32() as usize)?;
        (s != u32::MAX && self.top_down[s as usize] == e).then_some(s as usize)
    }
}

/// The electrical side as the adaptive step sees it (see [`crate::adaptive`]).
#[derive(SystemParam)]
pub struct PowerSteadiness<'w, 's> {
    boards: Query<'w, 's, &'static Switchboard>,
    buses: Query<'w, 's, &'static GeneratorBus>,
    gens: Query<'w, 's, &'static Generator>,
    ups: Query<'w, 's, &'static Ups>,
    dists: Query<'w, 's, &'static Distribution>,
    nodes: Query<'w, 's, &'static PowerNode>,
}

impl PowerSteadiness<'_, '_> {
    /// Why the electrical side needs the shortest tick, if it does: a transfer switch is
    /// sensing a loss, waiting for its generators or timing a retransfer, a generator is
    /// starting, a generator bus is stepping its load in, cooling down or overloaded, a UPS is
    /// on battery, walking in or overloaded, a load waits for the sequencer, or a breaker
    /// carries more than its rating (or is still hot from doing so). A site running steadily
    /// on its generators is steady: fuel burns linearly in time. A breaker at or below In never trips (IEC 60947-2 conventional
    /// non-tripping current ≥ 1.05 In, docs/physics.md §4.6), and its thermal state follows the exact
    /// exponential, so a steady one is exact at any tick.
    pub fn unsteady(&self) -> Option<&'static str> {
        // A lost feed is a transient until every board it fed has settled: on the generators,
        // or (without any) on its UPS batteries, which the UPS check below covers.
        let settled_board = |b: &Switchboard| match b.ats {
            AtsState::OnNormal => true,
            AtsState::OnEmergency => b.normal_ok_since_ms.is_none(),
            AtsState::NormalLost { .. } | AtsState::AwaitEmergency => b.emergency.is_none(),
        };
        if self.boards.iter().any(|b| !settled_board(b)) {
            return Some("transfer switch sensing, transferring or timing a retransfer");
        }
        if self.gens.iter().any(|g| matches!(g.state, GenState::Starting { .. })) {
            return Some("generators starting");
        }
        // Running sets are steady once their bus has accepted its whole load in steps; a bus
        // running with no request is counting down its cool-down.
        if self.buses.iter().any(|b| {
            b.capacity_kw > 0.0 && (b.load_limit_kw < b.capacity_kw || b.requests == 0) || b.overload_acc > 0.0
        }) {
            return Some("generator bus stepping its load, cooling down or overloaded");
        }
        // A faulted UPS on bypass, or one whose battery is exhausted, stays as it is; a UPS
        // recharging draws a constant, capped power (exact at any tick).
        let settled = |u: &Ups| {
            u.state == UpsState::Online
                || (u.faulted && u.state == UpsState::Bypass)
                || (u.state == UpsState::Off && u.battery.energy_kwh <= 0.0)
        };
        if self.ups.iter().any(|u| !settled(u) || u.input_share < 1.0 || u.overload_acc > 0.0) {
            return Some("UPS on battery, walking in or overloaded");
        }
        if self.nodes.iter().any(|n| !n.admitted) {
            return Some("loads waiting for the generator sequencer");
        }
        let hot = |d: &Distribution| {
            let b = &d.breaker;
            b.reset_pending || b.closed && (d.current_a > b.rating_a || b.theta > 1.0)
        };
        if self.dists.iter().any(hot) {
            return Some("breaker above its rating");
        }
        None
    }
}

/// This tick's electrical books, kW.
#[derive(Resource, Clone, Debug, Default)]
pub struct PowerBooks {
    /// Grid import.
    pub grid_kw: f64,
    /// Generator output.
    pub generator_kw: f64,
    /// Chemical power drained from batteries.
    pub battery_discharge_kw: f64,
    /// Power stored into batteries.
    pub battery_charge_kw: f64,
    /// Delivered to racks.
    pub it_kw: f64,
    /// Delivered to cooling equipment.
    pub cooling_kw: f64,
    /// Transformer losses.
    pub transformer_loss_kw: f64,
    /// UPS conversion losses.
    pub ups_loss_kw: f64,
    /// Battery internal losses (Peukert, charge inefficiency).
    pub battery_loss_kw: f64,
    /// PDU, busway and RPP losses.
    pub distribution_loss_kw: f64,
    /// Demand of racks without power.
    pub unserved_kw: f64,
    /// Racks without power.
    pub racks_unpowered: u32,
    /// Battery energy missing in a tick where a battery ran empty mid-tick, kW equivalent;
    /// counted as a book error. Stays zero: energisation checks every discharging battery
    /// against the load it actually carries in the tick (see `flow::power_flow`).
    pub battery_shortfall_kw: f64,
}

impl PowerBooks {
    /// Sum of electrical losses, kW.
    pub fn losses_kw(&self) -> f64 {
        self.transformer_loss_kw + self.ups_loss_kw + self.battery_loss_kw + self.distribution_loss_kw
    }

    /// Sources minus uses, kW (zero when the books close). Energy a battery could not give in
    /// its last tick is not a source: it shows here as an error.
    pub fn imbalance_kw(&self) -> f64 {
        let sources = self.grid_kw + self.generator_kw + self.battery_discharge_kw;
        let uses = self.it_kw + self.cooling_kw + self.losses_kw() + self.battery_charge_kw;
        sources - uses
    }
}

/// The electrical controllers (ATS, generators); other controllers run after them.
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PowerControl;

/// The electrical domain.
#[derive(Default)]
pub struct PowerPlugin;

impl Plugin for PowerPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<PowerTopology>()
            .init_resource::<PowerBooks>()
            .add_systems(SimSchedule, actions::apply_power_actions.in_set(EventPhase::Power))
            .add_systems(
                SimSchedule,
                (ats::ats_control, generator::generator_control, ats::ats_transfer)
                    .chain()
                    .in_set(PowerControl)
                    .in_set(SimStep::Control),
            )
            .add_systems(SimSchedule, flow::power_flow.in_set(SimStep::Electrical));
    }
}

/// Redundancy of a group of units.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub enum Redundancy {
    /// Exactly enough units for the design load.
    #[default]
    N,
    /// One spare unit.
    NPlus1,
    /// Two spare units.
    NPlus2,
    /// Two complete systems.
    TwoN,
}
impl Redundancy {
    /// Units that may be lost while still carrying the design load, out of `units`.
    pub fn spare_units(self, units: u32) -> u32 {
        match self {
            Redundancy::N => 0,
            Redundancy::NPlus1 => 1.min(units),
            Redundancy::NPlus2 => 2.min(units),
            Redundancy::TwoN => units / 2,
        }
    }
}

/// Kind of distribution element.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub enum DistributionKind {
    /// Power distribution unit with transformer.
    #[default]
    Pdu,
    /// Overhead busway with tap-offs.
    Busway,
    /// Remote power panel.
    Rpp,
}
