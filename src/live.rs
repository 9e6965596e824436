//! Live sessions: the simulation driven at a chosen speed, with operator actions, pause points
//! and saved sessions. The 3D viewer (feature `viewer`) drives its world with [`LiveSim`];
//! keeping the driver apart from rendering lets the tests run it headless.
//!
//! The driver only calls [`crate::schedule::step`], the same function a headless run calls, so
//! a live session computes exactly what `dctwin run` computes:
//!
//! - **Speed** is simulated seconds per wall second. Each frame owes `speed × frame time` of
//!   simulated time and pays it in whole ticks, as many per frame as needed (within a wall-time
//!   budget, so the window stays responsive); the frame rate never changes what is computed.
//! - **Operator actions** are queued at the start of the next tick, exactly like a scenario
//!   event at that time, and recorded with their time.
//! - **Pause points**: a `Pause` event stops the clock right after the tick that reaches it.
//! - **Saving** writes a scenario file: the session's scenario with every operator action
//!   appended to its events and its duration set to the time reached, so `dctwin run` of that
//!   file ends in the state the session was in, bit for bit. Live sessions always run on the
//!   scenario's fixed tick (an adaptive step would align its ticks to the recorded actions on
//!   replay, and the two runs would differ).

use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use bevy::prelude::*;

use crate::events::{ActionQueue, ActionSource, TimedAction};
use crate::scenario::{Action, EventSpec, Scenario, WeatherSpec};
use crate::schedule::{SimClock, step};
use crate::units::SimDuration;

/// Slowest and fastest speeds offered, simulated seconds per wall second.
pub const SPEEDS: [f64; 9] = [1.0, 10.0, 60.0, 300.0, 900.0, 3_600.0, 14_400.0, 86_400.0, 604_800.0];

/// Wall time one frame may spend stepping the simulation before it draws, by default: at
/// 60 frames per second a frame lasts 16.7 ms, so stepping may take most of it.
pub const DEFAULT_STEP_BUDGET: Duration = Duration::from_millis(25);

/// The driver of a live session (a resource of the viewer's world).
#[derive(Resource, Debug, Clone)]
pub struct LiveSim {
    /// The scenario as loaded (saved sessions start from it).
    pub scenario: Scenario,
    /// The scenario file.
    pub file: PathBuf,
    /// The run's seed.
    pub seed: u64,
    /// Simulated seconds per wall second.
    pub speed: f64,
    /// The clock is stopped.
    pub paused: bool,
    /// Run ticks as fast as possible until this time, ms (a jump), then pause.
    pub jump_to_ms: Option<u64>,
    /// Simulated time owed to the clock, s.
    owed_s: f64,
    /// Wall time one frame may spend stepping.
    pub step_budget: Duration,
    /// Ticks run in the last frame (for the speed display).
    pub last_frame_ticks: u64,
    /// Why the clock last stopped by itself (a pause point, the end of the run).
    pub stopped_by: Option<String>,
}

impl LiveSim {
    /// A paused session of `scenario` (from `file`) at 60× real time.
    pub fn new(scenario: Scenario, file: PathBuf, seed: u64) -> Self {
        Self {
            scenario,
            file,
            seed,
            speed: 60.0,
            paused: true,
            jump_to_ms: None,
            owed_s: 0.0,
            step_budget: DEFAULT_STEP_BUDGET,
            last_frame_ticks: 0,
            stopped_by: None,
        }
    }

    /// The next faster (`up`) or slower speed of [`SPEEDS`].
    pub fn change_speed(&mut self, up: bool) {
        let i = SPEEDS.iter().position(|&s| s >= self.speed).unwrap_or(SPEEDS.len() - 1);
        self.speed = if up { SPEEDS[(i + 1).min(SPEEDS.len() - 1)] } else { SPEEDS[i.saturating_sub(1)] };
    }

    /// Advances the world for a frame that lasted `frame_s` of wall time; returns the ticks run.
    pub fn advance(&mut self, world: &mut World, frame_s: f64) -> u64 {
        let start = Instant::now();
        let mut ticks = 0;
        if let Some(target) = self.jump_to_ms {
            while world.resource::<SimClock>().t_ms < target && start.elapsed() < self.step_budget {
                if !self.step_checked(world) {
                    break;
                }
                ticks += 1;
            }
            if world.resource::<SimClock>().t_ms >= target || self.stopped_by.is_some() {
                self.jump_to_ms = None;
                self.paused = true;
            }
        } else if !self.paused {
            self.owed_s += frame_s * self.speed;
            let dt = world.resource::<SimClock>().dt_s();
            while self.owed_s >= dt && start.elapsed() < self.step_budget {
                if !self.step_checked(world) {
                    break;
                }
                self.owed_s -= dt;
                ticks += 1;
            }
            // A clock that cannot keep up does not build an ever-growing debt.
            self.owed_s = self.owed_s.min(dt.max(frame_s * self.speed));
        }
        self.last_frame_ticks = ticks;
        ticks
    }

    /// Runs one tick (also while paused: single step); false if the run is over.
    pub fn step_once(&mut self, world: &mut World) -> bool {
        self.step_checked(world)
    }

    /// One tick, stopping at pause points and at the end of the run.
    fn step_checked(&mut self, world: &mut World) -> bool {
        let clock = world.resource::<SimClock>();
        if clock.finished() {
            self.paused = true;
            self.stopped_by = Some("end of the run".into());
            return false;
        }
        let t_ms = clock.t_ms;
        let pause_due = world
            .resource::<ActionQueue>()
            .pending()
            .take_while(|a| a.at_ms <= t_ms)
            .any(|a| matches!(a.action, Action::Pause));
        step(world);
        if pause_due {
            self.paused = true;
            self.owed_s = 0.0;
            self.stopped_by = Some("pause point".into());
            return false;
        }
        true
    }

    /// Starts the clock (clearing why it stopped).
    pub fn play(&mut self) {
        self.paused = false;
        self.stopped_by = None;
        self.owed_s = 0.0;
    }

    /// Queues an operator action at the start of the next tick.
    pub fn act(&self, world: &mut World, action: Action, note: impl Into<String>) {
        let at_ms = world.resource::<SimClock>().t_ms;
        world.resource_mut::<ActionQueue>().push(TimedAction {
            at_ms,
            action,
            note: note.into(),
            source: ActionSource::Operator,
        });
    }

    /// Operator actions so far (applied and queued), in time order.
    pub fn operator_actions(world: &World) -> Vec<TimedAction> {
        let q = world.resource::<ActionQueue>();
        q.applied.iter().chain(q.pending()).filter(|a| a.source == ActionSource::Operator).cloned().collect()
    }

    /// The scenario that replays this session headless: the loaded scenario, the session's
    /// seed, its operator actions appended to the events, a fixed tick, and the duration set
    /// to the time reached (or kept, before the first tick). Relative weather files are made
    /// absolute when the session is saved elsewhere than the scenario (`out_dir`).
    pub fn session_scenario(&self, world: &World, out_dir: &Path) -> Scenario {
        let mut s = self.scenario.clone();
        s.seed = self.seed;
        s.max_tick = None;
        let t_ms = world.resource::<SimClock>().t_ms;
        if t_ms > 0 {
            s.duration = SimDuration::from_ms(t_ms);
        }
        for a in Self::operator_actions(world) {
            s.events.push(EventSpec {
                at: SimDuration::from_ms(a.at_ms),
                action: a.action,
                note: if a.note.is_empty() { "operator".into() } else { format!("operator: {}", a.note) },
            });
        }
        let base = self.file.parent().map(Path::to_owned).unwrap_or_default();
        if let WeatherSpec::Epw { file, .. } = &mut s.weather
            && Path::new(file.as_str()).is_relative()
            && !same_dir(&base, out_dir)
        {
            let abs = std::fs::canonicalize(base.join(&*file)).unwrap_or_else(|_| base.join(&*file));
            *file = abs.display().to_string();
        }
        s
    }

    /// Writes the session as a scenario file at `path` (atomically); returns the text.
    pub fn save_session(&self, world: &World, path: &Path) -> io::Result<String> {
        let out_dir = path.parent().map(Path::to_owned).unwrap_or_default();
        let s = self.session_scenario(world, &out_dir);
        let body = ron::ser::to_string_pretty(&s, ron::ser::PrettyConfig::default()).map_err(io::Error::other)?;
        let t = world.resource::<SimClock>().t_s();
        let text = format!(
            "// Session saved from the viewer at {} of {}.\n//\n// What it demonstrates: this live session, replayed headless: `dctwin run` of this file\n// ends in the state the session reached, bit for bit. Operator actions are the events\n// noted \"operator\".\n{body}\n",
            crate::units::format_clock(t),
            self.file.display()
        );
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        crate::report::write_atomic(path, text.as_bytes())?;
        Ok(text)
    }
}

fn same_dir(a: &Path, b: &Path) -> bool {
    match (
        std::fs::canonicalize(if a.as_os_str().is_empty() { Path::new(".") } else { a }),
        std::fs::canonicalize(if b.as_os_str().is_empty() { Path::new(".") } else { b }),
    ) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}
