//! The scenario format: the electrical plant, from utility feeds to rack distribution (docs/physics.md §4).

use serde::{Deserialize, Serialize};

use crate::scenario::*;
use crate::units::SimDuration;

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

/// Default values of optional fields, each with its source.
mod defaults {
    use crate::units::SimDuration;

    pub(crate) fn ats_retransfer() -> SimDuration {
        SimDuration::from_secs(600) // docs/physics.md §4.3: 5–30 min stable timer [U]
    }
    pub(crate) fn ats_sense() -> SimDuration {
        SimDuration::from_secs(2) // docs/physics.md §4.3: utility-loss confirm 0.5–3 s [U]
    }
    pub(crate) fn gen_cooldown() -> SimDuration {
        SimDuration::from_secs(300) // [U] typical unloaded cool-down run
    }
    pub(crate) fn gen_derate_above_c() -> f64 {
        40.0 // typical data-centre genset reference ambient [U]
    }
    pub(crate) fn gen_derate_pct_per_k() -> f64 {
        2.0 // docs/physics.md §4.3: QSK23 20 % per 10 °C beyond reference [V]
    }
    pub(crate) fn gen_start() -> SimDuration {
        SimDuration::from_secs(10) // NFPA 110 Type 10, docs/physics.md §4.3 [V]
    }
    pub(crate) fn gen_step_interval() -> SimDuration {
        SimDuration::from_secs(5) // docs/physics.md §4.3: G2 recovery < 5 s [S]
    }
    pub(crate) fn gen_step_pct() -> f64 {
        50.0 // docs/physics.md §4.3: ISO 8528-5 example steps 0→50→80→100 % [S]
    }
    pub(crate) fn one_u32() -> u32 {
        1
    }
    pub(crate) fn power_factor() -> f64 {
        0.95 // IT loads behind PFC power supplies [U]
    }
    pub(crate) fn tx_load_pct() -> f64 {
        0.76 // docs/physics.md §4.1: Pk ≈ 7.6 kW at rated for 1000 kVA [U]
    }
    pub(crate) fn tx_no_load_pct() -> f64 {
        0.07 // docs/physics.md §4.1: P0 ≈ 693 W for 1000 kVA (Ecodesign Tier 2 shape) [U]
    }
    pub(crate) fn ups_walk_in() -> SimDuration {
        SimDuration::from_secs(10) // [U] rectifier walk-in 5–20 s
    }
    pub(crate) fn voltage_v() -> f64 {
        400.0 // EU low-voltage distribution, docs/physics.md §4.7
    }
}
