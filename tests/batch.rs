//! Batch runs as CI and planners use them: sweeps, shards and their merge, JUnit XML, reports.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use quick_xml::Reader;
use quick_xml::events::Event;

/// The small test sweep: 12 members, 24 expectations, exactly 3 failures.
const SWEEP: &str = "tests/data/sweeps/small_hall_sweep.ron";

/// Runs `dctwin` with extra environment variables.
fn dctwin_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_dctwin"));
    c.args(args).current_dir(root());
    for k in ["JOB_COMPLETION_INDEX", "SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_MIN"] {
        c.env_remove(k);
    }
    c.envs(env.iter().copied());
    let out = c.output().expect("binary runs");
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Every file of a directory (not recursive), by name.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_file())
        .map(|e| (e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap()))
        .collect();
    out.sort();
    out
}

#[test]
fn three_shards_merged_equal_the_unsharded_run_byte_for_byte() {
    let tmp = tempfile::tempdir().unwrap();
    let whole = tmp.path().join("whole");
    let shards = tmp.path().join("shards");
    let merged = tmp.path().join("merged");
    let out = dctwin_env(&["batch", SWEEP, "--out", path(&whole), "--threads", "2", "-q"], &[]);
    assert_eq!(out.code, 1, "3 members fail an expectation\n{}", out.stderr);
    // Shard 0 from the flag, shard 1 as a Kubernetes Indexed Job, shard 2 as a Slurm array
    // task counted from 1; each on one thread.
    let runs: [(&str, &[(&str, &str)]); 3] = [
        ("0/3", &[]),
        ("auto/3", &[("JOB_COMPLETION_INDEX", "1")]),
        ("auto/3", &[("SLURM_ARRAY_TASK_ID", "3"), ("SLURM_ARRAY_TASK_MIN", "1")]),
    ];
    for (shard, env) in runs {
        let out = dctwin_env(&["batch", SWEEP, "--out", path(&shards), "--threads", "1", "--shard", shard, "-q"], env);
        assert!(out.code == 0 || out.code == 1, "{shard}: {}", out.stderr);
    }
    for k in 0..3 {
        let m: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(shards.join(format!("shard-{k}-of-3/sweep.json"))).unwrap())
                .unwrap();
        assert_eq!(m["shard"]["index"], k);
    }
    let out = dctwin(&["merge", path(&shards), "--out", path(&merged)]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let (a, b) = (files(&whole), files(&merged));
    assert_eq!(a.iter().map(|f| &f.0).collect::<Vec<_>>(), b.iter().map(|f| &f.0).collect::<Vec<_>>());
    assert!(a.len() >= 8, "{:?}", a.iter().map(|f| &f.0).collect::<Vec<_>>());
    for ((name, x), (_, y)) in a.iter().zip(&b) {
        assert!(x == y, "{name} differs between the unsharded run and the merged shards");
    }
}

#[test]
fn merge_refuses_an_incomplete_set_of_shards() {
    let tmp = tempfile::tempdir().unwrap();
    let shards = tmp.path().join("shards");
    for shard in ["0/3", "2/3"] {
        dctwin(&["batch", SWEEP, "--out", path(&shards), "--shard", shard, "-q"]);
    }
    let out = dctwin(&["merge", path(&shards), "--out", path(&tmp.path().join("m"))]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("cover 8 of 12 members") && out.stderr.contains("hint:"), "{}", out.stderr);
    assert!(!tmp.path().join("m").exists(), "nothing is written");
}

/// (tests, failures) counted from `<testcase>` and `<failure>` elements, and the counts the
/// root element declares.
fn junit_counts(xml: &str) -> ((usize, usize), (usize, usize)) {
    let mut r = Reader::from_str(xml);
    let (mut cases, mut failures) = (0, 0);
    let mut declared = (usize::MAX, usize::MAX);
    loop {
        match r.read_event().expect("well-formed XML") {
            Event::Start(e) | Event::Empty(e) => {
                let attr = |k: &str| {
                    e.try_get_attribute(k).unwrap().map(|a| a.unescape_value().unwrap().parse::<usize>().unwrap())
                };
                match e.name().as_ref() {
                    b"testsuites" => declared = (attr("tests").unwrap(), attr("failures").unwrap()),
                    b"testcase" => cases += 1,
                    b"failure" => failures += 1,
                    _ => {}
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    ((cases, failures), declared)
}

#[test]
fn junit_counts_one_case_per_expectation_per_member_and_the_known_failures() {
    let tmp = tempfile::tempdir().unwrap();
    let out = dctwin(&["batch", SWEEP, "--out", path(tmp.path()), "-q"]);
    assert_eq!(out.code, 1, "an expectation failed ⇒ exit 1\n{}", out.stderr);
    let xml = std::fs::read_to_string(tmp.path().join("junit.xml")).unwrap();
    let (counted, declared) = junit_counts(&xml);
    assert_eq!(counted, (24, 3), "12 members × 2 expectations; 3 members drop load");
    assert_eq!(declared, counted);
    // The failures are the members with a generator that never starts and a 30 min outage.
    let members = std::fs::read_to_string(tmp.path().join("members.csv")).unwrap();
    let failed: Vec<&str> = members.lines().filter(|l| l.contains(",false,")).collect();
    assert_eq!(failed.len(), 3);
    assert!(failed.iter().all(|l| l.contains(",1.0,30min,")), "{failed:?}");
    let md = std::fs::read_to_string(tmp.path().join("summary.md")).unwrap();
    assert!(md.contains("**3 of 12 members failed an expectation**"), "{md}");
    // Percentiles: p5 ≤ p50 ≤ p95 for every metric and group.
    let stats: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(tmp.path().join("stats.json")).unwrap()).unwrap();
    for g in stats.as_array().unwrap() {
        for m in g["metrics"].as_array().unwrap() {
            let (p5, p50, p95) = (m["p5"].as_f64().unwrap(), m["p50"].as_f64().unwrap(), m["p95"].as_f64().unwrap());
            assert!(p5 <= p50 && p50 <= p95, "{m}");
        }
    }
}

#[test]
fn a_passing_sweep_exits_0() {
    let tmp = tempfile::tempdir().unwrap();
    let base = format!("base: {:?}", file("tests/data/small_hall.ron").to_str().unwrap());
    let sweep = std::fs::read_to_string(file(SWEEP))
        .unwrap()
        .replace("values: [0.0, 1.0]", "values: [0.0]")
        .replace("base: \"../small_hall.ron\"", &base);
    let p = write_scenario(tmp.path(), "passing.ron", &sweep);
    let out_dir = tmp.path().join("out");
    let out = dctwin(&["batch", path(&p), "--out", path(&out_dir), "-q"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let (counted, _) = junit_counts(&std::fs::read_to_string(out_dir.join("junit.xml")).unwrap());
    assert_eq!(counted, (12, 0));
}

/// Writes a sweep over the small hall into `dir` (its base given by absolute path).
fn sweep_file(dir: &Path, body: &str) -> PathBuf {
    let base = file("tests/data/small_hall.ron");
    let text = format!("(\n    name: \"t\",\n    base: {:?},\n{body}\n)\n", base.to_str().unwrap());
    write_scenario(dir, "sweep.ron", &text)
}

#[test]
fn the_seeded_failure_probability_shows_in_the_sweep_statistics() {
    // Every member: a 30 min outage the UPS cannot ride alone; the generator fails to start
    // with probability 0.5. P(load dropped) over 40 members must be near 0.5: the 99.9 %
    // binomial range for n = 40 is 9..31 failures.
    let tmp = tempfile::tempdir().unwrap();
    let sweep = sweep_file(
        tmp.path(),
        r#"    seed: 7,
    replicates: 40,
    set: {
        "duration": "45min",
        "events[0].action.duration": "30min",
        "events[1].at": "44min",
        "power.generators[0].fail_to_start_probability": 0.5,
        "expectations": ["no_load_dropped"],
    },"#,
    );
    let out_dir = tmp.path().join("out");
    let out = dctwin(&["batch", path(&sweep), "--out", path(&out_dir), "-q"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let probs = std::fs::read_to_string(out_dir.join("probabilities.csv")).unwrap();
    let all = probs.lines().find(|l| l.starts_with("all,")).unwrap();
    let f: Vec<&str> = all.split(',').collect();
    let failed: usize = f[4].parse().unwrap();
    assert!((9..=31).contains(&failed), "{failed} of 40 failed: {all}");
    let (p, lo, hi): (f64, f64, f64) = (f[5].parse().unwrap(), f[6].parse().unwrap(), f[7].parse().unwrap());
    assert!(lo < p && p < hi && lo < 0.5 && 0.5 < hi, "{all}");
}

#[test]
fn bad_sweeps_exit_2_with_a_located_error_and_write_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let out_dir = tmp.path().join("out");
    let cases = [
        // A path that does not exist in the base.
        ("    set: {\n        \"power.generators[4].rating_kw\": 10.0,\n    },", "sweep.ron:5:", "does not exist"),
        // A value the scenario rejects: located at the sweep value that wrote it.
        (
            "    grid: [\n        (path: \"power.generators[0].rating_kw\", values: [800.0, \"big\"]),\n    ],",
            "sweep.ron:5:",
            "member 1",
        ),
        // A misspelt sweep field.
        ("    replicate: 3,", "sweep.ron:4:", "replicate"),
    ];
    for (body, at, what) in cases {
        let sweep = sweep_file(tmp.path(), body);
        let out = dctwin(&["batch", path(&sweep), "--out", path(&out_dir), "-q"]);
        assert_eq!(out.code, 2, "{body}\n{}", out.stderr);
        assert!(
            out.stderr.contains(at) && out.stderr.contains(what) && out.stderr.contains("hint:"),
            "{body}\n{}",
            out.stderr
        );
        assert!(!out_dir.exists(), "nothing is written for bad input");
    }
    let out = dctwin(&["batch", SWEEP, "--shard", "3/3", "--out", path(&out_dir)]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("below the count"), "{}", out.stderr);
}

/// Decodes a PNG: (width, height, distinct colours).
fn png_facts(bytes: &[u8]) -> (u32, u32, usize) {
    let mut d = png::Decoder::new(std::io::Cursor::new(bytes)).read_info().unwrap();
    let mut buf = vec![0; d.output_buffer_size().unwrap()];
    let info = d.next_frame(&mut buf).unwrap();
    let px = info.color_type.samples();
    let colours: std::collections::BTreeSet<&[u8]> = buf[..info.buffer_size()].chunks(px).collect();
    (info.width, info.height, colours.len())
}

#[test]
fn a_report_of_a_shipped_scenario_has_every_chart_at_the_right_size() {
    let tmp = tempfile::tempdir().unwrap();
    assert_eq!(run(&file("scenarios/grid_outage.ron"), tmp.path(), &["-q"]).code, 0);
    let out = dctwin(&["report", path(tmp.path()), "--svg"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let report = tmp.path().join("report");
    let html = std::fs::read_to_string(report.join("index.html")).unwrap();
    for chart in ["temperatures", "power", "pue", "fuel", "autonomy", "water", "inlet_heatmap"] {
        let bytes = std::fs::read(report.join(format!("{chart}.png"))).unwrap();
        let (w, h, colours) = png_facts(&bytes);
        assert_eq!((w, h), (1000, 500), "{chart}");
        assert!(colours > 20, "{chart}: {colours} colours — lines, text and anti-aliasing, not a blank image");
        assert!(html.contains(&format!("src=\"{chart}.png\"")), "{chart} missing from index.html");
        let svg = std::fs::read_to_string(report.join(format!("{chart}.svg"))).unwrap();
        assert!(svg.contains("<svg") && svg.contains("width=\"1000\""), "{chart}.svg");
    }
    assert_eq!(dctwin(&["report", path(&tmp.path().join("nothing"))]).code, 2);
}

#[test]
fn batch_report_draws_the_failure_probability() {
    let tmp = tempfile::tempdir().unwrap();
    let out = dctwin(&["batch", SWEEP, "--out", path(tmp.path()), "--report", "-q"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let bytes = std::fs::read(tmp.path().join("report/p_fail_no_load_dropped.png")).unwrap();
    assert_eq!(png_facts(&bytes).0, 1000);
    let html = std::fs::read_to_string(tmp.path().join("report/index.html")).unwrap();
    assert!(html.contains("100.0 % [43.9–100.0] (3/3)"), "{html}");
}

#[test]
fn the_generator_redundancy_study_expands_to_at_least_200_valid_members() {
    let sweep = dctwin::batch::sweep::load_sweep(&file("scenarios/sweeps/generator_redundancy.ron")).unwrap();
    assert!(sweep.members() >= 200, "{}", sweep.members());
    let indices: Vec<usize> = (0..sweep.members()).collect();
    dctwin::batch::run::check_members(&sweep, &indices, 2).unwrap_or_else(|e| panic!("{e}"));
    // N+1 and 2N members of one replicate share their seed and draws (common random numbers).
    let (a, b) = (sweep.member(0).unwrap(), sweep.member(sweep.members() / 2).unwrap());
    assert_eq!(a.params[0].value, "N+1");
    assert_eq!(b.params[0].value, "2N");
    assert_eq!((a.seed, &a.params[2..]), (b.seed, &b.params[2..]));
    assert!(b.text.contains("\"gen-4\"") && !a.text.contains("\"gen-4\""));
}

#[test]
fn a_sweep_that_is_not_utf8_is_located() {
    // A Latin-1 "°" in a comment on line 4: it used to read "cannot read the file … check the
    // path" with no position.
    let tmp = tempfile::tempdir().unwrap();
    let sweep = sweep_file(tmp.path(), "    // 25 °C\n    replicates: 2,");
    let mut bytes = std::fs::read(&sweep).unwrap();
    let at = bytes.windows(2).position(|w| w == "°".as_bytes()).unwrap();
    bytes.splice(at..at + 2, [0xB0]);
    std::fs::write(&sweep, bytes).unwrap();
    let out_dir = tmp.path().join("out");
    let out = dctwin(&["batch", path(&sweep), "--out", path(&out_dir), "-q"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("sweep.ron:4:11") && out.stderr.contains("not UTF-8"), "{}", out.stderr);
    assert!(!out_dir.exists());
}

#[test]
fn a_batch_of_century_long_members_is_refused_with_its_estimate() {
    // Each member a century at 1 s (3·10⁹ ticks): the batch used to start and run for days.
    let tmp = tempfile::tempdir().unwrap();
    let sweep = sweep_file(tmp.path(), "    replicates: 4,\n    set: {\n        \"duration\": \"36500d\",\n    },");
    let out_dir = tmp.path().join("out");
    let out = dctwin(&["batch", path(&sweep), "--out", path(&out_dir), "-q"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("refusing to run") && out.stderr.contains("member 0"), "{}", out.stderr);
    assert!(out.stderr.contains("--force"), "{}", out.stderr);
    assert!(!out_dir.exists(), "nothing written");
}
