//! Diesel generator sets and their paralleled bus (physics §4.3–4.4, §5.1).
//!
//! - Fuel by the Willans line `F = a·P_rated + b·P` (L/h); default a = 0.017 L/h per kW,
//!   b = 0.255 L/kWh, so a 2 MW set burns 162 / 290 / 417 / 544 L/h at 25 / 50 / 75 / 100 %.
//! - Output derates above a reference ambient (QSK23: 20 % per 10 K, physics §4.3).
//! - Start: signal → ready after the start delay (NFPA 110 Type 10: 10 s) or a failed start,
//!   drawn once per attempt from the run's seeded stream.
//! - The bus accepts load in steps: a step of at most `load_step_pct` of the online rating
//!   every `load_step_interval` (ISO 8528-5 transient classes); loads wait on battery or stay
//!   off until admitted.
//! - Sustained overload collapses the bus (under-frequency): allowed `10 s · 0.1/(x − 1)` at
//!   load fraction x > 1 [U], i.e. 10 s at 110 %, 1 s at 200 %.
//! - Running below 30 % load risks wet stacking (NFPA 110 monthly test ≥ 30 %, physics §5.1):
//!   a warning after [`WET_STACKING_WARN_S`] of light running.

use serde::{Deserialize, Serialize};
/// Load fraction below which a running set wet-stacks (physics §5.1 [S]).
pub const WET_STACKING_FRACTION: f64 = 0.30;
/// Light running time before a wet-stacking warning, s [U].
pub const WET_STACKING_WARN_S: f64 = 1_800.0;
/// Overload time scale: seconds allowed at 110 % (x − 1 = 0.1) [U].
pub const BUS_OVERLOAD_S_AT_110: f64 = 10.0;

/// Fuel burn of a set rated `rated_kw` delivering `output_kw`, L/h (Willans line).
pub fn fuel_l_per_h(curve: &FuelCurve, rated_kw: f64, output_kw: f64) -> f64 {
    curve.no_load_l_per_h_per_kw * rated_kw + curve.incremental_l_per_kwh * output_kw.max(0.0)
}

/// Available output at ambient `ambient_c`, kW.
pub fn derated_kw(rated_kw: f64, ambient_c: f64, derate_above_c: f64, derate_pct_per_k: f64) -> f64 {
    let excess = (ambient_c - derate_above_c).max(0.0);
    (rated_kw * (1.0 - excess * derate_pct_per_k / 100.0)).max(0.0)
}

/// Seconds a bus may carry load fraction `x` of its online capacity before collapsing.
pub fn bus_overload_allowed_s(x: f64) -> f64 {
    if x <= 1.0 { f64::INFINITY } else { BUS_OVERLOAD_S_AT_110 * 0.1 / (x - 1.0) }
}

/// State of one generator set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GenState {
    /// Stopped, available.
    Stopped,
    /// Cranking; ready at this time (ms).
    Starting {
        /// Ready time, ms since run start.
        ready_at_ms: u64,
    },
    /// Running and synchronised to the bus.
    Running,
    /// Out of service until repaired.
    Failed(GenFailure),
}

/// Why a set is out of service.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GenFailure {
    /// The start attempt failed.
    FailedToStart,
    /// Tripped while running (event or bus collapse).
    Tripped,
    /// Its tank ran dry.
    NoFuel,
}

impl GenFailure {
    /// Short description.
    pub fn describe(self) -> &'static str {
        match self {
            GenFailure::FailedToStart => "failed to start",
            GenFailure::Tripped => "tripped",
            GenFailure::NoFuel => "stopped: fuel exhausted",
        }
    }
}

/// Willans-line fuel curve: `F = a·P_rated + b·P` (physics §5.1).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FuelCurve {
    /// No-load term a, L/h per kW of rating (default 0.017).
    pub no_load_l_per_h_per_kw: f64,
    /// Incremental term b, L/kWh (default 0.255).
    pub incremental_l_per_kwh: f64,
}
impl Default for FuelCurve {
    fn default() -> Self {
        Self { no_load_l_per_h_per_kw: 0.017, incremental_l_per_kwh: 0.255 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_mw_set_burns_the_reference_fuel_curve() {
        // physics §5.1: 162 / 290 / 417 / 544 L/h at 25 / 50 / 75 / 100 % of 2 MW.
        let c = FuelCurve::default();
        for (frac, expect) in [(0.25, 162.0), (0.5, 290.0), (0.75, 417.0), (1.0, 544.0)] {
            let f = fuel_l_per_h(&c, 2000.0, frac * 2000.0);
            assert!((f - expect).abs() / expect < 0.02, "{frac}: {f}");
        }
        // Specific consumption 0.26–0.27 L/kWh near full load.
        let sfc = fuel_l_per_h(&c, 2000.0, 2000.0) / 2000.0;
        assert!((0.26..=0.275).contains(&sfc), "{sfc}");
    }

    #[test]
    fn derating_is_20_pct_per_10_k_above_reference() {
        assert_eq!(derated_kw(2000.0, 30.0, 40.0, 2.0), 2000.0);
        assert!((derated_kw(2000.0, 50.0, 40.0, 2.0) - 1600.0).abs() < 1e-9);
    }

    #[test]
    fn bus_overload_tolerance_shrinks_with_overload() {
        assert_eq!(bus_overload_allowed_s(1.0), f64::INFINITY);
        assert!((bus_overload_allowed_s(1.1) - 10.0).abs() < 1e-9);
        assert!((bus_overload_allowed_s(2.0) - 1.0).abs() < 1e-9);
    }
}
