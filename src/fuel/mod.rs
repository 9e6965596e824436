//! Diesel: tanks, burn, day-tank transfer, tanker deliveries, autonomy and the Seveso class.
//! See [`FuelPlugin`].
//!
//! - Each running generator burns `F = a·P_rated + b·P` L/h (docs/physics.md §5.1) from its tank; a
//!   generator whose tank has no usable fuel left stops.
//! - Usable fuel is the level above the tank's unusable bottom: `level − (1 − usable)·capacity`
//!   (docs/physics.md §5.3: 90–95 % usable).
//! - Day tanks refill from their bulk tank with a transfer pump (start/stop levels, rate).
//! - Tankers (30–36 m³) arrive after the lead time, at most `trucks_per_hour`, and unload at
//!   the pump rate into the ullage of the tank; orders come from events or automatically
//!   when site autonomy falls below a threshold.
//! - Autonomy = usable fuel / burn. On utility, the burn is what the generators would burn
//!   carrying the site's present load.
//! - Seveso III (Dir. 2012/18/EU, Annex I part 2 entry 34): petroleum products, lower tier
//!   2 500 t, upper tier 25 000 t; diesel at 0.835 kg/L (docs/physics.md §5.2, §5.4).

use bevy::prelude::*;
use serde::{Deserialize, Serialize};

use crate::events::Action;
use crate::events::{DueActions, EventKind, EventLog, EventPhase, Severity};
use crate::power::generator::{GenState, fuel_l_per_h};
use crate::power::{Generator, PowerBooks};
use crate::schedule::{SimClock, SimSchedule, SimStep};
use crate::units::{S_PER_H, SimDuration};

/// Diesel density, kg/L (docs/physics.md §5.2: EN 590 0.820–0.845; sim default 0.835).
pub const DIESEL_DENSITY_KG_PER_L: f64 = 0.835;
/// CO₂ per litre of diesel burned, kg/L (docs/physics.md §5.2: IPCC 74.1 t/TJ × 43 MJ/kg × 0.835 kg/L).
pub const DIESEL_CO2_KG_PER_L: f64 = 2.65;
/// Seveso III lower-tier threshold for petroleum products, t (docs/physics.md §5.4 \[V\]).
pub const SEVESO_LOWER_T: f64 = 2_500.0;
/// Seveso III upper-tier threshold, t (docs/physics.md §5.4 \[V\]).
pub const SEVESO_UPPER_T: f64 = 25_000.0;
/// Autonomy below which a low-fuel alarm is raised, h (Uptime: 12 h minimum on-site fuel, docs/physics.md §4.5).
pub const LOW_FUEL_AUTONOMY_H: f64 = 12.0;

/// Seveso III class of a stored mass of petroleum products.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SevesoClass {
    /// Below 2 500 t.
    #[default]
    NotSeveso,
    /// 2 500 t or more.
    LowerTier,
    /// 25 000 t or more.
    UpperTier,
}

impl SevesoClass {
    /// Class of `tonnes` of diesel.
    pub fn of_tonnes(tonnes: f64) -> Self {
        if tonnes >= SEVESO_UPPER_T {
            SevesoClass::UpperTier
        } else if tonnes >= SEVESO_LOWER_T {
            SevesoClass::LowerTier
        } else {
            SevesoClass::NotSeveso
        }
    }

    /// Label.
    pub fn label(self) -> &'static str {
        match self {
            SevesoClass::NotSeveso => "below Seveso thresholds",
            SevesoClass::LowerTier => "Seveso lower tier",
            SevesoClass::UpperTier => "Seveso upper tier",
        }
    }
}

/// A diesel tank.
#[derive(Component, Clone, Debug)]
pub struct FuelTank {
    /// Id.
    pub id: String,
    /// Role.
    pub kind: TankKind,
    /// Geometric capacity, L.
    pub capacity_l: f64,
    /// Level, L.
    pub level_l: f64,
    /// Usable share of the capacity.
    pub usable_fraction: f64,
    /// Bulk tank that refills this day tank.
    pub fill_from: Option<Entity>,
    /// Transfer pump rate, L/h.
    pub pump_l_per_h: f64,
    /// Pump start level, L.
    pub pump_start_l: f64,
    /// Pump stop level, L.
    pub pump_stop_l: f64,
    /// Pump running.
    pub pumping: bool,
    /// Empty alarm raised.
    pub empty_logged: bool,
}

impl FuelTank {
    /// Fuel above the unusable bottom, L.
    pub fn usable_l(&self) -> f64 {
        (self.level_l - (1.0 - self.usable_fraction) * self.capacity_l).max(0.0)
    }

    /// Free volume, L.
    pub fn ullage_l(&self) -> f64 {
        (self.capacity_l - self.level_l).max(0.0)
    }

    /// Takes up to `l` of usable fuel; returns what it got.
    pub fn draw(&mut self, l: f64) -> f64 {
        let got = l.min(self.usable_l()).max(0.0);
        self.level_l -= got;
        got
    }
}

/// A tanker on its way or unloading.
#[derive(Clone, Debug)]
pub struct Tanker {
    /// Receiving tank.
    pub tank: Entity,
    /// Arrival, ms.
    pub arrive_at_ms: u64,
    /// Fuel left on board, L.
    pub remaining_l: f64,
    /// Arrival logged.
    pub arrived: bool,
}

/// Fuel logistics and this tick's books.
#[derive(Resource, Clone, Debug, Default)]
pub struct FuelState {
    /// Tanker settings.
    pub tanker: TankerLogistics,
    /// Tankers ordered, in arrival order.
    pub tankers: Vec<Tanker>,
    /// Automatic ordering `(tank, below_autonomy_h, tankers)`.
    pub auto_order: Option<(Entity, f64, u32)>,
    /// Site burn this tick, L/h.
    pub burn_l_per_h: f64,
    /// Burn the generators would have carrying the present load, L/h.
    pub design_burn_l_per_h: f64,
    /// Usable fuel on site, L.
    pub usable_l: f64,
    /// Fuel on site, L.
    pub stored_l: f64,
    /// Tank capacity on site, L.
    pub capacity_l: f64,
    /// Autonomy at the present burn, h.
    pub autonomy_h: f64,
    /// Burned this tick, L.
    pub burned_l: f64,
    /// Delivered this tick, L.
    pub delivered_l: f64,
    /// Tankers delivered so far.
    pub deliveries: u32,
    /// Low-fuel alarm raised.
    pub low_logged: bool,
}

/// Autonomy below which the adaptive step holds its shortest tick, so that the moment the
/// generators run dry is timed to the tick, h [U: one hour ≫ the longest adaptive tick].
pub const LOW_AUTONOMY_WATCH_H: f64 = 1.0;

impl FuelState {
    /// Why fuel logistics need the shortest tick (less than [`LOW_AUTONOMY_WATCH_H`] of fuel
    /// left), and the next time a tick must not step over, ms: a tanker arriving or the one
    /// unloading running empty.
    pub fn steadiness(&self, t_ms: u64) -> (Option<&'static str>, Option<u64>) {
        let arrival = self.tankers.iter().map(|tr| tr.arrive_at_ms).filter(|&a| a > t_ms).min();
        // A truck pumps at a constant rate (exact at any tick) until it is empty: the tick
        // must end when the first one unloading runs empty, so the next starts on time.
        let rate_l_per_ms = self.tanker.pump_l_per_min / 60_000.0;
        let emptied = self
            .tankers
            .iter()
            .filter(|tr| tr.arrive_at_ms <= t_ms && rate_l_per_ms > 0.0)
            .map(|tr| t_ms + (tr.remaining_l / rate_l_per_ms).ceil() as u64)
            .min();
        let next = [arrival, emptied].into_iter().flatten().min();
        let why = (self.burn_l_per_h > 0.0 && self.autonomy_h < LOW_AUTONOMY_WATCH_H).then_some("fuel running out");
        (why, next)
    }
}

/// The fuel domain.
#[derive(Default)]
pub struct FuelPlugin;

impl Plugin for FuelPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<FuelState>()
            .add_systems(SimSchedule, apply_fuel_actions.in_set(EventPhase::Fuel))
            .add_systems(
                SimSchedule,
                (burn_fuel, transfer_fuel, deliver_fuel, fuel_autonomy).chain().in_set(SimStep::Fuel),
            );
    }
}

/// Queues `n` tankers for `tank`: the first after the lead time, then one every
/// `1/trucks_per_hour`.
pub fn order_tankers(state: &mut FuelState, tank: Entity, n: u32, now_ms: u64) {
    let lead = state.tanker.lead_time.as_ms();
    let gap_ms = (S_PER_H / state.tanker.trucks_per_hour.max(1e-6) * 1_000.0) as u64;
    // Trucks already queued keep their slots; new ones follow the last.
    let mut next = (now_ms + lead).max(state.tankers.last().map_or(0, |t| t.arrive_at_ms + gap_ms));
    for _ in 0..n {
        state.tankers.push(Tanker { tank, arrive_at_ms: next, remaining_l: state.tanker.volume_l, arrived: false });
        next += gap_ms;
    }
}

fn apply_fuel_actions(
    clock: Res<SimClock>,
    due: Res<DueActions>,
    mut state: ResMut<FuelState>,
    mut log: ResMut<EventLog>,
    tanks: Query<(Entity, &FuelTank)>,
) {
    for a in &due.0 {
        match &a.action {
            Action::OrderFuel { tank, tankers } => {
                if let Some((e, _)) = tanks.iter().find(|(_, t)| t.id == *tank) {
                    order_tankers(&mut state, e, *tankers, clock.t_ms);
                    log.log(
                        clock.t_s(),
                        EventKind::FuelOrdered,
                        Severity::Info,
                        tank,
                        format!("{tankers} tanker(s) ordered"),
                        Some(f64::from(*tankers)),
                    );
                }
            }
            Action::DelayDeliveries { by } => {
                for t in state.tankers.iter_mut().filter(|t| !t.arrived) {
                    t.arrive_at_ms += by.as_ms();
                }
            }
            _ => {}
        }
    }
}

fn burn_fuel(
    clock: Res<SimClock>,
    mut state: ResMut<FuelState>,
    mut log: ResMut<EventLog>,
    mut gens: Query<&mut Generator>,
    mut tanks: Query<&mut FuelTank>,
) {
    let dt_h = clock.dt_s() / S_PER_H;
    state.burn_l_per_h = 0.0;
    state.burned_l = 0.0;
    for mut g in &mut gens {
        let Ok(mut tank) = tanks.get_mut(g.tank) else { continue };
        if g.state == GenState::Running {
            let rate = fuel_l_per_h(&g.fuel_curve, g.rating_kw, g.output_kw);
            let want = rate * dt_h;
            let got = tank.draw(want);
            state.burn_l_per_h += rate;
            state.burned_l += got;
            g.run_s += clock.dt_s();
            if g.output_kw < crate::power::generator::WET_STACKING_FRACTION * g.rating_kw {
                g.light_load_s += clock.dt_s();
                if g.light_load_s >= crate::power::generator::WET_STACKING_WARN_S
                    && g.light_load_s - clock.dt_s() < crate::power::generator::WET_STACKING_WARN_S
                {
                    log.log(
                        clock.t_s(),
                        EventKind::WetStacking,
                        Severity::Warning,
                        &g.id,
                        "running below 30 % load for 30 min: wet-stacking risk",
                        Some(g.output_kw / g.rating_kw),
                    );
                }
            } else {
                g.light_load_s = 0.0;
            }
        }
        check_fuel_supply(&mut g, &mut tank, clock.t_s(), &mut log);
    }
}

/// Whether a set still has fuel for the next tick; a tank found without usable fuel is logged
/// once.
fn check_fuel_supply(g: &mut Generator, tank: &mut FuelTank, t_s: f64, log: &mut EventLog) {
    g.fuel_ok = tank.usable_l() > 0.0;
    if !g.fuel_ok && !tank.empty_logged {
        tank.empty_logged = true;
        log.log(t_s, EventKind::TankEmpty, Severity::Critical, &tank.id, "tank has no usable fuel left", None);
    }
}

fn transfer_fuel(clock: Res<SimClock>, mut tanks: Query<(Entity, &mut FuelTank)>) {
    let dt_h = clock.dt_s() / S_PER_H;
    let days: Vec<Entity> = tanks.iter().filter(|(_, t)| t.fill_from.is_some()).map(|(e, _)| e).collect();
    for day in days {
        let (source, want) = {
            let (_, mut t) = tanks.get_mut(day).expect("listed above");
            if t.level_l <= t.pump_start_l {
                t.pumping = true;
            }
            if t.level_l >= t.pump_stop_l {
                t.pumping = false;
            }
            if !t.pumping {
                continue;
            }
            (t.fill_from.expect("filtered"), (t.pump_l_per_h * dt_h).min(t.pump_stop_l - t.level_l).max(0.0))
        };
        let got = tanks.get_mut(source).map_or(0.0, |(_, mut s)| s.draw(want));
        if let Ok((_, mut t)) = tanks.get_mut(day) {
            t.level_l += got;
            if got > 0.0 {
                t.empty_logged = false;
            }
        }
    }
}

fn deliver_fuel(
    clock: Res<SimClock>,
    mut state: ResMut<FuelState>,
    mut log: ResMut<EventLog>,
    mut tanks: Query<&mut FuelTank>,
) {
    let dt_min = clock.dt_s() / 60.0;
    let rate = state.tanker.pump_l_per_min;
    let t = clock.t_s();
    state.delivered_l = 0.0;
    let mut delivered = 0.0;
    let mut finished = 0;
    // Trucks unload one at a time per tank, in arrival order.
    let mut busy: Vec<Entity> = Vec::new();
    for truck in state.tankers.iter_mut() {
        if truck.arrive_at_ms > clock.t_ms || busy.contains(&truck.tank) {
            continue;
        }
        let Ok(mut tank) = tanks.get_mut(truck.tank) else { continue };
        if !truck.arrived {
            truck.arrived = true;
            log.log(
                t,
                EventKind::FuelDelivered,
                Severity::Info,
                &tank.id,
                format!("tanker arrived with {:.0} L", truck.remaining_l),
                Some(truck.remaining_l),
            );
        }
        busy.push(truck.tank);
        let pumped = (rate * dt_min).min(truck.remaining_l).min(tank.ullage_l());
        tank.level_l += pumped;
        tank.empty_logged = false;
        truck.remaining_l -= pumped;
        delivered += pumped;
        if truck.remaining_l <= 1e-9 || tank.ullage_l() <= 1e-9 {
            finished += 1;
            if truck.remaining_l > 1e-9 {
                log.log(
                    t,
                    EventKind::FuelDelivered,
                    Severity::Warning,
                    &tank.id,
                    format!("tank full: tanker leaves with {:.0} L", truck.remaining_l),
                    Some(truck.remaining_l),
                );
            }
            truck.remaining_l = 0.0;
        }
    }
    state.tankers.retain(|tr| tr.remaining_l > 0.0);
    state.deliveries += finished;
    state.delivered_l = delivered;
}

fn fuel_autonomy(
    clock: Res<SimClock>,
    mut state: ResMut<FuelState>,
    mut log: ResMut<EventLog>,
    books: Res<PowerBooks>,
    mut tanks: Query<(Entity, &mut FuelTank)>,
    mut gens: Query<&mut Generator>,
) {
    // After burn, transfer and deliveries: which sets still have fuel for the next tick.
    for mut g in &mut gens {
        let Ok((_, mut tank)) = tanks.get_mut(g.tank) else { continue };
        check_fuel_supply(&mut g, &mut tank, clock.t_s(), &mut log);
    }
    let tanks = tanks.as_readonly();
    let gens = gens.as_readonly();
    state.usable_l = tanks.iter().map(|(_, t)| t.usable_l()).sum();
    // Folded from +0.0: a float `sum()` of no tanks is −0.0, which the summary printed as
    // "-0.000 L".
    state.stored_l = tanks.iter().fold(0.0, |l, (_, t)| l + t.level_l);
    state.capacity_l = tanks.iter().fold(0.0, |l, (_, t)| l + t.capacity_l);
    // Burn if the generators carried the site's present load: all sets running, sharing it.
    let rated: f64 = gens.iter().map(|g| g.rating_kw).sum();
    let site_kw = books.it_kw + books.cooling_kw + books.losses_kw();
    state.design_burn_l_per_h =
        gens.iter().map(|g| fuel_l_per_h(&g.fuel_curve, g.rating_kw, site_kw * g.rating_kw / rated.max(1e-9))).sum();
    let burn = if state.burn_l_per_h > 0.0 { state.burn_l_per_h } else { state.design_burn_l_per_h };
    state.autonomy_h = if burn > 0.0 { state.usable_l / burn } else { f64::INFINITY };
    if state.burn_l_per_h > 0.0 && state.autonomy_h < LOW_FUEL_AUTONOMY_H && !state.low_logged {
        state.low_logged = true;
        log.log(
            clock.t_s(),
            EventKind::FuelLow,
            Severity::Alarm,
            "site",
            format!("fuel autonomy {:.1} h at the present burn", state.autonomy_h),
            Some(state.autonomy_h),
        );
    } else if state.autonomy_h >= LOW_FUEL_AUTONOMY_H * 1.1 {
        state.low_logged = false;
    }
    if let Some((tank, below_h, n)) = state.auto_order {
        let pending = state.tankers.iter().any(|t| !t.arrived);
        if state.burn_l_per_h > 0.0 && state.autonomy_h < below_h && !pending {
            order_tankers(&mut state, tank, n, clock.t_ms);
            let id = tanks.get(tank).map_or("tank".to_owned(), |(_, t)| t.id.clone());
            log.log(
                clock.t_s(),
                EventKind::FuelOrdered,
                Severity::Info,
                id,
                format!("automatic order: {n} tanker(s), autonomy {:.1} h", state.autonomy_h),
                Some(state.autonomy_h),
            );
        }
    }
}

/// Tank role.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub enum TankKind {
    /// Bulk storage.
    #[default]
    Bulk,
    /// Day tank beside an engine, refilled from a bulk tank by a transfer pump.
    Day,
}

/// Road tanker logistics (docs/physics.md §5.3).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TankerLogistics {
    /// Payload per tanker, L (EU 30 000–36 000).
    #[serde(default = "defaults::tanker_l")]
    pub volume_l: f64,
    /// From order to first arrival.
    #[serde(default = "defaults::lead_time")]
    pub lead_time: SimDuration,
    /// Tankers that can arrive per hour.
    #[serde(default = "defaults::trucks_per_hour")]
    pub trucks_per_hour: f64,
    /// Unloading pump rate, L/min (docs/physics.md §5.3: 1–2 m³/min).
    #[serde(default = "defaults::unload_l_per_min")]
    pub pump_l_per_min: f64,
}
impl Default for TankerLogistics {
    fn default() -> Self {
        Self {
            volume_l: defaults::tanker_l(),
            lead_time: defaults::lead_time(),
            trucks_per_hour: defaults::trucks_per_hour(),
            pump_l_per_min: defaults::unload_l_per_min(),
        }
    }
}

/// Default values of optional parameters, each with its source.
pub(crate) mod defaults {
    use crate::units::SimDuration;

    pub(crate) fn lead_time() -> SimDuration {
        SimDuration::from_hours(8) // docs/physics.md §5.3: 4–24 h priority contract [U]
    }
    pub(crate) fn tanker_l() -> f64 {
        33_000.0 // docs/physics.md §5.3: EU tanker 30 000–36 000 L [S]
    }
    pub(crate) fn trucks_per_hour() -> f64 {
        2.0 // [U]
    }
    pub(crate) fn unload_l_per_min() -> f64 {
        1_500.0 // docs/physics.md §5.3: 1–2 m³/min [U]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seveso_lower_tier_is_reached_at_about_88_h_for_a_100_mw_site() {
        // docs/physics.md §5.4: 100 MW IT at PUE 1.3 on generators; 2 500 t ≈ 2 990 m³ ≈ 88 h.
        let site_kw = 100_000.0 * 1.3;
        let sets = (site_kw / 2_000.0_f64).ceil();
        let burn = fuel_l_per_h(&crate::power::generator::FuelCurve::default(), 2_000.0, site_kw / sets) * sets;
        let litres_lower = SEVESO_LOWER_T * 1_000.0 / DIESEL_DENSITY_KG_PER_L;
        let hours = litres_lower / burn;
        assert!((hours - 88.0).abs() < 4.0, "{hours:.1} h");
        assert_eq!(SevesoClass::of_tonnes(2_499.0), SevesoClass::NotSeveso);
        assert_eq!(SevesoClass::of_tonnes(2_500.0), SevesoClass::LowerTier);
        assert_eq!(SevesoClass::of_tonnes(30_000.0), SevesoClass::UpperTier);
    }

    #[test]
    fn tank_keeps_its_unusable_bottom() {
        let mut t = FuelTank {
            id: "t".into(),
            kind: TankKind::Bulk,
            capacity_l: 1_000.0,
            level_l: 500.0,
            usable_fraction: 0.95,
            fill_from: None,
            pump_l_per_h: 0.0,
            pump_start_l: 0.0,
            pump_stop_l: 0.0,
            pumping: false,
            empty_logged: false,
        };
        assert!((t.usable_l() - 450.0).abs() < 1e-9);
        assert!((t.draw(1_000.0) - 450.0).abs() < 1e-9);
        assert!((t.level_l - 50.0).abs() < 1e-9);
        assert!(t.usable_l() < 1e-9);
    }
}
