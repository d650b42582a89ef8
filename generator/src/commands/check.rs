//! `herald check`: validate everything, write nothing.

use std::path::Path;

use jiff::Timestamp;

use super::{load_checked, summary, Exit};

pub fn run(root: &Path, now: Option<Timestamp>, strict: bool) -> Exit {
    let (project, warnings) = match load_checked(root, now.unwrap_or_else(Timestamp::now), true) {
        Ok(v) => v,
        Err(exit) => return exit,
    };
    if strict && !warnings.0.is_empty() {
        eprintln!("herald: {} (--strict)", summary(&warnings));
        return Exit::Findings;
    }
    eprintln!(
        "herald: checked {} advisories, {} pre-announcements, {} pages: {}",
        project.advisories.len(),
        project.pre_announcements.len(),
        project.pages.len(),
        summary(&warnings)
    );
    Exit::Ok
}
