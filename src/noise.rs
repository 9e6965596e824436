//! Stateless, seeded noise: the same `(seed, t)` always gives the same value, whatever the
//! tick length or the order of queries, so that runs stay bit-identical at any speed.

/// Mixes a 64-bit value (SplitMix64 finaliser, Steele et al. 2014).
#[inline]
pub fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A uniform number in [0, 1) from `(seed, k)`.
#[inline]
pub fn hash_unit(seed: u64, k: u64) -> f64 {
    let z = mix64(seed ^ k.wrapping_mul(0x9e37_79b9_7f4a_7c15));
    (z >> 11) as f64 / (1u64 << 53) as f64
}

/// Zero-mean, unit-variance value noise: a uniform draw in [−√3, √3] at knots `step_s`
/// apart, linearly interpolated between knots.
pub fn value_noise(seed: u64, t_s: f64, step_s: f64) -> f64 {
    let x = t_s / step_s;
    let k = x.floor();
    let frac = x - k;
    let at = |k: i64| (hash_unit(seed, k as u64) * 2.0 - 1.0) * 3.0_f64.sqrt();
    let k = k as i64;
    at(k) * (1.0 - frac) + at(k + 1) * frac
}

/// [`value_noise`] with its current pair of knots kept: the same values bit for bit, hashing
/// only when the time moves into another knot interval (once a minute for rack activity,
/// instead of twice every tick).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ValueNoise {
    /// Knot index and the values at it and the next one.
    knots: Option<(i64, f64, f64)>,
}

impl ValueNoise {
    /// The noise of stream `seed` at `t_s` with knots `step_s` apart.
    pub fn at(&mut self, seed: u64, t_s: f64, step_s: f64) -> f64 {
        let x = t_s / step_s;
        let k = x.floor();
        let frac = x - k;
        let k = k as i64;
        let knot = |k: i64| (hash_unit(seed, k as u64) * 2.0 - 1.0) * 3.0_f64.sqrt();
        let (v0, v1) = match self.knots {
            Some((kk, v0, v1)) if kk == k => (v0, v1),
            Some((kk, _, v1)) if kk + 1 == k => (v1, knot(k + 1)),
            _ => (knot(k), knot(k + 1)),
        };
        self.knots = Some((k, v0, v1));
        v0 * (1.0 - frac) + v1 * frac
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_noise_is_deterministic_with_zero_mean_and_unit_variance() {
        let n = 20_000;
        let xs: Vec<f64> = (0..n).map(|k| value_noise(7, f64::from(k) * 1e4, 1e4)).collect();
        let mean = xs.iter().sum::<f64>() / f64::from(n);
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / f64::from(n);
        assert!(mean.abs() < 0.05, "{mean}");
        assert!((var - 1.0).abs() < 0.05, "{var}");
        assert_eq!(value_noise(7, 123.4, 60.0), value_noise(7, 123.4, 60.0));
        assert_ne!(value_noise(7, 123.4, 60.0), value_noise(8, 123.4, 60.0));
    }

    #[test]
    fn cached_knots_give_the_same_bits_in_any_order() {
        let mut n = ValueNoise::default();
        for t in [0.0, 0.5, 59.9, 60.0, 61.0, 200.0, 119.0, -30.0, 1e6, 1e6 + 60.0] {
            assert_eq!(n.at(42, t, 60.0).to_bits(), value_noise(42, t, 60.0).to_bits(), "t = {t}");
        }
    }
}
