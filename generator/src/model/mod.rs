//! The typed, validated model everything else is built from.
//!
//! Nothing here reads files: `load` reads them and hands text to the
//! decoders, which return these types or findings.

pub mod advisory;
pub mod common;
pub mod config;
pub mod ids;
pub mod moment;
pub mod page;
pub mod pre_announcement;
pub mod range;
pub mod severity;

use std::path::PathBuf;
use std::sync::Arc;

pub use advisory::Advisory;
pub use config::Config;
pub use ids::{CveId, CweId, GhsaId, Slug};
pub use moment::Moment;
pub use page::Page;
pub use pre_announcement::PreAnnouncement;
pub use severity::{CvssVector, Severity};

use crate::diag::Source;

/// Front matter together with its Markdown body and where it came from.
/// The Markdown body: the end of the source text, shared rather than
/// copied (a large tree would otherwise hold every body twice).
#[derive(Clone)]
pub struct Body {
    text: Arc<str>,
    start: usize,
}

impl Body {
    /// `start` must be a character boundary of `text`.
    pub fn new(text: Arc<str>, start: usize) -> Self {
        debug_assert!(text.is_char_boundary(start));
        Body { text, start }
    }
}

impl std::ops::Deref for Body {
    type Target = str;
    fn deref(&self) -> &str {
        &self.text[self.start..]
    }
}

impl std::fmt::Debug for Body {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&**self, f)
    }
}

#[derive(Debug, Clone)]
pub struct Document<T> {
    pub meta: T,
    /// The body as written: findings point into it.
    pub body: Body,
    /// The relative links the body writes, noted while it was checked.
    pub links: crate::relative::Links,
    /// The body with its relative links made absolute (see `relative`),
    /// when it has any.
    pub resolved: Option<Arc<str>>,
    /// The 1-based line of the file on which the body starts.
    pub body_line: usize,
    pub source: Arc<Source>,
    /// Its memo key (see `crate::memo::document`), taken once the tree is
    /// loaded and its links resolved, and at most once: a key goes into
    /// the keys of every file that shows the document.
    pub memo: std::sync::OnceLock<crate::memo::Key>,
}

impl<T> Document<T> {
    /// The body every output renders: links resolved.
    pub fn text(&self) -> &str {
        self.resolved.as_deref().unwrap_or(&self.body)
    }
}

/// Files a theme brings: Tera templates by name, and static files copied
/// as they are (stylesheet, fonts).
#[derive(Debug, Clone, Default)]
pub struct Theme {
    pub templates: Vec<(String, String)>,
    pub statics: Vec<(String, Vec<u8>)>,
}

/// The team's public key, published on the site.
#[derive(Debug, Clone)]
pub struct PublicKey {
    pub file_name: String,
    pub armored: Vec<u8>,
    /// The primary key's fingerprint, upper-case hex.
    pub fingerprint: String,
}

/// A patch listed by an advisory, with its bytes for the private notices.
#[derive(Debug, Clone)]
pub struct Patch {
    pub path: String,
    pub bytes: Arc<[u8]>,
}

/// Everything in a Herald tree, validated.
#[derive(Debug, Clone)]
pub struct Project {
    pub root: PathBuf,
    pub config: Config,
    /// `herald.yaml` as read, so the build stamp needs no second read.
    pub config_source: Arc<Source>,
    pub advisories: Vec<Document<Advisory>>,
    pub pre_announcements: Vec<Document<PreAnnouncement>>,
    pub pages: Vec<Document<Page>>,
    pub theme: Theme,
    pub public_key: PublicKey,
    pub patches: Vec<Patch>,
}

impl Project {
    /// The slug of every advisory, then of every pre-announcement.
    pub fn slugs(&self) -> impl Iterator<Item = &str> {
        self.advisories
            .iter()
            .map(|d| d.meta.slug.as_str())
            .chain(self.pre_announcements.iter().map(|d| d.meta.slug.as_str()))
    }

    /// What identifies each document whatever its name, by its slug (see
    /// [`Advisory::ids`], [`PreAnnouncement::id`]): built once, for the
    /// commands that ask it of every slug.
    pub fn ids_by_slug(&self) -> std::collections::HashMap<&str, Vec<String>> {
        let advisories = self
            .advisories
            .iter()
            .map(|d| (d.meta.slug.as_str(), d.meta.ids()));
        let pres = self
            .pre_announcements
            .iter()
            .map(|d| (d.meta.slug.as_str(), vec![d.meta.id()]));
        advisories.chain(pres).collect()
    }

    pub fn advisory(&self, slug: &Slug) -> Option<&Document<Advisory>> {
        self.advisories.iter().find(|a| &a.meta.slug == slug)
    }

    /// The advisory a pre-announcement announces, when it names one.
    pub fn announced(&self, p: &PreAnnouncement) -> Option<&Advisory> {
        self.advisory(p.advisory.as_ref()?).map(|d| &d.meta)
    }
}
