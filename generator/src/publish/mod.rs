//! `herald publish`: every action whose moment has come, in order, once.
//!
//! Publishing never renders. It reads the outbox that `herald build` wrote
//! (refusing one that does not match the tree), and the ledger. Before each
//! external call, it records the action as `started`; after it, as `done`,
//! with what came back. A disclosure runs strictly in order: a step runs only
//! after the steps before it are done.

pub mod blog;
mod checkpoint;
pub mod cve_services;
pub mod forum;
pub mod github;
pub mod http;
mod late;
mod outbox;
mod revision;
pub mod smtp;
mod steps;

use std::path::{Path, PathBuf};

use std::time::{Duration, Instant};

use jiff::{Timestamp, ToSpan};

use crate::channels::manifest::{Entry, Manifest};
use crate::ledger::{Ledger, State};
use crate::model::Project;
use crate::stamp;
use outbox::read_in;

pub struct Options {
    pub now: Timestamp,
    pub dry_run: bool,
    /// Send again a mail left `started` by a run that died mid-send.
    pub resend_started: bool,
    /// Record mails left `started` as done without sending them: a person
    /// checked the archive and found them delivered.
    pub confirm_sent: bool,
    pub outbox: PathBuf,
    /// Advisories whose announcement may go out although it is past the
    /// late limit: a person decided so.
    pub late: Vec<String>,
    /// How long this run may take in all; what is left then stays pending.
    pub deadline: Duration,
    /// The run's moment is the machine's clock, read again before each
    /// window closes: a run may take up to its deadline, and a private
    /// notice must not go out after the disclosure it announces.
    pub live_clock: bool,
    /// The run's moment is not the machine's own (`--now` far from the
    /// clock): a rehearsal, which may reach only servers on loopback.
    /// Sent for real, a moment ahead publishes before the embargo lifts,
    /// and one behind sends notices after the disclosure.
    pub rehearsal: Option<String>,
    /// Run before each mail goes out, once the ledger says `started`;
    /// the mail goes out only if it succeeds (see `checkpoint`).
    pub checkpoint: Option<String>,
}

/// Secrets, from the environment only.
#[derive(Default)]
pub struct Credentials {
    pub smtp_url: Option<String>,
    pub github_token: Option<String>,
    pub discourse_key: Option<String>,
    pub discourse_user: Option<String>,
    pub cve_user: Option<String>,
    pub cve_key: Option<String>,
}

impl Credentials {
    pub fn from_env() -> Self {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        Credentials {
            smtp_url: var(smtp::URL_VAR),
            github_token: var("GITHUB_TOKEN"),
            discourse_key: var("DISCOURSE_API_KEY"),
            discourse_user: var("DISCOURSE_API_USERNAME"),
            cve_user: var("HERALD_CVE_API_USER"),
            cve_key: var("HERALD_CVE_API_KEY"),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error("{0}")]
    Setup(String),
    #[error("cannot record the ledger: {0}")]
    Ledger(String),
}

/// What a run did, and what it could not do.
#[derive(Debug, Default)]
pub struct Report {
    pub done: Vec<String>,
    pub failed: Vec<String>,
    /// Needs a person: a mail that may or may not have gone out.
    pub attention: Vec<String>,
    /// Windows that closed unsent, found by this run.
    pub missed: Vec<String>,
    /// Announcements past the late limit, waiting for `--late` or a record.
    pub late: Vec<String>,
}

enum Step {
    Done,
    /// Stop this sequence here; the reason is in the report.
    Stop,
}

struct Run<'a> {
    project: &'a Project,
    opts: &'a Options,
    creds: &'a Credentials,
    session: Option<http::Session>,
    deadline: Instant,
    smtp: Option<smtp::Smtp>,
    secrets: crate::secrets::Secrets,
    report: Report,
    log: &'a mut dyn FnMut(String),
}

pub fn publish(
    project: &Project,
    opts: &Options,
    creds: &Credentials,
    log: &mut dyn FnMut(String),
) -> Result<Report, PublishError> {
    let stamp = stamp::read(&opts.outbox).ok_or_else(|| {
        PublishError::Setup(format!(
            "`{}` holds no complete build (no {}); run `herald build` first",
            opts.outbox.display(),
            stamp::FILE
        ))
    })?;
    if stamp.tree != stamp::tree_digest(project) {
        return Err(PublishError::Setup(format!(
            "`{}` was built from other sources than the tree now holds, or by a build that failed; run `herald build` again first",
            opts.outbox.display()
        )));
    }
    // One publisher at a time: the lock dies with the process.
    let lock_dir = project.root.join(crate::ledger::DIR);
    let _lock = if opts.dry_run {
        None
    } else {
        Some(lock(&lock_dir, log)?)
    };
    let mut manifests = outbox::manifests(project, &opts.outbox)?;
    manifests.sort_by(|a, b| a.0.slug.cmp(&b.0.slug));
    let secrets = crate::secrets::Secrets::of(creds);
    // A server may quote a request's credentials back in its answer, which
    // Herald prints and records: nothing of them reaches a log or the
    // ledger, which is committed.
    let mut redacted = {
        let secrets = secrets.clone();
        move |line: String| log(secrets.redact(&line))
    };
    let mut run = Run {
        project,
        opts,
        creds,
        session: None,
        deadline: Instant::now() + opts.deadline,
        smtp: None,
        secrets,
        report: Report::default(),
        log: &mut redacted,
    };
    let late_limit = i64::from(project.config.rules.late_limit_hours).hours();
    let claims = crate::orphans::Claims::read(&project.root, project);
    let ids_by_slug = project.ids_by_slug();
    for (m, dir) in &manifests {
        let mut ledger = Ledger::load(&project.root, &m.slug)
            .map_err(|f| PublishError::Ledger(f.to_string()))?;
        let ids = ids_by_slug
            .get(m.slug.as_str())
            .cloned()
            .unwrap_or_default();
        if ledger.is_empty() {
            if let Some((id, old)) = claims.claimant(&ids) {
                run.renamed(m, id, old);
                continue;
            }
        }
        ledger.ids = ids;
        for chain in chains(m) {
            for entry in chain {
                let state = ledger.state(&entry.channel);
                if state == State::Done && entry.sha256.is_some() {
                    run.revise(m, dir, entry, &mut ledger)?;
                }
                if state.is_settled() {
                    continue;
                }
                let due = moment(m, &entry.due)?;
                if due > opts.now {
                    break;
                }
                if let Some(until) = &entry.until {
                    let until = moment(m, until)?;
                    if run.clock() >= until {
                        run.missed(m, entry, &mut ledger, due, until)?;
                        continue;
                    }
                }
                if Instant::now() >= run.deadline {
                    let msg = format!(
                        "the run's deadline ({}s) has passed; this and later steps stay pending for the next run",
                        opts.deadline.as_secs()
                    );
                    run.fail(m, entry, msg);
                    return Ok(run.report);
                }
                let limit = due.checked_add(late_limit).unwrap_or(due);
                // Never tried, past the late limit, and no person said
                // `--late`: some steps then wait for a person.
                let held = state == State::Pending
                    && opts.now > limit
                    && !opts.late.iter().any(|s| s == &m.slug);
                let lead = m.lead();
                if held && lead == Some(entry.channel.as_str()) && m.kind == "advisory" {
                    run.too_late(m, due);
                    break;
                }
                // A step of history (its announcement went out outside
                // Herald, so a channel set up later, CVE records say, must
                // not reach back into every old advisory), or an [UPDATED]
                // mail that would arrive long after its revision.
                let why = if entry.channel.starts_with("update:") {
                    Some("an [UPDATED] mail would arrive long after its revision")
                } else if lead
                    .is_some_and(|l| entry.channel != l && ledger.state(l) == State::Adopted)
                {
                    Some("its announcement went out outside Herald")
                } else {
                    None
                };
                if let (true, Some(why)) = (held, why) {
                    run.history(m, entry, due, why);
                    continue;
                }
                let before = run.report.done.len();
                match run.step(m, dir, entry, &mut ledger)? {
                    Step::Done => {
                        if !opts.dry_run && run.report.done.len() > before {
                            run.note_lateness(m, entry, &mut ledger, due)?;
                        }
                    }
                    Step::Stop => break,
                }
            }
        }
    }
    Ok(run.report)
}

fn moment(m: &Manifest, s: &str) -> Result<Timestamp, PublishError> {
    s.parse().map_err(|e| {
        PublishError::Setup(format!("{}: bad moment `{s}` in the manifest: {e}", m.slug))
    })
}

/// What the ledger keeps of a text sent to a place that takes updates: its
/// digest, and the revision it carried.
fn sent(m: &Manifest, e: &Entry) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    if let Some(sha) = &e.sha256 {
        out.push(("sha256", sha.clone()));
    }
    if let Some(r) = &m.revision {
        out.push(("revision", r.clone()));
    }
    if let Some(src) = &m.source_sha256 {
        out.push(("source-sha256", src.clone()));
    }
    out
}

/// Take the publish lock in `ledger/`, first clearing what killed runs
/// left. Everything that writes the ledger holds it, so a hand record
/// never races a publish run.
pub fn lock(dir: &Path, log: &mut dyn FnMut(String)) -> Result<std::fs::File, PublishError> {
    use std::os::unix::fs::OpenOptionsExt;
    crate::ledger::prepare_dir(dir).map_err(|e| PublishError::Setup(e.to_string()))?;
    let f = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(dir.join(".lock"))
        .map_err(|e| {
            PublishError::Setup(format!(
                "cannot create the publish lock `{}`: {e}",
                dir.join(".lock").display()
            ))
        })?;
    f.try_lock().map_err(|_| {
        PublishError::Setup("another `herald publish` is running on this tree".into())
    })?;
    for name in crate::ledger::remove_temporaries(dir) {
        log(format!(
            "removed `{name}`, left in ledger/ by a run that was killed while writing"
        ));
    }
    Ok(f)
}

/// Independent sequences of one manifest: each private notice alone, and the
/// disclosure (or pre-announcement) in publishing order.
fn chains(m: &Manifest) -> Vec<Vec<&Entry>> {
    let (private, public): (Vec<&Entry>, Vec<&Entry>) = m
        .actions
        .iter()
        .partition(|e| matches!(e.channel.as_str(), "advance-notice" | "distros"));
    let mut out: Vec<Vec<&Entry>> = private.into_iter().map(|e| vec![e]).collect();
    out.push(public);
    out
}

impl Run<'_> {
    fn now(&self) -> String {
        self.opts.now.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
    }

    fn label(m: &Manifest, e: &Entry) -> String {
        format!("{}: {}", m.slug, e.channel)
    }

    fn set(
        &self,
        ledger: &mut Ledger,
        channel: &str,
        state: State,
        details: &[(&str, String)],
    ) -> Result<(), PublishError> {
        let details: Vec<(&str, String)> = details
            .iter()
            .map(|(k, v)| (*k, self.secrets.redact(v)))
            .collect();
        ledger
            .set(channel, state, &self.now(), &details)
            .map_err(|e| PublishError::Ledger(e.to_string()))
    }

    /// The moment windows are held against: the run's, or the clock's
    /// when it has moved on since the run started.
    fn clock(&self) -> Timestamp {
        if self.opts.live_clock {
            Timestamp::now().max(self.opts.now)
        } else {
            self.opts.now
        }
    }

    fn fail(&mut self, m: &Manifest, e: &Entry, msg: String) -> Step {
        self.report
            .failed
            .push(format!("{}: {msg}", Self::label(m, e)));
        // A dry run shows the whole plan: every problem it would meet, and
        // every step after it, rather than stopping at the first.
        if self.opts.dry_run {
            (self.log)(format!("would fail: {}: {msg}", Self::label(m, e)));
            return Step::Done;
        }
        (self.log)(format!("error: {}: {msg}", Self::label(m, e)));
        Step::Stop
    }

    fn step(
        &mut self,
        m: &Manifest,
        dir: &Path,
        e: &Entry,
        ledger: &mut Ledger,
    ) -> Result<Step, PublishError> {
        self.warn_if_late(m, e, ledger);
        let channel = e.channel.as_str();
        match channel {
            "announcement" | "advance-notice" | "distros" | "oss-security" => {
                self.mail(m, dir, e, ledger)
            }
            "blog" => self.blog(m, dir, e, ledger),
            "forum" => self.forum(m, dir, e, ledger),
            c if c.starts_with("ghsa:") => self.ghsa(m, dir, e, ledger),
            c if c.starts_with("cve:") => self.cve(m, dir, e, ledger),
            c if c.starts_with("update:") => self.mail(m, dir, e, ledger),
            other => Ok(self.fail(m, e, format!("unknown channel `{other}` in the manifest"))),
        }
    }

    /// Hold everything of `m`: another slug's ledger records its `id` as
    /// sent, so it was most likely renamed after it went out.
    fn renamed(&mut self, m: &Manifest, id: &str, old: &str) {
        let msg = format!(
            "{}: {}. If it was renamed, move the ledger: `git mv {dir}/{old}.yaml {dir}/{new}.yaml` and set its `slug:` to `{new}`",
            m.slug,
            crate::orphans::held(id, old, &m.slug),
            dir = crate::ledger::DIR,
            new = m.slug,
        );
        (self.log)(format!("held: {msg}"));
        self.report.attention.push(msg);
    }

    fn done(&mut self, m: &Manifest, e: &Entry) {
        (self.log)(format!("done: {}", Self::label(m, e)));
        self.report.done.push(Self::label(m, e));
    }

    /// The bytes of an outbox text about to go out, refused when they hold
    /// a secret (see [`crate::secrets`]): nothing of such a text is sent.
    fn outgoing(&self, dir: &Path, file: &str) -> Result<Vec<u8>, String> {
        let bytes = read_in(dir, file)?;
        match self.secrets.find(&bytes) {
            None => Ok(bytes),
            Some(what) => Err(format!(
                "`{file}` holds {what}; nothing of it was sent. Take the secret out of the advisory or patch it came from, rotate it, rebuild, and run again"
            )),
        }
    }
}

/// Test-only crash injection: `HERALD_FAILPOINT=before:<slug>:<channel>`
/// aborts right after the ledger says `started`, `after:…` right after the
/// external call succeeded, before the ledger says `done`. Compiled into
/// debug builds only.
#[cfg(debug_assertions)]
fn failpoint(when: &str, slug: &str, channel: &str) {
    if std::env::var("HERALD_FAILPOINT").ok().as_deref()
        == Some(&format!("{when}:{slug}:{channel}"))
    {
        eprintln!("failpoint {when}:{slug}:{channel}: aborting");
        std::process::abort();
    }
}

#[cfg(not(debug_assertions))]
fn failpoint(_: &str, _: &str, _: &str) {}
