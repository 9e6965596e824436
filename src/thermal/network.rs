//! The air network of one hall, solved implicitly each tick.
//!
//! Nodes (docs/physics.md §2.5, two-node model plus aisles):
//! - the **room / return air** node `T_r` (well mixed, where exhaust and return meet),
//! - the **thermal mass** node `T_m` (structure, raised floor, equipment), coupled by `UA`,
//! - one **cold aisle** node `T_k` per row.
//!
//! Flows (dry-air mass, kg/s; `c` = moist-air specific heat):
//! - air units draw `ṁ_u` from the room and supply it at `T_sup,u = max_j(a_j + b_j·T_r)`
//!   (set point held, coil-limited or capacity-limited: each piece affine in `T_r`);
//! - the supply splits over rows by their tile share `s_k`: `ṁ_s,k = s_k·Σṁ_u`;
//! - the racks of a row draw `ṁ_draw,k` from their cold aisle; a deficit
//!   `ṁ_def,k = max(0, ṁ_draw,k − ṁ_s,k)` flows into the aisle over and around the rows, a
//!   surplus `ṁ_spill,k` bypasses to the room. A share `φ_k` of the deficit is the row's own
//!   exhaust (`ṁ_loc,k = φ_k·ṁ_def,k` at the hot aisle `T_h,k = α_k + β_k·T_k`), the rest room
//!   air (`ṁ_rec,k`); both mix into the aisle's air before reaching the inlets, so a row that
//!   loses its supply warms with the aisle's (and then the room's) capacity, not in one tick;
//! - rack exhaust returns to the room carrying `c·ṁ_draw,k·T_k + P_k`, less the part
//!   `c·ṁ_loc,k·T_h,k` that re-enters the aisle.
//!
//! Backward Euler for all nodes gives one linear system `(C/dt + G)·T' = C/dt·T + q`. Only the
//! room node couples to every other node (the mass and each aisle exchange with the room
//! alone), so the matrix is an arrowhead and [`Arrowhead::solve`] eliminates it exactly in
//! O(n) — a dense LU (nalgebra's, in the tests) gives the same answer at O(n³) cost and
//! allocations. Because every flow is booked once at the new temperatures, the balance
//! `Σ heat in = Σ removed + Σ C·ΔT/dt` holds to rounding, and the scheme is stable at any tick
//! length. Piecewise supply laws are resolved by an active-set loop (a few iterations at most).

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
    /// Heat added by the racks to their exhaust at a cold aisle of 0 °C, W.
    pub heat_w: f64,
    /// Fall of that heat per K of cold-aisle temperature (racks whose heat depends on their
    /// inlet), W/K: the row heat is `heat_w − heat_slope_w_per_k·T_k`.
    pub heat_slope_w_per_k: f64,
    /// Share of the deficit (draw beyond the row's supply) made up by the row's own exhaust.
    pub local_share: f64,
    /// Hot aisle (mixed exhaust) at a cold aisle of 0 °C: `T_h = hot_offset_c + hot_slope·T_k`.
    pub hot_offset_c: f64,
    /// Hot aisle slope on the cold aisle.
    pub hot_slope: f64,
}

/// One air unit in the network: supply `min(cap, max_j pieces_j)`.
#[derive(Clone, Debug, Default)]
pub struct NetUnit {
    /// Air moved, kg/s.
    pub mass_flow_kg_s: f64,
    /// Supply law pieces: the supply is the largest.
    pub pieces: Vec<Affine>,
    /// Ceiling on the supply, if any.
    pub cap: Option<Affine>,
    /// Piece active at the start (from the last tick); `pieces.len()` means the cap.
    pub active: usize,
}

impl NetUnit {
    /// The piece that sets the supply at return temperature `t_r` (index `pieces.len()` is
    /// the cap).
    fn governing(&self, t_r: f64) -> usize {
        let best = best_piece(&self.pieces, t_r);
        match (self.cap, self.pieces.get(best)) {
            (Some(cap), Some(p)) if cap.at(t_r) < p.at(t_r) => self.pieces.len(),
            (Some(_), None) => self.pieces.len(),
            _ => best,
        }
    }

    /// The affine law of piece `k` (the cap for `k == pieces.len()`).
    fn piece(&self, k: usize) -> Option<Affine> {
        if k == self.pieces.len() { self.cap } else { self.pieces.get(k).copied() }
    }
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
    /// How the rows' inlets follow supply and room (the cold-aisle nodes are the inlets).
    pub inlet: super::InletModel,
}

/// The solved tick.
#[derive(Clone, Debug, Default)]
pub struct HallSolution {
    /// Room air, °C.
    pub room_c: f64,
    /// Air returning to the units, °C (the room air, plus the return approach under
    /// [`super::InletModel::Approach`]).
    pub return_c: f64,
    /// Mass, °C.
    pub mass_c: f64,
    /// Cold aisles, °C.
    pub cold_c: Vec<f64>,
    /// Recirculation into each cold aisle from the room, kg/s.
    pub recirc_kg_s: Vec<f64>,
    /// The row's own exhaust re-entering each cold aisle, kg/s.
    pub local_kg_s: Vec<f64>,
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
        let return0 = self.room_t0_c + self.inlet.return_offset_k();
        let mut active: Vec<usize> = self
            .units
            .iter()
            .map(|u| if u.piece(u.active).is_some() { u.active } else { u.governing(return0) })
            .collect();
        let mut sol = self.solve_with(&active, dt_s);
        for _ in 0..MAX_ACTIVE_SET_ITERATIONS {
            let mut changed = false;
            for (i, u) in self.units.iter().enumerate() {
                let t_ret = sol.return_c;
                let best = u.governing(t_ret);
                let (Some(now), Some(want)) = (u.piece(active[i]), u.piece(best)) else { continue };
                if best != active[i] && (want.at(t_ret) - now.at(t_ret)).abs() > 1e-9 {
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
        match self.inlet {
            super::InletModel::AirBalance => self.solve_air_balance(active, dt_s),
            super::InletModel::Recirculation { fraction } => self.solve_empirical(active, dt_s, fraction, 0.0, 0.0),
            super::InletModel::Approach { supply_k, return_k } => {
                self.solve_empirical(active, dt_s, 0.0, supply_k, return_k)
            }
        }
    }

    /// Mixed supply `T_s = A + B·T_ret` over all units for the active pieces: `(Σṁ_u, Σṁ_u·a_u,
    /// Σṁ_u·b_u)`.
    fn mixed_supply(&self, active: &[usize]) -> (f64, f64, f64) {
        let m_tot: f64 = self.units.iter().map(|u| u.mass_flow_kg_s).sum();
        let (mut sa, mut sb) = (0.0, 0.0);
        for (u, &k) in self.units.iter().zip(active) {
            if let Some(p) = u.piece(k) {
                sa += u.mass_flow_kg_s * p.a;
                sb += u.mass_flow_kg_s * p.b;
            }
        }
        (m_tot, sa, sb)
    }

    /// The air balance of rows, aisles and room ([`super::InletModel::AirBalance`]).
    fn solve_air_balance(&self, active: &[usize], dt_s: f64) -> HallSolution {
        let n_rows = self.rows.len();
        let n = 2 + n_rows;
        let c = self.cp_j_per_kg_k;
        let (ir, im) = (0, 1);
        // Flows `G` and sources `q` (the capacities go on the diagonal below): the tick solves
        // `(C/dt + G)·ΔT = q − G·T₀` for the changes, so that `C·ΔT/dt`, the heat stored, keeps
        // its relative precision even when it is tiny next to `C·T` (a dark hall at rest).
        let mut a = Arrowhead::zeros(n);
        let mut rhs = vec![0.0; n];

        // Mixed supply T = A + B·T_r over all units.
        let (m_tot, sa, sb) = self.mixed_supply(active);
        let share_sum: f64 = self.rows.iter().map(|r| r.supply_share).sum();
        let unassigned = (1.0 - share_sum).max(0.0);

        // Room node.
        a.diag[ir] = c * m_tot + self.ua_w_per_k;
        a.row0[im] = -self.ua_w_per_k;
        rhs[ir] = self.room_heat_w;
        // Supply not assigned to any row enters the room directly.
        a.diag[ir] -= c * unassigned * sb;
        rhs[ir] += c * unassigned * sa;

        // Mass node.
        a.diag[im] = self.ua_w_per_k;
        a.col0[im] = -self.ua_w_per_k;

        let mut recirc = Vec::with_capacity(n_rows);
        let mut local = Vec::with_capacity(n_rows);
        for (k, row) in self.rows.iter().enumerate() {
            let ik = 2 + k;
            let m_s = row.supply_share * m_tot;
            let m_def = (row.draw_kg_s - m_s).max(0.0);
            let m_loc = row.local_share.clamp(0.0, 1.0) * m_def;
            let m_rec = m_def - m_loc;
            let m_spill = (m_s - row.draw_kg_s).max(0.0);
            recirc.push(m_rec);
            local.push(m_loc);
            // Cold aisle k: out to the racks and the spill; in the supply, room air and the
            // row's own exhaust c·ṁ_loc·(α + β·T_k).
            a.diag[ik] = c * (row.draw_kg_s + m_spill) - c * m_loc * row.hot_slope;
            // Supply in: ṁ_s,k·(A + B·T_r) = s_k·(Σṁ_u·a_u + Σṁ_u·b_u·T_r).
            a.col0[ik] = -c * m_rec - c * row.supply_share * sb;
            rhs[ik] = c * row.supply_share * sa + c * m_loc * row.hot_offset_c;
            // Its exchanges with the room: exhaust enthalpy c·draw·T_k plus the row heat
            // (affine in T_k), less the exhaust that re-enters the aisle, the spill, minus the
            // recirculation drawn from the room.
            a.row0[ik] = -c * (row.draw_kg_s + m_spill) + row.heat_slope_w_per_k + c * m_loc * row.hot_slope;
            a.diag[ir] += c * m_rec;
            rhs[ir] += row.heat_w - c * m_loc * row.hot_offset_c;
        }
        let capacity: Vec<f64> = [self.room_capacity_j_per_k, self.mass_capacity_j_per_k]
            .into_iter()
            .chain(self.rows.iter().map(|r| r.capacity_j_per_k))
            .collect();
        let t0: Vec<f64> =
            [self.room_t0_c, self.mass_t0_c].into_iter().chain(self.rows.iter().map(|r| r.t0_c)).collect();
        let (x, dx) = step(a, &rhs, &capacity, &t0, dt_s);
        self.solution(active, &x, &dx, &capacity, dt_s, 0.0, recirc, local)
    }

    /// The empirical inlet laws ([`super::InletModel::Recirculation`] with `fraction`,
    /// [`super::InletModel::Approach`] with `supply_k` and `return_k`).
    ///
    /// The room node is solved for the units' return air `T_ret = T_r + ΔT_r`; every unit's
    /// supply returns to the room, and the rows' heat enters it directly. Each row's inlet is
    /// algebraic (no aisle capacity): `T_k = (1−f)·T_s + f·T_r + ΔT_s`, `T_s = (A + B·T_ret)/Σṁ_u`
    /// the mixed supply (the room air when no unit moves air). With `T_ret` as the unknown the
    /// mass exchange reads `UA·(T_ret − ΔT_r − T_m)`, so the books close as in the air balance.
    fn solve_empirical(
        &self,
        active: &[usize],
        dt_s: f64,
        fraction: f64,
        supply_k: f64,
        return_k: f64,
    ) -> HallSolution {
        let n_rows = self.rows.len();
        let n = 2 + n_rows;
        let c = self.cp_j_per_kg_k;
        let (ir, im) = (0, 1);
        let f = fraction.clamp(0.0, 1.0);
        let mut a = Arrowhead::zeros(n);
        let mut rhs = vec![0.0; n];
        let (m_tot, sa, sb) = self.mixed_supply(active);
        // Room (return) node: supply in at A + B·T_ret, return out at T_ret.
        a.diag[ir] = c * m_tot - c * sb + self.ua_w_per_k;
        a.row0[im] = -self.ua_w_per_k;
        rhs[ir] = self.room_heat_w + c * sa + self.ua_w_per_k * return_k;
        a.diag[im] = self.ua_w_per_k;
        a.col0[im] = -self.ua_w_per_k;
        rhs[im] = -self.ua_w_per_k * return_k;
        // Inlet law: T_k − [(1−f)·B/Σṁ + f]·T_ret = (1−f)·A/Σṁ − f·ΔT_r + ΔT_s.
        let (mix_a, mix_b) = if m_tot > 0.0 { (sa / m_tot, sb / m_tot) } else { (-return_k, 1.0) };
        let mut recirc = Vec::with_capacity(n_rows);
        for (k, row) in self.rows.iter().enumerate() {
            let ik = 2 + k;
            a.diag[ik] = 1.0;
            a.col0[ik] = -((1.0 - f) * mix_b + f);
            rhs[ik] = (1.0 - f) * mix_a - f * return_k + supply_k;
            // Row heat h0 − h1·T_k into the room.
            a.row0[ik] = row.heat_slope_w_per_k;
            rhs[ir] += row.heat_w;
            recirc.push(f * row.draw_kg_s);
        }
        let capacity: Vec<f64> = [self.room_capacity_j_per_k, self.mass_capacity_j_per_k]
            .into_iter()
            .chain(std::iter::repeat_n(0.0, n_rows))
            .collect();
        let t0: Vec<f64> =
            [self.room_t0_c + return_k, self.mass_t0_c].into_iter().chain(self.rows.iter().map(|r| r.t0_c)).collect();
        let (x, dx) = step(a, &rhs, &capacity, &t0, dt_s);
        self.solution(active, &x, &dx, &capacity, dt_s, return_k, recirc, vec![0.0; n_rows])
    }

    /// The solution from the solved node temperatures `x` (room node = the units' return).
    #[allow(clippy::too_many_arguments)]
    fn solution(
        &self,
        active: &[usize],
        x: &[f64],
        dx: &[f64],
        capacity: &[f64],
        dt_s: f64,
        return_k: f64,
        recirc: Vec<f64>,
        local: Vec<f64>,
    ) -> HallSolution {
        let c = self.cp_j_per_kg_k;
        let t_ret = x[0];
        let cold: Vec<f64> = x[2..].to_vec();
        let unit_supply_c: Vec<f64> =
            self.units.iter().zip(active).map(|(u, &k)| u.piece(k).map_or(t_ret, |p| p.at(t_ret))).collect();
        let unit_removed_w: Vec<f64> =
            self.units.iter().zip(&unit_supply_c).map(|(u, ts)| c * u.mass_flow_kg_s * (t_ret - ts)).collect();
        let stored: f64 = capacity.iter().zip(dx).map(|(cap, d)| cap * d).sum();
        let heat_in_w = self.room_heat_w
            + self.rows.iter().zip(&cold).map(|(r, t)| r.heat_w - r.heat_slope_w_per_k * t).sum::<f64>();
        HallSolution {
            room_c: t_ret - return_k,
            return_c: t_ret,
            mass_c: x[1],
            cold_c: cold,
            recirc_kg_s: recirc,
            local_kg_s: local,
            unit_supply_c,
            unit_removed_w,
            unit_piece: active.to_vec(),
            stored_w: stored / dt_s,
            heat_in_w,
        }
    }
}

/// One backward-Euler step `(C/dt + G)·ΔT = q − G·T₀` of the network `G·T = q` from `t0`:
/// solving for the changes keeps `C·ΔT/dt`, the heat stored, precise even when it is tiny
/// next to `C·T` (a dark hall at rest). Nodes with no capacity are algebraic. Singular only
/// with zero capacities and flows; then the state stays where it was.
/// Returns the new temperatures and their changes.
fn step(mut a: Arrowhead, rhs: &[f64], capacity: &[f64], t0: &[f64], dt_s: f64) -> (Vec<f64>, Vec<f64>) {
    let residual: Vec<f64> = a.mul(t0).iter().zip(rhs).map(|(at0, r)| r - at0).collect();
    for (d, cap) in a.diag.iter_mut().zip(capacity) {
        *d += cap / dt_s;
    }
    let dx = a.solve(&residual).unwrap_or_else(|| vec![0.0; t0.len()]);
    (t0.iter().zip(&dx).map(|(t, d)| t + d).collect(), dx)
}

/// A matrix whose only non-zeros are its diagonal, its first row and its first column (node 0
/// is the room, coupled to every other node; the others couple to the room alone).
#[derive(Clone, Debug, PartialEq)]
pub struct Arrowhead {
    /// `a[j][j]`.
    pub diag: Vec<f64>,
    /// `a[0][j]` (index 0 unused: it is `diag[0]`).
    pub row0: Vec<f64>,
    /// `a[j][0]` (index 0 unused).
    pub col0: Vec<f64>,
}

impl Arrowhead {
    /// An `n × n` zero matrix.
    pub fn zeros(n: usize) -> Self {
        Self { diag: vec![0.0; n], row0: vec![0.0; n], col0: vec![0.0; n] }
    }

    /// `A·x`.
    pub fn mul(&self, x: &[f64]) -> Vec<f64> {
        let mut y: Vec<f64> =
            self.col0.iter().zip(self.diag.iter().zip(x)).map(|(c, (d, xj))| c * x[0] + d * xj).collect();
        y[0] = self.diag[0] * x[0] + self.row0.iter().zip(x).skip(1).map(|(r, xj)| r * xj).sum::<f64>();
        y
    }

    /// Solves `A·x = b` by eliminating every node but the first into it (the Schur
    /// complement `a₀₀ − Σ a₀ⱼ·aⱼ₀/aⱼⱼ`), then back-substituting; `None` if a pivot is zero.
    pub fn solve(&self, b: &[f64]) -> Option<Vec<f64>> {
        let n = self.diag.len();
        if n == 0 || self.diag.iter().any(|&d| d == 0.0 || !d.is_finite()) {
            return None;
        }
        let (mut pivot, mut rhs) = (self.diag[0], b[0]);
        for (((r, c), d), bj) in self.row0.iter().zip(&self.col0).zip(&self.diag).zip(b).skip(1) {
            pivot -= r * c / d;
            rhs -= r * bj / d;
        }
        if pivot == 0.0 || !pivot.is_finite() {
            return None;
        }
        let x0 = rhs / pivot;
        Some((0..n).map(|j| if j == 0 { x0 } else { (b[j] - self.col0[j] * x0) / self.diag[j] }).collect())
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

/// Sums over a row's racks with airflow, for the row's closed form. Each rack `i` moves
/// `ṁ_i` and takes a share `ρ_i` of its inlet from the row's own exhaust (over the top and
/// ends); its heat to air is affine in its own inlet, `h_i = b_i − k_i·T_in,i` (`k_i > 0` for
/// racks that reject coolant heat through an exchanger into their airflow, 0 otherwise).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct RowSums {
    /// Σ ṁ_i, kg/s.
    pub m: f64,
    /// Σ ṁ_i·ρ_i, kg/s.
    pub m_rho: f64,
    /// Σ b_i, W.
    pub b_w: f64,
    /// Σ k_i, W/K.
    pub k: f64,
    /// Σ k_i·ρ_i, W/K.
    pub k_rho: f64,
}

impl RowSums {
    /// Adds a rack.
    pub fn add(&mut self, m: f64, rho: f64, b_w: f64, k: f64) {
        self.m += m;
        self.m_rho += m * rho;
        self.b_w += b_w;
        self.k += k;
        self.k_rho += k * rho;
    }

    /// Air the row draws from its cold aisle with base shares, kg/s.
    pub fn draw_kg_s(&self) -> f64 {
        self.m - self.m_rho
    }

    /// Flow-weighted mean recirculation share `Σṁ_i·ρ_i / Σṁ_i` (0 for a row without airflow).
    pub fn mean_recirculation(&self) -> f64 {
        if self.m > 0.0 { self.m_rho / self.m } else { 0.0 }
    }
}

/// A row's response to its cold aisle `T_c`: its hot aisle and its heat to air, both affine in
/// `T_c`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct RowResponse {
    /// Hot aisle `T_h = alpha + beta·T_c`: offset, °C.
    pub alpha: f64,
    /// Hot aisle slope.
    pub beta: f64,
    /// Row heat to air `H0 − H1·T_c`: offset, W.
    pub h0_w: f64,
    /// Row heat slope, W/K.
    pub h1_w_per_k: f64,
}

/// Solves a row's rack/exhaust coupling in closed form. With `T_in,i = (1−ρ_i)·T_c + ρ_i·T_h`
/// and the exhaust mixing to `T_h`:
///
/// ```text
/// c·(M − R)·T_h = c·(M − R)·T_c + Σ h_i,   h_i = b_i − k_i·T_in,i
/// ⇒ T_h·(c(M − R) + K₂) = (c(M − R) − K₁)·T_c + B,   K₁ = Σk_i(1−ρ_i), K₂ = Σk_i·ρ_i
/// ```
///
/// so both the hot aisle and the row heat are affine in `T_c`, and the hall solve can take
/// the coupling implicitly (no lag, stable however strong the recirculation). A starved row's
/// extra exhaust re-ingestion is not here: it enters the cold aisle in the hall solve.
pub fn row_response(s: &RowSums, cp: f64) -> RowResponse {
    let k2 = s.k_rho;
    let k1 = s.k - k2;
    let through = cp * (s.m - s.m_rho);
    let d = through + k2;
    if s.m <= 0.0 || d <= 0.0 {
        return RowResponse { alpha: 0.0, beta: 1.0, h0_w: s.b_w, h1_w_per_k: 0.0 };
    }
    let alpha = s.b_w / d;
    let beta = (through - k1) / d;
    RowResponse { alpha, beta, h0_w: s.b_w - k2 * alpha, h1_w_per_k: k1 + k2 * beta }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrowhead_solve_agrees_with_a_dense_lu() {
        // Random diagonally dominant arrowheads of hall sizes, against nalgebra's dense LU.
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        let mut rnd = || {
            seed = crate::noise::mix64(seed);
            (seed >> 11) as f64 / (1u64 << 53) as f64
        };
        for n in [1, 2, 3, 12, 42] {
            let mut a = Arrowhead::zeros(n);
            for j in 0..n {
                a.row0[j] = -rnd() * 1e5;
                a.col0[j] = -rnd() * 1e5;
                a.diag[j] = 1e6 + rnd() * 1e7;
            }
            let b: Vec<f64> = (0..n).map(|_| rnd() * 1e6 - 5e5).collect();
            let mut dense = nalgebra::DMatrix::<f64>::zeros(n, n);
            for j in 0..n {
                dense[(j, j)] = a.diag[j];
                if j > 0 {
                    dense[(0, j)] = a.row0[j];
                    dense[(j, 0)] = a.col0[j];
                }
            }
            let want = dense.clone().lu().solve(&nalgebra::DVector::from_vec(b.clone())).unwrap();
            let got = a.solve(&b).unwrap();
            for j in 0..n {
                assert!(
                    (got[j] - want[j]).abs() <= 1e-12 * want[j].abs().max(1e-6),
                    "n {n} j {j}: {} vs {}",
                    got[j],
                    want[j]
                );
            }
            // And A·x gives b back.
            let back = a.mul(&got);
            for j in 0..n {
                assert!((back[j] - b[j]).abs() <= 1e-9 * b[j].abs().max(1.0));
            }
        }
        assert_eq!(Arrowhead::zeros(3).solve(&[1.0, 2.0, 3.0]), None, "a zero pivot is reported, not divided by");
    }

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
            inlet: super::super::InletModel::AirBalance,
        }
    }

    /// Runs `net` to its steady state (200 ticks of 60 s, then 20 of a day).
    fn settle(net: &mut HallNetwork) -> HallSolution {
        let mut s = net.solve(60.0);
        for dt in std::iter::repeat_n(60.0, 200).chain(std::iter::repeat_n(86_400.0, 20)) {
            net.room_t0_c = s.room_c;
            net.mass_t0_c = s.mass_c;
            for (r, t) in net.rows.iter_mut().zip(&s.cold_c) {
                r.t0_c = *t;
            }
            s = net.solve(dt);
        }
        s
    }

    /// One unit holding 18 °C at 20 kg/s, a row of 200 kW drawing `draw` kg/s.
    fn one_unit_hall(draw: f64, inlet: super::super::InletModel) -> HallNetwork {
        let units =
            vec![NetUnit { mass_flow_kg_s: 20.0, pieces: vec![Affine { a: 18.0, b: 0.0 }], cap: None, active: 0 }];
        let mut net = hall(units, vec![row(1.0, draw, 200e3)]);
        net.inlet = inlet;
        net
    }

    #[test]
    fn a_fixed_recirculation_fraction_mixes_room_air_into_the_supply() {
        // 20 % recirculation: T_in = T_s + 0.2·(T_room − T_s) with the room at its well-mixed
        // steady state T_s + P/(ṁ c); the books close on every tick.
        use super::super::InletModel;
        let mut net = one_unit_hall(18.0, InletModel::Recirculation { fraction: 0.2 });
        for dt in [1.0, 60.0, 3600.0] {
            let s = net.solve(dt);
            let residual = s.heat_in_w - s.unit_removed_w.iter().sum::<f64>() - s.stored_w;
            assert!(residual.abs() < 1e-9 * s.heat_in_w, "dt {dt}: residual {residual} W");
            assert!((s.cold_c[0] - (18.0 + 0.2 * (s.room_c - 18.0))).abs() < 1e-9, "the law holds on every tick");
        }
        let s = settle(&mut net);
        let room = 18.0 + 205e3 / (20.0 * CP);
        assert!((s.room_c - room).abs() < 1e-6, "room {} vs {room}", s.room_c);
        assert!((s.cold_c[0] - (18.0 + 0.2 * (room - 18.0))).abs() < 1e-6, "inlet {}", s.cold_c[0]);
        assert!((s.recirc_kg_s[0] - 0.2 * 18.0).abs() < 1e-12);
    }

    #[test]
    fn a_fixed_fraction_ignores_an_air_deficit_that_the_air_balance_feels() {
        // The racks draw 30 kg/s from units moving 20: the air balance pulls 10 kg/s of room
        // air into the aisle and the inlets warm; a fixed fraction keeps the same inlet as at
        // a draw of 18 kg/s — the documented limit of the empirical law.
        use super::super::InletModel;
        let fixed = |draw| settle(&mut one_unit_hall(draw, InletModel::Recirculation { fraction: 0.1 })).cold_c[0];
        assert!((fixed(30.0) - fixed(18.0)).abs() < 1e-9, "{} vs {}", fixed(30.0), fixed(18.0));
        let mut balance = one_unit_hall(30.0, InletModel::AirBalance);
        let starved = settle(&mut balance).cold_c[0];
        let mut fed = one_unit_hall(18.0, InletModel::AirBalance);
        let fed = settle(&mut fed).cold_c[0];
        assert!((fed - 18.0).abs() < 1e-6, "a fed aisle sits at the supply: {fed}");
        // A third of the inlet air is room air at T_s + P/(ṁc) ≈ 28.2 °C.
        let room = 18.0 + 205e3 / (20.0 * CP);
        assert!((starved - (18.0 + (room - 18.0) / 3.0)).abs() < 1e-6, "starved aisle {starved}");
    }

    #[test]
    fn approach_temperatures_set_the_inlet_and_the_return() {
        // Inlet 2 K above the supply; the units' return 3 K above the well-mixed room: at steady
        // state the units still remove the whole load, so the room sits 3 K below
        // T_s + P/(ṁ c).
        use super::super::InletModel;
        let mut net = one_unit_hall(18.0, InletModel::Approach { supply_k: 2.0, return_k: 3.0 });
        for dt in [1.0, 60.0] {
            let s = net.solve(dt);
            let residual = s.heat_in_w - s.unit_removed_w.iter().sum::<f64>() - s.stored_w;
            assert!(residual.abs() < 1e-9 * s.heat_in_w, "dt {dt}: residual {residual} W");
            assert!((s.return_c - s.room_c - 3.0).abs() < 1e-12);
        }
        let s = settle(&mut net);
        assert!((s.cold_c[0] - 20.0).abs() < 1e-9, "inlet {}", s.cold_c[0]);
        let ret = 18.0 + 205e3 / (20.0 * CP);
        assert!((s.return_c - ret).abs() < 1e-6, "return {} vs {ret}", s.return_c);
        assert!((s.room_c - (ret - 3.0)).abs() < 1e-6);
        assert!((s.unit_removed_w[0] - 205e3).abs() < 1e-3);
    }

    fn row(share: f64, draw: f64, heat: f64) -> NetRow {
        NetRow {
            capacity_j_per_k: 30e3,
            t0_c: 22.0,
            supply_share: share,
            draw_kg_s: draw,
            heat_w: heat,
            heat_slope_w_per_k: 0.0,
            local_share: 0.0,
            hot_offset_c: 0.0,
            hot_slope: 1.0,
        }
    }

    #[test]
    fn books_close_to_rounding_for_any_flows() {
        // Set point held, coil-limited and capacity-limited units, starved and surplus rows.
        let units = vec![
            NetUnit {
                mass_flow_kg_s: 20.0,
                pieces: vec![Affine { a: 20.0, b: 0.0 }, Affine { a: 6.0, b: 0.6 }],
                cap: None,
                active: 0,
            },
            NetUnit {
                mass_flow_kg_s: 15.0,
                pieces: vec![Affine { a: 22.0, b: 0.0 }, Affine { a: -10.0, b: 1.0 }],
                cap: Some(Affine { a: 0.2, b: 1.0 }),
                active: 0,
            },
        ];
        // The first row is starved (draw above its supply share) and takes a share of its
        // deficit from its own exhaust.
        let mut starved = row(0.5, 30.0, 300e3);
        starved.local_share = 0.15;
        starved.hot_offset_c = 9.0;
        starved.hot_slope = 0.98;
        let rows = vec![starved, row(0.3, 5.0, 60e3), row(0.2, 0.0, 0.0)];
        let net = hall(units, rows);
        for dt in [0.5, 1.0, 60.0, 3600.0] {
            let s = net.solve(dt);
            assert!(s.local_kg_s[0] > 0.0 && s.recirc_kg_s[0] > 0.0, "the first row is starved");
            let removed: f64 = s.unit_removed_w.iter().sum();
            let residual = s.heat_in_w - removed - s.stored_w;
            assert!(residual.abs() < 1e-9 * s.heat_in_w, "dt {dt}: residual {residual} W");
        }
    }

    #[test]
    fn a_dark_hall_at_rest_stores_nothing() {
        // No units, no heat, room and mass at the same temperature: the tick solves for the
        // changes, so the heat stored is exactly zero (not the rounding of C·T ≈ 1e9 J).
        let mut net = hall(vec![], vec![row(1.0, 0.0, 0.0)]);
        net.room_heat_w = 0.0;
        net.room_t0_c = 31.7;
        net.mass_t0_c = 31.7;
        net.rows[0].t0_c = 31.7;
        let s = net.solve(1.0);
        assert_eq!(s.stored_w, 0.0);
        assert_eq!((s.room_c, s.mass_c, s.cold_c[0]), (31.7, 31.7, 31.7));
    }

    #[test]
    fn steady_state_holds_set_point_and_removes_the_load() {
        // One unit holding 20 °C, load 200 kW: after a long time the removal equals the load
        // and the room sits at T_sup + P/(ṁ c).
        let units =
            vec![NetUnit { mass_flow_kg_s: 20.0, pieces: vec![Affine { a: 20.0, b: 0.0 }], cap: None, active: 0 }];
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
        let units =
            vec![NetUnit { mass_flow_kg_s: 20.0, pieces: vec![Affine { a: 20.0, b: 0.0 }, cap], cap: None, active: 0 }];
        let net = hall(units, vec![row(1.0, 18.0, 300e3)]);
        let s = net.solve(1.0);
        assert_eq!(s.unit_piece[0], 1);
        assert!((s.unit_removed_w[0] - 100e3).abs() < 1e-6);
    }

    #[test]
    fn a_cooling_coil_never_heats_the_air() {
        // Room at 18 °C below a 20 °C set point: the unit recirculates (return + fan heat)
        // instead of supplying 20 °C air.
        let fan = 0.3;
        let units = vec![NetUnit {
            mass_flow_kg_s: 20.0,
            pieces: vec![Affine { a: 20.0, b: 0.0 }],
            cap: Some(Affine { a: fan, b: 1.0 }),
            active: 0,
        }];
        let mut net = hall(units, vec![row(1.0, 18.0, 0.0)]);
        net.room_t0_c = 18.0;
        net.mass_t0_c = 18.0;
        net.room_heat_w = 0.0;
        let s = net.solve(1.0);
        assert_eq!(s.unit_piece[0], 1, "the cap governs");
        assert!((s.unit_supply_c[0] - (s.room_c + fan)).abs() < 1e-9);
        assert!(s.unit_removed_w[0] < 0.0 && s.unit_removed_w[0] > -20.0 * CP * fan - 1e-6, "only fan heat");
    }

    #[test]
    fn row_closed_form_mixes_the_exhaust_into_the_hot_aisle() {
        // Three racks, one rejecting coolant heat into its airflow (k > 0).
        let racks = [(2.0, 0.1, 24e3, 0.0), (3.0, 0.2, 30e3, 0.0), (1.0, 0.05, 40e3, 900.0)];
        let mut sums = RowSums::default();
        for (m, rho, b, k) in racks {
            sums.add(m, rho, b, k);
        }
        let tc = 24.0;
        let r = row_response(&sums, CP);
        let th = r.alpha + r.beta * tc;
        let mut mixed = 0.0;
        let mut heat = 0.0;
        for (m, rho, b, k) in racks {
            let t_in = (1.0 - rho) * tc + rho * th;
            let h = b - k * t_in;
            heat += h;
            mixed += m * (t_in + h / (m * CP));
        }
        assert!((mixed / 6.0 - th).abs() < 1e-9, "exhaust mixes to T_h");
        assert!((heat - (r.h0_w - r.h1_w_per_k * tc)).abs() < 1e-6, "row heat is affine in T_c");
    }
}
