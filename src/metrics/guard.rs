//! The numeric guard: after each tick's books, the quantities that carry the site into the next
//! tick — the electrical and cooling books and every hall's air, mass and supply state — must be
//! finite. The first one that is not stops the run at the end of that tick and is kept in
//! [`NumericFault`] (element, quantity, value, simulated time), so a NaN or an infinity never
//! spreads silently into a summary or a result file: `dctwin run` reports it and exits with
//! code 3 (the README's exit codes) without writing results.
//!
//! It reads aggregates and per-hall state only (a few dozen numbers per hall), so it costs
//! nothing next to the tick.

use bevy::prelude::*;

use crate::cooling::CoolingBooks;
use crate::power::PowerBooks;
use crate::schedule::SimClock;
use crate::thermal::{Hall, HallState};

/// The first non-finite quantity of a run, if any.
#[derive(Resource, Clone, Debug, Default, PartialEq)]
pub struct NumericFault(pub Option<Fault>);

/// A non-finite quantity: where, what and when.
#[derive(Clone, Debug, PartialEq)]
pub struct Fault {
    /// End of the tick in which it appeared, s since the run start.
    pub t_s: f64,
    /// The element (`site` for site-wide books, else a hall id).
    pub element: String,
    /// The quantity, as named in the model (`room_c`, `grid_kw`, …).
    pub quantity: &'static str,
    /// Its value (NaN or ±∞).
    pub value: f64,
}

/// The site-wide books, by name.
fn book_values(p: &PowerBooks, c: &CoolingBooks) -> [(&'static str, f64); 16] {
    [
        ("grid_kw", p.grid_kw),
        ("generator_kw", p.generator_kw),
        ("battery_discharge_kw", p.battery_discharge_kw),
        ("battery_charge_kw", p.battery_charge_kw),
        ("it_kw", p.it_kw),
        ("cooling_kw", p.cooling_kw),
        ("transformer_loss_kw", p.transformer_loss_kw),
        ("ups_loss_kw", p.ups_loss_kw),
        ("battery_loss_kw", p.battery_loss_kw),
        ("distribution_loss_kw", p.distribution_loss_kw),
        ("unserved_kw", p.unserved_kw),
        ("water_l_per_h", c.water_l_per_h),
        ("liquid_removed_kw", c.liquid_removed_kw),
        ("liquid_stored_kw", c.liquid_stored_kw),
        ("evaporative_cooling_kw", c.evaporative_cooling_kw),
        ("evaporative_water_l_per_h", c.evaporative_water_l_per_h),
    ]
}

/// A hall's state that the next tick starts from, by name. `mean_inlet_c` sums every rack's
/// inlet, so one rack's NaN shows here even though `max_inlet_c` (an `f64::max` fold) would
/// pass over it.
fn hall_values(s: &HallState) -> [(&'static str, f64); 8] {
    [
        ("room_c", s.room_c),
        ("mass_c", s.mass_c),
        ("humidity_ratio", s.humidity_ratio),
        ("supply_c", s.supply_c),
        ("supply_kg_s", s.supply_kg_s),
        ("rack_flow_kg_s", s.rack_flow_kg_s),
        ("max_inlet_c", s.max_inlet_c),
        ("mean_inlet_c", s.mean_inlet_c),
    ]
}

/// Checks this tick's books and hall states; on the first non-finite value, records it and
/// ends the run with this tick.
pub(super) fn guard_finite(
    mut clock: ResMut<SimClock>,
    power: Res<PowerBooks>,
    cooling: Res<CoolingBooks>,
    halls: Query<(&Hall, &HallState)>,
    mut fault: ResMut<NumericFault>,
) {
    if fault.0.is_some() {
        return;
    }
    let bad = |values: &[(&'static str, f64)]| values.iter().copied().find(|(_, v)| !v.is_finite());
    let found = bad(&book_values(&power, &cooling))
        .map(|(q, v)| ("site".to_owned(), q, v))
        .or_else(|| halls.iter().find_map(|(h, s)| bad(&hall_values(s)).map(|(q, v)| (h.id.clone(), q, v))));
    if let Some((element, quantity, value)) = found {
        let end_ms = clock.t_ms + clock.dt.as_ms();
        fault.0 = Some(Fault { t_s: end_ms as f64 / 1_000.0, element, quantity, value });
        clock.end_ms = end_ms;
    }
}
