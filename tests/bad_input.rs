//! Bad input gets a clear error — file:line:col, what was expected, a hint — and exit code 2,
//! never a panic; nothing already written is lost.

mod common;

use common::*;

/// Runs `check` and `run` on `text` and asserts both fail with exit 2, a `file:line:col` at
/// `line`, and every fragment of `expect` in the message.
fn assert_rejected(text: &str, line: usize, expect: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let path = write_scenario(dir.path(), "bad.ron", text);
    for cmd in ["check", "run"] {
        let mut args = vec![cmd, path.to_str().unwrap()];
        let out_dir = dir.path().join("out");
        if cmd == "run" {
            args.extend(["--out", out_dir.to_str().unwrap()]);
        }
        let out = dctwin(&args);
        assert_eq!(out.code, 2, "{cmd}: exit code 2 expected; stderr:\n{}", out.stderr);
        assert!(!out.stderr.contains("panicked"), "{cmd} panicked:\n{}", out.stderr);
        let located = format!("bad.ron:{line}:");
        assert!(out.stderr.contains(&located), "{cmd}: expected a location {located} in:\n{}", out.stderr);
        assert!(out.stderr.contains("hint:"), "{cmd}: expected a hint in:\n{}", out.stderr);
        for e in expect {
            assert!(out.stderr.contains(e), "{cmd}: expected `{e}` in:\n{}", out.stderr);
        }
        assert!(!out_dir.exists(), "nothing is written for a bad scenario");
    }
}

#[test]
fn syntax_error_names_line_and_column() {
    let text = small_hall_with("seed: 1,\n", "seed: 1\n");
    assert_rejected(&text, line_of(&text, "duration:"), &["Expected comma"]);
}

#[test]
fn unknown_field_is_rejected_with_the_known_ones() {
    let text = small_hall_with("floor_area_m2: 200.0", "floor_area_m: 200.0");
    assert_rejected(&text, line_of(&text, "floor_area_m:"), &["floor_area_m", "floor_area_m2"]);
}

#[test]
fn dangling_feed_reference_suggests_the_closest_id() {
    let text = small_hall_with("feeds: (a: \"pdu-{row}\")", "feeds: (a: \"pdu-{row}x\")");
    assert_rejected(&text, line_of(&text, "pdu-{row}x"), &["\"pdu-1x\" is not a known feed", "did you mean \"pdu-1\""]);
}

#[test]
fn negative_capacity_is_out_of_range() {
    let text = small_hall_with("capacity_kw: 1000.0)]", "capacity_kw: -1000.0)]");
    assert_rejected(&text, line_of(&text, "-1000.0"), &["expected a positive value"]);
}

#[test]
fn nan_is_not_a_number() {
    let text = small_hall_with("rating_kva: 1000.0", "rating_kva: NaN");
    assert_rejected(&text, line_of(&text, "NaN"), &["not a finite number"]);
}

#[test]
fn empty_hall_is_rejected() {
    let base = std::fs::read_to_string(file("tests/data/small_hall.ron")).unwrap();
    let start = base.find("            rows: [").unwrap();
    let end = start + base[start..].find("            ],\n").unwrap() + "            ],\n".len();
    let text = format!("{}            rows: [],\n{}", &base[..start], &base[end..]);
    assert_rejected(&text, line_of(&text, "rows: []"), &["hall \"hall\" is empty"]);
}

#[test]
fn unknown_rack_type_suggests_the_catalog_entry() {
    let text = small_hall_with("rack: \"gb200_nvl72\"", "rack: \"gb200_nvl7\"");
    assert_rejected(&text, line_of(&text, "gb200_nvl7\""), &["not a known rack type", "did you mean \"gb200_nvl72\""]);
}

#[test]
fn malformed_duration_explains_the_format() {
    let text = small_hall_with("duration: \"2h\"", "duration: \"2 fortnights\"");
    assert_rejected(&text, line_of(&text, "2 fortnights"), &["cannot read duration", "30min"]);
}

#[test]
fn unknown_expectation_metric_lists_the_known_ones() {
    let text = small_hall_with("\"no_load_dropped\"", "\"max_inlet <= 30\"");
    assert_rejected(&text, line_of(&text, "max_inlet <= 30"), &["unknown metric \"max_inlet\"", "max_inlet_c"]);
}

#[test]
fn duplicate_ids_are_rejected() {
    let text = small_hall_with("(id: \"bulk\", capacity_l: 20000.0)", "(id: \"gen-1\", capacity_l: 20000.0)");
    assert_rejected(&text, line_of(&text, "(id: \"gen-1\", capacity_l"), &["id \"gen-1\" is already used"]);
}

#[test]
fn missing_required_field_is_named() {
    let text = small_hall_with(
        "    site: (grid: (capacity_kw: 1000.0, carbon_g_per_kwh: 30.0, price_eur_per_mwh: 75.0)),\n",
        "",
    );
    // ron reports a missing field at the end of the struct that lacks it.
    let out_line = text.lines().count();
    let dir = tempfile::tempdir().unwrap();
    let path = write_scenario(dir.path(), "bad.ron", &text);
    let out = dctwin(&["check", path.to_str().unwrap()]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("site"), "{}", out.stderr);
    assert!(out.stderr.contains(&format!("bad.ron:{out_line}:")), "{}", out.stderr);
}

#[test]
fn distribution_loop_is_rejected() {
    let text = small_hall_with(
        "(id: \"mcp\", kind: Rpp, from: \"msb\", rating_a: 400.0),",
        "(id: \"mcp\", kind: Rpp, from: \"rpp-x\", rating_a: 400.0),\n            (id: \"rpp-x\", kind: Rpp, from: \"mcp\", rating_a: 400.0),",
    );
    assert_rejected(&text, line_of(&text, "from: \"rpp-x\""), &["distribution loop"]);
}

#[test]
fn backwards_range_is_rejected() {
    let text = small_hall_with("each: \"1-2\", kind: Pdu", "each: \"2-1\", kind: Pdu");
    assert_rejected(&text, line_of(&text, "\"2-1\""), &["runs backwards"]);
}

#[test]
fn missing_weather_file_is_reported() {
    let text = small_hall_with(
        "weather: Diurnal(mean_c: 18.0, swing_k: 8.0, dew_point_c: 9.0, noise_k: 0.5),",
        "weather: Epw(file: \"nowhere/lost.epw\"),",
    );
    assert_rejected(&text, line_of(&text, "nowhere/lost.epw"), &["not found"]);
}

#[test]
fn orphan_generator_is_rejected() {
    let text = small_hall_with("units: [\"gen-1\"]", "units: []");
    assert_rejected(&text, line_of(&text, "(id: \"gen-1\""), &["in no generator group (orphan)"]);
}

#[test]
fn rack_without_a_source_is_rejected() {
    let text = small_hall_with(
        "(id: \"pdu-{n}\", each: \"1-2\", kind: Pdu, from: \"ups\"",
        "(id: \"pdu-{n}\", each: \"1-2\", kind: Pdu, from: \"upz\"",
    );
    assert_rejected(
        &text,
        line_of(&text, "\"upz\""),
        &["\"upz\" is not a known UPS, switchboard or distribution element"],
    );
}

#[test]
fn empty_file_is_reported() {
    assert_rejected("", 1, &["Expected opening `(`", "scenario is a RON struct"]);
}

#[test]
fn missing_scenario_file_exits_2() {
    let out = dctwin(&["check", "scenarios/does_not_exist.ron"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("cannot read the file"), "{}", out.stderr);
}

#[test]
fn several_problems_are_all_reported_in_file_order() {
    let text = small_hall_with("rating_kva: 1000.0", "rating_kva: -1.0")
        .replace("sensible_capacity_kw: 120.0", "sensible_capacity_kw: 0.0");
    let dir = tempfile::tempdir().unwrap();
    let path = write_scenario(dir.path(), "bad.ron", &text);
    let out = dctwin(&["check", path.to_str().unwrap()]);
    assert_eq!(out.code, 2);
    let first = out.stderr.find(&format!("bad.ron:{}:", line_of(&text, "rating_kva"))).expect("first problem");
    let second =
        out.stderr.find(&format!("bad.ron:{}:", line_of(&text, "sensible_capacity_kw"))).expect("second problem");
    assert!(first < second, "{}", out.stderr);
    assert!(out.stderr.contains("2 problems"), "{}", out.stderr);
}

#[test]
fn bad_command_line_exits_2() {
    let out = dctwin(&["run", "scenarios/cascade_trip.ron", "--duration", "forever"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("cannot read duration"), "{}", out.stderr);
}

#[test]
fn an_unwritable_output_directory_fails_cleanly_and_keeps_old_results() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("results");
    let first = run(&file("scenarios/cascade_trip.ron"), &out_dir, &["--duration", "5min", "-q"]);
    assert_eq!(first.code, 1, "cascade_trip's expectations need the full hour:\n{}", first.stderr);
    let before = std::fs::read(out_dir.join("summary.json")).unwrap();
    // A file where the output directory should be: the run must fail with exit 2.
    let blocked = dir.path().join("blocked");
    std::fs::write(&blocked, "not a directory").unwrap();
    let out = run(&file("scenarios/cascade_trip.ron"), &blocked, &["--duration", "5min", "-q"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("cannot write results"), "{}", out.stderr);
    assert_eq!(std::fs::read(out_dir.join("summary.json")).unwrap(), before, "earlier results untouched");
    let leftovers: Vec<_> = std::fs::read_dir(&out_dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "no temporary files left behind");
}

#[test]
fn an_it_curve_with_backwards_limits_is_located() {
    let text = data_with(
        "two_n_row.ron",
        &[(
            "fan_max_kw: 0.0, design_delta_t_k: 12.0, cooling: Air),",
            "fan_max_kw: 0.0, design_delta_t_k: 12.0, cooling: Air,\n                          it_curves: (power: Some((coefficients: [0.75, 0, 0, 0.01, 0, 0], min_x: 0, max_x: 1, min_y: 40, max_y: 15)))),",
        )],
    );
    assert_rejected(&text, line_of(&text, "it_curves:"), &["limits ordered", "EnergyPlus form"]);
}

#[test]
fn an_it_curve_that_goes_negative_is_rejected() {
    let text = data_with(
        "two_n_row.ron",
        &[(
            "fan_max_kw: 0.0, design_delta_t_k: 12.0, cooling: Air),",
            "fan_max_kw: 0.0, design_delta_t_k: 12.0, cooling: Air,\n                          it_curves: (airflow: Some((coefficients: [-1, 0, 0, 0.01, 0, 0], min_x: 0, max_x: 1, min_y: 15, max_y: 40)))),",
        )],
    );
    assert_rejected(&text, line_of(&text, "it_curves:"), &["leaves 0–3"]);
}

#[test]
fn a_fan_given_both_ways_or_half_given_is_rejected() {
    let both = small_hall_with("fan_power_kw: 6.0,", "fan_power_kw: 6.0, fan_pressure_pa: 500.0, fan_efficiency: 0.6,");
    assert_rejected(&both, line_of(&both, "fan_pressure_pa"), &["fan power given twice", "fan_efficiency"]);
    let half = small_hall_with("fan_power_kw: 6.0,", "fan_pressure_pa: 500.0,");
    assert_rejected(
        &half,
        line_of(&half, "fan_pressure_pa"),
        &["fan power is missing", "P = airflow × pressure / efficiency"],
    );
}

// Hostile numbers found by mutating scenarios (issue 16): each passed `check` or was allocated
// before it was checked, and then panicked, aborted the process or gave infinite results.

#[test]
fn a_subnormal_breaker_rating_is_rejected_not_run_into_a_panic() {
    let text = small_hall_with(r#"from: "msb", rating_a: 400.0"#, r#"from: "msb", rating_a: 1e-320"#);
    assert_rejected(&text, line_of(&text, "1e-320"), &["implausibly small"]);
}

#[test]
fn a_vanishing_transformer_rating_is_rejected_not_run_to_an_infinite_pue() {
    let text = small_hall_with("rating_kva: 1000.0", "rating_kva: 1e-300");
    assert_rejected(&text, line_of(&text, "1e-300"), &["implausibly small"]);
}

#[test]
fn adding_a_billion_racks_is_rejected_before_anything_is_allocated() {
    let text = small_hall_with(
        r#"(at: "90min", action: CoolingFail(unit: "crah-1")),"#,
        r#"(at: "90min", action: AddRacks(hall: "hall", rows: "1", count: 1000000000, rack: "legacy_air_10kw")),"#,
    );
    assert_rejected(&text, line_of(&text, "count: 1000000000"), &["1000000000 racks added to each row"]);
}

#[test]
fn ordering_four_billion_tankers_is_rejected() {
    let text = small_hall_with(
        r#"(at: "90min", action: CoolingFail(unit: "crah-1")),"#,
        r#"(at: "90min", action: OrderFuel(tank: "bulk", tankers: 4294967295)),"#,
    );
    assert_rejected(&text, line_of(&text, "4294967295"), &["4294967295 tankers"]);
}

#[test]
fn a_rack_of_a_million_gpus_is_rejected() {
    let text = data_with(
        "two_n_row.ron",
        &[(
            "fan_max_kw: 0.0, design_delta_t_k: 12.0, cooling: Air),",
            "fan_max_kw: 0.0, design_delta_t_k: 12.0, cooling: Air,\n                          gpu: Some(\"h100_sxm\"), gpu_count: 1000000),",
        )],
    );
    assert_rejected(&text, line_of(&text, "gpu_count: 1000000"), &["1000000 GPUs in one rack"]);
}

#[test]
fn a_billion_racks_per_row_is_reported_without_being_expanded() {
    let text = small_hall_with("racks_per_row: 8", "racks_per_row: 1000000000");
    let start = std::time::Instant::now();
    assert_rejected(&text, line_of(&text, "racks_per_row: 1000000000"), &["racks in one row is implausible"]);
    // Both `check` and `run` answered; expanding a billion racks first took minutes and
    // gigabytes (or aborted the process).
    assert!(start.elapsed().as_secs_f64() < 20.0, "took {:?}", start.elapsed());
}

#[test]
fn a_long_each_range_expands_in_linear_memory_and_time() {
    // 99,999 PDUs: each copy once carried the whole `each` list (memory ∝ count²) and the
    // range parser scanned for duplicates (time ∝ count²); now `check` answers in well under a
    // second on a development machine.
    let text = small_hall_with(r#"(id: "pdu-{n}", each: "1-2""#, r#"(id: "pdu-{n}", each: "1-99999""#);
    let dir = tempfile::tempdir().unwrap();
    let path = write_scenario(dir.path(), "each.ron", &text);
    let start = std::time::Instant::now();
    let out = dctwin(&["check", path.to_str().unwrap()]);
    assert_eq!(out.code, 0, "a big but valid site: {}", out.stderr);
    assert!(out.stdout.contains("18 racks"), "{}", out.stdout);
    assert!(start.elapsed().as_secs_f64() < 20.0, "took {:?}", start.elapsed());
}

#[test]
fn a_site_of_twenty_million_racks_is_refused_with_its_line() {
    let text = small_hall_with(r#"(rows: "1-2", racks_per_row: 8"#, r#"(rows: "1-99996", racks_per_row: 200"#);
    let start = std::time::Instant::now();
    assert_rejected(&text, line_of(&text, "1-99996"), &["the site would hold more than 100000 racks"]);
    assert!(start.elapsed().as_secs_f64() < 20.0, "took {:?}", start.elapsed());
}

/// An EPW file that does not cover the run was accepted and silently held its last hour for
/// the rest of a year: now `check` refuses it with the hours it has and the hours it needs,
/// and accepts a run within them.
#[test]
fn a_weather_file_shorter_than_the_run_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(file("src/weather/testdata/lyon_sample_first48h.epw"), dir.path().join("lyon.epw")).unwrap();
    let with_epw = |duration: &str| {
        small_hall_with(
            "weather: Diurnal(mean_c: 18.0, swing_k: 8.0, dew_point_c: 9.0, noise_k: 0.5),",
            r#"weather: Epw(file: "lyon.epw"),"#,
        )
        .replace(r#"duration: "2h""#, &format!(r#"duration: "{duration}""#))
    };
    let long = write_scenario(dir.path(), "long.ron", &with_epw("4d"));
    let out = dctwin(&["check", long.to_str().unwrap()]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    for want in ["does not cover the run", "48 hourly records", "hours 0–96", "hint:", "long.ron:"] {
        assert!(out.stderr.contains(want), "`{want}` in:\n{}", out.stderr);
    }
    let short = write_scenario(dir.path(), "short.ron", &with_epw("40h"));
    let out = dctwin(&["check", short.to_str().unwrap()]);
    assert_eq!(out.code, 0, "a run within the file's 48 hours: {}", out.stderr);
}

#[test]
fn a_latin1_file_is_located_with_an_encoding_hint() {
    let text = small_hall_with("floor_area_m2: 200.0", "floor_area_m2: 200.0, // 200 m\u{b2}");
    let mut bytes = text.into_bytes();
    // Re-encode the "²" (UTF-8 C2 B2) as Latin-1's single byte B2.
    let at = bytes.windows(2).position(|w| w == [0xC2, 0xB2]).unwrap();
    bytes.remove(at);
    let line = bytes[..at].iter().filter(|&&b| b == b'\n').count() + 1;
    let col = bytes[..at].iter().rev().take_while(|&&b| b != b'\n').count() + 1;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("latin1.ron");
    std::fs::write(&path, &bytes).unwrap();
    let out = dctwin(&["check", path.to_str().unwrap()]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    for want in
        [format!("latin1.ron:{line}:{col}:"), format!("byte {at} (0xB2) is not UTF-8"), "save the file as UTF-8".into()]
    {
        assert!(out.stderr.contains(&want), "`{want}` in:\n{}", out.stderr);
    }
}

#[test]
fn a_recirculation_fraction_of_one_or_more_is_refused() {
    // At f = 1 every inlet would be room air and the units would cool nothing.
    let text = small_hall_with("floor_area_m2: 200.0", "floor_area_m2: 200.0,\n inlet: Recirculation(fraction: 1.2)");
    assert_rejected(&text, line_of(&text, "fraction: 1.2"), &["inlet.fraction"]);
}

#[test]
fn a_century_at_one_second_is_refused_with_its_estimate() {
    // 3·10⁹ ticks: accepted silently before, with no estimate.
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("out");
    let o = dctwin(&["run", "tests/data/small_hall.ron", "--duration", "36500d", "--out", out_dir.to_str().unwrap()]);
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(o.stderr.contains("refusing to run") && o.stderr.contains("3153600000 ticks"), "{}", o.stderr);
    assert!(o.stderr.contains("--force"), "{}", o.stderr);
    assert!(!out_dir.exists(), "nothing written");
}

#[test]
fn millisecond_rows_for_a_century_are_refused_before_filling_the_disk() {
    // 100 years of 1 ms rows: 3·10¹² rows, petabytes; it used to write ~8 MB/s until the
    // disk was full.
    let text = small_hall_with(r#"tick: "1s","#, r#"tick: "1ms","#);
    let dir = tempfile::tempdir().unwrap();
    let path = write_scenario(dir.path(), "ms.ron", &text);
    let out_dir = dir.path().join("out");
    let o = dctwin(&[
        "run",
        path.to_str().unwrap(),
        "--duration",
        "36500d",
        "--interval",
        "1ms",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(o.stderr.contains("refusing to run"), "{}", o.stderr);
    assert!(o.stderr.contains("PB") || o.stderr.contains("rows"), "{}", o.stderr);
    assert!(!out_dir.exists(), "nothing written");
}

#[test]
fn check_answers_a_billion_rack_file_at_once_in_little_memory() {
    // 1,000 halls × 1,000 rows × 1,000 racks. Issue 16's bound: under a second and under
    // 100 MB; here under a 150 MB address-space limit (the binary's own mappings included), so
    // an allocation in proportion to the racks would abort instead of answering.
    let text = small_hall_with(r#"id: "hall","#, r#"id: "hall-{hall}", each: "1-1000","#).replace(
        r#"(rows: "1-2", racks_per_row: 8, rack: "legacy_air_10kw", feeds: (a: "pdu-{row}")"#,
        r#"(rows: "1-1000", racks_per_row: 1000, rack: "legacy_air_10kw", feeds: (a: "pdu-1")"#,
    );
    let dir = tempfile::tempdir().unwrap();
    let path = write_scenario(dir.path(), "billion.ron", &text);
    let start = std::time::Instant::now();
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg("ulimit -v 150000; exec \"$0\" check \"$1\"")
        .arg(env!("CARGO_BIN_EXE_dctwin"))
        .arg(&path)
        .output()
        .unwrap();
    let elapsed = start.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    let at = format!("billion.ron:{}:", line_of(&text, r#"(rows: "1-1000""#));
    assert!(stderr.contains(&at) && stderr.contains("more than 100000 racks"), "{stderr}");
    assert!(stderr.lines().count() < 20, "one located error, not one per hall:\n{stderr}");
    assert!(elapsed.as_secs_f64() < 5.0, "took {elapsed:?}");
}

#[test]
fn a_mistake_copied_into_a_hundred_thousand_elements_is_reported_at_once() {
    // `each: "1-99999"` with a `from` that names no element: 99,999 unknown references, each
    // once located and given a "did you mean" over every id — an hour of `check`, found by the
    // fuzz campaign. Now the first 100 problems are shown and the rest counted.
    let text = small_hall_with(
        r#"(id: "pdu-{n}", each: "1-2", kind: Pdu, from: "ups", rating_a: 400.0)"#,
        r#"(id: "pdu-{n}", each: "1-99999", kind: Pdu, from: "ups-{n}", rating_a: 400.0)"#,
    );
    let dir = tempfile::tempdir().unwrap();
    let path = write_scenario(dir.path(), "copied.ron", &text);
    let start = std::time::Instant::now();
    let out = dctwin(&["check", path.to_str().unwrap()]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("\"ups-1\" is not a known"), "{}", out.stderr);
    assert!(out.stderr.contains("and 99899 more problems"), "{}", &out.stderr[out.stderr.len().saturating_sub(600)..]);
    assert!(out.stderr.lines().count() < 250, "{} lines", out.stderr.lines().count());
    assert!(start.elapsed().as_secs_f64() < 10.0, "took {:?}", start.elapsed());
}

#[test]
fn a_reader_that_closes_the_pipe_early_ends_the_command_quietly() {
    use std::io::Read as _;
    use std::process::{Command, Stdio};
    // `dctwin check … | head -c 1`: the reader takes one byte and leaves; the next write hits a
    // closed pipe. The command must stop like a Unix tool (141), not panic.
    for args in [&["catalog"][..], &["check", "scenarios/legacy_hall_blackwell.ron"][..]] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_dctwin"))
            .args(args)
            .current_dir(root())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let mut err = String::new();
        child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
        let status = child.wait().unwrap();
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert_eq!(status.code(), Some(dctwin::cli::EXIT_CLOSED_PIPE), "{args:?}: {err}");
    }
}
