//! Results on disk and on the terminal: `timeseries.csv`, `events.jsonl`, `summary.json`,
//! the printed timeline and summary table; charts and the HTML report page ([`charts`],
//! [`html`]) and the worst-moment rack inlets ([`worst`]).
//!
//! Files are written atomically: each is written in full to a temporary file in the output
//! directory and renamed over the old one only when complete, so a failed or interrupted run
//! never leaves a half-written result and never destroys the previous one; a run's or batch's
//! whole set of files is swapped in at once ([`resultset`]).

pub mod charts;
pub mod html;
pub mod resultset;
pub mod worst;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::events::{EventDetail, EventKind, LogEvent, Severity};
use crate::metrics::Summary;
use crate::units::format_clock;

/// A file being written next to its final name, renamed into place by [`AtomicFile::commit`].
pub struct AtomicFile {
    tmp: PathBuf,
    dest: PathBuf,
    file: io::BufWriter<fs::File>,
}

impl AtomicFile {
    /// Starts writing `dest` (through `.<name>.tmp` in the same directory).
    pub fn create(dest: &Path) -> io::Result<Self> {
        let name = dest.file_name().and_then(|n| n.to_str()).unwrap_or("out");
        let tmp = dest.with_file_name(format!(".{name}.tmp"));
        let file = io::BufWriter::new(fs::File::create(&tmp)?);
        Ok(Self { tmp, dest: dest.to_owned(), file })
    }

    /// Flushes, syncs and renames into place.
    pub fn commit(mut self) -> io::Result<()> {
        self.file.flush()?;
        self.file.get_ref().sync_all()?;
        fs::rename(&self.tmp, &self.dest)
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        // Not committed: remove the partial temporary file.
        let _ = fs::remove_file(&self.tmp);
    }
}

/// Writes `bytes` to `dest` atomically.
pub fn write_atomic(dest: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut f = AtomicFile::create(dest)?;
    f.write_all(bytes)?;
    f.commit()
}

/// `events.jsonl`: one JSON object per line.
pub fn events_jsonl(events: &[LogEvent]) -> String {
    let mut out = String::with_capacity(events.len() * 120);
    for e in events {
        out.push_str(&serde_json::to_string(e).expect("events serialise"));
        out.push('\n');
    }
    out
}

/// Kinds reported rack by rack; the timeline shows their first occurrence and a count.
fn per_rack(kind: EventKind) -> bool {
    matches!(
        kind,
        EventKind::InletExcursion
            | EventKind::InletRecovered
            | EventKind::HumidityExcursion
            | EventKind::HumidityRecovered
            | EventKind::GpuThrottling
            | EventKind::GpuSlowdown
            | EventKind::GpuShutdown
            | EventKind::PadsOn
            | EventKind::PadsOff
            | EventKind::CoolingCapacityLimit
            | EventKind::CoolingCapacityRecovered
            | EventKind::CoolingUnitUp
            | EventKind::GeneratorOnline
            | EventKind::GeneratorStopped
            | EventKind::UpsOnBattery
            | EventKind::UpsOnInput
            | EventKind::AtsToGenerator
            | EventKind::AtsToUtility
            | EventKind::GeneratorStartSignal
            | EventKind::FuelDelivered
    )
}

/// Grouping key of a per-rack event: the kind, plus the band reached for inlet excursions.
fn group_key(e: &LogEvent) -> String {
    match e.detail {
        EventDetail::Envelope { to, .. } => format!("{:?}/{}", e.kind, to.label()),
        _ => format!("{:?}", e.kind),
    }
}

fn severity_mark(s: Severity) -> &'static str {
    match s {
        Severity::Info => "  ",
        Severity::Warning => "! ",
        Severity::Alarm => "!!",
        Severity::Critical => "XX",
    }
}

/// The printed timeline: every site-level event; for events repeated per rack or unit, the
/// first one with the number of others.
pub fn timeline(events: &[LogEvent], max_lines: usize) -> String {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for e in events.iter().filter(|e| per_rack(e.kind)) {
        *counts.entry(group_key(e)).or_default() += 1;
    }
    let mut seen = std::collections::BTreeSet::new();
    let mut out = String::new();
    let mut lines = 0;
    let mut skipped = 0;
    for e in events {
        if per_rack(e.kind) && !seen.insert(group_key(e)) {
            continue;
        }
        if lines >= max_lines {
            skipped += 1;
            continue;
        }
        let more = if per_rack(e.kind) {
            let n = counts[&group_key(e)] - 1;
            if n > 0 { format!("  (+{n} more)") } else { String::new() }
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "{} {:>12}  {:<24} {}{more}",
            severity_mark(e.severity),
            format_clock(e.t_s),
            e.subject,
            e.message
        );
        lines += 1;
    }
    if skipped > 0 {
        let _ = writeln!(out, "   … {skipped} more events in events.jsonl");
    }
    out
}

fn fmt_num(v: f64, unit: &str) -> String {
    let s = if v.abs() >= 1e6 {
        format!("{:.2} M", v / 1e6)
    } else if v.abs() >= 1e4 {
        format!("{:.0}", v)
    } else if v.abs() >= 100.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.3}")
    };
    if unit.is_empty() { s } else { format!("{s} {unit}") }
}

/// The printed summary table.
pub fn summary_table(s: &Summary) -> String {
    let mut rows: Vec<(&str, String)> = vec![
        (
            "simulated",
            if s.max_tick_s > s.tick_s {
                format!(
                    "{:.2} h in {} adaptive ticks of {} s to {} s, {} held short by transients ({} racks, {} GPUs)",
                    s.duration_h, s.ticks, s.tick_s, s.max_tick_s, s.held_ticks, s.racks, s.gpus
                )
            } else {
                format!(
                    "{:.2} h in {} ticks of {} s ({} racks, {} GPUs)",
                    s.duration_h, s.ticks, s.tick_s, s.racks, s.gpus
                )
            },
        ),
        ("IT energy", fmt_num(s.it_energy_kwh, "kWh")),
        ("facility energy", fmt_num(s.facility_energy_kwh, "kWh")),
        (
            "  cooling / losses",
            format!("{} / {}", fmt_num(s.cooling_energy_kwh, "kWh"), fmt_num(s.losses_energy_kwh, "kWh")),
        ),
        (
            "  grid / generators",
            format!("{} / {}", fmt_num(s.grid_energy_kwh, "kWh"), fmt_num(s.generator_energy_kwh, "kWh")),
        ),
        ("PUE", format!("{:.3}", s.pue)),
        ("WUE", format!("{:.3} L/kWh", s.wue_l_per_kwh)),
        ("water used", fmt_num(s.water_used_l, "L")),
        (
            "CO2",
            format!(
                "{} (grid {}, diesel {})",
                fmt_num(s.co2_kg, "kg"),
                fmt_num(s.co2_grid_kg, "kg"),
                fmt_num(s.co2_diesel_kg, "kg")
            ),
        ),
        ("electricity cost", fmt_num(s.electricity_cost_eur, "EUR")),
        (
            "cost of ownership",
            format!(
                "{}/year{} (capex {} → {}/year, opex {}/year){}",
                fmt_num(s.cost.tco_eur_per_year, "EUR"),
                scaled_note(s.duration_h),
                fmt_num(s.cost.capex_eur, "EUR"),
                fmt_num(s.cost.capex_eur_per_year, "EUR"),
                fmt_num(s.cost.opex_eur_per_year, "EUR"),
                s.cost.eur_per_gpu_hour.map_or(String::new(), |e| format!(", {e:.2} EUR per GPU-hour"))
            ),
        ),
        (
            "CO2 per year",
            format!(
                "{:.1} t operational + {:.1} t embodied{} (grid: {})",
                s.carbon.operational_t_per_year,
                s.carbon.embodied_t_per_year,
                s.carbon.total_g_per_gpu_hour.map_or(String::new(), |g| format!(", {g:.0} g per GPU-hour")),
                s.carbon.grid_source
            ),
        ),
        ("weather", s.climate.clone()),
        ("free cooling", format!("{:.1} h without a compressor", s.free_cooling_hours)),
        (
            "fuel used / delivered",
            format!(
                "{} / {} ({} tankers)",
                fmt_num(s.fuel_used_l, "L"),
                fmt_num(s.fuel_delivered_l, "L"),
                s.fuel_deliveries
            ),
        ),
        (
            "fuel remaining",
            format!(
                "{} — autonomy {} (lowest {})",
                fmt_num(s.fuel_remaining_l, "L"),
                autonomy(s.fuel_autonomy_h),
                autonomy(s.min_fuel_autonomy_h)
            ),
        ),
        ("diesel storage", format!("{:.1} t — {}", s.diesel_stored_t, s.seveso_class.label())),
        ("max inlet", format!("{:.1} °C", s.max_inlet_c)),
        (
            "max GPU die",
            if s.gpus > 0 { format!("{:.1} °C", s.max_gpu_temp_c) } else { "— (no GPUs modelled)".to_owned() },
        ),
        (
            "outside ASHRAE recommended",
            format!("{:.2} h (outside A1: {:.2} h)", s.hours_outside_recommended, s.hours_outside_a1),
        ),
        (
            "GPUs throttled / shut down",
            format!(
                "{} / {} at most ({:.1} / {:.1} GPU-h)",
                s.gpus_throttled, s.gpus_shutdown, s.gpu_hours_throttled, s.gpu_hours_off
            ),
        ),
        ("breaker trips", s.breaker_trips.to_string()),
        ("generators started / failed", format!("{} / {}", s.generator_starts, s.generator_failures)),
        ("load dropped", format!("{} ({} racks at most)", fmt_num(s.load_dropped_kwh, "kWh"), s.racks_unpowered_max)),
        ("lowest UPS charge", format!("{:.1} %", s.min_ups_soc_pct)),
        ("grid peak", fmt_num(s.grid_peak_kw, "kW")),
        (
            "energy books",
            format!(
                "electric {:.1e}, heat {:.1e} (worst relative error per tick)",
                s.energy_balance_error, s.heat_balance_error
            ),
        ),
    ];
    if s.water_per_evaporative_kwh > 0.0 {
        rows.insert(8, ("  per kWh evaporative", format!("{:.2} L", s.water_per_evaporative_kwh)));
    }
    let w = rows.iter().map(|(k, _)| k.chars().count()).max().unwrap_or(0);
    let mut out = String::new();
    for (k, v) in rows {
        let _ = writeln!(out, "  {k:<w$}  {v}");
    }
    if !s.expectations.is_empty() {
        out.push_str("\nexpectations:\n");
        for o in &s.expectations {
            let _ = writeln!(
                out,
                "  [{}] {}  (measured {})",
                if o.passed { "pass" } else { "FAIL" },
                o.expectation,
                fmt_num(o.measured, "")
            );
        }
    }
    out
}

/// How a run's yearly figures were made: `""` for a year, else the scaling from the run.
fn scaled_note(duration_h: f64) -> String {
    let year_h = crate::economics::HOURS_PER_YEAR;
    if (duration_h - year_h).abs() < 1.0 {
        String::new()
    } else {
        format!(" (this {duration_h:.1} h run × {:.1} for a year)", year_h / duration_h.max(1e-9))
    }
}

fn autonomy(h: f64) -> String {
    if h < 0.0 { "n/a".into() } else { format!("{h:.1} h") }
}
