//! Where things stand on the site: the model has halls, rows and racks but no coordinates, so
//! the viewer lays them out on a plan (metres, y up, the site's origin at the first hall's
//! corner). Dimensions are typical of air-cooled white space (ASHRAE TC 9.9 / Uptime layouts):
//! 600 × 1200 mm cabinets, 1.2 m cold and hot aisles.

use bevy::math::Vec3;

/// Cabinet width along its row, m (a 600 mm cabinet).
pub const RACK_WIDTH_M: f32 = 0.6;
/// Cabinet depth, m (1200 mm, common for GPU racks).
pub const RACK_DEPTH_M: f32 = 1.2;
/// Cabinet height, m (42U ≈ 2.0 m plus plinth).
pub const RACK_HEIGHT_M: f32 = 2.2;
/// Distance between row centre lines, m: a cabinet plus one 1.2 m aisle on each side,
/// shared with the next row.
pub const ROW_PITCH_M: f32 = RACK_DEPTH_M + 2.4;
/// Clearance between the racks and the hall's walls, m (room for the air units).
pub const HALL_MARGIN_M: f32 = 4.0;
/// Gap between halls, m.
pub const HALL_GAP_M: f32 = 12.0;
/// A generator set's enclosure (a 2–3 MW set in a 40 ft container), m.
pub const GENERATOR_SIZE_M: Vec3 = Vec3::new(12.2, 3.0, 2.5);

/// Width of the cross aisle between blocks of rows, m.
pub const CROSS_AISLE_M: f32 = 3.0;
/// Aspect (width over depth) the plan aims for, so that a hall fills a 16:9 window.
const TARGET_ASPECT: f32 = 1.6;

/// A hall's place on the site. Its rows stand in `blocks` side by side (a cross aisle
/// between them), each block a stack of rows, so that long and short halls alike come out
/// about as wide as a window.
#[derive(Clone, Debug)]
pub struct HallPlan {
    /// Corner of the hall's floor (min x, min z), m.
    pub origin: Vec3,
    /// Floor size (x, z), m.
    pub size: (f32, f32),
    /// Rows per block.
    pub rows_per_block: usize,
    /// Length of the longest row, m.
    pub row_len_m: f32,
}

impl HallPlan {
    /// A hall of rows of `rows[k]` racks with its corner at `origin`.
    pub fn new(origin: Vec3, rows: &[u32]) -> Self {
        let n = rows.len().max(1);
        let row_len_m = rows.iter().copied().max().unwrap_or(1).max(1) as f32 * RACK_WIDTH_M;
        let size_for = |blocks: usize| {
            let per = n.div_ceil(blocks);
            (
                2.0 * HALL_MARGIN_M + blocks as f32 * row_len_m + (blocks - 1) as f32 * CROSS_AISLE_M,
                2.0 * HALL_MARGIN_M + per as f32 * ROW_PITCH_M,
            )
        };
        let blocks = (1..=n)
            .min_by(|&a, &b| {
                let err = |k: usize| {
                    let (x, z) = size_for(k);
                    (x / z / TARGET_ASPECT).ln().abs()
                };
                err(a).total_cmp(&err(b))
            })
            .unwrap_or(1);
        Self { origin, size: size_for(blocks), rows_per_block: n.div_ceil(blocks), row_len_m }
    }

    /// Centre of the floor.
    pub fn centre(&self) -> Vec3 {
        self.origin + Vec3::new(self.size.0 / 2.0, 0.0, self.size.1 / 2.0)
    }

    /// Corner of row `row_slot` (0-based order of the hall's rows): its first rack's foot
    /// edge, m.
    fn row_start(&self, row_slot: usize) -> Vec3 {
        let (block, rank) = (row_slot / self.rows_per_block.max(1), row_slot % self.rows_per_block.max(1));
        self.origin
            + Vec3::new(
                HALL_MARGIN_M + block as f32 * (self.row_len_m + CROSS_AISLE_M),
                0.0,
                HALL_MARGIN_M + rank as f32 * ROW_PITCH_M + ROW_PITCH_M / 2.0,
            )
    }

    /// Centre of the foot of rack `position` (1-based) in row `row_slot`.
    pub fn rack(&self, row_slot: usize, position: u32) -> Vec3 {
        self.row_start(row_slot) + Vec3::new((position.max(1) - 1) as f32 * RACK_WIDTH_M + RACK_WIDTH_M / 2.0, 0.0, 0.0)
    }

    /// Centre of the cold aisle in front of row `row_slot`, with its length along x.
    pub fn cold_aisle(&self, row_slot: usize, racks: u32) -> (Vec3, f32) {
        let len = racks.max(1) as f32 * RACK_WIDTH_M;
        (self.row_start(row_slot) + Vec3::new(len / 2.0, 0.0, -(RACK_DEPTH_M / 2.0 + 0.6)), len)
    }

    /// Place of air unit `k` of `n`, along the two long walls.
    pub fn air_unit(&self, k: usize, n: usize) -> Vec3 {
        let per_side = n.div_ceil(2).max(1);
        let side = k / per_side;
        let along = (k % per_side) as f32 + 0.5;
        let x = self.size.0 * along / per_side as f32;
        let z = if side == 0 { 1.2 } else { self.size.1 - 1.2 };
        self.origin + Vec3::new(x, 0.0, z)
    }
}

/// Plans `rows_per_hall[h]` (racks in each row) into halls laid out in a grid.
pub fn plan_halls(rows_per_hall: &[Vec<u32>]) -> Vec<HallPlan> {
    let n = rows_per_hall.len().max(1);
    let cols = (n as f32).sqrt().ceil() as usize;
    let shapes: Vec<HallPlan> = rows_per_hall.iter().map(|rows| HallPlan::new(Vec3::ZERO, rows)).collect();
    let cell_x = shapes.iter().map(|s| s.size.0).fold(0.0, f32::max) + HALL_GAP_M;
    let cell_z = shapes.iter().map(|s| s.size.1).fold(0.0, f32::max) + HALL_GAP_M;
    shapes
        .into_iter()
        .enumerate()
        .map(|(i, mut h)| {
            h.origin = Vec3::new((i % cols) as f32 * cell_x, 0.0, (i / cols) as f32 * cell_z);
            h
        })
        .collect()
}

/// The site's extent (min and max corners) over the halls.
pub fn site_bounds(halls: &[HallPlan]) -> (Vec3, Vec3) {
    let mut lo = Vec3::splat(f32::INFINITY);
    let mut hi = Vec3::splat(f32::NEG_INFINITY);
    for h in halls {
        lo = lo.min(h.origin);
        hi = hi.max(h.origin + Vec3::new(h.size.0, 0.0, h.size.1));
    }
    if lo.x.is_finite() { (lo, hi) } else { (Vec3::ZERO, Vec3::ZERO) }
}

/// Place of generator `k` of `n` in the yard south of the halls (negative z), in rows of
/// `per_row` sets, 3 m apart.
pub fn generator(k: usize, n: usize, bounds: (Vec3, Vec3)) -> Vec3 {
    let per_row = ((bounds.1.x - bounds.0.x) / (GENERATOR_SIZE_M.x + 3.0)).floor().max(4.0) as usize;
    let _ = n;
    let (col, row) = (k % per_row, k / per_row);
    Vec3::new(
        bounds.0.x + col as f32 * (GENERATOR_SIZE_M.x + 3.0) + GENERATOR_SIZE_M.x / 2.0,
        0.0,
        bounds.0.z - 20.0 - row as f32 * (GENERATOR_SIZE_M.z + 4.0),
    )
}

/// Radius of a vertical cylindrical tank of `capacity_l` at a 1:1 aspect (h = 2r), m, at least
/// 1 m so that day tanks stay visible.
pub fn tank_radius_m(capacity_l: f64) -> f32 {
    // V = π r² h = 2 π r³.
    ((capacity_l / 1_000.0 / (2.0 * std::f64::consts::PI)).cbrt() as f32).max(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn racks_of_a_row_are_a_cabinet_apart_and_rows_a_pitch_apart() {
        let plans = plan_halls(&[vec![12; 16]]);
        let h = &plans[0];
        assert!((h.rack(0, 2).x - h.rack(0, 1).x - RACK_WIDTH_M).abs() < 1e-6);
        assert!((h.rack(1, 1).z - h.rack(0, 1).z - ROW_PITCH_M).abs() < 1e-6);
        // Sixteen rows of 12 go in blocks side by side: the hall is about as wide as a window.
        assert!(h.rows_per_block < 16 && (h.size.0 / h.size.1 - 1.6).abs() < 0.8, "{h:?}");
        // Every rack is inside the hall, and no two racks share a place.
        let mut spots = Vec::new();
        for row in 0..16 {
            for pos in 1..=12 {
                let p = h.rack(row, pos);
                assert!(
                    p.x > h.origin.x && p.x < h.origin.x + h.size.0 && p.z > h.origin.z && p.z < h.origin.z + h.size.1
                );
                spots.push(p);
            }
        }
        for (i, a) in spots.iter().enumerate() {
            assert!(spots[i + 1..].iter().all(|b| a.distance(*b) > 0.5));
        }
    }

    #[test]
    fn halls_do_not_overlap() {
        let plans = plan_halls(&vec![vec![10; 18]; 40]);
        for (i, a) in plans.iter().enumerate() {
            for b in &plans[i + 1..] {
                let apart_x = a.origin.x + a.size.0 <= b.origin.x || b.origin.x + b.size.0 <= a.origin.x;
                let apart_z = a.origin.z + a.size.1 <= b.origin.z || b.origin.z + b.size.1 <= a.origin.z;
                assert!(apart_x || apart_z);
            }
        }
    }
}
