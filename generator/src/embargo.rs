//! The embargo wall: what is public at a given moment, and a scan of every
//! public output for traces of what is not.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use jiff::Timestamp;

use crate::model::{Advisory, Document, Moment, PreAnnouncement, Project};
use crate::theme::escaped_forms;
use crate::timeline;

/// The project split at one moment into what may be shown and what not.
pub struct Visibility<'p> {
    pub now: Timestamp,
    /// Newest first; ties broken by slug so the order never wobbles.
    pub advisories: Vec<&'p Document<Advisory>>,
    pub embargoed: Vec<&'p Document<Advisory>>,
    /// Public pre-announcements with the moment each became public.
    pub pre_announcements: Vec<(&'p Document<PreAnnouncement>, Moment)>,
    pub hidden_pre_announcements: Vec<(&'p Document<PreAnnouncement>, Moment)>,
}

impl<'p> Visibility<'p> {
    pub fn at(project: &'p Project, now: Timestamp) -> Self {
        let (mut advisories, embargoed): (Vec<_>, Vec<_>) = project
            .advisories
            .iter()
            .partition(|d| d.meta.embargo.timestamp() <= now);
        advisories.sort_by(|a, b| {
            b.meta
                .embargo
                .cmp(&a.meta.embargo)
                .then_with(|| a.meta.slug.cmp(&b.meta.slug))
        });
        let cfg = &project.config;
        let (mut pre_announcements, hidden_pre_announcements): (Vec<_>, Vec<_>) = project
            .pre_announcements
            .iter()
            .map(|d| {
                let adv = d.meta.advisory.as_ref().and_then(|s| project.advisory(s));
                let at = timeline::pre_announcement_public(
                    &d.meta,
                    adv.map(|a| &a.meta),
                    &cfg.rules,
                    &cfg.team.zone,
                );
                (d, at)
            })
            .partition(|(_, at)| at.timestamp() <= now);
        pre_announcements.sort_by(|a, b| {
            a.0.meta
                .release
                .cmp(&b.0.meta.release)
                .then_with(|| a.0.meta.slug.cmp(&b.0.meta.slug))
        });
        Visibility {
            now,
            advisories,
            embargoed,
            pre_announcements,
            hidden_pre_announcements,
        }
    }
}

/// Something under embargo found in a public file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leak {
    pub file: String,
    pub found: String,
    pub what: String,
}

impl std::fmt::Display for Leak {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: contains `{}`, {}", self.file, self.found, self.what)
    }
}

/// A matcher for every title and id that must not appear yet.
pub struct Wall {
    matcher: Option<AhoCorasick>,
    labels: Vec<(String, String)>,
}

/// Titles shorter than this are too likely to occur by chance in other text;
/// ids are matched whatever their length.
const MIN_TITLE_LEN: usize = 12;

impl Wall {
    pub fn new(vis: &Visibility) -> Self {
        let mut labels: Vec<(String, String)> = Vec::new();
        let mut add = |pattern: String, what: String| {
            if !labels.iter().any(|(p, _)| p.eq_ignore_ascii_case(&pattern)) {
                labels.push((pattern, what));
            }
        };
        for doc in &vis.embargoed {
            let a = &doc.meta;
            let what = format!("from advisory `{}`, embargoed until {}", a.slug, a.embargo);
            if a.title.len() >= MIN_TITLE_LEN {
                for form in escaped_forms(&a.title) {
                    add(form, format!("the title {what}"));
                }
            }
            for c in &a.cves {
                add(c.to_string(), format!("a CVE id {what}"));
            }
            for g in &a.ghsa {
                add(g.id.to_string(), format!("a GHSA id {what}"));
            }
        }
        for (doc, at) in &vis.hidden_pre_announcements {
            let p = &doc.meta;
            if p.title.len() >= MIN_TITLE_LEN {
                for form in escaped_forms(&p.title) {
                    add(
                        form,
                        format!(
                            "the title of pre-announcement `{}`, not public until {at}",
                            p.slug
                        ),
                    );
                }
            }
        }
        let matcher = (!labels.is_empty()).then(|| {
            AhoCorasickBuilder::new()
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::LeftmostFirst)
                .build(labels.iter().map(|(p, _)| p))
                .expect("patterns are plain strings")
        });
        Wall { matcher, labels }
    }

    pub fn check(&self, file: &str, bytes: &[u8]) -> Result<(), Leak> {
        let Some(m) = &self.matcher else {
            return Ok(());
        };
        match m.find(bytes) {
            None => Ok(()),
            Some(hit) => {
                let (pattern, what) = &self.labels[hit.pattern().as_usize()];
                Err(Leak {
                    file: file.to_string(),
                    found: pattern.clone(),
                    what: what.clone(),
                })
            }
        }
    }
}
