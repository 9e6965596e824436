//! Checks the weather source (EPW files, synthetic climates) and heat waves.

use super::*;

pub(super) fn check_weather(
    c: &mut Checker,
    s: &Scenario,
    base: &std::path::Path,
) -> Option<crate::weather::epw::EpwFile> {
    match &s.weather {
        WeatherSpec::Constant { dry_bulb_c, rh_pct } => {
            c.range("weather.dry_bulb_c", *dry_bulb_c, -60.0, 60.0, "°C");
            c.range("weather.rh_pct", *rh_pct, 0.0, 100.0, "%");
        }
        WeatherSpec::Diurnal { mean_c, swing_k, dew_point_c, noise_k, heatwaves } => {
            c.range("weather.mean_c", *mean_c, -50.0, 50.0, "°C");
            c.range("weather.swing_k", *swing_k, 0.0, 40.0, "K");
            c.range("weather.dew_point_c", *dew_point_c, -60.0, 35.0, "°C");
            c.range("weather.noise_k", *noise_k, 0.0, 15.0, "K");
            check_heatwaves(c, heatwaves);
        }
        WeatherSpec::Synthetic { climate, heatwaves } => {
            if crate::weather::synthetic_climate(climate).is_none() {
                c.err(
                    "weather.climate",
                    format!("unknown climate \"{climate}\""),
                    format!("known climates: {}", crate::weather::CLIMATES.join(", ")),
                );
            }
            check_heatwaves(c, heatwaves);
        }
        WeatherSpec::Epw { file, heatwaves } => match resolve_asset(file, base) {
            None => c.err(
                "weather.file",
                format!("weather file \"{file}\" not found (looked next to the scenario and under assets/)"),
                "give a path relative to the scenario file, e.g. \"../assets/weather/paris_synthetic.epw\"",
            ),
            Some(path) => match {
                check_heatwaves(c, heatwaves);
                std::fs::read_to_string(&path)
            }
            .map_err(|e| e.to_string())
            .and_then(|t| crate::weather::epw::parse_epw(&t).map_err(|e| e.to_string()))
            {
                Ok(f) => {
                    if let Err(why) = f.covers(s.start.seconds_of_year(), s.duration.as_secs_f64()) {
                        c.err(
                            "weather.file",
                            format!("weather file {} does not cover the run: {why}", path.display()),
                            "use a whole-year EPW (8,760 hourly records), or shorten the run (or move its start) to the hours the file holds",
                        );
                    }
                    return Some(f);
                }
                Err(e) => c.err(
                    "weather.file",
                    format!("weather file {}: {e}", path.display()),
                    "EnergyPlus EPW format: 8 header lines then 35 comma-separated fields per hour",
                ),
            },
        },
    }
    None
}

pub(super) fn check_heatwaves(c: &mut Checker, hws: &[Heatwave]) {
    for (i, hw) in hws.iter().enumerate() {
        c.range(&format!("weather.heatwaves[{i}].peak_k"), hw.peak_k, -30.0, 30.0, "K");
        c.range(&format!("weather.heatwaves[{i}].dew_point_k"), hw.dew_point_k, -20.0, 20.0, "K");
        if hw.duration.is_zero() {
            c.err(&format!("weather.heatwaves[{i}].duration"), "a heat wave needs a duration", "e.g. \"3d\"");
        }
    }
}

/// Finds a file given in a scenario: relative to the scenario, then the working directory,
/// then the crate's `assets/`.
pub fn resolve_asset(file: &str, base: &std::path::Path) -> Option<PathBuf> {
    let candidates = [
        base.join(file),
        PathBuf::from(file),
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(file),
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets").join(file),
    ];
    candidates.into_iter().find(|p| p.is_file())
}
