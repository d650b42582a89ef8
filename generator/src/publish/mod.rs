//! `herald publish`: every action whose moment has come, in order, once.
//!
//! Publishing never renders. It reads the outbox that `herald build` wrote
//! (refusing one that does not match the tree), and the ledger. Before each
//! external call, it records the action as `started`; after it, as `done`,
//! with what came back. A disclosure runs strictly in order: a step runs only
//! after the steps before it are done.

pub mod forum;
pub mod github;
pub mod http;
pub mod smtp;

use std::path::{Path, PathBuf};

use jiff::{Timestamp, ToSpan};

use crate::channels::manifest::{Entry, Manifest};
use crate::ledger::{Ledger, State};
use crate::model::Project;
use crate::signing;
use crate::stamp;

pub struct Options {
    pub now: Timestamp,
    pub dry_run: bool,
    /// Send again a mail left `started` by a run that died mid-send.
    pub resend_started: bool,
    /// Record mails left `started` as done without sending them: a person
    /// checked the archive and found them delivered.
    pub confirm_sent: bool,
    pub outbox: PathBuf,
}

/// Secrets, from the environment only.
#[derive(Default)]
pub struct Credentials {
    pub smtp_url: Option<String>,
    pub github_token: Option<String>,
    pub discourse_key: Option<String>,
    pub discourse_user: Option<String>,
}

impl Credentials {
    pub fn from_env() -> Self {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        Credentials {
            smtp_url: var(smtp::URL_VAR),
            github_token: var("GITHUB_TOKEN"),
            discourse_key: var("DISCOURSE_API_KEY"),
            discourse_user: var("DISCOURSE_API_USERNAME"),
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
    client: Option<reqwest::blocking::Client>,
    smtp: Option<smtp::Smtp>,
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
        std::fs::create_dir_all(&lock_dir).map_err(|e| {
            PublishError::Setup(format!("cannot create `{}`: {e}", lock_dir.display()))
        })?;
        let f = std::fs::File::create(lock_dir.join(".lock"))
            .map_err(|e| PublishError::Setup(format!("cannot create the publish lock: {e}")))?;
        f.try_lock().map_err(|_| {
            PublishError::Setup("another `herald publish` is running on this tree".into())
        })?;
        Some(f)
    };
    let mut manifests = read_manifests(&opts.outbox)?;
    manifests.sort_by(|a, b| a.0.slug.cmp(&b.0.slug));
    let mut run = Run {
        project,
        opts,
        creds,
        client: None,
        smtp: None,
        report: Report::default(),
        log,
    };
    for (m, dir) in &manifests {
        let mut ledger = Ledger::load(&project.root, &m.slug)
            .map_err(|f| PublishError::Ledger(f.to_string()))?;
        for chain in chains(m) {
            for entry in chain {
                if ledger.state(&entry.channel) == State::Done {
                    continue;
                }
                let due: Timestamp = entry
                    .due
                    .parse()
                    .map_err(|e| PublishError::Setup(format!("{}: bad due moment: {e}", m.slug)))?;
                if due > opts.now {
                    break;
                }
                match run.step(m, dir, entry, &mut ledger)? {
                    Step::Done => {}
                    Step::Stop => break,
                }
            }
        }
    }
    Ok(run.report)
}

fn read_manifests(outbox: &Path) -> Result<Vec<(Manifest, PathBuf)>, PublishError> {
    let mut out = Vec::new();
    let entries = std::fs::read_dir(outbox)
        .map_err(|e| PublishError::Setup(format!("cannot read `{}`: {e}", outbox.display())))?;
    for e in entries.filter_map(Result::ok) {
        let path = e.path().join("manifest.json");
        if !path.is_file() {
            continue;
        }
        let bytes = std::fs::read(&path)
            .map_err(|e| PublishError::Setup(format!("cannot read `{}`: {e}", path.display())))?;
        let m: Manifest = serde_json::from_slice(&bytes)
            .map_err(|e| PublishError::Setup(format!("`{}`: {e}", path.display())))?;
        if m.format != crate::channels::manifest::FORMAT {
            return Err(PublishError::Setup(format!(
                "`{}` has format {}; rebuild with this herald",
                path.display(),
                m.format
            )));
        }
        out.push((m, e.path()));
    }
    Ok(out)
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
        ledger
            .set(channel, state, &self.now(), details)
            .map_err(|e| PublishError::Ledger(e.to_string()))
    }

    fn fail(&mut self, m: &Manifest, e: &Entry, msg: String) -> Step {
        (self.log)(format!("error: {}: {msg}", Self::label(m, e)));
        self.report
            .failed
            .push(format!("{}: {msg}", Self::label(m, e)));
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
            "blog" => {
                if self.opts.dry_run {
                    (self.log)(format!(
                        "would record {}: {}",
                        Self::label(m, e),
                        e.url.clone().unwrap_or_default()
                    ));
                    return Ok(Step::Done);
                }
                // The post is part of the site deploy that follows publish.
                self.set(
                    ledger,
                    channel,
                    State::Done,
                    &[("url", e.url.clone().unwrap_or_default())],
                )?;
                self.done(m, e);
                Ok(Step::Done)
            }
            "forum" => self.forum(m, dir, e, ledger),
            c if c.starts_with("ghsa:") => self.ghsa(m, dir, e, ledger),
            other => Ok(self.fail(m, e, format!("unknown channel `{other}` in the manifest"))),
        }
    }

    fn done(&mut self, m: &Manifest, e: &Entry) {
        (self.log)(format!("done: {}", Self::label(m, e)));
        self.report.done.push(Self::label(m, e));
    }

    fn warn_if_late(&mut self, m: &Manifest, e: &Entry, ledger: &Ledger) {
        if e.channel == "announcement" || e.channel.ends_with("notice") || e.channel == "distros" {
            return;
        }
        let Some(sent) = ledger
            .records
            .get("announcement")
            .and_then(|r| r.at.parse::<Timestamp>().ok())
        else {
            return;
        };
        if let Ok(limit) = sent.checked_add(BLOG_PROMISE_HOURS.hours()) {
            if self.opts.now > limit {
                (self.log)(format!(
                    "warning: {} lags more than {BLOG_PROMISE_HOURS} hours behind the announcement mail ({}), past the policy's promise",
                    Self::label(m, e),
                    sent
                ));
            }
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
        let raw = match std::fs::read(dir.join(&e.file)) {
            Ok(r) => r,
            Err(err) => return Ok(self.fail(m, e, format!("cannot read `{}`: {err}", e.file))),
        };
        if channel == "announcement" {
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
        if self.smtp.is_none() {
            match smtp::Smtp::connect(&url) {
                Ok(s) => self.smtp = Some(s),
                Err(msg) => return Ok(self.fail(m, e, msg)),
            }
        }
        let message_id = e.message_id.clone().unwrap_or_default();
        self.set(
            ledger,
            channel,
            State::Started,
            &[("message-id", message_id.clone())],
        )?;
        failpoint("before", &m.slug, channel);
        let result = self
            .smtp
            .as_ref()
            .map(|s| s.send(&from, &e.recipients, &raw));
        match result {
            Some(Ok(())) => {
                failpoint("after", &m.slug, channel);
                self.set(ledger, channel, State::Done, &[("message-id", message_id)])?;
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
        let asc = std::fs::read(dir.join(&asc_name))
            .map_err(|err| format!("cannot read `{asc_name}`: {err}"))?;
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

    /// One HTTP client for the whole run (a clone shares its pool).
    fn client(&mut self) -> Result<reqwest::blocking::Client, String> {
        match &self.client {
            Some(c) => Ok(c.clone()),
            None => {
                let c = http::client()?;
                self.client = Some(c.clone());
                Ok(c)
            }
        }
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
        let text = match std::fs::read_to_string(dir.join(&e.file)) {
            Ok(t) => t,
            Err(err) => return Ok(self.fail(m, e, format!("cannot read `{}`: {err}", e.file))),
        };
        let raw = strip_front_matter(&text).trim().to_string();
        let external_id = e
            .external_id
            .clone()
            .unwrap_or_else(|| format!("herald-{}", m.slug));
        let title = e.title.clone().unwrap_or_else(|| m.title.clone());
        let base = self.project.config.channels.forum_base_url.clone();
        if self.opts.dry_run {
            (self.log)(format!("would post `{title}` to {base} (category {:?}, external_id {external_id}) as {user}, API key ***", e.category));
            return Ok(Step::Done);
        }
        let started = [("external-id", external_id.clone())];
        self.remote(m, e, ledger, &started, |client, log| {
            let forum = forum::Forum {
                client,
                base_url: &base,
                api_key: &key,
                api_username: &user,
            };
            let topic = match forum.find(&external_id, log).map_err(|x| (x, Vec::new()))? {
                Some(t) => t,
                None => forum
                    .create(&title, &raw, e.category, &external_id, log)
                    .map_err(|x| (x, Vec::new()))?,
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
        let body: serde_json::Value = match std::fs::read(dir.join(&e.file))
            .map_err(|x| x.to_string())
            .and_then(|b| serde_json::from_slice(&b).map_err(|x| x.to_string()))
        {
            Ok(b) => b,
            Err(msg) => return Ok(self.fail(m, e, format!("cannot read `{}`: {msg}", e.file))),
        };
        let api = self.project.config.channels.github_api.clone();
        if self.opts.dry_run {
            (self.log)(format!(
                "would publish {id} in {repo} via {api} (creating it if missing), token ***"
            ));
            return Ok(Step::Done);
        }
        let created_before = ledger.get(&e.channel, "created").map(str::to_string);
        let cve = body
            .get("cve_id")
            .and_then(|v| v.as_str())
            .map(str::to_string);
        let summary = body
            .get("summary")
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_string();
        self.remote(m, e, ledger, &[], |client, log| {
            let gh = github::GitHub {
                client,
                api: &api,
                token: &token,
            };
            // Look up before creating: the draft may exist, or a run that
            // died may have created it already.
            let lookup_id = created_before.clone().unwrap_or_else(|| id.clone());
            let existing = match gh
                .get(&repo, &lookup_id, log)
                .map_err(|x| (x, Vec::new()))?
            {
                Some(a) => Some(a),
                None => gh
                    .list(&repo, log)
                    .map_err(|x| (x, Vec::new()))?
                    .into_iter()
                    .find(|a| {
                        (cve.is_some() && a.cve_id == cve)
                            || (!summary.is_empty() && a.summary == summary)
                    }),
            };
            let mut adv = match existing {
                Some(a) => a,
                None => gh.create(&repo, &body, log).map_err(|x| (x, Vec::new()))?,
            };
            if adv.state != "published" {
                // Kept on failure, so the retry finds the draft it made.
                let created = vec![("created", adv.ghsa_id.clone())];
                adv = gh
                    .publish(&repo, &adv.ghsa_id, log)
                    .map_err(|x| (x, created))?;
            }
            if adv.ghsa_id != id {
                log(format!(
                    "note: {}: GitHub assigned {} (the front matter says {id})",
                    m.slug, adv.ghsa_id
                ));
            }
            Ok(vec![("ghsa-id", adv.ghsa_id), ("url", adv.html_url)])
        })
    }

    /// The shape every remote step shares: record `started` (with
    /// `started_details`), make the calls, then record `done` with what
    /// `call` returns, or `pending` with the error and the details `call`
    /// wants kept for the retry. Every remote step looks up before it
    /// creates, so a retry after a failure is safe.
    fn remote(
        &mut self,
        m: &Manifest,
        e: &Entry,
        ledger: &mut Ledger,
        started_details: &[(&str, String)],
        call: impl FnOnce(
            &reqwest::blocking::Client,
            &mut dyn FnMut(String),
        ) -> Result<
            Vec<(&'static str, String)>,
            (http::HttpError, Vec<(&'static str, String)>),
        >,
    ) -> Result<Step, PublishError> {
        let client = match self.client() {
            Ok(c) => c,
            Err(msg) => return Ok(self.fail(m, e, msg)),
        };
        self.set(ledger, &e.channel, State::Started, started_details)?;
        failpoint("before", &m.slug, &e.channel);
        let mut logs = Vec::new();
        let result = call(&client, &mut |s| logs.push(s));
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
            Err((err, kept)) => {
                let mut details = vec![("last-error", err.to_string())];
                details.extend(kept);
                self.set(ledger, &e.channel, State::Pending, &details)?;
                Ok(self.fail(
                    m,
                    e,
                    format!("{err}; it stays pending and the next run retries it"),
                ))
            }
        }
    }
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
