//! The tree boundary: Herald reads only regular files inside its root.
//!
//! Paths named in the sources (patches, the team key) come from people and
//! from pull requests. A path such as `/proc/self/environ`, `../../.ssh/…`
//! or a symlink out of the tree would otherwise be read and mailed to
//! outside recipients with the publish secrets in the environment, and
//! `/dev/zero` would be read forever. So every such path must be relative,
//! stay inside the root once every link is followed, name a regular file,
//! and be under a size limit.

use std::io::Read;
use std::path::{Component, Path, PathBuf};

/// Why a path was refused, as a sentence for a located error.
pub type Refusal = String;

/// The root as the kernel resolves it, to compare resolved paths against.
pub fn canonical_root(root: &Path) -> PathBuf {
    root.canonicalize().unwrap_or_else(|_| root.to_path_buf())
}

/// Check `rel`, as written in a source, without touching the disk.
pub fn check_relative(rel: &str) -> Result<(), Refusal> {
    if rel.is_empty() {
        return Err("the path is empty".into());
    }
    if rel.contains('\0') {
        return Err("the path contains a NUL byte".into());
    }
    let p = Path::new(rel);
    if p.is_absolute() {
        return Err(format!(
            "`{rel}` is an absolute path; name files relative to the tree's root (the folder holding herald.yaml)"
        ));
    }
    if p.components().any(|c| matches!(c, Component::ParentDir)) {
        return Err(format!(
            "`{rel}` leaves the tree with `..`; Herald reads only files inside the tree"
        ));
    }
    Ok(())
}

/// Read the file at `rel` under `root` if it is a regular file inside the
/// root (after following links) of at most `limit` bytes.
pub fn read_inside(
    root: &Path,
    canonical: &Path,
    rel: &str,
    limit: u64,
) -> Result<Vec<u8>, Refusal> {
    check_relative(rel)?;
    let resolved = root
        .join(rel)
        .canonicalize()
        .map_err(|e| format!("cannot read `{rel}`: {e}"))?;
    if !resolved.starts_with(canonical) {
        return Err(format!(
            "`{rel}` is a link to `{}`, outside the tree; Herald reads only files inside the tree",
            resolved.display()
        ));
    }
    read_regular(&resolved, rel, limit)
}

/// Read `path`, already known to be inside the tree, if it is a regular
/// file of at most `limit` bytes.
pub fn read_regular(path: &Path, shown: &str, limit: u64) -> Result<Vec<u8>, Refusal> {
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read `{shown}`: {e}"))?;
    if !meta.is_file() {
        return Err(format!(
            "`{shown}` is not a regular file (a device, a pipe or a folder); Herald reads only regular files"
        ));
    }
    if meta.len() > limit {
        return Err(format!(
            "`{shown}` has {} bytes, over the limit of {limit}",
            meta.len()
        ));
    }
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read `{shown}`: {e}"))?;
    // The size on disk can lie (files under /proc say 0) or grow while read.
    let mut bytes = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read `{shown}`: {e}"))?;
    if bytes.len() as u64 > limit {
        return Err(format!("`{shown}` is over the limit of {limit} bytes"));
    }
    Ok(bytes)
}

/// For a symlink met while walking the tree: `Ok` with the resolved path
/// when it stays inside the root, else why not.
pub fn follow_inside(canonical: &Path, link: &Path, shown: &str) -> Result<PathBuf, Refusal> {
    let resolved = link
        .canonicalize()
        .map_err(|e| format!("`{shown}` is a symlink that cannot be followed: {e}"))?;
    if !resolved.starts_with(canonical) {
        return Err(format!(
            "`{shown}` is a symlink to `{}`, outside the tree; Herald reads only files inside the tree",
            resolved.display()
        ));
    }
    Ok(resolved)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_what_leaves_the_tree_or_is_not_a_plain_file() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("tree");
        std::fs::create_dir_all(root.join("patches")).unwrap();
        std::fs::write(root.join("patches/ok.patch"), "diff").unwrap();
        std::fs::write(dir.path().join("outside.txt"), "secret").unwrap();
        std::os::unix::fs::symlink(
            dir.path().join("outside.txt"),
            root.join("patches/out.patch"),
        )
        .unwrap();
        std::os::unix::fs::symlink("ok.patch", root.join("patches/in.patch")).unwrap();
        let c = canonical_root(&root);
        let read = |p: &str| read_inside(&root, &c, p, 10);
        assert_eq!(read("patches/ok.patch").unwrap(), b"diff");
        assert_eq!(read("patches/in.patch").unwrap(), b"diff");
        for bad in [
            "/etc/passwd",
            "/proc/self/environ",
            "../outside.txt",
            "patches/../../outside.txt",
            "patches/out.patch",
            "patches",
            "/dev/zero",
            "",
        ] {
            assert!(read(bad).is_err(), "{bad}");
        }
        std::fs::write(root.join("patches/big.patch"), "x".repeat(11)).unwrap();
        assert!(read("patches/big.patch")
            .unwrap_err()
            .contains("over the limit"));
    }
}
