//! The scenario format: the site: location, grid connection and weather.

use serde::{Deserialize, Serialize};

use crate::scenario::*;

/// The site: where it is and how it connects to the grid.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteSpec {
    /// Site name.
    #[serde(default)]
    pub name: String,
    /// Altitude above sea level (sets barometric pressure for psychrometrics), m.
    #[serde(default)]
    pub altitude_m: f64,
    /// Grid connection.
    pub grid: GridSpec,
}

/// The contracted grid connection.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GridSpec {
    /// Contracted import capacity, kW (exceeding it raises an alarm).
    pub capacity_kw: f64,
    /// Carbon intensity of grid electricity, gCO2e/kWh (docs/physics.md §6.1: FR 30, DE 350, PL 650).
    pub carbon_g_per_kwh: f64,
    /// Electricity price, €/MWh (docs/physics.md §6.2).
    pub price_eur_per_mwh: f64,
}

/// Outdoor weather source.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum WeatherSpec {
    /// Fixed conditions (tests, design-day checks).
    Constant {
        /// Dry-bulb temperature, °C.
        dry_bulb_c: f64,
        /// Relative humidity, %.
        rh_pct: f64,
    },
    /// A seeded synthetic diurnal profile.
    Diurnal {
        /// Daily mean dry bulb, °C.
        mean_c: f64,
        /// Peak-to-peak daily swing, K.
        swing_k: f64,
        /// Dew point (roughly constant over a day), °C.
        dew_point_c: f64,
        /// Standard deviation of slow random anomalies, K.
        #[serde(default)]
        noise_k: f64,
        /// Heat waves on top of the profile.
        #[serde(default)]
        heatwaves: Vec<Heatwave>,
    },
    /// A synthetic year from climate normals (`climate: "paris"`), seeded by the scenario seed.
    Synthetic {
        /// Climate preset id.
        climate: String,
        /// Extra heat waves.
        #[serde(default)]
        heatwaves: Vec<Heatwave>,
    },
    /// An EnergyPlus weather file (path relative to the scenario file, or under `assets/`).
    Epw {
        /// Path of the `.epw` file.
        file: String,
        /// Heat waves added on top of the file ("what if a heat wave hit this year").
        #[serde(default)]
        heatwaves: Vec<Heatwave>,
    },
}
