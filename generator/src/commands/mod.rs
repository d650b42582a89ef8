//! One module per command. Each returns the process's exit code and prints
//! its own report; none holds logic that another layer should own.

pub mod build;
pub mod check;
pub mod publish;
pub mod schedule;
pub mod sign;
pub mod verify;

use std::path::Path;

use jiff::Timestamp;

use crate::diag::{Findings, Level};
use crate::load;
use crate::model::Project;

/// Exit codes, as documented in the README and `--help`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Ok = 0,
    /// The content has errors, the wall stopped a build, a signature is bad.
    Findings = 1,
    /// The command could not run.
    Failure = 2,
}

pub fn report(findings: &Findings) {
    for f in findings.iter() {
        eprint!("{f}");
    }
}

pub fn summary(findings: &Findings) -> String {
    let errors = findings.error_count();
    let warnings = findings.0.len() - errors;
    format!("{errors} error(s), {warnings} warning(s)")
}

/// Load and validate the tree, then check its timeline at `now`. With
/// `timeline_fatal` false, timeline problems are only warnings.
pub fn load_checked(
    root: &Path,
    now: Timestamp,
    timeline_fatal: bool,
) -> Result<(Project, Findings), Exit> {
    if !root.is_dir() {
        eprintln!("error: `{}` is not a folder", root.display());
        return Err(Exit::Failure);
    }
    let (project, mut findings) = match load::load(root) {
        Ok(v) => v,
        Err(findings) => {
            report(&findings);
            eprintln!("herald: {}; nothing was written", summary(&findings));
            return Err(Exit::Findings);
        }
    };
    // A notice that the ledger records as done is no longer a problem.
    let ledgers = std::cell::RefCell::new(std::collections::HashMap::new());
    let done = |a: &crate::timeline::Action| {
        let mut cache = ledgers.borrow_mut();
        let ledger = cache
            .entry(a.slug.to_string())
            .or_insert_with(|| crate::ledger::Ledger::load(root, a.slug.as_str()).ok());
        ledger
            .as_ref()
            .is_some_and(|l| l.state(&a.channel.name()) == crate::ledger::State::Done)
    };
    let mut timeline = crate::schedule::check(&project, now, &done);
    if !timeline_fatal {
        for f in &mut timeline {
            f.level = Level::Warning;
        }
    }
    findings.extend(timeline);
    findings.sort();
    if findings.has_errors() {
        report(&findings);
        eprintln!("herald: {}; nothing was written", summary(&findings));
        return Err(Exit::Findings);
    }
    report(&findings);
    Ok((project, findings))
}
