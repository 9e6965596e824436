//! dctwin against EnergyPlus 25.2 on the same inputs (issue 13's acceptance, docs/validation.md).
//!
//! Runs every case of `validation/` for its year on the weather EnergyPlus used and checks each
//! compared quantity against its tolerance: IT and facility energy 1 %, PUE 0.5 %, evaporated
//! water 3 %, hours of inlet above 27 and 32 °C 10 % (10 h where EnergyPlus has under 100 h),
//! hottest inlet and room air 1 K. EnergyPlus itself is not needed: its results are committed
//! under `validation/reference/` (regenerate with `python3 validation/run_energyplus.py`).

mod common;

use common::*;
use dctwin::compare::energyplus::{cases, markdown, validate_case};

#[test]
fn every_validation_case_is_within_tolerance_and_the_docs_show_the_current_tables() {
    let root = file("validation");
    let names = cases(&root).unwrap();
    assert!(names.len() >= 3, "at least three cases: {names:?}");
    let reports: Vec<_> = names.iter().map(|c| validate_case(&root, c).unwrap()).collect();
    let climates: std::collections::BTreeSet<&str> = reports.iter().map(|r| r.weather_file.as_str()).collect();
    assert!(climates.len() >= 2, "at least two climates: {climates:?}");
    let mut misses = Vec::new();
    for r in &reports {
        for row in r.rows.iter().filter(|row| !row.passes()) {
            misses.push(format!(
                "{}: {} EnergyPlus {} dctwin {} ({:?})",
                r.case, row.quantity, row.energyplus, row.dctwin, row.tolerance
            ));
        }
    }
    assert!(misses.is_empty(), "outside tolerance:\n{}", misses.join("\n"));
    let docs = std::fs::read_to_string(file("docs/validation.md")).unwrap();
    assert!(
        docs.contains(&markdown(&reports)),
        "docs/validation.md does not hold the current tables: run `cargo run --release -- validate \
         --markdown /tmp/tables.md` and paste them between the markers"
    );
}
