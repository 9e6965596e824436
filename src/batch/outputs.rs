//! Writing a batch's results: every file of the directory as one set.

use std::io;
use std::path::Path;

use super::results::{
    GroupStats, Manifest, MemberResult, MembersFile, all_stats, json, members_csv, probabilities_csv, stats_csv,
    summary_md,
};
use crate::report::resultset::ResultSet;

/// The files of a batch's result directory (and the report `--report` adds to it).
pub const BATCH_FILES: &[&str] = &[
    "sweep.json",
    "members.csv",
    "stats.csv",
    "probabilities.csv",
    "stats.json",
    "junit.xml",
    "summary.md",
    "members.json",
    "comparison.csv",
    "comparison.md",
    "comparison.json",
    "report",
];

/// Writes every output file of a batch into `dir` as one set
/// ([`crate::report::resultset::ResultSet`]): the previous set or this one, never a mix. A
/// directory holding anything else (shard directories included: merge into another one) is
/// refused untouched.
pub fn write_outputs(dir: &Path, manifest: &Manifest, members: &[MemberResult]) -> io::Result<Vec<GroupStats>> {
    let set = ResultSet::begin(dir, BATCH_FILES).map_err(io::Error::other)?;
    let stats = all_stats(manifest, members);
    let put = |name: &str, bytes: &[u8]| set.write(name, bytes).map_err(io::Error::other);
    put("sweep.json", &json(manifest)?)?;
    put("members.csv", &members_csv(manifest, members)?)?;
    put("stats.csv", &stats_csv(&stats)?)?;
    put("probabilities.csv", &probabilities_csv(&stats)?)?;
    put("stats.json", &json(&stats)?)?;
    put("junit.xml", super::junit::junit_xml(manifest, members)?.as_bytes())?;
    put("summary.md", summary_md(manifest, members, &stats).as_bytes())?;
    put("members.json", &json(&MembersFile { members: members.to_vec() })?)?;
    if let Some(rows) = manifest.compare.as_deref().and_then(|b| super::compare::compare(&stats, members, b)) {
        let baseline = manifest.compare.as_deref().unwrap_or_default();
        put("comparison.csv", &super::compare::comparison_csv(&rows)?)?;
        put("comparison.md", super::compare::comparison_md(manifest, &rows, baseline).as_bytes())?;
        put("comparison.json", &json(&rows)?)?;
    }
    set.commit().map_err(io::Error::other)?;
    Ok(stats)
}
