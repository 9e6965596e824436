//! The viewer, rendered for real: under Xvfb with Mesa's software Vulkan (no GPU needed), the
//! default scenario is run to its thermal excursion (48 min) with scripted operator actions, the
//! window is saved as a PNG, and the pixels are checked against the pixel map the viewer
//! writes beside it (where each rack's face is on screen and the colour it should have). The
//! session it saved on exit is then replayed headless and must end with the same summary.
//!
//! Only with the viewer built and asked for, as it needs a display server and takes minutes on
//! a software renderer:
//!
//! ```sh
//! apt-get install -y xvfb mesa-vulkan-drivers libvulkan1 libgl1-mesa-dri libxkbcommon-x11-0 \
//!     libxcursor1 libxrandr2 libxi6
//! cargo test --release --features viewer --test render -- --ignored
//! ```
//!
//! With `DCTWIN_UPDATE_SCREENSHOT=1` it also refreshes the README's `docs/viewer.png`.

#![cfg(feature = "viewer")]

mod common;

use std::path::Path;
use std::process::{Child, Command};

use common::*;

/// An X server of our own for the test, stopped when dropped (unless `DISPLAY` is set).
struct Xvfb(Option<Child>, String);

impl Xvfb {
    fn start() -> Self {
        if let Ok(d) = std::env::var("DISPLAY") {
            return Self(None, d);
        }
        let display = format!(":{}", 90 + std::process::id() % 9);
        let child = Command::new("Xvfb")
            .args([display.as_str(), "-screen", "0", "1600x900x24"])
            .spawn()
            .expect("Xvfb runs (apt-get install xvfb)");
        std::thread::sleep(std::time::Duration::from_millis(1500));
        Self(Some(child), display)
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        if let Some(c) = self.0.as_mut() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Pixels of a PNG as RGB rows.
fn decode(path: &Path) -> (u32, u32, Vec<u8>, usize) {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).expect("screenshot")));
    let mut reader = decoder.read_info().expect("PNG header");
    let mut buf = vec![0; reader.output_buffer_size().expect("size")];
    let info = reader.next_frame(&mut buf).expect("PNG data");
    let channels = info.color_type.samples();
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf, channels)
}

/// Whether pixel `rgb` shows palette colour `want`: lighting scales a face's brightness, not
/// its hue, so the two are compared as directions in RGB space.
fn same_hue(rgb: [u8; 3], want: [u8; 3]) -> bool {
    let unit = |c: [u8; 3]| {
        let v = c.map(f64::from);
        let n = (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt().max(1.0);
        v.map(|x| x / n)
    };
    let (a, b) = (unit(rgb), unit(want));
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2] > 0.97
}

#[test]
#[ignore = "needs the viewer build and Xvfb with Mesa's software Vulkan; run with --ignored"]
fn hot_racks_are_drawn_hot_and_the_session_replays_headless() {
    let x = Xvfb::start();
    let dir = tempfile::tempdir().unwrap();
    let shot = dir.path().join("viewer.png");
    let session = dir.path().join("session.ron");
    let out = Command::new(env!("CARGO_BIN_EXE_dctwin"))
        .args(["view", "scenarios/legacy_hall_blackwell.ron", "--at", "48min", "--screenshot"])
        .arg(&shot)
        .args(["--script", "tests/data/viewer_script.ron", "--save-session"])
        .arg(&session)
        .current_dir(root())
        .env("DISPLAY", &x.1)
        .output()
        .expect("viewer runs");
    assert!(out.status.success(), "viewer failed:\n{}", String::from_utf8_lossy(&out.stderr));

    // Every rack the pixel map says is on screen shows its colour; the GB200 row is hot (A3).
    let map: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{}.json", shot.display())).unwrap()).unwrap();
    let (w, h, px, ch) = decode(&shot);
    assert_eq!((w, h), (map["width"].as_u64().unwrap() as u32, map["height"].as_u64().unwrap() as u32));
    let at = |x: f64, y: f64| -> Option<[u8; 3]> {
        let (x, y) = (x.round() as i64, y.round() as i64);
        (x >= 0 && y >= 0 && (x as u32) < w && (y as u32) < h).then(|| {
            let i = (y as usize * w as usize + x as usize) * ch;
            [px[i], px[i + 1], px[i + 2]]
        })
    };
    let (mut hot, mut hot_ok, mut all, mut all_ok) = (0, 0, 0, 0);
    for r in map["racks"].as_array().unwrap() {
        let want: Vec<u8> = r["rgb"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as u8).collect();
        let want = [want[0], want[1], want[2]];
        let Some(got) = at(r["x"].as_f64().unwrap(), r["y"].as_f64().unwrap()) else { continue };
        all += 1;
        all_ok += usize::from(same_hue(got, want));
        if r["inlet_c"].as_f64().unwrap() >= 35.0 {
            assert_eq!(r["colour"], "Red", "inlets of 35–40 °C are drawn in A3 red");
            hot += 1;
            hot_ok += usize::from(same_hue(got, want));
        }
    }
    assert!(hot >= 6, "the GB200 row's hot racks are on screen ({hot})");
    assert!(hot_ok * 10 >= hot * 9, "{hot_ok} of {hot} hot racks drawn red");
    assert!(all_ok * 10 >= all * 9, "{all_ok} of {all} racks drawn in their colour");

    // The session saved on exit replays headless to the viewer's summary, byte for byte.
    let replay = dir.path().join("replay");
    let r = run(&session, &replay, &["-q"]);
    assert!(r.code == 0 || r.code == 1, "{}", r.stderr);
    let live = std::fs::read_to_string(format!("{}.summary.json", session.display())).unwrap();
    let headless = std::fs::read_to_string(replay.join("summary.json")).unwrap();
    assert!(live == headless, "viewer and headless summaries differ:\n{live}\n---\n{headless}");
    let text = std::fs::read_to_string(&session).unwrap();
    assert_eq!(text.matches("operator: ").count(), 3, "the three scripted actions are in the session");

    if std::env::var("DCTWIN_UPDATE_SCREENSHOT").is_ok() {
        std::fs::copy(&shot, file("docs/viewer.png")).unwrap();
    }
}
