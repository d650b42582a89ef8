//! `herald schedule`: the upcoming actions, as a table and as iCalendar.

use std::path::Path;

use jiff::Timestamp;

use super::{load_checked, Exit};
use crate::schedule;

pub fn run(root: &Path, now: Option<Timestamp>, ics: Option<&Path>) -> Exit {
    let now = now.unwrap_or_else(Timestamp::now);
    let (project, _) = match load_checked(root, now, false) {
        Ok(v) => v,
        Err(exit) => return exit,
    };
    let actions = schedule::upcoming(&project, now);
    print!("{}", schedule::table(&project, &actions));
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
