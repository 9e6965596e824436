//! Charts drawn with plotters: line charts of a run's time series, grouped bar charts of a
//! sweep's probabilities and percentiles, and a per-rack inlet heat map.
//!
//! A chart is described as data ([`Chart`]) and drawn by one function generic over the
//! plotters backend, so the same chart renders to PNG (bitmap backend, encoded by the `png`
//! crate) or SVG. Text uses DejaVu Sans, shipped in `assets/fonts/` (Bitstream Vera licence,
//! `assets/fonts/LICENSE-DejaVu.txt`) and compiled in, so no system font library is needed and
//! images are the same on every machine.

use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontStyle;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// DejaVu Sans (see the module doc).
static FONT_TTF: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
/// The family name charts ask for.
const FAMILY: &str = "sans-serif";
/// Default image size, px.
pub const DEFAULT_SIZE_PX: (u32, u32) = (1000, 500);
/// Series colours (Okabe–Ito palette, readable with colour-vision deficiencies).
const PALETTE: [RGBColor; 7] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(0, 0, 0),
];

fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The font is compiled in and known to parse (a unit test draws text with it).
        let _ = plotters::style::register_font(FAMILY, FontStyle::Normal, FONT_TTF);
    });
}

/// One line of a line chart.
#[derive(Clone, Debug)]
pub struct Series {
    /// Legend.
    pub name: String,
    /// (x, y) points.
    pub points: Vec<(f64, f64)>,
}

/// A line chart.
#[derive(Clone, Debug)]
pub struct LineChart {
    /// Title.
    pub title: String,
    /// X axis description.
    pub x_desc: String,
    /// Y axis description.
    pub y_desc: String,
    /// Lines.
    pub series: Vec<Series>,
}

/// One bar: value and an optional interval (drawn as an error bar).
#[derive(Clone, Copy, Debug)]
pub struct Bar {
    /// Height.
    pub value: f64,
    /// Interval (low, high).
    pub interval: Option<(f64, f64)>,
}

/// A grouped bar chart: categories on x, one bar per series in each.
#[derive(Clone, Debug)]
pub struct BarChart {
    /// Title.
    pub title: String,
    /// Y axis description.
    pub y_desc: String,
    /// Category labels.
    pub categories: Vec<String>,
    /// Series names (legend; one unnamed series draws no legend).
    pub series: Vec<String>,
    /// `bars[category][series]`.
    pub bars: Vec<Vec<Option<Bar>>>,
}

/// A heat map of values on a grid of rows × positions, per panel (hall).
#[derive(Clone, Debug)]
pub struct HeatMap {
    /// Title.
    pub title: String,
    /// Unit of the values.
    pub unit: String,
    /// Panels, side by side.
    pub panels: Vec<HeatPanel>,
}

/// One panel of a heat map (a hall).
#[derive(Clone, Debug)]
pub struct HeatPanel {
    /// Panel title.
    pub name: String,
    /// Row labels, top to bottom.
    pub rows: Vec<String>,
    /// `cells[row][position]`.
    pub cells: Vec<Vec<Option<f64>>>,
}

/// A chart to draw.
#[derive(Clone, Debug)]
pub enum Chart {
    /// Lines over a shared x axis.
    Lines(LineChart),
    /// Grouped bars.
    Bars(BarChart),
    /// A heat map.
    Heat(HeatMap),
}

type DrawResult = Result<(), String>;

fn err<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

/// Renders a chart as PNG bytes of `size` pixels.
pub fn png(chart: &Chart, size: (u32, u32)) -> Result<Vec<u8>, String> {
    register_font();
    let mut rgb = vec![0u8; size.0 as usize * size.1 as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, size).into_drawing_area();
        draw(&root, chart)?;
        root.present().map_err(err)?;
    }
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, size.0, size.1);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    enc.set_compression(png::Compression::High);
    let mut w = enc.write_header().map_err(err)?;
    w.write_image_data(&rgb).map_err(err)?;
    w.finish().map_err(err)?;
    Ok(out)
}

/// Renders a chart as an SVG document of `size` pixels.
pub fn svg(chart: &Chart, size: (u32, u32)) -> Result<String, String> {
    register_font();
    let mut s = String::new();
    {
        let root = SVGBackend::with_string(&mut s, size).into_drawing_area();
        draw(&root, chart)?;
        root.present().map_err(err)?;
    }
    Ok(s)
}

/// Draws a chart on any plotters backend.
pub fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, chart: &Chart) -> DrawResult {
    root.fill(&WHITE).map_err(err)?;
    match chart {
        Chart::Lines(c) => lines(root, c),
        Chart::Bars(c) => bars(root, c),
        Chart::Heat(c) => heat(root, c),
    }
}

/// A range around `lo..hi` with a margin, never empty.
fn padded(lo: f64, hi: f64, from_zero: bool) -> (f64, f64) {
    let (mut lo, mut hi) = if lo.is_finite() && hi.is_finite() { (lo, hi) } else { (0.0, 1.0) };
    if from_zero {
        lo = lo.min(0.0);
    }
    if hi - lo < 1e-9 {
        hi = lo + lo.abs().max(1.0) * 0.1;
    }
    let pad = (hi - lo) * 0.05;
    (if from_zero && lo >= 0.0 { lo } else { lo - pad }, hi + pad)
}

/// The legend box of a chart with several series, in its upper right corner.
fn series_legend<'a, DB: DrawingBackend + 'a, CT: CoordTranslate>(chart: &mut ChartContext<'a, DB, CT>) -> DrawResult {
    chart
        .configure_series_labels()
        .label_font((FAMILY, 14))
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(180, 180, 180))
        .position(SeriesLabelPosition::UpperRight)
        .draw()
        .map_err(err)?;
    Ok(())
}

fn lines<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, c: &LineChart) -> DrawResult {
    let all = c.series.iter().flat_map(|s| s.points.iter()).filter(|p| p.0.is_finite() && p.1.is_finite());
    let (mut x0, mut x1, mut y0, mut y1) = (f64::INFINITY, f64::NEG_INFINITY, f64::INFINITY, f64::NEG_INFINITY);
    for &(x, y) in all {
        (x0, x1, y0, y1) = (x0.min(x), x1.max(x), y0.min(y), y1.max(y));
    }
    let (x0, x1) = if x0.is_finite() && x1 > x0 { (x0, x1) } else { (0.0, 1.0) };
    let (y0, y1) = padded(y0, y1, false);
    let mut chart = ChartBuilder::on(root)
        .caption(&c.title, (FAMILY, 22))
        .margin(12)
        .x_label_area_size(45)
        .y_label_area_size(70)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc(&c.x_desc)
        .y_desc(&c.y_desc)
        .label_style((FAMILY, 14))
        .light_line_style(RGBColor(235, 235, 235))
        .draw()
        .map_err(err)?;
    for (i, s) in c.series.iter().enumerate() {
        let color = PALETTE[i % PALETTE.len()];
        let pts = s.points.iter().copied().filter(|p| p.0.is_finite() && p.1.is_finite());
        chart
            .draw_series(LineSeries::new(pts, color.stroke_width(2)))
            .map_err(err)?
            .label(&s.name)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2)));
    }
    if c.series.len() > 1 {
        series_legend(&mut chart)?;
    }
    Ok(())
}

fn bars<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, c: &BarChart) -> DrawResult {
    let n_cat = c.categories.len().max(1);
    let n_ser = c.series.len().max(1);
    let top =
        c.bars.iter().flatten().flatten().map(|b| b.interval.map_or(b.value, |i| i.1).max(b.value)).fold(0.0, f64::max);
    /// Head room above the tallest bar for the legend, as a share of its height.
    const LEGEND_ROOM: f64 = 0.25;
    let (_, y1) = padded(0.0, if n_ser > 1 { top * (1.0 + LEGEND_ROOM) } else { top }, true);
    let mut chart = ChartBuilder::on(root)
        .caption(&c.title, (FAMILY, 22))
        .margin(12)
        .x_label_area_size(50)
        .y_label_area_size(70)
        .build_cartesian_2d(0.0..n_cat as f64, 0.0..y1)
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(0)
        .x_label_formatter(&|_| String::new())
        .y_desc(&c.y_desc)
        .label_style((FAMILY, 14))
        .light_line_style(RGBColor(235, 235, 235))
        .draw()
        .map_err(err)?;
    /// Share of a category's width left empty on each side.
    const GAP: f64 = 0.12;
    let width = (1.0 - 2.0 * GAP) / n_ser as f64;
    for s in 0..n_ser {
        let color = PALETTE[s % PALETTE.len()];
        let rects = c.bars.iter().enumerate().filter_map(|(k, row)| {
            let b = row.get(s).copied().flatten()?;
            let x = k as f64 + GAP + s as f64 * width;
            Some(Rectangle::new([(x, 0.0), (x + width * 0.92, b.value)], color.filled()))
        });
        let drawn = chart.draw_series(rects).map_err(err)?;
        if n_ser > 1 {
            drawn
                .label(c.series.get(s).map_or("", String::as_str))
                .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 14, y + 6)], color.filled()));
        }
        let whiskers = c.bars.iter().enumerate().filter_map(|(k, row)| {
            let b = row.get(s).copied().flatten()?;
            let (lo, hi) = b.interval?;
            let x = k as f64 + GAP + (s as f64 + 0.46) * width;
            Some(ErrorBar::new_vertical(x, lo, b.value, hi, BLACK.stroke_width(1), 10))
        });
        chart.draw_series(whiskers).map_err(err)?;
    }
    if n_ser > 1 {
        series_legend(&mut chart)?;
    }
    let style = TextStyle::from((FAMILY, 14).into_font()).pos(Pos::new(HPos::Center, VPos::Top));
    for (k, label) in c.categories.iter().enumerate() {
        let (px, py) = chart.backend_coord(&(k as f64 + 0.5, 0.0));
        root.draw(&Text::new(label.clone(), (px, py + 8), style.clone())).map_err(err)?;
    }
    Ok(())
}

/// Blue → yellow → red for 0 → 1.
fn heat_color(t: f64) -> RGBColor {
    let t = if t.is_finite() { t.clamp(0.0, 1.0) } else { 0.0 };
    let stops = [(49.0, 54.0, 149.0), (255.0, 255.0, 191.0), (165.0, 0.0, 38.0)];
    let (a, b, u) = if t < 0.5 { (stops[0], stops[1], t * 2.0) } else { (stops[1], stops[2], t * 2.0 - 1.0) };
    let mix = |x: f64, y: f64| (x + (y - x) * u).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

fn heat<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, c: &HeatMap) -> DrawResult {
    let values = c.panels.iter().flat_map(|p| p.cells.iter().flatten().flatten().copied());
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)));
    let (lo, hi) = if lo.is_finite() && hi > lo { (lo, hi) } else { (lo.min(0.0), lo.max(0.0) + 1.0) };
    let titled = root.titled(&c.title, (FAMILY, 22)).map_err(err)?;
    let (body, legend) = titled.split_horizontally(titled.dim_in_pixel().0.saturating_sub(110));
    let panels = body.split_evenly((1, c.panels.len().max(1)));
    for (area, HeatPanel { name, rows, cells }) in panels.iter().zip(&c.panels) {
        let n_pos = cells.iter().map(Vec::len).max().unwrap_or(1).max(1);
        let n_rows = rows.len().max(1);
        // Cells are centred on whole numbers, so the axis labels fall on them.
        let mut chart = ChartBuilder::on(area)
            .caption(name, (FAMILY, 16))
            .margin(8)
            .x_label_area_size(35)
            .y_label_area_size(55)
            .build_cartesian_2d(-0.5..n_pos as f64 - 0.5, -0.5..n_rows as f64 - 0.5)
            .map_err(err)?;
        let row_labels = rows.clone();
        let whole = |v: f64| (v - v.round()).abs() < 1e-6 && v.round() >= 0.0;
        let y_fmt = move |y: &f64| {
            let k = n_rows as f64 - 1.0 - y;
            if whole(k) { row_labels.get(k.round() as usize).cloned().unwrap_or_default() } else { String::new() }
        };
        let x_fmt = move |x: &f64| if whole(*x) { format!("{}", x.round() as i64 + 1) } else { String::new() };
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc("rack position")
            .x_labels(n_pos.min(24))
            .x_label_formatter(&x_fmt)
            .y_labels(n_rows.min(24))
            .y_label_formatter(&y_fmt)
            .label_style((FAMILY, 12))
            .draw()
            .map_err(err)?;
        let rects = cells.iter().enumerate().flat_map(|(r, row)| {
            row.iter().enumerate().filter_map(move |(p, v)| {
                let v = (*v)?;
                let (x, y) = (p as f64, (n_rows - 1 - r) as f64);
                Some(Rectangle::new(
                    [(x - 0.46, y - 0.44), (x + 0.46, y + 0.44)],
                    heat_color((v - lo) / (hi - lo)).filled(),
                ))
            })
        });
        chart.draw_series(rects).map_err(err)?;
    }
    color_bar(&legend, lo, hi, &c.unit)
}

fn color_bar<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, lo: f64, hi: f64, unit: &str) -> DrawResult {
    /// Steps of the colour bar.
    const STEPS: usize = 50;
    let mut chart = ChartBuilder::on(area)
        .margin_top(40)
        .margin_bottom(40)
        .margin_right(10)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..1.0, lo..hi)
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .disable_x_axis()
        .y_desc(unit)
        .label_style((FAMILY, 12))
        .draw()
        .map_err(err)?;
    let step = (hi - lo) / STEPS as f64;
    let rects = (0..STEPS).map(|i| {
        let v = lo + i as f64 * step;
        Rectangle::new([(0.0, v), (1.0, v + step)], heat_color((i as f64 + 0.5) / STEPS as f64).filled())
    });
    chart.draw_series(rects).map_err(err)?;
    Ok(())
}

/// Width and height of a PNG file's image, from its header.
pub fn png_size(bytes: &[u8]) -> Option<(u32, u32)> {
    const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
    if bytes.len() < 24 || !bytes.starts_with(SIGNATURE) || &bytes[12..16] != b"IHDR" {
        return None;
    }
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    Some((be(&bytes[16..20]), be(&bytes[20..24])))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample_lines() -> Chart {
        Chart::Lines(LineChart {
            title: "t".into(),
            x_desc: "h".into(),
            y_desc: "kW".into(),
            series: vec![Series {
                name: "a".into(),
                points: (0..50).map(|i| (f64::from(i), f64::from(i * i))).collect(),
            }],
        })
    }

    #[test]
    fn png_has_the_requested_size_and_is_not_blank() {
        let bytes = png(&sample_lines(), (640, 320)).unwrap();
        assert_eq!(png_size(&bytes), Some((640, 320)));
        // A white image of this size compresses to well under 2 kB; lines and text do not.
        assert!(bytes.len() > 4_000, "{} bytes", bytes.len());
    }

    #[test]
    fn every_chart_kind_renders_to_png_and_svg() {
        let bars = Chart::Bars(BarChart {
            title: "p".into(),
            y_desc: "%".into(),
            categories: vec!["x".into(), "y".into()],
            series: vec!["a".into(), "b".into()],
            bars: vec![
                vec![Some(Bar { value: 1.0, interval: Some((0.5, 2.0)) }), None],
                vec![None, Some(Bar { value: 0.0, interval: None })],
            ],
        });
        let heat = Chart::Heat(HeatMap {
            title: "h".into(),
            unit: "°C".into(),
            panels: vec![HeatPanel {
                name: "hall".into(),
                rows: vec!["R01".into(), "R02".into()],
                cells: vec![vec![Some(20.0), Some(25.0)], vec![None, Some(30.0)]],
            }],
        });
        for c in [sample_lines(), bars, heat] {
            assert_eq!(png_size(&png(&c, (500, 300)).unwrap()), Some((500, 300)));
            let s = svg(&c, (500, 300)).unwrap();
            assert!(s.starts_with("<svg") && s.contains("width=\"500\""), "{}", &s[..s.len().min(200)]);
        }
    }

    #[test]
    fn heat_colours_run_from_blue_to_red() {
        assert!(heat_color(0.0).2 > heat_color(0.0).0);
        assert!(heat_color(1.0).0 > heat_color(1.0).2);
    }
}
