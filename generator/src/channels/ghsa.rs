//! The body of GitHub's "create a repository security advisory" request,
//! and the part of the advisory each GHSA tells.
//!
//! `POST /repos/{owner}/{repo}/security-advisories`. The schema rejects
//! unknown properties, and takes `severity` or `cvss_vector_string`, never
//! both.
//!
//! An advisory with several CVEs has a GHSA per CVE, and each GHSA carries
//! only its own CVE's sections: **a section belongs to the CVEs its heading
//! names** (`### CVE-2025-31010: …`), and runs to the next heading of the
//! same or a higher level. Sections whose heading names no CVE belong to
//! every GHSA.

use serde::Serialize;

use crate::model::advisory::{Affected, GhsaEntry};
use crate::model::{Advisory, CveId};

#[derive(Serialize)]
pub struct CreateAdvisory<'a> {
    pub summary: &'a str,
    pub description: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cve_id: Option<&'a str>,
    pub vulnerabilities: Vec<Vulnerability<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cwe_ids: Vec<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub credits: Vec<Credit<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cvss_vector_string: Option<&'a str>,
}

#[derive(Serialize)]
pub struct Vulnerability<'a> {
    pub package: Package<'a>,
    pub vulnerable_version_range: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patched_versions: Option<&'a str>,
}

#[derive(Serialize)]
pub struct Package<'a> {
    pub ecosystem: &'a str,
    pub name: &'a str,
}

#[derive(Serialize)]
pub struct Credit<'a> {
    pub login: &'a str,
    #[serde(rename = "type")]
    pub kind: &'a str,
}

fn vulnerability(a: &Affected) -> Vulnerability<'_> {
    Vulnerability {
        package: Package {
            ecosystem: &a.ecosystem,
            name: &a.package,
        },
        vulnerable_version_range: &a.vulnerable,
        patched_versions: a.patched.as_deref(),
    }
}

/// GitHub's summary is limited to 1024 characters.
const SUMMARY_MAX: usize = 1024;

/// The CVEs of `all` that a heading's text names.
pub fn named_cves<'a>(heading: &str, all: &'a [CveId]) -> Vec<&'a CveId> {
    let upper = heading.to_ascii_uppercase();
    all.iter()
        .filter(|c| {
            upper.match_indices(c.as_str()).any(|(i, m)| {
                // `CVE-2025-3101` is not named by `CVE-2025-31010`.
                !upper[i + m.len()..].starts_with(|c: char| c.is_ascii_digit())
            })
        })
        .collect()
}

/// Every heading of `markdown`: its level, its text and where its section
/// starts.
pub fn headings(markdown: &str) -> Vec<(u8, String, usize)> {
    use pulldown_cmark::{Event, Parser, Tag, TagEnd};
    let mut out = Vec::new();
    let mut current: Option<(u8, String, usize)> = None;
    for (event, range) in Parser::new(markdown).into_offset_iter() {
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                current = Some((level as u8, String::new(), range.start))
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some(h) = &mut current {
                    h.1.push_str(&t);
                }
            }
            Event::End(TagEnd::Heading(_)) => out.extend(current.take()),
            _ => {}
        }
    }
    out
}

/// `markdown` without the sections that belong only to CVEs other than
/// `own`. Link reference definitions in a dropped section are kept, at the
/// end, so that the sections kept still resolve their links.
pub fn sections_for(markdown: &str, own: &[CveId], all: &[CveId]) -> String {
    let heads = headings(markdown);
    let mut out = String::with_capacity(markdown.len());
    let mut dropped: Vec<std::ops::Range<usize>> = Vec::new();
    let mut copied = 0;
    let mut skip_until_level: Option<u8> = None;
    for (level, text, start) in &heads {
        if let Some(l) = skip_until_level {
            if *level > l {
                continue;
            }
            skip_until_level = None;
            dropped.push(copied..*start);
            copied = *start;
        }
        let named = named_cves(text, all);
        if !named.is_empty() && !named.iter().any(|c| own.contains(c)) {
            out.push_str(&markdown[copied..*start]);
            copied = *start;
            skip_until_level = Some(*level);
        }
    }
    if skip_until_level.is_none() {
        out.push_str(&markdown[copied..]);
    } else {
        dropped.push(copied..markdown.len());
    }
    if !dropped.is_empty() {
        let parser = pulldown_cmark::Parser::new(markdown);
        let mut defs: Vec<_> = parser
            .reference_definitions()
            .iter()
            .map(|(_, d)| d.span.clone())
            .filter(|span| dropped.iter().any(|r| r.contains(&span.start)))
            .collect();
        defs.sort_by_key(|s| s.start);
        if !defs.is_empty() {
            out.truncate(out.trim_end().len());
            out.push_str("\n");
            for span in defs {
                out.push_str("\n");
                out.push_str(markdown[span].trim_end());
            }
            out.push_str("\n");
        }
    }
    out
}

/// Only the sections whose heading names `cve` (each with its
/// subsections), for a record about that CVE alone.
pub fn own_sections(markdown: &str, cve: &CveId, all: &[CveId]) -> String {
    let heads = headings(markdown);
    let mut out = String::new();
    let mut i = 0;
    while i < heads.len() {
        let (level, text, start) = &heads[i];
        if named_cves(text, all).contains(&cve) {
            let end = heads[i + 1..]
                .iter()
                .find(|(l, _, _)| l <= level)
                .map_or(markdown.len(), |h| h.2);
            out.push_str(&markdown[*start..end]);
            while i + 1 < heads.len() && heads[i + 1].2 < end {
                i += 1;
            }
        }
        i += 1;
    }
    out
}

pub fn body(a: &Advisory, entry: &GhsaEntry, description: &str) -> serde_json::Value {
    // GitHub's API cannot withdraw a published advisory; its summary and
    // text say so instead.
    let own = match &a.withdrawn {
        Some(_) => format!("Withdrawn: {}", a.ghsa_summary(entry)),
        None => a.ghsa_summary(entry).to_string(),
    };
    let summary = match own.char_indices().nth(SUMMARY_MAX) {
        Some((i, _)) => &own[..i],
        None => own.as_str(),
    };
    let req = CreateAdvisory {
        summary,
        description,
        // A GHSA carries one CVE; an advisory with two needs two GHSAs.
        cve_id: entry.cves.first().map(|c| c.as_str()),
        vulnerabilities: a.affected.iter().map(vulnerability).collect(),
        cwe_ids: a.ghsa_cwes(entry).iter().map(|c| c.as_str()).collect(),
        credits: a
            .credits
            .iter()
            .filter_map(|c| {
                c.login.as_deref().map(|login| Credit {
                    login,
                    kind: &c.kind,
                })
            })
            .collect(),
        severity: a.ghsa_cvss(entry).is_none().then(|| a.severity.as_str()),
        cvss_vector_string: a.ghsa_cvss(entry).map(|c| c.as_str()),
    };
    serde_json::to_value(req).unwrap_or(serde_json::Value::Null)
}

/// One GHSA text and request body per GHSA id, each with its own summary,
/// CVSS and CWEs, and only its own CVEs' sections.
pub(super) fn render(out: &super::Outbox, job: &mut super::Job) -> Result<(), super::ChannelError> {
    let config = out.config();
    let doc = job.doc;
    let a = &doc.meta;
    let slug = a.slug.as_str();
    let gh = super::disclaimer::ghsa(&config.team.name, job.blog_url.as_deref(), job.official());
    let link = job
        .blog_url
        .clone()
        .unwrap_or_else(|| job.official.0.clone());
    for entry in &a.ghsa {
        let mut own = job.view.clone();
        own.summary = a.ghsa_summary(entry);
        // A GHSA of every CVE drops no section: its body is the one the
        // other channels have, already unwrapped.
        if !a.cves.iter().all(|c| entry.cves.contains(c)) {
            own.body_markdown = crate::unwrap::unwrap_paragraphs(&sections_for(
                doc.text().trim(),
                &entry.cves,
                &a.cves,
            ));
        }
        let mut ctx = out.base(&gh);
        ctx.insert("a", &own);
        ctx.insert("ghsa", entry);
        let text = out.render("channels/ghsa.md", slug, &ctx)?;
        super::require(
            "channels/ghsa.md",
            slug,
            "GHSA",
            &text,
            &[
                ("the GHSA disclaimer", &gh),
                ("the link to the advisory it copies", &link),
            ],
        )?;
        let json = serde_json::to_string_pretty(&body(a, entry, &text)).unwrap_or_default() + "\n";
        job.add(&format!("ghsa-{}.json", entry.id), json.into_bytes());
        job.add(&format!("ghsa-{}.md", entry.id), text.into_bytes());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_ghsa_keeps_the_sections_of_its_own_cve_and_the_shared_ones() {
        let all = [
            CveId::parse("CVE-2025-31010").unwrap(),
            CveId::parse("CVE-2025-31011").unwrap(),
        ];
        let md = "Lead.\n\n## Overview\n\n### CVE-2025-31010: files\n\nA.\n\n#### Detail\n\nA2.\n\n### CVE-2025-31011: tokens\n\nB.\n\n## Mitigations\n\nUpgrade.\n";
        assert_eq!(
            sections_for(md, &all[..1], &all),
            "Lead.\n\n## Overview\n\n### CVE-2025-31010: files\n\nA.\n\n#### Detail\n\nA2.\n\n## Mitigations\n\nUpgrade.\n"
        );
        assert_eq!(
            sections_for(md, &all[1..], &all),
            "Lead.\n\n## Overview\n\n### CVE-2025-31011: tokens\n\nB.\n\n## Mitigations\n\nUpgrade.\n"
        );
        // A section at the end is dropped to the end.
        assert_eq!(
            sections_for("x\n\n## CVE-2025-31011\n\nB.\n", &all[..1], &all),
            "x\n\n"
        );
        assert!(named_cves("CVE-2025-310101", &all).is_empty());
        // A GHSA of every CVE keeps everything: `render` relies on it and
        // reuses the body the other channels have.
        assert_eq!(sections_for(md, &all, &all), md);
        assert_eq!(
            sections_for(md, &[all[1].clone(), all[0].clone()], &all),
            md
        );
    }
}
