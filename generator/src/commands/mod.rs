//! One module per command. Each returns the process's exit code and prints
//! its own report; none holds logic that another layer should own.

pub mod build;
pub mod check;
pub mod init;
pub mod ledger;
pub mod new;
pub mod publish;
pub mod schedule;
pub mod serve;
pub mod sign;
pub mod verify;

use std::path::Path;

use jiff::Timestamp;

use crate::diag::{Findings, Level};
use crate::load;
use crate::model::Project;

/// How far a moment given by hand may be from the machine's clock and
/// still be the real moment: a job may pass `--now "$(date -u …)"`, a
/// person may copy the time from another machine.
const CLOCK_SLACK_SECONDS: i64 = 60;

/// How far `at` is from the machine's clock (positive: ahead), when that is
/// more than the slack; and the clock, to the second, to say so.
pub fn off_the_clock(at: Timestamp) -> Option<(i64, Timestamp)> {
    let clock = Timestamp::now();
    let clock = clock.round(jiff::Unit::Second).unwrap_or(clock);
    let off = at.as_second() - clock.as_second();
    (off.abs() > CLOCK_SLACK_SECONDS).then_some((off, clock))
}

/// `--now` and the like: RFC 3339 with an offset, or with a `[Zone]`.
pub fn parse_now(s: &str) -> Result<Timestamp, String> {
    crate::model::Moment::parse(s).map(|m| m.timestamp())
}

/// `--deadline`: `20m`, `90s`, `1h 30m`.
pub fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    let d: jiff::SignedDuration = s
        .parse()
        .map_err(|e| format!("expected a duration like `20m` or `1h 30m`: {e}"))?;
    std::time::Duration::try_from(d).map_err(|_| "a duration must be positive".to_string())
}

/// Exit codes, as documented in docs/guide/commands.md and `--help`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Ok = 0,
    /// The content has errors, the wall stopped a build, a signature is bad.
    Findings = 1,
    /// The command could not run.
    Failure = 2,
}

/// How `check` prints its findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// `path:line:col: message`, with the source line, on stderr.
    Human,
    /// A JSON array on stdout: file, line, column, severity, code, message.
    Json,
    /// GitHub Actions annotations on stdout (`::error file=…,line=…,col=…::…`).
    Github,
}

/// Stop in a public source repository (see [`crate::source_guard`]);
/// `acknowledged` is `--public-source`.
pub fn guard_source(project: &Project, now: Timestamp, acknowledged: bool) -> Result<(), Exit> {
    use crate::source_guard::{guard, Ci, Verdict};
    let ci = Ci::from_env();
    match guard(project, now, acknowledged, ci.as_ref()) {
        Ok(Verdict::NotInCi | Verdict::NotPublic) => Ok(()),
        Ok(Verdict::PublicAcknowledged) => {
            eprintln!("herald: the source repository is public (--public-source): it holds nothing under embargo");
            Ok(())
        }
        // An outage must not hold back a disclosure; the next run asks again.
        Ok(Verdict::Unknown(why)) => {
            eprintln!("warning: could not learn from GitHub whether the source repository is public ({why}); going on");
            Ok(())
        }
        Err(e) => {
            eprintln!("error: {e}");
            if std::env::var_os("GITHUB_ACTIONS").is_some() {
                println!("::error title=Herald: public source repository::{e}");
            }
            Err(Exit::Findings)
        }
    }
}

pub fn report(findings: &Findings) {
    report_as(findings, Format::Human);
}

pub fn report_as(findings: &Findings, format: Format) {
    match format {
        Format::Human => {
            for f in findings.iter() {
                anstream::eprint!("{}", f.styled());
            }
        }
        Format::Json => print!("{}", findings.to_json()),
        Format::Github => print!("{}", findings.to_github()),
    }
}

pub fn summary(findings: &Findings) -> String {
    let errors = findings.error_count();
    let warnings = findings.0.len() - errors;
    format!("{errors} error(s), {warnings} warning(s)")
}

/// Load and validate the tree, then check its timeline at `now`; timeline
/// problems are only warnings.
pub fn load_checked(root: &Path, now: Timestamp) -> Result<(Project, Findings), Exit> {
    load_and_lint(root, now, Timeline::Warn, false, Format::Human).map(|l| (l.project, l.findings))
}

/// What a command makes of the timeline: the ledgers and when each text
/// is due.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Timeline {
    /// Problems are errors (`check`).
    Fatal,
    /// Problems are warnings (`build` with its outbox, `publish`, `serve`,
    /// `schedule`, `ledger`).
    Warn,
    /// Neither the ledgers nor the timeline are read: for the site alone,
    /// which shows nothing of either, and whose build at N=10,000 spent
    /// a sixth of its time reading 7,000 ledgers.
    Skip,
}

/// A tree as a command starts from: validated, with its ledgers read.
pub struct Loaded {
    pub project: Project,
    /// The warnings (errors stop the load).
    pub findings: Findings,
    pub ledgers: crate::ledger::Ledgers,
}

/// As `load_checked`; with `lint`, also the style lints of every advisory,
/// and findings printed in `format`.
pub fn load_and_lint(
    root: &Path,
    now: Timestamp,
    timeline: Timeline,
    lint: bool,
    format: Format,
) -> Result<Loaded, Exit> {
    load_and_lint_reusing(root, now, timeline, lint, format, None)
}

/// [`load_and_lint`], keeping in `parsed` what it parsed, as
/// [`load::load_reusing`] does: for `herald serve`, whose rebuilds parse
/// again only what changed since.
pub fn load_and_lint_reusing(
    root: &Path,
    now: Timestamp,
    timeline: Timeline,
    lint: bool,
    format: Format,
    parsed: Option<&mut load::Parsed>,
) -> Result<Loaded, Exit> {
    if !root.is_dir() {
        eprintln!("error: `{}` is not a folder", root.display());
        return Err(Exit::Failure);
    }
    let (project, mut findings) = match load::load_reusing(root, parsed) {
        Ok(v) => v,
        Err(findings) => {
            report_as(&findings, format);
            eprintln!("herald: {}; nothing was written", summary(&findings));
            return Err(Exit::Findings);
        }
    };
    // What the ledger records changes what is a problem; a ledger that does
    // not parse is one itself, never read as empty.
    let mut ledgers = crate::ledger::Ledgers::default();
    if timeline != Timeline::Skip {
        ledgers = crate::ledger::Ledgers::load(root, project.slugs());
        crate::timings::mark("ledgers read");
        let done = |slug: &str, channel: &str| {
            // A broken ledger is a finding of its own; what it records is
            // unknown, so no "missed" or "no record" is concluded from it.
            if ledgers.is_broken(slug) {
                crate::ledger::State::Adopted
            } else {
                ledgers.state(slug, channel)
            }
        };
        let mut problems = crate::schedule::check(&project, now, &done);
        let announced = |slug: &str, channel: &str| {
            done(slug, channel).is_done().then_some(())?;
            let ledger = ledgers.get(slug)?;
            let record = ledger.records.get(channel)?;
            Some((record.details.get("disclosure")?.clone(), record.at.clone()))
        };
        problems.extend(crate::schedule::moved_embargoes(&project, &announced));
        problems.extend(ledgers.broken());
        problems.extend(crate::orphans::Claims::read(root, &project).findings(&project, &ledgers));
        if timeline == Timeline::Warn {
            for f in &mut problems {
                f.level = Level::Warning;
            }
        }
        findings.extend(problems);
        crate::timings::mark("timeline checked");
    }
    if lint {
        use rayon::prelude::*;
        let lints: Vec<_> = project
            .advisories
            .par_iter()
            .flat_map_iter(|doc| crate::lint::advisory(doc, project.config.toolchain.as_ref(), now))
            .collect();
        findings.extend(lints);
    }
    findings.sort();
    report_as(&findings, format);
    if findings.has_errors() {
        eprintln!("herald: {}; nothing was written", summary(&findings));
        return Err(Exit::Findings);
    }
    Ok(Loaded {
        project,
        findings,
        ledgers,
    })
}

/// `s` as a double-quoted YAML scalar (JSON's string syntax is YAML's):
/// safe whatever it holds.
pub(crate) fn yaml_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

/// Refuse to create `rel` under `root` through a symbolic link: a linked
/// folder (or a dangling link at the file's own name) would put the file
/// outside the tree. `root` itself is the person's choice and is followed.
pub(crate) fn refuse_links(root: &std::path::Path, rel: &std::path::Path) -> Result<(), String> {
    let mut at = root.to_path_buf();
    for part in rel.components() {
        at.push(part);
        if std::fs::symlink_metadata(&at).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(format!(
                "`{}` is a symbolic link; Herald never writes through one, so nothing was written",
                at.display()
            ));
        }
    }
    Ok(())
}
