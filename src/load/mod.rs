//! IT load: racks, their GPUs and the workloads that drive them. See [`LoadPlugin`].
//!
//! Each tick, for every rack (docs/physics.md §1.3):
//!
//! ```text
//! u        = workload activity (profile + per-rack noise), 0…1
//! P_gpu,i  = min(P_idle + (TDP − P_idle)·u,  cap_i)       cap_i from the GPU's thermal state (§1.4)
//! s        = server fan speed from inlet temperature (0.5 at ≤ 25 °C → 1.0 at ≥ 35 °C)
//! P_rack   = P_base,idle + (P_base,max − P_base,idle)·u + Σ P_gpu,i + P_fan,max·s³
//! ```
//!
//! GPU state is kept per GPU in dense arrays inside each rack's [`GpuBank`], no entity per GPU.
//! Die temperatures are held in an exact closed form ([`DieForm`]) that a rack whose GPUs all
//! draw the same power steps in a few scalars, whatever its GPU count; a rack with a GPU not in
//! the normal state is stepped GPU by GPU. Die temperatures and throttling live in
//! [`crate::thermal::gpu`].

pub mod spawn;

use bevy::prelude::*;
use serde::{Deserialize, Serialize};

use crate::catalog::{Catalog, GpuModel, RackCooling, RackType};
use crate::events::Action;
use crate::events::DueActions;
use crate::ranges::RangeSpec;
use crate::schedule::{SimClock, SimSchedule, SimStep};
use crate::units::SimDuration;

/// Server fan speed at or below [`FAN_LOW_INLET_C`] (fraction of full speed). Typical BMC fan
/// tables idle fans at 30–50 % below ~25 °C inlet \[U\]; with the affinity law this puts server
/// fans at 1.5 % of rack power there and ~10 % at full speed (docs/physics.md §2.1: ~10 % in dense 1U \[S\]).
pub const FAN_MIN_SPEED: f64 = 0.5;
/// Inlet temperature up to which fans stay at minimum speed, °C (top of ASHRAE A1 recommended
/// is 27 °C; fan ramps commonly start near 25 °C \[U\]).
pub const FAN_LOW_INLET_C: f64 = 25.0;
/// Inlet temperature at which fans reach full speed, °C \[U\].
pub const FAN_HIGH_INLET_C: f64 = 35.0;

/// Server fan speed (fraction of full) for an inlet temperature: linear ramp between
/// [`FAN_LOW_INLET_C`] and [`FAN_HIGH_INLET_C`].
pub fn fan_speed(inlet_c: f64) -> f64 {
    let x = ((inlet_c - FAN_LOW_INLET_C) / (FAN_HIGH_INLET_C - FAN_LOW_INLET_C)).clamp(0.0, 1.0);
    FAN_MIN_SPEED + (1.0 - FAN_MIN_SPEED) * x
}

/// Thermal and electrical state of one GPU.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[repr(u8)]
pub enum GpuState {
    /// Below the throttle temperature.
    #[default]
    Normal = 0,
    /// Software thermal slowdown: power cap lowered progressively (87–89 °C).
    Throttled = 1,
    /// Hardware slowdown: clocks halved (≥ 89 °C).
    Slowdown = 2,
    /// Shut down by over-temperature; latched until reset.
    Shutdown = 3,
    /// The rack has no power.
    Unpowered = 4,
}

/// Static parameters of a rack, copied from its catalog type (kept with the rack so the
/// hot loop reads no maps).
#[derive(Clone, Debug, PartialEq)]
pub struct RackParams {
    /// Catalog id.
    pub type_id: String,
    /// Non-GPU power at zero activity, kW.
    pub base_idle_kw: f64,
    /// Non-GPU power at full activity, kW.
    pub base_max_kw: f64,
    /// Fan power at full speed, kW.
    pub fan_max_kw: f64,
    /// Air ΔT at full activity and minimum fan speed, K.
    pub design_delta_t_k: f64,
    /// Share of heat to liquid when a loop serves the rack.
    pub liquid_fraction: f64,
    /// Whether GPUs are on cold plates.
    pub liquid_cooled: bool,
    /// In-rack liquid-to-air exchanger conductance, W/K.
    pub l2a_ua_w_per_k: f64,
    /// Rack coolant heat capacity, J/K.
    pub coolant_j_per_k: f64,
    /// Coolant temperature at which the trays power their GPUs off, °C (∞ for air racks).
    pub max_coolant_c: f64,
    /// Nameplate power, kW.
    pub nameplate_kw: f64,
    /// GPU model, if any.
    pub gpu: Option<GpuModel>,
    /// GPUs per rack.
    pub gpu_count: u32,
    /// Power and airflow response to activity and inlet temperature.
    pub curves: crate::catalog::ItCurves,
}

impl RackParams {
    /// Parameters of catalog rack `type_id`.
    pub fn from_catalog(catalog: &Catalog, type_id: &str, rack: &RackType) -> Self {
        let (liquid_fraction, ua_kw, c_kj, max_coolant_c) = match rack.cooling {
            RackCooling::Air => (0.0, 0.0, 0.0, f64::INFINITY),
            RackCooling::DirectLiquid { liquid_fraction, l2a_ua_kw_per_k, coolant_kj_per_k, max_coolant_c } => {
                (liquid_fraction, l2a_ua_kw_per_k, coolant_kj_per_k, max_coolant_c)
            }
        };
        Self {
            type_id: type_id.to_owned(),
            base_idle_kw: rack.base_idle_kw,
            base_max_kw: rack.base_max_kw,
            fan_max_kw: rack.fan_max_kw,
            design_delta_t_k: rack.design_delta_t_k,
            liquid_fraction,
            liquid_cooled: rack.is_liquid_cooled(),
            l2a_ua_w_per_k: ua_kw * 1_000.0,
            coolant_j_per_k: c_kj * 1_000.0,
            max_coolant_c,
            nameplate_kw: catalog.nameplate_kw(rack),
            gpu: catalog.gpu_of(rack).cloned(),
            gpu_count: if rack.gpu.is_some() { rack.gpu_count } else { 0 },
            curves: rack.it_curves.clone(),
        }
    }

    /// Airflow as a fraction of full speed at activity `u` and inlet `inlet_c` (the rack type's
    /// airflow curve, or the built-in [`fan_speed`] law), never negative.
    pub fn airflow_fraction(&self, u: f64, inlet_c: f64) -> f64 {
        match &self.curves.airflow {
            Some(c) => c.eval(u, inlet_c).max(0.0),
            None => fan_speed(inlet_c),
        }
    }

    /// Server power at activity `u` and inlet `inlet_c` without the GPUs: `(non-GPU kW, fan kW,
    /// airflow fraction)` — `P_base(u)·f_P(u, T_in)` and `P_fan·f_fan(s)`, `s` the airflow
    /// fraction (the rack type's curves, or the built-in laws: no inlet term, `s³`;
    /// docs/physics.md §1.3).
    pub fn server_kw(&self, u: f64, inlet_c: f64) -> (f64, f64, f64) {
        let s = self.airflow_fraction(u, inlet_c);
        let mut base_kw = self.base_idle_kw + (self.base_max_kw - self.base_idle_kw) * u;
        if let Some(c) = &self.curves.power {
            base_kw *= c.eval(u, inlet_c).max(0.0);
        }
        let fan_kw = match &self.curves.fan_power {
            Some(c) => self.fan_max_kw * c.eval(s).max(0.0),
            None => self.fan_max_kw * s * s * s,
        };
        (base_kw, fan_kw, s)
    }

    /// Heat to air at full activity and minimum fan speed with its liquid share removed, kW:
    /// the basis of the rack's design airflow.
    pub fn design_air_heat_kw(&self, liquid_available: bool) -> f64 {
        let share = if liquid_available { 1.0 - self.liquid_fraction } else { 1.0 };
        share * (self.nameplate_kw - self.fan_max_kw * (1.0 - FAN_MIN_SPEED.powi(3)))
    }
}

/// A rack of IT equipment.
#[derive(Component, Clone, Debug)]
pub struct Rack {
    /// Id, `hall/row/position`, e.g. `hall-1/R04/07`.
    pub id: String,
    /// Hall entity.
    pub hall: Entity,
    /// Row entity.
    pub row: Entity,
    /// Dense index of the hall (see [`crate::thermal::ThermalIndex`]).
    pub hall_index: usize,
    /// Dense index of the row.
    pub row_index: usize,
    /// Position in its row, 1-based.
    pub position: u32,
    /// Index of the rack in the whole site (for seeded per-rack noise).
    pub index: u32,
    /// Workload index into [`Workloads`].
    pub workload: usize,
    /// Static parameters.
    pub params: RackParams,
}

/// Power state of a rack this tick.
#[derive(Component, Clone, Debug, Default)]
pub struct RackLoad {
    /// Workload activity this tick, 0–1.
    pub utilisation: f64,
    /// Non-GPU power (without fans), kW.
    pub base_kw: f64,
    /// Sum of GPU power, kW.
    pub gpu_kw: f64,
    /// Fan power, kW.
    pub fan_kw: f64,
    /// Fan speed, fraction of full.
    pub fan_speed: f64,
    /// Power the rack asks of its feeds, kW.
    pub demand_kw: f64,
    /// The rack's activity noise (its knots kept between ticks).
    pub noise: crate::noise::ValueNoise,
}

/// Per-GPU state of a rack, in dense arrays (structure of arrays).
///
/// Die temperatures are held in closed form (see [`DieForm`]): GPU `i` is at
/// `form.base_c + form.per_r_c·r_factor[i] + form.scale·anchor_c[i]`. While every GPU of the
/// rack draws the same power ([`GpuBank::uniform_w`]), the die step moves the three scalars of
/// the form (`thermal::gpu`) and touches no array once the anchors no longer count; otherwise
/// it is stepped GPU by GPU on its anchors. Read a temperature with [`GpuBank::temp_of`].
#[derive(Component, Clone, Debug, Default)]
pub struct GpuBank {
    /// The closed form of the die temperatures.
    pub form: DieForm,
    /// Per-GPU anchor temperatures of the form, °C (the temperatures themselves when the form
    /// is [`DieForm::IDENTITY`]).
    pub anchor_c: Vec<f32>,
    /// Σ `anchor_c`, °C (kept with the anchors).
    pub anchor_sum_c: f64,
    /// Largest `|anchor_c|`, °C.
    pub anchor_abs_max_c: f64,
    /// Power drawn this tick, W, per GPU; valid only while [`GpuBank::uniform_w`] is `None`
    /// (read it through [`GpuBank::power_of`]).
    pub power_w: Vec<f32>,
    /// Power drawn this tick by every GPU, W, when all draw the same (all in the normal state,
    /// the common case): the per-GPU array is then left untouched.
    pub uniform_w: Option<f32>,
    /// Power cap from the thermal state, W.
    pub cap_w: Vec<f32>,
    /// Thermal state.
    pub state: Vec<GpuState>,
    /// Multiplier on the junction-to-sink resistance (TIM and position spread, 0.95–1.05);
    /// fixed when the bank is made.
    r_factor: Vec<f32>,
    /// Σ `r_factor`, and its smallest and largest value.
    r_sum: f64,
    r_min: f64,
    r_max: f64,
    /// GPUs in each state: Normal, Throttled, Slowdown, Shutdown, Unpowered.
    pub counts: [u32; 5],
    /// Hottest die after the last step, °C.
    pub hottest_c: f32,
    /// Die decay factor `e^(−dt/τ)` and the tick, s, and junction-to-sink resistance, K/W,
    /// it was computed for.
    pub decay: (f64, (f64, f64)),
}

/// Closed form of a rack's die temperatures: `T_i = base_c + per_r_c·r_i + scale·a_i`, with
/// `r_i` each GPU's resistance factor and `a_i` its anchor temperature.
///
/// The form is exact, not an approximation. The die step (docs/physics.md §1.4) is
/// `T' = T_ss + (T − T_ss)·α` with `T_ss,i = T_sink + P·R·r_i`, and `α = e^(−dt/τ)` is the same
/// for every die of a rack (the spread changes the steady rise, not the time constant). When
/// every GPU draws the same power `P`, the step maps the form onto itself:
///
/// ```text
/// base' = T_sink + (base − T_sink)·α     per_r' = P·R·(1 − α) + per_r·α     scale' = scale·α
/// ```
///
/// so a rack of any size costs a few scalar operations a tick, and its dies' summed temperature
/// change (their stored heat) is `n·Δbase + Δper_r·Σr + Δscale·Σa`. `per_r` never falls below
/// zero (powers are not negative), so the hottest die is `base + per_r·max r` while `scale` is
/// zero; while the anchors still count it is found by a scan.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct DieForm {
    /// Temperature common to every die, °C.
    pub base_c: f64,
    /// Rise per unit of resistance factor, K.
    pub per_r_c: f64,
    /// Weight of the anchors (1 right after a per-GPU step, decaying by `α` each tick after).
    pub scale: f64,
}

impl DieForm {
    /// The form whose temperatures are the anchors themselves.
    pub const IDENTITY: DieForm = DieForm { base_c: 0.0, per_r_c: 0.0, scale: 1.0 };

    /// Temperature of a die with resistance factor `r` and anchor `a`, °C.
    #[inline]
    pub fn at(&self, r: f32, a: f32) -> f64 {
        self.base_c + self.per_r_c * f64::from(r) + self.scale * f64::from(a)
    }
}

/// Anchors weigh less than this in every die temperature, K, once `scale·max|a|` falls below
/// it: a tenth of the resolution of an `f32` die temperature near 60 °C (one ulp = 3.8 µK), so
/// the anchors can be dropped while moving a die temperature as stored per GPU by at most one
/// `f32` step \[U\].
pub const ANCHOR_NEGLIGIBLE_K: f64 = 4e-7;

impl GpuBank {
    /// A bank of `n` GPUs at `temp_c` with seeded resistance spread `spread` (±fraction).
    pub fn new(n: usize, temp_c: f64, tdp_w: f64, spread: &mut impl FnMut() -> f64) -> Self {
        let r_factor: Vec<f32> = (0..n).map(|_| spread() as f32).collect();
        let r_sum = r_factor.iter().map(|&r| f64::from(r)).sum();
        let r_min = r_factor.iter().fold(f64::INFINITY, |m, &r| m.min(f64::from(r)));
        let r_max = r_factor.iter().fold(f64::NEG_INFINITY, |m, &r| m.max(f64::from(r)));
        let mut bank = Self {
            form: DieForm { base_c: temp_c, per_r_c: 0.0, scale: 0.0 },
            anchor_c: vec![0.0; n],
            anchor_sum_c: 0.0,
            anchor_abs_max_c: 0.0,
            power_w: vec![0.0; n],
            uniform_w: None,
            cap_w: vec![tdp_w as f32; n],
            state: vec![GpuState::Normal; n],
            r_factor,
            r_sum,
            r_min,
            r_max,
            counts: [0; 5],
            hottest_c: temp_c as f32,
            decay: (0.0, (f64::NAN, f64::NAN)),
        };
        bank.counts[GpuState::Normal as usize] = n as u32;
        bank
    }

    /// Number of GPUs.
    pub fn len(&self) -> usize {
        self.anchor_c.len()
    }

    /// Whether the bank has no GPUs.
    pub fn is_empty(&self) -> bool {
        self.anchor_c.is_empty()
    }

    /// Die temperature of GPU `i`, °C.
    #[inline]
    pub fn temp_of(&self, i: usize) -> f32 {
        self.form.at(self.r_factor[i], self.anchor_c[i]) as f32
    }

    /// Every die temperature, °C, in GPU order.
    pub fn temps_c(&self) -> impl Iterator<Item = f32> + '_ {
        (0..self.len()).map(|i| self.temp_of(i))
    }

    /// Sets every die to `base_c + per_r_c·r_i` (a steady state under uniform power).
    pub fn set_form(&mut self, base_c: f64, per_r_c: f64) {
        self.form = DieForm { base_c, per_r_c, scale: 0.0 };
        self.anchor_c.fill(0.0);
        self.refresh_anchors();
        self.hottest_c = self.max_temp_c() as f32;
    }

    /// Sets the die temperature of GPU `i`, °C (the others keep theirs).
    pub fn set_temp_c(&mut self, i: usize, temp_c: f32) {
        self.make_explicit();
        self.anchor_c[i] = temp_c;
        self.refresh_anchors();
        self.hottest_c = self.max_temp_c() as f32;
    }

    /// Writes every die temperature into the anchors, so that the form is the identity and the
    /// anchors can be stepped GPU by GPU.
    pub fn make_explicit(&mut self) {
        if self.form == DieForm::IDENTITY {
            return;
        }
        let form = self.form;
        for (a, &r) in self.anchor_c.iter_mut().zip(&self.r_factor) {
            *a = form.at(r, *a) as f32;
        }
        self.form = DieForm::IDENTITY;
        self.refresh_anchors();
    }

    /// The anchors (mutable), the resistance factors and the per-GPU powers, for a per-GPU step
    /// (call [`GpuBank::make_explicit`] first and [`GpuBank::refresh_anchors`] after).
    pub fn explicit_parts(&mut self) -> (&mut [f32], &[f32], &[f32]) {
        (&mut self.anchor_c, &self.r_factor, &self.power_w)
    }

    /// Recomputes the anchor sums after the anchors changed.
    pub fn refresh_anchors(&mut self) {
        self.anchor_sum_c = self.anchor_c.iter().map(|&a| f64::from(a)).sum();
        self.anchor_abs_max_c = self.anchor_c.iter().fold(0.0, |m: f64, &a| m.max(f64::from(a).abs()));
    }

    /// Σ of the die temperatures, °C (the dies' stored heat over their heat capacity).
    pub fn temp_sum_c(&self) -> f64 {
        let f = self.form;
        self.len() as f64 * f.base_c + f.per_r_c * self.r_sum + f.scale * self.anchor_sum_c
    }

    /// Drops anchors that no longer weigh in any die temperature
    /// ([`ANCHOR_NEGLIGIBLE_K`]), so the form is back to two scalars.
    pub fn drop_negligible_anchors(&mut self) {
        if self.form.scale != 0.0 && self.form.scale * self.anchor_abs_max_c < ANCHOR_NEGLIGIBLE_K {
            self.form.scale = 0.0;
        }
    }

    /// Hottest die, °C (empty bank gives −∞): from the form's scalars while the anchors do not
    /// count, else GPU by GPU.
    pub fn max_temp_c(&self) -> f64 {
        if self.is_empty() {
            return f64::NEG_INFINITY;
        }
        let f = self.form;
        if f.scale == 0.0 {
            let r = if f.per_r_c >= 0.0 { self.r_max } else { self.r_min };
            return f.base_c + f.per_r_c * r;
        }
        self.temps_c().map(f64::from).fold(f64::NEG_INFINITY, f64::max)
    }

    /// Power drawn this tick by GPU `i`, W.
    pub fn power_of(&self, i: usize) -> f32 {
        self.uniform_w.unwrap_or_else(|| self.power_w[i])
    }

    /// Whether every GPU is in the normal state.
    pub fn all_normal(&self) -> bool {
        self.counts[GpuState::Normal as usize] as usize == self.len()
    }

    /// Recounts GPUs per state.
    pub fn recount(&mut self) {
        let mut counts = [0u32; 5];
        for s in &self.state {
            counts[*s as usize] += 1;
        }
        self.counts = counts;
    }
}

/// Seconds between knots of the per-rack activity noise (minute-scale job variation) \[U\].
const RACK_NOISE_STEP_S: f64 = 60.0;

/// A workload's activity over time.
#[derive(Clone, Debug)]
pub struct Workload {
    /// Id.
    pub id: String,
    /// Profile.
    pub profile: LoadProfile,
    /// Per-rack noise standard deviation, fraction.
    pub noise: f64,
}

impl Workload {
    /// Activity of the profile at `t_run_s` (s since start) and `t_year_s` (for hour of day).
    pub fn activity(&self, t_run_s: f64, t_year_s: f64) -> f64 {
        let u = match &self.profile {
            LoadProfile::Constant(u) => *u,
            LoadProfile::Diurnal { mean, amplitude, peak_hour } => {
                let h = (t_year_s % 86_400.0) / 3_600.0;
                mean + amplitude * (2.0 * core::f64::consts::PI * (h - peak_hour) / 24.0).cos()
            }
            LoadProfile::Training { utilisation, checkpoint_every, checkpoint_duration, checkpoint_utilisation } => {
                let period = checkpoint_every.as_secs_f64();
                let phase = if period > 0.0 { t_run_s % period } else { 0.0 };
                if period > 0.0 && phase >= period - checkpoint_duration.as_secs_f64() {
                    *checkpoint_utilisation
                } else {
                    *utilisation
                }
            }
        };
        u.clamp(0.0, 1.0)
    }
}

impl Workload {
    /// The next time after `t_run_s` at which the activity steps (a training job's checkpoint
    /// starting or ending), s since the run start; `None` for smooth profiles.
    pub fn next_step_s(&self, t_run_s: f64) -> Option<f64> {
        let LoadProfile::Training { checkpoint_every, checkpoint_duration, .. } = &self.profile else {
            return None;
        };
        let period = checkpoint_every.as_secs_f64();
        if period <= 0.0 {
            return None;
        }
        let start = period - checkpoint_duration.as_secs_f64();
        let base = (t_run_s / period).floor() * period;
        [base + start, base + period, base + period + start].into_iter().find(|&t| t > t_run_s)
    }
}

impl Workloads {
    /// The next activity step of any workload after `t_ms`, ms.
    pub fn next_step_ms(&self, t_ms: u64) -> Option<u64> {
        let t = t_ms as f64 / 1_000.0;
        self.list.iter().filter_map(|w| w.next_step_s(t)).map(|s| (s * 1_000.0).round() as u64).min()
    }
}

/// All workloads and their activity this tick.
#[derive(Resource, Clone, Debug, Default)]
pub struct Workloads {
    /// Workloads by index.
    pub list: Vec<Workload>,
    /// Activity of each workload this tick.
    pub activity: Vec<f64>,
    /// Seed for per-rack noise.
    pub seed: u64,
}

impl Workloads {
    /// Index of workload `id`.
    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.list.iter().position(|w| w.id == id)
    }
}

/// Computes rack and GPU power demand each tick.
#[derive(Default)]
pub struct LoadPlugin;

impl Plugin for LoadPlugin {
    fn build(&self, app: &mut App) {
        app.add_systems(SimSchedule, apply_rack_actions.in_set(crate::events::EventPhase::Racks))
            .add_systems(SimSchedule, (update_workloads, compute_rack_demand).chain().in_set(SimStep::ItLoad));
    }
}

/// Applies rack swaps and additions, workload steps and GPU resets (may spawn racks).
fn apply_rack_actions(world: &mut World) {
    let due: Vec<Action> = world.resource::<DueActions>().0.iter().map(|a| a.action.clone()).collect();
    for action in due {
        match action {
            Action::SwapRacks { hall, rows, positions, rack, feeds, workload } => {
                swap_racks(world, &hall, &rows, positions.as_ref(), &rack, feeds.as_ref(), workload.as_deref());
            }
            Action::AddRacks { hall, rows, count, rack, feeds, workload } => {
                add_racks(world, &hall, &rows, count, &rack, feeds.as_ref(), workload.as_deref());
            }
            Action::SetUtilisation { workload, utilisation } => {
                let mut w = world.resource_mut::<Workloads>();
                if let Some(i) = w.index_of(&workload) {
                    w.list[i].profile = LoadProfile::Constant(utilisation);
                }
            }
            Action::ResetGpus { hall } => reset_gpus(world, hall.as_deref()),
            _ => {}
        }
    }
}

fn hall_entity(world: &mut World, id: &str) -> Option<(Entity, Vec<Entity>, bool)> {
    let mut q = world.query::<(Entity, &crate::thermal::Hall)>();
    q.iter(world).find(|(_, h)| h.id == id).map(|(e, h)| (e, h.rows.clone(), h.liquid_loop.is_some()))
}

/// What a scripted rack change (`SwapRacks`, `AddRacks`) needs to know about the site.
struct RackChange {
    /// The hall's entity.
    hall: Entity,
    /// Its rows' entities.
    rows: Vec<Entity>,
    /// Whether a liquid loop serves the hall.
    liquid: bool,
    /// The new workload's index, if one is named and exists.
    workload: Option<usize>,
    /// Electrical element id → entity.
    node_ids: std::collections::BTreeMap<String, Entity>,
    /// The equipment catalog.
    catalog: Catalog,
    /// The run's random streams.
    rng: crate::schedule::SimRng,
}

impl RackChange {
    /// Looks the hall and the workload up; `None` if the hall does not exist.
    fn new(world: &mut World, hall: &str, workload: Option<&str>) -> Option<Self> {
        let (hall, rows, liquid) = hall_entity(world, hall)?;
        let workload = workload.and_then(|w| world.resource::<Workloads>().index_of(w));
        let node_ids = {
            let mut q = world.query::<(Entity, &crate::power::PowerNode)>();
            q.iter(world).map(|(e, n)| (n.id.clone(), e)).collect()
        };
        let catalog = world.resource::<spawn::CatalogRes>().0.clone();
        let rng = world.resource::<crate::schedule::SimRng>().clone();
        Some(Self { hall, rows, liquid, workload, node_ids, catalog, rng })
    }

    /// The feeds `f` names for row `row` (`{row}` filled in); `None` if its A side does not exist.
    fn feeds_for_row(&self, f: &crate::events::FeedIds, row: u32) -> Option<crate::power::RackFeeds> {
        let id = |template: &str| self.node_ids.get(&template.replace("{row}", &row.to_string())).copied();
        Some(crate::power::RackFeeds { a: id(&f.a)?, b: f.b.as_deref().and_then(id) })
    }
}

fn swap_racks(
    world: &mut World,
    hall: &str,
    rows: &RangeSpec,
    positions: Option<&RangeSpec>,
    rack_type: &str,
    feeds: Option<&crate::events::FeedIds>,
    workload: Option<&str>,
) {
    let Some(site) = RackChange::new(world, hall, workload) else { return };
    let RackChange { hall: hall_e, rows: row_es, liquid, workload: workload_index, catalog, rng, .. } = &site;
    let (hall_e, liquid, workload_index) = (*hall_e, *liquid, *workload_index);
    let Some(rt) = catalog.racks.get(rack_type) else { return };
    let cp = crate::thermal::air_cp(0.008);
    for &row_e in row_es {
        let Some(row) = world.get::<crate::thermal::Row>(row_e) else { continue };
        if !rows.0.contains(&row.number) {
            continue;
        }
        let number = row.number;
        let new_feeds = feeds.and_then(|f| site.feeds_for_row(f, number));
        for rack_e in row.racks.clone() {
            let Some(r) = world.get::<Rack>(rack_e) else { continue };
            if positions.is_some_and(|p| !p.0.contains(&r.position)) {
                continue;
            }
            let index = r.index;
            let params = RackParams::from_catalog(catalog, rack_type, rt);
            let (inlet, u) = {
                let air = world.get::<crate::thermal::RackAir>(rack_e).expect("rack has air");
                let load = world.get::<RackLoad>(rack_e).expect("rack has load");
                (air.inlet_c, load.utilisation)
            };
            // A newly installed rack starts cold: coolant and dies at the air it stands in.
            let (bank, sink) = spawn::rack_bank_cold(&params, rng, index, inlet, liquid);
            let _ = u;
            let mut air = world.get_mut::<crate::thermal::RackAir>(rack_e).expect("rack has air");
            air.max_flow_kg_s =
                crate::thermal::RackAir::max_flow_for(params.design_air_heat_kw(liquid), params.design_delta_t_k, cp);
            air.sink_c = sink;
            *world.get_mut::<GpuBank>(rack_e).expect("rack has GPUs") = bank;
            let mut rack = world.get_mut::<Rack>(rack_e).expect("rack");
            rack.params = params;
            if let Some(w) = workload_index {
                rack.workload = w;
            }
            if let Some(f) = &new_feeds {
                *world.get_mut::<crate::power::RackFeeds>(rack_e).expect("rack has feeds") = f.clone();
                place_feeds_in_hall(world, f, hall_e);
            }
        }
    }
}

fn add_racks(
    world: &mut World,
    hall: &str,
    rows: &RangeSpec,
    count: u32,
    rack_type: &str,
    feeds: Option<&crate::events::FeedIds>,
    workload: Option<&str>,
) {
    let Some(site) = RackChange::new(world, hall, workload) else { return };
    let RackChange { hall: hall_e, rows: row_es, liquid, workload: workload_index, catalog, rng, .. } = &site;
    let (hall_e, liquid, workload_index) = (*hall_e, *liquid, *workload_index);
    let (containment, inlet) =
        world.get::<crate::thermal::Hall>(hall_e).map(|h| (h.containment, h.inlet)).unwrap_or_default();
    let hall_index = world.get::<crate::thermal::Hall>(hall_e).map_or(0, |h| h.index);
    let cp = crate::thermal::air_cp(0.008);
    let mut next_index = {
        let mut q = world.query::<&Rack>();
        q.iter(world).map(|r| r.index + 1).max().unwrap_or(0)
    };
    for &row_e in row_es {
        let Some(row) = world.get::<crate::thermal::Row>(row_e) else { continue };
        if !rows.0.contains(&row.number) {
            continue;
        }
        let (number, racks, cold, row_index) = (row.number, row.racks.clone(), row.cold_c, row.index);
        let Some(&last) = racks.last() else { continue };
        let (mut rack_feeds, mut workload, last_pos) = {
            let r = world.get::<Rack>(last).expect("rack");
            (world.get::<crate::power::RackFeeds>(last).expect("feeds").clone(), r.workload, r.position)
        };
        if let Some(w) = workload_index {
            workload = w;
        }
        if let Some(f) = feeds.and_then(|f| site.feeds_for_row(f, number)) {
            rack_feeds = f;
            place_feeds_in_hall(world, &rack_feeds, hall_e);
        }
        // The old last rack is no longer at the row end.
        world.get_mut::<crate::thermal::RackAir>(last).expect("air").recirculation =
            inlet.rack_recirculation(containment, racks.len() == 1);
        let u = world.resource::<Workloads>().activity.get(workload).copied().unwrap_or(0.0);
        let mut added = Vec::new();
        for k in 0..count {
            let e = spawn::spawn_rack(
                world,
                catalog,
                rng,
                cp,
                spawn::RackSpawn {
                    hall: hall_e,
                    hall_id: hall,
                    hall_index,
                    row_index,
                    row: row_e,
                    row_number: number,
                    position: last_pos + 1 + k,
                    index: next_index,
                    type_id: rack_type,
                    workload,
                    feeds: rack_feeds.clone(),
                    recirculation: inlet.rack_recirculation(containment, k + 1 == count),
                    liquid_loop: liquid,
                    inlet_c: cold,
                    utilisation: u,
                },
            );
            next_index += 1;
            added.push(e);
        }
        let mut row = world.get_mut::<crate::thermal::Row>(row_e).expect("row");
        let per_rack = row.capacity_j_per_k / racks.len() as f64;
        row.capacity_j_per_k += per_rack * f64::from(count);
        row.racks.extend(added);
    }
}

/// PDUs and busways that now feed racks in a hall stand in that hall: their losses heat it and
/// their breakers feel its air.
fn place_feeds_in_hall(world: &mut World, feeds: &crate::power::RackFeeds, hall: Entity) {
    for e in [Some(feeds.a), feeds.b].into_iter().flatten() {
        if let Some(mut n) = world.get_mut::<crate::power::PowerNode>(e)
            && n.kind == crate::power::NodeKind::Distribution
            && n.heat_hall.is_none()
        {
            n.heat_hall = Some(hall);
        }
    }
}

fn reset_gpus(world: &mut World, hall: Option<&str>) {
    let hall_e = hall.and_then(|h| hall_entity(world, h).map(|(e, ..)| e));
    let t = world.resource::<SimClock>().t_s();
    let mut n = 0u32;
    let mut q = world.query::<(&Rack, &mut GpuBank)>();
    for (rack, mut bank) in q.iter_mut(world) {
        if hall_e.is_some_and(|h| h != rack.hall) {
            continue;
        }
        if let Some(g) = &rack.params.gpu {
            n += bank.counts[GpuState::Shutdown as usize];
            crate::thermal::gpu::reset_bank(&mut bank, g);
        }
    }
    world.resource_mut::<crate::events::EventLog>().log(
        t,
        crate::events::EventKind::GpusReset,
        crate::events::Severity::Info,
        hall.unwrap_or("site"),
        format!("{n} latched GPU(s) reset"),
        Some(f64::from(n)),
    );
}

fn update_workloads(clock: Res<SimClock>, mut w: ResMut<Workloads>) {
    // Sampled at the middle of the tick (see `SimClock::mid_s`).
    let (t_run, t_year) = (clock.mid_s(), clock.mid_of_year_s());
    let activity: Vec<f64> = w.list.iter().map(|wl| wl.activity(t_run, t_year)).collect();
    w.activity = activity;
}

/// Activity of one rack: workload level plus its own seeded, slowly varying noise (`noise`
/// keeps the rack's knots between calls).
pub fn rack_activity(w: &Workloads, rack: &Rack, noise: &mut crate::noise::ValueNoise, t_run_s: f64) -> f64 {
    let wl = &w.list[rack.workload];
    let base = w.activity[rack.workload];
    if wl.noise == 0.0 {
        return base;
    }
    let seed = w.seed ^ (u64::from(rack.index) << 20) ^ 0x5ca1_ab1e;
    (base + wl.noise * noise.at(seed, t_run_s, RACK_NOISE_STEP_S)).clamp(0.0, 1.0)
}

/// GPU power for activity `u` under cap `cap_w` (docs/physics.md §1.3: P = P_idle + (P_cap − P_idle)·u).
#[inline]
pub fn gpu_power_w(idle_w: f32, tdp_w: f32, u: f32, cap_w: f32) -> f32 {
    (idle_w + (tdp_w - idle_w) * u).min(cap_w)
}

/// Every rack's power demand this tick; racks are independent, so they are shared among the
/// compute threads where the run allows it ([`crate::schedule::Parallelism`]).
fn compute_rack_demand(
    clock: Res<SimClock>,
    workloads: Res<Workloads>,
    parallel: Res<crate::schedule::Parallelism>,
    mut racks: Query<(&Rack, &mut RackLoad, &mut GpuBank, &crate::thermal::RackAir)>,
) {
    let t = clock.mid_s();
    let workloads = &*workloads;
    let each =
        move |(rack, mut load, mut bank, air): (&Rack, Mut<RackLoad>, Mut<GpuBank>, &crate::thermal::RackAir)| {
            rack_demand(rack, &mut load, &mut bank, air.inlet_c, workloads, t);
        };
    if parallel.0 {
        racks.par_iter_mut().for_each(each);
    } else {
        racks.iter_mut().for_each(each);
    }
}

/// One rack's activity, GPU powers under their caps, fan speed and demand at `t_run_s`
/// (docs/physics.md §1.3: `P = P_base(u) + Σ P_gpu + P_fan·s³`).
fn rack_demand(
    rack: &Rack,
    load: &mut RackLoad,
    bank: &mut GpuBank,
    inlet_c: f64,
    workloads: &Workloads,
    t_run_s: f64,
) {
    let p = &rack.params;
    let u = rack_activity(workloads, rack, &mut load.noise, t_run_s);
    let (base_kw, fan_kw, s) = p.server_kw(u, inlet_c);
    let mut gpu_w = 0.0_f64;
    if let Some(g) = &p.gpu {
        let (idle, tdp, uf) = (g.idle_w as f32, g.tdp_w as f32, u as f32);
        let demand = idle + (tdp - idle) * uf;
        if bank.all_normal() {
            // Every cap is the TDP: one value for the whole rack.
            bank.uniform_w = Some(demand.min(tdp));
            gpu_w = f64::from(demand.min(tdp)) * bank.len() as f64;
        } else {
            bank.uniform_w = None;
            let mut sum = 0.0_f32;
            for (pw, &cap) in bank.power_w.iter_mut().zip(&bank.cap_w) {
                *pw = demand.min(cap);
                sum += *pw;
            }
            gpu_w = f64::from(sum);
        }
    }
    load.utilisation = u;
    load.fan_speed = s;
    load.base_kw = base_kw;
    load.gpu_kw = gpu_w / 1_000.0;
    load.fan_kw = fan_kw;
    load.demand_kw = load.base_kw + load.gpu_kw + load.fan_kw;
}

/// Workload activity `u ∈ [0, 1]` over time (docs/physics.md §1.3).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub enum LoadProfile {
    /// Constant activity.
    Constant(f64),
    /// Daily cycle (inference traffic): `mean + amplitude·cos(2π(h − peak_hour)/24)`.
    Diurnal {
        /// Mean activity.
        mean: f64,
        /// Amplitude.
        amplitude: f64,
        /// Hour of peak activity.
        peak_hour: f64,
    },
    /// Synchronous training: full activity with periodic checkpoint dips.
    Training {
        /// Activity while computing.
        utilisation: f64,
        /// Time between checkpoints.
        checkpoint_every: SimDuration,
        /// Checkpoint length.
        checkpoint_duration: SimDuration,
        /// Activity during a checkpoint.
        checkpoint_utilisation: f64,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::units::SimDuration;

    /// The built-in `legacy_air_10kw` rack with `curves`, at constant activity 0.6.
    fn legacy_rack(curves: crate::catalog::ItCurves) -> (Rack, Workloads) {
        let catalog = Catalog::builtin();
        let mut rt = catalog.racks["legacy_air_10kw"].clone();
        rt.it_curves = curves;
        let rack = Rack {
            id: "hall/R01/01".into(),
            hall: Entity::PLACEHOLDER,
            row: Entity::PLACEHOLDER,
            hall_index: 0,
            row_index: 0,
            position: 1,
            index: 0,
            workload: 0,
            params: RackParams::from_catalog(&catalog, "legacy_air_10kw", &rt),
        };
        let w = Workload { id: "w".into(), profile: LoadProfile::Constant(0.6), noise: 0.0 };
        (rack, Workloads { list: vec![w], activity: vec![0.6], seed: 1 })
    }

    /// `(base, fan, demand)` kW and the airflow fraction of `rack` at inlet `inlet_c`.
    fn demand_at(rack: &Rack, w: &Workloads, inlet_c: f64) -> (f64, f64, f64, f64) {
        let (mut load, mut bank) = (RackLoad::default(), GpuBank::default());
        rack_demand(rack, &mut load, &mut bank, inlet_c, w, 0.0);
        (load.base_kw, load.fan_kw, load.demand_kw, load.fan_speed)
    }

    #[test]
    fn it_curves_make_server_power_and_airflow_follow_the_inlet() {
        use crate::catalog::{Biquadratic, Cubic, ItCurves};
        // Non-GPU power +1 %/K above a 25 °C design inlet; airflow 0.5 of full speed at 25 °C,
        // +2 % of that per K; fan power by the affinity law written as a cubic.
        let curves = ItCurves {
            power: Some(Biquadratic {
                coefficients: vec![0.75, 0.0, 0.0, 0.01, 0.0, 0.0],
                min_x: 0.0,
                max_x: 1.0,
                min_y: 10.0,
                max_y: 45.0,
            }),
            airflow: Some(Biquadratic {
                coefficients: vec![0.25, 0.0, 0.0, 0.01, 0.0, 0.0],
                min_x: 0.0,
                max_x: 1.0,
                min_y: 10.0,
                max_y: 45.0,
            }),
            fan_power: Some(Cubic { coefficients: vec![0.0, 0.0, 0.0, 1.0], min_x: 0.0, max_x: 1.0 }),
        };
        let (rack, w) = legacy_rack(curves);
        let (base_25, fan_25, demand_25, s_25) = demand_at(&rack, &w, 25.0);
        let (base_30, fan_30, demand_30, s_30) = demand_at(&rack, &w, 30.0);
        // legacy_air_10kw: base 4.0 + (8.6 − 4.0)·0.6 = 6.76 kW at the design inlet.
        assert!((base_25 - 6.76).abs() < 1e-12, "{base_25}");
        assert!((base_30 / base_25 - 1.05).abs() < 1e-12, "+1 %/K over 5 K: {base_30} vs {base_25}");
        assert!((s_25 - 0.5).abs() < 1e-12 && (s_30 - 0.55).abs() < 1e-12, "airflow {s_25} → {s_30}");
        assert!((fan_30 / fan_25 - 1.1_f64.powi(3)).abs() < 1e-12, "fan power ∝ flow³");
        assert!((demand_30 - (base_30 + fan_30)).abs() < 1e-12 && demand_30 > demand_25);
        // Without curves: the built-in law, no inlet dependence of the non-GPU power.
        let (plain, w) = legacy_rack(ItCurves::default());
        let (b25, _, _, s25) = demand_at(&plain, &w, 25.0);
        let (b30, f30, _, s30) = demand_at(&plain, &w, 30.0);
        assert_eq!(b25, b30);
        assert_eq!((s25, s30), (fan_speed(25.0), fan_speed(30.0)));
        assert!((f30 - 1.2 * 0.75_f64.powi(3)).abs() < 1e-12, "legacy fan 1.2 kW at speed 0.75");
    }

    #[test]
    fn fan_speed_ramps_between_25_and_35_c() {
        assert_eq!(fan_speed(20.0), 0.5);
        assert_eq!(fan_speed(30.0), 0.75);
        assert_eq!(fan_speed(40.0), 1.0);
    }

    #[test]
    fn gpu_power_follows_activity_and_cap() {
        // H100: 75 W idle, 700 W TDP (docs/physics.md §1.3).
        assert_eq!(gpu_power_w(75.0, 700.0, 0.0, 700.0), 75.0);
        assert_eq!(gpu_power_w(75.0, 700.0, 1.0, 700.0), 700.0);
        assert_eq!(gpu_power_w(75.0, 700.0, 0.5, 700.0), 387.5);
        assert_eq!(gpu_power_w(75.0, 700.0, 1.0, 280.0), 280.0);
    }

    #[test]
    fn training_profile_dips_at_checkpoints() {
        let w = Workload {
            id: "t".into(),
            profile: LoadProfile::Training {
                utilisation: 0.95,
                checkpoint_every: SimDuration::from_secs(600),
                checkpoint_duration: SimDuration::from_secs(60),
                checkpoint_utilisation: 0.3,
            },
            noise: 0.0,
        };
        assert_eq!(w.activity(100.0, 0.0), 0.95);
        assert_eq!(w.activity(570.0, 0.0), 0.3);
        assert_eq!(w.activity(601.0, 0.0), 0.95);
    }

    #[test]
    fn diurnal_profile_peaks_at_its_hour() {
        let w = Workload {
            id: "d".into(),
            profile: LoadProfile::Diurnal { mean: 0.6, amplitude: 0.3, peak_hour: 20.0 },
            noise: 0.0,
        };
        assert!((w.activity(0.0, 20.0 * 3600.0) - 0.9).abs() < 1e-12);
        assert!((w.activity(0.0, 8.0 * 3600.0) - 0.3).abs() < 1e-12);
    }
}
