//! Where `build` may write: two output folders that never overlap, and
//! never overlap the folders the tree's sources live in.

use std::path::{Component, Path, PathBuf};

/// `path` made absolute against `root`, with `.` and `..` resolved as
/// written: the folders need not exist yet.
fn lexical(root: &Path, path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    let full = root.join(path);
    for c in std::path::absolute(&full).unwrap_or(full).components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// The folders a tree's sources live in: an output there would be read
/// back as sources, and an outbox's `blog.md` in `content/` would be
/// published as a page.
const SOURCE_FOLDERS: &[&str] = &["advisories", "content", "themes", "keys", "ledger"];

/// Refuse output folders that overlap each other or the sources. The
/// outbox inside the site would deploy every private notice with it.
pub fn check(root: &Path, out: Option<&Path>, outbox: Option<&Path>) -> Result<(), String> {
    let nested = |a: &Path, b: &Path| a.starts_with(b) || b.starts_with(a);
    let site = out.map(|o| (o, lexical(root, o)));
    let mut outputs: Vec<_> = site.iter().map(|(_, dir)| ("--out", dir.clone())).collect();
    if let Some(o) = outbox {
        let outbox = lexical(root, o);
        if let Some((out, _)) = site.as_ref().filter(|(_, dir)| nested(dir, &outbox)) {
            return Err(format!(
                "--out `{}` and --outbox `{}` overlap: the private outbox would be deployed with the site, or one would replace the other; give them separate folders",
                out.display(),
                o.display()
            ));
        }
        outputs.push(("--outbox", outbox));
    }
    for (flag, dir) in outputs {
        for source in SOURCE_FOLDERS {
            if nested(&dir, &lexical(root, Path::new(source))) {
                return Err(format!(
                    "{flag} `{}` overlaps the tree's `{source}/`, which Herald reads as sources; write it elsewhere (the defaults are `public` and `outbox`)",
                    dir.strip_prefix(lexical(root, Path::new(""))).unwrap_or(&dir).display()
                ));
            }
        }
    }
    Ok(())
}
