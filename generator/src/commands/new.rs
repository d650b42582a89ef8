//! `herald new`: scaffolds that pass `herald check` the moment they exist.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};

use jiff::civil::Weekday;
use jiff::{Timestamp, ToSpan};

use super::Exit;
use crate::load;
use crate::model::{CveId, Severity, Slug};

/// What `herald new advisory` was told on the command line.
pub struct AdvisoryArgs {
    pub cve: Option<String>,
    pub title: Option<String>,
    pub component: Option<String>,
    pub severity: Option<String>,
    pub summary: Option<String>,
    pub embargo: Option<String>,
}

/// Ask for a missing value when a person is at the terminal.
fn ask(
    what: &str,
    given: Option<String>,
    check: impl Fn(&str) -> Result<(), String>,
) -> Result<String, String> {
    if let Some(v) = given {
        check(&v).map_err(|e| format!("--{what}: {e}"))?;
        return Ok(v);
    }
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Err(format!("missing --{what} (and no terminal to ask on)"));
    }
    loop {
        eprint!("{what}: ");
        let _ = std::io::stderr().flush();
        let mut line = String::new();
        if stdin
            .lock()
            .read_line(&mut line)
            .map_err(|e| e.to_string())?
            == 0
        {
            return Err(format!("missing --{what}"));
        }
        let v = line.trim().to_string();
        match check(&v) {
            Ok(()) => return Ok(v),
            Err(e) => eprintln!("  {e}"),
        }
    }
}

/// A title, summary or component: what `check` holds them to.
fn one_line(v: &str) -> Result<(), String> {
    if v.trim().is_empty() {
        return Err("it must not be empty".into());
    }
    match v.chars().find(|&c| crate::fields::breaks_a_line(c)) {
        Some(c) => Err(format!(
            "it must be one line of text, without U+{:04X}: it becomes mail subjects",
            c as u32
        )),
        None => Ok(()),
    }
}

/// The first Tuesday at least 14 days away, 15:00 UTC: far enough for every
/// notice, on a usual disclosure day.
fn default_embargo(now: Timestamp) -> String {
    let mut day = now.to_zoned(jiff::tz::TimeZone::UTC).date();
    day = day.checked_add(14.days()).unwrap_or(day);
    while day.weekday() != Weekday::Tuesday {
        day = day.tomorrow().unwrap_or(day);
    }
    format!("{day}T15:00:00Z")
}

/// Write `text` to `path` unless the file exists: never overwrite.
fn create(root: &Path, path: &Path, text: &str) -> Result<(), String> {
    super::refuse_links(root, path.strip_prefix(root).unwrap_or(path))?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create `{}`: {e}", dir.display()))?;
    }
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => format!(
                "`{}` already exists; Herald never overwrites a file",
                path.display()
            ),
            _ => format!("cannot create `{}`: {e}", path.display()),
        })?;
    f.write_all(text.as_bytes())
        .map_err(|e| format!("cannot write `{}`: {e}", path.display()))
}

use super::yaml_str;

fn finish(root: &Path, result: Result<PathBuf, String>) -> Exit {
    match result {
        Ok(path) => {
            let shown = path.strip_prefix(root).unwrap_or(&path);
            println!("{}", shown.display());
            eprintln!(
                "herald: wrote {}; edit it, then run `herald check`",
                shown.display()
            );
            Exit::Ok
        }
        Err(e) => {
            eprintln!("error: {e}");
            Exit::Failure
        }
    }
}

pub fn advisory(root: &Path, args: AdvisoryArgs) -> Exit {
    finish(root, write_advisory(root, args))
}

fn write_advisory(root: &Path, args: AdvisoryArgs) -> Result<PathBuf, String> {
    // Without a terminal to ask on, say every missing flag at once.
    if !std::io::stdin().is_terminal() {
        let missing: Vec<String> = [
            ("cve", &args.cve),
            ("component", &args.component),
            ("severity", &args.severity),
            ("title", &args.title),
        ]
        .iter()
        .filter(|(_, v)| v.is_none())
        .map(|(k, _)| format!("--{k}"))
        .collect();
        if !missing.is_empty() {
            return Err(format!(
                "missing {} (and no terminal to ask on)",
                missing.join(", ")
            ));
        }
    }
    let cve = ask("cve", args.cve, |v| CveId::parse(v).map(|_| ()))?;
    let component = ask("component", args.component, one_line)?;
    let severity = ask("severity", args.severity, |v| {
        Severity::parse(v).map(|_| ())
    })?;
    let title = ask("title", args.title, one_line)?;
    // The title names the CVE (the `title-cves` lint).
    let title = if title.contains(&cve) {
        title
    } else {
        format!("{title} ({cve})")
    };
    let summary = args
        .summary
        .unwrap_or_else(|| format!("Vulnerability in {component}"));
    one_line(&summary).map_err(|e| format!("--summary: {e}"))?;
    let embargo = match args.embargo {
        Some(e) => {
            crate::model::Moment::parse(&e)?;
            e
        }
        None => default_embargo(Timestamp::now()),
    };
    let year = &embargo[..4];
    let slug = Slug::from_file_stem(&cve)?;
    let config = load::load_config_only(root)?;
    let path = root
        .join("advisories")
        .join(year)
        .join(format!("{slug}.md"));
    // The same CVE in another year's folder would be a duplicate too.
    let file_name = format!("{slug}.md");
    if let Some(other) = walkdir::WalkDir::new(root.join("advisories"))
        .into_iter()
        .filter_map(Result::ok)
        .find(|e| e.file_name().to_string_lossy() == file_name)
    {
        return Err(format!(
            "`{}` already exists; Herald never overwrites a file",
            other.path().display()
        ));
    }
    let package: String = component
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let text = format!(
        r#"---
kind: advisory                # this file is an advisory
slug: {slug}          # its URL name and outbox folder; default: the file name
title: {title}   # page title and mail subject; names every CVE
summary: {summary}   # one line, at most 125 characters, no final period
cves: [{cve}]                 # every CVE id this advisory covers
embargo: {embargo}   # the public moment, with its offset or zone
severity: {severity}          # low | medium | high | critical; must match the CVSS score
cvss:                         # optional: CVSS:3.1/… or CVSS:4.0/… base vector
cwes: []                      # weakness classes, e.g. [CWE-22]
component: {component}   # the affected part of the project
exploited: false              # true if exploited in the wild (shortens the advance notice)
toolchain-update: true        # false when users need no toolchain update (no advance notice)
toolchain:                    # for a part of the toolchain: {{ vulnerable, patched }} in its releases
affected:                     # every affected package, with semver ranges
  - package: {package}
    ecosystem: rust
    vulnerable: "< 1.0.0"     # edit: the vulnerable range
    patched: ">= 1.0.0"       # edit: the fixed versions
ghsa: []                      # GitHub advisories: {{ id, repository, cves }}
credits: []                   # {{ name, type (GitHub credit type), login }}
patches: []                   # patch files for the private notices
fixes: []                     # public URLs of the fix (pull requests, commits)
authors: []                   # blog authors; default: the team
announcement-url:             # the announcement's URL, once known
updated:                      # when the advisory changed after publication
changes:                      # with `updated`: what that revision changed
update-mail: false            # with `updated`: also mail the revision, signed ("[UPDATED] …")
withdrawn:                    # {{ at, reason }} if withdrawn
allow: []                     # lints this file opts out of
---

{team} was notified of a vulnerability in {component_text}.
Say in this first paragraph who is affected, and what an attacker can do.

The severity of this vulnerability is "{severity}".
Say for whom it is that severe, and what users should do.

This vulnerability is identified by {cve}.

## Overview

Explain the vulnerability: what goes wrong, under which conditions, and what
an attacker can achieve.

## Mitigations

Say which release fixes it, and what users who cannot upgrade should do.

## Affected Versions

List the affected versions of {component_text}.

## Acknowledgments

We thank the reporter for reporting this vulnerability in accordance with our
[security policy][policy].

[policy]: {base}policy/
"#,
        title = yaml_str(&title),
        summary = yaml_str(&summary),
        component = yaml_str(&component),
        component_text = component,
        team = config.team.name,
        base = config.site.base_url,
    );
    create(root, &path, &text)?;
    Ok(path)
}

pub fn pre_announcement(root: &Path, for_slug: &str) -> Exit {
    finish(root, write_pre(root, for_slug))
}

fn write_pre(root: &Path, for_slug: &str) -> Result<PathBuf, String> {
    let (project, _) = load::load(root).map_err(|f| {
        super::report(&f);
        "the tree has errors; fix them first".to_string()
    })?;
    let slug = Slug::parse(for_slug)?;
    let doc = project.advisory(&slug).ok_or_else(|| {
        let slugs: Vec<&str> = project
            .advisories
            .iter()
            .map(|d| d.meta.slug.as_str())
            .collect();
        match crate::diag::suggest(slug.as_str(), &slugs) {
            Some(near) => format!("no advisory with slug `{slug}`; did you mean `{near}`?"),
            None => format!("no advisory with slug `{slug}`"),
        }
    })?;
    let a = &doc.meta;
    let release = a.embargo.zoned().to_string();
    let human = a.embargo.human();
    let date = a.embargo.date();
    let title = format!("Security release for {} on {date}", a.component);
    // Not named after the advisory: its slug often carries the CVE id, and
    // the pre-announcement's URL and Message-ID must not.
    let pre_slug = Slug::from_file_stem(&format!("pre-{}-{date}", a.component))?;
    let path = root
        .join("advisories")
        .join(a.embargo.year().to_string())
        .join(format!("{pre_slug}.md"));
    let text = format!(
        r#"---
kind: pre-announcement        # announces a security release, nothing more
title: {title}
release: {release}   # the planned release: the advisory's embargo
severity: {severity}          # the advisory's severity
component: {component}   # the affected part, as the advisory names it
advisory: {slug}              # checked for agreement with that advisory
announce:                     # optional: when it goes public; default from the timeline
authors: []                   # default: the team
---

{team} will publish a security release for {component_text} on
**{human}**. It fixes a vulnerability of **{severity}** severity.

We will publish the details when the release is out. Please be ready to
update on that day.
"#,
        title = yaml_str(&title),
        severity = a.severity,
        component = yaml_str(&a.component),
        component_text = a.component,
        team = project.config.team.name,
    );
    create(root, &path, &text)?;
    Ok(path)
}
