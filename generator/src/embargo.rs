//! The embargo wall: what is public at a given moment, and a scan of every
//! public output for traces of what is not.

use aho_corasick::{AhoCorasick, MatchKind};

use crate::leakscan::{Scanner, KEY};
use jiff::Timestamp;

use crate::model::{Advisory, Document, Moment, PreAnnouncement, Project};
use crate::theme::escaped_forms;
use crate::timeline;

/// The project split at one moment into what may be shown and what not.
pub struct Visibility<'p> {
    pub now: Timestamp,
    /// A preview that shows embargoed content: never deployed.
    pub preview: bool,
    /// Newest first; ties broken by slug so the order never wobbles.
    pub advisories: Vec<&'p Document<Advisory>>,
    pub embargoed: Vec<&'p Document<Advisory>>,
    /// Public pre-announcements with the moment each became public.
    pub pre_announcements: Vec<(&'p Document<PreAnnouncement>, Moment)>,
    pub hidden_pre_announcements: Vec<(&'p Document<PreAnnouncement>, Moment)>,
}

impl<'p> Visibility<'p> {
    /// Everything shown, as a preview for the team; never for `public/`.
    /// What is still under embargo at `now` stays listed in `embargoed` and
    /// `hidden_pre_announcements` too, so pages can carry a banner.
    pub fn preview(project: &'p Project, now: Timestamp) -> Self {
        let mut v = Self::at(project, now);
        v.advisories.extend(v.embargoed.iter().copied());
        v.advisories.sort_by(|a, b| {
            b.meta
                .embargo
                .cmp(&a.meta.embargo)
                .then_with(|| a.meta.slug.cmp(&b.meta.slug))
        });
        v.pre_announcements
            .extend(v.hidden_pre_announcements.iter().cloned());
        v.preview = true;
        v
    }

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
            preview: false,
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

/// Titles are not unique: "Security advisory for Cargo" may name a
/// published advisory and an embargoed one. A title that is already part of
/// a public title reveals nothing, and matching it would stop every build.
/// Returns the test for whether a hidden title is still secret.
fn public_titles(vis: &Visibility) -> impl Fn(&str) -> bool {
    let hidden: Vec<String> = vis
        .embargoed
        .iter()
        .map(|d| &d.meta.title)
        .chain(
            vis.hidden_pre_announcements
                .iter()
                .map(|(d, _)| &d.meta.title),
        )
        .map(|t| t.to_ascii_lowercase())
        .collect();
    let mut public = String::new();
    let titles = vis
        .advisories
        .iter()
        .map(|d| &d.meta.title)
        .chain(vis.pre_announcements.iter().map(|(d, _)| &d.meta.title));
    for t in titles {
        public.push_str(&t.to_ascii_lowercase());
        public.push('\n');
    }
    // One pass over all public titles finds every hidden title inside them.
    let mut exempt = std::collections::HashSet::new();
    if let Ok(ac) = AhoCorasick::builder()
        .match_kind(MatchKind::Standard)
        .build(&hidden)
    {
        for m in ac.find_overlapping_iter(&public) {
            exempt.insert(hidden[m.pattern().as_usize()].clone());
        }
    }
    move |title: &str| title.len() >= KEY && !exempt.contains(&title.to_ascii_lowercase())
}

/// A scanner for every title and id that must not appear yet.
pub struct Wall {
    scanner: Scanner,
    labels: Vec<String>,
}

impl Wall {
    /// A wall that stops nothing: only for the embargoed preview.
    pub fn none() -> Self {
        Wall {
            scanner: Scanner::new(),
            labels: Vec::new(),
        }
    }

    pub fn new(vis: &Visibility) -> Self {
        let mut scanner = Scanner::new();
        let mut labels: Vec<String> = Vec::new();
        let secret_title = public_titles(vis);
        for doc in &vis.embargoed {
            let a = &doc.meta;
            let what = format!("from advisory `{}`, embargoed until {}", a.slug, a.embargo);
            if secret_title(&a.title) {
                labels.push(format!("the title {what}"));
                for form in escaped_forms(&a.title) {
                    scanner.add_title(&form, labels.len() - 1);
                }
            }
            labels.push(format!("a CVE id {what}"));
            for c in &a.cves {
                scanner.add_id(c.as_str(), labels.len() - 1);
            }
            labels.push(format!("a GHSA id {what}"));
            for g in &a.ghsa {
                scanner.add_id(g.id.as_str(), labels.len() - 1);
            }
        }
        for (doc, at) in &vis.hidden_pre_announcements {
            let p = &doc.meta;
            if secret_title(&p.title) {
                labels.push(format!(
                    "the title of pre-announcement `{}`, not public until {at}",
                    p.slug
                ));
                for form in escaped_forms(&p.title) {
                    scanner.add_title(&form, labels.len() - 1);
                }
            }
        }
        Wall { scanner, labels }
    }

    pub fn check(&self, file: &str, bytes: &[u8]) -> Result<(), Leak> {
        if self.scanner.is_empty() {
            return Ok(());
        }
        match self.scanner.find(bytes) {
            None => Ok(()),
            Some((label, found)) => Err(Leak {
                file: file.to_string(),
                found,
                what: self.labels[label].clone(),
            }),
        }
    }
}
