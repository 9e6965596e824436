//! The 3D viewer (cargo feature `viewer`): `dctwin view FILE`.
//!
//! The viewer opens a window on the very world a headless run computes: [`build_app`] makes
//! the simulation's App, the viewer adds Bevy's renderer, UI and picking to it, and a
//! [`LiveSim`] steps [`crate::schedule::SimSchedule`] from `Update` with the same
//! `schedule::step` as `dctwin run`. Visuals are separate entities that point at the
//! simulation's (so the model's queries, and its bit-for-bit results, are untouched), and
//! operator actions go through the same action queue as scenario events.
//!
//! | module | what |
//! |---|---|
//! | [`layout`] | where halls, rows, racks, air units, generators and tanks stand |
//! | [`scene`] | meshes, palettes, colour maps, labels in 3D |
//! | [`ui`] | clock, dashboard, charts, legend, inspector, captions, help |
//! | [`control`] | keyboard, buttons, picking, operator actions, saving the session |
//! | [`camera`] | orbit, pan, zoom, preset views |
//! | [`capture`] | unattended runs: screenshots with a pixel map, frame-time reports |

pub mod camera;
pub mod capture;
pub mod control;
pub mod layout;
pub mod scene;
pub mod ui;

use std::path::PathBuf;
use std::process::ExitCode;

use bevy::picking::mesh_picking::MeshPickingPlugin;
use bevy::prelude::*;
use bevy::window::{PresentMode, WindowResolution};
use bevy::winit::WinitSettings;

use crate::app::{EXIT_BAD_INPUT, load_valid};
use crate::live::LiveSim;
use crate::scenario::build::{BuildOptions, build_app_with};
use crate::units::SimDuration;

/// Options of `dctwin view`.
#[derive(Clone, Debug, Default)]
pub struct ViewerOptions {
    /// Scenario file.
    pub file: PathBuf,
    /// Seed instead of the scenario's.
    pub seed: Option<u64>,
    /// Starting speed, simulated seconds per wall second.
    pub speed: Option<f64>,
    /// Start playing at once.
    pub play: bool,
    /// Window size, pixels.
    pub size: (u32, u32),
    /// Unattended: run to this time, save a screenshot here (and a pixel map beside it), exit.
    pub screenshot: Option<(SimDuration, PathBuf)>,
    /// Unattended: measure this many frames' times while playing, print them, exit.
    pub frame_report: Option<u32>,
    /// Operator actions to take at their times (a RON list of `(at, action, note)`), as if
    /// clicked.
    pub script: Option<PathBuf>,
    /// Save the session here when the window closes (or the unattended run ends).
    pub save_session: Option<PathBuf>,
}

/// Opens the viewer; returns the process exit code.
pub fn run(opts: ViewerOptions) -> ExitCode {
    let v = match load_valid(&opts.file) {
        Ok(v) => v,
        Err(code) => return code,
    };
    let scenario = v.loaded.scenario.clone();
    let script = match opts.script.as_deref().map(control::load_script).transpose() {
        Ok(s) => s.unwrap_or_default(),
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    let (w, h) = if opts.size.0 > 0 { opts.size } else { (1600, 900) };
    let title = format!("dctwin - {}", v.loaded.scenario.name);
    let unattended = capture::Unattended::from(&opts);
    let host = move |app: &mut App| {
        app.add_plugins((
            DefaultPlugins.set(WindowPlugin {
                primary_window: Some(Window {
                    title,
                    resolution: WindowResolution::new(w, h).with_scale_factor_override(1.0),
                    present_mode: PresentMode::AutoNoVsync,
                    ..default()
                }),
                ..default()
            }),
            MeshPickingPlugin,
        ))
        .insert_resource(WinitSettings::continuous())
        .insert_resource(ClearColor(Color::srgb(0.05, 0.06, 0.08)))
        .insert_resource(unattended)
        .add_plugins((
            scene::ScenePlugin,
            ui::UiPlugin,
            control::ControlPlugin,
            camera::CameraPlugin,
            capture::CapturePlugin,
        ))
        .configure_sets(Update, (ViewerSystems::Input, ViewerSystems::Simulate, ViewerSystems::Present).chain())
        .add_systems(Update, drive_sim.in_set(ViewerSystems::Simulate));
    };
    // Live sessions run on the scenario's fixed tick (see crate::live).
    let mut app = build_app_with(
        &v,
        BuildOptions { seed: opts.seed, max_tick: Some(scenario.tick), keep_timeseries: true, ..Default::default() },
        host,
    );
    let seed = app.world().resource::<crate::schedule::SimRng>().seed();
    let mut live = LiveSim::new(scenario, opts.file.clone(), seed);
    if let Some(s) = opts.speed {
        live.speed = s;
    }
    if opts.play {
        live.play();
    }
    for (at, action, note) in script {
        app.world_mut().resource_mut::<crate::events::ActionQueue>().push(crate::events::TimedAction {
            at_ms: at.as_ms(),
            action,
            note,
            source: crate::events::ActionSource::Operator,
        });
    }
    // The first tick at once, so the window opens on a computed site rather than on the
    // zeros before it (the session then starts at the end of that tick).
    live.step_once(app.world_mut());
    app.insert_resource(live);
    match app.run() {
        AppExit::Success => ExitCode::SUCCESS,
        AppExit::Error(code) => ExitCode::from(code.get()),
    }
}

/// The viewer's per-frame phases: input and actions, then the simulation, then what is drawn
/// from its state.
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ViewerSystems {
    /// Keyboard, buttons, picking, operator actions.
    Input,
    /// Ticks of the simulation owed by this frame.
    Simulate,
    /// Colours, labels, dashboard, charts.
    Present,
}

/// Runs the ticks this frame owes (see [`LiveSim::advance`]): wall time, unclamped, so the
/// speed is simulated seconds per real second however slow the frames are.
fn drive_sim(world: &mut World) {
    let frame_s = world.resource::<Time<Real>>().delta_secs_f64();
    world.resource_scope(|world, mut live: Mut<LiveSim>| {
        live.advance(world, frame_s);
    });
}
