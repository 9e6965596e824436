//! A result directory written as one: a reader sees the previous set or the new one, never a
//! mix, and nothing half-written.
//!
//! A run writes its whole set into a staging directory beside the destination,
//! `.<name>.staging-<pid>`, syncs it, and swaps it in: on Linux by `renameat2(RENAME_EXCHANGE)`
//! (both directories exist throughout; the old set is then removed), elsewhere or where the
//! filesystem refuses the exchange by two renames (`dest → .<name>.old-<pid>`, staging →
//! `dest`), between which a reader finds no directory rather than a mixed one. A run killed at
//! any point leaves the destination whole (old or new) plus at most one stale staging or old
//! directory, which the next run on the same destination removes — or, if a kill fell between
//! the two renames, puts back in place.
//!
//! The destination may only hold what dctwin writes there (`allowed`): a directory with other
//! files is refused rather than swapped away, so nothing the user put there is lost.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// Why a result set could not be written; each names the path and the cause.
#[derive(Debug, thiserror::Error)]
pub enum SetError {
    /// A filesystem operation failed (disk full, permission, …).
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
    /// The destination holds something dctwin did not write.
    #[error("{path} holds {entry:?}, which dctwin did not write; results replace the whole directory")]
    Foreign {
        /// The destination.
        path: PathBuf,
        /// The first foreign entry.
        entry: String,
    },
}

impl SetError {
    fn io(path: &Path, source: io::Error) -> Self {
        SetError::Io { path: path.to_owned(), source }
    }
}

/// A result set being written.
#[derive(Debug)]
pub struct ResultSet {
    dest: PathBuf,
    staging: PathBuf,
    committed: bool,
}

impl ResultSet {
    /// Starts a set for `dest`: removes stale staging directories of earlier runs on it (and
    /// restores a set left between the two renames of a fallback swap), checks that `dest` holds
    /// only `allowed` entries, and creates the staging directory.
    pub fn begin(dest: &Path, allowed: &[&str]) -> Result<Self, SetError> {
        let parent = parent_of(dest);
        fs::create_dir_all(&parent).map_err(|e| SetError::io(&parent, e))?;
        let name = dest.file_name().and_then(|n| n.to_str()).unwrap_or("results").to_owned();
        recover(dest, &parent, &name)?;
        if dest.is_dir() {
            let entries = fs::read_dir(dest).map_err(|e| SetError::io(dest, e))?;
            for entry in entries {
                let entry = entry.map_err(|e| SetError::io(dest, e))?;
                let n = entry.file_name().to_string_lossy().into_owned();
                if !allowed.contains(&n.as_str()) && !n.starts_with('.') {
                    return Err(SetError::Foreign { path: dest.to_owned(), entry: n });
                }
            }
        } else if dest.exists() {
            return Err(SetError::Foreign { path: dest.to_owned(), entry: name });
        }
        let staging = parent.join(format!(".{name}.staging-{}", std::process::id()));
        if staging.exists() {
            fs::remove_dir_all(&staging).map_err(|e| SetError::io(&staging, e))?;
        }
        fs::create_dir(&staging).map_err(|e| SetError::io(&staging, e))?;
        Ok(Self { dest: dest.to_owned(), staging, committed: false })
    }

    /// Where to write file `name` of the set.
    pub fn path(&self, name: &str) -> PathBuf {
        self.staging.join(name)
    }

    /// The destination directory.
    pub fn dest(&self) -> &Path {
        &self.dest
    }

    /// A failure on file `name` of the set, named by the path it will have in place.
    pub fn error(&self, name: &str, source: io::Error) -> SetError {
        SetError::io(&self.dest.join(name), source)
    }

    /// Writes file `name` of the set whole (synced, renamed into the staging directory).
    pub fn write(&self, name: &str, bytes: &[u8]) -> Result<(), SetError> {
        super::write_atomic(&self.path(name), bytes).map_err(|e| self.error(name, e))
    }

    /// Syncs the staged files and swaps them in as the destination.
    pub fn commit(mut self) -> Result<(), SetError> {
        sync_dir(&self.staging)?;
        let parent = parent_of(&self.dest);
        if self.dest.exists() {
            if exchange(&self.staging, &self.dest).is_ok() {
                // The staging path now holds the old set.
                self.committed = true;
                sync_dir(&parent)?;
                let _ = fs::remove_dir_all(&self.staging);
                return Ok(());
            }
            let name = self.dest.file_name().and_then(|n| n.to_str()).unwrap_or("results");
            let old = parent.join(format!(".{name}.old-{}", std::process::id()));
            fs::rename(&self.dest, &old).map_err(|e| SetError::io(&self.dest, e))?;
            fs::rename(&self.staging, &self.dest).map_err(|e| SetError::io(&self.dest, e))?;
            self.committed = true;
            sync_dir(&parent)?;
            let _ = fs::remove_dir_all(&old);
        } else {
            fs::rename(&self.staging, &self.dest).map_err(|e| SetError::io(&self.dest, e))?;
            self.committed = true;
            sync_dir(&parent)?;
        }
        Ok(())
    }
}

impl Drop for ResultSet {
    /// An uncommitted set (a failed or abandoned run) leaves nothing behind.
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.staging);
        }
    }
}

/// The directory holding `dest` (`.` for a bare name).
fn parent_of(dest: &Path) -> PathBuf {
    match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    }
}

/// Removes the staging and old directories that earlier runs on `dest` left (killed runs); if
/// `dest` is missing and an old set is there (killed between the two renames of a fallback
/// swap), puts it back first.
fn recover(dest: &Path, parent: &Path, name: &str) -> Result<(), SetError> {
    let Ok(entries) = fs::read_dir(parent) else { return Ok(()) };
    let staging_prefix = format!(".{name}.staging-");
    let old_prefix = format!(".{name}.old-");
    let mut stale: Vec<PathBuf> = Vec::new();
    let mut olds: Vec<PathBuf> = Vec::new();
    for entry in entries.flatten() {
        let n = entry.file_name().to_string_lossy().into_owned();
        if let Some(pid) = n.strip_prefix(&staging_prefix) {
            if !running(pid) {
                stale.push(entry.path());
            }
        } else if let Some(pid) = n.strip_prefix(&old_prefix)
            && !running(pid)
        {
            olds.push(entry.path());
        }
    }
    olds.sort();
    if !dest.exists()
        && let Some(old) = olds.pop()
    {
        fs::rename(&old, dest).map_err(|e| SetError::io(dest, e))?;
    }
    for p in stale.into_iter().chain(olds) {
        fs::remove_dir_all(&p).map_err(|e| SetError::io(&p, e))?;
    }
    Ok(())
}

/// Whether the process that named a staging or old directory `pid` is another live one (its
/// directory is then still in use); a dead or unreadable pid, or our own, is not.
fn running(pid: &str) -> bool {
    let Ok(pid) = pid.parse::<u32>() else { return false };
    pid != std::process::id() && Path::new("/proc").join(pid.to_string()).exists()
}

/// Flushes a directory's entries to disk.
fn sync_dir(dir: &Path) -> Result<(), SetError> {
    #[cfg(unix)]
    {
        let d = fs::File::open(dir).map_err(|e| SetError::io(dir, e))?;
        d.sync_all().map_err(|e| SetError::io(dir, e))?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Swaps two paths atomically (Linux `renameat2` with `RENAME_EXCHANGE`).
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).map_err(io::Error::from)
}

/// No atomic exchange here: the caller falls back to two renames.
#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> io::Result<()> {
    Err(io::Error::new(io::ErrorKind::Unsupported, "no atomic directory exchange"))
}

/// Free bytes for an unprivileged writer on the filesystem holding `path` (or its nearest
/// existing ancestor); `None` where it cannot be read.
pub fn free_bytes(path: &Path) -> Option<u64> {
    let existing = path.ancestors().find(|p| !p.as_os_str().is_empty() && p.exists()).unwrap_or(Path::new("."));
    statvfs_free(existing)
}

#[cfg(unix)]
fn statvfs_free(p: &Path) -> Option<u64> {
    let st = rustix::fs::statvfs(p).ok()?;
    Some(st.f_bavail.saturating_mul(st.f_frsize))
}

#[cfg(not(unix))]
fn statvfs_free(_: &Path) -> Option<u64> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(dir: &Path) -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap())
            .map(|e| (e.file_name().to_string_lossy().into_owned(), fs::read_to_string(e.path()).unwrap_or_default()))
            .collect();
        v.sort();
        v
    }

    fn write_set(dest: &Path, tag: &str) {
        let set = ResultSet::begin(dest, &["a.txt", "b.txt"]).unwrap();
        fs::write(set.path("a.txt"), format!("a {tag}")).unwrap();
        fs::write(set.path("b.txt"), format!("b {tag}")).unwrap();
        set.commit().unwrap();
    }

    #[test]
    fn a_new_set_replaces_the_old_one_whole_and_leaves_no_temporaries() {
        let root = tempfile::tempdir().unwrap();
        let dest = root.path().join("out");
        write_set(&dest, "1");
        write_set(&dest, "2");
        assert_eq!(files(&dest), vec![("a.txt".into(), "a 2".into()), ("b.txt".into(), "b 2".into())]);
        let names: Vec<String> =
            fs::read_dir(root.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        assert_eq!(names, vec!["out".to_owned()]);
    }

    #[test]
    fn an_abandoned_set_changes_nothing() {
        let root = tempfile::tempdir().unwrap();
        let dest = root.path().join("out");
        write_set(&dest, "1");
        {
            let set = ResultSet::begin(&dest, &["a.txt", "b.txt"]).unwrap();
            fs::write(set.path("a.txt"), "half").unwrap();
        }
        assert_eq!(files(&dest), vec![("a.txt".into(), "a 1".into()), ("b.txt".into(), "b 1".into())]);
        assert_eq!(fs::read_dir(root.path()).unwrap().count(), 1);
    }

    #[test]
    fn leftovers_of_killed_runs_are_cleaned_or_restored() {
        let root = tempfile::tempdir().unwrap();
        let dest = root.path().join("out");
        write_set(&dest, "1");
        // A run killed while staging, and one killed between the fallback's two renames.
        fs::create_dir(root.path().join(".out.staging-999999")).unwrap();
        fs::write(root.path().join(".out.staging-999999/a.txt"), "partial").unwrap();
        fs::rename(&dest, root.path().join(".out.old-999998")).unwrap();
        let set = ResultSet::begin(&dest, &["a.txt", "b.txt"]).unwrap();
        assert_eq!(files(&dest), vec![("a.txt".into(), "a 1".into()), ("b.txt".into(), "b 1".into())]);
        drop(set);
        assert_eq!(fs::read_dir(root.path()).unwrap().count(), 1, "only out/ remains");
    }

    #[test]
    fn a_directory_with_foreign_files_is_refused_untouched() {
        let root = tempfile::tempdir().unwrap();
        let dest = root.path().join("out");
        fs::create_dir(&dest).unwrap();
        fs::write(dest.join("thesis.tex"), "mine").unwrap();
        let e = ResultSet::begin(&dest, &["a.txt"]).unwrap_err();
        assert!(e.to_string().contains("thesis.tex"), "{e}");
        assert_eq!(fs::read_to_string(dest.join("thesis.tex")).unwrap(), "mine");
    }
}
