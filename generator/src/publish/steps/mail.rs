//! A mail step: the announcement, a private notice, oss-security or an
//! update, sent once over SMTP; the announcement only when signed.

use std::path::Path;

use crate::channels::manifest::{Entry, Manifest};
use crate::ledger::{Ledger, State};
use crate::publish::outbox::read_in;
use crate::publish::{checkpoint, failpoint, moment, smtp, PublishError, Run, Step};
use crate::signing;

impl Run<'_> {
    pub(in crate::publish) fn mail(
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
        if let Err(msg) = self.checkpoint(m, e, ledger) {
            let said = format!("{msg}; nothing was sent, and the next run tries again");
            return self.unsent(m, e, ledger, msg, said);
        }
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
                let said = format!("not sent: {msg}; it stays pending and the next run retries it");
                self.unsent(m, e, ledger, msg, said)
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

    /// `--checkpoint`, if given, for the mail `e` the ledger now says is
    /// started.
    fn checkpoint(&mut self, m: &Manifest, e: &Entry, ledger: &Ledger) -> Result<(), String> {
        let Some(command) = &self.opts.checkpoint else {
            return Ok(());
        };
        let ledger_file = ledger
            .path
            .strip_prefix(&self.project.root)
            .unwrap_or(&ledger.path);
        checkpoint::run(
            command,
            &self.project.root,
            &Self::label(m, e),
            ledger_file,
            self.deadline,
            self.log,
        )
    }

    /// The mail `e` did not go out: it is `pending` again, with why.
    fn unsent(
        &mut self,
        m: &Manifest,
        e: &Entry,
        ledger: &mut Ledger,
        why: String,
        said: String,
    ) -> Result<Step, PublishError> {
        self.set(ledger, &e.channel, State::Pending, &[("last-error", why)])?;
        Ok(self.fail(m, e, said))
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
}
