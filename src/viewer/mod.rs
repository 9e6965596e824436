//! The 3D viewer (feature `viewer`).

use bevy::prelude::*;

/// Opens the viewer window.
pub fn run() -> AppExit {
    App::new().add_plugins(DefaultPlugins).run()
}
