//! Expectations: pass/fail conditions written as `"metric op value"`, e.g.
//! `"max_inlet_c <= 32"`, `"pue < 1.25"`, `"min_fuel_autonomy_h >= 12"`, or a shorthand
//! (`"no_breaker_trip"`, `"no_load_dropped"`, `"no_gpu_shutdown"`).

use core::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

use super::Summary;

/// Metrics an expectation can test, with the summary field each reads.
pub const METRICS: &[(&str, &str)] = &[
    ("max_inlet_c", "hottest rack inlet over the run, °C"),
    ("max_gpu_temp_c", "hottest GPU die, °C"),
    ("pue", "facility energy / IT energy"),
    ("wue_l_per_kwh", "site water / IT energy, L/kWh"),
    ("co2_kg", "grid and diesel CO₂, kg"),
    ("it_energy_kwh", "IT energy, kWh"),
    ("facility_energy_kwh", "facility energy, kWh"),
    ("fuel_used_l", "diesel burned, L"),
    ("water_used_l", "water used, L"),
    ("min_fuel_autonomy_h", "lowest fuel autonomy, h"),
    ("min_ups_soc_pct", "lowest UPS state of charge, %"),
    ("breaker_trips", "breaker trips (protection, not manual)"),
    ("generator_failures", "failed starts and trips"),
    ("load_dropped_kwh", "IT energy not served, kWh"),
    ("gpus_shutdown", "most GPUs shut down at once"),
    ("gpus_throttled", "most GPUs throttling at once"),
    ("hours_outside_recommended", "hours with any rack inlet outside the ASHRAE recommended envelope"),
    ("hours_outside_a1", "hours with any rack inlet outside ASHRAE A1"),
    ("hours_inlet_above_27_c", "hours with the hottest rack inlet above 27 °C"),
    ("hours_inlet_above_32_c", "hours with the hottest rack inlet above 32 °C"),
    ("max_room_c", "warmest hall room air over the run, °C"),
    ("grid_peak_kw", "highest grid import, kW"),
    ("fuel_deliveries", "tankers unloaded"),
    ("diesel_stored_t", "diesel storage capacity, t"),
    ("energy_balance_error", "largest relative error of the energy books in any tick"),
    ("free_cooling_hours", "hours with no compressor running while IT draws power"),
    ("gpu_hours_lost", "GPU-hours lost to shutdowns and dark racks"),
    ("peak_ups_load_pct", "peak UPS output / rating, %"),
    ("peak_transformer_load_pct", "peak transformer output / rating, %"),
    ("peak_distribution_load_pct", "peak PDU, busway or RPP output / rating, %"),
    ("peak_utility_load_pct", "peak grid import / utility capacity, %"),
    ("peak_chiller_load_pct", "peak chiller coil load / capacity, %"),
    ("peak_liquid_load_pct", "peak liquid-loop heat / CDU capacity, %"),
    ("electricity_cost_eur", "grid electricity bought over the run, €"),
    ("capex_eur", "capital cost, €"),
    ("capex_eur_per_year", "capital cost annualised (capital recovery factor), €/year"),
    ("opex_eur_per_year", "running cost (electricity, water, diesel, maintenance), €/year"),
    ("tco_eur_per_year", "total cost of ownership, €/year"),
    ("eur_per_gpu_hour", "all-in cost of a GPU-hour worked, €"),
    ("lost_load_eur_per_year", "GPU-hours lost × their price, €/year"),
    ("co2_t_per_year", "operational CO₂ (grid + diesel), t/year"),
    ("embodied_co2_t_per_year", "embodied CO₂ spread over equipment and building lives, t/year"),
    ("co2_g_per_gpu_hour", "operational + embodied CO₂ per GPU-hour worked, g"),
    ("water_m3_per_year", "site water, m³/year"),
    ("facility_mwh_per_year", "facility energy, MWh/year"),
];

/// What gives when an expectation on `metric` fails: the equipment or limit it stands for.
pub fn constraint_of(metric: &str) -> &'static str {
    match metric {
        "max_inlet_c"
        | "hours_outside_recommended"
        | "hours_outside_a1"
        | "hours_inlet_above_27_c"
        | "hours_inlet_above_32_c"
        | "max_room_c" => "air cooling (rack inlet temperature)",
        "max_gpu_temp_c" | "gpus_shutdown" | "gpus_throttled" | "gpu_hours_lost" => "GPU temperature",
        "breaker_trips" | "peak_distribution_load_pct" => "distribution (busways, PDUs, RPPs)",
        "peak_ups_load_pct" | "min_ups_soc_pct" => "UPS",
        "peak_transformer_load_pct" => "transformers",
        "peak_utility_load_pct" | "grid_peak_kw" => "utility connection",
        "peak_chiller_load_pct" => "chillers",
        "peak_liquid_load_pct" => "liquid loop (CDU)",
        "load_dropped_kwh" => "power delivery (load dropped)",
        "pue" | "wue_l_per_kwh" | "water_used_l" | "water_m3_per_year" => "efficiency",
        _ => "other",
    }
}

/// Comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `==`
    Eq,
}

impl Op {
    fn symbol(self) -> &'static str {
        match self {
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Eq => "==",
        }
    }

    /// Applies the comparison.
    pub fn holds(self, a: f64, b: f64) -> bool {
        match self {
            Op::Lt => a < b,
            Op::Le => a <= b,
            Op::Gt => a > b,
            Op::Ge => a >= b,
            Op::Eq => a == b,
        }
    }
}

/// A pass/fail condition on the run's summary.
#[derive(Clone, Debug, PartialEq)]
pub struct Expectation {
    /// Metric name (one of [`METRICS`]).
    pub metric: String,
    /// Operator.
    pub op: Op,
    /// Threshold.
    pub value: f64,
    /// As written.
    pub text: String,
}

/// Result of one expectation.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Outcome {
    /// As written.
    pub expectation: String,
    /// Measured value.
    pub measured: f64,
    /// Whether it holds.
    pub passed: bool,
}

impl Expectation {
    /// Parses `"metric op value"` or a shorthand.
    pub fn parse(text: &str) -> Result<Expectation, String> {
        let t = text.trim();
        let shorthand = match t {
            "no_breaker_trip" => Some(("breaker_trips", Op::Eq, 0.0)),
            "no_load_dropped" => Some(("load_dropped_kwh", Op::Eq, 0.0)),
            "no_gpu_shutdown" => Some(("gpus_shutdown", Op::Eq, 0.0)),
            _ => None,
        };
        if let Some((m, op, v)) = shorthand {
            return Ok(Expectation { metric: m.into(), op, value: v, text: t.into() });
        }
        let ops = [("<=", Op::Le), (">=", Op::Ge), ("==", Op::Eq), ("<", Op::Lt), (">", Op::Gt)];
        let Some((pos, sym, op)) =
            ops.iter().filter_map(|(s, o)| t.find(s).map(|p| (p, *s, *o))).min_by_key(|(p, ..)| *p)
        else {
            return Err(format!(
                "expectation \"{t}\" has no comparison; write e.g. \"max_inlet_c <= 32\" (operators <, <=, >, >=, ==) or no_breaker_trip / no_load_dropped / no_gpu_shutdown"
            ));
        };
        let metric = t[..pos].trim();
        let rhs = t[pos + sym.len()..].trim();
        if !METRICS.iter().any(|(m, _)| *m == metric) {
            let known: Vec<&str> = METRICS.iter().map(|(m, _)| *m).collect();
            return Err(format!(
                "unknown metric \"{metric}\" in expectation \"{t}\"; known metrics: {}",
                known.join(", ")
            ));
        }
        let value: f64 = rhs.parse().map_err(|_| format!("\"{rhs}\" in expectation \"{t}\" is not a number"))?;
        if !value.is_finite() {
            return Err(format!("threshold \"{rhs}\" in expectation \"{t}\" must be a finite number"));
        }
        Ok(Expectation { metric: metric.into(), op, value, text: t.into() })
    }

    /// How far `measured` is from breaking the expectation, in the metric's unit: positive
    /// while it holds (`max_inlet_c <= 32` at 29.5: 2.5), negative past it; an equality that
    /// holds has margin 0.
    pub fn margin(&self, measured: f64) -> f64 {
        match self.op {
            Op::Lt | Op::Le => self.value - measured,
            Op::Gt | Op::Ge => measured - self.value,
            Op::Eq => 0.0 - (measured - self.value).abs(),
        }
    }

    /// Checks the expectation against a summary.
    pub fn evaluate(&self, s: &Summary) -> Outcome {
        let measured = s.metric(&self.metric).unwrap_or(f64::NAN);
        // A non-finite measurement (a broken run: infinite losses, a NaN temperature) fails
        // every expectation on it, `pue > 1` included.
        let passed = measured.is_finite() && self.op.holds(measured, self.value);
        Outcome { expectation: self.text.clone(), measured, passed }
    }
}

impl fmt::Display for Expectation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.metric, self.op.symbol(), self.value)
    }
}

impl Serialize for Expectation {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for Expectation {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Expectation::parse(&text).map_err(de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_comparisons_and_shorthands() {
        let e = Expectation::parse("max_inlet_c <= 32").unwrap();
        assert_eq!((e.metric.as_str(), e.op, e.value), ("max_inlet_c", Op::Le, 32.0));
        let e = Expectation::parse("pue<1.25").unwrap();
        assert_eq!((e.op, e.value), (Op::Lt, 1.25));
        let e = Expectation::parse("no_breaker_trip").unwrap();
        assert_eq!((e.metric.as_str(), e.op, e.value), ("breaker_trips", Op::Eq, 0.0));
    }

    #[test]
    fn rejects_unknown_metrics_and_bad_numbers_with_a_hint() {
        assert!(Expectation::parse("max_inlet <= 32").unwrap_err().contains("known metrics"));
        assert!(Expectation::parse("pue <= low").unwrap_err().contains("not a number"));
        assert!(Expectation::parse("pue").unwrap_err().contains("no comparison"));
        assert!(Expectation::parse("pue <= NaN").unwrap_err().contains("finite"));
    }

    #[test]
    fn a_non_finite_measurement_fails_every_expectation() {
        let s = Summary { pue: f64::INFINITY, max_inlet_c: f64::NAN, ..Default::default() };
        for text in ["pue > 1", "pue >= 1", "pue < 2", "max_inlet_c <= 32", "max_inlet_c > 0"] {
            let outcome = Expectation::parse(text).unwrap().evaluate(&s);
            assert!(!outcome.passed, "{text} passed on a non-finite value");
        }
        let fine = Summary { pue: 1.2, ..Default::default() };
        assert!(Expectation::parse("pue > 1").unwrap().evaluate(&fine).passed);
    }
}
