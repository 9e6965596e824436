//! Live sessions (the viewer's driver) compute what a headless run computes: a session with
//! operator actions, saved and replayed by `dctwin run`, ends with the same summary bit for bit.

mod common;

use common::*;
use dctwin::live::LiveSim;
use dctwin::scenario::Action;
use dctwin::scenario::build::{BuildOptions, build_app};
use dctwin::schedule::SimClock;

/// A live world of shipped scenario `name` and its driver.
fn live(name: &str) -> (bevy::app::App, LiveSim) {
    let path = file(&format!("scenarios/{name}.ron"));
    let loaded = dctwin::scenario::load_file(&path).expect("loads");
    let scenario = loaded.scenario.clone();
    let v = dctwin::scenario::validate::validate(loaded).expect("valid");
    let app = build_app(&v, BuildOptions { max_tick: Some(scenario.tick), ..Default::default() });
    let seed = scenario.seed;
    (app, LiveSim::new(scenario, path, seed))
}

fn t_ms(app: &bevy::app::App) -> u64 {
    app.world().resource::<SimClock>().t_ms
}

#[test]
fn a_saved_session_replays_headless_to_the_same_summary() {
    let (mut app, mut sim) = live("legacy_hall_blackwell");
    sim.play();
    // Frames of uneven length at changing speeds, as a person would drive it.
    sim.speed = 600.0;
    let mut frame = 0;
    while t_ms(&app) < 20 * 60_000 {
        sim.advance(app.world_mut(), if frame % 3 == 0 { 1.0 / 30.0 } else { 1.0 / 60.0 });
        frame += 1;
    }
    sim.act(app.world_mut(), Action::CoolingFail { unit: "crah-2".into() }, "trainer fails a CRAH");
    sim.change_speed(true);
    while t_ms(&app) < 50 * 60_000 {
        sim.advance(app.world_mut(), 0.02);
    }
    sim.act(app.world_mut(), Action::CoolingRestore { unit: "crah-2".into() }, "");
    sim.act(app.world_mut(), Action::SetUtilisation { workload: "training".into(), utilisation: 0.6 }, "load shed");
    sim.paused = true;
    for _ in 0..17 {
        sim.step_once(app.world_mut());
    }
    sim.play();
    while t_ms(&app) < 75 * 60_000 {
        sim.advance(app.world_mut(), 0.05);
    }
    let live_summary = dctwin::metrics::summarize(app.world_mut(), &sim.scenario.name, sim.seed);

    let dir = tempfile::tempdir().unwrap();
    let session = dir.path().join("session.ron");
    sim.save_session(app.world(), &session).expect("saved");
    let out = run(&session, &dir.path().join("out"), &["-q"]);
    assert!(out.code == 0 || out.code == 1, "replay runs: {}", out.stderr);
    // summary.json as `dctwin run` writes it, byte for byte.
    let replay = std::fs::read_to_string(dir.path().join("out/summary.json")).unwrap();
    let live_json = serde_json::to_string_pretty(&live_summary).unwrap();
    assert!(replay == live_json, "summaries differ:\nlive   {live_json}\nreplay {replay}");
    // The operator's actions are in the file, at the times they were taken.
    let text = std::fs::read_to_string(&session).unwrap();
    assert!(text.matches("operator").count() >= 3, "{text}");
}

#[test]
fn a_pause_point_stops_the_clock_after_its_tick() {
    let (mut app, mut sim) = live("legacy_hall_blackwell");
    sim.act(app.world_mut(), Action::Caption, "");
    let at = 10 * 60_000;
    app.world_mut().resource_mut::<dctwin::events::ActionQueue>().push(dctwin::events::TimedAction {
        at_ms: at,
        action: Action::Pause,
        note: "look at the inlets".into(),
        source: dctwin::events::ActionSource::Scenario,
    });
    sim.play();
    sim.speed = 86_400.0;
    for _ in 0..200 {
        sim.advance(app.world_mut(), 1.0 / 60.0);
    }
    assert!(sim.paused, "paused at the pause point");
    assert_eq!(t_ms(&app), at + 1_000, "the tick that reaches the pause point runs, then the clock stops");
    assert_eq!(sim.stopped_by.as_deref(), Some("pause point"));
}

#[test]
fn a_jump_runs_to_its_time_and_pauses() {
    let (mut app, mut sim) = live("grid_outage");
    sim.jump_to_ms = Some(90 * 60_000);
    while sim.jump_to_ms.is_some() {
        sim.advance(app.world_mut(), 1.0 / 60.0);
    }
    assert_eq!(t_ms(&app), 90 * 60_000);
    assert!(sim.paused);
}

#[test]
fn every_shipped_scenario_survives_a_save_unchanged() {
    // A session saved before the first tick is the scenario itself: it parses, validates and
    // runs to the same summary as the original file.
    for name in ["legacy_hall_blackwell", "grid_outage", "evaporative_heatwave", "cascade_trip"] {
        let (app, sim) = live(name);
        let dir = tempfile::tempdir().unwrap();
        let session = dir.path().join("s.ron");
        sim.save_session(app.world(), &session).expect("saved");
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        let scenario = file(&format!("scenarios/{name}.ron"));
        assert_eq!(
            run(&scenario, &a, &["-q", "--duration", "20min"]).code,
            run(&session, &b, &["-q", "--duration", "20min"]).code
        );
        assert_eq!(summary(&a), summary(&b), "{name}");
    }
}

#[test]
fn a_session_saved_before_the_scripted_events_checks_and_replays() {
    // Saved at 20 min, the session ends before the scenario's events at 30 min, 45 min and
    // 1 h: they stay in the file (with a warning that they will not happen), and the file's
    // enum variants written by ron as raw identifiers (`r#None`) still locate.
    let (mut app, mut sim) = live("legacy_hall_blackwell");
    sim.jump_to_ms = Some(20 * 60_000);
    while sim.jump_to_ms.is_some() {
        sim.advance(app.world_mut(), 1.0);
    }
    let dir = tempfile::tempdir().unwrap();
    let session = dir.path().join("early.ron");
    sim.save_session(app.world(), &session).unwrap();
    let check = dctwin(&["check", session.to_str().unwrap()]);
    assert_eq!(check.code, 0, "{}", check.stderr);
    assert!(check.stderr.contains("after the end of the run"), "{}", check.stderr);
    let out = run(&session, &dir.path().join("out"), &["-q"]);
    assert!(out.code == 0 || out.code == 1, "{}", out.stderr);
    let live_json =
        serde_json::to_string_pretty(&dctwin::metrics::summarize(app.world_mut(), &sim.scenario.name, sim.seed))
            .unwrap();
    assert_eq!(std::fs::read_to_string(dir.path().join("out/summary.json")).unwrap(), live_json);
}
