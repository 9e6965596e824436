//! Evaporative (adiabatic) free cooling of outdoor air (docs/physics.md §3.2–3.4).
//!
//! ```text
//! direct (DEC):   T_out = T_db − ε·(T_db − T_wb),  along the wet-bulb line: W rises,
//!                 h_out = h_in + ΔW·h_f(T_wb) (the pad water's enthalpy)
//! indirect (IEC): T_out = T_db − ε_wb·(T_db − T_wb),  W unchanged (a wetted secondary stream
//!                 of outdoor air takes the heat; its evaporation = Q / h_fg)
//! two-stage:      IEC, then DEC on the pre-cooled air
//! water:          ṁ_w = ṁ_air·(W_out − W_in) ≈ Q_evap / h_fg  (≈ 1.47 L per kWh)
//! ```
//!
//! The controller picks the cheapest way to reach the supply set point: outdoor air mixed
//! with return air (economiser, pads dry); then pads wetted just enough (modulated
//! effectiveness), never beyond the supply dew-point and RH limits; then mechanical trim if
//! installed. When none reaches the set point the supply drifts up with the outdoor wet bulb.

use crate::psychro::{self, MoistAir};
use serde::{Deserialize, Serialize};

/// A treated outdoor-air state and the water it took.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Treated {
    /// Air leaving the evaporative section.
    pub air: MoistAir,
    /// Water evaporated per kg of dry air, kg/kg.
    pub water_kg_per_kg: f64,
    /// Pad effectiveness used (0 = dry), scaling both stages.
    pub effort: f64,
}

/// Direct evaporative cooling at saturation effectiveness `eff`: adiabatic saturation toward
/// the thermodynamic wet bulb `t_wb` of `air` (docs/physics.md §3.2).
///
/// The pad's water arrives at the wet bulb, so the air's enthalpy rises by the liquid water's
/// enthalpy: `h_out = h_in + (W_out − W_in)·h_f(t_wb)`, `h_f = 4.186·t_wb` kJ/kg — the air
/// moves along its wet-bulb line, `W_out = W(t_out, t_wb)` by ASHRAE 2017 ch.1 eq. 33
/// ([`psychro::humidity_ratio_from_wet_bulb`]), and a saturating pad (`eff` = 1) delivers air
/// saturated at the wet bulb. Holding the enthalpy constant instead (leaving out `h_f`)
/// evaporates about 4 % too little water at a 20–25 °C wet bulb.
pub fn direct(air: &MoistAir, t_wb: f64, eff: f64) -> MoistAir {
    let t_out = air.t_db_c - eff * (air.t_db_c - t_wb);
    let w = psychro::humidity_ratio_from_wet_bulb(t_out, t_wb, air.p_pa);
    MoistAir { t_db_c: t_out, w_kg_per_kg: w.max(air.w_kg_per_kg), p_pa: air.p_pa }
}

/// Indirect evaporative cooling at wet-bulb effectiveness `eff` with the outdoor air as
/// secondary stream; returns the cooled air and the secondary stream's evaporation per kg of
/// primary air.
pub fn indirect(air: &MoistAir, secondary_wet_bulb_c: f64, eff: f64) -> (MoistAir, f64) {
    let t_out = air.t_db_c - eff * (air.t_db_c - secondary_wet_bulb_c);
    let q_j_per_kg = psychro::moist_air_cp_j_per_kg_k(air.w_kg_per_kg) * (air.t_db_c - t_out);
    let water = q_j_per_kg / psychro::latent_heat_vaporisation_j_per_kg(secondary_wet_bulb_c);
    (MoistAir { t_db_c: t_out, ..*air }, water)
}

/// An air handler's evaporative section.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pads {
    /// Stages.
    pub stages: EvaporativeStages,
    /// Direct stage saturation effectiveness.
    pub eff_direct: f64,
    /// Indirect stage wet-bulb effectiveness.
    pub eff_indirect: f64,
}

/// Outdoor air (wet bulb `wb`) treated by the pads at effort `k` (0 = dry … 1 = full
/// effectiveness).
pub fn treat(outdoor: &MoistAir, wb: f64, pads: Pads, k: f64) -> Treated {
    let Pads { stages, eff_direct, eff_indirect } = pads;
    let (air, water) = match stages {
        EvaporativeStages::Direct => {
            let out = direct(outdoor, wb, k * eff_direct);
            (out, out.w_kg_per_kg - outdoor.w_kg_per_kg)
        }
        EvaporativeStages::Indirect => indirect(outdoor, wb, k * eff_indirect),
        EvaporativeStages::TwoStage => {
            let (pre, w1) = indirect(outdoor, wb, k * eff_indirect);
            let out = direct(&pre, pre.wet_bulb_c(), k * eff_direct);
            (out, w1 + out.w_kg_per_kg - pre.w_kg_per_kg)
        }
    };
    Treated { air, water_kg_per_kg: water, effort: k }
}

/// Whether air is within the supply humidity limits.
pub fn humidity_ok(air: &MoistAir, max_dew_point_c: f64, max_rh_pct: f64) -> bool {
    air.dew_point_c() <= max_dew_point_c + 1e-9 && air.rh_pct() <= max_rh_pct + 1e-9
}

/// The smallest pad effort that brings outdoor air down to `target_c` within the humidity
/// limits, or the largest effort the limits allow if the target cannot be reached.
/// Returns `None` when even dry outdoor air is at or below the target (pads not needed).
pub fn plan_pads(
    outdoor: &MoistAir,
    wb: f64,
    pads: Pads,
    target_c: f64,
    max_dew_point_c: f64,
    max_rh_pct: f64,
) -> Option<Treated> {
    if outdoor.t_db_c <= target_c {
        return None;
    }
    let at = |k: f64| treat(outdoor, wb, pads, k);
    // Largest effort the humidity limits allow (moisture grows with effort): bisection.
    let k_max = if humidity_ok(&at(1.0).air, max_dew_point_c, max_rh_pct) {
        1.0
    } else if !humidity_ok(&at(0.0).air, max_dew_point_c, max_rh_pct) {
        0.0
    } else {
        let (mut lo, mut hi) = (0.0, 1.0);
        for _ in 0..BISECTION_STEPS {
            let mid = 0.5 * (lo + hi);
            if humidity_ok(&at(mid).air, max_dew_point_c, max_rh_pct) { lo = mid } else { hi = mid }
        }
        lo
    };
    let full = at(k_max);
    if full.air.t_db_c >= target_c {
        return Some(full);
    }
    // Smallest effort reaching the target: the leaving temperature falls with effort.
    let (mut lo, mut hi) = (0.0, k_max);
    for _ in 0..BISECTION_STEPS {
        let mid = 0.5 * (lo + hi);
        if at(mid).air.t_db_c > target_c { lo = mid } else { hi = mid }
    }
    Some(at(hi))
}

/// [`plan_pads`] remembered within one control step: air handlers of one design see the same
/// outdoor air and set point, so a campus of identical halls plans its pads once, not once per
/// unit. The key is every input's exact bit pattern, so a hit returns exactly what
/// [`plan_pads`] would (results are bit-identical with or without the cache).
#[derive(Debug, Default)]
pub struct PadPlans {
    entries: Vec<([u64; 10], Option<Treated>)>,
}

impl PadPlans {
    /// Forgets every plan (call at the start of each control step).
    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// [`plan_pads`] with the same arguments, computed once per distinct input.
    pub fn plan(
        &mut self,
        outdoor: &MoistAir,
        wb: f64,
        pads: Pads,
        target_c: f64,
        max_dew_point_c: f64,
        max_rh_pct: f64,
    ) -> Option<Treated> {
        let stages = match pads.stages {
            EvaporativeStages::Direct => 0,
            EvaporativeStages::Indirect => 1,
            EvaporativeStages::TwoStage => 2,
        };
        let key = [
            outdoor.t_db_c.to_bits(),
            outdoor.w_kg_per_kg.to_bits(),
            outdoor.p_pa.to_bits(),
            wb.to_bits(),
            stages,
            pads.eff_direct.to_bits(),
            pads.eff_indirect.to_bits(),
            target_c.to_bits(),
            max_dew_point_c.to_bits(),
            max_rh_pct.to_bits(),
        ];
        if let Some((_, plan)) = self.entries.iter().find(|(k, _)| *k == key) {
            return *plan;
        }
        let plan = plan_pads(outdoor, wb, pads, target_c, max_dew_point_c, max_rh_pct);
        self.entries.push((key, plan));
        plan
    }
}

/// Share of outdoor air `x` to mix with return air so the mix is at `target_c`
/// (`x·T_oa + (1−x)·T_r = target`), clamped to 0–1.
pub fn outdoor_fraction(treated_c: f64, return_c: f64, target_c: f64) -> f64 {
    if return_c - treated_c <= 1e-9 {
        return if return_c <= target_c { 0.0 } else { 1.0 };
    }
    ((return_c - target_c) / (return_c - treated_c)).clamp(0.0, 1.0)
}

/// COP of a vapour-compression machine at lift `lift_k`: falls 2.5 % per K above its rated
/// lift (docs/physics.md §2.3: 2–3 % per K), kept within 1 … 2 × rated.
pub fn cop_at_lift(cop_rated: f64, rated_lift_k: f64, lift_k: f64) -> f64 {
    (cop_rated * (1.0 - COP_SLOPE_PER_K * (lift_k - rated_lift_k))).clamp(1.0, 2.0 * cop_rated)
}

/// Bisection steps for pad effort (2⁻³⁰ ≈ 1e-9 of full effort).
const BISECTION_STEPS: usize = 30;

/// COP change per K of lift (docs/physics.md §2.3: ~2–3 % per K \[U\]).
pub const COP_SLOPE_PER_K: f64 = 0.025;
/// Condensing temperature above outdoor dry bulb of air-cooled DX condensers, K \[U\].
pub const DX_CONDENSER_APPROACH_K: f64 = 12.0;
/// Evaporating temperature below the supply set point of DX coils, K \[U\].
pub const DX_EVAPORATOR_APPROACH_K: f64 = 8.0;

/// Evaporative stages of an air handler (docs/physics.md §3.2).
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub enum EvaporativeStages {
    /// Direct evaporative cooling of outdoor air (adds moisture).
    #[default]
    Direct,
    /// Indirect: a wetted secondary stream cools the supply through a plate exchanger.
    Indirect,
    /// Indirect then direct.
    TwoStage,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::psychro::STANDARD_PRESSURE_PA as P;

    fn pads(stages: EvaporativeStages) -> Pads {
        Pads { stages, eff_direct: 0.85, eff_indirect: 0.7 }
    }

    #[test]
    fn remembered_pad_plans_are_exactly_the_computed_ones() {
        let mut plans = PadPlans::default();
        for (t, rh, stages) in [
            (30.0, 40.0, EvaporativeStages::Direct),
            (30.0, 40.0, EvaporativeStages::TwoStage),
            (34.0, 55.0, EvaporativeStages::TwoStage),
            (30.0, 40.0, EvaporativeStages::Direct),
        ] {
            let air = MoistAir::from_rh(t, rh, P);
            let direct = plan_pads(&air, air.wet_bulb_c(), pads(stages), 22.0, 17.0, 80.0);
            let remembered = plans.plan(&air, air.wet_bulb_c(), pads(stages), 22.0, 17.0, 80.0);
            assert_eq!(remembered, direct, "{t} °C {rh} % {stages:?}");
        }
        // The repeated first input was a hit: three distinct plans stored.
        assert_eq!(plans.entries.len(), 3);
        plans.clear();
        assert!(plans.entries.is_empty());
    }

    #[test]
    fn direct_supply_follows_the_effectiveness_equation_at_several_weather_points() {
        // T_supply = T_db − ε (T_db − T_wb); water = ΔW per kg of air (docs/physics.md §3.2, §3.4).
        for (t, rh) in [(35.0, 40.0), (30.0, 40.0), (38.0, 25.0), (30.0, 70.0), (25.0, 60.0)] {
            let air = MoistAir::from_rh(t, rh, P);
            let wb = air.wet_bulb_c();
            let out = direct(&air, wb, 0.85);
            assert!((out.t_db_c - (t - 0.85 * (t - wb))).abs() < 1e-9, "{t}/{rh}");
            // Adiabatic saturation: the air gains the enthalpy of the water it takes up, fed at
            // the wet bulb: h_out = h_in + ΔW·4.186·T_wb (ASHRAE 2017 ch.1, eq. 33's balance).
            let dw = out.w_kg_per_kg - air.w_kg_per_kg;
            let gained = out.enthalpy_kj_per_kg() - air.enthalpy_kj_per_kg();
            assert!((gained - dw * 4.186 * wb).abs() < 1e-6, "{t}/{rh}: {gained} vs {}", dw * 4.186 * wb);
            // The outlet keeps the inlet's wet bulb.
            assert!((out.wet_bulb_c() - wb).abs() < 1e-6, "{t}/{rh}: {} vs {wb}", out.wet_bulb_c());
        }
    }

    #[test]
    fn a_saturating_pad_delivers_air_saturated_at_the_wet_bulb() {
        for (t, rh, alt_m) in [(35.0, 40.0, 0.0), (28.0, 20.0, 0.0), (30.0, 50.0, 1500.0), (12.0, 30.0, 0.0)] {
            let p = psychro::pressure_at_altitude_pa(alt_m);
            let air = MoistAir::from_rh(t, rh, p);
            let wb = air.wet_bulb_c();
            let out = direct(&air, wb, 1.0);
            assert!((out.t_db_c - wb).abs() < 1e-12);
            let w_sat = psychro::saturation_humidity_ratio(wb, p);
            assert!((out.w_kg_per_kg / w_sat - 1.0).abs() < 1e-6, "{t}/{rh}/{alt_m} m: {} vs {w_sat}", out.w_kg_per_kg);
        }
    }

    #[test]
    fn reference_table_values_are_reproduced() {
        // docs/physics.md §3.3: 35 °C / 40 % → T_wb 24.1, DEC supply 25.7 °C at ε 0.85, +3.8 g/kg.
        let air = MoistAir::from_rh(35.0, 40.0, P);
        let out = direct(&air, air.wet_bulb_c(), 0.85);
        assert!((out.t_db_c - 25.7).abs() < 0.3, "{}", out.t_db_c);
        assert!(((out.w_kg_per_kg - air.w_kg_per_kg) * 1e3 - 3.8).abs() < 0.2);
        assert!(out.dew_point_c() > 17.0, "pad air is too humid for A1 without mixing");
    }

    #[test]
    fn water_per_kwh_of_evaporative_cooling_is_about_1_47_l() {
        // docs/physics.md §3.4: 3.6 MJ / 2.45 MJ/kg ≈ 1.47 L/kWh at a 20–25 °C wet bulb. Each kg
        // evaporated takes the vapour enthalpy at the outlet less the liquid's at the wet bulb,
        // h_g(T_out) − h_f(T_wb) = 2501 + 1.86·T_out − 4.186·T_wb kJ/kg.
        for (t, rh) in [(32.0, 35.0), (30.0, 55.0), (36.0, 45.0)] {
            let air = MoistAir::from_rh(t, rh, P);
            let wb = air.wet_bulb_c();
            assert!((19.0..=26.0).contains(&wb), "premise: a 20–25 °C wet bulb, got {wb}");
            let out = direct(&air, wb, 0.85);
            let kwh_per_kg = psychro::moist_air_cp_j_per_kg_k(air.w_kg_per_kg) * (air.t_db_c - out.t_db_c) / 3.6e6;
            let l_per_kwh = (out.w_kg_per_kg - air.w_kg_per_kg) / kwh_per_kg;
            assert!((l_per_kwh / 1.465 - 1.0).abs() < 0.01, "{t}/{rh}: {l_per_kwh} L/kWh");
            let by_balance = 3600.0 / (2501.0 + 1.86 * out.t_db_c - 4.186 * wb);
            assert!((l_per_kwh / by_balance - 1.0).abs() < 0.005, "{l_per_kwh} vs {by_balance}");
        }
    }

    #[test]
    fn indirect_adds_no_moisture_and_two_stage_beats_direct() {
        let air = MoistAir::from_rh(35.0, 30.0, P);
        let (ind, water) = indirect(&air, air.wet_bulb_c(), 0.7);
        assert_eq!(ind.w_kg_per_kg, air.w_kg_per_kg);
        assert!(water > 0.0);
        let wb = air.wet_bulb_c();
        let two = treat(&air, wb, pads(EvaporativeStages::TwoStage), 1.0);
        let one = treat(&air, wb, pads(EvaporativeStages::Direct), 1.0);
        assert!(two.air.t_db_c < one.air.t_db_c - 1.0, "{} vs {}", two.air.t_db_c, one.air.t_db_c);
        // Two-stage can go below the outdoor wet bulb.
        assert!(two.air.t_db_c < air.wet_bulb_c());
    }

    #[test]
    fn pads_stay_off_when_outdoor_air_is_cool_and_modulate_to_the_target() {
        let cool = MoistAir::from_rh(18.0, 50.0, P);
        assert!(plan_pads(&cool, cool.wet_bulb_c(), pads(EvaporativeStages::Direct), 21.0, 17.0, 80.0).is_none());
        let warm = MoistAir::from_rh(30.0, 30.0, P);
        let t = plan_pads(&warm, warm.wet_bulb_c(), pads(EvaporativeStages::Direct), 24.0, 21.0, 90.0).unwrap();
        assert!((t.air.t_db_c - 24.0).abs() < 1e-6, "{}", t.air.t_db_c);
        assert!(t.effort < 1.0);
    }

    #[test]
    fn humidity_limit_caps_the_pads_and_the_supply_drifts_up() {
        // Hot humid day: wet bulb ≈ 25.6 °C; the dew-point limit stops the pads early.
        let humid = MoistAir::from_rh(30.0, 70.0, P);
        let t = plan_pads(&humid, humid.wet_bulb_c(), pads(EvaporativeStages::Direct), 22.0, 24.0, 85.0).unwrap();
        assert!(humidity_ok(&t.air, 24.0, 85.0));
        assert!(t.air.t_db_c > 26.0, "cannot reach 22 °C: {}", t.air.t_db_c);
    }

    #[test]
    fn cop_falls_with_lift() {
        assert_eq!(cop_at_lift(4.0, 25.0, 25.0), 4.0);
        assert!((cop_at_lift(4.0, 25.0, 35.0) - 3.0).abs() < 1e-12);
        assert_eq!(cop_at_lift(4.0, 25.0, 100.0), 1.0);
    }
}
