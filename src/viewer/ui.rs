//! The screen's panels: the clock and time controls (top), the dashboard and its live charts
//! (left), the legend and the inspector with its actions (right), captions (top centre), the
//! help overlay, and labels that follow the scene.
//!
//! The default font has ASCII glyphs only, so texts write `C` for °C and `m3` for m³.

use bevy::prelude::*;

use super::ViewerSystems;
use super::control::{Prompt, Selected, UiAction};
use super::scene::{ColourMap, Label3d, LabelOf, SiteLayout};
use crate::events::{EventKind, EventLog, Severity};
use crate::fuel::{FuelState, FuelTank};
use crate::live::LiveSim;
use crate::metrics::RunTotals;
use crate::power::generator::GenState;
use crate::power::{Generator, PowerBooks, Ups};
use crate::schedule::SimClock;
use crate::thermal::HallState;
use crate::weather::Outdoor;

/// Bars in each live chart.
pub const CHART_BARS: usize = 96;
/// Simulated time a chart spans, s (the last six hours).
pub const CHART_SPAN_S: f64 = 6.0 * 3_600.0;
/// Height of a chart's plot, px.
const CHART_HEIGHT_PX: f32 = 54.0;

/// Charts: title, unit, time-series column, scale to the unit.
const CHARTS: [(&str, &str, &str, f64); 4] = [
    ("IT power", "MW", "it_kw", 1e-3),
    ("PUE", "", "pue", 1.0),
    ("Hottest inlet", "C", "max_inlet_c", 1.0),
    ("Fuel on site", "m3", "fuel_l", 1e-3),
];

#[derive(Component)]
struct ClockText;
#[derive(Component)]
struct DashboardText;
#[derive(Component)]
struct AlarmText;
#[derive(Component)]
struct LegendText;
#[derive(Component)]
struct LegendSwatches;
#[derive(Component)]
struct InspectorText;
#[derive(Component)]
struct CaptionText;
#[derive(Component)]
struct HelpPanel;
#[derive(Component)]
struct CaptionBox;
#[derive(Component)]
struct ChartBar(usize, usize);
#[derive(Component)]
struct ChartTitle(usize);

/// Whether the help overlay is shown.
#[derive(Resource, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HelpShown(pub bool);

/// The screen's panels.
pub struct UiPlugin;

impl Plugin for UiPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<HelpShown>()
            .add_systems(Startup, spawn_ui)
            .add_systems(
                Update,
                (update_clock, update_dashboard, update_charts, update_legend, update_inspector)
                    .chain()
                    .in_set(ViewerSystems::Present)
                    .after(super::scene::ScenePresent),
            )
            .add_systems(Update, (update_caption, show_help, place_labels).in_set(ViewerSystems::Present));
    }
}

fn panel() -> (Node, BackgroundColor) {
    (
        Node {
            position_type: PositionType::Absolute,
            padding: UiRect::all(px(8)),
            flex_direction: FlexDirection::Column,
            row_gap: px(4),
            ..default()
        },
        BackgroundColor(Color::srgba(0.02, 0.03, 0.05, 0.92)),
    )
}

fn text(s: &str, size: f32) -> (Text, TextFont, TextColor) {
    (Text::new(s), TextFont::from_font_size(size), TextColor(Color::srgb(0.92, 0.93, 0.95)))
}

fn button(label: &str, action: UiAction) -> impl Bundle {
    (
        Button,
        Node { padding: UiRect::axes(px(7), px(3)), border: UiRect::all(px(1)), ..default() },
        BackgroundColor(Color::srgb(0.14, 0.16, 0.2)),
        BorderColor::all(Color::srgb(0.35, 0.38, 0.45)),
        action,
        children![text(label, 13.0)],
    )
}

fn spawn_ui(mut commands: Commands) {
    // Top bar: clock, speed, time controls, colour maps.
    let (mut node, bg) = panel();
    node.top = px(0);
    node.left = px(0);
    node.right = px(0);
    node.flex_direction = FlexDirection::Row;
    node.column_gap = px(6);
    node.align_items = AlignItems::Center;
    commands.spawn((node, bg)).with_children(|p| {
        p.spawn((text("", 16.0), ClockText));
        for (label, a) in [
            ("<<", UiAction::Slower),
            ("play/pause", UiAction::PlayPause),
            (">>", UiAction::Faster),
            ("step", UiAction::Step),
            ("+1 h", UiAction::JumpHour),
            ("jump to...", UiAction::JumpPrompt),
            ("inlet", UiAction::Map(ColourMap::Inlet)),
            ("power", UiAction::Map(ColourMap::Power)),
            ("GPU", UiAction::Map(ColourMap::GpuState)),
            ("breaker", UiAction::Map(ColourMap::Breaker)),
            ("floor heat", UiAction::ToggleOverlay),
            ("grid cut/restore", UiAction::ToggleGrid),
            ("save session", UiAction::Save),
            ("help (H)", UiAction::Help),
        ] {
            p.spawn(button(label, a));
        }
    });

    // Dashboard and charts on the left.
    let (mut node, bg) = panel();
    node.top = px(44);
    node.left = px(0);
    node.width = px(330);
    commands.spawn((node, bg)).with_children(|p| {
        p.spawn((text("", 13.0), DashboardText));
        p.spawn((Text::new(""), TextFont::from_font_size(12.0), TextColor(Color::srgb(1.0, 0.6, 0.45)), AlarmText));
        for (i, (title, ..)) in CHARTS.iter().enumerate() {
            p.spawn((text(title, 12.0), ChartTitle(i)));
            p.spawn((
                Node {
                    width: px(CHART_BARS as f32 * 3.2),
                    height: px(CHART_HEIGHT_PX),
                    flex_direction: FlexDirection::Row,
                    align_items: AlignItems::FlexEnd,
                    column_gap: px(0.2),
                    ..default()
                },
                BackgroundColor(Color::srgba(1.0, 1.0, 1.0, 0.05)),
            ))
            .with_children(|c| {
                for b in 0..CHART_BARS {
                    c.spawn((
                        Node { width: px(3.0), height: percent(0), ..default() },
                        BackgroundColor(Color::srgb(0.35, 0.75, 1.0)),
                        ChartBar(i, b),
                    ));
                }
            });
        }
    });

    // Legend and inspector on the right.
    let (mut node, bg) = panel();
    node.top = px(44);
    node.right = px(0);
    node.width = px(300);
    commands.spawn((node, bg)).with_children(|p| {
        p.spawn((text("", 14.0), LegendText));
        p.spawn((Node { flex_direction: FlexDirection::Column, row_gap: px(2), ..default() }, LegendSwatches));
        p.spawn((text("", 13.0), InspectorText));
        p.spawn(Node {
            flex_direction: FlexDirection::Row,
            flex_wrap: FlexWrap::Wrap,
            column_gap: px(4),
            row_gap: px(4),
            ..default()
        })
        .with_children(|b| {
            for (label, a) in [
                ("act (A)", UiAction::Primary),
                ("swap rack type (T)", UiAction::SwapRack),
                ("reset GPUs (R)", UiAction::ResetGpus),
                ("IT load -10% ([)", UiAction::Load(-0.1)),
                ("IT load +10% (])", UiAction::Load(0.1)),
                ("order fuel (F)", UiAction::OrderFuel),
            ] {
                b.spawn(button(label, a));
            }
        });
    });

    // Caption banner.
    commands.spawn((
        Node {
            position_type: PositionType::Absolute,
            top: px(48),
            left: percent(28),
            width: percent(44),
            justify_content: JustifyContent::Center,
            padding: UiRect::all(px(6)),
            ..default()
        },
        BackgroundColor(Color::srgba(0.0, 0.0, 0.0, 0.0)),
        CaptionBox,
        children![(text("", 15.0), CaptionText, TextLayout::justify(Justify::Center))],
    ));

    // Help overlay.
    let (mut node, bg) = panel();
    node.top = percent(18);
    node.left = percent(30);
    node.width = percent(40);
    node.display = Display::None;
    commands.spawn((node, bg, HelpPanel)).with_children(|p| {
        p.spawn(text(super::control::HELP, 14.0));
    });
}

/// Day, time of day and date of `t_s` after the scenario start (`start_of_year_s` after
/// 1 January 00:00).
pub fn calendar(t_s: f64, start_of_year_s: f64) -> String {
    const DAYS: [u32; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let year_s = (start_of_year_s + t_s).rem_euclid(365.0 * 86_400.0);
    let mut day = (year_s / 86_400.0).floor() as u32;
    let secs = year_s - f64::from(day) * 86_400.0;
    let mut month = 0;
    while month < 11 && day >= DAYS[month] {
        day -= DAYS[month];
        month += 1;
    }
    let (h, m) = ((secs / 3_600.0).floor(), ((secs % 3_600.0) / 60.0).floor());
    format!("{} {} {:02}:{:02}", day + 1, MONTHS[month], h as u32, m as u32)
}

fn update_clock(
    clock: Res<SimClock>,
    live: Res<LiveSim>,
    prompt: Res<Prompt>,
    mut q: Query<&mut Text, With<ClockText>>,
) {
    let Ok(mut t) = q.single_mut() else { return };
    let state = if let Some(p) = &prompt.0 {
        format!("jump to: {p}_  (e.g. 1h30min, Enter)")
    } else if live.jump_to_ms.is_some() {
        "jumping...".to_owned()
    } else if live.paused {
        format!("PAUSED{}", live.stopped_by.as_ref().map(|s| format!(" ({s})")).unwrap_or_default())
    } else {
        format!("x{}", live.speed)
    };
    let s = format!(
        "t = {}   {}   {}",
        crate::units::format_clock(clock.t_s()),
        calendar(clock.t_s(), clock.start_of_year_s),
        state
    );
    if t.0 != s {
        t.0 = s;
    }
}

#[allow(clippy::too_many_arguments)]
fn update_dashboard(
    power: Res<PowerBooks>,
    totals: Res<RunTotals>,
    fuel: Res<FuelState>,
    outdoor: Res<Outdoor>,
    log: Res<EventLog>,
    ups: Query<&Ups>,
    gens: Query<&Generator>,
    halls: Query<&HallState>,
    mut q: Query<&mut Text, (With<DashboardText>, Without<AlarmText>)>,
    mut alarms: Query<&mut Text, (With<AlarmText>, Without<DashboardText>)>,
) {
    let facility = power.it_kw + power.cooling_kw + power.losses_kw();
    let pue = if power.it_kw > 0.0 { facility / power.it_kw } else { 0.0 };
    let wue = if totals.it_kwh > 0.0 { totals.water_l / totals.it_kwh } else { 0.0 };
    let soc = ups.iter().map(|u| u.battery.soc() * 100.0).fold(f64::INFINITY, f64::min);
    let running = gens.iter().filter(|g| g.state == GenState::Running).count();
    let hottest = halls.iter().map(|h| h.max_inlet_c).fold(f64::NEG_INFINITY, f64::max);
    let autonomy = if fuel.autonomy_h.is_finite() && fuel.autonomy_h >= 0.0 {
        format!("{:.1} h", fuel.autonomy_h)
    } else {
        "n/a".into()
    };
    let s = format!(
        "IT power        {:>9.2} MW\nfacility power  {:>9.2} MW\nPUE (now)       {:>9.3}\nWUE (run)       {:>9.3} L/kWh\n\
         outdoor         {:>6.1} C db {:>5.1} C wb\nhottest inlet   {:>9.1} C\nUPS charge min  {:>9.1} %\n\
         generators      {:>4} of {} running\nfuel on site    {:>9.1} m3\nautonomy        {:>12}\n\
         grid / gens     {:>5.2} / {:.2} MW",
        power.it_kw / 1_000.0,
        facility / 1_000.0,
        pue,
        wue,
        outdoor.dry_bulb_c,
        outdoor.wet_bulb_c,
        hottest,
        if soc.is_finite() { soc } else { 100.0 },
        running,
        gens.iter().count(),
        fuel.stored_l / 1_000.0,
        autonomy,
        power.grid_kw / 1_000.0,
        power.generator_kw / 1_000.0,
    );
    if let Ok(mut t) = q.single_mut()
        && t.0 != s
    {
        t.0 = s;
    }
    let recent: Vec<String> = log
        .events
        .iter()
        .rev()
        .filter(|e| e.severity >= Severity::Alarm)
        .take(6)
        .map(|e| format!("{} {} {}", crate::units::format_clock(e.t_s), e.subject, ascii(&e.message)))
        .collect();
    let s = if recent.is_empty() { "no alarms".to_owned() } else { format!("alarms:\n{}", recent.join("\n")) };
    if let Ok(mut t) = alarms.single_mut()
        && t.0 != s
    {
        t.0 = s;
    }
}

/// `s` with the few non-ASCII signs of the event messages spelled out (the font is ASCII).
pub fn ascii(s: &str) -> String {
    s.replace("°C", "C").replace('°', "").replace('×', "x").replace(['—', '–'], "-").replace('³', "3")
}

/// The charts show the last [`CHART_SPAN_S`] of the model's own time series (rows averaged
/// over the scenario's output interval), one bar per row, the newest on the right.
fn update_charts(
    ts: Res<crate::metrics::Timeseries>,
    mut bars: Query<(&ChartBar, &mut Node, &mut BackgroundColor)>,
    mut titles: Query<(&ChartTitle, &mut Text)>,
) {
    if !ts.is_changed() || ts.rows.is_empty() {
        return;
    }
    let t_col = ts.column("t_s").unwrap_or(0);
    let last_t = ts.rows.last().map_or(0.0, |r| r[t_col]);
    let first = ts.rows.partition_point(|r| r[t_col] < last_t - CHART_SPAN_S);
    let rows = &ts.rows[first..];
    // One bar per row, or the largest value of several rows per bar.
    let per_bar = rows.len().div_ceil(CHART_BARS).max(1);
    let bars_used = rows.len().div_ceil(per_bar);
    let value = |chart: usize, bar: usize| -> Option<f64> {
        let (_, _, name, scale) = CHARTS[chart];
        let col = ts.column(name)?;
        let chunk = rows.chunks(per_bar).nth(bar)?;
        chunk.iter().map(|r| r[col] * scale).filter(|v| v.is_finite()).reduce(f64::max)
    };
    let mut ranges = [(f64::INFINITY, f64::NEG_INFINITY); 4];
    for (chart, range) in ranges.iter_mut().enumerate() {
        for b in 0..bars_used {
            if let Some(v) = value(chart, b) {
                *range = (range.0.min(v), range.1.max(v));
            }
        }
    }
    for (bar, mut node, mut bg) in &mut bars {
        let (chart, b) = (bar.0, bar.1);
        let (lo, hi) = ranges[chart];
        // Bars fill from the right.
        let k = (b + bars_used).checked_sub(CHART_BARS);
        let v = k.and_then(|k| value(chart, k));
        let h = match v {
            Some(v) => {
                let floor = if chart == 1 { lo.min(1.0) } else { lo.min(0.0) };
                ((v - floor) / (hi - floor).max(1e-9) * 100.0).clamp(2.0, 100.0) as f32
            }
            None => 0.0,
        };
        node.height = percent(h);
        if chart == 2
            && let Some(v) = v
        {
            // Hottest inlet: bars in the inlet palette.
            bg.0 = super::scene::inlet_colour(v).color();
        }
    }
    for (t, mut text) in &mut titles {
        let (title, unit, ..) = CHARTS[t.0];
        let last = value(t.0, bars_used.saturating_sub(1)).unwrap_or(0.0);
        let (lo, hi) = ranges[t.0];
        let s = format!("{title}: {last:.2} {unit}   (last 6 h: {lo:.2} - {hi:.2})");
        if text.0 != s {
            text.0 = s;
        }
    }
}

fn update_legend(
    map: Res<ColourMap>,
    mut commands: Commands,
    mut title: Query<&mut Text, With<LegendText>>,
    swatches: Query<(Entity, Option<&Children>), With<LegendSwatches>>,
    mut drawn: Local<Option<ColourMap>>,
) {
    if *drawn == Some(*map) {
        return;
    }
    let Ok((container, children)) = swatches.single() else { return };
    if let Ok(mut t) = title.single_mut() {
        t.0 = format!("{}  (C: next map)", map.title());
    }
    if let Some(children) = children {
        for c in children.iter() {
            commands.entity(c).despawn();
        }
    }
    commands.entity(container).with_children(|p| {
        for (colour, label) in map.legend() {
            p.spawn(Node {
                flex_direction: FlexDirection::Row,
                column_gap: px(6),
                align_items: AlignItems::Center,
                ..default()
            })
            .with_children(|row| {
                row.spawn((Node { width: px(16), height: px(12), ..default() }, BackgroundColor(colour.color())));
                row.spawn(text(label, 12.0));
            });
        }
    });
    *drawn = Some(*map);
}

#[allow(clippy::too_many_arguments)]
fn update_inspector(
    selected: Res<Selected>,
    inspect: super::control::Inspect,
    mut q: Query<&mut Text, With<InspectorText>>,
) {
    let s = match selected.0 {
        Some(v) => inspect.describe(v),
        None => "Click a rack, air unit, busway, generator,\ntank or electrical element to inspect it.".to_owned(),
    };
    if let Ok(mut t) = q.single_mut()
        && t.0 != s
    {
        t.0 = s;
    }
}

/// Narration: the latest scenario caption or event note, shown for a while.
fn update_caption(
    log: Res<EventLog>,
    time: Res<Time<Real>>,
    live: Res<LiveSim>,
    mut shown: Local<(usize, f64)>,
    mut q: Query<(&mut Text, &mut TextColor), With<CaptionText>>,
    mut boxes: Query<&mut BackgroundColor, With<CaptionBox>>,
) {
    let Ok((mut t, mut colour)) = q.single_mut() else { return };
    if let Some((i, e)) = log
        .events
        .iter()
        .enumerate()
        .rev()
        .find(|(_, e)| matches!(e.kind, EventKind::Caption | EventKind::Action) && e.subject != "operator")
        && i + 1 != shown.0
    {
        *shown = (i + 1, time.elapsed_secs_f64());
        t.0 = format!("{}  {}", crate::units::format_clock(e.t_s), ascii(&e.message));
    }
    // Shown for 12 s of wall time, fading over the last 2; held while the clock is stopped
    // (a lesson's pause point waits for the trainer).
    if live.paused && shown.0 > 0 {
        shown.1 = time.elapsed_secs_f64();
    }
    let age = time.elapsed_secs_f64() - shown.1;
    let a = if shown.0 == 0 { 0.0 } else { (1.0 - (age - 10.0) / 2.0).clamp(0.0, 1.0) as f32 };
    colour.0 = Color::srgba(1.0, 0.95, 0.75, a);
    if let Ok(mut bg) = boxes.single_mut() {
        bg.0 = Color::srgba(0.08, 0.06, 0.02, 0.85 * a);
    }
}

fn show_help(help: Res<HelpShown>, mut q: Query<&mut Node, With<HelpPanel>>) {
    if !help.is_changed() {
        return;
    }
    if let Ok(mut n) = q.single_mut() {
        n.display = if help.0 { Display::Flex } else { Display::None };
    }
}

/// Moves each 3D label over its point and refreshes its text.
#[allow(clippy::too_many_arguments)]
fn place_labels(
    cams: Query<(&Camera, &GlobalTransform), With<Camera3d>>,
    site: Option<Res<SiteLayout>>,
    halls: Query<&HallState>,
    hall_e: Query<(&crate::thermal::Hall, &HallState)>,
    gens: Query<&Generator>,
    tanks: Query<&FuelTank>,
    feeds: Query<&crate::power::UtilityFeed>,
    mut labels: Query<(&Label3d, &mut Node, &mut Text)>,
) {
    let Ok((camera, cam_tf)) = cams.single() else { return };
    let _ = (site, halls);
    for (label, mut node, mut text) in &mut labels {
        match camera.world_to_viewport(cam_tf, label.at) {
            Ok(p) => {
                node.display = Display::Flex;
                node.left = px(p.x);
                node.top = px(p.y);
            }
            Err(_) => {
                node.display = Display::None;
                continue;
            }
        }
        let s = match label.what {
            LabelOf::Hall(i) => hall_e
                .iter()
                .find(|(h, _)| h.index == i)
                .map(|(h, st)| format!("{}  hottest inlet {:.1} C", h.id, st.max_inlet_c))
                .unwrap_or_default(),
            LabelOf::Yard => {
                let n = gens.iter().count();
                let running = gens.iter().filter(|g| g.state == GenState::Running).count();
                format!("generators {running}/{n} running")
            }
            LabelOf::Tank(e) => tanks
                .get(e)
                .map(|t| format!("{} {:.0}/{:.0} m3", t.id, t.level_l / 1_000.0, t.capacity_l / 1_000.0))
                .unwrap_or_default(),
            LabelOf::Grid => {
                let up = feeds.iter().all(|f| f.available);
                if up { "grid: on".to_owned() } else { "grid: LOST".to_owned() }
            }
        };
        if text.0 != s {
            text.0 = s;
        }
    }
}
