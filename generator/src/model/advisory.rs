//! The advisory: what was vulnerable, what fixes it, and when it may be told.

use serde::Serialize;

use super::common::{decode_authors, decode_moment, decode_slug, decode_url};
use super::ids::{CveId, CweId, GhsaId, RepoName, Slug};
use super::moment::Moment;
use super::severity::{CvssVector, Severity};
use crate::diag::Pos;
use crate::fields::{Decoder, Fields};
use crate::yaml::Node;

pub const FIELDS: &[&str] = &[
    "kind",
    "slug",
    "title",
    "summary",
    "cves",
    "embargo",
    "severity",
    "cvss",
    "cwes",
    "component",
    "exploited",
    "toolchain-update",
    "toolchain",
    "affected",
    "ghsa",
    "credits",
    "patches",
    "fixes",
    "authors",
    "announcement-url",
    "updated",
    "changes",
    "update-mail",
    "withdrawn",
    "allow",
];

/// GitHub's credit types for security advisories.
pub const CREDIT_TYPES: &[&str] = &[
    "analyst",
    "finder",
    "reporter",
    "coordinator",
    "remediation_developer",
    "remediation_reviewer",
    "remediation_verifier",
    "tool",
    "sponsor",
    "other",
];

/// GitHub's advisory ecosystems.
pub const ECOSYSTEMS: &[&str] = &[
    "rust", "actions", "composer", "erlang", "go", "maven", "npm", "nuget", "other", "pip", "pub",
    "rubygems", "swift",
];

#[derive(Debug, Clone)]
pub struct Advisory {
    pub slug: Slug,
    pub title: String,
    pub summary: String,
    pub cves: Vec<CveId>,
    pub embargo: Moment,
    pub severity: Severity,
    pub cvss: Option<CvssVector>,
    pub cwes: Vec<CweId>,
    pub component: String,
    pub exploited: bool,
    pub toolchain_update: bool,
    /// The toolchain releases users install, where the advisory is about a
    /// part of the toolchain: `Ferrite < 1.86.1`, not `std < 1.86.1`.
    pub toolchain: Option<ToolchainRange>,
    pub affected: Vec<Affected>,
    pub ghsa: Vec<GhsaEntry>,
    pub credits: Vec<Credit>,
    pub patches: Vec<String>,
    /// Public URLs of the fix (commits, pull requests): they are not under
    /// embargo once the advisory is out, and records reference them.
    pub fixes: Vec<String>,
    pub authors: Vec<String>,
    pub announcement_url: Option<String>,
    pub updated: Option<Moment>,
    /// What the revision at `updated` changed, shown on the page and
    /// carried with the update.
    pub changes: Option<String>,
    /// Also mail the revision to the announcements list, signed like the
    /// first: "[UPDATED] <title>". Off unless asked, per revision.
    pub update_mail: bool,
    pub withdrawn: Option<Withdrawal>,
    /// Lints this file opts out of.
    pub allow: Vec<String>,
    /// Where the cross-file checks point.
    pub spans: Spans,
}

#[derive(Debug, Clone, Default)]
pub struct Spans {
    pub slug: Pos,
    pub title: Pos,
    pub summary: Pos,
    pub embargo: Pos,
    pub cves: Vec<Pos>,
    pub ghsa: Vec<Pos>,
    pub patches: Vec<Pos>,
    pub component: Pos,
    pub toolchain: Pos,
    pub updated: Pos,
}

#[derive(Debug, Clone, Serialize)]
pub struct ToolchainRange {
    pub vulnerable: String,
    pub patched: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Affected {
    pub package: String,
    pub ecosystem: String,
    /// Kept as written: GitHub and OSV take the same comparator syntax.
    pub vulnerable: String,
    pub patched: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct GhsaEntry {
    pub id: GhsaId,
    pub repository: RepoName,
    pub cves: Vec<CveId>,
    /// This GHSA's own values, where its CVE differs from the advisory's
    /// whole (the Cargo pair: one corrupts files, one fills the disk).
    pub summary: Option<String>,
    #[serde(skip)]
    pub cvss: Option<CvssVector>,
    pub cwes: Option<Vec<CweId>>,
}

impl Advisory {
    /// What identifies the advisory whatever its slug: its CVE ids, then
    /// its GHSA ids (kept in its ledger: see `crate::orphans`).
    pub fn ids(&self) -> Vec<String> {
        let cves = self.cves.iter().map(|c| c.as_str().to_string());
        cves.chain(self.ghsa.iter().map(|g| g.id.as_str().to_string()))
            .collect()
    }

    /// The texts that say what this advisory is about, each with what it
    /// is: its title, its summary and each GHSA's own summary. The embargo
    /// wall hides them alike, and a pre-announcement may say none of them.
    pub fn descriptions(&self) -> impl Iterator<Item = (&'static str, &str)> {
        [
            ("the title", self.title.as_str()),
            ("the summary", &self.summary),
        ]
        .into_iter()
        .chain(
            self.ghsa
                .iter()
                .filter_map(|g| Some(("a GHSA's summary", g.summary.as_deref()?))),
        )
    }

    /// The latest change after publication, a correction (`updated`) or the
    /// withdrawal: what publish carries to the places that take updates.
    pub fn revision(&self) -> Option<&Moment> {
        [
            self.updated.as_ref(),
            self.withdrawn.as_ref().map(|w| &w.at),
        ]
        .into_iter()
        .flatten()
        .max()
    }

    /// The summary a GHSA carries: its own, else the advisory's.
    pub fn ghsa_summary<'a>(&'a self, g: &'a GhsaEntry) -> &'a str {
        g.summary.as_deref().unwrap_or(&self.summary)
    }

    pub fn ghsa_cvss<'a>(&'a self, g: &'a GhsaEntry) -> Option<&'a CvssVector> {
        g.cvss.as_ref().or(self.cvss.as_ref())
    }

    pub fn ghsa_cwes<'a>(&'a self, g: &'a GhsaEntry) -> &'a [CweId] {
        g.cwes.as_deref().unwrap_or(&self.cwes)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Credit {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    /// The GitHub login, needed to credit someone on a GHSA.
    pub login: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Withdrawal {
    pub at: Moment,
    pub reason: String,
    /// Also reject the CVE records: only when the ids themselves are
    /// invalid, since a withdrawn advisory is not always a wrong CVE.
    pub reject: bool,
}

/// Decode an advisory's front matter. `stem_slug` is the slug the file name
/// gives when the front matter names none.
pub fn decode(d: &mut Decoder, f: &Fields, stem_slug: Option<Slug>) -> Option<Advisory> {
    let (slug, slug_pos) = decode_slug(d, f, stem_slug);
    let title_node = d.required(f, "title");
    let title = title_node.and_then(|n| d.line(n, "title", "mail subjects and headings"));
    let summary_node = d.required(f, "summary");
    let summary = summary_node.and_then(|n| d.line(n, "summary", "mail subjects"));
    let mut spans = Spans {
        slug: slug_pos,
        title: title_node.map_or_else(Pos::default, |n| n.pos),
        summary: summary_node.map_or_else(Pos::default, |n| n.pos),
        ..Spans::default()
    };
    let cves = d.required(f, "cves").and_then(|n| {
        let items = d.list(n)?;
        if items.is_empty() {
            d.error(
                n.pos,
                "`cves` is empty: an advisory needs at least one CVE id",
            );
        }
        spans.cves = items.iter().map(|i| i.pos).collect();
        d.each(n, |d, i| d.parse(i, CveId::parse))
    });
    if let Some(cves) = &cves {
        for (i, c) in cves.iter().enumerate() {
            if cves[..i].contains(c) {
                d.error(spans.cves[i], format!("`{c}` is listed twice"));
            }
        }
    }
    let embargo = d.required(f, "embargo").and_then(|n| {
        spans.embargo = n.pos;
        decode_moment(d, n)
    });
    let severity_node = d.required(f, "severity");
    let severity = severity_node.and_then(|n| d.parse(n, Severity::parse));
    let cvss = d.optional(f, "cvss").and_then(|n| {
        let v = d.parse(n, CvssVector::parse)?;
        if let (Some(stated), Some(computed), Some(sn)) = (severity, v.severity(), severity_node) {
            if stated != computed {
                d.error_help(
                    sn.pos,
                    format!(
                        "severity `{stated}` contradicts the CVSS vector, whose base score {:.1} rates `{computed}`",
                        v.score()
                    ),
                    format!("set `severity: {computed}` or correct the vector"),
                );
            }
        }
        Some(v)
    });
    let cwes = d
        .optional(f, "cwes")
        .and_then(|n| d.each(n, |d, i| d.parse(i, CweId::parse)))
        .unwrap_or_default();
    let component = d.required(f, "component").and_then(|n| {
        spans.component = n.pos;
        d.line(n, "component", "mail subjects and headings")
    });
    let toolchain = d.optional(f, "toolchain").and_then(|n| {
        spans.toolchain = n.pos;
        let f = d.map(n, &["vulnerable", "patched"], "`toolchain`")?;
        let vulnerable = d
            .required(&f, "vulnerable")
            .and_then(|n| d.parse(n, parse_range));
        let patched = match d.optional(&f, "patched") {
            Some(n) => d.parse(n, parse_range).map(Some),
            None => Some(None),
        };
        Some(ToolchainRange {
            vulnerable: vulnerable?,
            patched: patched?,
        })
    });
    let exploited = d
        .optional(f, "exploited")
        .and_then(|n| d.bool(n))
        .unwrap_or(false);
    let toolchain_update = d
        .optional(f, "toolchain-update")
        .and_then(|n| d.bool(n))
        .unwrap_or(true);
    let affected = d.required(f, "affected").and_then(|n| {
        if d.list(n).is_some_and(|l| l.is_empty()) {
            d.error(n.pos, "`affected` is empty: name at least one package");
        }
        d.each(n, decode_affected)
    });
    let ghsa = d
        .optional(f, "ghsa")
        .and_then(|n| {
            spans.ghsa = d.list(n)?.iter().map(|i| i.pos).collect();
            d.each(n, |d, i| decode_ghsa(d, i, cves.as_deref(), severity))
        })
        .unwrap_or_default();
    let credits = d
        .optional(f, "credits")
        .and_then(|n| d.each(n, decode_credit))
        .unwrap_or_default();
    let patches = d
        .optional(f, "patches")
        .and_then(|n| {
            spans.patches = d.list(n)?.iter().map(|i| i.pos).collect();
            d.each(n, |d, i| d.string(i))
        })
        .unwrap_or_default();
    let fixes = d
        .optional(f, "fixes")
        .and_then(|n| d.each(n, decode_url))
        .unwrap_or_default();
    let authors = decode_authors(d, f);
    let announcement_url = d
        .optional(f, "announcement-url")
        .and_then(|n| decode_url(d, n));
    let updated = d.optional(f, "updated").and_then(|n| {
        spans.updated = n.pos;
        let m = decode_moment(d, n)?;
        if embargo.as_ref().is_some_and(|e| &m < e) {
            d.error(n.pos, "`updated` is earlier than the embargo: an advisory cannot change before it is published");
        }
        Some(m)
    });
    let changes = d.optional(f, "changes").and_then(|n| {
        let s = d.string(n)?;
        // It heads the update mail and sits beside a date on the page.
        if s.contains('\n') {
            d.error(
                n.pos,
                "`changes` is one line: say in a sentence what the revision changed",
            );
        }
        Some(s)
    });
    let update_mail = match d.optional(f, "update-mail") {
        Some(n) => {
            let on = d.bool(n).unwrap_or(false);
            if on && updated.is_none() {
                d.error(
                    n.pos,
                    "`update-mail` without `updated`: it mails a revision",
                );
            }
            on
        }
        None => false,
    };
    match (&updated, d.optional(f, "changes")) {
        (Some(_), None) => {
            if let Some(n) = d.optional(f, "updated") {
                d.error_help(
                    n.pos,
                    "`updated` without `changes`",
                    "say in `changes` what this revision changed, e.g. `changes: The affected range now includes 1.2.0.`",
                );
            }
        }
        (None, Some(n)) => d.error(
            n.pos,
            "`changes` without `updated`: give the moment of the revision",
        ),
        _ => {}
    }
    let allow = d
        .optional(f, "allow")
        .and_then(|n| {
            d.each(n, |d, i| {
                d.parse(i, |s| {
                    let names = crate::lint::names();
                    if names.contains(&s) {
                        Ok(s.to_string())
                    } else {
                        let near = crate::diag::suggest(s, &names)
                            .map(|c| format!(" (did you mean `{c}`?)"))
                            .unwrap_or_default();
                        Err(format!(
                            "unknown lint `{s}`{near}: lints are {}",
                            names.join(", ")
                        ))
                    }
                })
            })
        })
        .unwrap_or_default();
    let withdrawn = d
        .optional(f, "withdrawn")
        .and_then(|n| decode_withdrawal(d, n));

    Some(Advisory {
        slug: slug?,
        title: title?,
        summary: summary?,
        cves: cves?,
        embargo: embargo?,
        severity: severity?,
        cvss,
        cwes,
        component: component?,
        exploited,
        toolchain_update,
        toolchain,
        affected: affected?,
        ghsa,
        credits,
        patches,
        fixes,
        authors,
        announcement_url,
        updated,
        changes,
        update_mail,
        withdrawn,
        allow,
        spans,
    })
}

fn decode_affected(d: &mut Decoder, n: &Node) -> Option<Affected> {
    let f = d.map(
        n,
        &["package", "ecosystem", "vulnerable", "patched"],
        "an `affected` entry",
    )?;
    let package = d.required(&f, "package").and_then(|n| d.string(n));
    let ecosystem = match d.optional(&f, "ecosystem") {
        Some(n) => d.parse(n, |s| {
            if ECOSYSTEMS.contains(&s) {
                Ok(s.to_string())
            } else {
                Err(format!(
                    "unknown ecosystem `{s}`: GitHub knows {}",
                    ECOSYSTEMS.join(", ")
                ))
            }
        }),
        None => Some("rust".to_string()),
    };
    let vulnerable = d
        .required(&f, "vulnerable")
        .and_then(|n| d.parse(n, parse_range));
    let patched = d
        .optional(&f, "patched")
        .and_then(|n| d.parse(n, parse_range));
    Some(Affected {
        package: package?,
        ecosystem: ecosystem?,
        vulnerable: vulnerable?,
        patched,
    })
}

/// A version range such as `< 1.77.2` or `>= 1.0.0, < 1.77.2`.
fn parse_range(s: &str) -> Result<String, String> {
    super::range::parse(s).map(|_| s.to_string())
}

fn decode_ghsa(
    d: &mut Decoder,
    n: &Node,
    cves: Option<&[CveId]>,
    severity: Option<Severity>,
) -> Option<GhsaEntry> {
    let f = d.map(
        n,
        &["id", "repository", "cves", "summary", "cvss", "cwes"],
        "a `ghsa` entry",
    )?;
    let summary = d
        .optional(&f, "summary")
        .and_then(|n| d.line(n, "summary", "the GHSA's title"));
    let cvss = d.optional(&f, "cvss").and_then(|n| {
        let v = d.parse(n, CvssVector::parse)?;
        // The advisory's severity speaks for all of it: no part may rate
        // higher.
        if let (Some(whole), Some(part)) = (severity, v.severity()) {
            if part > whole {
                d.error_help(
                    n.pos,
                    format!("this GHSA's vector rates `{part}`, above the advisory's `severity: {whole}`"),
                    format!("the advisory's severity is its highest part's: set `severity: {part}`"),
                );
            }
        }
        Some(v)
    });
    let cwes = d
        .optional(&f, "cwes")
        .and_then(|n| d.each(n, |d, i| d.parse(i, CweId::parse)));
    let id = d.required(&f, "id").and_then(|n| d.parse(n, GhsaId::parse));
    let repository = d
        .required(&f, "repository")
        .and_then(|n| d.parse(n, RepoName::parse));
    let own = match d.optional(&f, "cves") {
        Some(list) => {
            let items = d.list(list)?;
            let parsed = d.each(list, |d, i| d.parse(i, CveId::parse));
            if let (Some(parsed), Some(all)) = (&parsed, cves) {
                for (c, item) in parsed.iter().zip(items) {
                    if !all.contains(c) {
                        d.error(
                            item.pos,
                            format!("`{c}` is not among the advisory's `cves`"),
                        );
                    }
                }
            }
            parsed
        }
        None => cves.map(<[CveId]>::to_vec),
    };
    // GitHub's advisory carries a single `cve_id`.
    if let Some(list) = &own {
        if list.len() > 1 {
            let at = d.optional(&f, "cves").map_or(f.pos, |n| n.pos);
            d.error_help(
                at,
                format!(
                    "a GHSA carries one CVE id, but this entry would carry {}",
                    list.len()
                ),
                "give each CVE its own `ghsa` entry, and name it with `cves: [CVE-…]`",
            );
        }
    }
    Some(GhsaEntry {
        id: id?,
        repository: repository?,
        cves: own.unwrap_or_default(),
        summary,
        cvss,
        cwes,
    })
}

fn decode_credit(d: &mut Decoder, n: &Node) -> Option<Credit> {
    let f = d.map(n, &["name", "type", "login"], "a `credits` entry")?;
    let name = d.required(&f, "name").and_then(|n| d.string(n));
    let kind = d.required(&f, "type").and_then(|n| {
        d.parse(n, |s| {
            if CREDIT_TYPES.contains(&s) {
                Ok(s.to_string())
            } else {
                let near = crate::diag::suggest(s, CREDIT_TYPES)
                    .map(|c| format!(" (did you mean `{c}`?)"))
                    .unwrap_or_default();
                Err(format!(
                    "credit type `{s}` is not one of GitHub's{near}: {}",
                    CREDIT_TYPES.join(", ")
                ))
            }
        })
    });
    let login = d.optional(&f, "login").and_then(|n| {
        d.parse(n, |s| {
            let s = s.trim_start_matches('@');
            if !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
                Ok(s.to_string())
            } else {
                Err(format!("invalid GitHub login `{s}`"))
            }
        })
    });
    Some(Credit {
        name: name?,
        kind: kind?,
        login,
    })
}

fn decode_withdrawal(d: &mut Decoder, n: &Node) -> Option<Withdrawal> {
    let f = d.map(n, &["at", "reason", "reject"], "`withdrawn`")?;
    let at = d.required(&f, "at").and_then(|n| decode_moment(d, n));
    let reason = d.required(&f, "reason").and_then(|n| d.string(n));
    let reject = match d.optional(&f, "reject") {
        Some(n) => d.bool(n),
        None => Some(false),
    };
    Some(Withdrawal {
        at: at?,
        reason: reason?,
        reject: reject?,
    })
}
