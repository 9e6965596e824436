//! The scenario format: workloads that drive the racks.

use serde::{Deserialize, Serialize};

use crate::scenario::*;

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
