//! The rack inlets at the worst moment of a run: when the site's hottest inlet peaked, every
//! rack's inlet temperature (`inlets_worst.csv`, drawn as a heat map by `dctwin report`).
//!
//! An observer: a system after the metrics stage that reads the halls' hottest inlet and,
//! only on a tick that beats the run's record, copies every rack's inlet. It changes nothing
//! in the model.

use bevy::prelude::*;

use crate::load::Rack;
use crate::schedule::{SimClock, SimSchedule, SimStep};
use crate::thermal::{HallState, RackAir};

/// One rack's inlet at the worst moment.
#[derive(Clone, Debug, PartialEq)]
pub struct RackInlet {
    /// Rack id (`hall/Rrr/pp`).
    pub id: String,
    /// Inlet temperature, °C.
    pub inlet_c: f64,
}

/// The snapshot at the hottest moment so far.
#[derive(Resource, Clone, Debug, Default)]
pub struct WorstInlets {
    /// Time of the snapshot, s from the start.
    pub t_s: f64,
    /// The site's hottest inlet then, °C.
    pub max_inlet_c: Option<f64>,
    /// Every rack, in spawn order.
    pub racks: Vec<RackInlet>,
}

/// Adds the observer to a built app (before it runs).
pub fn install(app: &mut App) {
    app.init_resource::<WorstInlets>().add_systems(SimSchedule, track.after(SimStep::Metrics));
}

fn track(
    clock: Res<SimClock>,
    halls: Query<&HallState>,
    racks: Query<(&Rack, &RackAir)>,
    mut worst: ResMut<WorstInlets>,
) {
    let hottest = halls.iter().map(|h| h.max_inlet_c).fold(f64::NEG_INFINITY, f64::max);
    if !hottest.is_finite() || worst.max_inlet_c.is_some_and(|w| hottest <= w) {
        return;
    }
    worst.t_s = clock.t_s() + clock.dt_s();
    worst.max_inlet_c = Some(hottest);
    worst.racks.clear();
    worst.racks.extend(racks.iter().map(|(r, a)| RackInlet { id: r.id.clone(), inlet_c: a.inlet_c }));
}

/// `inlets_worst.csv`: `t_s,rack,inlet_c`, one line per rack (rack ids quoted by the `csv`
/// crate where they need it).
pub fn inlets_csv(w: &WorstInlets) -> String {
    let mut out = csv::Writer::from_writer(Vec::new());
    let t_s = w.t_s.to_string();
    let records = std::iter::once(["t_s".to_owned(), "rack".to_owned(), "inlet_c".to_owned()])
        .chain(w.racks.iter().map(|r| [t_s.clone(), r.id.clone(), format!("{:.3}", r.inlet_c)]));
    for record in records {
        out.write_record(&record).expect("writing CSV to memory cannot fail");
    }
    String::from_utf8(out.into_inner().expect("flushing to memory cannot fail")).expect("CSV of UTF-8 fields is UTF-8")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inlets_csv_quotes_ids_and_reads_back() {
        let w = WorstInlets {
            t_s: 90.5,
            max_inlet_c: Some(31.25),
            racks: vec![
                RackInlet { id: "hall-1/R01/01".into(), inlet_c: 24.0 },
                RackInlet { id: "hall \"b\",2/R01/01".into(), inlet_c: 31.25 },
            ],
        };
        let text = inlets_csv(&w);
        assert!(text.starts_with("t_s,rack,inlet_c\n90.5,hall-1/R01/01,24.000\n"), "{text}");
        let rows: Vec<csv::StringRecord> =
            csv::Reader::from_reader(text.as_bytes()).records().collect::<Result<_, _>>().unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(&rows[1][1], "hall \"b\",2/R01/01", "an id with a comma and quotes survives");
        assert_eq!(&rows[1][2], "31.250");
    }
}
