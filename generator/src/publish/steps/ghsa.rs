//! The GHSA step: the repository advisory found or created, then
//! published, with its text as the outbox holds it.

use std::path::Path;

use crate::channels::manifest::{Entry, Manifest};
use crate::ledger::{Ledger, State};
use crate::publish::{failpoint, github, http, sent, PublishError, Run, Step};

impl Run<'_> {
    pub(in crate::publish) fn ghsa(
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
