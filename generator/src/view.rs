//! What templates see: plain, serialisable views of the model, with every
//! derived value (URLs, scores, dates) computed once here.

use serde::Serialize;

use crate::links;
use crate::markdown;
use crate::model::advisory::{Affected, Withdrawal};
use crate::model::config::Config;
use crate::model::{Advisory, Document, Moment, Page, PreAnnouncement};

#[derive(Serialize)]
pub struct SiteView<'a> {
    pub title: &'a str,
    pub base_url: &'a str,
    pub language: &'a str,
    pub description: Option<&'a str>,
}

#[derive(Serialize)]
pub struct TeamView<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub fingerprint: Option<&'a str>,
}

#[derive(Serialize)]
pub struct NavItem {
    pub slug: String,
    pub title: String,
}

#[derive(Serialize)]
pub struct IdLink {
    pub id: String,
    pub url: String,
}

#[derive(Serialize)]
pub struct CvssView {
    pub vector: String,
    pub version: &'static str,
    pub score: String,
    pub metrics: Vec<crate::model::severity::Metric>,
}

#[derive(Serialize)]
pub struct CreditView {
    pub name: String,
    pub role: String,
}

#[derive(Serialize)]
pub struct WithdrawnView {
    pub date: String,
    pub iso: String,
    pub reason: String,
}

#[derive(Serialize)]
pub struct ToolchainView<'a> {
    pub name: &'a str,
    pub vulnerable: &'a str,
    pub patched: Option<&'a str>,
}

/// An advisory as the index, its page and the feed show it.
#[derive(Serialize)]
pub struct AdvisoryView<'a> {
    pub slug: &'a str,
    pub url: String,
    pub title: &'a str,
    pub summary: &'a str,
    pub component: &'a str,
    pub severity: &'static str,
    pub severity_label: &'static str,
    pub cves: Vec<IdLink>,
    pub ghsa: Vec<IdLink>,
    /// Public URLs of the fix.
    pub fixes: &'a [String],
    pub cwes: Vec<IdLink>,
    pub cvss: Option<CvssView>,
    pub affected: &'a [Affected],
    /// The toolchain releases affected, named: what readers install.
    pub toolchain: Option<ToolchainView<'a>>,
    pub credits: Vec<CreditView>,
    pub published: String,
    pub published_iso: String,
    pub updated: Option<String>,
    pub updated_iso: Option<String>,
    /// What the revision changed.
    pub changes: Option<&'a str>,
    pub withdrawn: Option<WithdrawnView>,
    /// The signed announcement; none for a team without a list.
    pub announcement_url: Option<String>,
    pub body_html: String,
}

#[derive(Serialize)]
pub struct PreView<'a> {
    pub slug: &'a str,
    pub url: String,
    pub title: &'a str,
    pub severity: &'static str,
    pub severity_label: &'static str,
    pub component: &'a str,
    pub release: String,
    pub release_iso: String,
    pub published: String,
    pub published_iso: String,
    pub body_html: String,
}

#[derive(Serialize)]
pub struct PageView<'a> {
    pub slug: &'a str,
    pub title: &'a str,
    pub body_html: String,
}

fn withdrawn(w: &Withdrawal) -> WithdrawnView {
    WithdrawnView {
        date: w.at.date(),
        iso: w.at.utc_rfc3339(),
        reason: w.reason.clone(),
    }
}

/// `with_body` is false for list views, which never show the body.
pub fn advisory<'a>(
    config: &'a Config,
    doc: &'a Document<Advisory>,
    with_body: bool,
) -> AdvisoryView<'a> {
    let a = &doc.meta;
    AdvisoryView {
        slug: a.slug.as_str(),
        url: links::advisory_page(config, &a.slug),
        title: &a.title,
        summary: &a.summary,
        component: &a.component,
        severity: a.severity.as_str(),
        severity_label: a.severity.label(),
        cves: a
            .cves
            .iter()
            .map(|c| IdLink {
                id: c.to_string(),
                url: links::cve_url(c.as_str()),
            })
            .collect(),
        ghsa: a
            .ghsa
            .iter()
            .map(|g| IdLink {
                id: g.id.to_string(),
                url: links::ghsa_url(g),
            })
            .collect(),
        fixes: &a.fixes,
        cwes: a
            .cwes
            .iter()
            .map(|w| IdLink {
                id: w.to_string(),
                url: links::cwe_url(w.as_str()),
            })
            .collect(),
        cvss: a.cvss.as_ref().map(|v| CvssView {
            vector: v.as_str().to_string(),
            version: v.version(),
            score: format!("{:.1}", v.score()),
            // Only the page shows the breakdown; lists skip the work.
            metrics: if with_body { v.metrics() } else { Vec::new() },
        }),
        affected: &a.affected,
        toolchain: match (&a.toolchain, &config.toolchain) {
            (Some(t), Some(tc)) => Some(ToolchainView {
                name: &tc.name,
                vulnerable: &t.vulnerable,
                patched: t.patched.as_deref(),
            }),
            _ => None,
        },
        credits: a
            .credits
            .iter()
            .map(|c| CreditView {
                name: c.name.clone(),
                role: c.kind.replace('_', " "),
            })
            .collect(),
        published: a.embargo.date(),
        published_iso: a.embargo.utc_rfc3339(),
        updated: a.updated.as_ref().map(Moment::date),
        updated_iso: a.updated.as_ref().map(Moment::utc_rfc3339),
        changes: a.changes.as_deref(),
        withdrawn: a.withdrawn.as_ref().map(withdrawn),
        announcement_url: links::announcement_url(config, a),
        body_html: if with_body {
            markdown::to_html(doc.text())
        } else {
            String::new()
        },
    }
}

pub fn pre_announcement<'a>(
    config: &Config,
    doc: &'a Document<PreAnnouncement>,
    public_at: &Moment,
    with_body: bool,
) -> PreView<'a> {
    let p = &doc.meta;
    PreView {
        slug: p.slug.as_str(),
        url: links::pre_announcement_page(config, &p.slug),
        title: &p.title,
        severity: p.severity.as_str(),
        severity_label: p.severity.label(),
        component: &p.component,
        release: p.release.human(),
        release_iso: p.release.utc_rfc3339(),
        published: public_at.date(),
        published_iso: public_at.utc_rfc3339(),
        body_html: if with_body {
            markdown::to_html(doc.text())
        } else {
            String::new()
        },
    }
}

pub fn page<'a>(doc: &'a Document<Page>) -> PageView<'a> {
    PageView {
        slug: doc.meta.slug.as_str(),
        title: &doc.meta.title,
        body_html: markdown::to_html(doc.text()),
    }
}
