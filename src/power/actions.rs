//! Scripted faults and repairs of the electrical plant ([`Action`]s due this tick): utility
//! outages, breaker trips and resets, generator trips and failures to start, UPS faults.

use super::*;
use crate::events::EventDetail;

pub(crate) fn find_node(nodes: &Query<(Entity, &PowerNode)>, id: &str) -> Option<Entity> {
    nodes.iter().find(|(_, n)| n.id == id).map(|(e, _)| e)
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn apply_power_actions(
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
                    )
                    .detail =
                        EventDetail::BreakerTrip { cause: TripCause::Manual, current_a: 0.0, multiple_of_in: 0.0 };
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
