//! Diesel generator sets and their paralleled bus (docs/physics.md §4.3–4.4, §5.1).
//!
//! - Fuel by the Willans line `F = a·P_rated + b·P` (L/h); default a = 0.017 L/h per kW,
//!   b = 0.255 L/kWh, so a 2 MW set burns 162 / 290 / 417 / 544 L/h at 25 / 50 / 75 / 100 %.
//! - Output derates above a reference ambient (QSK23: 20 % per 10 K, docs/physics.md §4.3).
//! - Start: signal → ready after the start delay (NFPA 110 Type 10: 10 s) or a failed start,
//!   drawn once per attempt from the run's seeded stream.
//! - The bus accepts load in steps: a step of at most `load_step_pct` of the online rating
//!   every `load_step_interval` (ISO 8528-5 transient classes); loads wait on battery or stay
//!   off until admitted.
//! - Sustained overload collapses the bus (under-frequency): allowed `10 s · 0.1/(x − 1)` at
//!   load fraction x > 1 \[U\], i.e. 10 s at 110 %, 1 s at 200 %.
//! - Running below 30 % load risks wet stacking (NFPA 110 monthly test ≥ 30 %, docs/physics.md §5.1):
//!   a warning after [`WET_STACKING_WARN_S`] of light running.

use serde::{Deserialize, Serialize};

use super::*;
/// Load fraction below which a running set wet-stacks (docs/physics.md §5.1 \[S\]).
pub const WET_STACKING_FRACTION: f64 = 0.30;
/// Light running time before a wet-stacking warning, s \[U\].
pub const WET_STACKING_WARN_S: f64 = 1_800.0;
/// Overload time scale: seconds allowed at 110 % (x − 1 = 0.1) \[U\].
pub const BUS_OVERLOAD_S_AT_110: f64 = 10.0;

/// Fuel burn of a set rated `rated_kw` delivering `output_kw`, L/h (Willans line).
pub fn fuel_l_per_h(curve: &FuelCurve, rated_kw: f64, output_kw: f64) -> f64 {
    curve.no_load_l_per_h_per_kw * rated_kw + curve.incremental_l_per_kwh * output_kw.max(0.0)
}

/// Available output at ambient `ambient_c`, kW.
pub fn derated_kw(rated_kw: f64, ambient_c: f64, derate_above_c: f64, derate_pct_per_k: f64) -> f64 {
    let excess = (ambient_c - derate_above_c).max(0.0);
    (rated_kw * (1.0 - excess * derate_pct_per_k / 100.0)).max(0.0)
}

/// Seconds a bus may carry load fraction `x` of its online capacity before collapsing.
pub fn bus_overload_allowed_s(x: f64) -> f64 {
    if x <= 1.0 { f64::INFINITY } else { BUS_OVERLOAD_S_AT_110 * 0.1 / (x - 1.0) }
}

/// State of one generator set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GenState {
    /// Stopped, available.
    Stopped,
    /// Cranking; ready at this time (ms).
    Starting {
        /// Ready time, ms since run start.
        ready_at_ms: u64,
    },
    /// Running and synchronised to the bus.
    Running,
    /// Out of service until repaired.
    Failed(GenFailure),
}

/// Why a set is out of service.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GenFailure {
    /// The start attempt failed.
    FailedToStart,
    /// Tripped while running (event or bus collapse).
    Tripped,
    /// Its tank ran dry.
    NoFuel,
}

impl GenFailure {
    /// Short description.
    pub fn describe(self) -> &'static str {
        match self {
            GenFailure::FailedToStart => "failed to start",
            GenFailure::Tripped => "tripped",
            GenFailure::NoFuel => "stopped: fuel exhausted",
        }
    }
}

/// Willans-line fuel curve: `F = a·P_rated + b·P` (docs/physics.md §5.1).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FuelCurve {
    /// No-load term a, L/h per kW of rating (default 0.017).
    pub no_load_l_per_h_per_kw: f64,
    /// Incremental term b, L/kWh (default 0.255).
    pub incremental_l_per_kwh: f64,
}
impl Default for FuelCurve {
    fn default() -> Self {
        Self { no_load_l_per_h_per_kw: 0.017, incremental_l_per_kwh: 0.255 }
    }
}

/// A paralleled generator bus.
#[derive(Component, Clone, Debug)]
pub struct GeneratorBus {
    /// Member sets.
    pub units: Vec<Entity>,
    /// Declared redundancy.
    pub redundancy: Redundancy,
    /// Largest load step, fraction of online rating.
    pub step_fraction: f64,
    /// Time between steps, ms.
    pub step_interval_ms: u64,
    /// Unloaded run before stopping, ms.
    pub cooldown_ms: u64,
    /// Switchboards asking for it this tick.
    pub requests: u32,
    /// Online derated capacity, kW.
    pub capacity_kw: f64,
    /// Load the sequencer accepts now, kW (∞ once fully stepped).
    pub load_limit_kw: f64,
    /// Time of the last load step, ms.
    pub last_step_ms: u64,
    /// Overload integral.
    pub overload_acc: f64,
    /// No request since, ms.
    pub idle_since_ms: Option<u64>,
    /// Earliest start signal among the boards asking, ms.
    pub signal_ms: Option<u64>,
}

/// A diesel generator set.
#[derive(Component, Clone, Debug)]
pub struct Generator {
    /// Id.
    pub id: String,
    /// Its bus.
    pub bus: Entity,
    /// Rating, kWe.
    pub rating_kw: f64,
    /// Start delay, ms.
    pub start_delay_ms: u64,
    /// Fail-to-start probability.
    pub fail_to_start_probability: f64,
    /// Fuel curve.
    pub fuel_curve: generator::FuelCurve,
    /// Derating threshold, °C.
    pub derate_above_c: f64,
    /// Derating, % per K.
    pub derate_pct_per_k: f64,
    /// Tank entity.
    pub tank: Entity,
    /// State.
    pub state: GenState,
    /// Next start fails (scripted).
    pub fail_next_start: bool,
    /// The pending start will fail (drawn at start).
    pub start_will_fail: bool,
    /// Output this tick, kW.
    pub output_kw: f64,
    /// Available output this tick (derated), kW.
    pub available_kw: f64,
    /// Start attempts (for the seeded draw index).
    pub start_attempts: u64,
    /// Running time below 30 % load, s.
    pub light_load_s: f64,
    /// Running time, s.
    pub run_s: f64,
    /// Fuel supply OK (set by the fuel plugin).
    pub fuel_ok: bool,
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn generator_control(
    clock: Res<SimClock>,
    rng: Res<SimRng>,
    outdoor: Res<Outdoor>,
    mut log: ResMut<EventLog>,
    mut buses: Query<(&PowerNode, &mut GeneratorBus)>,
    mut gens: Query<&mut Generator>,
) {
    let (t_ms, t) = (clock.t_ms, clock.t_s());
    for (_, mut bus) in &mut buses {
        let requested = bus.requests > 0;
        if requested {
            bus.idle_since_ms = None;
        } else if bus.idle_since_ms.is_none() {
            bus.idle_since_ms = Some(t_ms);
        }
        let stop = !requested && bus.idle_since_ms.is_some_and(|s| t_ms - s >= bus.cooldown_ms);
        // Starts count from the moment the start signal was given (it may fall inside a long tick).
        let signal_ms = bus.signal_ms.unwrap_or(t_ms).min(t_ms);
        let mut capacity = 0.0;
        for &u in &bus.units {
            let Ok(mut g) = gens.get_mut(u) else { continue };
            if let GenState::Failed(GenFailure::NoFuel) = g.state
                && g.fuel_ok
            {
                // Refuelled: the set is available again (a start needs a new signal).
                g.state = GenState::Stopped;
            }
            if g.state == GenState::Stopped && requested {
                let mut draw = rng.stream(&format!("generator-start/{}", g.id), g.start_attempts);
                g.start_attempts += 1;
                g.start_will_fail = g.fail_next_start || draw.random_bool(g.fail_to_start_probability.clamp(0.0, 1.0));
                g.fail_next_start = false;
                g.state = GenState::Starting {
                    ready_at_ms: signal_ms.max(t_ms.saturating_sub(clock.dt.as_ms())) + g.start_delay_ms,
                };
            }
            match g.state {
                GenState::Starting { ready_at_ms } if t_ms >= ready_at_ms => {
                    if g.start_will_fail {
                        g.state = GenState::Failed(GenFailure::FailedToStart);
                        log.log(
                            t,
                            EventKind::GeneratorFailedToStart,
                            Severity::Alarm,
                            &g.id,
                            "generator failed to start",
                            None,
                        );
                    } else if !g.fuel_ok {
                        g.state = GenState::Failed(GenFailure::NoFuel);
                        log.log(
                            t,
                            EventKind::GeneratorTripped,
                            Severity::Alarm,
                            &g.id,
                            "generator cannot start: no fuel",
                            None,
                        );
                    } else {
                        g.state = GenState::Running;
                        log.log(t, EventKind::GeneratorOnline, Severity::Info, &g.id, "generator online", None);
                    }
                }
                GenState::Starting { .. } if !requested => g.state = GenState::Stopped,
                GenState::Running if !g.fuel_ok => {
                    g.state = GenState::Failed(GenFailure::NoFuel);
                    log.log(
                        t,
                        EventKind::GeneratorTripped,
                        Severity::Critical,
                        &g.id,
                        "generator stopped: fuel exhausted",
                        None,
                    );
                }
                GenState::Running if stop => {
                    g.state = GenState::Stopped;
                    log.log(
                        t,
                        EventKind::GeneratorStopped,
                        Severity::Info,
                        &g.id,
                        "generator stopped after cool-down",
                        None,
                    );
                }
                _ => {}
            }
            g.available_kw = if g.state == GenState::Running {
                generator::derated_kw(g.rating_kw, outdoor.dry_bulb_c, g.derate_above_c, g.derate_pct_per_k)
            } else {
                0.0
            };
            capacity += g.available_kw;
        }
        // Step-wise load acceptance (ISO 8528-5): the limit grows by one step per interval.
        if capacity > 0.0 && bus.capacity_kw <= 0.0 {
            bus.load_limit_kw = bus.step_fraction * capacity;
            bus.last_step_ms = t_ms;
        } else if capacity > 0.0 && bus.load_limit_kw < capacity && t_ms - bus.last_step_ms >= bus.step_interval_ms {
            bus.load_limit_kw += bus.step_fraction * capacity;
            bus.last_step_ms = t_ms;
        } else if capacity <= 0.0 {
            bus.load_limit_kw = 0.0;
        }
        bus.capacity_kw = capacity;
    }
}

/// Each running set's share of the bus output: in proportion to its available (derated)
/// output, kW.
pub(crate) fn share_bus_load(b: &GeneratorBus, out_kw: f64, gens: &mut Query<&mut Generator>) {
    let cap = b.capacity_kw;
    for &u in &b.units {
        if let Ok(mut g) = gens.get_mut(u) {
            g.output_kw = if cap > 0.0 { out_kw * g.available_kw / cap } else { 0.0 };
        }
    }
}

/// Generator bus overload (docs/physics.md §4.3): above its online capacity the bus integrates
/// `dt / t_allowed(x)` ([`bus_overload_allowed_s`]) and collapses in under-frequency when the
/// integral reaches 1, tripping every running set.
pub(crate) fn bus_overload(
    b: &mut GeneratorBus,
    id: &str,
    out_kw: f64,
    dt: f64,
    t: f64,
    gens: &mut Query<&mut Generator>,
    log: &mut EventLog,
) {
    let cap = b.capacity_kw;
    let x = if cap > 0.0 { out_kw / cap } else { 0.0 };
    if x > 1.0 {
        b.overload_acc += dt / bus_overload_allowed_s(x);
    } else {
        b.overload_acc = 0.0;
    }
    if b.overload_acc < 1.0 {
        return;
    }
    log.log(
        t,
        EventKind::GeneratorBusCollapse,
        Severity::Critical,
        id,
        format!("generator bus collapsed at {:.0} % load", x * 100.0),
        Some(x),
    );
    for &u in &b.units {
        if let Ok(mut g) = gens.get_mut(u)
            && g.state == GenState::Running
        {
            g.state = GenState::Failed(GenFailure::Tripped);
            log.log(t, EventKind::GeneratorTripped, Severity::Critical, &g.id, "generator tripped: bus collapse", None);
        }
    }
    b.overload_acc = 0.0;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_mw_set_burns_the_reference_fuel_curve() {
        // docs/physics.md §5.1: 162 / 290 / 417 / 544 L/h at 25 / 50 / 75 / 100 % of 2 MW.
        let c = FuelCurve::default();
        for (frac, expect) in [(0.25, 162.0), (0.5, 290.0), (0.75, 417.0), (1.0, 544.0)] {
            let f = fuel_l_per_h(&c, 2000.0, frac * 2000.0);
            assert!((f - expect).abs() / expect < 0.02, "{frac}: {f}");
        }
        // Specific consumption 0.26–0.27 L/kWh near full load.
        let sfc = fuel_l_per_h(&c, 2000.0, 2000.0) / 2000.0;
        assert!((0.26..=0.275).contains(&sfc), "{sfc}");
    }

    #[test]
    fn derating_is_20_pct_per_10_k_above_reference() {
        assert_eq!(derated_kw(2000.0, 30.0, 40.0, 2.0), 2000.0);
        assert!((derated_kw(2000.0, 50.0, 40.0, 2.0) - 1600.0).abs() < 1e-9);
    }

    #[test]
    fn bus_overload_tolerance_shrinks_with_overload() {
        assert_eq!(bus_overload_allowed_s(1.0), f64::INFINITY);
        assert!((bus_overload_allowed_s(1.1) - 10.0).abs() < 1e-9);
        assert!((bus_overload_allowed_s(2.0) - 1.0).abs() < 1e-9);
    }
}
