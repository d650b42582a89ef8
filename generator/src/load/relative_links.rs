//! Relative links of advisories and pre-announcements, made absolute
//! where the site publishes their target.

use std::path::Path;
use std::sync::Arc;

use rayon::prelude::*;

use crate::diag::{Findings, Source};
use crate::model::{Advisory, Config, Document, Page, PreAnnouncement, Slug};

use super::stem_slug;

/// Make the relative links of advisories and pre-announcements absolute
/// where the site publishes their target; the others are errors at their
/// lines (see `relative`).
pub(super) fn resolve_links(
    config: &Config,
    advisories: &mut [Document<Advisory>],
    pres: &mut [Document<PreAnnouncement>],
    pages: &[Document<Page>],
    unloaded: &std::collections::HashSet<Slug>,
    findings: &mut Findings,
) {
    // When each advisory and pre-announcement becomes public: a link may
    // lead only to what is public by the time its own text goes out.
    let (rules, zone) = (&config.rules, &config.team.zone);
    let adv_public: Vec<jiff::Timestamp> = advisories
        .iter()
        .map(|d| d.meta.embargo.timestamp())
        .collect();
    let pre_public: Vec<jiff::Timestamp> = pres
        .iter()
        .map(|d| {
            let adv = d.meta.advisory.as_ref().and_then(|slug| {
                advisories
                    .iter()
                    .find(|a| &a.meta.slug == slug)
                    .map(|a| &a.meta)
            });
            crate::timeline::pre_announcement_public(&d.meta, adv, rules, zone).timestamp()
        })
        .collect();
    let site = crate::relative::SiteMap {
        base_url: &config.site.base_url,
        pages: pages.iter().map(|p| p.meta.slug.as_str()).collect(),
        advisories: advisories
            .iter()
            .map(|d| d.meta.slug.as_str())
            .zip(adv_public.iter().copied())
            .collect(),
        pre_announcements: pres
            .iter()
            .map(|d| d.meta.slug.as_str())
            .zip(pre_public.iter().copied())
            .collect(),
        key_file: Path::new(&config.team.key)
            .file_name()
            .and_then(|n| n.to_str()),
    };
    // Each body on its own, in parallel: (its resolved text, its findings).
    let resolve = |body: &str,
                   links: &crate::relative::Links,
                   first_line: usize,
                   source: &Source,
                   at: jiff::Timestamp| {
        let r = crate::relative::resolve(body, links, &site, at);
        let mut findings = Vec::new();
        let pos = crate::diag::BodyPos {
            text: body,
            first_line,
        };
        for (range, dest, why) in r.unknown {
            // A link to an advisory whose file did not load: that file's
            // own errors are the ones to fix.
            let file = dest.split(['#', '?']).next().unwrap_or_default();
            let names_unloaded = matches!(why, crate::relative::Target::Unknown)
                && file.ends_with(".md")
                && stem_slug(Path::new(file)).is_some_and(|s| unloaded.contains(&s));
            if names_unloaded {
                continue;
            }
            let (message, help) = match why {
                crate::relative::Target::Hidden => (
                    format!("relative link `{dest}` leads to an advisory or pre-announcement that is still under embargo when this text goes out"),
                    "link it once both are public (a revision of this advisory), or remove the link",
                ),
                _ => (
                    format!("relative link `{dest}` names nothing the site publishes: it would break in the mail, on the blog, on the forum and in the GHSA"),
                    "link an absolute https URL, or a page of the site (`/policy/`, `policy.md`, another advisory's `<slug>.md`), which Herald makes absolute",
                ),
            };
            findings.push(
                source
                    .error(pos.pos(range.start, range.len()), message)
                    .with_code("relative-link")
                    .with_help(help),
            );
        }
        (r.text.map(Arc::from), findings)
    };
    let resolved_adv: Vec<_> = advisories
        .par_iter()
        .zip(&adv_public)
        .map(|(d, at)| resolve(&d.body, &d.links, d.body_line, &d.source, *at))
        .collect();
    let resolved_pre: Vec<_> = pres
        .par_iter()
        .zip(&pre_public)
        .map(|(d, at)| resolve(&d.body, &d.links, d.body_line, &d.source, *at))
        .collect();
    let (resolved_adv, found): (Vec<_>, Vec<_>) = resolved_adv.into_iter().unzip();
    let (resolved_pre, found_pre): (Vec<_>, Vec<_>) = resolved_pre.into_iter().unzip();
    findings.extend(found.into_iter().chain(found_pre).flatten());
    for (d, r) in advisories.iter_mut().zip(resolved_adv) {
        d.resolved = r;
    }
    for (d, r) in pres.iter_mut().zip(resolved_pre) {
        d.resolved = r;
    }
}
