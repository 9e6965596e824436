//! Sets of whole numbers written as ranges (`"1-4,7,9-10"`): rows, rack positions, the
//! numbers an `each` expands into. Parsed once, bounded in length, kept in the written order.

use core::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

/// A set of numbers written `"1-4,7,9-10"`, or a single number.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RangeSpec(pub Vec<u32>);

/// Largest range accepted (a typo such as `"1-100000000"` must not allocate gigabytes).
const MAX_RANGE_LEN: u32 = 100_000;

impl RangeSpec {
    /// Parses `"1-4,7"`; numbers are kept in the written order, duplicates rejected.
    pub fn parse(text: &str) -> Result<RangeSpec, String> {
        let mut out = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for part in text.split(',') {
            let part = part.trim();
            let (lo, hi) = match part.split_once('-') {
                Some((a, b)) => (a.trim(), b.trim()),
                None => (part, part),
            };
            let num = |s: &str| {
                s.parse::<u32>()
                    .map_err(|_| format!("\"{s}\" in \"{text}\" is not a whole number (write ranges like \"1-4,7\")"))
            };
            let (lo, hi) = (num(lo)?, num(hi)?);
            if hi < lo {
                return Err(format!("range \"{part}\" runs backwards; write \"{hi}-{lo}\""));
            }
            if hi - lo >= MAX_RANGE_LEN || out.len() as u32 + (hi - lo) >= MAX_RANGE_LEN {
                return Err(format!("range \"{text}\" is longer than {MAX_RANGE_LEN} numbers"));
            }
            for n in lo..=hi {
                // A set, not a scan of `out`: 100,000 numbers took 5·10⁹ comparisons.
                if !seen.insert(n) {
                    return Err(format!("number {n} appears twice in \"{text}\""));
                }
                out.push(n);
            }
        }
        Ok(RangeSpec(out))
    }

    /// The numbers.
    pub fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        self.0.iter().copied()
    }
}

impl fmt::Display for RangeSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        let mut i = 0;
        while i < self.0.len() {
            let start = self.0[i];
            let mut j = i;
            while j + 1 < self.0.len() && self.0[j + 1] == self.0[j] + 1 {
                j += 1;
            }
            if !first {
                f.write_str(",")?;
            }
            first = false;
            if j > i {
                write!(f, "{start}-{}", self.0[j])?
            } else {
                write!(f, "{start}")?
            }
            i = j + 1;
        }
        Ok(())
    }
}

impl Serialize for RangeSpec {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for RangeSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl de::Visitor<'_> for V {
            type Value = RangeSpec;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number or a range such as \"1-4,7\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RangeSpec, E> {
                RangeSpec::parse(v).map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<RangeSpec, E> {
                u32::try_from(v).map(|n| RangeSpec(vec![n])).map_err(|_| E::custom("row number too large"))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<RangeSpec, E> {
                u32::try_from(v).map(|n| RangeSpec(vec![n])).map_err(|_| E::custom("numbers must be ≥ 0"))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_parse_and_print() {
        let r = RangeSpec::parse("1-4, 7,9-10").unwrap();
        assert_eq!(r.0, vec![1, 2, 3, 4, 7, 9, 10]);
        assert_eq!(r.to_string(), "1-4,7,9-10");
        assert!(RangeSpec::parse("4-1").unwrap_err().contains("backwards"));
        assert!(RangeSpec::parse("1-3,2").unwrap_err().contains("twice"));
        assert!(RangeSpec::parse("a").unwrap_err().contains("whole number"));
        assert!(RangeSpec::parse("1-999999999").unwrap_err().contains("longer"));
    }

    #[test]
    fn the_longest_range_parses_whole_and_a_repeat_at_its_end_is_found() {
        let r = RangeSpec::parse("0-99998").unwrap();
        assert_eq!(r.0.len(), 99_999);
        assert_eq!((r.0[0], r.0[99_998]), (0, 99_998));
        assert!(RangeSpec::parse("0-99990,5").unwrap_err().contains("number 5 appears twice"));
    }
}
