//! `herald publish`: every action whose moment has come, in order, once.
//!
//! Publishing never renders. It reads the outbox that `herald build` wrote
//! (refusing one that does not match the tree), and the ledger. Before each
//! external call, it records the action as `started`; after it, as `done`,
//! with what came back. A disclosure runs strictly in order: a step runs only
//! after the steps before it are done.

pub mod blog;
pub mod cve_services;
pub mod forum;
pub mod github;
pub mod http;
mod outbox;
pub mod smtp;

use std::path::{Path, PathBuf};

use std::time::{Duration, Instant};

use jiff::{Timestamp, ToSpan};

use crate::channels::manifest::{Entry, Manifest};
use crate::ledger::{Ledger, State};
use crate::model::Project;
use crate::signing;
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
}

/// Lateness worth stating in the log and the ledger: past a few runs of
/// the 10-minute schedule.
const LATE_NOTE_MINUTES: i64 = 30;

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

/// The policy promises the blog within 6 hours of the announcement mail.
const BLOG_PROMISE_HOURS: i64 = 6;

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

    /// The window of `e` closed before it went out: record it, say it
    /// loudly, send nothing.
    fn missed(
        &mut self,
        m: &Manifest,
        e: &Entry,
        ledger: &mut Ledger,
        due: Timestamp,
        until: Timestamp,
    ) -> Result<(), PublishError> {
        let label = Self::label(m, e);
        let started = ledger.state(&e.channel) == State::Started;
        if started && self.opts.confirm_sent {
            if !self.opts.dry_run {
                self.set(
                    ledger,
                    &e.channel,
                    State::Done,
                    &[("confirmed", "by a person, with --confirm-sent".into())],
                )?;
            }
            self.done(m, e);
            return Ok(());
        }
        let what = if e.channel == "advance-notice" || e.channel == "distros" {
            "the issue is public now, and a private notice after disclosure is never sent"
        } else {
            "its release has happened, and a pre-announcement after it is never sent"
        };
        let mut msg =
            format!("MISSED: {label} was due at {due} and its window closed at {until}: {what}");
        if started {
            msg.push_str(". A run died while sending it, so it may have gone out: check the archive; `--confirm-sent` records it as sent");
        }
        if self.opts.dry_run {
            (self.log)(format!("would record as missed: {label}: {msg}"));
            return Ok(());
        }
        (self.log)(msg.clone());
        self.set(
            ledger,
            &e.channel,
            State::Missed,
            &[
                ("due", due.to_string()),
                ("window-closed", until.to_string()),
            ],
        )?;
        self.report.missed.push(msg);
        Ok(())
    }

    /// A done GHSA or CVE record whose text changed since it was sent: the
    /// change goes out once when the advisory carries a newer `updated`
    /// (a revision); without one it is a person's to look at, never sent.
    fn revise(
        &mut self,
        m: &Manifest,
        dir: &Path,
        e: &Entry,
        ledger: &mut Ledger,
    ) -> Result<(), PublishError> {
        let now_sha = e.sha256.clone().unwrap_or_default();
        if ledger.get(&e.channel, "sha256") == Some(now_sha.as_str()) {
            return Ok(());
        }
        let revision = m.revision.clone();
        let carried = ledger.get(&e.channel, "revision").map(str::to_string);
        let Some(revision) = revision.filter(|r| carried.as_deref() != Some(r.as_str())) else {
            if ledger.get(&e.channel, "sha256").is_some() {
                let msg = format!(
                    "{}: its text changed since it was sent, but the advisory has no newer `updated`: nothing was sent. A change to a published advisory is a revision: set `updated` and `changes`",
                    Self::label(m, e)
                );
                (self.log)(format!("attention: {msg}"));
                self.report.attention.push(msg);
            }
            return Ok(());
        };
        let label = Self::label(m, e);
        // A revision dated later goes out at its moment, like everything.
        if revision
            .parse::<Timestamp>()
            .is_ok_and(|r| r > self.opts.now)
        {
            return Ok(());
        }
        if self.opts.dry_run {
            (self.log)(format!("would carry the revision of {revision} to {label}"));
            return Ok(());
        }
        // Like any other step: a text it must not send fails this place
        // only, and the rest of the run goes on.
        let bytes = match self.outgoing(dir, &e.file) {
            Ok(b) => b,
            Err(msg) => {
                (self.log)(format!("error: {label}: {msg}"));
                self.report.failed.push(format!("{label}: {msg}"));
                return Ok(());
            }
        };
        let body: serde_json::Value = serde_json::from_slice(&bytes)
            .map_err(|err| PublishError::Setup(format!("{}: `{}`: {err}", m.slug, e.file)))?;
        let session = match self.session() {
            Ok(s) => s,
            Err(msg) => {
                self.report.failed.push(format!("{label}: {msg}"));
                return Ok(());
            }
        };
        let mut logs = Vec::new();
        let result = if let Some(id) = e.channel.strip_prefix("ghsa:") {
            let (Some(token), Some(repo)) = (self.creds.github_token.clone(), e.repository.clone())
            else {
                self.report.failed.push(format!(
                    "{label}: GITHUB_TOKEN must be set to carry the revision"
                ));
                return Ok(());
            };
            let ghsa_id = ledger.get(&e.channel, "ghsa-id").unwrap_or(id).to_string();
            let gh = github::GitHub {
                session: &session,
                api: &self.project.config.channels.github_api,
                token: &token,
            };
            gh.update(&repo, &ghsa_id, &body, &mut |l| logs.push(l))
                .map(|_| ())
        } else {
            let id = e.channel.trim_start_matches("cve:");
            let cna = self.project.config.channels.cve.clone();
            let (Some(cna), Some(user), Some(key)) =
                (cna, self.creds.cve_user.clone(), self.creds.cve_key.clone())
            else {
                self.report.failed.push(format!("{label}: HERALD_CVE_API_USER, HERALD_CVE_API_KEY and `channels.cve` are needed to carry the revision"));
                return Ok(());
            };
            let org = cna.org_short_name.clone().unwrap_or_default();
            let api = cve_services::CveServices {
                session: &session,
                api: &cna.api,
                org: &org,
                user: &user,
                key: &key,
            };
            if e.reject {
                api.reject(id, &body, &mut |l| logs.push(l))
            } else {
                api.update(id, &body, &mut |l| logs.push(l))
            }
        };
        for l in logs {
            (self.log)(l);
        }
        match result {
            Ok(()) => {
                ledger
                    .note(
                        &e.channel,
                        &[
                            ("sha256", now_sha),
                            ("revision", revision.clone()),
                            ("source-sha256", m.source_sha256.clone().unwrap_or_default()),
                        ],
                    )
                    .map_err(|err| PublishError::Ledger(err.to_string()))?;
                (self.log)(format!(
                    "revised: {label}: the revision of {revision} is carried"
                ));
                self.report
                    .done
                    .push(format!("{label} (revision of {revision})"));
            }
            Err(err) => {
                let msg = format!("{label}: the revision of {revision} was not carried: {err}; the next run tries again");
                (self.log)(format!("error: {msg}"));
                self.report.failed.push(msg);
            }
        }
        Ok(())
    }

    /// A step that waits for a person, for `why`: reported, never sent
    /// unattended.
    fn history(&mut self, m: &Manifest, e: &Entry, due: Timestamp, why: &str) {
        let msg = format!(
            "{}: was due at {due}, past the late limit, and {why}; it is not sent unattended. To record it as done another way: `herald ledger record {} {}` (or `herald ledger adopt`); to send it now: `herald publish --late {}`",
            Self::label(m, e),
            m.slug,
            e.channel,
            m.slug
        );
        (self.log)(format!("late: {msg}"));
        self.report.late.push(msg);
    }

    /// A disclosure past the late limit waits for a person.
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

    fn too_late(&mut self, m: &Manifest, due: Timestamp) {
        let hours = (self.opts.now.as_second() - due.as_second()) / 3600;
        let lead = m.lead().unwrap_or("announcement");
        let msg = format!(
            "{}: the {lead} was due at {due}, {hours} hours ago, past the late limit of {} hours (rules.late-limit-hours). Nothing of it is sent automatically. To send it now, in order: `herald publish --late {}`. If it went out outside Herald: `herald ledger record {} {lead} --at <when>` (or `herald ledger adopt` for all history)",
            m.slug, self.project.config.rules.late_limit_hours, m.slug, m.slug
        );
        (self.log)(format!("late: {msg}"));
        self.report.late.push(msg);
    }

    /// State in the log and the ledger how late a step went out.
    fn note_lateness(
        &mut self,
        m: &Manifest,
        e: &Entry,
        ledger: &mut Ledger,
        due: Timestamp,
    ) -> Result<(), PublishError> {
        let minutes = (self.opts.now.as_second() - due.as_second()) / 60;
        if minutes < LATE_NOTE_MINUTES {
            return Ok(());
        }
        let late = format!("{}h {:02}m", minutes / 60, minutes % 60);
        (self.log)(format!(
            "note: {} went out {late} after it was due ({due})",
            Self::label(m, e)
        ));
        if ledger.state(&e.channel).is_done() {
            self.set(
                ledger,
                &e.channel,
                State::Done,
                &[("due", due.to_string()), ("late-by", late)],
            )?;
        }
        Ok(())
    }

    fn done(&mut self, m: &Manifest, e: &Entry) {
        (self.log)(format!("done: {}", Self::label(m, e)));
        self.report.done.push(Self::label(m, e));
    }

    fn warn_if_late(&mut self, m: &Manifest, e: &Entry, ledger: &Ledger) {
        let Some(lead) = m.lead() else {
            return;
        };
        if e.channel == lead || e.channel.ends_with("notice") || e.channel == "distros" {
            return;
        }
        let Some(sent) = ledger
            .records
            .get(lead)
            .and_then(|r| r.at.parse::<Timestamp>().ok())
        else {
            return;
        };
        if let Ok(limit) = sent.checked_add(BLOG_PROMISE_HOURS.hours()) {
            if self.opts.now > limit {
                (self.log)(format!(
                    "warning: {} lags more than {BLOG_PROMISE_HOURS} hours behind the {lead} ({}), past the policy's promise",
                    Self::label(m, e),
                    sent
                ));
            }
        }
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

    fn mail(
        &mut self,
        m: &Manifest,
        dir: &Path,
        e: &Entry,
        ledger: &mut Ledger,
    ) -> Result<Step, PublishError> {
        let channel = e.channel.as_str();
        if ledger.state(channel) == State::Started && self.opts.confirm_sent && !self.opts.dry_run {
            self.set(
                ledger,
                channel,
                State::Done,
                &[("confirmed", "by a person, with --confirm-sent".into())],
            )?;
            self.done(m, e);
            return Ok(Step::Done);
        }
        if ledger.state(channel) == State::Started && !self.opts.resend_started {
            let msg = format!(
                "the {channel} mail may already have gone out: a run died while sending it. Check the list archive for Message-ID <{}>; if it is missing, run `herald publish --resend-started`, if it is there, `herald publish --confirm-sent`",
                e.message_id.clone().unwrap_or_default()
            );
            (self.log)(format!("attention: {}: {msg}", m.slug));
            self.report
                .attention
                .push(format!("{}: {msg}", Self::label(m, e)));
            return Ok(Step::Stop);
        }
        let raw = match self.outgoing(dir, &e.file) {
            Ok(r) => r,
            Err(msg) => return Ok(self.fail(m, e, msg)),
        };
        // Whatever the list gets as the team's word is signed.
        if channel == "announcement" || channel.starts_with("update:") {
            if let Err(msg) = self.check_signed(m, dir, e, &raw) {
                return Ok(self.fail(m, e, msg));
            }
        }
        let Some(url) = self.creds.smtp_url.clone() else {
            return Ok(self.fail(
                m,
                e,
                format!("{} is not set; no mail can go out", smtp::URL_VAR),
            ));
        };
        if let Err(msg) = smtp::refuse_plaintext(&url) {
            return Ok(self.fail(m, e, msg));
        }
        let from = self.project.config.team.email.clone();
        if self.opts.dry_run {
            (self.log)(format!(
                "would send {} to {} via {}",
                dir.join(&e.file).display(),
                e.recipients.join(", "),
                smtp::redact(&url)
            ));
            return Ok(Step::Done);
        }
        if let Some(why) = &self.opts.rehearsal {
            if !crate::model::common::on_loopback(&url) {
                let msg = format!("{why}; not sent to {}", smtp::redact(&url));
                return Ok(self.fail(m, e, msg));
            }
        }
        if self.smtp.is_none() {
            match smtp::Smtp::connect(&url) {
                Ok(s) => self.smtp = Some(s),
                Err(msg) => return Ok(self.fail(m, e, msg)),
            }
        }
        // The run may have taken long to get here: a window that closed
        // meanwhile sends nothing.
        let until = e.until.as_deref().map(|u| moment(m, u)).transpose()?;
        if let Some(until) = until.filter(|&u| self.clock() >= u) {
            let due = moment(m, &e.due)?;
            self.missed(m, e, ledger, due, until)?;
            return Ok(Step::Done);
        }
        let message_id = e.message_id.clone().unwrap_or_default();
        self.set(
            ledger,
            channel,
            State::Started,
            &[("message-id", message_id.clone())],
        )?;
        failpoint("before", &m.slug, channel);
        let open = || until.is_none_or(|u| self.clock() < u);
        let result = self
            .smtp
            .as_ref()
            .map(|s| s.send(&from, &e.recipients, &raw, &open));
        match result {
            Some(Ok(())) => {
                failpoint("after", &m.slug, channel);
                let mut details = vec![("message-id", message_id)];
                // The moment a notice announced, so that a moved embargo
                // is caught (`schedule::moved_embargoes`).
                if crate::schedule::ANNOUNCING.contains(&channel) {
                    details.extend(e.until.clone().map(|u| ("disclosure", u)));
                }
                self.set(ledger, channel, State::Done, &details)?;
                self.done(m, e);
                Ok(Step::Done)
            }
            Some(Err(smtp::SendError::Refused(msg))) => {
                self.set(
                    ledger,
                    channel,
                    State::Pending,
                    &[("last-error", msg.clone())],
                )?;
                Ok(self.fail(
                    m,
                    e,
                    format!("not sent: {msg}; it stays pending and the next run retries it"),
                ))
            }
            Some(Err(smtp::SendError::Unknown(msg))) => {
                self.set(
                    ledger,
                    channel,
                    State::Started,
                    &[("last-error", msg.clone())],
                )?;
                self.report
                    .attention
                    .push(format!("{}: {msg}", Self::label(m, e)));
                Ok(self.fail(m, e, format!("the connection broke while sending ({msg}); the mail may have gone out. Check the archive, then rerun with --resend-started if it did not")))
            }
            None => Ok(Step::Stop),
        }
    }

    /// An announcement goes out only signed by the team key, with the
    /// signed copy attached.
    fn check_signed(&self, m: &Manifest, dir: &Path, e: &Entry, raw: &[u8]) -> Result<(), String> {
        let asc_name = e
            .sign
            .clone()
            .unwrap_or_else(|| "announcement.txt.asc".into());
        if !m.signed {
            return Err(format!(
                "the announcement is unsigned; rebuild with {} set. An unsigned announcement is never sent",
                signing::KEY_VAR
            ));
        }
        let asc = read_in(dir, &asc_name)?;
        let certs =
            signing::read_certs(&self.project.public_key.armored).map_err(|err| err.to_string())?;
        let who = signing::verify(&asc, certs)
            .map_err(|err| format!("`{asc_name}` does not verify with the team key: {err}"))?;
        if who.fingerprint != self.project.public_key.fingerprint {
            return Err(format!(
                "`{asc_name}` is signed by {}, not the team key",
                who.fingerprint
            ));
        }
        let attached = String::from_utf8_lossy(raw).contains(&format!("filename=\"{asc_name}\""));
        if !attached {
            return Err(format!(
                "the mail does not carry `{asc_name}` as an attachment"
            ));
        }
        Ok(())
    }

    /// One HTTP client for the whole run (a clone shares its pool), bound
    /// to the run's deadline.
    fn session(&mut self) -> Result<http::Session, String> {
        match &self.session {
            Some(s) => Ok(s.clone()),
            None => {
                let s = http::Session {
                    client: http::client()?,
                    deadline: self.deadline,
                    rehearsal: self.opts.rehearsal.clone(),
                };
                self.session = Some(s.clone());
                Ok(s)
            }
        }
    }

    /// The blog post: into the blog's repository when herald.yaml names
    /// one; else it is the team's to put up, and only its URL is recorded.
    fn blog(
        &mut self,
        m: &Manifest,
        dir: &Path,
        e: &Entry,
        ledger: &mut Ledger,
    ) -> Result<Step, PublishError> {
        let url = e.url.clone().unwrap_or_default();
        let repository = self
            .project
            .config
            .channels
            .blog
            .as_ref()
            .and_then(|b| b.repository.clone());
        let Some(target) = repository else {
            if self.opts.dry_run {
                (self.log)(format!(
                    "would record {} (no channels.blog.repository: outbox/{}/{} is yours to post): {url}",
                    Self::label(m, e),
                    m.slug,
                    e.file
                ));
                return Ok(Step::Done);
            }
            (self.log)(format!(
                "note: {}: no channels.blog.repository, so outbox/{}/{} is yours to post at {url}",
                Self::label(m, e),
                m.slug,
                e.file
            ));
            self.set(
                ledger,
                "blog",
                State::Done,
                &[("url", url), ("delivered", "by the team".into())],
            )?;
            self.done(m, e);
            return Ok(Step::Done);
        };
        let Some(token) = self.creds.github_token.clone() else {
            return Ok(self.fail(
                m,
                e,
                "GITHUB_TOKEN must be set to deliver the blog post to its repository".into(),
            ));
        };
        let content = match self.outgoing(dir, &e.file) {
            Ok(b) => b,
            Err(msg) => return Ok(self.fail(m, e, msg)),
        };
        let path = target.file.replace("{slug}", &m.slug);
        let head = format!("herald/{}", m.slug);
        let how = if target.pull_request {
            format!("a pull request from `{head}` to `{}`", target.branch)
        } else {
            format!("a commit on `{}`", target.branch)
        };
        if self.opts.dry_run {
            (self.log)(format!(
                "would deliver the blog post to {} as {how} ({path}), token ***",
                target.repository
            ));
            return Ok(Step::Done);
        }
        let api = self.project.config.channels.github_api.clone();
        let title = m.title.clone();
        let started = [("repository", target.repository.clone())];
        self.remote(m, e, ledger, &started, |session, log| {
            let gh = github::GitHub {
                session,
                api: &api,
                token: &token,
            };
            let d = blog::Delivery {
                repo: &target.repository,
                branch: &target.branch,
                path: &path,
                pull_request: target.pull_request,
                head: head.clone(),
                title: &title,
                content: &content,
            };
            match gh.deliver(&d, log) {
                Ok(mut details) => {
                    details.push(("url", url.clone()));
                    Ok(details)
                }
                Err(blog::DeliveryError::Http(h)) => Err(h),
                Err(blog::DeliveryError::Refused(message)) => Err(http::HttpError::Transport {
                    method: "PUT".into(),
                    url: format!("{api}repos/{}/contents/{path}", target.repository),
                    message,
                    maybe_applied: false,
                }),
            }
        })
    }

    /// The CVE record, through CVE Services; the ledger keeps the digest
    /// of what was sent.
    fn cve(
        &mut self,
        m: &Manifest,
        dir: &Path,
        e: &Entry,
        ledger: &mut Ledger,
    ) -> Result<Step, PublishError> {
        let id = e.channel.trim_start_matches("cve:").to_string();
        let Some(cna) = self.project.config.channels.cve.clone() else {
            return Ok(self.fail(m, e, "herald.yaml has no `channels.cve`".into()));
        };
        let (Some(user), Some(key), Some(org)) = (
            self.creds.cve_user.clone(),
            self.creds.cve_key.clone(),
            cna.org_short_name.clone(),
        ) else {
            return Ok(self.fail(
                m,
                e,
                "HERALD_CVE_API_USER, HERALD_CVE_API_KEY and `channels.cve.org-short-name` are needed to publish CVE records".into(),
            ));
        };
        let bytes = match self.outgoing(dir, &e.file) {
            Ok(b) => b,
            Err(msg) => return Ok(self.fail(m, e, msg)),
        };
        let container: serde_json::Value = match serde_json::from_slice(&bytes) {
            Ok(v) => v,
            Err(err) => return Ok(self.fail(m, e, format!("`{}`: {err}", e.file))),
        };
        let digest = crate::channels::manifest::sha256_hex(&bytes);
        if self.opts.dry_run {
            let act = if e.reject { "reject" } else { "publish" };
            (self.log)(format!(
                "would {act} the CVE record {id} via {} as {org}/{user}, API key ***",
                cna.api
            ));
            return Ok(Step::Done);
        }
        let started = [("sha256", digest.clone())];
        self.remote(m, e, ledger, &started, |session, log| {
            let api = cve_services::CveServices {
                session,
                api: &cna.api,
                org: &org,
                user: &user,
                key: &key,
            };
            let mut details = vec![("url", format!("https://www.cve.org/CVERecord?id={id}"))];
            details.extend(sent(m, e));
            if e.sha256.is_none() {
                details.push(("sha256", digest.clone()));
            }
            // An advisory withdrawn with `reject` before its record went
            // out: the id is rejected, never published first.
            if e.reject {
                api.reject(&id, &container, log)?;
                details.push(("rejected", "true".to_string()));
                return Ok(details);
            }
            let outcome = api.publish(&id, &container, log)?;
            if let cve_services::Outcome::Found { same } = outcome {
                details.push(("found", if same { "published already, as sent" } else { "published already, with other content: a revision must carry the difference" }.to_string()));
                if !same {
                    log(format!("note: the CVE record {id} was already published with other content; Herald did not change it"));
                }
            }
            Ok(details)
        })
    }

    fn forum(
        &mut self,
        m: &Manifest,
        dir: &Path,
        e: &Entry,
        ledger: &mut Ledger,
    ) -> Result<Step, PublishError> {
        let (Some(key), Some(user)) = (
            self.creds.discourse_key.clone(),
            self.creds.discourse_user.clone(),
        ) else {
            return Ok(self.fail(
                m,
                e,
                "DISCOURSE_API_KEY and DISCOURSE_API_USERNAME must be set to post to the forum"
                    .into(),
            ));
        };
        let text = match self
            .outgoing(dir, &e.file)
            .and_then(|b| String::from_utf8(b).map_err(|_| format!("`{}` is not UTF-8", e.file)))
        {
            Ok(t) => t,
            Err(msg) => return Ok(self.fail(m, e, msg)),
        };
        let raw = strip_front_matter(&text).trim().to_string();
        let external_id = e
            .external_id
            .clone()
            .unwrap_or_else(|| format!("herald-{}", m.slug));
        let title = e.title.clone().unwrap_or_else(|| m.title.clone());
        let Some(base) = self
            .project
            .config
            .channels
            .forum
            .as_ref()
            .map(|f| f.base_url.clone())
        else {
            return Ok(self.fail(m, e, "herald.yaml has no `channels.forum`".into()));
        };
        if self.opts.dry_run {
            let category = e
                .category
                .map(|c| format!("category {c}, "))
                .unwrap_or_default();
            (self.log)(format!("would post `{title}` to {base} ({category}external_id {external_id}) as {user}, API key ***"));
            return Ok(Step::Done);
        }
        let started = [("external-id", external_id.clone())];
        self.remote(m, e, ledger, &started, |session, log| {
            let forum = forum::Forum {
                session,
                base_url: &base,
                api_key: &key,
                api_username: &user,
            };
            let topic = match forum.find(&external_id, log)? {
                Some(t) => t,
                None => {
                    let made = forum.create(&title, &raw, e.category, &external_id, log)?;
                    // A forum that claims a topic it does not have would
                    // lose the post: what it made must be found.
                    match forum.find(&external_id, log)? {
                        Some(found) if found.id == made.id => found,
                        found => {
                            return Err(http::HttpError::bad_answer(
                                "POST",
                                &format!("{base}posts.json"),
                                format!(
                                    "the forum answered with topic {}, but `external_id` {external_id} finds {}",
                                    made.id,
                                    found.map_or("none".to_string(), |t| format!("topic {}", t.id))
                                ),
                            ))
                        }
                    }
                }
            };
            Ok(vec![("topic-id", topic.id.to_string()), ("url", topic.url)])
        })
    }

    fn ghsa(
        &mut self,
        m: &Manifest,
        dir: &Path,
        e: &Entry,
        ledger: &mut Ledger,
    ) -> Result<Step, PublishError> {
        let Some(token) = self.creds.github_token.clone() else {
            return Ok(self.fail(
                m,
                e,
                "GITHUB_TOKEN must be set to publish GitHub advisories".into(),
            ));
        };
        let id = e.channel.trim_start_matches("ghsa:").to_string();
        let Some(repo) = e.repository.clone() else {
            return Ok(self.fail(m, e, "the manifest names no repository".into()));
        };
        let body: serde_json::Value = match self.outgoing(dir, &e.file).and_then(|b| {
            serde_json::from_slice(&b).map_err(|x| format!("cannot read `{}`: {x}", e.file))
        }) {
            Ok(b) => b,
            Err(msg) => return Ok(self.fail(m, e, msg)),
        };
        let api = self.project.config.channels.github_api.clone();
        if self.opts.dry_run {
            (self.log)(format!(
                "would publish {id} in {repo} via {api} (creating it if missing), token ***"
            ));
            return Ok(Step::Done);
        }
        let session = match self.session() {
            Ok(s) => s,
            Err(msg) => return Ok(self.fail(m, e, msg)),
        };
        let channel = e.channel.as_str();
        let was_started = ledger.state(channel) == State::Started;
        // What the ledger learnt of this advisory's id, first: GitHub may
        // assign another id than the front matter's.
        let known: Vec<String> = ["ghsa-id", "created"]
            .iter()
            .filter_map(|k| ledger.get(channel, k).map(str::to_string))
            .chain(std::iter::once(id.clone()))
            .collect();
        // Ids that belong to the advisory's other GHSAs: never this one's.
        let others: Vec<String> = m
            .actions
            .iter()
            .filter(|a| a.channel.starts_with("ghsa:") && a.channel != e.channel)
            .flat_map(|a| {
                let mut ids = vec![a.channel.trim_start_matches("ghsa:").to_string()];
                ids.extend(
                    ["ghsa-id", "created"]
                        .iter()
                        .filter_map(|k| ledger.get(&a.channel, k).map(str::to_string)),
                );
                ids
            })
            .collect();
        let cve = body
            .get("cve_id")
            .and_then(|v| v.as_str())
            .map(str::to_string);
        self.set(ledger, channel, State::Started, &[])?;
        failpoint("before", &m.slug, channel);
        let mut logs = Vec::new();
        let gh = github::GitHub {
            session: &session,
            api: &api,
            token: &token,
        };
        let found = find_ghsa(&gh, &repo, &known, cve.as_deref(), &others, &mut |l| {
            logs.push(l)
        });
        for l in logs.drain(..) {
            (self.log)(l);
        }
        let mut adv = match found {
            Err(err) => {
                // A lookup changes nothing; only an earlier unknown outcome
                // keeps the step `started`.
                let state = if was_started {
                    State::Started
                } else {
                    State::Pending
                };
                self.set(ledger, channel, state, &[("last-error", err.to_string())])?;
                return Ok(self.fail(m, e, format!("{err}; the next run retries it")));
            }
            Ok(Some(a)) => a,
            Ok(None) if was_started && cve.is_none() => {
                let msg = format!(
                    "a run that died, or a server that failed, may have created this advisory already, and without a CVE id Herald cannot find it among {repo}'s advisories. Look at https://github.com/{repo}/security/advisories: if it is there, `herald ledger record {} {channel} --url <its URL>`; if not, set its state back to `pending` in {}",
                    m.slug,
                    ledger.path.display()
                );
                (self.log)(format!("attention: {}: {msg}", m.slug));
                self.report
                    .attention
                    .push(format!("{}: {msg}", Self::label(m, e)));
                return Ok(Step::Stop);
            }
            Ok(None) => {
                let created = gh.create(&repo, &body, &mut |l| logs.push(l));
                for l in logs.drain(..) {
                    (self.log)(l);
                }
                match created {
                    Ok(a) => {
                        // Known now, kept now: a crash from here on finds it.
                        self.set(
                            ledger,
                            channel,
                            State::Started,
                            &[("created", a.ghsa_id.clone())],
                        )?;
                        failpoint("created", &m.slug, channel);
                        a
                    }
                    Err(err) => {
                        let (state, next) = if err.maybe_applied() {
                            (State::Started, "it may have been created; the next run looks it up before creating anything")
                        } else {
                            (
                                State::Pending,
                                "it stays pending and the next run retries it",
                            )
                        };
                        self.set(ledger, channel, state, &[("last-error", err.to_string())])?;
                        return Ok(self.fail(m, e, format!("{err}; {next}")));
                    }
                }
            }
        };
        if adv.state != "published" {
            let published = gh.publish(&repo, &adv.ghsa_id, &mut |l| logs.push(l));
            for l in logs.drain(..) {
                (self.log)(l);
            }
            // A server that answers the PATCH without publishing is not
            // believed: the step stays pending, and the next run publishes
            // the same draft again.
            let published = published.and_then(|a| {
                if a.state == "published" && a.ghsa_id == adv.ghsa_id {
                    Ok(a)
                } else {
                    Err(http::HttpError::bad_answer(
                        "PATCH",
                        &format!("{repo}/{}", adv.ghsa_id),
                        format!(
                            "asked to publish {}, GitHub answered with {} in state `{}`",
                            adv.ghsa_id, a.ghsa_id, a.state
                        ),
                    ))
                }
            });
            match published {
                Ok(a) => adv = a,
                Err(err) => {
                    // Publishing a known draft is safe to repeat.
                    self.set(
                        ledger,
                        channel,
                        State::Pending,
                        &[
                            ("last-error", err.to_string()),
                            ("created", adv.ghsa_id.clone()),
                        ],
                    )?;
                    return Ok(self.fail(
                        m,
                        e,
                        format!("{err}; it stays pending and the next run retries it"),
                    ));
                }
            }
        }
        failpoint("after", &m.slug, channel);
        if adv.ghsa_id != id {
            (self.log)(format!(
                "note: {}: GitHub assigned {} (the front matter says {id})",
                m.slug, adv.ghsa_id
            ));
        }
        let mut details = vec![("ghsa-id", adv.ghsa_id), ("url", adv.html_url)];
        details.extend(sent(m, e));
        self.set(ledger, channel, State::Done, &details)?;
        self.done(m, e);
        Ok(Step::Done)
    }

    /// The shape of a remote step that finds before it creates: record
    /// `started` (with `started_details`), make the calls, then record
    /// `done` with what `call` returns. On failure the step is `pending`,
    /// or stays `started` when a create may have taken effect, so the next
    /// run looks it up before anything is created again.
    fn remote(
        &mut self,
        m: &Manifest,
        e: &Entry,
        ledger: &mut Ledger,
        started_details: &[(&str, String)],
        call: impl FnOnce(
            &http::Session,
            &mut dyn FnMut(String),
        ) -> Result<Vec<(&'static str, String)>, http::HttpError>,
    ) -> Result<Step, PublishError> {
        let session = match self.session() {
            Ok(c) => c,
            Err(msg) => return Ok(self.fail(m, e, msg)),
        };
        let was_started = ledger.state(&e.channel) == State::Started;
        self.set(ledger, &e.channel, State::Started, started_details)?;
        failpoint("before", &m.slug, &e.channel);
        let mut logs = Vec::new();
        let result = call(&session, &mut |s| logs.push(s));
        for l in logs {
            (self.log)(l);
        }
        match result {
            Ok(details) => {
                failpoint("after", &m.slug, &e.channel);
                self.set(ledger, &e.channel, State::Done, &details)?;
                self.done(m, e);
                Ok(Step::Done)
            }
            Err(err) => {
                let (state, next) = if err.maybe_applied() || was_started && err.status().is_none()
                {
                    (State::Started, "it may have taken effect; the next run looks it up before creating anything")
                } else {
                    (
                        State::Pending,
                        "it stays pending and the next run retries it",
                    )
                };
                self.set(
                    ledger,
                    &e.channel,
                    state,
                    &[("last-error", err.to_string())],
                )?;
                Ok(self.fail(m, e, format!("{err}; {next}")))
            }
        }
    }
}

/// The GitHub advisory this step owns, if it exists: by the ids the ledger
/// and the front matter know, then by its exact CVE id among the
/// repository's advisories. Never by summary: two GHSAs of one advisory
/// may share one. An advisory another GHSA step owns is never taken.
fn find_ghsa(
    gh: &github::GitHub,
    repo: &str,
    known: &[String],
    cve: Option<&str>,
    others: &[String],
    log: &mut dyn FnMut(String),
) -> Result<Option<github::AdvisoryJson>, http::HttpError> {
    for id in known {
        if others.contains(id) {
            continue;
        }
        if let Some(a) = gh.get(repo, id, log)? {
            return Ok(Some(a));
        }
    }
    let Some(cve) = cve else {
        return Ok(None);
    };
    let mut matches: Vec<_> = gh
        .list(repo, log)?
        .into_iter()
        .filter(|a| {
            a.cve_id
                .as_deref()
                .is_some_and(|c| c.eq_ignore_ascii_case(cve))
        })
        .filter(|a| !others.contains(&a.ghsa_id))
        .collect();
    if matches.len() > 1 {
        log(format!(
            "note: {} advisories in {repo} carry {cve}; taking {}",
            matches.len(),
            matches[0].ghsa_id
        ));
    }
    Ok((!matches.is_empty()).then(|| matches.remove(0)))
}

/// The body of a file with `---` front matter.
fn strip_front_matter(text: &str) -> &str {
    let Some(rest) = text.strip_prefix("---\n") else {
        return text;
    };
    match rest.find("\n---\n") {
        Some(i) => &rest[i + 5..],
        None => text,
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
