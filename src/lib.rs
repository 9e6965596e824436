//! # dctwin — a digital twin of a datacenter's power and cooling on the Bevy ECS
//!
//! One ECS world holds the whole site: racks and their GPUs, the electrical chain from
//! utility to rack, diesel generators and tanks, air and liquid cooling, halls, weather.
//! Each tick runs one ordered schedule (see [`schedule`]) that steps electricity, heat and
//! fuel storage, so a run shows what a site does second by second.
//!
//! **Where do breakers trip?** In [`power::breaker::protect`], called for every PDU, busway
//! and RPP by the one power-flow pass ([`power::flow`]) in stage [`schedule::SimStep::Electrical`].
//!
//! **What happens in one tick?** [`schedule`]: one schedule whose stages ([`schedule::SimStep`])
//! run in the order of `SimStep::ORDER` — Events → Control → ItLoad → Electrical → Heat →
//! Cooling → Thermal → GpuProtection → Fuel → Metrics → Advance — each documented there, once.
//!
//! Dependencies run one way: `cli → app / run / live / bench / batch / report / viewer →
//! scenario → model domains → sim core`. Nothing in the model imports the file format or an app.
//!
//! | layer | module | what it owns |
//! |---|---|---|
//! | core | [`schedule`] | the tick: [`schedule::SimSchedule`], its stages, clock, seeded random streams, step length |
//! | core | [`units`], [`ranges`], [`psychro`], [`noise`] | durations, number ranges, moist-air properties (ASHRAE), seeded noise |
//! | core | [`adaptive`] | the length of the next tick (adaptive stepping) |
//! | model | [`events`] | scripted [`events::Action`]s in, the typed event log out ([`events::EventsPlugin`]) |
//! | model | [`weather`] | outdoor air: synthetic years, EPW files, heat waves ([`weather::WeatherPlugin`]) |
//! | model | [`load`] | racks, GPUs, workloads, spawning racks during a run ([`load::LoadPlugin`]) |
//! | model | [`power`] | utility, transformers, ATS, UPS, PDUs, breakers, generators ([`power::PowerPlugin`]) |
//! | model | [`thermal`] | GPU dies, halls, rack inlets, ASHRAE envelopes, GPU protection ([`thermal::ThermalPlugin`]) |
//! | model | [`cooling`] | CRAH, CRAC, evaporative AHUs, chillers, liquid loops ([`cooling::CoolingPlugin`]) |
//! | model | [`fuel`] | tanks, burn, deliveries, autonomy, Seveso ([`fuel::FuelPlugin`]) |
//! | model | [`metrics`] | energy books, KPIs, time series, expectations ([`metrics::MetricsPlugin`]) |
//! | model | [`economics`] | capex, opex, TCO, € and CO₂ per GPU-hour, hourly prices and intensities ([`economics::EconomicsPlugin`]) |
//! | model | [`catalog`] | rack types and GPU models |
//! | scenario | [`scenario`] | RON files in (schema, `file:line:col` errors, expansion, validation), a built world out |
//! | apps | [`app`] | exit codes and loading a scenario for a command |
//! | apps | [`run`], [`live`], [`mod@bench`] | headless runs and their results; the viewer's driver; benchmarks and the CI guard |
//! | apps | [`batch`], [`report`] | sweeps, Monte Carlo, shards, CI reports; charts and HTML |
//! | apps | `viewer` (feature `viewer`), [`cli`] | the 3D viewer; the `dctwin` command |
//!
//! Models, equations, parameter values and their sources: `docs/physics.md`, cited in the code
//! as `docs/physics.md §N.M`.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod adaptive;
pub mod app;
pub mod batch;
pub mod bench;
pub mod catalog;
pub mod cli;
pub mod compare;
pub mod cooling;
pub mod economics;
pub mod events;
pub mod fuel;
pub mod live;
pub mod load;
pub mod metrics;
pub mod noise;
pub mod power;
pub mod psychro;
pub mod ranges;
pub mod report;
pub mod run;
pub mod scenario;
pub mod schedule;
pub mod thermal;
pub mod units;
#[cfg(feature = "viewer")]
pub mod viewer;
pub mod weather;

use bevy::app::{PluginGroup, PluginGroupBuilder};

/// Every plugin of the model, in the order they register (execution order is set by
/// [`schedule::SimStep`], not by this list).
pub struct SimPlugins;

impl PluginGroup for SimPlugins {
    fn build(self) -> PluginGroupBuilder {
        PluginGroupBuilder::start::<Self>()
            .add(schedule::SchedulePlugin)
            .add(events::EventsPlugin)
            .add(weather::WeatherPlugin)
            .add(load::LoadPlugin)
            .add(power::PowerPlugin)
            .add(thermal::ThermalPlugin)
            .add(cooling::CoolingPlugin)
            .add(fuel::FuelPlugin)
            .add(metrics::MetricsPlugin)
            .add(economics::EconomicsPlugin)
            .add(adaptive::AdaptivePlugin)
    }
}
