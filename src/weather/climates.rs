//! Synthetic-year presets for European sites, from monthly statistics of one source family:
//! the ASHRAE IWEC typical years (ASHRAE Research Project 1015, "derived from up to 18 years of
//! DATSAV3 hourly weather data", 2001; each month one real month of about 1982–1999).
//!
//! Per month: the mean of each day's highest and lowest hourly dry bulb, and the mean hourly
//! dew point, computed from the station's IWEC `.epw` file (docs/research/climate-normals.md
//! holds the method, the files with their repositories and commits, and the caveats); the
//! station pressure is the file's mean. These are typical-year statistics, not 1991–2020
//! normals: about 1 K cooler in summer than recent normals, and Stockholm's file is 3-hourly,
//! which narrows its daily range by a few tenths of a kelvin (docs/physics.md §3.5).
//!
//! Day-to-day noise: 2.5 K with a 2.5-day correlation for every site, as for Paris
//! ([`super::synthetic::SyntheticClimate::paris`], \[U\]).

use super::synthetic::SyntheticClimate;

/// A station whose monthly statistics make a synthetic year.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ClimatePreset {
    /// Preset id used in scenarios (`weather: Synthetic(climate: "warsaw")`).
    pub id: &'static str,
    /// Station name.
    pub station: &'static str,
    /// ISO 3166 alpha-3 country.
    pub country: &'static str,
    /// WMO station number.
    pub wmo: &'static str,
    /// Latitude, degrees north.
    pub latitude_deg: f64,
    /// Longitude, degrees east.
    pub longitude_deg: f64,
    /// Elevation, m.
    pub elevation_m: f64,
    /// Mean station pressure, Pa.
    pub pressure_pa: f64,
    /// Mean daily maximum dry bulb per month, °C.
    pub mean_max_c: [f64; 12],
    /// Mean daily minimum dry bulb per month, °C.
    pub mean_min_c: [f64; 12],
    /// Mean dew point per month, °C.
    pub mean_dew_point_c: [f64; 12],
    /// Where the statistics come from.
    pub source: &'static str,
}

/// Day-to-day anomaly standard deviation of every IWEC preset, K \[U\] (as Paris).
const NOISE_K: f64 = 2.5;
/// Correlation time of the day-to-day anomaly, days \[U\] (as Paris).
const NOISE_CORRELATION_DAYS: f64 = 2.5;

/// The six IWEC presets.
pub const PRESETS: &[ClimatePreset] = &[
    ClimatePreset {
        id: "paris_orly",
        station: "Paris-Orly",
        country: "FRA",
        wmo: "071490",
        latitude_deg: 48.72,
        longitude_deg: 2.38,
        elevation_m: 96.0,
        pressure_pa: 100_502.0,
        mean_max_c: [6.3, 7.0, 10.4, 14.1, 19.0, 21.1, 24.2, 25.0, 20.0, 16.0, 8.8, 7.0],
        mean_min_c: [1.8, 1.6, 3.5, 5.6, 9.6, 12.6, 14.2, 14.1, 11.8, 7.4, 4.0, 2.1],
        mean_dew_point_c: [2.6, -1.2, 2.7, 4.6, 7.7, 12.6, 12.2, 13.0, 11.5, 8.0, 4.7, 3.0],
        source: "ASHRAE IWEC FRA_Paris.Orly.071490 (2001)",
    },
    ClimatePreset {
        id: "amsterdam",
        station: "Amsterdam-Schiphol",
        country: "NLD",
        wmo: "062400",
        latitude_deg: 52.30,
        longitude_deg: 4.77,
        elevation_m: -2.0,
        pressure_pa: 101_609.0,
        mean_max_c: [6.4, 6.0, 8.6, 11.5, 17.2, 19.1, 20.6, 20.7, 18.0, 13.9, 9.8, 6.2],
        mean_min_c: [1.8, 1.2, 2.3, 5.0, 7.9, 10.4, 12.6, 13.7, 10.3, 7.6, 3.3, 2.3],
        mean_dew_point_c: [2.2, 1.7, 2.4, 6.2, 7.7, 10.3, 14.1, 13.2, 11.8, 8.0, 4.8, 2.8],
        source: "ASHRAE IWEC NLD_Amsterdam.062400 (2001)",
    },
    ClimatePreset {
        id: "frankfurt",
        station: "Frankfurt am Main airport",
        country: "DEU",
        wmo: "106370",
        latitude_deg: 50.05,
        longitude_deg: 8.60,
        elevation_m: 113.0,
        pressure_pa: 100_237.0,
        mean_max_c: [4.5, 4.7, 10.0, 14.0, 19.9, 20.8, 24.8, 23.9, 20.1, 15.3, 7.6, 3.6],
        mean_min_c: [0.4, -1.1, 1.2, 4.6, 9.4, 11.8, 14.4, 13.3, 10.0, 6.3, 2.0, -0.6],
        mean_dew_point_c: [-0.1, -1.7, 0.6, 3.5, 8.6, 10.6, 12.6, 12.2, 9.4, 7.7, 2.8, -0.4],
        source: "ASHRAE IWEC DEU_Frankfurt.am.Main.106370 (2001)",
    },
    ClimatePreset {
        id: "warsaw",
        station: "Warsaw-Okęcie",
        country: "POL",
        wmo: "123750",
        latitude_deg: 52.17,
        longitude_deg: 20.97,
        elevation_m: 107.0,
        pressure_pa: 100_478.0,
        mean_max_c: [1.5, 0.5, 7.8, 13.4, 18.6, 21.1, 23.0, 23.3, 17.4, 12.9, 6.3, 2.6],
        mean_min_c: [-3.9, -3.9, -0.7, 3.2, 7.8, 12.2, 12.1, 11.9, 7.9, 4.8, 0.7, -2.6],
        mean_dew_point_c: [-2.9, -4.3, 0.0, 4.1, 7.6, 11.9, 12.4, 12.5, 9.4, 6.0, 1.6, -2.3],
        source: "ASHRAE IWEC POL_Warsaw.123750 (2001)",
    },
    ClimatePreset {
        id: "stockholm",
        station: "Stockholm-Arlanda",
        country: "SWE",
        wmo: "024600",
        latitude_deg: 59.65,
        longitude_deg: 17.95,
        elevation_m: 61.0,
        pressure_pa: 100_475.0,
        mean_max_c: [-1.4, 1.4, 2.9, 8.6, 16.3, 18.6, 20.7, 19.4, 14.6, 9.3, 3.9, 0.4],
        mean_min_c: [-6.2, -3.2, -2.0, -0.1, 5.8, 9.8, 13.0, 12.4, 8.3, 3.8, -1.0, -4.9],
        mean_dew_point_c: [-4.9, -4.0, -2.1, -2.0, 4.3, 8.0, 11.6, 10.4, 8.0, 4.3, -0.1, -3.5],
        source: "ASHRAE IWEC SWE_Stockholm.Arlanda.024600 (2001; 3-hourly observations)",
    },
    ClimatePreset {
        id: "madrid",
        station: "Madrid-Barajas",
        country: "ESP",
        wmo: "082210",
        latitude_deg: 40.45,
        longitude_deg: -3.55,
        elevation_m: 582.0,
        pressure_pa: 95_098.0,
        mean_max_c: [10.6, 13.1, 16.6, 17.4, 24.1, 28.2, 33.2, 31.9, 25.3, 20.3, 15.1, 9.9],
        mean_min_c: [1.4, 1.4, 3.8, 5.6, 9.9, 12.7, 17.0, 16.8, 14.5, 9.2, 4.5, 2.5],
        mean_dew_point_c: [0.7, 1.2, 2.2, 2.5, 8.0, 9.3, 9.6, 11.1, 10.2, 8.3, 4.8, 3.0],
        source: "ASHRAE IWEC ESP_Madrid.082210 (2001)",
    },
];

/// The IWEC preset `id`, if any.
pub fn preset(id: &str) -> Option<&'static ClimatePreset> {
    PRESETS.iter().find(|p| p.id == id)
}

impl ClimatePreset {
    /// The synthetic-year climate of this station (no heat waves of its own).
    pub fn climate(&self) -> SyntheticClimate {
        SyntheticClimate {
            monthly_mean_max_c: self.mean_max_c,
            monthly_mean_min_c: self.mean_min_c,
            monthly_mean_dew_point_c: self.mean_dew_point_c,
            pressure_pa: self.pressure_pa,
            noise_k: NOISE_K,
            noise_correlation_days: NOISE_CORRELATION_DAYS,
            heatwaves: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::weather::synthetic::SyntheticWeather;

    #[test]
    fn every_preset_is_consistent_and_its_year_reproduces_its_july() {
        for p in PRESETS {
            for m in 0..12 {
                assert!(p.mean_min_c[m] < p.mean_max_c[m], "{} month {m}", p.id);
                // Dew point at or below the daily mean temperature (monthly means of humid air).
                assert!(p.mean_dew_point_c[m] <= (p.mean_max_c[m] + p.mean_min_c[m]) / 2.0 + 0.5, "{} {m}", p.id);
            }
            // Station pressure within 1 % of the standard atmosphere at its elevation.
            let std = 101_325.0 * (1.0 - 2.255_77e-5 * p.elevation_m).powf(5.2559);
            assert!((p.pressure_pa / std - 1.0).abs() < 0.01, "{}: {} vs {std}", p.id, p.pressure_pa);
            // The generated year's July daily maxima average to the normal within 1 K.
            let w = SyntheticWeather::new(p.climate(), 11);
            let july: Vec<f64> = (181..212)
                .map(|d| {
                    (0..24).map(|h| w.sample_at((d * 24 + h) as f64 * 3_600.0).dry_bulb_c).fold(f64::MIN, f64::max)
                })
                .collect();
            let mean = july.iter().sum::<f64>() / july.len() as f64;
            assert!((mean - p.mean_max_c[6]).abs() < 1.0, "{}: July max {mean} vs {}", p.id, p.mean_max_c[6]);
        }
    }
}
