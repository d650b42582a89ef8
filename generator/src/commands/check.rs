//! `herald check`: validate everything, rehearse the build behind the
//! embargo wall, write nothing.

use std::path::{Path, PathBuf};

use jiff::Timestamp;

use super::{load_and_lint, report_as, summary, Exit, Format};
use crate::diag::{file_error, Finding, Findings, Pos};
use crate::embargo::{Leak, Visibility, Wall};
use crate::model::Project;

pub struct Options {
    pub now: Option<Timestamp>,
    pub strict: bool,
    pub format: Format,
    pub public_source: bool,
    /// The site folder and outbox of an earlier build, whose verdicts the
    /// rehearsal may reuse (see `build::rehearse`).
    pub prior: Option<(PathBuf, PathBuf)>,
}

pub fn run(root: &Path, opts: Options) -> Exit {
    let Options {
        now,
        strict,
        format,
        public_source,
        prior,
    } = opts;
    let now = now.unwrap_or_else(Timestamp::now);
    let super::Loaded {
        project,
        findings: warnings,
        ledgers,
    } = match load_and_lint(root, now, super::Timeline::Fatal, true, format) {
        Ok(v) => v,
        Err(exit) => return exit,
    };
    crate::timings::mark("check: loaded and linted");
    if let Err(exit) = super::guard_source(&project, now, public_source) {
        return exit;
    }
    // Whatever `build` would refuse, `check` refuses first, at its source.
    let settled = super::build::settled(&ledgers, &project);
    // All the ledgers say is taken before the rehearsal, which needs their
    // memory: held through it, they took a run of 10,000 advisories past
    // 200 MB.
    let edits = Findings(silent_edits(&ledgers, &project));
    drop(ledgers);
    crate::timings::mark("check: ledgers held to the tree");
    let prior = match prior {
        Some((site, outbox)) => crate::build::PriorOutput {
            site: crate::output::Known::read(&site),
            outbox: crate::output::Known::read(&outbox),
        },
        None => Default::default(),
    };
    // `build` holds every file against the run's own secrets; so must the
    // check that says it will build.
    let secrets = crate::secrets::Secrets::from_env();
    let (leaks, known) = match crate::build::rehearse(&project, now, &settled, secrets, &prior) {
        Ok(r) => (r.leaks, r.known),
        Err(crate::build::BuildError::Channel(crate::channels::ChannelError::Record {
            slug,
            invalid,
        })) => {
            let findings = Findings(vec![record_finding(&project, &slug, &invalid)]);
            report_as(&findings, format);
            eprintln!(
                "herald: `herald build` would fail the same way; {}",
                summary(&findings)
            );
            return Exit::Findings;
        }
        Err(e) => {
            eprintln!("error: {e}");
            eprintln!("herald: `herald build` would fail the same way");
            return Exit::Findings;
        }
    };
    crate::timings::mark("check: rehearsed");
    if !leaks.is_empty() {
        let findings = Findings(locate(&project, now, &leaks));
        report_as(&findings, format);
        eprintln!(
            "herald: embargo wall: {} leak(s) that `herald build` would refuse; {}",
            leaks.len(),
            summary(&findings)
        );
        return Exit::Findings;
    }
    if edits.has_errors() {
        report_as(&edits, format);
        eprintln!("herald: {}", summary(&edits));
        return Exit::Findings;
    }
    report_as(&edits, format);
    let mut warnings = warnings;
    warnings.extend(edits.0);
    if strict && !warnings.0.is_empty() {
        eprintln!("herald: {} (--strict)", summary(&warnings));
        return Exit::Findings;
    }
    // Said, so that nobody takes a check that trusted a build for a fresh one.
    let trusted = match known {
        0 => String::new(),
        n => format!(" ({n} files as the last build found them: same inputs, same wall; `--fresh` renders them again)"),
    };
    eprintln!(
        "herald: checked {} advisories, {} pre-announcements, {} pages: {}{trusted}",
        project.advisories.len(),
        project.pre_announcements.len(),
        project.pages.len(),
        summary(&warnings)
    );
    Exit::Ok
}

/// Each leak at the source line that carries it, where one does; else at
/// the output file that would have carried it.
fn locate(project: &Project, now: Timestamp, leaks: &[Leak]) -> Vec<Finding> {
    let vis = Visibility::at(project, now);
    let wall = Wall::new(&vis);
    // The public sources: what a reader's page is made of at `now`, and
    // what each public channel text is made of.
    let mut sources: Vec<(PathBuf, &str, Option<Timestamp>)> = Vec::new();
    for d in &project.advisories {
        sources.push((
            d.source.path.clone(),
            &d.source.text,
            Some(d.meta.embargo.timestamp().max(now)),
        ));
    }
    for (d, at) in vis
        .pre_announcements
        .iter()
        .chain(&vis.hidden_pre_announcements)
    {
        sources.push((
            d.source.path.clone(),
            &d.source.text,
            Some(at.timestamp().max(now)),
        ));
    }
    for d in &project.pages {
        sources.push((d.source.path.clone(), &d.source.text, None));
    }
    let theme = Path::new("themes").join(&project.config.site.theme);
    for (name, text) in &project.theme.templates {
        sources.push((theme.join("templates").join(name), text, None));
    }
    let mut out = Vec::new();
    let mut located = std::collections::HashSet::new();
    let mut found_at_source = std::collections::HashSet::new();
    for (path, text, at) in &sources {
        for (i, line) in text.lines().enumerate() {
            // A pre-announcement names its advisory by slug; that field is
            // never shown.
            if line.starts_with("advisory:") {
                continue;
            }
            if let Some((found, what)) = wall
                .readings(line.as_bytes())
                .find_map(|r| wall.find_in_canonical(&r, *at))
            {
                found_at_source.insert(found.clone());
                if located.insert((path.clone(), i)) {
                    let src = crate::diag::Source::new(path.clone(), text.to_string());
                    let (col, len) = leak_span(line, &found);
                    out.push(src.error(
                        Pos::new(i + 1, col, len),
                        format!("embargo leak: `{found}` here is {what}; `herald build` would refuse to publish it"),
                    ).with_code("embargo-leak").with_help("remove it until the embargo lifts (the wall reads through case, entities, markup, separators, letter-spacing, look-alike letters and digits, digits of other scripts, right-to-left overrides and invisible characters)"));
                }
            }
        }
    }
    for (name, _) in &project.theme.statics {
        let path = theme.join("static").join(name);
        if let Some((found, what)) = wall
            .readings(name.as_bytes())
            .find_map(|r| wall.find_in_canonical(&r, None))
        {
            found_at_source.insert(found.clone());
            out.push(
                file_error(
                    &path,
                    format!("embargo leak: the file name holds `{found}`, {what}"),
                )
                .with_code("embargo-leak"),
            );
        }
    }
    // A leak no source line shows (made by rendering alone, or a title
    // split across source lines) is named at the output that carries it.
    for l in leaks {
        if !found_at_source.contains(&l.found) {
            out.push(
                file_error(
                    Path::new(&l.file),
                    format!("embargo leak: contains `{}`, {}", l.found, l.what),
                )
                .with_code("embargo-leak"),
            );
        }
    }
    let mut findings = Findings(out);
    findings.sort();
    findings.0
}

/// A CVE record the schema refuses, at the front-matter field behind it.
fn record_finding(project: &Project, slug: &str, invalid: &crate::cve::Invalid) -> Finding {
    let message = format!("{invalid}");
    let Some(doc) = project
        .advisories
        .iter()
        .find(|d| d.meta.slug.as_str() == slug)
    else {
        return file_error(Path::new(slug), message).with_code("cve-schema");
    };
    let src = crate::diag::Source::new(doc.source.path.clone(), doc.source.text.to_string());
    // The field's line in the front matter, else the opening fence.
    let pos = invalid
        .field
        .and_then(|field| {
            doc.source
                .text
                .lines()
                .enumerate()
                .skip(1)
                .take_while(|(_, l)| l.trim_end() != "---")
                .find(|(_, l)| l.starts_with(&format!("{field}:")))
                .map(|(i, l)| Pos::new(i + 1, 1, l.chars().count().max(1)))
        })
        .unwrap_or(Pos::new(1, 1, 3));
    src.error(pos, message).with_code("cve-schema").with_help(
        "the record is built from these fields; docs/guide/publishing.md, CVE records, says how",
    )
}

/// A published text that changed without a newer `updated`: a GHSA or CVE
/// record whose text differs from what the ledger says was sent, while the
/// advisory names no revision that was not carried yet. When the author's
/// source changed too, it is an error at `updated` (or the opening fence),
/// so no silent edit slips out; when only Herald or the theme changed the
/// text, a warning: nothing is sent without a revision.
fn silent_edits(ledgers: &crate::ledger::Ledgers, project: &Project) -> Vec<Finding> {
    use crate::ledger::State;
    let mut sent = Vec::new();
    for doc in &project.advisories {
        let a = &doc.meta;
        let Some(ledger) = ledgers.get(a.slug.as_str()) else {
            continue;
        };
        let revision = a.revision().map(crate::model::Moment::utc_rfc3339);
        // Hashed only for an advisory with a text on record.
        let source = std::cell::OnceCell::new();
        let source = || {
            source.get_or_init(|| crate::channels::manifest::sha256_hex(doc.source.text.as_bytes()))
        };
        let channels = a
            .ghsa
            .iter()
            .map(|g| (format!("ghsa:{}", g.id), format!("ghsa-{}.json", g.id)))
            .chain(
                a.cves
                    .iter()
                    .map(|c| (format!("cve:{c}"), format!("cve-{c}.json"))),
            );
        for (channel, file) in channels {
            let Some(sha) = ledger.get(&channel, "sha256") else {
                continue;
            };
            if ledger.state(&channel) != State::Done {
                continue;
            }
            // A revision not carried yet is what publish will send.
            if revision.is_some() && ledger.get(&channel, "revision") != revision.as_deref() {
                continue;
            }
            let edited = ledger
                .get(&channel, "source-sha256")
                .is_none_or(|s| s != source().as_str());
            let at = ledger.get(&channel, "revision").map(str::to_string);
            sent.push((
                doc,
                channel,
                format!("{}/{file}", a.slug),
                sha.to_string(),
                at,
                edited,
            ));
        }
    }
    if sent.is_empty() {
        return Vec::new();
    }
    let slugs = sent.iter().map(|s| s.0.meta.slug.to_string()).collect();
    let Ok(now) = crate::build::update_digests(project, &slugs) else {
        return Vec::new();
    };
    sent.into_iter()
        .filter(|(_, _, path, sha, _, _)| now.get(path).is_some_and(|d| d != sha))
        .map(|(doc, channel, _, _, at, edited)| {
            let a = &doc.meta;
            let pos = if a.updated.is_some() {
                a.spans.updated
            } else {
                Pos::new(1, 1, 3)
            };
            let since = at.map(|r| format!(" (last revision {r})")).unwrap_or_default();
            let src = crate::diag::Source::new(doc.source.path.clone(), doc.source.text.to_string());
            if edited {
                src.error(
                    pos,
                    format!("the {channel} text changed since it was published{since}, but `updated` names no newer revision: the change would never reach it"),
                )
                .with_code("silent-edit")
                .with_help("a change to a published advisory is a revision: set `updated` to now and say in `changes` what changed; `herald publish` then carries it once")
            } else {
                src.warning(
                    pos,
                    format!("the {channel} text differs from what was published{since}, though this file did not change: Herald or the theme renders it differently now. Nothing is sent without a revision"),
                )
                .with_code("rendering-changed")
            }
        })
        .collect()
}

/// Where on its source line a leak shows, as a column and a length: the
/// text found, where the line spells it so up to case; else from the one
/// place the line holds its first word (`cve` of `CVE_2026_40001`) to the
/// line's end; else the whole line, since its spelling (entities, letters
/// that look alike) no longer matches what was found.
fn leak_span(line: &str, found: &str) -> (usize, usize) {
    // ASCII lower-casing keeps every byte where it was, so a byte offset in
    // `lower` is one in `line`.
    let lower = line.to_ascii_lowercase();
    let col = |at: usize| line[..at].chars().count() + 1;
    let width = line.chars().count();
    if let Some(at) = lower.find(found) {
        return (col(at), found.chars().count().max(1));
    }
    let word = found
        .split(|c: char| !c.is_alphanumeric())
        .find(|w| w.len() >= 3);
    if let Some(word) = word {
        let mut places = lower.match_indices(word);
        if let (Some((at, _)), None) = (places.next(), places.next()) {
            let at = col(at);
            return (at, width + 1 - at);
        }
    }
    (1, width.max(1))
}

#[cfg(test)]
mod tests {
    use super::leak_span;

    #[test]
    fn a_leak_is_underlined_where_the_line_shows_it() {
        assert_eq!(
            leak_span("See CVE-2026-40001 soon.", "cve-2026-40001"),
            (5, 14)
        );
        assert_eq!(
            leak_span("Ünïcode first: CVE-2026-40001", "cve-2026-40001"),
            (16, 14)
        );
        // Spelled otherwise: from its first word to the line's end.
        assert_eq!(
            leak_span("See CVE_2026_40001 soon", "cve 2026 40001"),
            (5, 19)
        );
        // Nothing of it as written, or its first word twice: the whole line.
        assert_eq!(
            leak_span("See &#67;VE-2026-40001", "cve-2026-40001"),
            (1, 22)
        );
        assert_eq!(
            leak_span("a gadget parser, fixed", "gadget parser x"),
            (3, 20)
        );
        assert_eq!(
            leak_span("the gadget, the gadget parser", "the gadget parser x"),
            (1, 29)
        );
        assert_eq!(leak_span("the x, the y", "the z"), (1, 12));
    }
}
