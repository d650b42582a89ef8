//! `herald build`: render the site in parallel, hold every file against the
//! embargo wall, and swap the result in only when all of it is clean.

use std::path::PathBuf;
use std::sync::Mutex;

use jiff::Timestamp;
use rayon::prelude::*;

use crate::embargo::{Leak, Visibility, Wall};
use crate::model::Project;
use crate::output::{OutputError, Staging};
use crate::site::{RenderError, Site};

pub struct Options {
    pub now: Timestamp,
    pub out: PathBuf,
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Report {
    pub files: usize,
    pub published: usize,
    pub embargoed: usize,
    pub pre_announcements: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error(transparent)]
    Render(#[from] RenderError),
    #[error(transparent)]
    Output(#[from] OutputError),
    #[error("embargo wall: {} public file(s) would reveal embargoed content; nothing was written", .0.len())]
    Leaks(Vec<Leak>),
}

pub fn build(project: &Project, opts: &Options) -> Result<Report, BuildError> {
    let vis = Visibility::at(project, opts.now);
    let site = Site::new(project, &vis)?;
    let wall = Wall::new(&vis);
    let staging = Staging::new(&opts.out)?;
    let leaks = Mutex::new(Vec::new());
    let jobs = site.jobs();
    jobs.par_iter()
        .try_for_each(|job| -> Result<(), BuildError> {
            let out = site.render(*job)?;
            if let Err(leak) = wall.check(&out.path, &out.bytes) {
                leaks.lock().unwrap_or_else(|p| p.into_inner()).push(leak);
                return Ok(());
            }
            staging.write(&out.path, &out.bytes)?;
            Ok(())
        })?;
    let mut leaks = leaks.into_inner().unwrap_or_else(|p| p.into_inner());
    if !leaks.is_empty() {
        leaks.sort_by(|a, b| a.file.cmp(&b.file));
        return Err(BuildError::Leaks(leaks));
    }
    staging.commit()?;
    Ok(Report {
        files: jobs.len(),
        published: vis.advisories.len(),
        embargoed: vis.embargoed.len(),
        pre_announcements: vis.pre_announcements.len(),
    })
}
