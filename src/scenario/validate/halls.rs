//! Checks halls, rows and racks.

use super::*;

pub(super) fn check_halls(c: &mut Checker, p: &Plant, ids: &Ids, catalog: &Catalog, s: &Scenario) {
    if p.halls.is_empty() {
        c.err("halls", "the scenario has no hall", "add a hall with rows and cooling units");
    }
    let rack_ids: BTreeSet<String> = catalog.racks.keys().cloned().collect();
    let mut feeds_used = BTreeSet::new();
    for h in &p.halls {
        let x = &h.spec;
        c.positive(&format!("{}.floor_area_m2", h.path), x.floor_area_m2, 1e6, "m²");
        c.range(&format!("{}.height_m", h.path), x.height_m, 2.5, 30.0, "m");
        c.range(&format!("{}.design_cooling_kw", h.path), x.design_cooling_kw, 0.0, 1e7, "kW");
        if let Some(m) = x.thermal_mass_kj_per_k {
            c.positive(&format!("{}.thermal_mass_kj_per_k", h.path), m, 1e9, "kJ/K");
        }
        if let Some(u) = x.mass_ua_kw_per_k {
            c.positive(&format!("{}.mass_ua_kw_per_k", h.path), u, 1e6, "kW/K");
        }
        if let Some(l) = &x.liquid_loop {
            c.reference(&format!("{}.liquid_loop", h.path), l, "liquid loop", &ids.loops);
        }
        check_inlet(c, &format!("{}.inlet", h.path), &x.inlet);
        if x.rows.is_empty() || h.rows.iter().all(|r| r.racks.is_empty()) {
            c.err(&format!("{}.rows", h.path), format!("hall \"{}\" is empty: no racks", x.id), "add a row group, e.g. (rows: \"1-4\", racks_per_row: 10, rack: \"legacy_air_10kw\", feeds: (a: \"pdu-{row}\"))");
        }
        if x.cooling_units.is_empty() {
            c.err(
                &format!("{}.cooling_units", h.path),
                format!("hall \"{}\" has no cooling unit", x.id),
                "add a Crah, Crac or EvaporativeAhu; to study a cooling loss, use a CoolingFail event",
            );
        }
        let area_needed: f64 = h.rows.iter().map(|r| r.racks.len() as f64).sum::<f64>()
            * crate::thermal::RACK_WIDTH_M
            * crate::thermal::ROW_PITCH_M;
        if area_needed > x.floor_area_m2 {
            c.err(
                &format!("{}.floor_area_m2", h.path),
                format!("{:.0} m² cannot hold the racks: they need at least {area_needed:.0} m²", x.floor_area_m2),
                "enlarge the hall or split it",
            );
        }
        for (g, group) in x.rows.iter().enumerate() {
            let gp = format!("{}.rows[{g}]", h.path);
            if group.racks_per_row == 0 {
                c.err(&format!("{gp}.racks_per_row"), "a row needs at least one rack", "racks_per_row: 10");
            }
            if group.racks_per_row > MAX_RACKS_PER_ROW {
                c.err(
                    &format!("{gp}.racks_per_row"),
                    format!("{} racks in one row is implausible", group.racks_per_row),
                    "split long rows",
                );
            }
            if group.rows.0.is_empty() {
                c.err(&format!("{gp}.rows"), "no row numbers", "e.g. rows: \"1-4\"");
            }
            c.reference(&format!("{gp}.rack"), &group.rack, "rack type", &rack_ids);
            if let Some(rt) = catalog.racks.get(&group.rack)
                && rt.is_liquid_cooled()
                && x.liquid_loop.is_none()
            {
                c.warn(
                    &format!("{gp}.rack"),
                    format!(
                        "\"{}\" is liquid-cooled but hall \"{}\" has no liquid loop: all its heat goes to air",
                        group.rack, x.id
                    ),
                    "add liquid_loop to the hall to serve its cold plates",
                );
            }
            c.reference(&format!("{gp}.workload"), &group.workload, "workload", &ids.workloads);
            for row in group.rows.iter() {
                let a = group.feeds.a.replace("{row}", &row.to_string());
                if c.reference(&format!("{gp}.feeds.a"), &a, "feed (distribution, UPS or switchboard)", &ids.feeds) {
                    feeds_used.insert(a.clone());
                }
                if let Some(b) = &group.feeds.b {
                    let b = b.replace("{row}", &row.to_string());
                    if b == a {
                        c.err(
                            &format!("{gp}.feeds.b"),
                            format!("A and B feeds are both \"{a}\""),
                            "2N needs two different feeds",
                        );
                    } else if c.reference(
                        &format!("{gp}.feeds.b"),
                        &b,
                        "feed (distribution, UPS or switchboard)",
                        &ids.feeds,
                    ) {
                        feeds_used.insert(b);
                    }
                }
                if c.problems.len() > 50 {
                    return;
                }
            }
        }
        for u in &h.units {
            check_unit(c, &u.path, &u.item, ids);
            feeds_used.insert(u.item.feed().to_owned());
        }
    }
    let _ = s;
}

/// Largest inlet approach accepted, K: an inlet or return more than this above its reference
/// air is no calibrated hall (measured supply heat indices stay below 0.5 of a rack ΔT of
/// 10–20 K, docs/physics.md §2.6).
const MAX_APPROACH_K: f64 = 20.0;

/// Largest recirculation fraction accepted.
const MAX_RECIRCULATION: f64 = 0.95;

/// An empirical inlet law's parameters: a recirculation fraction below 1 (at 1 the inlets
/// would be the room air and the supply would cool nothing), approaches within ±20 K.
fn check_inlet(c: &mut Checker, path: &str, inlet: &InletModel) {
    match *inlet {
        InletModel::AirBalance => {}
        InletModel::Recirculation { fraction } => {
            if !(0.0..=MAX_RECIRCULATION).contains(&fraction) {
                c.err(
                    &format!("{path}.fraction"),
                    format!("{fraction} is out of range: expected a share of room air from 0 to {MAX_RECIRCULATION}"),
                    "at 1 every inlet would be room air and the units would cool nothing; calibrate the \
                     fraction to a measured or CFD supply heat index (typically 0.05–0.3)",
                );
            }
        }
        InletModel::Approach { supply_k, return_k } => {
            c.range(&format!("{path}.supply_k"), supply_k, -MAX_APPROACH_K, MAX_APPROACH_K, "K");
            c.range(&format!("{path}.return_k"), return_k, -MAX_APPROACH_K, MAX_APPROACH_K, "K");
        }
    }
}
