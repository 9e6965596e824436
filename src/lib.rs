//! # dctwin — a digital twin of a datacenter's power and cooling on the Bevy ECS
//!
//! One ECS world holds the whole site: racks and their GPUs, the electrical chain from
//! utility to rack, diesel generators and tanks, air and liquid cooling, halls, weather.
//! Each tick runs one ordered schedule (see [`schedule`]) that steps electricity, heat and
//! fuel storage, so a run shows what a site does second by second.
//!
//! | module | domain | plugin |
//! |---|---|---|
//! | [`events`] | scripted events in, event log out | [`events::EventsPlugin`] |
//! | [`weather`] | outdoor air (synthetic, EPW) | [`weather::WeatherPlugin`] |
//! | [`load`] | racks, GPUs, workloads | [`load::LoadPlugin`] |
//! | [`power`] | utility, transformers, ATS, UPS, PDUs, breakers, generators | [`power::PowerPlugin`] |
//! | [`thermal`] | GPU dies, halls, rack inlets, ASHRAE envelopes, throttling | [`thermal::ThermalPlugin`] |
//! | [`cooling`] | CRAH, CRAC, evaporative AHUs, chillers, liquid loops | [`cooling::CoolingPlugin`] |
//! | [`fuel`] | tanks, burn, deliveries, autonomy, Seveso | [`fuel::FuelPlugin`] |
//! | [`metrics`] | energy books, KPIs, time series, expectations | [`metrics::MetricsPlugin`] |
//!
//! Outside the model: [`scenario`] (RON files in, validated world out), [`run`] and
//! [`report`] (headless runs, their results and charts), [`batch`] (sweeps, Monte Carlo,
//! shards, CI reports), [`cli`] (the `dctwin` command).
//! Physics references: `physics.md` section numbers are cited in each module.

#![forbid(unsafe_code)]

pub mod adaptive;
pub mod app;
pub mod batch;
pub mod bench;
pub mod catalog;
pub mod cli;
pub mod cooling;
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
            .add(adaptive::AdaptivePlugin)
    }
}
