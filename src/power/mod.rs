//! The electrical chain: utility → transformer → switchboard/ATS → UPS → PDU/busway → rack,
//! generators on the emergency side. See [`PowerPlugin`].
//!
//! Each tick (physics §4):
//!
//! 1. **Control** ([`SimStep::Control`]): ATS state machines (sense delay, transfer,
//!    retransfer timer), generator start/stop and the bus's step-wise load acceptance.
//! 2. **Energisation, top-down**: an element is live when its source is live, its breaker is
//!    closed and (on generators) the bus has admitted it; a UPS output stays live on battery.
//! 3. **Flow, bottom-up**: rack demand splits over live A/B feeds (all of it on one side when
//!    the other is dead: 2N load transfer); each stage adds its losses
//!    (`a·P_rated + b·P + c·P²/P_rated`, physics §4.1); UPS batteries discharge or recharge.
//! 4. **Protection**: breakers integrate their thermal memory with this tick's current and trip
//!    inside the tick ([`breaker`]); UPS overload integrals; generator bus overload. A trip
//!    takes effect from the next tick: everything downstream loses power (GPUs off, heat gone).
//!
//! Books kept in [`PowerBooks`] close exactly each tick:
//! `grid + generators + battery discharge = IT + cooling + losses + battery charge`.

use serde::{Deserialize, Serialize};
pub mod breaker;
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
use breaker::{Breaker, TripCause, three_phase_current_a};
use generator::{GenFailure, GenState};
use ups::{Battery, LossModel, UpsMode, UpsState};

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

/// An MV/LV transformer (physics §4.1).
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

/// State of an automatic transfer switch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AtsState {
    /// On the normal source.
    OnNormal,
    /// Normal source lost; confirming (since ms).
    NormalLost {
        /// When it was lost, ms.
        since_ms: u64,
    },
    /// Generators signalled; waiting for the bus.
    AwaitEmergency,
    /// On the generator bus.
    OnEmergency,
}

/// A switchboard with its ATS.
#[derive(Component, Clone, Debug)]
pub struct Switchboard {
    /// Generator bus.
    pub emergency: Option<Entity>,
    /// ATS state.
    pub ats: AtsState,
    /// Sense delay, ms.
    pub sense_delay_ms: u64,
    /// Retransfer delay, ms.
    pub retransfer_delay_ms: u64,
    /// Normal source healthy since, ms (while on emergency).
    pub normal_ok_since_ms: Option<u64>,
    /// Child nodes in load-acceptance priority order (UPS first).
    pub children: Vec<Entity>,
    /// When the generators were signalled (utility loss + sense delay), ms.
    pub signal_ms: u64,
}

/// A paralleled generator bus.
#[derive(Component, Clone, Debug)]
pub struct GeneratorBus {
    /// Member sets.
    pub units: Vec<Entity>,
    /// Declared redundancy.
    pub redundancy: Redundancy,
    /// Largest load step, fraction of online rating.
    pub step_fraction: f64,
    /// Time between steps, ms.
    pub step_interval_ms: u64,
    /// Unloaded run before stopping, ms.
    pub cooldown_ms: u64,
    /// Switchboards asking for it this tick.
    pub requests: u32,
    /// Online derated capacity, kW.
    pub capacity_kw: f64,
    /// Load the sequencer accepts now, kW (∞ once fully stepped).
    pub load_limit_kw: f64,
    /// Time of the last load step, ms.
    pub last_step_ms: u64,
    /// Overload integral.
    pub overload_acc: f64,
    /// No request since, ms.
    pub idle_since_ms: Option<u64>,
    /// Earliest start signal among the boards asking, ms.
    pub signal_ms: Option<u64>,
}

/// A diesel generator set.
#[derive(Component, Clone, Debug)]
pub struct Generator {
    /// Id.
    pub id: String,
    /// Its bus.
    pub bus: Entity,
    /// Rating, kWe.
    pub rating_kw: f64,
    /// Start delay, ms.
    pub start_delay_ms: u64,
    /// Fail-to-start probability.
    pub fail_to_start_probability: f64,
    /// Fuel curve.
    pub fuel_curve: generator::FuelCurve,
    /// Derating threshold, °C.
    pub derate_above_c: f64,
    /// Derating, % per K.
    pub derate_pct_per_k: f64,
    /// Tank entity.
    pub tank: Entity,
    /// State.
    pub state: GenState,
    /// Next start fails (scripted).
    pub fail_next_start: bool,
    /// The pending start will fail (drawn at start).
    pub start_will_fail: bool,
    /// Output this tick, kW.
    pub output_kw: f64,
    /// Available output this tick (derated), kW.
    pub available_kw: f64,
    /// Start attempts (for the seeded draw index).
    pub start_attempts: u64,
    /// Running time below 30 % load, s.
    pub light_load_s: f64,
    /// Running time, s.
    pub run_s: f64,
    /// Fuel supply OK (set by the fuel plugin).
    pub fuel_ok: bool,
}

/// A UPS system.
#[derive(Component, Clone, Debug)]
pub struct Ups {
    /// Output rating, kW.
    pub rating_kw: f64,
    /// Modules.
    pub modules: u32,
    /// Declared redundancy.
    pub redundancy: Redundancy,
    /// Mode.
    pub mode: UpsMode,
    /// Losses.
    pub losses: LossModel,
    /// Battery.
    pub battery: Battery,
    /// State.
    pub state: UpsState,
    /// Faulted (scripted).
    pub faulted: bool,
    /// Share of the load carried by the input during walk-in, 0–1.
    pub input_share: f64,
    /// Walk-in duration, s.
    pub walk_in_s: f64,
    /// Overload integral.
    pub overload_acc: f64,
    /// Seconds at or below rating while on overload bypass.
    pub below_rating_s: f64,
    /// Overload bypass active.
    pub overload_bypass: bool,
    /// DC power from the battery this tick, kW.
    pub battery_dc_kw: f64,
    /// Chemical power drained this tick, kW.
    pub battery_chem_kw: f64,
    /// Recharge power drawn this tick, kW.
    pub recharge_kw: f64,
    /// Power stored in the battery this tick, kW.
    pub stored_kw: f64,
}

impl Ups {
    /// Splits output `out_kw` into `(loss, from input, from battery)`, kW, in this tick's state
    /// (online or on battery; walk-in leaves `1 − input_share` on the battery).
    pub fn split_kw(&self, out_kw: f64) -> (f64, f64, f64) {
        let loss = self.losses.loss_kw(out_kw, self.rating_kw);
        let total = out_kw + loss;
        let from_input = if self.state == UpsState::Online { total * self.input_share } else { 0.0 };
        (loss, from_input, total - from_input)
    }

    /// Whether the battery gives power this tick (on battery, or walking in on its input).
    pub fn draws_on_battery(&self) -> bool {
        self.state == UpsState::OnBattery || self.state == UpsState::Online && self.input_share < 1.0
    }

    /// Whether the battery can carry its part of output `out_kw` for the whole tick.
    pub fn battery_carries(&self, out_kw: f64, dt_s: f64) -> bool {
        let (_, _, from_battery) = self.split_kw(out_kw);
        from_battery <= 0.0 || self.battery.can_carry(from_battery, dt_s)
    }

    /// What the UPS takes from its input for output `out_kw` this tick (recharge included),
    /// kW, without changing its battery.
    pub fn input_kw(&self, out_kw: f64, dt_s: f64) -> f64 {
        match self.state {
            UpsState::Off => 0.0,
            UpsState::Bypass => out_kw,
            UpsState::Online | UpsState::OnBattery => {
                let (_, from_input, _) = self.split_kw(out_kw);
                let recharge = if self.state == UpsState::Online && self.input_share >= 1.0 {
                    self.battery.recharge_demand_kw(dt_s)
                } else {
                    0.0
                };
                from_input + recharge
            }
        }
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

/// Default loss model of a distribution kind (physics §4.1 [U]).
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
    /// non-tripping current ≥ 1.05 In, physics §4.6), and its thermal state follows the exact
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
    /// against the load it actually carries in the tick (see [`power_flow`]).
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
            .add_systems(SimSchedule, apply_power_actions.in_set(EventPhase::Power))
            .add_systems(
                SimSchedule,
                (ats_control, generator_control, ats_transfer).chain().in_set(PowerControl).in_set(SimStep::Control),
            )
            .add_systems(SimSchedule, power_flow.in_set(SimStep::Electrical));
    }
}

fn find_node(nodes: &Query<(Entity, &PowerNode)>, id: &str) -> Option<Entity> {
    nodes.iter().find(|(_, n)| n.id == id).map(|(e, _)| e)
}

#[allow(clippy::too_many_arguments)]
fn apply_power_actions(
    clock: Res<SimClock>,
    due: Res<DueActions>,
    mut queue: ResMut<crate::events::ActionQueue>,
    mut log: ResMut<EventLog>,
    nodes: Query<(Entity, &PowerNode)>,
    mut feeds: Query<&mut UtilityFeed>,
    mut dists: Query<&mut Distribution>,
    mut upses: Query<&mut Ups>,
    mut gens: Query<&mut Generator>,
) {
    let t = clock.t_s();
    for a in &due.0 {
        match &a.action {
            Action::UtilityOutage { feed, duration } => {
                for (e, n) in &nodes {
                    if n.kind == NodeKind::Utility
                        && feed.as_ref().is_none_or(|f| *f == n.id)
                        && let Ok(mut u) = feeds.get_mut(e)
                        && u.available
                    {
                        u.available = false;
                        log.log(t, EventKind::UtilityLost, Severity::Alarm, &n.id, "utility feed lost", None);
                    }
                }
                if let Some(d) = duration {
                    queue.push(crate::events::TimedAction {
                        at_ms: clock.t_ms + d.as_ms(),
                        action: Action::UtilityRestore { feed: feed.clone() },
                        note: String::new(),
                        source: crate::events::ActionSource::Follow,
                    });
                }
            }
            Action::UtilityRestore { feed } => {
                for (e, n) in &nodes {
                    if n.kind == NodeKind::Utility
                        && feed.as_ref().is_none_or(|f| *f == n.id)
                        && let Ok(mut u) = feeds.get_mut(e)
                        && !u.available
                    {
                        u.available = true;
                        log.log(t, EventKind::UtilityRestored, Severity::Info, &n.id, "utility feed restored", None);
                    }
                }
            }
            Action::BreakerTrip { breaker } => {
                if let Some(e) = find_node(&nodes, breaker)
                    && let Ok(mut d) = dists.get_mut(e)
                    && d.breaker.closed
                {
                    d.breaker.open(TripCause::Manual);
                    log.log(
                        t,
                        EventKind::BreakerTrip,
                        Severity::Alarm,
                        breaker,
                        "breaker opened by a fault or an operator",
                        None,
                    );
                }
            }
            Action::BreakerReset { breaker } => {
                if let Some(e) = find_node(&nodes, breaker)
                    && let Ok(mut d) = dists.get_mut(e)
                    && !d.breaker.closed
                {
                    if d.breaker.request_reset() {
                        log.log(t, EventKind::BreakerReset, Severity::Info, breaker, "breaker reset", None);
                    } else {
                        log.log(
                            t,
                            EventKind::BreakerReset,
                            Severity::Warning,
                            breaker,
                            "reset deferred: breaker still hot, recloses when its thermal element cools",
                            Some(d.breaker.theta),
                        );
                    }
                }
            }
            Action::UpsFault { ups } | Action::UpsRestore { ups } => {
                let fault = matches!(a.action, Action::UpsFault { .. });
                if let Some(e) = find_node(&nodes, ups)
                    && let Ok(mut u) = upses.get_mut(e)
                {
                    u.faulted = fault;
                    if fault {
                        log.log(t, EventKind::UpsFault, Severity::Alarm, ups, "UPS fault: load to static bypass", None);
                    }
                }
            }
            Action::GeneratorTrip { generator }
            | Action::GeneratorFailToStart { generator }
            | Action::GeneratorRepair { generator } => {
                for mut g in &mut gens {
                    if g.id != *generator {
                        continue;
                    }
                    match a.action {
                        Action::GeneratorTrip { .. } => {
                            if matches!(g.state, GenState::Running | GenState::Starting { .. }) {
                                g.state = GenState::Failed(GenFailure::Tripped);
                                log.log(
                                    t,
                                    EventKind::GeneratorTripped,
                                    Severity::Alarm,
                                    generator,
                                    "generator tripped",
                                    None,
                                );
                            }
                        }
                        Action::GeneratorFailToStart { .. } => g.fail_next_start = true,
                        _ => {
                            if matches!(g.state, GenState::Failed(_)) {
                                g.state = GenState::Stopped;
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

/// Live state of upstream sources for the ATS decision: utility feeds and transformers.
fn normal_source_live(e: Entity, nodes: &Query<(&PowerNode, Option<&UtilityFeed>)>) -> bool {
    let Ok((n, feed)) = nodes.get(e) else { return false };
    match n.kind {
        NodeKind::Utility => feed.is_some_and(|f| f.available),
        NodeKind::Transformer => n.upstream.is_some_and(|u| normal_source_live(u, nodes)),
        _ => n.energized,
    }
}

fn ats_control(
    clock: Res<SimClock>,
    mut log: ResMut<EventLog>,
    nodes: Query<(&PowerNode, Option<&UtilityFeed>)>,
    mut boards: Query<(&PowerNode, &mut Switchboard), Without<UtilityFeed>>,
    mut buses: Query<(&PowerNode, &mut GeneratorBus), Without<Switchboard>>,
) {
    let t_ms = clock.t_ms;
    let t = clock.t_s();
    for (_, mut bus) in &mut buses {
        bus.requests = 0;
        bus.signal_ms = None;
    }
    for (node, mut sb) in &mut boards {
        let normal_ok = node.upstream.is_some_and(|u| normal_source_live(u, &nodes));
        let bus_live = sb.emergency.and_then(|b| buses.get(b).ok()).is_some_and(|(_, b)| b.capacity_kw > 0.0);
        // Transitions whose time has come chain within the tick (long ticks stay consistent).
        if sb.ats == AtsState::OnNormal && !normal_ok {
            sb.ats = AtsState::NormalLost { since_ms: t_ms };
        }
        let next = match sb.ats {
            AtsState::NormalLost { .. } if normal_ok => AtsState::OnNormal,
            AtsState::NormalLost { since_ms } if sb.emergency.is_some() && t_ms - since_ms >= sb.sense_delay_ms => {
                log.log(
                    t,
                    EventKind::GeneratorStartSignal,
                    Severity::Warning,
                    &node.id,
                    "utility loss confirmed: generators signalled",
                    None,
                );
                sb.signal_ms = since_ms + sb.sense_delay_ms;
                AtsState::AwaitEmergency
            }
            AtsState::AwaitEmergency if normal_ok => AtsState::OnNormal,
            AtsState::OnEmergency if !bus_live && !normal_ok => AtsState::AwaitEmergency,
            AtsState::OnEmergency if normal_ok => {
                let since = *sb.normal_ok_since_ms.get_or_insert(t_ms);
                if t_ms - since >= sb.retransfer_delay_ms || !bus_live {
                    log.log(t, EventKind::AtsToUtility, Severity::Info, &node.id, "ATS retransferred to utility", None);
                    AtsState::OnNormal
                } else {
                    AtsState::OnEmergency
                }
            }
            AtsState::OnEmergency => {
                sb.normal_ok_since_ms = None;
                AtsState::OnEmergency
            }
            s => s,
        };
        sb.ats = next;
        if matches!(next, AtsState::AwaitEmergency | AtsState::OnEmergency)
            && let Some(b) = sb.emergency
            && let Ok((_, mut bus)) = buses.get_mut(b)
        {
            bus.requests += 1;
            let signal = sb.signal_ms;
            bus.signal_ms = Some(bus.signal_ms.map_or(signal, |s| s.min(signal)));
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn generator_control(
    clock: Res<SimClock>,
    rng: Res<SimRng>,
    outdoor: Res<Outdoor>,
    mut log: ResMut<EventLog>,
    mut buses: Query<(&PowerNode, &mut GeneratorBus)>,
    mut gens: Query<&mut Generator>,
) {
    let (t_ms, t) = (clock.t_ms, clock.t_s());
    for (_, mut bus) in &mut buses {
        let requested = bus.requests > 0;
        if requested {
            bus.idle_since_ms = None;
        } else if bus.idle_since_ms.is_none() {
            bus.idle_since_ms = Some(t_ms);
        }
        let stop = !requested && bus.idle_since_ms.is_some_and(|s| t_ms - s >= bus.cooldown_ms);
        // Starts count from the moment the start signal was given (it may fall inside a long tick).
        let signal_ms = bus.signal_ms.unwrap_or(t_ms).min(t_ms);
        let mut capacity = 0.0;
        for &u in &bus.units {
            let Ok(mut g) = gens.get_mut(u) else { continue };
            if let GenState::Failed(GenFailure::NoFuel) = g.state
                && g.fuel_ok
            {
                // Refuelled: the set is available again (a start needs a new signal).
                g.state = GenState::Stopped;
            }
            if g.state == GenState::Stopped && requested {
                let mut draw = rng.stream(&format!("generator-start/{}", g.id), g.start_attempts);
                g.start_attempts += 1;
                g.start_will_fail = g.fail_next_start || draw.random_bool(g.fail_to_start_probability.clamp(0.0, 1.0));
                g.fail_next_start = false;
                g.state = GenState::Starting {
                    ready_at_ms: signal_ms.max(t_ms.saturating_sub(clock.dt.as_ms())) + g.start_delay_ms,
                };
            }
            match g.state {
                GenState::Starting { ready_at_ms } if t_ms >= ready_at_ms => {
                    if g.start_will_fail {
                        g.state = GenState::Failed(GenFailure::FailedToStart);
                        log.log(
                            t,
                            EventKind::GeneratorFailedToStart,
                            Severity::Alarm,
                            &g.id,
                            "generator failed to start",
                            None,
                        );
                    } else if !g.fuel_ok {
                        g.state = GenState::Failed(GenFailure::NoFuel);
                        log.log(
                            t,
                            EventKind::GeneratorTripped,
                            Severity::Alarm,
                            &g.id,
                            "generator cannot start: no fuel",
                            None,
                        );
                    } else {
                        g.state = GenState::Running;
                        log.log(t, EventKind::GeneratorOnline, Severity::Info, &g.id, "generator online", None);
                    }
                }
                GenState::Starting { .. } if !requested => g.state = GenState::Stopped,
                GenState::Running if !g.fuel_ok => {
                    g.state = GenState::Failed(GenFailure::NoFuel);
                    log.log(
                        t,
                        EventKind::GeneratorTripped,
                        Severity::Critical,
                        &g.id,
                        "generator stopped: fuel exhausted",
                        None,
                    );
                }
                GenState::Running if stop => {
                    g.state = GenState::Stopped;
                    log.log(
                        t,
                        EventKind::GeneratorStopped,
                        Severity::Info,
                        &g.id,
                        "generator stopped after cool-down",
                        None,
                    );
                }
                _ => {}
            }
            g.available_kw = if g.state == GenState::Running {
                generator::derated_kw(g.rating_kw, outdoor.dry_bulb_c, g.derate_above_c, g.derate_pct_per_k)
            } else {
                0.0
            };
            capacity += g.available_kw;
        }
        // Step-wise load acceptance (ISO 8528-5): the limit grows by one step per interval.
        if capacity > 0.0 && bus.capacity_kw <= 0.0 {
            bus.load_limit_kw = bus.step_fraction * capacity;
            bus.last_step_ms = t_ms;
        } else if capacity > 0.0 && bus.load_limit_kw < capacity && t_ms - bus.last_step_ms >= bus.step_interval_ms {
            bus.load_limit_kw += bus.step_fraction * capacity;
            bus.last_step_ms = t_ms;
        } else if capacity <= 0.0 {
            bus.load_limit_kw = 0.0;
        }
        bus.capacity_kw = capacity;
    }
}

/// Transfers waiting switchboards onto live buses and admits their loads in steps, UPS first.
fn ats_transfer(
    clock: Res<SimClock>,
    mut log: ResMut<EventLog>,
    buses: Query<(Entity, &GeneratorBus)>,
    mut boards: Query<(&PowerNode, &mut Switchboard), Without<GeneratorBus>>,
    mut children: Query<&mut PowerNode, (Without<GeneratorBus>, Without<Switchboard>)>,
) {
    let t = clock.t_s();
    for (bus_e, bus) in &buses {
        let mut admitted_kw = 0.0;
        let mut waiting: Vec<Entity> = Vec::new();
        for (node, mut sb) in &mut boards {
            if sb.emergency != Some(bus_e) {
                continue;
            }
            if sb.ats == AtsState::AwaitEmergency && bus.capacity_kw > 0.0 {
                log.log(
                    t,
                    EventKind::AtsToGenerator,
                    Severity::Warning,
                    &node.id,
                    "ATS transferred to generators",
                    None,
                );
                sb.normal_ok_since_ms = None;
                sb.ats = AtsState::OnEmergency;
                // Every load on the board waits for the sequencer.
                for &c in &sb.children {
                    if let Ok(mut child) = children.get_mut(c) {
                        child.admitted = false;
                    }
                }
            }
            if sb.ats != AtsState::OnEmergency {
                for &c in &sb.children {
                    if let Ok(mut child) = children.get_mut(c) {
                        child.admitted = true;
                    }
                }
                continue;
            }
            for &c in &sb.children {
                if let Ok(child) = children.get(c) {
                    if child.admitted {
                        admitted_kw += child.input_kw;
                    } else {
                        waiting.push(c);
                    }
                }
            }
        }
        // Waiting loads in priority order (boards' children lists put UPS first), while the
        // bus's present step allows.
        for c in waiting {
            let Ok(mut child) = children.get_mut(c) else { continue };
            if admitted_kw + child.last_live_kw <= bus.load_limit_kw {
                admitted_kw += child.last_live_kw;
                child.admitted = true;
            }
        }
    }
}

/// Every component an electrical node may carry, for the flow pass.
type NodeParts = (
    &'static mut PowerNode,
    Option<&'static mut UtilityFeed>,
    Option<&'static Transformer>,
    Option<&'static Switchboard>,
    Option<&'static mut GeneratorBus>,
    Option<&'static mut Ups>,
    Option<&'static mut Distribution>,
);

#[allow(clippy::too_many_arguments)]
fn power_flow(
    clock: Res<SimClock>,
    topo: Res<PowerTopology>,
    mut books: ResMut<PowerBooks>,
    mut log: ResMut<EventLog>,
    mut nodes: Query<NodeParts>,
    mut racks: Query<(&Rack, &RackFeeds, &RackLoad, &mut RackSupply)>,
    mut loads: Query<&mut PowerLoad>,
    mut gens: Query<&mut Generator>,
    halls: Query<&crate::thermal::HallState>,
    upses: Query<Entity, With<Ups>>,
) {
    let dt = clock.dt_s();
    let t = clock.t_s();
    *books = PowerBooks::default();
    // The UPS slots: the only nodes the battery checks below need to look at.
    let ups_slots: Vec<usize> = upses.iter().filter_map(|e| topo.slot(e)).collect();

    // 1. Energisation, top-down. Each UPS decides on last tick's load whether its battery
    //    carries the tick; then this tick's load is checked against each battery that would
    //    discharge. Where a load step (a 2N partner dropping its half, racks relit) leaves a
    //    battery unable to carry the whole tick, the UPS is decided again without it (output
    //    lost, or its input takes the whole load), and energisation is redone: the load it
    //    carried may move to another UPS that must be checked in turn. A battery thus never
    //    delivers part of a tick, and the books close whatever is dropped. Each pass bars one
    //    battery more, so the loop ends.
    let mut before: Vec<Option<(UpsState, f64)>> = vec![None; topo.top_down.len()];
    for &s in &ups_slots {
        before[s] = nodes.get(topo.top_down[s]).ok().and_then(|p| p.5.map(|u| (u.state, u.input_share)));
    }
    let mut barred = vec![false; topo.top_down.len()];
    let mut energized = vec![false; topo.top_down.len()];
    loop {
        energize(&topo, &mut nodes, &before, &barred, dt, &mut energized);
        let on_battery: Vec<usize> = ups_slots
            .iter()
            .copied()
            .filter(|&s| before[s].is_some() && !barred[s])
            .filter(|&s| nodes.get(topo.top_down[s]).ok().and_then(|p| p.5).is_some_and(Ups::draws_on_battery))
            .collect();
        if on_battery.is_empty() {
            break;
        }
        let outputs = tick_outputs(&topo, &energized, &nodes, &racks, &loads, dt);
        let mut changed = false;
        for s in on_battery {
            let u = nodes.get(topo.top_down[s]).ok().and_then(|p| p.5).expect("a UPS slot has a Ups");
            if !u.battery_carries(outputs[s], dt) {
                barred[s] = true;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    for &slot in &ups_slots {
        if let Some((prev, _)) = before[slot]
            && let Ok((node, _, _, _, _, Some(u), _)) = nodes.get(topo.top_down[slot])
            && u.state != prev
        {
            log_ups_transition(&mut log, t, &node.id, prev, u.state);
        }
    }

    // 2. Loads onto their feeds, accumulated by slot.
    let mut acc_kw = vec![0.0_f64; topo.top_down.len()];
    let mut newly_dark: Vec<(String, f64)> = Vec::new();
    let mut newly_lit = 0u32;
    for (rack, feeds, load, mut supply) in &mut racks {
        let a_slot = topo.slot(feeds.a);
        let b_slot = feeds.b.and_then(|b| topo.slot(b));
        let a_live = a_slot.is_some_and(|s| energized[s]);
        let b_live = b_slot.is_some_and(|s| energized[s]);
        let was = supply.powered;
        supply.powered = a_live || b_live;
        let demand = load.demand_kw;
        let (a_share, b_share) = rack_shares(a_live, b_live);
        supply.a_kw = demand * a_share;
        supply.b_kw = demand * b_share;
        supply.delivered_kw = supply.a_kw + supply.b_kw;
        supply.unserved_kw = if supply.powered { 0.0 } else { demand };
        if let Some(s) = a_slot.filter(|_| a_share > 0.0) {
            acc_kw[s] += supply.a_kw;
        }
        if let Some(s) = b_slot.filter(|_| b_share > 0.0) {
            acc_kw[s] += supply.b_kw;
        }
        books.it_kw += supply.delivered_kw;
        books.unserved_kw += supply.unserved_kw;
        if !supply.powered {
            books.racks_unpowered += 1;
            if was {
                newly_dark.push((rack.id.clone(), demand));
            }
        } else if !was && clock.step > 0 {
            newly_lit += 1;
        }
    }
    if !newly_dark.is_empty() {
        let kw: f64 = newly_dark.iter().map(|(_, d)| d).sum();
        let first = &newly_dark[0].0;
        log.log(
            t,
            EventKind::LoadDropped,
            Severity::Critical,
            first,
            format!("{} rack(s) lost power ({kw:.0} kW), first {first}", newly_dark.len()),
            Some(kw),
        );
    }
    if newly_lit > 0 {
        log.log(t, EventKind::LoadRestored, Severity::Info, "site", format!("{newly_lit} rack(s) powered again"), None);
    }
    for mut l in &mut loads {
        let slot = topo.slot(l.feed);
        let live = slot.is_some_and(|s| energized[s]);
        l.powered = live;
        l.delivered_kw = if live { l.demand_kw } else { 0.0 };
        if let Some(s) = slot.filter(|_| live) {
            acc_kw[s] += l.delivered_kw;
        }
        books.cooling_kw += l.delivered_kw;
    }

    // 3. Flow and losses, bottom-up.
    for (slot, &e) in topo.top_down.iter().enumerate().rev() {
        let (mut node, mut feed, tx, sb, bus, ups, dist) = nodes.get_mut(e).expect("topology lists power nodes");
        node.acc_kw = acc_kw[slot];
        let out = if node.energized { node.acc_kw } else { 0.0 };
        node.output_kw = out;
        let mut source = node.upstream;
        let (loss, input) = match node.kind {
            NodeKind::Utility => {
                books.grid_kw += out;
                if let Some(f) = feed.as_mut() {
                    let over = out > f.capacity_kw;
                    if over && !f.over_capacity {
                        log.log(
                            t,
                            EventKind::GridCapacityExceeded,
                            Severity::Alarm,
                            &node.id,
                            format!("grid import {out:.0} kW above feed capacity {:.0} kW", f.capacity_kw),
                            Some(out),
                        );
                    }
                    f.over_capacity = over;
                }
                (0.0, out)
            }
            NodeKind::Transformer => {
                let loss = if node.energized { tx.map_or(0.0, |t| t.loss_kw(out)) } else { 0.0 };
                books.transformer_loss_kw += loss;
                (loss, out + loss)
            }
            NodeKind::Switchboard => {
                if sb.is_some_and(|s| s.ats == AtsState::OnEmergency) {
                    source = sb.and_then(|s| s.emergency);
                }
                (0.0, out)
            }
            NodeKind::GeneratorBus => {
                books.generator_kw += out;
                if let Some(mut b) = bus {
                    let cap = b.capacity_kw;
                    for &u in &b.units {
                        if let Ok(mut g) = gens.get_mut(u) {
                            g.output_kw = if cap > 0.0 { out * g.available_kw / cap } else { 0.0 };
                        }
                    }
                    // Overload → under-frequency collapse.
                    let x = if cap > 0.0 { out / cap } else { 0.0 };
                    if x > 1.0 {
                        b.overload_acc += dt / generator::bus_overload_allowed_s(x);
                    } else {
                        b.overload_acc = 0.0;
                    }
                    if b.overload_acc >= 1.0 {
                        log.log(
                            t,
                            EventKind::GeneratorBusCollapse,
                            Severity::Critical,
                            &node.id,
                            format!("generator bus collapsed at {:.0} % load", x * 100.0),
                            Some(x),
                        );
                        for &u in &b.units {
                            if let Ok(mut g) = gens.get_mut(u)
                                && g.state == GenState::Running
                            {
                                g.state = GenState::Failed(GenFailure::Tripped);
                                log.log(
                                    t,
                                    EventKind::GeneratorTripped,
                                    Severity::Critical,
                                    &g.id,
                                    "generator tripped: bus collapse",
                                    None,
                                );
                            }
                        }
                        b.overload_acc = 0.0;
                    }
                }
                (0.0, 0.0)
            }
            NodeKind::Ups => {
                let mut u = ups.expect("UPS node has a Ups");
                let (loss, input) = ups_flow(&mut u, out, dt, &mut books);
                books.ups_loss_kw += loss;
                // Overload protection.
                let x = out / u.rating_kw;
                let allowed = ups::overload_allowed_s(x);
                if x > 1.0 {
                    u.overload_acc += if allowed > 0.0 { dt / allowed } else { 1.0 };
                    u.below_rating_s = 0.0;
                } else {
                    u.overload_acc = (u.overload_acc - dt / ups::OVERLOAD_RECOVERY_S).max(0.0);
                    u.below_rating_s += dt;
                }
                if u.overload_acc >= 1.0 && !u.overload_bypass {
                    u.overload_bypass = true;
                    log.log(
                        t,
                        EventKind::UpsBypass,
                        Severity::Alarm,
                        &node.id,
                        format!("UPS overload {:.0} %: static bypass", x * 100.0),
                        Some(x),
                    );
                }
                if u.overload_bypass && u.below_rating_s >= ups::BYPASS_RETURN_S {
                    u.overload_bypass = false;
                    u.overload_acc = 0.0;
                }
                (loss, input)
            }
            NodeKind::Distribution => {
                let mut d = dist.expect("distribution node has a Distribution");
                // Elements in a hall see its return air (busways run over the rows); others
                // stay at their calibration temperature (electrical rooms).
                if let Some(h) = node.heat_hall.and_then(|h| halls.get(h).ok()) {
                    d.breaker.ambient_c = h.room_c;
                }
                let loss = if node.energized { d.losses.loss_kw(out, node.rating_kw) } else { 0.0 };
                books.distribution_loss_kw += loss;
                let input = out + loss;
                d.current_a = three_phase_current_a(input, d.voltage_v, d.power_factor);
                let current = d.current_a;
                if let Some((after, cause)) = d.breaker.step(current, dt) {
                    let what = match cause {
                        TripCause::Magnetic => "instantaneous (magnetic)",
                        TripCause::Thermal => "long-time (thermal)",
                        TripCause::Manual => "manual",
                    };
                    log.log(
                        t + after,
                        EventKind::BreakerTrip,
                        Severity::Critical,
                        &node.id,
                        format!("breaker tripped: {what} at {current:.0} A = {:.2} × In", current / d.breaker.rating_a),
                        Some(current / d.breaker.rating_a),
                    );
                }
                (loss, input)
            }
        };
        node.loss_kw = loss;
        node.input_kw = input;
        // The sequencer's estimate of what this element will draw when (re)admitted: a UPS
        // on battery will want its whole output back from its input.
        let live_demand = if node.kind == NodeKind::Ups { input.max(out + loss) } else { input };
        if node.energized && live_demand > 0.0 {
            node.last_live_kw = live_demand;
        }
        if input > 0.0
            && let Some(up) = source.and_then(|src| topo.slot(src))
        {
            acc_kw[up] += input;
        }
    }
}

/// Sets each node's `energized` flag top-down (and `energized` by slot). A UPS starts from
/// its state before this tick (`before`) and takes its state for the tick from
/// [`ups_next_state`]; one whose battery is `barred` carries nothing from it this tick: on
/// battery its output is lost, on input during walk-in the input takes the whole load.
fn energize(
    topo: &PowerTopology,
    nodes: &mut Query<NodeParts>,
    before: &[Option<(UpsState, f64)>],
    barred: &[bool],
    dt: f64,
    energized: &mut [bool],
) {
    for (slot, &e) in topo.top_down.iter().enumerate() {
        let live = |e: Option<Entity>| e.and_then(|u| topo.slot(u)).is_some_and(|s| energized[s]);
        let (mut node, feed, _, sb, bus, ups, dist) = nodes.get_mut(e).expect("topology lists power nodes");
        let normal_live = live(node.upstream);
        let emergency_live = live(sb.and_then(|s| (s.ats == AtsState::OnEmergency).then_some(s.emergency).flatten()));
        node.energized = match node.kind {
            NodeKind::Utility => feed.is_some_and(|f| f.available),
            NodeKind::Transformer => normal_live,
            NodeKind::GeneratorBus => bus.is_some_and(|b| b.capacity_kw > 0.0),
            NodeKind::Switchboard => match sb.map(|s| s.ats) {
                Some(AtsState::OnNormal) => normal_live,
                Some(AtsState::OnEmergency) => emergency_live,
                _ => false,
            },
            NodeKind::Ups => {
                let mut u = ups.expect("UPS node has a Ups");
                if let Some((state, share)) = before[slot] {
                    u.state = state;
                    u.input_share = share;
                }
                let input_live = normal_live && node.admitted;
                let mut next = ups_next_state(&mut u, input_live, node.output_kw, dt);
                if barred[slot] {
                    match next {
                        UpsState::OnBattery => next = UpsState::Off,
                        UpsState::Online => u.input_share = 1.0,
                        UpsState::Bypass | UpsState::Off => {}
                    }
                }
                u.state = next;
                next != UpsState::Off
            }
            NodeKind::Distribution => normal_live && node.admitted && dist.is_some_and(|d| d.breaker.closed),
        };
        energized[slot] = node.energized;
    }
}

/// Each node's output this tick by slot, kW, for the energisation in `energized`: the flow
/// pass of [`power_flow`] (same loads, same order, same losses) without its side effects.
fn tick_outputs(
    topo: &PowerTopology,
    energized: &[bool],
    nodes: &Query<NodeParts>,
    racks: &Query<(&Rack, &RackFeeds, &RackLoad, &mut RackSupply)>,
    loads: &Query<&mut PowerLoad>,
    dt: f64,
) -> Vec<f64> {
    let mut acc_kw = vec![0.0_f64; topo.top_down.len()];
    for (_, feeds, load, _) in racks {
        let a_slot = topo.slot(feeds.a);
        let b_slot = feeds.b.and_then(|b| topo.slot(b));
        let a_live = a_slot.is_some_and(|s| energized[s]);
        let b_live = b_slot.is_some_and(|s| energized[s]);
        let (a_share, b_share) = rack_shares(a_live, b_live);
        let demand = load.demand_kw;
        if let Some(s) = a_slot.filter(|_| a_share > 0.0) {
            acc_kw[s] += demand * a_share;
        }
        if let Some(s) = b_slot.filter(|_| b_share > 0.0) {
            acc_kw[s] += demand * b_share;
        }
    }
    for l in loads {
        if let Some(s) = topo.slot(l.feed).filter(|&s| energized[s]) {
            acc_kw[s] += l.demand_kw;
        }
    }
    let mut outputs = vec![0.0_f64; topo.top_down.len()];
    for (slot, &e) in topo.top_down.iter().enumerate().rev() {
        let (node, _, tx, sb, _, ups, dist) = nodes.get(e).expect("topology lists power nodes");
        let out = if node.energized { acc_kw[slot] } else { 0.0 };
        outputs[slot] = out;
        let mut source = node.upstream;
        let input = match node.kind {
            NodeKind::Utility | NodeKind::GeneratorBus => 0.0,
            NodeKind::Transformer => out + if node.energized { tx.map_or(0.0, |t| t.loss_kw(out)) } else { 0.0 },
            NodeKind::Switchboard => {
                if sb.is_some_and(|s| s.ats == AtsState::OnEmergency) {
                    source = sb.and_then(|s| s.emergency);
                }
                out
            }
            NodeKind::Ups => ups.map_or(0.0, |u| u.input_kw(out, dt)),
            NodeKind::Distribution => {
                out + if node.energized { dist.map_or(0.0, |d| d.losses.loss_kw(out, node.rating_kw)) } else { 0.0 }
            }
        };
        if input > 0.0
            && let Some(up) = source.and_then(|src| topo.slot(src))
        {
            acc_kw[up] += input;
        }
    }
    outputs
}

/// Shares of a rack's demand on its A and B feeds given which are live (2N: all of it on the
/// live side when the other is dead).
fn rack_shares(a_live: bool, b_live: bool) -> (f64, f64) {
    match (a_live, b_live) {
        (true, true) => (0.5, 0.5),
        (true, false) => (1.0, 0.0),
        (false, true) => (0.0, 1.0),
        (false, false) => (0.0, 0.0),
    }
}

/// Margin on last tick's output when checking that a battery can carry a whole tick.
const BATTERY_TICK_MARGIN: f64 = 1.1;

/// The UPS's state for this tick; `expected_out_kw` is last tick's output.
fn ups_next_state(u: &mut Ups, input_live: bool, expected_out_kw: f64, dt: f64) -> UpsState {
    if u.faulted || u.overload_bypass {
        return if input_live { UpsState::Bypass } else { UpsState::Off };
    }
    if input_live {
        let restart = u.state == UpsState::Off;
        if matches!(u.state, UpsState::OnBattery | UpsState::Off) {
            u.input_share = 0.0;
        }
        u.input_share = (u.input_share + dt / u.walk_in_s.max(dt)).min(1.0);
        // Walk-in leaves the rest of the load on the battery. If the battery cannot carry that
        // share for the whole tick (checked like a tick on battery), or the UPS restarts after
        // its battery gave out, the input takes the whole load at once; before, only an empty
        // battery did, and a nearly empty one delivered energy it did not hold (book error).
        let out = expected_out_kw.max(0.0) * BATTERY_TICK_MARGIN;
        let rest = (1.0 - u.input_share) * (out + u.losses.loss_kw(out, u.rating_kw));
        if restart || u.battery.energy_kwh <= u.battery.drain_kw(rest) * dt / 3_600.0 {
            u.input_share = 1.0;
        }
        return UpsState::Online;
    }
    u.input_share = 0.0;
    // A UPS whose output was lost (battery exhausted) does not restart on battery: it waits
    // for its input, as a real UPS after an end-of-discharge shutdown. Without this the check
    // below, which uses last tick's output (zero while off), relit the load every other tick.
    if u.state == UpsState::Off {
        return UpsState::Off;
    }
    // Carry the load only if the battery can cover a whole tick at (a margin above) the load
    // it carried last tick; a battery never delivers part of a tick.
    let out = expected_out_kw.max(0.0) * BATTERY_TICK_MARGIN;
    let need = u.battery.drain_kw(out + u.losses.loss_kw(out, u.rating_kw)) * dt / 3_600.0;
    if u.battery.energy_kwh > need { UpsState::OnBattery } else { UpsState::Off }
}

fn log_ups_transition(log: &mut EventLog, t: f64, id: &str, from: UpsState, to: UpsState) {
    let (kind, sev, msg) = match to {
        UpsState::OnBattery => (EventKind::UpsOnBattery, Severity::Warning, "UPS on battery"),
        UpsState::Online if from == UpsState::OnBattery || from == UpsState::Off => {
            (EventKind::UpsOnInput, Severity::Info, "UPS back on input (walk-in)")
        }
        UpsState::Online => return,
        UpsState::Bypass => (EventKind::UpsBypass, Severity::Alarm, "UPS on static bypass"),
        UpsState::Off if from == UpsState::OnBattery => {
            (EventKind::UpsBatteryExhausted, Severity::Critical, "UPS battery exhausted: output lost")
        }
        UpsState::Off => (EventKind::UpsBatteryExhausted, Severity::Critical, "UPS output lost"),
    };
    log.log(t, kind, sev, id, msg, None);
}

/// A UPS's losses and input for output `out`, updating its battery; returns `(loss, input)`.
fn ups_flow(u: &mut Ups, out: f64, dt: f64, books: &mut PowerBooks) -> (f64, f64) {
    u.battery_dc_kw = 0.0;
    u.battery_chem_kw = 0.0;
    u.recharge_kw = 0.0;
    u.stored_kw = 0.0;
    match u.state {
        UpsState::Off => (0.0, 0.0),
        UpsState::Bypass => (0.0, out),
        UpsState::Online | UpsState::OnBattery => {
            let (loss, from_input, from_battery) = u.split_kw(out);
            if from_battery > 0.0 {
                let (frac, chem_kwh) = u.battery.discharge(from_battery, dt);
                u.battery_dc_kw = from_battery;
                u.battery_chem_kw = chem_kwh * 3_600.0 / dt;
                books.battery_discharge_kw += u.battery_chem_kw;
                books.battery_loss_kw += u.battery_chem_kw - from_battery * frac;
                books.battery_shortfall_kw += from_battery * (1.0 - frac);
            }
            if u.state == UpsState::Online && u.input_share >= 1.0 {
                let p = u.battery.recharge_demand_kw(dt);
                let stored_kwh = u.battery.charge(p, dt);
                u.recharge_kw = p;
                u.stored_kw = stored_kwh * 3_600.0 / dt;
                books.battery_charge_kw += u.stored_kw;
                books.battery_loss_kw += p - u.stored_kw;
            }
            (loss, from_input + u.recharge_kw)
        }
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
