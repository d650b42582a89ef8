//! `herald build`: render the site in parallel, hold every file against the
//! embargo wall, and swap the result in only when all of it is clean.

use std::path::PathBuf;
use std::sync::Mutex;

use jiff::Timestamp;
use rayon::prelude::*;

use crate::channels::{ChannelError, Outbox};
use crate::embargo::{Leak, Visibility, Wall};
use crate::model::Project;
use crate::output::{OutputError, Staging};
use crate::signing::SigningKey;
use crate::site::{Job, RenderError, Site, OSV_ALL};
use crate::theme;

pub struct Options {
    pub now: Timestamp,
    pub out: PathBuf,
    /// Where the channel texts go; `None` builds the site only.
    pub outbox: Option<PathBuf>,
    /// Clearsigns the announcements when given.
    pub signer: Option<SigningKey>,
    /// Show embargoed content under a banner, for `herald serve --embargoed`.
    /// The embargo wall is off, so `out` must never be the deployed folder.
    pub preview_embargoed: bool,
    /// Advisories and pre-announcements whose every action is settled in
    /// the ledger (done, adopted, missed): nothing of theirs can be sent, so
    /// their texts are not rendered into the outbox.
    pub settled: std::collections::HashSet<String>,
    /// Told each phase as it starts, for a person waiting on a large tree.
    pub progress: Option<fn(&str)>,
    /// Secrets no file may hold (the environment's, for `herald build`).
    pub secrets: crate::secrets::Secrets,
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Report {
    pub files: usize,
    /// Files already in place with the same bytes, left untouched.
    pub unchanged: usize,
    pub published: usize,
    pub embargoed: usize,
    pub pre_announcements: usize,
    pub outbox_files: usize,
    pub outbox_unchanged: usize,
    /// Settled advisories and pre-announcements left out of the outbox.
    pub outbox_settled: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error(transparent)]
    Render(#[from] RenderError),
    #[error(transparent)]
    Channel(#[from] ChannelError),
    #[error("theme template `{0}`: {1}")]
    Theme(String, String),
    #[error(transparent)]
    Output(#[from] OutputError),
    #[error("embargo wall: {} file(s) would reveal embargoed content or a secret; nothing was written", .0.len())]
    Leaks(Vec<Leak>),
}

pub fn build(project: &Project, opts: &Options) -> Result<Report, BuildError> {
    // Run on the thread pool itself (a `join` from outside the pool runs
    // there). The allocator keeps a heap per thread, and what the calling
    // thread frees between phases, such as the outbox's file records, would
    // never be reused by the pool threads that render the site after it.
    rayon::join(|| build_on_pool(project, opts), || ()).0
}

fn build_on_pool(project: &Project, opts: &Options) -> Result<Report, BuildError> {
    let tera =
        theme::compile(&project.theme).map_err(|(name, msg)| BuildError::Theme(name, msg))?;
    let vis = if opts.preview_embargoed {
        Visibility::preview(project, opts.now)
    } else {
        Visibility::at(project, opts.now)
    };
    // Render the outbox first: it is private, and if a channel template
    // fails, nothing at all is written.
    let wall = if opts.preview_embargoed {
        Wall::none()
    } else {
        Wall::new(&vis).with_secrets(opts.secrets.clone())
    };
    let progress = |phase: &str| {
        if let Some(p) = opts.progress {
            p(phase);
        }
    };
    let mut outbox_leaks = Vec::new();
    let mut outbox = match &opts.outbox {
        Some(dir) => {
            progress("rendering the channel texts into the outbox");
            let (staged, count, unchanged, leaks) = build_outbox(
                project,
                &vis,
                &tera,
                opts.signer.as_ref(),
                &wall,
                Some(dir),
                &opts.settled,
            )?;
            outbox_leaks = leaks;
            staged.map(|s| (s, count, unchanged))
        }
        None => None,
    };
    // The outbox settles (stale files removed, manifest saved: mostly one
    // thread's file-system calls) while the site renders on the other.
    let settle = || match outbox.as_mut() {
        Some((staged, _, _)) => staged.finish(),
        None => Ok(()),
    };
    let render = || -> Result<_, BuildError> {
        let site = Site::new(project, &vis, &tera);
        let staging = Staging::new(&opts.out)?;
        let jobs = site.jobs();
        let leaks = render_site(&site, &jobs, &wall, Some(&staging))?;
        Ok((staging, jobs.len(), leaks))
    };
    progress("rendering the site, behind the embargo wall");
    let (settled, rendered) = rayon::join(settle, render);
    settled?;
    let (staging, files, mut leaks) = rendered?;
    leaks.extend(outbox_leaks);
    if !leaks.is_empty() {
        leaks.sort_by(|a, b| a.file.cmp(&b.file));
        return Err(BuildError::Leaks(leaks));
    }
    let (outbox_files, outbox_unchanged) = match outbox {
        Some((staged, count, unchanged)) => {
            staged.commit()?;
            (count, unchanged)
        }
        None => (0, 0),
    };
    progress("putting the new site in place");
    let unchanged = staging.reused();
    staging.commit()?;
    Ok(Report {
        files,
        unchanged,
        published: vis.advisories.len(),
        embargoed: vis.embargoed.len(),
        pre_announcements: vis.pre_announcements.len(),
        outbox_files,
        outbox_unchanged,
        outbox_settled: if opts.outbox.is_some() {
            opts.settled.len()
        } else {
            0
        },
    })
}

/// Everything `build` would publish at `now`, rendered in memory and held
/// against the wall, nothing written: what `herald check` runs so that any
/// tree it passes builds. `settled` are left out, as `build` leaves them
/// out (their texts went out already, or are recorded as gone another
/// way). Returns the leaks found.
pub fn rehearse(
    project: &Project,
    now: Timestamp,
    settled: &std::collections::HashSet<String>,
) -> Result<Vec<Leak>, BuildError> {
    rayon::join(
        || {
            let tera = theme::compile(&project.theme)
                .map_err(|(name, msg)| BuildError::Theme(name, msg))?;
            let vis = Visibility::at(project, now);
            let wall = Wall::new(&vis);
            let (_, _, _, mut leaks) =
                build_outbox(project, &vis, &tera, None, &wall, None, settled)?;
            let site = Site::new(project, &vis, &tera);
            leaks.extend(render_site(&site, &site.jobs(), &wall, None)?);
            leaks.sort_by(|a, b| a.file.cmp(&b.file));
            Ok(leaks)
        },
        || (),
    )
    .0
}

/// The SHA-256 of every outbox text of `slugs` that a place taking updates
/// received (`<slug>/ghsa-….json`, `<slug>/cve-….json`), rendered in
/// memory: what `check` compares with the ledger to catch a silent edit.
pub fn update_digests(
    project: &Project,
    slugs: &std::collections::HashSet<String>,
) -> Result<std::collections::HashMap<String, String>, BuildError> {
    use sha2::Digest;
    let tera =
        theme::compile(&project.theme).map_err(|(name, msg)| BuildError::Theme(name, msg))?;
    let outbox = Outbox::new(project, &tera, None)?;
    let mut out = std::collections::HashMap::new();
    for doc in project
        .advisories
        .iter()
        .filter(|d| slugs.contains(d.meta.slug.as_str()))
    {
        for f in outbox.advisory(doc)? {
            let name = f.path.rsplit('/').next().unwrap_or_default();
            if (name.starts_with("ghsa-") || name.starts_with("cve-")) && name.ends_with(".json") {
                let hex: String = sha2::Sha256::digest(&f.bytes)
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect();
                out.insert(f.path, hex);
            }
        }
    }
    Ok(out)
}

/// Render every job of the site into `staging` (or nowhere, to rehearse),
/// holding each file against the wall; the leaks found instead of files
/// written.
fn render_site(
    site: &Site,
    jobs: &[Job],
    wall: &Wall,
    staging: Option<&Staging>,
) -> Result<Vec<Leak>, BuildError> {
    let leaks = Mutex::new(Vec::new());
    let leak = |l: Leak| leaks.lock().unwrap_or_else(|p| p.into_inner()).push(l);
    jobs.par_iter()
        .try_for_each(|job| -> Result<(), BuildError> {
            let Some(staging) = staging else {
                if let Job::OsvAll = job {
                    let _ = site.osv_all(|piece| match wall.check_repeated(OSV_ALL, piece) {
                        Ok(()) => Ok::<(), ()>(()),
                        Err(l) => {
                            leak(l);
                            Err(())
                        }
                    });
                    return Ok(());
                }
                let out = site.render(*job)?;
                if let Err(l) = hold(wall, job, &out) {
                    leak(l);
                }
                return Ok(());
            };
            if let Job::OsvAll = job {
                // Streamed: each record is held against the wall as a
                // whole before it is written, and no title or id can span
                // two records. A leak leaves the file half written, but
                // then the whole staging folder is dropped.
                let mut file = staging.stream(OSV_ALL)?;
                let streamed = site.osv_all(|piece| match wall.check_repeated(OSV_ALL, piece) {
                    Ok(()) => file.push(piece).map_err(Some),
                    Err(l) => {
                        leak(l);
                        Err(None)
                    }
                });
                return match streamed {
                    Ok(()) => Ok(file.done()?),
                    Err(None) => Ok(()),
                    Err(Some(e)) => Err(e.into()),
                };
            }
            let out = site.render(*job)?;
            if let Err(l) = hold(wall, job, &out) {
                leak(l);
                return Ok(());
            }
            staging.write(&out.path, &out.bytes)?;
            Ok(())
        })?;
    Ok(leaks.into_inner().unwrap_or_else(|p| p.into_inner()))
}

/// Hold one rendered site file against the wall; an OSV record, which
/// `osv.json` repeats byte for byte, is read once for both.
fn hold(wall: &Wall, job: &Job, out: &crate::site::Output) -> Result<(), Leak> {
    match job {
        Job::Osv(_) => wall.check_repeated(&out.path, &out.bytes),
        _ => wall.check(&out.path, &out.bytes),
    }
}

/// Channel texts that only go to private lists before disclosure, and the
/// publisher's own manifest: everything else in the outbox is public once
/// it is sent.
fn is_private(path: &str) -> bool {
    ["advance-notice.eml", "distros.eml", "manifest.json"]
        .iter()
        .any(|n| path.rsplit('/').next() == Some(*n))
}

type Outboxed = (Option<Staging>, usize, usize, Vec<Leak>);

/// Render every channel text of every advisory and pre-announcement into a
/// staged outbox (or nowhere, to rehearse), returned uncommitted with its
/// file count, how many of those were already in place, and the leaks: a
/// public text holds against the wall as it will stand when it goes out,
/// its own public moment or now, whichever is later.
fn build_outbox(
    project: &Project,
    vis: &Visibility,
    tera: &tera::Tera,
    signer: Option<&SigningKey>,
    wall: &Wall,
    dir: Option<&std::path::Path>,
    settled: &std::collections::HashSet<String>,
) -> Result<Outboxed, BuildError> {
    let outbox = Outbox::new(project, tera, signer)?;
    let staging = dir.map(Staging::new).transpose()?;
    let leaks = Mutex::new(Vec::new());
    let pres: Vec<_> = vis
        .pre_announcements
        .iter()
        .chain(&vis.hidden_pre_announcements)
        .filter(|(d, _)| !settled.contains(d.meta.slug.as_str()))
        .collect();
    let count = std::sync::atomic::AtomicUsize::new(0);
    let write = |files: Vec<crate::site::Output>, public_at: Timestamp| -> Result<(), BuildError> {
        count.fetch_add(files.len(), std::sync::atomic::Ordering::Relaxed);
        let at = public_at.max(vis.now);
        files.iter().try_for_each(|f| {
            let name = format!("outbox/{}", f.path);
            // A private notice is no place for a secret either.
            let held = if is_private(&f.path) {
                wall.check_secrets(&name, &f.bytes)
            } else {
                wall.check_at(&name, &f.bytes, Some(at))
            };
            if let Err(l) = held {
                leaks.lock().unwrap_or_else(|p| p.into_inner()).push(l);
            }
            match &staging {
                Some(s) => s.write(&f.path, &f.bytes).map_err(BuildError::from),
                None => Ok(()),
            }
        })
    };
    project
        .advisories
        .par_iter()
        .filter(|d| !settled.contains(d.meta.slug.as_str()))
        .try_for_each(|doc| write(outbox.advisory(doc)?, doc.meta.embargo.timestamp()))?;
    pres.par_iter()
        .try_for_each(|(doc, at)| write(outbox.pre_announcement(doc, at)?, at.timestamp()))?;
    let leaks = leaks.into_inner().unwrap_or_else(|p| p.into_inner());
    let Some(staging) = staging else {
        return Ok((None, count.into_inner(), 0, leaks));
    };
    // Counted before the stamp, which is not a channel file.
    let unchanged = staging.reused();
    staging.write(
        crate::stamp::FILE,
        &crate::stamp::render(project, signer.is_some()),
    )?;
    Ok((Some(staging), count.into_inner(), unchanged, leaks))
}
