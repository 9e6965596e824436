//! Mutation fuzzing of everything a pipeline feeds dctwin unreviewed (issue 16): scenarios,
//! sweeps and EPW weather files. Each input is a shipped or test file with one to three
//! mutations — a number swapped for an extreme (0, −1, 1e308, 1e−320, NaN, inf, 2³²−1, …), a
//! string for a pathological one (`"1-99999"`, `""`, ten thousand characters, …), a span
//! deleted or duplicated, a stray byte (non-UTF-8 included), a truncation, an identifier
//! swapped for another of the file's. Every input must end in one of:
//!
//! - rejected with a located error (parse or validation), or refused by the run estimate;
//! - run to its (capped) end with every number of the summary finite;
//! - stopped by the numeric guard (a clean error, exit 3 in the CLI).
//!
//! A panic, a non-finite number in a summary, or an input running longer than
//! `HANG_LIMIT` fails the campaign and writes the input to `target/tmp/fuzz-failures/`.
//! Allocation aborts end the process: run the long campaign under an address-space limit
//! (`ulimit -v`), as the README's robustness section shows.
//!
//! CI runs a bounded campaign (`DCTWIN_FUZZ_N`, default 1,500 inputs, seconds); the full one:
//!
//! ```text
//! ulimit -v 4000000; DCTWIN_FUZZ_N=1000000 cargo test --release --test fuzz -- --nocapture
//! ```

mod common;

use std::collections::BTreeMap;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use dctwin::scenario::build::BuildOptions;
use dctwin::units::SimDuration;

/// An input running longer than this is a hang.
const HANG_LIMIT: Duration = Duration::from_secs(60);
/// Simulated time of a fuzzed run, at most (and at most `MAX_TICKS` of its tick).
const MAX_SIM: SimDuration = SimDuration::from_secs(600);
/// Ticks of a fuzzed run, at most.
const MAX_TICKS: u64 = 1_200;

/// Numbers that have broken simulators.
const NUMBERS: &[&str] = &[
    "0",
    "-0",
    "-1",
    "1",
    "0.5",
    "1e308",
    "-1e308",
    "1e-320",
    "1e-300",
    "NaN",
    "inf",
    "-inf",
    "4294967295",
    "4294967296",
    "18446744073709551615",
    "1000000000",
    "99999999999999999999",
    "1e9",
    "1e-9",
    "65535",
    "2.5e-5",
    "-273.15",
    "100",
    "1e6",
];

/// Strings that have broken parsers and expanders.
const STRINGS: &[&str] = &[
    "",
    "x",
    "{n}",
    "{row}",
    "{hall}",
    "1-99999",
    "0-4294967295",
    "5-1",
    "1-3,2-4",
    "1-2-3",
    "36500d",
    "1ms",
    "0s",
    "999999999h",
    "-1s",
    "1e9s",
    "grid",
    "msb",
    "pdu-1",
    "hall-1",
    "\\u{0}",
    "é°",
    "../../../../etc/passwd",
];

/// SplitMix64: a small, fixed generator so each input index always gives the same input.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Byte spans of number tokens in `t`.
fn numbers(t: &[u8]) -> Vec<(usize, usize)> {
    let mut v = Vec::new();
    let mut i = 0;
    while i < t.len() {
        let start = i;
        if t[i] == b'-' && i + 1 < t.len() && t[i + 1].is_ascii_digit() {
            i += 1;
        }
        if i < t.len() && t[i].is_ascii_digit() && (start == 0 || !t[start - 1].is_ascii_alphanumeric()) {
            while i < t.len() && (t[i].is_ascii_digit() || matches!(t[i], b'.' | b'e' | b'E' | b'+' | b'-')) {
                i += 1;
            }
            v.push((start, i));
        } else {
            i = start + 1;
        }
    }
    v
}

/// Byte spans of string contents (between quotes) in `t`.
fn strings(t: &[u8]) -> Vec<(usize, usize)> {
    let mut v = Vec::new();
    let mut open = None;
    for (i, &c) in t.iter().enumerate() {
        if c == b'"' && (i == 0 || t[i - 1] != b'\\') {
            match open.take() {
                None => open = Some(i + 1),
                Some(s) => v.push((s, i)),
            }
        }
    }
    v
}

/// Byte spans of identifiers (field names, enum variants).
fn idents(t: &[u8]) -> Vec<(usize, usize)> {
    let mut v = Vec::new();
    let mut i = 0;
    while i < t.len() {
        if t[i].is_ascii_alphabetic() && (i == 0 || !t[i - 1].is_ascii_alphanumeric() && t[i - 1] != b'_') {
            let s = i;
            while i < t.len() && (t[i].is_ascii_alphanumeric() || t[i] == b'_') {
                i += 1;
            }
            v.push((s, i));
        } else {
            i += 1;
        }
    }
    v
}

/// One to three mutations of `text`.
fn mutate(text: &str, rng: &mut Rng) -> Vec<u8> {
    let mut t = text.as_bytes().to_vec();
    for _ in 0..1 + rng.below(3) {
        if t.is_empty() {
            break;
        }
        match rng.below(10) {
            0..=3 => {
                let spans = numbers(&t);
                if let Some(&(a, b)) = spans.get(rng.below(spans.len())) {
                    t.splice(a..b, NUMBERS[rng.below(NUMBERS.len())].bytes());
                }
            }
            4 => {
                let spans = strings(&t);
                if let Some(&(a, b)) = spans.get(rng.below(spans.len())) {
                    let s = if rng.below(20) == 0 {
                        "a".repeat(10_000)
                    } else {
                        STRINGS[rng.below(STRINGS.len())].to_owned()
                    };
                    t.splice(a..b, s.into_bytes());
                }
            }
            5 => {
                let spans = idents(&t);
                if spans.len() >= 2 {
                    let (a, b) = spans[rng.below(spans.len())];
                    let (c, d) = spans[rng.below(spans.len())];
                    let with = t[c..d].to_vec();
                    t.splice(a..b, with);
                }
            }
            6 => {
                let a = rng.below(t.len());
                let b = (a + 1 + rng.below(40)).min(t.len());
                t.drain(a..b);
            }
            7 => {
                let a = rng.below(t.len());
                let b = (a + 1 + rng.below(300)).min(t.len());
                let piece = t[a..b].to_vec();
                let at = rng.below(t.len());
                t.splice(at..at, piece);
            }
            8 => {
                let at = rng.below(t.len());
                let byte = [b'(', b')', b',', b'"', b'[', b']', b'{', b'}', b':', 0xFF, 0xC3, 0x00, b'\n', b'9']
                    [rng.below(14)];
                t.insert(at, byte);
            }
            _ => {
                let at = rng.below(t.len());
                t.truncate(at);
            }
        }
    }
    t
}

/// What became of one input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    Rejected,
    Refused,
    Ran,
    NumericFault,
    EpwParsed,
    SweepLoaded,
    // Failures:
    Panic,
    NonFinite,
}

/// Every number in a summary must be finite (serde writes NaN and infinities as `null`).
fn all_finite(v: &serde_json::Value) -> bool {
    match v {
        serde_json::Value::Null => false,
        serde_json::Value::Number(n) => n.as_f64().is_some_and(f64::is_finite),
        serde_json::Value::Array(a) => a.iter().all(all_finite),
        serde_json::Value::Object(o) => o.values().all(all_finite),
        _ => true,
    }
}

fn fuzz_scenario(bytes: &[u8], base_dir: &Path) -> Outcome {
    let Ok(text) = std::str::from_utf8(bytes) else { return Outcome::Rejected };
    let Ok(loaded) = dctwin::scenario::parse_str(text, "fuzz.ron", base_dir) else { return Outcome::Rejected };
    let Ok(v) = dctwin::scenario::validate::validate(loaded) else { return Outcome::Rejected };
    let s = &v.loaded.scenario;
    let cap = SimDuration::from_ms((s.tick.as_ms().saturating_mul(MAX_TICKS)).min(MAX_SIM.as_ms()).max(1));
    let duration = if s.duration > cap { cap } else { s.duration };
    let opts = BuildOptions { duration: Some(duration), ..Default::default() };
    if dctwin::run::estimate(&v, &opts).refusal(None).is_some() {
        return Outcome::Refused;
    }
    let done = dctwin::run::simulate(&v, opts);
    if done.app.world().get_resource::<dctwin::metrics::guard::NumericFault>().is_some_and(|f| f.0.is_some()) {
        return Outcome::NumericFault;
    }
    let json = serde_json::to_value(&done.summary).expect("summary serialises");
    if all_finite(&json) { Outcome::Ran } else { Outcome::NonFinite }
}

fn fuzz_epw(bytes: &[u8]) -> Outcome {
    let Ok(text) = std::str::from_utf8(bytes) else { return Outcome::Rejected };
    let Ok(epw) = dctwin::weather::epw::parse_epw(text) else { return Outcome::Rejected };
    for h in [0.0, 1_234.5, 4_380.0, 8_759.9] {
        let s = epw.sample_at(h * 3_600.0);
        if ![s.dry_bulb_c, s.dew_point_c, s.rh_pct, s.pressure_pa].iter().all(|x| x.is_finite()) {
            return Outcome::NonFinite;
        }
    }
    Outcome::EpwParsed
}

fn fuzz_sweep(bytes: &[u8], dir: &Path) -> Outcome {
    let path = dir.join("sweeps").join("fuzz_sweep.ron");
    std::fs::write(&path, bytes).unwrap();
    let Ok(sweep) = dctwin::batch::sweep::load_sweep(&path) else { return Outcome::Rejected };
    for i in 0..sweep.members().min(3) {
        let Ok(m) = sweep.member(i) else { return Outcome::Rejected };
        if sweep.validate_member(&m).is_err() {
            return Outcome::Rejected;
        }
    }
    Outcome::SweepLoaded
}

/// The seed inputs: (kind, name, text, base directory).
fn corpus() -> Vec<(&'static str, String, String, PathBuf)> {
    let mut v = Vec::new();
    for dir in ["scenarios", "tests/data"] {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(file(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "ron"))
            .collect();
        paths.sort();
        for p in paths {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            // Not scenarios, or too big to build a thousand times a minute.
            if name == "viewer_script.ron" || name == "campus_1gw.ron" {
                continue;
            }
            v.push(("scenario", name, std::fs::read_to_string(&p).unwrap(), file(dir)));
        }
    }
    // A planning study's hall: a country's grid preset and the economics defaults.
    v.push((
        "scenario",
        "superpod_1mw_paris.ron".into(),
        std::fs::read_to_string(file("scenarios/studies/superpod_1mw_paris.ron")).unwrap(),
        file("scenarios/studies"),
    ));
    v.push((
        "sweep",
        "small_hall_sweep.ron".into(),
        std::fs::read_to_string(file("tests/data/sweeps/small_hall_sweep.ron")).unwrap(),
        PathBuf::new(),
    ));
    // A month of the shipped weather file: the parser's every field, at a tenth of the cost.
    let epw = std::fs::read_to_string(file("assets/weather/paris_synthetic.epw")).unwrap();
    let month: String = epw.lines().take(8 + 24 * 31).map(|l| format!("{l}\n")).collect();
    v.push(("epw", "paris_synthetic.epw (January)".into(), month, PathBuf::new()));
    v
}

#[test]
fn fuzzed_inputs_never_panic_hang_or_leak_a_non_finite_number() {
    let env = |k: &str| std::env::var(k).ok().and_then(|s| s.parse::<u64>().ok());
    // DCTWIN_FUZZ_ONLY=i replays input i alone (and writes it out) to reproduce a failure.
    let only = env("DCTWIN_FUZZ_ONLY");
    let n: u64 = only.map_or_else(|| env("DCTWIN_FUZZ_N").unwrap_or(1_500), |i| i + 1);
    let first = only.unwrap_or(0);
    let seed: u64 = env("DCTWIN_FUZZ_SEED").unwrap_or(16);
    let threads: u64 = if only.is_some() { 1 } else { env("DCTWIN_FUZZ_THREADS").unwrap_or(2).max(1) };
    let corpus = Arc::new(corpus());
    let scenarios: Vec<usize> = (0..corpus.len()).filter(|&i| corpus[i].0 == "scenario").collect();
    let (sweep_i, epw_i) = (corpus.len() - 2, corpus.len() - 1);
    let failures_dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("fuzz-failures");
    let _ = std::fs::remove_dir_all(&failures_dir);
    std::fs::create_dir_all(&failures_dir).unwrap();
    // Panics are outcomes here: keep their messages, not their noise.
    let last_panic: Arc<Mutex<String>> = Arc::new(Mutex::new(String::new()));
    {
        let last = last_panic.clone();
        std::panic::set_hook(Box::new(move |info| {
            *last.lock().unwrap() = info.to_string();
        }));
    }
    let counts: Arc<Mutex<BTreeMap<Outcome, u64>>> = Arc::default();
    let failures = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    // Watchdog: the start time (ms since `start`, +1) of the input each thread is on.
    let busy: Arc<Vec<AtomicU64>> = Arc::new((0..threads).map(|_| AtomicU64::new(0)).collect());
    let busy_index: Arc<Vec<AtomicU64>> = Arc::new((0..threads).map(|_| AtomicU64::new(0)).collect());
    let busy_input: Arc<Vec<Mutex<Vec<u8>>>> = Arc::new((0..threads).map(|_| Mutex::default()).collect());
    let done = Arc::new(AtomicUsize::new(0));
    let watchdog = {
        let (busy, busy_index, busy_input, done, failures_dir) =
            (busy.clone(), busy_index.clone(), busy_input.clone(), done.clone(), failures_dir.clone());
        std::thread::spawn(move || {
            while done.load(Ordering::Relaxed) < threads as usize {
                std::thread::sleep(Duration::from_millis(500));
                let now = start.elapsed().as_millis() as u64 + 1;
                for ((b, i), input) in busy.iter().zip(busy_index.iter()).zip(busy_input.iter()) {
                    let t0 = b.load(Ordering::Relaxed);
                    if t0 > 0 && now - t0 > HANG_LIMIT.as_millis() as u64 {
                        let i = i.load(Ordering::Relaxed);
                        let bytes = input.lock().map(|v| v.clone()).unwrap_or_default();
                        std::fs::write(failures_dir.join(format!("hang-{i}-seed-{seed}")), bytes).unwrap();
                        eprintln!("fuzz: input {i} ran past {HANG_LIMIT:?}: a hang");
                        std::process::exit(101);
                    }
                }
            }
        })
    };
    let workers: Vec<_> = (0..threads)
        .map(|t| {
            let (corpus, scenarios, counts, failures, busy, busy_index, busy_input, done, failures_dir, last_panic) = (
                corpus.clone(),
                scenarios.clone(),
                counts.clone(),
                failures.clone(),
                busy.clone(),
                busy_index.clone(),
                busy_input.clone(),
                done.clone(),
                failures_dir.clone(),
                last_panic.clone(),
            );
            std::thread::spawn(move || {
                let scratch = tempfile::tempdir().unwrap();
                std::fs::create_dir_all(scratch.path().join("sweeps")).unwrap();
                std::fs::copy(file("tests/data/small_hall.ron"), scratch.path().join("small_hall.ron")).unwrap();
                let mut local: BTreeMap<Outcome, u64> = BTreeMap::new();
                let mut i = t + first;
                while i < n {
                    let mut rng = Rng(seed ^ i.wrapping_mul(0xD6E8_FEB8_6659_FD93));
                    let pick = match rng.below(20) {
                        0 | 1 => sweep_i,
                        2 => epw_i,
                        _ => scenarios[rng.below(scenarios.len())],
                    };
                    let (kind, name, text, base) = &corpus[pick];
                    let input = mutate(text, &mut rng);
                    if only.is_some() {
                        let ext = if *kind == "epw" { "epw" } else { "ron" };
                        let path = failures_dir.join(format!("input-{i}-seed-{seed}.{ext}"));
                        std::fs::write(&path, &input).unwrap();
                        eprintln!("fuzz: input {i} ({kind} from {name}) written to {}", path.display());
                    }
                    busy_index[t as usize].store(i, Ordering::Relaxed);
                    if let Ok(mut b) = busy_input[t as usize].lock() {
                        b.clone_from(&input);
                    }
                    busy[t as usize].store(start.elapsed().as_millis() as u64 + 1, Ordering::Relaxed);
                    let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| match *kind {
                        "scenario" => fuzz_scenario(&input, base),
                        "sweep" => fuzz_sweep(&input, scratch.path()),
                        _ => fuzz_epw(&input),
                    }))
                    .unwrap_or(Outcome::Panic);
                    busy[t as usize].store(0, Ordering::Relaxed);
                    if outcome >= Outcome::Panic {
                        failures.fetch_add(1, Ordering::Relaxed);
                        let why = if outcome == Outcome::Panic {
                            last_panic.lock().unwrap().clone()
                        } else {
                            "non-finite number in the results".into()
                        };
                        let ext = if *kind == "epw" { "epw" } else { "ron" };
                        std::fs::write(failures_dir.join(format!("{i}-{name}.{ext}")), &input).unwrap();
                        eprintln!("fuzz: input {i} ({kind} from {name}): {outcome:?}: {why}");
                    }
                    *local.entry(outcome).or_default() += 1;
                    i += threads;
                }
                let mut c = counts.lock().unwrap();
                for (k, v) in local {
                    *c.entry(k).or_default() += v;
                }
                done.fetch_add(1, Ordering::Relaxed);
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    watchdog.join().unwrap();
    let _ = std::panic::take_hook();
    let counts = counts.lock().unwrap();
    eprintln!(
        "fuzz: {n} inputs (seed {seed}, {threads} threads) in {:.1} s: {:?}",
        start.elapsed().as_secs_f64(),
        *counts
    );
    assert!(counts.get(&Outcome::Ran).copied().unwrap_or(0) > 0, "some mutants must run: {counts:?}");
    assert_eq!(failures.load(Ordering::Relaxed), 0, "fuzz failures (inputs in {}): {counts:?}", failures_dir.display());
}
