//! Energy books close: every tick (worst relative error ≤ 1e-6) and over a whole day.

mod common;

use common::*;

#[test]
fn energy_books_close_over_a_24_h_run_with_outages_and_failures() {
    // The small hall exercises every domain: UPS on battery, generator start and transfer,
    // retransfer, battery recharge, chiller and CRAH, evaporative AHU, liquid loop, GPUs.
    let dir = tempfile::tempdir().unwrap();
    let out = run(&file("tests/data/small_hall.ron"), dir.path(), &["--duration", "24h", "-q"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let s = summary(dir.path());
    let f = |k: &str| s[k].as_f64().unwrap_or_else(|| panic!("{k}"));
    // Per tick.
    assert!(f("energy_balance_error") <= 1e-6, "electrical books per tick: {}", f("energy_balance_error"));
    assert!(f("heat_balance_error") <= 1e-6, "heat books per tick: {}", f("heat_balance_error"));
    // Over the day: sources = uses.
    let sources = f("grid_energy_kwh") + f("generator_energy_kwh") + f("battery_discharge_kwh");
    let uses = f("it_energy_kwh") + f("cooling_energy_kwh") + f("losses_energy_kwh") + f("battery_charge_kwh");
    assert!((sources - uses).abs() <= 1e-6 * uses, "sources {sources} kWh vs uses {uses} kWh");
    assert!(
        (f("facility_energy_kwh") - (f("it_energy_kwh") + f("cooling_energy_kwh") + f("losses_energy_kwh"))).abs()
            < 1e-9 * uses
    );
    // The run did exercise the battery and the generator.
    assert!(f("battery_discharge_kwh") > 0.0 && f("generator_energy_kwh") > 0.0);
}
