//! Writing a whole output tree so that it appears at once or not at all.
//!
//! Files go into a staging folder beside the target; only when everything
//! is written (and checked) does the staging folder replace the target.
//! A failed build leaves the previous output as it was.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// Marks a folder as made by Herald, so that replacing it never deletes a
/// folder the user pointed `--out` at by mistake.
pub const MARKER: &str = ".herald-output";

#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("cannot write `{path}`: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("refusing to replace `{0}`: it exists but was not made by Herald (no `{MARKER}` file in it); choose another folder or remove it")]
    Foreign(PathBuf),
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> OutputError + '_ {
    move |source| OutputError::Io {
        path: path.to_path_buf(),
        source,
    }
}

pub struct Staging {
    target: PathBuf,
    dir: PathBuf,
    committed: bool,
}

impl Staging {
    /// Prepare a staging folder for `target`, refusing early if the target
    /// could not be replaced at the end.
    pub fn new(target: &Path) -> Result<Self, OutputError> {
        if target.exists() && !target.join(MARKER).exists() {
            let empty = fs::read_dir(target)
                .map(|mut d| d.next().is_none())
                .unwrap_or(false);
            if !empty {
                return Err(OutputError::Foreign(target.to_path_buf()));
            }
        }
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "out".into());
        let parent = target
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        fs::create_dir_all(parent).map_err(io_err(parent))?;
        let dir = parent.join(format!(".{name}.herald-staging-{}", std::process::id()));
        if dir.exists() {
            fs::remove_dir_all(&dir).map_err(io_err(&dir))?;
        }
        fs::create_dir(&dir).map_err(io_err(&dir))?;
        fs::write(dir.join(MARKER), b"").map_err(io_err(&dir))?;
        Ok(Staging {
            target: target.to_path_buf(),
            dir,
            committed: false,
        })
    }

    /// Write one file; `rel` uses `/` and never leaves the staging folder
    /// (paths come from validated slugs and theme file names).
    pub fn write(&self, rel: &str, bytes: &[u8]) -> Result<(), OutputError> {
        let path = self.dir.join(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(io_err(parent))?;
        }
        fs::write(&path, bytes).map_err(io_err(&path))
    }

    /// Swap the staging folder in place of the target.
    pub fn commit(mut self) -> Result<(), OutputError> {
        let old = self.dir.with_extension("old");
        if self.target.exists() {
            fs::rename(&self.target, &old).map_err(io_err(&self.target))?;
        }
        if let Err(e) = fs::rename(&self.dir, &self.target) {
            // Put the previous output back rather than leave nothing.
            let _ = fs::rename(&old, &self.target);
            return Err(io_err(&self.target)(e));
        }
        self.committed = true;
        if old.exists() {
            fs::remove_dir_all(&old).map_err(io_err(&old))?;
        }
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

/// Write one file so that readers see the old or the new content, never a
/// part: a temporary file beside it, flushed to disk, then renamed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    use std::io::Write;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.herald-tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)?;
        // The rename itself is durable once the folder is synced.
        fs::File::open(dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.map_err(io_err(path))
}
