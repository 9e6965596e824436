//! The scenario format: what the site cost to build and costs to run, and its embodied carbon.
//! Every field is optional; the defaults and their sources are in [`crate::economics::defaults`]
//! and docs/physics.md §6.

use serde::{Deserialize, Serialize};

use crate::economics::defaults as d;

/// Capital and running costs, lives, and embodied carbon.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EconomicsSpec {
    /// Weighted cost of capital, per year (0.0624 = 6.24 %).
    #[serde(default = "defaults::discount_rate")]
    pub discount_rate: f64,
    /// Building and fit-out (shell, site, white space, offices), € per MW of IT.
    #[serde(default = "defaults::building_eur_per_mw")]
    pub building_eur_per_mw: f64,
    /// Critical power and cooling plant (electrical chain, UPS, generators, cooling), € per kW
    /// of IT. The default covers all of it; lines priced below come on top, so lower this
    /// when you price parts of the plant apart (`dctwin check` warns when you do not).
    #[serde(default = "defaults::critical_eur_per_kw")]
    pub critical_eur_per_kw: f64,
    /// GPU servers with their network share, € per GPU.
    #[serde(default = "defaults::it_eur_per_gpu")]
    pub it_eur_per_gpu: f64,
    /// Racks without GPUs, € per kW of rack nameplate (default: not counted).
    #[serde(default)]
    pub it_eur_per_kw: f64,
    /// Diesel generator sets, € per kW of rating (default: inside `critical_eur_per_kw`).
    #[serde(default)]
    pub generators_eur_per_kw: f64,
    /// Diesel storage, € per m³ of tank (default: inside `critical_eur_per_kw`).
    #[serde(default)]
    pub fuel_storage_eur_per_m3: f64,
    /// UPS, € per kW of rating (default: inside `critical_eur_per_kw`).
    #[serde(default)]
    pub ups_eur_per_kw: f64,
    /// Chillers and their heat rejection, € per kW of chiller capacity (default: inside
    /// `critical_eur_per_kw`).
    #[serde(default)]
    pub chillers_eur_per_kw: f64,
    /// Liquid loops (CDUs, secondary pipework), € per kW of CDU capacity (default: inside
    /// `critical_eur_per_kw`).
    #[serde(default)]
    pub liquid_loops_eur_per_kw: f64,
    /// Building life, years.
    #[serde(default = "defaults::building_life_years")]
    pub building_life_years: f64,
    /// Power and cooling plant life, years.
    #[serde(default = "defaults::equipment_life_years")]
    pub equipment_life_years: f64,
    /// IT life, years.
    #[serde(default = "defaults::it_life_years")]
    pub it_life_years: f64,
    /// Water, €/m³.
    #[serde(default = "defaults::water_eur_per_m3")]
    pub water_eur_per_m3: f64,
    /// Diesel, €/L.
    #[serde(default = "defaults::diesel_eur_per_l")]
    pub diesel_eur_per_l: f64,
    /// Fixed cost of one tanker delivery, € (default: not counted).
    #[serde(default)]
    pub delivery_eur: f64,
    /// Yearly maintenance, share of facility (non-IT) capex.
    #[serde(default = "defaults::maintenance_share_per_year")]
    pub maintenance_share_per_year: f64,
    /// Price of a GPU-hour lost to a shutdown or a dark rack, € (default: the site's own
    /// all-in cost per GPU-hour).
    #[serde(default)]
    pub lost_gpu_hour_eur: Option<f64>,
    /// Embodied carbon per GPU, kg CO₂e.
    #[serde(default = "defaults::embodied_kg_per_gpu")]
    pub embodied_kg_per_gpu: f64,
    /// Embodied carbon of the facility per MW of IT, t CO₂e.
    #[serde(default = "defaults::embodied_t_per_mw")]
    pub embodied_t_per_mw: f64,
}

impl Default for EconomicsSpec {
    fn default() -> Self {
        ron::from_str("()").expect("every field has a default")
    }
}

/// Default values of optional fields; the constants carry their sources.
mod defaults {
    use super::d;

    pub(crate) fn discount_rate() -> f64 {
        d::DISCOUNT_RATE
    }
    pub(crate) fn building_eur_per_mw() -> f64 {
        d::BUILDING_EUR_PER_MW
    }
    pub(crate) fn critical_eur_per_kw() -> f64 {
        d::CRITICAL_EUR_PER_KW
    }
    pub(crate) fn it_eur_per_gpu() -> f64 {
        d::IT_EUR_PER_GPU
    }
    pub(crate) fn building_life_years() -> f64 {
        d::BUILDING_LIFE_YEARS
    }
    pub(crate) fn equipment_life_years() -> f64 {
        d::EQUIPMENT_LIFE_YEARS
    }
    pub(crate) fn it_life_years() -> f64 {
        d::IT_LIFE_YEARS
    }
    pub(crate) fn water_eur_per_m3() -> f64 {
        d::WATER_EUR_PER_M3
    }
    pub(crate) fn diesel_eur_per_l() -> f64 {
        d::DIESEL_EUR_PER_L
    }
    pub(crate) fn maintenance_share_per_year() -> f64 {
        d::MAINTENANCE_SHARE_PER_YEAR
    }
    pub(crate) fn embodied_kg_per_gpu() -> f64 {
        d::EMBODIED_KG_PER_GPU
    }
    pub(crate) fn embodied_t_per_mw() -> f64 {
        d::EMBODIED_KG_PER_MW / 1_000.0
    }
}
