//! Checks scripted events.

use super::*;

pub(super) fn check_events(c: &mut Checker, s: &Scenario, p: &Plant, ids: &Ids, catalog: &Catalog) {
    let rack_ids: BTreeSet<String> = catalog.racks.keys().cloned().collect();
    let cooling: BTreeSet<String> = ids.units.iter().chain(&ids.chillers).chain(&ids.loops).cloned().collect();
    for (i, e) in s.events.iter().enumerate() {
        let path = format!("events[{i}].action");
        if e.at > s.duration {
            c.warn(
                &format!("events[{i}].at"),
                format!("event at {} is after the end of the run ({})", e.at, s.duration),
                "it will not happen",
            );
        }
        match &e.action {
            Action::UtilityOutage { feed, .. } | Action::UtilityRestore { feed } => {
                if let Some(f) = feed {
                    c.reference(&format!("{path}.feed"), f, "utility feed", &ids.utilities);
                }
            }
            Action::CoolingFail { unit } | Action::CoolingRestore { unit } => {
                c.reference(&format!("{path}.unit"), unit, "cooling unit, chiller plant or liquid loop", &cooling);
            }
            Action::SwapRacks { hall, rows, rack, feeds, workload, .. }
            | Action::AddRacks { hall, rows, rack, feeds, workload, .. } => {
                if let Action::AddRacks { count, .. } = &e.action
                    && (*count == 0 || *count > MAX_RACKS_PER_ROW)
                {
                    c.err(
                        &format!("{path}.count"),
                        format!("{count} racks added to each row: expected 1 … {MAX_RACKS_PER_ROW}"),
                        "split long rows; count is per row",
                    );
                }
                if let Some(w) = workload {
                    c.reference(&format!("{path}.workload"), w, "workload", &ids.workloads);
                }
                if let Some(f) = feeds {
                    for r in rows.iter() {
                        let a = f.a.replace("{row}", &r.to_string());
                        c.reference(
                            &format!("{path}.feeds.a"),
                            &a,
                            "feed (distribution, UPS or switchboard)",
                            &ids.feeds,
                        );
                        if let Some(b) = &f.b {
                            let b = b.replace("{row}", &r.to_string());
                            c.reference(
                                &format!("{path}.feeds.b"),
                                &b,
                                "feed (distribution, UPS or switchboard)",
                                &ids.feeds,
                            );
                        }
                    }
                }
                if c.reference(&format!("{path}.hall"), hall, "hall", &ids.halls)
                    && let Some(h) = p.halls.iter().find(|h| h.spec.id == *hall)
                {
                    for r in rows.iter() {
                        if !h.rows.iter().any(|x| x.number == r) {
                            c.err(
                                &format!("{path}.rows"),
                                format!("hall \"{hall}\" has no row {r}"),
                                format!(
                                    "rows: {}",
                                    h.rows.iter().map(|x| x.number.to_string()).collect::<Vec<_>>().join(", ")
                                ),
                            );
                        }
                    }
                }
                c.reference(&format!("{path}.rack"), rack, "rack type", &rack_ids);
            }
            Action::SetUtilisation { workload, utilisation } => {
                c.reference(&format!("{path}.workload"), workload, "workload", &ids.workloads);
                c.range(&format!("{path}.utilisation"), *utilisation, 0.0, 1.0, "(activity)");
            }
            Action::OrderFuel { tank, tankers } => {
                c.reference(&format!("{path}.tank"), tank, "fuel tank", &ids.tanks);
                if *tankers == 0 || *tankers > MAX_TANKERS_PER_ORDER {
                    c.err(
                        &format!("{path}.tankers"),
                        format!("{tankers} tankers: expected 1 … {MAX_TANKERS_PER_ORDER} per order"),
                        "tankers: 1 (a 100 MW site burns about one 33 m³ tanker an hour)",
                    );
                }
            }
            Action::BreakerTrip { breaker } | Action::BreakerReset { breaker } => {
                c.reference(&format!("{path}.breaker"), breaker, "distribution element", &ids.distribution);
            }
            Action::GeneratorTrip { generator }
            | Action::GeneratorFailToStart { generator }
            | Action::GeneratorRepair { generator } => {
                c.reference(&format!("{path}.generator"), generator, "generator", &ids.generators);
            }
            Action::UpsFault { ups } | Action::UpsRestore { ups } => {
                c.reference(&format!("{path}.ups"), ups, "UPS", &ids.ups);
            }
            Action::ResetGpus { hall } => {
                if let Some(h) = hall {
                    c.reference(&format!("{path}.hall"), h, "hall", &ids.halls);
                }
            }
            Action::DelayDeliveries { .. } | Action::Caption | Action::Pause => {}
        }
    }
}
