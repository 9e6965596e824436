//! ASHRAE TC 9.9 thermal envelopes for air-cooled IT inlets (docs/physics.md §2.2).
//!
//! | class | dry bulb | humidity |
//! |---|---|---|
//! | recommended (A1–A4) | 18–27 °C | dew point −9…15 °C, RH ≤ 70 % |
//! | A1 allowable | 15–32 °C | RH 8–80 %, dew point ≤ 17 °C |
//! | A2 allowable | 10–35 °C | RH 8–80 %, dew point ≤ 21 °C |
//! | A3 allowable | 5–40 °C | RH 8–85 %, dew point ≤ 24 °C |
//! | A4 allowable | 5–45 °C | RH 8–90 %, dew point ≤ 24 °C |
//! | H1 (5th ed.) | recommended 18–22 °C, allowable 5–25 °C | dew point ≤ 18 °C |
//!
//! Temperature limits are \[V\]; humidity limits \[U\] (recalled, docs/physics.md §9 item 3). A state's
//! band is the tightest envelope that contains it; "beyond A4" is exceedance.

use serde::Serialize;

/// A dry-bulb/humidity envelope.
#[derive(Clone, Copy, Debug)]
pub struct Envelope {
    /// Lowest dry bulb, °C.
    pub min_c: f64,
    /// Highest dry bulb, °C.
    pub max_c: f64,
    /// Highest dew point, °C.
    pub max_dew_point_c: f64,
    /// Lowest dew point, °C.
    pub min_dew_point_c: f64,
    /// Highest RH, %.
    pub max_rh_pct: f64,
    /// Lowest RH, %.
    pub min_rh_pct: f64,
}

impl Envelope {
    /// Whether a state lies inside.
    pub fn contains(&self, t_c: f64, dew_point_c: f64, rh_pct: f64) -> bool {
        (self.min_c..=self.max_c).contains(&t_c)
            && dew_point_c <= self.max_dew_point_c
            && dew_point_c >= self.min_dew_point_c
            && rh_pct <= self.max_rh_pct
            && rh_pct >= self.min_rh_pct
    }
}

/// ASHRAE recommended envelope.
pub const RECOMMENDED: Envelope = Envelope {
    min_c: 18.0,
    max_c: 27.0,
    max_dew_point_c: 15.0,
    min_dew_point_c: -9.0,
    max_rh_pct: 70.0,
    min_rh_pct: 0.0,
};
/// A1 allowable.
pub const A1: Envelope = Envelope {
    min_c: 15.0,
    max_c: 32.0,
    max_dew_point_c: 17.0,
    min_dew_point_c: -100.0,
    max_rh_pct: 80.0,
    min_rh_pct: 8.0,
};
/// A2 allowable.
pub const A2: Envelope = Envelope {
    min_c: 10.0,
    max_c: 35.0,
    max_dew_point_c: 21.0,
    min_dew_point_c: -100.0,
    max_rh_pct: 80.0,
    min_rh_pct: 8.0,
};
/// A3 allowable.
pub const A3: Envelope = Envelope {
    min_c: 5.0,
    max_c: 40.0,
    max_dew_point_c: 24.0,
    min_dew_point_c: -100.0,
    max_rh_pct: 85.0,
    min_rh_pct: 8.0,
};
/// A4 allowable.
pub const A4: Envelope = Envelope {
    min_c: 5.0,
    max_c: 45.0,
    max_dew_point_c: 24.0,
    min_dew_point_c: -100.0,
    max_rh_pct: 90.0,
    min_rh_pct: 8.0,
};
/// H1 allowable (high-density class, 5th edition).
pub const H1: Envelope = Envelope {
    min_c: 5.0,
    max_c: 25.0,
    max_dew_point_c: 18.0,
    min_dew_point_c: -100.0,
    max_rh_pct: 80.0,
    min_rh_pct: 8.0,
};

/// The tightest band containing a state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Band {
    /// Inside the recommended envelope.
    Recommended = 0,
    /// Inside A1 allowable.
    A1 = 1,
    /// Inside A2 allowable.
    A2 = 2,
    /// Inside A3 allowable.
    A3 = 3,
    /// Inside A4 allowable.
    A4 = 4,
    /// Outside every envelope.
    BeyondA4 = 5,
}

impl Band {
    /// All bands, best first.
    pub const ALL: [Band; 6] = [Band::Recommended, Band::A1, Band::A2, Band::A3, Band::A4, Band::BeyondA4];

    /// Short label.
    pub fn label(self) -> &'static str {
        match self {
            Band::Recommended => "recommended",
            Band::A1 => "A1",
            Band::A2 => "A2",
            Band::A3 => "A3",
            Band::A4 => "A4",
            Band::BeyondA4 => "beyond A4",
        }
    }

    /// Upper dry-bulb limit of the band, °C.
    pub fn max_c(self) -> f64 {
        match self {
            Band::Recommended => RECOMMENDED.max_c,
            Band::A1 => A1.max_c,
            Band::A2 => A2.max_c,
            Band::A3 => A3.max_c,
            Band::A4 | Band::BeyondA4 => A4.max_c,
        }
    }
}

/// The band of an inlet dry-bulb temperature alone (upper limits 27 / 32 / 35 / 40 / 45 °C).
pub fn temperature_band(t_c: f64) -> Band {
    for (env, band) in
        [(RECOMMENDED, Band::Recommended), (A1, Band::A1), (A2, Band::A2), (A3, Band::A3), (A4, Band::A4)]
    {
        if t_c <= env.max_c {
            return band;
        }
    }
    Band::BeyondA4
}

/// The band of a dew point alone (upper limits 15 / 17 / 21 / 24 °C).
pub fn dew_point_band(dew_point_c: f64) -> Band {
    for (env, band) in [(RECOMMENDED, Band::Recommended), (A1, Band::A1), (A2, Band::A2), (A3, Band::A3)] {
        if dew_point_c <= env.max_dew_point_c {
            return band;
        }
    }
    Band::BeyondA4
}

/// The band of an inlet state.
pub fn classify(t_c: f64, dew_point_c: f64, rh_pct: f64) -> Band {
    for (env, band) in
        [(RECOMMENDED, Band::Recommended), (A1, Band::A1), (A2, Band::A2), (A3, Band::A3), (A4, Band::A4)]
    {
        if env.contains(t_c, dew_point_c, rh_pct) {
            return band;
        }
    }
    Band::BeyondA4
}

/// Classifies inlet temperatures of one hall, whose air has one humidity ratio: the RH
/// limits of each envelope become temperature limits (RH falls as the air warms), so a rack
/// is classified by comparisons alone (no saturation pressure per rack).
#[derive(Clone, Copy, Debug)]
pub struct HallClassifier {
    /// Per band (recommended, A1…A4): allowed inlet range `(lo, hi)`, empty if the dew point
    /// rules the band out.
    ranges: [(f64, f64); 5],
    /// H1 range.
    h1: (f64, f64),
}

impl HallClassifier {
    /// A classifier for air of vapour pressure `p_w_pa` (dew point `dew_point_c`).
    pub fn new(dew_point_c: f64, p_w_pa: f64) -> Self {
        // Temperature at which this air has relative humidity `rh_pct`.
        let t_at_rh = |rh_pct: f64| -> f64 {
            if rh_pct <= 0.0 {
                return f64::INFINITY;
            }
            temperature_for_saturation_pressure(p_w_pa * 100.0 / rh_pct)
        };
        let range = |e: &Envelope| -> (f64, f64) {
            if dew_point_c > e.max_dew_point_c || dew_point_c < e.min_dew_point_c {
                return (1.0, 0.0);
            }
            (e.min_c.max(t_at_rh(e.max_rh_pct)), e.max_c.min(t_at_rh(e.min_rh_pct)))
        };
        Self { ranges: [range(&RECOMMENDED), range(&A1), range(&A2), range(&A3), range(&A4)], h1: range(&H1) }
    }

    /// The band of inlet `t_c` and whether it is inside H1.
    pub fn classify(&self, t_c: f64) -> (Band, bool) {
        let inside = |(lo, hi): (f64, f64)| t_c >= lo && t_c <= hi;
        let band = (0..5).find(|&i| inside(self.ranges[i])).map_or(Band::BeyondA4, |i| Band::ALL[i]);
        (band, inside(self.h1))
    }
}

/// Temperature whose saturation vapour pressure is `p_pa`, °C (inverse of
/// [`crate::psychro::saturation_pressure_pa`], by Newton on its logarithm).
pub fn temperature_for_saturation_pressure(p_pa: f64) -> f64 {
    let w = crate::psychro::humidity_ratio_from_vapor_pressure(p_pa, 1.0e7);
    crate::psychro::dew_point_c(w, 1.0e7)
}

/// Time a rack's inlet spent in each band, and inside H1.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Exposure {
    /// Seconds per band, indexed by `Band as usize`.
    pub band_s: [f64; 6],
    /// Seconds inside the H1 allowable envelope.
    pub h1_s: f64,
    /// Band now.
    #[serde(skip)]
    pub current: Option<Band>,
}

impl Exposure {
    /// Adds `dt_s` in the band of a state.
    pub fn record(&mut self, t_c: f64, dew_point_c: f64, rh_pct: f64, dt_s: f64) -> Band {
        let b = classify(t_c, dew_point_c, rh_pct);
        self.band_s[b as usize] += dt_s;
        if H1.contains(t_c, dew_point_c, rh_pct) {
            self.h1_s += dt_s;
        }
        b
    }

    /// Adds `dt_s` in `band` (and in H1 if `in_h1`).
    pub fn add(&mut self, band: Band, in_h1: bool, dt_s: f64) {
        self.band_s[band as usize] += dt_s;
        if in_h1 {
            self.h1_s += dt_s;
        }
    }

    /// Seconds outside the recommended envelope.
    pub fn outside_recommended_s(&self) -> f64 {
        self.band_s[1..].iter().sum()
    }

    /// Seconds outside A1 allowable.
    pub fn outside_a1_s(&self) -> f64 {
        self.band_s[2..].iter().sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_by_temperature_and_humidity() {
        assert_eq!(classify(22.0, 10.0, 50.0), Band::Recommended);
        assert_eq!(classify(28.0, 10.0, 30.0), Band::A1);
        assert_eq!(classify(22.0, 16.0, 78.0), Band::A1, "dew point above 15 °C leaves recommended");
        assert_eq!(classify(33.0, 10.0, 30.0), Band::A2);
        assert_eq!(classify(38.0, 10.0, 20.0), Band::A3);
        assert_eq!(classify(44.0, 10.0, 15.0), Band::A4);
        assert_eq!(classify(46.0, 10.0, 10.0), Band::BeyondA4);
        assert_eq!(classify(26.0, 23.0, 85.0), Band::A3, "humid air: dew point 23 °C needs A3");
    }

    #[test]
    fn temperature_and_dew_point_bands_use_their_own_limits() {
        assert_eq!(temperature_band(27.0), Band::Recommended);
        assert_eq!(temperature_band(27.1), Band::A1);
        assert_eq!(temperature_band(32.5), Band::A2);
        assert_eq!(temperature_band(46.0), Band::BeyondA4);
        assert_eq!(dew_point_band(14.0), Band::Recommended);
        assert_eq!(dew_point_band(16.0), Band::A1);
        assert_eq!(dew_point_band(22.0), Band::A3);
        assert_eq!(dew_point_band(25.0), Band::BeyondA4);
    }

    #[test]
    fn hall_classifier_agrees_with_the_full_classification() {
        use crate::psychro;
        let p = psychro::STANDARD_PRESSURE_PA;
        for dp in [-12.0, 0.0, 8.0, 14.9, 15.5, 16.9, 18.0, 22.0, 23.9, 25.0] {
            let w = psychro::humidity_ratio_from_dew_point(dp, p);
            let pw = psychro::vapor_pressure_from_humidity_ratio(w, p);
            let c = HallClassifier::new(dp, pw);
            let mut t = dp.max(-5.0);
            while t < 50.0 {
                let rh = psychro::rh_from_humidity_ratio(t, w, p);
                let full = classify(t, dp, rh);
                let fast = c.classify(t).0;
                // Exactly at an RH limit the two may round differently.
                if (rh - 70.0).abs() > 0.01
                    && (rh - 80.0).abs() > 0.01
                    && (rh - 85.0).abs() > 0.01
                    && (rh - 90.0).abs() > 0.01
                    && (rh - 8.0).abs() > 0.01
                {
                    assert_eq!(full, fast, "t {t} dp {dp} rh {rh}");
                }
                t += 0.37;
            }
        }
    }

    #[test]
    fn exposure_accumulates_time() {
        let mut e = Exposure::default();
        e.record(22.0, 10.0, 50.0, 60.0);
        e.record(30.0, 10.0, 30.0, 30.0);
        e.record(36.0, 10.0, 20.0, 10.0);
        assert_eq!(e.band_s[0], 60.0);
        assert_eq!(e.outside_recommended_s(), 40.0);
        assert_eq!(e.outside_a1_s(), 10.0);
        assert_eq!(e.h1_s, 60.0);
    }
}
