//! Seeded synthetic weather, evaluable at any time in any order.
//!
//! # Model
//!
//! Time `t` is seconds after 1 January 00:00 local standard time of a common
//! (365-day) year; it wraps yearly. With `t_d = t / 86400` (days):
//!
//! 1. **Normals.** The twelve monthly normals (mean daily max, mean daily min,
//!    mean dew point) are placed at mid-month and joined by a periodic cubic
//!    Hermite spline (finite-difference tangents, C¹: no steps or kinks at month
//!    boundaries). The node values are adjusted iteratively so that the average
//!    of the curve over each month equals that month's normal (mean-preserving
//!    interpolation; plain interpolation through mid-month points would shave
//!    ~0.5 K off the July peak). The curve is tabulated at the 365 day centres
//!    and interpolated linearly between them: `Tx_n(t)`, `Tn_n(t)`, `Td_n(t)`.
//! 2. **Day-to-day anomaly** `a(t)`: an AR(1) series with one value per day,
//!    `a_k = φ·a_{k-1} + σ·√(1-φ²)·z_k`, `φ = exp(-1 d / τ)`, stationary
//!    standard deviation `σ = noise_k`, correlation time `τ =
//!    noise_correlation_days`. Like a typical meteorological year (which
//!    picks months close to the long-term statistics), the series is then
//!    re-centred month by month: the smooth mean-preserving curve through its
//!    twelve monthly means (step 1) is subtracted, so each calendar month's
//!    anomaly averages zero and monthly means stay on the normals while the
//!    day-to-day sequence stays random. Interpolated linearly between day
//!    centres. (Anomalous months are modelled explicitly, with heatwaves.)
//! 3. **Heatwaves.** Each [`Heatwave`] contributes a smooth bump
//!    `w(t) = sin²(π·(t_d - start)/duration)` on `start ≤ t_d ≤ start+duration`
//!    (0 elsewhere, wrapping at year end), peak 1 at mid-event. With
//!    `W = max w` over heatwaves, the day-to-day anomaly is damped to
//!    `(1 - W)·a` so the event reproduces its target peak whatever the seed.
//! 4. **Daily extremes.**
//!    `Tx = Tx_n + (1-W)·a + Σ w·peak_anomaly_k`,
//!    `Tn = Tn_n + (1-W)·a + f_hw·Σ w·peak_anomaly_k`, with `f_hw` =
//!    [`HEATWAVE_MIN_FRACTION`] (nights warm less than afternoons).
//! 5. **Diurnal cycle** (ASHRAE Handbook—Fundamentals 2009, ch. 14, Table 6
//!    "Fraction of Daily Temperature Range", as used for EnergyPlus design
//!    days): `T(t) = Tx(t) - f(h)·(Tx(t) - Tn(t)) + n(t)`, `f` the tabulated
//!    fraction at hour of day `h`, linearly interpolated (minimum at 05:00,
//!    maximum at 14:00-15:00), `n(t)` a small hourly AR(1) noise (standard
//!    deviation [`HOURLY_NOISE_FRACTION`]·`noise_k`, correlation time
//!    [`HOURLY_NOISE_CORRELATION_H`]) interpolated linearly between hours.
//! 6. **Dew point** nearly constant over a day:
//!    `Td = min(Td_n + c·(1-W)·a + Σ w·dew_point_anomaly_k, T)` with coupling
//!    `c` = [`DEW_POINT_ANOMALY_COUPLING`]; the `min` keeps it at or below the
//!    dry bulb (saturation). RH follows from the Magnus form (see
//!    [`super`]). Pressure is the constant `pressure_pa`.
//!
//! Every function of `t` above is continuous, so a simulator may query any
//! instant (e.g. every 1 s) in any order and get a continuous signal.
//!
//! # Determinism
//!
//! All random numbers come from `ChaCha8Rng::seed_from_u64(seed)` (a portable,
//! versioned stream) as uniform `f64` in [0, 1), turned into approximately
//! standard normal deviates by the Irwin–Hall sum of 12 uniforms minus 6
//! (mean 0, variance 1, bounded to ±6; uses only IEEE-754 additions). The
//! daily series (365 values) is drawn first, then the hourly series (8760
//! values). The random stream is therefore identical on every platform, and
//! the same seed gives bit-identical output on a given platform. Across platforms, bit identity additionally depends on the libm
//! calls used (`exp` for φ and the Magnus form, `sin` for the heatwave bump,
//! `ln`/`powf` in the Paris preset), which mainstream targets round to within
//! 1 ulp.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::epw::{EpwFile, EpwLocation, EpwRecord};
use super::{WeatherSample, dew_point_from_vapour_pressure_c, rh_from_dew_point_pct, saturation_vapour_pressure_hpa};

/// Seconds per day.
const SECONDS_PER_DAY: f64 = 86_400.0;
/// Seconds per hour.
const SECONDS_PER_HOUR: f64 = 3_600.0;
/// Days in the (common) synthetic year.
const DAYS_PER_YEAR: usize = 365;
/// Hours in the (common) synthetic year.
const HOURS_PER_YEAR: usize = DAYS_PER_YEAR * 24;
/// Days per month of a common year.
const MONTH_DAYS: [usize; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/// ASHRAE Handbook—Fundamentals (2009, ch. 14, Table 6; unchanged in 2021,
/// p. 14.13) "Fraction of Daily Temperature Range" below the daily maximum.
/// Index = hour of day (0 = midnight = the table's hour 24, 1 = 01:00, ...).
const ASHRAE_RANGE_FRACTION: [f64; 24] = [
    0.82, 0.88, 0.92, 0.95, 0.98, 1.00, 0.98, 0.91, 0.74, 0.55, 0.38, 0.23, 0.13, 0.05, 0.00, 0.00, 0.06, 0.14, 0.24,
    0.39, 0.50, 0.59, 0.68, 0.75,
];

/// Fraction of a heatwave's afternoon anomaly that also lifts the night
/// minimum. From 25 July 2019 at Paris-Montsouris: minimum ≈ 25 °C (record,
/// France Bleu / Météo-France, 25 July 2019) vs July normal minimum 16.4 °C,
/// i.e. +8.6 K against +16.8 K at the maximum (42.6 °C vs 25.8 °C) ≈ 0.5.
pub const HEATWAVE_MIN_FRACTION: f64 = 0.5;
/// Share of the day-to-day temperature anomaly carried by the dew point.
/// \[U\]nverified engineering estimate (warm/cold spells are partly, not fully,
/// moister/drier).
pub const DEW_POINT_ANOMALY_COUPLING: f64 = 0.5;
/// Standard deviation of the hourly noise as a fraction of `noise_k`.
/// \[U\]nverified engineering estimate.
pub const HOURLY_NOISE_FRACTION: f64 = 0.15;
/// Correlation time of the hourly noise, h. \[U\]nverified engineering estimate.
pub const HOURLY_NOISE_CORRELATION_H: f64 = 3.0;

/// Number of uniforms summed per Irwin–Hall normal deviate.
const IRWIN_HALL_TERMS: usize = 12;
/// Mean of the Irwin–Hall sum of 12 uniforms.
const IRWIN_HALL_MEAN: f64 = 6.0;
/// Iterations of the mean-preserving node correction (error shrinks ≥ 2× each).
const MEAN_PRESERVING_ITERATIONS: usize = 60;

/// One smooth warm (and optionally humid) event on top of the climate.
#[derive(Clone, Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Heatwave {
    /// Start of the event, days after 1 January 00:00 (0-based, fractional;
    /// 202.625 = 22 July 15:00). Wraps at the year end.
    pub start_day_of_year: f64,
    /// Duration, days; the sin² bump peaks at `start + duration/2`. Values
    /// that are not finite and positive disable the event.
    pub duration_days: f64,
    /// Added to the daily maximum at the peak, K (the minimum gets
    /// [`HEATWAVE_MIN_FRACTION`] of it).
    pub peak_anomaly_k: f64,
    /// Added to the dew point at the peak, K (humid heatwaves: > 0).
    pub dew_point_anomaly_k: f64,
}

/// Monthly climate normals and noise parameters of a site.
#[derive(Clone, Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyntheticClimate {
    /// Mean daily maximum dry bulb per month (January first), °C.
    pub monthly_mean_max_c: [f64; 12],
    /// Mean daily minimum dry bulb per month, °C.
    pub monthly_mean_min_c: [f64; 12],
    /// Mean dew point per month, °C.
    pub monthly_mean_dew_point_c: [f64; 12],
    /// Constant station pressure, Pa.
    pub pressure_pa: f64,
    /// Standard deviation of the day-to-day temperature anomaly, K
    /// (non-finite or negative: 0).
    pub noise_k: f64,
    /// Correlation time of the day-to-day anomaly, days (not finite and
    /// positive: uncorrelated days).
    pub noise_correlation_days: f64,
    /// Heatwave events (default none).
    #[serde(default)]
    pub heatwaves: Vec<Heatwave>,
}

/// Paris-Montsouris 1991–2020 mean daily maximum, °C (Météo-France normals,
/// station 75114001, as tabulated in the Wikipedia "Climate of Paris" climate
/// box). \[U\]: transcribed, not re-fetched from Météo-France in this change.
const PARIS_MEAN_MAX_C: [f64; 12] = [7.6, 8.9, 12.8, 16.5, 20.0, 23.4, 25.8, 25.5, 21.3, 16.4, 11.1, 8.0];
/// Paris-Montsouris 1991–2020 mean daily minimum, °C (same source and caveat).
const PARIS_MEAN_MIN_C: [f64; 12] = [3.2, 3.4, 5.6, 7.7, 11.2, 14.3, 16.4, 16.2, 12.9, 10.1, 6.3, 3.8];
/// Paris mean relative humidity per month, % (Wikipedia "Climate of Paris"
/// climate box). \[U\]: transcribed, period and station not re-verified.
const PARIS_MEAN_RH_PCT: [f64; 12] = [83.0, 78.0, 73.0, 69.0, 70.0, 69.0, 68.0, 71.0, 76.0, 82.0, 84.0, 84.0];
/// Paris-Montsouris station elevation, m (Météo-France station 75114001).
const PARIS_ELEVATION_M: f64 = 75.0;
/// Day-to-day anomaly standard deviation for Paris, K. \[U\]nverified: chosen
/// below the ~3 K observed spread of daily temperatures so that a generated
/// month stays within ~1 K (1σ) of its normal.
const PARIS_NOISE_K: f64 = 2.5;
/// Day-to-day anomaly correlation time for Paris, days. \[U\]nverified
/// (typical synoptic time scale of 2-3 days).
const PARIS_NOISE_CORRELATION_DAYS: f64 = 2.5;
/// 25 July 2019 15:00 (record 42.6 °C at Paris-Montsouris, Météo-France),
/// days after 1 January 00:00: 205 days + 15 h.
const PARIS_2019_PEAK_DAY: f64 = 205.625;
/// Duration of the modelled 2019 heatwave, days (22-28 July 2019 episode;
/// sin² bump gives ≈ +12.6 K the days before/after the peak).
const PARIS_2019_DURATION_DAYS: f64 = 6.0;
/// Paris-Montsouris all-time record maximum, 25 July 2019, °C (Météo-France).
const PARIS_2019_RECORD_C: f64 = 42.6;
/// Dew-point rise of the 2019 event, K. \[U\]nverified: the July 2019 heat was
/// dry (Saharan air), so only a small rise; gives ≈ 22 % RH at the peak.
const PARIS_2019_DEW_POINT_ANOMALY_K: f64 = 2.0;

/// Standard sea-level pressure, Pa (ASHRAE Handbook—Fundamentals 2009, ch. 1, Eq. 3).
const STANDARD_SEA_LEVEL_PRESSURE_PA: f64 = 101_325.0;
/// Standard-atmosphere lapse coefficient, 1/m (ASHRAE HOF 2009, ch. 1, Eq. 3).
const STANDARD_ATMOSPHERE_COEFF_PER_M: f64 = 2.255_77e-5;
/// Standard-atmosphere exponent (ASHRAE HOF 2009, ch. 1, Eq. 3).
const STANDARD_ATMOSPHERE_EXPONENT: f64 = 5.2559;

/// Standard-atmosphere pressure at `elevation_m`, Pa.
fn standard_pressure_pa(elevation_m: f64) -> f64 {
    STANDARD_SEA_LEVEL_PRESSURE_PA
        * (1.0 - STANDARD_ATMOSPHERE_COEFF_PER_M * elevation_m).powf(STANDARD_ATMOSPHERE_EXPONENT)
}

/// Diurnal-range fraction below the daily maximum at `hour_of_day` (0..24).
fn range_fraction(hour_of_day: f64) -> f64 {
    periodic_lerp(&ASHRAE_RANGE_FRACTION, hour_of_day)
}

/// Linear interpolation in a periodic table sampled at 0, 1, 2, ... (period =
/// `table.len()`); `x` is any finite number. Empty table: NaN.
fn periodic_lerp(table: &[f64], x: f64) -> f64 {
    let n = table.len();
    if n == 0 || !x.is_finite() {
        return f64::NAN;
    }
    let x = x.rem_euclid(n as f64);
    let i0 = x.floor();
    let frac = x - i0;
    // 0 <= i0 < n; the modulo also guards the rare x == n rounding case.
    let i0 = (i0 as usize) % n;
    let i1 = (i0 + 1) % n;
    table[i0] + (table[i1] - table[i0]) * frac
}

/// Mid-month positions (days after 1 January 00:00).
fn mid_month_days() -> [f64; 12] {
    let mut out = [0.0; 12];
    let mut start = 0.0;
    for (m, &len) in MONTH_DAYS.iter().enumerate() {
        out[m] = start + len as f64 / 2.0;
        start += len as f64;
    }
    out
}

/// Periodic cubic Hermite spline through `(xs[k], vs[k])` with period
/// `period`, finite-difference tangents, evaluated at `x` in [0, period).
fn periodic_hermite(xs: &[f64; 12], vs: &[f64; 12], period: f64, x: f64) -> f64 {
    const N: isize = 12;
    let pos = |i: isize| xs[i.rem_euclid(N) as usize] + period * i.div_euclid(N) as f64;
    let val = |i: isize| vs[i.rem_euclid(N) as usize];
    let mut i: isize = -1;
    while i < N - 1 && pos(i + 1) <= x {
        i += 1;
    }
    let (x0, x1) = (pos(i), pos(i + 1));
    let h = x1 - x0;
    let s = (x - x0) / h;
    let m0 = (val(i + 1) - val(i - 1)) / (pos(i + 1) - pos(i - 1));
    let m1 = (val(i + 2) - val(i)) / (pos(i + 2) - pos(i));
    let (s2, s3) = (s * s, s * s * s);
    (2.0 * s3 - 3.0 * s2 + 1.0) * val(i)
        + (s3 - 2.0 * s2 + s) * h * m0
        + (-2.0 * s3 + 3.0 * s2) * val(i + 1)
        + (s3 - s2) * h * m1
}

/// Values at the 365 day centres of the spline through `nodes` at mid-month.
fn daily_curve(nodes: &[f64; 12]) -> Vec<f64> {
    let xs = mid_month_days();
    (0..DAYS_PER_YEAR).map(|d| periodic_hermite(&xs, nodes, DAYS_PER_YEAR as f64, d as f64 + 0.5)).collect()
}

/// Mean of `daily` over each calendar month.
fn monthly_means(daily: &[f64]) -> [f64; 12] {
    let mut out = [0.0; 12];
    let mut start = 0;
    for (m, &len) in MONTH_DAYS.iter().enumerate() {
        let end = (start + len).min(daily.len());
        let slice = &daily[start.min(end)..end];
        out[m] = slice.iter().sum::<f64>() / slice.len().max(1) as f64;
        start += len;
    }
    out
}

/// Day-centre table of a smooth curve whose monthly means equal `monthly`.
fn mean_preserving_daily_curve(monthly: &[f64; 12]) -> Vec<f64> {
    let mut nodes = *monthly;
    for _ in 0..MEAN_PRESERVING_ITERATIONS {
        let means = monthly_means(&daily_curve(&nodes));
        for m in 0..12 {
            nodes[m] += monthly[m] - means[m];
        }
    }
    daily_curve(&nodes)
}

/// Linear interpolation in a per-day table sampled at day centres (d + 0.5),
/// periodic over the table length; `t_day` in days.
fn day_centre_lerp(table: &[f64], t_day: f64) -> f64 {
    periodic_lerp(table, t_day - 0.5)
}

/// Approximately standard normal deviate (Irwin–Hall, 12 uniforms).
fn irwin_hall_normal(rng: &mut ChaCha8Rng) -> f64 {
    let mut sum = 0.0;
    for _ in 0..IRWIN_HALL_TERMS {
        sum += rng.random::<f64>();
    }
    sum - IRWIN_HALL_MEAN
}

/// Stationary AR(1) series of `len` values, standard deviation `sigma`,
/// correlation time `tau` in steps.
fn ar1_series(rng: &mut ChaCha8Rng, len: usize, sigma: f64, tau: f64) -> Vec<f64> {
    let phi = if tau.is_finite() && tau > 0.0 { (-1.0 / tau).exp() } else { 0.0 };
    let innovation = sigma * (1.0 - phi * phi).sqrt();
    let mut out = Vec::with_capacity(len);
    let mut a = sigma * irwin_hall_normal(rng);
    for _ in 0..len {
        out.push(a);
        a = phi * a + innovation * irwin_hall_normal(rng);
    }
    out
}

/// Monthly mean dew points, °C, such that the diurnal mean RH over the ASHRAE
/// cycle between the monthly normal min and max equals `rh_pct` (constant
/// vapour pressure over the day: `e = RH / mean(1/e_s(T(h)))`).
fn dew_points_from_mean_rh(max_c: &[f64; 12], min_c: &[f64; 12], rh_pct: &[f64; 12]) -> [f64; 12] {
    let mut out = [0.0; 12];
    for m in 0..12 {
        let inv_es_mean = ASHRAE_RANGE_FRACTION
            .iter()
            .map(|f| 1.0 / saturation_vapour_pressure_hpa(max_c[m] - f * (max_c[m] - min_c[m])))
            .sum::<f64>()
            / ASHRAE_RANGE_FRACTION.len() as f64;
        out[m] = dew_point_from_vapour_pressure_c(rh_pct[m] / 100.0 / inv_es_mean);
    }
    out
}

impl SyntheticClimate {
    /// Paris-Montsouris (48.82 N, 2.34 E, 75 m) from the Météo-France
    /// 1991–2020 normals, with one heatwave modelled on 25 July 2019.
    ///
    /// * Mean daily max / min: Météo-France 1991–2020 normals for
    ///   Paris-Montsouris as tabulated in the Wikipedia "Climate of Paris"
    ///   climate box (\[U\]: transcribed; verify against the Météo-France
    ///   "fiche climatologique" 75114001).
    /// * Dew points: derived from the monthly mean relative humidity of the
    ///   same climate box (\[U\]) so that the diurnal-mean RH of this model at
    ///   the normals equals it (July ≈ 14.3 °C, January ≈ 2.5 °C).
    /// * Pressure: standard atmosphere at 75 m (ASHRAE HOF 2009 ch. 1 Eq. 3),
    ///   ≈ 100 430 Pa.
    /// * Noise: 2.5 K day-to-day, 2.5-day correlation (\[U\]).
    /// * Heatwave: 6-day sin² bump peaking on 25 July 15:00, with
    ///   `peak_anomaly_k` (≈ 16.4 K) chosen so the noise-free dry bulb then
    ///   equals the 42.6 °C record of 25 July 2019 at Montsouris
    ///   (Météo-France); nights ≈ 25 °C; +2 K dew point (\[U\]; dry event).
    pub fn paris() -> Self {
        SyntheticClimate {
            monthly_mean_max_c: PARIS_MEAN_MAX_C,
            monthly_mean_min_c: PARIS_MEAN_MIN_C,
            monthly_mean_dew_point_c: dew_points_from_mean_rh(&PARIS_MEAN_MAX_C, &PARIS_MEAN_MIN_C, &PARIS_MEAN_RH_PCT),
            pressure_pa: standard_pressure_pa(PARIS_ELEVATION_M),
            noise_k: PARIS_NOISE_K,
            noise_correlation_days: PARIS_NOISE_CORRELATION_DAYS,
            heatwaves: vec![Heatwave {
                start_day_of_year: PARIS_2019_PEAK_DAY - PARIS_2019_DURATION_DAYS / 2.0,
                duration_days: PARIS_2019_DURATION_DAYS,
                // Lands the noise-free peak exactly on the record: the smooth
                // normal on 25 July (≈ 26.2 °C) sits above the July mean 25.8 °C.
                peak_anomaly_k: PARIS_2019_RECORD_C
                    - day_centre_lerp(&mean_preserving_daily_curve(&PARIS_MEAN_MAX_C), PARIS_2019_PEAK_DAY),
                dew_point_anomaly_k: PARIS_2019_DEW_POINT_ANOMALY_K,
            }],
        }
    }
}

/// Deterministic synthetic weather of one climate and seed.
#[derive(Clone, Debug)]
pub struct SyntheticWeather {
    climate: SyntheticClimate,
    seed: u64,
    /// Normal daily maximum at day centres, °C (365).
    normal_max_c: Vec<f64>,
    /// Normal daily minimum at day centres, °C (365).
    normal_min_c: Vec<f64>,
    /// Normal dew point at day centres, °C (365).
    normal_dew_point_c: Vec<f64>,
    /// Day-to-day anomaly at day centres, K (365).
    daily_anomaly_k: Vec<f64>,
    /// Hourly noise at whole hours, K (8760).
    hourly_noise_k: Vec<f64>,
}

impl SyntheticWeather {
    /// Precompute the smooth normals and the seeded noise series.
    ///
    /// Draws the per-day AR(1) anomaly (365 values, standard deviation
    /// `noise_k`, correlation time `noise_correlation_days`) and then the
    /// per-hour AR(1) noise (8760 values, standard deviation
    /// [`HOURLY_NOISE_FRACTION`]·`noise_k`, correlation time
    /// [`HOURLY_NOISE_CORRELATION_H`]) from `ChaCha8Rng::seed_from_u64(seed)`.
    /// Never panics; invalid noise parameters are treated as documented on
    /// [`SyntheticClimate`].
    pub fn new(climate: SyntheticClimate, seed: u64) -> Self {
        let sigma_k = if climate.noise_k.is_finite() && climate.noise_k > 0.0 { climate.noise_k } else { 0.0 };
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let raw_anomaly_k = ar1_series(&mut rng, DAYS_PER_YEAR, sigma_k, climate.noise_correlation_days);
        // Typical-year re-centring: subtract the smooth, mean-preserving curve
        // through the anomaly's monthly means, so every month averages zero.
        let monthly_offset_k = mean_preserving_daily_curve(&monthly_means(&raw_anomaly_k));
        let daily_anomaly_k = raw_anomaly_k.iter().zip(&monthly_offset_k).map(|(a, o)| a - o).collect();
        let hourly_noise_k =
            ar1_series(&mut rng, HOURS_PER_YEAR, HOURLY_NOISE_FRACTION * sigma_k, HOURLY_NOISE_CORRELATION_H);
        SyntheticWeather {
            normal_max_c: mean_preserving_daily_curve(&climate.monthly_mean_max_c),
            normal_min_c: mean_preserving_daily_curve(&climate.monthly_mean_min_c),
            normal_dew_point_c: mean_preserving_daily_curve(&climate.monthly_mean_dew_point_c),
            daily_anomaly_k,
            hourly_noise_k,
            climate,
            seed,
        }
    }

    /// The climate this generator was built from.
    pub fn climate(&self) -> &SyntheticClimate {
        &self.climate
    }

    /// The seed this generator was built from.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Weather at `t_s` seconds after 1 January 00:00 local standard time.
    ///
    /// Wraps every 365 days (negative times wrap too); non-finite `t_s` is
    /// treated as 0. Continuous in `t_s`; the dew point never exceeds the dry
    /// bulb; RH from the Magnus form, clamped to 1..100 %.
    pub fn sample_at(&self, t_s: f64) -> WeatherSample {
        let year_s = DAYS_PER_YEAR as f64 * SECONDS_PER_DAY;
        let t_s = if t_s.is_finite() { t_s.rem_euclid(year_s) } else { 0.0 };
        let t_day = t_s / SECONDS_PER_DAY;

        let mut weight_max: f64 = 0.0;
        let mut heat_k = 0.0;
        let mut dew_heat_k = 0.0;
        for hw in &self.climate.heatwaves {
            let w = heatwave_weight(hw, t_day);
            weight_max = weight_max.max(w);
            heat_k += w * hw.peak_anomaly_k;
            dew_heat_k += w * hw.dew_point_anomaly_k;
        }
        let anomaly_k = (1.0 - weight_max) * day_centre_lerp(&self.daily_anomaly_k, t_day);

        let max_c = day_centre_lerp(&self.normal_max_c, t_day) + anomaly_k + heat_k;
        let min_c = day_centre_lerp(&self.normal_min_c, t_day) + anomaly_k + HEATWAVE_MIN_FRACTION * heat_k;
        let hour_of_day = (t_day - t_day.floor()) * 24.0;
        let noise_k = periodic_lerp(&self.hourly_noise_k, t_s / SECONDS_PER_HOUR);
        let dry_bulb_c = max_c - range_fraction(hour_of_day) * (max_c - min_c) + noise_k;

        let dew_free_c =
            day_centre_lerp(&self.normal_dew_point_c, t_day) + DEW_POINT_ANOMALY_COUPLING * anomaly_k + dew_heat_k;
        let dew_point_c = dew_free_c.min(dry_bulb_c);
        WeatherSample {
            dry_bulb_c,
            dew_point_c,
            rh_pct: rh_from_dew_point_pct(dry_bulb_c, dew_point_c),
            pressure_pa: self.climate.pressure_pa,
        }
    }
}

/// sin² bump weight (0..=1) of a heatwave at `t_day`, wrapping at year end.
fn heatwave_weight(hw: &Heatwave, t_day: f64) -> f64 {
    if !(hw.duration_days.is_finite() && hw.duration_days > 0.0 && hw.start_day_of_year.is_finite()) {
        return 0.0;
    }
    let duration = hw.duration_days.min(DAYS_PER_YEAR as f64);
    let since_start = (t_day - hw.start_day_of_year).rem_euclid(DAYS_PER_YEAR as f64);
    if since_start > duration {
        return 0.0;
    }
    let s = (std::f64::consts::PI * since_start / duration).sin();
    s * s
}

/// A synthetic common year as an EPW file: 8760 hourly records (1 January
/// hour 1 to 31 December hour 24), record hour `h` of day `d` sampled at
/// `h`:00, i.e. `t_s = (24·d + h)·3600` (31 December hour 24 is 1 January
/// 00:00 of the wrapped year).
pub fn synthetic_year_epw(climate: &SyntheticClimate, seed: u64, location: EpwLocation) -> EpwFile {
    let weather = SyntheticWeather::new(climate.clone(), seed);
    let mut records = Vec::with_capacity(HOURS_PER_YEAR);
    let mut day_of_year = 0usize;
    for (m, &len) in MONTH_DAYS.iter().enumerate() {
        for day in 1..=len {
            for hour in 1..=24usize {
                let t_s = ((day_of_year * 24 + hour) as f64) * SECONDS_PER_HOUR;
                records.push(EpwRecord {
                    // m < 12, day <= 31, hour <= 24: all fit in u8.
                    month: (m + 1) as u8,
                    day: day as u8,
                    hour: hour as u8,
                    sample: weather.sample_at(t_s),
                });
            }
            day_of_year += 1;
        }
    }
    EpwFile { location, records }
}

#[cfg(test)]
mod tests {
    use super::super::epw::{parse_epw, write_epw};
    use super::*;

    const SEED: u64 = 2026;

    fn paris_location() -> EpwLocation {
        EpwLocation {
            city: "Paris-Montsouris (synthetic)".into(),
            country: "FRA".into(),
            latitude_deg: 48.82,
            longitude_deg: 2.34,
            time_zone_h: 1.0,
            elevation_m: 75.0,
        }
    }

    fn quiet(mut c: SyntheticClimate) -> SyntheticClimate {
        c.noise_k = 0.0;
        c
    }

    fn without_heatwaves(mut c: SyntheticClimate) -> SyntheticClimate {
        c.heatwaves.clear();
        c
    }

    /// (daily max, daily min) of hourly samples for each of the 365 days.
    fn daily_extremes(w: &SyntheticWeather) -> Vec<(f64, f64)> {
        (0..DAYS_PER_YEAR)
            .map(|d| {
                let temps = (1..=24).map(|h| w.sample_at(((d * 24 + h) as f64) * 3600.0).dry_bulb_c);
                temps.fold((f64::MIN, f64::MAX), |(mx, mn), t| (mx.max(t), mn.min(t)))
            })
            .collect()
    }

    /// Mean over month `m` (0-based) of `daily` values.
    fn month_mean(daily: &[f64], m: usize) -> f64 {
        let start: usize = MONTH_DAYS[..m].iter().sum();
        daily[start..start + MONTH_DAYS[m]].iter().sum::<f64>() / MONTH_DAYS[m] as f64
    }

    #[test]
    fn same_seed_same_bits_different_seed_differs() {
        let a = SyntheticWeather::new(SyntheticClimate::paris(), SEED);
        let b = SyntheticWeather::new(SyntheticClimate::paris(), SEED);
        let c = SyntheticWeather::new(SyntheticClimate::paris(), SEED + 1);
        let mut differs = 0;
        // Times in arbitrary order, including negative and multi-year values.
        let mut t: f64 = -1.0e6;
        for i in 0..5_000u32 {
            t = (t * 1.618_033_988_749_895 + 7_919.0 * f64::from(i)) % 9.0e7;
            let (sa, sb, sc) = (a.sample_at(t), b.sample_at(t), c.sample_at(t));
            for (x, y) in [
                (sa.dry_bulb_c, sb.dry_bulb_c),
                (sa.dew_point_c, sb.dew_point_c),
                (sa.rh_pct, sb.rh_pct),
                (sa.pressure_pa, sb.pressure_pa),
            ] {
                assert_eq!(x.to_bits(), y.to_bits(), "t = {t}");
            }
            if sa.dry_bulb_c.to_bits() != sc.dry_bulb_c.to_bits() {
                differs += 1;
            }
        }
        // Different seeds differ almost everywhere (≥ 99 % of 5000 samples).
        assert!(differs >= 4_950, "only {differs} samples differ");
        // Different seeds give different day-to-day anomalies (> 0.5 K RMS apart).
        let rms = (a.daily_anomaly_k.iter().zip(&c.daily_anomaly_k).map(|(x, y)| (x - y).powi(2)).sum::<f64>()
            / DAYS_PER_YEAR as f64)
            .sqrt();
        assert!(rms > 0.5, "rms = {rms}");
    }

    #[test]
    fn noise_statistics_match_parameters() {
        let w = SyntheticWeather::new(SyntheticClimate::paris(), SEED);
        let n = w.daily_anomaly_k.len() as f64;
        let mean = w.daily_anomaly_k.iter().sum::<f64>() / n;
        let sd = (w.daily_anomaly_k.iter().map(|a| (a - mean).powi(2)).sum::<f64>() / n).sqrt();
        // One year of an AR(1) with σ = 2.5 K: sample σ within ±30 % (loose, finite sample).
        assert!((sd - PARIS_NOISE_K).abs() < 0.3 * PARIS_NOISE_K, "sd = {sd}");
    }

    #[test]
    fn noise_free_year_reproduces_every_monthly_normal() {
        let c = quiet(without_heatwaves(SyntheticClimate::paris()));
        let w = SyntheticWeather::new(c.clone(), SEED);
        let ext = daily_extremes(&w);
        let maxes: Vec<f64> = ext.iter().map(|e| e.0).collect();
        let mins: Vec<f64> = ext.iter().map(|e| e.1).collect();
        for m in 0..12 {
            // Mean-preserving interpolation: within 0.1 K of every normal.
            let (mx, mn) = (month_mean(&maxes, m), month_mean(&mins, m));
            assert!((mx - c.monthly_mean_max_c[m]).abs() < 0.1, "month {m}: max {mx}");
            assert!((mn - c.monthly_mean_min_c[m]).abs() < 0.1, "month {m}: min {mn}");
        }
    }

    #[test]
    fn generated_paris_year_matches_july_max_and_january_min() {
        let c = SyntheticClimate::paris();
        // Baseline climate (no heatwave), seed 2026: ±1.5 K of the normals.
        let w = SyntheticWeather::new(without_heatwaves(c.clone()), SEED);
        let ext = daily_extremes(&w);
        let maxes: Vec<f64> = ext.iter().map(|e| e.0).collect();
        let mins: Vec<f64> = ext.iter().map(|e| e.1).collect();
        let july_max = month_mean(&maxes, 6);
        let jan_min = month_mean(&mins, 0);
        assert!((july_max - 25.8).abs() <= 1.5, "July mean max {july_max}");
        assert!((jan_min - 3.2).abs() <= 1.5, "January mean min {jan_min}");

        // Full preset: the heatwave adds peak·(its July-days share)/31 to the
        // July mean max: a 6-day sin² bump averages 1/2, so ≈ 16.4·3/31 ≈ 1.6 K.
        let w = SyntheticWeather::new(c.clone(), SEED);
        let ext = daily_extremes(&w);
        let maxes: Vec<f64> = ext.iter().map(|e| e.0).collect();
        let mins: Vec<f64> = ext.iter().map(|e| e.1).collect();
        let hw_share = c.heatwaves[0].peak_anomaly_k * PARIS_2019_DURATION_DAYS / 2.0 / 31.0;
        let july_max = month_mean(&maxes, 6);
        assert!((july_max - (25.8 + hw_share)).abs() <= 1.5, "July mean max {july_max}");
        let jan_min = month_mean(&mins, 0);
        assert!((jan_min - 3.2).abs() <= 1.5, "January mean min {jan_min}");
    }

    #[test]
    fn diurnal_maximum_is_in_the_afternoon() {
        let w = SyntheticWeather::new(SyntheticClimate::paris(), SEED);
        // Year-mean temperature for each hour of day.
        let mut by_hour = [0.0; 24];
        for d in 0..DAYS_PER_YEAR {
            for (h, acc) in by_hour.iter_mut().enumerate() {
                *acc += w.sample_at(((d * 24 + h) as f64) * 3600.0).dry_bulb_c;
            }
        }
        let argmax = (0..24).max_by(|&a, &b| by_hour[a].total_cmp(&by_hour[b])).unwrap();
        let argmin = (0..24).min_by(|&a, &b| by_hour[a].total_cmp(&by_hour[b])).unwrap();
        // ASHRAE profile: maximum at 14:00-15:00, minimum at 05:00 (±1 h for noise).
        assert!((14..=15).contains(&argmax), "max at {argmax}:00");
        assert!((4..=6).contains(&argmin), "min at {argmin}:00");
        // On a noise-free day the maximum is at 14:00 or 15:00 exactly.
        let q = SyntheticWeather::new(quiet(SyntheticClimate::paris()), SEED);
        let day = 100;
        let hot = (0..24)
            .max_by(|&a, &b| {
                let ta = q.sample_at(((day * 24 + a) as f64) * 3600.0).dry_bulb_c;
                let tb = q.sample_at(((day * 24 + b) as f64) * 3600.0).dry_bulb_c;
                ta.total_cmp(&tb)
            })
            .unwrap();
        assert!((14..=15).contains(&hot), "noise-free max at {hot}:00");
    }

    #[test]
    fn dew_point_never_exceeds_dry_bulb_and_is_nearly_constant() {
        let w = SyntheticWeather::new(SyntheticClimate::paris(), SEED);
        // Every 7 minutes over a year plus every whole hour (exact, tolerance 0).
        let mut t = 0.0;
        while t < 365.0 * 86_400.0 {
            let s = w.sample_at(t);
            assert!(s.dew_point_c <= s.dry_bulb_c, "t = {t}: {s:?}");
            assert!((1.0..=100.0).contains(&s.rh_pct), "t = {t}: {s:?}");
            t += 420.0;
        }
        // Noise-free day in April: the dew point varies < 0.3 K over 24 h while
        // the dry bulb spans its diurnal range (> 7 K).
        let q = SyntheticWeather::new(quiet(SyntheticClimate::paris()), SEED);
        let day = 105;
        let (mut dmin, mut dmax, mut tmin, mut tmax) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
        for h in 0..24 {
            let s = q.sample_at(((day * 24 + h) as f64) * 3600.0);
            dmin = dmin.min(s.dew_point_c);
            dmax = dmax.max(s.dew_point_c);
            tmin = tmin.min(s.dry_bulb_c);
            tmax = tmax.max(s.dry_bulb_c);
        }
        assert!(dmax - dmin < 0.3, "dew range {}", dmax - dmin);
        assert!(tmax - tmin > 7.0, "dry range {}", tmax - tmin);
    }

    #[test]
    fn no_steps_at_month_boundaries() {
        let w = SyntheticWeather::new(SyntheticClimate::paris(), SEED);
        let mut boundary_day = 0.0;
        for &len in &MONTH_DAYS {
            boundary_day += len as f64;
            let t = boundary_day * 86_400.0;
            let (a, b) = (w.sample_at(t - 1.0), w.sample_at(t + 1.0));
            // 2 s apart: within 0.01 K / 0.05 % (continuity, no step).
            assert!((a.dry_bulb_c - b.dry_bulb_c).abs() < 0.01, "{a:?} {b:?}");
            assert!((a.dew_point_c - b.dew_point_c).abs() < 0.01, "{a:?} {b:?}");
            assert!((a.rh_pct - b.rh_pct).abs() < 0.05, "{a:?} {b:?}");
        }
    }

    #[test]
    fn heatwave_peak_reaches_normal_max_plus_anomaly() {
        let anomaly_k = SyntheticClimate::paris().heatwaves[0].peak_anomaly_k;
        // Preset anomaly ≈ 16.4 K (tolerance 0.3 K), July normal max + anomaly ≈ 42.2 °C.
        assert!((anomaly_k - 16.4).abs() < 0.3, "anomaly {anomaly_k}");
        let target_c = 25.8 + anomaly_k;
        let peak_of = |w: &SyntheticWeather| {
            // 24-26 July, every 10 minutes.
            let mut peak = f64::MIN;
            let mut t = 204.0 * 86_400.0;
            while t < 207.0 * 86_400.0 {
                peak = peak.max(w.sample_at(t).dry_bulb_c);
                t += 600.0;
            }
            peak
        };
        let peak = peak_of(&SyntheticWeather::new(SyntheticClimate::paris(), SEED));
        assert!((peak - target_c).abs() <= 2.0, "peak {peak}");
        assert!((peak - PARIS_2019_RECORD_C).abs() <= 2.0, "peak {peak}");
        // Without noise the peak (25 July 15:00) is the 42.6 °C record (±0.05 K).
        let q = SyntheticWeather::new(quiet(SyntheticClimate::paris()), SEED);
        let peak = q.sample_at(PARIS_2019_PEAK_DAY * 86_400.0).dry_bulb_c;
        assert!((peak - PARIS_2019_RECORD_C).abs() <= 0.05, "noise-free peak {peak}");
        assert!(peak_of(&q) <= peak + 1e-9);
        // The night of 24-25 July stays near the observed ≥ 25 °C
        // (normal ≈ 16.6 + 0.5·16.4 ≈ 24.8 °C; ±2 K).
        let w = SyntheticWeather::new(SyntheticClimate::paris(), SEED);
        let night = w.sample_at((205.0 * 24.0 + 5.0) * 3600.0).dry_bulb_c;
        assert!((night - 24.8).abs() <= 2.0, "night {night}");
    }

    #[test]
    fn paris_dew_points_reproduce_mean_rh() {
        let c = SyntheticClimate::paris();
        for (m, &rh_table_pct) in PARIS_MEAN_RH_PCT.iter().enumerate() {
            let (tx, tn, td) = (c.monthly_mean_max_c[m], c.monthly_mean_min_c[m], c.monthly_mean_dew_point_c[m]);
            let mean_rh =
                ASHRAE_RANGE_FRACTION.iter().map(|f| rh_from_dew_point_pct(tx - f * (tx - tn), td)).sum::<f64>() / 24.0;
            // Derivation check: diurnal-mean RH equals the table within 0.5 %.
            assert!((mean_rh - rh_table_pct).abs() < 0.5, "month {m}: {mean_rh}");
        }
        // July dew point ≈ 14.3 °C, January ≈ 2.5 °C (tolerance 0.1 K).
        assert!((c.monthly_mean_dew_point_c[6] - 14.3).abs() < 0.1);
        assert!((c.monthly_mean_dew_point_c[0] - 2.5).abs() < 0.1);
        // Standard pressure at 75 m ≈ 100 430 Pa (tolerance 20 Pa).
        assert!((c.pressure_pa - 100_430.0).abs() < 20.0, "{}", c.pressure_pa);
    }

    #[test]
    fn degenerate_parameters_do_not_panic() {
        let mut c = SyntheticClimate::paris();
        c.noise_k = f64::NAN;
        c.noise_correlation_days = -3.0;
        c.heatwaves.push(Heatwave {
            start_day_of_year: f64::INFINITY,
            duration_days: 0.0,
            peak_anomaly_k: 5.0,
            dew_point_anomaly_k: 5.0,
        });
        c.heatwaves.push(Heatwave {
            start_day_of_year: 363.0,
            duration_days: 4.0, // wraps into January
            peak_anomaly_k: 5.0,
            dew_point_anomaly_k: 0.0,
        });
        let w = SyntheticWeather::new(c, 0);
        for t in [f64::NAN, f64::INFINITY, -1.0, 0.0, 1.0e12, -1.0e12] {
            let s = w.sample_at(t);
            assert!(s.dry_bulb_c.is_finite(), "t = {t}: {s:?}");
        }
        // The wrapped heatwave peaks on 1 January 00:00 (+5 K on the max).
        let q = SyntheticWeather::new(without_heatwaves(quiet(SyntheticClimate::paris())), 0);
        let base = q.sample_at(0.0).dry_bulb_c;
        let hot = w.sample_at(0.0).dry_bulb_c;
        // At 00:00 f = 0.82: T rises by 5·(1 - 0.82·(1 - 0.5)) = 2.95 K (±0.05 K).
        assert!((hot - base - 2.95).abs() < 0.05, "{hot} vs {base}");
    }

    #[test]
    fn generated_paris_year_parses_back() {
        let epw = synthetic_year_epw(&SyntheticClimate::paris(), SEED, paris_location());
        assert_eq!(epw.records.len(), 8760);
        let last = epw.records.last().unwrap();
        assert_eq!((last.month, last.day, last.hour), (12, 31, 24));
        let text = write_epw(&epw, "synthetic test");
        let back = parse_epw(&text).expect("generated year must parse");
        assert_eq!(back.records.len(), 8760);
        assert_eq!(back.location.city, "Paris-Montsouris (synthetic)");
        assert!((back.location.latitude_deg - 48.82).abs() < 0.005);
        for (a, b) in epw.records.iter().zip(&back.records) {
            // Written precision: 0.1 °C, 1 %, 1 Pa -> half-step tolerances.
            assert!((a.sample.dry_bulb_c - b.sample.dry_bulb_c).abs() <= 0.05 + 1e-9);
            assert!((a.sample.dew_point_c - b.sample.dew_point_c).abs() <= 0.05 + 1e-9);
            assert!((a.sample.rh_pct - b.sample.rh_pct).abs() <= 0.5 + 1e-9);
            assert!((a.sample.pressure_pa - b.sample.pressure_pa).abs() <= 0.5 + 1e-9);
        }
        // EPW interpolation of the generated year tracks the generator between
        // hours (within the diurnal curvature, 1 K).
        let w = SyntheticWeather::new(SyntheticClimate::paris(), SEED);
        for k in 0..8760 {
            let t = (k as f64 + 0.5) * 3600.0;
            let (x, y) = (back.sample_at(t).dry_bulb_c, w.sample_at(t).dry_bulb_c);
            assert!((x - y).abs() < 1.0, "t = {t}: {x} vs {y}");
        }
    }
}
