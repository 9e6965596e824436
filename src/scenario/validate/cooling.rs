//! Checks the central plant and air-side cooling units.

use super::*;

pub(super) fn check_plant(c: &mut Checker, p: &Plant, ids: &Ids) {
    for x in &p.chillers {
        let ch = &x.item;
        c.reference(&format!("{}.feed", x.path), &ch.feed, "feed (switchboard, UPS or distribution)", &ids.feeds);
        c.positive(&format!("{}.capacity_kw", x.path), ch.capacity_kw, 1e6, "kW");
        c.range(&format!("{}.cop_rated", x.path), ch.cop_rated, 1.0, 15.0, "");
        c.range(&format!("{}.chilled_water_c", x.path), ch.chilled_water_c, 4.0, 25.0, "°C");
        c.range(&format!("{}.pump_kw", x.path), ch.pump_kw, 0.0, 1e4, "kW");
    }
    for x in &p.liquid_loops {
        let l = &x.item;
        c.reference(&format!("{}.feed", x.path), &l.feed, "feed (switchboard, UPS or distribution)", &ids.feeds);
        c.positive(&format!("{}.cdu_capacity_kw", x.path), l.cdu_capacity_kw, 1e6, "kW");
        c.range(&format!("{}.cdu_approach_k", x.path), l.cdu_approach_k, 0.5, 15.0, "K");
        c.range(&format!("{}.supply_setpoint_c", x.path), l.supply_setpoint_c, 10.0, 60.0, "°C");
        c.positive(&format!("{}.volume_m3", x.path), l.volume_m3, 1e4, "m³");
        c.positive(&format!("{}.flow_l_per_min_per_kw", x.path), l.flow_l_per_min_per_kw, 10.0, "L/min/kW");
    }
}

pub(super) fn check_unit(c: &mut Checker, path: &str, u: &CoolingUnitSpec, ids: &Ids) {
    c.reference(&format!("{path}.feed"), u.feed(), "feed (switchboard, UPS or distribution)", &ids.feeds);
    check_fan(c, path, u);
    match u {
        CoolingUnitSpec::Crah { sensible_capacity_kw, airflow_m3_per_s, supply_setpoint_c, plant, .. } => {
            c.positive(&format!("{path}.sensible_capacity_kw"), *sensible_capacity_kw, 5_000.0, "kW");
            c.positive(&format!("{path}.airflow_m3_per_s"), *airflow_m3_per_s, 500.0, "m³/s");
            c.range(&format!("{path}.supply_setpoint_c"), *supply_setpoint_c, 10.0, 35.0, "°C");
            c.reference(&format!("{path}.plant"), plant, "chiller plant", &ids.chillers);
        }
        CoolingUnitSpec::Crac { sensible_capacity_kw, airflow_m3_per_s, supply_setpoint_c, cop_rated, .. } => {
            c.positive(&format!("{path}.sensible_capacity_kw"), *sensible_capacity_kw, 5_000.0, "kW");
            c.positive(&format!("{path}.airflow_m3_per_s"), *airflow_m3_per_s, 500.0, "m³/s");
            c.range(&format!("{path}.supply_setpoint_c"), *supply_setpoint_c, 10.0, 35.0, "°C");
            c.range(&format!("{path}.cop_rated"), *cop_rated, 1.0, 10.0, "");
        }
        CoolingUnitSpec::EvaporativeAhu {
            effectiveness,
            indirect_effectiveness,
            airflow_m3_per_s,
            supply_setpoint_c,
            max_dew_point_c,
            max_rh_pct,
            trim,
            pad_min_entering_dry_bulb_c,
            pad_max_entering_wet_bulb_c,
            pad_pump_w_per_m3_s,
            ..
        } => {
            if let Some(t) = pad_min_entering_dry_bulb_c {
                c.range(&format!("{path}.pad_min_entering_dry_bulb_c"), *t, -20.0, 50.0, "°C");
            }
            if let Some(t) = pad_max_entering_wet_bulb_c {
                c.range(&format!("{path}.pad_max_entering_wet_bulb_c"), *t, -10.0, 40.0, "°C");
            }
            // EnergyPlus examples size recirculation pumps at tens to a few hundred W per m³/s.
            c.range(&format!("{path}.pad_pump_w_per_m3_s"), *pad_pump_w_per_m3_s, 0.0, 5_000.0, "W per m³/s");
            c.range(&format!("{path}.effectiveness"), *effectiveness, 0.0, 1.0, "");
            c.range(&format!("{path}.indirect_effectiveness"), *indirect_effectiveness, 0.0, 1.0, "");
            c.positive(&format!("{path}.airflow_m3_per_s"), *airflow_m3_per_s, 1_000.0, "m³/s");
            c.range(&format!("{path}.supply_setpoint_c"), *supply_setpoint_c, 10.0, 35.0, "°C");
            c.range(&format!("{path}.max_dew_point_c"), *max_dew_point_c, -10.0, 30.0, "°C");
            c.range(&format!("{path}.max_rh_pct"), *max_rh_pct, 10.0, 100.0, "%");
            if let Some(t) = trim {
                c.positive(&format!("{path}.trim.capacity_kw"), t.capacity_kw, 10_000.0, "kW");
                c.range(&format!("{path}.trim.cop_rated"), t.cop_rated, 1.0, 10.0, "");
            }
        }
    }
}

/// A unit's fan: either its power at design airflow, or its pressure rise and efficiency.
fn check_fan(c: &mut Checker, path: &str, u: &CoolingUnitSpec) {
    let hint = "give fan_power_kw (e.g. 15.0), or fan_pressure_pa and fan_efficiency (e.g. 600.0 and 0.6: \
                P = airflow × pressure / efficiency)";
    match u.fan_inputs() {
        (_, Some(kw), None, None) => c.range(&format!("{path}.fan_power_kw"), kw, 0.0, 2_000.0, "kW"),
        (_, None, Some(dp), Some(eta)) => {
            c.range(&format!("{path}.fan_pressure_pa"), dp, 0.0, 5_000.0, "Pa");
            c.range(&format!("{path}.fan_efficiency"), eta, 0.05, 1.0, "");
        }
        (_, Some(_), _, _) => c.err(&format!("{path}.fan_power_kw"), "fan power given twice", hint),
        _ => c.err(path, "the unit's fan power is missing", hint),
    }
}
