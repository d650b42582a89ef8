//! Keys for the incremental build: a digest of everything one output file
//! is a function of.
//!
//! Two builds that compute the same key for a file render the same bytes.
//! So a file that an earlier build wrote under the same key, and held
//! against an embargo wall with the same key, is kept as it is: neither
//! rendered nor scanned again (see `output::Staging::keep`). Every input a
//! renderer reads must go into the key of what it renders; the test
//! `every_kind_of_edit_rebuilds_what_a_cold_build_gives` in
//! `tests/output.rs` rebuilds after each kind of edit and compares the
//! result with a cold build, byte for byte.
//!
//! Keys are BLAKE3, not a quicker hash: authors' texts go into them, and no
//! crafted text may pass for another.

use std::path::Path;

use crate::model::{Document, Project};

pub type Key = [u8; 32];

/// A digest built from parts, each length-prefixed so that no two lists of
/// parts run together into the same bytes.
pub struct Hasher(blake3::Hasher);

impl Hasher {
    /// `what` names the kind of output, so that two kinds never share keys.
    pub fn new(what: &str) -> Self {
        let mut h = Hasher(blake3::Hasher::new());
        h.part(b"herald-memo 1").part(what.as_bytes());
        h
    }

    pub fn part(&mut self, bytes: &[u8]) -> &mut Self {
        self.0.update(&(bytes.len() as u64).to_le_bytes());
        self.0.update(bytes);
        self
    }

    pub fn finish(&self) -> Key {
        *self.0.finalize().as_bytes()
    }
}

/// Herald itself: its version and, since a developer's rebuild keeps the
/// version, the executable's size and modification time. Output an older
/// Herald rendered is never trusted by a newer one.
pub fn herald_identity() -> Key {
    use std::os::unix::fs::MetadataExt;
    let mut h = Hasher::new("herald");
    h.part(env!("CARGO_PKG_VERSION").as_bytes());
    match std::env::current_exe().and_then(std::fs::metadata) {
        Ok(m) => h
            .part(&m.size().to_le_bytes())
            .part(&m.mtime().to_le_bytes())
            .part(&m.mtime_nsec().to_le_bytes())
            .part(&m.ino().to_le_bytes()),
        // Unknown: a key no other run shares, so nothing is kept.
        Err(_) => h.part(&std::process::id().to_le_bytes()).part(
            &std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default()
                .as_nanos()
                .to_le_bytes(),
        ),
    };
    h.finish()
}

/// What every file of a build reads: Herald, herald.yaml, the team key, the
/// theme and the pages (their titles are the navigation of every page).
pub fn context(project: &Project, herald: &Key, preview: bool) -> Key {
    let mut h = Hasher::new("context");
    h.part(herald)
        .part(project.config_source.text.as_bytes())
        .part(project.public_key.file_name.as_bytes())
        .part(&project.public_key.armored)
        .part(&[u8::from(preview)]);
    for (name, text) in &project.theme.templates {
        h.part(name.as_bytes()).part(text.as_bytes());
    }
    h.part(b"static");
    for (name, bytes) in &project.theme.statics {
        h.part(name.as_bytes()).part(bytes);
    }
    h.part(b"pages");
    for page in &project.pages {
        h.part(&document(page));
    }
    h.finish()
}

/// One document as loaded: its path, its text, and its body with links
/// resolved (which depends on what else the tree holds). Its front matter
/// is read from the text, with defaults from herald.yaml (in `context`).
pub fn document<T>(doc: &Document<T>) -> Key {
    *doc.memo.get_or_init(|| {
        let mut h = Hasher::new("document");
        h.part(path_bytes(&doc.source.path))
            .part(doc.source.text.as_bytes())
            .part(doc.text().as_bytes());
        h.finish()
    })
}

fn path_bytes(p: &Path) -> &[u8] {
    use std::os::unix::ffi::OsStrExt;
    p.as_os_str().as_bytes()
}

pub fn to_hex(k: &Key) -> String {
    k.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn from_hex(s: &str) -> Option<Key> {
    if s.len() != 64 || !s.is_ascii() {
        return None;
    }
    let mut k = [0u8; 32];
    for (i, byte) in k.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_never_run_together() {
        let a = Hasher::new("x").part(b"ab").part(b"c").finish();
        let b = Hasher::new("x").part(b"a").part(b"bc").finish();
        assert_ne!(a, b);
        assert_ne!(Hasher::new("x").finish(), Hasher::new("y").finish());
    }

    #[test]
    fn hex_reads_back() {
        let k = Hasher::new("x").part(b"y").finish();
        assert_eq!(from_hex(&to_hex(&k)), Some(k));
        assert_eq!(from_hex("zz"), None);
        assert_eq!(from_hex(&"é".repeat(32)), None);
    }
}
