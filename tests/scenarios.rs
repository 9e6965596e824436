//! The shipped scenarios run as a new user would run them, and show what they claim.

mod common;

use common::*;
use dctwin::power::RackSupply;

/// Runs a shipped scenario and asserts exit 0 and every expectation met.
fn ships(name: &str) -> (Output, serde_json::Value) {
    let dir = tempfile::tempdir().unwrap();
    let out = run(&file(&format!("scenarios/{name}.ron")), dir.path(), &[]);
    assert_eq!(out.code, 0, "{name}: exit 0 expected\nstdout:\n{}\nstderr:\n{}", out.stdout, out.stderr);
    let s = summary(dir.path());
    for e in s["expectations"].as_array().unwrap() {
        assert_eq!(e["passed"], true, "{name}: {e}");
    }
    assert!(s["energy_balance_error"].as_f64().unwrap() <= 1e-6, "{name}: electrical books");
    assert!(s["heat_balance_error"].as_f64().unwrap() <= 1e-6, "{name}: heat books");
    (out, s)
}

#[test]
fn default_scenario_shows_the_overload_in_order() {
    let (out, s) = ships("legacy_hall_blackwell");
    let t = &out.stdout;
    let at = |needle: &str| t.find(needle).unwrap_or_else(|| panic!("timeline lacks `{needle}`:\n{t}"));
    let swap = at("swapped to gb200_nvl72");
    let inlet = at("above the recommended limit of 27");
    let throttle = at("thermally throttling");
    let shutdown = at("shut down on over-temperature");
    let trip = at("breaker tripped");
    assert!(swap < inlet && inlet < throttle && throttle < shutdown && shutdown < trip, "order:\n{t}");
    // The summary shows the site's KPIs.
    for k in ["PUE", "WUE", "CO2", "fuel used", "water used", "max inlet", "outside ASHRAE recommended"] {
        assert!(t.contains(k), "summary lacks {k}:\n{t}");
    }
    assert!(s["max_inlet_c"].as_f64().unwrap() > 32.0, "inlets beyond ASHRAE A1");
    assert!(s["gpus_shutdown"].as_u64().unwrap() >= 72);
}

#[test]
fn grid_outage_is_carried_by_ups_then_generators() {
    let (out, s) = ships("grid_outage");
    let t = &out.stdout;
    let at = |needle: &str| t.find(needle).unwrap_or_else(|| panic!("timeline lacks `{needle}`:\n{t}"));
    assert!(at("utility feed lost") < at("UPS on battery") || at("UPS on battery") < at("generator online"));
    assert!(at("generator online") < at("ATS transferred to generators"));
    assert!(at("ATS transferred to generators") < at("ATS retransferred to utility"));
    assert_eq!(s["load_dropped_kwh"].as_f64().unwrap(), 0.0);
    assert!(s["fuel_used_l"].as_f64().unwrap() > 7_500.0);
    assert!(s["generator_energy_kwh"].as_f64().unwrap() > 20_000.0);
}

#[test]
fn evaporative_heatwave_holds_then_fails() {
    let (out, s) = ships("evaporative_heatwave");
    let t = &out.stdout;
    assert!(t.find("above the recommended limit of 27").unwrap() < t.find("above the A1 limit of 32").unwrap(), "{t}");
    assert!(s["pue"].as_f64().unwrap() < 1.25);
    assert!(s["wue_l_per_kwh"].as_f64().unwrap() > 0.0);
}

#[test]
fn cascade_trip_moves_the_load_and_trips_feed_b() {
    let (out, s) = ships("cascade_trip");
    let t = &out.stdout;
    assert!(t.find("bw-a").unwrap() < t.find("bw-b").unwrap(), "{t}");
    // The CRACs hold the cold aisle at 24 °C before and after the row goes dark, and a dark
    // rack faces its cold aisle: no inlet leaves the recommended range. (Dark racks once read
    // the contained hall's hot return air, a 37 °C "inlet" with 0 h outside the envelope.)
    let max_inlet = s["max_inlet_c"].as_f64().unwrap();
    assert!((23.0..27.0).contains(&max_inlet), "max inlet {max_inlet}");
    assert_eq!(s["hours_outside_recommended"].as_f64().unwrap(), 0.0);
}

#[test]
#[ignore = "long: a simulated day of 102 400 GPUs; run with --ignored"]
fn gigafactory_100mw_runs_a_day() {
    let (_, s) = ships("gigafactory_100mw");
    assert!(s["gpus"].as_u64().unwrap() >= 100_000);
    assert_eq!(s["ticks"].as_u64().unwrap(), 86_400);
}

#[test]
#[ignore = "long: 74 simulated hours of a 100 MW campus; run with --ignored"]
fn grid_outage_72h_needs_tankers() {
    let (_, s) = ships("grid_outage_72h");
    assert!(s["fuel_deliveries"].as_u64().unwrap() >= 20);
}

#[test]
fn a_failing_expectation_exits_1_and_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let text = small_hall_with("\"no_load_dropped\"", "\"max_inlet_c < 15\"");
    let path = write_scenario(dir.path(), "strict.ron", &text);
    let out = run(&path, &dir.path().join("out"), &["--duration", "10min", "-q"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("expectation failed: max_inlet_c < 15 (measured 2"), "{}", out.stderr);
    // The results are written all the same.
    for f in ["timeseries.csv", "events.jsonl", "summary.json"] {
        assert!(dir.path().join("out").join(f).is_file(), "{f}");
    }
}

#[test]
fn check_validates_without_running() {
    let out = dctwin(&["check", "scenarios/gigafactory_100mw.ron"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("10 hall(s), 3200 racks"), "{}", out.stdout);
}

#[test]
fn every_shipped_scenario_is_valid_and_says_what_it_demonstrates() {
    for entry in std::fs::read_dir(file("scenarios")).unwrap() {
        let p = entry.unwrap().path();
        if p.extension().is_none_or(|e| e != "ron") {
            continue;
        }
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(text.starts_with("//"), "{} needs a comment header", p.display());
        assert!(text.contains("What it demonstrates"), "{} header says what it demonstrates", p.display());
        let out = dctwin(&["check", p.to_str().unwrap()]);
        assert_eq!(out.code, 0, "{}: {}", p.display(), out.stderr);
    }
}

#[test]
fn outputs_are_complete_and_machine_readable() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(&file("tests/data/small_hall.ron"), dir.path(), &["--interval", "30s", "-q"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let csv = std::fs::read_to_string(dir.path().join("timeseries.csv")).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(header[0], "t_s");
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 240, "2 h at 30 s");
    assert!(rows.iter().all(|r| r.split(',').count() == header.len()));
    assert_eq!(rows.last().unwrap().split(',').next().unwrap(), "7200");
    for line in std::fs::read_to_string(dir.path().join("events.jsonl")).unwrap().lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("each event line is JSON");
        assert!(v["t_s"].is_number() && v["kind"].is_string());
    }
    let s = summary(dir.path());
    assert_eq!(s["ticks"], 7200);
}

/// `AddRacks` during a run (it had no test): two legacy racks join the end of row 1 on the
/// last rack's feed and workload, draw the same power as their neighbours, are heated and
/// cooled like them, and the energy books stay closed.
#[test]
fn added_racks_join_the_row_end_on_its_feed_and_books_stay_closed() {
    let text = small_hall_with(
        r#"(at: "30min", action: UtilityOutage(duration: "20min")),
        (at: "90min", action: CoolingFail(unit: "crah-1")),"#,
        r#"(at: "10min", action: AddRacks(hall: "hall", rows: "1", count: 2, rack: "legacy_air_10kw")),"#,
    )
    .replace(r#"duration: "2h""#, r#"duration: "20min""#);
    let mut sim = Sim::new(&text);
    sim.run_until(600.0);
    let racks_before = sim.world().query::<&dctwin::load::Rack>().iter(sim.world()).count();
    sim.run_until(601.0);
    let world = sim.world();
    let mut q = world.query::<(&dctwin::load::Rack, &dctwin::load::RackLoad, &RackSupply, &dctwin::power::RackFeeds)>();
    let racks: Vec<_> =
        q.iter(world).map(|(r, l, s, f)| (r.id.clone(), r.position, l.demand_kw, s.clone(), f.a)).collect();
    assert_eq!(racks.len(), racks_before + 2, "two racks added");
    let row_1: Vec<_> = racks.iter().filter(|r| r.0.starts_with("hall/R01/")).collect();
    assert_eq!(row_1.len(), 10, "row 1 had 8 racks");
    let old_end = row_1.iter().find(|r| r.1 == 8).expect("position 8");
    for pos in [9, 10] {
        let new = row_1.iter().find(|r| r.1 == pos).unwrap_or_else(|| panic!("no rack at position {pos}"));
        assert_eq!(new.0, format!("hall/R01/{pos:02}"));
        assert_eq!(new.4, old_end.4, "on the last rack's A feed");
        assert!(new.3.powered && new.3.unserved_kw == 0.0, "powered: {:?}", new.3);
        // Same type, same workload, same inlet band: the same demand within the per-rack noise.
        assert!((new.2 - old_end.2).abs() < 0.15 * old_end.2, "{} kW vs neighbour {} kW", new.2, old_end.2);
    }
    let s = sim.finish();
    assert!(s.energy_balance_error < 1e-9, "electrical books {}", s.energy_balance_error);
    assert!(s.heat_balance_error < 1e-9, "heat books {}", s.heat_balance_error);
    assert_eq!(s.load_dropped_kwh, 0.0);
}

/// IT curves given in a scenario's catalog block take effect: a flat 10 kW rack whose non-GPU
/// power is `0.75 + 0.01·T_in` (1 at a 25 °C inlet, +1 %/K) draws that multiple of 10 kW at the
/// inlet it sees, tick by tick.
#[test]
fn a_scenario_catalog_can_give_its_racks_it_curves() {
    let text = data_with(
        "two_n_row.ron",
        &[
            (
                "fan_max_kw: 0.0, design_delta_t_k: 12.0, cooling: Air),",
                "fan_max_kw: 0.0, design_delta_t_k: 12.0, cooling: Air,\n                          it_curves: (power: Some((coefficients: [0.75, 0, 0, 0.01, 0, 0], min_x: 0, max_x: 1, min_y: 10, max_y: 45)))),",
            ),
            (
                r#"events: [(at: "10min", action: BreakerTrip(breaker: "feed-a"), note: "insulation fault opens feed A")],"#,
                "events: [],",
            ),
        ],
    );
    let mut sim = Sim::new(&text);
    sim.run_until(300.0);
    let world = sim.world();
    let mut q = world.query::<(&dctwin::load::RackLoad, &dctwin::thermal::RackAir)>();
    let before: Vec<f64> = q.iter(world).map(|(_, a)| a.inlet_c).collect();
    sim.step();
    let world = sim.world();
    let mut q = world.query::<(&dctwin::load::RackLoad, &dctwin::thermal::RackAir)>();
    for ((load, _), inlet) in q.iter(world).zip(&before) {
        let want = 10.0 * (0.75 + 0.01 * inlet);
        assert!((load.base_kw - want).abs() < 1e-9, "{} kW at a {inlet:.2} °C inlet, want {want}", load.base_kw);
        assert!(load.base_kw < 10.0, "inlets below 25 °C: below nameplate");
    }
}
