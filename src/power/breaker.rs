//! Circuit breakers: where breakers trip.
//!
//! Long-time (thermal) element with memory, the IEC 60255-8 thermal-replica idea
//! (docs/physics.md §4.6):
//!
//! ```text
//! τ · dθ/dt = (I/In)² − θ          θ = 0 cold, 1 = steady state at In
//! trip when θ ≥ θ_trip;  cold trip time t = τ · ln( x² / (x² − θ_trip) ),  x = I/In
//! ```
//!
//! integrated exactly over a tick (`θ(t) = x² + (θ₀ − x²)·e^(−t/τ)`), so the trip instant is
//! found inside the tick, not rounded to it. `θ_trip` sits between the standard's conventional
//! non-tripping and tripping currents:
//!
//! | standard | non-trip (1 h) | trip (≤ 1 h) | θ_trip | τ default |
//! |---|---|---|---|---|
//! | IEC 60898-1 (MCB) | 1.13 × In | 1.45 × In | 1.3² | 120 s → 2.55 × In trips in 36 s (1–60 s ✓) |
//! | IEC 60947-2 (MCCB/ACB) | 1.05 × In | 1.30 × In | 1.2² | 600 s → 1.30 × In trips in 19 min |
//!
//! Ambient: the bimetal adds its surroundings' temperature to its own rise, so the thermal
//! element trips earlier in a hot room. With the rise at In taken as [`BIMETAL_RISE_AT_IN_K`],
//! the trip threshold becomes `θ_trip − (T_amb − T_ref)/ΔT_In`: about −0.8 % of trip current
//! per K above the reference temperature (30 °C for IEC 60898, 40 °C typical for IEC 60947-2,
//! docs/physics.md §4.6), in line with manufacturers' temperature derating tables.
//!
//! Instantaneous (magnetic) element: trips within the tick when `x` reaches the breaker's
//! magnetic threshold, drawn once per breaker inside its curve's band (B 3–5, C 5–10,
//! D 10–20 × In) as manufacturing tolerance. After a trip θ cools with the same τ; a reset
//! closes the breaker only once θ < 0.8 (docs/physics.md §4.6: reclose blocked until θ < ~0.8).

use serde::{Deserialize, Serialize};

pub use crate::events::TripCause;
use crate::events::{EventDetail, EventKind, EventLog, Severity};
/// θ below which a tripped breaker may be reclosed (docs/physics.md §4.6).
pub const RECLOSE_THETA: f64 = 0.8;
/// Default long-time time constant for IEC 60898 MCBs, s (docs/physics.md §4.6 \[C\]).
pub const TAU_MCB_S: f64 = 120.0;
/// Default long-time time constant for IEC 60947-2 breakers, s (docs/physics.md §4.6: 300–600 s \[U\]).
pub const TAU_MCCB_S: f64 = 600.0;
/// Duration reported for a magnetic trip (< 0.1 s by definition; docs/physics.md §4.6), s.
pub const MAGNETIC_TRIP_S: f64 = 0.01;

/// Bimetal temperature rise at rated current, K [U: thermal-magnetic trip units, set so
/// that the trip current derates ≈ 0.8 %/K above the reference temperature].
pub const BIMETAL_RISE_AT_IN_K: f64 = 45.0;
/// Reference ambient of IEC 60898-1 breakers, °C (docs/physics.md §4.6 \[V\]).
pub const REFERENCE_C_MCB: f64 = 30.0;
/// Reference ambient of IEC 60947-2 breakers as commonly set by makers, °C (docs/physics.md §4.6 \[V\]).
pub const REFERENCE_C_MCCB: f64 = 40.0;

/// Magnetic band of a trip curve, multiples of In (IEC 60898-1, docs/physics.md §4.6 \[V\]).
pub fn magnetic_band(curve: TripCurve) -> (f64, f64) {
    match curve {
        TripCurve::B => (3.0, 5.0),
        TripCurve::C => (5.0, 10.0),
        TripCurve::D => (10.0, 20.0),
    }
}

/// θ at which the thermal element trips, for a standard.
pub fn theta_trip(standard: BreakerStandard) -> f64 {
    match standard {
        BreakerStandard::Iec60898 => 1.3 * 1.3,
        BreakerStandard::Iec60947 => 1.2 * 1.2,
    }
}

/// Default τ for a standard, s.
pub fn default_tau_s(standard: BreakerStandard) -> f64 {
    match standard {
        BreakerStandard::Iec60898 => TAU_MCB_S,
        BreakerStandard::Iec60947 => TAU_MCCB_S,
    }
}

/// A breaker's settings and state.
#[derive(Clone, Debug, PartialEq)]
pub struct Breaker {
    /// Rated current In, A.
    pub rating_a: f64,
    /// Long-time time constant, s.
    pub tau_s: f64,
    /// Trip threshold of θ.
    pub theta_trip: f64,
    /// Magnetic threshold, multiple of In.
    pub magnetic_multiple: f64,
    /// Thermal state θ (dimensionless).
    pub theta: f64,
    /// Whether the contacts are closed.
    pub closed: bool,
    /// Why it last opened.
    pub last_trip: Option<TripCause>,
    /// A reset was asked while too hot; it closes once θ < [`RECLOSE_THETA`].
    pub reset_pending: bool,
    /// Reference ambient of the calibration, °C.
    pub reference_c: f64,
    /// Ambient around the breaker, °C.
    pub ambient_c: f64,
}

impl Breaker {
    /// A cold, closed breaker.
    pub fn new(rating_a: f64, standard: BreakerStandard, tau_s: f64, magnetic_multiple: f64) -> Self {
        Self {
            rating_a,
            tau_s,
            theta_trip: theta_trip(standard),
            magnetic_multiple,
            theta: 0.0,
            closed: true,
            last_trip: None,
            reset_pending: false,
            reference_c: match standard {
                BreakerStandard::Iec60898 => REFERENCE_C_MCB,
                BreakerStandard::Iec60947 => REFERENCE_C_MCCB,
            },
            ambient_c: match standard {
                BreakerStandard::Iec60898 => REFERENCE_C_MCB,
                BreakerStandard::Iec60947 => REFERENCE_C_MCCB,
            },
        }
    }

    /// Trip threshold of θ at the present ambient.
    pub fn effective_theta_trip(&self) -> f64 {
        (self.theta_trip - (self.ambient_c - self.reference_c) / BIMETAL_RISE_AT_IN_K).max(0.05)
    }

    /// Advances the breaker by `dt_s` carrying `current_a`; returns the seconds into the tick
    /// at which it tripped, if it did.
    pub fn step(&mut self, current_a: f64, dt_s: f64) -> Option<(f64, TripCause)> {
        let x = if self.closed { current_a / self.rating_a } else { 0.0 };
        let x2 = x * x;
        if self.closed && x >= self.magnetic_multiple {
            // The bimetal heats only for the few milliseconds the fault current flows.
            let t = MAGNETIC_TRIP_S.min(dt_s);
            self.theta = x2 + (self.theta - x2) * (-t / self.tau_s).exp();
            self.open(TripCause::Magnetic);
            // Then it cools for the rest of the tick.
            self.theta *= (-(dt_s - t) / self.tau_s).exp();
            return Some((t, TripCause::Magnetic));
        }
        let theta0 = self.theta;
        let decay = (-dt_s / self.tau_s).exp();
        self.theta = x2 + (theta0 - x2) * decay;
        let trip_at = self.effective_theta_trip();
        if self.closed && self.theta >= trip_at {
            let t = if theta0 >= trip_at { 0.0 } else { self.tau_s * ((x2 - theta0) / (x2 - trip_at)).ln() };
            self.open(TripCause::Thermal);
            return Some((t.clamp(0.0, dt_s), TripCause::Thermal));
        }
        if !self.closed && self.reset_pending && self.theta < RECLOSE_THETA {
            self.closed = true;
            self.reset_pending = false;
        }
        None
    }

    /// Opens the contacts.
    pub fn open(&mut self, cause: TripCause) {
        self.closed = false;
        self.last_trip = Some(cause);
    }

    /// Asks for a reset: closes now if cool enough, else once θ < [`RECLOSE_THETA`].
    /// Returns whether it closed now.
    pub fn request_reset(&mut self) -> bool {
        if self.closed {
            return true;
        }
        if self.theta < RECLOSE_THETA {
            self.closed = true;
            self.reset_pending = false;
            true
        } else {
            self.reset_pending = true;
            false
        }
    }

    /// Cold-state trip time at `multiple` × In and the present ambient, s (∞ if it never trips).
    pub fn cold_trip_time_s(&self, multiple: f64) -> f64 {
        if multiple >= self.magnetic_multiple {
            return MAGNETIC_TRIP_S;
        }
        let x2 = multiple * multiple;
        let trip_at = self.effective_theta_trip();
        if x2 <= trip_at {
            return f64::INFINITY;
        }
        self.tau_s * (x2 / (x2 - trip_at)).ln()
    }
}

/// Line current of a three-phase load, A: `I = P / (√3 · V · pf)` (docs/physics.md §4.7).
pub fn three_phase_current_a(power_kw: f64, voltage_v: f64, power_factor: f64) -> f64 {
    power_kw * 1_000.0 / (3.0_f64.sqrt() * voltage_v * power_factor)
}

/// Breaker standard.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub enum BreakerStandard {
    /// IEC 60898-1 miniature breaker (non-trip 1.13 × In, trip 1.45 × In).
    Iec60898,
    /// IEC 60947-2 industrial breaker (non-trip 1.05 × In, trip 1.30 × In).
    #[default]
    Iec60947,
}

/// Instantaneous (magnetic) trip curve (docs/physics.md §4.6).
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub enum TripCurve {
    /// 3–5 × In.
    B,
    /// 5–10 × In.
    #[default]
    C,
    /// 10–20 × In.
    D,
}

/// **Where breakers trip.** Steps a distribution element's breaker with this tick's current
/// (thermal memory and magnetic band, [`Breaker::step`]) and logs a trip at the moment inside
/// the tick when it happens. Called by the flow pass ([`super::flow`]) for every PDU, busway and
/// RPP in stage [`crate::schedule::SimStep::Electrical`]; the element and everything it feeds
/// lose power from the next tick.
pub fn protect(breaker: &mut Breaker, id: &str, current_a: f64, dt_s: f64, t_s: f64, log: &mut EventLog) {
    let Some((after_s, cause)) = breaker.step(current_a, dt_s) else { return };
    let what = match cause {
        TripCause::Magnetic => "instantaneous (magnetic)",
        TripCause::Thermal => "long-time (thermal)",
        TripCause::Manual => "manual",
    };
    let multiple = current_a / breaker.rating_a;
    log.log(
        t_s + after_s,
        EventKind::BreakerTrip,
        Severity::Critical,
        id,
        format!("breaker tripped: {what} at {current_a:.0} A = {multiple:.2} × In"),
        Some(multiple),
    )
    .detail = EventDetail::BreakerTrip { cause, current_a, multiple_of_in: multiple };
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs a cold breaker at `multiple` × In with 0.1 s steps until it trips or `limit_s`.
    fn simulate_trip_s(b: &mut Breaker, multiple: f64, limit_s: f64) -> Option<f64> {
        let dt = 0.1;
        let mut t = 0.0;
        while t < limit_s {
            if let Some((after, _)) = b.step(multiple * b.rating_a, dt) {
                return Some(t + after);
            }
            t += dt;
        }
        None
    }

    fn mcb() -> Breaker {
        Breaker::new(32.0, BreakerStandard::Iec60898, TAU_MCB_S, 7.5)
    }

    #[test]
    fn iec60898_conventional_non_tripping_current_holds_for_an_hour() {
        // IEC 60898-1: 1.13 × In must not trip within 1 h (docs/physics.md §4.6 [V]).
        assert_eq!(simulate_trip_s(&mut mcb(), 1.13, 3600.0), None);
    }

    #[test]
    fn iec60898_conventional_tripping_current_trips_within_an_hour() {
        // 1.45 × In trips within 1 h; the model gives τ·ln(2.1025/0.4125) ≈ 195 s.
        let t = simulate_trip_s(&mut mcb(), 1.45, 3600.0).expect("must trip");
        assert!(t < 3600.0);
        assert!((t - 195.4).abs() < 1.0, "{t}");
    }

    #[test]
    fn iec60898_2_55_in_trips_between_1_and_60_s() {
        let t = simulate_trip_s(&mut mcb(), 2.55, 120.0).expect("must trip");
        assert!((1.0..=60.0).contains(&t), "{t}");
        assert!((t - mcb().cold_trip_time_s(2.55)).abs() < 1e-6, "in-tick trip time is exact: {t}");
    }

    #[test]
    fn iec60947_points_hold() {
        let b = || Breaker::new(800.0, BreakerStandard::Iec60947, TAU_MCCB_S, 7.5);
        assert_eq!(simulate_trip_s(&mut b(), 1.05, 7200.0), None, "1.05 × In: no trip in 2 h");
        let t = simulate_trip_s(&mut b(), 1.30, 7200.0).expect("1.30 × In must trip");
        assert!(t < 7200.0 && (t - 1146.6).abs() < 2.0, "{t}");
    }

    #[test]
    fn magnetic_band_trips_instantly_above_and_not_below() {
        for curve in [TripCurve::B, TripCurve::C, TripCurve::D] {
            let (lo, hi) = magnetic_band(curve);
            // Worst-case thresholds at both ends of the band.
            for threshold in [lo, hi] {
                let mut b = Breaker::new(16.0, BreakerStandard::Iec60898, TAU_MCB_S, threshold);
                let (t, cause) = b.step(hi * 16.0, 1.0).expect("trips at the top of the band");
                assert_eq!(cause, TripCause::Magnetic);
                assert!(t < 0.1, "{t}");
                let mut b = Breaker::new(16.0, BreakerStandard::Iec60898, TAU_MCB_S, threshold);
                match b.step(0.99 * lo * 16.0, 0.01) {
                    None => {}
                    Some((_, cause)) => assert_eq!(cause, TripCause::Thermal, "no magnetic trip below the band"),
                }
            }
        }
    }

    #[test]
    fn thermal_memory_makes_a_warm_breaker_trip_sooner_and_blocks_reclose() {
        let mut warm = mcb();
        for _ in 0..600 {
            assert!(warm.step(1.0 * 32.0, 1.0).is_none());
        }
        let t_warm = simulate_trip_s(&mut warm, 1.45, 3600.0).unwrap();
        let t_cold = simulate_trip_s(&mut mcb(), 1.45, 3600.0).unwrap();
        assert!(t_warm < 0.7 * t_cold, "warm {t_warm} vs cold {t_cold}");
        assert!(!warm.request_reset(), "too hot to reclose right after a trip");
        let mut waited = 0;
        while !warm.closed {
            warm.step(0.0, 1.0);
            waited += 1;
        }
        // θ falls from ~1.69 to 0.8 in τ·ln(1.69/0.8) ≈ 90 s.
        assert!((85..=95).contains(&waited), "{waited}");
    }

    #[test]
    fn a_magnetic_trip_does_not_overheat_the_thermal_element() {
        // A 10 × In fault cleared in 10 ms barely warms the bimetal: reset is possible at once.
        let mut b = mcb();
        assert_eq!(b.step(10.0 * 32.0, 1.0).map(|(_, c)| c), Some(TripCause::Magnetic));
        assert!(b.theta < 0.1, "{}", b.theta);
        assert!(b.request_reset());
    }

    #[test]
    fn a_hot_breaker_trips_at_a_lower_current() {
        // At the reference ambient nothing changes; 10 K above it the trip current drops ≈ 8 %.
        let mut b = Breaker::new(800.0, BreakerStandard::Iec60947, TAU_MCCB_S, 7.5);
        let at_ref = (b.effective_theta_trip()).sqrt();
        b.ambient_c = b.reference_c + 10.0;
        let hot = (b.effective_theta_trip()).sqrt();
        assert!((at_ref - 1.2).abs() < 1e-12);
        assert!((hot / at_ref - 0.92).abs() < 0.01, "{}", hot / at_ref);
        // 1.15 × In holds forever at 40 °C but trips in a 55 °C hot aisle.
        assert_eq!(
            Breaker::new(800.0, BreakerStandard::Iec60947, TAU_MCCB_S, 7.5).cold_trip_time_s(1.15),
            f64::INFINITY
        );
        b.ambient_c = 55.0;
        assert!(b.cold_trip_time_s(1.15).is_finite());
    }

    #[test]
    fn three_phase_current_matches_the_reference_table() {
        // docs/physics.md §4.7: 3-ph 400 V 63 A ↔ 43.6 kVA.
        assert!((three_phase_current_a(43.6, 400.0, 1.0) - 63.0).abs() < 0.1);
    }
}
