//! The 3D scene: hall floors, racks (one visual entity per rack, all sharing one mesh so they
//! are drawn instanced), busways, air units, the electrical yard, generators and tanks, and
//! the colour maps that paint them from the simulation's state each frame.

use std::collections::BTreeMap;

use bevy::core_pipeline::tonemapping::Tonemapping;
use bevy::prelude::*;

use super::ViewerSystems;
use super::layout::{self, HallPlan, RACK_DEPTH_M, RACK_HEIGHT_M, RACK_WIDTH_M};
use crate::cooling::AirUnit;
use crate::fuel::FuelTank;
use crate::load::{GpuBank, GpuState, Rack, RackLoad};
use crate::power::generator::{GenFailure, GenState};
use crate::power::ups::UpsState;
use crate::power::{Distribution, Generator, NodeKind, PowerNode, RackFeeds, RackSupply, Ups, UtilityFeed};
use crate::thermal::{Hall, HallState, RackAir, Row};

/// A drawn thing and the simulation entity it shows.
#[derive(Component, Clone, Copy, Debug, PartialEq, Eq)]
pub struct Visual {
    /// The simulation's entity.
    pub sim: Entity,
    /// What it is.
    pub kind: VisualKind,
}

/// Kinds of drawn things (what clicking one inspects).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum VisualKind {
    /// A rack.
    Rack,
    /// A busway or PDU above the racks it feeds (its breaker).
    Feed,
    /// A CRAH, CRAC or evaporative air handler.
    AirUnit,
    /// A diesel generator set.
    Generator,
    /// A fuel tank.
    Tank,
    /// A utility feed, transformer, switchboard, UPS, generator bus or other distribution.
    Electrical,
    /// A hall's floor.
    Hall,
    /// A row's cold-aisle floor strip (the heat overlay).
    Aisle,
}

/// What the racks are painted by.
#[derive(Resource, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ColourMap {
    /// Inlet temperature in the ASHRAE envelopes.
    #[default]
    Inlet,
    /// Rack power.
    Power,
    /// Worst GPU state.
    GpuState,
    /// State and loading of the rack's feed breakers.
    Breaker,
}

impl ColourMap {
    /// All maps, in the order `C` cycles through them.
    pub const ALL: [ColourMap; 4] = [ColourMap::Inlet, ColourMap::Power, ColourMap::GpuState, ColourMap::Breaker];

    /// Title for the legend.
    pub fn title(self) -> &'static str {
        match self {
            ColourMap::Inlet => "Rack inlet (ASHRAE)",
            ColourMap::Power => "Rack power",
            ColourMap::GpuState => "GPU state",
            ColourMap::Breaker => "Feed breaker",
        }
    }

    /// The legend: colour and label of each class.
    pub fn legend(self) -> &'static [(Colour, &'static str)] {
        use Colour::*;
        match self {
            ColourMap::Inlet => &[
                (Blue, "< 18 C  below recommended"),
                (Green, "18-27 C  recommended"),
                (Yellow, "27-32 C  A1"),
                (Orange, "32-35 C  A2"),
                (Red, "35-40 C  A3"),
                (Magenta, "40-45 C  A4"),
                (Purple, "> 45 C  beyond A4"),
                (Grey, "no airflow (dark)"),
            ],
            ColourMap::Power => &[
                (Grey, "off"),
                (Navy, "< 10 kW"),
                (Teal, "10-30 kW"),
                (Green, "30-60 kW"),
                (Lime, "60-100 kW"),
                (Orange, "100-150 kW"),
                (Red, "> 150 kW"),
            ],
            ColourMap::GpuState => &[
                (Slate, "no GPUs"),
                (Green, "normal"),
                (Yellow, "throttling (87 C)"),
                (Orange, "hardware slowdown (89 C)"),
                (Red, "shut down (92 C, latched)"),
                (Grey, "no power"),
            ],
            ColourMap::Breaker => &[
                (Green, "closed, < 80 % of rating"),
                (Yellow, "80-100 % of rating"),
                (Orange, "above rating (timing out)"),
                (Red, "tripped or dead"),
            ],
        }
    }
}

/// The fixed colours of the scene (one material each, so every rack of a colour shares a
/// material and racks are drawn in a few instanced batches).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[allow(missing_docs)]
pub enum Colour {
    Blue,
    Green,
    Yellow,
    Orange,
    Red,
    Magenta,
    Purple,
    Grey,
    Navy,
    Teal,
    Lime,
    Slate,
    Cyan,
    White,
}

impl Colour {
    /// Every colour.
    pub const ALL: [Colour; 14] = [
        Colour::Blue,
        Colour::Green,
        Colour::Yellow,
        Colour::Orange,
        Colour::Red,
        Colour::Magenta,
        Colour::Purple,
        Colour::Grey,
        Colour::Navy,
        Colour::Teal,
        Colour::Lime,
        Colour::Slate,
        Colour::Cyan,
        Colour::White,
    ];

    /// sRGB components, 0–255.
    pub fn srgb_u8(self) -> [u8; 3] {
        match self {
            Colour::Blue => [51, 115, 242],
            Colour::Green => [38, 191, 77],
            Colour::Yellow => [242, 217, 38],
            Colour::Orange => [255, 140, 25],
            Colour::Red => [230, 31, 26],
            Colour::Magenta => [217, 26, 166],
            Colour::Purple => [115, 13, 115],
            Colour::Grey => [64, 64, 71],
            Colour::Navy => [51, 77, 153],
            Colour::Teal => [51, 140, 191],
            Colour::Lime => [179, 217, 51],
            Colour::Slate => [89, 102, 128],
            Colour::Cyan => [64, 200, 230],
            Colour::White => [235, 235, 235],
        }
    }

    /// As a Bevy colour.
    pub fn color(self) -> Color {
        let [r, g, b] = self.srgb_u8();
        Color::srgb_u8(r, g, b)
    }
}

/// Colour of a rack's inlet `t_c` (ASHRAE bands, docs/physics.md §2.2).
pub fn inlet_colour(t_c: f64) -> Colour {
    match t_c {
        t if t < 18.0 => Colour::Blue,
        t if t <= 27.0 => Colour::Green,
        t if t <= 32.0 => Colour::Yellow,
        t if t <= 35.0 => Colour::Orange,
        t if t <= 40.0 => Colour::Red,
        t if t <= 45.0 => Colour::Magenta,
        _ => Colour::Purple,
    }
}

/// Colour of a rack drawing `kw`.
pub fn power_colour(kw: f64) -> Colour {
    match kw {
        p if p <= 0.0 => Colour::Grey,
        p if p < 10.0 => Colour::Navy,
        p if p < 30.0 => Colour::Teal,
        p if p < 60.0 => Colour::Green,
        p if p < 100.0 => Colour::Lime,
        p if p < 150.0 => Colour::Orange,
        _ => Colour::Red,
    }
}

/// Colour of a rack's worst GPU state.
pub fn gpu_colour(bank: &GpuBank, powered: bool) -> Colour {
    if bank.is_empty() {
        return Colour::Slate;
    }
    if !powered {
        return Colour::Grey;
    }
    let c = bank.counts;
    if c[GpuState::Shutdown as usize] > 0 {
        Colour::Red
    } else if c[GpuState::Slowdown as usize] > 0 {
        Colour::Orange
    } else if c[GpuState::Throttled as usize] > 0 {
        Colour::Yellow
    } else {
        Colour::Green
    }
}

/// Colour of a breaker from its state and loading.
pub fn breaker_colour(d: &Distribution, energized: bool) -> Colour {
    if !d.breaker.closed || !energized {
        return Colour::Red;
    }
    let x = d.current_a / d.breaker.rating_a.max(1e-9);
    if x > 1.0 {
        Colour::Orange
    } else if x >= 0.8 {
        Colour::Yellow
    } else {
        Colour::Green
    }
}

/// One material per colour and the shared meshes.
#[derive(Resource)]
pub struct Palette {
    /// Unlit material of each colour.
    pub materials: BTreeMap<Colour, Handle<StandardMaterial>>,
    /// Lit grey for buildings.
    pub floor: Handle<StandardMaterial>,
    /// Wall outlines.
    pub wall: Handle<StandardMaterial>,
    /// The cabinet.
    pub rack_mesh: Handle<Mesh>,
}

impl Palette {
    /// Material of `c`.
    pub fn of(&self, c: Colour) -> Handle<StandardMaterial> {
        self.materials[&c].clone()
    }

    /// Gives `mat` colour `c`, touching it only when it changes (a change marks the entity
    /// for the renderer).
    pub fn paint(&self, mat: &mut Mut<MeshMaterial3d<StandardMaterial>>, c: Colour) {
        let want = &self.materials[&c];
        if mat.0 != *want {
            mat.0 = want.clone();
        }
    }
}

/// The site plan and where each hall and row is drawn.
#[derive(Resource, Clone, Debug, Default)]
pub struct SiteLayout {
    /// Halls by index (as the model numbers them).
    pub halls: Vec<HallPlan>,
    /// Hall ids.
    pub hall_ids: Vec<String>,
    /// Slot of each row entity within its hall.
    pub row_slot: BTreeMap<Entity, usize>,
    /// Site extent.
    pub bounds: (Vec3, Vec3),
    /// Centre of the generator yard.
    pub yard: Vec3,
    /// Centre of the electrical yard.
    pub electrical: Vec3,
}

/// Shows or hides the floor heat overlay (the cold aisles' temperatures).
#[derive(Resource, Clone, Copy, Debug, PartialEq, Eq)]
pub struct HeatOverlay(pub bool);

/// A label drawn over a point of the scene, beneath the dashboard panels (a label whose point
/// projects behind a panel is hidden by it instead of printing over the panel's text).
#[derive(Component, Clone, Debug)]
#[require(GlobalZIndex = GlobalZIndex(-1))]
pub struct Label3d {
    /// Where, m.
    pub at: Vec3,
    /// What it labels.
    pub what: LabelOf,
}

/// What a label shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LabelOf {
    /// A hall (its index).
    Hall(usize),
    /// The generator yard.
    Yard,
    /// A tank.
    Tank(Entity),
    /// The grid connection.
    Grid,
}

/// The systems that paint the scene from the simulation's state (the panels come after).
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ScenePresent;

/// Builds the scene and paints it.
pub struct ScenePlugin;

impl Plugin for ScenePlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<ColourMap>()
            .insert_resource(HeatOverlay(true))
            .add_systems(Startup, build_scene)
            .add_systems(
                Update,
                (spawn_new_racks, paint_racks, paint_feeds, paint_equipment, paint_aisles)
                    .chain()
                    .in_set(ScenePresent)
                    .in_set(ViewerSystems::Present),
            );
    }
}

#[allow(clippy::too_many_arguments)]
fn build_scene(
    mut commands: Commands,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
    halls: Query<(Entity, &Hall)>,
    rows: Query<&Row>,
    units: Query<(Entity, &AirUnit)>,
    gens: Query<(Entity, &Generator)>,
    tanks: Query<(Entity, &FuelTank)>,
    nodes: Query<(Entity, &PowerNode)>,
) {
    let mut mats = BTreeMap::new();
    for c in Colour::ALL {
        // Lit, so racks and rows read as solids, with a quarter of the colour emitted so that
        // faces in shadow keep their class's hue.
        let emissive = c.color().to_linear() * 0.25;
        mats.insert(
            c,
            materials.add(StandardMaterial {
                base_color: c.color(),
                emissive,
                perceptual_roughness: 0.85,
                ..default()
            }),
        );
    }
    let palette = Palette {
        materials: mats,
        floor: materials.add(StandardMaterial {
            base_color: Color::srgb(0.11, 0.12, 0.14),
            perceptual_roughness: 1.0,
            reflectance: 0.0,
            ..default()
        }),
        wall: materials.add(StandardMaterial { base_color: Color::srgb(0.45, 0.47, 0.5), ..default() }),
        rack_mesh: meshes.add(Cuboid::new(RACK_WIDTH_M * 0.92, RACK_HEIGHT_M, RACK_DEPTH_M * 0.95)),
    };

    // Halls in the model's order.
    let mut by_index: Vec<(usize, Entity, &Hall)> = halls.iter().map(|(e, h)| (h.index, e, h)).collect();
    by_index.sort_by_key(|(i, ..)| *i);
    let rows_per_hall: Vec<Vec<u32>> = by_index
        .iter()
        .map(|(_, _, h)| h.rows.iter().map(|&r| rows.get(r).map_or(0, |row| row.racks.len() as u32)).collect())
        .collect();
    let plans = layout::plan_halls(&rows_per_hall);
    let mut site = SiteLayout { halls: plans.clone(), ..default() };
    site.bounds = layout::site_bounds(&plans);
    let floor_mesh = meshes.add(Plane3d::default().mesh().size(1.0, 1.0));
    let wall_mesh = meshes.add(Cuboid::new(1.0, 1.0, 1.0));
    let unit_mesh = meshes.add(Cuboid::new(1.0, 2.0, 1.6));
    for ((_, hall_e, hall), plan) in by_index.iter().zip(&plans) {
        site.hall_ids.push(hall.id.clone());
        for (slot, &r) in hall.rows.iter().enumerate() {
            site.row_slot.insert(r, slot);
        }
        let c = plan.centre();
        commands.spawn((
            Mesh3d(floor_mesh.clone()),
            MeshMaterial3d(palette.floor.clone()),
            Transform::from_translation(c).with_scale(Vec3::new(plan.size.0, 1.0, plan.size.1)),
            Visual { sim: *hall_e, kind: VisualKind::Hall },
        ));
        // Low walls outline the hall.
        let (sx, sz) = plan.size;
        for (pos, size) in [
            (c + Vec3::new(0.0, 0.4, -sz / 2.0), Vec3::new(sx, 0.8, 0.2)),
            (c + Vec3::new(0.0, 0.4, sz / 2.0), Vec3::new(sx, 0.8, 0.2)),
            (c + Vec3::new(-sx / 2.0, 0.4, 0.0), Vec3::new(0.2, 0.8, sz)),
            (c + Vec3::new(sx / 2.0, 0.4, 0.0), Vec3::new(0.2, 0.8, sz)),
        ] {
            commands.spawn((
                Mesh3d(wall_mesh.clone()),
                MeshMaterial3d(palette.wall.clone()),
                Transform::from_translation(pos).with_scale(size),
                Pickable::IGNORE,
            ));
        }
        // Cold-aisle strips: the floor heat overlay.
        for (slot, &r) in hall.rows.iter().enumerate() {
            let n = rows.get(r).map_or(1, |row| row.racks.len() as u32);
            let (centre, len) = plan.cold_aisle(slot, n);
            commands.spawn((
                Mesh3d(floor_mesh.clone()),
                MeshMaterial3d(palette.of(Colour::Green)),
                Transform::from_translation(centre + Vec3::Y * 0.02).with_scale(Vec3::new(len, 1.0, 1.0)),
                Visual { sim: r, kind: VisualKind::Aisle },
            ));
        }
        // Air units along the long walls.
        let hall_units: Vec<Entity> = hall.units.clone();
        for (k, &u) in hall_units.iter().enumerate() {
            let p = plan.air_unit(k, hall_units.len());
            commands.spawn((
                Mesh3d(unit_mesh.clone()),
                MeshMaterial3d(palette.of(Colour::Cyan)),
                Transform::from_translation(p + Vec3::Y),
                Visual { sim: u, kind: VisualKind::AirUnit },
            ));
        }
        commands.spawn((
            Text::new(hall.id.clone()),
            TextFont::from_font_size(13.0),
            TextColor(Color::WHITE),
            Node { position_type: PositionType::Absolute, ..default() },
            Label3d { at: plan.origin + Vec3::new(sx / 2.0, 4.0, 0.0), what: LabelOf::Hall(hall.index) },
        ));
    }
    let _ = units;

    // Generator yard, south of the halls.
    let mut gens: Vec<(Entity, &Generator)> = gens.iter().collect();
    gens.sort_by(|a, b| a.1.id.cmp(&b.1.id));
    let gen_mesh = meshes.add(Cuboid::from_size(layout::GENERATOR_SIZE_M));
    let mut yard_lo = Vec3::splat(f32::INFINITY);
    let mut yard_hi = Vec3::splat(f32::NEG_INFINITY);
    for (k, (e, _)) in gens.iter().enumerate() {
        let p = layout::generator(k, gens.len(), site.bounds);
        yard_lo = yard_lo.min(p);
        yard_hi = yard_hi.max(p);
        commands.spawn((
            Mesh3d(gen_mesh.clone()),
            MeshMaterial3d(palette.of(Colour::Grey)),
            Transform::from_translation(p + Vec3::Y * layout::GENERATOR_SIZE_M.y / 2.0),
            Visual { sim: *e, kind: VisualKind::Generator },
        ));
    }
    site.yard = if gens.is_empty() {
        Vec3::new(site.bounds.0.x, 0.0, site.bounds.0.z - 20.0)
    } else {
        (yard_lo + yard_hi) / 2.0
    };
    if !gens.is_empty() {
        commands.spawn((
            Text::new("generators"),
            TextFont::from_font_size(13.0),
            TextColor(Color::WHITE),
            Node { position_type: PositionType::Absolute, ..default() },
            Label3d { at: site.yard + Vec3::Y * 5.0, what: LabelOf::Yard },
        ));
    }

    // Tanks east of the yard: bulk tanks large, day tanks small.
    let mut tanks: Vec<(Entity, &FuelTank)> = tanks.iter().collect();
    tanks.sort_by(|a, b| (a.1.kind as u8, &a.1.id).cmp(&(b.1.kind as u8, &b.1.id)));
    let mut x = site.bounds.1.x + 15.0;
    let z0 = site.yard.z;
    for (k, (e, t)) in tanks.iter().enumerate() {
        let r = layout::tank_radius_m(t.capacity_l).min(12.0);
        let p = Vec3::new(x + r, 0.0, z0 - (k % 4) as f32 * 0.0);
        x += 2.0 * r + 2.0;
        commands.spawn((
            Mesh3d(meshes.add(Cylinder::new(r, 2.0 * r))),
            MeshMaterial3d(palette.of(Colour::Green)),
            Transform::from_translation(p + Vec3::Y * r),
            Visual { sim: *e, kind: VisualKind::Tank },
        ));
        if matches!(t.kind, crate::scenario::TankKind::Bulk) {
            commands.spawn((
                Text::new(t.id.clone()),
                TextFont::from_font_size(12.0),
                TextColor(Color::WHITE),
                Node { position_type: PositionType::Absolute, ..default() },
                Label3d { at: p + Vec3::Y * (2.0 * r + 2.0), what: LabelOf::Tank(*e) },
            ));
        }
    }

    // Electrical yard west of the halls: one column per kind, sources first.
    let mut nodes: Vec<(Entity, &PowerNode)> = nodes.iter().collect();
    nodes.sort_by(|a, b| (kind_order(a.1.kind), &a.1.id).cmp(&(kind_order(b.1.kind), &b.1.id)));
    let box_mesh = meshes.add(Cuboid::new(2.0, 2.0, 2.0));
    let mut column: BTreeMap<u8, usize> = BTreeMap::new();
    let west = site.bounds.0.x - 12.0;
    site.electrical = Vec3::new(west - 12.0, 0.0, site.bounds.0.z);
    for (e, n) in &nodes {
        // Busways and PDUs that feed racks are drawn over them (paint_feeds spawns those).
        if n.kind == NodeKind::Distribution && n.heat_hall.is_some() {
            continue;
        }
        let col = kind_order(n.kind);
        let k = column.entry(col).or_default();
        let p = Vec3::new(west - f32::from(col) * 5.0, 1.0, site.bounds.0.z + *k as f32 * 3.0);
        *k += 1;
        commands.spawn((
            Mesh3d(box_mesh.clone()),
            MeshMaterial3d(palette.of(Colour::Green)),
            Transform::from_translation(p),
            Visual { sim: *e, kind: VisualKind::Electrical },
        ));
        if n.kind == NodeKind::Utility {
            commands.spawn((
                Text::new(n.id.clone()),
                TextFont::from_font_size(12.0),
                TextColor(Color::WHITE),
                Node { position_type: PositionType::Absolute, ..default() },
                Label3d { at: p + Vec3::Y * 2.5, what: LabelOf::Grid },
            ));
        }
    }

    // Light for the lit buildings.
    commands.spawn((
        DirectionalLight { illuminance: 6_000.0, ..default() },
        Transform::from_xyz(-50.0, 120.0, -30.0).looking_at(Vec3::ZERO, Vec3::Y),
    ));
    commands.insert_resource(GlobalAmbientLight { color: Color::WHITE, brightness: 400.0, ..default() });
    commands.insert_resource(palette);
    commands.insert_resource(site);
    let _ = Tonemapping::None;
}

fn kind_order(k: NodeKind) -> u8 {
    match k {
        NodeKind::Utility => 0,
        NodeKind::Transformer => 1,
        NodeKind::GeneratorBus => 2,
        NodeKind::Switchboard => 3,
        NodeKind::Ups => 4,
        NodeKind::Distribution => 5,
    }
}

/// Gives every rack without one its visual (at startup, and for racks an event adds), and
/// the busways over them.
#[allow(clippy::too_many_arguments)]
fn spawn_new_racks(
    mut commands: Commands,
    palette: Option<Res<Palette>>,
    site: Option<Res<SiteLayout>>,
    racks: Query<(Entity, &Rack, &RackFeeds), Added<Rack>>,
    all_racks: Query<(&Rack, &RackFeeds)>,
    nodes: Query<&PowerNode>,
    feeds_drawn: Query<&Visual>,
    mut meshes: ResMut<Assets<Mesh>>,
) {
    let (Some(palette), Some(site)) = (palette, site) else { return };
    let mut any = false;
    for (e, rack, _) in &racks {
        any = true;
        let Some(plan) = site.halls.get(rack.hall_index) else { continue };
        let slot = site.row_slot.get(&rack.row).copied().unwrap_or(0);
        let foot = plan.rack(slot, rack.position);
        commands.spawn((
            Mesh3d(palette.rack_mesh.clone()),
            MeshMaterial3d(palette.of(Colour::Green)),
            Transform::from_translation(foot + Vec3::Y * RACK_HEIGHT_M / 2.0),
            Visual { sim: e, kind: VisualKind::Rack },
        ));
    }
    if !any {
        return;
    }
    // Busways and PDUs over the racks they feed (A side in front, B side behind).
    let drawn: std::collections::BTreeSet<Entity> =
        feeds_drawn.iter().filter(|v| v.kind == VisualKind::Feed).map(|v| v.sim).collect();
    let mut spans: BTreeMap<Entity, (Vec3, Vec3, bool)> = BTreeMap::new();
    for (rack, feeds) in &all_racks {
        let Some(plan) = site.halls.get(rack.hall_index) else { continue };
        let p = plan.rack(site.row_slot.get(&rack.row).copied().unwrap_or(0), rack.position);
        for (feed, b_side) in [(Some(feeds.a), false), (feeds.b, true)] {
            let Some(f) = feed else { continue };
            let s = spans.entry(f).or_insert((p, p, b_side));
            s.0 = s.0.min(p);
            s.1 = s.1.max(p);
        }
    }
    for (feed, (lo, hi, b_side)) in spans {
        if drawn.contains(&feed) || nodes.get(feed).is_err() {
            continue;
        }
        let len = hi.x - lo.x + RACK_WIDTH_M;
        let z_off = if b_side { 0.35 } else { -0.35 };
        let y = RACK_HEIGHT_M + if b_side { 0.55 } else { 0.35 };
        commands.spawn((
            Mesh3d(meshes.add(Cuboid::new(len, 0.16, 0.22))),
            MeshMaterial3d(palette.of(Colour::Green)),
            Transform::from_translation(Vec3::new((lo.x + hi.x) / 2.0, y, (lo.z + hi.z) / 2.0 + z_off)),
            Visual { sim: feed, kind: VisualKind::Feed },
        ));
    }
}

/// Paints each rack by the chosen colour map.
#[allow(clippy::type_complexity)]
fn paint_racks(
    map: Res<ColourMap>,
    palette: Option<Res<Palette>>,
    racks: Query<(&RackAir, &RackLoad, &GpuBank, &RackSupply, &RackFeeds)>,
    dists: Query<(&Distribution, &PowerNode)>,
    mut visuals: Query<(&Visual, &mut MeshMaterial3d<StandardMaterial>)>,
) {
    let Some(palette) = palette else { return };
    for (v, mut mat) in &mut visuals {
        if v.kind != VisualKind::Rack {
            continue;
        }
        let Ok((air, load, bank, supply, feeds)) = racks.get(v.sim) else { continue };
        let c = rack_colour(*map, air, load, bank, supply, feeds, &dists);
        palette.paint(&mut mat, c);
    }
}

/// The colour of one rack under `map`.
pub fn rack_colour(
    map: ColourMap,
    air: &RackAir,
    load: &RackLoad,
    bank: &GpuBank,
    supply: &RackSupply,
    feeds: &RackFeeds,
    dists: &Query<(&Distribution, &PowerNode)>,
) -> Colour {
    match map {
        ColourMap::Inlet => {
            if air.flow_kg_s <= 0.0 {
                Colour::Grey
            } else {
                inlet_colour(air.inlet_c)
            }
        }
        ColourMap::Power => power_colour(if supply.powered { load.demand_kw } else { 0.0 }),
        ColourMap::GpuState => gpu_colour(bank, supply.powered),
        ColourMap::Breaker => {
            // The worse of the rack's feeds.
            [Some(feeds.a), feeds.b]
                .into_iter()
                .flatten()
                .filter_map(|f| dists.get(f).ok().map(|(d, n)| breaker_colour(d, n.energized)))
                .max_by_key(|c| match c {
                    Colour::Green => 0,
                    Colour::Yellow => 1,
                    Colour::Orange => 2,
                    _ => 3,
                })
                .unwrap_or(Colour::Grey)
        }
    }
}

fn paint_feeds(
    palette: Option<Res<Palette>>,
    dists: Query<(&Distribution, &PowerNode)>,
    mut visuals: Query<(&Visual, &mut MeshMaterial3d<StandardMaterial>)>,
) {
    let Some(palette) = palette else { return };
    for (v, mut mat) in &mut visuals {
        if v.kind != VisualKind::Feed {
            continue;
        }
        let Ok((d, n)) = dists.get(v.sim) else { continue };
        palette.paint(&mut mat, breaker_colour(d, n.energized));
    }
}

/// Air units, generators, tanks and the electrical yard by their state.
#[allow(clippy::type_complexity)]
fn paint_equipment(
    palette: Option<Res<Palette>>,
    units: Query<&AirUnit>,
    duty: Query<&crate::cooling::AirUnitOp>,
    gens: Query<&Generator>,
    tanks: Query<&FuelTank>,
    nodes: Query<(&PowerNode, Option<&Ups>, Option<&Distribution>, Option<&UtilityFeed>)>,
    mut visuals: Query<(&Visual, &mut MeshMaterial3d<StandardMaterial>)>,
) {
    let Some(palette) = palette else { return };
    for (v, mut mat) in &mut visuals {
        let c = match v.kind {
            VisualKind::AirUnit => {
                let Ok(u) = units.get(v.sim) else { continue };
                if u.availability.failed {
                    Colour::Red
                } else if !u.availability.running {
                    Colour::Grey
                } else if duty.get(v.sim).is_ok_and(|d| d.limited) {
                    Colour::Yellow
                } else {
                    Colour::Cyan
                }
            }
            VisualKind::Generator => match gens.get(v.sim).map(|g| g.state) {
                Ok(GenState::Running) => Colour::Green,
                Ok(GenState::Starting { .. }) => Colour::Yellow,
                Ok(GenState::Failed(GenFailure::NoFuel)) => Colour::Purple,
                Ok(GenState::Failed(_)) => Colour::Red,
                _ => Colour::Grey,
            },
            VisualKind::Tank => {
                let Ok(t) = tanks.get(v.sim) else { continue };
                let f = t.level_l / t.capacity_l.max(1e-9);
                if f > 0.5 {
                    Colour::Green
                } else if f > 0.2 {
                    Colour::Yellow
                } else {
                    Colour::Red
                }
            }
            VisualKind::Electrical => {
                let Ok((n, ups, dist, feed)) = nodes.get(v.sim) else { continue };
                if let Some(u) = ups {
                    match u.state {
                        UpsState::Online => Colour::Green,
                        UpsState::OnBattery => Colour::Yellow,
                        UpsState::Bypass => Colour::Orange,
                        UpsState::Off => Colour::Red,
                    }
                } else if let Some(d) = dist {
                    breaker_colour(d, n.energized)
                } else if feed.is_some_and(|f| !f.available) || !n.energized {
                    Colour::Red
                } else {
                    Colour::Green
                }
            }
            _ => continue,
        };
        palette.paint(&mut mat, c);
    }
}

/// The floor heat overlay: each cold aisle in the inlet palette (hidden when off).
fn paint_aisles(
    overlay: Res<HeatOverlay>,
    palette: Option<Res<Palette>>,
    rows: Query<&Row>,
    halls: Query<&HallState>,
    mut visuals: Query<(&Visual, &mut MeshMaterial3d<StandardMaterial>, &mut Visibility)>,
) {
    let Some(palette) = palette else { return };
    for (v, mut mat, mut vis) in &mut visuals {
        if v.kind != VisualKind::Aisle {
            continue;
        }
        let want_vis = if overlay.0 { Visibility::Inherited } else { Visibility::Hidden };
        if *vis != want_vis {
            *vis = want_vis;
        }
        let Ok(row) = rows.get(v.sim) else { continue };
        let _ = halls.get(row.hall);
        palette.paint(&mut mat, inlet_colour(row.cold_c));
    }
}
