//! The power-flow pass of one tick (stage [`SimStep::Electrical`]), docs/physics.md §4.1:
//!
//! 1. **Energisation, top-down** (`energize`): an element is live when its source is live,
//!    its breaker closed and (on generators) the bus has admitted it; a UPS decides whether its
//!    battery carries the tick.
//! 2. **Loads onto feeds**: each rack's demand splits over its live A/B feeds (`rack_shares`);
//!    cooling loads onto theirs.
//! 3. **Flow and losses, bottom-up** (`flow_pass`): each element's output, losses
//!    `a·P_rated + b·P + c·P²/P_rated` and input, carried to its source. The same pass serves
//!    the battery check (read-only) and the tick itself.
//! 4. **Effects** of the flow, in the same bottom-up order: books, battery charge and discharge
//!    (`ups::ups_battery_flow`), generator shares, and protection — breakers trip in
//!    [`breaker::protect`], UPS overload goes to static bypass in `ups::ups_overload`, an
//!    overloaded generator bus collapses in `generator::bus_overload`.

use super::*;

/// Every component an electrical node may carry, for the flow pass.
pub(crate) type NodeParts = (
    &'static mut PowerNode,
    Option<&'static mut UtilityFeed>,
    Option<&'static Transformer>,
    Option<&'static Switchboard>,
    Option<&'static mut GeneratorBus>,
    Option<&'static mut Ups>,
    Option<&'static mut Distribution>,
);

#[allow(clippy::too_many_arguments)]
pub(crate) fn power_flow(
    clock: Res<SimClock>,
    topo: Res<PowerTopology>,
    mut books: ResMut<PowerBooks>,
    mut log: ResMut<EventLog>,
    mut nodes: Query<NodeParts>,
    mut racks: Query<(&Rack, &RackFeeds, &RackLoad, &mut RackSupply)>,
    mut loads: Query<(Entity, &mut PowerLoad)>,
    mut load_order: Local<LoadOrder>,
    mut gens: Query<&mut Generator>,
    halls: Query<&crate::thermal::HallState>,
    upses: Query<Entity, With<Ups>>,
) {
    load_order.refresh(&loads);
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
        let flows = flow_pass(&topo, &nodes, feed_loads(&topo, &energized, &racks, &loads, &load_order.0), dt);
        let mut changed = false;
        for s in on_battery {
            let u = nodes.get(topo.top_down[s]).ok().and_then(|p| p.5).expect("a UPS slot has a Ups");
            if !u.battery_carries(flows[s].out_kw, dt) {
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
            ups::log_ups_transition(&mut log, t, &node.id, prev, u.state);
        }
    }

    // 2. Rack supplies this tick; loads onto their live feeds, accumulated by slot.
    let mut newly_dark: Vec<(String, f64)> = Vec::new();
    let mut newly_lit = 0u32;
    let mut acc_kw = vec![0.0_f64; topo.top_down.len()];
    for (rack, feeds, load, mut supply) in &mut racks {
        let slots = RackSlots::new(&topo, feeds, &energized);
        let was = supply.powered;
        supply.powered = slots.a_share + slots.b_share > 0.0;
        let demand = load.demand_kw;
        slots.add_load(&mut acc_kw, demand);
        supply.a_kw = demand * slots.a_share;
        supply.b_kw = demand * slots.b_share;
        supply.delivered_kw = supply.a_kw + supply.b_kw;
        supply.unserved_kw = if supply.powered { 0.0 } else { demand };
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
    for &e in &load_order.0 {
        let Ok((_, mut l)) = loads.get_mut(e) else { continue };
        let slot = topo.slot(l.feed).filter(|&s| energized[s]);
        l.powered = slot.is_some();
        l.delivered_kw = if l.powered { l.demand_kw } else { 0.0 };
        if let Some(s) = slot {
            acc_kw[s] += l.delivered_kw;
        }
        books.cooling_kw += l.delivered_kw;
    }

    // 3. Flow and losses, bottom-up (the same pass the battery check used), then its effects
    //    node by node in the same order: books, batteries, generator shares, protection.
    for (slot, &e) in topo.top_down.iter().enumerate().rev() {
        let (mut node, feed, tx, sb, bus, ups, dist) = nodes.get_mut(e).expect("topology lists power nodes");
        let (flow, source) = node_flow(&node, tx, sb, ups.as_deref(), dist.as_deref(), acc_kw[slot], dt);
        carry(&topo, &mut acc_kw, source, flow.input_kw);
        let SlotFlow { acc_kw: load_kw, out_kw: out, loss_kw: loss, input_kw: input } = flow;
        node.acc_kw = load_kw;
        node.output_kw = out;
        match node.kind {
            NodeKind::Utility => {
                books.grid_kw += out;
                if let Some(mut f) = feed {
                    grid_capacity_check(&mut f, &node.id, out, t, &mut log);
                }
            }
            NodeKind::Transformer => books.transformer_loss_kw += loss,
            NodeKind::Switchboard => {}
            NodeKind::GeneratorBus => {
                books.generator_kw += out;
                if let Some(mut b) = bus {
                    generator::share_bus_load(&b, out, &mut gens);
                    generator::bus_overload(&mut b, &node.id, out, dt, t, &mut gens, &mut log);
                }
            }
            NodeKind::Ups => {
                let mut u = ups.expect("UPS node has a Ups");
                ups::ups_battery_flow(&mut u, out, dt, &mut books);
                books.ups_loss_kw += loss;
                ups::ups_overload(&mut u, &node.id, out, dt, t, &mut log);
            }
            NodeKind::Distribution => {
                let mut d = dist.expect("distribution node has a Distribution");
                // Elements in a hall see its return air (busways run over the rows); others
                // stay at their calibration temperature (electrical rooms).
                if let Some(h) = node.heat_hall.and_then(|h| halls.get(h).ok()) {
                    d.breaker.ambient_c = h.room_c;
                }
                books.distribution_loss_kw += loss;
                d.current_a = three_phase_current_a(input, d.voltage_v, d.power_factor);
                let current_a = d.current_a;
                breaker::protect(&mut d.breaker, &node.id, current_a, dt, t, &mut log);
            }
        }
        node.loss_kw = loss;
        node.input_kw = input;
        // The sequencer's estimate of what this element will draw when (re)admitted: a UPS
        // on battery will want its whole output back from its input.
        let live_demand = if node.kind == NodeKind::Ups { input.max(out + loss) } else { input };
        if node.energized && live_demand > 0.0 {
            node.last_live_kw = live_demand;
        }
    }
}

/// A utility feed importing more than its capacity raises an alarm once per excursion.
fn grid_capacity_check(f: &mut UtilityFeed, id: &str, out_kw: f64, t: f64, log: &mut EventLog) {
    let over = out_kw > f.capacity_kw;
    if over && !f.over_capacity {
        log.log(
            t,
            EventKind::GridCapacityExceeded,
            Severity::Alarm,
            id,
            format!("grid import {out_kw:.0} kW above feed capacity {:.0} kW", f.capacity_kw),
            Some(out_kw),
        );
    }
    f.over_capacity = over;
}

/// Sets each node's `energized` flag top-down (and `energized` by slot). A UPS starts from
/// its state before this tick (`before`) and takes its state for the tick from
/// [`ups::ups_next_state`]; one whose battery is `barred` carries nothing from it this tick: on
/// battery its output is lost, on input during walk-in the input takes the whole load.
pub(crate) fn energize(
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
                let mut next = ups::ups_next_state(&mut u, input_live, node.output_kw, dt);
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

/// The facility loads in spawn (entity) order, so that every sum over them is taken in the same
/// order whatever the storage layout: query order follows tables, which shift with the order in
/// which component types were registered (a viewer registers many more), and float sums would
/// then differ in their last bits. Rebuilt when the number of loads changes.
#[derive(Default)]
pub(crate) struct LoadOrder(Vec<Entity>);

impl LoadOrder {
    fn refresh(&mut self, loads: &Query<(Entity, &mut PowerLoad)>) {
        if self.0.len() != loads.iter().len() {
            self.0 = loads.iter().map(|(e, _)| e).collect();
            self.0.sort_unstable();
        }
    }
}

/// One element's flow this tick, kW.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct SlotFlow {
    /// Load accumulated from what it feeds (what it would deliver if live).
    pub acc_kw: f64,
    /// What it delivers: `acc_kw` when energised, else 0.
    pub out_kw: f64,
    /// Its losses.
    pub loss_kw: f64,
    /// What it takes from its source (output + losses; a UPS also its recharge, and on
    /// battery nothing).
    pub input_kw: f64,
}

/// Rack and facility loads on their live feeds, by slot, kW (2N racks split over live sides,
/// see [`rack_shares`]).
fn feed_loads(
    topo: &PowerTopology,
    energized: &[bool],
    racks: &Query<(&Rack, &RackFeeds, &RackLoad, &mut RackSupply)>,
    loads: &Query<(Entity, &mut PowerLoad)>,
    load_order: &[Entity],
) -> Vec<f64> {
    let mut acc_kw = vec![0.0_f64; topo.top_down.len()];
    for (_, feeds, load, _) in racks {
        let slots = RackSlots::new(topo, feeds, energized);
        slots.add_load(&mut acc_kw, load.demand_kw);
    }
    for (_, l) in load_order.iter().filter_map(|&e| loads.get(e).ok()) {
        if let Some(s) = topo.slot(l.feed).filter(|&s| energized[s]) {
            acc_kw[s] += l.demand_kw;
        }
    }
    acc_kw
}

/// A rack's feed slots this tick and the shares of its demand each carries.
struct RackSlots {
    a: Option<usize>,
    b: Option<usize>,
    a_share: f64,
    b_share: f64,
}

impl RackSlots {
    /// The slots of `feeds` and their shares for the energisation in `energized`.
    fn new(topo: &PowerTopology, feeds: &RackFeeds, energized: &[bool]) -> Self {
        let a = topo.slot(feeds.a);
        let b = feeds.b.and_then(|b| topo.slot(b));
        let (a_share, b_share) = rack_shares(a.is_some_and(|s| energized[s]), b.is_some_and(|s| energized[s]));
        Self { a, b, a_share, b_share }
    }

    /// Adds `demand_kw` to the slots that carry it.
    fn add_load(&self, acc_kw: &mut [f64], demand_kw: f64) {
        if let Some(s) = self.a.filter(|_| self.a_share > 0.0) {
            acc_kw[s] += demand_kw * self.a_share;
        }
        if let Some(s) = self.b.filter(|_| self.b_share > 0.0) {
            acc_kw[s] += demand_kw * self.b_share;
        }
    }
}

/// The flow pass, bottom-up, without side effects: each element's output, losses and input for
/// the loads `acc_kw` already on it, its input carried to its source. The battery check runs it
/// read-only; the tick runs [`node_flow`] and [`carry`] node by node with its effects between.
pub(crate) fn flow_pass(
    topo: &PowerTopology,
    nodes: &Query<NodeParts>,
    mut acc_kw: Vec<f64>,
    dt: f64,
) -> Vec<SlotFlow> {
    let mut flows = vec![SlotFlow::default(); topo.top_down.len()];
    for (slot, &e) in topo.top_down.iter().enumerate().rev() {
        let (node, _, tx, sb, _, ups, dist) = nodes.get(e).expect("topology lists power nodes");
        let (flow, source) = node_flow(node, tx, sb, ups, dist, acc_kw[slot], dt);
        carry(topo, &mut acc_kw, source, flow.input_kw);
        flows[slot] = flow;
    }
    flows
}

/// One element's flow for the load `acc_kw` on it, and the source it draws from this tick (the
/// emergency side of a switchboard whose ATS is on emergency): a dead element delivers nothing;
/// transformers and distribution add their losses; a UPS takes what [`Ups::flow_kw`] says.
fn node_flow(
    node: &PowerNode,
    tx: Option<&Transformer>,
    sb: Option<&Switchboard>,
    ups: Option<&Ups>,
    dist: Option<&Distribution>,
    acc_kw: f64,
    dt: f64,
) -> (SlotFlow, Option<Entity>) {
    let out = if node.energized { acc_kw } else { 0.0 };
    let mut source = node.upstream;
    let (loss, input) = match node.kind {
        NodeKind::Utility => (0.0, out),
        NodeKind::GeneratorBus => (0.0, 0.0),
        NodeKind::Transformer => {
            let loss = if node.energized { tx.map_or(0.0, |t| t.loss_kw(out)) } else { 0.0 };
            (loss, out + loss)
        }
        NodeKind::Switchboard => {
            if sb.is_some_and(|s| s.ats == AtsState::OnEmergency) {
                source = sb.and_then(|s| s.emergency);
            }
            (0.0, out)
        }
        NodeKind::Ups => ups.map_or((0.0, 0.0), |u| u.flow_kw(out, dt)),
        NodeKind::Distribution => {
            let loss = if node.energized { dist.map_or(0.0, |d| d.losses.loss_kw(out, node.rating_kw)) } else { 0.0 };
            (loss, out + loss)
        }
    };
    (SlotFlow { acc_kw, out_kw: out, loss_kw: loss, input_kw: input }, source)
}

/// Adds an element's input to the load on its source.
fn carry(topo: &PowerTopology, acc_kw: &mut [f64], source: Option<Entity>, input_kw: f64) {
    if input_kw > 0.0
        && let Some(up) = source.and_then(|src| topo.slot(src))
    {
        acc_kw[up] += input_kw;
    }
}

/// Shares of a rack's demand on its A and B feeds given which are live (2N: all of it on the
/// live side when the other is dead).
pub(crate) fn rack_shares(a_live: bool, b_live: bool) -> (f64, f64) {
    match (a_live, b_live) {
        (true, true) => (0.5, 0.5),
        (true, false) => (1.0, 0.0),
        (false, true) => (0.0, 1.0),
        (false, false) => (0.0, 0.0),
    }
}
