//! Builds weather from the checked scenario.

use bevy::prelude::*;

use crate::scenario::*;
use crate::weather::{Outdoor, Weather, WeatherSource};

use super::*;

/// The outdoor weather source and the first tick's outdoor air.
pub(super) fn weather(world: &mut World, cx: &Cx) {
    let (s, v, seed, pressure) = (&cx.v.loaded.scenario, cx.v, cx.seed, cx.pressure_pa);
    let source = match &s.weather {
        WeatherSpec::Constant { dry_bulb_c, rh_pct } => {
            WeatherSource::Constant { dry_bulb_c: *dry_bulb_c, rh_pct: *rh_pct }
        }
        WeatherSpec::Diurnal { mean_c, swing_k, dew_point_c, noise_k, heatwaves } => WeatherSource::Diurnal {
            mean_c: *mean_c,
            swing_k: *swing_k,
            dew_point_c: *dew_point_c,
            noise_k: *noise_k,
            heatwaves: heatwaves.clone(),
            seed,
        },
        WeatherSpec::Synthetic { climate, heatwaves } => WeatherSource::Synthetic {
            weather: Box::new(crate::weather::synthetic::SyntheticWeather::new(
                crate::weather::synthetic_climate(climate).expect("validated"),
                seed,
            )),
            heatwaves: heatwaves.clone(),
        },
        WeatherSpec::Epw { heatwaves, .. } => {
            WeatherSource::Epw { file: Box::new(v.epw.clone().expect("validated")), heatwaves: heatwaves.clone() }
        }
    };
    let weather = Weather { source, site_pressure_pa: pressure };
    let first = weather.source.sample(s.start.seconds_of_year(), 0.0, pressure);
    world.insert_resource(Outdoor::from_sample(&first));
    world.insert_resource(weather);
}
