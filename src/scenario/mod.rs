//! Scenario files: what a user writes (RON), how it is read, checked and turned into a world.
//!
//! - [`Scenario`] and the `*Spec` types of [`schema`] (one file per domain) are the file
//!   format; every field carries its unit in its name (or is a [`SimDuration`]); unknown
//!   fields are rejected. Where the model already has the type (an [`Action`], a [`UpsMode`],
//!   a [`TripCurve`]…) the format reads the model's own type.
//! - [`load`] reads a file and reports syntax errors as `file:line:col`.
//! - [`expand`] unrolls the compact forms (`each: "1-16"` with `{n}` in ids, row ranges with
//!   `{row}` in feed names) into a flat [`expand::Plant`].
//! - [`validate`] checks references, ranges and the electrical graph; each problem names its
//!   place in the file (located by [`locate`]), what was expected and a hint.
//! - [`build`] turns the checked file into a world: one builder per domain, file types in,
//!   model components and resources out.

pub mod build;
pub mod expand;
pub mod load;
pub mod locate;
pub mod schema;
pub mod validate;

use serde::{Deserialize, Serialize};

use crate::catalog::Catalog;
use crate::metrics::expect::Expectation;
use crate::units::SimDuration;

pub use load::{ScenarioError, load_file, parse_str};
pub use schema::*;

// Model types the file format reads directly: the model owns them (dependencies run one way,
// scenario → model); the schema names them where a file writes them.
pub use crate::cooling::evaporative::EvaporativeStages;
pub use crate::cooling::{Condenser, FanControl, HeatRejection};
pub use crate::events::{Action, FeedIds};
pub use crate::fuel::{TankKind, TankerLogistics};
pub use crate::load::LoadProfile;
pub use crate::power::breaker::{BreakerStandard, TripCurve};
pub use crate::power::generator::FuelCurve;
pub use crate::power::ups::{BatteryParams, Chemistry, LossCoefficients, UpsMode};
pub use crate::power::{DistributionKind, Redundancy};
pub use crate::thermal::{Containment, InletModel};
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
    /// Capital and running costs, lives and embodied carbon (every field has a cited default).
    #[serde(default)]
    pub economics: EconomicsSpec,
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
