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

/// The contracted grid connection, its carbon intensity and its price.
///
/// The intensity comes from exactly one of `carbon_g_per_kwh`, `country` (a preset with its
/// year and source, docs/physics.md §6.1) or `carbon_series` (a CSV of 8,760 hourly values);
/// the price from `price_eur_per_mwh` or `price_series`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GridSpec {
    /// Contracted import capacity, kW (exceeding it raises an alarm).
    pub capacity_kw: f64,
    /// Carbon intensity of grid electricity, constant, g CO₂e/kWh (docs/physics.md §6.1).
    #[serde(default)]
    pub carbon_g_per_kwh: Option<f64>,
    /// Country whose grid intensity preset applies (`"FR"`, `"DE"`, `"NL"`, `"PL"`, `"ES"`,
    /// `"SE"`; docs/physics.md §6.1).
    #[serde(default)]
    pub country: Option<String>,
    /// CSV of hourly carbon intensity, g CO₂e/kWh: a header with a `g_per_kwh` column and one
    /// row per hour of the year from 1 January 00:00 (path relative to the scenario).
    #[serde(default)]
    pub carbon_series: Option<String>,
    /// Electricity price, constant, €/MWh (docs/physics.md §6.2).
    #[serde(default)]
    pub price_eur_per_mwh: Option<f64>,
    /// CSV of hourly electricity prices, €/MWh: a header with an `eur_per_mwh` column and one
    /// row per hour of the year (path relative to the scenario).
    #[serde(default)]
    pub price_series: Option<String>,
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
