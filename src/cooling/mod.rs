//! Cooling: air units in the halls, chilled-water plants and direct-to-chip liquid loops.
//! See [`CoolingPlugin`].
//!
//! Air units (docs/physics.md §2.3, §3):
//! - **CRAH** on chilled water: supply `max(T_set, ε·T_chw + (1−ε)·T_r, T_r − Q_share/(ṁc)) + ΔT_fan`
//!   with the coil effectiveness ε fixed by the rated capacity; the coil load goes to the
//!   plant's chilled-water loop, which warms when the chillers are off (ride-through).
//! - **CRAC** (DX): `max(T_set, T_r − Q_cap/(ṁc))`, compressor `Q/COP(lift)`.
//! - **Evaporative AHU** ([`evaporative`]): economiser mixing, then modulated pads within the
//!   dew-point/RH limits, then optional DX trim; water from the humidity-ratio change.
//! - Fans follow the racks' airflow (variable) or run at design (constant); power by the
//!   affinity law `P = P_d·(V/V_d)³`, fan heat added to the supply.
//!
//! Chillers: `P = Q/COP(lift)`, COP −2.5 %/K of lift; water-side economiser when the
//! condenser water is cold enough; restart delay after a power loss (docs/physics.md §2.3, §4.3).
//!
//! Liquid loops (docs/physics.md §7): the CDU holds the TCS supply at `max(T_set, T_fws + approach)`
//! within its capacity; facility water from a dry cooler (`T_db + approach`, adiabatic
//! `T_wb + approach`) or tower (`T_wb + approach`); coolant volume gives thermal inertia.
//! Without a working loop, direct-liquid racks send all their heat to air.
//!
//! Every unit's electrical demand is set in [`SimStep::Control`] from its operating point;
//! the heat it moves follows from that same operating point, so electricity and heat books
//! match tick by tick.

use serde::{Deserialize, Serialize};
pub mod evaporative;

use bevy::ecs::system::SystemParam;
use bevy::prelude::*;

use crate::events::Action;
use crate::events::{DueActions, EventKind, EventLog, EventPhase, Severity};
use crate::power::PowerLoad;
use crate::psychro;
use crate::schedule::{SimClock, SimSchedule, SimStep};
use crate::thermal::{AirDuty, Hall, HallState, SupplyLaw, air_cp, network::Affine};
use crate::weather::Outdoor;
use evaporative::{DX_CONDENSER_APPROACH_K, DX_EVAPORATOR_APPROACH_K, EvaporativeStages, cop_at_lift};

/// Direct-to-chip coolant flow when none is given, L/min per kW (OCP, docs/physics.md §7.1).
pub const DEFAULT_DLC_FLOW_L_PER_MIN_PER_KW: f64 = 1.5;
/// Lowest airflow of a variable-speed unit, fraction of design (EC fan turn-down) \[U\].
pub const MIN_FLOW_FRACTION: f64 = 0.2;
/// Supply airflow margin over the racks' demand for variable-speed units \[U\].
pub const AIRFLOW_MARGIN: f64 = 0.1;
/// Specific heat of water, J/(kg·K) (docs/physics.md §7.1).
pub const WATER_CP_J_PER_KG_K: f64 = 4_180.0;
/// Density of water, kg/m³.
pub const WATER_DENSITY_KG_PER_M3: f64 = 1_000.0;
/// Chilled-water loop volume per kW of plant capacity, m³/kW (50 m³ ≈ 5 MW plant, docs/physics.md §2.5).
pub const CHW_VOLUME_M3_PER_KW: f64 = 0.01;
/// Evaporation share of heat rejected by a cooling tower (docs/physics.md §3.4: 0.8–0.9 \[U\]).
pub const TOWER_EVAPORATION_SHARE: f64 = 0.85;
/// Air temperature rise across a dry cooler coil, K \[U\] (sets its air flow for adiabatic water).
pub const DRY_COOLER_AIR_DELTA_T_K: f64 = 10.0;
/// Saturation effectiveness of adiabatic pre-cooling pads on dry coolers (docs/physics.md §3.2 \[S\]).
pub const DRY_COOLER_PAD_EFFECTIVENESS: f64 = 0.85;
/// Pump power turn-down floor, fraction of full flow \[U\].
pub const PUMP_MIN_FLOW_FRACTION: f64 = 0.3;
/// Chilled-water temperature rise across a CRAH coil at design, K \[U\] (design ΔT 6 K).
pub const CHW_COIL_DESIGN_RISE_K: f64 = 6.0;
/// Margin kept below an air handler's supply dew-point limit, K [U: BMS dead band].
pub const DEW_POINT_MARGIN_K: f64 = 0.5;
/// Margin kept below an air handler's supply RH limit, % \[U\].
pub const RH_MARGIN_PCT: f64 = 2.0;
/// Approach of an air-cooled free-cooling coil to the outdoor dry bulb, K (docs/physics.md §7.3:
/// dry coolers 5–10 K \[U\]).
pub const FREE_COOLING_COIL_APPROACH_K: f64 = 6.0;
/// Chiller evaporating temperature below the chilled-water supply, K \[U\].
pub const CHILLER_EVAPORATOR_APPROACH_K: f64 = 2.0;
/// Default restart delay of air units after their power returns, s [U: EC fans ~10–20 s].
pub const AIR_UNIT_RESTART_S: u64 = 15;

/// Whether a piece of cooling equipment runs: failures, power and restart delay.
#[derive(Clone, Debug)]
pub struct Availability {
    /// Failed (scripted) until restored.
    pub failed: bool,
    /// Running this tick.
    pub running: bool,
    /// Restart completes at this time, ms.
    pub restart_at_ms: Option<u64>,
    /// Restart delay, ms.
    pub restart_delay_ms: u64,
}

impl Availability {
    /// Running from the start.
    pub fn new(restart_delay_ms: u64) -> Self {
        Self { failed: false, running: true, restart_at_ms: None, restart_delay_ms }
    }

    /// Decides whether to run this tick from last tick's power; returns `(running, changed)`.
    pub fn update(&mut self, powered_last_tick: bool, t_ms: u64) -> (bool, bool) {
        let was = self.running;
        if self.failed || !powered_last_tick {
            self.running = false;
            self.restart_at_ms = None;
        } else if !self.running {
            let at = *self.restart_at_ms.get_or_insert(t_ms + self.restart_delay_ms);
            if t_ms >= at {
                self.running = true;
                self.restart_at_ms = None;
            }
        }
        (self.running, self.running != was)
    }
}

/// Kind-specific parameters of an air unit.
#[derive(Clone, Debug)]
pub enum AirUnitKind {
    /// Chilled-water CRAH.
    Crah {
        /// Rated sensible capacity, kW.
        capacity_kw: f64,
        /// Coil effectiveness from the rating.
        coil_effectiveness: f64,
        /// Chiller plant.
        plant: Entity,
    },
    /// DX CRAC.
    Crac {
        /// Capacity, kW.
        capacity_kw: f64,
        /// Rated COP.
        cop_rated: f64,
        /// Rated lift, K.
        rated_lift_k: f64,
    },
    /// Evaporative free-cooling AHU.
    Evaporative {
        /// Stages.
        stages: EvaporativeStages,
        /// Direct effectiveness.
        eff_direct: f64,
        /// Indirect effectiveness.
        eff_indirect: f64,
        /// Supply dew-point limit, °C.
        max_dew_point_c: f64,
        /// Supply RH limit, %.
        max_rh_pct: f64,
        /// DX trim `(capacity_kw, cop_rated, rated_lift_k)`.
        trim: Option<(f64, f64, f64)>,
        /// Outdoor conditions in which the pads may be wetted.
        pad_limits: PadLimits,
        /// Pad water pump power at design airflow, kW (scales with the airflow fraction; drawn
        /// only while the pads are wet).
        pad_pump_kw: f64,
    },
}

/// Outdoor conditions in which an evaporative unit may wet its pads, as EnergyPlus's
/// `EvaporativeCooler:Direct:ResearchSpecial` "Evaporative Operation Minimum Drybulb
/// Temperature" and "Maximum Limit Wetbulb Temperature": below the first the pads would only
/// humidify cold air, above the second they cool too little to be worth their water.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PadLimits {
    /// Pads stay dry below this outdoor dry bulb, °C.
    pub min_entering_dry_bulb_c: Option<f64>,
    /// Pads stay dry above this outdoor wet bulb, °C.
    pub max_entering_wet_bulb_c: Option<f64>,
}

impl PadLimits {
    /// Whether the pads may be wetted at outdoor dry bulb `t_db_c` and wet bulb `t_wb_c`.
    pub fn allow(&self, t_db_c: f64, t_wb_c: f64) -> bool {
        self.min_entering_dry_bulb_c.is_none_or(|min| t_db_c >= min)
            && self.max_entering_wet_bulb_c.is_none_or(|max| t_wb_c <= max)
    }
}

/// An air-side cooling unit.
#[derive(Component, Clone, Debug)]
pub struct AirUnit {
    /// Id.
    pub id: String,
    /// Hall served.
    pub hall: Entity,
    /// Kind.
    pub kind: AirUnitKind,
    /// Design airflow, kg/s of dry air.
    pub design_flow_kg_s: f64,
    /// Fan power at design flow, kW.
    pub fan_power_kw: f64,
    /// Fan control.
    pub fan_control: FanControl,
    /// Supply set point, °C.
    pub setpoint_c: f64,
    /// Running state.
    pub availability: Availability,
}

/// An air unit's operating point for this tick (chosen in [`SimStep::Control`]).
#[derive(Component, Clone, Debug, Default)]
pub struct AirUnitOp {
    /// Airflow, kg/s.
    pub flow_kg_s: f64,
    /// Fan power, kW.
    pub fan_kw: f64,
    /// Compressor power (CRAC or trim), kW.
    pub compressor_kw: f64,
    /// Outdoor-air fraction (evaporative units).
    pub outdoor_fraction: f64,
    /// Treated outdoor air temperature (after pads), °C.
    pub treated_c: f64,
    /// Humidity ratio of the supply, kg/kg.
    pub supply_w: f64,
    /// Pads wetted.
    pub pads_on: bool,
    /// Pad effort 0–1.
    pub pad_effort: f64,
    /// DX trim cooling, kW.
    pub trim_kw: f64,
    /// Water evaporated, L/h.
    pub water_l_per_h: f64,
    /// The unit cannot reach its set point.
    pub limited: bool,
    /// Sensible cooling done by evaporation, kW.
    pub evaporative_kw: f64,
    /// Pad water pump power, kW.
    pub pump_kw: f64,
}

/// A chilled-water plant.
#[derive(Component, Clone, Debug)]
pub struct ChillerPlant {
    /// Id.
    pub id: String,
    /// Capacity, kW.
    pub capacity_kw: f64,
    /// Rated COP.
    pub cop_rated: f64,
    /// Rated lift, K.
    pub rated_lift_k: f64,
    /// Chilled-water set point, °C.
    pub setpoint_c: f64,
    /// Condenser.
    pub condenser: Condenser,
    /// Water-side economiser.
    pub free_cooling: bool,
    /// Pumps at full flow, kW.
    pub pump_kw: f64,
    /// Chilled-water loop heat capacity, J/K.
    pub loop_capacity_j_per_k: f64,
    /// Chilled-water supply, °C.
    pub chw_c: f64,
    /// Coil load this tick, kW.
    pub coil_load_kw: f64,
    /// Heat taken out by the plant this tick, kW.
    pub removed_kw: f64,
    /// Share of the load carried by free cooling, 0–1.
    pub free_share: f64,
    /// Compressor power planned for this tick, kW.
    pub compressor_kw: f64,
    /// Heat the plant planned to take out this tick (and pays compressor power for), kW.
    pub planned_removal_kw: f64,
    /// Chilled-water pumps running (the loop's stored cold is usable).
    pub pumps_on: bool,
    /// Water evaporated (towers), L/h.
    pub water_l_per_h: f64,
    /// Running state.
    pub availability: Availability,
}

/// A direct-to-chip liquid loop with its CDU and heat rejection.
#[derive(Component, Clone, Debug)]
pub struct LiquidLoop {
    /// Id.
    pub id: String,
    /// Halls served.
    pub halls: Vec<Entity>,
    /// CDU capacity, kW.
    pub capacity_kw: f64,
    /// CDU approach, K.
    pub approach_k: f64,
    /// TCS supply set point, °C.
    pub setpoint_c: f64,
    /// Heat rejection.
    pub rejection: HeatRejection,
    /// Pumps at full flow, kW.
    pub pump_kw: f64,
    /// Coolant flow per kW of rack liquid heat at design, L/min/kW.
    pub flow_l_per_min_per_kw: f64,
    /// Coolant heat capacity, J/K.
    pub capacity_j_per_k: f64,
    /// TCS supply, °C.
    pub coolant_c: f64,
    /// Facility water, °C.
    pub facility_c: f64,
    /// Heat from racks this tick, kW.
    pub heat_in_kw: f64,
    /// Heat removed by the CDU this tick, kW.
    pub removed_kw: f64,
    /// Heat stored in the coolant this tick, kW.
    pub stored_kw: f64,
    /// Water evaporated, L/h.
    pub water_l_per_h: f64,
    /// Adiabatic assist active.
    pub adiabatic: bool,
    /// Running state.
    pub availability: Availability,
}

/// The cooling plant as the adaptive step sees it (see [`crate::adaptive`]).
#[derive(SystemParam)]
pub struct CoolingSteadiness<'w, 's> {
    units: Query<'w, 's, &'static AirUnit>,
    plants: Query<'w, 's, &'static ChillerPlant>,
    loops: Query<'w, 's, &'static LiquidLoop>,
}

impl CoolingSteadiness<'_, '_> {
    /// Why the cooling plant needs the shortest tick: equipment restarting after its power
    /// returned.
    pub fn unsteady(&self) -> Option<&'static str> {
        let restarting = |a: &Availability| a.restart_at_ms.is_some();
        if self.units.iter().any(|u| restarting(&u.availability))
            || self.plants.iter().any(|p| restarting(&p.availability))
            || self.loops.iter().any(|l| restarting(&l.availability))
        {
            return Some("cooling equipment restarting");
        }
        None
    }

    /// Pushes the temperatures whose change per tick bounds the tick, °C: chilled water and
    /// the liquid loops' coolant.
    pub fn temperatures(&self, out: &mut Vec<f64>) {
        out.extend(self.plants.iter().map(|p| p.chw_c));
        out.extend(self.loops.iter().map(|l| l.coolant_c));
    }
}

/// This tick's cooling books.
#[derive(Resource, Clone, Debug, Default)]
pub struct CoolingBooks {
    /// Water evaporated or made up on site, L/h.
    pub water_l_per_h: f64,
    /// Heat removed by liquid loops, kW.
    pub liquid_removed_kw: f64,
    /// Heat stored in liquid loops, kW.
    pub liquid_stored_kw: f64,
    /// Sensible cooling done by evaporation in air handlers, kW.
    pub evaporative_cooling_kw: f64,
    /// Water evaporated by air handlers' pads, L/h.
    pub evaporative_water_l_per_h: f64,
    /// Air units running.
    pub units_running: u32,
    /// Air units in total.
    pub units_total: u32,
    /// Air units unable to hold their set point.
    pub units_limited: u32,
}

/// The cooling domain.
#[derive(Default)]
pub struct CoolingPlugin;

impl Plugin for CoolingPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<CoolingBooks>()
            .add_systems(SimSchedule, apply_cooling_actions.in_set(EventPhase::Cooling))
            .add_systems(
                SimSchedule,
                (plan_air_units, plan_plants, plan_loops)
                    .chain()
                    .after(crate::power::PowerControl)
                    .in_set(SimStep::Control),
            )
            .add_systems(SimSchedule, air_unit_laws.in_set(SimStep::Cooling))
            .add_systems(
                SimSchedule,
                (update_plants, update_loops).chain().after(crate::thermal::SolveHalls).in_set(SimStep::Thermal),
            );
    }
}

fn apply_cooling_actions(
    clock: Res<SimClock>,
    due: Res<DueActions>,
    mut log: ResMut<EventLog>,
    mut units: Query<&mut AirUnit>,
    mut plants: Query<&mut ChillerPlant>,
    mut loops: Query<&mut LiquidLoop>,
) {
    let t = clock.t_s();
    for a in &due.0 {
        let (id, fail) = match &a.action {
            Action::CoolingFail { unit } => (unit, true),
            Action::CoolingRestore { unit } => (unit, false),
            _ => continue,
        };
        let mut hit = false;
        for mut u in &mut units {
            if u.id == *id {
                u.availability.failed = fail;
                hit = true;
            }
        }
        for mut p in &mut plants {
            if p.id == *id {
                p.availability.failed = fail;
                hit = true;
            }
        }
        for mut l in &mut loops {
            if l.id == *id {
                l.availability.failed = fail;
                hit = true;
            }
        }
        if hit && fail {
            log.log(t, EventKind::CoolingUnitDown, Severity::Alarm, id, "cooling equipment failed", None);
        }
    }
}

/// How a hall's running air units share the racks' draw `rack_draw_kg_s`: each constant-volume
/// unit moves its design flow; the variable ones cover the draw plus [`AIRFLOW_MARGIN`] less
/// what the constant ones move, as a fraction of their design flow held within
/// [`MIN_FLOW_FRACTION`]…1 (0 with no variable unit running). `units` are the running units'
/// `(fan control, design flow kg/s)`. The control stage's rule, also used for a hall's
/// initial state.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SupplySplit {
    /// Flow of the constant-volume units, kg/s.
    pub constant_kg_s: f64,
    /// Design flow of the variable-volume units, kg/s.
    pub variable_design_kg_s: f64,
    /// Flow fraction of the variable-volume units.
    pub variable_fraction: f64,
}

impl SupplySplit {
    /// The split for a rack draw `rack_draw_kg_s` over the running `units`.
    pub fn new(rack_draw_kg_s: f64, units: impl IntoIterator<Item = (FanControl, f64)>) -> Self {
        let mut want = rack_draw_kg_s * (1.0 + AIRFLOW_MARGIN);
        let (mut constant, mut variable) = (0.0, 0.0);
        for (control, design_kg_s) in units {
            match control {
                FanControl::Constant => {
                    want -= design_kg_s;
                    constant += design_kg_s;
                }
                FanControl::Variable => variable += design_kg_s,
            }
        }
        let variable_fraction = if variable > 0.0 { (want / variable).clamp(MIN_FLOW_FRACTION, 1.0) } else { 0.0 };
        Self { constant_kg_s: constant, variable_design_kg_s: variable, variable_fraction }
    }

    /// Supply air all the units move, kg/s.
    pub fn total_kg_s(&self) -> f64 {
        self.constant_kg_s + self.variable_design_kg_s * self.variable_fraction
    }
}

/// Fan power by the affinity law, kW.
pub fn fan_power_kw(design_kw: f64, flow_fraction: f64) -> f64 {
    design_kw * flow_fraction.powi(3)
}

#[allow(clippy::too_many_arguments)]
fn plan_air_units(
    clock: Res<SimClock>,
    outdoor: Res<Outdoor>,
    mut log: ResMut<EventLog>,
    mut books: ResMut<CoolingBooks>,
    halls: Query<(&Hall, &HallState)>,
    mut units: Query<(&mut AirUnit, &mut AirUnitOp, &mut PowerLoad, &AirDuty)>,
    mut pad_plans: Local<evaporative::PadPlans>,
) {
    let t = clock.t_s();
    pad_plans.clear();
    books.units_running = 0;
    books.units_total = 0;
    books.units_limited = 0;
    books.water_l_per_h = 0.0;
    books.evaporative_water_l_per_h = 0.0;
    books.evaporative_cooling_kw = 0.0;
    for (hall, st) in &halls {
        for &u in &hall.units {
            let Ok((mut unit, _, load, _)) = units.get_mut(u) else { continue };
            let powered = load.powered || clock.step == 0;
            let (running, changed) = unit.availability.update(powered, clock.t_ms);
            if changed {
                if running {
                    log.log(t, EventKind::CoolingUnitUp, Severity::Info, &unit.id, "cooling unit running", None);
                } else {
                    log.log(t, EventKind::CoolingUnitDown, Severity::Alarm, &unit.id, "cooling unit stopped", None);
                }
            }
        }
        // Airflow the racks want, with margin; constant-speed units first.
        let variable_fraction = SupplySplit::new(
            st.rack_flow_kg_s,
            hall.units
                .iter()
                .filter_map(|&u| units.get(u).ok())
                .filter(|(unit, ..)| unit.availability.running)
                .map(|(unit, ..)| (unit.fan_control, unit.design_flow_kg_s)),
        )
        .variable_fraction;
        for &u in &hall.units {
            let Ok((unit, mut op, mut load, duty)) = units.get_mut(u) else { continue };
            books.units_total += 1;
            if !unit.availability.running {
                *op = AirUnitOp { supply_w: st.humidity_ratio, ..default() };
                load.demand_kw = 0.0;
                continue;
            }
            books.units_running += 1;
            let fraction = match unit.fan_control {
                FanControl::Constant => 1.0,
                FanControl::Variable => variable_fraction,
            };
            let flow = unit.design_flow_kg_s * fraction;
            let fan_kw = fan_power_kw(unit.fan_power_kw, fraction);
            let cp = air_cp(st.humidity_ratio);
            let fan_dt = fan_kw * 1_000.0 / (flow * cp);
            let mut plan = AirUnitOp { flow_kg_s: flow, fan_kw, supply_w: st.humidity_ratio, ..default() };
            let was_limited = op.limited;
            match &unit.kind {
                AirUnitKind::Crah { .. } => {
                    plan.limited = duty.supply_c > unit.setpoint_c + 0.5;
                }
                AirUnitKind::Crac { capacity_kw, cop_rated, rated_lift_k } => {
                    let q = duty.removed_kw.clamp(0.0, *capacity_kw) + fan_kw;
                    let lift =
                        outdoor.dry_bulb_c + DX_CONDENSER_APPROACH_K - (unit.setpoint_c - DX_EVAPORATOR_APPROACH_K);
                    plan.compressor_kw = q / cop_at_lift(*cop_rated, *rated_lift_k, lift);
                    plan.limited = duty.supply_c > unit.setpoint_c + 0.5;
                }
                AirUnitKind::Evaporative {
                    stages,
                    eff_direct,
                    eff_indirect,
                    max_dew_point_c,
                    max_rh_pct,
                    trim,
                    pad_limits,
                    pad_pump_kw,
                } => {
                    let pads_allowed = pad_limits.allow(outdoor.dry_bulb_c, outdoor.wet_bulb_c);
                    plan_evaporative(
                        &mut plan,
                        &mut pad_plans,
                        &outdoor,
                        st,
                        unit.setpoint_c,
                        fan_dt,
                        cp,
                        (*stages, *eff_direct, *eff_indirect, *max_dew_point_c, *max_rh_pct),
                        *trim,
                        pads_allowed,
                    );
                    if plan.pads_on {
                        plan.pump_kw = pad_pump_kw * fraction;
                    }
                    if plan.pads_on != op.pads_on {
                        let (kind, msg) = if plan.pads_on {
                            (
                                EventKind::PadsOn,
                                format!(
                                    "evaporative pads on (outdoor {:.1} °C, wet bulb {:.1} °C)",
                                    outdoor.dry_bulb_c, outdoor.wet_bulb_c
                                ),
                            )
                        } else {
                            (EventKind::PadsOff, "evaporative pads off".to_owned())
                        };
                        log.log(t, kind, Severity::Info, &unit.id, msg, Some(outdoor.dry_bulb_c));
                    }
                }
            }
            if plan.limited != was_limited {
                if plan.limited {
                    log.log(
                        t,
                        EventKind::CoolingCapacityLimit,
                        Severity::Warning,
                        &unit.id,
                        format!(
                            "cannot hold {:.1} °C supply (outdoor {:.1} °C, wet bulb {:.1} °C)",
                            unit.setpoint_c, outdoor.dry_bulb_c, outdoor.wet_bulb_c
                        ),
                        Some(duty.supply_c),
                    );
                } else {
                    log.log(
                        t,
                        EventKind::CoolingCapacityRecovered,
                        Severity::Info,
                        &unit.id,
                        "supply set point held again",
                        None,
                    );
                }
            }
            if plan.limited {
                books.units_limited += 1;
            }
            books.water_l_per_h += plan.water_l_per_h;
            books.evaporative_water_l_per_h += plan.water_l_per_h;
            books.evaporative_cooling_kw += plan.evaporative_kw;
            load.demand_kw = plan.fan_kw + plan.compressor_kw + plan.pump_kw;
            *op = plan;
        }
    }
}

/// The evaporative AHU's controller: economiser, pads, trim (see [`evaporative`]).
#[allow(clippy::too_many_arguments)]
fn plan_evaporative(
    plan: &mut AirUnitOp,
    pad_plans: &mut evaporative::PadPlans,
    outdoor: &Outdoor,
    hall: &HallState,
    setpoint_c: f64,
    fan_dt: f64,
    cp: f64,
    (stages, eff_d, eff_i, max_dp, max_rh): (EvaporativeStages, f64, f64, f64, f64),
    trim: Option<(f64, f64, f64)>,
    pads_allowed: bool,
) {
    let oa = outdoor.air();
    let target = setpoint_c - fan_dt;
    let t_r = hall.room_c;
    // Controllers keep a margin inside the humidity limits [U: typical BMS dead band].
    let pads = pads_allowed
        .then(|| {
            pad_plans.plan(
                &oa,
                outdoor.wet_bulb_c,
                evaporative::Pads { stages, eff_direct: eff_d, eff_indirect: eff_i },
                target,
                max_dp - DEW_POINT_MARGIN_K,
                max_rh - RH_MARGIN_PCT,
            )
        })
        .flatten();
    let (treated, water_per_kg) = match pads {
        Some(tr) if tr.effort > 0.0 && tr.air.t_db_c < oa.t_db_c - 1e-6 => {
            plan.pads_on = true;
            plan.pad_effort = tr.effort;
            (tr.air, tr.water_kg_per_kg)
        }
        _ => (oa, 0.0),
    };
    // Mix with return air to land on the target (or take all outdoor air if still too warm;
    // none at all if the return is colder than the treated air).
    let x = if treated.t_db_c < t_r { evaporative::outdoor_fraction(treated.t_db_c, t_r, target) } else { 0.0 };
    plan.outdoor_fraction = x;
    plan.treated_c = treated.t_db_c;
    plan.supply_w = x * treated.w_kg_per_kg + (1.0 - x) * hall.humidity_ratio;
    let mixed = x * treated.t_db_c + (1.0 - x) * t_r;
    let supply = mixed + fan_dt;
    // Mechanical trim covers what evaporation cannot.
    if let Some((cap_kw, cop_rated, rated_lift)) = trim
        && supply > setpoint_c + 0.05
    {
        let q_kw = (plan.flow_kg_s * cp * (supply - setpoint_c) / 1_000.0).min(cap_kw);
        let lift = outdoor.dry_bulb_c + DX_CONDENSER_APPROACH_K - (setpoint_c - DX_EVAPORATOR_APPROACH_K);
        plan.trim_kw = q_kw;
        plan.compressor_kw = q_kw / cop_at_lift(cop_rated, rated_lift, lift);
    }
    let final_supply = supply - plan.trim_kw * 1_000.0 / (plan.flow_kg_s * cp);
    plan.limited = final_supply > setpoint_c + 0.5;
    let water_kg_s = plan.flow_kg_s * x * water_per_kg;
    plan.water_l_per_h = water_kg_s * 3_600.0; // 1 kg of water ≈ 1 L
    plan.evaporative_kw = plan.flow_kg_s * x * cp * (oa.t_db_c - treated.t_db_c) / 1_000.0;
}

fn plan_plants(
    clock: Res<SimClock>,
    outdoor: Res<Outdoor>,
    mut log: ResMut<EventLog>,
    mut plants: Query<(&mut ChillerPlant, &mut PowerLoad)>,
) {
    let t = clock.t_s();
    let dt = clock.dt_s();
    for (mut p, mut load) in &mut plants {
        let powered = load.powered || clock.step == 0;
        let (running, changed) = p.availability.update(powered, clock.t_ms);
        if changed {
            let (kind, sev, msg) = if running {
                (EventKind::CoolingUnitUp, Severity::Info, "chiller plant running")
            } else {
                (EventKind::CoolingUnitDown, Severity::Alarm, "chiller plant stopped")
            };
            log.log(t, kind, sev, &p.id, msg, None);
        }
        // Pumps restart within seconds; the chillers wait out their restart delay. With the
        // pumps running, the chilled-water loop's stored cold rides through (docs/physics.md §2.5).
        p.pumps_on = powered && !p.availability.failed;
        // Heat the plant will take out this tick: the coil load plus pulling the loop back
        // to its set point, within capacity. Compressor power is paid on all of it.
        let c = p.loop_capacity_j_per_k;
        p.planned_removal_kw = if running {
            (p.coil_load_kw + c * (p.chw_c - p.setpoint_c) / dt / 1_000.0).clamp(0.0, p.capacity_kw)
        } else {
            0.0
        };
        // Condensing side: air-cooled condensers follow the dry bulb, towers the wet bulb.
        let (t_cond, t_free, tower_cycles) = match p.condenser {
            Condenser::AirCooled { approach_k } => {
                (outdoor.dry_bulb_c + approach_k, outdoor.dry_bulb_c + FREE_COOLING_COIL_APPROACH_K, None)
            }
            Condenser::WaterCooled { approach_k, cycles_of_concentration } => {
                (outdoor.wet_bulb_c + approach_k, outdoor.wet_bulb_c + approach_k, Some(cycles_of_concentration))
            }
        };
        // Water-side economiser: the free-cooling exchanger pre-cools the return water; it
        // carries the whole load once its water is at or below the chilled-water supply.
        let chw_return = p.setpoint_c + CHW_COIL_DESIGN_RISE_K;
        p.free_share =
            if p.free_cooling { ((chw_return - t_free) / (chw_return - p.setpoint_c)).clamp(0.0, 1.0) } else { 0.0 };
        let lift = t_cond - (p.setpoint_c - CHILLER_EVAPORATOR_APPROACH_K);
        let cop = cop_at_lift(p.cop_rated, p.rated_lift_k, lift);
        p.compressor_kw = p.planned_removal_kw * (1.0 - p.free_share) / cop;
        let flow = (p.planned_removal_kw / p.capacity_kw.max(1e-9)).max(PUMP_MIN_FLOW_FRACTION);
        let pumps = if p.pumps_on { p.pump_kw * flow.powi(3) } else { 0.0 };
        let rejected = p.planned_removal_kw + p.compressor_kw;
        p.water_l_per_h = tower_cycles.map_or(0.0, |cyc| tower_water_l_per_h(rejected, cyc));
        load.demand_kw = p.compressor_kw + pumps;
    }
}

/// Cooling-tower make-up water for `rejected_kw`: evaporation `0.85·Q/h_fg` plus blowdown
/// `E/(CoC − 1)` (docs/physics.md §3.4), L/h.
pub fn tower_water_l_per_h(rejected_kw: f64, cycles: f64) -> f64 {
    let evap_kg_s = TOWER_EVAPORATION_SHARE * rejected_kw * 1_000.0 / psychro::latent_heat_vaporisation_j_per_kg(25.0);
    let blowdown = if cycles > 1.0 { evap_kg_s / (cycles - 1.0) } else { 0.0 };
    (evap_kg_s + blowdown) * 3_600.0
}

/// Facility water temperature and rejection water use of a loop.
fn facility_water(rej: &HeatRejection, outdoor: &Outdoor, q_kw: f64) -> (f64, f64, bool, f64) {
    match *rej {
        HeatRejection::DryCooler { approach_k, adiabatic_above_c, adiabatic_approach_k, fan_power_pct } => {
            let dry = outdoor.dry_bulb_c + approach_k;
            let fan = fan_power_pct / 100.0 * q_kw.max(0.0);
            match adiabatic_above_c {
                Some(switch) if outdoor.dry_bulb_c > switch => {
                    let wet = (outdoor.wet_bulb_c + adiabatic_approach_k).min(dry);
                    // Pre-cooling pads on the coil's air: water = ṁ_air·c·ΔT_pad / h_fg.
                    let cp = psychro::moist_air_cp_j_per_kg_k(outdoor.humidity_ratio);
                    let m_air = q_kw.max(0.0) * 1_000.0 / (cp * DRY_COOLER_AIR_DELTA_T_K);
                    let dt_pad = DRY_COOLER_PAD_EFFECTIVENESS * (outdoor.dry_bulb_c - outdoor.wet_bulb_c);
                    let water =
                        m_air * cp * dt_pad / psychro::latent_heat_vaporisation_j_per_kg(outdoor.wet_bulb_c) * 3_600.0;
                    (wet, water, true, fan)
                }
                _ => (dry, 0.0, false, fan),
            }
        }
        HeatRejection::Tower { approach_k, cycles_of_concentration, fan_power_pct } => (
            outdoor.wet_bulb_c + approach_k,
            tower_water_l_per_h(q_kw.max(0.0), cycles_of_concentration),
            false,
            fan_power_pct / 100.0 * q_kw.max(0.0),
        ),
    }
}

fn plan_loops(
    clock: Res<SimClock>,
    outdoor: Res<Outdoor>,
    mut log: ResMut<EventLog>,
    mut loops: Query<(&mut LiquidLoop, &mut PowerLoad)>,
) {
    let t = clock.t_s();
    for (mut l, mut load) in &mut loops {
        let powered = load.powered || clock.step == 0;
        let (running, changed) = l.availability.update(powered, clock.t_ms);
        if changed {
            let (kind, sev, msg) = if running {
                (EventKind::CoolingUnitUp, Severity::Info, "liquid loop running")
            } else {
                (EventKind::CoolingUnitDown, Severity::Critical, "liquid loop stopped: racks fall back to air")
            };
            log.log(t, kind, sev, &l.id, msg, None);
        }
        if !running {
            load.demand_kw = 0.0;
            continue;
        }
        let q = l.removed_kw.max(0.0);
        let (fws, water, adiabatic, fan_kw) = facility_water(&l.rejection, &outdoor, q);
        l.facility_c = fws;
        l.water_l_per_h = water;
        l.adiabatic = adiabatic;
        let flow = (q / l.capacity_kw.max(1e-9)).max(PUMP_MIN_FLOW_FRACTION);
        load.demand_kw = l.pump_kw * flow.powi(3) + fan_kw;
    }
}

/// Supply laws of the air units for the hall solve.
#[allow(clippy::type_complexity)]
fn air_unit_laws(
    halls: Query<&HallState>,
    plants: Query<(&ChillerPlant, &PowerLoad), Without<AirUnit>>,
    mut units: Query<(&AirUnit, &AirUnitOp, &PowerLoad, &mut SupplyLaw)>,
) {
    for (unit, op, load, mut law) in &mut units {
        law.hall = Some(unit.hall);
        let running = unit.availability.running && load.powered && op.flow_kg_s > 0.0;
        if !running {
            law.mass_flow_kg_s = 0.0;
            law.pieces.clear();
            law.cap = None;
            continue;
        }
        let hall = halls.get(unit.hall).ok();
        let cp = air_cp(hall.map_or(0.0, |h| h.humidity_ratio));
        let m = op.flow_kg_s;
        let fan_dt = op.fan_kw * 1_000.0 / (m * cp);
        law.mass_flow_kg_s = m;
        law.humidity_ratio = op.supply_w;
        law.pieces.clear();
        law.cap = None;
        match &unit.kind {
            AirUnitKind::Crah { coil_effectiveness, plant, .. } => {
                // Set point held, or coil-limited by the chilled water it gets (which warms
                // when the plant cannot keep up, so plant capacity limits through it). Without
                // chilled-water flow the coil does nothing; it never heats the air.
                law.pieces.push(Affine { a: unit.setpoint_c, b: 0.0 });
                match plants.get(*plant) {
                    Ok((p, pl)) if p.pumps_on && pl.powered => {
                        let e = *coil_effectiveness;
                        law.pieces.push(Affine { a: e * p.chw_c + fan_dt, b: 1.0 - e });
                    }
                    _ => law.pieces.push(Affine { a: fan_dt, b: 1.0 }),
                }
                law.cap = Some(Affine { a: fan_dt, b: 1.0 });
            }
            AirUnitKind::Crac { capacity_kw, .. } => {
                law.pieces.push(Affine { a: unit.setpoint_c, b: 0.0 });
                law.pieces.push(Affine { a: fan_dt - capacity_kw * 1_000.0 / (m * cp), b: 1.0 });
                law.cap = Some(Affine { a: fan_dt, b: 1.0 });
            }
            AirUnitKind::Evaporative { .. } => {
                let trim_dt = op.trim_kw * 1_000.0 / (m * cp);
                let room_c = hall.map_or(op.treated_c, |h| h.room_c);
                economiser_law(&mut law, op.treated_c, unit.setpoint_c, fan_dt - trim_dt, room_c);
            }
        }
    }
}

/// The economiser's supply law, solved with the hall (implicit): the dampers mix treated
/// outdoor air at `treated_c` with return air to hold `setpoint_c` after the fan's (and trim's)
/// `rise_k`, between all outdoor air `A = T_oa + rise` and all return air `R = T_r + rise`:
///
/// ```text
/// T_sup = min(R, max(A, T_set))    while the treated air is colder than the return
/// T_sup = min(A, max(R, T_set))    otherwise (the return is the colder source)
/// ```
///
/// (`room_c`, the return at the start of the tick, picks the branch.) Fixing the damper
/// position at the start of the tick instead (`T_sup = x·T_oa + (1−x)·T_r + rise`, `x` from
/// the last return) is unstable on long ticks: with a light room and cold air the loop gain
/// `(T_set − T_oa)/(T_r − T_sup)` exceeds 1 (−20 °C outdoors, 22 °C supply, 7.6 K room rise:
/// 5.5), and the supply swung by up to 2 K on 10-minute ticks where EnergyPlus, whose
/// controller iterates within the step, holds the set point (docs/validation.md).
pub fn economiser_law(law: &mut SupplyLaw, treated_c: f64, setpoint_c: f64, rise_k: f64, room_c: f64) {
    let outdoor = Affine { a: treated_c + rise_k, b: 0.0 };
    let ret = Affine { a: rise_k, b: 1.0 };
    let held = Affine { a: setpoint_c, b: 0.0 };
    if treated_c < room_c {
        law.pieces.extend([outdoor, held]);
        law.cap = Some(ret);
    } else {
        law.pieces.extend([ret, held]);
        law.cap = Some(outdoor);
    }
}

/// Chilled-water loops: coil loads in, chillers out; the loop warms when chillers are off.
fn update_plants(
    clock: Res<SimClock>,
    mut books: ResMut<CoolingBooks>,
    mut plants: Query<(Entity, &mut ChillerPlant, &PowerLoad)>,
    units: Query<(&AirUnit, &AirUnitOp, &AirDuty, &PowerLoad)>,
) {
    let dt = clock.dt_s();
    for (e, mut p, plant_load) in &mut plants {
        let mut coil = 0.0;
        for (u, op, duty, load) in &units {
            if let AirUnitKind::Crah { plant, .. } = u.kind
                && plant == e
                && load.powered
                && u.availability.running
            {
                // Coil load = net removal + the unit's fan heat (fans sit after the coil).
                coil += duty.removed_kw + op.fan_kw;
            }
        }
        p.coil_load_kw = coil;
        let c = p.loop_capacity_j_per_k;
        // The chillers take out what they planned (and were paid for), no more than needed.
        let removed = if p.availability.running && plant_load.powered {
            (coil + c * (p.chw_c - p.setpoint_c) / dt / 1_000.0).clamp(0.0, p.planned_removal_kw)
        } else {
            0.0
        };
        p.removed_kw = removed;
        p.chw_c += (coil - removed) * 1_000.0 * dt / c;
        if p.availability.running && plant_load.powered {
            books.water_l_per_h += p.water_l_per_h;
        }
    }
}

/// Liquid loops: rack heat in, CDU out, coolant temperature; tells halls what the racks see.
fn update_loops(
    clock: Res<SimClock>,
    mut books: ResMut<CoolingBooks>,
    mut loops: Query<(&mut LiquidLoop, &PowerLoad)>,
    mut halls: Query<&mut HallState>,
) {
    let dt = clock.dt_s();
    books.liquid_removed_kw = 0.0;
    books.liquid_stored_kw = 0.0;
    for (mut l, load) in &mut loops {
        let heat_in: f64 = l.halls.iter().filter_map(|&h| halls.get(h).ok()).map(|h| h.liquid_heat_kw).sum();
        l.heat_in_kw = heat_in;
        let available = l.availability.running && load.powered;
        let target = l.setpoint_c.max(l.facility_c + l.approach_k);
        let c = l.capacity_j_per_k;
        let removed = if available {
            (heat_in + c * (l.coolant_c - target) / dt / 1_000.0).clamp(0.0, l.capacity_kw)
        } else {
            0.0
        };
        let t0 = l.coolant_c;
        l.coolant_c += (heat_in - removed) * 1_000.0 * dt / c;
        l.removed_kw = removed;
        l.stored_kw = c * (l.coolant_c - t0) / dt / 1_000.0;
        books.liquid_removed_kw += removed;
        books.liquid_stored_kw += l.stored_kw;
        books.water_l_per_h += if available { l.water_l_per_h } else { 0.0 };
        for &h in &l.halls {
            if let Ok(mut st) = halls.get_mut(h) {
                st.liquid_available = available;
                st.coolant_c = l.coolant_c;
                st.coolant_flow_l_per_min_per_kw = l.flow_l_per_min_per_kw;
            }
        }
    }
}

/// Chiller condenser type.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub enum Condenser {
    /// Air-cooled: condensing at dry bulb + approach.
    AirCooled {
        /// Condensing temperature above outdoor dry bulb, K.
        #[serde(default = "defaults::air_cond_approach")]
        approach_k: f64,
    },
    /// Water-cooled with a cooling tower: condenser water at wet bulb + approach.
    WaterCooled {
        /// Tower approach to wet bulb, K (docs/physics.md §7.3: 3–5 K).
        #[serde(default = "defaults::tower_approach")]
        approach_k: f64,
        /// Cycles of concentration (blowdown, docs/physics.md §3.4).
        #[serde(default = "defaults::cycles")]
        cycles_of_concentration: f64,
    },
}

/// How a liquid loop rejects heat (docs/physics.md §7.3).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub enum HeatRejection {
    /// Dry cooler, optionally with adiabatic pre-cooling.
    DryCooler {
        /// Facility water above dry bulb, K (5–10 K).
        #[serde(default = "defaults::dry_approach")]
        approach_k: f64,
        /// Adiabatic pads on above this dry bulb, °C.
        #[serde(default)]
        adiabatic_above_c: Option<f64>,
        /// Facility water above wet bulb in adiabatic mode, K (~6 K).
        #[serde(default = "defaults::adiabatic_approach")]
        adiabatic_approach_k: f64,
        /// Fan power, % of heat rejected (1–3 %).
        #[serde(default = "defaults::dry_fan_pct")]
        fan_power_pct: f64,
    },
    /// Open cooling tower.
    Tower {
        /// Approach to wet bulb, K (3–5 K).
        #[serde(default = "defaults::tower_approach")]
        approach_k: f64,
        /// Cycles of concentration.
        #[serde(default = "defaults::cycles")]
        cycles_of_concentration: f64,
        /// Fan power, % of heat rejected.
        #[serde(default = "defaults::tower_fan_pct")]
        fan_power_pct: f64,
    },
}

/// Fan control of an air unit.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub enum FanControl {
    /// Always at design airflow (legacy CRAH).
    Constant,
    /// Airflow follows the racks' demand (EC fans, affinity law).
    #[default]
    Variable,
}

/// Default values of optional parameters, each with its source.
pub(crate) mod defaults {
    pub(crate) fn adiabatic_approach() -> f64 {
        6.0 // docs/physics.md §7.3: ~6 K to wet bulb [S]
    }
    pub(crate) fn air_cond_approach() -> f64 {
        12.0 // [U] air-cooled condenser: condensing ≈ dry bulb + 10–15 K
    }
    pub(crate) fn cycles() -> f64 {
        4.0 // docs/physics.md §3.4: CoC 3–7 [U]
    }
    pub(crate) fn dry_approach() -> f64 {
        6.0 // docs/physics.md §7.3: 5–10 K [U]
    }
    pub(crate) fn dry_fan_pct() -> f64 {
        2.0 // docs/physics.md §7.3: 1–3 % [U]
    }
    pub(crate) fn tower_approach() -> f64 {
        4.0 // docs/physics.md §7.3: 3–5 K [U]
    }
    pub(crate) fn tower_fan_pct() -> f64 {
        1.0 // [U]
    }
}
