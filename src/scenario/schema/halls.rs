//! The scenario format: data halls and their rows of racks.

use serde::{Deserialize, Serialize};

use crate::scenario::*;

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
    /// How rack inlets follow the supply and room air: the physical air balance (default), a
    /// fixed recirculation fraction, or approach temperatures (docs/physics.md §2.6).
    #[serde(default)]
    pub inlet: InletModel,
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

/// Default values of optional fields, each with its source.
mod defaults {
    pub(crate) fn workload() -> String {
        "default".to_owned()
    }
}
