//! Turns a validated scenario into a Bevy world: one entity per element, the domain plugins
//! and their resources.

use std::collections::BTreeMap;

use bevy::prelude::*;
use rand::RngExt;

use super::validate::ValidScenario;
use super::*;
use crate::cooling::{
    AIR_UNIT_RESTART_S, AirUnit, AirUnitKind, AirUnitOp, Availability, CHW_VOLUME_M3_PER_KW, ChillerPlant, LiquidLoop,
    WATER_CP_J_PER_KG_K, WATER_DENSITY_KG_PER_M3,
};
use crate::events::{ActionQueue, ActionSource, TimedAction};
use crate::fuel::{FuelState, FuelTank};
use crate::load::spawn::{CatalogRes, RackSpawn, spawn_rack};
use crate::load::{RackParams, Workload, Workloads};
use crate::metrics::{Expectations, SiteFactors, Timeseries, timeseries_header};
use crate::power::breaker::{Breaker, default_tau_s, magnetic_band};
use crate::power::generator::GenState;
use crate::power::ups::{Battery, UpsState, ups_losses};
use crate::power::*;
use crate::psychro;
use crate::schedule::{SimClock, SimRng};
use crate::thermal::*;
use crate::weather::{Outdoor, Weather, WeatherSource};

/// Share of a hot-aisle-contained hall's volume in its ceiling return plenum [U: plenum depth
/// ≈ 20 % of clear height].
pub const HAC_PLENUM_SHARE: f64 = 0.2;

/// Options that override the scenario file.
#[derive(Default)]
pub struct BuildOptions {
    /// Seed instead of the scenario's.
    pub seed: Option<u64>,
    /// Duration instead of the scenario's.
    pub duration: Option<SimDuration>,
    /// Time-series interval instead of the scenario's.
    pub interval: Option<SimDuration>,
    /// Longest adaptive tick instead of the scenario's `max_tick` (equal to the tick: fixed).
    pub max_tick: Option<SimDuration>,
    /// Share per-rack work among the compute threads (default no; see
    /// [`crate::schedule::Parallelism`]). Results are the same either way.
    pub parallel: Option<bool>,
    /// Keep time-series rows in memory.
    pub keep_timeseries: bool,
    /// Where to stream the time series (CSV without header; the header is written first).
    pub timeseries_sink: Option<Box<dyn std::io::Write + Send + Sync>>,
}

/// Dry-air density at the design condition of air units (20 °C, 8 g/kg) and site pressure,
/// kg/m³ (docs/physics.md §2.1: ≈ 1.20 at sea level).
pub fn design_air_density(p_pa: f64) -> f64 {
    const W: f64 = 0.008;
    psychro::moist_air_density_kg_per_m3(20.0, W, p_pa) / (1.0 + W)
}

/// Builds the app for a validated scenario.
pub fn build_app(v: &ValidScenario, opts: BuildOptions) -> App {
    build_app_with(v, opts, |_| {})
}

/// [`build_app`], with `host` adding its own plugins (a viewer's renderer and UI) before the
/// app is finished.
pub fn build_app_with(v: &ValidScenario, mut opts: BuildOptions, host: impl FnOnce(&mut App)) -> App {
    let s = &v.loaded.scenario;
    let p = &v.plant;
    let seed = opts.seed.unwrap_or(s.seed);
    let duration = opts.duration.unwrap_or(s.duration);
    let rng = SimRng::new(seed);
    let pressure = psychro::pressure_at_altitude_pa(s.site.altitude_m);
    let rho = design_air_density(pressure);
    let cp = crate::thermal::air_cp(0.008);

    let mut app = App::new();
    app.add_plugins(crate::SimPlugins);
    let world = app.world_mut();
    world.insert_resource(SimClock::new(s.tick, duration, s.start.seconds_of_year()));
    world.insert_resource(crate::schedule::Parallelism(opts.parallel.unwrap_or(false)));
    world.insert_resource(crate::adaptive::StepControl::new(s.tick, opts.max_tick.or(s.max_tick).unwrap_or(s.tick)));
    world.insert_resource(rng.clone());
    world.insert_resource(CatalogRes(v.catalog.clone()));
    world.insert_resource(SiteFactors {
        carbon_g_per_kwh: s.site.grid.carbon_g_per_kwh,
        price_eur_per_mwh: s.site.grid.price_eur_per_mwh,
    });
    world.insert_resource(Expectations(s.expectations.clone()));

    // Weather.
    let source = match &s.weather {
        WeatherSpec::Constant { dry_bulb_c, rh_pct } => {
            WeatherSource::Constant { dry_bulb_c: *dry_bulb_c, rh_pct: *rh_pct }
        }
        WeatherSpec::Diurnal { mean_c, swing_k, dew_point_c, noise_k, heatwaves } => WeatherSource::Diurnal {
            mean_c: *mean_c,
            swing_k: *swing_k,
            dew_point_c: *dew_point_c,
            noise_k: *noise_k,
            heatwaves: heatwaves.clone(),
            seed,
        },
        WeatherSpec::Synthetic { climate, heatwaves } => WeatherSource::Synthetic {
            weather: Box::new(crate::weather::synthetic::SyntheticWeather::new(
                crate::weather::synthetic_climate(climate).expect("validated"),
                seed,
            )),
            heatwaves: heatwaves.clone(),
        },
        WeatherSpec::Epw { heatwaves, .. } => {
            WeatherSource::Epw { file: Box::new(v.epw.clone().expect("validated")), heatwaves: heatwaves.clone() }
        }
    };
    let weather = Weather { source, site_pressure_pa: pressure };
    let first = weather.source.sample(s.start.seconds_of_year(), 0.0, pressure);
    world.insert_resource(Outdoor::from_sample(&first));
    world.insert_resource(weather);

    // Workloads.
    let mut list: Vec<Workload> = s
        .workloads
        .iter()
        .map(|w| Workload { id: w.id.clone(), profile: w.profile.clone(), noise: w.noise_pct / 100.0 })
        .collect();
    if !list.iter().any(|w| w.id == "default") {
        list.push(Workload { id: "default".into(), profile: LoadProfile::Constant(0.8), noise: 0.0 });
    }
    let activity0: Vec<f64> = list.iter().map(|w| w.activity(0.0, s.start.seconds_of_year())).collect();
    let workloads = Workloads { activity: activity0.clone(), list, seed };
    world.insert_resource(workloads.clone());

    // Events.
    let mut queue = ActionQueue::default();
    for e in &s.events {
        queue.push(TimedAction {
            at_ms: e.at.as_ms(),
            action: e.action.clone(),
            note: e.note.clone(),
            source: ActionSource::Scenario,
        });
    }
    world.insert_resource(queue);

    // Fuel tanks.
    let mut ids: BTreeMap<String, Entity> = BTreeMap::new();
    for t in &p.tanks {
        let x = &t.item;
        let e = world
            .spawn(FuelTank {
                id: x.id.clone(),
                kind: x.kind,
                capacity_l: x.capacity_l,
                level_l: x.level_l.unwrap_or(x.capacity_l),
                usable_fraction: x.usable_fraction,
                fill_from: None,
                pump_l_per_h: x.pump_l_per_h,
                pump_start_l: x.pump_start_pct / 100.0 * x.capacity_l,
                pump_stop_l: x.pump_stop_pct / 100.0 * x.capacity_l,
                pumping: false,
                empty_logged: false,
            })
            .id();
        ids.insert(x.id.clone(), e);
    }
    for t in &p.tanks {
        if let Some(f) = &t.item.fill_from {
            let src = ids[f];
            world.get_mut::<FuelTank>(ids[&t.item.id]).expect("spawned").fill_from = Some(src);
        }
    }
    let mut fuel = FuelState { tanker: s.fuel.tankers.clone(), ..default() };
    if let Some(a) = &s.fuel.auto_order {
        fuel.auto_order = Some((ids[&a.tank], a.below_autonomy_h, a.tankers));
    }
    world.insert_resource(fuel);

    // Electrical plant, sources first.
    let mut order: Vec<Entity> = Vec::new();
    for u in &p.utilities {
        let x = &u.item;
        let e = world
            .spawn((
                PowerNode::new(&x.id, NodeKind::Utility, None, x.capacity_kw),
                UtilityFeed { capacity_kw: x.capacity_kw, available: true, over_capacity: false },
            ))
            .id();
        ids.insert(x.id.clone(), e);
        order.push(e);
    }
    for t in &p.transformers {
        let x = &t.item;
        let e = world
            .spawn((
                PowerNode::new(&x.id, NodeKind::Transformer, Some(ids[&x.from]), x.rating_kva * x.power_factor),
                Transformer {
                    rating_kva: x.rating_kva,
                    no_load_loss_kw: x.no_load_loss_pct / 100.0 * x.rating_kva,
                    load_loss_kw: x.load_loss_pct / 100.0 * x.rating_kva,
                    power_factor: x.power_factor,
                },
            ))
            .id();
        ids.insert(x.id.clone(), e);
        order.push(e);
    }
    let gen_specs: BTreeMap<&str, &GeneratorSpec> =
        p.generators.iter().map(|g| (g.item.id.as_str(), &g.item)).collect();
    for g in &p.generator_groups {
        let x = &g.item;
        let rating: f64 = x.units.iter().filter_map(|u| gen_specs.get(u.as_str())).map(|g| g.rating_kw).sum();
        let bus = world.spawn(PowerNode::new(&x.id, NodeKind::GeneratorBus, None, rating)).id();
        let mut units = Vec::new();
        for u in &x.units {
            let gs = gen_specs[u.as_str()];
            let tank = ids[&gs.tank];
            let fuel_ok = world.get::<FuelTank>(tank).is_some_and(|t| t.usable_l() > 0.0);
            let e = world
                .spawn(Generator {
                    id: gs.id.clone(),
                    bus,
                    rating_kw: gs.rating_kw,
                    start_delay_ms: gs.start_delay.as_ms(),
                    fail_to_start_probability: gs.fail_to_start_probability,
                    fuel_curve: gs.fuel_curve.clone(),
                    derate_above_c: gs.derate_above_c,
                    derate_pct_per_k: gs.derate_pct_per_k,
                    tank,
                    state: GenState::Stopped,
                    fail_next_start: false,
                    start_will_fail: false,
                    output_kw: 0.0,
                    available_kw: 0.0,
                    start_attempts: 0,
                    light_load_s: 0.0,
                    run_s: 0.0,
                    fuel_ok,
                })
                .id();
            ids.insert(gs.id.clone(), e);
            units.push(e);
        }
        world.entity_mut(bus).insert(GeneratorBus {
            units,
            redundancy: x.redundancy,
            step_fraction: x.load_step_pct / 100.0,
            step_interval_ms: x.load_step_interval.as_ms(),
            cooldown_ms: x.cooldown.as_ms(),
            requests: 0,
            capacity_kw: 0.0,
            load_limit_kw: 0.0,
            last_step_ms: 0,
            overload_acc: 0.0,
            idle_since_ms: None,
            signal_ms: None,
        });
        ids.insert(x.id.clone(), bus);
        order.push(bus);
    }
    for sb in &p.switchboards {
        let x = &sb.item;
        let normal = ids[&x.normal];
        let rating = world.get::<PowerNode>(normal).map_or(0.0, |n| n.rating_kw);
        let e = world
            .spawn((
                PowerNode::new(&x.id, NodeKind::Switchboard, Some(normal), rating),
                Switchboard {
                    emergency: x.emergency.as_ref().map(|g| ids[g]),
                    ats: AtsState::OnNormal,
                    sense_delay_ms: x.ats.sense_delay.as_ms(),
                    retransfer_delay_ms: x.ats.retransfer_delay.as_ms(),
                    normal_ok_since_ms: None,
                    children: Vec::new(),
                    signal_ms: 0,
                },
            ))
            .id();
        ids.insert(x.id.clone(), e);
        order.push(e);
    }
    for u in &p.ups {
        let x = &u.item;
        let losses = ups_losses(x.mode, x.losses.as_ref());
        let rated_dc = x.rating_kw + losses.loss_kw(x.rating_kw, x.rating_kw);
        let battery = Battery::from_spec(&x.battery, rated_dc, x.rating_kw);
        let e = world
            .spawn((
                PowerNode::new(&x.id, NodeKind::Ups, Some(ids[&x.from]), x.rating_kw),
                Ups {
                    rating_kw: x.rating_kw,
                    modules: x.modules,
                    redundancy: x.redundancy,
                    mode: x.mode,
                    losses,
                    battery,
                    state: UpsState::Online,
                    faulted: false,
                    input_share: 1.0,
                    walk_in_s: x.walk_in.as_secs_f64(),
                    overload_acc: 0.0,
                    below_rating_s: 0.0,
                    overload_bypass: false,
                    battery_dc_kw: 0.0,
                    battery_chem_kw: 0.0,
                    recharge_kw: 0.0,
                    stored_kw: 0.0,
                },
            ))
            .id();
        ids.insert(x.id.clone(), e);
        order.push(e);
    }
    // Distribution in dependency order (parents before children).
    let mut pending: Vec<&DistributionSpec> = p.distribution.iter().map(|d| &d.item).collect();
    while !pending.is_empty() {
        let before = pending.len();
        pending.retain(|x| {
            let Some(&up) = ids.get(&x.from) else { return true };
            let rating_kw = 3.0_f64.sqrt() * x.voltage_v * x.rating_a * x.power_factor / 1_000.0;
            let standard = x.breaker.standard;
            let (lo, hi) = magnetic_band(x.breaker.curve);
            let mut r = rng.stream(&format!("breaker-magnetic/{}", x.id), 0);
            let magnetic = lo + (hi - lo) * r.random::<f64>();
            let breaker = Breaker::new(
                x.breaker.rating_a.unwrap_or(x.rating_a),
                standard,
                x.breaker.tau_s.unwrap_or_else(|| default_tau_s(standard)),
                magnetic,
            );
            let e = world
                .spawn((
                    PowerNode::new(&x.id, NodeKind::Distribution, Some(up), rating_kw),
                    Distribution {
                        kind: x.kind,
                        rating_a: x.rating_a,
                        voltage_v: x.voltage_v,
                        power_factor: x.power_factor,
                        breaker,
                        losses: x
                            .losses
                            .as_ref()
                            .map_or_else(|| distribution_losses(x.kind), crate::power::ups::LossModel::from_pct),
                        current_a: 0.0,
                    },
                ))
                .id();
            ids.insert(x.id.clone(), e);
            order.push(e);
            false
        });
        assert!(pending.len() < before, "validated: distribution graph is acyclic");
    }
    // Switchboard children: UPS first (critical load), then the rest.
    for sb in &p.switchboards {
        let e = ids[&sb.item.id];
        let mut kids: Vec<Entity> =
            p.ups.iter().filter(|u| u.item.from == sb.item.id).map(|u| ids[&u.item.id]).collect();
        kids.extend(p.distribution.iter().filter(|d| d.item.from == sb.item.id).map(|d| ids[&d.item.id]));
        world.get_mut::<Switchboard>(e).expect("spawned").children = kids;
    }
    world.insert_resource(PowerTopology::new(order));

    // Central plant.
    for c in &p.chillers {
        let x = &c.item;
        let e = world
            .spawn((
                ChillerPlant {
                    id: x.id.clone(),
                    capacity_kw: x.capacity_kw,
                    cop_rated: x.cop_rated,
                    rated_lift_k: x.rated_lift_k,
                    setpoint_c: x.chilled_water_c,
                    condenser: x.condenser.clone(),
                    free_cooling: x.free_cooling,
                    pump_kw: x.pump_kw,
                    loop_capacity_j_per_k: x.capacity_kw
                        * CHW_VOLUME_M3_PER_KW
                        * WATER_DENSITY_KG_PER_M3
                        * WATER_CP_J_PER_KG_K,
                    chw_c: x.chilled_water_c,
                    coil_load_kw: 0.0,
                    removed_kw: 0.0,
                    free_share: 0.0,
                    compressor_kw: 0.0,
                    planned_removal_kw: 0.0,
                    pumps_on: true,
                    water_l_per_h: 0.0,
                    availability: Availability::new(x.restart_delay.as_ms()),
                },
                PowerLoad::on(ids[&x.feed]),
            ))
            .id();
        ids.insert(x.id.clone(), e);
    }
    for l in &p.liquid_loops {
        let x = &l.item;
        let e = world
            .spawn((
                LiquidLoop {
                    id: x.id.clone(),
                    halls: Vec::new(),
                    capacity_kw: x.cdu_capacity_kw,
                    approach_k: x.cdu_approach_k,
                    setpoint_c: x.supply_setpoint_c,
                    rejection: x.heat_rejection.clone(),
                    pump_kw: x.pump_kw,
                    flow_l_per_min_per_kw: x.flow_l_per_min_per_kw,
                    capacity_j_per_k: x.volume_m3 * WATER_DENSITY_KG_PER_M3 * WATER_CP_J_PER_KG_K,
                    coolant_c: x.supply_setpoint_c,
                    facility_c: x.supply_setpoint_c - x.cdu_approach_k,
                    heat_in_kw: 0.0,
                    removed_kw: 0.0,
                    stored_kw: 0.0,
                    water_l_per_h: 0.0,
                    adiabatic: false,
                    availability: Availability::new(AIR_UNIT_RESTART_S * 1_000),
                },
                PowerLoad::on(ids[&x.feed]),
            ))
            .id();
        ids.insert(x.id.clone(), e);
    }

    // Halls, rows, racks, air units.
    let mut rack_index: u32 = 0;
    let mut hall_ids = Vec::new();
    let mut thermal_index = ThermalIndex::default();
    let mut feed_hall: BTreeMap<Entity, Entity> = BTreeMap::new();
    for h in &p.halls {
        let x = &h.spec;
        hall_ids.push(x.id.clone());
        let loop_e = x.liquid_loop.as_ref().map(|l| ids[l]);
        let setpoint = h.units.iter().map(|u| unit_setpoint(&u.item)).sum::<f64>() / h.units.len().max(1) as f64;
        // Initial state: supply at set point, room above it by the design air heat over the design airflow.
        let air_heat_kw: f64 = h
            .rows
            .iter()
            .flat_map(|r| &r.racks)
            .map(|r| {
                let rt = &v.catalog.racks[&r.rack];
                let wl = workloads.index_of(&r.workload).unwrap_or(0);
                let params = RackParams::from_catalog(&v.catalog, &r.rack, rt);
                let u = activity0[wl];
                let gpu = params.gpu.as_ref().map_or(0.0, |g| (g.idle_w + (g.tdp_w - g.idle_w) * u) / 1_000.0)
                    * f64::from(params.gpu_count);
                let total = params.base_idle_kw + (params.base_max_kw - params.base_idle_kw) * u + gpu;
                total * if loop_e.is_some() { 1.0 - params.liquid_fraction } else { 1.0 }
            })
            .sum();
        let design_flow: f64 = h.units.iter().map(|u| unit_airflow(&u.item) * rho).sum();
        let room0 =
            setpoint + if design_flow > 0.0 { (air_heat_kw * 1_000.0 / (design_flow * cp)).min(15.0) } else { 10.0 };
        let total_volume = x.floor_area_m2 * x.height_m;
        let n_racks: usize = h.rows.iter().map(|r| r.racks.len()).sum();
        let aisle_volume = n_racks as f64 * RACK_WIDTH_M * COLD_AISLE_WIDTH_M * RACK_HEIGHT_M;
        // Which air is "cold side" and which is "return" depends on containment: with hot
        // aisles contained, the white space is the cold side and only the hot aisles and the
        // ceiling plenum hold return air.
        let (room_volume, cold_volume) = match x.containment {
            Containment::HotAisle => {
                let ret = (aisle_volume + HAC_PLENUM_SHARE * total_volume).min(0.5 * total_volume);
                (ret, total_volume - ret)
            }
            Containment::None | Containment::ColdAisle => {
                let room = (total_volume - aisle_volume).max(0.1 * total_volume);
                (room, total_volume - room)
            }
        };
        let cold_per_rack = cold_volume / n_racks.max(1) as f64;
        let c_air_total = rho * cp * total_volume;
        let hall_e = world
            .spawn((
                Hall {
                    index: 0,
                    id: x.id.clone(),
                    floor_area_m2: x.floor_area_m2,
                    height_m: x.height_m,
                    containment: x.containment,
                    design_cooling_kw: x.design_cooling_kw,
                    rows: Vec::new(),
                    units: Vec::new(),
                    room_capacity_j_per_k: rho * cp * room_volume,
                    mass_capacity_j_per_k: x
                        .thermal_mass_kj_per_k
                        .map_or(MASS_TO_AIR_CAPACITY * c_air_total, |k| k * 1_000.0),
                    mass_ua_w_per_k: x.mass_ua_kw_per_k.map_or(MASS_UA_W_PER_K_M2 * x.floor_area_m2, |k| k * 1_000.0),
                    liquid_loop: loop_e,
                },
                HallState {
                    room_c: room0,
                    mass_c: room0,
                    humidity_ratio: 0.008,
                    supply_c: setpoint,
                    supply_kg_s: 0.0,
                    rack_flow_kg_s: 0.0,
                    heat_in_kw: 0.0,
                    removed_kw: 0.0,
                    stored_kw: 0.0,
                    room_heat_kw: 0.0,
                    liquid_heat_kw: 0.0,
                    liquid_available: loop_e.is_some(),
                    coolant_flow_l_per_min_per_kw: loop_e
                        .and_then(|l| world.get::<LiquidLoop>(l))
                        .map_or(crate::cooling::DEFAULT_DLC_FLOW_L_PER_MIN_PER_KW, |l| l.flow_l_per_min_per_kw),
                    coolant_c: loop_e
                        .map_or(setpoint, |l| world.get::<LiquidLoop>(l).map_or(setpoint, |l| l.setpoint_c)),
                    max_inlet_c: setpoint,
                    humidity_band: None,
                    mean_inlet_c: setpoint,
                },
            ))
            .id();
        if let Some(l) = loop_e {
            world.get_mut::<LiquidLoop>(l).expect("spawned").halls.push(hall_e);
        }
        let mut rows = Vec::new();
        let mut row_design: Vec<f64> = Vec::new();
        for row in &h.rows {
            let n = row.racks.len();
            let row_e = world
                .spawn(Row {
                    index: 0,
                    hall: hall_e,
                    number: row.number,
                    racks: Vec::new(),
                    capacity_j_per_k: rho * cp * n as f64 * cold_per_rack,
                    supply_share: 0.0,
                    cold_c: setpoint,
                    hot_c: room0,
                    sums: Default::default(),
                    response: Default::default(),
                    recirc_kg_s: 0.0,
                    local_kg_s: 0.0,
                })
                .id();
            let mut racks = Vec::new();
            let mut design = 0.0;
            for (k, rp) in row.racks.iter().enumerate() {
                let end = k == 0 || k + 1 == n;
                let rho_i = recirculation_share(x.containment, end);
                let a = ids[&rp.feed_a];
                let b = rp.feed_b.as_ref().map(|b| ids[b]);
                feed_hall.entry(a).or_insert(hall_e);
                if let Some(b) = b {
                    feed_hall.entry(b).or_insert(hall_e);
                }
                let wl = workloads.index_of(&rp.workload).unwrap_or(0);
                let e = spawn_rack(
                    world,
                    &v.catalog,
                    &rng,
                    cp,
                    RackSpawn {
                        hall: hall_e,
                        hall_id: &x.id,
                        hall_index: thermal_index.halls.len(),
                        row_index: thermal_index.rows.len(),
                        row: row_e,
                        row_number: row.number,
                        position: rp.position,
                        index: rack_index,
                        type_id: &rp.rack,
                        workload: wl,
                        feeds: RackFeeds { a, b },
                        recirculation: rho_i,
                        liquid_loop: loop_e.is_some(),
                        inlet_c: setpoint,
                        utilisation: activity0[wl],
                    },
                );
                let air = world.get::<RackAir>(e).expect("spawned");
                design += air.max_flow_kg_s * crate::load::FAN_MIN_SPEED * (1.0 - rho_i);
                rack_index += 1;
                racks.push(e);
            }
            world.get_mut::<Row>(row_e).expect("spawned").racks = racks;
            world.get_mut::<Row>(row_e).expect("spawned").index = thermal_index.rows.len();
            thermal_index.rows.push(row_e);
            rows.push(row_e);
            row_design.push(design);
        }
        // Supply tiles are laid out for the racks as built.
        let total: f64 = row_design.iter().sum();
        for (&r, d) in rows.iter().zip(&row_design) {
            world.get_mut::<Row>(r).expect("spawned").supply_share =
                if total > 0.0 { d / total } else { 1.0 / rows.len() as f64 };
        }
        let mut units = Vec::new();
        for u in &h.units {
            let e = spawn_unit(world, &u.item, hall_e, &ids, rho, cp);
            units.push(e);
        }
        let mut hall = world.get_mut::<Hall>(hall_e).expect("spawned");
        hall.rows = rows;
        hall.units = units;
        hall.index = thermal_index.halls.len();
        thermal_index.halls.push(hall_e);
    }
    world.insert_resource(thermal_index);
    // PDU and busway losses heat the hall of the racks they feed.
    for (feed, hall) in feed_hall {
        if let Some(mut n) = world.get_mut::<PowerNode>(feed)
            && n.kind == NodeKind::Distribution
        {
            n.heat_hall = Some(hall);
        }
    }

    let interval = opts.interval.unwrap_or(s.output.interval);
    let header = timeseries_header(&hall_ids);
    world.insert_resource(Timeseries::new(interval.as_ms(), opts.keep_timeseries, header, opts.timeseries_sink.take()));
    host(&mut app);
    app.finish();
    app.cleanup();
    app
}

fn unit_setpoint(u: &CoolingUnitSpec) -> f64 {
    match u {
        CoolingUnitSpec::Crah { supply_setpoint_c, .. }
        | CoolingUnitSpec::Crac { supply_setpoint_c, .. }
        | CoolingUnitSpec::EvaporativeAhu { supply_setpoint_c, .. } => *supply_setpoint_c,
    }
}

fn unit_airflow(u: &CoolingUnitSpec) -> f64 {
    match u {
        CoolingUnitSpec::Crah { airflow_m3_per_s, .. }
        | CoolingUnitSpec::Crac { airflow_m3_per_s, .. }
        | CoolingUnitSpec::EvaporativeAhu { airflow_m3_per_s, .. } => *airflow_m3_per_s,
    }
}

fn spawn_unit(
    world: &mut World,
    u: &CoolingUnitSpec,
    hall: Entity,
    ids: &BTreeMap<String, Entity>,
    rho: f64,
    cp: f64,
) -> Entity {
    let flow = unit_airflow(u) * rho;
    let (kind, fan_kw, control) = match u {
        CoolingUnitSpec::Crah { sensible_capacity_kw, fan_power_kw, supply_setpoint_c, plant, fan_control, .. } => {
            let chw = world.get::<ChillerPlant>(ids[plant]).map_or(12.0, |p| p.setpoint_c);
            // Rated capacity at design flow with the return at set point + coil ΔT.
            let dt_coil = sensible_capacity_kw * 1_000.0 / (flow * cp);
            let eff = (dt_coil / (supply_setpoint_c + dt_coil - chw)).clamp(0.05, 0.95);
            (
                AirUnitKind::Crah { capacity_kw: *sensible_capacity_kw, coil_effectiveness: eff, plant: ids[plant] },
                *fan_power_kw,
                *fan_control,
            )
        }
        CoolingUnitSpec::Crac { sensible_capacity_kw, fan_power_kw, cop_rated, rated_lift_k, fan_control, .. } => (
            AirUnitKind::Crac {
                capacity_kw: *sensible_capacity_kw,
                cop_rated: *cop_rated,
                rated_lift_k: *rated_lift_k,
            },
            *fan_power_kw,
            *fan_control,
        ),
        CoolingUnitSpec::EvaporativeAhu {
            stages,
            effectiveness,
            indirect_effectiveness,
            fan_power_kw,
            max_dew_point_c,
            max_rh_pct,
            trim,
            ..
        } => (
            AirUnitKind::Evaporative {
                stages: *stages,
                eff_direct: *effectiveness,
                eff_indirect: *indirect_effectiveness,
                max_dew_point_c: *max_dew_point_c,
                max_rh_pct: *max_rh_pct,
                trim: trim.as_ref().map(|t| (t.capacity_kw, t.cop_rated, t.rated_lift_k)),
            },
            *fan_power_kw,
            FanControl::Variable,
        ),
    };
    world
        .spawn((
            AirUnit {
                id: u.id().to_owned(),
                hall,
                kind,
                design_flow_kg_s: flow,
                fan_power_kw: fan_kw,
                fan_control: control,
                setpoint_c: unit_setpoint(u),
                availability: Availability::new(AIR_UNIT_RESTART_S * 1_000),
            },
            AirUnitOp::default(),
            PowerLoad::on(ids[u.feed()]),
            SupplyLaw::default(),
            AirDuty { supply_c: unit_setpoint(u), return_c: unit_setpoint(u), removed_kw: 0.0, piece: 0 },
        ))
        .id()
}
