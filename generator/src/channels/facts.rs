//! The facts block of the page, the excerpt and the private notices (and
//! of any theme that puts it in a cross-post), and the pieces of an
//! advisory that several channels share: its lead, authors, blog path.

use super::Outbox;
use crate::links;
use crate::model::config::Config;
use crate::model::{Advisory, Moment};

/// The moment as written, and in the team's zone when that differs.
pub(super) fn moment_both(m: &Moment, config: &Config) -> String {
    let local = Moment::from_zoned(m.timestamp().to_zoned(config.team.zone.clone()));
    let written = m.human();
    let team = format!(
        "{} {}",
        local.zoned().strftime("%Y-%m-%d %H:%M"),
        config.team.zone_name
    );
    if written == team || (config.team.zone_name == "UTC" && written.ends_with(" UTC")) {
        written
    } else {
        format!("{written} ({team})")
    }
}

/// Markdown before the first heading: the lead of the advisory, with the
/// body's link reference definitions, so that a `[text][1]` whose
/// definition sits at the end of the body still resolves in an excerpt.
pub fn lead_markdown(markdown: &str) -> String {
    use pulldown_cmark::{Event, Parser, Tag};
    let mut parser = Parser::new(markdown).into_offset_iter();
    let end = parser
        .find(|(e, _)| matches!(e, Event::Start(Tag::Heading { .. })))
        .map_or(markdown.len(), |(_, r)| r.start);
    let mut out = markdown[..end].to_string();
    if end < markdown.len() {
        let defs = Parser::new(markdown);
        for (_, def) in defs.reference_definitions().iter() {
            if def.span.start >= end {
                out.push_str("\n\n");
                out.push_str(&markdown[def.span.clone()]);
            }
        }
    }
    out
}

pub(super) fn facts_block(rows: &[(&str, String)]) -> String {
    let width = rows.iter().map(|(k, _)| k.len()).max().unwrap_or(0) + 1;
    rows.iter()
        .map(|(k, v)| format!("{:width$} {v}", format!("{k}:")))
        .collect::<Vec<_>>()
        .join("\n")
}

pub(super) fn facts_markdown(rows: &[(&str, String)]) -> String {
    rows.iter()
        .map(|(k, v)| format!("- **{k}:** {v}"))
        .collect::<Vec<_>>()
        .join("\n")
}

pub(super) fn authors<'a>(list: &'a [String], config: &'a Config) -> Vec<&'a str> {
    if list.is_empty() {
        vec![config.team.name.as_str()]
    } else {
        list.iter().map(String::as_str).collect()
    }
}

/// The post's `path` as Zola takes it: relative to the blog, without the
/// trailing `/` of its URL (`2026/03/21/cve-2026-33056`).
pub(super) fn blog_path(config: &Config, url: Option<&str>) -> String {
    let (Some(blog), Some(url)) = (&config.channels.blog, url) else {
        return String::new();
    };
    url.strip_prefix(&blog.base_url)
        .unwrap_or(url)
        .trim_end_matches('/')
        .to_string()
}

impl Outbox<'_> {
    /// The rows of the facts block, in the toolchain's releases where the
    /// advisory gives them.
    pub(super) fn facts(&self, a: &Advisory) -> Vec<(&'static str, String)> {
        let config = self.config();
        let mut rows = Vec::new();
        let severity = match &a.cvss {
            Some(v) => format!(
                "{} (CVSS {} base score {:.1})",
                a.severity.label(),
                v.version(),
                v.score()
            ),
            None => a.severity.label().to_string(),
        };
        rows.push(("Severity", severity));
        if let Some(v) = &a.cvss {
            rows.push(("CVSS", v.as_str().to_string()));
        }
        rows.push((
            "CVE",
            a.cves
                .iter()
                .map(|c| c.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        ));
        if !a.ghsa.is_empty() {
            rows.push((
                "GHSA",
                a.ghsa
                    .iter()
                    .map(|g| g.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            ));
        }
        // People read the toolchain releases they install; the package
        // versions stay in the GHSA and OSV.
        let ranges: Vec<(&str, &str, Option<&str>)> = match (&a.toolchain, &config.toolchain) {
            (Some(t), Some(tc)) => vec![(&tc.name, &t.vulnerable, t.patched.as_deref())],
            _ => a
                .affected
                .iter()
                .map(|p| {
                    (
                        p.package.as_str(),
                        p.vulnerable.as_str(),
                        p.patched.as_deref(),
                    )
                })
                .collect(),
        };
        for (name, vulnerable, patched) in ranges {
            rows.push(("Affected", format!("{name} {vulnerable}")));
            rows.push((
                "Fixed in",
                match patched {
                    Some(v) => format!("{name} {v}"),
                    None => format!("{name}: no fix yet"),
                },
            ));
        }
        rows.push(("Disclosure", moment_both(&a.embargo, config)));
        rows.push(("Advisory", links::advisory_page(config, &a.slug)));
        rows
    }
}
