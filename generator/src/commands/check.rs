//! `herald check`: validate everything, write nothing.

use std::path::Path;

use jiff::Timestamp;

use super::{load_and_lint, summary, Exit, Format};

pub fn run(root: &Path, now: Option<Timestamp>, strict: bool, format: Format) -> Exit {
    let (project, warnings) =
        match load_and_lint(root, now.unwrap_or_else(Timestamp::now), true, true, format) {
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
