//! What every command shares: its exit codes and loading a scenario for it.
//!
//! Commands (`cli`, `bench`, the viewer) import this module; nothing in the model or the
//! scenario layer does.

use std::path::Path;
use std::process::ExitCode;

use crate::scenario::validate::{ValidScenario, validate};
use crate::scenario::{ScenarioError, load_file};

/// Exit code: every expectation held.
pub const EXIT_OK: u8 = 0;
/// Exit code: at least one expectation failed.
pub const EXIT_EXPECTATION_FAILED: u8 = 1;
/// Exit code: bad input.
pub const EXIT_BAD_INPUT: u8 = 2;
/// Exit code: the run produced a non-finite number (see [`crate::metrics::guard`]); no results
/// were written.
pub const EXIT_NUMERIC_FAULT: u8 = 3;

/// Loads and validates a scenario, printing problems; `Err` carries the exit code.
pub fn load_valid(file: &Path) -> Result<ValidScenario, ExitCode> {
    let loaded = load_file(file).map_err(report_error)?;
    let v = validate(loaded).map_err(report_error)?;
    for w in &v.warnings {
        eprintln!("{}", w.display_in(&v.loaded.file).to_string().replacen("error:", "warning:", 1));
    }
    Ok(v)
}

fn report_error(e: ScenarioError) -> ExitCode {
    eprintln!("{e}");
    ExitCode::from(EXIT_BAD_INPUT)
}
