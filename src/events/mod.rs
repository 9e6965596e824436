//! Scripted events in, logged events out. See [`EventsPlugin`].
//!
//! - [`ActionQueue`] holds what will happen: the scenario's `events` and the actions an operator
//!   takes in the viewer (each stamped with the time it was taken, so a saved session replays
//!   identically). At the start of each tick the actions due are moved to [`DueActions`];
//!   each domain plugin applies the ones it owns in [`SimStep::Events`].
//! - [`EventLog`] records what happened, with the simulated time: breaker trips, transfers,
//!   GPU throttling, alarms. It becomes `events.jsonl` and the printed timeline.

use std::collections::BTreeMap;

use bevy::prelude::*;
use serde::{Deserialize, Serialize};

use crate::schedule::{SimClock, SimSchedule, SimStep};
use crate::thermal::ashrae::Band;
use crate::units::SimDuration;

/// Who asked for an action.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionSource {
    /// The scenario file.
    Scenario,
    /// Scheduled by the model itself (e.g. the end of a timed outage).
    Follow,
    /// A person in the viewer.
    Operator,
}

/// An action with its time.
#[derive(Clone, Debug, PartialEq)]
pub struct TimedAction {
    /// When, ms since the run start.
    pub at_ms: u64,
    /// What.
    pub action: Action,
    /// Narration.
    pub note: String,
    /// Who.
    pub source: ActionSource,
}

/// Actions still to come, ordered by time then by insertion (deterministic).
#[derive(Resource, Debug, Default, Clone)]
pub struct ActionQueue {
    pending: BTreeMap<(u64, u64), TimedAction>,
    next_seq: u64,
    /// Every action applied so far (for replay files).
    pub applied: Vec<TimedAction>,
}

impl ActionQueue {
    /// Adds an action.
    pub fn push(&mut self, action: TimedAction) {
        self.pending.insert((action.at_ms, self.next_seq), action);
        self.next_seq += 1;
    }

    /// Removes and returns the actions due at or before `t_ms`, in order.
    pub fn take_due(&mut self, t_ms: u64) -> Vec<TimedAction> {
        let rest = self.pending.split_off(&(t_ms + 1, 0));
        let due: Vec<TimedAction> = core::mem::replace(&mut self.pending, rest).into_values().collect();
        self.applied.extend(due.iter().cloned());
        due
    }

    /// Actions not yet due.
    pub fn pending(&self) -> impl Iterator<Item = &TimedAction> {
        self.pending.values()
    }
}

/// The actions due this tick.
#[derive(Resource, Debug, Default, Clone)]
pub struct DueActions(pub Vec<TimedAction>);

/// How much an event matters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Normal operation.
    Info,
    /// Worth a look.
    Warning,
    /// Out of limits.
    Alarm,
    /// Load lost or equipment shut down.
    Critical,
}

/// What kind of thing happened (machine-readable, stable names in `events.jsonl`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// A scripted or operator action was applied.
    Action,
    /// Narration.
    Caption,
    /// A utility feed was lost.
    UtilityLost,
    /// A utility feed came back.
    UtilityRestored,
    /// Grid import above the contracted capacity.
    GridCapacityExceeded,
    /// Generators were signalled to start.
    GeneratorStartSignal,
    /// A set came online.
    GeneratorOnline,
    /// A set failed to start.
    GeneratorFailedToStart,
    /// A set tripped or ran out of fuel.
    GeneratorTripped,
    /// A set stopped after cool-down.
    GeneratorStopped,
    /// A generator bus collapsed on overload.
    GeneratorBusCollapse,
    /// A set has run lightly loaded for a long time.
    WetStacking,
    /// An ATS moved to the generators.
    AtsToGenerator,
    /// An ATS moved back to the utility.
    AtsToUtility,
    /// A UPS moved to battery.
    UpsOnBattery,
    /// A UPS returned to its input.
    UpsOnInput,
    /// A UPS's battery ran out.
    UpsBatteryExhausted,
    /// A UPS went to static bypass.
    UpsBypass,
    /// A UPS faulted.
    UpsFault,
    /// Racks lost power.
    LoadDropped,
    /// Racks regained power.
    LoadRestored,
    /// A breaker opened.
    BreakerTrip,
    /// A breaker closed again.
    BreakerReset,
    /// A rack inlet left an ASHRAE band upwards.
    InletExcursion,
    /// A rack inlet came back into a band.
    InletRecovered,
    /// A hall's dew point left an ASHRAE band upwards.
    HumidityExcursion,
    /// A hall's dew point came back into a band.
    HumidityRecovered,
    /// GPUs began thermal throttling in a rack.
    GpuThrottling,
    /// GPUs entered hardware slowdown in a rack.
    GpuSlowdown,
    /// GPUs shut down on over-temperature in a rack.
    GpuShutdown,
    /// Latched GPUs were reset.
    GpusReset,
    /// A cooling unit failed or lost power.
    CoolingUnitDown,
    /// A cooling unit is back.
    CoolingUnitUp,
    /// A cooling unit cannot hold its supply set point.
    CoolingCapacityLimit,
    /// A cooling unit holds its set point again.
    CoolingCapacityRecovered,
    /// Evaporative pads switched on.
    PadsOn,
    /// Evaporative pads switched off.
    PadsOff,
    /// Fuel was ordered.
    FuelOrdered,
    /// A tanker delivered.
    FuelDelivered,
    /// Site fuel autonomy fell below a threshold.
    FuelLow,
    /// A tank ran dry.
    TankEmpty,
}

/// Why a breaker opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TripCause {
    /// Long-time thermal element.
    Thermal,
    /// Instantaneous magnetic element.
    Magnetic,
    /// Opened by an event or an operator.
    Manual,
}

/// The structured facts of an event, for programs (metrics, reports, the viewer); the
/// message is for people and nothing parses it.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub enum EventDetail {
    /// Nothing beyond the kind, subject and value.
    #[default]
    None,
    /// A breaker opened.
    BreakerTrip {
        /// What opened it.
        cause: TripCause,
        /// Current through it when it opened, A (0 when opened by hand).
        current_a: f64,
        /// That current as a multiple of its rated current In (0 when opened by hand).
        multiple_of_in: f64,
    },
    /// A rack inlet or a hall's dew point moved between ASHRAE bands (excursions and
    /// recoveries).
    Envelope {
        /// The band left (the previous state).
        from: Band,
        /// The band reached.
        to: Band,
    },
}

/// One logged event.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LogEvent {
    /// Simulated time, s since the run start.
    pub t_s: f64,
    /// Kind.
    pub kind: EventKind,
    /// Severity.
    pub severity: Severity,
    /// The element concerned (id), or `site`.
    pub subject: String,
    /// Human-readable description.
    pub message: String,
    /// A number that goes with it (trip time, temperature, kW …), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// Structured facts for programs (not written to `events.jsonl`, whose format is kept).
    #[serde(skip)]
    pub detail: EventDetail,
}

/// Everything that happened, in order.
#[derive(Resource, Debug, Default, Clone)]
pub struct EventLog {
    /// Events in time order.
    pub events: Vec<LogEvent>,
}

impl EventLog {
    /// Logs an event; returns it so that its [`EventDetail`] can be set.
    pub fn log(
        &mut self,
        t_s: f64,
        kind: EventKind,
        severity: Severity,
        subject: impl Into<String>,
        message: impl Into<String>,
        value: Option<f64>,
    ) -> &mut LogEvent {
        let detail = EventDetail::None;
        self.events.push(LogEvent {
            t_s,
            kind,
            severity,
            subject: subject.into(),
            message: message.into(),
            value,
            detail,
        });
        self.events.last_mut().expect("just pushed")
    }

    /// Number of events of a kind.
    pub fn count(&self, kind: EventKind) -> usize {
        self.events.iter().filter(|e| e.kind == kind).count()
    }

    /// First event of a kind.
    pub fn first(&self, kind: EventKind) -> Option<&LogEvent> {
        self.events.iter().find(|e| e.kind == kind)
    }
}

/// Phases of [`SimStep::Events`], chained: due actions are taken, then each domain applies
/// the ones it owns, in this fixed order (so the event log's order is deterministic).
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventPhase {
    /// Due actions move to [`DueActions`]; outdoor weather for the tick.
    Take,
    /// Electrical actions (outages, breakers, generators, UPS).
    Power,
    /// Cooling failures and repairs.
    Cooling,
    /// Fuel orders and delays.
    Fuel,
    /// Rack swaps and additions, workload steps, GPU resets (exclusive: may spawn racks).
    Racks,
}

/// Moves due actions out of the queue and logs them.
#[derive(Default)]
pub struct EventsPlugin;

impl Plugin for EventsPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<ActionQueue>()
            .init_resource::<DueActions>()
            .init_resource::<EventLog>()
            .configure_sets(
                SimSchedule,
                (EventPhase::Take, EventPhase::Power, EventPhase::Cooling, EventPhase::Fuel, EventPhase::Racks)
                    .chain()
                    .in_set(SimStep::Events),
            )
            .add_systems(SimSchedule, take_due_actions.in_set(EventPhase::Take));
    }
}

fn take_due_actions(
    clock: Res<SimClock>,
    mut queue: ResMut<ActionQueue>,
    mut due: ResMut<DueActions>,
    mut log: ResMut<EventLog>,
) {
    due.0 = queue.take_due(clock.t_ms);
    for a in &due.0 {
        let (kind, severity) = match a.action {
            Action::Caption | Action::Pause => (EventKind::Caption, Severity::Info),
            _ => (EventKind::Action, Severity::Info),
        };
        if a.source == ActionSource::Follow {
            continue;
        }
        let what = describe_action(&a.action);
        let message = if a.note.is_empty() { what } else { format!("{what} — {}", a.note) };
        let subject = match a.source {
            ActionSource::Operator => "operator",
            _ => "scenario",
        };
        log.log(clock.t_s(), kind, severity, subject, message, None);
    }
}

/// One-line description of an action.
pub fn describe_action(a: &Action) -> String {
    match a {
        Action::UtilityOutage { feed, duration } => format!(
            "utility outage on {}{}",
            feed.as_deref().unwrap_or("all feeds"),
            duration.map(|d| format!(" for {d}")).unwrap_or_default()
        ),
        Action::UtilityRestore { feed } => format!("utility restored on {}", feed.as_deref().unwrap_or("all feeds")),
        Action::CoolingFail { unit } => format!("cooling {unit} fails"),
        Action::CoolingRestore { unit } => format!("cooling {unit} restored"),
        Action::SwapRacks { hall, rows, positions, rack, .. } => format!(
            "racks in {hall} rows {rows}{} swapped to {rack}",
            positions.as_ref().map(|p| format!(" positions {p}")).unwrap_or_default()
        ),
        Action::AddRacks { hall, rows, count, rack, .. } => format!("{count} × {rack} added to {hall} rows {rows}"),
        Action::SetUtilisation { workload, utilisation } => {
            format!("workload {workload} set to {:.0} % activity", utilisation * 100.0)
        }
        Action::OrderFuel { tank, tankers } => format!("{tankers} tanker(s) ordered for {tank}"),
        Action::DelayDeliveries { by } => format!("fuel deliveries delayed by {by}"),
        Action::BreakerTrip { breaker } => format!("breaker {breaker} opened"),
        Action::BreakerReset { breaker } => format!("breaker {breaker} reset requested"),
        Action::GeneratorTrip { generator } => format!("generator {generator} tripped"),
        Action::GeneratorFailToStart { generator } => format!("generator {generator} will fail its next start"),
        Action::GeneratorRepair { generator } => format!("generator {generator} repaired"),
        Action::UpsFault { ups } => format!("UPS {ups} fault"),
        Action::UpsRestore { ups } => format!("UPS {ups} restored"),
        Action::ResetGpus { hall } => format!("GPU reset in {}", hall.as_deref().unwrap_or("all halls")),
        Action::Caption => "caption".into(),
        Action::Pause => "pause".into(),
    }
}

/// Rack feeds by element id: A side and optional B side (2N); `{row}` in an id stands for the
/// row number where a scripted action applies to several rows.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FeedIds {
    /// A-side distribution id (`{row}` expands to the row number).
    pub a: String,
    /// B-side distribution id.
    #[serde(default)]
    pub b: Option<String>,
}

/// Something that happens to the site: a fault, a repair or an operator action.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub enum Action {
    /// A utility feed (or all, if none named) is lost, optionally for a set time.
    UtilityOutage {
        /// Feed id; all feeds if absent.
        #[serde(default)]
        feed: Option<String>,
        /// Restore after this long.
        #[serde(default)]
        duration: Option<SimDuration>,
    },
    /// A utility feed (or all) returns.
    UtilityRestore {
        /// Feed id; all feeds if absent.
        #[serde(default)]
        feed: Option<String>,
    },
    /// A cooling unit, chiller plant or liquid loop fails.
    CoolingFail {
        /// Unit, plant or loop id.
        unit: String,
    },
    /// A failed cooling unit, plant or loop is repaired.
    CoolingRestore {
        /// Unit, plant or loop id.
        unit: String,
    },
    /// Racks in rows are replaced by another catalog type.
    SwapRacks {
        /// Hall id.
        hall: String,
        /// Row numbers.
        rows: crate::ranges::RangeSpec,
        /// Rack positions in each row (1-based); all if absent.
        #[serde(default)]
        positions: Option<crate::ranges::RangeSpec>,
        /// New rack type id.
        rack: String,
        /// New power feeds for the swapped racks (`{row}` expands); unchanged if absent.
        #[serde(default)]
        feeds: Option<FeedIds>,
        /// New workload for the swapped racks; unchanged if absent.
        #[serde(default)]
        workload: Option<String>,
    },
    /// Racks are added at the end of rows.
    AddRacks {
        /// Hall id.
        hall: String,
        /// Row numbers.
        rows: crate::ranges::RangeSpec,
        /// Racks added to each row.
        count: u32,
        /// Rack type id.
        rack: String,
        /// Power feeds (`{row}` expands); the row's last rack's feeds if absent.
        #[serde(default)]
        feeds: Option<FeedIds>,
        /// Workload; the row's last rack's if absent.
        #[serde(default)]
        workload: Option<String>,
    },
    /// A workload's activity is set to a constant (an IT load step).
    SetUtilisation {
        /// Workload id.
        workload: String,
        /// New activity 0–1.
        utilisation: f64,
    },
    /// Tankers are ordered for a bulk tank (arrive after the lead time).
    OrderFuel {
        /// Bulk tank id.
        tank: String,
        /// Number of tankers.
        #[serde(default = "defaults::one_u32")]
        tankers: u32,
    },
    /// All pending deliveries are delayed.
    DelayDeliveries {
        /// Extra delay.
        by: SimDuration,
    },
    /// A breaker is tripped by hand (or by a fault).
    BreakerTrip {
        /// Distribution element id.
        breaker: String,
    },
    /// A tripped breaker is reset.
    BreakerReset {
        /// Distribution element id.
        breaker: String,
    },
    /// A running generator trips.
    GeneratorTrip {
        /// Generator id.
        generator: String,
    },
    /// A generator's next start attempt fails.
    GeneratorFailToStart {
        /// Generator id.
        generator: String,
    },
    /// A tripped or failed generator is repaired.
    GeneratorRepair {
        /// Generator id.
        generator: String,
    },
    /// A UPS faults: its load goes to static bypass if the input is healthy, else drops.
    UpsFault {
        /// UPS id.
        ups: String,
    },
    /// A faulted UPS returns to normal.
    UpsRestore {
        /// UPS id.
        ups: String,
    },
    /// GPUs latched off by over-temperature are reset (all halls if none named).
    ResetGpus {
        /// Hall id.
        #[serde(default)]
        hall: Option<String>,
    },
    /// No change to the site: a caption for the timeline and the viewer.
    Caption,
    /// The viewer pauses here (trainer lessons); headless runs ignore it.
    Pause,
}
impl Action {
    /// Short name of the action, as in the file.
    pub fn name(&self) -> &'static str {
        match self {
            Action::UtilityOutage { .. } => "UtilityOutage",
            Action::UtilityRestore { .. } => "UtilityRestore",
            Action::CoolingFail { .. } => "CoolingFail",
            Action::CoolingRestore { .. } => "CoolingRestore",
            Action::SwapRacks { .. } => "SwapRacks",
            Action::AddRacks { .. } => "AddRacks",
            Action::SetUtilisation { .. } => "SetUtilisation",
            Action::OrderFuel { .. } => "OrderFuel",
            Action::DelayDeliveries { .. } => "DelayDeliveries",
            Action::BreakerTrip { .. } => "BreakerTrip",
            Action::BreakerReset { .. } => "BreakerReset",
            Action::GeneratorTrip { .. } => "GeneratorTrip",
            Action::GeneratorFailToStart { .. } => "GeneratorFailToStart",
            Action::GeneratorRepair { .. } => "GeneratorRepair",
            Action::UpsFault { .. } => "UpsFault",
            Action::UpsRestore { .. } => "UpsRestore",
            Action::ResetGpus { .. } => "ResetGpus",
            Action::Caption => "Caption",
            Action::Pause => "Pause",
        }
    }
}

/// Default values of optional parameters, each with its source.
pub(crate) mod defaults {
    pub(crate) fn one_u32() -> u32 {
        1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_releases_actions_in_time_then_insertion_order() {
        let mut q = ActionQueue::default();
        let at = |ms, note: &str| TimedAction {
            at_ms: ms,
            action: Action::Caption,
            note: note.into(),
            source: ActionSource::Scenario,
        };
        q.push(at(2000, "b"));
        q.push(at(1000, "a"));
        q.push(at(2000, "c"));
        assert!(q.take_due(999).is_empty());
        let due: Vec<String> = q.take_due(2000).into_iter().map(|a| a.note).collect();
        assert_eq!(due, ["a", "b", "c"]);
        assert_eq!(q.applied.len(), 3);
        assert_eq!(q.pending().count(), 0);
    }
}
