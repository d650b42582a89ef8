//! Style lints for advisories: what makes an advisory easy to act on, and
//! what usually goes wrong under time pressure.
//!
//! Each lint has a name. A file can allow one with `allow: [name]` in its
//! front matter. Lints are warnings; `herald check --strict` makes them
//! errors.

use jiff::{Timestamp, ToSpan};
use pulldown_cmark::{BrokenLink, Event, LinkType, Options, Parser, Tag, TagEnd};

use crate::diag::{Finding, Pos};
use crate::model::{Advisory, Document};

/// Every lint, with what it checks.
/// Phrases of the `herald new` scaffold that only an author can replace;
/// the scaffold test checks that each one is in it.
pub const PLACEHOLDERS: &[&str] = &[
    "# edit:",
    "Say in this first",
    "Say for whom it is that severe",
    "Explain the vulnerability:",
    "Say which release fixes it",
    "List the affected versions of",
];

pub const LINTS: &[(&str, &str)] = &[
    ("summary-length", "the summary is at most 125 characters"),
    ("summary-period", "the summary does not end with a period"),
    (
        "title-length",
        "the title is at most 100 characters: it is a mail subject and a page title",
    ),
    ("title-cves", "the title names every CVE of the advisory"),
    (
        "sections",
        "the body has a Mitigations and an Affected Versions section",
    ),
    (
        "acknowledgments",
        "the Acknowledgments section credits every reporter listed in `credits`",
    ),
    ("https-links", "links use https"),
    (
        "bare-handle",
        "no bare @handle: name people, and link their profile",
    ),
    (
        "unresolved-reference",
        "every reference link has a definition",
    ),
    ("todo", "no TODO or FIXME is left in the text"),
    (
        "unknown-cve",
        "the body mentions no CVE that the front matter lacks",
    ),
    (
        "placeholder",
        "no placeholder text of `herald new` is left (\"Say in this first…\", `# edit:`)",
    ),
    (
        "toolchain-versions",
        "an advisory about a part of the toolchain gives `toolchain` versions, which readers install",
    ),
    (
        "ghsa-sections",
        "with a GHSA per CVE, a heading names each CVE, so that each GHSA carries only its own section",
    ),
    (
        "embargo-soon",
        "an advisory whose embargo is less than 24 hours away has no lint warnings",
    ),
];

pub fn names() -> Vec<&'static str> {
    LINTS.iter().map(|(n, _)| *n).collect()
}

fn is_cve_at(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    if b.len() < 13 || &b[..4] != b"CVE-" || !b[4..8].iter().all(u8::is_ascii_digit) || b[8] != b'-'
    {
        return None;
    }
    let digits = b[9..].iter().take_while(|c| c.is_ascii_digit()).count();
    (digits >= 4).then_some(9 + digits)
}

/// Run every lint on one advisory. `now` decides `embargo-soon`.
pub fn advisory(
    doc: &Document<Advisory>,
    toolchain: Option<&crate::model::config::Toolchain>,
    now: Timestamp,
) -> Vec<Finding> {
    let a = &doc.meta;
    let src = &doc.source;
    let allowed = |name: &str| a.allow.iter().any(|x| x == name);
    let mut out: Vec<Finding> = Vec::new();
    let mut warn = |code: &'static str, pos: Pos, msg: String| {
        if !allowed(code) {
            out.push(src.warning(pos, msg).with_code(code));
        }
    };

    let summary_len = a.summary.chars().count();
    if summary_len > 125 {
        warn("summary-length", a.spans.summary, format!("the summary has {summary_len} characters; keep it to 125, it becomes mail subjects and the GHSA summary"));
    }
    let title_len = a.title.chars().count();
    if title_len > 100 {
        warn(
            "title-length",
            a.spans.title,
            format!("the title has {title_len} characters; keep it to 100, it is a mail subject and a page title"),
        );
    }
    if a.summary.ends_with('.') {
        warn(
            "summary-period",
            a.spans.summary,
            "the summary ends with a period; it is used as a subject line".into(),
        );
    }
    for c in &a.cves {
        if !a.title.contains(c.as_str()) {
            warn(
                "title-cves",
                a.spans.title,
                format!("the title does not name `{c}`"),
            );
        }
    }

    let body = crate::diag::BodyPos {
        text: &doc.body,
        first_line: doc.body_line,
    };
    let mut broken: Vec<(std::ops::Range<usize>, String)> = Vec::new();
    let mut on_broken = |link: BrokenLink| {
        if matches!(link.link_type, LinkType::Reference | LinkType::Collapsed) {
            broken.push((link.span.clone(), link.reference.to_string()));
        }
        None
    };
    let parser = Parser::new_with_broken_link_callback(
        &doc.body,
        Options::ENABLE_TABLES,
        Some(&mut on_broken),
    );
    let mut headings: Vec<(String, usize)> = Vec::new();
    let mut heading: Option<(String, usize)> = None;
    let mut ack: Option<String> = None;
    let mut in_code = false;
    for (event, range) in parser.into_offset_iter() {
        match event {
            Event::Start(Tag::Heading { .. }) => heading = Some((String::new(), range.start)),
            Event::End(TagEnd::Heading(_)) => {
                if let Some((text, at)) = heading.take() {
                    let is_ack = text.to_ascii_lowercase().starts_with("acknowledg");
                    headings.push((text, at));
                    ack = if is_ack { Some(String::new()) } else { None };
                }
            }
            Event::Start(Tag::CodeBlock(_)) => in_code = true,
            Event::End(TagEnd::CodeBlock) => in_code = false,
            Event::Start(Tag::Link { dest_url, .. }) if dest_url.starts_with("http://") => {
                warn(
                    "https-links",
                    body.pos(range.start, range.len()),
                    format!("link to `{dest_url}` uses http; use https"),
                );
            }
            Event::Text(t) => {
                if let Some((h, _)) = &mut heading {
                    h.push_str(&t);
                } else if let Some(s) = &mut ack {
                    s.push_str(&t);
                    s.push(' ');
                }
                if !in_code {
                    for (i, _) in t.match_indices('@') {
                        let prev = t[..i].chars().next_back();
                        let handle: String = t[i + 1..]
                            .chars()
                            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                            .collect();
                        if !handle.is_empty()
                            && prev.is_none_or(|p| p.is_whitespace() || "([{,;:".contains(p))
                        {
                            let at = doc.body[range.clone()]
                                .find(&format!("@{handle}"))
                                .map_or(range.start, |o| range.start + o);
                            warn("bare-handle", body.pos(at, handle.len() + 1), format!("bare handle `@{handle}`: write the person's name, and link their profile if they want it"));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    for (span, reference) in broken {
        warn(
            "unresolved-reference",
            body.pos(span.start, span.len()),
            format!("reference link `[{reference}]` has no definition"),
        );
    }
    let has = |name: &str| {
        headings
            .iter()
            .any(|(h, _)| h.trim().eq_ignore_ascii_case(name))
    };
    // Body-wide findings point at the first heading, or the first text.
    let first_heading = match headings.first() {
        Some((h, at)) => body.pos(*at, h.len() + 3),
        None => body.pos(doc.body.len() - doc.body.trim_start().len(), 1),
    };
    if !has("Mitigations") {
        warn(
            "sections",
            first_heading,
            "the body has no `## Mitigations` section: say what users should do".into(),
        );
    }
    if !has("Affected Versions") {
        warn(
            "sections",
            first_heading,
            "the body has no `## Affected Versions` section".into(),
        );
    }
    let ack_pos = headings
        .iter()
        .find(|(h, _)| h.to_ascii_lowercase().starts_with("acknowledg"))
        .map_or(first_heading, |(h, at)| body.pos(*at, h.len() + 3));
    let ack_text = {
        // The section runs to the next heading; collect it again by offsets.
        let start = headings
            .iter()
            .find(|(h, _)| h.to_ascii_lowercase().starts_with("acknowledg"))
            .map(|(_, at)| *at);
        start.map(|s| {
            let end = headings
                .iter()
                .map(|(_, at)| *at)
                .find(|at| *at > s)
                .unwrap_or(doc.body.len());
            doc.body[s..end].to_string()
        })
    };
    for c in a.credits.iter().filter(|c| c.kind == "reporter") {
        if !ack_text.as_deref().is_some_and(|t| t.contains(&c.name)) {
            warn(
                "acknowledgments",
                ack_pos,
                format!(
                    "the Acknowledgments section does not credit the reporter {}",
                    c.name
                ),
            );
        }
    }

    // Each word is looked for line by line only where the whole body has
    // it: most bodies have none, and a searcher set up for every line and
    // word was a fifth of the lints' time.
    let words: Vec<&str> = ["TODO", "FIXME"]
        .into_iter()
        .filter(|w| doc.body.contains(w))
        .collect();
    for (i, line) in doc.body.lines().enumerate() {
        for &word in &words {
            if let Some(col) = line.find(word) {
                let pos = Pos::new(
                    doc.body_line + i,
                    line[..col].chars().count() + 1,
                    word.len(),
                );
                warn("todo", pos, format!("`{word}` left in the text"));
            }
        }
        let mut rest = line;
        let mut offset = 0;
        while let Some(i2) = rest.find("CVE-") {
            if let Some(len) = is_cve_at(&rest[i2..]) {
                let id = &rest[i2..i2 + len];
                if !a.cves.iter().any(|c| c.as_str() == id) {
                    let col = line[..offset + i2].chars().count() + 1;
                    warn(
                        "unknown-cve",
                        Pos::new(doc.body_line + i, col, len),
                        format!("`{id}` is mentioned but not listed in `cves`"),
                    );
                }
                rest = &rest[i2 + len..];
                offset += i2 + len;
            } else {
                rest = &rest[i2 + 4..];
                offset += i2 + 4;
            }
        }
    }

    if let Some(tc) = toolchain {
        let part = tc
            .components
            .iter()
            .any(|c| c.eq_ignore_ascii_case(&a.component));
        if part && a.toolchain.is_none() {
            warn(
                "toolchain-versions",
                a.spans.component,
                format!("`{}` ships in {}, but the advisory gives no `toolchain` versions: readers know the {} release they installed, not this part's version", a.component, tc.name, tc.name),
            );
        }
    }

    // With a GHSA per CVE, each GHSA carries only the sections whose
    // heading names its CVE (channels::ghsa); a CVE no heading names
    // would get every section, the other CVEs' included.
    if a.ghsa.len() > 1 {
        let heads = crate::channels::ghsa::headings(&doc.body);
        for (g, pos) in a.ghsa.iter().zip(&a.spans.ghsa) {
            for c in &g.cves {
                let named = heads.iter().any(|(_, text, _)| {
                    crate::channels::ghsa::named_cves(text, &a.cves).contains(&c)
                });
                if !named {
                    warn(
                        "ghsa-sections",
                        *pos,
                        format!("no heading names `{c}`: its GHSA, {}, will carry every section of the body, the other CVEs' included; add a heading such as `### {c}: …`", g.id),
                    );
                }
            }
        }
    }

    // What `herald new` writes for the author to replace.
    let placeholders: Vec<&str> = PLACEHOLDERS
        .iter()
        .copied()
        .filter(|p| doc.source.text.contains(p))
        .collect();
    for (i, line) in doc.source.text.lines().enumerate() {
        if placeholders.is_empty() {
            break;
        }
        if let Some(p) = placeholders.iter().find(|p| line.contains(*p)) {
            let col = line[..line.find(p).unwrap_or(0)].chars().count() + 1;
            warn(
                "placeholder",
                Pos::new(i + 1, col, p.chars().count()),
                format!("placeholder text `{p}` of `herald new` is still here: write the advisory's own"),
            );
        }
    }

    let soon = a.embargo.timestamp() > now
        && now
            .checked_add(24.hours())
            .is_ok_and(|limit| a.embargo.timestamp() <= limit);
    if soon && !out.is_empty() && !allowed("embargo-soon") {
        let hours = (a.embargo.timestamp().as_second() - now.as_second()) / 3600;
        let n = out.len();
        out.push(
            src.warning(a.spans.embargo, format!("the embargo lifts in {hours} hour(s) and this advisory still has {n} lint warning(s)"))
                .with_code("embargo-soon"),
        );
    }
    out
}
