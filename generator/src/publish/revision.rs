//! A published GHSA or CVE record whose text changed: sent again as a
//! revision, once, or held for a person.

use std::path::Path;

use jiff::Timestamp;

use super::{cve_services, github, PublishError, Run};
use crate::channels::manifest::{Entry, Manifest};
use crate::ledger::Ledger;

impl Run<'_> {
    /// A done GHSA or CVE record whose text changed since it was sent: the
    /// change goes out once when the advisory carries a newer `updated`
    /// (a revision); without one it is a person's to look at, never sent.
    pub(in crate::publish) fn revise(
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
}
