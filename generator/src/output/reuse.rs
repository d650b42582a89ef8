//! What an earlier output folder holds, so that a build can take it as its
//! staging folder and write only the files whose bytes changed.
//!
//! Creating files is the dearest part of a large build: on ext4 each new
//! inode costs far more than rendering the page that fills it, and deleting
//! the previous tree costs as much again. So Herald keeps the generation
//! before the live one and builds into it.
//!
//! A file is reused only when the new bytes hash the same as the bytes
//! Herald wrote there, and the file still has the inode, size and change
//! time it had then. `ctime` cannot be set from user space, so a file that
//! anything else touched since is written again. As in git's "racy" check,
//! an entry whose change time is not older than the manifest itself is not
//! trusted, since a change in the same clock tick would not show. Folders
//! whose modification time moved since are listed, and whatever Herald did
//! not put there is removed, so the folder ends up holding this build's
//! files and nothing else.

use std::collections::{HashMap, HashSet};
use std::fs::{self, Metadata};
use std::io::{self, Write};
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use crate::memo::{self, Key};

const HEADER: &str = "herald-output-manifest 2";

/// Who a file is, as far as the file system tells.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Identity {
    ino: u64,
    size: u64,
    ctime: (i64, i64),
}

impl Identity {
    pub fn of(m: &Metadata) -> Self {
        Identity {
            ino: m.ino(),
            size: m.size(),
            ctime: (m.ctime(), m.ctime_nsec()),
        }
    }

    pub fn size(&self) -> u64 {
        self.size
    }
}

/// A file as Herald wrote it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    pub hash: u128,
    pub id: Identity,
    /// What it was rendered from (see `crate::memo`), when it also passed
    /// the manifest's wall: it may then be kept without a new render.
    pub key: Option<Key>,
}

pub fn hash(bytes: &[u8]) -> u128 {
    xxhash_rust::xxh3::xxh3_128(bytes)
}

/// The files of a claimed folder: `Some` when its content is known, `None`
/// when it is there but cannot be trusted (it is then rewritten or removed).
pub type Files = HashMap<String, Option<Entry>>;

/// Every folder that holds one of `files`, with the root as "".
pub fn folders<'a>(files: impl Iterator<Item = &'a String>) -> HashSet<String> {
    let mut dirs = HashSet::from([String::new()]);
    for rel in files {
        let mut rest = rel.as_str();
        while let Some(i) = rest.rfind('/') {
            rest = &rest[..i];
            // Most files share their folder with the previous ones: look
            // before allocating.
            if dirs.contains(rest) {
                break;
            }
            dirs.insert(rest.to_string());
        }
    }
    dirs
}

/// Record `files` (all inside `root`) and the present modification time of
/// `dirs`, the folders that hold them (see `folders`). Call only once
/// nothing will change in `root` any more.
pub fn save(
    path: &Path,
    root: &Path,
    files: &Files,
    dirs: HashSet<String>,
    wall: Option<&Key>,
) -> io::Result<()> {
    // Written as it goes: for a large outbox the text is as big as the
    // records, and this runs while the site renders.
    let mut out = io::BufWriter::with_capacity(1 << 16, fs::File::create(path)?);
    let root_ino = fs::symlink_metadata(root)?.ino();
    writeln!(out, "{HEADER} {root_ino} {}", key_text(wall))?;
    let mut dirs: Vec<String> = dirs.into_iter().collect();
    dirs.sort();
    for rel in dirs {
        // A folder that is gone takes its files with it; they then fail
        // their own check.
        let m = match fs::symlink_metadata(root.join(&rel)) {
            Ok(m) => m,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        writeln!(out, "d {} {} {rel}", m.mtime(), m.mtime_nsec())?;
    }
    let mut names: Vec<&String> = files.keys().collect();
    names.sort();
    for rel in names {
        if rel.contains('\n') {
            continue; // cannot be recorded; it will count as foreign and go
        }
        match &files[rel] {
            Some(e) => writeln!(
                out,
                "f {:032x} {} {} {} {} {} {rel}",
                e.hash,
                e.id.ino,
                e.id.size,
                e.id.ctime.0,
                e.id.ctime.1,
                key_text(e.key.as_ref())
            )?,
            None => writeln!(out, "u {rel}")?,
        }
    }
    let mut file = out.into_inner().map_err(|e| e.into_error())?;
    // The racy rule distrusts every file changed in the same clock tick as
    // the manifest, and a quick build writes all of them in one tick. So
    // wait for the file system's clock to move past the newest file, and
    // touch the manifest then: at most one tick, a few milliseconds.
    let newest = files.values().flatten().map(|e| e.id.ctime).max();
    for _ in 0..100 {
        let m = file.metadata()?;
        if newest.is_none_or(|n| (m.mtime(), m.mtime_nsec()) > n) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
        file.write_all(b"#\n")?;
    }
    Ok(())
}

fn key_text(key: Option<&Key>) -> String {
    key.map_or_else(|| "-".to_string(), memo::to_hex)
}

fn key_of(text: &str) -> Option<Option<Key>> {
    match text {
        "-" => Some(None),
        hex => memo::from_hex(hex).map(Some),
    }
}

struct Manifest {
    root_ino: u64,
    wall: Option<Key>,
    dirs: HashMap<String, (i64, i64)>,
    files: Files,
}

/// A path a manifest may name: relative, inside the folder, no step out of
/// it. A manifest naming any other is not trusted at all: the build would
/// remove a stale file, or keep one, at that path.
fn inside(rel: &str) -> bool {
    !rel.starts_with('/')
        && !rel.contains('\0')
        && rel.split('/').all(|part| !matches!(part, "" | "." | ".."))
}

fn parse(text: &str) -> Option<Manifest> {
    let mut lines = text.lines();
    let mut header = lines.next()?.strip_prefix(HEADER)?.split_whitespace();
    let root_ino = header.next()?.parse().ok()?;
    let wall = key_of(header.next()?)?;
    let mut m = Manifest {
        root_ino,
        wall,
        dirs: HashMap::new(),
        files: HashMap::new(),
    };
    for line in lines {
        if line == "#" {
            continue; // a touch by `save`, see there
        }
        let (kind, rest) = line.split_once(' ')?;
        match kind {
            "d" => {
                let mut p = rest.splitn(3, ' ');
                let s = p.next()?.parse().ok()?;
                let ns = p.next()?.parse().ok()?;
                let rel = p.next()?;
                if !rel.is_empty() && !inside(rel) {
                    return None;
                }
                m.dirs.insert(rel.to_string(), (s, ns));
            }
            "f" => {
                let mut p = rest.splitn(7, ' ');
                let hash = u128::from_str_radix(p.next()?, 16).ok()?;
                let ino = p.next()?.parse().ok()?;
                let size = p.next()?.parse().ok()?;
                let ctime = (p.next()?.parse().ok()?, p.next()?.parse().ok()?);
                let id = Identity { ino, size, ctime };
                let key = key_of(p.next()?)?;
                let rel = p.next().filter(|r| inside(r))?;
                m.files
                    .insert(rel.to_string(), Some(Entry { hash, id, key }));
            }
            "u" => {
                if !inside(rest) {
                    return None;
                }
                m.files.insert(rest.to_string(), None);
            }
            _ => return None,
        }
    }
    Some(m)
}

/// What a claimed folder holds once checked against its manifest: the files
/// Herald knows there, and the folders known to exist.
pub struct Claimed {
    pub files: Files,
    pub dirs: HashSet<String>,
    /// The wall the keyed files passed.
    pub wall: Option<Key>,
}

/// Check `root` against the manifest at `manifest`, removing whatever
/// Herald did not put there. `None` when the manifest is missing, unreadable
/// or belongs to another folder: the caller then starts from empty.
pub fn claim(root: &Path, manifest: &Path) -> io::Result<Option<Claimed>> {
    let written = match fs::metadata(manifest) {
        Ok(m) => (m.mtime(), m.mtime_nsec()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let text = fs::read_to_string(manifest)?;
    let Some(mut m) = parse(&text) else {
        return Ok(None);
    };
    if fs::symlink_metadata(root)?.ino() != m.root_ino {
        return Ok(None);
    }
    for entry in m.files.values_mut() {
        if entry.is_some_and(|e| e.id.ctime >= written) {
            *entry = None;
        }
    }
    let mut dirs = HashSet::new();
    let mut sorted: Vec<_> = m.dirs.iter().collect();
    sorted.sort();
    for (rel, mtime) in sorted {
        let path = root.join(rel);
        let Ok(meta) = fs::symlink_metadata(&path) else {
            continue;
        };
        if !meta.is_dir() {
            continue; // its parent's listing removes it
        }
        // The root was renamed into place, which may touch its times.
        if rel.is_empty() || (meta.mtime(), meta.mtime_nsec()) != *mtime {
            sweep(root, rel, &m)?;
        }
        dirs.insert(rel.clone());
    }
    Ok(Some(Claimed {
        files: m.files,
        dirs,
        wall: m.wall,
    }))
}

/// What the manifest at `manifest` says `root` holds: each file with its
/// key (`None` for a file with none, or one not known), and the wall the
/// keyed files passed. Nothing on disk is checked but that the manifest
/// is about `root` itself: a manifest copied from elsewhere, or committed
/// with the tree, names another folder's inode.
pub fn read_keys(root: &Path, manifest: &Path) -> Option<(Key, HashMap<String, Option<Key>>)> {
    let text = fs::read_to_string(manifest).ok()?;
    let m = parse(&text)?;
    if fs::symlink_metadata(root).ok()?.ino() != m.root_ino {
        return None;
    }
    let keys = m
        .files
        .into_iter()
        .map(|(rel, e)| (rel, e.and_then(|e| e.key)))
        .collect();
    Some((m.wall?, keys))
}

/// Remove every entry of the folder `rel` that the manifest does not list
/// with the same kind.
fn sweep(root: &Path, rel: &str, m: &Manifest) -> io::Result<()> {
    for child in fs::read_dir(root.join(rel))? {
        let child = child?;
        let name = child.file_name().to_string_lossy().into_owned();
        let path = if rel.is_empty() {
            name
        } else {
            format!("{rel}/{name}")
        };
        let kind = child.file_type()?;
        let known = (kind.is_file() && m.files.contains_key(&path))
            || (kind.is_dir() && m.dirs.contains_key(&path));
        if !known {
            if kind.is_dir() {
                fs::remove_dir_all(child.path())?;
            } else {
                fs::remove_file(child.path())?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_include_every_ancestor_and_the_root() {
        let files = ["a/b/c.html".to_string(), "a/d.html".into(), "e".into()];
        let mut got: Vec<_> = folders(files.iter()).into_iter().collect();
        got.sort();
        assert_eq!(got, ["", "a", "a/b"]);
    }

    #[test]
    fn a_manifest_reads_back_as_written() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("out");
        fs::create_dir_all(root.join("x y")).unwrap();
        fs::write(root.join("x y/a b.html"), "hi").unwrap();
        let id = Identity::of(&fs::metadata(root.join("x y/a b.html")).unwrap());
        let files = Files::from([
            (
                "x y/a b.html".to_string(),
                Some(Entry {
                    hash: hash(b"hi"),
                    id,
                    key: Some([7; 32]),
                }),
            ),
            (
                "x y/c.html".to_string(),
                Some(Entry {
                    hash: hash(b"ho"),
                    id,
                    key: None,
                }),
            ),
            ("gone".to_string(), None),
        ]);
        let path = dir.path().join("manifest");
        save(&path, &root, &files, folders(files.keys()), Some(&[9; 32])).unwrap();
        let m = parse(&fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(m.files, files);
        assert_eq!(m.wall, Some([9; 32]));
        assert_eq!(m.dirs.len(), 2);
        assert!(parse("herald-output-manifest 2 7 -\nz what\n").is_none());
        // A manifest of the first format is not read: its files had no keys.
        assert!(parse("herald-output-manifest 1 7\n").is_none());
    }

    #[test]
    fn a_manifest_naming_a_path_outside_its_folder_is_not_trusted() {
        let file = |rel: &str| {
            format!(
                "herald-output-manifest 2 7 -\nf {:032x} 1 2 3 4 - {rel}\n",
                5
            )
        };
        assert!(parse(&file("a/b.html")).is_some());
        for rel in ["../outside", "a/../../x", "/etc/passwd", "a//b", "./a"] {
            assert!(parse(&file(rel)).is_none(), "{rel}");
            assert!(
                parse(&format!("herald-output-manifest 2 7 -\nu {rel}\n")).is_none(),
                "{rel}"
            );
            assert!(
                parse(&format!("herald-output-manifest 2 7 -\nd 1 2 {rel}\n")).is_none(),
                "{rel}"
            );
        }
        // The root itself is listed as "".
        assert!(parse("herald-output-manifest 2 7 -\nd 1 2 \n").is_some());
    }
}
