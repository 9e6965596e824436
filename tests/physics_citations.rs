//! Every physics citation in the repository resolves: code, catalog, scenarios, tests and docs
//! cite `docs/physics.md §N.M` (or a bare `§N.M` under such a citation), and each section
//! number must be a heading of `docs/physics.md`, so a reader can follow every constant to its
//! equation and its source without leaving the repository.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Section numbers of `docs/physics.md`: `## N.` and `### N.M` headings.
fn sections() -> BTreeSet<String> {
    let text = std::fs::read_to_string(common::file("docs/physics.md")).expect("docs/physics.md exists");
    text.lines()
        .filter_map(|l| l.strip_prefix("### ").or_else(|| l.strip_prefix("## ")))
        .filter_map(|h| h.split_whitespace().next())
        .map(|n| n.trim_end_matches('.').to_owned())
        .filter(|n| n.chars().next().is_some_and(|c| c.is_ascii_digit()))
        .collect()
}

/// Text files under `dir` (recursively) whose names end in one of `exts`.
fn files(dir: &Path, exts: &[&str], out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let p = entry.path();
        if p.is_dir() {
            if !p.ends_with("golden") {
                files(&p, exts, out);
            }
        } else if exts.iter().any(|e| p.extension().is_some_and(|x| x == *e)) && !p.ends_with("docs/physics.md") {
            out.push(p);
        }
    }
}

/// Every `§N` or `§N.M` in `text` (and the end of a range `§N.M–K.L`), with its line.
fn citations(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        for part in line.split('§').skip(1) {
            let part = part.trim_start();
            let number: String = part.chars().take_while(|c| c.is_ascii_digit() || *c == '.').collect();
            let number = number.trim_end_matches('.').to_owned();
            if number.is_empty() {
                continue;
            }
            let rest = &part[number.len()..];
            out.push((i + 1, number.clone()));
            // A range `§1.3–1.4`: its end must exist too.
            if let Some(end) = rest.strip_prefix('–').or_else(|| rest.strip_prefix('-')) {
                let end: String = end.chars().take_while(|c| c.is_ascii_digit() || *c == '.').collect();
                let end = end.trim_end_matches('.');
                if end.contains('.') {
                    out.push((i + 1, end.to_owned()));
                }
            }
        }
    }
    out
}

#[test]
fn every_physics_citation_resolves_to_a_section_of_docs_physics_md() {
    let known = sections();
    for n in ["0", "1.1", "2.5", "3.4", "4.6", "5.1", "7.3", "9"] {
        assert!(known.contains(n), "docs/physics.md lacks section {n}: {known:?}");
    }
    let root = common::root();
    let mut paths = Vec::new();
    for dir in ["src", "assets", "scenarios", "tests", "docs", "benches"] {
        files(&root.join(dir), &["rs", "ron", "md"], &mut paths);
    }
    paths.push(root.join("README.md"));
    let mut cited = 0;
    let mut broken = Vec::new();
    for p in &paths {
        let text = std::fs::read_to_string(p).unwrap();
        assert!(
            !text.contains(concat!("shared/reference/", "physics.md")),
            "{} cites a physics sheet outside the repository",
            p.display()
        );
        for (line, n) in citations(&text) {
            cited += 1;
            if !known.contains(&n) {
                broken.push(format!("{}:{line}: §{n}", p.strip_prefix(&root).unwrap_or(p).display()));
            }
        }
    }
    assert!(cited > 200, "only {cited} citations found: is the scan looking in the right place?");
    assert!(broken.is_empty(), "citations of sections docs/physics.md does not have:\n{}", broken.join("\n"));
}

#[test]
fn citation_scanner_reads_sections_and_ranges() {
    let c = citations("see docs/physics.md §4.3–4.4, §5.1 and §9 item 3; not a section: § alone");
    let numbers: Vec<&str> = c.iter().map(|(_, n)| n.as_str()).collect();
    assert_eq!(numbers, ["4.3", "4.4", "5.1", "9"]);
}
