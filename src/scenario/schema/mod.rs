//! The scenario file format, one file per domain; [`super::Scenario`] ties them together.
//! Every field carries its unit in its name (or is a [`crate::units::SimDuration`]); unknown
//! fields are rejected. Defaults sit beside the fields they fill, each with its source.

pub mod cooling;
pub mod economics;
pub mod events;
pub mod fuel;
pub mod halls;
pub mod power;
pub mod site;
pub mod workloads;

pub use cooling::*;
pub use economics::*;
pub use events::*;
pub use fuel::*;
pub use halls::*;
pub use power::*;
pub use site::*;
pub use workloads::*;
