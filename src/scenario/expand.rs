//! Unrolls the compact forms of a scenario into flat lists.
//!
//! - An element with `each: "1-4"` becomes four elements; `{n}` in its id and in the ids it
//!   refers to (`from`, `tank`, `feed`, `fill_from`) becomes the number.
//! - A row group `rows: "1-10", racks_per_row: 12` becomes ten rows of twelve racks; `{row}`
//!   in its feed ids becomes the row number.
//!
//! Every expanded item keeps the path of the text it came from, so that a problem found later
//! points at the right line of the file.

use super::*;
pub use crate::ranges::RangeSpec;

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

/// `{n}` (and `{k}` when given) filled in.
fn fill_nk(template: &str, n: u32, k: Option<u32>) -> String {
    let t = fill(template, "{n}", n);
    match k {
        Some(k) => fill(&t, "{k}", k),
        None => t,
    }
}

/// Most copies one element may expand into.
pub const MAX_COPIES: usize = 100_000;

/// Most racks in one row (also bounds what `AddRacks` may add to a row); rows are never
/// expanded past it, so a row of 10⁹ racks costs nothing before validation reports it.
pub const MAX_RACKS_PER_ROW: u32 = 200;

/// Most racks one site may hold: fourteen 1 GW campuses of GB300 racks (7,200 each).
pub const MAX_RACKS_PER_SITE: usize = 100_000;

/// Expands items that may carry `each` (→ `{n}`) and `per` (→ `{k}`); `substitute` fills
/// the templates of one copy.
fn expand_list<T: Clone>(
    items: &[T],
    list_path: &str,
    take_levels: impl Fn(&mut T) -> (Option<RangeSpec>, Option<RangeSpec>),
    id_of: impl Fn(&T) -> &str,
    substitute: impl Fn(&mut T, u32, Option<u32>),
    issues: &mut Vec<ExpandIssue>,
) -> Vec<Located<T>> {
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let path = format!("{list_path}[{i}]");
        // Copies are made from a template without its ranges: each copy carrying the whole
        // `each` list made memory grow with the square of the count.
        let mut template = item.clone();
        let (each, per) = take_levels(&mut template);
        let item = &template;
        let id = id_of(item);
        match (each.as_ref(), per.as_ref()) {
            (Some(each), per) => {
                let copies = each.0.len().saturating_mul(per.map_or(1, |p| p.0.len()));
                if copies > MAX_COPIES {
                    issues.push(ExpandIssue {
                        path: format!("{path}.each"),
                        message: format!("`each`/`per` make {copies} copies of one element (at most {MAX_COPIES})"),
                        hint: "a site of that size is several scenarios; check the ranges".into(),
                    });
                    continue;
                }
                if !id.contains("{n}") && each.0.len() > 1 {
                    issues.push(ExpandIssue {
                        path: format!("{path}.id"),
                        message: format!("id \"{id}\" has no {{n}} but `each` makes {} copies", each.0.len()),
                        hint: "put {n} in the id, e.g. \"pdu-{n}\"".into(),
                    });
                }
                if let Some(per) = per
                    && !id.contains("{k}")
                    && per.0.len() > 1
                {
                    issues.push(ExpandIssue {
                        path: format!("{path}.id"),
                        message: format!("id \"{id}\" has no {{k}} but `per` makes {} copies", per.0.len()),
                        hint: "put {k} in the id, e.g. \"gen-{n}-{k}\"".into(),
                    });
                }
                for n in each.iter() {
                    match per {
                        Some(per) => {
                            for k in per.iter() {
                                let mut copy = item.clone();
                                substitute(&mut copy, n, Some(k));
                                out.push(Located { item: copy, path: path.clone() });
                            }
                        }
                        None => {
                            let mut copy = item.clone();
                            substitute(&mut copy, n, None);
                            out.push(Located { item: copy, path: path.clone() });
                        }
                    }
                }
            }
            (None, per) => {
                if per.is_some() {
                    issues.push(ExpandIssue {
                        path: format!("{path}.per"),
                        message: "`per` needs `each`".into(),
                        hint: "add `each` for the first level, e.g. each: \"1-4\", per: \"1-2\"".into(),
                    });
                }
                if id.contains("{n}") || id.contains("{k}") {
                    issues.push(ExpandIssue {
                        path: format!("{path}.id"),
                        message: format!("id \"{id}\" contains a template but the element has no `each`"),
                        hint: "add e.g. `each: \"1-4\"` or remove {n}/{k} from the id".into(),
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
        |t| (t.each.take(), t.per.take()),
        |t| &t.id,
        |t, n, k| {
            t.id = fill_nk(&t.id, n, k);
            t.from = fill_nk(&t.from, n, k);
        },
        &mut issues,
    );
    let generators = expand_list(
        &p.generators,
        "power.generators",
        |g| (g.each.take(), g.per.take()),
        |g| &g.id,
        |g, n, k| {
            g.id = fill_nk(&g.id, n, k);
            g.tank = fill_nk(&g.tank, n, k);
            g.group = g.group.as_ref().map(|x| fill_nk(x, n, k));
        },
        &mut issues,
    );
    let mut generator_groups = expand_list(
        &p.generator_groups,
        "power.generator_groups",
        |g| (g.each.take(), None),
        |g| &g.id,
        |g, n, _| {
            g.id = fill(&g.id, "{n}", n);
            g.units = g.units.iter().map(|u| fill(u, "{n}", n)).collect();
        },
        &mut issues,
    );
    // Generators that name their group join its units.
    for unit in &generators {
        if let Some(group) = &unit.item.group
            && let Some(g) = generator_groups.iter_mut().find(|g| g.item.id == *group)
            && !g.item.units.contains(&unit.item.id)
        {
            g.item.units.push(unit.item.id.clone());
        }
    }
    let switchboards = expand_list(
        &p.switchboards,
        "power.switchboards",
        |x| (x.each.take(), x.per.take()),
        |x| &x.id,
        |x, n, k| {
            x.id = fill_nk(&x.id, n, k);
            x.normal = fill_nk(&x.normal, n, k);
            x.emergency = x.emergency.as_ref().map(|e| fill_nk(e, n, k));
        },
        &mut issues,
    );
    let ups = expand_list(
        &p.ups,
        "power.ups",
        |x| (x.each.take(), x.per.take()),
        |x| &x.id,
        |x, n, k| {
            x.id = fill_nk(&x.id, n, k);
            x.from = fill_nk(&x.from, n, k);
        },
        &mut issues,
    );
    let distribution = expand_list(
        &p.distribution,
        "power.distribution",
        |x| (x.each.take(), x.per.take()),
        |x| &x.id,
        |x, n, k| {
            x.id = fill_nk(&x.id, n, k);
            x.from = fill_nk(&x.from, n, k);
        },
        &mut issues,
    );
    let tanks = expand_list(
        &s.fuel.tanks,
        "fuel.tanks",
        |x| (x.each.take(), x.per.take()),
        |x| &x.id,
        |x, n, k| {
            x.id = fill_nk(&x.id, n, k);
            x.fill_from = x.fill_from.as_ref().map(|f| fill_nk(f, n, k));
        },
        &mut issues,
    );
    let chillers = expand_list(
        &s.plant.chillers,
        "plant.chillers",
        |x| (x.each.take(), None),
        |x| &x.id,
        |x, n, _| {
            x.id = fill(&x.id, "{n}", n);
            x.feed = fill(&x.feed, "{n}", n);
        },
        &mut issues,
    );
    let liquid_loops = expand_list(
        &s.plant.liquid_loops,
        "plant.liquid_loops",
        |x| (x.each.take(), None),
        |x| &x.id,
        |x, n, _| {
            x.id = fill(&x.id, "{n}", n);
            x.feed = fill(&x.feed, "{n}", n);
        },
        &mut issues,
    );

    let mut halls = Vec::new();
    let mut racks_left = Some(MAX_RACKS_PER_SITE);
    for (h, hall) in s.halls.iter().enumerate() {
        // Past the site's rack budget (already reported) the halls are not built: their
        // "empty hall" errors would only bury the one that matters.
        if racks_left.is_none() {
            break;
        }
        let path = format!("halls[{h}]");
        match &hall.each {
            Some(range) => {
                if !hall.id.contains("{hall}") && range.0.len() > 1 {
                    issues.push(ExpandIssue {
                        path: format!("{path}.id"),
                        message: format!(
                            "hall id \"{}\" has no {{hall}} but `each` makes {} halls",
                            hall.id,
                            range.0.len()
                        ),
                        hint: "write e.g. id: \"hall-{hall}\"".into(),
                    });
                }
                for number in range.iter() {
                    if racks_left.is_none() {
                        break;
                    }
                    halls.push(expand_hall(&hall_copy(hall, number), &path, &mut racks_left, &mut issues));
                }
            }
            None => halls.push(expand_hall(hall, &path, &mut racks_left, &mut issues)),
        }
    }

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
    // Never more than validation accepts: a typo such as 1000000000 must be reported, not
    // allocated first (validation names it).
    (0..group.racks_per_row.min(MAX_RACKS_PER_ROW))
        .map(|k| RackPlan {
            position: first_position + k,
            rack: group.rack.clone(),
            feed_a: fill(&group.feeds.a, "{row}", row),
            feed_b: group.feeds.b.as_ref().map(|b| fill(b, "{row}", row)),
            workload: group.workload.clone(),
        })
        .collect()
}

/// Hall `number` of a templated hall: `{hall}` filled in everywhere it can appear.
fn hall_copy(hall: &HallSpec, number: u32) -> HallSpec {
    let f = |s: &str| fill(s, "{hall}", number);
    let mut h = hall.clone();
    h.each = None;
    h.id = f(&h.id);
    h.liquid_loop = h.liquid_loop.as_deref().map(f);
    for r in &mut h.rows {
        r.feeds.a = f(&r.feeds.a);
        r.feeds.b = r.feeds.b.as_deref().map(f);
        r.workload = f(&r.workload);
    }
    for u in &mut h.cooling_units {
        match u {
            CoolingUnitSpec::Crah { id, feed, plant, .. } => {
                *id = f(id);
                *feed = f(feed);
                *plant = f(plant);
            }
            CoolingUnitSpec::Crac { id, feed, .. } | CoolingUnitSpec::EvaporativeAhu { id, feed, .. } => {
                *id = f(id);
                *feed = f(feed);
            }
        }
    }
    h
}

/// Expands one hall's rows and units. `racks_left` is the site's remaining rack budget
/// ([`MAX_RACKS_PER_SITE`]); `None` once it ran out and was reported, after which no more rows
/// are expanded.
fn expand_hall(hall: &HallSpec, path: &str, racks_left: &mut Option<usize>, issues: &mut Vec<ExpandIssue>) -> HallPlan {
    let mut rows: Vec<RowPlan> = Vec::new();
    let mut numbers = std::collections::HashSet::new();
    for (g, group) in hall.rows.iter().enumerate() {
        let gpath = format!("{path}.rows[{g}]");
        for row in group.rows.iter() {
            let racks = group.racks_per_row.min(MAX_RACKS_PER_ROW) as usize;
            let Some(left) = racks_left.as_mut() else { break };
            if racks > *left {
                issues.push(ExpandIssue {
                    path: format!("{gpath}.rows"),
                    message: format!("the site would hold more than {MAX_RACKS_PER_SITE} racks"),
                    hint: "a 1 GW campus holds about 7,200 GB300 racks; check rows and racks_per_row".into(),
                });
                *racks_left = None;
                break;
            }
            *left -= racks;
            // A set, not a scan of the rows so far: 100,000 rows took 5·10⁹ comparisons.
            if !numbers.insert(row) {
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
            CoolingUnitSpec::Crah { each, per, .. }
            | CoolingUnitSpec::Crac { each, per, .. }
            | CoolingUnitSpec::EvaporativeAhu { each, per, .. } => (each.take(), per.take()),
        },
        CoolingUnitSpec::id,
        |u, n, k| match u {
            CoolingUnitSpec::Crah { id, feed, .. }
            | CoolingUnitSpec::Crac { id, feed, .. }
            | CoolingUnitSpec::EvaporativeAhu { id, feed, .. } => {
                *id = fill_nk(id, n, k);
                *feed = fill_nk(feed, n, k);
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
    fn row_feeds_take_the_row_number() {
        let g = RowGroupSpec {
            rows: RangeSpec(vec![3]),
            racks_per_row: 2,
            rack: "x".into(),
            feeds: FeedIds { a: "bw-{row}-a".into(), b: Some("bw-{row}-b".into()) },
            workload: "default".into(),
        };
        let racks = row_racks(&g, 3, 1);
        assert_eq!(racks.len(), 2);
        assert_eq!(racks[1].feed_a, "bw-3-a");
        assert_eq!(racks[1].feed_b.as_deref(), Some("bw-3-b"));
        assert_eq!(racks[1].position, 2);
    }
}
