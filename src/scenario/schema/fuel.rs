//! The scenario format: diesel storage and logistics (docs/physics.md §5).

use serde::{Deserialize, Serialize};

use crate::scenario::*;

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

/// Default values of optional fields, each with its source.
mod defaults {
    pub(crate) fn one_u32() -> u32 {
        1
    }
    pub(crate) fn pump_start_pct() -> f64 {
        60.0 // [U]
    }
    pub(crate) fn pump_stop_pct() -> f64 {
        95.0 // [U]
    }
    pub(crate) fn transfer_pump_l_per_h() -> f64 {
        3_000.0 // [U] day-tank transfer pump
    }
    pub(crate) fn usable_fraction() -> f64 {
        0.95 // docs/physics.md §5.3: 90–95 % [U]
    }
}
