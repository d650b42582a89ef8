//! `herald publish`: do what is due, in order, once.

use std::path::{Path, PathBuf};
use std::time::Duration;

use jiff::Timestamp;

use super::{load_checked, Exit};
use crate::publish::{self, Credentials, Options};

/// The command line of `herald publish`.
#[derive(clap::Args)]
pub struct Flags {
    /// The moment to publish at; default: now.
    #[arg(long, value_name = "TIME", value_parser = super::parse_now)]
    pub now: Option<Timestamp>,
    /// Print what would be done, with secrets redacted; send nothing, write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Send again mails left `started` by a run that died mid-send (check the archive first).
    #[arg(long, conflicts_with = "confirm_sent")]
    pub resend_started: bool,
    /// Record mails left `started` as sent, without sending (the archive shows them delivered).
    #[arg(long)]
    pub confirm_sent: bool,
    /// The outbox that `herald build` wrote.
    #[arg(long, default_value = "outbox", value_name = "DIR")]
    pub outbox: PathBuf,
    /// Send what of SLUG waits past `rules.late-limit-hours` (its announcement and what
    /// follows, a step of adopted history, an [UPDATED] mail); a person decided it
    /// should still go out. Repeatable.
    #[arg(long, value_name = "SLUG")]
    pub late: Vec<String>,
    /// The most this run may take, e.g. `20m` or `90s`; what is left then stays
    /// pending for the next run. Keep it under the workflow's own timeout.
    #[arg(long, default_value = "20m", value_name = "DURATION", value_parser = super::parse_duration)]
    pub deadline: Duration,
    /// Go on in a public source repository (GitHub Actions) that holds only published
    /// advisories; never enough when anything in it is under embargo.
    #[arg(long)]
    pub public_source: bool,
    /// Before each mail goes out, once the ledger records it as started, run COMMAND
    /// (with `sh -c`, in the tree); the mail goes out only if it succeeds. The publish
    /// workflow pushes the ledger with it, so that a runner lost after sending leaves
    /// the record on the branch, and the next run asks a person instead of sending again.
    #[arg(long, value_name = "COMMAND")]
    pub checkpoint: Option<String>,
}

/// Why this run may reach only servers on loopback, if its moment is not
/// the machine's. No flag lifts this: a moment ahead would publish before
/// the embargo lifts, and one behind would send notices after the
/// disclosure. A late run is a run without `--now`, and its lateness is
/// stated.
fn rehearsal(now: Option<Timestamp>, dry_run: bool) -> Option<String> {
    let now = now.filter(|_| !dry_run)?;
    let (off, clock) = super::off_the_clock(now)?;
    let span = jiff::SignedDuration::from_secs(off.abs());
    let side = if off > 0 { "ahead of" } else { "behind" };
    Some(format!(
        "--now {now} is {span:#} {side} this machine's clock ({clock}); a run at another moment than the real one reaches only servers on loopback, for rehearsals. Run without --now to publish"
    ))
}

pub fn run(root: &Path, flags: Flags) -> Exit {
    let now = flags.now.unwrap_or_else(Timestamp::now);
    let dry_run = flags.dry_run;
    let (project, _) = match load_checked(root, now) {
        Ok(v) => v,
        Err(exit) => return exit,
    };
    if let Err(exit) = super::guard_source(&project, now, flags.public_source) {
        return exit;
    }
    for slug in &flags.late {
        if let Err(msg) = super::ledger::known_slug(&project, slug) {
            eprintln!("error: --late {slug}: {msg}");
            return Exit::Failure;
        }
    }
    let opts = Options {
        rehearsal: rehearsal(flags.now, dry_run),
        live_clock: flags.now.is_none(),
        now,
        dry_run,
        resend_started: flags.resend_started,
        confirm_sent: flags.confirm_sent,
        outbox: root.join(&flags.outbox),
        late: flags.late,
        deadline: flags.deadline,
        checkpoint: flags.checkpoint,
    };
    let creds = Credentials::from_env();
    if dry_run {
        let show = |v: &Option<String>| if v.is_some() { "set" } else { "NOT SET" };
        eprintln!(
            "herald: dry run at {now}: nothing is sent and the ledger is not written. Credentials: HERALD_SMTP_URL {}, GITHUB_TOKEN {}, DISCOURSE_API_KEY {}, DISCOURSE_API_USERNAME {}, HERALD_CVE_API_USER {}, HERALD_CVE_API_KEY {}",
            creds.smtp_url.as_deref().map(publish::smtp::redact).unwrap_or_else(|| "NOT SET".into()),
            show(&creds.github_token),
            show(&creds.discourse_key),
            show(&creds.discourse_user),
            show(&creds.cve_user),
            show(&creds.cve_key),
        );
    }
    let report = match publish::publish(&project, &opts, &creds, &mut |line| eprintln!("{line}")) {
        Ok(r) => r,
        Err(e) => {
            let secrets = crate::secrets::Secrets::of(&creds);
            eprintln!("error: {}", secrets.redact(&e.to_string()));
            return Exit::Failure;
        }
    };
    eprintln!(
        "herald: {} done, {} failed, {} need attention, {} missed, {} late",
        report.done.len(),
        report.failed.len(),
        report.attention.len(),
        report.missed.len(),
        report.late.len()
    );
    for m in &report.missed {
        eprintln!("error: {m}");
    }
    for l in &report.late {
        eprintln!("error: late: {l}");
    }
    if !report.missed.is_empty() || !report.late.is_empty() {
        return Exit::Findings;
    }
    if !report.failed.is_empty() || !report.attention.is_empty() {
        eprintln!("herald: later steps of a failed sequence wait; fix the cause and run `herald publish` again (docs/guide/publishing.md lists what each failure means)");
        return Exit::Findings;
    }
    Exit::Ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_moment_away_from_the_clock_is_a_rehearsal() {
        let at = |secs: i64| Some(Timestamp::now() + jiff::SignedDuration::from_secs(secs));
        assert_eq!(rehearsal(None, false), None);
        assert_eq!(rehearsal(at(30), false), None);
        assert_eq!(rehearsal(at(-30), false), None);
        let ahead = rehearsal(at(7200), false).expect("two hours ahead");
        assert!(ahead.contains(" ahead of this machine's clock"), "{ahead}");
        let behind = rehearsal(at(-7200), false).expect("two hours behind");
        assert!(behind.contains(" behind this machine's clock"), "{behind}");
        // A dry run sends nothing, so any moment may be looked at.
        assert_eq!(rehearsal(at(7200), true), None);
    }
}
