//! UPS systems and their batteries (docs/physics.md §4.1–4.2).
//!
//! Losses: `P_loss = a·P_rated + b·P + c·P²/P_rated` (Schneider WP113 shape), default
//! double conversion a = 1 %, b = 2 %, c = 1 % (95.7 % at 50 % load), eco mode
//! a = 0.5 %, b = 0.5 %, c = 0.2 % (≈ 98.8 %, docs/physics.md §4.1: 98–99 %).
//!
//! Battery with Peukert-style high-rate derating (docs/physics.md §4.2). Nameplate energy `E` holds at
//! the 20-hour rate `P_ref = E/20 h`; at DC power `P` the chemical energy drains at
//!
//! ```text
//! D(P) = P · max(1, (P/P_ref)^(k−1))           k: VRLA 1.15, Li-ion 1.03
//! ```
//!
//! so runtime at load fraction x scales as `x^(−k)` and a 5-minute VRLA discharge delivers
//! ≈ 50 % of nameplate (docs/physics.md §4.2: 50–60 %). The user gives the data-sheet autonomy `t_r` at
//! rated load; the nameplate follows as `E = P_r · (t_r · (20 h)^(k−1))^(1/k)`.
//! Recharge is limited to a share of the UPS rating, tapers linearly above 90 % state of
//! charge (constant-voltage phase) and stores `η_charge` of what it draws.
//!
//! Overload (docs/physics.md §4.2): 110 % for 10 min, 125 % and 150 % for 1 min, more than 150 %
//! at once; an overload integral `Σ dt / t_allowed(x)` reaching 1 sends the load to static
//! bypass (if the input is live) or drops it.

use serde::{Deserialize, Serialize};

use super::*;
/// Reference discharge time at which battery nameplate energy holds (Peukert), h.
pub const PEUKERT_REFERENCE_H: f64 = 20.0;
/// Peukert exponent of VRLA batteries (docs/physics.md §4.2: 1.1–1.3 \[U\]).
pub const PEUKERT_K_VRLA: f64 = 1.15;
/// Peukert exponent of Li-ion batteries (docs/physics.md §4.2: 1.02–1.05 \[U\]).
pub const PEUKERT_K_LIION: f64 = 1.03;
/// Charge efficiency of VRLA batteries [U: ~85 % typical].
pub const CHARGE_EFF_VRLA: f64 = 0.85;
/// Charge efficiency of Li-ion batteries [U: ~95 % typical].
pub const CHARGE_EFF_LIION: f64 = 0.95;
/// State of charge above which recharge tapers (CV phase) \[U\].
pub const TAPER_SOC: f64 = 0.9;
/// Overload allowances: (load fraction, allowed seconds), docs/physics.md §4.2 [U typical vendor].
pub const OVERLOAD_TABLE: [(f64, f64); 3] = [(1.10, 600.0), (1.25, 60.0), (1.50, 60.0)];
/// Seconds below 100 % load before a UPS on overload bypass returns to its inverter \[U\].
pub const BYPASS_RETURN_S: f64 = 10.0;
/// Overload integral recovery time when not overloaded, s \[U\].
pub const OVERLOAD_RECOVERY_S: f64 = 600.0;

/// Loss model `a·P_rated + b·P + c·P²/P_rated` with fractions (not %).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LossModel {
    /// No-load fraction of rating.
    pub a: f64,
    /// Proportional fraction.
    pub b: f64,
    /// Square-law fraction at rated load.
    pub c: f64,
}

impl LossModel {
    /// From a scenario's percentages.
    pub fn from_pct(l: &LossCoefficients) -> Self {
        Self { a: l.no_load_pct / 100.0, b: l.proportional_pct / 100.0, c: l.square_pct / 100.0 }
    }

    /// Double-conversion UPS default (docs/physics.md §4.1 [U coefficients]).
    pub const DOUBLE_CONVERSION: LossModel = LossModel { a: 0.01, b: 0.02, c: 0.01 };
    /// Eco-mode UPS default (docs/physics.md §4.1: 98–99 % \[S\]).
    pub const ECO: LossModel = LossModel { a: 0.005, b: 0.005, c: 0.002 };

    /// Loss at output `p_kw` of an element rated `rated_kw`, kW (energised elements only).
    pub fn loss_kw(&self, p_kw: f64, rated_kw: f64) -> f64 {
        if rated_kw <= 0.0 {
            return 0.0;
        }
        self.a * rated_kw + self.b * p_kw + self.c * p_kw * p_kw / rated_kw
    }

    /// Efficiency at output `p_kw`.
    pub fn efficiency(&self, p_kw: f64, rated_kw: f64) -> f64 {
        p_kw / (p_kw + self.loss_kw(p_kw, rated_kw))
    }
}

/// Where the UPS's output comes from this tick.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UpsState {
    /// Input healthy: rectifier and inverter (or eco bypass path) carry the load.
    Online,
    /// Input lost or not admitted: the battery carries the load.
    OnBattery,
    /// Static bypass: raw input feeds the load (after a fault or an overload).
    Bypass,
    /// No output: battery exhausted, or fault with no live input.
    Off,
}

/// A UPS battery.
#[derive(Clone, Debug, PartialEq)]
pub struct Battery {
    /// Nameplate (20-hour-rate) energy, kWh.
    pub capacity_kwh: f64,
    /// Stored chemical energy, kWh.
    pub energy_kwh: f64,
    /// Peukert exponent.
    pub peukert_k: f64,
    /// Charge efficiency.
    pub charge_eff: f64,
    /// Maximum recharge power drawn from the input, kW.
    pub recharge_max_kw: f64,
}

impl Battery {
    /// A battery that gives `spec.autonomy_min` at `rated_dc_kw` of DC power from full.
    pub fn from_spec(spec: &BatteryParams, rated_dc_kw: f64, ups_rating_kw: f64) -> Self {
        let k = spec.peukert_k.unwrap_or(match spec.chemistry {
            Chemistry::Vrla => PEUKERT_K_VRLA,
            Chemistry::LiIon => PEUKERT_K_LIION,
        });
        let t_r_h = spec.autonomy_min / 60.0;
        let capacity_kwh = rated_dc_kw * (t_r_h * PEUKERT_REFERENCE_H.powf(k - 1.0)).powf(1.0 / k);
        Self {
            capacity_kwh,
            energy_kwh: capacity_kwh * (spec.initial_soc_pct / 100.0).clamp(0.0, 1.0),
            peukert_k: k,
            charge_eff: match spec.chemistry {
                Chemistry::Vrla => CHARGE_EFF_VRLA,
                Chemistry::LiIon => CHARGE_EFF_LIION,
            },
            recharge_max_kw: ups_rating_kw * spec.recharge_pct / 100.0,
        }
    }

    /// State of charge, 0–1.
    pub fn soc(&self) -> f64 {
        if self.capacity_kwh > 0.0 { self.energy_kwh / self.capacity_kwh } else { 0.0 }
    }

    /// Chemical drain rate for DC power `p_kw` (Peukert), kW.
    pub fn drain_kw(&self, p_kw: f64) -> f64 {
        let p_ref = self.capacity_kwh / PEUKERT_REFERENCE_H;
        if p_kw <= 0.0 || p_ref <= 0.0 {
            return p_kw.max(0.0);
        }
        p_kw * (p_kw / p_ref).powf(self.peukert_k - 1.0).max(1.0)
    }

    /// Runtime from the present charge at constant DC power `p_kw`, s.
    pub fn runtime_s(&self, p_kw: f64) -> f64 {
        let d = self.drain_kw(p_kw);
        if d <= 0.0 { f64::INFINITY } else { self.energy_kwh / d * 3_600.0 }
    }

    /// Whether the battery holds the chemical energy to give `p_kw` of DC power for all of
    /// `dt_s` (what [`Battery::discharge`] delivers in full).
    pub fn can_carry(&self, p_kw: f64, dt_s: f64) -> bool {
        self.drain_kw(p_kw) * dt_s / 3_600.0 <= self.energy_kwh
    }

    /// Discharges `p_kw` of DC power for `dt_s`. Returns `(delivered_fraction, chemical_kwh)`:
    /// the share of the tick the battery carried the load before running empty, and the
    /// chemical energy taken.
    pub fn discharge(&mut self, p_kw: f64, dt_s: f64) -> (f64, f64) {
        let d = self.drain_kw(p_kw);
        let need_kwh = d * dt_s / 3_600.0;
        if need_kwh <= self.energy_kwh {
            self.energy_kwh -= need_kwh;
            (1.0, need_kwh)
        } else {
            let frac = if need_kwh > 0.0 { self.energy_kwh / need_kwh } else { 1.0 };
            let taken = self.energy_kwh;
            self.energy_kwh = 0.0;
            (frac, taken)
        }
    }

    /// Recharge power drawn from the input this tick, kW (limited, tapered, never overfilling).
    pub fn recharge_demand_kw(&self, dt_s: f64) -> f64 {
        let soc = self.soc();
        if soc >= 1.0 || dt_s <= 0.0 {
            return 0.0;
        }
        let taper = if soc > TAPER_SOC { (1.0 - soc) / (1.0 - TAPER_SOC) } else { 1.0 };
        let to_full_kw = (self.capacity_kwh - self.energy_kwh) * 3_600.0 / dt_s / self.charge_eff;
        (self.recharge_max_kw * taper).min(to_full_kw)
    }

    /// Stores the energy from `p_kw` of recharge for `dt_s`; returns the kWh stored.
    pub fn charge(&mut self, p_kw: f64, dt_s: f64) -> f64 {
        let stored = (p_kw * dt_s / 3_600.0 * self.charge_eff).min(self.capacity_kwh - self.energy_kwh);
        self.energy_kwh += stored;
        stored
    }
}

/// Seconds a UPS may carry `load_fraction` of its rating (∞ at or below 1.0, 0 above 1.5).
pub fn overload_allowed_s(load_fraction: f64) -> f64 {
    if load_fraction <= 1.0 {
        return f64::INFINITY;
    }
    for (limit, seconds) in OVERLOAD_TABLE {
        if load_fraction <= limit {
            return seconds;
        }
    }
    0.0
}

/// The loss model for a UPS mode (or the scenario's own).
pub fn ups_losses(mode: UpsMode, custom: Option<&LossCoefficients>) -> LossModel {
    match (custom, mode) {
        (Some(l), UpsMode::DoubleConversion) => LossModel::from_pct(l),
        (_, UpsMode::Eco) => LossModel::ECO,
        (None, UpsMode::DoubleConversion) => LossModel::DOUBLE_CONVERSION,
    }
}

/// UPS operating mode (docs/physics.md §4.1).
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub enum UpsMode {
    /// Double conversion: load always on the inverter.
    #[default]
    DoubleConversion,
    /// Eco mode: load on bypass, inverter takes over on a disturbance.
    Eco,
}

/// Battery chemistry (sets the Peukert exponent, docs/physics.md §4.2).
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub enum Chemistry {
    /// Valve-regulated lead-acid (Peukert k ≈ 1.1–1.3).
    Vrla,
    /// Lithium-ion (k ≈ 1.02–1.05).
    #[default]
    LiIon,
}

/// A UPS battery.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatteryParams {
    /// Runtime at full rated load from full charge (data-sheet figure), min.
    pub autonomy_min: f64,
    /// Chemistry.
    #[serde(default)]
    pub chemistry: Chemistry,
    /// Peukert exponent (default from chemistry: VRLA 1.15, Li-ion 1.03).
    #[serde(default)]
    pub peukert_k: Option<f64>,
    /// Maximum recharge power, % of UPS rating (docs/physics.md §4.2: 10–20 %).
    #[serde(default = "defaults::recharge_pct")]
    pub recharge_pct: f64,
    /// Initial state of charge, %.
    #[serde(default = "defaults::hundred")]
    pub initial_soc_pct: f64,
}

/// Loss model `P_loss = a·P_rated + b·P + c·P²/P_rated` (docs/physics.md §4.1), coefficients in %.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LossCoefficients {
    /// No-load term a, % of rating.
    pub no_load_pct: f64,
    /// Proportional term b, % of load.
    pub proportional_pct: f64,
    /// Square-law term c, % of rating at rated load.
    pub square_pct: f64,
}

/// Default values of optional parameters, each with its source.
pub(crate) mod defaults {
    pub(crate) fn hundred() -> f64 {
        100.0
    }
    pub(crate) fn recharge_pct() -> f64 {
        15.0 // docs/physics.md §4.2: 10–20 % of rating [U]
    }
}

/// A UPS system.
#[derive(Component, Clone, Debug)]
pub struct Ups {
    /// Output rating, kW.
    pub rating_kw: f64,
    /// Modules.
    pub modules: u32,
    /// Declared redundancy.
    pub redundancy: Redundancy,
    /// Mode.
    pub mode: UpsMode,
    /// Losses.
    pub losses: LossModel,
    /// Battery.
    pub battery: Battery,
    /// State.
    pub state: UpsState,
    /// Faulted (scripted).
    pub faulted: bool,
    /// Share of the load carried by the input during walk-in, 0–1.
    pub input_share: f64,
    /// Walk-in duration, s.
    pub walk_in_s: f64,
    /// Overload integral.
    pub overload_acc: f64,
    /// Seconds at or below rating while on overload bypass.
    pub below_rating_s: f64,
    /// Overload bypass active.
    pub overload_bypass: bool,
    /// DC power from the battery this tick, kW.
    pub battery_dc_kw: f64,
    /// Chemical power drained this tick, kW.
    pub battery_chem_kw: f64,
    /// Recharge power drawn this tick, kW.
    pub recharge_kw: f64,
    /// Power stored in the battery this tick, kW.
    pub stored_kw: f64,
}

impl Ups {
    /// Splits output `out_kw` into `(loss, from input, from battery)`, kW, in this tick's state
    /// (online or on battery; walk-in leaves `1 − input_share` on the battery).
    pub fn split_kw(&self, out_kw: f64) -> (f64, f64, f64) {
        let loss = self.losses.loss_kw(out_kw, self.rating_kw);
        let total = out_kw + loss;
        let from_input = if self.state == UpsState::Online { total * self.input_share } else { 0.0 };
        (loss, from_input, total - from_input)
    }

    /// Whether the battery gives power this tick (on battery, or walking in on its input).
    pub fn draws_on_battery(&self) -> bool {
        self.state == UpsState::OnBattery || self.state == UpsState::Online && self.input_share < 1.0
    }

    /// Whether the battery can carry its part of output `out_kw` for the whole tick.
    pub fn battery_carries(&self, out_kw: f64, dt_s: f64) -> bool {
        let (_, _, from_battery) = self.split_kw(out_kw);
        from_battery <= 0.0 || self.battery.can_carry(from_battery, dt_s)
    }

    /// Losses and what the UPS takes from its input for output `out_kw` this tick (recharge
    /// included), `(loss, input)` in kW, without changing its battery: off, nothing; on static
    /// bypass, the output itself with no conversion loss; online or on battery, the share of
    /// `output + loss` its input carries plus the battery's recharge.
    pub fn flow_kw(&self, out_kw: f64, dt_s: f64) -> (f64, f64) {
        match self.state {
            UpsState::Off => (0.0, 0.0),
            UpsState::Bypass => (0.0, out_kw),
            UpsState::Online | UpsState::OnBattery => {
                let (loss, from_input, _) = self.split_kw(out_kw);
                let recharge = if self.state == UpsState::Online && self.input_share >= 1.0 {
                    self.battery.recharge_demand_kw(dt_s)
                } else {
                    0.0
                };
                (loss, from_input + recharge)
            }
        }
    }
}

/// Margin on last tick's output when checking that a battery can carry a whole tick.
pub(crate) const BATTERY_TICK_MARGIN: f64 = 1.1;

/// The UPS's state for this tick; `expected_out_kw` is last tick's output.
pub(crate) fn ups_next_state(u: &mut Ups, input_live: bool, expected_out_kw: f64, dt: f64) -> UpsState {
    if u.faulted || u.overload_bypass {
        return if input_live { UpsState::Bypass } else { UpsState::Off };
    }
    if input_live {
        let restart = u.state == UpsState::Off;
        if matches!(u.state, UpsState::OnBattery | UpsState::Off) {
            u.input_share = 0.0;
        }
        u.input_share = (u.input_share + dt / u.walk_in_s.max(dt)).min(1.0);
        // Walk-in leaves the rest of the load on the battery. If the battery cannot carry that
        // share for the whole tick (checked like a tick on battery), or the UPS restarts after
        // its battery gave out, the input takes the whole load at once; before, only an empty
        // battery did, and a nearly empty one delivered energy it did not hold (book error).
        let out = expected_out_kw.max(0.0) * BATTERY_TICK_MARGIN;
        let rest = (1.0 - u.input_share) * (out + u.losses.loss_kw(out, u.rating_kw));
        if restart || u.battery.energy_kwh <= u.battery.drain_kw(rest) * dt / 3_600.0 {
            u.input_share = 1.0;
        }
        return UpsState::Online;
    }
    u.input_share = 0.0;
    // A UPS whose output was lost (battery exhausted) does not restart on battery: it waits
    // for its input, as a real UPS after an end-of-discharge shutdown. Without this the check
    // below, which uses last tick's output (zero while off), relit the load every other tick.
    if u.state == UpsState::Off {
        return UpsState::Off;
    }
    // Carry the load only if the battery can cover a whole tick at (a margin above) the load
    // it carried last tick; a battery never delivers part of a tick.
    let out = expected_out_kw.max(0.0) * BATTERY_TICK_MARGIN;
    let need = u.battery.drain_kw(out + u.losses.loss_kw(out, u.rating_kw)) * dt / 3_600.0;
    if u.battery.energy_kwh > need { UpsState::OnBattery } else { UpsState::Off }
}

pub(crate) fn log_ups_transition(log: &mut EventLog, t: f64, id: &str, from: UpsState, to: UpsState) {
    let (kind, sev, msg) = match to {
        UpsState::OnBattery => (EventKind::UpsOnBattery, Severity::Warning, "UPS on battery"),
        UpsState::Online if from == UpsState::OnBattery || from == UpsState::Off => {
            (EventKind::UpsOnInput, Severity::Info, "UPS back on input (walk-in)")
        }
        UpsState::Online => return,
        UpsState::Bypass => (EventKind::UpsBypass, Severity::Alarm, "UPS on static bypass"),
        UpsState::Off if from == UpsState::OnBattery => {
            (EventKind::UpsBatteryExhausted, Severity::Critical, "UPS battery exhausted: output lost")
        }
        UpsState::Off => (EventKind::UpsBatteryExhausted, Severity::Critical, "UPS output lost"),
    };
    log.log(t, kind, sev, id, msg, None);
}

/// A UPS's battery over the tick for output `out` (the part of `output + loss` its input does
/// not carry is discharged; a fully walked-in UPS recharges), with its books.
pub(crate) fn ups_battery_flow(u: &mut Ups, out: f64, dt: f64, books: &mut PowerBooks) {
    u.battery_dc_kw = 0.0;
    u.battery_chem_kw = 0.0;
    u.recharge_kw = 0.0;
    u.stored_kw = 0.0;
    if !matches!(u.state, UpsState::Online | UpsState::OnBattery) {
        return;
    }
    let (_, _, from_battery) = u.split_kw(out);
    if from_battery > 0.0 {
        let (frac, chem_kwh) = u.battery.discharge(from_battery, dt);
        u.battery_dc_kw = from_battery;
        u.battery_chem_kw = chem_kwh * 3_600.0 / dt;
        books.battery_discharge_kw += u.battery_chem_kw;
        books.battery_loss_kw += u.battery_chem_kw - from_battery * frac;
        books.battery_shortfall_kw += from_battery * (1.0 - frac);
    }
    if u.state == UpsState::Online && u.input_share >= 1.0 {
        let p = u.battery.recharge_demand_kw(dt);
        let stored_kwh = u.battery.charge(p, dt);
        u.recharge_kw = p;
        u.stored_kw = stored_kwh * 3_600.0 / dt;
        books.battery_charge_kw += u.stored_kw;
        books.battery_loss_kw += p - u.stored_kw;
    }
}

/// UPS overload protection (docs/physics.md §4.2): the overload integral `Σ dt / t_allowed(P/P_rated)`
/// (110 % for 10 min, 125 % for 1 min, 150 % for 1 min, see [`overload_allowed_s`]) sends the
/// load to static bypass when it reaches 1; it returns from bypass after
/// [`BYPASS_RETURN_S`] at or below rating, and the integral decays over
/// [`OVERLOAD_RECOVERY_S`].
pub(crate) fn ups_overload(u: &mut Ups, id: &str, out: f64, dt: f64, t: f64, log: &mut EventLog) {
    let x = out / u.rating_kw;
    let allowed = overload_allowed_s(x);
    if x > 1.0 {
        u.overload_acc += if allowed > 0.0 { dt / allowed } else { 1.0 };
        u.below_rating_s = 0.0;
    } else {
        u.overload_acc = (u.overload_acc - dt / OVERLOAD_RECOVERY_S).max(0.0);
        u.below_rating_s += dt;
    }
    if u.overload_acc >= 1.0 && !u.overload_bypass {
        u.overload_bypass = true;
        log.log(
            t,
            EventKind::UpsBypass,
            Severity::Alarm,
            id,
            format!("UPS overload {:.0} %: static bypass", x * 100.0),
            Some(x),
        );
    }
    if u.overload_bypass && u.below_rating_s >= BYPASS_RETURN_S {
        u.overload_bypass = false;
        u.overload_acc = 0.0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(chem: Chemistry, minutes: f64) -> BatteryParams {
        BatteryParams {
            autonomy_min: minutes,
            chemistry: chem,
            peukert_k: None,
            recharge_pct: 15.0,
            initial_soc_pct: 100.0,
        }
    }

    #[test]
    fn double_conversion_efficiency_matches_the_reference_curve() {
        // docs/physics.md §4.1: 89 % @10 %, 94 % @25 %, 95.7 % @50 %, 96.1 % @75 %, 96.2 % @100 %.
        let m = LossModel::DOUBLE_CONVERSION;
        for (load, eta) in [(0.10, 0.89), (0.25, 0.94), (0.50, 0.957), (0.75, 0.961), (1.0, 0.962)] {
            let e = m.efficiency(load * 1000.0, 1000.0);
            assert!((e - eta).abs() < 0.006, "{load}: {e}");
        }
        let eco = LossModel::ECO.efficiency(500.0, 1000.0);
        assert!((0.98..=0.99).contains(&eco), "eco {eco}");
    }

    #[test]
    fn battery_gives_its_data_sheet_autonomy_at_rated_load() {
        for chem in [Chemistry::Vrla, Chemistry::LiIon] {
            let b = Battery::from_spec(&spec(chem, 5.0), 1000.0, 1000.0);
            assert!((b.runtime_s(1000.0) - 300.0).abs() < 1e-6, "{chem:?}: {}", b.runtime_s(1000.0));
        }
    }

    #[test]
    fn peukert_derating_makes_half_load_last_more_than_twice_as_long() {
        let b = Battery::from_spec(&spec(Chemistry::Vrla, 5.0), 1000.0, 1000.0);
        let ratio = b.runtime_s(500.0) / b.runtime_s(1000.0);
        assert!((ratio - 2.0_f64.powf(PEUKERT_K_VRLA)).abs() < 1e-9, "{ratio}");
        // A 5-minute VRLA discharge delivers 50–60 % of nameplate (docs/physics.md §4.2).
        let delivered = 1000.0 * 5.0 / 60.0 / b.capacity_kwh;
        assert!((0.45..=0.60).contains(&delivered), "{delivered}");
    }

    #[test]
    fn discharge_reports_the_share_of_the_tick_carried() {
        let mut b = Battery::from_spec(&spec(Chemistry::LiIon, 1.0), 600.0, 600.0);
        let mut t = 0.0;
        loop {
            let (frac, _) = b.discharge(600.0, 1.0);
            t += frac;
            if frac < 1.0 {
                break;
            }
        }
        assert!((t - 60.0).abs() < 1e-6, "{t}");
        assert_eq!(b.energy_kwh, 0.0);
    }

    #[test]
    fn recharge_is_limited_and_stores_its_efficiency() {
        let mut b = Battery::from_spec(&spec(Chemistry::LiIon, 10.0), 1000.0, 1000.0);
        b.energy_kwh = 0.5 * b.capacity_kwh;
        let p = b.recharge_demand_kw(1.0);
        assert!((p - 150.0).abs() < 1e-9, "15 % of 1000 kW: {p}");
        let stored = b.charge(p, 360.0);
        assert!((stored - 15.0 * CHARGE_EFF_LIION).abs() < 1e-9, "{stored}");
        b.energy_kwh = 0.95 * b.capacity_kwh;
        assert!((b.recharge_demand_kw(1.0) - 75.0).abs() < 1e-6, "tapers to half at 95 %");
    }

    #[test]
    fn overload_allowances_follow_the_table() {
        assert_eq!(overload_allowed_s(1.0), f64::INFINITY);
        assert_eq!(overload_allowed_s(1.05), 600.0);
        assert_eq!(overload_allowed_s(1.2), 60.0);
        assert_eq!(overload_allowed_s(1.5), 60.0);
        assert_eq!(overload_allowed_s(1.51), 0.0);
    }
}
