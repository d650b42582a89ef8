//! The build stamp: `outbox/.herald-build.json` says which tree the outbox
//! was built from. A build writes the outbox only when everything passed,
//! embargo wall included, so a matching stamp proves that publishing reads
//! texts from a clean build of the current tree.

use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use walkdir::WalkDir;

use crate::model::Project;

pub const FILE: &str = ".herald-build.json";

#[derive(Serialize, Deserialize, Debug, PartialEq, Eq)]
pub struct Stamp {
    pub format: u32,
    /// sha256 over every source file's path and bytes.
    pub tree: String,
    pub signed: bool,
}

/// A digest of everything the build reads: herald.yaml, advisories,
/// content, the theme, the key and patches. The ledger is not part of it.
pub fn tree_digest(project: &Project) -> String {
    let root = &project.root;
    let mut files: Vec<std::path::PathBuf> = vec![
        root.join(crate::load::CONFIG_FILE),
        root.join(&project.config.team.key),
    ];
    for dir in [
        "advisories",
        "content",
        &format!("themes/{}", project.config.site.theme),
    ] {
        let base = root.join(dir);
        if base.is_dir() {
            files.extend(
                WalkDir::new(&base)
                    .into_iter()
                    .filter_map(Result::ok)
                    .filter(|e| e.file_type().is_file())
                    .map(|e| e.into_path()),
            );
        }
    }
    files.extend(project.patches.iter().map(|p| root.join(&p.path)));
    files.sort();
    files.dedup();
    let mut h = Sha256::new();
    for f in files {
        let rel = f
            .strip_prefix(root)
            .unwrap_or(&f)
            .to_string_lossy()
            .replace('\\', "/");
        h.update(rel.as_bytes());
        h.update([0]);
        // An unreadable file hashes as absent; the build would have failed on it.
        h.update(std::fs::read(&f).unwrap_or_default());
        h.update([0]);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

pub fn render(project: &Project, signed: bool) -> Vec<u8> {
    let s = Stamp {
        format: 1,
        tree: tree_digest(project),
        signed,
    };
    let mut out = serde_json::to_string_pretty(&s).unwrap_or_default();
    out.push('\n');
    out.into_bytes()
}

pub fn read(outbox: &Path) -> Option<Stamp> {
    let bytes = std::fs::read(outbox.join(FILE)).ok()?;
    serde_json::from_slice(&bytes).ok()
}
