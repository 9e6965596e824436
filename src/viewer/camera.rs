//! The camera: orbit (right drag), pan (middle drag, or shift + right drag, or WASD), zoom
//! (wheel), and preset views: `0` the whole site, `1`–`9` a hall, `G` the generator yard.

use bevy::core_pipeline::tonemapping::Tonemapping;
use bevy::input::mouse::{AccumulatedMouseMotion, AccumulatedMouseScroll, MouseScrollUnit};
use bevy::prelude::*;

use super::ViewerSystems;
use super::scene::SiteLayout;

/// An orbiting camera: it looks at `target` from `distance` along `yaw` and `pitch`.
#[derive(Component, Clone, Copy, Debug)]
pub struct OrbitCam {
    /// Point looked at, m.
    pub target: Vec3,
    /// Angle around the vertical, rad.
    pub yaw: f32,
    /// Angle above the horizon, rad.
    pub pitch: f32,
    /// Distance from the target, m.
    pub distance: f32,
}

impl OrbitCam {
    /// The camera's transform.
    pub fn transform(&self) -> Transform {
        let (sy, cy) = self.yaw.sin_cos();
        let (sp, cp) = self.pitch.sin_cos();
        let eye = self.target + self.distance * Vec3::new(cp * sy, sp, cp * cy);
        Transform::from_translation(eye).looking_at(self.target, Vec3::Y)
    }
}

/// A preset view.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    /// The whole site.
    Site,
    /// Hall `i` (0-based).
    Hall(usize),
    /// The generator yard and tanks.
    Yard,
}

/// The camera looking at `view` of `site`.
pub fn preset(view: View, site: &SiteLayout) -> OrbitCam {
    let (lo, hi) = site.bounds;
    match view {
        View::Site => {
            let lo = lo.min(site.yard - Vec3::new(0.0, 0.0, 15.0)).min(site.electrical);
            let span = (hi - lo).max_element().max(20.0);
            OrbitCam { target: (lo + hi) / 2.0, yaw: 0.35, pitch: 0.95, distance: span * 1.05 }
        }
        View::Hall(i) => site.halls.get(i).map_or_else(
            || preset(View::Site, site),
            |h| OrbitCam { target: h.centre(), yaw: 0.2, pitch: 1.0, distance: h.size.0.max(h.size.1 * 1.6) * 0.95 },
        ),
        View::Yard => OrbitCam { target: site.yard, yaw: -0.4, pitch: 0.75, distance: 90.0 },
    }
}

/// Spawns and moves the camera.
pub struct CameraPlugin;

impl Plugin for CameraPlugin {
    fn build(&self, app: &mut App) {
        app.add_systems(PostStartup, spawn_camera).add_systems(Update, orbit.in_set(ViewerSystems::Input));
    }
}

fn spawn_camera(mut commands: Commands, site: Res<SiteLayout>) {
    let cam = preset(if site.halls.len() == 1 { View::Hall(0) } else { View::Site }, &site);
    // No tonemapping: racks keep the hue of their palette colour (the legend's, and the
    // render test's).
    // No multisampling: edges are a little harder, but a software renderer (llvmpipe) draws
    // a frame in roughly half the time.
    commands.spawn((Camera3d::default(), Tonemapping::None, Msaa::Off, cam.transform(), cam));
}

/// Mouse and keyboard camera control; number keys and `G` jump to presets.
#[allow(clippy::too_many_arguments)]
fn orbit(
    mut cams: Query<(&mut Transform, &mut OrbitCam)>,
    site: Option<Res<SiteLayout>>,
    keys: Res<ButtonInput<KeyCode>>,
    buttons: Res<ButtonInput<MouseButton>>,
    motion: Res<AccumulatedMouseMotion>,
    scroll: Res<AccumulatedMouseScroll>,
    time: Res<Time>,
    prompt: Res<super::control::Prompt>,
) {
    let Some(site) = site else { return };
    let Ok((mut tf, mut cam)) = cams.single_mut() else { return };
    if prompt.0.is_none() {
        let digits = [
            KeyCode::Digit1,
            KeyCode::Digit2,
            KeyCode::Digit3,
            KeyCode::Digit4,
            KeyCode::Digit5,
            KeyCode::Digit6,
            KeyCode::Digit7,
            KeyCode::Digit8,
            KeyCode::Digit9,
        ];
        if keys.just_pressed(KeyCode::Digit0) {
            *cam = preset(View::Site, &site);
        }
        for (i, k) in digits.iter().enumerate() {
            if keys.just_pressed(*k) {
                *cam = preset(View::Hall(i), &site);
            }
        }
        if keys.just_pressed(KeyCode::KeyG) {
            *cam = preset(View::Yard, &site);
        }
        // WASD pans in the ground plane, Q/E turn.
        let dt = time.delta_secs();
        let forward = Vec3::new(-cam.yaw.sin(), 0.0, -cam.yaw.cos());
        let right = Vec3::new(cam.yaw.cos(), 0.0, -cam.yaw.sin());
        let speed = cam.distance * 0.8 * dt;
        let mut pan = Vec3::ZERO;
        if keys.pressed(KeyCode::KeyW) {
            pan += forward;
        }
        if keys.pressed(KeyCode::KeyS) && !keys.pressed(KeyCode::ControlLeft) {
            pan -= forward;
        }
        if keys.pressed(KeyCode::KeyD) {
            pan += right;
        }
        if keys.pressed(KeyCode::KeyA) && !keys.pressed(KeyCode::ShiftLeft) {
            pan -= right;
        }
        cam.target += pan * speed;
        if keys.pressed(KeyCode::KeyQ) {
            cam.yaw += 1.2 * dt;
        }
        if keys.pressed(KeyCode::KeyE) {
            cam.yaw -= 1.2 * dt;
        }
    }
    let shift = keys.pressed(KeyCode::ShiftLeft) || keys.pressed(KeyCode::ShiftRight);
    if buttons.pressed(MouseButton::Middle) || (buttons.pressed(MouseButton::Right) && shift) {
        let right = Vec3::new(cam.yaw.cos(), 0.0, -cam.yaw.sin());
        let forward = Vec3::new(-cam.yaw.sin(), 0.0, -cam.yaw.cos());
        let k = cam.distance * 0.0015;
        cam.target += (-right * motion.delta.x + forward * motion.delta.y) * k;
    } else if buttons.pressed(MouseButton::Right) {
        cam.yaw -= motion.delta.x * 0.005;
        cam.pitch = (cam.pitch + motion.delta.y * 0.005).clamp(0.08, 1.55);
    }
    let lines = match scroll.unit {
        MouseScrollUnit::Line => scroll.delta.y,
        MouseScrollUnit::Pixel => scroll.delta.y / 40.0,
    };
    cam.distance = (cam.distance * (1.0 - 0.1 * lines)).clamp(3.0, 5_000.0);
    *tf = cam.transform();
}
