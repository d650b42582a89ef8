//! `herald build`: render the site in parallel, hold every file against the
//! embargo wall, and swap the result in only when all of it is clean.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use jiff::Timestamp;
use rayon::prelude::*;

use crate::channels::{ChannelError, Outbox};
use crate::embargo::{Leak, Visibility, Wall};
use crate::memo;
use crate::model::Project;
use crate::output::{Known, OutputError, Staging};
use crate::signing::SigningKey;
use crate::site::{Job, RenderError, Site, OSV_ALL, OSV_PUNCTUATION};
use crate::theme;

pub struct Options {
    pub now: Timestamp,
    /// Where the site goes; `None` builds the outbox only (`herald outbox`).
    pub out: Option<PathBuf>,
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
    /// The wall every file is held against; with `preview_embargoed`,
    /// only its secrets.
    pub wall: WallFrom,
}

/// Where a build's embargo wall comes from.
pub enum WallFrom {
    /// Built for this build, also refusing these secrets (the
    /// environment's, for `herald build`).
    Fresh(crate::secrets::Secrets),
    /// Kept by `herald serve` from one rebuild to the next, with the
    /// secrets it was given when it started.
    Kept(Arc<crate::embargo::Walls>),
}

impl WallFrom {
    /// The secrets its walls refuse.
    fn secrets(&self) -> crate::secrets::Secrets {
        match self {
            WallFrom::Fresh(secrets) => secrets.clone(),
            WallFrom::Kept(walls) => walls.secrets(),
        }
    }
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Report {
    pub files: usize,
    /// Files already in place with the same bytes, left untouched.
    pub unchanged: usize,
    /// Of those, the files kept without rendering: their inputs and the
    /// wall are the same as when they were written (see `crate::memo`).
    pub kept: usize,
    pub published: usize,
    pub embargoed: usize,
    pub pre_announcements: usize,
    pub outbox_files: usize,
    pub outbox_unchanged: usize,
    pub outbox_kept: usize,
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
    // The embargoed preview shows what is hidden, but no secret: what it
    // would show is what goes out when the embargo lifts.
    let wall = match &opts.wall {
        _ if opts.preview_embargoed => Arc::new(Wall::none().with_secrets(opts.wall.secrets())),
        WallFrom::Kept(walls) => walls.of(&vis),
        WallFrom::Fresh(secrets) => Arc::new(Wall::new(&vis).with_secrets(secrets.clone())),
    };
    let progress = |phase: &str| {
        if let Some(p) = opts.progress {
            p(phase);
        }
    };
    let context = memo::context(project, &memo::herald_identity(), opts.preview_embargoed);
    crate::timings::mark("build: theme, wall, context");
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
                Reuse::Claimed(&context),
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
        let Some(out) = &opts.out else {
            return Ok((None, 0, Vec::new()));
        };
        let site = Site::new(project, &vis, &tera);
        let mut staging = Staging::new(out)?;
        staging.set_wall(wall.key());
        let jobs = site.jobs();
        let (leaks, _) = render_site(
            &site,
            &jobs,
            &wall,
            Some(&staging),
            Reuse::Claimed(&context),
        )?;
        Ok((Some(staging), jobs.len(), leaks))
    };
    crate::timings::mark("build: outbox rendered");
    progress("rendering the site, behind the embargo wall");
    let (settled, rendered) = rayon::join(settle, render);
    crate::timings::mark("build: site rendered, outbox settled");
    settled?;
    let (staging, files, mut leaks) = rendered?;
    leaks.extend(outbox_leaks);
    if !leaks.is_empty() {
        leaks.sort_by(|a, b| a.file.cmp(&b.file));
        return Err(BuildError::Leaks(leaks));
    }
    let (outbox_files, outbox_unchanged, outbox_kept) = match outbox {
        Some((staged, count, unchanged)) => {
            let kept = staged.kept();
            staged.commit()?;
            (count, unchanged, kept)
        }
        None => (0, 0, 0),
    };
    let (unchanged, kept) = match staging {
        Some(staging) => {
            progress("putting the new site in place");
            let counts = (staging.reused(), staging.kept());
            staging.commit()?;
            counts
        }
        None => (0, 0),
    };
    crate::timings::mark("build: committed");
    Ok(Report {
        files,
        unchanged,
        kept,
        published: vis.advisories.len(),
        embargoed: vis.embargoed.len(),
        pre_announcements: vis.pre_announcements.len(),
        outbox_files,
        outbox_unchanged,
        outbox_kept,
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
/// way). What `prior` records as rendered from the same inputs and found
/// clean behind the same wall is not rendered again.
pub fn rehearse(
    project: &Project,
    now: Timestamp,
    settled: &std::collections::HashSet<String>,
    secrets: crate::secrets::Secrets,
    prior: &PriorOutput,
) -> Result<Rehearsal, BuildError> {
    rayon::join(
        || {
            let tera = theme::compile(&project.theme)
                .map_err(|(name, msg)| BuildError::Theme(name, msg))?;
            let vis = Visibility::at(project, now);
            let wall = Wall::new(&vis).with_secrets(secrets);
            let context = memo::context(project, &memo::herald_identity(), false);
            crate::timings::mark("rehearsal: theme, wall, context");
            let (_, _, outbox_known, mut leaks) = build_outbox(
                project,
                &vis,
                &tera,
                None,
                &wall,
                None,
                Reuse::known(prior.outbox.as_ref(), &context),
                settled,
            )?;
            crate::timings::mark("rehearsal: outbox");
            let site = Site::new(project, &vis, &tera);
            let (site_leaks, site_known) = render_site(
                &site,
                &site.jobs(),
                &wall,
                None,
                Reuse::known(prior.site.as_ref(), &context),
            )?;
            leaks.extend(site_leaks);
            leaks.sort_by(|a, b| a.file.cmp(&b.file));
            Ok(Rehearsal {
                leaks,
                known: outbox_known + site_known,
            })
        },
        || (),
    )
    .0
}

/// The live output of an earlier `build`, as far as its records go: what
/// lets [`rehearse`] skip files that build found clean.
#[derive(Default)]
pub struct PriorOutput {
    pub site: Option<Known>,
    pub outbox: Option<Known>,
}

pub struct Rehearsal {
    pub leaks: Vec<Leak>,
    /// Files not rendered again, known clean from an earlier build.
    pub known: usize,
}

/// What lets a file go unrendered: its key (see [`crate::memo`]) under
/// `context`, and a record that a build rendered it from that key behind
/// the same wall.
#[derive(Clone, Copy)]
enum Reuse<'a> {
    /// Render everything.
    Nothing,
    /// A build: the staging folder, which claims the previous generation,
    /// keeps the file as it is.
    Claimed(&'a memo::Key),
    /// A rehearsal: the live output's record vouches for its verdict.
    Known(&'a Known, &'a memo::Key),
}

impl<'a> Reuse<'a> {
    /// A rehearsal's reuse: what `known` records, if anything.
    fn known(known: Option<&'a Known>, context: &'a memo::Key) -> Self {
        known.map_or(Reuse::Nothing, |k| Reuse::Known(k, context))
    }

    fn context(self) -> Option<&'a memo::Key> {
        match self {
            Reuse::Nothing => None,
            Reuse::Claimed(c) | Reuse::Known(_, c) => Some(c),
        }
    }
}

/// The SHA-256 of every outbox text of `slugs` that a place taking updates
/// received (`<slug>/ghsa-….json`, `<slug>/cve-….json`), rendered in
/// memory: what `check` compares with the ledger to catch a silent edit.
pub fn update_digests(
    project: &Project,
    slugs: &std::collections::HashSet<String>,
) -> Result<std::collections::HashMap<String, String>, BuildError> {
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
                let hex = crate::channels::manifest::sha256_hex(&f.bytes);
                out.insert(f.path, hex);
            }
        }
    }
    Ok(out)
}

/// Render every job of the site into `staging` (or nowhere, to rehearse),
/// holding each file against the wall; the leaks found instead of files
/// written, and how many files `reuse` spared. A file that `reuse` knows
/// as rendered from the same inputs, behind the same wall, is not rendered.
fn render_site(
    site: &Site,
    jobs: &[Job],
    wall: &Wall,
    staging: Option<&Staging>,
    reuse: Reuse,
) -> Result<(Vec<Leak>, usize), BuildError> {
    let leaks = Mutex::new(Vec::new());
    let leak = |l: Leak| leaks.lock().unwrap_or_else(|p| p.into_inner()).push(l);
    // Which jobs to keep is settled first: `osv.json` repeats each OSV
    // record, and one kept is known clean there too.
    let keys: Vec<Option<memo::Key>> = match reuse.context() {
        Some(context) => jobs.par_iter().map(|j| site.key(*j, context)).collect(),
        None => vec![None; jobs.len()],
    };
    let wall_key = wall.key();
    let kept: Vec<bool> = jobs
        .par_iter()
        .zip(&keys)
        .map(|(job, key)| {
            let Some(key) = key else { return false };
            let path = site.keyed_path(*job);
            match (reuse, staging) {
                (Reuse::Claimed(_), Some(staging)) => staging.keep(&path, key),
                (Reuse::Known(known, _), _) => known.holds(&wall_key, &path, key),
                _ => false,
            }
        })
        .collect();
    let spared = kept.iter().filter(|k| **k).count();
    let clean_osv: std::collections::HashSet<usize> = jobs
        .iter()
        .zip(&kept)
        .filter_map(|(job, kept)| match job {
            Job::Osv(i) if *kept => Some(*i),
            _ => None,
        })
        .collect();
    // A record kept is known clean; one rendered as its own file is read
    // once for both (`check_repeated`).
    let check_record = |i: usize, record: &[u8]| {
        if clean_osv.contains(&i) {
            Ok(())
        } else {
            wall.check_repeated(OSV_ALL, record)
        }
    };
    jobs.par_iter()
        .zip(&keys)
        .zip(&kept)
        .filter(|(_, kept)| !**kept)
        .try_for_each(|((job, key), _)| -> Result<(), BuildError> {
            if let Job::OsvAll = job {
                let punctuation = OSV_PUNCTUATION
                    .iter()
                    .try_for_each(|p| wall.check(OSV_ALL, p));
                if let Err(l) = punctuation {
                    leak(l);
                    return Ok(());
                }
                // A rehearsal holds every record as its own file (or knows
                // it clean): the punctuation is all that is left.
                let Some(staging) = staging else {
                    return Ok(());
                };
                // Streamed: each record is held against the wall as a
                // whole before it is written, and no title or id can span
                // two records. A leak leaves the file half written, but
                // then the whole staging folder is dropped.
                let mut file = staging.stream(OSV_ALL)?;
                let streamed = site.osv_all(
                    |i, record| {
                        check_record(i, record).map_err(|l| {
                            leak(l);
                            None
                        })
                    },
                    |piece| file.push(piece).map_err(Some),
                );
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
            if let Some(staging) = staging {
                staging.write_keyed(&out.path, &out.bytes, *key)?;
            }
            Ok(())
        })?;
    Ok((
        leaks.into_inner().unwrap_or_else(|p| p.into_inner()),
        spared,
    ))
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
/// its own public moment or now, whichever is later. With a folder, an
/// advisory whose texts it holds as rendered from the same inputs (see
/// [`crate::memo`]), behind the same wall, keeps them unrendered; in a
/// rehearsal, the count of files known clean takes the place of the count
/// already in place.
#[allow(clippy::too_many_arguments)]
fn build_outbox(
    project: &Project,
    vis: &Visibility,
    tera: &tera::Tera,
    signer: Option<&SigningKey>,
    wall: &Wall,
    dir: Option<&std::path::Path>,
    reuse: Reuse,
    settled: &std::collections::HashSet<String>,
) -> Result<Outboxed, BuildError> {
    let outbox = Outbox::new(project, tera, signer)?;
    let mut staging = dir.map(Staging::new).transpose()?;
    let wall_key = wall.key();
    if let Some(s) = staging.as_mut() {
        s.set_wall(wall_key);
    }
    // What every advisory's texts read besides the advisory: the signing
    // key (a kept text keeps its signature) and the patches. A rehearsal
    // signs nothing, so it trusts only the texts of an unsigned build.
    let context = reuse.context().map(|context| {
        let mut h = memo::Hasher::new("outbox");
        h.part(context)
            .part(signer.map_or("", |s| s.fingerprint.as_str()).as_bytes());
        for p in &project.patches {
            h.part(p.path.as_bytes()).part(&p.bytes);
        }
        h.finish()
    });
    let known_clean = std::sync::atomic::AtomicUsize::new(0);
    let leaks = Mutex::new(Vec::new());
    let pres: Vec<_> = vis
        .pre_announcements
        .iter()
        .chain(&vis.hidden_pre_announcements)
        .filter(|(d, _)| !settled.contains(d.meta.slug.as_str()))
        .collect();
    let count = std::sync::atomic::AtomicUsize::new(0);
    let write = |files: Vec<crate::site::Output>,
                 public_at: Timestamp,
                 key: Option<memo::Key>|
     -> Result<(), BuildError> {
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
            // A text that failed the wall gets no key: the next build
            // renders and holds it again.
            let key = if held.is_ok() { key } else { None };
            if let Err(l) = held {
                leaks.lock().unwrap_or_else(|p| p.into_inner()).push(l);
            }
            match &staging {
                Some(s) => s
                    .write_keyed(&f.path, &f.bytes, key)
                    .map_err(BuildError::from),
                None => Ok(()),
            }
        })
    };
    project
        .advisories
        .par_iter()
        .filter(|d| !settled.contains(d.meta.slug.as_str()))
        .try_for_each(|doc| {
            let public_at = doc.meta.embargo.timestamp();
            // The moment is in the key: the wall holds each text as it
            // stands when the text goes out.
            let key = context.map(|c| {
                memo::Hasher::new("advisory texts")
                    .part(&c)
                    .part(&memo::document(doc))
                    .part(&public_at.max(vis.now).as_nanosecond().to_le_bytes())
                    .finish()
            });
            let slug = doc.meta.slug.as_str();
            let spared = match (&staging, &key, reuse) {
                (Some(s), Some(k), Reuse::Claimed(_)) => s.keep_folder(slug, k),
                (None, Some(k), Reuse::Known(known, _)) => {
                    let n = known.holds_folder(&wall_key, slug, k);
                    known_clean.fetch_add(n.unwrap_or(0), std::sync::atomic::Ordering::Relaxed);
                    n
                }
                _ => None,
            };
            if let Some(n) = spared {
                count.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
                return Ok(());
            }
            write(outbox.advisory(doc)?, public_at, key)
        })?;
    pres.par_iter()
        .try_for_each(|(doc, at)| write(outbox.pre_announcement(doc)?, at.timestamp(), None))?;
    let leaks = leaks.into_inner().unwrap_or_else(|p| p.into_inner());
    let Some(staging) = staging else {
        return Ok((None, count.into_inner(), known_clean.into_inner(), leaks));
    };
    // Counted before the stamp, which is not a channel file.
    let unchanged = staging.reused();
    staging.write(
        crate::stamp::FILE,
        &crate::stamp::render(project, signer.is_some()),
    )?;
    Ok((Some(staging), count.into_inner(), unchanged, leaks))
}
