//! `dctwin report DIR`: charts and an HTML page from the results in a directory.
//!
//! For a run directory (`timeseries.csv`, `summary.json`, `inlets_worst.csv`): temperatures,
//! IT and facility power, PUE, fuel on site, fuel autonomy, water, and the per-rack inlet heat
//! map at the worst moment. For a batch directory (`sweep.json`, `stats.json`): the
//! probability that each expectation fails per grid point (with Wilson 95 % intervals) and
//! the p5–p50–p95 spread of key metrics. Each chart is a PNG (and optionally an SVG); an
//! `index.html` bundles them. Every file is written atomically.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::charts::{self, Bar, BarChart, Chart, DEFAULT_SIZE_PX, HeatMap, HeatPanel, LineChart, Series};
use super::write_atomic;
use crate::batch::results::{GroupStats, Manifest, short};

/// Why a report could not be made.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ReportError(pub String);

fn io_err(path: &Path, e: impl std::fmt::Display) -> ReportError {
    ReportError(format!("{}: {e}", path.display()))
}

/// A chart with its file stem and caption.
pub struct Figure {
    /// File name without extension.
    pub stem: String,
    /// Caption under the image.
    pub caption: String,
    /// The chart.
    pub chart: Chart,
}

/// What a report wrote.
#[derive(Debug)]
pub struct Written {
    /// The HTML page.
    pub index: PathBuf,
    /// The images.
    pub images: Vec<PathBuf>,
}

/// Makes the report of `dir` in `out` (PNG charts, optional SVG copies, `index.html`).
pub fn report(dir: &Path, out: &Path, with_svg: bool) -> Result<Written, ReportError> {
    let (title, intro, figures) = if dir.join("sweep.json").exists() {
        batch_figures(dir)?
    } else if dir.join("capacity.json").exists() {
        capacity_figures(dir)?
    } else if dir.join("timeseries.csv").exists() {
        run_figures(dir)?
    } else {
        return Err(ReportError(format!(
            "{}: no results here (neither timeseries.csv of `dctwin run`, sweep.json of `dctwin batch` nor capacity.json of `dctwin capacity`)\n  hint: pass the --out directory of a run, a batch or a capacity search",
            dir.display()
        )));
    };
    std::fs::create_dir_all(out).map_err(|e| io_err(out, e))?;
    let mut images = Vec::new();
    for f in &figures {
        let path = out.join(format!("{}.png", f.stem));
        let bytes = charts::png(&f.chart, DEFAULT_SIZE_PX).map_err(|e| io_err(&path, e))?;
        write_atomic(&path, &bytes).map_err(|e| io_err(&path, e))?;
        images.push(path);
        if with_svg {
            let path = out.join(format!("{}.svg", f.stem));
            let text = charts::svg(&f.chart, DEFAULT_SIZE_PX).map_err(|e| io_err(&path, e))?;
            write_atomic(&path, text.as_bytes()).map_err(|e| io_err(&path, e))?;
            images.push(path);
        }
    }
    let index = out.join("index.html");
    write_atomic(&index, page(&title, &intro, &figures).as_bytes()).map_err(|e| io_err(&index, e))?;
    Ok(Written { index, images })
}

/// Escapes text for HTML.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn page(title: &str, intro: &str, figures: &[Figure]) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{t}</title>\n<style>\nbody {{ font-family: sans-serif; max-width: 1040px; margin: 2em auto; color: #222; }}\ntable {{ border-collapse: collapse; margin: 1em 0; }}\ntd, th {{ border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; }}\nfigure {{ margin: 2em 0; }}\nimg {{ max-width: 100%; border: 1px solid #eee; }}\n.fail {{ color: #b00; font-weight: bold; }}\n</style>\n</head>\n<body>\n<h1>{t}</h1>\n{intro}\n",
        t = escape(title)
    );
    for f in figures {
        let _ = writeln!(
            h,
            "<figure>\n<img src=\"{s}.png\" alt=\"{c}\" width=\"{w}\" height=\"{hh}\">\n<figcaption>{c}</figcaption>\n</figure>",
            s = escape(&f.stem),
            c = escape(&f.caption),
            w = DEFAULT_SIZE_PX.0,
            hh = DEFAULT_SIZE_PX.1
        );
    }
    h.push_str("</body>\n</html>\n");
    h
}

/// An HTML table of label/value rows.
fn table(rows: &[(String, String)]) -> String {
    let mut t = String::from("<table>\n");
    for (k, v) in rows {
        let _ = writeln!(t, "<tr><th>{}</th><td>{v}</td></tr>", escape(k));
    }
    t.push_str("</table>\n");
    t
}

/// A time series read from `timeseries.csv`.
struct Columns {
    header: Vec<String>,
    rows: Vec<Vec<f64>>,
}

impl Columns {
    fn read(path: &Path) -> Result<Self, ReportError> {
        let mut r = csv::Reader::from_path(path).map_err(|e| io_err(path, e))?;
        let header = r.headers().map_err(|e| io_err(path, e))?.iter().map(str::to_owned).collect();
        let mut rows = Vec::new();
        for rec in r.records() {
            let rec = rec.map_err(|e| io_err(path, e))?;
            rows.push(rec.iter().map(|v| v.parse().unwrap_or(f64::NAN)).collect());
        }
        Ok(Self { header, rows })
    }

    /// Points (hours, value) of a column, keeping values accepted by `keep`.
    fn series(&self, col: &str, name: &str, keep: impl Fn(f64) -> bool) -> Option<Series> {
        let i = self.header.iter().position(|h| h == col)?;
        let points = self.rows.iter().map(|r| (r[0] / 3_600.0, r[i])).filter(|p| keep(p.1)).collect();
        Some(Series { name: name.to_owned(), points })
    }

    fn lines(&self, title: &str, y_desc: &str, cols: &[(&str, &str)]) -> Chart {
        let series = cols.iter().filter_map(|(c, n)| self.series(c, n, f64::is_finite)).collect();
        Chart::Lines(LineChart { title: title.into(), x_desc: "time, h".into(), y_desc: y_desc.into(), series })
    }
}

fn run_figures(dir: &Path) -> Result<(String, String, Vec<Figure>), ReportError> {
    let ts = Columns::read(&dir.join("timeseries.csv"))?;
    let summary_path = dir.join("summary.json");
    let summary: serde_json::Value = std::fs::read_to_string(&summary_path)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(serde_json::Value::Null);
    let name = summary["scenario"].as_str().unwrap_or("run").to_owned();
    let halls: Vec<String> =
        ts.header.iter().filter_map(|h| h.strip_suffix(".supply_c")).take(3).map(str::to_owned).collect();
    let mut temps: Vec<(String, String)> = [
        ("outdoor_db_c", "outdoor dry bulb"),
        ("max_inlet_c", "hottest rack inlet"),
        ("mean_inlet_c", "mean rack inlet"),
    ]
    .iter()
    .map(|(c, n)| ((*c).to_owned(), (*n).to_owned()))
    .collect();
    temps.extend(halls.iter().map(|h| (format!("{h}.supply_c"), format!("{h} supply air"))));
    let temp_cols: Vec<(&str, &str)> = temps.iter().map(|(c, n)| (c.as_str(), n.as_str())).collect();
    let mut figs = vec![
        fig(
            "temperatures",
            "Outdoor, rack inlet and supply air temperatures",
            ts.lines("Temperatures", "°C", &temp_cols),
        ),
        fig(
            "power",
            "IT, cooling and facility power; where it came from (grid, generators)",
            ts.lines(
                "Power",
                "kW",
                &[
                    ("it_kw", "IT"),
                    ("facility_kw", "facility"),
                    ("cooling_kw", "cooling"),
                    ("grid_kw", "grid"),
                    ("generator_kw", "generators"),
                ],
            ),
        ),
        fig("pue", "PUE over each output interval", {
            let s = ts.series("pue", "PUE", |v| v.is_finite() && v > 0.0).into_iter().collect();
            Chart::Lines(LineChart { title: "PUE".into(), x_desc: "time, h".into(), y_desc: "PUE".into(), series: s })
        }),
        fig("fuel", "Diesel on site", ts.lines("Fuel on site", "L", &[("fuel_l", "diesel stored")])),
        fig("autonomy", "Fuel autonomy at the current burn (shown while generators run)", {
            let s = ts.series("autonomy_h", "autonomy", |v| v.is_finite() && v >= 0.0).into_iter().collect();
            Chart::Lines(LineChart {
                title: "Fuel autonomy".into(),
                x_desc: "time, h".into(),
                y_desc: "h".into(),
                series: s,
            })
        }),
        fig("water", "Site water use", ts.lines("Water", "L/h", &[("water_l_per_h", "water")])),
    ];
    let inlets = dir.join("inlets_worst.csv");
    if inlets.exists() {
        let (chart, t_s) = heat_map(&inlets)?;
        figs.push(fig(
            "inlet_heatmap",
            &format!("Rack inlet temperatures at the worst moment, t = {:.2} h", t_s / 3_600.0),
            chart,
        ));
    }
    let mut intro = String::new();
    let num = |k: &str| summary[k].as_f64().map_or("—".to_owned(), short);
    let rows: Vec<(String, String)> = [
        ("simulated, h", "duration_h"),
        ("IT energy, kWh", "it_energy_kwh"),
        ("PUE", "pue"),
        ("WUE, L/kWh", "wue_l_per_kwh"),
        ("hottest inlet, °C", "max_inlet_c"),
        ("fuel used, L", "fuel_used_l"),
        ("lowest fuel autonomy, h", "min_fuel_autonomy_h"),
        ("water used, L", "water_used_l"),
        ("load dropped, kWh", "load_dropped_kwh"),
    ]
    .iter()
    .map(|(l, k)| ((*l).to_owned(), num(k)))
    .collect();
    intro.push_str(&table(&rows));
    if let Some(exps) = summary["expectations"].as_array() {
        intro.push_str("<h2>Expectations</h2>\n<ul>\n");
        for e in exps {
            let ok = e["passed"].as_bool().unwrap_or(false);
            let _ = writeln!(
                intro,
                "<li class=\"{}\">{} {} (measured {})</li>",
                if ok { "pass" } else { "fail" },
                if ok { "pass" } else { "FAIL" },
                escape(e["expectation"].as_str().unwrap_or("")),
                e["measured"].as_f64().map_or("—".into(), short)
            );
        }
        intro.push_str("</ul>\n");
    }
    Ok((name, intro, figs))
}

fn fig(stem: &str, caption: &str, chart: Chart) -> Figure {
    Figure { stem: stem.into(), caption: caption.into(), chart }
}

/// A hall's rows: label and the inlet per position.
type HallRows = Vec<(String, Vec<Option<f64>>)>;

/// The value under `key` in an insertion-ordered list of labelled values, added empty if absent.
fn entry<'a, T: Default>(list: &'a mut Vec<(String, T)>, key: &str) -> &'a mut T {
    let i = match list.iter().position(|(k, _)| k == key) {
        Some(i) => i,
        None => {
            list.push((key.to_owned(), T::default()));
            list.len() - 1
        }
    };
    &mut list[i].1
}

/// The heat map of `inlets_worst.csv`, and the time of the snapshot.
fn heat_map(path: &Path) -> Result<(Chart, f64), ReportError> {
    let mut r = csv::Reader::from_path(path).map_err(|e| io_err(path, e))?;
    // hall → row label → position → value
    let mut halls: Vec<(String, HallRows)> = Vec::new();
    let mut t_s = 0.0;
    for rec in r.records() {
        let rec = rec.map_err(|e| io_err(path, e))?;
        t_s = rec.get(0).and_then(|v| v.parse().ok()).unwrap_or(0.0);
        let (Some(id), Some(v)) = (rec.get(1), rec.get(2).and_then(|v| v.parse::<f64>().ok())) else { continue };
        let mut parts = id.rsplitn(3, '/');
        let (Some(pos), Some(row), Some(hall)) = (parts.next(), parts.next(), parts.next()) else { continue };
        let Ok(pos) = pos.parse::<usize>() else { continue };
        let rows = entry(&mut halls, hall);
        let cells = entry(rows, row);
        if cells.len() < pos {
            cells.resize(pos, None);
        }
        cells[pos.saturating_sub(1)] = Some(v);
    }
    /// Halls drawn side by side at most (the hottest ones).
    const MAX_PANELS: usize = 4;
    let hottest = |h: &(String, HallRows)| {
        h.1.iter().flat_map(|r| r.1.iter().flatten()).copied().fold(f64::NEG_INFINITY, f64::max)
    };
    halls.sort_by(|a, b| hottest(b).total_cmp(&hottest(a)));
    halls.truncate(MAX_PANELS);
    let panels = halls
        .into_iter()
        .map(|(name, rows)| {
            let labels = rows.iter().map(|r| r.0.clone()).collect();
            let cells = rows.into_iter().map(|r| r.1).collect();
            HeatPanel { name, rows: labels, cells }
        })
        .collect();
    Ok((
        Chart::Heat(HeatMap { title: "Rack inlets at the hottest moment".into(), unit: "inlet, °C".into(), panels }),
        t_s,
    ))
}

/// Categories and series of a sweep's grid points: the first axis becomes the series when
/// there are two or more axes, the others the categories.
fn layout(manifest: &Manifest, groups: &[&GroupStats]) -> (Vec<String>, Vec<String>, Vec<(usize, usize)>) {
    let value = |g: &GroupStats, name: &str| {
        g.params.iter().find(|p| p.name == name).map(|p| p.value.clone()).unwrap_or_default()
    };
    let split = manifest.axes.len() >= 2;
    let (mut cats, mut sers, mut at) = (Vec::new(), Vec::new(), Vec::new());
    for g in groups {
        let ser = if split { format!("{}={}", manifest.axes[0], value(g, &manifest.axes[0])) } else { String::new() };
        let rest = if split { &manifest.axes[1..] } else { &manifest.axes[..] };
        let cat = if rest.is_empty() {
            "all members".to_owned()
        } else {
            rest.iter().map(|a| format!("{a}={}", value(g, a))).collect::<Vec<_>>().join(", ")
        };
        let ci = cats.iter().position(|c| *c == cat).unwrap_or_else(|| {
            cats.push(cat);
            cats.len() - 1
        });
        let si = sers.iter().position(|s| *s == ser).unwrap_or_else(|| {
            sers.push(ser);
            sers.len() - 1
        });
        at.push((ci, si));
    }
    (cats, sers, at)
}

fn grouped(
    manifest: &Manifest,
    groups: &[&GroupStats],
    title: String,
    y_desc: &str,
    bar: impl Fn(&GroupStats) -> Option<Bar>,
) -> Chart {
    let (categories, series, at) = layout(manifest, groups);
    let mut bars = vec![vec![None; series.len()]; categories.len()];
    for (g, (c, s)) in groups.iter().zip(at) {
        bars[c][s] = bar(g);
    }
    Chart::Bars(BarChart { title, y_desc: y_desc.into(), categories, series, bars })
}

/// File-name-safe form of an expectation or metric.
fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_matches('_').to_owned()
}

fn batch_figures(dir: &Path) -> Result<(String, String, Vec<Figure>), ReportError> {
    let read = |name: &str| -> Result<String, ReportError> {
        let p = dir.join(name);
        std::fs::read_to_string(&p).map_err(|e| io_err(&p, e))
    };
    let manifest: Manifest =
        serde_json::from_str(&read("sweep.json")?).map_err(|e| io_err(&dir.join("sweep.json"), e))?;
    let stats: Vec<GroupStats> =
        serde_json::from_str(&read("stats.json")?).map_err(|e| io_err(&dir.join("stats.json"), e))?;
    let points: Vec<&GroupStats> =
        if stats.len() > 1 { stats[..stats.len() - 1].iter().collect() } else { stats.iter().collect() };
    let mut figs = Vec::new();
    /// Expectation charts at most.
    const MAX_EXPECTATION_CHARTS: usize = 6;
    let all = stats.last();
    let exps: Vec<String> = all.map_or(Vec::new(), |g| g.expectations.iter().map(|e| e.expectation.clone()).collect());
    let failing: Vec<&String> = exps
        .iter()
        .filter(|e| all.is_some_and(|g| g.expectations.iter().any(|x| &x.expectation == *e && x.failed > 0)))
        .collect();
    let shown: Vec<&String> = if failing.is_empty() { exps.iter().take(1).collect() } else { failing };
    for e in shown.into_iter().take(MAX_EXPECTATION_CHARTS) {
        let chart =
            grouped(&manifest, &points, format!("P(\"{e}\" fails)"), "probability, % (Wilson 95 % interval)", |g| {
                let f = g.expectations.iter().find(|x| &x.expectation == e)?;
                Some(Bar { value: f.probability * 100.0, interval: Some((f.ci95_low * 100.0, f.ci95_high * 100.0)) })
            });
        figs.push(fig(
            &format!("p_fail_{}", slug(e)),
            &format!("Probability that \"{e}\" fails, per grid point"),
            chart,
        ));
    }
    if let Some(baseline) = &manifest.compare
        && dir.join("comparison.json").exists()
    {
        let path = dir.join("comparison.json");
        let rows: Vec<crate::batch::compare::Row> =
            serde_json::from_str(&read("comparison.json")?).map_err(|e| io_err(&path, e))?;
        let (table, charts) = comparison_figures(&rows, baseline);
        figs.extend(charts);
        let intro = format!(
            "<p>{}</p>\n<p>{} grid points against the baseline <b>{}</b>; values are yearly where the metric says so, differences absolute and relative.</p>\n{table}",
            escape(manifest.description.trim()),
            manifest.points,
            escape(baseline)
        );
        return Ok((manifest.sweep, intro, figs));
    }
    /// Metric charts drawn by default, when the sweep reports them.
    const KEY_METRICS: [&str; 4] = ["load_dropped_kwh", "max_inlet_c", "fuel_used_l", "pue"];
    let metrics: Vec<&str> = if manifest.metrics.len() <= KEY_METRICS.len() {
        manifest.metrics.iter().map(String::as_str).collect()
    } else {
        KEY_METRICS.iter().copied().filter(|m| manifest.metrics.iter().any(|x| x == m)).collect()
    };
    for m in metrics {
        let chart = grouped(&manifest, &points, format!("{m}: median, p5–p95"), m, |g| {
            let s = g.metrics.iter().find(|s| s.metric == m)?;
            Some(Bar { value: s.p50.0, interval: Some((s.p5.0, s.p95.0)) })
        });
        figs.push(fig(
            &format!("metric_{}", slug(m)),
            &format!("{m} per grid point: bar at the median, whiskers p5–p95"),
            chart,
        ));
    }
    let mut intro = format!(
        "<p>{}</p>\n<p>{} members ({} grid points × {} replicates), sweep seed {}, base <code>{}</code>.</p>\n",
        escape(manifest.description.trim()),
        manifest.members,
        manifest.points,
        manifest.replicates,
        manifest.seed,
        escape(&manifest.base)
    );
    let mut t = String::from("<table>\n<tr><th>group</th><th>members</th>");
    for e in &exps {
        let _ = write!(t, "<th>P({} fails) [95 % CI]</th>", escape(e));
    }
    t.push_str("</tr>\n");
    for g in &stats {
        let label = if g.params.is_empty() {
            "all members".to_owned()
        } else {
            g.params.iter().map(|p| format!("{}={}", p.name, p.value)).collect::<Vec<_>>().join(", ")
        };
        let _ = write!(t, "<tr><td>{}</td><td>{}</td>", escape(&label), g.members);
        for f in &g.expectations {
            let _ = write!(
                t,
                "<td>{:.1} % [{:.1}–{:.1}] ({}/{})</td>",
                f.probability * 100.0,
                f.ci95_low * 100.0,
                f.ci95_high * 100.0,
                f.failed,
                f.members
            );
        }
        t.push_str("</tr>\n");
    }
    t.push_str("</table>\n");
    intro.push_str(&t);
    Ok((manifest.sweep, intro, figs))
}

/// The comparison table (value, Δ, Δ % per point) and one bar chart per metric.
fn comparison_figures(rows: &[crate::batch::compare::Row], baseline: &str) -> (String, Vec<Figure>) {
    let metrics: Vec<String> = rows.first().map_or(Vec::new(), |r| r.cells.iter().map(|c| c.metric.clone()).collect());
    let mut t = String::from("<table>\n<tr><th>metric</th>");
    for r in rows {
        let _ = write!(t, "<th>{}{}</th>", escape(&r.label), if r.baseline { " (baseline)" } else { "" });
    }
    t.push_str("</tr>\n");
    let mut figs = Vec::new();
    for (k, m) in metrics.iter().enumerate() {
        let _ = write!(t, "<tr><td>{}</td>", escape(m));
        for r in rows {
            let _ = write!(t, "<td>{}</td>", escape(&r.cells[k].text(r.baseline)));
        }
        t.push_str("</tr>\n");
        let chart = Chart::Bars(BarChart {
            title: format!("{m} (baseline {baseline})"),
            y_desc: m.clone(),
            categories: rows.iter().map(|r| r.label.clone()).collect(),
            series: vec![String::new()],
            bars: rows
                .iter()
                .map(|r| {
                    vec![r.cells[k].value.0.is_finite().then_some(Bar { value: r.cells[k].value.0, interval: None })]
                })
                .collect(),
        });
        figs.push(fig(&format!("compare_{}", slug(m)), &format!("{m} per point, against {baseline}"), chart));
    }
    t.push_str("</table>\n<p>Weather:</p>\n<ul>\n");
    for r in rows {
        let _ = writeln!(t, "<li>{}: {}</li>", escape(&r.label), escape(&r.climate));
    }
    t.push_str("</ul>\n");
    (t, figs)
}

/// A capacity search: its Markdown findings as preformatted text, and one chart of the
/// equipment loading at each point's limit.
fn capacity_figures(dir: &Path) -> Result<(String, String, Vec<Figure>), ReportError> {
    let path = dir.join("capacity.json");
    let text = std::fs::read_to_string(&path).map_err(|e| io_err(&path, e))?;
    let file: crate::batch::capacity::CapacityFile = serde_json::from_str(&text).map_err(|e| io_err(&path, e))?;
    let md = crate::batch::capacity::capacity_md(&file.study, &file.description, &file.search_path, &file.points);
    let intro = format!("<pre>{}</pre>\n", escape(&md));
    let loads: Vec<String> = file.points.first().map_or(Vec::new(), |p| {
        p.metrics_at_limit.iter().map(|(n, _)| n.clone()).filter(|n| n.ends_with("_pct")).collect()
    });
    let chart = Chart::Bars(BarChart {
        title: "Equipment loading at the limit, % of rating".into(),
        y_desc: "peak load, % of rating".into(),
        categories: loads
            .iter()
            .map(|n| n.trim_start_matches("peak_").trim_end_matches("_load_pct").to_owned())
            .collect(),
        series: file
            .points
            .iter()
            .map(|p| if p.label.is_empty() { "limit".to_owned() } else { p.label.clone() })
            .collect(),
        bars: loads
            .iter()
            .map(|n| {
                file.points
                    .iter()
                    .map(|p| {
                        p.metrics_at_limit
                            .iter()
                            .find(|(m, _)| m == n)
                            .filter(|(_, v)| v.0.is_finite())
                            .map(|(_, v)| Bar { value: v.0, interval: None })
                    })
                    .collect()
            })
            .collect(),
    });
    Ok((
        file.study,
        intro,
        vec![fig("capacity_loading", "Peak loading of each class of equipment at the limit", chart)],
    ))
}
