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
    world.insert_resource(crate::metrics::ClimateNote(climate_note(s)));
}

/// One line saying how the outdoor air is made, for the summary.
pub(super) fn climate_note(s: &Scenario) -> String {
    match &s.weather {
        WeatherSpec::Constant { dry_bulb_c, rh_pct } => format!("constant {dry_bulb_c} °C, {rh_pct} % RH"),
        WeatherSpec::Diurnal { mean_c, swing_k, .. } => {
            format!("synthetic diurnal cycle, mean {mean_c} °C, swing {swing_k} K")
        }
        WeatherSpec::Synthetic { climate, .. } => format!(
            "SYNTHETIC year from monthly statistics: {}",
            crate::weather::climate_source(climate).unwrap_or_else(|| climate.clone())
        ),
        WeatherSpec::Epw { file, .. } => {
            // The file's name, not its path: the same weather read from elsewhere says the same.
            let name =
                std::path::Path::new(file).file_name().map_or(file.clone(), |n| n.to_string_lossy().into_owned());
            if name.to_ascii_lowercase().contains("synthetic") {
                format!("weather file {name} (a SYNTHETIC year)")
            } else {
                format!("weather file {name}")
            }
        }
    }
}
