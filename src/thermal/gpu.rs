//! GPU die temperature and thermal protection (docs/physics.md §1.4).
//!
//! Each GPU is an RC node fed by its sink (inlet air, or coolant on a cold plate):
//!
//! ```text
//! C · dT/dt = P − (T − T_sink)/R        R = R_model · r_i  (r_i: per-GPU spread, ±5 %)
//! ```
//!
//! integrated exactly over a tick with constant P and T_sink:
//! `T' = T_ss + (T − T_ss)·e^(−dt/τ)`, `T_ss = T_sink + P·R`, `τ = R_model·C` (the spread
//! changes the steady rise, not the time constant). The heat passed to the sink over the
//! tick is `P·dt − C·(T' − T)` exactly, so the energy books close with the dies' storage.
//!
//! The step is affine in each GPU's resistance factor `r_i`, with one `α = e^(−dt/τ)` for the
//! whole rack. A rack whose GPUs all draw the same power (all in the normal state, or all
//! unpowered) therefore keeps its dies in the closed form `T_i = a + b·r_i + c·T_anchor,i`
//! ([`crate::load::DieForm`]) and steps three scalars; the rack's stored heat and hottest die
//! follow from `Σr_i` and `max r_i`. This is the same step, not a lumped rack: every die has
//! its own temperature at every tick (`tests::closed_form_matches_the_per_gpu_step_die_by_die`).
//! A rack with any GPU not in the normal state (throttled, in slowdown, shut down) is stepped
//! GPU by GPU, 8 lanes at a time; once all are normal again the anchors of that stretch decay
//! by `α` a tick, and the hottest die is found by a scan until they no longer count.
//!
//! Protection (per GPU, evaluated after the die step, applied from the next tick):
//!
//! | die temperature | state | power cap |
//! |---|---|---|
//! | < 87 °C | normal | TDP |
//! | 87–89 °C | software throttle | `TDP·(1 − 0.1·(T − 87))` |
//! | ≥ 89 °C (until < 87 °C) | hardware slowdown, clocks halved | `0.4·TDP` (0.35–0.5) |
//! | ≥ 92 °C | shut down, latched until reset or power cycle | 0 |

use wide::f32x8;

use crate::catalog::GpuModel;
use crate::load::{GpuBank, GpuState};

/// Software-throttle slope: power-cap reduction per K above the throttle temperature
/// (docs/physics.md §1.4: k ≈ 0.1 /K \[U\]).
pub const THROTTLE_SLOPE_PER_K: f64 = 0.1;
/// Power cap in hardware slowdown as a fraction of TDP (docs/physics.md §1.4: 0.35–0.5 \[U\]).
pub const SLOWDOWN_CAP_FRACTION: f64 = 0.4;
/// Hysteresis before hardware slowdown releases, K \[U\].
pub const SLOWDOWN_HYSTERESIS_K: f64 = 2.0;
/// Half-width of the per-GPU thermal-resistance spread (TIM, airflow position) \[U\].
pub const R_SPREAD: f64 = 0.05;

/// SIMD lanes of [`step_dies`] (8 × f32: one AVX register, two SSE or NEON ones).
const LANES: usize = 8;

/// Outcome of one die step over a rack's GPUs.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct DieStep {
    /// Heat passed to the sink over the tick, J.
    pub heat_to_sink_j: f64,
    /// Change of heat stored in the dies, J.
    pub stored_j: f64,
    /// Electrical energy into the GPUs, J.
    pub electrical_j: f64,
}

/// Advances every die of a bank by `dt_s` with its GPUs' powers ([`GpuBank::power_of`]; zero
/// if `powered` is false) and sink temperature `sink_c`; `r_model` is the model's
/// junction-to-sink resistance.
///
/// While every GPU draws the same power the step moves the bank's closed form
/// ([`crate::load::DieForm`]) and costs the same for 8 GPUs or 800; otherwise each die is
/// stepped on its own, eight lanes at a time.
pub fn step_dies(
    bank: &mut GpuBank,
    model: &GpuModel,
    r_model_k_per_w: f64,
    sink_c: f64,
    powered: bool,
    dt_s: f64,
) -> DieStep {
    let c = model.heat_capacity_j_per_k;
    // e^(−dt/τ), τ = R·C, changes only when the tick or the sink path (air ↔ liquid) changes.
    if bank.decay.1 != (dt_s, r_model_k_per_w) {
        bank.decay = ((-dt_s / (r_model_k_per_w * c)).exp(), (dt_s, r_model_k_per_w));
    }
    if !powered {
        bank.uniform_w = Some(0.0);
    }
    let n = bank.len();
    let (d_t, p_sum) = match bank.uniform_w {
        Some(p) => {
            let d_t = relax_form(bank, f64::from(p), sink_c, r_model_k_per_w);
            (d_t, f64::from(p) * n as f64)
        }
        None => {
            // The change is booked from the sums before and after, so that writing the form
            // into f32 anchors is booked too.
            let before = bank.temp_sum_c();
            bank.make_explicit();
            let alpha = bank.decay.0 as f32;
            let (anchors, r_factor, power) = bank.explicit_parts();
            let hot = relax_dies(anchors, r_factor, |i| power[i], sink_c as f32, r_model_k_per_w as f32, alpha);
            let p_sum = power.iter().map(|&p| f64::from(p)).sum();
            bank.refresh_anchors();
            bank.hottest_c = hot;
            (bank.temp_sum_c() - before, p_sum)
        }
    };
    let stored_j = d_t * c;
    let electrical_j = p_sum * dt_s;
    DieStep { heat_to_sink_j: electrical_j - stored_j, stored_j, electrical_j }
}

/// The die step of a bank whose GPUs all draw `p_w`, on its closed form:
/// `base' = T_sink + (base − T_sink)·α`, `per_r' = P·R·(1 − α) + per_r·α`, `scale' = scale·α`
/// (see [`crate::load::DieForm`]). Returns the summed temperature change of the dies, K, and
/// sets the hottest die.
fn relax_form(bank: &mut GpuBank, p_w: f64, sink_c: f64, r_k_per_w: f64) -> f64 {
    let alpha = bank.decay.0;
    let before = bank.temp_sum_c();
    let f = &mut bank.form;
    f.base_c = sink_c + (f.base_c - sink_c) * alpha;
    f.per_r_c = p_w * r_k_per_w * (1.0 - alpha) + f.per_r_c * alpha;
    if f.scale != 0.0 {
        f.scale *= alpha;
        bank.drop_negligible_anchors();
    }
    bank.hottest_c = bank.max_temp_c() as f32;
    bank.temp_sum_c() - before
}

/// The exact RC step `T' = T_ss + (T − T_ss)·α`, `T_ss = T_sink + P_i·R·r_i`, over every die,
/// [`LANES`] at a time; returns the hottest die after the step, °C.
#[inline]
fn relax_dies(
    temp_c: &mut [f32],
    r_factor: &[f32],
    power_w: impl Fn(usize) -> f32,
    sink_c: f32,
    r: f32,
    alpha: f32,
) -> f32 {
    let (sink, r, alpha) = (f32x8::splat(sink_c), f32x8::splat(r), f32x8::splat(alpha));
    let mut hot = f32x8::splat(f32::NEG_INFINITY);
    let n_full = temp_c.len() / LANES * LANES;
    let (t_full, t_rest) = temp_c.split_at_mut(n_full);
    for (k, (t, rf)) in t_full.as_chunks_mut::<LANES>().0.iter_mut().zip(r_factor.as_chunks::<LANES>().0).enumerate() {
        let p = f32x8::new(std::array::from_fn(|i| power_w(k * LANES + i)));
        let t0 = f32x8::new(*t);
        let t_ss = sink + p * r * f32x8::new(*rf);
        let t1 = t_ss + (t0 - t_ss) * alpha;
        hot = hot.fast_max(t1);
        *t = t1.to_array();
    }
    // The remainder (fewer than LANES GPUs), one at a time.
    let mut hot_rest = f32::NEG_INFINITY;
    let (sink, r, alpha) = (sink.to_array()[0], r.to_array()[0], alpha.to_array()[0]);
    for (i, t) in t_rest.iter_mut().enumerate() {
        let t_ss = sink + power_w(n_full + i) * r * r_factor[n_full + i];
        let t1 = t_ss + (*t - t_ss) * alpha;
        hot_rest = if t1 > hot_rest { t1 } else { hot_rest };
        *t = t1;
    }
    hot.to_array().into_iter().fold(hot_rest, |m, x| if x > m { x } else { m })
}

/// Power cap and state of one GPU at die temperature `t_c`, given its previous state.
pub fn protect(model: &GpuModel, prev: GpuState, t_c: f64, powered: bool) -> (GpuState, f64) {
    let tdp = model.tdp_w;
    if !powered {
        // Unpowered GPUs are counted at full demand so the unserved load is visible.
        return (GpuState::Unpowered, tdp);
    }
    if prev == GpuState::Shutdown || t_c >= model.shutdown_c {
        return (GpuState::Shutdown, 0.0);
    }
    let in_slowdown =
        t_c >= model.slowdown_c || (prev == GpuState::Slowdown && t_c >= model.slowdown_c - SLOWDOWN_HYSTERESIS_K);
    if in_slowdown {
        return (GpuState::Slowdown, SLOWDOWN_CAP_FRACTION * tdp);
    }
    if t_c >= model.throttle_c {
        let cap = tdp * (1.0 - THROTTLE_SLOPE_PER_K * (t_c - model.throttle_c));
        return (GpuState::Throttled, cap);
    }
    (GpuState::Normal, tdp)
}

/// Applies [`protect`] to every GPU of a bank and recounts the states. `coolant_trip` powers
/// every GPU off (latched): the trays' protection against coolant above its limit.
pub fn protect_bank(bank: &mut GpuBank, model: &GpuModel, powered: bool, coolant_trip: bool) {
    if protection_idle(bank, model, powered, coolant_trip) {
        return;
    }
    for i in 0..bank.len() {
        let t = bank.temp_of(i);
        let (s, c) = if coolant_trip && powered {
            (GpuState::Shutdown, 0.0)
        } else {
            protect(model, bank.state[i], f64::from(t), powered)
        };
        bank.state[i] = s;
        bank.cap_w[i] = c as f32;
    }
    bank.recount();
}

/// Whether [`protect_bank`] would change nothing: every GPU normal, powered and below the
/// throttle temperature (the common case, checked without touching the bank).
pub fn protection_idle(bank: &GpuBank, model: &GpuModel, powered: bool, coolant_trip: bool) -> bool {
    powered && !coolant_trip && bank.all_normal() && f64::from(bank.hottest_c) < model.throttle_c
}

/// Clears latched shutdowns (operator reset).
pub fn reset_bank(bank: &mut GpuBank, model: &GpuModel) {
    for (s, cap) in bank.state.iter_mut().zip(bank.cap_w.iter_mut()) {
        if *s == GpuState::Shutdown {
            *s = GpuState::Normal;
            *cap = model.tdp_w as f32;
        }
    }
    bank.recount();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use crate::load::gpu_power_w;

    fn h100() -> GpuModel {
        Catalog::builtin().gpus["h100_sxm"].clone()
    }

    #[test]
    fn die_relaxes_to_sink_plus_p_times_r_with_time_constant_rc() {
        let m = h100();
        let mut bank = GpuBank::new(1, 25.0, m.tdp_w, &mut || 1.0);
        bank.uniform_w = Some(700.0);
        let tau = m.r_air_k_per_w * m.heat_capacity_j_per_k;
        let step = step_dies(&mut bank, &m, m.r_air_k_per_w, 25.0, true, tau);
        // After one τ: 1 − 1/e of the 45.5 K rise.
        let expect = 25.0 + 700.0 * m.r_air_k_per_w * (1.0 - (-1.0_f64).exp());
        assert!((f64::from(bank.temp_of(0)) - expect).abs() < 1e-3, "{} vs {expect}", bank.temp_of(0));
        // Energy: electrical in = to sink + stored.
        assert!((step.electrical_j - step.heat_to_sink_j - step.stored_j).abs() < 1e-6 * step.electrical_j);
        assert!((step.stored_j - m.heat_capacity_j_per_k * (expect - 25.0)).abs() < 1.0);
    }

    /// A bank stepped on its closed form (uniform power) against the same bank stepped GPU by
    /// GPU every tick: two hours of varying sink and power, with a stretch of unequal powers in the
    /// middle that moves the form onto per-GPU anchors and back.
    #[test]
    fn closed_form_matches_the_per_gpu_step_die_by_die() {
        let m = h100();
        let n = 72; // not a multiple of the SIMD width: the remainder path counts too
        let spread = |k: &mut u32| {
            *k += 1;
            1.0 + R_SPREAD * (2.0 * ((f64::from(*k) * 0.618_034) % 1.0) - 1.0)
        };
        let (mut ka, mut kb) = (0, 0);
        let mut a = GpuBank::new(n, 30.0, m.tdp_w, &mut || spread(&mut ka));
        let mut b = GpuBank::new(n, 30.0, m.tdp_w, &mut || spread(&mut kb));
        let (mut stored_a, mut stored_b) = (0.0, 0.0);
        let mut anchored = false;
        for tick in 0..3_000 {
            let t = f64::from(tick);
            let dt = if tick % 7 == 0 { 10.0 } else { 1.0 };
            let sink = 30.0 + 5.0 * (t / 300.0).sin();
            let p = (200.0 + 500.0 * (0.5 + 0.5 * (t / 170.0).cos())) as f32;
            let unequal = (1_000..1_100).contains(&tick);
            for (i, w) in b.power_w.iter_mut().enumerate() {
                *w = if unequal { p * (0.5 + 0.5 * (i % 3) as f32) } else { p };
            }
            b.uniform_w = None;
            if unequal {
                a.power_w.copy_from_slice(&b.power_w);
                a.uniform_w = None;
            } else {
                a.uniform_w = Some(p);
            }
            let sa = step_dies(&mut a, &m, m.r_air_k_per_w, sink, true, dt);
            let sb = step_dies(&mut b, &m, m.r_air_k_per_w, sink, true, dt);
            assert!((sa.electrical_j - sa.heat_to_sink_j - sa.stored_j).abs() <= 1e-9 * sa.electrical_j);
            stored_a += sa.stored_j;
            stored_b += sb.stored_j;
            anchored |= a.form.scale != 0.0;
            for i in 0..n {
                let (ta, tb) = (a.temp_of(i), b.temp_of(i));
                assert!((ta - tb).abs() < 2e-3, "tick {tick}, GPU {i}: closed form {ta} °C, per GPU {tb} °C");
            }
            assert!(
                (a.hottest_c - b.hottest_c).abs() < 2e-3,
                "tick {tick}: hottest {} vs {}",
                a.hottest_c,
                b.hottest_c
            );
        }
        assert!(anchored, "the unequal stretch moves the form onto anchors");
        assert_eq!(a.form.scale, 0.0, "anchors dropped once they no longer count");
        // Stored heat over the run: the dies' net change of temperature times C, either way.
        let (sum_a, sum_b) = (a.temp_sum_c(), b.temps_c().map(f64::from).sum::<f64>());
        let net = m.heat_capacity_j_per_k * (sum_a - n as f64 * 30.0);
        assert!((stored_a - net).abs() < 1e-6 * m.heat_capacity_j_per_k * n as f64, "{stored_a} J vs {net} J");
        let net_b = m.heat_capacity_j_per_k * (sum_b - n as f64 * 30.0);
        assert!((stored_b - net_b).abs() < 1e-6 * m.heat_capacity_j_per_k * n as f64, "{stored_b} J vs {net_b} J");
        assert!((stored_a - stored_b).abs() < 0.1 * m.heat_capacity_j_per_k * n as f64 / 1_000.0);
        assert!((sum_a - sum_b).abs() < 0.05);
    }

    #[test]
    fn full_power_gpu_with_rising_inlet_throttles_at_87_and_shuts_down_at_92() {
        // A GPU at full activity; the inlet rises 0.5 K/min from 25 °C (air-cooled H100,
        // 45.5 K above inlet at TDP). Record the die temperature at each protection change.
        let m = h100();
        let mut bank = GpuBank::new(1, 70.0, m.tdp_w, &mut || 1.0);
        let (mut t, dt) = (0.0_f64, 1.0);
        let mut first_throttle = None;
        let mut shutdown_at = None;
        let mut power_at_throttle_start = 0.0;
        let mut power_before_slowdown = 0.0;
        while t < 4.0 * 3600.0 && shutdown_at.is_none() {
            let inlet = 25.0 + 0.5 * t / 60.0;
            bank.power_w[0] = gpu_power_w(m.idle_w as f32, m.tdp_w as f32, 1.0, bank.cap_w[0]);
            bank.uniform_w = None;
            let p = bank.power_w[0];
            step_dies(&mut bank, &m, m.r_air_k_per_w, inlet, true, dt);
            let prev = bank.state[0];
            protect_bank(&mut bank, &m, true, false);
            let tj = f64::from(bank.temp_of(0));
            match (prev, bank.state[0]) {
                (GpuState::Normal, GpuState::Throttled) if first_throttle.is_none() => {
                    first_throttle = Some(tj);
                    power_at_throttle_start = p;
                }
                (GpuState::Throttled, GpuState::Slowdown) => power_before_slowdown = p,
                (_, GpuState::Shutdown) => shutdown_at = Some(tj),
                _ => {}
            }
            t += dt;
        }
        let th = first_throttle.expect("throttles");
        assert!((87.0..87.2).contains(&th), "throttle starts at 87 °C, got {th}");
        let sd = shutdown_at.expect("shuts down");
        assert!((92.0..92.2).contains(&sd), "shutdown at 92 °C, got {sd}");
        assert_eq!(power_at_throttle_start, 700.0);
        assert!(power_before_slowdown < 700.0 * 0.85, "power falls while throttling: {power_before_slowdown}");
        assert_eq!(bank.cap_w[0], 0.0);
        // The shutdown is latched even after the die cools.
        bank.set_temp_c(0, 30.0);
        protect_bank(&mut bank, &m, true, false);
        assert_eq!(bank.state[0], GpuState::Shutdown);
        reset_bank(&mut bank, &m);
        assert_eq!(bank.state[0], GpuState::Normal);
    }

    #[test]
    fn throttle_cap_falls_ten_percent_per_kelvin() {
        let m = h100();
        let (s, cap) = protect(&m, GpuState::Normal, 88.0, true);
        assert_eq!(s, GpuState::Throttled);
        assert!((cap - 630.0).abs() < 1e-9);
        let (s, cap) = protect(&m, GpuState::Throttled, 89.5, true);
        assert_eq!(s, GpuState::Slowdown);
        assert!((cap - 280.0).abs() < 1e-9);
        // Slowdown holds until 2 K below its threshold.
        assert_eq!(protect(&m, GpuState::Slowdown, 87.5, true).0, GpuState::Slowdown);
        assert_eq!(protect(&m, GpuState::Slowdown, 86.9, true).0, GpuState::Normal);
    }
}
