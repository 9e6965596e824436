//! Automatic transfer switches and the switchboards they sit in (docs/physics.md §4.3): sensing a lost
//! normal source, the transfer to the generator bus once it can take load, step-wise admission
//! of the board's loads (UPS first) and the retransfer timer when the normal source returns.

use super::*;

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

/// Live state of upstream sources for the ATS decision: utility feeds and transformers.
pub(crate) fn normal_source_live(e: Entity, nodes: &Query<(&PowerNode, Option<&UtilityFeed>)>) -> bool {
    let Ok((n, feed)) = nodes.get(e) else { return false };
    match n.kind {
        NodeKind::Utility => feed.is_some_and(|f| f.available),
        NodeKind::Transformer => n.upstream.is_some_and(|u| normal_source_live(u, nodes)),
        _ => n.energized,
    }
}

pub(crate) fn ats_control(
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

/// Transfers waiting switchboards onto live buses and admits their loads in steps, UPS first.
pub(crate) fn ats_transfer(
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
