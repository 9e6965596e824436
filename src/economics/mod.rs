//! Money and carbon: what the site costs to build and to run, and what it emits. See
//! [`EconomicsPlugin`].
//!
//! Each tick books the grid energy at that moment's price and carbon intensity (constant, or
//! one value per hour of the year, integrated exactly over a tick that straddles an hour):
//!
//! ```text
//! electricity €  = Σ_ticks ∫ P_grid(t) · price(t) dt
//! grid CO₂ kg    = Σ_ticks ∫ P_grid(t) · intensity(t) dt
//! ```
//!
//! At the end, [`assess`] turns the run into yearly figures (run totals × 8 760 h / run hours):
//!
//! ```text
//! capital recovery factor  CRF(r, n) = r / (1 − (1 + r)^−n)      (r = 0: 1/n)
//! annualised capex         Σ_lines quantity · €/unit · CRF(r, life)
//! opex / year              electricity + water m³ · €/m³ + diesel burned L · €/L + deliveries · €
//!                          + maintenance share · capex (excluding IT equipment)
//! TCO / year               annualised capex + opex
//! € per GPU-hour           TCO / GPU-hours worked per year
//! GPU-hours worked         Σ GPUs powered and not shut down × utilisation × hours
//! cost of load dropped     GPU-hours lost (shut down or unpowered) × €/GPU-hour lost
//! operational CO₂          grid CO₂ + diesel L × kg/L
//! embodied CO₂ / year      (GPUs × kg/GPU) / IT life + (MW built × kg/MW) / building life
//! ```
//!
//! The annuity and the defaults with their sources: docs/physics.md §6.

use bevy::prelude::*;
use serde::Serialize;

use crate::power::PowerBooks;
use crate::schedule::{MetricsPhase, SimClock, SimSchedule};

/// Hours in a (non-leap) year, the yearly scale of every "per year" figure.
pub const HOURS_PER_YEAR: f64 = 8_760.0;
/// Seconds per hour.
const S_PER_H: f64 = 3_600.0;

/// Defaults of the cost and carbon inputs, each with its source (docs/physics.md §6).
pub mod defaults {
    /// US dollars per euro, ECB reference rate, 2024 annual average (docs/physics.md §6.3).
    pub const USD_PER_EUR: f64 = 1.0824;
    /// Construction cost of a data centre, Europe average 2023: US$9.1 M = €8.4 M per MW of IT
    /// (Turner & Townsend DCCI 2023 via Savills; docs/physics.md §6.3).
    pub const CONSTRUCTION_EUR_PER_MW: f64 = 8.4e6;
    /// Share of a build that is not critical power and cooling plant: shell 21 %, site 10 %,
    /// white-space fit-out 10 %, back of house 4 %, office 2 % (Cushman & Wakefield, Data
    /// Center Development Cost Guide 2025; docs/physics.md §6.3).
    pub const BUILDING_SHARE: f64 = 0.47;
    /// Building and fit-out, €/MW of IT: [`CONSTRUCTION_EUR_PER_MW`] × [`BUILDING_SHARE`].
    pub const BUILDING_EUR_PER_MW: f64 = CONSTRUCTION_EUR_PER_MW * BUILDING_SHARE;
    /// Critical power and cooling plant (electrical chain, UPS, generators, cooling), €/kW of
    /// IT: the remaining 53 % of [`CONSTRUCTION_EUR_PER_MW`] (docs/physics.md §6.3). Lines
    /// priced on their own (generators, chillers, liquid loops, fuel storage, UPS) come on
    /// top only when a scenario prices them.
    pub const CRITICAL_EUR_PER_KW: f64 = CONSTRUCTION_EUR_PER_MW * (1.0 - BUILDING_SHARE) / 1_000.0;
    /// Installed cost of an H100-class GPU (server and network share): all-in cluster cost
    /// $46–52 k per GPU, midpoint $49 k (docs/physics.md §6.3) at [`USD_PER_EUR`].
    pub const IT_EUR_PER_GPU: f64 = 49_000.0 / USD_PER_EUR;
    /// Weighted cost of capital, per year: NREL REopt default 6.24 % (docs/physics.md §6.3;
    /// a US figure, no European data-centre WACC was found).
    pub const DISCOUNT_RATE: f64 = 0.0624;
    /// Building life, years: within the 5–39 years Digital Realty depreciates buildings over
    /// (10-K FY2017; docs/physics.md §6.3).
    pub const BUILDING_LIFE_YEARS: f64 = 30.0;
    /// Plant life, years: the upper end of Digital Realty's 7–15 years for machinery and
    /// equipment (docs/physics.md §6.3).
    pub const EQUIPMENT_LIFE_YEARS: f64 = 15.0;
    /// IT life, years: Amazon and Meta depreciate servers over 5 years (docs/physics.md §6.3).
    pub const IT_LIFE_YEARS: f64 = 5.0;
    /// Water, €/m³ excluding VAT: Waternet (Amsterdam) 2025 tariff €1.22 + €0.425 tax
    /// (docs/physics.md §6.2).
    pub const WATER_EUR_PER_M3: f64 = 1.645;
    /// Diesel, €/L: EU average pump price with taxes, January 2024 (docs/physics.md §6.2).
    pub const DIESEL_EUR_PER_L: f64 = 1.495;
    /// Yearly maintenance, share of facility capex: ≈ 3 % (NREL REopt generator O&M
    /// $20/kW-yr on $650/kW; docs/physics.md §6.3).
    pub const MAINTENANCE_SHARE_PER_YEAR: f64 = 0.03;
    /// Embodied carbon of one H100 GPU, kg CO₂e: the HGX H100 8-GPU baseboard's 1,312 kg
    /// cradle-to-gate (NVIDIA product carbon footprint) / 8 — a lower bound, the board only
    /// (docs/physics.md §6.1).
    pub const EMBODIED_KG_PER_GPU: f64 = 1_312.0 / 8.0;
    /// Embodied carbon of building a data centre, kg CO₂e per MW of IT: "up to 4,500 t"
    /// (Currie & Brown 2024) — an upper bound (docs/physics.md §6.1).
    pub const EMBODIED_KG_PER_MW: f64 = 4.5e6;
}

/// A country's grid carbon intensity with its year and source.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GridPreset {
    /// ISO 3166-1 alpha-2 code.
    pub country: &'static str,
    /// Life-cycle carbon intensity of electricity generation, g CO₂e/kWh.
    pub g_per_kwh: f64,
    /// Year of the figure.
    pub year: u16,
}

/// Source of every [`GRID_PRESETS`] value.
pub const GRID_PRESET_SOURCE: &str =
    "Ember via Our World in Data, carbon_intensity_elec, energy-data release of January 2026 (docs/physics.md §6.1)";

/// Grid carbon intensity presets, 2024, life cycle (Ember via Our World in Data; docs/physics.md §6.1).
pub const GRID_PRESETS: &[GridPreset] = &[
    GridPreset { country: "FR", g_per_kwh: 40.48, year: 2024 },
    GridPreset { country: "DE", g_per_kwh: 336.38, year: 2024 },
    GridPreset { country: "NL", g_per_kwh: 250.72, year: 2024 },
    GridPreset { country: "PL", g_per_kwh: 608.18, year: 2024 },
    GridPreset { country: "ES", g_per_kwh: 146.22, year: 2024 },
    GridPreset { country: "SE", g_per_kwh: 34.91, year: 2024 },
];

/// The preset of `country` (ISO code, any case).
pub fn grid_preset(country: &str) -> Option<&'static GridPreset> {
    GRID_PRESETS.iter().find(|p| p.country.eq_ignore_ascii_case(country))
}

/// A rate that is constant or steps hour by hour through the year (hour 0 starts 1 January
/// 00:00; a series shorter than the run repeats).
#[derive(Clone, Debug, PartialEq)]
pub enum HourlyRate {
    /// The same value all year.
    Constant(f64),
    /// One value per hour of the year.
    Hourly(Vec<f64>),
}

impl HourlyRate {
    /// The value in force at `time_of_year_s`.
    pub fn at(&self, time_of_year_s: f64) -> f64 {
        match self {
            HourlyRate::Constant(v) => *v,
            HourlyRate::Hourly(v) if v.is_empty() => 0.0,
            HourlyRate::Hourly(v) => {
                let hour = (time_of_year_s / S_PER_H).floor().rem_euclid(v.len() as f64) as usize;
                v[hour.min(v.len() - 1)]
            }
        }
    }

    /// Mean value over `[t0, t0 + dt]` (seconds of the year), integrated exactly over the hours
    /// the interval touches.
    pub fn mean_over(&self, t0_s: f64, dt_s: f64) -> f64 {
        let HourlyRate::Hourly(_) = self else { return self.at(t0_s) };
        if dt_s <= 0.0 {
            return self.at(t0_s);
        }
        let (mut t, end, mut sum) = (t0_s, t0_s + dt_s, 0.0);
        while t < end {
            let next = ((t / S_PER_H).floor() + 1.0) * S_PER_H;
            let stop = next.min(end);
            sum += self.at(t) * (stop - t);
            t = stop;
        }
        sum / dt_s
    }

    /// Mean over the whole series (the constant itself when constant).
    pub fn mean(&self) -> f64 {
        match self {
            HourlyRate::Constant(v) => *v,
            HourlyRate::Hourly(v) => v.iter().sum::<f64>() / v.len().max(1) as f64,
        }
    }
}

/// What a line of capital cost pays for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CapexClass {
    /// Shell, site, white-space fit-out, fire, offices: per MW of IT.
    Building,
    /// GPU servers and their network share: per GPU.
    ItGpus,
    /// Racks without GPUs: per kW of rack nameplate.
    ItOther,
    /// Diesel generator sets: per kW of rating.
    Generators,
    /// Diesel storage: per m³ of tank.
    FuelStorage,
    /// UPS: per kW of rating.
    Ups,
    /// The critical power and cooling plant (electrical chain, UPS, generators, cooling) not
    /// priced by a line of its own: per kW of IT.
    CriticalPlant,
    /// Chillers and their heat rejection: per kW of chiller capacity.
    Chillers,
    /// Liquid loops (CDUs, secondary pipework): per kW of CDU capacity.
    LiquidLoops,
}

impl CapexClass {
    /// IT equipment (not maintained out of the facility budget, replaced on the IT cycle).
    pub fn is_it(self) -> bool {
        matches!(self, CapexClass::ItGpus | CapexClass::ItOther)
    }
}

/// One line of capital cost: a quantity, its unit price and how long it lasts.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CapexLine {
    /// What it pays for.
    pub class: CapexClass,
    /// How many units.
    pub quantity: f64,
    /// The unit (`MW`, `GPU`, `kW`, `m³`).
    pub unit: &'static str,
    /// Price per unit, €.
    pub eur_per_unit: f64,
    /// Service life, years.
    pub life_years: f64,
}

impl CapexLine {
    /// The line's capital cost, €.
    pub fn capex_eur(&self) -> f64 {
        self.quantity * self.eur_per_unit
    }

    /// Its equivalent yearly payment at `discount_rate`, €/year.
    pub fn annualised_eur(&self, discount_rate: f64) -> f64 {
        self.capex_eur() * capital_recovery_factor(discount_rate, self.life_years)
    }
}

/// The capital recovery factor: the yearly payment that repays 1 € over `years` at `rate`
/// (annuity formula `r / (1 − (1 + r)^−n)`; `1/n` at a zero rate).
pub fn capital_recovery_factor(rate: f64, years: f64) -> f64 {
    if years <= 0.0 {
        return 0.0;
    }
    if rate.abs() < 1e-12 { 1.0 / years } else { rate / (1.0 - (1.0 + rate).powf(-years)) }
}

/// The site's costs: what it was built with and what it pays to run.
#[derive(Resource, Clone, Debug, PartialEq)]
pub struct CostModel {
    /// Capital cost lines.
    pub capex: Vec<CapexLine>,
    /// Discount rate (weighted cost of capital), per year.
    pub discount_rate: f64,
    /// Electricity price, €/MWh.
    pub electricity_eur_per_mwh: HourlyRate,
    /// Water price, €/m³.
    pub water_eur_per_m3: f64,
    /// Diesel price, €/L.
    pub diesel_eur_per_l: f64,
    /// Fixed cost of one tanker delivery, €.
    pub delivery_eur: f64,
    /// Yearly maintenance as a share of facility (non-IT) capex.
    pub maintenance_share_per_year: f64,
    /// Price of a GPU-hour lost to a shutdown or a dark rack, € (none: the site's own all-in
    /// cost per GPU-hour).
    pub lost_gpu_hour_eur: Option<f64>,
    /// IT capacity the site was built for (rack nameplate), MW.
    pub it_mw: f64,
}

/// The site's carbon factors.
#[derive(Resource, Clone, Debug, PartialEq)]
pub struct CarbonModel {
    /// Grid carbon intensity, g CO₂e/kWh.
    pub grid_g_per_kwh: HourlyRate,
    /// Where the intensity comes from (a country preset with its year and source, a file, or
    /// "scenario").
    pub grid_source: String,
    /// CO₂ per litre of diesel burned, kg/L.
    pub diesel_kg_per_l: f64,
    /// Embodied carbon of one GPU (server share), kg CO₂e.
    pub embodied_kg_per_gpu: f64,
    /// Embodied carbon of the facility per MW of IT built, kg CO₂e.
    pub embodied_kg_per_mw: f64,
    /// GPUs on site.
    pub gpus: f64,
    /// IT capacity built, MW.
    pub it_mw: f64,
    /// Life over which the GPUs' embodied carbon is spread, years.
    pub it_life_years: f64,
    /// Life over which the facility's embodied carbon is spread, years.
    pub building_life_years: f64,
}

/// Money and carbon booked tick by tick.
#[derive(Resource, Clone, Debug, Default, PartialEq)]
pub struct Ledger {
    /// Grid electricity bought, €.
    pub electricity_eur: f64,
    /// Grid CO₂, kg.
    pub grid_co2_kg: f64,
}

/// The economics domain: books grid energy at the hour's price and intensity.
#[derive(Default)]
pub struct EconomicsPlugin;

impl Plugin for EconomicsPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<Ledger>().add_systems(SimSchedule, book_grid_energy.in_set(MetricsPhase::Books));
    }
}

/// Books this tick's grid energy at the mean price and intensity over the tick.
fn book_grid_energy(
    clock: Res<SimClock>,
    power: Res<PowerBooks>,
    cost: Option<Res<CostModel>>,
    carbon: Option<Res<CarbonModel>>,
    mut ledger: ResMut<Ledger>,
) {
    let (t0, dt) = (clock.time_of_year_s(), clock.dt_s());
    let grid_kwh = power.grid_kw * dt / S_PER_H;
    if let Some(c) = cost {
        ledger.electricity_eur += grid_kwh * c.electricity_eur_per_mwh.mean_over(t0, dt) / 1_000.0;
    }
    if let Some(c) = carbon {
        ledger.grid_co2_kg += grid_kwh * c.grid_g_per_kwh.mean_over(t0, dt) / 1_000.0;
    }
}

/// What the run used, as the economics needs it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Usage {
    /// Simulated hours.
    pub hours: f64,
    /// Grid energy, kWh.
    pub grid_kwh: f64,
    /// Water used, L.
    pub water_l: f64,
    /// Diesel burned, L.
    pub fuel_burned_l: f64,
    /// Tankers unloaded.
    pub deliveries: u32,
    /// GPU-hours worked (powered, not shut down, × utilisation).
    pub gpu_hours_worked: f64,
    /// GPU-hours lost (shut down or unpowered).
    pub gpu_hours_lost: f64,
}

/// A capex class's share of the total.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CapexShare {
    /// The class.
    pub class: CapexClass,
    /// How many units.
    pub quantity: f64,
    /// Unit of the quantity.
    pub unit: &'static str,
    /// Capital cost, €.
    pub capex_eur: f64,
    /// Annualised, €/year.
    pub annualised_eur_per_year: f64,
}

/// The cost of ownership, per year.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct CostReport {
    /// Capital cost, €.
    pub capex_eur: f64,
    /// Capital cost by class.
    pub capex_lines: Vec<CapexShare>,
    /// Capex annualised with the capital recovery factor, €/year.
    pub capex_eur_per_year: f64,
    /// Grid electricity, €/year.
    pub electricity_eur_per_year: f64,
    /// Water, €/year.
    pub water_eur_per_year: f64,
    /// Diesel: litres burned × price (what must be bought back), plus each delivery's fixed
    /// cost, €/year.
    pub diesel_eur_per_year: f64,
    /// Maintenance, €/year.
    pub maintenance_eur_per_year: f64,
    /// Opex, €/year.
    pub opex_eur_per_year: f64,
    /// Total cost of ownership, €/year.
    pub tco_eur_per_year: f64,
    /// TCO per MW of IT built, €/MW/year.
    pub tco_eur_per_mw_it_year: f64,
    /// GPU-hours worked per year.
    pub gpu_hours_per_year: f64,
    /// All-in cost of a GPU-hour worked, € (absent without GPUs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eur_per_gpu_hour: Option<f64>,
    /// GPU-hours lost per year.
    pub gpu_hours_lost_per_year: f64,
    /// Cost of the GPU-hours lost, €/year.
    pub lost_load_eur_per_year: f64,
}

/// Carbon, per year.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct CarbonReport {
    /// Where the grid intensity comes from.
    pub grid_source: String,
    /// Mean grid intensity weighted by the run's grid energy (the series mean when no grid
    /// energy was drawn), g CO₂e/kWh.
    pub grid_g_per_kwh: f64,
    /// Grid CO₂, t/year.
    pub grid_t_per_year: f64,
    /// Diesel CO₂, t/year.
    pub diesel_t_per_year: f64,
    /// Operational CO₂ (grid + diesel), t/year.
    pub operational_t_per_year: f64,
    /// Embodied CO₂ of the GPUs and the facility, t.
    pub embodied_t: f64,
    /// Embodied CO₂ spread over the lives, t/year.
    pub embodied_t_per_year: f64,
    /// Operational CO₂ per GPU-hour worked, g (none without GPUs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operational_g_per_gpu_hour: Option<f64>,
    /// Operational and embodied CO₂ per GPU-hour worked, g (none without GPUs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_g_per_gpu_hour: Option<f64>,
}

/// Factor from a run of `hours` to a year: 8,760 h / run hours (0 for an empty run).
pub fn year_scale(hours: f64) -> f64 {
    if hours > 0.0 { HOURS_PER_YEAR / hours } else { 0.0 }
}

/// Yearly cost and carbon of a run.
pub fn assess(cost: &CostModel, carbon: &CarbonModel, ledger: &Ledger, use_: &Usage) -> (CostReport, CarbonReport) {
    let per_year = year_scale(use_.hours);
    let capex_lines: Vec<CapexShare> = cost
        .capex
        .iter()
        .map(|l| CapexShare {
            class: l.class,
            quantity: l.quantity,
            unit: l.unit,
            capex_eur: l.capex_eur(),
            annualised_eur_per_year: l.annualised_eur(cost.discount_rate),
        })
        .collect();
    let capex_eur: f64 = capex_lines.iter().map(|l| l.capex_eur).sum();
    let capex_eur_per_year: f64 = capex_lines.iter().map(|l| l.annualised_eur_per_year).sum();
    let facility_capex: f64 = capex_lines.iter().filter(|l| !l.class.is_it()).map(|l| l.capex_eur).sum();
    let electricity = ledger.electricity_eur * per_year;
    let water = use_.water_l / 1_000.0 * cost.water_eur_per_m3 * per_year;
    // The diesel burned is the diesel to buy back (the first fill is part of the build).
    let diesel =
        (use_.fuel_burned_l * cost.diesel_eur_per_l + f64::from(use_.deliveries) * cost.delivery_eur) * per_year;
    let maintenance = facility_capex * cost.maintenance_share_per_year;
    let opex = electricity + water + diesel + maintenance;
    let tco = capex_eur_per_year + opex;
    let gpu_hours = use_.gpu_hours_worked * per_year;
    let per_gpu_hour = |x: f64| (gpu_hours > 0.0).then(|| x / gpu_hours);
    let eur_per_gpu_hour = per_gpu_hour(tco);
    let lost = use_.gpu_hours_lost * per_year;
    let lost_price = cost.lost_gpu_hour_eur.or(eur_per_gpu_hour).unwrap_or(0.0);
    let costs = CostReport {
        capex_eur,
        capex_lines,
        capex_eur_per_year,
        electricity_eur_per_year: electricity,
        water_eur_per_year: water,
        diesel_eur_per_year: diesel,
        maintenance_eur_per_year: maintenance,
        opex_eur_per_year: opex,
        tco_eur_per_year: tco,
        tco_eur_per_mw_it_year: if cost.it_mw > 0.0 { tco / cost.it_mw } else { 0.0 },
        gpu_hours_per_year: gpu_hours,
        eur_per_gpu_hour,
        gpu_hours_lost_per_year: lost,
        lost_load_eur_per_year: lost * lost_price,
    };
    let grid_t = ledger.grid_co2_kg / 1_000.0 * per_year;
    let diesel_t = use_.fuel_burned_l * carbon.diesel_kg_per_l / 1_000.0 * per_year;
    let embodied_gpu_t = carbon.gpus * carbon.embodied_kg_per_gpu / 1_000.0;
    let embodied_building_t = carbon.it_mw * carbon.embodied_kg_per_mw / 1_000.0;
    let spread = |t: f64, life: f64| if life > 0.0 { t / life } else { 0.0 };
    let embodied_per_year =
        spread(embodied_gpu_t, carbon.it_life_years) + spread(embodied_building_t, carbon.building_life_years);
    let operational = grid_t + diesel_t;
    let carbon_report = CarbonReport {
        grid_source: carbon.grid_source.clone(),
        grid_g_per_kwh: if use_.grid_kwh > 0.0 {
            ledger.grid_co2_kg * 1_000.0 / use_.grid_kwh
        } else {
            carbon.grid_g_per_kwh.mean()
        },
        grid_t_per_year: grid_t,
        diesel_t_per_year: diesel_t,
        operational_t_per_year: operational,
        embodied_t: embodied_gpu_t + embodied_building_t,
        embodied_t_per_year: embodied_per_year,
        operational_g_per_gpu_hour: per_gpu_hour(operational * 1e6),
        total_g_per_gpu_hour: per_gpu_hour((operational + embodied_per_year) * 1e6),
    };
    (costs, carbon_report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capital_recovery_factor_is_the_annuity() {
        // 1 € over 10 years at 8 %: 0.149 029 5 €/year (standard annuity table value).
        assert!((capital_recovery_factor(0.08, 10.0) - 0.149_029_5).abs() < 1e-7);
        // Paying it back: the present value of n payments of CRF at r is 1.
        let (r, n) = (0.07, 25.0);
        let crf = capital_recovery_factor(r, n);
        let pv: f64 = (1..=25).map(|k| crf / (1.0_f64 + r).powi(k)).sum();
        assert!((pv - 1.0).abs() < 1e-12, "{pv}");
        assert_eq!(capital_recovery_factor(0.0, 4.0), 0.25);
    }

    #[test]
    fn an_hourly_rate_is_integrated_across_the_hours_a_tick_touches() {
        let r = HourlyRate::Hourly(vec![10.0, 20.0, 30.0]);
        assert_eq!(r.at(0.0), 10.0);
        assert_eq!(r.at(3_599.9), 10.0);
        assert_eq!(r.at(3_600.0), 20.0);
        // Wraps after three hours.
        assert_eq!(r.at(3.0 * 3_600.0 + 1.0), 10.0);
        // Half an hour in hour 0, a whole hour 1, half an hour in hour 2: (5 + 20 + 15) / 2.
        assert!((r.mean_over(1_800.0, 7_200.0) - 20.0).abs() < 1e-12);
        assert_eq!(HourlyRate::Constant(7.0).mean_over(123.0, 4_567.0), 7.0);
    }

    fn model() -> (CostModel, CarbonModel) {
        let cost = CostModel {
            capex: vec![
                CapexLine {
                    class: CapexClass::Building,
                    quantity: 1.0,
                    unit: "MW",
                    eur_per_unit: 8e6,
                    life_years: 25.0,
                },
                CapexLine {
                    class: CapexClass::ItGpus,
                    quantity: 1000.0,
                    unit: "GPU",
                    eur_per_unit: 40e3,
                    life_years: 5.0,
                },
            ],
            discount_rate: 0.08,
            electricity_eur_per_mwh: HourlyRate::Constant(80.0),
            water_eur_per_m3: 3.0,
            diesel_eur_per_l: 1.5,
            delivery_eur: 500.0,
            maintenance_share_per_year: 0.02,
            lost_gpu_hour_eur: None,
            it_mw: 1.0,
        };
        let carbon = CarbonModel {
            grid_g_per_kwh: HourlyRate::Constant(56.0),
            grid_source: "test".into(),
            diesel_kg_per_l: 2.65,
            embodied_kg_per_gpu: 2_000.0,
            embodied_kg_per_mw: 1.0e6,
            gpus: 1000.0,
            it_mw: 1.0,
            it_life_years: 5.0,
            building_life_years: 25.0,
        };
        (cost, carbon)
    }

    #[test]
    fn a_year_of_costs_matches_the_hand_calculation() {
        let (cost, carbon) = model();
        // Half a year: 4 380 h at 1.3 MW from the grid.
        let grid_kwh = 1_300.0 * 4_380.0;
        let ledger = Ledger { electricity_eur: grid_kwh * 80.0 / 1_000.0, grid_co2_kg: grid_kwh * 56.0 / 1_000.0 };
        let usage = Usage {
            hours: 4_380.0,
            grid_kwh,
            water_l: 5.0e6,
            fuel_burned_l: 1_000.0,
            deliveries: 1,
            gpu_hours_worked: 1000.0 * 4_380.0 * 0.8,
            gpu_hours_lost: 100.0,
        };
        let (c, k) = assess(&cost, &carbon, &ledger, &usage);
        let capex_year = 8e6 * 0.08 / (1.0 - 1.08_f64.powf(-25.0)) + 40e6 * 0.08 / (1.0 - 1.08_f64.powf(-5.0));
        assert!((c.capex_eur - 48e6).abs() < 1e-6);
        assert!((c.capex_eur_per_year - capex_year).abs() < 1e-6);
        // Diesel: the 1,000 L burned are bought back at 1.5 €/L, plus one delivery.
        let opex = 2.0 * (grid_kwh * 0.08 + 5_000.0 * 3.0 + 1_000.0 * 1.5 + 500.0) + 0.02 * 8e6;
        assert!((c.opex_eur_per_year - opex).abs() < 1e-6, "{} vs {opex}", c.opex_eur_per_year);
        let gpu_h = 1000.0 * 8_760.0 * 0.8;
        let per_h = (capex_year + opex) / gpu_h;
        assert!((c.eur_per_gpu_hour.unwrap() - per_h).abs() < 1e-12);
        assert!((c.lost_load_eur_per_year - 200.0 * per_h).abs() < 1e-9);
        // CO₂ = Σ grid energy × intensity + diesel; embodied spread over the lives.
        let op_t = 2.0 * (grid_kwh * 56.0 / 1e6 + 1_000.0 * 2.65 / 1e3);
        assert!((k.operational_t_per_year - op_t).abs() < 1e-9);
        assert!((k.embodied_t_per_year - (2_000.0 / 5.0 + 1_000.0 / 25.0)).abs() < 1e-9);
        assert!((k.total_g_per_gpu_hour.unwrap() - (op_t + 440.0) * 1e6 / gpu_h).abs() < 1e-9);
        assert!((k.grid_g_per_kwh - 56.0).abs() < 1e-12);
    }

    #[test]
    fn a_site_without_gpus_has_no_cost_per_gpu_hour() {
        let (cost, carbon) = model();
        let usage = Usage { hours: 24.0, ..Default::default() };
        let (c, k) = assess(&cost, &carbon, &Ledger::default(), &usage);
        assert_eq!(c.eur_per_gpu_hour, None);
        assert_eq!(k.total_g_per_gpu_hour, None);
        assert_eq!(c.lost_load_eur_per_year, 0.0);
    }
}
