//! Adaptive time step: long ticks while the site is steady, the scenario's tick around events
//! and transients.
//!
//! A scenario with `max_tick` longer than its `tick` runs adaptively. After each tick,
//! [`plan_next_tick`] chooses the next tick's length `dt'` from the one just run, `dt`:
//!
//! 1. **Transients hold the shortest tick** (`tick`): each domain says whether it is in one
//!    ([`crate::power::PowerSteadiness`]: outages, transfers, generators, UPS on battery or
//!    recharging, breakers above their rating; [`crate::thermal::ThermalSteadiness`]: GPUs
//!    throttling or within 2 K of it; [`crate::cooling::CoolingSteadiness`]: equipment
//!    restarting; [`crate::fuel::FuelState::steadiness`]: the last hour of fuel). The tick that
//!    starts at a scripted event is always the shortest too.
//! 2. **Otherwise the tick grows, bounded by how fast temperatures move**:
//!    `dt' = min(2·dt, dt·ΔT_tol/ΔT_max, max_tick)`, where `ΔT_max` is the largest change over
//!    the last tick of any hall air or mass node, cold aisle, chilled-water or coolant loop and
//!    rack coolant, and `ΔT_tol` is [`StepControl::tolerance_k`] (0.25 K). GPU dies, breaker
//!    thermal memory and the battery are integrated exactly for constant inputs, so they need
//!    no bound of their own while steady.
//! 3. **Ticks never step over a boundary**: the next scripted event, a tanker arriving or
//!    running empty, the next activity step of a workload (training checkpoints), the next
//!    time-series row and the end of the run. Every tick is a whole multiple of `tick`, so every time stays on
//!    the scenario's grid. A tick cut short by a boundary does not restart the growth: the next
//!    one grows from the length it was cut from (`dt` in step 2 is then that length), so ticks
//!    settle on the row grid instead of fragmenting into ever-clipped pieces.
//!
//! With `max_tick` equal to `tick` (the default) none of this runs: the step is fixed.
//!
//! What it costs in accuracy is measured, not assumed: `tests/adaptive.rs` runs the same
//! scenario at a fixed 1 s tick and adaptively and bounds the difference of every headline
//! figure (docs/performance.md).

use bevy::prelude::*;

use crate::cooling::CoolingSteadiness;
use crate::events::ActionQueue;
use crate::fuel::FuelState;
use crate::load::Workloads;
use crate::metrics::Timeseries;
use crate::power::PowerSteadiness;
use crate::schedule::{SimClock, SimSchedule, SimStep};
use crate::thermal::ThermalSteadiness;
use crate::units::SimDuration;

pub use crate::schedule::{DEFAULT_TOLERANCE_K, StepControl};

/// Adaptive stepping (a no-op for fixed-step runs).
#[derive(Default)]
pub struct AdaptivePlugin;

impl Plugin for AdaptivePlugin {
    fn build(&self, app: &mut App) {
        app.add_systems(SimSchedule, plan_next_tick.in_set(SimStep::Advance));
    }
}

/// Chooses the length of the next tick (see the module doc).
#[allow(clippy::too_many_arguments)]
pub fn plan_next_tick(
    clock: Res<SimClock>,
    ctl: Option<ResMut<StepControl>>,
    queue: Res<ActionQueue>,
    ts: Res<Timeseries>,
    workloads: Res<Workloads>,
    fuel: Res<FuelState>,
    power: PowerSteadiness,
    thermal: ThermalSteadiness,
    cooling: CoolingSteadiness,
) {
    let Some(mut ctl) = ctl else { return };
    if !ctl.adaptive() {
        return;
    }
    let ctl = &mut *ctl;
    let end_ms = clock.t_ms + clock.dt.as_ms();
    let (fuel_hold, next_tanker_ms) = fuel.steadiness(clock.t_ms);
    let next_event_ms = queue.pending().map(|a| a.at_ms).min();

    // How far the tracked temperatures moved over the tick just run.
    ctl.scratch.clear();
    thermal.temperatures(&mut ctl.scratch);
    cooling.temperatures(&mut ctl.scratch);
    let change_k = if ctl.scratch.len() == ctl.temps.len() {
        ctl.scratch.iter().zip(&ctl.temps).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max)
    } else {
        f64::INFINITY
    };
    core::mem::swap(&mut ctl.temps, &mut ctl.scratch);

    let at_event = next_event_ms == Some(end_ms);
    ctl.held_by = power
        .unsteady()
        .or_else(|| thermal.unsteady())
        .or_else(|| cooling.unsteady())
        .or(fuel_hold)
        .or(at_event.then_some("scripted event"));
    let (min_ms, max_ms, dt_ms) = (ctl.min.as_ms(), ctl.max.as_ms(), clock.dt.as_ms());
    let mut next_ms = if let Some(why) = ctl.held_by {
        ctl.held_ticks += 1;
        *ctl.held_by_reason.entry(why).or_default() += 1;
        min_ms
    } else {
        let by_rate = if change_k > 0.0 { dt_ms as f64 * ctl.tolerance_k / change_k } else { f64::INFINITY };
        // A tick cut short to land on a boundary grows again from the length it was cut from:
        // growing from the clipped length, ticks never settled on the output-row grid (a
        // steady year at 10-minute rows took 40 % more ticks than at hourly rows).
        let grow_from_ms = dt_ms.max(ctl.unclipped_ms);
        ((2 * grow_from_ms) as f64).min(by_rate).min(max_ms as f64) as u64
    };
    let wanted_ms = next_ms;
    // Boundaries the next tick must not step over.
    let boundaries =
        [next_event_ms, next_tanker_ms, workloads.next_step_ms(end_ms), Some(ts.next_row_ms()), Some(clock.end_ms)];
    for b in boundaries.into_iter().flatten().filter(|&b| b > end_ms) {
        next_ms = next_ms.min(b - end_ms);
    }
    ctl.unclipped_ms = if next_ms < wanted_ms { wanted_ms } else { 0 };
    // Whole multiples of the scenario's tick, at least one.
    ctl.next = SimDuration::from_ms((next_ms / min_ms).max(1) * min_ms);
}
