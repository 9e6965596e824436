//! Checks tanks, tankers and automatic ordering.

use super::*;

pub(super) fn check_fuel(c: &mut Checker, s: &Scenario, p: &Plant, ids: &Ids) {
    for t in &p.tanks {
        let x = &t.item;
        c.positive(&format!("{}.capacity_l", t.path), x.capacity_l, 1e9, "L");
        if let Some(l) = x.level_l {
            c.range(&format!("{}.level_l", t.path), l, 0.0, x.capacity_l.max(0.0), "L");
        }
        c.range(&format!("{}.usable_fraction", t.path), x.usable_fraction, 0.5, 1.0, "");
        c.range(&format!("{}.pump_l_per_h", t.path), x.pump_l_per_h, 0.0, 1e6, "L/h");
        c.range(&format!("{}.pump_start_pct", t.path), x.pump_start_pct, 0.0, 100.0, "%");
        c.range(&format!("{}.pump_stop_pct", t.path), x.pump_stop_pct, x.pump_start_pct.max(0.0), 100.0, "%");
        match (&x.fill_from, x.kind) {
            (Some(f), _)
                if c.reference(&format!("{}.fill_from", t.path), f, "bulk tank", &ids.bulk_tanks) && *f == x.id =>
            {
                c.err(&format!("{}.fill_from", t.path), "a tank cannot fill itself", "name a bulk tank");
            }
            (Some(_), _) => {}
            (None, TankKind::Day) => c.warn(
                &format!("{}.kind", t.path),
                "day tank with no fill_from: it is never refilled",
                "set fill_from to a bulk tank",
            ),
            _ => {}
        }
    }
    let tk = &s.fuel.tankers;
    c.positive("fuel.tankers.volume_l", tk.volume_l, 100_000.0, "L");
    c.positive("fuel.tankers.trucks_per_hour", tk.trucks_per_hour, 100.0, "per hour");
    c.positive("fuel.tankers.pump_l_per_min", tk.pump_l_per_min, 20_000.0, "L/min");
    if let Some(a) = &s.fuel.auto_order {
        c.reference("fuel.auto_order.tank", &a.tank, "bulk tank", &ids.bulk_tanks);
        c.positive("fuel.auto_order.below_autonomy_h", a.below_autonomy_h, 10_000.0, "h");
        if a.tankers == 0 {
            c.err("fuel.auto_order.tankers", "an order needs at least one tanker", "tankers: 2");
        }
    }
}
