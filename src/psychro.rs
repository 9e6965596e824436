//! Moist-air psychrometrics at any barometric pressure (site altitude).
//!
//! Perfect-gas moist-air relations of the ASHRAE Handbook — Fundamentals
//! (2017, SI), Chapter 1 "Psychrometrics", with the Hyland–Wexler saturation
//! pressure of water vapour. Temperatures are in °C, pressures in Pa, humidity
//! ratios in kg of water vapour per kg of dry air, enthalpies per kg of dry air.
//!
//! # Equations (ASHRAE 2017 ch.1 numbering)
//!
//! ```text
//! eq. 3   standard atmosphere   p = 101.325 · (1 − 2.25577e-5 · Z)^5.2559      [kPa, Z in m]
//! eq. 5   saturation over ice   ln p_ws = C1/T + C2 + C3·T + C4·T² + C5·T³ + C6·T⁴ + C7·ln T
//!                               (−100 … 0 °C; T in K, p_ws in Pa)
//! eq. 6   saturation over water ln p_ws = C8/T + C9 + C10·T + C11·T² + C12·T³ + C13·ln T
//!                               (0 … 200 °C)
//! eq. 20  humidity ratio        W = 0.621945 · p_w / (p − p_w)
//! eq. 22  relative humidity     φ = p_w / p_ws(t)
//! eq. 36  dew point             p_ws(t_d) = p_w = p · W / (0.621945 + W)
//!                               solved for t_d by safeguarded Newton iteration on ln p_ws
//!                               (the empirical regressions, eqs. 37/38, are not used)
//! eq. 11, 26  density           v = R_da · T · (1 + 1.607858 · W) / p,   ρ = (1 + W) / v
//! eq. 30  enthalpy              h = 1.006 · t + W · (2501 + 1.86 · t)           [kJ/kg dry air]
//! eq. 33  wet bulb, t* ≥ 0      W = ((2501 − 2.326 t*) W_s* − 1.006 (t − t*)) / (2501 + 1.86 t − 4.186 t*)
//! eq. 35  wet bulb, t* < 0      W = ((2830 − 0.24 t*) W_s* − 1.006 (t − t*)) / (2830 + 1.86 t − 2.1 t*)
//!                               W_s* = saturation humidity ratio at t* (over ice below 0 °C);
//!                               solved for t* by bracketed regula falsi (Illinois) between
//!                               the dew point and t
//!                               (liquid-water root preferred where both exist, see wet_bulb_c)
//! mixing  (adiabatic, ch.1 "Adiabatic Mixing of Two Moist Airstreams")
//!                               W₃ = x W₁ + (1 − x) W₂,  h₃ = x h₁ + (1 − x) h₂,
//!                               t₃ = (h₃ − 2501 W₃) / (1.006 + 1.86 W₃)     (eq. 30 inverted)
//! ```
//!
//! Saturation is taken over ice below 0 °C and over liquid water at and above
//! 0 °C, so relative humidity, dew point (then a frost point) and wet bulb below
//! 0 °C are all with respect to ice, as in the Handbook.
//!
//! # Validity and accuracy
//!
//! * Hyland–Wexler saturation pressure: −100 … 200 °C; within 0.02 % of
//!   ASHRAE 2017 Table 3 (IAPWS) over −20 … 50 °C (see tests).
//! * Humidity ratios use the perfect-gas mixture law without the enhancement
//!   factor f ≈ 1.004 – 1.005, so saturated humidity ratios read 0.4 – 0.6 % below
//!   ASHRAE 2017 Table 2 (largest at 50 °C); the Handbook states that the
//!   perfect-gas relations are adequate for engineering use at these
//!   conditions. Dew and wet-bulb temperatures agree with the real-gas
//!   Table-2 formulation within 0.1 K over −10 … 50 °C (see tests).
//! * Intended range: −40 … 60 °C, pressures of 50 … 110 kPa (altitudes of about
//!   −700 … 5 500 m). Outside it the formulas extrapolate; the solvers still
//!   terminate.
//!
//! # Out-of-range inputs
//!
//! Nothing here panics. Negative vapour pressures or humidity ratios are
//! treated as bone-dry air (0); the dew-point and wet-bulb solvers floor W at
//! [`MIN_HUMIDITY_RATIO`]. Supersaturated inputs (W above saturation) are kept
//! as given: relative humidity then exceeds 100 %, and the wet bulb equals the
//! dry bulb. NaN inputs give NaN outputs.
//!
//! # Sources
//!
//! * ASHRAE Handbook — Fundamentals 2017 (SI), ch.1 "Psychrometrics": eqs. 1, 3,
//!   5, 6, 11, 20, 22, 26, 30, 33, 35, 36; Table 1 (standard atmosphere), Table 2
//!   (moist air at saturation), Table 3 (water at saturation).
//! * Hyland, R.W. and Wexler, A. (1983), "Formulations for the thermodynamic
//!   properties of the saturated phases of H2O from 173.15 K to 473.15 K",
//!   ASHRAE Transactions 89(2A): 500–519 (coefficients C1 … C13).

/// Standard sea-level barometric pressure, Pa (ASHRAE 2017 ch.1 Table 1, Z = 0).
pub const STANDARD_PRESSURE_PA: f64 = 101_325.0;

/// Smallest humidity ratio used by the dew-point and wet-bulb solvers, kg/kg.
/// Smaller (or negative) inputs are raised to this value so that ln p_w stays
/// finite; 1e-7 kg/kg is a frost point of −87 °C at sea level.
pub const MIN_HUMIDITY_RATIO: f64 = 1e-7;

/// Offset between the Celsius and Kelvin scales, K (ITS-90).
const ZERO_CELSIUS_K: f64 = 273.15;
/// Temperature at which saturation switches from ice (eq. 5) to liquid water
/// (eq. 6), and the wet-bulb equation from eq. 35 to eq. 33, °C (ASHRAE 2017 ch.1).
const FREEZING_POINT_C: f64 = 0.0;

/// Standard-atmosphere pressure-altitude coefficient, 1/m (ASHRAE 2017 ch.1 eq. 3).
const ALTITUDE_COEFFICIENT_PER_M: f64 = 2.25577e-5;
/// Standard-atmosphere pressure-altitude exponent, – (ASHRAE 2017 ch.1 eq. 3).
const ALTITUDE_EXPONENT: f64 = 5.2559;

/// Hyland–Wexler C1 (ice, −100 … 0 °C), ASHRAE 2017 ch.1 eq. 5.
const HW_C1: f64 = -5.674_535_9e3;
/// Hyland–Wexler C2 (ice), ASHRAE 2017 ch.1 eq. 5.
const HW_C2: f64 = 6.392_524_7;
/// Hyland–Wexler C3 (ice), ASHRAE 2017 ch.1 eq. 5.
const HW_C3: f64 = -9.677_843_0e-3;
/// Hyland–Wexler C4 (ice), ASHRAE 2017 ch.1 eq. 5.
const HW_C4: f64 = 6.221_570_1e-7;
/// Hyland–Wexler C5 (ice), ASHRAE 2017 ch.1 eq. 5.
const HW_C5: f64 = 2.074_782_5e-9;
/// Hyland–Wexler C6 (ice), ASHRAE 2017 ch.1 eq. 5.
const HW_C6: f64 = -9.484_024_0e-13;
/// Hyland–Wexler C7 (ice), ASHRAE 2017 ch.1 eq. 5.
const HW_C7: f64 = 4.163_501_9;
/// Hyland–Wexler C8 (liquid water, 0 … 200 °C), ASHRAE 2017 ch.1 eq. 6.
const HW_C8: f64 = -5.800_220_6e3;
/// Hyland–Wexler C9 (liquid water), ASHRAE 2017 ch.1 eq. 6.
const HW_C9: f64 = 1.391_499_3;
/// Hyland–Wexler C10 (liquid water), ASHRAE 2017 ch.1 eq. 6.
const HW_C10: f64 = -4.864_023_9e-2;
/// Hyland–Wexler C11 (liquid water), ASHRAE 2017 ch.1 eq. 6.
const HW_C11: f64 = 4.176_476_8e-5;
/// Hyland–Wexler C12 (liquid water), ASHRAE 2017 ch.1 eq. 6.
const HW_C12: f64 = -1.445_209_3e-8;
/// Hyland–Wexler C13 (liquid water), ASHRAE 2017 ch.1 eq. 6.
const HW_C13: f64 = 6.545_967_3;

/// Ratio of the molar masses of water and dry air, 18.015268 / 28.966
/// (ASHRAE 2017 ch.1 eqs. 8 and 20).
const MOLAR_MASS_RATIO_WATER_AIR: f64 = 0.621_945;

/// Gas constant of dry air, J/(kg·K): 8314.462618 / 28.966 (ASHRAE 2017 ch.1 eq. 1).
const R_DRY_AIR_J_PER_KG_K: f64 = 287.042;

/// Specific heat of dry air, kJ/(kg·K) (ASHRAE 2017 ch.1 eq. 30: h_da ≈ 1.006 t).
const CP_DRY_AIR_KJ_PER_KG_K: f64 = 1.006;
/// Enthalpy of saturated water vapour at 0 °C, kJ/kg (ASHRAE 2017 ch.1 eq. 30:
/// h_g ≈ 2501 + 1.86 t).
const H_VAPOUR_0C_KJ_PER_KG: f64 = 2501.0;
/// Specific heat of water vapour, kJ/(kg·K) (ASHRAE 2017 ch.1 eq. 30).
const CP_VAPOUR_KJ_PER_KG_K: f64 = 1.86;

/// Joules per kilojoule.
const J_PER_KJ: f64 = 1000.0;
/// Percent per unit fraction.
const PERCENT: f64 = 100.0;

/// Latent heat of vaporisation of water at 0 °C, J/kg (linear fit
/// h_fg ≈ 2501 − 2.37 t kJ/kg, dctwin reference sheet docs/physics.md §3.1;
/// within 0.1 % of IAPWS steam-table values over 0 … 50 °C).
const LATENT_HEAT_0C_J_PER_KG: f64 = 2_501_000.0;
/// Temperature slope of the latent heat of vaporisation, J/(kg·K) (same fit).
const LATENT_HEAT_SLOPE_J_PER_KG_K: f64 = 2370.0;

/// Coefficients of the thermodynamic wet-bulb equation for one condensed phase:
/// W = ((a − b·t*)·W_s* − c_pa·(t − t*)) / (a + c_pv·t − c_w·t*).
struct CondensedPhase {
    /// a: h_g(0 °C) − h_w(0 °C) of the condensed phase, kJ/kg.
    latent_kj_per_kg: f64,
    /// b: c_w − c_pv, kJ/(kg·K), so that a − b·t* = h_g(t*) − h_w(t*).
    slope_kj_per_kg_k: f64,
    /// c_w: specific heat of the condensed phase, kJ/(kg·K).
    cp_kj_per_kg_k: f64,
}

/// Liquid water wetting the bulb, t* ≥ 0 °C (ASHRAE 2017 ch.1 eq. 33;
/// h_w* ≈ 4.186 t*, eq. 32).
const LIQUID_WATER: CondensedPhase =
    CondensedPhase { latent_kj_per_kg: 2501.0, slope_kj_per_kg_k: 2.326, cp_kj_per_kg_k: 4.186 };

/// Ice on the bulb, t* < 0 °C (ASHRAE 2017 ch.1 eq. 35; h_w* ≈ −333.4 + 2.1 t*,
/// eq. 34; a ≈ 2501 + 333.4 kJ/kg, vaporisation plus fusion, printed as 2830).
const ICE: CondensedPhase = CondensedPhase { latent_kj_per_kg: 2830.0, slope_kj_per_kg_k: 0.24, cp_kj_per_kg_k: 2.1 };

/// Lowest dew point returned, °C: the lower validity limit of Hyland–Wexler eq. 5.
const DEW_POINT_MIN_C: f64 = -100.0;
/// Highest dew point returned, °C: the upper validity limit of Hyland–Wexler eq. 6.
const DEW_POINT_MAX_C: f64 = 200.0;
/// Convergence tolerance of the dew-point Newton iteration, K.
const DEW_POINT_TOLERANCE_K: f64 = 1e-10;
/// Convergence tolerance (final bracket width) of the wet-bulb solver, K.
const WET_BULB_TOLERANCE_K: f64 = 1e-9;
/// Iteration cap of both solvers (even plain bisection halves a 300 K bracket below
/// 1e-9 K in 39 steps, so the cap is never the normal exit).
const MAX_SOLVER_ITERATIONS: usize = 200;

/// Standard-atmosphere barometric pressure at `altitude_m` above sea level, Pa.
///
/// ASHRAE 2017 ch.1 eq. 3, p = 101.325 (1 − 2.25577e-5 Z)^5.2559 kPa, stated
/// valid from −5 000 m to 11 000 m (above 44 331 m the base turns negative and
/// the result is NaN). Use it for a site's mean pressure when no measured
/// barometric pressure is available.
pub fn pressure_at_altitude_pa(altitude_m: f64) -> f64 {
    STANDARD_PRESSURE_PA * (1.0 - ALTITUDE_COEFFICIENT_PER_M * altitude_m).powf(ALTITUDE_EXPONENT)
}

/// Saturation pressure of pure water vapour at `t_c`, Pa.
///
/// Hyland–Wexler: over ice below 0 °C (ASHRAE 2017 ch.1 eq. 5), over liquid
/// water at and above 0 °C (eq. 6). Valid −100 … 200 °C; extrapolates outside.
pub fn saturation_pressure_pa(t_c: f64) -> f64 {
    ln_saturation_pressure(t_c).exp()
}

/// ln of the saturation pressure in Pa (ASHRAE 2017 ch.1 eqs. 5 and 6).
fn ln_saturation_pressure(t_c: f64) -> f64 {
    let t = t_c + ZERO_CELSIUS_K;
    if t_c < FREEZING_POINT_C {
        HW_C1 / t + HW_C2 + HW_C3 * t + HW_C4 * t.powi(2) + HW_C5 * t.powi(3) + HW_C6 * t.powi(4) + HW_C7 * t.ln()
    } else {
        HW_C8 / t + HW_C9 + HW_C10 * t + HW_C11 * t.powi(2) + HW_C12 * t.powi(3) + HW_C13 * t.ln()
    }
}

/// d(ln p_ws)/dT in 1/K: the derivative of eqs. 5 and 6, for the Newton step.
fn d_ln_saturation_pressure_dt(t_c: f64) -> f64 {
    let t = t_c + ZERO_CELSIUS_K;
    if t_c < FREEZING_POINT_C {
        -HW_C1 / t.powi(2) + HW_C3 + 2.0 * HW_C4 * t + 3.0 * HW_C5 * t.powi(2) + 4.0 * HW_C6 * t.powi(3) + HW_C7 / t
    } else {
        -HW_C8 / t.powi(2) + HW_C10 + 2.0 * HW_C11 * t + 3.0 * HW_C12 * t.powi(2) + HW_C13 / t
    }
}

/// Humidity ratio of moist air with water-vapour partial pressure `p_w_pa` at
/// total pressure `p_pa`, kg water per kg dry air.
///
/// ASHRAE 2017 ch.1 eq. 20, W = 0.621945 p_w / (p − p_w). A negative `p_w_pa`
/// counts as bone-dry air (returns 0); `p_w_pa ≥ p_pa` (water at or above its
/// boiling point at this pressure) has no finite humidity ratio and returns
/// `f64::INFINITY`.
pub fn humidity_ratio_from_vapor_pressure(p_w_pa: f64, p_pa: f64) -> f64 {
    let p_w = p_w_pa.max(0.0);
    if p_w >= p_pa {
        return f64::INFINITY;
    }
    MOLAR_MASS_RATIO_WATER_AIR * p_w / (p_pa - p_w)
}

/// Water-vapour partial pressure of moist air with humidity ratio `w` at total
/// pressure `p_pa`, Pa.
///
/// ASHRAE 2017 ch.1 eq. 20 solved for p_w (eq. 36): p_w = p W / (0.621945 + W).
/// A negative `w` counts as bone-dry air (returns 0).
pub fn vapor_pressure_from_humidity_ratio(w: f64, p_pa: f64) -> f64 {
    let w = w.max(0.0);
    p_pa * w / (MOLAR_MASS_RATIO_WATER_AIR + w)
}

/// Humidity ratio of air saturated at `t_c` and total pressure `p_pa`, kg/kg
/// (over ice below 0 °C). ASHRAE 2017 ch.1 eq. 20 with p_w = p_ws(t).
pub fn saturation_humidity_ratio(t_c: f64, p_pa: f64) -> f64 {
    humidity_ratio_from_vapor_pressure(saturation_pressure_pa(t_c), p_pa)
}

/// Humidity ratio from dry bulb `t_c` and relative humidity `rh_pct` (percent),
/// kg/kg.
///
/// ASHRAE 2017 ch.1 eqs. 22 and 20: p_w = φ p_ws(t), W = 0.621945 p_w / (p − p_w).
/// Relative humidity is with respect to ice below 0 °C. Values above 100 %
/// (supersaturation) are used as given; negative values give 0.
pub fn humidity_ratio_from_rh(t_c: f64, rh_pct: f64, p_pa: f64) -> f64 {
    let p_w = rh_pct / PERCENT * saturation_pressure_pa(t_c);
    humidity_ratio_from_vapor_pressure(p_w, p_pa)
}

/// Relative humidity of air at dry bulb `t_c` with humidity ratio `w`, percent.
///
/// ASHRAE 2017 ch.1 eq. 22, φ = p_w / p_ws(t), with respect to ice below 0 °C.
/// Not clamped: a supersaturated input (W above saturation) returns more than
/// 100 % so that callers can see it; a negative `w` returns 0.
pub fn rh_from_humidity_ratio(t_c: f64, w: f64, p_pa: f64) -> f64 {
    PERCENT * vapor_pressure_from_humidity_ratio(w, p_pa) / saturation_pressure_pa(t_c)
}

/// Humidity ratio of air whose dew point is `t_dp_c` at total pressure `p_pa`,
/// kg/kg (a frost point below 0 °C).
///
/// ASHRAE 2017 ch.1 eq. 36: p_w = p_ws(t_d), then eq. 20.
pub fn humidity_ratio_from_dew_point(t_dp_c: f64, p_pa: f64) -> f64 {
    saturation_humidity_ratio(t_dp_c, p_pa)
}

/// Dew-point temperature of air with humidity ratio `w` at total pressure
/// `p_pa`, °C (the frost point, over ice, below 0 °C).
///
/// Solves p_ws(t_d) = p W / (0.621945 + W) (ASHRAE 2017 ch.1 eq. 36) by
/// inverting the Hyland–Wexler equations 5/6 with a Newton iteration on
/// ln p_ws, kept inside a shrinking bracket (bisection fallback), to 1e-10 K.
/// `w` is floored at [`MIN_HUMIDITY_RATIO`]; the result is limited to the
/// Hyland–Wexler range −100 … 200 °C. Where the ice and water curves meet at
/// 0 °C (611.15 vs 611.21 Pa) a vapour pressure between the two gives 0 °C.
pub fn dew_point_c(w: f64, p_pa: f64) -> f64 {
    if w.is_nan() || p_pa.is_nan() {
        return f64::NAN;
    }
    let p_w = vapor_pressure_from_humidity_ratio(w.max(MIN_HUMIDITY_RATIO), p_pa);
    temperature_at_saturation_pressure(p_w)
}

/// Magnus approximation of the temperature at which the saturation pressure is `p_w_pa`, °C:
/// the Newton solver's starting point (within ~0.1 K over −40…50 °C, so two Newton steps
/// reach the Hyland–Wexler value to 1e-10 K). Coefficients: Alduchov & Eskridge (1996), over
/// water (6.1094 hPa, 17.625, 243.04 °C) and over ice (6.1121 hPa, 22.587, 273.86 °C).
fn magnus_inverse_c(p_w_pa: f64) -> f64 {
    let water = |g: f64| 243.04 * g / (17.625 - g);
    let t = water((p_w_pa / 610.94).ln());
    if t >= FREEZING_POINT_C { t } else { 273.86 * (p_w_pa / 611.21).ln() / (22.587 - (p_w_pa / 611.21).ln()) }
}

/// Temperature at which the saturation pressure equals `p_w_pa`, °C, limited
/// to `DEW_POINT_MIN_C` … `DEW_POINT_MAX_C`: safeguarded Newton on ln p_ws.
fn temperature_at_saturation_pressure(p_w_pa: f64) -> f64 {
    let target = p_w_pa.ln();
    let (mut lo, mut hi) = (DEW_POINT_MIN_C, DEW_POINT_MAX_C);
    if target <= ln_saturation_pressure(lo) {
        return lo;
    }
    if target >= ln_saturation_pressure(hi) {
        return hi;
    }
    let mut t = magnus_inverse_c(p_w_pa).clamp(lo, hi);
    for _ in 0..MAX_SOLVER_ITERATIONS {
        let residual = ln_saturation_pressure(t) - target;
        if residual == 0.0 {
            return t;
        }
        if residual > 0.0 {
            hi = t;
        } else {
            lo = t;
        }
        let newton = t - residual / d_ln_saturation_pressure_dt(t);
        let next = if newton > lo && newton < hi { newton } else { 0.5 * (lo + hi) };
        if (next - t).abs() < DEW_POINT_TOLERANCE_K {
            return next;
        }
        t = next;
    }
    t
}

/// Specific enthalpy of moist air at dry bulb `t_c` with humidity ratio `w`,
/// kJ per kg of dry air (zero for dry air at 0 °C and liquid water at 0 °C).
///
/// ASHRAE 2017 ch.1 eq. 30: h = 1.006 t + W (2501 + 1.86 t).
pub fn enthalpy_kj_per_kg(t_c: f64, w: f64) -> f64 {
    CP_DRY_AIR_KJ_PER_KG_K * t_c + w * vapour_enthalpy_kj_per_kg(t_c)
}

/// Enthalpy of water vapour at `t_c`, kJ/kg (ASHRAE 2017 ch.1 eq. 30: 2501 + 1.86 t).
fn vapour_enthalpy_kj_per_kg(t_c: f64) -> f64 {
    H_VAPOUR_0C_KJ_PER_KG + CP_VAPOUR_KJ_PER_KG_K * t_c
}

/// Dry bulb of moist air with enthalpy `h_kj_per_kg` and humidity ratio `w`,
/// °C: ASHRAE 2017 ch.1 eq. 30 solved for t.
fn dry_bulb_from_enthalpy_c(h_kj_per_kg: f64, w: f64) -> f64 {
    (h_kj_per_kg - H_VAPOUR_0C_KJ_PER_KG * w) / (CP_DRY_AIR_KJ_PER_KG_K + CP_VAPOUR_KJ_PER_KG_K * w)
}

/// Humidity ratio of air at dry bulb `t_c` whose thermodynamic wet bulb is
/// `t_wb_c`, at total pressure `p_pa`, kg/kg.
///
/// ASHRAE 2017 ch.1 eq. 33 (t* ≥ 0 °C, water on the bulb) or eq. 35 (t* < 0 °C,
/// ice), evaluated directly with W_s* = saturation humidity ratio at t*.
/// Not clamped: `t_wb_c > t_c` gives W above saturation, and a wet bulb below
/// that of bone-dry air gives a negative W (both unphysical inputs).
pub fn humidity_ratio_from_wet_bulb(t_c: f64, t_wb_c: f64, p_pa: f64) -> f64 {
    let phase = if t_wb_c >= FREEZING_POINT_C { &LIQUID_WATER } else { &ICE };
    let w_s_star = saturation_humidity_ratio(t_wb_c, p_pa);
    let evaporation = (phase.latent_kj_per_kg - phase.slope_kj_per_kg_k * t_wb_c) * w_s_star;
    let sensible = CP_DRY_AIR_KJ_PER_KG_K * (t_c - t_wb_c);
    let denominator = phase.latent_kj_per_kg + CP_VAPOUR_KJ_PER_KG_K * t_c - phase.cp_kj_per_kg_k * t_wb_c;
    (evaporation - sensible) / denominator
}

/// Thermodynamic wet-bulb temperature of air at dry bulb `t_c` with humidity
/// ratio `w` at total pressure `p_pa`, °C.
///
/// Solves ASHRAE 2017 ch.1 eq. 33 (water on the bulb, t* ≥ 0 °C) or eq. 35
/// (ice, t* < 0 °C) for t* by bracketed regula falsi, down to a bracket of 1e-9 K (at
/// most 200 steps, so it always terminates):
///
/// * if eq. 33 at t* = 0 °C gives at most `w` (only possible for `t_c ≥ 0`), the
///   root lies in [max(dew point, 0), t] and eq. 33 is solved there;
/// * otherwise the root lies in [dew point, min(t, 0)] and eq. 35 is solved.
///
/// Each branch is monotonic in t*, the humidity ratio from the equation is at
/// most W at the lower end and above W at the upper end, so the root is unique.
/// The two equations do not meet at 0 °C (eq. 35 carries the heat of fusion),
/// so in a narrow band of W just above the eq.-33 value at 0 °C both a
/// liquid-water root (t* ≥ 0) and an ice root (t* < 0, up to about 0.8 K lower)
/// exist — for positive W this band occurs only at dry bulbs between 0 and
/// about 11 °C; this function returns the liquid-water root, the case of a
/// wetted wick, pad or cooling-tower fill.
///
/// Saturated or supersaturated air (W ≥ W_s(t)) returns `t_c` itself (wet
/// bulb = dry bulb = dew point at saturation). `w` is floored at
/// [`MIN_HUMIDITY_RATIO`]; NaN inputs give NaN.
pub fn wet_bulb_c(t_c: f64, w: f64, p_pa: f64) -> f64 {
    if t_c.is_nan() || w.is_nan() || p_pa.is_nan() {
        return f64::NAN;
    }
    let w = w.max(MIN_HUMIDITY_RATIO);
    if w >= saturation_humidity_ratio(t_c, p_pa) {
        return t_c;
    }
    let dew_point = dew_point_c(w, p_pa).min(t_c);
    let liquid_root_exists = t_c >= FREEZING_POINT_C && humidity_ratio_from_wet_bulb(t_c, FREEZING_POINT_C, p_pa) <= w;
    let (lo, hi) = if liquid_root_exists {
        (dew_point.max(FREEZING_POINT_C), t_c)
    } else {
        (dew_point, t_c.min(FREEZING_POINT_C))
    };
    solve_wet_bulb(t_c, w, p_pa, lo, hi)
}

/// The t* between `lo` and `hi` (°C) at which ASHRAE 2017 ch.1 eq. 33 / 35 gives the
/// humidity ratio `w`; the equation's W must be ≤ `w` at `lo` and > `w` at `hi`.
///
/// Regula falsi with the Illinois modification (Dowell & Jarratt 1971): the root stays
/// bracketed as in bisection, but the secant through the bracket ends converges
/// superlinearly (under ten evaluations of the saturation pressure to a 1e-9 K bracket,
/// where bisection needs ~35), which matters because the evaporative controllers call this
/// in their inner loop.
fn solve_wet_bulb(t_c: f64, w: f64, p_pa: f64, mut lo: f64, mut hi: f64) -> f64 {
    let f = |t_star: f64| humidity_ratio_from_wet_bulb(t_c, t_star, p_pa) - w;
    let (mut f_lo, mut f_hi) = (f(lo), f(hi));
    // The end that stayed put last time (−1 low, +1 high), for the Illinois halving.
    let mut kept = 0_i8;
    let mut prev = f64::NAN;
    for _ in 0..MAX_SOLVER_ITERATIONS {
        if hi - lo < WET_BULB_TOLERANCE_K {
            break;
        }
        let secant = if f_hi > f_lo { lo - f_lo * (hi - lo) / (f_hi - f_lo) } else { f64::NAN };
        // Fall back to the midpoint if the secant leaves the bracket (rounding, flat ends).
        let mid = if secant > lo && secant < hi { secant } else { 0.5 * (lo + hi) };
        let f_mid = f(mid);
        if f_mid == 0.0 {
            return mid;
        }
        if f_mid > 0.0 {
            hi = mid;
            f_hi = f_mid;
            if kept == -1 {
                f_lo *= 0.5;
            }
            kept = -1;
        } else {
            lo = mid;
            f_lo = f_mid;
            if kept == 1 {
                f_hi *= 0.5;
            }
            kept = 1;
        }
        // Near the root the estimates stop moving; probe half a tolerance past the newest one
        // toward the other end, which closes the bracket below the tolerance if it is the root.
        if (mid - prev).abs() < WET_BULB_TOLERANCE_K {
            let half = 0.5 * WET_BULB_TOLERANCE_K;
            let probe = if f_mid > 0.0 { mid - half } else { mid + half };
            if probe > lo && probe < hi {
                let f_probe = f(probe);
                if f_probe > 0.0 {
                    (hi, f_hi) = (probe, f_probe);
                } else {
                    (lo, f_lo) = (probe, f_probe);
                }
            }
        }
        prev = mid;
    }
    0.5 * (lo + hi)
}

/// Density of moist air (dry air plus its water vapour) at dry bulb `t_c`,
/// humidity ratio `w` and total pressure `p_pa`, kg of moist air per m³.
///
/// ASHRAE 2017 ch.1 eqs. 26 and 11: v = R_da T (1 + W/0.621945) / p (m³ per kg
/// dry air), ρ = (1 + W) / v. A negative `w` counts as dry air.
pub fn moist_air_density_kg_per_m3(t_c: f64, w: f64, p_pa: f64) -> f64 {
    let w = w.max(0.0);
    let specific_volume = R_DRY_AIR_J_PER_KG_K * (t_c + ZERO_CELSIUS_K) * (1.0 + w / MOLAR_MASS_RATIO_WATER_AIR) / p_pa;
    (1.0 + w) / specific_volume
}

/// Isobaric specific heat of moist air per kg of dry air, J/(kg·K):
/// 1006 + 1860 W, the temperature derivative of ASHRAE 2017 ch.1 eq. 30.
/// Multiply by the dry-air mass flow to get a sensible heat capacity rate.
pub fn moist_air_cp_j_per_kg_k(w: f64) -> f64 {
    (CP_DRY_AIR_KJ_PER_KG_K + CP_VAPOUR_KJ_PER_KG_K * w) * J_PER_KJ
}

/// Latent heat of vaporisation of water at `t_c`, J/kg: 2 501 000 − 2370 t,
/// a linear fit within 0.1 % of IAPWS steam tables over 0 … 50 °C
/// (2.4536 MJ/kg at 20 °C).
pub fn latent_heat_vaporisation_j_per_kg(t_c: f64) -> f64 {
    LATENT_HEAT_0C_J_PER_KG - LATENT_HEAT_SLOPE_J_PER_KG_K * t_c
}

/// A moist-air state: dry bulb, humidity ratio and pressure.
///
/// `t_db_c` is the dry-bulb temperature in °C, `w_kg_per_kg` the humidity ratio
/// in kg water vapour per kg dry air and `p_pa` the total barometric pressure
/// in Pa. The other properties are derived on demand.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MoistAir {
    /// Dry-bulb temperature, °C.
    pub t_db_c: f64,
    /// Humidity ratio, kg water vapour per kg dry air.
    pub w_kg_per_kg: f64,
    /// Total barometric pressure, Pa.
    pub p_pa: f64,
}

impl MoistAir {
    /// State from dry bulb (°C), relative humidity (percent, over ice below
    /// 0 °C) and pressure (Pa); see [`humidity_ratio_from_rh`].
    pub fn from_rh(t_db_c: f64, rh_pct: f64, p_pa: f64) -> Self {
        Self { t_db_c, w_kg_per_kg: humidity_ratio_from_rh(t_db_c, rh_pct, p_pa), p_pa }
    }

    /// State from dry bulb (°C), dew point (°C) and pressure (Pa); see
    /// [`humidity_ratio_from_dew_point`]. A dew point above the dry bulb
    /// gives a supersaturated state (RH above 100 %).
    pub fn from_dew_point(t_db_c: f64, t_dp_c: f64, p_pa: f64) -> Self {
        Self { t_db_c, w_kg_per_kg: humidity_ratio_from_dew_point(t_dp_c, p_pa), p_pa }
    }

    /// State from dry bulb (°C), thermodynamic wet bulb (°C) and pressure
    /// (Pa); see [`humidity_ratio_from_wet_bulb`].
    pub fn from_wet_bulb(t_db_c: f64, t_wb_c: f64, p_pa: f64) -> Self {
        Self { t_db_c, w_kg_per_kg: humidity_ratio_from_wet_bulb(t_db_c, t_wb_c, p_pa), p_pa }
    }

    /// Relative humidity, percent (may exceed 100 if supersaturated); see
    /// [`rh_from_humidity_ratio`].
    pub fn rh_pct(&self) -> f64 {
        rh_from_humidity_ratio(self.t_db_c, self.w_kg_per_kg, self.p_pa)
    }

    /// Dew point (frost point below 0 °C), °C; see [`dew_point_c`].
    pub fn dew_point_c(&self) -> f64 {
        dew_point_c(self.w_kg_per_kg, self.p_pa)
    }

    /// Thermodynamic wet bulb, °C; see [`wet_bulb_c`].
    pub fn wet_bulb_c(&self) -> f64 {
        wet_bulb_c(self.t_db_c, self.w_kg_per_kg, self.p_pa)
    }

    /// Specific enthalpy, kJ per kg dry air; see [`enthalpy_kj_per_kg`].
    pub fn enthalpy_kj_per_kg(&self) -> f64 {
        enthalpy_kj_per_kg(self.t_db_c, self.w_kg_per_kg)
    }

    /// Density of the moist air, kg/m³; see [`moist_air_density_kg_per_m3`].
    pub fn density_kg_per_m3(&self) -> f64 {
        moist_air_density_kg_per_m3(self.t_db_c, self.w_kg_per_kg, self.p_pa)
    }

    /// Adiabatic mixing of two streams by dry-air mass fraction `x` of `self` (1−x of `other`): mass-weighted W and enthalpy, T recovered from h and W.
    ///
    /// ASHRAE 2017 ch.1 "Adiabatic Mixing of Two Moist Airstreams": dry air,
    /// water and enthalpy are conserved, W = x W₁ + (1 − x) W₂,
    /// h = x h₁ + (1 − x) h₂, and t follows from eq. 30 inverted. The pressure
    /// is the same weighting of the two pressures (the streams should share
    /// one). `x` is clamped to 0 … 1. No condensation is modelled: mixing two
    /// near-saturated streams can give a supersaturated (fog) state, which is
    /// returned as is (RH above 100 %).
    pub fn mix(&self, other: &MoistAir, x: f64) -> MoistAir {
        let x = x.clamp(0.0, 1.0);
        let weighted = |a: f64, b: f64| x * a + (1.0 - x) * b;
        let w = weighted(self.w_kg_per_kg, other.w_kg_per_kg);
        let h = weighted(self.enthalpy_kj_per_kg(), other.enthalpy_kj_per_kg());
        MoistAir { t_db_c: dry_bulb_from_enthalpy_c(h, w), w_kg_per_kg: w, p_pa: weighted(self.p_pa, other.p_pa) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Asserts |actual − expected| ≤ tol.
    fn assert_abs(actual: f64, expected: f64, tol: f64, what: &str) {
        assert!((actual - expected).abs() <= tol, "{what}: got {actual}, expected {expected} ± {tol}");
    }

    /// Asserts |actual / expected − 1| ≤ rel_tol.
    fn assert_rel(actual: f64, expected: f64, rel_tol: f64, what: &str) {
        assert!(
            (actual / expected - 1.0).abs() <= rel_tol,
            "{what}: got {actual}, expected {expected} ± {:.3} %",
            rel_tol * 100.0
        );
    }

    const P0: f64 = STANDARD_PRESSURE_PA;

    /// ASHRAE 2017 ch.1 Table 1 standard-atmosphere pressures (Z in m, p in Pa),
    /// via psychrolib tests/test_psychrolib_si.py (test_GetStandardAtmPressure);
    /// 1500 m → 84.556 kPa as quoted from Table 1 in the dctwin brief.
    #[test]
    fn standard_atmosphere_matches_ashrae_table_1() {
        let table_1 = [
            (-500.0, 107_478.0),
            (0.0, 101_325.0),
            (500.0, 95_461.0),
            (1000.0, 89_875.0),
            (1500.0, 84_556.0),
            (4000.0, 61_640.0),
            (10_000.0, 26_436.0),
        ];
        for (z, p) in table_1 {
            assert_abs(pressure_at_altitude_pa(z), p, 1.0, "eq. 3 vs Table 1");
        }
        assert_rel(pressure_at_altitude_pa(1500.0), 84_556.0, 1e-3, "1500 m");
    }

    /// Saturation pressure of water, Pa, at −20 … 50 °C.
    /// "T3": ASHRAE 2017 ch.1 Table 3, via psychrolib tests (test_GetSatVapPres).
    /// "IF97": IAPWS-IF97 saturation-pressure equation (liquid) and IAPWS 2011
    /// sublimation equation (ice), the formulations behind Table 3, evaluated
    /// independently for this test and rounded to 5 significant figures.
    const SATURATION_PRESSURE_REFERENCE: [(f64, f64); 14] = [
        (-20.0, 103.24),  // T3 (ice)
        (-10.0, 259.87),  // IAPWS 2011 sublimation
        (-5.0, 401.74),   // T3 (ice)
        (0.0, 611.21),    // IF97 (liquid)
        (5.0, 872.6),     // T3
        (10.0, 1228.2),   // IF97
        (15.0, 1705.7),   // IF97
        (20.0, 2339.2),   // IF97
        (25.0, 3169.7),   // T3
        (30.0, 4246.7),   // IF97
        (35.0, 5628.6),   // IF97
        (40.0, 7384.4),   // IF97
        (45.0, 9594.4),   // IF97
        (50.0, 12_351.3), // T3
    ];

    /// Required: 0.1 %. Hyland–Wexler actually does better than ASHRAE's stated
    /// 300 ppm here (max 0.018 % at 20 °C), so assert 300 ppm.
    #[test]
    fn saturation_pressure_matches_ashrae_table_3() {
        for (t, p_ws) in SATURATION_PRESSURE_REFERENCE {
            assert_rel(saturation_pressure_pa(t), p_ws, 3e-4, &format!("p_ws({t} °C)"));
        }
    }

    /// ASHRAE 2017 ch.1 Table 2 saturation humidity ratio W_s at 101.325 kPa,
    /// kg/kg. Entries at −5, 5, 25 and 50 °C as quoted in psychrolib tests
    /// (test_GetSatHumRatio); the others from the same real-gas formulation
    /// (Herrmann, Kretzschmar & Gatley 2009, ASHRAE RP-1485) as computed by
    /// CoolProp 8.0 HAPropsSI("W", T, P, R = 1), which reproduces the four
    /// quoted entries to 5 significant figures.
    const SATURATION_HUMIDITY_RATIO_TABLE_2: [(f64, f64); 13] = [
        (-10.0, 0.001_606_2),
        (-5.0, 0.002_486_3),
        (0.0, 0.003_790_0),
        (5.0, 0.005_425),
        (10.0, 0.007_662_6),
        (15.0, 0.010_693_8),
        (20.0, 0.014_760_5),
        (25.0, 0.020_173),
        (30.0, 0.027_332_9),
        (35.0, 0.036_760_1),
        (40.0, 0.049_144_5),
        (45.0, 0.065_416_1),
        (50.0, 0.086_863),
    ];

    /// Perfect-gas eq. 20 omits the enhancement factor (≈ 1.0044), so W_s reads
    /// low by 0.41 % at −10 °C growing to 0.62 % at 50 °C (the factor is
    /// multiplied by p/(p − p_ws)). Within 0.5 % from −10 to 30 °C (9 points),
    /// within 0.7 % up to 50 °C.
    #[test]
    fn saturation_humidity_ratio_matches_ashrae_table_2() {
        for (t, w_s) in SATURATION_HUMIDITY_RATIO_TABLE_2 {
            let tol = if t <= 30.0 { 5e-3 } else { 7e-3 };
            let what = format!("W_s({t} °C)");
            assert_rel(saturation_humidity_ratio(t, P0), w_s, tol, &what);
            assert_rel(humidity_ratio_from_rh(t, 100.0, P0), w_s, tol, &what);
            assert_rel(humidity_ratio_from_dew_point(t, P0), w_s, tol, &what);
        }
    }

    /// Reference states at 101.325 kPa: (t °C, RH %, W kg/kg, dew point °C,
    /// thermodynamic wet bulb °C), from CoolProp 8.0 HAPropsSI (the real-gas
    /// formulation of ASHRAE RP-1485 behind ASHRAE 2017 Table 2; see above).
    /// CoolProp's RH is the mole-fraction ratio including the enhancement factor.
    const REAL_GAS_STATES: [(f64, f64, f64, f64, f64); 15] = [
        (-10.0, 80.0, 0.001_284_3, -12.490, -10.651),
        (-5.0, 60.0, 0.001_489_4, -10.846, -6.797),
        (0.0, 50.0, 0.001_889_3, -8.164, -2.984),
        (5.0, 90.0, 0.004_877_9, 3.499, 4.300),
        (10.0, 30.0, 0.002_279_1, -6.010, 3.548),
        (15.0, 70.0, 0.007_447_2, 9.580, 11.918),
        (20.0, 50.0, 0.007_293_7, 9.274, 13.776),
        (25.0, 40.0, 0.007_915_3, 10.479, 16.201),
        (30.0, 50.0, 0.013_372_6, 18.451, 22.001),
        (35.0, 40.0, 0.014_200_5, 19.391, 23.930),
        (38.0, 30.0, 0.012_518_0, 17.423, 23.657),
        (40.0, 20.0, 0.009_244_5, 12.794, 22.022),
        (45.0, 25.0, 0.015_158_3, 20.420, 27.006),
        (50.0, 10.0, 0.007_716_4, 10.103, 23.760),
        (50.0, 60.0, 0.049_360_2, 40.076, 41.413),
    ];

    /// Measured: dew point ≤ 0.094 K, wet bulb ≤ 0.077 K, W from RH ≤ 0.59 %,
    /// W from wet bulb ≤ 0.84 % (all from the missing enhancement factor).
    #[test]
    fn dew_point_wet_bulb_and_humidity_ratio_match_real_gas_states() {
        for (t, rh, w, t_dp, t_wb) in REAL_GAS_STATES {
            let at = format!("{t} °C / {rh} %");
            assert_abs(dew_point_c(w, P0), t_dp, 0.1, &format!("dew point {at}"));
            assert_abs(wet_bulb_c(t, w, P0), t_wb, 0.1, &format!("wet bulb {at}"));
            let w_rh = humidity_ratio_from_rh(t, rh, P0);
            assert_rel(w_rh, w, 0.01, &format!("W from RH {at}"));
            let w_wb = humidity_ratio_from_wet_bulb(t, t_wb, P0);
            assert_rel(w_wb, w, 0.01, &format!("W from wet bulb {at}"));
        }
    }

    /// Values computed with the ASHRAE 2017 perfect-gas equations in
    /// psychrolib's tests (tests/test_psychrolib_si.py, "calculated with
    /// Excel") and docs/examples.md; same tolerances as psychrolib.
    #[test]
    fn matches_psychrolib_reference_values() {
        // test_HumRatio_TWetBulb, above and below freezing, 500 m pressure.
        let w = humidity_ratio_from_wet_bulb(30.0, 25.0, 95_461.0);
        assert_rel(w, 0.019_228_127_424_109_6, 3e-4, "W(30, t*=25)");
        assert_abs(wet_bulb_c(30.0, w, 95_461.0), 25.0, 1e-6, "t*(30, W)");
        let w = humidity_ratio_from_wet_bulb(-1.0, -5.0, 95_461.0);
        assert_rel(w, 0.001_203_998_199_338_44, 3e-4, "W(-1, t*=-5)");
        assert_abs(wet_bulb_c(-1.0, w, 95_461.0), -5.0, 1e-6, "t*(-1, W)");
        // test_TWetBulb_RelHum.
        let w = humidity_ratio_from_rh(7.0, 61.0, 100_000.0);
        assert_abs(wet_bulb_c(7.0, w, 100_000.0), 3.926_674_337_819_55, 1e-3, "t*(7, 61 %)");
        // test_HumRatio_VapPres: 25 °C saturation pressure at 500 m.
        let w = humidity_ratio_from_vapor_pressure(3169.7, 95_461.0);
        assert_rel(w, 0.021_360_399_804_748_7, 1e-6, "W(p_w)");
        assert_abs(vapor_pressure_from_humidity_ratio(w, 95_461.0), 3169.7, 1e-6, "p_w(W)");
        // docs/examples.md: GetTDewPointFromRelHum(25, 0.80).
        let w = humidity_ratio_from_rh(25.0, 80.0, P0);
        assert_abs(dew_point_c(w, P0), 21.309_397_163_329_32, 1e-6, "t_d(25, 80 %)");
        // test_MoistAir.
        assert_abs(enthalpy_kj_per_kg(30.0, 0.02), 81.316, 0.0003 * 81.316, "h(30, 0.02)");
        let rho = moist_air_density_kg_per_m3(30.0, 0.02, 95_461.0);
        assert_rel(rho, 1.084_119_863_482_19, 3e-4, "rho(30, 0.02, 500 m)");
        // test_DryAir: ASHRAE 2017 Table 2 at 25 °C, h_da = 25.148 kJ/kg,
        // v_da = 0.8443 m³/kg.
        assert_rel(enthalpy_kj_per_kg(25.0, 0.0), 25.148, 3e-4, "h_da(25)");
        assert_rel(moist_air_density_kg_per_m3(25.0, 0.0, P0), 1.0 / 0.8443, 1e-3, "rho_da");
    }

    /// ASHRAE 2017 ch.1 Example 1 (40 °C, t* = 20 °C, 101.325 kPa; chart
    /// reading): W = 6.5 g/kg, t_d = 7 °C, φ = 14 %, h = 56.7 kJ/kg,
    /// v = 0.896 m³/kg — values and tolerances as quoted in psychrolib's
    /// test_AllPsychrometrics. Real-gas (CoolProp) values of the same state:
    /// W = 0.006 452 5, t_d = 7.489 °C.
    #[test]
    fn ashrae_example_1() {
        let air = MoistAir::from_wet_bulb(40.0, 20.0, P0);
        assert_abs(air.w_kg_per_kg, 0.0065, 1e-4, "W");
        assert_rel(air.w_kg_per_kg, 0.006_452_5, 0.01, "W vs real gas");
        assert_abs(air.dew_point_c(), 7.0, 0.5, "dew point (chart)");
        assert_abs(air.dew_point_c(), 7.489, 0.1, "dew point vs real gas");
        assert_abs(air.rh_pct(), 14.0, 1.0, "RH");
        assert_abs(air.enthalpy_kj_per_kg(), 56.7, 0.1, "h");
        let specific_volume = (1.0 + air.w_kg_per_kg) / air.density_kg_per_m3();
        assert_rel(specific_volume, 0.896, 0.01, "v");
        assert_abs(air.wet_bulb_c(), 20.0, 1e-6, "t* round trip");
        let from_dew_point = MoistAir::from_dew_point(40.0, air.dew_point_c(), P0);
        assert_abs(from_dew_point.wet_bulb_c(), 20.0, 1e-6, "t* via dew point");
        let from_rh = MoistAir::from_rh(40.0, air.rh_pct(), P0);
        assert_abs(from_rh.wet_bulb_c(), 20.0, 1e-6, "t* via RH");
    }

    /// 30 °C dry bulb, 20 °C thermodynamic wet bulb, 101.325 kPa (the state the
    /// dctwin brief calls "Example 2"). Reference: CoolProp 8.0 real-gas
    /// formulation, W = 0.010 575, t_d = 14.829 °C, φ = 39.71 %, h = 57.21 kJ/kg.
    /// (The brief's W ≈ 0.01065 and h ≈ 57.4 were not reproduced: eq. 33 with
    /// Table 2's W_s*(20 °C) = 0.014 76 itself gives W = 0.010 58.)
    #[test]
    fn thirty_over_twenty_state() {
        let air = MoistAir::from_wet_bulb(30.0, 20.0, P0);
        assert_rel(air.w_kg_per_kg, 0.010_575, 0.01, "W");
        assert_abs(air.dew_point_c(), 14.829, 0.1, "dew point");
        assert_abs(air.rh_pct(), 39.71, 0.1, "RH");
        assert_rel(air.enthalpy_kj_per_kg(), 57.21, 0.005, "h");
    }

    /// At 1500 m (84.556 kPa) the same dry bulb and RH give a lower wet bulb
    /// (more evaporation per unit vapour-pressure deficit). Reference wet bulbs
    /// at 84 556 Pa: CoolProp 8.0 HAPropsSI("B", T, P, R).
    #[test]
    fn wet_bulb_at_altitude() {
        let p = pressure_at_altitude_pa(1500.0);
        let states = [(20.0, 50.0, 13.339), (30.0, 30.0, 17.234), (35.0, 20.0, 17.911)];
        for (t, rh, t_wb_ref) in states {
            let high = MoistAir::from_rh(t, rh, p).wet_bulb_c();
            let sea_level = MoistAir::from_rh(t, rh, P0).wet_bulb_c();
            assert!(high < sea_level - 0.3, "{t} °C/{rh} %: {high} vs {sea_level}");
            assert_abs(high, t_wb_ref, 0.1, "wet bulb at 1500 m");
        }
    }

    /// Grid of states over −40 … 60 °C and three pressures.
    fn state_grid() -> Vec<(f64, f64, f64)> {
        let mut states = Vec::new();
        for p in [P0, pressure_at_altitude_pa(1500.0), pressure_at_altitude_pa(4000.0)] {
            for i in 0..=20 {
                let t = -40.0 + 5.0 * f64::from(i);
                for rh in [1.0, 10.0, 35.0, 60.0, 90.0, 99.9] {
                    states.push((t, rh, p));
                }
            }
        }
        states
    }

    #[test]
    fn round_trips_within_1e_6() {
        for (t, rh, p) in state_grid() {
            let w = humidity_ratio_from_rh(t, rh, p);
            assert_abs(rh_from_humidity_ratio(t, w, p), rh, 1e-6, "RH → W → RH");

            let t_dp = dew_point_c(w, p);
            let w_dp = humidity_ratio_from_dew_point(t_dp, p);
            assert_abs(dew_point_c(w_dp, p), t_dp, 1e-6, "t_d → W → t_d");

            let t_wb = wet_bulb_c(t, w, p);
            let w_wb = humidity_ratio_from_wet_bulb(t, t_wb, p);
            assert_rel(w_wb, w, 1e-6, "W → t* → W");
            assert_abs(wet_bulb_c(t, w_wb, p), t_wb, 1e-6, "t* → W → t*");
        }
        for t_dp in [-60.0, -20.0, -0.5, 0.0, 0.5, 12.0, 45.0] {
            let w = humidity_ratio_from_dew_point(t_dp, P0);
            assert_abs(dew_point_c(w, P0), t_dp, 1e-6, "t_d → W → t_d");
        }
    }

    #[test]
    fn saturated_air_has_equal_dry_bulb_wet_bulb_and_dew_point() {
        for (t, _, p) in state_grid() {
            let air = MoistAir::from_rh(t, 100.0, p);
            assert_abs(air.wet_bulb_c(), t, 1e-6, "t* at saturation");
            assert_abs(air.dew_point_c(), t, 1e-6, "t_d at saturation");
            let supersaturated = MoistAir::from_rh(t, 110.0, p);
            assert_abs(supersaturated.wet_bulb_c(), t, 0.0, "t* above saturation");
            assert!(supersaturated.rh_pct() > 109.999, "RH is not clamped");
        }
    }

    /// Where eqs. 33 and 35 both have a root (0 < t < ≈ 11 °C, a narrow W
    /// band), the liquid-water root is returned; it satisfies eq. 33 exactly.
    #[test]
    fn wet_bulb_solver_agrees_with_plain_bisection_over_the_weather_range() {
        // The Illinois solver must land on the same root as halving the bracket (to the
        // shared 1e-9 K tolerance) from −30 to 50 °C, 5 to 95 % RH, sea level and 2,000 m.
        let bisect = |t: f64, w: f64, p: f64, mut lo: f64, mut hi: f64| {
            while hi - lo > 1e-12 {
                let mid = 0.5 * (lo + hi);
                if humidity_ratio_from_wet_bulb(t, mid, p) > w { hi = mid } else { lo = mid }
            }
            0.5 * (lo + hi)
        };
        for p in [STANDARD_PRESSURE_PA, pressure_at_altitude_pa(2_000.0)] {
            for t in (-30..=50).step_by(4).map(f64::from) {
                for rh in (5..=95).step_by(10).map(f64::from) {
                    let air = MoistAir::from_rh(t, rh, p);
                    let fast = air.wet_bulb_c();
                    let liquid = t >= FREEZING_POINT_C
                        && humidity_ratio_from_wet_bulb(t, FREEZING_POINT_C, p) <= air.w_kg_per_kg;
                    let dp = air.dew_point_c().min(t);
                    let (lo, hi) = if liquid { (dp.max(0.0), t) } else { (dp, t.min(0.0)) };
                    let slow = bisect(t, air.w_kg_per_kg, p, lo, hi);
                    assert_abs(fast, slow, 1e-9, &format!("wet bulb at {t} °C, {rh} % RH, {p:.0} Pa"));
                }
            }
        }
    }

    #[test]
    fn wet_bulb_prefers_liquid_water_root_near_freezing() {
        let (t, t_ice) = (5.0, -0.2);
        let w = humidity_ratio_from_wet_bulb(t, t_ice, P0);
        let t_wb = wet_bulb_c(t, w, P0);
        assert!((0.0..0.5).contains(&t_wb), "liquid root {t_wb}");
        assert_rel(humidity_ratio_from_wet_bulb(t, t_wb, P0), w, 1e-6, "eq. 33 root");
        // Below the band the ice root is found and round-trips.
        let w = humidity_ratio_from_wet_bulb(t, -2.0, P0);
        assert_abs(wet_bulb_c(t, w, P0), -2.0, 1e-6, "ice root");
    }

    /// Never NaN and properly ordered (t_d ≤ t* ≤ t) for −40 … 60 °C and
    /// W from 1e-6 kg/kg to saturation, at three pressures.
    #[test]
    fn solvers_are_robust_over_the_working_range() {
        for p in [P0, pressure_at_altitude_pa(1500.0), pressure_at_altitude_pa(4000.0)] {
            for i in 0..=200 {
                let t = -40.0 + 0.5 * f64::from(i);
                let w_s = saturation_humidity_ratio(t, p);
                for k in 0..=40 {
                    // Log-spaced from 1e-6 to W_s.
                    let w = 1e-6 * (w_s / 1e-6).powf(f64::from(k) / 40.0);
                    let (t_dp, t_wb) = (dew_point_c(w, p), wet_bulb_c(t, w, p));
                    let h = enthalpy_kj_per_kg(t, w);
                    let rho = moist_air_density_kg_per_m3(t, w, p);
                    let rh = rh_from_humidity_ratio(t, w, p);
                    for value in [t_dp, t_wb, h, rho, rh] {
                        assert!(value.is_finite(), "t={t} W={w} p={p}: {value}");
                    }
                    assert!(t_dp <= t_wb + 1e-6 && t_wb <= t + 1e-9, "t={t} W={w}");
                }
            }
        }
    }

    /// Documented out-of-range behaviour: no panic, no NaN from finite inputs.
    #[test]
    fn out_of_range_inputs_are_handled() {
        assert_abs(vapor_pressure_from_humidity_ratio(-0.01, P0), 0.0, 0.0, "p_w(W<0)");
        assert_abs(humidity_ratio_from_vapor_pressure(-5.0, P0), 0.0, 0.0, "W(p_w<0)");
        assert_abs(humidity_ratio_from_rh(20.0, -10.0, P0), 0.0, 0.0, "W(RH<0)");
        assert_abs(rh_from_humidity_ratio(20.0, -0.01, P0), 0.0, 0.0, "RH(W<0)");
        assert!(humidity_ratio_from_vapor_pressure(P0, P0).is_infinite());
        let floor_dew_point = dew_point_c(MIN_HUMIDITY_RATIO, P0);
        for w in [-1.0, 0.0, 1e-12] {
            assert_abs(dew_point_c(w, P0), floor_dew_point, 0.0, "W floored");
            let t_wb = wet_bulb_c(20.0, w, P0);
            assert_abs(t_wb, wet_bulb_c(20.0, MIN_HUMIDITY_RATIO, P0), 0.0, "W floored");
        }
        // Nearly pure vapour: p_w → p, so the dew point → the boiling point.
        let t_dp = dew_point_c(1e6, P0);
        assert_abs(t_dp, 100.0, 0.05, "t_d of W → ∞ at 101.325 kPa");
        assert_abs(dew_point_c(1.0, 1e8), DEW_POINT_MAX_C, 0.0, "t_d capped");
        // Boiling-point dry bulb at altitude: W_s is infinite, t* still finite.
        assert!(wet_bulb_c(95.0, 0.01, pressure_at_altitude_pa(3000.0)).is_finite());
        assert!(wet_bulb_c(f64::NAN, 0.01, P0).is_nan());
        assert!(dew_point_c(f64::NAN, P0).is_nan());
    }

    #[test]
    fn mixing_conserves_dry_air_weighted_moisture_and_enthalpy() {
        let outdoor = MoistAir::from_rh(35.0, 40.0, P0);
        let ret = MoistAir::from_rh(24.0, 45.0, P0);
        for x in [0.0, 0.25, 0.5, 0.8, 1.0] {
            let mixed = outdoor.mix(&ret, x);
            let w = x * outdoor.w_kg_per_kg + (1.0 - x) * ret.w_kg_per_kg;
            let h = x * outdoor.enthalpy_kj_per_kg() + (1.0 - x) * ret.enthalpy_kj_per_kg();
            assert_abs(mixed.w_kg_per_kg, w, 1e-15, "moisture");
            assert_abs(mixed.enthalpy_kj_per_kg(), h, 1e-10, "enthalpy");
            assert!(mixed.t_db_c >= 24.0 - 1e-9 && mixed.t_db_c <= 35.0 + 1e-9);
        }
        assert_abs(outdoor.mix(&ret, 1.0).t_db_c, 35.0, 1e-10, "x = 1");
        assert_abs(outdoor.mix(&ret, 0.0).t_db_c, 24.0, 1e-10, "x = 0");
        assert_eq!(outdoor.mix(&ret, 1.5), outdoor.mix(&ret, 1.0), "x clamped");
    }

    /// Stull (2011) closed-form wet bulb, sea level (dctwin docs/physics.md §3.1;
    /// J. Appl. Meteor. Climatol. 50:2267, published error −1 … +0.65 K).
    fn stull_wet_bulb_c(t_c: f64, rh_pct: f64) -> f64 {
        t_c * (0.151_977 * (rh_pct + 8.313_659).sqrt()).atan() + (t_c + rh_pct).atan() - (rh_pct - 1.676_331).atan()
            + 0.003_918_38 * rh_pct.powf(1.5) * (0.023_101 * rh_pct).atan()
            - 4.686_035
    }

    #[test]
    fn agrees_with_stull_within_its_published_error() {
        let stull = stull_wet_bulb_c(20.0, 50.0);
        assert_abs(stull, 13.7, 0.05, "Stull formula itself");
        let ours = MoistAir::from_rh(20.0, 50.0, P0).wet_bulb_c();
        assert_abs(ours, stull, 1.0, "20 °C / 50 %");
        for (t, rh) in [(30.0, 50.0), (35.0, 40.0), (38.0, 30.0), (10.0, 80.0)] {
            let ours = MoistAir::from_rh(t, rh, P0).wet_bulb_c();
            assert_abs(ours, stull_wet_bulb_c(t, rh), 1.0, &format!("{t} °C / {rh} %"));
        }
    }

    /// IAPWS-95 latent heats (steam tables): 2453.5 kJ/kg at 20 °C, 2429.8 at
    /// 30 °C, 2406.0 at 40 °C.
    #[test]
    fn latent_heat_specific_heat_and_enthalpy() {
        for (t, h_fg) in [(20.0, 2_453_500.0), (30.0, 2_429_800.0), (40.0, 2_406_000.0)] {
            assert_rel(latent_heat_vaporisation_j_per_kg(t), h_fg, 1e-3, "h_fg");
        }
        assert_abs(moist_air_cp_j_per_kg_k(0.01), 1024.6, 1e-9, "c_p");
        // c_p is the temperature derivative of eq. 30.
        let dh_dt = (enthalpy_kj_per_kg(25.5, 0.01) - enthalpy_kj_per_kg(24.5, 0.01)) * 1000.0;
        assert_abs(dh_dt, moist_air_cp_j_per_kg_k(0.01), 1e-9, "dh/dt");
    }
}
