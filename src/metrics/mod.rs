//! What the run measured: energy books, totals, extremes, envelope time, time series and the
//! summary that expectations test. See [`MetricsPlugin`].
//!
//! Books checked every tick (their worst relative error is reported):
//!
//! ```text
//! electricity:  grid + generators + battery discharge = IT + cooling + losses + battery charge
//! heat:         IT + in-hall losses = removed by air units + removed by liquid loops
//!                                    + stored in hall air/mass + GPU dies + coolant
//! ```
//!
//! KPIs (The Green Grid definitions): PUE = facility energy / IT energy; WUE = site water (L) /
//! IT energy (kWh); CO₂ = Σ grid kWh × the hour's carbon intensity + diesel L × 2.65 kg/L
//! (docs/physics.md §5.2, §6.1), booked by [`crate::economics`], which also prices the run.
//!
//! What limits a site: the peak loading of each class of equipment (output / rating: UPS,
//! transformers, distribution, the utility connection, chillers, liquid loops), so a capacity
//! study can say which gives first and with what margin the others stand.

pub mod expect;
pub mod guard;

use std::io::Write;

use bevy::prelude::*;
use serde::Serialize;

use crate::cooling::{AirUnitOp, ChillerPlant, CoolingBooks, LiquidLoop};
use crate::economics::{CarbonModel, CarbonReport, CostModel, CostReport, Ledger, Usage};
use crate::events::{EventDetail, EventKind, EventLog, TripCause};
use crate::fuel::{DIESEL_CO2_KG_PER_L, DIESEL_DENSITY_KG_PER_L, FuelState, SevesoClass};
use crate::load::{GpuBank, GpuState, RackLoad};
use crate::power::generator::GenState;
use crate::power::{Generator, NodeKind, PowerBooks, PowerNode, RackSupply, Ups, UtilityFeed};
use crate::schedule::{MetricsPhase, SimClock, SimSchedule};
use crate::thermal::ashrae::Band;
use crate::thermal::{Hall, HallState, RackAir, ThermalBooks};
use crate::weather::Outdoor;
use expect::{Expectation, Outcome};

/// How the outdoor air of the run was made, said in every summary (a synthetic year is not a
/// measured one).
#[derive(Resource, Clone, Debug, Default)]
pub struct ClimateNote(pub String);

/// Peak loading of each class of equipment, fraction of rating.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PeakLoading {
    /// UPS output / rating.
    pub ups: f64,
    /// Transformer output / rating.
    pub transformer: f64,
    /// PDUs, busways, RPPs: output / rating.
    pub distribution: f64,
    /// Grid import / utility capacity.
    pub utility: f64,
    /// Chiller coil load / capacity.
    pub chiller: f64,
    /// Liquid-loop heat / CDU capacity.
    pub liquid: f64,
}

/// Running totals and extremes.
#[derive(Resource, Clone, Debug, Default)]
pub struct RunTotals {
    /// Simulated seconds.
    pub seconds: f64,
    /// IT energy, kWh.
    pub it_kwh: f64,
    /// Cooling energy, kWh.
    pub cooling_kwh: f64,
    /// Electrical losses, kWh.
    pub losses_kwh: f64,
    /// Grid energy, kWh.
    pub grid_kwh: f64,
    /// Generator energy, kWh.
    pub generator_kwh: f64,
    /// Battery discharge (chemical), kWh.
    pub battery_out_kwh: f64,
    /// Battery charge (stored), kWh.
    pub battery_in_kwh: f64,
    /// Unserved IT, kWh.
    pub unserved_kwh: f64,
    /// Water, L.
    pub water_l: f64,
    /// Cooling done by evaporation in air handlers, kWh.
    pub evaporative_kwh: f64,
    /// Water evaporated by air handlers, L.
    pub evaporative_water_l: f64,
    /// Diesel burned, L.
    pub fuel_l: f64,
    /// Diesel delivered, L.
    pub delivered_l: f64,
    /// Hottest inlet, °C.
    pub max_inlet_c: f64,
    /// Hottest die, °C.
    pub max_gpu_c: f64,
    /// Lowest UPS state of charge, %.
    pub min_ups_soc_pct: f64,
    /// Lowest fuel autonomy, h.
    pub min_autonomy_h: f64,
    /// Highest grid import, kW.
    pub grid_peak_kw: f64,
    /// Most GPUs shut down at once.
    pub max_gpus_off: u32,
    /// Most GPUs throttling (throttle or slowdown) at once.
    pub max_gpus_throttled: u32,
    /// GPU-hours in throttle or slowdown.
    pub gpu_hours_throttled: f64,
    /// GPU-hours shut down.
    pub gpu_hours_off: f64,
    /// Most racks without power at once.
    pub max_racks_unpowered: u32,
    /// Hours with any inlet outside recommended.
    pub hours_outside_recommended: f64,
    /// Hours with any inlet outside A1.
    pub hours_outside_a1: f64,
    /// Hours with the hottest inlet above the recommended envelope's 27 °C.
    pub hours_inlet_above_27_c: f64,
    /// Hours with the hottest inlet above A1's 32 °C.
    pub hours_inlet_above_32_c: f64,
    /// Warmest hall room air, °C.
    pub max_room_c: f64,
    /// Worst relative error of the electrical books.
    pub max_electric_error: f64,
    /// Worst relative error of the heat books.
    pub max_heat_error: f64,
    /// Largest stored diesel seen, L.
    pub max_stored_l: f64,
    /// GPU-hours worked: GPUs powered and not shut down × their rack's utilisation × hours.
    pub gpu_hours_worked: f64,
    /// GPU-hours lost: GPUs shut down or in a rack without power × hours.
    pub gpu_hours_lost: f64,
    /// Hours in which no compressor ran (chillers, CRACs, DX trim) while IT drew power.
    pub free_cooling_hours: f64,
    /// Peak loading of each class of equipment.
    pub peak: PeakLoading,
}

/// One tick's site snapshot for the time series.
#[derive(Clone, Debug, Default)]
struct Sample {
    it_kw: f64,
    cooling_kw: f64,
    losses_kw: f64,
    grid_kw: f64,
    generator_kw: f64,
    battery_kw: f64,
    water_l_per_h: f64,
    fuel_burn_l_per_h: f64,
}

/// The time series: rows every `interval_ms`, power columns averaged over the interval,
/// state columns at the sample time.
#[derive(Resource, Default)]
pub struct Timeseries {
    /// Interval between rows, ms.
    pub interval_ms: u64,
    /// Column names.
    pub header: Vec<String>,
    /// Rows kept in memory (if `keep`).
    pub rows: Vec<Vec<f64>>,
    /// Whether to keep rows in memory.
    pub keep: bool,
    /// Where rows are streamed as CSV (through the `csv` crate: quoting where a hall id needs
    /// it, one writer for the header and the rows).
    sink: Option<csv::Writer<Box<dyn Write + Send + Sync>>>,
    acc: Sample,
    acc_s: f64,
    next_ms: u64,
    /// A write to the sink failed (reported at the end).
    pub error: Option<String>,
}

impl Timeseries {
    /// A time series with a row every `interval_ms` and columns `header`; with a sink, the
    /// header is written to it at once and every row as it is sampled.
    pub fn new(interval_ms: u64, keep: bool, header: Vec<String>, sink: Option<Box<dyn Write + Send + Sync>>) -> Self {
        let mut ts = Self { interval_ms: interval_ms.max(1), keep, header, ..default() };
        if let Some(sink) = sink {
            let mut w = csv::WriterBuilder::new().from_writer(sink);
            if let Err(e) = w.write_record(&ts.header) {
                ts.error = Some(e.to_string());
            }
            ts.sink = Some(w);
        }
        ts
    }

    /// Flushes and closes the sink; returns the first write error of the run, if any.
    pub fn close(&mut self) -> Option<String> {
        if let Some(mut w) = self.sink.take()
            && let Err(e) = w.flush()
        {
            self.error.get_or_insert(e.to_string());
        }
        self.error.take()
    }

    /// End of the interval of the next row, ms since the run start.
    pub fn next_row_ms(&self) -> u64 {
        self.next_ms
    }

    /// Writes `row` (CSV) and keeps it if asked.
    fn push(&mut self, row: Vec<f64>) {
        if let Some(sink) = self.sink.as_mut()
            && let Err(e) = sink.write_record(row.iter().map(|&v| format_value(v)))
        {
            self.error.get_or_insert(e.to_string());
        }
        if self.keep {
            self.rows.push(row);
        }
    }

    /// Column index by name.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }
}

/// Formats a number for the CSV: three decimals, integers without them, `inf` spelled out.
pub fn format_value(v: f64) -> String {
    if v.is_infinite() {
        return if v > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if v.is_nan() {
        return "nan".into();
    }
    if v == v.trunc() && v.abs() < 1e15 { format!("{}", v as i64) } else { format!("{v:.3}") }
}

/// The run's summary (`summary.json`).
#[derive(Clone, Debug, Serialize, Default)]
pub struct Summary {
    /// Scenario name.
    pub scenario: String,
    /// Seed.
    pub seed: u64,
    /// Simulated hours.
    pub duration_h: f64,
    /// Tick (the shortest tick of an adaptive run), s.
    pub tick_s: f64,
    /// Longest tick allowed, s (equal to `tick_s` for a fixed step).
    pub max_tick_s: f64,
    /// Ticks held at `tick_s` by a transient (adaptive runs).
    pub held_ticks: u64,
    /// Those ticks by what held them.
    pub held_by: std::collections::BTreeMap<&'static str, u64>,
    /// Ticks run.
    pub ticks: u64,
    /// Racks.
    pub racks: usize,
    /// GPUs.
    pub gpus: usize,
    /// IT energy, kWh.
    pub it_energy_kwh: f64,
    /// Facility energy (IT + cooling + electrical losses), kWh.
    pub facility_energy_kwh: f64,
    /// Cooling energy, kWh.
    pub cooling_energy_kwh: f64,
    /// Electrical losses, kWh.
    pub losses_energy_kwh: f64,
    /// Grid energy, kWh.
    pub grid_energy_kwh: f64,
    /// Generator energy, kWh.
    pub generator_energy_kwh: f64,
    /// Chemical energy drawn from UPS batteries, kWh.
    pub battery_discharge_kwh: f64,
    /// Energy stored into UPS batteries, kWh.
    pub battery_charge_kwh: f64,
    /// PUE.
    pub pue: f64,
    /// WUE, L/kWh.
    pub wue_l_per_kwh: f64,
    /// Water, L.
    pub water_used_l: f64,
    /// Air handlers' water per kWh of their evaporative cooling, L/kWh.
    pub water_per_evaporative_kwh: f64,
    /// CO₂ total, kg.
    pub co2_kg: f64,
    /// CO₂ from the grid, kg.
    pub co2_grid_kg: f64,
    /// CO₂ from diesel, kg.
    pub co2_diesel_kg: f64,
    /// Electricity cost, €.
    pub electricity_cost_eur: f64,
    /// How the outdoor air was made (synthetic year, weather file, constant, diurnal).
    pub climate: String,
    /// Hours in which no compressor ran while IT drew power (free cooling).
    pub free_cooling_hours: f64,
    /// GPU-hours worked (powered, not shut down, × utilisation).
    pub gpu_hours_worked: f64,
    /// GPU-hours lost to shutdowns and dark racks.
    pub gpu_hours_lost: f64,
    /// Peak UPS output / rating, %.
    pub peak_ups_load_pct: f64,
    /// Peak transformer output / rating, %.
    pub peak_transformer_load_pct: f64,
    /// Peak PDU, busway or RPP output / rating, %.
    pub peak_distribution_load_pct: f64,
    /// Peak grid import / utility capacity, %.
    pub peak_utility_load_pct: f64,
    /// Peak chiller coil load / capacity, %.
    pub peak_chiller_load_pct: f64,
    /// Peak liquid-loop heat / CDU capacity, %.
    pub peak_liquid_load_pct: f64,
    /// Cost of ownership per year.
    pub cost: CostReport,
    /// Carbon per year.
    pub carbon: CarbonReport,
    /// Diesel burned, L.
    pub fuel_used_l: f64,
    /// Diesel delivered, L.
    pub fuel_delivered_l: f64,
    /// Tankers unloaded.
    pub fuel_deliveries: u32,
    /// Diesel on site at the end, L.
    pub fuel_remaining_l: f64,
    /// Fuel autonomy at the end, h.
    pub fuel_autonomy_h: f64,
    /// Lowest fuel autonomy, h.
    pub min_fuel_autonomy_h: f64,
    /// Diesel storage capacity as mass, t.
    pub diesel_stored_t: f64,
    /// Seveso class of the storage capacity.
    pub seveso_class: SevesoClass,
    /// Hottest rack inlet, °C.
    pub max_inlet_c: f64,
    /// Hottest GPU die, °C.
    pub max_gpu_temp_c: f64,
    /// Hours with any rack inlet outside recommended.
    pub hours_outside_recommended: f64,
    /// Hours with any rack inlet outside A1.
    pub hours_outside_a1: f64,
    /// Hours with the hottest rack inlet above 27 °C, the recommended envelope's upper dry
    /// bulb (docs/physics.md §2.2), whatever the humidity.
    pub hours_inlet_above_27_c: f64,
    /// Hours with the hottest rack inlet above 32 °C, A1's upper dry bulb (docs/physics.md §2.2).
    pub hours_inlet_above_32_c: f64,
    /// Warmest room air of any hall over the run (the well-mixed room / return node), °C.
    pub max_room_c: f64,
    /// Rack-hours per ASHRAE band.
    pub rack_hours_by_band: Vec<(Band, f64)>,
    /// Rack-hours inside H1.
    pub rack_hours_h1: f64,
    /// Most GPUs throttling at once.
    pub gpus_throttled: u32,
    /// Most GPUs shut down at once.
    pub gpus_shutdown: u32,
    /// GPU-hours throttled.
    pub gpu_hours_throttled: f64,
    /// GPU-hours shut down.
    pub gpu_hours_off: f64,
    /// Breaker trips by protection.
    pub breaker_trips: u32,
    /// Generator failures (failed starts, trips, fuel outs).
    pub generator_failures: u32,
    /// Generator starts that came online.
    pub generator_starts: u32,
    /// IT energy not served, kWh.
    pub load_dropped_kwh: f64,
    /// Most racks unpowered at once.
    pub racks_unpowered_max: u32,
    /// Lowest UPS state of charge, %.
    pub min_ups_soc_pct: f64,
    /// Highest grid import, kW.
    pub grid_peak_kw: f64,
    /// Largest relative error of the electrical books in any tick.
    pub energy_balance_error: f64,
    /// Largest relative error of the heat books in any tick.
    pub heat_balance_error: f64,
    /// Expectations and their outcome.
    pub expectations: Vec<Outcome>,
}

impl Summary {
    /// A metric by expectation name.
    pub fn metric(&self, name: &str) -> Option<f64> {
        Some(match name {
            "max_inlet_c" => self.max_inlet_c,
            "max_gpu_temp_c" => self.max_gpu_temp_c,
            "pue" => self.pue,
            "wue_l_per_kwh" => self.wue_l_per_kwh,
            "co2_kg" => self.co2_kg,
            "it_energy_kwh" => self.it_energy_kwh,
            "facility_energy_kwh" => self.facility_energy_kwh,
            "fuel_used_l" => self.fuel_used_l,
            "water_used_l" => self.water_used_l,
            "min_fuel_autonomy_h" => self.min_fuel_autonomy_h,
            "min_ups_soc_pct" => self.min_ups_soc_pct,
            "breaker_trips" => f64::from(self.breaker_trips),
            "generator_failures" => f64::from(self.generator_failures),
            "load_dropped_kwh" => self.load_dropped_kwh,
            "gpus_shutdown" => f64::from(self.gpus_shutdown),
            "gpus_throttled" => f64::from(self.gpus_throttled),
            "hours_outside_recommended" => self.hours_outside_recommended,
            "hours_outside_a1" => self.hours_outside_a1,
            "hours_inlet_above_27_c" => self.hours_inlet_above_27_c,
            "hours_inlet_above_32_c" => self.hours_inlet_above_32_c,
            "max_room_c" => self.max_room_c,
            "grid_peak_kw" => self.grid_peak_kw,
            "fuel_deliveries" => f64::from(self.fuel_deliveries),
            "diesel_stored_t" => self.diesel_stored_t,
            "energy_balance_error" => self.energy_balance_error.max(self.heat_balance_error),
            "free_cooling_hours" => self.free_cooling_hours,
            "gpu_hours_lost" => self.gpu_hours_lost,
            "peak_ups_load_pct" => self.peak_ups_load_pct,
            "peak_transformer_load_pct" => self.peak_transformer_load_pct,
            "peak_distribution_load_pct" => self.peak_distribution_load_pct,
            "peak_utility_load_pct" => self.peak_utility_load_pct,
            "peak_chiller_load_pct" => self.peak_chiller_load_pct,
            "peak_liquid_load_pct" => self.peak_liquid_load_pct,
            "electricity_cost_eur" => self.electricity_cost_eur,
            "capex_eur" => self.cost.capex_eur,
            "capex_eur_per_year" => self.cost.capex_eur_per_year,
            "opex_eur_per_year" => self.cost.opex_eur_per_year,
            "tco_eur_per_year" => self.cost.tco_eur_per_year,
            "eur_per_gpu_hour" => self.cost.eur_per_gpu_hour.unwrap_or(f64::NAN),
            "lost_load_eur_per_year" => self.cost.lost_load_eur_per_year,
            "co2_t_per_year" => self.carbon.operational_t_per_year,
            "embodied_co2_t_per_year" => self.carbon.embodied_t_per_year,
            "co2_g_per_gpu_hour" => self.carbon.total_g_per_gpu_hour.unwrap_or(f64::NAN),
            "water_m3_per_year" => self.water_used_l / 1_000.0 * self.per_year(),
            "facility_mwh_per_year" => self.facility_energy_kwh / 1_000.0 * self.per_year(),
            _ => return None,
        })
    }

    /// Factor from the run's totals to a year (8 760 h / run hours).
    pub fn per_year(&self) -> f64 {
        crate::economics::year_scale(self.duration_h)
    }

    /// Whether every expectation holds.
    pub fn passed(&self) -> bool {
        self.expectations.iter().all(|o| o.passed)
    }
}

/// The run's expectations.
#[derive(Resource, Clone, Debug, Default)]
pub struct Expectations(pub Vec<Expectation>);

/// The metrics domain.
#[derive(Default)]
pub struct MetricsPlugin;

impl Plugin for MetricsPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<RunTotals>()
            .init_resource::<Expectations>()
            .init_resource::<guard::NumericFault>()
            .add_systems(
                SimSchedule,
                (
                    (accumulate, accumulate_limits, sample).chain().in_set(MetricsPhase::Books),
                    guard::guard_finite.in_set(MetricsPhase::Guard),
                ),
            );
    }
}

/// Relative error of a balance `lhs = rhs` with a floor so idle sites don't divide by zero.
fn relative_error(lhs: f64, rhs: f64, scale: f64) -> f64 {
    (lhs - rhs).abs() / scale.max(1.0)
}

#[allow(clippy::too_many_arguments)]
fn accumulate(
    clock: Res<SimClock>,
    power: Res<PowerBooks>,
    heat: Res<ThermalBooks>,
    cooling: Res<CoolingBooks>,
    fuel: Res<FuelState>,
    mut totals: ResMut<RunTotals>,
    halls: Query<&HallState>,
    racks: Query<(&RackAir, &GpuBank, &RackLoad, &RackSupply)>,
    upses: Query<&Ups>,
) {
    let dt = clock.dt_s();
    let h = dt / 3_600.0;
    let t = &mut *totals;
    if clock.step == 0 {
        t.min_ups_soc_pct = 100.0;
        t.min_autonomy_h = f64::INFINITY;
        t.max_inlet_c = f64::NEG_INFINITY;
        t.max_room_c = f64::NEG_INFINITY;
        t.max_gpu_c = f64::NEG_INFINITY;
    }
    t.seconds += dt;
    t.it_kwh += power.it_kw * h;
    t.cooling_kwh += power.cooling_kw * h;
    t.losses_kwh += power.losses_kw() * h;
    t.grid_kwh += power.grid_kw * h;
    t.generator_kwh += power.generator_kw * h;
    t.battery_out_kwh += power.battery_discharge_kw * h;
    t.battery_in_kwh += power.battery_charge_kw * h;
    t.unserved_kwh += power.unserved_kw * h;
    t.water_l += cooling.water_l_per_h * h;
    t.evaporative_kwh += cooling.evaporative_cooling_kw * h;
    t.evaporative_water_l += cooling.evaporative_water_l_per_h * h;
    t.fuel_l += fuel.burned_l;
    t.delivered_l += fuel.delivered_l;
    t.grid_peak_kw = t.grid_peak_kw.max(power.grid_kw);
    t.min_autonomy_h = t.min_autonomy_h.min(fuel.autonomy_h);
    t.max_stored_l = t.max_stored_l.max(fuel.stored_l);
    t.max_racks_unpowered = t.max_racks_unpowered.max(power.racks_unpowered);

    // Books.
    let uses = power.it_kw + power.cooling_kw + power.losses_kw() + power.battery_charge_kw;
    t.max_electric_error = t.max_electric_error.max(relative_error(power.imbalance_kw() + uses, uses, uses));
    let produced = heat.rack_electric_kw + heat.hall_losses_kw;
    let accounted = heat.air_removed_kw
        + cooling.liquid_removed_kw
        + heat.hall_stored_kw
        + heat.gpu_stored_kw
        + cooling.liquid_stored_kw;
    t.max_heat_error = t.max_heat_error.max(relative_error(produced, accounted, produced.abs()));

    // Extremes and envelope time.
    let mut any_out_rec = false;
    let mut any_out_a1 = false;
    let mut hottest_inlet = f64::NEG_INFINITY;
    for st in &halls {
        hottest_inlet = hottest_inlet.max(st.max_inlet_c);
        t.max_room_c = t.max_room_c.max(st.room_c);
    }
    t.max_inlet_c = t.max_inlet_c.max(hottest_inlet);
    if hottest_inlet > crate::thermal::ashrae::RECOMMENDED.max_c {
        t.hours_inlet_above_27_c += h;
    }
    if hottest_inlet > crate::thermal::ashrae::A1.max_c {
        t.hours_inlet_above_32_c += h;
    }
    let (mut throttled, mut off) = (0u32, 0u32);
    let (mut worked, mut lost) = (0.0, 0.0);
    for (air, bank, load, supply) in &racks {
        if let Some(b) = air.exposure.current {
            any_out_rec |= b > Band::Recommended;
            any_out_a1 |= b > Band::A1;
        }
        if !bank.is_empty() {
            t.max_gpu_c = t.max_gpu_c.max(f64::from(bank.hottest_c));
            throttled += bank.counts[GpuState::Throttled as usize] + bank.counts[GpuState::Slowdown as usize];
            let down = bank.counts[GpuState::Shutdown as usize];
            off += down;
            let (w, l) = gpus_working_and_lost(bank.len() as u32, down, supply.powered);
            worked += f64::from(w) * load.utilisation;
            lost += f64::from(l);
        }
    }
    t.gpu_hours_worked += worked * h;
    t.gpu_hours_lost += lost * h;
    if any_out_rec {
        t.hours_outside_recommended += h;
    }
    if any_out_a1 {
        t.hours_outside_a1 += h;
    }
    t.max_gpus_throttled = t.max_gpus_throttled.max(throttled);
    t.max_gpus_off = t.max_gpus_off.max(off);
    t.gpu_hours_throttled += f64::from(throttled) * h;
    t.gpu_hours_off += f64::from(off) * h;
    for u in &upses {
        t.min_ups_soc_pct = t.min_ups_soc_pct.min(u.battery.soc() * 100.0);
    }
}

/// GPUs of a rack that work and that are lost this tick: all lost in a rack without power,
/// else the shut-down ones.
fn gpus_working_and_lost(gpus: u32, shut_down: u32, powered: bool) -> (u32, u32) {
    if powered { (gpus.saturating_sub(shut_down), shut_down.min(gpus)) } else { (0, gpus) }
}

/// Peak equipment loading and free-cooling hours.
#[allow(clippy::too_many_arguments)]
fn accumulate_limits(
    clock: Res<SimClock>,
    power: Res<PowerBooks>,
    mut totals: ResMut<RunTotals>,
    nodes: Query<&PowerNode>,
    utilities: Query<&UtilityFeed>,
    chillers: Query<&ChillerPlant>,
    loops: Query<&LiquidLoop>,
    units: Query<&AirUnitOp>,
) {
    let t = &mut *totals;
    let p = &mut t.peak;
    for n in &nodes {
        let slot = match n.kind {
            NodeKind::Ups => &mut p.ups,
            NodeKind::Transformer => &mut p.transformer,
            NodeKind::Distribution => &mut p.distribution,
            _ => continue,
        };
        *slot = slot.max(n.loading());
    }
    let capacity_kw: f64 = utilities.iter().map(|u| u.capacity_kw).sum();
    if capacity_kw > 0.0 {
        p.utility = p.utility.max(power.grid_kw / capacity_kw);
    }
    let mut compressors_kw = 0.0;
    for c in &chillers {
        p.chiller = p.chiller.max(c.coil_load_kw / c.capacity_kw.max(1e-9));
        compressors_kw += c.compressor_kw;
    }
    for l in &loops {
        p.liquid = p.liquid.max(l.heat_in_kw / l.capacity_kw.max(1e-9));
    }
    compressors_kw += units.iter().map(|u| u.compressor_kw).sum::<f64>();
    if power.it_kw > 0.0 && compressors_kw <= 0.0 {
        t.free_cooling_hours += clock.dt_s() / 3_600.0;
    }
}

/// Names of the site-level time-series columns (per-hall columns follow).
pub const SITE_COLUMNS: &[&str] = &[
    "t_s",
    "outdoor_db_c",
    "outdoor_wb_c",
    "outdoor_rh_pct",
    "it_kw",
    "cooling_kw",
    "losses_kw",
    "facility_kw",
    "pue",
    "grid_kw",
    "generator_kw",
    "battery_kw",
    "ups_soc_min_pct",
    "generators_running",
    "fuel_l",
    "fuel_burn_l_per_h",
    "autonomy_h",
    "water_l_per_h",
    "max_inlet_c",
    "mean_inlet_c",
    "max_gpu_c",
    "gpus_throttled",
    "gpus_off",
    "racks_unpowered",
    "cooling_units_running",
];

/// Builds the header from the halls.
pub fn timeseries_header(hall_ids: &[String]) -> Vec<String> {
    let mut h: Vec<String> = SITE_COLUMNS.iter().map(|s| (*s).to_owned()).collect();
    for id in hall_ids {
        for col in ["room_c", "supply_c", "max_inlet_c", "dew_point_c", "liquid_c"] {
            h.push(format!("{id}.{col}"));
        }
    }
    h
}

#[allow(clippy::too_many_arguments)]
fn sample(
    clock: Res<SimClock>,
    power: Res<PowerBooks>,
    cooling: Res<CoolingBooks>,
    fuel: Res<FuelState>,
    outdoor: Res<Outdoor>,
    mut ts: ResMut<Timeseries>,
    halls: Query<(&Hall, &HallState)>,
    racks: Query<&GpuBank>,
    gens: Query<&Generator>,
    upses: Query<&Ups>,
) {
    let dt = clock.dt_s();
    let a = &mut ts.acc;
    a.it_kw += power.it_kw * dt;
    a.cooling_kw += power.cooling_kw * dt;
    a.losses_kw += power.losses_kw() * dt;
    a.grid_kw += power.grid_kw * dt;
    a.generator_kw += power.generator_kw * dt;
    a.battery_kw += (power.battery_discharge_kw - power.battery_charge_kw) * dt;
    a.water_l_per_h += cooling.water_l_per_h * dt;
    a.fuel_burn_l_per_h += fuel.burn_l_per_h * dt;
    ts.acc_s += dt;
    let end_ms = clock.t_ms + clock.dt.as_ms();
    if clock.step == 0 {
        ts.next_ms = ts.interval_ms;
    }
    let last = end_ms >= clock.end_ms;
    if end_ms < ts.next_ms && !last {
        return;
    }
    while ts.next_ms <= end_ms {
        ts.next_ms += ts.interval_ms;
    }
    let span = ts.acc_s.max(1e-9);
    let m = core::mem::take(&mut ts.acc);
    ts.acc_s = 0.0;
    let it = m.it_kw / span;
    let facility = (m.it_kw + m.cooling_kw + m.losses_kw) / span;
    let (mut max_in, mut sum_in, mut n_in) = (f64::NEG_INFINITY, 0.0, 0.0);
    for (_, st) in &halls {
        max_in = max_in.max(st.max_inlet_c);
        sum_in += st.mean_inlet_c;
        n_in += 1.0;
    }
    let (mut max_gpu, mut thr, mut off) = (f64::NEG_INFINITY, 0u32, 0u32);
    for b in &racks {
        if !b.is_empty() {
            max_gpu = max_gpu.max(f64::from(b.hottest_c));
            thr += b.counts[GpuState::Throttled as usize] + b.counts[GpuState::Slowdown as usize];
            off += b.counts[GpuState::Shutdown as usize];
        }
    }
    let soc = upses.iter().map(|u| u.battery.soc() * 100.0).fold(f64::INFINITY, f64::min);
    let mut row = vec![
        end_ms as f64 / 1_000.0,
        outdoor.dry_bulb_c,
        outdoor.wet_bulb_c,
        outdoor.rh_pct,
        it,
        m.cooling_kw / span,
        m.losses_kw / span,
        facility,
        if it > 0.0 { facility / it } else { 0.0 },
        m.grid_kw / span,
        m.generator_kw / span,
        m.battery_kw / span,
        if soc.is_finite() { soc } else { 100.0 },
        gens.iter().filter(|g| g.state == GenState::Running).count() as f64,
        fuel.stored_l,
        m.fuel_burn_l_per_h / span,
        if fuel.autonomy_h.is_finite() { fuel.autonomy_h } else { -1.0 },
        m.water_l_per_h / span,
        if max_in.is_finite() { max_in } else { 0.0 },
        if n_in > 0.0 { sum_in / n_in } else { 0.0 },
        if max_gpu.is_finite() { max_gpu } else { 0.0 },
        f64::from(thr),
        f64::from(off),
        f64::from(power.racks_unpowered),
        f64::from(cooling.units_running),
    ];
    for (_, st) in &halls {
        row.extend([
            st.room_c,
            st.supply_c,
            st.max_inlet_c,
            crate::psychro::dew_point_c(st.humidity_ratio, outdoor.pressure_pa),
            if st.liquid_available { st.coolant_c } else { f64::NAN },
        ]);
    }
    ts.push(row);
}

/// Builds the summary at the end of a run.
pub fn summarize(world: &mut World, scenario_name: &str, seed: u64) -> Summary {
    let clock = world.resource::<SimClock>().clone();
    let step = world
        .get_resource::<crate::schedule::StepControl>()
        .cloned()
        .unwrap_or_else(|| crate::schedule::StepControl::new(clock.dt, clock.dt));
    let t = world.resource::<RunTotals>().clone();
    let ledger = world.resource::<Ledger>().clone();
    let climate = world.get_resource::<ClimateNote>().map(|c| c.0.clone()).unwrap_or_default();
    let fuel = world.resource::<FuelState>().clone();
    let log = world.resource::<EventLog>();
    let breaker_trips = log
        .events
        .iter()
        .filter(|e| matches!(e.detail, EventDetail::BreakerTrip { cause, .. } if cause != TripCause::Manual))
        .count() as u32;
    let generator_failures =
        (log.count(EventKind::GeneratorFailedToStart) + log.count(EventKind::GeneratorTripped)) as u32;
    let generator_starts = log.count(EventKind::GeneratorOnline) as u32;
    let mut band_s = [0.0; 6];
    let mut h1_s = 0.0;
    let mut racks = 0;
    let mut gpus = 0;
    let mut q = world.query::<(&RackAir, &GpuBank)>();
    for (air, bank) in q.iter(world) {
        racks += 1;
        gpus += bank.len();
        for (b, s) in band_s.iter_mut().zip(air.exposure.band_s) {
            *b += s;
        }
        h1_s += air.exposure.h1_s;
    }
    let facility = t.it_kwh + t.cooling_kwh + t.losses_kwh;
    let co2_grid = ledger.grid_co2_kg;
    let co2_diesel = t.fuel_l * DIESEL_CO2_KG_PER_L;
    let usage = Usage {
        hours: clock.t_s() / 3_600.0,
        grid_kwh: t.grid_kwh,
        water_l: t.water_l,
        fuel_burned_l: t.fuel_l,
        deliveries: fuel.deliveries,
        gpu_hours_worked: t.gpu_hours_worked,
        gpu_hours_lost: t.gpu_hours_lost,
    };
    let (cost, carbon) = match (world.get_resource::<CostModel>(), world.get_resource::<CarbonModel>()) {
        (Some(c), Some(k)) => crate::economics::assess(c, k, &ledger, &usage),
        _ => Default::default(),
    };
    let stored_t = fuel.capacity_l * DIESEL_DENSITY_KG_PER_L / 1_000.0;
    let finite = |x: f64, d: f64| if x.is_finite() { x } else { d };
    let mut s = Summary {
        scenario: scenario_name.to_owned(),
        seed,
        duration_h: clock.t_s() / 3_600.0,
        tick_s: step.min.as_secs_f64(),
        max_tick_s: step.max.as_secs_f64(),
        held_ticks: step.held_ticks,
        held_by: step.held_by_reason.clone(),
        ticks: clock.step,
        racks,
        gpus,
        it_energy_kwh: t.it_kwh,
        facility_energy_kwh: facility,
        cooling_energy_kwh: t.cooling_kwh,
        losses_energy_kwh: t.losses_kwh,
        grid_energy_kwh: t.grid_kwh,
        generator_energy_kwh: t.generator_kwh,
        battery_discharge_kwh: t.battery_out_kwh,
        battery_charge_kwh: t.battery_in_kwh,
        pue: if t.it_kwh > 0.0 { facility / t.it_kwh } else { 0.0 },
        wue_l_per_kwh: if t.it_kwh > 0.0 { t.water_l / t.it_kwh } else { 0.0 },
        water_used_l: t.water_l,
        water_per_evaporative_kwh: if t.evaporative_kwh > 0.0 {
            t.evaporative_water_l / t.evaporative_kwh
        } else {
            0.0
        },
        co2_kg: co2_grid + co2_diesel,
        co2_grid_kg: co2_grid,
        co2_diesel_kg: co2_diesel,
        electricity_cost_eur: ledger.electricity_eur,
        climate,
        free_cooling_hours: t.free_cooling_hours,
        gpu_hours_worked: t.gpu_hours_worked,
        gpu_hours_lost: t.gpu_hours_lost,
        peak_ups_load_pct: t.peak.ups * 100.0,
        peak_transformer_load_pct: t.peak.transformer * 100.0,
        peak_distribution_load_pct: t.peak.distribution * 100.0,
        peak_utility_load_pct: t.peak.utility * 100.0,
        peak_chiller_load_pct: t.peak.chiller * 100.0,
        peak_liquid_load_pct: t.peak.liquid * 100.0,
        cost,
        carbon,
        fuel_used_l: t.fuel_l,
        fuel_delivered_l: t.delivered_l,
        fuel_deliveries: fuel.deliveries,
        fuel_remaining_l: fuel.stored_l,
        fuel_autonomy_h: finite(fuel.autonomy_h, -1.0),
        min_fuel_autonomy_h: finite(t.min_autonomy_h, -1.0),
        diesel_stored_t: stored_t,
        seveso_class: SevesoClass::of_tonnes(stored_t),
        max_inlet_c: finite(t.max_inlet_c, 0.0),
        max_gpu_temp_c: finite(t.max_gpu_c, 0.0),
        hours_outside_recommended: t.hours_outside_recommended,
        hours_outside_a1: t.hours_outside_a1,
        hours_inlet_above_27_c: t.hours_inlet_above_27_c,
        hours_inlet_above_32_c: t.hours_inlet_above_32_c,
        max_room_c: finite(t.max_room_c, 0.0),
        rack_hours_by_band: Band::ALL.iter().map(|&b| (b, band_s[b as usize] / 3_600.0)).collect(),
        rack_hours_h1: h1_s / 3_600.0,
        gpus_throttled: t.max_gpus_throttled,
        gpus_shutdown: t.max_gpus_off,
        gpu_hours_throttled: t.gpu_hours_throttled,
        gpu_hours_off: t.gpu_hours_off,
        breaker_trips,
        generator_failures,
        generator_starts,
        load_dropped_kwh: t.unserved_kwh,
        racks_unpowered_max: t.max_racks_unpowered,
        min_ups_soc_pct: t.min_ups_soc_pct,
        grid_peak_kw: t.grid_peak_kw,
        energy_balance_error: t.max_electric_error,
        heat_balance_error: t.max_heat_error,
        expectations: Vec::new(),
    };
    let exps = world.resource::<Expectations>().0.clone();
    s.expectations = exps.iter().map(|e| e.evaluate(&s)).collect();
    s
}
