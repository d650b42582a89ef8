//! `herald schedule`: the upcoming actions, as a table and as iCalendar.

use std::path::Path;

use jiff::Timestamp;

use super::{load_checked, Exit};
use crate::schedule;

pub fn run(root: &Path, now: Option<Timestamp>, ics: Option<&Path>) -> Exit {
    let now = now.unwrap_or_else(Timestamp::now);
    let (project, _) = match load_checked(root, now) {
        Ok(v) => v,
        Err(exit) => return exit,
    };
    let actions = schedule::upcoming(&project, now);
    print!("{}", schedule::table(&project, &actions));
    // What can no longer happen, so nobody waits for it.
    let mut ledgers = std::collections::HashMap::new();
    for a in crate::timeline::actions(&project) {
        let ledger = ledgers
            .entry(a.slug.to_string())
            .or_insert_with(|| crate::ledger::Ledger::load(root, a.slug.as_str()).ok());
        let missed = ledger
            .as_ref()
            .is_some_and(|l| l.state(&a.channel.name()) == crate::ledger::State::Missed);
        if missed {
            println!(
                "missed: {} {} (due {}; its window closed unsent, the ledger records it)",
                a.slug,
                a.channel.name(),
                a.due.utc_rfc3339()
            );
        }
    }
    let left_out = crate::timeline::left_out(&project.config.channels);
    if !left_out.is_empty() {
        println!(
            "not set up in herald.yaml, so never sent: {}",
            left_out.join(", ")
        );
    }
    if let Some(path) = ics {
        let path = root.join(path);
        if let Err(e) = std::fs::write(&path, schedule::ics(&project, &actions, now)) {
            eprintln!("error: cannot write `{}`: {e}", path.display());
            return Exit::Failure;
        }
        eprintln!(
            "herald: wrote {} actions to {}",
            actions.len(),
            path.display()
        );
    }
    Exit::Ok
}
