//! The public pre-announcement: that a security release is coming, when,
//! how severe, and for which part. Nothing more.

use super::common::{decode_authors, decode_moment, decode_slug};
use super::ids::Slug;
use super::moment::Moment;
use super::severity::Severity;
use crate::diag::Pos;
use crate::fields::{Decoder, Fields};

pub const FIELDS: &[&str] = &[
    "kind",
    "slug",
    "title",
    "release",
    "severity",
    "component",
    "advisory",
    "announce",
    "authors",
];

#[derive(Debug, Clone)]
pub struct PreAnnouncement {
    pub slug: Slug,
    pub title: String,
    /// The planned moment of the security release.
    pub release: Moment,
    pub severity: Severity,
    pub component: String,
    /// The advisory it announces, checked for agreement.
    pub advisory: Option<Slug>,
    /// When it goes public, if set by hand; otherwise the timeline decides.
    pub announce: Option<Moment>,
    pub authors: Vec<String>,
    pub spans: Spans,
}

impl PreAnnouncement {
    /// What identifies the pre-announcement whatever its slug, in its
    /// ledger: the release it announces and of what. Two pre-announcements
    /// of one release of one component would be one announcement.
    pub fn id(&self) -> String {
        format!(
            "release {} of {}",
            self.release.timestamp(),
            self.component.to_lowercase()
        )
    }
}

#[derive(Debug, Clone, Default)]
pub struct Spans {
    pub slug: Pos,
    pub release: Pos,
    pub severity: Pos,
    pub component: Pos,
    pub advisory: Pos,
}

pub fn decode(d: &mut Decoder, f: &Fields, stem_slug: Option<Slug>) -> Option<PreAnnouncement> {
    let (slug, slug_pos) = decode_slug(d, f, stem_slug);
    let mut spans = Spans {
        slug: slug_pos,
        ..Spans::default()
    };
    let title = d
        .required(f, "title")
        .and_then(|n| d.line(n, "title", "mail subjects and headings"));
    let release = d.required(f, "release").and_then(|n| {
        spans.release = n.pos;
        decode_moment(d, n)
    });
    let severity = d.required(f, "severity").and_then(|n| {
        spans.severity = n.pos;
        d.parse(n, Severity::parse)
    });
    let component = d.required(f, "component").and_then(|n| {
        spans.component = n.pos;
        d.line(n, "component", "mail subjects and headings")
    });
    let advisory = d.optional(f, "advisory").and_then(|n| {
        spans.advisory = n.pos;
        d.parse(n, Slug::parse)
    });
    let announce = d.optional(f, "announce").and_then(|n| {
        let m = decode_moment(d, n)?;
        if release.as_ref().is_some_and(|r| &m >= r) {
            d.error(n.pos, "`announce` must come before `release`");
        }
        Some(m)
    });
    let authors = decode_authors(d, f);
    Some(PreAnnouncement {
        slug: slug?,
        title: title?,
        release: release?,
        severity: severity?,
        component: component?,
        advisory,
        announce,
        authors,
        spans,
    })
}
