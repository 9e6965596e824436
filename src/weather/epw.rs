//! EnergyPlus Weather (EPW) reader and writer.
//!
//! # Format
//!
//! Source: EnergyPlus "Auxiliary Programs", chapter "Weather Converter
//! Program", section "EnergyPlus Weather File (EPW) Data Dictionary"
//! (NREL/EnergyPlus `doc/auxiliary-programs/src/weather-converter-program/
//! energyplus-weather-file-epw-data-dictionary.tex`).
//!
//! An EPW file is plain comma-separated text:
//!
//! 1. eight header records, in this order: `LOCATION`, `DESIGN CONDITIONS`,
//!    `TYPICAL/EXTREME PERIODS`, `GROUND TEMPERATURES`,
//!    `HOLIDAYS/DAYLIGHT SAVINGS`, `COMMENTS 1`, `COMMENTS 2`, `DATA PERIODS`;
//!    `LOCATION,City,State,Country,Source,WMO,Latitude,Longitude,TimeZone,Elevation`;
//! 2. hourly data records of 35 fields: Year, Month, Day, Hour (1-24, the
//!    hour *ending* at that time: hour 1 is 00:01-01:00), Minute, Data Source
//!    and Uncertainty Flags, Dry Bulb Temperature (°C), Dew Point Temperature
//!    (°C), Relative Humidity (%), Atmospheric Station Pressure (Pa), then 25
//!    radiation / illuminance / wind / sky / precipitation fields.
//!
//! A value at or above its missing marker is "missing" (dry bulb and dew
//! point 99.9, RH 999, pressure 999999). Valid ranges: dry bulb and dew point
//! strictly between -70 and 70 °C, RH 0..=110 %, pressure strictly between
//! 31 000 and 120 000 Pa.
//!
//! # What this module reads
//!
//! Only the location and the four air-state fields are kept. Missing air-state
//! values are filled at parse time:
//!
//! * dry bulb and pressure: linear interpolation in time between the nearest
//!   valid neighbours (the nearest valid value at either end of the file);
//! * dew point: from RH and dry bulb (inverse Magnus) when RH is valid,
//!   otherwise interpolated like dry bulb;
//! * RH: recomputed from dry bulb and dew point (Magnus, clamped to 1..100 %).
//!
//! Field numbers in errors count comma-separated items from 1, the record
//! keyword included (`LOCATION` is field 1 of line 1, latitude field 7; the
//! dry bulb is field 7 of a data line). Line numbers are 1-based.
//!
//! # Time convention of [`EpwFile::sample_at`]
//!
//! The record with hour `h` on day `d` is the value at `h:00` of day `d`, i.e.
//! at `t_h = 24·(day_of_year(d) - 1) + h` hours after 1 January 00:00 local
//! standard time. Between records values are interpolated linearly (as
//! EnergyPlus does between hourly weather values). The calendar is a leap
//! year if the file holds a 29 February record, a common year otherwise; `t_s`
//! is first reduced modulo that year (8760 h or 8784 h).
//!
//! * Full-year file (first record 1 Jan hour 1, last record 31 Dec hour 24):
//!   the year wraps, so `t_s` in 00:00-01:00 on 1 January interpolates between
//!   the 31 December hour-24 record (= 00:00) and the 1 January hour-1 record.
//! * Partial-year file (e.g. 48 h): inside the covered span values are
//!   interpolated (gaps between records included); before the first record
//!   the first record's values are returned, after the last record the last
//!   record's values (clamping, no extrapolation, no repetition).

use std::fmt::Write as _;

use super::{WeatherSample, dew_point_from_rh_c, rh_from_dew_point_pct};

/// Number of header records at the top of an EPW file.
pub const EPW_HEADER_LINES: usize = 8;
/// Number of comma-separated fields in an EPW data record.
pub const EPW_DATA_FIELDS: usize = 35;
/// Fewest hourly records [`parse_epw`] accepts (one day).
pub const EPW_MIN_RECORDS: usize = 24;

/// Header record keywords, in file order (EPW data dictionary).
const HEADER_KEYWORDS: [&str; EPW_HEADER_LINES] = [
    "LOCATION",
    "DESIGN CONDITIONS",
    "TYPICAL/EXTREME PERIODS",
    "GROUND TEMPERATURES",
    "HOLIDAYS/DAYLIGHT SAVINGS",
    "COMMENTS 1",
    "COMMENTS 2",
    "DATA PERIODS",
];
/// The data dictionary spells the fifth keyword without the final `S`.
const HOLIDAYS_KEYWORD_ALT: &str = "HOLIDAYS/DAYLIGHT SAVING";

/// Names of the 35 data fields (EPW data dictionary, N1..N34 and A1).
const DATA_FIELD_NAMES: [&str; EPW_DATA_FIELDS] = [
    "Year",
    "Month",
    "Day",
    "Hour",
    "Minute",
    "Data Source and Uncertainty Flags",
    "Dry Bulb Temperature",
    "Dew Point Temperature",
    "Relative Humidity",
    "Atmospheric Station Pressure",
    "Extraterrestrial Horizontal Radiation",
    "Extraterrestrial Direct Normal Radiation",
    "Horizontal Infrared Radiation Intensity",
    "Global Horizontal Radiation",
    "Direct Normal Radiation",
    "Diffuse Horizontal Radiation",
    "Global Horizontal Illuminance",
    "Direct Normal Illuminance",
    "Diffuse Horizontal Illuminance",
    "Zenith Luminance",
    "Wind Direction",
    "Wind Speed",
    "Total Sky Cover",
    "Opaque Sky Cover",
    "Visibility",
    "Ceiling Height",
    "Present Weather Observation",
    "Present Weather Codes",
    "Precipitable Water",
    "Aerosol Optical Depth",
    "Snow Depth",
    "Days Since Last Snowfall",
    "Albedo",
    "Liquid Precipitation Depth",
    "Liquid Precipitation Quantity",
];

/// Missing markers written for data fields 11..=35 (EPW data dictionary
/// `\missing` values; 9 for Present Weather Observation and 999999999 for
/// Present Weather Codes follow the TMY2 "not observed" convention).
const MISSING_TAIL_FIELDS: [&str; EPW_DATA_FIELDS - 10] = [
    "9999",      // 11 Extraterrestrial Horizontal Radiation, Wh/m2
    "9999",      // 12 Extraterrestrial Direct Normal Radiation, Wh/m2
    "9999",      // 13 Horizontal Infrared Radiation Intensity, Wh/m2
    "9999",      // 14 Global Horizontal Radiation, Wh/m2
    "9999",      // 15 Direct Normal Radiation, Wh/m2
    "9999",      // 16 Diffuse Horizontal Radiation, Wh/m2
    "999999",    // 17 Global Horizontal Illuminance, lux
    "999999",    // 18 Direct Normal Illuminance, lux
    "999999",    // 19 Diffuse Horizontal Illuminance, lux
    "9999",      // 20 Zenith Luminance, Cd/m2
    "999",       // 21 Wind Direction, deg
    "999",       // 22 Wind Speed, m/s
    "99",        // 23 Total Sky Cover, tenths
    "99",        // 24 Opaque Sky Cover, tenths
    "9999",      // 25 Visibility, km
    "99999",     // 26 Ceiling Height, m
    "9",         // 27 Present Weather Observation
    "999999999", // 28 Present Weather Codes
    "999",       // 29 Precipitable Water, mm
    "0.999",     // 30 Aerosol Optical Depth, thousandths
    "999",       // 31 Snow Depth, cm
    "99",        // 32 Days Since Last Snowfall
    "999",       // 33 Albedo
    "999",       // 34 Liquid Precipitation Depth, mm
    "99",        // 35 Liquid Precipitation Quantity, hr
];

/// Uncertainty-flag string written on every record: the "source unknown,
/// uncertainty unknown" pattern of the NREL TMY3 files. EnergyPlus does not
/// interpret this field.
const WRITE_FLAGS: &str = "?9?9?9?9E0?9?9?9?9?9?9?9?9?9?9?9?9?9?9?9*9*9*9*9*9";
/// Nominal year written for a common-year file (1 January 2023 was a Sunday).
const WRITE_YEAR_COMMON: i32 = 2023;
/// Nominal year written for a file holding 29 February (1 January 2012 was a Sunday).
const WRITE_YEAR_LEAP: i32 = 2012;

// 1-based field numbers of the data record.
const F_YEAR: usize = 1;
const F_MONTH: usize = 2;
const F_DAY: usize = 3;
const F_HOUR: usize = 4;
const F_MINUTE: usize = 5;
const F_DRY_BULB: usize = 7;
const F_DEW_POINT: usize = 8;
const F_RH: usize = 9;
const F_PRESSURE: usize = 10;

// 1-based field numbers of the LOCATION record.
const L_CITY: usize = 2;
const L_COUNTRY: usize = 4;
const L_LATITUDE: usize = 7;
const L_LONGITUDE: usize = 8;
const L_TIME_ZONE: usize = 9;
const L_ELEVATION: usize = 10;
const LOCATION_FIELDS: usize = 10;
const LOCATION_FIELD_NAMES: [&str; LOCATION_FIELDS] = [
    "LOCATION",
    "City",
    "State Province Region",
    "Country",
    "Source",
    "WMO",
    "Latitude",
    "Longitude",
    "TimeZone",
    "Elevation",
];

// 1-based field number of "Number of Records per hour" in DATA PERIODS.
const D_RECORDS_PER_HOUR: usize = 3;

/// Missing marker (and threshold) of dry bulb and dew point, °C.
const MISSING_TEMPERATURE_C: f64 = 99.9;
/// Missing marker (and threshold) of relative humidity, %.
const MISSING_RH_PCT: f64 = 999.0;
/// Missing marker (and threshold) of station pressure, Pa.
const MISSING_PRESSURE_PA: f64 = 999_999.0;
/// Exclusive bounds of dry bulb and dew point, °C.
const TEMPERATURE_LIMITS_C: (f64, f64) = (-70.0, 70.0);
/// Inclusive bounds of relative humidity, %.
const RH_LIMITS_PCT: (f64, f64) = (0.0, 110.0);
/// Exclusive bounds of station pressure, Pa.
const PRESSURE_LIMITS_PA: (f64, f64) = (31_000.0, 120_000.0);
/// Inclusive bounds of latitude, deg.
const LATITUDE_LIMITS_DEG: (f64, f64) = (-90.0, 90.0);
/// Inclusive bounds of longitude, deg.
const LONGITUDE_LIMITS_DEG: (f64, f64) = (-180.0, 180.0);
/// Inclusive bounds of the time zone, h. The dictionary says -12..+12; +14
/// admits real zones such as Pacific/Kiritimati.
const TIME_ZONE_LIMITS_H: (f64, f64) = (-12.0, 14.0);
/// Bounds of elevation, m (dictionary: minimum -1000, maximum < 9999.9).
const ELEVATION_LIMITS_M: (f64, f64) = (-1000.0, 9999.9);

/// Days per month of a common year.
const MONTH_DAYS_COMMON: [u32; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
/// Hours in a common year.
const HOURS_COMMON_YEAR: f64 = 8760.0;
/// Hours in a leap year.
const HOURS_LEAP_YEAR: f64 = 8784.0;
/// Seconds per hour.
const SECONDS_PER_HOUR: f64 = 3600.0;
/// Longest excerpt of offending text quoted in an error, characters.
const MAX_QUOTED_CHARS: usize = 40;

/// Site of an EPW file (the `LOCATION` header record).
#[derive(Clone, Debug, PartialEq)]
pub struct EpwLocation {
    /// City or station name.
    pub city: String,
    /// Country (usually an ISO 3166 alpha-3 code, e.g. `FRA`).
    pub country: String,
    /// Latitude, degrees, + north.
    pub latitude_deg: f64,
    /// Longitude, degrees, + east.
    pub longitude_deg: f64,
    /// Time zone of local standard time relative to UTC, hours (+1 for Paris).
    pub time_zone_h: f64,
    /// Station elevation above sea level, m.
    pub elevation_m: f64,
}

/// One hourly EPW record.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EpwRecord {
    /// Month, 1..=12.
    pub month: u8,
    /// Day of month, 1..=31.
    pub day: u8,
    /// Hour ending, 1..=24 (the value applies at `hour`:00 local standard time).
    pub hour: u8,
    /// Air state at that instant (missing values already filled).
    pub sample: WeatherSample,
}

/// A parsed EPW file: location and hourly records in chronological order.
#[derive(Clone, Debug, PartialEq)]
pub struct EpwFile {
    /// Site from the `LOCATION` header record.
    pub location: EpwLocation,
    /// Hourly records, strictly increasing in (month, day, hour).
    pub records: Vec<EpwRecord>,
}

/// Why an EPW text was rejected. Every variant names the 1-based `line`;
/// field-level variants also give the 1-based `field`, its `name`, what was
/// `found`, what was `expected`, and a `hint`.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum EpwError {
    /// The text ends before the eight header records are complete.
    #[error("line {line}: EPW header too short: found {found} header record(s), expected {expected}; hint: {hint}")]
    ShortHeader {
        /// First line where a header record is missing.
        line: usize,
        /// Header records present.
        found: usize,
        /// Header records required (8).
        expected: usize,
        /// How to fix it.
        hint: &'static str,
    },
    /// A header line does not start with the expected keyword.
    #[error("line {line}: found header record \"{found}\", expected \"{expected}\"; hint: {hint}")]
    BadHeaderRecord {
        /// Offending line.
        line: usize,
        /// Keyword found (quoted, truncated).
        found: String,
        /// Keyword required at this line.
        expected: &'static str,
        /// How to fix it.
        hint: &'static str,
    },
    /// A record has the wrong number of comma-separated fields.
    #[error("line {line}: found {found} fields, expected {expected}; hint: {hint}")]
    FieldCount {
        /// Offending line.
        line: usize,
        /// Fields present.
        found: usize,
        /// Fields required, e.g. "35" or "at least 10".
        expected: String,
        /// How to fix it.
        hint: &'static str,
    },
    /// A numeric field does not hold a finite number.
    #[error("line {line} field {field} \"{name}\": found \"{found}\", expected {expected}; hint: {hint}")]
    NotANumber {
        /// Offending line.
        line: usize,
        /// 1-based field number.
        field: usize,
        /// Field name from the EPW data dictionary.
        name: &'static str,
        /// Text found (truncated).
        found: String,
        /// What the field must hold, with units.
        expected: String,
        /// How to fix it.
        hint: &'static str,
    },
    /// A numeric field is outside its valid range.
    #[error("line {line} field {field} \"{name}\": found {found}, expected {expected}; hint: {hint}")]
    OutOfRange {
        /// Offending line.
        line: usize,
        /// 1-based field number.
        field: usize,
        /// Field name from the EPW data dictionary.
        name: &'static str,
        /// Value found, as written in the file (truncated).
        found: String,
        /// Valid range, with units.
        expected: String,
        /// How to fix it.
        hint: &'static str,
    },
    /// A record does not come strictly after the previous one.
    #[error(
        "line {line}: record {found} is not after the previous record {previous}; expected {expected}; hint: {hint}"
    )]
    NotChronological {
        /// Offending line.
        line: usize,
        /// Date and hour of this record, `month/day hour`.
        found: String,
        /// Date and hour of the previous record.
        previous: String,
        /// The ordering rule.
        expected: &'static str,
        /// How to fix it.
        hint: &'static str,
    },
    /// Fewer than [`EPW_MIN_RECORDS`] hourly records.
    #[error("line {line}: found {found} hourly record(s), expected at least {expected}; hint: {hint}")]
    TooFewRecords {
        /// Last line of the text.
        line: usize,
        /// Records found.
        found: usize,
        /// Records required.
        expected: usize,
        /// How to fix it.
        hint: &'static str,
    },
    /// Every record holds the missing marker in a required field.
    #[error(
        "line {line} field {field} \"{name}\": found the missing marker in every record, expected {expected}; hint: {hint}"
    )]
    AllMissing {
        /// First data line.
        line: usize,
        /// 1-based field number.
        field: usize,
        /// Field name from the EPW data dictionary.
        name: &'static str,
        /// What is required.
        expected: &'static str,
        /// How to fix it.
        hint: &'static str,
    },
    /// A valid EPW feature this reader does not support.
    #[error("line {line} field {field} \"{name}\": found {found}, expected {expected}; hint: {hint}")]
    Unsupported {
        /// Offending line.
        line: usize,
        /// 1-based field number.
        field: usize,
        /// Field name.
        name: &'static str,
        /// Value found.
        found: String,
        /// What is supported.
        expected: String,
        /// How to work around it.
        hint: &'static str,
    },
}

/// Quote at most [`MAX_QUOTED_CHARS`] characters of `s` for an error message.
fn quote(s: &str) -> String {
    let mut out: String = s.chars().take(MAX_QUOTED_CHARS).collect();
    if s.chars().nth(MAX_QUOTED_CHARS).is_some() {
        out.push('…');
    }
    out
}

/// Parse a finite number from a field.
fn parse_number(
    line: usize,
    field: usize,
    name: &'static str,
    raw: &str,
    expected: &str,
    hint: &'static str,
) -> Result<f64, EpwError> {
    match raw.trim().parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(EpwError::NotANumber { line, field, name, found: quote(raw), expected: expected.to_string(), hint }),
    }
}

/// Parse an integer field and check it lies in `lo..=hi`.
fn parse_integer(line: usize, field: usize, raw: &str, lo: u32, hi: u32, hint: &'static str) -> Result<u32, EpwError> {
    let name = DATA_FIELD_NAMES[field - 1];
    let v = parse_number(line, field, name, raw, "an integer", hint)?;
    if v.fract() != 0.0 || v < f64::from(lo) || v > f64::from(hi) {
        return Err(EpwError::OutOfRange {
            line,
            field,
            name,
            found: quote(raw.trim()),
            expected: format!("an integer in {lo}..={hi}"),
            hint,
        });
    }
    // In range 0..=u32::MAX by the check above; truncation is exact.
    Ok(v as u32)
}

/// Check `v` against inclusive or exclusive bounds.
#[allow(clippy::too_many_arguments)]
fn check_range(
    line: usize,
    field: usize,
    name: &'static str,
    raw: &str,
    v: f64,
    (lo, hi): (f64, f64),
    exclusive: bool,
    unit: &str,
    hint: &'static str,
) -> Result<f64, EpwError> {
    let ok = if exclusive { v > lo && v < hi } else { v >= lo && v <= hi };
    if ok {
        Ok(v)
    } else {
        let relation = if exclusive { "strictly between" } else { "between" };
        Err(EpwError::OutOfRange {
            line,
            field,
            name,
            found: quote(raw.trim()),
            expected: format!("a value {relation} {lo} and {hi} {unit}"),
            hint,
        })
    }
}

/// Parse one air-state field: `Ok(None)` for the missing marker.
fn parse_air_field(
    line: usize,
    field: usize,
    raw: &str,
    missing: f64,
    limits: (f64, f64),
    exclusive: bool,
    unit: &str,
) -> Result<Option<f64>, EpwError> {
    const HINT: &str = "fix the value or write the EPW missing marker for this field";
    let name = DATA_FIELD_NAMES[field - 1];
    let expected = format!("a number in {unit} (or the missing marker {missing})");
    let v = parse_number(line, field, name, raw, &expected, HINT)?;
    if v >= missing {
        return Ok(None);
    }
    check_range(line, field, name, raw, v, limits, exclusive, unit, HINT).map(Some)
}

/// Days in `month` (clamped to 1..=12) of a common or leap year.
fn days_in_month(month: u32, leap: bool) -> u32 {
    let idx = (month.clamp(1, 12) - 1) as usize;
    MONTH_DAYS_COMMON[idx] + u32::from(leap && month == 2)
}

/// Hours from 1 January 00:00 to `hour`:00 of (`month`, `day`). Out-of-range
/// inputs are clamped so that hand-built records never cause a panic.
fn record_time_h(month: u8, day: u8, hour: u8, leap: bool) -> f64 {
    let month = u32::from(month).clamp(1, 12);
    let days_before: u32 = (1..month).map(|m| days_in_month(m, leap)).sum();
    let day0 = u32::from(day).max(1) - 1;
    f64::from((days_before + day0) * 24 + u32::from(hour))
}

/// Does the (sorted) record list hold 29 February?
fn has_feb_29(records: &[EpwRecord]) -> bool {
    let i = records.partition_point(|r| (r.month, r.day) < (2, 29));
    records.get(i).is_some_and(|r| r.month == 2 && r.day == 29)
}

/// Split a header/data line into fields.
fn fields_of(line: &str) -> Vec<&str> {
    line.split(',').collect()
}

fn parse_location(line_text: &str) -> Result<EpwLocation, EpwError> {
    const LINE: usize = 1;
    const HINT: &str = "LOCATION,City,State,Country,Source,WMO,Latitude,Longitude,TimeZone,Elevation";
    let f = fields_of(line_text);
    if f.len() < LOCATION_FIELDS {
        return Err(EpwError::FieldCount {
            line: LINE,
            found: f.len(),
            expected: format!("at least {LOCATION_FIELDS}"),
            hint: HINT,
        });
    }
    let num = |field: usize, limits: (f64, f64), unit: &str| -> Result<f64, EpwError> {
        let name = LOCATION_FIELD_NAMES[field - 1];
        let raw = f[field - 1];
        let v = parse_number(LINE, field, name, raw, &format!("a number in {unit}"), HINT)?;
        check_range(LINE, field, name, raw, v, limits, false, unit, HINT)
    };
    Ok(EpwLocation {
        city: f[L_CITY - 1].trim().to_string(),
        country: f[L_COUNTRY - 1].trim().to_string(),
        latitude_deg: num(L_LATITUDE, LATITUDE_LIMITS_DEG, "deg")?,
        longitude_deg: num(L_LONGITUDE, LONGITUDE_LIMITS_DEG, "deg")?,
        time_zone_h: num(L_TIME_ZONE, TIME_ZONE_LIMITS_H, "h")?,
        elevation_m: num(L_ELEVATION, ELEVATION_LIMITS_M, "m")?,
    })
}

fn check_data_periods(line_text: &str) -> Result<(), EpwError> {
    const LINE: usize = EPW_HEADER_LINES;
    const NAME: &str = "Number of Records per hour";
    const HINT: &str = "resample the file to one record per hour (60-minute data)";
    let f = fields_of(line_text);
    let Some(raw) = f.get(D_RECORDS_PER_HOUR - 1) else {
        return Err(EpwError::FieldCount {
            line: LINE,
            found: f.len(),
            expected: format!("at least {D_RECORDS_PER_HOUR}"),
            hint: "DATA PERIODS,NumberOfPeriods,RecordsPerHour,Name,StartDayOfWeek,Start,End",
        });
    };
    let v = parse_number(LINE, D_RECORDS_PER_HOUR, NAME, raw, "an integer", HINT)?;
    if v != 1.0 {
        return Err(EpwError::Unsupported {
            line: LINE,
            field: D_RECORDS_PER_HOUR,
            name: NAME,
            found: quote(raw.trim()),
            expected: "1 record per hour".to_string(),
            hint: HINT,
        });
    }
    Ok(())
}

fn header_keyword_matches(first_field: &str, keyword: &str) -> bool {
    let found = first_field.trim().to_ascii_uppercase();
    found == keyword || (keyword == HEADER_KEYWORDS[4] && found == HOLIDAYS_KEYWORD_ALT)
}

/// One data line before missing-value filling.
struct RawRecord {
    line: usize,
    month: u8,
    day: u8,
    hour: u8,
    dry_bulb_c: Option<f64>,
    dew_point_c: Option<f64>,
    rh_pct: Option<f64>,
    pressure_pa: Option<f64>,
}

fn parse_data_line(line: usize, text: &str) -> Result<RawRecord, EpwError> {
    const HINT_DATE: &str = "data records start Year,Month,Day,Hour,Minute with integers";
    let f = fields_of(text);
    if f.len() != EPW_DATA_FIELDS {
        return Err(EpwError::FieldCount {
            line,
            found: f.len(),
            expected: EPW_DATA_FIELDS.to_string(),
            hint: "EPW data records have 35 comma-separated fields (EnergyPlus EPW data dictionary)",
        });
    }
    let year_name = DATA_FIELD_NAMES[F_YEAR - 1];
    parse_number(line, F_YEAR, year_name, f[F_YEAR - 1], "an integer year", HINT_DATE)?;
    let month = parse_integer(line, F_MONTH, f[F_MONTH - 1], 1, 12, HINT_DATE)?;
    let day = parse_integer(line, F_DAY, f[F_DAY - 1], 1, days_in_month(month, true), HINT_DATE)?;
    let hour = parse_integer(line, F_HOUR, f[F_HOUR - 1], 1, 24, "EPW hours run 1..=24 (hour ending)")?;
    parse_integer(line, F_MINUTE, f[F_MINUTE - 1], 0, 60, HINT_DATE)?;
    let (t_lo, t_hi) = TEMPERATURE_LIMITS_C;
    Ok(RawRecord {
        line,
        // month, day, hour are bounded by 12, 31 and 24 above.
        month: month as u8,
        day: day as u8,
        hour: hour as u8,
        dry_bulb_c: parse_air_field(
            line,
            F_DRY_BULB,
            f[F_DRY_BULB - 1],
            MISSING_TEMPERATURE_C,
            (t_lo, t_hi),
            true,
            "°C",
        )?,
        dew_point_c: parse_air_field(
            line,
            F_DEW_POINT,
            f[F_DEW_POINT - 1],
            MISSING_TEMPERATURE_C,
            (t_lo, t_hi),
            true,
            "°C",
        )?,
        rh_pct: parse_air_field(line, F_RH, f[F_RH - 1], MISSING_RH_PCT, RH_LIMITS_PCT, false, "%")?,
        pressure_pa: parse_air_field(
            line,
            F_PRESSURE,
            f[F_PRESSURE - 1],
            MISSING_PRESSURE_PA,
            PRESSURE_LIMITS_PA,
            true,
            "Pa",
        )?,
    })
}

/// Fill `None` entries by linear interpolation in `times_h` between the
/// nearest valid neighbours (nearest valid value at the ends). `None` if no
/// entry is valid.
fn fill_missing(values: &[Option<f64>], times_h: &[f64]) -> Option<Vec<f64>> {
    let n = values.len();
    let mut next_valid = vec![None; n];
    let mut next = None;
    for i in (0..n).rev() {
        if values[i].is_some() {
            next = Some(i);
        }
        next_valid[i] = next;
    }
    let mut out = Vec::with_capacity(n);
    let mut prev: Option<usize> = None;
    for i in 0..n {
        let v = match (values[i], prev, next_valid[i]) {
            (Some(v), _, _) => v,
            (None, Some(p), Some(q)) => {
                let (vp, vq) = (values[p]?, values[q]?);
                let span = times_h[q] - times_h[p];
                if span > 0.0 { vp + (vq - vp) * (times_h[i] - times_h[p]) / span } else { vp }
            }
            (None, Some(p), None) => values[p]?,
            (None, None, Some(q)) => values[q]?,
            (None, None, None) => return None,
        };
        if values[i].is_some() {
            prev = Some(i);
        }
        out.push(v);
    }
    Some(out)
}

/// Parse EPW text into an [`EpwFile`].
///
/// Accepts LF or CRLF line ends, a leading UTF-8 byte-order mark, and blank
/// lines among the data records (skipped). Requires the eight header records
/// in order, one record per hour, at least [`EPW_MIN_RECORDS`] records of
/// exactly [`EPW_DATA_FIELDS`] fields in strictly increasing (month, day,
/// hour) order. Any year length is accepted (8760, 8784 or a partial year).
/// Never panics.
pub fn parse_epw(text: &str) -> Result<EpwFile, EpwError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines: Vec<&str> = text.lines().collect();

    for (i, keyword) in HEADER_KEYWORDS.iter().enumerate() {
        let Some(line_text) = lines.get(i) else {
            return Err(EpwError::ShortHeader {
                line: i + 1,
                found: i,
                expected: EPW_HEADER_LINES,
                hint: "an EPW file starts with 8 header records: LOCATION, DESIGN CONDITIONS, \
                       TYPICAL/EXTREME PERIODS, GROUND TEMPERATURES, HOLIDAYS/DAYLIGHT SAVINGS, \
                       COMMENTS 1, COMMENTS 2, DATA PERIODS",
            });
        };
        let first = line_text.split(',').next().unwrap_or("");
        if !header_keyword_matches(first, keyword) {
            return Err(EpwError::BadHeaderRecord {
                line: i + 1,
                found: quote(first.trim()),
                expected: keyword,
                hint: "header records must appear in EPW order; an empty record is e.g. \
                       `DESIGN CONDITIONS,0`",
            });
        }
    }
    let location = parse_location(lines[0])?;
    check_data_periods(lines[EPW_HEADER_LINES - 1])?;

    let mut raw = Vec::new();
    for (i, line_text) in lines.iter().enumerate().skip(EPW_HEADER_LINES) {
        if line_text.trim().is_empty() {
            continue;
        }
        let rec = parse_data_line(i + 1, line_text)?;
        if let Some(prev) = raw.last() {
            let prev: &RawRecord = prev;
            if (rec.month, rec.day, rec.hour) <= (prev.month, prev.day, prev.hour) {
                return Err(EpwError::NotChronological {
                    line: rec.line,
                    found: format!("{}/{} hour {}", rec.month, rec.day, rec.hour),
                    previous: format!("{}/{} hour {}", prev.month, prev.day, prev.hour),
                    expected: "(month, day, hour) strictly increasing within one year",
                    hint: "sort the records, remove duplicates, or split multi-year files",
                });
            }
        }
        raw.push(rec);
    }
    if raw.len() < EPW_MIN_RECORDS {
        return Err(EpwError::TooFewRecords {
            line: lines.len().max(1),
            found: raw.len(),
            expected: EPW_MIN_RECORDS,
            hint: "provide at least one full day of hourly records",
        });
    }

    let leap = raw.iter().any(|r| r.month == 2 && r.day == 29);
    let times_h: Vec<f64> = raw.iter().map(|r| record_time_h(r.month, r.day, r.hour, leap)).collect();
    let first_line = raw[0].line;
    let all_missing = |field: usize| EpwError::AllMissing {
        line: first_line,
        field,
        name: DATA_FIELD_NAMES[field - 1],
        expected: "at least one valid value",
        hint: "this field cannot be reconstructed; use another weather source",
    };

    let dry: Vec<Option<f64>> = raw.iter().map(|r| r.dry_bulb_c).collect();
    let dry = fill_missing(&dry, &times_h).ok_or_else(|| all_missing(F_DRY_BULB))?;
    let dew: Vec<Option<f64>> = raw
        .iter()
        .zip(&dry)
        .map(|(r, &t)| r.dew_point_c.or_else(|| r.rh_pct.map(|rh| dew_point_from_rh_c(t, rh))))
        .collect();
    let dew = fill_missing(&dew, &times_h).ok_or_else(|| all_missing(F_DEW_POINT))?;
    let pressure: Vec<Option<f64>> = raw.iter().map(|r| r.pressure_pa).collect();
    let pressure = fill_missing(&pressure, &times_h).ok_or_else(|| all_missing(F_PRESSURE))?;

    let records = raw
        .iter()
        .enumerate()
        .map(|(i, r)| EpwRecord {
            month: r.month,
            day: r.day,
            hour: r.hour,
            sample: WeatherSample {
                dry_bulb_c: dry[i],
                dew_point_c: dew[i],
                rh_pct: r.rh_pct.unwrap_or_else(|| rh_from_dew_point_pct(dry[i], dew[i])),
                pressure_pa: pressure[i],
            },
        })
        .collect();
    Ok(EpwFile { location, records })
}

/// Format with `decimals` decimals, without a "-0" for values that round to zero.
fn fmt_fixed(v: f64, decimals: usize) -> String {
    let s = format!("{v:.decimals$}");
    if s.starts_with('-') && s[1..].chars().all(|c| c == '0' || c == '.') { s[1..].to_string() } else { s }
}

/// Replace characters that would break the comma-separated layout.
fn sanitize_text(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            ',' => ';',
            '\r' | '\n' => ' ',
            c => c,
        })
        .collect()
}

/// Day of week (0 = Sunday) of a Gregorian date (Sakamoto's method).
fn day_of_week(year: i32, month: u32, day: u32) -> usize {
    const T: [i32; 12] = [0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4];
    let m = month.clamp(1, 12);
    let y = if m < 3 { year - 1 } else { year };
    let d = i32::try_from(day).unwrap_or(1);
    let idx = (m - 1) as usize;
    (y + y / 4 - y / 100 + y / 400 + T[idx] + d).rem_euclid(7) as usize
}

/// Write an [`EpwFile`] as EPW text that EnergyPlus-format readers accept.
///
/// All eight header records are written (`DESIGN CONDITIONS`, `TYPICAL/EXTREME
/// PERIODS` and `GROUND TEMPERATURES` empty, no holidays or daylight saving,
/// one data period at one record per hour). `comments`: its first line goes to
/// `COMMENTS 1`, the remaining lines (joined by spaces) to `COMMENTS 2`; commas
/// become `;`. The year written is nominal (2023, or 2012 if the file holds
/// 29 February; both start on a Sunday). Every data record has all 35 fields:
/// dry bulb and dew point with 0.1 °C resolution, RH and pressure as integers
/// (% and Pa), every other field (and any non-finite value) as its EPW missing
/// marker. Non-finite location numbers are written as 0 (the EPW default).
pub fn write_epw(file: &EpwFile, comments: &str) -> String {
    let leap = has_feb_29(&file.records);
    let year = if leap { WRITE_YEAR_LEAP } else { WRITE_YEAR_COMMON };
    let loc = &file.location;
    let finite_or_zero = |v: f64| if v.is_finite() { v } else { 0.0 };
    let mut comment_lines = comments.lines();
    let comments_1 = sanitize_text(comment_lines.next().unwrap_or("").trim());
    let comments_2 = sanitize_text(&comment_lines.map(str::trim).collect::<Vec<_>>().join(" "));
    let (start, end) = match (file.records.first(), file.records.last()) {
        (Some(a), Some(b)) => ((a.month, a.day), (b.month, b.day)),
        _ => ((1, 1), (12, 31)),
    };
    const WEEKDAYS: [&str; 7] = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
    let weekday = WEEKDAYS[day_of_week(year, u32::from(start.0), u32::from(start.1))];

    let mut out = String::with_capacity(128 * (file.records.len() + EPW_HEADER_LINES));
    // `write!` into a String cannot fail; results are ignored deliberately.
    let _ = writeln!(
        out,
        "LOCATION,{},,{},dctwin,,{},{},{},{}",
        sanitize_text(&loc.city),
        sanitize_text(&loc.country),
        fmt_fixed(finite_or_zero(loc.latitude_deg), 2),
        fmt_fixed(finite_or_zero(loc.longitude_deg), 2),
        fmt_fixed(finite_or_zero(loc.time_zone_h), 1),
        fmt_fixed(finite_or_zero(loc.elevation_m), 1),
    );
    out.push_str("DESIGN CONDITIONS,0\n");
    out.push_str("TYPICAL/EXTREME PERIODS,0\n");
    out.push_str("GROUND TEMPERATURES,0\n");
    let _ = writeln!(out, "HOLIDAYS/DAYLIGHT SAVINGS,{},0,0,0", if leap { "Yes" } else { "No" });
    let _ = writeln!(out, "COMMENTS 1,{comments_1}");
    let _ = writeln!(out, "COMMENTS 2,{comments_2}");
    let _ = writeln!(out, "DATA PERIODS,1,1,Data,{weekday},{}/{},{}/{}", start.0, start.1, end.0, end.1);

    let tail = MISSING_TAIL_FIELDS.join(",");
    let or_missing = |v: f64, decimals: usize, missing: &str| {
        if v.is_finite() { fmt_fixed(v, decimals) } else { missing.to_string() }
    };
    for r in &file.records {
        let s = &r.sample;
        let _ = writeln!(
            out,
            "{year},{},{},{},0,{WRITE_FLAGS},{},{},{},{},{tail}",
            r.month,
            r.day,
            r.hour,
            or_missing(s.dry_bulb_c, 1, "99.9"),
            or_missing(s.dew_point_c, 1, "99.9"),
            or_missing(s.rh_pct, 0, "999"),
            or_missing(s.pressure_pa, 0, "999999"),
        );
    }
    out
}

impl EpwFile {
    /// Whether the records cover a run from `start_s` (s after 1 January 00:00) lasting
    /// `duration_s`: a whole-year file covers any run (it wraps around the year); a partial
    /// file must hold every hour of the run, from the hour before its first record to its last.
    /// `Err` says which hours the file holds and which the run needs.
    pub fn covers(&self, start_s: f64, duration_s: f64) -> Result<(), String> {
        let (Some(first), Some(last)) = (self.records.first(), self.records.last()) else {
            return Err("the file holds no hourly records".into());
        };
        let leap = has_feb_29(&self.records);
        let year_h = if leap { HOURS_LEAP_YEAR } else { HOURS_COMMON_YEAR };
        let first_h = record_time_h(first.month, first.day, first.hour, leap);
        let last_h = record_time_h(last.month, last.day, last.hour, leap);
        if first_h <= 1.0 && last_h >= year_h {
            return Ok(());
        }
        let (from_h, to_h) = (start_s / SECONDS_PER_HOUR, (start_s + duration_s) / SECONDS_PER_HOUR);
        if from_h >= first_h - 1.0 && to_h <= last_h {
            return Ok(());
        }
        Err(format!(
            "the file holds {} hourly records (hours {:.0}–{:.0} of the year) but the run needs hours {:.0}–{:.0}",
            self.records.len(),
            first_h - 1.0,
            last_h,
            from_h,
            to_h
        ))
    }

    /// Weather at `t_s` seconds after 1 January 00:00 local standard time.
    ///
    /// Linear interpolation between hourly records (the record with hour `h`
    /// is the value at `h`:00); `t_s` is reduced modulo the file's year (8760 h,
    /// or 8784 h when 29 February is present), so negative times and times
    /// beyond one year wrap. A full-year file wraps around the end of the year;
    /// a partial-year file returns its first record's values before its first
    /// record and its last record's values after its last record (see the
    /// module documentation). Non-finite `t_s` is treated as 0. An empty record
    /// list yields an all-NaN sample. Missing values were filled at parse time.
    pub fn sample_at(&self, t_s: f64) -> WeatherSample {
        let recs = &self.records;
        let (Some(first), Some(last)) = (recs.first(), recs.last()) else {
            return WeatherSample {
                dry_bulb_c: f64::NAN,
                dew_point_c: f64::NAN,
                rh_pct: f64::NAN,
                pressure_pa: f64::NAN,
            };
        };
        let leap = has_feb_29(recs);
        let year_h = if leap { HOURS_LEAP_YEAR } else { HOURS_COMMON_YEAR };
        let key = |r: &EpwRecord| record_time_h(r.month, r.day, r.hour, leap);
        let t_h = if t_s.is_finite() { (t_s / SECONDS_PER_HOUR).rem_euclid(year_h) } else { 0.0 };
        let (first_h, last_h) = (key(first), key(last));
        let full_year = first_h <= 1.0 && last_h >= year_h;
        let i = recs.partition_point(|r| key(r) <= t_h);
        let (a, b, a_h, b_h) = if i == 0 {
            if !full_year {
                return first.sample;
            }
            (last, first, last_h - year_h, first_h)
        } else if i == recs.len() {
            return last.sample;
        } else {
            let (a, b) = (&recs[i - 1], &recs[i]);
            (a, b, key(a), key(b))
        };
        if b_h <= a_h {
            return b.sample;
        }
        let w = (t_h - a_h) / (b_h - a_h);
        let lerp = |x: f64, y: f64| x + (y - x) * w;
        WeatherSample {
            dry_bulb_c: lerp(a.sample.dry_bulb_c, b.sample.dry_bulb_c),
            dew_point_c: lerp(a.sample.dew_point_c, b.sample.dew_point_c),
            rh_pct: lerp(a.sample.rh_pct, b.sample.rh_pct),
            pressure_pa: lerp(a.sample.pressure_pa, b.sample.pressure_pa),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A hand-made fixture in the real EPW layout: 8 header records + 48 hourly records of
    /// 35 fields (see `testdata/README.md`).
    const SAMPLE: &str = include_str!("testdata/lyon_sample_first48h.epw");

    /// Replace field `field` (1-based) of line `line` (1-based) of `text`.
    fn with_field(text: &str, line: usize, field: usize, value: &str) -> String {
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        let mut f: Vec<String> = lines[line - 1].split(',').map(str::to_string).collect();
        f[field - 1] = value.to_string();
        lines[line - 1] = f.join(",");
        lines.join("\n")
    }

    fn approx(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn real_tmy3_sample_parses() {
        let epw = parse_epw(SAMPLE).expect("real-format sample must parse");
        let loc = &epw.location;
        assert_eq!(loc.city, "Lyon Bron SAMPLE");
        assert_eq!(loc.country, "FRA");
        // Location numbers are exact decimal copies of the file (tolerance 1e-12).
        assert!(approx(loc.latitude_deg, 45.72, 1e-12));
        assert!(approx(loc.longitude_deg, 4.94, 1e-12));
        assert!(approx(loc.time_zone_h, 1.0, 1e-12));
        assert!(approx(loc.elevation_m, 201.0, 1e-12));
        assert_eq!(epw.records.len(), 48);
        let r0 = &epw.records[0];
        assert_eq!((r0.month, r0.day, r0.hour), (1, 1, 1));
        // First record: 1.5 °C, -0.8 °C, 85 %, 99100 Pa (tolerance 1e-12).
        assert!(approx(r0.sample.dry_bulb_c, 1.5, 1e-12));
        assert!(approx(r0.sample.dew_point_c, -0.8, 1e-12));
        assert!(approx(r0.sample.rh_pct, 85.0, 1e-12));
        assert!(approx(r0.sample.pressure_pa, 99_100.0, 1e-12));
        let last = epw.records.last().unwrap();
        assert_eq!((last.month, last.day, last.hour), (1, 2, 24));
        assert!(approx(last.sample.pressure_pa, 98_900.0, 1e-12));
    }

    #[test]
    fn crlf_and_bom_are_accepted() {
        let crlf = format!("\u{feff}{}", SAMPLE.replace('\n', "\r\n"));
        let a = parse_epw(&crlf).expect("CRLF + BOM must parse");
        let b = parse_epw(SAMPLE).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn interpolation_at_half_past_is_the_mean_of_two_records() {
        let epw = parse_epw(SAMPLE).unwrap();
        // 01:30 lies between hour 1 (01:00) and hour 2 (02:00).
        let s = epw.sample_at(1.5 * 3600.0);
        assert!(approx(s.dry_bulb_c, (1.5 + 1.1) / 2.0, 1e-9));
        assert!(approx(s.dew_point_c, (-0.8 + -1.0) / 2.0, 1e-9));
        assert!(approx(s.rh_pct, (85.0 + 86.0) / 2.0, 1e-9));
        assert!(approx(s.pressure_pa, (99_100.0 + 99_150.0) / 2.0, 1e-9));
        // 1 January 12:30: mean of hour 12 (6.4 °C) and hour 13 (7.3 °C).
        let s = epw.sample_at(12.5 * 3600.0);
        assert!(approx(s.dry_bulb_c, (6.4 + 7.3) / 2.0, 1e-9));
        // Exactly on a record: its value (tolerance 1e-12).
        let s = epw.sample_at(24.0 * 3600.0);
        assert!(approx(s.dry_bulb_c, 2.0, 1e-12));
    }

    #[test]
    fn partial_year_file_clamps_outside_its_span() {
        let epw = parse_epw(SAMPLE).unwrap();
        let first = epw.records[0].sample;
        let last = epw.records[47].sample;
        // Before 01:00 on 1 January: first record (partial file, no wrap).
        assert_eq!(epw.sample_at(0.25 * 3600.0), first);
        // After 2 January 24:00: last record.
        assert_eq!(epw.sample_at(100.0 * 3600.0), last);
        // Negative time wraps to late December: still after the span -> last.
        assert_eq!(epw.sample_at(-3600.0), last);
        // Non-finite time is treated as t = 0.
        assert_eq!(epw.sample_at(f64::NAN), first);
    }

    #[test]
    fn full_year_file_wraps_around_new_year() {
        let records: Vec<EpwRecord> = (0..365u32)
            .flat_map(|d| (1..=24u8).map(move |h| (d, h)))
            .map(|(d, h)| {
                let (month, day) = month_day_common(d);
                let t = f64::from(d * 24 + u32::from(h));
                EpwRecord {
                    month,
                    day,
                    hour: h,
                    sample: WeatherSample {
                        dry_bulb_c: t / 1000.0,
                        dew_point_c: 0.0,
                        rh_pct: 50.0,
                        pressure_pa: 100_000.0,
                    },
                }
            })
            .collect();
        assert_eq!(records.len(), 8760);
        let epw = EpwFile {
            location: EpwLocation {
                city: "Ramp".into(),
                country: "XXX".into(),
                latitude_deg: 0.0,
                longitude_deg: 0.0,
                time_zone_h: 0.0,
                elevation_m: 0.0,
            },
            records,
        };
        // 00:30 on 1 January: halfway between 31 Dec hour 24 (8.760) and 1 Jan hour 1 (0.001).
        let s = epw.sample_at(0.5 * 3600.0);
        assert!(approx(s.dry_bulb_c, (8.760 + 0.001) / 2.0, 1e-12));
        // One year later gives the same value (tolerance 1e-12).
        let s2 = epw.sample_at(0.5 * 3600.0 + 8760.0 * 3600.0);
        assert!(approx(s2.dry_bulb_c, s.dry_bulb_c, 1e-12));
    }

    /// (month, day) of zero-based day `d` of a common year.
    fn month_day_common(d: u32) -> (u8, u8) {
        let mut rest = d;
        for (m, &len) in MONTH_DAYS_COMMON.iter().enumerate() {
            if rest < len {
                return (m as u8 + 1, rest as u8 + 1);
            }
            rest -= len;
        }
        (12, 31)
    }

    #[test]
    fn malformed_lines_name_line_and_field() {
        // Line 10 is the second data record; field 7 is the dry bulb.
        let err = parse_epw(&with_field(SAMPLE, 10, 7, "abc")).unwrap_err();
        assert!(matches!(err, EpwError::NotANumber { line: 10, field: 7, name: "Dry Bulb Temperature", .. }));
        let msg = err.to_string();
        assert!(
            msg.starts_with("line 10 field 7 \"Dry Bulb Temperature\": found \"abc\", expected a number in °C"),
            "{msg}"
        );

        // Wrong field count on line 20.
        let mut lines: Vec<&str> = SAMPLE.lines().collect();
        let short = lines[19].rsplit_once(',').unwrap().0.to_string();
        lines[19] = &short;
        let err = parse_epw(&lines.join("\n")).unwrap_err();
        assert!(matches!(err, EpwError::FieldCount { line: 20, found: 34, .. }));
        assert!(err.to_string().starts_with("line 20: found 34 fields, expected 35"));

        // Out-of-range values.
        let err = parse_epw(&with_field(SAMPLE, 12, 9, "150")).unwrap_err();
        assert!(matches!(err, EpwError::OutOfRange { line: 12, field: 9, name: "Relative Humidity", .. }));
        let err = parse_epw(&with_field(SAMPLE, 13, 10, "20000")).unwrap_err();
        assert!(matches!(err, EpwError::OutOfRange { line: 13, field: 10, .. }));
        let err = parse_epw(&with_field(SAMPLE, 14, 7, "-75")).unwrap_err();
        assert!(matches!(err, EpwError::OutOfRange { line: 14, field: 7, .. }));
        let err = parse_epw(&with_field(SAMPLE, 15, 8, "70")).unwrap_err();
        assert!(matches!(err, EpwError::OutOfRange { line: 15, field: 8, .. }));
        let err = parse_epw(&with_field(SAMPLE, 16, 4, "25")).unwrap_err();
        assert!(matches!(err, EpwError::OutOfRange { line: 16, field: 4, name: "Hour", .. }));
        let err = parse_epw(&with_field(SAMPLE, 17, 7, "NaN")).unwrap_err();
        assert!(matches!(err, EpwError::NotANumber { line: 17, field: 7, .. }));

        // Location: latitude not a number (line 1, field 7).
        let err = parse_epw(&with_field(SAMPLE, 1, 7, "north")).unwrap_err();
        assert!(matches!(err, EpwError::NotANumber { line: 1, field: 7, name: "Latitude", .. }));

        // Records out of order: swap data lines 11 and 12 -> error at line 12.
        let mut lines: Vec<&str> = SAMPLE.lines().collect();
        lines.swap(10, 11);
        let err = parse_epw(&lines.join("\n")).unwrap_err();
        assert!(matches!(err, EpwError::NotChronological { line: 12, .. }), "{err}");

        // Duplicate record.
        let mut lines: Vec<&str> = SAMPLE.lines().collect();
        lines[11] = lines[10];
        let err = parse_epw(&lines.join("\n")).unwrap_err();
        assert!(matches!(err, EpwError::NotChronological { line: 12, .. }));
    }

    #[test]
    fn header_problems_are_reported() {
        let five: String = SAMPLE.lines().take(5).collect::<Vec<_>>().join("\n");
        let err = parse_epw(&five).unwrap_err();
        assert!(matches!(err, EpwError::ShortHeader { line: 6, found: 5, expected: 8, .. }));
        let err = parse_epw("").unwrap_err();
        assert!(matches!(err, EpwError::ShortHeader { line: 1, found: 0, expected: 8, .. }));
        let err = parse_epw(&SAMPLE.replacen("LOCATION", "LOCATON", 1)).unwrap_err();
        assert!(matches!(err, EpwError::BadHeaderRecord { line: 1, expected: "LOCATION", .. }));
        let err = parse_epw(&SAMPLE.replacen("COMMENTS 2", "COMMENTS 3", 1)).unwrap_err();
        assert!(matches!(err, EpwError::BadHeaderRecord { line: 7, .. }));
        let err = parse_epw(&with_field(SAMPLE, 8, 3, "4")).unwrap_err();
        assert!(matches!(err, EpwError::Unsupported { line: 8, field: 3, .. }));
    }

    #[test]
    fn too_few_records_is_an_error() {
        let text: String = SAMPLE.lines().take(8 + 10).collect::<Vec<_>>().join("\n");
        let err = parse_epw(&text).unwrap_err();
        assert!(matches!(err, EpwError::TooFewRecords { line: 18, found: 10, expected: 24, .. }));
    }

    #[test]
    fn missing_markers_are_filled_from_neighbours() {
        // Record 3 (line 11): dry bulb missing -> mean of records 2 and 4.
        let t = with_field(SAMPLE, 11, 7, "99.9");
        // Record 5 (line 13): RH missing -> recomputed from T and Td.
        let t = with_field(&t, 13, 9, "999");
        // Record 6 (line 14): pressure missing -> interpolated (99500, 99500).
        let t = with_field(&t, 14, 10, "999999");
        // Record 7 (line 15): dew point missing, RH valid -> inverted from RH.
        let t = with_field(&t, 15, 8, "99.9");
        let epw = parse_epw(&t).unwrap();
        let orig = parse_epw(SAMPLE).unwrap().records;
        let r = &epw.records;
        let mean = |a: f64, b: f64| (a + b) / 2.0;
        assert!(approx(r[2].sample.dry_bulb_c, mean(orig[1].sample.dry_bulb_c, orig[3].sample.dry_bulb_c), 1e-9));
        let rh = rh_from_dew_point_pct(orig[4].sample.dry_bulb_c, orig[4].sample.dew_point_c);
        assert!(approx(r[4].sample.rh_pct, rh, 1e-9));
        // The recomputed RH agrees with the file's own value (tolerance 1.5 %).
        assert!(approx(r[4].sample.rh_pct, orig[4].sample.rh_pct, 1.5), "{}", r[4].sample.rh_pct);
        assert!(approx(r[5].sample.pressure_pa, mean(orig[4].sample.pressure_pa, orig[6].sample.pressure_pa), 1e-9));
        // Record 7's dew point inverted from its RH matches the file's (tolerance 0.3 K).
        assert!(approx(r[6].sample.dew_point_c, orig[6].sample.dew_point_c, 0.3), "{}", r[6].sample.dew_point_c);

        // Missing at the very start: nearest valid value.
        let epw = parse_epw(&with_field(SAMPLE, 9, 7, "99.9")).unwrap();
        assert!(approx(epw.records[0].sample.dry_bulb_c, orig[1].sample.dry_bulb_c, 1e-12));

        // Every pressure missing: error naming the field.
        let mut t = SAMPLE.to_string();
        for line in 9..=56 {
            t = with_field(&t, line, 10, "999999");
        }
        let err = parse_epw(&t).unwrap_err();
        assert!(matches!(err, EpwError::AllMissing { line: 9, field: 10, .. }));
    }

    #[test]
    fn write_then_parse_round_trip() {
        let original = parse_epw(SAMPLE).unwrap();
        let text = write_epw(&original, "round trip\nsecond, line");
        for line in text.lines().skip(EPW_HEADER_LINES) {
            assert_eq!(line.split(',').count(), EPW_DATA_FIELDS);
        }
        assert!(text.contains("\nCOMMENTS 1,round trip\n"));
        assert!(text.contains("\nCOMMENTS 2,second; line\n"));
        assert!(text.contains("\nDATA PERIODS,1,1,Data,Sunday,1/1,1/2\n"));
        let back = parse_epw(&text).unwrap();
        assert_eq!(back.location.city, original.location.city);
        assert_eq!(back.location.country, original.location.country);
        // Location written with 0.01 deg and 0.1 h / 0.1 m resolution.
        assert!(approx(back.location.latitude_deg, 45.72, 0.005));
        assert!(approx(back.location.longitude_deg, 4.94, 0.005));
        assert!(approx(back.location.time_zone_h, 1.0, 0.05));
        assert!(approx(back.location.elevation_m, 201.0, 0.05));
        assert_eq!(back.records.len(), original.records.len());
        for (a, b) in original.records.iter().zip(&back.records) {
            assert_eq!((a.month, a.day, a.hour), (b.month, b.day, b.hour));
            // Written precision: 0.1 °C, 1 %, 1 Pa -> half-step tolerances.
            assert!(approx(a.sample.dry_bulb_c, b.sample.dry_bulb_c, 0.05 + 1e-9));
            assert!(approx(a.sample.dew_point_c, b.sample.dew_point_c, 0.05 + 1e-9));
            assert!(approx(a.sample.rh_pct, b.sample.rh_pct, 0.5 + 1e-9));
            assert!(approx(a.sample.pressure_pa, b.sample.pressure_pa, 0.5 + 1e-9));
        }
        // Non-finite values are written as missing markers and refilled.
        let mut holed = original.clone();
        holed.records[3].sample.dry_bulb_c = f64::NAN;
        let back = parse_epw(&write_epw(&holed, "")).unwrap();
        let expect = (original.records[2].sample.dry_bulb_c + original.records[4].sample.dry_bulb_c) / 2.0;
        assert!(approx(back.records[3].sample.dry_bulb_c, expect, 1e-9));
    }

    #[test]
    fn formatting_helpers() {
        assert_eq!(fmt_fixed(-0.04, 1), "0.0");
        assert_eq!(fmt_fixed(-0.06, 1), "-0.1");
        assert_eq!(fmt_fixed(99_500.4, 0), "99500");
        assert_eq!(day_of_week(2023, 1, 1), 0);
        assert_eq!(day_of_week(2012, 1, 1), 0);
        assert_eq!(day_of_week(2019, 7, 25), 4); // a Thursday
    }

    #[test]
    fn garbage_never_panics() {
        // Truncations of a real file at many byte positions (char boundaries).
        for cut in (0..SAMPLE.len()).step_by(37) {
            if SAMPLE.is_char_boundary(cut) {
                let _ = parse_epw(&SAMPLE[..cut]);
            }
        }
        // Pseudo-random garbage (fixed LCG, Numerical Recipes constants).
        const ALPHABET: &[char] =
            &['0', '1', '9', '-', '.', ',', ',', ',', '\n', '\r', 'e', 'E', 'N', 'a', ' ', 'é', '\u{feff}'];
        let mut state: u64 = 0x2026;
        for len in [0usize, 1, 5, 50, 500, 5000] {
            for _ in 0..20 {
                let s: String = (0..len)
                    .map(|_| {
                        state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                        ALPHABET[(state >> 33) as usize % ALPHABET.len()]
                    })
                    .collect();
                let _ = parse_epw(&s);
                // Garbage data lines under a valid header.
                let header: String = SAMPLE.lines().take(8).collect::<Vec<_>>().join("\n");
                let _ = parse_epw(&format!("{header}\n{s}"));
            }
        }
        for s in ["\n\n\n\n\n\n\n\n\n", ",,,,,,,,", "LOCATION", "LOCATION,,,,,,,,,\n"] {
            assert!(parse_epw(s).is_err());
        }
        // Hand-built records with nonsense dates must not panic either.
        let mut epw = parse_epw(SAMPLE).unwrap();
        epw.records[0].month = 0;
        epw.records[1].month = 200;
        epw.records[2].day = 0;
        let _ = epw.sample_at(3600.0);
        let _ = write_epw(&epw, "");
        epw.records.clear();
        assert!(epw.sample_at(0.0).dry_bulb_c.is_nan());
        let _ = write_epw(&epw, "");
    }
}
