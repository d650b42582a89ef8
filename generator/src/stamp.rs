//! The build stamp: `outbox/.herald-build.json` says which tree the outbox
//! was built from. A build writes the outbox only when everything passed,
//! embargo wall included, so a matching stamp proves that publishing reads
//! texts from a clean build of the current tree.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::model::Project;

pub const FILE: &str = ".herald-build.json";

#[derive(Serialize, Deserialize, Debug, PartialEq, Eq)]
pub struct Stamp {
    pub format: u32,
    /// BLAKE3 over every source file's path, length and bytes.
    pub tree: String,
    pub signed: bool,
}

/// A digest of everything the build read, taken from what `load` holds in
/// memory: herald.yaml, advisories, pages, the theme (built-in templates
/// included), the key and patches. The ledger is not part of it.
pub fn tree_digest(project: &Project) -> String {
    let mut parts: Vec<(String, &[u8])> = vec![
        (
            crate::load::CONFIG_FILE.to_string(),
            project.config_source.text.as_bytes(),
        ),
        (
            format!("keys/{}", project.public_key.file_name),
            &project.public_key.armored,
        ),
    ];
    let docs = project
        .advisories
        .iter()
        .map(|d| &d.source)
        .chain(project.pre_announcements.iter().map(|d| &d.source))
        .chain(project.pages.iter().map(|d| &d.source));
    parts.extend(docs.map(|s| {
        (
            s.path.to_string_lossy().replace('\\', "/"),
            s.text.as_bytes(),
        )
    }));
    parts.extend(
        project
            .theme
            .templates
            .iter()
            .map(|(n, t)| (format!("theme/templates/{n}"), t.as_bytes())),
    );
    parts.extend(
        project
            .theme
            .statics
            .iter()
            .map(|(n, b)| (format!("theme/static/{n}"), b.as_slice())),
    );
    parts.extend(
        project
            .patches
            .iter()
            .map(|p| (p.path.clone(), &p.bytes[..])),
    );
    parts.sort_by(|a, b| a.0.cmp(&b.0));
    // BLAKE3, not SHA-256: without SHA instructions (this machine kind has
    // none) SHA-256 of a 10,000-advisory tree took a second of CPU.
    let mut h = blake3::Hasher::new();
    for (name, bytes) in &parts {
        h.update(name.as_bytes());
        h.update(&[0]);
        h.update(&(bytes.len() as u64).to_le_bytes());
        h.update(bytes);
    }
    h.finalize().to_hex().to_string()
}

pub fn render(project: &Project, signed: bool) -> Vec<u8> {
    let s = Stamp {
        format: 3,
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
