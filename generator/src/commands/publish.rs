//! `herald publish`: do what is due, in order, once.

use std::path::Path;

use jiff::Timestamp;

use super::{load_checked, Exit};
use crate::publish::{self, Credentials, Options};

pub fn run(
    root: &Path,
    now: Option<Timestamp>,
    dry_run: bool,
    resend_started: bool,
    confirm_sent: bool,
    outbox: &Path,
) -> Exit {
    let now = now.unwrap_or_else(Timestamp::now);
    let (project, _) = match load_checked(root, now, false) {
        Ok(v) => v,
        Err(exit) => return exit,
    };
    let opts = Options {
        now,
        dry_run,
        resend_started,
        confirm_sent,
        outbox: root.join(outbox),
    };
    let creds = Credentials::from_env();
    if dry_run {
        let show = |v: &Option<String>| if v.is_some() { "set" } else { "NOT SET" };
        eprintln!(
            "herald: dry run at {now}: nothing is sent and the ledger is not written. Credentials: HERALD_SMTP_URL {}, GITHUB_TOKEN {}, DISCOURSE_API_KEY {}, DISCOURSE_API_USERNAME {}",
            creds.smtp_url.as_deref().map(publish::smtp::redact).unwrap_or_else(|| "NOT SET".into()),
            show(&creds.github_token),
            show(&creds.discourse_key),
            show(&creds.discourse_user),
        );
    }
    let report = match publish::publish(&project, &opts, &creds, &mut |line| eprintln!("{line}")) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return Exit::Failure;
        }
    };
    eprintln!(
        "herald: {} done, {} failed, {} need attention",
        report.done.len(),
        report.failed.len(),
        report.attention.len()
    );
    if !report.failed.is_empty() || !report.attention.is_empty() {
        eprintln!("herald: later steps of a failed sequence wait; fix the cause and run `herald publish` again (the README lists what each failure means)");
        return Exit::Findings;
    }
    Exit::Ok
}
