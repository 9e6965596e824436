//! The scenario format: the central plant (chillers, liquid loops) and the air-side cooling units of halls.

use serde::{Deserialize, Serialize};

use crate::scenario::*;
use crate::units::SimDuration;

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
        /// Fan power at design airflow, kW (or `fan_pressure_pa` with `fan_efficiency`).
        #[serde(default)]
        fan_power_kw: Option<f64>,
        /// Fan total pressure rise at design airflow, Pa (with `fan_efficiency`, instead of
        /// `fan_power_kw`).
        #[serde(default)]
        fan_pressure_pa: Option<f64>,
        /// Fan, motor and drive efficiency at design airflow, 0–1 (with `fan_pressure_pa`).
        #[serde(default)]
        fan_efficiency: Option<f64>,
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
        /// Fan power at design airflow, kW (or `fan_pressure_pa` with `fan_efficiency`).
        #[serde(default)]
        fan_power_kw: Option<f64>,
        /// Fan total pressure rise at design airflow, Pa (with `fan_efficiency`, instead of
        /// `fan_power_kw`).
        #[serde(default)]
        fan_pressure_pa: Option<f64>,
        /// Fan, motor and drive efficiency at design airflow, 0–1 (with `fan_pressure_pa`).
        #[serde(default)]
        fan_efficiency: Option<f64>,
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
        /// Fan power at design airflow, kW (or `fan_pressure_pa` with `fan_efficiency`).
        #[serde(default)]
        fan_power_kw: Option<f64>,
        /// Fan total pressure rise at design airflow, Pa (with `fan_efficiency`, instead of
        /// `fan_power_kw`).
        #[serde(default)]
        fan_pressure_pa: Option<f64>,
        /// Fan, motor and drive efficiency at design airflow, 0–1 (with `fan_pressure_pa`).
        #[serde(default)]
        fan_efficiency: Option<f64>,
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
        /// Fan control: `Variable` (default) follows the racks' draw plus a margin down to the
        /// minimum flow fraction; `Constant` always moves the design airflow.
        #[serde(default)]
        fan_control: FanControl,
        /// Pads stay dry below this outdoor dry bulb, °C (none by default).
        #[serde(default)]
        pad_min_entering_dry_bulb_c: Option<f64>,
        /// Pads stay dry above this outdoor wet bulb, °C (none by default).
        #[serde(default)]
        pad_max_entering_wet_bulb_c: Option<f64>,
        /// Pad water pump power per unit of design airflow, W per m³/s (EnergyPlus's "Water
        /// Pump Power Sizing Factor"; default 0: no pump modelled). Drawn while the pads are
        /// wet, in proportion to the airflow fraction.
        #[serde(default)]
        pad_pump_w_per_m3_s: f64,
    },
}

impl CoolingUnitSpec {
    /// `(airflow_m3_per_s, fan_power_kw, fan_pressure_pa, fan_efficiency)` as written.
    pub fn fan_inputs(&self) -> (f64, Option<f64>, Option<f64>, Option<f64>) {
        match self {
            CoolingUnitSpec::Crah { airflow_m3_per_s, fan_power_kw, fan_pressure_pa, fan_efficiency, .. }
            | CoolingUnitSpec::Crac { airflow_m3_per_s, fan_power_kw, fan_pressure_pa, fan_efficiency, .. }
            | CoolingUnitSpec::EvaporativeAhu {
                airflow_m3_per_s, fan_power_kw, fan_pressure_pa, fan_efficiency, ..
            } => (*airflow_m3_per_s, *fan_power_kw, *fan_pressure_pa, *fan_efficiency),
        }
    }

    /// The unit's fan control (CRAH and CRAC default to constant volume, evaporative AHUs to
    /// variable).
    pub fn fan_control(&self) -> FanControl {
        match self {
            CoolingUnitSpec::Crah { fan_control, .. }
            | CoolingUnitSpec::Crac { fan_control, .. }
            | CoolingUnitSpec::EvaporativeAhu { fan_control, .. } => *fan_control,
        }
    }

    /// Fan power at design airflow, kW: `fan_power_kw` as given, or the air power over the
    /// efficiency `V̇·Δp/η` (docs/physics.md §2.3); `None` when neither is complete (validation
    /// reports it).
    pub fn design_fan_kw(&self) -> Option<f64> {
        match self.fan_inputs() {
            (_, Some(kw), _, _) => Some(kw),
            (airflow, None, Some(dp), Some(eta)) if eta > 0.0 => Some(airflow * dp / eta / 1_000.0),
            _ => None,
        }
    }
}

/// Default values of optional fields, each with its source.
mod defaults {
    use crate::units::SimDuration;

    pub(crate) fn cdu_approach() -> f64 {
        3.0 // docs/physics.md §7.1: 2–5 K [U]
    }
    pub(crate) fn chiller_restart() -> SimDuration {
        SimDuration::from_secs(180) // docs/physics.md §2.5: 2–3 min typical [S]
    }
    pub(crate) fn chw_c() -> f64 {
        12.0 // docs/physics.md §2.3: optimised ≥ 10 °C [S]
    }
    pub(crate) fn constant_fans() -> crate::cooling::FanControl {
        crate::cooling::FanControl::Constant
    }
    pub(crate) fn dec_eff() -> f64 {
        0.85 // docs/physics.md §3.2 / §8: DEC 0.75–0.95 [S]
    }
    pub(crate) fn dlc_flow() -> f64 {
        1.5 // docs/physics.md §7.1: OCP 1.5 L/min/kW [S]
    }
    pub(crate) fn dx_cop() -> f64 {
        3.5 // docs/physics.md §2.3: air-cooled 2.9–3.3, water-cooled 5.9–7 [S]
    }
    pub(crate) fn iec_eff() -> f64 {
        0.7 // docs/physics.md §3.2: IEC 0.6–0.8 [U]
    }
    pub(crate) fn loop_volume() -> f64 {
        2.0 // [U] TCS coolant volume of a row-scale loop
    }
    pub(crate) fn max_dew_point() -> f64 {
        17.0 // docs/physics.md §2.2: A1 allowable dew point ≤ 17 °C [U]
    }
    pub(crate) fn max_rh() -> f64 {
        80.0 // docs/physics.md §2.2: A1 allowable 8–80 % RH [U]
    }
    pub(crate) fn rated_lift() -> f64 {
        25.0 // [U] lift at which chiller/DX COP is typically rated
    }
    pub(crate) fn supply_c() -> f64 {
        22.0 // mid ASHRAE recommended band 18–27 °C, docs/physics.md §2.2
    }
    pub(crate) fn tcs_supply() -> f64 {
        30.0 // docs/physics.md §7.1: TCS ~25 °C in … 45 °C out [S]
    }
}
