//! Unattended viewer runs, for the render test and for measuring frame times:
//!
//! - `--screenshot PATH --at T`: run to simulated time `T`, let the renderer settle, save the
//!   window to `PATH` (PNG) with a pixel map beside it (`PATH.json`: where the middle of each
//!   rack's face turned to the camera is on screen and the colour it should have), then exit.
//! - `--frame-report N`: play, and time `N` frames after a warm-up; print the median, the 95th
//!   percentile and the mean, then exit.
//!
//! Either one can save the session on the way out (`--save-session`), with the summary at
//! that moment beside it (`PATH.summary.json`), so a test can replay it headless.

use std::path::PathBuf;

use bevy::diagnostic::FrameCount;
use bevy::prelude::*;
use bevy::render::view::screenshot::{Screenshot, ScreenshotCaptured, save_to_disk};
use serde::Serialize;

use super::ViewerOptions;
use super::scene::{ColourMap, Visual, VisualKind, rack_colour};
use crate::live::LiveSim;
use crate::load::{GpuBank, Rack, RackLoad};
use crate::power::{Distribution, PowerNode, RackFeeds, RackSupply};
use crate::schedule::SimClock;
use crate::thermal::RackAir;
use crate::units::SimDuration;

/// Frames rendered after the clock reaches the screenshot time before capturing (pipelines
/// compile asynchronously; a software renderer needs a few dozen frames).
const SETTLE_FRAMES: u32 = 60;
/// Frames discarded before timing a frame report.
const WARM_UP_FRAMES: u32 = 60;

/// What an unattended run does.
#[derive(Resource, Clone, Debug, Default)]
pub struct Unattended {
    /// Run to this time, capture to this file, exit.
    pub screenshot: Option<(SimDuration, PathBuf)>,
    /// Time this many frames, print, exit.
    pub frame_report: Option<u32>,
    /// Save the session here on the way out.
    pub save_session: Option<PathBuf>,
}

impl From<&ViewerOptions> for Unattended {
    fn from(o: &ViewerOptions) -> Self {
        Self { screenshot: o.screenshot.clone(), frame_report: o.frame_report, save_session: o.save_session.clone() }
    }
}

#[derive(Resource, Default)]
struct CaptureState {
    reached_at_frame: Option<u32>,
    requested: bool,
    frame_times_s: Vec<f64>,
    ticks: u64,
    started: bool,
}

/// Unattended runs.
pub struct CapturePlugin;

impl Plugin for CapturePlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<CaptureState>()
            .add_systems(Startup, start)
            .add_systems(Last, (screenshot_when_ready, frame_report))
            .add_systems(Last, save_on_exit);
    }
}

fn start(un: Res<Unattended>, mut live: ResMut<LiveSim>) {
    if let Some((at, _)) = &un.screenshot {
        live.jump_to_ms = Some(at.as_ms());
    }
    if un.frame_report.is_some() {
        live.play();
    }
}

/// One rack in the pixel map.
#[derive(Serialize)]
struct PixelRack {
    id: String,
    x: f32,
    y: f32,
    inlet_c: f64,
    colour: String,
    rgb: [u8; 3],
}

/// The pixel map written beside a screenshot.
#[derive(Serialize)]
struct PixelMap {
    t_s: f64,
    width: u32,
    height: u32,
    colour_map: String,
    racks: Vec<PixelRack>,
}

#[allow(clippy::too_many_arguments)]
fn screenshot_when_ready(
    mut commands: Commands,
    un: Res<Unattended>,
    mut live: ResMut<LiveSim>,
    clock: Res<SimClock>,
    frames: Res<FrameCount>,
    mut state: ResMut<CaptureState>,
    map: Res<ColourMap>,
    cams: Query<(&Camera, &GlobalTransform), With<Camera3d>>,
    windows: Query<&Window>,
    visuals: Query<(&Visual, &GlobalTransform)>,
    racks: Query<(&Rack, &RackAir, &RackLoad, &GpuBank, &RackSupply, &RackFeeds)>,
    dists: Query<(&Distribution, &PowerNode)>,
) {
    let Some((at, path)) = &un.screenshot else { return };
    if !state.requested && live.jump_to_ms.is_none() && clock.t_ms < at.as_ms() && !clock.finished() {
        // A pause point stopped the jump: an unattended run goes on to its time.
        live.jump_to_ms = Some(at.as_ms());
    }
    if state.requested || live.jump_to_ms.is_some() || (clock.t_ms < at.as_ms() && !clock.finished()) {
        return;
    }
    let reached = *state.reached_at_frame.get_or_insert(frames.0);
    if frames.0 < reached + SETTLE_FRAMES {
        return;
    }
    let (Ok((camera, cam_tf)), Ok(window)) = (cams.single(), windows.single()) else { return };
    let mut pixel = PixelMap {
        t_s: clock.t_s(),
        width: window.physical_width(),
        height: window.physical_height(),
        colour_map: format!("{:?}", *map),
        racks: Vec::new(),
    };
    for (v, tf) in &visuals {
        if v.kind != VisualKind::Rack {
            continue;
        }
        let Ok((rack, air, load, bank, supply, feeds)) = racks.get(v.sim) else { continue };
        // The middle of the long face turned to the camera: busways run over the tops, and
        // rows stand far enough apart that a neighbour never hides it at the presets' pitch.
        let centre = tf.translation();
        let toward = (cam_tf.translation().z - centre.z).signum();
        let face = centre + Vec3::Z * toward * (super::layout::RACK_DEPTH_M / 2.0);
        let Ok(p) = camera.world_to_viewport(cam_tf, face) else { continue };
        let c = rack_colour(*map, air, load, bank, supply, feeds, &dists);
        pixel.racks.push(PixelRack {
            id: rack.id.clone(),
            x: p.x,
            y: p.y,
            inlet_c: air.inlet_c,
            colour: format!("{c:?}"),
            rgb: c.srgb_u8(),
        });
    }
    let json = serde_json::to_string_pretty(&pixel).expect("pixel map serialises");
    let map_path = PathBuf::from(format!("{}.json", path.display()));
    if let Err(e) = crate::report::write_atomic(&map_path, json.as_bytes()) {
        error!("cannot write {}: {e}", map_path.display());
    }
    state.requested = true;
    let path = path.clone();
    commands.spawn(Screenshot::primary_window()).observe(
        move |captured: On<ScreenshotCaptured>, mut exit: MessageWriter<AppExit>| {
            save_to_disk(path.clone())(captured);
            info!("screenshot saved to {}", path.display());
            exit.write(AppExit::Success);
        },
    );
}

#[allow(clippy::too_many_arguments)]
fn frame_report(
    un: Res<Unattended>,
    time: Res<Time<Real>>,
    frames: Res<FrameCount>,
    live: Res<LiveSim>,
    clock: Res<SimClock>,
    mut state: ResMut<CaptureState>,
    racks: Query<(), With<Rack>>,
    mut exit: MessageWriter<AppExit>,
) {
    let Some(n) = un.frame_report else { return };
    if frames.0 < WARM_UP_FRAMES {
        return;
    }
    if !state.started {
        state.started = true;
        state.ticks = clock.step;
        return;
    }
    state.frame_times_s.push(time.delta_secs_f64());
    if state.frame_times_s.len() < n as usize {
        return;
    }
    let mut t = state.frame_times_s.clone();
    t.sort_by(f64::total_cmp);
    let mean = t.iter().sum::<f64>() / t.len() as f64;
    let median = t[t.len() / 2];
    let p95 = t[(t.len() * 95 / 100).min(t.len() - 1)];
    let ticks = clock.step - state.ticks;
    println!(
        "frame report: {} racks, {} frames: median {:.1} ms, p95 {:.1} ms, mean {:.1} ms ({:.1} frames/s); {} ticks at x{} ({:.1} ticks/frame)",
        racks.iter().count(),
        t.len(),
        median * 1e3,
        p95 * 1e3,
        mean * 1e3,
        1.0 / mean,
        ticks,
        live.speed,
        ticks as f64 / t.len() as f64
    );
    exit.write(AppExit::Success);
}

/// Saves the session (and the summary at that moment) when the app is about to exit.
fn save_on_exit(world: &mut World) {
    let exiting = world.get_resource::<Messages<AppExit>>().is_some_and(|m| !m.is_empty());
    let Some(path) = world.resource::<Unattended>().save_session.clone() else { return };
    if !exiting || world.get_resource::<SavedOnExit>().is_some() {
        return;
    }
    world.insert_resource(SavedOnExit);
    let live = world.resource::<LiveSim>().clone();
    if let Err(e) = live.save_session(world, &path) {
        error!("cannot save the session to {}: {e}", path.display());
        return;
    }
    let summary = crate::metrics::summarize(world, &live.scenario.name, live.seed);
    let json = serde_json::to_string_pretty(&summary).expect("summary serialises");
    let summary_path = PathBuf::from(format!("{}.summary.json", path.display()));
    if let Err(e) = crate::report::write_atomic(&summary_path, json.as_bytes()) {
        error!("cannot write {}: {e}", summary_path.display());
    }
}

#[derive(Resource)]
struct SavedOnExit;
