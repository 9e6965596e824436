//! The scenario format: scripted events.

use serde::{Deserialize, Serialize};

use crate::scenario::*;
use crate::units::SimDuration;

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
