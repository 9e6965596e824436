//! Units that do not fit in a field name: durations written the way people write them.
//!
//! Scenario files say `duration: "24h"`, `tick: "1s"` or `at: "2h30min"`; a bare number is
//! seconds. [`SimDuration`] holds whole milliseconds so that event times compare exactly and
//! sum without drift (a 1 s tick for a year is 31 536 000 000 ms, far inside `u64`).

use core::fmt;
use core::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

/// Milliseconds in one second.
pub const MS_PER_S: u64 = 1_000;
/// Seconds in one hour.
pub const S_PER_H: f64 = 3_600.0;
/// Seconds in one day.
pub const S_PER_DAY: f64 = 86_400.0;

/// A span of simulated time, stored as whole milliseconds.
///
/// Written in scenario files as a number of seconds (`90`, `0.5`) or as a string of
/// number–unit pairs: `"1d"`, `"12h"`, `"30min"`, `"45s"`, `"250ms"`, `"1h30min"`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimDuration {
    ms: u64,
}

impl SimDuration {
    /// Zero length.
    pub const ZERO: SimDuration = SimDuration { ms: 0 };

    /// A duration of `ms` milliseconds.
    pub const fn from_ms(ms: u64) -> Self {
        Self { ms }
    }

    /// A duration of whole seconds.
    pub const fn from_secs(s: u64) -> Self {
        Self { ms: s * MS_PER_S }
    }

    /// A duration of whole hours.
    pub const fn from_hours(h: u64) -> Self {
        Self::from_secs(h * 3_600)
    }

    /// A duration from seconds, rounded to the nearest millisecond; `None` if negative or not finite.
    pub fn try_from_secs_f64(s: f64) -> Option<Self> {
        if !s.is_finite() || s < 0.0 || s > (u64::MAX / 2) as f64 / 1_000.0 {
            return None;
        }
        Some(Self { ms: (s * MS_PER_S as f64).round() as u64 })
    }

    /// Whole milliseconds.
    pub const fn as_ms(self) -> u64 {
        self.ms
    }

    /// Seconds as a float.
    pub fn as_secs_f64(self) -> f64 {
        self.ms as f64 / MS_PER_S as f64
    }

    /// Hours as a float.
    pub fn as_hours_f64(self) -> f64 {
        self.as_secs_f64() / S_PER_H
    }

    /// Whether this is zero.
    pub const fn is_zero(self) -> bool {
        self.ms == 0
    }
}

impl core::ops::Add for SimDuration {
    type Output = SimDuration;
    fn add(self, rhs: Self) -> Self {
        Self { ms: self.ms.saturating_add(rhs.ms) }
    }
}

impl core::ops::Sub for SimDuration {
    type Output = SimDuration;
    fn sub(self, rhs: Self) -> Self {
        Self { ms: self.ms.saturating_sub(rhs.ms) }
    }
}

/// Why a duration string could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "cannot read duration \"{text}\": {why}; write e.g. \"90s\", \"30min\", \"12h\", \"1d\", \"1h30min\" or a number of seconds"
)]
pub struct DurationParseError {
    text: String,
    why: &'static str,
}

impl FromStr for SimDuration {
    type Err = DurationParseError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let err = |why| DurationParseError { text: text.to_owned(), why };
        let s = text.trim();
        if s.is_empty() {
            return Err(err("it is empty"));
        }
        if let Ok(secs) = s.parse::<f64>() {
            return SimDuration::try_from_secs_f64(secs).ok_or(err("it must be a finite, non-negative number"));
        }
        let mut total_s = 0.0_f64;
        let mut rest = s;
        while !rest.is_empty() {
            let num_len = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
            if num_len == 0 {
                return Err(err("each unit needs a number before it"));
            }
            let value: f64 = rest[..num_len].parse().map_err(|_| err("a number is malformed"))?;
            rest = rest[num_len..].trim_start();
            let unit_len = rest.find(|c: char| !c.is_ascii_alphabetic()).unwrap_or(rest.len());
            let unit_s = match &rest[..unit_len] {
                "ms" => 1e-3,
                "s" | "sec" => 1.0,
                "m" | "min" => 60.0,
                "h" => S_PER_H,
                "d" | "day" | "days" => S_PER_DAY,
                "" => return Err(err("a number has no unit")),
                _ => return Err(err("unknown unit (use ms, s, min, h or d)")),
            };
            total_s += value * unit_s;
            rest = rest[unit_len..].trim_start();
        }
        SimDuration::try_from_secs_f64(total_s).ok_or(err("it is out of range"))
    }
}

impl fmt::Display for SimDuration {
    /// Shortest exact form: `1d2h`, `30min`, `1.5s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ms == 0 {
            return f.write_str("0s");
        }
        let mut ms = self.ms;
        let units = [(86_400_000, "d"), (3_600_000, "h"), (60_000, "min")];
        for (size, name) in units {
            if ms >= size {
                write!(f, "{}{name}", ms / size)?;
                ms %= size;
            }
        }
        if ms > 0 {
            if ms.is_multiple_of(1_000) {
                write!(f, "{}s", ms / 1_000)?;
            } else {
                write!(f, "{}s", ms as f64 / 1_000.0)?;
            }
        }
        Ok(())
    }
}

impl Serialize for SimDuration {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for SimDuration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl de::Visitor<'_> for V {
            type Value = SimDuration;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a duration such as \"30min\", \"12h\", \"1d\" or a number of seconds")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<SimDuration, E> {
                v.parse().map_err(E::custom)
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<SimDuration, E> {
                SimDuration::try_from_secs_f64(v)
                    .ok_or_else(|| E::custom(format!("duration {v} s must be finite and non-negative")))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<SimDuration, E> {
                Ok(SimDuration::from_secs(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<SimDuration, E> {
                u64::try_from(v)
                    .map(SimDuration::from_secs)
                    .map_err(|_| E::custom(format!("duration {v} s must be non-negative")))
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// Formats seconds since the start of a run as `D+HH:MM:SS` (days omitted when zero).
pub fn format_clock(t_s: f64) -> String {
    let total = t_s.max(0.0).floor() as u64;
    let (d, rem) = (total / 86_400, total % 86_400);
    let (h, m, s) = (rem / 3_600, (rem % 3_600) / 60, rem % 60);
    if d > 0 { format!("{d}d+{h:02}:{m:02}:{s:02}") } else { format!("{h:02}:{m:02}:{s:02}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_compound_units_to_exact_milliseconds() {
        assert_eq!("1h30min".parse::<SimDuration>().unwrap().as_ms(), 5_400_000);
        assert_eq!("1d".parse::<SimDuration>().unwrap().as_ms(), 86_400_000);
        assert_eq!("250ms".parse::<SimDuration>().unwrap().as_ms(), 250);
        assert_eq!("0.5".parse::<SimDuration>().unwrap().as_ms(), 500);
        assert_eq!(" 72h ".parse::<SimDuration>().unwrap().as_hours_f64(), 72.0);
    }

    #[test]
    fn rejects_malformed_durations_with_a_hint() {
        for bad in ["", "h", "12", "-5", "3 parsecs", "12x", "1.2.3h", "NaN"] {
            let r = bad.parse::<SimDuration>();
            if bad == "12" {
                assert_eq!(r.unwrap().as_ms(), 12_000);
                continue;
            }
            let e = r.expect_err(bad).to_string();
            assert!(e.contains("30min"), "{e}");
        }
    }

    #[test]
    fn display_round_trips() {
        for ms in [0, 1, 999, 1_000, 61_000, 3_600_000, 90_061_500] {
            let d = SimDuration::from_ms(ms);
            assert_eq!(d.to_string().parse::<SimDuration>().unwrap(), d, "{d}");
        }
    }

    #[test]
    fn clock_format() {
        assert_eq!(format_clock(3_725.0), "01:02:05");
        assert_eq!(format_clock(90_000.0), "1d+01:00:00");
    }
}
