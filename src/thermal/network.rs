//! The air network of one hall, solved implicitly each tick.
//!
//! Nodes (physics §2.5, two-node model plus aisles):
//! - the **room / return air** node `T_r` (well mixed, where exhaust and return meet),
//! - the **thermal mass** node `T_m` (structure, raised floor, equipment), coupled by `UA`,
//! - one **cold aisle** node `T_k` per row.
//!
//! Flows (dry-air mass, kg/s; `c` = moist-air specific heat):
//! - air units draw `ṁ_u` from the room and supply it at `T_sup,u = max_j(a_j + b_j·T_r)`
//!   (set point held, coil-limited or capacity-limited: each piece affine in `T_r`);
//! - the supply splits over rows by their tile share `s_k`: `ṁ_s,k = s_k·Σṁ_u`;
//! - the racks of a row draw `ṁ_draw,k` from their cold aisle; a deficit
//!   `ṁ_rec,k = max(0, ṁ_draw,k − ṁ_s,k)` is pulled from the room (recirculation over and around
//!   the rows), a surplus `ṁ_spill,k` bypasses to the room;
//! - rack exhaust returns to the room carrying `c·ṁ_draw,k·T_k + P_k`.
//!
//! Backward Euler for all nodes gives one linear system `(C/dt + G)·T' = C/dt·T + q`, solved
//! with nalgebra's LU. Because every flow is booked once at the new temperatures, the balance
//! `Σ heat in = Σ removed + Σ C·ΔT/dt` holds to rounding, and the scheme is stable at any tick
//! length. Piecewise supply laws are resolved by an active-set loop (a few iterations at most).

use nalgebra::{DMatrix, DVector};

/// An affine supply law piece `T_sup = a + b·T_r`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Affine {
    /// Offset, °C.
    pub a: f64,
    /// Slope on the return temperature.
    pub b: f64,
}

impl Affine {
    /// Value at return temperature `t_r`.
    pub fn at(&self, t_r: f64) -> f64 {
        self.a + self.b * t_r
    }
}

/// One row's cold aisle in the network.
#[derive(Clone, Debug, Default)]
pub struct NetRow {
    /// Heat capacity of the aisle air, J/K.
    pub capacity_j_per_k: f64,
    /// Temperature at the start of the tick, °C.
    pub t0_c: f64,
    /// Share of the units' supply delivered to this row (tiles, grilles).
    pub supply_share: f64,
    /// Air drawn by the racks from the aisle, kg/s.
    pub draw_kg_s: f64,
    /// Heat added by the racks to their exhaust, W.
    pub heat_w: f64,
}

/// One air unit in the network.
#[derive(Clone, Debug, Default)]
pub struct NetUnit {
    /// Air moved, kg/s.
    pub mass_flow_kg_s: f64,
    /// Supply law pieces: the supply is the largest.
    pub pieces: Vec<Affine>,
    /// Piece active at the start (from the last tick).
    pub active: usize,
}

/// A hall's network for one tick.
#[derive(Clone, Debug, Default)]
pub struct HallNetwork {
    /// Room air heat capacity, J/K.
    pub room_capacity_j_per_k: f64,
    /// Mass node heat capacity, J/K.
    pub mass_capacity_j_per_k: f64,
    /// Air-to-mass conductance, W/K.
    pub ua_w_per_k: f64,
    /// Room temperature at the start, °C.
    pub room_t0_c: f64,
    /// Mass temperature at the start, °C.
    pub mass_t0_c: f64,
    /// Specific heat of the air, J/(kg·K).
    pub cp_j_per_kg_k: f64,
    /// Heat released straight into the room air (PDU losses, racks without airflow), W.
    pub room_heat_w: f64,
    /// Rows.
    pub rows: Vec<NetRow>,
    /// Air units.
    pub units: Vec<NetUnit>,
}

/// The solved tick.
#[derive(Clone, Debug, Default)]
pub struct HallSolution {
    /// Room / return air, °C.
    pub room_c: f64,
    /// Mass, °C.
    pub mass_c: f64,
    /// Cold aisles, °C.
    pub cold_c: Vec<f64>,
    /// Recirculation into each cold aisle from the room, kg/s.
    pub recirc_kg_s: Vec<f64>,
    /// Supply temperature of each unit, °C.
    pub unit_supply_c: Vec<f64>,
    /// Net sensible heat removed by each unit (coil or evaporation minus fan heat), W.
    pub unit_removed_w: Vec<f64>,
    /// Active law piece of each unit.
    pub unit_piece: Vec<usize>,
    /// Heat stored this tick (all nodes), W.
    pub stored_w: f64,
    /// Heat into the network this tick, W.
    pub heat_in_w: f64,
}

/// Most active-set iterations per tick (each unit has at most three pieces).
const MAX_ACTIVE_SET_ITERATIONS: usize = 6;

impl HallNetwork {
    /// Solves one backward-Euler tick of length `dt_s`.
    pub fn solve(&self, dt_s: f64) -> HallSolution {
        let mut active: Vec<usize> =
            self.units.iter().map(|u| u.active.min(u.pieces.len().saturating_sub(1))).collect();
        let mut sol = self.solve_with(&active, dt_s);
        for _ in 0..MAX_ACTIVE_SET_ITERATIONS {
            let mut changed = false;
            for (i, u) in self.units.iter().enumerate() {
                let best = best_piece(&u.pieces, sol.room_c);
                if best != active[i] && u.pieces[best].at(sol.room_c) > u.pieces[active[i]].at(sol.room_c) + 1e-9 {
                    active[i] = best;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
            sol = self.solve_with(&active, dt_s);
        }
        sol
    }

    fn solve_with(&self, active: &[usize], dt_s: f64) -> HallSolution {
        let n_rows = self.rows.len();
        let n = 2 + n_rows;
        let c = self.cp_j_per_kg_k;
        let (ir, im) = (0, 1);
        let mut a = DMatrix::<f64>::zeros(n, n);
        let mut rhs = DVector::<f64>::zeros(n);

        // Mixed supply T = A + B·T_r over all units.
        let m_tot: f64 = self.units.iter().map(|u| u.mass_flow_kg_s).sum();
        let (mut sa, mut sb) = (0.0, 0.0);
        for (u, &k) in self.units.iter().zip(active) {
            if let Some(p) = u.pieces.get(k) {
                sa += u.mass_flow_kg_s * p.a;
                sb += u.mass_flow_kg_s * p.b;
            }
        }
        let share_sum: f64 = self.rows.iter().map(|r| r.supply_share).sum();
        let unassigned = (1.0 - share_sum).max(0.0);

        // Room node.
        a[(ir, ir)] = self.room_capacity_j_per_k / dt_s + c * m_tot + self.ua_w_per_k;
        a[(ir, im)] = -self.ua_w_per_k;
        rhs[ir] = self.room_capacity_j_per_k / dt_s * self.room_t0_c + self.room_heat_w;
        // Supply not assigned to any row enters the room directly.
        a[(ir, ir)] -= c * unassigned * sb;
        rhs[ir] += c * unassigned * sa;

        // Mass node.
        a[(im, im)] = self.mass_capacity_j_per_k / dt_s + self.ua_w_per_k;
        a[(im, ir)] = -self.ua_w_per_k;
        rhs[im] = self.mass_capacity_j_per_k / dt_s * self.mass_t0_c;

        let mut recirc = Vec::with_capacity(n_rows);
        for (k, row) in self.rows.iter().enumerate() {
            let ik = 2 + k;
            let m_s = row.supply_share * m_tot;
            let m_rec = (row.draw_kg_s - m_s).max(0.0);
            let m_spill = (m_s - row.draw_kg_s).max(0.0);
            recirc.push(m_rec);
            // Cold aisle k.
            a[(ik, ik)] = row.capacity_j_per_k / dt_s + c * (row.draw_kg_s + m_spill);
            // Supply in: ṁ_s,k·(A + B·T_r) = s_k·(Σṁ_u·a_u + Σṁ_u·b_u·T_r).
            a[(ik, ir)] = -c * m_rec - c * row.supply_share * sb;
            rhs[ik] = row.capacity_j_per_k / dt_s * row.t0_c + c * row.supply_share * sa;
            // Its exchanges with the room.
            a[(ir, ik)] = -c * (row.draw_kg_s + m_spill);
            a[(ir, ir)] += c * m_rec;
            rhs[ir] += row.heat_w;
        }
        let x = a.clone().lu().solve(&rhs).unwrap_or_else(|| {
            // Singular only with zero capacities; fall back to the previous state.
            let mut v = DVector::zeros(n);
            v[ir] = self.room_t0_c;
            v[im] = self.mass_t0_c;
            for (k, r) in self.rows.iter().enumerate() {
                v[2 + k] = r.t0_c;
            }
            v
        });
        let room = x[ir];
        let mass = x[im];
        let cold: Vec<f64> = (0..n_rows).map(|k| x[2 + k]).collect();
        let unit_supply_c: Vec<f64> =
            self.units.iter().zip(active).map(|(u, &k)| u.pieces.get(k).map_or(room, |p| p.at(room))).collect();
        let unit_removed_w: Vec<f64> =
            self.units.iter().zip(&unit_supply_c).map(|(u, ts)| c * u.mass_flow_kg_s * (room - ts)).collect();
        let mut stored =
            self.room_capacity_j_per_k * (room - self.room_t0_c) + self.mass_capacity_j_per_k * (mass - self.mass_t0_c);
        for (r, t) in self.rows.iter().zip(&cold) {
            stored += r.capacity_j_per_k * (t - r.t0_c);
        }
        let heat_in_w = self.room_heat_w + self.rows.iter().map(|r| r.heat_w).sum::<f64>();
        HallSolution {
            room_c: room,
            mass_c: mass,
            cold_c: cold,
            recirc_kg_s: recirc,
            unit_supply_c,
            unit_removed_w,
            unit_piece: active.to_vec(),
            stored_w: stored / dt_s,
            heat_in_w,
        }
    }
}

/// Index of the piece with the largest value at `t_r`.
fn best_piece(pieces: &[Affine], t_r: f64) -> usize {
    let mut best = 0;
    for (i, p) in pieces.iter().enumerate() {
        if p.at(t_r) > pieces[best].at(t_r) {
            best = i;
        }
    }
    best
}

/// Exhaust-side ("hot aisle") temperature of a row and each rack's inlet, given the cold aisle
/// `t_cold_c`: racks take a share `ρ_i` of their inlet air from the row's own exhaust over the
/// top and ends of the row. With `Σ` over the row,
/// `T_h = Σ ṁ_i((1−ρ_i)·T_c + ΔT_i) / (Σ ṁ_i − Σ ṁ_i·ρ_i)`, `T_in,i = (1−ρ_i)·T_c + ρ_i·T_h`.
/// Returns `T_h`; `flows` are `(ṁ_i, ρ_i, ΔT_i)`.
pub fn hot_aisle_c(t_cold_c: f64, flows: impl Iterator<Item = (f64, f64, f64)>) -> f64 {
    let (mut num, mut m, mut m_rho) = (0.0, 0.0, 0.0);
    for (mi, rho, dt) in flows {
        num += mi * ((1.0 - rho) * t_cold_c + dt);
        m += mi;
        m_rho += mi * rho;
    }
    if m - m_rho <= 0.0 { t_cold_c } else { num / (m - m_rho) }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CP: f64 = 1006.0;

    fn hall(units: Vec<NetUnit>, rows: Vec<NetRow>) -> HallNetwork {
        HallNetwork {
            room_capacity_j_per_k: 4.8e6,
            mass_capacity_j_per_k: 24e6,
            ua_w_per_k: 60e3,
            room_t0_c: 30.0,
            mass_t0_c: 30.0,
            cp_j_per_kg_k: CP,
            room_heat_w: 5e3,
            rows,
            units,
        }
    }

    fn row(share: f64, draw: f64, heat: f64) -> NetRow {
        NetRow { capacity_j_per_k: 30e3, t0_c: 22.0, supply_share: share, draw_kg_s: draw, heat_w: heat }
    }

    #[test]
    fn books_close_to_rounding_for_any_flows() {
        // Set point held, coil-limited and capacity-limited units, starved and surplus rows.
        let units = vec![
            NetUnit {
                mass_flow_kg_s: 20.0,
                pieces: vec![Affine { a: 20.0, b: 0.0 }, Affine { a: 6.0, b: 0.6 }],
                active: 0,
            },
            NetUnit {
                mass_flow_kg_s: 15.0,
                pieces: vec![Affine { a: 22.0, b: 0.0 }, Affine { a: -10.0, b: 1.0 }],
                active: 0,
            },
        ];
        let rows = vec![row(0.5, 30.0, 300e3), row(0.3, 5.0, 60e3), row(0.2, 0.0, 0.0)];
        let net = hall(units, rows);
        for dt in [0.5, 1.0, 60.0, 3600.0] {
            let s = net.solve(dt);
            let removed: f64 = s.unit_removed_w.iter().sum();
            let residual = s.heat_in_w - removed - s.stored_w;
            assert!(residual.abs() < 1e-9 * s.heat_in_w, "dt {dt}: residual {residual} W");
        }
    }

    #[test]
    fn steady_state_holds_set_point_and_removes_the_load() {
        // One unit holding 20 °C, load 200 kW: after a long time the removal equals the load
        // and the room sits at T_sup + P/(ṁ c).
        let units = vec![NetUnit { mass_flow_kg_s: 20.0, pieces: vec![Affine { a: 20.0, b: 0.0 }], active: 0 }];
        let mut net = hall(units, vec![row(1.0, 18.0, 200e3)]);
        let mut s = net.solve(60.0);
        for _ in 0..2000 {
            net.room_t0_c = s.room_c;
            net.mass_t0_c = s.mass_c;
            net.rows[0].t0_c = s.cold_c[0];
            s = net.solve(60.0);
        }
        let removed: f64 = s.unit_removed_w.iter().sum();
        assert!((removed - 205e3).abs() < 1.0, "{removed}");
        assert!((s.room_c - (20.0 + 205e3 / (20.0 * CP))).abs() < 1e-3, "{}", s.room_c);
    }

    #[test]
    fn capacity_limited_unit_switches_piece_when_the_room_is_hot() {
        // Capacity 100 kW at 20 kg/s: T_sup = max(20, T_r − 100e3/(20·c)).
        let cap = Affine { a: -100e3 / (20.0 * CP), b: 1.0 };
        let units = vec![NetUnit { mass_flow_kg_s: 20.0, pieces: vec![Affine { a: 20.0, b: 0.0 }, cap], active: 0 }];
        let net = hall(units, vec![row(1.0, 18.0, 300e3)]);
        let s = net.solve(1.0);
        assert_eq!(s.unit_piece[0], 1);
        assert!((s.unit_removed_w[0] - 100e3).abs() < 1e-6);
    }

    #[test]
    fn hot_aisle_closed_form_balances_row_energy() {
        let flows = [(2.0, 0.1, 12.0), (3.0, 0.2, 10.0), (1.0, 0.0, 15.0)];
        let tc = 20.0;
        let th = hot_aisle_c(tc, flows.iter().copied());
        // Exhaust mixed = Σ ṁ_i T_out,i / Σ ṁ_i with T_in,i = (1−ρ)Tc + ρTh.
        let mixed: f64 = flows.iter().map(|(m, r, d)| m * ((1.0 - r) * tc + r * th + d)).sum::<f64>() / 6.0;
        assert!((mixed - th).abs() < 1e-12);
    }
}
