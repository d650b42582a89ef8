//! Steps past their moment: a window that closed unsent, a disclosure past
//! the late limit that waits for a person, and how late a step went out.

use jiff::{Timestamp, ToSpan};

use super::{PublishError, Run};
use crate::channels::manifest::{Entry, Manifest};
use crate::ledger::{Ledger, State};

/// Lateness worth stating in the log and the ledger: past a few runs of
/// the 10-minute schedule.
const LATE_NOTE_MINUTES: i64 = 30;

/// The policy promises the blog within 6 hours of the announcement mail.
const BLOG_PROMISE_HOURS: i64 = 6;

impl Run<'_> {
    /// The window of `e` closed before it went out: record it, say it
    /// loudly, send nothing.
    pub(in crate::publish) fn missed(
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

    /// A step that waits for a person, for `why`: reported, never sent
    /// unattended.
    pub(in crate::publish) fn history(
        &mut self,
        m: &Manifest,
        e: &Entry,
        due: Timestamp,
        why: &str,
    ) {
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
    pub(in crate::publish) fn too_late(&mut self, m: &Manifest, due: Timestamp) {
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
    pub(in crate::publish) fn note_lateness(
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

    pub(in crate::publish) fn warn_if_late(&mut self, m: &Manifest, e: &Entry, ledger: &Ledger) {
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
}
