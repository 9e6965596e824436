//! Unrolls the compact forms of a scenario into flat lists.
//!
//! - An element with `each: "1-4"` becomes four elements; `{n}` in its id and in the ids it
//!   refers to (`from`, `tank`, `feed`, `fill_from`) becomes the number.
//! - A row group `rows: "1-10", racks_per_row: 12` becomes ten rows of twelve racks; `{row}`
//!   in its feed ids becomes the row number.
//!
//! Every expanded item keeps the path of the text it came from, so that a problem found later
//! points at the right line of the file.

use core::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

use super::*;

/// A set of numbers written `"1-4,7,9-10"`, or a single number.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RangeSpec(pub Vec<u32>);

/// Largest range accepted (a typo such as `"1-100000000"` must not allocate gigabytes).
const MAX_RANGE_LEN: u32 = 100_000;

impl RangeSpec {
    /// Parses `"1-4,7"`; numbers are kept in the written order, duplicates rejected.
    pub fn parse(text: &str) -> Result<RangeSpec, String> {
        let mut out = Vec::new();
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
                if out.contains(&n) {
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

/// An item of the expanded plant with the path of the text it came from.
#[derive(Clone, Debug)]
pub struct Located<T> {
    /// The item, templates filled in.
    pub item: T,
    /// Path in the scenario, e.g. `power.distribution[2]`.
    pub path: String,
}

/// One rack position after expansion.
#[derive(Clone, Debug)]
pub struct RackPlan {
    /// Position in its row, 1-based.
    pub position: u32,
    /// Rack type id.
    pub rack: String,
    /// A-side feed id.
    pub feed_a: String,
    /// B-side feed id.
    pub feed_b: Option<String>,
    /// Workload id.
    pub workload: String,
}

/// One row after expansion.
#[derive(Clone, Debug)]
pub struct RowPlan {
    /// Row number as written.
    pub number: u32,
    /// Racks in position order.
    pub racks: Vec<RackPlan>,
    /// Path of the row group it came from.
    pub path: String,
}

/// One hall after expansion.
#[derive(Clone, Debug)]
pub struct HallPlan {
    /// The hall as written (rows and units unexpanded).
    pub spec: HallSpec,
    /// Path, e.g. `halls[0]`.
    pub path: String,
    /// Rows sorted by number.
    pub rows: Vec<RowPlan>,
    /// Cooling units, expanded.
    pub units: Vec<Located<CoolingUnitSpec>>,
}

/// The whole plant with every compact form unrolled.
#[derive(Clone, Debug, Default)]
pub struct Plant {
    /// Utility feeds.
    pub utilities: Vec<Located<UtilitySpec>>,
    /// Transformers.
    pub transformers: Vec<Located<TransformerSpec>>,
    /// Generators.
    pub generators: Vec<Located<GeneratorSpec>>,
    /// Generator groups.
    pub generator_groups: Vec<Located<GeneratorGroupSpec>>,
    /// Switchboards.
    pub switchboards: Vec<Located<SwitchboardSpec>>,
    /// UPS systems.
    pub ups: Vec<Located<UpsSpec>>,
    /// Distribution elements.
    pub distribution: Vec<Located<DistributionSpec>>,
    /// Tanks.
    pub tanks: Vec<Located<TankSpec>>,
    /// Chiller plants.
    pub chillers: Vec<Located<ChillerPlantSpec>>,
    /// Liquid loops.
    pub liquid_loops: Vec<Located<LiquidLoopSpec>>,
    /// Halls.
    pub halls: Vec<HallPlan>,
}

/// A template problem found while expanding (the caller turns it into a located error).
#[derive(Clone, Debug)]
pub struct ExpandIssue {
    /// Path of the offending field.
    pub path: String,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub hint: String,
}

fn fill(template: &str, key: &str, n: u32) -> String {
    template.replace(key, &n.to_string())
}

/// Expands items that may carry `each`; `refs` fills `{n}` in the reference fields.
fn expand_list<T: Clone>(
    items: &[T],
    list_path: &str,
    each: impl Fn(&T) -> Option<&RangeSpec>,
    id_of: impl Fn(&T) -> &str,
    substitute: impl Fn(&mut T, u32),
    issues: &mut Vec<ExpandIssue>,
) -> Vec<Located<T>> {
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let path = format!("{list_path}[{i}]");
        match each(item) {
            Some(range) => {
                if !id_of(item).contains("{n}") && range.0.len() > 1 {
                    issues.push(ExpandIssue {
                        path: format!("{path}.id"),
                        message: format!(
                            "id \"{}\" has no {{n}} but `each` makes {} copies",
                            id_of(item),
                            range.0.len()
                        ),
                        hint: "put {n} in the id, e.g. \"pdu-{n}\"".into(),
                    });
                }
                for n in range.iter() {
                    let mut copy = item.clone();
                    substitute(&mut copy, n);
                    out.push(Located { item: copy, path: path.clone() });
                }
            }
            None => {
                if id_of(item).contains("{n}") {
                    issues.push(ExpandIssue {
                        path: format!("{path}.id"),
                        message: format!("id \"{}\" contains {{n}} but the element has no `each`", id_of(item)),
                        hint: "add e.g. `each: \"1-4\"` or remove {n} from the id".into(),
                    });
                }
                out.push(Located { item: item.clone(), path });
            }
        }
    }
    out
}

/// Unrolls every compact form of `s`.
pub fn expand(s: &Scenario) -> (Plant, Vec<ExpandIssue>) {
    let mut issues = Vec::new();
    let p = &s.power;
    let utilities = p
        .utilities
        .iter()
        .enumerate()
        .map(|(i, u)| Located { item: u.clone(), path: format!("power.utilities[{i}]") })
        .collect();
    let transformers = expand_list(
        &p.transformers,
        "power.transformers",
        |t| t.each.as_ref(),
        |t| &t.id,
        |t, n| {
            t.id = fill(&t.id, "{n}", n);
            t.from = fill(&t.from, "{n}", n);
        },
        &mut issues,
    );
    let generators = expand_list(
        &p.generators,
        "power.generators",
        |g| g.each.as_ref(),
        |g| &g.id,
        |g, n| {
            g.id = fill(&g.id, "{n}", n);
            g.tank = fill(&g.tank, "{n}", n);
        },
        &mut issues,
    );
    let generator_groups = p
        .generator_groups
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let mut g = g.clone();
            // `units: ["gen-{n}"]` is not a template; but allow "gen-1..4" style via each-expanded ids only.
            g.units.dedup();
            Located { item: g, path: format!("power.generator_groups[{i}]") }
        })
        .collect();
    let switchboards = expand_list(
        &p.switchboards,
        "power.switchboards",
        |x| x.each.as_ref(),
        |x| &x.id,
        |x, n| {
            x.id = fill(&x.id, "{n}", n);
            x.normal = fill(&x.normal, "{n}", n);
            x.emergency = x.emergency.as_ref().map(|e| fill(e, "{n}", n));
        },
        &mut issues,
    );
    let ups = expand_list(
        &p.ups,
        "power.ups",
        |x| x.each.as_ref(),
        |x| &x.id,
        |x, n| {
            x.id = fill(&x.id, "{n}", n);
            x.from = fill(&x.from, "{n}", n);
        },
        &mut issues,
    );
    let distribution = expand_list(
        &p.distribution,
        "power.distribution",
        |x| x.each.as_ref(),
        |x| &x.id,
        |x, n| {
            x.id = fill(&x.id, "{n}", n);
            x.from = fill(&x.from, "{n}", n);
        },
        &mut issues,
    );
    let tanks = expand_list(
        &s.fuel.tanks,
        "fuel.tanks",
        |x| x.each.as_ref(),
        |x| &x.id,
        |x, n| {
            x.id = fill(&x.id, "{n}", n);
            x.fill_from = x.fill_from.as_ref().map(|f| fill(f, "{n}", n));
        },
        &mut issues,
    );
    let chillers = s
        .plant
        .chillers
        .iter()
        .enumerate()
        .map(|(i, c)| Located { item: c.clone(), path: format!("plant.chillers[{i}]") })
        .collect();
    let liquid_loops = s
        .plant
        .liquid_loops
        .iter()
        .enumerate()
        .map(|(i, c)| Located { item: c.clone(), path: format!("plant.liquid_loops[{i}]") })
        .collect();

    let halls =
        s.halls.iter().enumerate().map(|(h, hall)| expand_hall(hall, &format!("halls[{h}]"), &mut issues)).collect();

    let plant = Plant {
        utilities,
        transformers,
        generators,
        generator_groups,
        switchboards,
        ups,
        distribution,
        tanks,
        chillers,
        liquid_loops,
        halls,
    };
    (plant, issues)
}

/// The racks of one row group in one row.
pub fn row_racks(group: &RowGroupSpec, row: u32, first_position: u32) -> Vec<RackPlan> {
    (0..group.racks_per_row)
        .map(|k| RackPlan {
            position: first_position + k,
            rack: group.rack.clone(),
            feed_a: fill(&group.feeds.a, "{row}", row),
            feed_b: group.feeds.b.as_ref().map(|b| fill(b, "{row}", row)),
            workload: group.workload.clone(),
        })
        .collect()
}

fn expand_hall(hall: &HallSpec, path: &str, issues: &mut Vec<ExpandIssue>) -> HallPlan {
    let mut rows: Vec<RowPlan> = Vec::new();
    for (g, group) in hall.rows.iter().enumerate() {
        let gpath = format!("{path}.rows[{g}]");
        for row in group.rows.iter() {
            if rows.iter().any(|r| r.number == row) {
                issues.push(ExpandIssue {
                    path: format!("{gpath}.rows"),
                    message: format!("row {row} of hall \"{}\" is declared twice", hall.id),
                    hint: "each row number may appear in one row group only".into(),
                });
                continue;
            }
            rows.push(RowPlan { number: row, racks: row_racks(group, row, 1), path: gpath.clone() });
        }
    }
    rows.sort_by_key(|r| r.number);
    let units = expand_list(
        &hall.cooling_units,
        &format!("{path}.cooling_units"),
        |u| match u {
            CoolingUnitSpec::Crah { each, .. }
            | CoolingUnitSpec::Crac { each, .. }
            | CoolingUnitSpec::EvaporativeAhu { each, .. } => each.as_ref(),
        },
        CoolingUnitSpec::id,
        |u, n| match u {
            CoolingUnitSpec::Crah { id, feed, .. }
            | CoolingUnitSpec::Crac { id, feed, .. }
            | CoolingUnitSpec::EvaporativeAhu { id, feed, .. } => {
                *id = fill(id, "{n}", n);
                *feed = fill(feed, "{n}", n);
            }
        },
        issues,
    );
    HallPlan { spec: hall.clone(), path: path.to_owned(), rows, units }
}

impl CoolingUnitSpec {
    /// The unit's id.
    pub fn id(&self) -> &str {
        match self {
            CoolingUnitSpec::Crah { id, .. }
            | CoolingUnitSpec::Crac { id, .. }
            | CoolingUnitSpec::EvaporativeAhu { id, .. } => id,
        }
    }

    /// The unit's electrical feed id.
    pub fn feed(&self) -> &str {
        match self {
            CoolingUnitSpec::Crah { feed, .. }
            | CoolingUnitSpec::Crac { feed, .. }
            | CoolingUnitSpec::EvaporativeAhu { feed, .. } => feed,
        }
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
    fn row_feeds_take_the_row_number() {
        let g = RowGroupSpec {
            rows: RangeSpec(vec![3]),
            racks_per_row: 2,
            rack: "x".into(),
            feeds: FeedSpec { a: "bw-{row}-a".into(), b: Some("bw-{row}-b".into()) },
            workload: "default".into(),
        };
        let racks = row_racks(&g, 3, 1);
        assert_eq!(racks.len(), 2);
        assert_eq!(racks[1].feed_a, "bw-3-a");
        assert_eq!(racks[1].feed_b.as_deref(), Some("bw-3-b"));
        assert_eq!(racks[1].position, 2);
    }
}
