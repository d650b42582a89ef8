//! Writing a whole output tree so that it appears at once or not at all.
//!
//! Files go into a staging folder beside the target; only when everything
//! is written (and checked) does the staging folder replace the target.
//! A failed build leaves the previous output as it was.
//!
//! Beside each target `T` sits `.T.herald/`, Herald's own folder (it holds
//! a `.gitignore` of `*`, so git never picks any of it up):
//! - `spare/` and `spare.manifest`: the generation before the live one,
//!   which the next build takes as its staging folder (see `reuse`);
//! - `live.manifest`: what the live target holds;
//! - `staging-<pid>/`: a build in progress.

pub mod folders;
mod reuse;

use std::collections::HashSet;
use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use reuse::{Entry, Files, Identity};

use crate::memo::Key;

/// Marks a folder as made by Herald, so that replacing it never deletes a
/// folder the user pointed `--out` at by mistake.
pub const MARKER: &str = ".herald-output";

#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("cannot write `{path}`: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("refusing to replace `{0}`: it exists but was not made by Herald (no `{MARKER}` file in it); choose another folder or remove it")]
    Foreign(PathBuf),
    #[error("refusing to write through `{0}`: it is a symbolic link, and Herald never writes where a link points (it could lead outside the tree); remove the link")]
    Symlink(PathBuf),
}

/// Refuse a symbolic link where Herald is about to write.
pub fn refuse_symlink(path: &Path) -> Result<(), OutputError> {
    match fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => Err(OutputError::Symlink(path.to_path_buf())),
        _ => Ok(()),
    }
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> OutputError + '_ {
    move |source| OutputError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Herald's own folder beside `target`.
fn cache_of(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    let parent = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    parent.join(format!(".{}.herald", name.trim_start_matches('.')))
}

/// The paths in `paths` under each top folder (an advisory's outbox texts
/// are one such folder).
fn by_top_folder<'a>(
    paths: impl Iterator<Item = &'a String>,
) -> std::collections::HashMap<String, Vec<String>> {
    let mut index: std::collections::HashMap<String, Vec<String>> = Default::default();
    for rel in paths {
        if let Some((top, _)) = rel.split_once('/') {
            index.entry(top.to_string()).or_default().push(rel.clone());
        }
    }
    index
}

/// What the last build put in `target`, by key: for `herald check`, which
/// need not render a file again that a build rendered from the same inputs
/// (see `crate::memo`) and found clean behind the same wall. Unlike
/// [`Staging::keep`], the file itself is not looked at: `check` writes
/// nothing, and only the verdict is reused.
pub struct Known {
    wall: Key,
    files: std::collections::HashMap<String, Option<Key>>,
    /// Each top folder's files (an advisory's outbox texts).
    folders: std::collections::HashMap<String, Vec<String>>,
}

impl Known {
    /// `None` when `target` holds no build of Herald's, or its record is
    /// missing, unreadable or about another folder.
    pub fn read(target: &Path) -> Option<Known> {
        if fs::symlink_metadata(target).ok()?.file_type().is_symlink()
            || !target.join(MARKER).is_file()
        {
            return None;
        }
        let (wall, files) = reuse::read_keys(target, &cache_of(target).join("live.manifest"))?;
        let folders = by_top_folder(files.keys());
        Some(Known {
            wall,
            files,
            folders,
        })
    }

    /// Whether `rel` was rendered from `key` and passed `wall`.
    pub fn holds(&self, wall: &Key, rel: &str, key: &Key) -> bool {
        self.wall == *wall && self.files.get(rel).is_some_and(|k| k.as_ref() == Some(key))
    }

    /// Whether every file under the folder `top` was, as a group; `None`
    /// when not, else how many files there are.
    pub fn holds_folder(&self, wall: &Key, top: &str, key: &Key) -> Option<usize> {
        let files = self.folders.get(top)?;
        files
            .iter()
            .all(|rel| self.holds(wall, rel, key))
            .then_some(files.len())
    }
}

pub struct Staging {
    target: PathBuf,
    cache: PathBuf,
    dir: PathBuf,
    /// What the claimed folder held before this build.
    previous: Files,
    /// The wall its keyed files passed, and this build's: a file is kept
    /// by its key only when the two are the same.
    previous_wall: Option<Key>,
    wall: Option<Key>,
    /// `previous` by the first folder of each path, for `keep_folder`.
    by_folder: std::sync::OnceLock<std::collections::HashMap<String, Vec<String>>>,
    /// This build's files, as written or reused.
    written: Mutex<Files>,
    /// Folders known to exist in `dir`, relative, the root as "".
    dirs: Mutex<HashSet<String>>,
    reused: AtomicUsize,
    /// Of those, kept by their key, without rendering.
    kept: AtomicUsize,
    /// Settled by `finish`: nothing more may be written.
    finished: bool,
    committed: bool,
}

fn remove_if_present(path: &Path) -> io::Result<()> {
    match fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => fs::remove_dir_all(path),
        Ok(_) => fs::remove_file(path),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

fn rename_if_present(from: &Path, to: &Path) -> io::Result<()> {
    match fs::rename(from, to) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

impl Staging {
    /// Prepare a staging folder for `target`, refusing early if the target
    /// could not be replaced at the end.
    pub fn new(target: &Path) -> Result<Self, OutputError> {
        refuse_symlink(target)?;
        if target.exists() && !target.join(MARKER).exists() {
            let empty = fs::read_dir(target)
                .map(|mut d| d.next().is_none())
                .unwrap_or(false);
            if !empty {
                return Err(OutputError::Foreign(target.to_path_buf()));
            }
        }
        let cache = cache_of(target);
        refuse_symlink(&cache)?;
        fs::create_dir_all(&cache).map_err(io_err(&cache))?;
        let ignore = cache.join(".gitignore");
        if fs::symlink_metadata(&ignore).is_err() {
            put(&ignore, b"*\n").map_err(io_err(&ignore))?;
        }
        for inside in ["spare", "spare.manifest", "live.manifest"] {
            refuse_symlink(&cache.join(inside))?;
        }
        let dir = cache.join(format!("staging-{}", std::process::id()));
        remove_if_present(&dir).map_err(io_err(&dir))?;
        let claimed = Self::claim_spare(&cache, &dir).map_err(io_err(&dir))?;
        let (previous, dirs, previous_wall) = match claimed {
            Some(c) => (c.files, c.dirs, c.wall),
            None => {
                remove_if_present(&dir).map_err(io_err(&dir))?;
                fs::create_dir(&dir).map_err(io_err(&dir))?;
                (Files::new(), HashSet::from([String::new()]), None)
            }
        };
        let staging = Staging {
            target: target.to_path_buf(),
            cache,
            dir,
            previous,
            previous_wall,
            wall: None,
            by_folder: Default::default(),
            written: Mutex::new(Files::new()),
            dirs: Mutex::new(dirs),
            reused: AtomicUsize::new(0),
            kept: AtomicUsize::new(0),
            finished: false,
            committed: false,
        };
        staging.write(MARKER, b"")?;
        staging.reused.store(0, Ordering::Relaxed);
        Ok(staging)
    }

    /// Take the spare generation as the staging folder, if there is one
    /// with a manifest that still describes it.
    fn claim_spare(cache: &Path, dir: &Path) -> io::Result<Option<reuse::Claimed>> {
        let manifest = cache.join("spare.manifest");
        match fs::rename(cache.join("spare"), dir) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                remove_if_present(&manifest)?;
                return Ok(None);
            }
            Err(e) => return Err(e),
        }
        let claimed = reuse::claim(dir, &manifest)?;
        remove_if_present(&manifest)?;
        Ok(claimed)
    }

    /// How many files this build found already in place, byte for byte.
    pub fn reused(&self) -> usize {
        self.reused.load(Ordering::Relaxed)
    }

    /// How many of those it kept by their key, without rendering them.
    pub fn kept(&self) -> usize {
        self.kept.load(Ordering::Relaxed)
    }

    /// The wall (see `Wall::key`) every file written with a key has
    /// passed; without one, nothing is kept by its key.
    pub fn set_wall(&mut self, wall: Key) {
        self.wall = Some(wall);
    }

    /// Write one file; `rel` uses `/` and never leaves the staging folder
    /// (paths come from validated slugs and theme file names). A file that
    /// is already there with these bytes is left alone.
    pub fn write(&self, rel: &str, bytes: &[u8]) -> Result<(), OutputError> {
        self.write_keyed(rel, bytes, None)
    }

    /// [`Staging::write`] for a file rendered from `key` that passed this
    /// build's wall, so that the next build may keep it unrendered.
    pub fn write_keyed(
        &self,
        rel: &str,
        bytes: &[u8],
        key: Option<Key>,
    ) -> Result<(), OutputError> {
        debug_assert!(!self.finished);
        let path = self.dir.join(rel);
        let hash = reuse::hash(bytes);
        if let Some(Some(old)) = self.previous.get(rel) {
            let same = old.hash == hash
                && old.id.size() == bytes.len() as u64
                && fs::symlink_metadata(&path).is_ok_and(|m| Identity::of(&m) == old.id);
            if same {
                self.record(rel, Entry { key, ..*old });
                self.reused.fetch_add(1, Ordering::Relaxed);
                return Ok(());
            }
        }
        self.parent(rel).map_err(io_err(&path))?;
        let id = put(&path, bytes).map_err(io_err(&path))?;
        self.record(rel, Entry { hash, id, key });
        Ok(())
    }

    /// Keep `rel` as the claimed folder holds it, unrendered, when an
    /// earlier build wrote it from `key` behind the same wall and nothing
    /// touched it since. `false`: render and write it.
    pub fn keep(&self, rel: &str, key: &Key) -> bool {
        match self.keepable(rel, key) {
            Some(entry) => {
                self.record(rel, entry);
                self.reused.fetch_add(1, Ordering::Relaxed);
                self.kept.fetch_add(1, Ordering::Relaxed);
                true
            }
            None => false,
        }
    }

    /// [`Staging::keep`] for every file under the folder `top` at once, the
    /// texts of one advisory: all of them or none. Returns how many.
    pub fn keep_folder(&self, top: &str, key: &Key) -> Option<usize> {
        let index = self
            .by_folder
            .get_or_init(|| by_top_folder(self.previous.keys()));
        let files = index.get(top)?;
        let entries: Vec<Entry> = files
            .iter()
            .map(|rel| self.keepable(rel, key))
            .collect::<Option<_>>()?;
        for (rel, entry) in files.iter().zip(entries) {
            self.record(rel, entry);
        }
        self.reused.fetch_add(files.len(), Ordering::Relaxed);
        self.kept.fetch_add(files.len(), Ordering::Relaxed);
        Some(files.len())
    }

    fn keepable(&self, rel: &str, key: &Key) -> Option<Entry> {
        debug_assert!(!self.finished);
        if self.wall.is_none() || self.wall != self.previous_wall {
            return None;
        }
        let old = (*self.previous.get(rel)?)?;
        if old.key.as_ref() != Some(key) {
            return None;
        }
        let path = self.dir.join(rel);
        fs::symlink_metadata(&path)
            .is_ok_and(|m| Identity::of(&m) == old.id)
            .then_some(old)
    }

    /// Write one file piece by piece, for files too large to hold whole.
    /// It is always written: its hash is known only at the end.
    pub fn stream(&self, rel: &str) -> Result<Stream<'_>, OutputError> {
        debug_assert!(!self.finished);
        let path = self.dir.join(rel);
        self.parent(rel).map_err(io_err(&path))?;
        let file = open(&path).map_err(io_err(&path))?;
        Ok(Stream {
            staging: self,
            rel: rel.to_string(),
            file: io::BufWriter::with_capacity(1 << 16, file),
            hash: xxhash_rust::xxh3::Xxh3::new(),
            path,
        })
    }

    fn record(&self, rel: &str, entry: Entry) {
        let mut written = self.written.lock().unwrap_or_else(|p| p.into_inner());
        written.insert(rel.to_string(), Some(entry));
    }

    /// Make sure the folder that holds the file `rel` exists.
    fn parent(&self, rel: &str) -> io::Result<()> {
        match rel.rfind('/') {
            Some(i) => self.folder(&rel[..i]),
            None => Ok(()),
        }
    }

    /// Make sure the folder `rel` exists, asking the file system only once.
    fn folder(&self, rel: &str) -> io::Result<()> {
        let lock = || self.dirs.lock().unwrap_or_else(|p| p.into_inner());
        if lock().contains(rel) {
            return Ok(());
        }
        let path = self.dir.join(rel);
        if fs::create_dir_all(&path).is_err() {
            // A file where a folder must go: remove it, then try again.
            let mut at = self.dir.clone();
            for part in rel.split('/') {
                at.push(part);
                if fs::symlink_metadata(&at).is_ok_and(|m| !m.is_dir()) {
                    fs::remove_file(&at)?;
                }
            }
            fs::create_dir_all(&path)?;
        }
        let mut dirs = lock();
        let mut rest = rel;
        loop {
            dirs.insert(rest.to_string());
            match rest.rfind('/') {
                Some(i) => rest = &rest[..i],
                None => break,
            }
        }
        Ok(())
    }

    fn pending_manifest(&self) -> PathBuf {
        self.cache
            .join(format!("staging-{}.manifest", std::process::id()))
    }

    /// Settle the staging folder once every file is written: remove what
    /// this build did not write, record the rest, and free the records.
    /// A large outbox's records would otherwise stay in memory while the
    /// site renders.
    pub fn finish(&mut self) -> Result<(), OutputError> {
        if self.finished {
            return Ok(());
        }
        let written = std::mem::take(&mut *self.written.lock().unwrap_or_else(|p| p.into_inner()));
        let folders = self.remove_stale(&written).map_err(io_err(&self.dir))?;
        self.previous = Files::new();
        self.dirs = Mutex::new(HashSet::new());
        let pending = self.pending_manifest();
        reuse::save(&pending, &self.dir, &written, folders, self.wall.as_ref())
            .map_err(io_err(&pending))?;
        self.finished = true;
        Ok(())
    }

    /// Swap the staging folder in place of the target. The target becomes
    /// the spare generation that the next build starts from.
    pub fn commit(mut self) -> Result<(), OutputError> {
        self.finish()?;
        let pending = self.pending_manifest();
        let spare = self.cache.join("spare");
        let spare_manifest = self.cache.join("spare.manifest");
        let live_manifest = self.cache.join("live.manifest");
        remove_if_present(&spare_manifest).map_err(io_err(&spare_manifest))?;
        // Left by a build that ran at the same time; keep one spare only.
        remove_if_present(&spare).map_err(io_err(&spare))?;
        if self.target.exists() {
            fs::rename(&self.target, &spare).map_err(io_err(&self.target))?;
            rename_if_present(&live_manifest, &spare_manifest).map_err(io_err(&live_manifest))?;
        }
        if let Err(e) = fs::rename(&self.dir, &self.target) {
            // Put the previous output back rather than leave nothing.
            let _ = fs::rename(&spare, &self.target);
            let _ = fs::rename(&spare_manifest, &live_manifest);
            let _ = fs::remove_file(&pending);
            return Err(io_err(&self.target)(e));
        }
        self.committed = true;
        fs::rename(&pending, &live_manifest).map_err(io_err(&live_manifest))?;
        Ok(())
    }

    /// Remove what the claimed folder held that this build did not write.
    /// Returns the folders that remain, for the manifest.
    fn remove_stale(&self, written: &Files) -> io::Result<HashSet<String>> {
        // A stale path may have become a folder of this build, or lie in
        // one that became a file: only what is still a stale file goes.
        for rel in self.previous.keys().filter(|r| !written.contains_key(*r)) {
            let path = self.dir.join(rel);
            if fs::symlink_metadata(&path).is_ok_and(|m| !m.is_dir()) {
                fs::remove_file(&path)?;
            }
        }
        let keep = reuse::folders(written.keys());
        let mut gone: Vec<_> = reuse::folders(self.previous.keys())
            .into_iter()
            .filter(|d| !keep.contains(d))
            .collect();
        // Deepest first, so that each folder is empty when it goes.
        gone.sort_by_key(|d| std::cmp::Reverse(d.matches('/').count()));
        for rel in gone {
            let path = self.dir.join(rel);
            if fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir()) {
                fs::remove_dir_all(&path)?;
            }
        }
        Ok(keep)
    }

    /// After a failed build, keep what was written as the spare generation,
    /// so the next build need not write it again.
    fn keep_as_spare(&mut self) -> io::Result<()> {
        let spare = self.cache.join("spare");
        if spare.exists() {
            return Err(io::ErrorKind::AlreadyExists.into());
        }
        let manifest = self.cache.join("spare.manifest");
        if self.finished {
            // Finished: every file of the build was written whole, and
            // those that failed the wall have no key.
            fs::rename(self.pending_manifest(), &manifest)?;
        } else {
            // Stopped part way: the texts of one advisory may be half
            // written, so no file is kept by its key.
            let mut files = std::mem::take(&mut self.previous);
            files.extend(std::mem::take(
                &mut *self.written.lock().unwrap_or_else(|p| p.into_inner()),
            ));
            let folders = reuse::folders(files.keys());
            reuse::save(&manifest, &self.dir, &files, folders, None)?;
        }
        fs::rename(&self.dir, &spare)
    }
}

/// Open `path` for writing from scratch, never through a symbolic link.
/// Something else standing there (a folder, a link) is replaced.
fn open(path: &Path) -> io::Result<fs::File> {
    let open = || {
        fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .custom_flags(libc::O_NOFOLLOW)
            .open(path)
    };
    open().or_else(|_| {
        remove_if_present(path)?;
        open()
    })
}

/// Write `bytes` to `path` and say who the file is now.
fn put(path: &Path, bytes: &[u8]) -> io::Result<Identity> {
    let mut f = open(path)?;
    f.write_all(bytes)?;
    Ok(Identity::of(&f.metadata()?))
}

/// A file of the staging folder being written piece by piece.
pub struct Stream<'s> {
    staging: &'s Staging,
    rel: String,
    path: PathBuf,
    file: io::BufWriter<fs::File>,
    hash: xxhash_rust::xxh3::Xxh3,
}

impl Stream<'_> {
    pub fn push(&mut self, bytes: &[u8]) -> Result<(), OutputError> {
        self.hash.update(bytes);
        self.file.write_all(bytes).map_err(io_err(&self.path))
    }

    pub fn done(self) -> Result<(), OutputError> {
        let file = self
            .file
            .into_inner()
            .map_err(|e| io_err(&self.path)(e.into_error()))?;
        let id = Identity::of(&file.metadata().map_err(io_err(&self.path))?);
        let hash = self.hash.digest128();
        let key = None;
        self.staging.record(&self.rel, Entry { hash, id, key });
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed && self.keep_as_spare().is_err() {
            let _ = fs::remove_dir_all(&self.dir);
            let _ = fs::remove_file(self.cache.join("spare.manifest"));
            let _ = fs::remove_file(self.pending_manifest());
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
        // A file left by a killed run with the same pid, or a planted
        // symlink, is removed rather than written through.
        let _ = fs::remove_file(&tmp);
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
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
