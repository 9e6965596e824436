//! Equipment catalog: GPU models and rack types.
//!
//! The built-in catalog is `assets/catalog.ron`, compiled into the binary so that dctwin runs
//! from any directory. A scenario may add entries or replace built-in ones in its `catalog`
//! block; entries are matched by id.
//!
//! Rack electrical power (docs/physics.md §1.3):
//!
//! ```text
//! P_rack = P_base,idle + (P_base,max − P_base,idle)·u + Σ P_gpu + P_fan,max·s³
//! ```
//!
//! with `u` the workload activity, `P_gpu` from the GPU model (§1.3–1.4) and `s` the server fan
//! speed (affinity law, §2.1) that rises with inlet temperature. Heat splits between liquid and
//! air by the rack's liquid fraction (§1.5). Values and sources are in the RON file.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The built-in catalog text (`assets/catalog.ron`).
pub const BUILTIN_CATALOG_RON: &str = include_str!("../assets/catalog.ron");

/// A GPU model: power envelope, thermal thresholds and thermal network (docs/physics.md §1.1, §1.4).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct GpuModel {
    /// Human-readable name.
    pub name: String,
    /// Power with no work (P0, low clocks), W.
    pub idle_w: f64,
    /// Default and maximum board power limit (TDP), W.
    pub tdp_w: f64,
    /// Software thermal slowdown starts ("GPU Max Operating Temp"), °C.
    pub throttle_c: f64,
    /// Hardware slowdown (clocks halved or more), °C.
    pub slowdown_c: f64,
    /// Shutdown, latched until reset, °C.
    pub shutdown_c: f64,
    /// Heat capacity of die plus heatsink or cold-plate share, J/K.
    pub heat_capacity_j_per_k: f64,
    /// Junction-to-inlet-air thermal resistance with an air heatsink, K/W.
    pub r_air_k_per_w: f64,
    /// Junction-to-coolant thermal resistance with a cold plate, K/W.
    pub r_cold_plate_k_per_w: f64,
    /// Where the figures come from.
    #[serde(default)]
    pub source: String,
}

/// How a rack rejects its heat.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub enum RackCooling {
    /// All heat to air through server fans.
    Air,
    /// Direct-to-chip liquid cooling (docs/physics.md §1.5).
    DirectLiquid {
        /// Share of rack heat captured by cold plates.
        liquid_fraction: f64,
        /// Conductance of the in-rack liquid-to-air exchanger that rejects the cold-plate heat
        /// to the hall air when no facility loop serves the rack, kW/K.
        l2a_ua_kw_per_k: f64,
        /// Heat capacity of the rack's own coolant (manifolds, trays, exchanger), kJ/K.
        coolant_kj_per_k: f64,
        /// Coolant temperature at which the trays' protection powers the GPUs off, °C.
        max_coolant_c: f64,
    },
}

/// A rack type: what one cabinet of this kind draws and how it is cooled.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RackType {
    /// Human-readable description.
    pub description: String,
    /// GPU model id, if the rack holds GPUs.
    #[serde(default)]
    pub gpu: Option<String>,
    /// GPUs (or GPU packages) per rack.
    #[serde(default)]
    pub gpu_count: u32,
    /// Non-GPU power at zero activity (CPUs, memory, NICs, switches, storage, PSU loss), kW.
    pub base_idle_kw: f64,
    /// Non-GPU power at full activity, kW.
    pub base_max_kw: f64,
    /// Server and rack fan power at full speed, kW.
    pub fan_max_kw: f64,
    /// Air temperature rise across the rack at full activity and minimum fan speed, K.
    pub design_delta_t_k: f64,
    /// Heat rejection.
    pub cooling: RackCooling,
    /// How the servers' power and airflow respond to activity and inlet temperature (default:
    /// the built-in fan law, no inlet dependence of the non-GPU power).
    #[serde(default)]
    pub it_curves: ItCurves,
    /// Where the figures come from.
    #[serde(default)]
    pub source: String,
}

/// A rack's response to activity `u` and inlet temperature `T_in`, in the form of EnergyPlus's
/// `ElectricEquipment:ITE:AirCooled` (docs/physics.md §1.3): each curve is optional and the
/// default reproduces dctwin's built-in law.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ItCurves {
    /// Multiplier on the non-GPU server power `P_base(u)` as `f(u, T_in)` (EnergyPlus's "CPU
    /// Power Input Function of Loading and Air Temperature"; CPU and memory leakage, VR
    /// losses). Default 1. GPU power follows the GPU model and its thermal caps.
    #[serde(default)]
    pub power: Option<Biquadratic>,
    /// Airflow as a fraction of the rack's full-speed airflow, `f(u, T_in)` (EnergyPlus's "Air
    /// Flow Function of Loading and Air Temperature"). Default: 0.5 up to 25 °C inlet, rising
    /// linearly to 1 at 35 °C, whatever the activity.
    #[serde(default)]
    pub airflow: Option<Biquadratic>,
    /// Fan power as a fraction of full-speed fan power, `f(airflow fraction)` (EnergyPlus's
    /// "Fan Power Input Function of Flow"). Default: the affinity law, `s³`.
    #[serde(default)]
    pub fan_power: Option<Cubic>,
}

/// `z = c0 + c1·x + c2·x² + c3·y + c4·y² + c5·x·y`, with `x` and `y` held within their limits
/// (EnergyPlus `Curve:Biquadratic`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Biquadratic {
    /// `[c0, c1, c2, c3, c4, c5]` (six values; validation checks the count).
    pub coefficients: Vec<f64>,
    /// Smallest `x` evaluated (larger ones are used as given).
    pub min_x: f64,
    /// Largest `x` evaluated.
    pub max_x: f64,
    /// Smallest `y` evaluated.
    pub min_y: f64,
    /// Largest `y` evaluated.
    pub max_y: f64,
}

impl Biquadratic {
    /// The curve at `(x, y)`, each clamped to its limits.
    pub fn eval(&self, x: f64, y: f64) -> f64 {
        let k = |i: usize| self.coefficients.get(i).copied().unwrap_or(0.0);
        let (c0, c1, c2, c3, c4, c5) = (k(0), k(1), k(2), k(3), k(4), k(5));
        let x = x.clamp(self.min_x, self.max_x);
        let y = y.clamp(self.min_y, self.max_y);
        c0 + c1 * x + c2 * x * x + c3 * y + c4 * y * y + c5 * x * y
    }
}

/// `z = c0 + c1·x + c2·x² + c3·x³`, with `x` held within its limits (EnergyPlus `Curve:Cubic`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Cubic {
    /// `[c0, c1, c2, c3]` (four values; validation checks the count).
    pub coefficients: Vec<f64>,
    /// Smallest `x` evaluated.
    pub min_x: f64,
    /// Largest `x` evaluated.
    pub max_x: f64,
}

impl Cubic {
    /// The curve at `x`, clamped to its limits.
    pub fn eval(&self, x: f64) -> f64 {
        let k = |i: usize| self.coefficients.get(i).copied().unwrap_or(0.0);
        let (c0, c1, c2, c3) = (k(0), k(1), k(2), k(3));
        let x = x.clamp(self.min_x, self.max_x);
        c0 + x * (c1 + x * (c2 + x * c3))
    }
}

/// The equipment catalog: GPU models and rack types by id.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    /// GPU models by id.
    #[serde(default)]
    pub gpus: BTreeMap<String, GpuModel>,
    /// Rack types by id.
    #[serde(default)]
    pub racks: BTreeMap<String, RackType>,
}

impl Catalog {
    /// The built-in catalog.
    ///
    /// # Panics
    /// Never in a released build: the embedded file is checked by a unit test.
    pub fn builtin() -> Catalog {
        ron::from_str(BUILTIN_CATALOG_RON).expect("assets/catalog.ron is valid (unit-tested)")
    }

    /// This catalog with `overrides` added on top (same id ⇒ replaced).
    pub fn merged(mut self, overrides: &Catalog) -> Catalog {
        self.gpus.extend(overrides.gpus.iter().map(|(k, v)| (k.clone(), v.clone())));
        self.racks.extend(overrides.racks.iter().map(|(k, v)| (k.clone(), v.clone())));
        self
    }

    /// The GPU model of a rack type, if it has GPUs.
    pub fn gpu_of(&self, rack: &RackType) -> Option<&GpuModel> {
        rack.gpu.as_ref().and_then(|id| self.gpus.get(id))
    }

    /// Nameplate (maximum) electrical power of a rack type: full activity, fans at full speed, kW.
    pub fn nameplate_kw(&self, rack: &RackType) -> f64 {
        let gpu_kw = self.gpu_of(rack).map_or(0.0, |g| g.tdp_w / 1_000.0) * f64::from(rack.gpu_count);
        rack.base_max_kw + gpu_kw + rack.fan_max_kw
    }
}

impl RackType {
    /// Share of heat to liquid when a facility loop serves the rack.
    pub fn liquid_fraction(&self) -> f64 {
        match self.cooling {
            RackCooling::Air => 0.0,
            RackCooling::DirectLiquid { liquid_fraction, .. } => liquid_fraction,
        }
    }

    /// Whether the rack's GPUs sit on cold plates.
    pub fn is_liquid_cooled(&self) -> bool {
        matches!(self.cooling, RackCooling::DirectLiquid { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn it_curves_evaluate_and_hold_their_limits() {
        // 1 + 1 %/K above 25 °C as EnergyPlus writes it: 0.75 + 0.01·T.
        let power = Biquadratic {
            coefficients: vec![0.75, 0.0, 0.0, 0.01, 0.0, 0.0],
            min_x: 0.0,
            max_x: 1.0,
            min_y: 15.0,
            max_y: 40.0,
        };
        assert!((power.eval(0.5, 25.0) - 1.0).abs() < 1e-12);
        assert!((power.eval(0.5, 30.0) - 1.05).abs() < 1e-12);
        assert!((power.eval(0.5, 50.0) - 1.15).abs() < 1e-12, "inlet held at 40 °C");
        let mixed = Biquadratic {
            coefficients: vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
            min_x: 0.0,
            max_x: 1.0,
            min_y: 0.0,
            max_y: 2.0,
        };
        assert!((mixed.eval(0.5, 1.0) - (1.0 + 1.0 + 0.75 + 4.0 + 5.0 + 3.0)).abs() < 1e-12);
        let cube = Cubic { coefficients: vec![0.0, 0.0, 0.0, 1.0], min_x: 0.0, max_x: 1.0 };
        assert!((cube.eval(0.5) - 0.125).abs() < 1e-12);
        assert_eq!(cube.eval(1.5), 1.0, "flow fraction held at 1");
    }

    #[test]
    fn builtin_catalog_parses_and_matches_published_rack_powers() {
        let c = Catalog::builtin();
        // Published nameplates (docs/physics.md §1.2), each within the quoted range.
        let cases = [
            ("legacy_air_10kw", 8.0, 11.0),
            ("hd_air_30kw", 28.0, 32.0),
            ("dgx_h100_rack", 40.0, 41.5),       // 4 × DGX H100 = 40.8 kW
            ("gb200_nvl72", 120.0, 132.5),       // ~120 kW (GTC 2024) … 132 kW (Supermicro)
            ("gb300_nvl72", 132.0, 140.0),       // 132–140 kW
            ("rubin_ultra_kyber", 590.0, 610.0), // up to 600 kW
        ];
        for (id, lo, hi) in cases {
            let r = c.racks.get(id).unwrap_or_else(|| panic!("missing {id}"));
            let p = c.nameplate_kw(r);
            assert!((lo..=hi).contains(&p), "{id}: nameplate {p:.1} kW outside {lo}–{hi}");
        }
        let legacy = &c.racks["legacy_air_5kw"];
        assert!((4.0..=6.0).contains(&c.nameplate_kw(legacy)));
    }

    #[test]
    fn every_rack_gpu_reference_resolves_and_thresholds_are_ordered() {
        let c = Catalog::builtin();
        for (id, r) in &c.racks {
            if let Some(g) = &r.gpu {
                assert!(c.gpus.contains_key(g), "{id} refers to unknown GPU {g}");
                assert!(r.gpu_count > 0, "{id}");
            }
            assert!(r.base_idle_kw <= r.base_max_kw, "{id}");
        }
        for (id, g) in &c.gpus {
            assert!(g.idle_w < g.tdp_w && g.throttle_c < g.slowdown_c && g.slowdown_c < g.shutdown_c, "{id}");
        }
        // H100 SXM thresholds straight from nvidia-smi (docs/physics.md §1.4).
        let h100 = &c.gpus["h100_sxm"];
        assert_eq!((h100.throttle_c, h100.slowdown_c, h100.shutdown_c), (87.0, 89.0, 92.0));
        assert_eq!(h100.tdp_w, 700.0);
    }

    #[test]
    fn overrides_replace_by_id() {
        let mut extra = Catalog::default();
        let mut r = Catalog::builtin().racks["legacy_air_10kw"].clone();
        r.base_max_kw = 20.0;
        extra.racks.insert("legacy_air_10kw".into(), r);
        let merged = Catalog::builtin().merged(&extra);
        assert_eq!(merged.racks["legacy_air_10kw"].base_max_kw, 20.0);
        assert_eq!(merged.racks.len(), Catalog::builtin().racks.len());
    }
}
