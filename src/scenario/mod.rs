//! Scenario files: what a user writes (RON), how it is read, checked and turned into a world.
//!
//! - [`Scenario`] and the `*Spec` types are the file format; every field carries its unit in
//!   its name (or is a [`SimDuration`]); unknown fields are rejected.
//! - [`load`] reads a file and reports syntax errors as `file:line:col`.
//! - [`expand`] unrolls the compact forms (`each: "1-16"` with `{n}` in ids, row ranges with
//!   `{row}` in feed names) into a flat [`expand::Plant`].
//! - [`validate`] checks references, ranges and the electrical graph; each problem names its
//!   place in the file (located by [`locate`]), what was expected and a hint.
//! - [`build`] spawns the entities of every domain plugin.

pub mod build;
pub mod expand;
pub mod load;
pub mod locate;
pub mod validate;

use serde::{Deserialize, Serialize};

use crate::catalog::Catalog;
use crate::metrics::expect::Expectation;
use crate::units::SimDuration;

pub use load::{ScenarioError, load_file, parse_str};

// Model types the file format reads directly: the model owns them (dependencies run one way,
// scenario → model); the schema below names them where a file writes them.
pub use crate::cooling::evaporative::EvaporativeStages;
pub use crate::cooling::{Condenser, FanControl, HeatRejection};
pub use crate::events::{Action, FeedIds};
pub use crate::fuel::{TankKind, TankerLogistics};
pub use crate::load::LoadProfile;
pub use crate::power::breaker::{BreakerStandard, TripCurve};
pub use crate::power::generator::FuelCurve;
pub use crate::power::ups::{BatteryParams, Chemistry, LossCoefficients, UpsMode};
pub use crate::power::{DistributionKind, Redundancy};
pub use crate::thermal::Containment;
pub use crate::weather::Heatwave;

fn one_second() -> SimDuration {
    SimDuration::from_secs(1)
}
fn one_minute() -> SimDuration {
    SimDuration::from_secs(60)
}

/// A whole scenario: site, equipment, weather, load, events and expectations.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Short name shown in reports.
    pub name: String,
    /// What the scenario demonstrates.
    #[serde(default)]
    pub description: String,
    /// Seed of every random draw (workload noise, failures, synthetic weather).
    #[serde(default)]
    pub seed: u64,
    /// Simulated length of the run.
    pub duration: SimDuration,
    /// Simulation step (default 1 s); the shortest tick when `max_tick` is longer.
    #[serde(default = "one_second")]
    pub tick: SimDuration,
    /// Longest tick of an adaptive run (see [`crate::adaptive`]); unset or equal to `tick`:
    /// fixed step.
    #[serde(default)]
    pub max_tick: Option<SimDuration>,
    /// Calendar position of t = 0 (for weather).
    #[serde(default)]
    pub start: StartSpec,
    /// Output settings.
    #[serde(default)]
    pub output: OutputSpec,
    /// Site: altitude, grid connection.
    pub site: SiteSpec,
    /// Outdoor weather.
    pub weather: WeatherSpec,
    /// Catalog entries added to or replacing the built-in ones.
    #[serde(default)]
    pub catalog: Catalog,
    /// Electrical plant.
    pub power: PowerSpec,
    /// Diesel storage and logistics.
    #[serde(default)]
    pub fuel: FuelSpec,
    /// Central cooling plant: chilled water and liquid loops shared by halls.
    #[serde(default)]
    pub plant: PlantSpec,
    /// Data halls with their racks and air-side cooling.
    pub halls: Vec<HallSpec>,
    /// Workload profiles referred to by rack rows.
    #[serde(default)]
    pub workloads: Vec<WorkloadSpec>,
    /// Scripted events.
    #[serde(default)]
    pub events: Vec<EventSpec>,
    /// Pass/fail conditions on the run's summary, e.g. `"max_inlet_c <= 32"`.
    #[serde(default)]
    pub expectations: Vec<Expectation>,
}

/// Calendar position of the start of the run.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StartSpec {
    /// Month 1–12.
    pub month: u32,
    /// Day of month 1–31.
    pub day: u32,
    /// Hour of day 0–24 (fractions allowed), local standard time.
    #[serde(default)]
    pub hour: f64,
}

impl Default for StartSpec {
    fn default() -> Self {
        Self { month: 1, day: 1, hour: 0.0 }
    }
}

/// Days before the first of each month in a non-leap year.
const DAYS_BEFORE_MONTH: [u32; 12] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
/// Days in each month of a non-leap year.
pub const DAYS_IN_MONTH: [u32; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

impl StartSpec {
    /// Seconds from 1 January 00:00 to this start (non-leap year).
    pub fn seconds_of_year(&self) -> f64 {
        let m = self.month.clamp(1, 12) as usize - 1;
        let days = DAYS_BEFORE_MONTH[m] + self.day.saturating_sub(1);
        f64::from(days) * 86_400.0 + self.hour * 3_600.0
    }
}

/// Output settings.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct OutputSpec {
    /// Interval between rows of `timeseries.csv` (default 1 min; the CLI may override).
    #[serde(default = "one_minute")]
    pub interval: SimDuration,
}

impl Default for OutputSpec {
    fn default() -> Self {
        Self { interval: one_minute() }
    }
}

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

/// The electrical plant, from utility feeds down to rack feeds (docs/physics.md §4).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PowerSpec {
    /// Utility feeds.
    pub utilities: Vec<UtilitySpec>,
    /// MV/LV transformers.
    #[serde(default)]
    pub transformers: Vec<TransformerSpec>,
    /// Diesel generator sets.
    #[serde(default)]
    pub generators: Vec<GeneratorSpec>,
    /// Paralleled generator groups (one bus each).
    #[serde(default)]
    pub generator_groups: Vec<GeneratorGroupSpec>,
    /// Main switchboards, each with an automatic transfer switch.
    pub switchboards: Vec<SwitchboardSpec>,
    /// UPS systems.
    #[serde(default)]
    pub ups: Vec<UpsSpec>,
    /// PDUs, busways and RPPs, each with its breaker.
    #[serde(default)]
    pub distribution: Vec<DistributionSpec>,
}

/// A utility feed.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UtilitySpec {
    /// Unique id.
    pub id: String,
    /// Feed capacity, kW.
    pub capacity_kw: f64,
}

/// An MV/LV transformer: no-load and load losses (docs/physics.md §4.1, EU Ecodesign Tier 2 shape).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransformerSpec {
    /// Unique id (`{n}` expands with `each`).
    pub id: String,
    /// Expand into one transformer per number, e.g. `"1-4"`.
    #[serde(default)]
    pub each: Option<crate::ranges::RangeSpec>,
    /// Second level of expansion: one copy per number for each `each` number, `{k}` in ids.
    #[serde(default)]
    pub per: Option<crate::ranges::RangeSpec>,
    /// Upstream utility feed id.
    pub from: String,
    /// Rating, kVA.
    pub rating_kva: f64,
    /// No-load (iron) loss as a share of rating, % (default 0.07: P0 ≈ 693 W per 1000 kVA).
    #[serde(default = "defaults::tx_no_load_pct")]
    pub no_load_loss_pct: f64,
    /// Load (copper) loss at rated current as a share of rating, % (default 0.76: Pk ≈ 7.6 kW per 1000 kVA).
    #[serde(default = "defaults::tx_load_pct")]
    pub load_loss_pct: f64,
    /// Load power factor used to turn kW into kVA.
    #[serde(default = "defaults::power_factor")]
    pub power_factor: f64,
}

/// A diesel generator set (docs/physics.md §4.3–4.4, §5.1).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GeneratorSpec {
    /// Unique id (`{n}` expands with `each`).
    pub id: String,
    /// Expand into one set per number.
    #[serde(default)]
    pub each: Option<crate::ranges::RangeSpec>,
    /// Second level of expansion: one copy per number for each `each` number, `{k}` in ids.
    #[serde(default)]
    pub per: Option<crate::ranges::RangeSpec>,
    /// Electrical rating at PF 0.8, kWe.
    pub rating_kw: f64,
    /// Start signal to ready-to-load (NFPA 110 Type 10: ≤ 10 s).
    #[serde(default = "defaults::gen_start")]
    pub start_delay: SimDuration,
    /// Probability that a start attempt fails (seeded draw).
    #[serde(default)]
    pub fail_to_start_probability: f64,
    /// Tank it draws from (day tank or bulk tank id; `{n}` and `{k}` expand).
    pub tank: String,
    /// Generator group it belongs to (alternative to listing it in the group's `units`).
    #[serde(default)]
    pub group: Option<String>,
    /// Fuel curve.
    #[serde(default)]
    pub fuel_curve: FuelCurve,
    /// Ambient above which output is derated, °C.
    #[serde(default = "defaults::gen_derate_above_c")]
    pub derate_above_c: f64,
    /// Derating per K above `derate_above_c`, % of rating (QSK23: 20 % per 10 K).
    #[serde(default = "defaults::gen_derate_pct_per_k")]
    pub derate_pct_per_k: f64,
}

/// A group of paralleled generators on one bus.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GeneratorGroupSpec {
    /// Unique id (`{n}` expands with `each`).
    pub id: String,
    /// Expand into one group per number.
    #[serde(default)]
    pub each: Option<crate::ranges::RangeSpec>,
    /// Member generator ids (`{n}` expands); generators may instead name their `group`.
    #[serde(default)]
    pub units: Vec<String>,
    /// Declared redundancy (checked against the design load).
    #[serde(default)]
    pub redundancy: Redundancy,
    /// Largest load step the bus accepts at once, % of online rating (ISO 8528-5 steps).
    #[serde(default = "defaults::gen_step_pct")]
    pub load_step_pct: f64,
    /// Time between load steps (frequency and voltage recovery).
    #[serde(default = "defaults::gen_step_interval")]
    pub load_step_interval: SimDuration,
    /// Unloaded running time before the sets stop after retransfer.
    #[serde(default = "defaults::gen_cooldown")]
    pub cooldown: SimDuration,
}

/// An automatic transfer switch's timers (docs/physics.md §4.3).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AtsSpec {
    /// Utility-loss confirmation before the generators are signalled.
    #[serde(default = "defaults::ats_sense")]
    pub sense_delay: SimDuration,
    /// Utility must stay healthy this long before retransfer.
    #[serde(default = "defaults::ats_retransfer")]
    pub retransfer_delay: SimDuration,
}

impl Default for AtsSpec {
    fn default() -> Self {
        Self { sense_delay: defaults::ats_sense(), retransfer_delay: defaults::ats_retransfer() }
    }
}

/// A main switchboard with its ATS.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SwitchboardSpec {
    /// Unique id (`{n}` expands with `each`).
    pub id: String,
    /// Expand into one switchboard per number.
    #[serde(default)]
    pub each: Option<crate::ranges::RangeSpec>,
    /// Second level of expansion: one copy per number for each `each` number, `{k}` in ids.
    #[serde(default)]
    pub per: Option<crate::ranges::RangeSpec>,
    /// Normal source: transformer or utility id.
    pub normal: String,
    /// Emergency source: generator group id.
    #[serde(default)]
    pub emergency: Option<String>,
    /// ATS timers.
    #[serde(default)]
    pub ats: AtsSpec,
}

/// A UPS system (docs/physics.md §4.1–4.2).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpsSpec {
    /// Unique id (`{n}` expands with `each`).
    pub id: String,
    /// Expand into one UPS per number.
    #[serde(default)]
    pub each: Option<crate::ranges::RangeSpec>,
    /// Second level of expansion: one copy per number for each `each` number, `{k}` in ids.
    #[serde(default)]
    pub per: Option<crate::ranges::RangeSpec>,
    /// Upstream switchboard id.
    pub from: String,
    /// Output rating of all modules together, kW.
    pub rating_kw: f64,
    /// Modules in parallel (for the redundancy check).
    #[serde(default = "defaults::one_u32")]
    pub modules: u32,
    /// Declared module redundancy.
    #[serde(default)]
    pub redundancy: Redundancy,
    /// Operating mode.
    #[serde(default)]
    pub mode: UpsMode,
    /// Battery.
    pub battery: BatteryParams,
    /// Double-conversion losses (default a 1 %, b 2 %, c 1 %: 95.7 % at 50 % load).
    #[serde(default)]
    pub losses: Option<LossCoefficients>,
    /// Time for the rectifier to walk its input from zero to full load after a source returns.
    #[serde(default = "defaults::ups_walk_in")]
    pub walk_in: SimDuration,
}

/// A breaker (docs/physics.md §4.6).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct BreakerSpec {
    /// Standard (sets the conventional trip current).
    #[serde(default)]
    pub standard: BreakerStandard,
    /// Magnetic trip curve.
    #[serde(default)]
    pub curve: TripCurve,
    /// Rated current In, A (default: the element's rating).
    #[serde(default)]
    pub rating_a: Option<f64>,
    /// Thermal time constant of the long-time element, s (default 120 s for IEC 60898, 600 s for IEC 60947).
    #[serde(default)]
    pub tau_s: Option<f64>,
}

/// A PDU, busway or RPP with its breaker.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DistributionSpec {
    /// Unique id (`{n}` expands with `each`).
    pub id: String,
    /// Expand into one element per number.
    #[serde(default)]
    pub each: Option<crate::ranges::RangeSpec>,
    /// Second level of expansion: one copy per number for each `each` number, `{k}` in ids.
    #[serde(default)]
    pub per: Option<crate::ranges::RangeSpec>,
    /// Kind.
    #[serde(default)]
    pub kind: DistributionKind,
    /// Upstream UPS, switchboard or distribution id (`{n}` expands).
    pub from: String,
    /// Rated current, A.
    pub rating_a: f64,
    /// Line-to-line voltage, V.
    #[serde(default = "defaults::voltage_v")]
    pub voltage_v: f64,
    /// Load power factor.
    #[serde(default = "defaults::power_factor")]
    pub power_factor: f64,
    /// Breaker at the head of the element.
    #[serde(default)]
    pub breaker: BreakerSpec,
    /// Losses (default by kind: PDU a 1.5 % c 1.5 %, busway c 1 %, RPP c 0.5 %).
    #[serde(default)]
    pub losses: Option<LossCoefficients>,
}

/// A diesel tank (docs/physics.md §5.3).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TankSpec {
    /// Unique id (`{n}` expands with `each`).
    pub id: String,
    /// Expand into one tank per number.
    #[serde(default)]
    pub each: Option<crate::ranges::RangeSpec>,
    /// Second level of expansion: one copy per number for each `each` number, `{k}` in ids.
    #[serde(default)]
    pub per: Option<crate::ranges::RangeSpec>,
    /// Role.
    #[serde(default)]
    pub kind: TankKind,
    /// Geometric capacity, L.
    pub capacity_l: f64,
    /// Initial level, L (default full).
    #[serde(default)]
    pub level_l: Option<f64>,
    /// Usable share of the geometric volume (docs/physics.md §5.3: 90–95 %).
    #[serde(default = "defaults::usable_fraction")]
    pub usable_fraction: f64,
    /// Bulk tank that refills this day tank.
    #[serde(default)]
    pub fill_from: Option<String>,
    /// Transfer pump rate, L/h.
    #[serde(default = "defaults::transfer_pump_l_per_h")]
    pub pump_l_per_h: f64,
    /// Pump starts below this level, % of capacity.
    #[serde(default = "defaults::pump_start_pct")]
    pub pump_start_pct: f64,
    /// Pump stops at this level, % of capacity.
    #[serde(default = "defaults::pump_stop_pct")]
    pub pump_stop_pct: f64,
}

/// Automatic fuel ordering.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AutoOrderSpec {
    /// Bulk tank that receives the deliveries.
    pub tank: String,
    /// Order when site autonomy at the current burn falls below this, h.
    pub below_autonomy_h: f64,
    /// Tankers per order.
    #[serde(default = "defaults::one_u32")]
    pub tankers: u32,
}

/// Diesel storage and logistics.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FuelSpec {
    /// Tanks.
    #[serde(default)]
    pub tanks: Vec<TankSpec>,
    /// Tanker logistics.
    #[serde(default)]
    pub tankers: TankerLogistics,
    /// Automatic ordering.
    #[serde(default)]
    pub auto_order: Option<AutoOrderSpec>,
}

/// A chilled-water plant serving CRAH coils (docs/physics.md §2.3).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChillerPlantSpec {
    /// Unique id (`{n}` expands with `each`).
    pub id: String,
    /// Expand into one plant per number (`{n}` in `id` and `feed`).
    #[serde(default)]
    pub each: Option<crate::ranges::RangeSpec>,
    /// Electrical feed (switchboard or distribution id).
    pub feed: String,
    /// Cooling capacity, kW.
    pub capacity_kw: f64,
    /// COP at the rated lift.
    pub cop_rated: f64,
    /// Lift (condensing − chilled water) at which `cop_rated` holds, K.
    #[serde(default = "defaults::rated_lift")]
    pub rated_lift_k: f64,
    /// Chilled-water supply temperature, °C.
    #[serde(default = "defaults::chw_c")]
    pub chilled_water_c: f64,
    /// Condenser.
    pub condenser: Condenser,
    /// Water-side economiser: free cooling whenever the condenser side is cold enough.
    #[serde(default)]
    pub free_cooling: bool,
    /// Chilled and condenser water pumps at full flow, kW.
    #[serde(default)]
    pub pump_kw: f64,
    /// Time for a chiller to restart after its power returns (docs/physics.md §4.3: 2–5 min).
    #[serde(default = "defaults::chiller_restart")]
    pub restart_delay: SimDuration,
}

/// A direct-to-chip liquid loop: CDUs, technology cooling system and facility water (docs/physics.md §7).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LiquidLoopSpec {
    /// Unique id (`{n}` expands with `each`).
    pub id: String,
    /// Expand into one loop per number (`{n}` in `id` and `feed`).
    #[serde(default)]
    pub each: Option<crate::ranges::RangeSpec>,
    /// Electrical feed of pumps and fans.
    pub feed: String,
    /// CDU heat-exchange capacity, kW.
    pub cdu_capacity_kw: f64,
    /// CDU approach (TCS supply above facility water), K (2–5 K).
    #[serde(default = "defaults::cdu_approach")]
    pub cdu_approach_k: f64,
    /// TCS supply set point, °C (the CDU cannot go below facility water + approach).
    #[serde(default = "defaults::tcs_supply")]
    pub supply_setpoint_c: f64,
    /// Heat rejection of the facility water.
    pub heat_rejection: HeatRejection,
    /// Coolant flow per kW of CDU capacity, L/min/kW (OCP: 1.5).
    #[serde(default = "defaults::dlc_flow")]
    pub flow_l_per_min_per_kw: f64,
    /// Pump power at full flow, kW.
    #[serde(default)]
    pub pump_kw: f64,
    /// Coolant volume in the loop (thermal inertia), m³.
    #[serde(default = "defaults::loop_volume")]
    pub volume_m3: f64,
}

/// Central plant shared by halls.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlantSpec {
    /// Chilled-water plants.
    #[serde(default)]
    pub chillers: Vec<ChillerPlantSpec>,
    /// Liquid loops.
    #[serde(default)]
    pub liquid_loops: Vec<LiquidLoopSpec>,
}

/// A data hall.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HallSpec {
    /// Unique id (`{hall}` expands with `each`).
    pub id: String,
    /// Expand into one hall per number: `{hall}` becomes the number in the hall's id, its
    /// liquid loop, its rows' feeds and workloads, and its cooling units' ids, feeds and plants.
    #[serde(default)]
    pub each: Option<crate::ranges::RangeSpec>,
    /// White-space floor area, m².
    pub floor_area_m2: f64,
    /// Clear height, m.
    pub height_m: f64,
    /// Aisle containment.
    #[serde(default)]
    pub containment: Containment,
    /// Design cooling capacity declared by the planner, kW.
    pub design_cooling_kw: f64,
    /// Heat capacity of structure, raised floor and equipment (default 5 × the air's, docs/physics.md §2.5), kJ/K.
    #[serde(default)]
    pub thermal_mass_kj_per_k: Option<f64>,
    /// Air-to-mass conductance (default 60 W/K per m² of floor, docs/physics.md §2.5), kW/K.
    #[serde(default)]
    pub mass_ua_kw_per_k: Option<f64>,
    /// Liquid loop serving direct-liquid racks in this hall.
    #[serde(default)]
    pub liquid_loop: Option<String>,
    /// Rack rows.
    pub rows: Vec<RowGroupSpec>,
    /// Air-side cooling units.
    pub cooling_units: Vec<CoolingUnitSpec>,
}

/// One or more rows of identical racks, e.g. rows 1–10 × 12 racks of `gb200_nvl72`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RowGroupSpec {
    /// Row numbers, e.g. `"1-10"` or `"4"`.
    pub rows: crate::ranges::RangeSpec,
    /// Racks in each row.
    pub racks_per_row: u32,
    /// Rack type id from the catalog.
    pub rack: String,
    /// Electrical feeds.
    pub feeds: FeedIds,
    /// Workload id (default `"default"`, constant 80 % activity unless declared).
    #[serde(default = "defaults::workload")]
    pub workload: String,
}

/// Mechanical trim (DX) in an air handler.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TrimSpec {
    /// Cooling capacity, kW.
    pub capacity_kw: f64,
    /// COP at the rated lift.
    #[serde(default = "defaults::dx_cop")]
    pub cop_rated: f64,
    /// Lift at which the COP is rated, K.
    #[serde(default = "defaults::rated_lift")]
    pub rated_lift_k: f64,
}

/// An air-side cooling unit in a hall.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum CoolingUnitSpec {
    /// Computer-room air handler on chilled water (docs/physics.md §2.3).
    Crah {
        /// Unique id (`{n}` expands with `each`).
        id: String,
        /// Expand into one unit per number.
        #[serde(default)]
        each: Option<crate::ranges::RangeSpec>,
        /// Second level of expansion (`{k}` in ids).
        #[serde(default)]
        per: Option<crate::ranges::RangeSpec>,
        /// Electrical feed.
        feed: String,
        /// Sensible capacity at design return temperature, kW.
        sensible_capacity_kw: f64,
        /// Design airflow, m³/s.
        airflow_m3_per_s: f64,
        /// Fan power at design airflow, kW.
        fan_power_kw: f64,
        /// Supply-air set point, °C.
        #[serde(default = "defaults::supply_c")]
        supply_setpoint_c: f64,
        /// Chilled-water plant id.
        plant: String,
        /// Fan control.
        #[serde(default = "defaults::constant_fans")]
        fan_control: FanControl,
    },
    /// Direct-expansion computer-room air conditioner.
    Crac {
        /// Unique id.
        id: String,
        /// Expand into one unit per number.
        #[serde(default)]
        each: Option<crate::ranges::RangeSpec>,
        /// Second level of expansion (`{k}` in ids).
        #[serde(default)]
        per: Option<crate::ranges::RangeSpec>,
        /// Electrical feed.
        feed: String,
        /// Sensible capacity, kW.
        sensible_capacity_kw: f64,
        /// Design airflow, m³/s.
        airflow_m3_per_s: f64,
        /// Fan power at design airflow, kW.
        fan_power_kw: f64,
        /// Supply-air set point, °C.
        #[serde(default = "defaults::supply_c")]
        supply_setpoint_c: f64,
        /// Compressor COP at the rated lift.
        #[serde(default = "defaults::dx_cop")]
        cop_rated: f64,
        /// Lift at which the COP is rated, K.
        #[serde(default = "defaults::rated_lift")]
        rated_lift_k: f64,
        /// Fan control.
        #[serde(default = "defaults::constant_fans")]
        fan_control: FanControl,
    },
    /// Evaporative (adiabatic) free-cooling air handler (docs/physics.md §3.2–3.4).
    EvaporativeAhu {
        /// Unique id.
        id: String,
        /// Expand into one unit per number.
        #[serde(default)]
        each: Option<crate::ranges::RangeSpec>,
        /// Second level of expansion (`{k}` in ids).
        #[serde(default)]
        per: Option<crate::ranges::RangeSpec>,
        /// Electrical feed.
        feed: String,
        /// Evaporative stages.
        #[serde(default)]
        stages: EvaporativeStages,
        /// Direct stage saturation effectiveness (0.75–0.95).
        #[serde(default = "defaults::dec_eff")]
        effectiveness: f64,
        /// Indirect stage wet-bulb effectiveness (0.6–0.8).
        #[serde(default = "defaults::iec_eff")]
        indirect_effectiveness: f64,
        /// Design (maximum) airflow, m³/s.
        airflow_m3_per_s: f64,
        /// Fan power at design airflow, kW.
        fan_power_kw: f64,
        /// Supply-air set point, °C.
        #[serde(default = "defaults::supply_c")]
        supply_setpoint_c: f64,
        /// Highest supply dew point allowed, °C (ASHRAE A1 allowable: 17 °C).
        #[serde(default = "defaults::max_dew_point")]
        max_dew_point_c: f64,
        /// Highest supply relative humidity allowed, %.
        #[serde(default = "defaults::max_rh")]
        max_rh_pct: f64,
        /// Mechanical trim, if installed.
        #[serde(default)]
        trim: Option<TrimSpec>,
    },
}

/// A workload profile shared by racks.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkloadSpec {
    /// Unique id.
    pub id: String,
    /// Activity over time.
    pub profile: LoadProfile,
    /// Per-rack random variation (standard deviation of activity), %.
    #[serde(default)]
    pub noise_pct: f64,
}

/// A scripted event.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventSpec {
    /// When, from the start of the run.
    pub at: SimDuration,
    /// What happens.
    pub action: Action,
    /// Narration shown by the viewer and printed in the timeline.
    #[serde(default)]
    pub note: String,
}

/// Default values of optional fields, each with its source.
pub mod defaults {
    use crate::units::SimDuration;

    pub(crate) fn tx_no_load_pct() -> f64 {
        0.07 // docs/physics.md §4.1: P0 ≈ 693 W for 1000 kVA (Ecodesign Tier 2 shape) [U]
    }
    pub(crate) fn tx_load_pct() -> f64 {
        0.76 // docs/physics.md §4.1: Pk ≈ 7.6 kW at rated for 1000 kVA [U]
    }
    pub(crate) fn power_factor() -> f64 {
        0.95 // IT loads behind PFC power supplies [U]
    }
    pub(crate) fn voltage_v() -> f64 {
        400.0 // EU low-voltage distribution, docs/physics.md §4.7
    }
    pub(crate) fn gen_start() -> SimDuration {
        SimDuration::from_secs(10) // NFPA 110 Type 10, docs/physics.md §4.3 [V]
    }
    pub(crate) fn gen_derate_above_c() -> f64 {
        40.0 // typical data-centre genset reference ambient [U]
    }
    pub(crate) fn gen_derate_pct_per_k() -> f64 {
        2.0 // docs/physics.md §4.3: QSK23 20 % per 10 °C beyond reference [V]
    }
    pub(crate) fn gen_step_pct() -> f64 {
        50.0 // docs/physics.md §4.3: ISO 8528-5 example steps 0→50→80→100 % [S]
    }
    pub(crate) fn gen_step_interval() -> SimDuration {
        SimDuration::from_secs(5) // docs/physics.md §4.3: G2 recovery < 5 s [S]
    }
    pub(crate) fn gen_cooldown() -> SimDuration {
        SimDuration::from_secs(300) // [U] typical unloaded cool-down run
    }
    pub(crate) fn ats_sense() -> SimDuration {
        SimDuration::from_secs(2) // docs/physics.md §4.3: utility-loss confirm 0.5–3 s [U]
    }
    pub(crate) fn ats_retransfer() -> SimDuration {
        SimDuration::from_secs(600) // docs/physics.md §4.3: 5–30 min stable timer [U]
    }
    pub(crate) fn one_u32() -> u32 {
        1
    }
    pub(crate) fn ups_walk_in() -> SimDuration {
        SimDuration::from_secs(10) // [U] rectifier walk-in 5–20 s
    }
    pub(crate) fn usable_fraction() -> f64 {
        0.95 // docs/physics.md §5.3: 90–95 % [U]
    }
    pub(crate) fn transfer_pump_l_per_h() -> f64 {
        3_000.0 // [U] day-tank transfer pump
    }
    pub(crate) fn pump_start_pct() -> f64 {
        60.0 // [U]
    }
    pub(crate) fn pump_stop_pct() -> f64 {
        95.0 // [U]
    }
    pub(crate) fn rated_lift() -> f64 {
        25.0 // [U] lift at which chiller/DX COP is typically rated
    }
    pub(crate) fn chw_c() -> f64 {
        12.0 // docs/physics.md §2.3: optimised ≥ 10 °C [S]
    }
    pub(crate) fn chiller_restart() -> SimDuration {
        SimDuration::from_secs(180) // docs/physics.md §2.5: 2–3 min typical [S]
    }
    pub(crate) fn cdu_approach() -> f64 {
        3.0 // docs/physics.md §7.1: 2–5 K [U]
    }
    pub(crate) fn tcs_supply() -> f64 {
        30.0 // docs/physics.md §7.1: TCS ~25 °C in … 45 °C out [S]
    }
    pub(crate) fn dlc_flow() -> f64 {
        1.5 // docs/physics.md §7.1: OCP 1.5 L/min/kW [S]
    }
    pub(crate) fn loop_volume() -> f64 {
        2.0 // [U] TCS coolant volume of a row-scale loop
    }
    pub(crate) fn workload() -> String {
        "default".to_owned()
    }
    pub(crate) fn supply_c() -> f64 {
        22.0 // mid ASHRAE recommended band 18–27 °C, docs/physics.md §2.2
    }
    pub(crate) fn constant_fans() -> super::FanControl {
        super::FanControl::Constant
    }
    pub(crate) fn dx_cop() -> f64 {
        3.5 // docs/physics.md §2.3: air-cooled 2.9–3.3, water-cooled 5.9–7 [S]
    }
    pub(crate) fn dec_eff() -> f64 {
        0.85 // docs/physics.md §3.2 / §8: DEC 0.75–0.95 [S]
    }
    pub(crate) fn iec_eff() -> f64 {
        0.7 // docs/physics.md §3.2: IEC 0.6–0.8 [U]
    }
    pub(crate) fn max_dew_point() -> f64 {
        17.0 // docs/physics.md §2.2: A1 allowable dew point ≤ 17 °C [U]
    }
    pub(crate) fn max_rh() -> f64 {
        80.0 // docs/physics.md §2.2: A1 allowable 8–80 % RH [U]
    }
}
