//! The CVE record step, through CVE Services.

use std::path::Path;

use crate::channels::manifest::{Entry, Manifest};
use crate::ledger::Ledger;
use crate::publish::{cve_services, sent, PublishError, Run, Step};

impl Run<'_> {
    /// The CVE record, through CVE Services; the ledger keeps the digest
    /// of what was sent.
    pub(in crate::publish) fn cve(
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
}
