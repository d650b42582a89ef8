//! Checks that span files: unique slugs and ids, and pre-announcements that
//! agree with the advisory they announce.

use std::collections::HashMap;

use crate::diag::{Findings, Pos, Source};
use crate::model::{Advisory, Document, Page, PreAnnouncement, Slug};

/// Slugs a page may not take: the site's own folders and files.
const RESERVED_PAGE_SLUGS: &[&str] = &[
    "advisories",
    "pre-announcements",
    "keys",
    "archive",
    "feed",
    "static",
];

/// Remembers the first place each value was seen and reports the later ones.
struct FirstSeen<'a> {
    what: &'static str,
    seen: HashMap<String, (&'a Source, Pos)>,
}

impl<'a> FirstSeen<'a> {
    fn new(what: &'static str) -> Self {
        FirstSeen {
            what,
            seen: HashMap::new(),
        }
    }

    fn see(&mut self, value: &str, src: &'a Source, pos: Pos, findings: &mut Findings) {
        if let Some((first, first_pos)) = self.seen.get(value) {
            findings.push(
                src.error(pos, format!("duplicate {} `{value}`", self.what))
                    .with_code("conflict")
                    .with_help(format!(
                        "already used by {}:{}:{}",
                        first.path.display(),
                        first_pos.line,
                        first_pos.col
                    )),
            );
        } else {
            self.seen.insert(value.to_string(), (src, pos));
        }
    }
}

/// `unloaded`: the slugs of advisory files that failed to load, whose own
/// errors are reported; nothing that names one is an error for it.
pub fn check(
    advisories: &[Document<Advisory>],
    pres: &[Document<PreAnnouncement>],
    pages: &[Document<Page>],
    unloaded: &std::collections::HashSet<Slug>,
    findings: &mut Findings,
) {
    let mut slugs = FirstSeen::new("slug");
    let mut cves = FirstSeen::new("CVE id");
    let mut ghsas = FirstSeen::new("GHSA id");
    for doc in advisories {
        let a = &doc.meta;
        slugs.see(a.slug.as_str(), &doc.source, a.spans.slug, findings);
        for (c, pos) in a.cves.iter().zip(&a.spans.cves) {
            cves.see(c.as_str(), &doc.source, *pos, findings);
        }
        for (g, pos) in a.ghsa.iter().zip(&a.spans.ghsa) {
            ghsas.see(g.id.as_str(), &doc.source, *pos, findings);
        }
    }
    for doc in pres {
        slugs.see(
            doc.meta.slug.as_str(),
            &doc.source,
            doc.meta.spans.slug,
            findings,
        );
        check_agreement(doc, advisories, unloaded, findings);
    }
    let mut page_slugs = FirstSeen::new("page slug");
    for doc in pages {
        let p = &doc.meta;
        if RESERVED_PAGE_SLUGS.contains(&p.slug.as_str()) {
            findings.push(
                doc.source
                    .error(
                        p.slug_pos,
                        format!(
                            "page slug `{}` is reserved for the site's own pages",
                            p.slug
                        ),
                    )
                    .with_code("conflict"),
            );
        }
        page_slugs.see(p.slug.as_str(), &doc.source, p.slug_pos, findings);
    }
}

fn check_agreement(
    doc: &Document<PreAnnouncement>,
    advisories: &[Document<Advisory>],
    unloaded: &std::collections::HashSet<Slug>,
    findings: &mut Findings,
) {
    let pre = &doc.meta;
    let Some(slug) = &pre.advisory else {
        return;
    };
    let Some(adv) = advisories.iter().find(|a| &a.meta.slug == slug) else {
        // Its file did not load, and says why.
        if unloaded.contains(slug) {
            return;
        }
        let slugs: Vec<&str> = advisories.iter().map(|a| a.meta.slug.as_str()).collect();
        let help = match crate::diag::suggest(slug.as_str(), &slugs) {
            Some(near) => format!(
                "did you mean `{near}`? `advisory` names the slug of a file in `advisories/`"
            ),
            None => "`advisory` names the slug of a file in `advisories/`".to_string(),
        };
        findings.push(
            doc.source
                .error(
                    pre.spans.advisory,
                    format!("no advisory with slug `{slug}`"),
                )
                .with_code("conflict")
                .with_help(help),
        );
        return;
    };
    let a = &adv.meta;
    let cite = |pos: Pos| format!("see {}:{}:{}", adv.source.path.display(), pos.line, pos.col);
    if pre.release != a.embargo {
        findings.push(
            doc.source
                .error(
                    pre.spans.release,
                    format!(
                        "`release` ({}) disagrees with the embargo of advisory `{slug}` ({})",
                        pre.release, a.embargo
                    ),
                )
                .with_code("conflict")
                .with_help(cite(a.spans.embargo)),
        );
    }
    if pre.severity != a.severity {
        findings.push(
            doc.source
                .error(
                    pre.spans.severity,
                    format!(
                        "severity `{}` disagrees with advisory `{slug}`, which is `{}`",
                        pre.severity, a.severity
                    ),
                )
                .with_code("conflict"),
        );
    }
    if pre.component != a.component {
        findings.push(
            doc.source
                .error(
                    pre.spans.component,
                    format!(
                        "component `{}` disagrees with advisory `{slug}`, which names `{}`",
                        pre.component, a.component
                    ),
                )
                .with_code("conflict"),
        );
    }
}
