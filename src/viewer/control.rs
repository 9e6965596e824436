//! Input: keyboard shortcuts, buttons, picking, and the operator actions they take. Every
//! action goes through [`LiveSim::act`], so it is applied at the next tick like a scenario
//! event and saved with the session.

use std::path::{Path, PathBuf};

use bevy::ecs::system::SystemParam;
use bevy::input::keyboard::{Key, KeyboardInput};
use bevy::prelude::*;
use serde::Deserialize;

use super::ViewerSystems;
use super::scene::{ColourMap, HeatOverlay, Visual, VisualKind};
use super::ui::HelpShown;
use crate::catalog::Catalog;
use crate::cooling::AirUnit;
use crate::fuel::FuelTank;
use crate::live::LiveSim;
use crate::load::{GpuBank, GpuState, Rack, RackLoad, Workloads};
use crate::power::generator::GenState;
use crate::power::{Distribution, Generator, PowerNode, RackFeeds, RackSupply, Ups, UtilityFeed};
use crate::ranges::RangeSpec;
use crate::scenario::Action;
use crate::schedule::SimClock;
use crate::thermal::{Hall, RackAir};
use crate::units::SimDuration;

/// The keyboard shortcuts, shown by `H`.
pub const HELP: &str = "\
dctwin viewer - keys
  Space       play / pause          .   single tick
  + / -       faster / slower       J   jump 1 h ahead
  K           jump to a time (type e.g. 2h30min, Enter)
  C           next colour map       V   floor heat overlay
  click       inspect an object     Esc deselect
  A           act on the selection: fail/restore an air unit,
              trip/reset a breaker, trip/repair a generator,
              order a tanker for a tank
  T           swap the selected rack to the next rack type
  R           reset latched GPUs in the selected rack's hall
  [ / ]       IT load -10 % / +10 % (selected rack's workload)
  U           cut / restore the grid (all feeds)
  F           order a tanker for the selected (or first bulk) tank
  Ctrl+S      save the session as a scenario file
  right drag  orbit    middle or shift+right drag  pan
  wheel       zoom     W A S D pan   Q E turn
  0 site   1-9 hall   G generator yard     H this help";

/// What is selected: a visual's simulation entity and kind.
#[derive(Resource, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Selected(pub Option<Visual>);

/// The jump-to-time prompt's text while it is open.
#[derive(Resource, Clone, Debug, Default, PartialEq, Eq)]
pub struct Prompt(pub Option<String>);

/// A button's action.
#[derive(Component, Clone, Copy, Debug, PartialEq)]
pub enum UiAction {
    /// Play or pause.
    PlayPause,
    /// Next speed.
    Faster,
    /// Previous speed.
    Slower,
    /// One tick.
    Step,
    /// Run an hour ahead.
    JumpHour,
    /// Open the jump-to-time prompt.
    JumpPrompt,
    /// Paint the racks by this map.
    Map(ColourMap),
    /// Floor heat overlay on or off.
    ToggleOverlay,
    /// Cut or restore the grid.
    ToggleGrid,
    /// Save the session.
    Save,
    /// Help overlay.
    Help,
    /// The selection's main action.
    Primary,
    /// Swap the selected rack to the next catalog type.
    SwapRack,
    /// Reset latched GPUs of the selected rack's hall.
    ResetGpus,
    /// Change the selected rack's workload (all workloads without a selection) by this much.
    Load(f64),
    /// Order a tanker.
    OrderFuel,
}

/// Where a saved session goes.
#[derive(Resource, Clone, Debug)]
pub struct SessionFile(pub PathBuf);

/// An operator action scripted in a file (`--script`): `(at: "20min", action: …, note: "…")`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScriptedAction {
    at: SimDuration,
    action: Action,
    #[serde(default)]
    note: String,
}

/// Reads a script of operator actions.
pub fn load_script(path: &Path) -> Result<Vec<(SimDuration, Action, String)>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let options = ron::Options::default().with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME);
    let list: Vec<ScriptedAction> = options.from_str(&text).map_err(|e| {
        format!(
            "{}:{}:{}: error: {}\n  hint: write a list of (at: \"20min\", action: CoolingFail(unit: \"crah-1\"), note: \"...\")",
            path.display(),
            e.span.start.line,
            e.span.start.col,
            e.code
        )
    })?;
    Ok(list.into_iter().map(|a| (a.at, a.action, a.note)).collect())
}

/// Input handling.
pub struct ControlPlugin;

impl Plugin for ControlPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<Selected>()
            .init_resource::<Prompt>()
            .add_systems(Startup, session_file)
            .add_observer(pick)
            .add_systems(Update, (prompt_input, keys, buttons).chain().in_set(ViewerSystems::Input));
    }
}

fn session_file(mut commands: Commands, live: Res<LiveSim>, unattended: Res<super::capture::Unattended>) {
    let path = unattended.save_session.clone().unwrap_or_else(|| {
        let stem = live.file.file_stem().and_then(|s| s.to_str()).unwrap_or("scenario");
        live.file.with_file_name(format!("{stem}.session.ron"))
    });
    commands.insert_resource(SessionFile(path));
}

/// A click on a drawn object selects it (the floor and empty space deselect).
fn pick(click: On<Pointer<Click>>, visuals: Query<&Visual>, mut selected: ResMut<Selected>) {
    if click.button != PointerButton::Primary {
        return;
    }
    if let Ok(v) = visuals.get(click.entity) {
        selected.0 = match v.kind {
            VisualKind::Hall | VisualKind::Aisle => None,
            _ => Some(*v),
        };
    }
}

/// The jump prompt collects typed characters until Enter or Escape.
fn prompt_input(
    mut prompt: ResMut<Prompt>,
    mut typed: MessageReader<KeyboardInput>,
    mut live: ResMut<LiveSim>,
    clock: Res<SimClock>,
) {
    let Some(text) = prompt.0.as_mut() else {
        typed.clear();
        return;
    };
    let mut done = None;
    for k in typed.read() {
        if !k.state.is_pressed() {
            continue;
        }
        match &k.logical_key {
            Key::Character(c) => text.push_str(c),
            Key::Backspace => {
                text.pop();
            }
            Key::Escape => done = Some(None),
            Key::Enter => done = Some(Some(text.clone())),
            _ => {}
        }
    }
    if let Some(result) = done {
        prompt.0 = None;
        if let Some(t) = result.and_then(|s| s.trim().parse::<SimDuration>().ok()) {
            let target = t.as_ms().min(clock.end_ms);
            if target > clock.t_ms {
                live.jump_to_ms = Some(target);
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn keys(world: &mut World) {
    if world.resource::<Prompt>().0.is_some() {
        return;
    }
    let keys = world.resource::<ButtonInput<KeyCode>>();
    let ctrl = keys.pressed(KeyCode::ControlLeft) || keys.pressed(KeyCode::ControlRight);
    let mut todo = Vec::new();
    for (key, action) in [
        (KeyCode::Space, UiAction::PlayPause),
        (KeyCode::Equal, UiAction::Faster),
        (KeyCode::NumpadAdd, UiAction::Faster),
        (KeyCode::Minus, UiAction::Slower),
        (KeyCode::NumpadSubtract, UiAction::Slower),
        (KeyCode::Period, UiAction::Step),
        (KeyCode::KeyJ, UiAction::JumpHour),
        (KeyCode::KeyK, UiAction::JumpPrompt),
        (KeyCode::KeyV, UiAction::ToggleOverlay),
        (KeyCode::KeyU, UiAction::ToggleGrid),
        (KeyCode::KeyH, UiAction::Help),
        (KeyCode::F1, UiAction::Help),
        (KeyCode::KeyA, UiAction::Primary),
        (KeyCode::KeyT, UiAction::SwapRack),
        (KeyCode::KeyR, UiAction::ResetGpus),
        (KeyCode::BracketLeft, UiAction::Load(-0.1)),
        (KeyCode::BracketRight, UiAction::Load(0.1)),
        (KeyCode::KeyF, UiAction::OrderFuel),
    ] {
        if keys.just_pressed(key) && !(ctrl && key == KeyCode::KeyA) {
            todo.push(action);
        }
    }
    if ctrl && keys.just_pressed(KeyCode::KeyS) {
        todo.push(UiAction::Save);
    }
    if keys.just_pressed(KeyCode::KeyC) {
        let now = *world.resource::<ColourMap>();
        let i = ColourMap::ALL.iter().position(|m| *m == now).unwrap_or(0);
        todo.push(UiAction::Map(ColourMap::ALL[(i + 1) % ColourMap::ALL.len()]));
    }
    if keys.just_pressed(KeyCode::Escape) {
        world.resource_mut::<Selected>().0 = None;
    }
    for a in todo {
        perform(world, a);
    }
}

fn buttons(world: &mut World) {
    let mut q = world.query_filtered::<(&Interaction, &UiAction), Changed<Interaction>>();
    let pressed: Vec<UiAction> = q.iter(world).filter(|(i, _)| **i == Interaction::Pressed).map(|(_, a)| *a).collect();
    for a in pressed {
        perform(world, a);
    }
}

/// Carries out one UI action.
pub fn perform(world: &mut World, action: UiAction) {
    match action {
        UiAction::PlayPause => {
            let mut live = world.resource_mut::<LiveSim>();
            if live.paused {
                live.play();
            } else {
                live.paused = true;
            }
        }
        UiAction::Faster => world.resource_mut::<LiveSim>().change_speed(true),
        UiAction::Slower => world.resource_mut::<LiveSim>().change_speed(false),
        UiAction::Step => {
            world.resource_scope(|world, mut live: Mut<LiveSim>| {
                live.paused = true;
                live.step_once(world);
            });
        }
        UiAction::JumpHour => {
            let clock = world.resource::<SimClock>();
            let target = (clock.t_ms + 3_600_000).min(clock.end_ms);
            world.resource_mut::<LiveSim>().jump_to_ms = Some(target);
        }
        UiAction::JumpPrompt => world.resource_mut::<Prompt>().0 = Some(String::new()),
        UiAction::Map(m) => *world.resource_mut::<ColourMap>() = m,
        UiAction::ToggleOverlay => {
            let mut o = world.resource_mut::<HeatOverlay>();
            o.0 = !o.0;
        }
        UiAction::Help => {
            let mut h = world.resource_mut::<HelpShown>();
            h.0 = !h.0;
        }
        UiAction::Save => save(world),
        UiAction::ToggleGrid => {
            let mut q = world.query::<&UtilityFeed>();
            let all_up = q.iter(world).all(|f| f.available);
            let a = if all_up {
                Action::UtilityOutage { feed: None, duration: None }
            } else {
                Action::UtilityRestore { feed: None }
            };
            act(world, a, "grid from the viewer");
        }
        UiAction::Primary => primary(world),
        UiAction::SwapRack => swap_rack(world),
        UiAction::ResetGpus => {
            if let Some(hall) = selected_rack(world).map(|(_, r)| hall_id(world, r.hall)) {
                act(world, Action::ResetGpus { hall }, "GPUs reset from the viewer");
            }
        }
        UiAction::Load(delta) => change_load(world, delta),
        UiAction::OrderFuel => order_fuel(world),
    }
}

fn act(world: &mut World, action: Action, note: &str) {
    world.resource_scope(|world, live: Mut<LiveSim>| live.act(world, action, note));
}

fn selected_rack(world: &World) -> Option<(Entity, Rack)> {
    let v = world.resource::<Selected>().0?;
    (v.kind == VisualKind::Rack).then(|| world.get::<Rack>(v.sim).map(|r| (v.sim, r.clone()))).flatten()
}

fn hall_id(world: &World, hall: Entity) -> Option<String> {
    world.get::<Hall>(hall).map(|h| h.id.clone())
}

/// The selection's main action.
fn primary(world: &mut World) {
    let Some(v) = world.resource::<Selected>().0 else { return };
    let action = match v.kind {
        VisualKind::AirUnit => world.get::<AirUnit>(v.sim).map(|u| {
            if u.availability.failed {
                Action::CoolingRestore { unit: u.id.clone() }
            } else {
                Action::CoolingFail { unit: u.id.clone() }
            }
        }),
        VisualKind::Feed | VisualKind::Electrical => {
            let id = world.get::<PowerNode>(v.sim).map(|n| n.id.clone());
            match (world.get::<Distribution>(v.sim), world.get::<Ups>(v.sim), id) {
                (Some(d), _, Some(id)) => Some(if d.breaker.closed {
                    Action::BreakerTrip { breaker: id }
                } else {
                    Action::BreakerReset { breaker: id }
                }),
                (None, Some(u), Some(id)) => {
                    Some(if u.faulted { Action::UpsRestore { ups: id } } else { Action::UpsFault { ups: id } })
                }
                _ => None,
            }
        }
        VisualKind::Generator => world.get::<Generator>(v.sim).map(|g| match g.state {
            GenState::Failed(_) => Action::GeneratorRepair { generator: g.id.clone() },
            GenState::Running => Action::GeneratorTrip { generator: g.id.clone() },
            _ => Action::GeneratorFailToStart { generator: g.id.clone() },
        }),
        VisualKind::Tank => {
            order_fuel(world);
            None
        }
        VisualKind::Rack => {
            swap_rack(world);
            None
        }
        VisualKind::Hall | VisualKind::Aisle => None,
    };
    if let Some(a) = action {
        act(world, a, "from the viewer");
    }
}

/// Swaps the selected rack to the next rack type of the catalog.
fn swap_rack(world: &mut World) {
    let Some((_, rack)) = selected_rack(world) else { return };
    let Some(hall) = hall_id(world, rack.hall) else { return };
    let Some(row) = world.get::<crate::thermal::Row>(rack.row).map(|r| r.number) else { return };
    let catalog: Catalog = world.resource::<crate::load::spawn::CatalogRes>().0.clone();
    let ids: Vec<&String> = catalog.racks.keys().collect();
    let i = ids.iter().position(|id| **id == rack.params.type_id).map_or(0, |i| (i + 1) % ids.len());
    let next = ids[i].clone();
    act(
        world,
        Action::SwapRacks {
            hall,
            rows: RangeSpec(vec![row]),
            positions: Some(RangeSpec(vec![rack.position])),
            rack: next,
            feeds: None,
            workload: None,
        },
        "rack swapped from the viewer",
    );
}

/// Changes the selected rack's workload (or every workload) by `delta` of full activity.
fn change_load(world: &mut World, delta: f64) {
    let w = world.resource::<Workloads>();
    let targets: Vec<(String, f64)> = match selected_rack(world) {
        Some((_, r)) => {
            w.list.get(r.workload).map(|wl| vec![(wl.id.clone(), w.activity[r.workload])]).unwrap_or_default()
        }
        None => w.list.iter().zip(&w.activity).map(|(wl, &a)| (wl.id.clone(), a)).collect(),
    };
    for (workload, now) in targets {
        let utilisation = ((now + delta) * 100.0).round().clamp(0.0, 100.0) / 100.0;
        act(world, Action::SetUtilisation { workload, utilisation }, "IT load changed from the viewer");
    }
}

/// Orders one tanker for the selected tank, or the first bulk tank.
fn order_fuel(world: &mut World) {
    let sel = world.resource::<Selected>().0.filter(|v| v.kind == VisualKind::Tank).map(|v| v.sim);
    let mut q = world.query::<(Entity, &FuelTank)>();
    let tank = q
        .iter(world)
        .filter(|(e, t)| Some(*e) == sel || (sel.is_none() && matches!(t.kind, crate::scenario::TankKind::Bulk)))
        .map(|(_, t)| t.id.clone())
        .min();
    if let Some(tank) = tank {
        act(world, Action::OrderFuel { tank, tankers: 1 }, "tanker ordered from the viewer");
    }
}

/// Saves the session (see [`LiveSim::save_session`]) and logs where.
pub fn save(world: &mut World) {
    let path = world.resource::<SessionFile>().0.clone();
    let live = world.resource::<LiveSim>().clone();
    match live.save_session(world, &path) {
        Ok(_) => info!("session saved to {}", path.display()),
        Err(e) => error!("cannot save the session to {}: {e}", path.display()),
    }
    let t = world.resource::<SimClock>().t_s();
    world.resource_mut::<crate::events::EventLog>().log(
        t,
        crate::events::EventKind::Caption,
        crate::events::Severity::Info,
        "viewer",
        format!("session saved to {}", path.display()),
        None,
    );
}

/// What the inspector shows of a selection.
#[derive(SystemParam)]
pub struct Inspect<'w, 's> {
    racks: Query<
        'w,
        's,
        (&'static Rack, &'static RackAir, &'static RackLoad, &'static GpuBank, &'static RackSupply, &'static RackFeeds),
    >,
    nodes: Query<'w, 's, (&'static PowerNode, Option<&'static Distribution>, Option<&'static Ups>)>,
    units: Query<'w, 's, (&'static AirUnit, Option<&'static crate::cooling::AirUnitOp>)>,
    gens: Query<'w, 's, &'static Generator>,
    tanks: Query<'w, 's, &'static FuelTank>,
    fuel: Res<'w, crate::fuel::FuelState>,
}

impl Inspect<'_, '_> {
    /// A few lines on the live state of `v` and what `A` does to it.
    pub fn describe(&self, v: Visual) -> String {
        match v.kind {
            VisualKind::Rack => {
                let Ok((rack, air, load, bank, supply, feeds)) = self.racks.get(v.sim) else { return String::new() };
                let c = bank.counts;
                let feed = |e: Option<Entity>| {
                    e.and_then(|e| self.nodes.get(e).ok()).map_or("-".to_owned(), |(n, d, _)| match d {
                        Some(d) => format!(
                            "{} {:.0} A / {:.0} A{}",
                            n.id,
                            d.current_a,
                            d.breaker.rating_a,
                            if d.breaker.closed { "" } else { " TRIPPED" }
                        ),
                        None => n.id.clone(),
                    })
                };
                format!(
                    "rack {}\ntype {}\npower {:.1} kW ({})\ninlet {:.1} C  exhaust {:.1} C\nGPUs {}: {} normal, {} throttling,\n  {} slowdown, {} off; hottest {:.1} C\nfeed A {}\nfeed B {}\nT: swap type   R: reset GPUs   [ ]: load",
                    rack.id,
                    rack.params.type_id,
                    load.demand_kw,
                    if supply.powered { "powered" } else { "NO POWER" },
                    air.inlet_c,
                    air.exhaust_c,
                    bank.len(),
                    c[GpuState::Normal as usize],
                    c[GpuState::Throttled as usize],
                    c[GpuState::Slowdown as usize],
                    c[GpuState::Shutdown as usize],
                    if bank.is_empty() { 0.0 } else { f64::from(bank.hottest_c) },
                    feed(Some(feeds.a)),
                    feed(feeds.b),
                )
            }
            VisualKind::AirUnit => {
                let Ok((u, op)) = self.units.get(v.sim) else { return String::new() };
                let state = if u.availability.failed {
                    "FAILED"
                } else if !u.availability.running {
                    "off (no power or restarting)"
                } else if op.is_some_and(|o| o.limited) {
                    "running, cannot hold set point"
                } else {
                    "running"
                };
                let (flow, fan, water) = op.map_or((0.0, 0.0, 0.0), |o| (o.flow_kg_s, o.fan_kw, o.water_l_per_h));
                format!(
                    "air unit {}\n{state}\nset point {:.1} C\nairflow {:.1} kg/s, fan {:.1} kW\nwater {:.0} L/h\nA: {}",
                    u.id,
                    u.setpoint_c,
                    flow,
                    fan,
                    water,
                    if u.availability.failed { "restore" } else { "fail" }
                )
            }
            VisualKind::Feed | VisualKind::Electrical => {
                let Ok((n, d, ups)) = self.nodes.get(v.sim) else { return String::new() };
                let mut s = format!(
                    "{} ({:?})\n{}\nout {:.1} kW, losses {:.2} kW",
                    n.id,
                    n.kind,
                    if n.energized { "energised" } else { "DEAD" },
                    n.output_kw,
                    n.loss_kw
                );
                if let Some(d) = d {
                    s.push_str(&format!(
                        "\nbreaker {} at {:.0} A of {:.0} A ({:.0} %)\nthermal memory {:.2} of {:.2}\nA: {}",
                        if d.breaker.closed { "closed" } else { "OPEN" },
                        d.current_a,
                        d.breaker.rating_a,
                        100.0 * d.current_a / d.breaker.rating_a.max(1e-9),
                        d.breaker.theta,
                        d.breaker.effective_theta_trip(),
                        if d.breaker.closed { "trip" } else { "reset" }
                    ));
                }
                if let Some(u) = ups {
                    s.push_str(&format!(
                        "\nUPS {:?}, battery {:.1} %\nA: {}",
                        u.state,
                        u.battery.soc() * 100.0,
                        if u.faulted { "restore" } else { "fault" }
                    ));
                }
                s
            }
            VisualKind::Generator => {
                let Ok(g) = self.gens.get(v.sim) else { return String::new() };
                format!(
                    "generator {}\n{:?}\nrating {:.0} kW, output {:.0} kW\nrun {:.1} h\nA: {}",
                    g.id,
                    g.state,
                    g.rating_kw,
                    g.output_kw,
                    g.run_s / 3_600.0,
                    match g.state {
                        GenState::Failed(_) => "repair",
                        GenState::Running => "trip",
                        _ => "make the next start fail",
                    }
                )
            }
            VisualKind::Tank => {
                let Ok(t) = self.tanks.get(v.sim) else { return String::new() };
                format!(
                    "tank {} ({:?})\n{:.1} of {:.1} m3 ({:.0} %)\nsite autonomy {:.1} h\ntankers on the way {}\nA or F: order a tanker",
                    t.id,
                    t.kind,
                    t.level_l / 1_000.0,
                    t.capacity_l / 1_000.0,
                    100.0 * t.level_l / t.capacity_l.max(1e-9),
                    self.fuel.autonomy_h,
                    self.fuel.tankers.len()
                )
            }
            VisualKind::Hall | VisualKind::Aisle => String::new(),
        }
    }
}
