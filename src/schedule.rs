//! The simulation step: one ordered schedule, its clock and its random numbers.
//!
//! Every tick runs [`SimSchedule`] once. Its system sets are chained in this order, and this
//! list is the one place where the order is written down:
//!
//! 1. [`SimStep::Events`]: scripted events and operator actions due at the tick's start time;
//!    outdoor weather for the tick.
//! 2. [`SimStep::Control`]: controllers decide this tick's operating points from the state left
//!    by the previous tick (ATS and generator sequencing, UPS mode, cooling-unit modes, fan
//!    speeds, pads, chiller staging). A controller's output is held over the tick.
//! 3. [`SimStep::ItLoad`]: rack and GPU power demand from utilisation and the GPUs' thermal caps.
//! 4. [`SimStep::Electrical`]: which elements are energised, flows and losses from the racks up
//!    to the utility and generators, battery charge; protection acting on those flows —
//!    **breakers trip here**, in [`crate::power::breaker::protect`], called by the one flow pass
//!    [`crate::power::flow`] — UPS overload to static bypass, generator bus collapse.
//! 5. [`SimStep::Heat`]: delivered power becomes heat: GPU die nodes, rack heat split between
//!    air and liquid.
//! 6. [`SimStep::Cooling`]: cooling units turn their operating point into airflow, supply
//!    conditions, capacity limits (outdoor wet bulb), water use and heat rejection.
//! 7. [`SimStep::Thermal`]: hall air and mass nodes and liquid loops are solved implicitly;
//!    rack inlet and exhaust temperatures follow.
//! 8. [`SimStep::GpuProtection`]: GPU throttling, hardware slowdown and shutdown from die
//!    temperatures (they take effect on the next tick's IT load), on the racks that the heat
//!    stage listed as having work ([`crate::thermal::ProtectionWatch`]).
//! 9. [`SimStep::Fuel`]: generator fuel burn, transfer pumps, deliveries.
//! 10. [`SimStep::Metrics`]: energy books, envelope counters, samples, expectation trackers.
//! 11. [`SimStep::Advance`]: the length of the next tick (fixed, or adaptive: see
//!     [`crate::adaptive`]).
//!
//! The schedule runs single-threaded with ambiguity detection set to error, so two systems
//! that touch the same data without an explicit order cannot even be built: the results are
//! bit-identical from run to run, headless or in the viewer, at any speed.
//!
//! Time is a [`SimClock`] of whole milliseconds advanced by [`step`]; nothing in the model
//! reads the wall clock.

use bevy::ecs::schedule::{LogLevel, ScheduleBuildSettings, ScheduleLabel, SingleThreadedExecutor, SystemSet};
use bevy::prelude::*;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::units::SimDuration;

/// The schedule that advances the model by one tick. Run it with [`step`].
#[derive(ScheduleLabel, Debug, Clone, PartialEq, Eq, Hash)]
pub struct SimSchedule;

/// The stages of one tick, chained in declaration order (see the module doc).
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SimStep {
    /// Scripted events, operator actions and weather.
    Events,
    /// Controllers choose this tick's operating points.
    Control,
    /// Rack and GPU power demand.
    ItLoad,
    /// Energisation, flows, losses; breaker trips, UPS overload, generator bus collapse.
    Electrical,
    /// Electrical power becomes heat in GPUs, racks, air and liquid.
    Heat,
    /// Cooling units' airflow, supply conditions and water.
    Cooling,
    /// Hall air, mass and liquid loop temperatures.
    Thermal,
    /// GPU throttling, hardware slowdown and over-temperature shutdown.
    GpuProtection,
    /// Fuel burn, transfers and deliveries.
    Fuel,
    /// Books, counters and samples.
    Metrics,
    /// The next tick's length.
    Advance,
}

impl SimStep {
    /// All stages in execution order.
    pub const ORDER: [SimStep; 11] = [
        SimStep::Events,
        SimStep::Control,
        SimStep::ItLoad,
        SimStep::Electrical,
        SimStep::Heat,
        SimStep::Cooling,
        SimStep::Thermal,
        SimStep::GpuProtection,
        SimStep::Fuel,
        SimStep::Metrics,
        SimStep::Advance,
    ];
}

/// Simulated time: the tick counter and the time at the start of the current tick.
///
/// `t_ms` is summed from integer tick lengths, never from floats, so a run of any length
/// keeps exact times and two runs of the same scenario see the same clock bit for bit.
#[derive(Resource, Debug, Clone)]
pub struct SimClock {
    /// Ticks completed.
    pub step: u64,
    /// Time at the start of the current tick, ms since the scenario start.
    pub t_ms: u64,
    /// Length of the current tick.
    pub dt: SimDuration,
    /// End of the run, ms since the scenario start.
    pub end_ms: u64,
    /// Seconds from 1 January 00:00 (local standard time) to the scenario start; weather and
    /// calendar-dependent models add it to `t_s()`.
    pub start_of_year_s: f64,
}

impl SimClock {
    /// A clock at t = 0 with tick `dt`, ending after `duration`.
    pub fn new(dt: SimDuration, duration: SimDuration, start_of_year_s: f64) -> Self {
        Self { step: 0, t_ms: 0, dt, end_ms: duration.as_ms(), start_of_year_s }
    }

    /// Time at the start of the current tick, s.
    pub fn t_s(&self) -> f64 {
        self.t_ms as f64 / 1_000.0
    }

    /// Middle of the current tick, s since the scenario start. Smooth inputs held over a tick
    /// (weather, workload activity) are sampled here: the midpoint rule is exact for inputs
    /// linear over the tick, so long adaptive ticks integrate them to second order.
    pub fn mid_s(&self) -> f64 {
        (self.t_ms as f64 + 0.5 * self.dt.as_ms() as f64) / 1_000.0
    }

    /// Middle of the current tick as seconds after 1 January 00:00.
    pub fn mid_of_year_s(&self) -> f64 {
        self.start_of_year_s + self.mid_s()
    }

    /// Length of the current tick, s.
    pub fn dt_s(&self) -> f64 {
        self.dt.as_secs_f64()
    }

    /// Time at the start of the current tick as seconds after 1 January 00:00.
    pub fn time_of_year_s(&self) -> f64 {
        self.start_of_year_s + self.t_s()
    }

    /// Whether the run has reached its end.
    pub fn finished(&self) -> bool {
        self.t_ms >= self.end_ms
    }
}

/// The run's random numbers: one ChaCha8 stream per purpose, all derived from the scenario seed.
///
/// Separate streams keep draws independent: adding a random effect in one domain does not
/// shift the draws of another, so results stay comparable across versions of a scenario.
#[derive(Resource, Debug, Clone)]
pub struct SimRng {
    seed: u64,
}

impl SimRng {
    /// Random numbers for scenario `seed`.
    pub fn new(seed: u64) -> Self {
        Self { seed }
    }

    /// The scenario seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// A generator for one purpose, e.g. `stream("generator-start", index)`; the same
    /// `(seed, purpose, index)` always gives the same sequence.
    pub fn stream(&self, purpose: &str, index: u64) -> ChaCha8Rng {
        // FNV-1a over the purpose, then mixed with the seed and index (SplitMix64 finaliser).
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in purpose.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        let mut z = h ^ self.seed.rotate_left(17) ^ index.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ChaCha8Rng::seed_from_u64(z ^ (z >> 31))
    }
}

/// Whether per-rack work is shared among the compute threads (Bevy's `ComputeTaskPool`).
///
/// The schedule itself stays single-threaded (one system at a time, in a fixed order); only
/// loops over racks whose iterations are independent run in parallel, and every sum over
/// racks is then taken in query order, so results are bit-identical with or without it.
///
/// Off by default: on the project's 2-core machine, handing three loops a tick to the pool
/// costs more than it saves below a gigawatt (measured with `dctwin bench --parallel`: 1 MW
/// hall 0.45×, 100 MW 0.92×, 1 GW 1.04× the serial speed; docs/performance.md). Machines
/// with more cores and the largest sites can turn it on (`--parallel`).
#[derive(Resource, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Parallelism(pub bool);

/// Sets up [`SimSchedule`]: single-threaded, ambiguities are errors, stages chained.
#[derive(Default)]
pub struct SchedulePlugin;

impl Plugin for SchedulePlugin {
    fn build(&self, app: &mut App) {
        let mut schedule = Schedule::new(SimSchedule);
        schedule
            .set_executor(SingleThreadedExecutor::new())
            .set_build_settings(ScheduleBuildSettings { ambiguity_detection: LogLevel::Error, ..default() });
        // The stages run in the order of `SimStep::ORDER`, the one list of them.
        for pair in SimStep::ORDER.windows(2) {
            schedule.configure_sets(pair[1].after(pair[0]));
        }
        schedule.configure_sets((MetricsPhase::Books, MetricsPhase::Guard).chain().in_set(SimStep::Metrics));
        // Timing gates around every stage (systems are added only by `enable_stage_timing`).
        for (i, stage) in SimStep::ORDER.into_iter().enumerate() {
            schedule.configure_sets(StageGate(i).before(stage));
            schedule.configure_sets(StageGate(i + 1).after(stage));
        }
        app.add_schedule(schedule);
        app.init_resource::<Parallelism>();
        // The pool the per-rack loops share out to (a viewer's TaskPoolPlugin may have made
        // it already: the first one stays): one thread per core.
        bevy::tasks::ComputeTaskPool::get_or_init(bevy::tasks::TaskPool::default);
    }
}

/// The two phases of [`SimStep::Metrics`]: the books (counters, samples, money and carbon),
/// then the guard that ends a run whose numbers stopped being finite.
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MetricsPhase {
    /// Counters, samples, cost and carbon.
    Books,
    /// The numeric guard (reads the books, may end the run).
    Guard,
}

/// The point between two stages of [`SimSchedule`]: gate `i` runs before stage
/// `SimStep::ORDER[i]` and after the one before it (gate `ORDER.len()` after the last).
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StageGate(pub usize);

/// Wall time spent in each stage (benchmarks only: the model never reads it).
#[derive(Resource, Debug, Clone, Default)]
pub struct StageTimer {
    last: Option<std::time::Instant>,
    /// Seconds spent in each stage of [`SimStep::ORDER`] so far.
    pub spent_s: [f64; SimStep::ORDER.len()],
}

impl StageTimer {
    fn mark(&mut self, gate: usize) {
        let now = std::time::Instant::now();
        if gate > 0
            && let Some(last) = self.last
        {
            self.spent_s[gate - 1] += (now - last).as_secs_f64();
        }
        self.last = Some(now);
    }
}

/// Times every stage of the tick into a [`StageTimer`] resource (for `dctwin bench` and the
/// criterion benches; a gate system costs tens of nanoseconds, so it is off in normal runs).
pub fn enable_stage_timing(app: &mut App) {
    app.init_resource::<StageTimer>();
    for gate in 0..=SimStep::ORDER.len() {
        app.add_systems(SimSchedule, (move |mut t: ResMut<StageTimer>| t.mark(gate)).in_set(StageGate(gate)));
    }
}

/// Largest change of a tracked temperature over one tick before the tick stops growing, K.
///
/// A quarter kelvin keeps the time at which an inlet crosses an ASHRAE limit within the time
/// the air takes to warm by 0.25 K, and the hall's stored heat within
/// `C·0.25 K` per tick of the exact value.
pub const DEFAULT_TOLERANCE_K: f64 = 0.25;

/// The step controller's settings and its choice for the next tick: the core reads `next`
/// in [`step`]; [`crate::adaptive`] chooses it.
#[derive(Resource, Clone, Debug)]
pub struct StepControl {
    /// Shortest tick: the scenario's `tick`.
    pub min: SimDuration,
    /// Longest tick: the scenario's `max_tick`.
    pub max: SimDuration,
    /// See [`DEFAULT_TOLERANCE_K`].
    pub tolerance_k: f64,
    /// Length of the next tick.
    pub next: SimDuration,
    /// What held the last tick short (`None` when it could grow).
    pub held_by: Option<&'static str>,
    /// Ticks run at the shortest length because of a transient.
    pub held_ticks: u64,
    /// Those ticks by what held them.
    pub held_by_reason: std::collections::BTreeMap<&'static str, u64>,
    /// Tracked temperatures at the end of the last tick (adaptive stepping), °C.
    pub(crate) temps: Vec<f64>,
    /// Scratch buffer for this tick's temperatures, °C.
    pub(crate) scratch: Vec<f64>,
    /// The length the current tick had before it was cut short to land on a boundary (an
    /// output row, an event, the end), ms; 0 when it was not cut.
    pub(crate) unclipped_ms: u64,
}

impl StepControl {
    /// A controller between `min` and `max` (fixed step when they are equal).
    pub fn new(min: SimDuration, max: SimDuration) -> Self {
        Self {
            min,
            max: max.max(min),
            tolerance_k: DEFAULT_TOLERANCE_K,
            next: min,
            held_by: None,
            held_ticks: 0,
            held_by_reason: Default::default(),
            temps: Vec::new(),
            scratch: Vec::new(),
            unclipped_ms: 0,
        }
    }

    /// Whether the step adapts.
    pub fn adaptive(&self) -> bool {
        self.max > self.min
    }
}

/// Advances the world by one tick: runs [`SimSchedule`] and moves the clock on, to the next
/// tick's length chosen in [`StepControl`] when the world has one.
pub fn step(world: &mut World) {
    world.run_schedule(SimSchedule);
    let next = world.get_resource::<StepControl>().map(|c| c.next);
    let mut clock = world.resource_mut::<SimClock>();
    clock.t_ms += clock.dt.as_ms();
    clock.step += 1;
    if let Some(next) = next {
        clock.dt = next;
    }
}

/// Runs ticks until the clock reaches its end; returns the number of ticks run.
pub fn run_to_end(world: &mut World) -> u64 {
    let mut n = 0;
    while !world.resource::<SimClock>().finished() {
        step(world);
        n += 1;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngExt;

    #[test]
    fn rng_streams_are_reproducible_and_independent() {
        let rng = SimRng::new(42);
        let a: Vec<u64> = (0..4).map(|_| 0).scan(rng.stream("gen", 0), |r, _| Some(r.random())).collect();
        let b: Vec<u64> = (0..4).map(|_| 0).scan(rng.stream("gen", 0), |r, _| Some(r.random())).collect();
        let c: Vec<u64> = (0..4).map(|_| 0).scan(rng.stream("gen", 1), |r, _| Some(r.random())).collect();
        let d: Vec<u64> = (0..4).map(|_| 0).scan(SimRng::new(43).stream("gen", 0), |r, _| Some(r.random())).collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(a, d);
    }

    #[test]
    fn clock_counts_exact_milliseconds() {
        let mut world = World::new();
        world.add_schedule(Schedule::new(SimSchedule));
        world.insert_resource(SimClock::new(SimDuration::from_ms(250), SimDuration::from_secs(3600), 0.0));
        assert_eq!(run_to_end(&mut world), 14_400);
        assert_eq!(world.resource::<SimClock>().t_s(), 3600.0);
    }
}
