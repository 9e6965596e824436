//! Turns a validated scenario into a Bevy world: one entity per element, the domain plugins
//! and their resources. One builder per domain, called in this order (later domains refer to
//! earlier ones by element id): `weather`, `load` (workloads), `events`, `fuel`, `power`,
//! `cooling` (the central plant), `halls` (rows, racks, air units, each hall settled at its
//! initial operating point), `economics` (capex priced on what was built, carbon); then the
//! time series.

mod cooling;
mod economics;
mod events;
mod fuel;
mod halls;
mod load;
mod power;
mod weather;

use std::collections::BTreeMap;

use bevy::prelude::*;

use super::validate::ValidScenario;
use super::*;
use crate::load::spawn::CatalogRes;
use crate::metrics::{Expectations, Timeseries, timeseries_header};
use crate::psychro;
use crate::schedule::{SimClock, SimRng};

/// Share of a hot-aisle-contained hall's volume in its ceiling return plenum [U: plenum depth
/// ≈ 20 % of clear height].
pub const HAC_PLENUM_SHARE: f64 = 0.2;

/// Options that override the scenario file.
#[derive(Default)]
pub struct BuildOptions {
    /// Seed instead of the scenario's.
    pub seed: Option<u64>,
    /// Duration instead of the scenario's.
    pub duration: Option<SimDuration>,
    /// Time-series interval instead of the scenario's.
    pub interval: Option<SimDuration>,
    /// Longest adaptive tick instead of the scenario's `max_tick` (equal to the tick: fixed).
    pub max_tick: Option<SimDuration>,
    /// Share per-rack work among the compute threads (default no; see
    /// [`crate::schedule::Parallelism`]). Results are the same either way.
    pub parallel: Option<bool>,
    /// Keep time-series rows in memory.
    pub keep_timeseries: bool,
    /// Where to stream the time series (CSV without header; the header is written first).
    pub timeseries_sink: Option<Box<dyn std::io::Write + Send + Sync>>,
}

/// Dry-air density at the design condition of air units (20 °C, 8 g/kg) and site pressure,
/// kg/m³ (docs/physics.md §2.1: ≈ 1.20 at sea level).
pub fn design_air_density(p_pa: f64) -> f64 {
    const W: f64 = 0.008;
    psychro::moist_air_density_kg_per_m3(20.0, W, p_pa) / (1.0 + W)
}

/// Builds the app for a validated scenario.
pub fn build_app(v: &ValidScenario, opts: BuildOptions) -> App {
    build_app_with(v, opts, |_| {})
}

/// [`build_app`], with `host` adding its own plugins (a viewer's renderer and UI) before the
/// app is finished.
pub fn build_app_with(v: &ValidScenario, mut opts: BuildOptions, host: impl FnOnce(&mut App)) -> App {
    let s = &v.loaded.scenario;
    let seed = opts.seed.unwrap_or(s.seed);
    let duration = opts.duration.unwrap_or(s.duration);
    let rng = SimRng::new(seed);
    let pressure = psychro::pressure_at_altitude_pa(s.site.altitude_m);
    let rho = design_air_density(pressure);
    let cp = crate::thermal::air_cp(0.008);

    let mut app = App::new();
    app.add_plugins(crate::SimPlugins);
    let world = app.world_mut();
    world.insert_resource(SimClock::new(s.tick, duration, s.start.seconds_of_year()));
    world.insert_resource(crate::schedule::Parallelism(opts.parallel.unwrap_or(false)));
    world.insert_resource(crate::schedule::StepControl::new(s.tick, opts.max_tick.or(s.max_tick).unwrap_or(s.tick)));
    world.insert_resource(rng.clone());
    world.insert_resource(CatalogRes(v.catalog.clone()));
    world.insert_resource(Expectations(s.expectations.clone()));

    let mut cx = Cx { v, seed, rng: rng.clone(), pressure_pa: pressure, ids: BTreeMap::new() };
    weather::weather(world, &cx);
    let (workloads, activity0) = load::workloads(world, &cx);
    events::events(world, &cx);
    fuel::fuel(world, &mut cx);
    power::power(world, &mut cx);
    cooling::plant(world, &mut cx);
    let hall_ids = halls::halls(world, &mut cx, &workloads, &activity0, rho, cp);
    economics::economics(world, &cx);

    let interval = opts.interval.unwrap_or(s.output.interval);
    let header = timeseries_header(&hall_ids);
    world.insert_resource(Timeseries::new(interval.as_ms(), opts.keep_timeseries, header, opts.timeseries_sink.take()));
    host(&mut app);
    app.finish();
    app.cleanup();
    app
}

/// What the domain builders share: the checked scenario, its seed and random streams, the site
/// pressure, and the entity of every element id spawned so far.
pub(super) struct Cx<'a> {
    /// The checked scenario.
    v: &'a ValidScenario,
    /// Its seed.
    seed: u64,
    /// Its random streams.
    rng: SimRng,
    /// Site pressure, Pa.
    pressure_pa: f64,
    /// Element id → entity.
    ids: BTreeMap<String, Entity>,
}
