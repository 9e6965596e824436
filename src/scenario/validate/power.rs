//! Checks the electrical plant: ratings, losses, the electrical graph.

use super::*;

pub(super) fn check_power(c: &mut Checker, p: &Plant, ids: &Ids) {
    if p.utilities.is_empty() {
        c.err(
            "power.utilities",
            "the site has no utility feed",
            "add e.g. utilities: [(id: \"grid\", capacity_kw: 4000)]",
        );
    }
    for u in &p.utilities {
        c.positive(&format!("{}.capacity_kw", u.path), u.item.capacity_kw, 1e7, "kW");
    }
    for t in &p.transformers {
        let x = &t.item;
        c.reference(&format!("{}.from", t.path), &x.from, "utility feed", &ids.utilities);
        c.positive(&format!("{}.rating_kva", t.path), x.rating_kva, 1e6, "kVA");
        c.range(&format!("{}.no_load_loss_pct", t.path), x.no_load_loss_pct, 0.0, 5.0, "%");
        c.range(&format!("{}.load_loss_pct", t.path), x.load_loss_pct, 0.0, 10.0, "%");
        c.range(&format!("{}.power_factor", t.path), x.power_factor, 0.5, 1.0, "");
    }
    let mut grouped: BTreeMap<&str, &str> = BTreeMap::new();
    for g in &p.generator_groups {
        if g.item.units.is_empty() {
            c.err(
                &format!("{}.units", g.path),
                "a generator group needs at least one generator",
                "list generator ids, e.g. units: [\"gen-1\", \"gen-2\"]",
            );
        }
        c.range(&format!("{}.load_step_pct", g.path), g.item.load_step_pct, 1.0, 100.0, "%");
        for (k, u) in g.item.units.iter().enumerate() {
            let path = format!("{}.units[{k}]", g.path);
            if c.reference(&path, u, "generator", &ids.generators)
                && let Some(prev) = grouped.insert(u.as_str(), g.item.id.as_str())
            {
                c.err(&path, format!("generator \"{u}\" is already in group \"{prev}\""), "a set belongs to one bus");
            }
        }
    }
    for g in &p.generators {
        let x = &g.item;
        c.positive(&format!("{}.rating_kw", g.path), x.rating_kw, 50_000.0, "kW");
        c.range(
            &format!("{}.fail_to_start_probability", g.path),
            x.fail_to_start_probability,
            0.0,
            1.0,
            "(probability)",
        );
        c.reference(&format!("{}.tank", g.path), &x.tank, "fuel tank", &ids.tanks);
        c.range(
            &format!("{}.fuel_curve.no_load_l_per_h_per_kw", g.path),
            x.fuel_curve.no_load_l_per_h_per_kw,
            0.0,
            0.1,
            "L/h per kW",
        );
        c.range(
            &format!("{}.fuel_curve.incremental_l_per_kwh", g.path),
            x.fuel_curve.incremental_l_per_kwh,
            0.1,
            0.5,
            "L/kWh",
        );
        c.range(&format!("{}.derate_pct_per_k", g.path), x.derate_pct_per_k, 0.0, 10.0, "%/K");
        if !grouped.contains_key(x.id.as_str()) {
            c.err(
                &format!("{}.id", g.path),
                format!("generator \"{}\" is in no generator group (orphan)", x.id),
                "add it to a generator_groups entry's units",
            );
        }
    }
    let mut used_groups = BTreeSet::new();
    for sb in &p.switchboards {
        let x = &sb.item;
        let normal_ok = ids.transformers.contains(&x.normal) || ids.utilities.contains(&x.normal);
        if !normal_ok {
            let known: BTreeSet<String> = ids.transformers.union(&ids.utilities).cloned().collect();
            c.reference(&format!("{}.normal", sb.path), &x.normal, "transformer or utility feed", &known);
        }
        if let Some(e) = &x.emergency
            && c.reference(&format!("{}.emergency", sb.path), e, "generator group", &ids.groups)
        {
            used_groups.insert(e.clone());
        }
    }
    for g in &p.generator_groups {
        if !used_groups.contains(&g.item.id) {
            c.err(
                &format!("{}.id", g.path),
                format!("generator group \"{}\" backs no switchboard (orphan)", g.item.id),
                "name it as a switchboard's emergency source",
            );
        }
    }
    for u in &p.ups {
        let x = &u.item;
        c.reference(&format!("{}.from", u.path), &x.from, "switchboard", &ids.switchboards);
        c.positive(&format!("{}.rating_kw", u.path), x.rating_kw, 1e6, "kW");
        c.positive(&format!("{}.battery.autonomy_min", u.path), x.battery.autonomy_min, 600.0, "min");
        c.range(&format!("{}.battery.recharge_pct", u.path), x.battery.recharge_pct, 0.0, 100.0, "%");
        c.range(&format!("{}.battery.initial_soc_pct", u.path), x.battery.initial_soc_pct, 0.0, 100.0, "%");
        if let Some(k) = x.battery.peukert_k {
            c.range(&format!("{}.battery.peukert_k", u.path), k, 1.0, 1.6, "");
        }
        if x.modules == 0 {
            c.err(&format!("{}.modules", u.path), "a UPS needs at least one module", "modules: 1");
        }
        if x.walk_in.is_zero() {
            c.err(&format!("{}.walk_in", u.path), "walk-in time must be positive", "typical 5–20 s");
        }
        if let Some(l) = &x.losses {
            check_losses(c, &format!("{}.losses", u.path), l);
        }
    }
    let dist_from: BTreeSet<String> =
        ids.ups.iter().chain(&ids.switchboards).chain(&ids.distribution).cloned().collect();
    let mut parent: BTreeMap<&str, &str> = BTreeMap::new();
    for d in &p.distribution {
        let x = &d.item;
        if c.reference(&format!("{}.from", d.path), &x.from, "UPS, switchboard or distribution element", &dist_from) {
            parent.insert(&x.id, &x.from);
        }
        c.positive(&format!("{}.rating_a", d.path), x.rating_a, 10_000.0, "A");
        c.range(&format!("{}.voltage_v", d.path), x.voltage_v, 100.0, 1_000.0, "V");
        c.range(&format!("{}.power_factor", d.path), x.power_factor, 0.5, 1.0, "");
        if let Some(r) = x.breaker.rating_a {
            c.positive(&format!("{}.breaker.rating_a", d.path), r, 10_000.0, "A");
        }
        if let Some(t) = x.breaker.tau_s {
            c.positive(&format!("{}.breaker.tau_s", d.path), t, 7_200.0, "s");
        }
        if let Some(l) = &x.losses {
            check_losses(c, &format!("{}.losses", d.path), l);
        }
    }
    // Loops in the distribution graph.
    for d in &p.distribution {
        let mut cur = d.item.id.as_str();
        let mut steps = 0;
        while let Some(&up) = parent.get(cur) {
            steps += 1;
            if up == d.item.id || steps > parent.len() {
                c.err(
                    &format!("{}.from", d.path),
                    format!("distribution loop: \"{}\" feeds itself through \"{}\"", d.item.id, d.item.from),
                    "every element must lead back to a UPS or switchboard",
                );
                break;
            }
            cur = up;
        }
    }
}

pub(super) fn check_losses(c: &mut Checker, path: &str, l: &LossCoefficients) {
    c.range(&format!("{path}.no_load_pct"), l.no_load_pct, 0.0, 10.0, "%");
    c.range(&format!("{path}.proportional_pct"), l.proportional_pct, 0.0, 10.0, "%");
    c.range(&format!("{path}.square_pct"), l.square_pct, 0.0, 10.0, "%");
}
