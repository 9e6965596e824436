//! `dctwin merge`: combines shard directories into the outputs of the whole sweep.
//!
//! Each shard directory holds `sweep.json` (with its shard) and `members.json`. The shards
//! must come from the same sweep (same fingerprint and size) and together cover every member
//! exactly once; the merged members, in index order, go through the same writer as an
//! unsharded run, so the files are byte-identical to it.

use std::path::{Path, PathBuf};

use super::results::{Manifest, MemberResult, MembersFile};

/// Why shards cannot be merged.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct MergeError(pub String);

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, MergeError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        MergeError(format!(
            "{}: cannot read: {e}\n  hint: pass the directories written by `dctwin batch --shard K/N` (or their parent)",
            path.display()
        ))
    })?;
    serde_json::from_str(&text).map_err(|e| {
        MergeError(format!(
            "{}:{}:{}: error: not a dctwin batch file: {e}\n  hint: was the shard run interrupted? run it again",
            path.display(),
            e.line(),
            e.column()
        ))
    })
}

/// The shard directories named by `dirs`: each itself, or its `shard-*` subdirectories.
pub fn shard_dirs(dirs: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for d in dirs {
        if d.join("sweep.json").exists() {
            out.push(d.clone());
            continue;
        }
        let mut subs: Vec<PathBuf> = std::fs::read_dir(d)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.join("sweep.json").exists())
            .collect();
        if subs.is_empty() {
            out.push(d.clone());
        }
        subs.sort();
        out.extend(subs);
    }
    out
}

/// Reads and checks the shards; returns the whole sweep's manifest and members in index order.
pub fn merge(dirs: &[PathBuf]) -> Result<(Manifest, Vec<MemberResult>), MergeError> {
    let dirs = shard_dirs(dirs);
    let mut first: Option<(PathBuf, Manifest)> = None;
    let mut members: Vec<MemberResult> = Vec::new();
    for dir in &dirs {
        let m: Manifest = read_json(&dir.join("sweep.json"))?;
        let file: MembersFile = read_json(&dir.join("members.json"))?;
        if let Some((d0, m0)) = &first {
            if (m0.fingerprint.as_str(), m0.members) != (m.fingerprint.as_str(), m.members) {
                return Err(MergeError(format!(
                    "{} and {} come from different sweeps (fingerprints {} and {}, {} and {} members)\n  hint: merge only the shards of one `dctwin batch` command",
                    d0.display(),
                    dir.display(),
                    m0.fingerprint,
                    m.fingerprint,
                    m0.members,
                    m.members
                )));
            }
        } else {
            first = Some((dir.clone(), m.clone()));
        }
        let expected = m.indices();
        let got: Vec<usize> = file.members.iter().map(|r| r.index).collect();
        if got != expected {
            return Err(MergeError(format!(
                "{}: holds {} members, its manifest promises {}\n  hint: the shard did not finish; run it again",
                dir.display(),
                got.len(),
                expected.len()
            )));
        }
        members.extend(file.members);
    }
    let Some((_, mut manifest)) = first else {
        return Err(MergeError("no shard directories given\n  hint: dctwin merge DIR... --out MERGED".into()));
    };
    members.sort_by_key(|r| r.index);
    let covered: Vec<usize> = members.iter().map(|r| r.index).collect();
    if let Some(dup) = covered.windows(2).find(|w| w[0] == w[1]) {
        return Err(MergeError(format!(
            "member {} appears in two shards\n  hint: pass each shard directory once",
            dup[0]
        )));
    }
    if covered.len() != manifest.members {
        let missing: Vec<String> = (0..manifest.members)
            .filter(|i| covered.binary_search(i).is_err())
            .take(5)
            .map(|i| i.to_string())
            .collect();
        let count = manifest.shard.map_or(1, |s| s.count);
        return Err(MergeError(format!(
            "the shards cover {} of {} members (missing e.g. members {})\n  hint: all {count} shards of the sweep are needed",
            covered.len(),
            manifest.members,
            missing.join(", ")
        )));
    }
    manifest.shard = None;
    Ok((manifest, members))
}
