//! The steps that reach a place: a mail, the blog, the forum, a GHSA, a
//! CVE record. Each reads its outbox text, records `started` before the
//! call and `done` with what came back; the clients in `publish::{smtp,
//! blog, forum, github, cve_services}` speak to the servers.

mod blog;
mod cve;
mod forum;
mod ghsa;
mod mail;

use super::{failpoint, http, PublishError, Run, Step};
use crate::channels::manifest::{Entry, Manifest};
use crate::ledger::{Ledger, State};

impl Run<'_> {
    /// One HTTP client for the whole run (a clone shares its pool), bound
    /// to the run's deadline.
    pub(in crate::publish) fn session(&mut self) -> Result<http::Session, String> {
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

    /// The shape of a remote step that finds before it creates: record
    /// `started` (with `started_details`), make the calls, then record
    /// `done` with what `call` returns. On failure the step is `pending`,
    /// or stays `started` when a create may have taken effect, so the next
    /// run looks it up before anything is created again.
    pub(in crate::publish) fn remote(
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
