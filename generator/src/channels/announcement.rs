//! The announcement: the text that is signed and mailed to the
//! announcements group, with the Google Groups note, and its signed copy.

use super::facts::facts_block;
use super::{disclaimer, mail, require, ChannelError, Job, Outbox};
use crate::model::config::Announcements;
use crate::model::Moment;

/// The announcement as mailed: its body, attachments, and the signed copy.
struct Announcement {
    body: String,
    attachments: Vec<(String, &'static str, Vec<u8>)>,
    signed: Option<Vec<u8>>,
}

impl Outbox<'_> {
    /// The announcement's files: the mail, the signed copy when there is a
    /// key, and the text itself; and whether it is signed.
    pub(super) fn announcement_files(
        &self,
        list: &Announcements,
        text: String,
        subject: String,
        message_id: String,
        date: &Moment,
    ) -> Result<(Vec<(String, Vec<u8>)>, bool), ChannelError> {
        self.signed_mail(list, "announcement", text, subject, message_id, date)
    }

    /// A text for the announcement list, rendered from `template` with the
    /// document under `view.0`: it must carry the Google Groups note.
    pub(super) fn list_text<V: serde::Serialize>(
        &self,
        template: &str,
        slug: &str,
        channel: &'static str,
        view: (&str, &V),
        facts: &[(&str, String)],
    ) -> Result<String, ChannelError> {
        let note = disclaimer::google_groups(&self.config().team.name);
        let mut ctx = self.base(&note);
        ctx.insert(view.0, view.1);
        ctx.insert("facts", &facts_block(facts));
        let text = self.render(template, slug, &ctx)?;
        require(
            template,
            slug,
            channel,
            &text,
            &[("the Google Groups note", &note)],
        )?;
        Ok(text)
    }

    /// `<stem>.eml`, `<stem>.txt.asc` (with a key) and `<stem>.txt`: a text
    /// signed with the team key and mailed to the announcements list.
    fn signed_mail(
        &self,
        list: &Announcements,
        stem: &str,
        text: String,
        subject: String,
        message_id: String,
        date: &Moment,
    ) -> Result<(Vec<(String, Vec<u8>)>, bool), ChannelError> {
        let ann = self.announcement(&text, &format!("{stem}.txt.asc"))?;
        let signed = ann.signed.is_some();
        let eml = mail::build(mail::Mail {
            from: &self.announcer,
            to: vec![self.to(&list.address)?],
            subject,
            message_id,
            date,
            body: ann.body,
            attachments: ann.attachments,
        })?;
        let mut files = vec![(format!("{stem}.eml"), eml)];
        if let Some(asc) = ann.signed {
            files.push((format!("{stem}.txt.asc"), asc));
        }
        files.push((format!("{stem}.txt"), text.into_bytes()));
        Ok((files, signed))
    }

    /// With a key, the mail body is the clearsigned text and the same
    /// signed text is attached, because Google Groups alters the body.
    /// Without one, the plain text goes out unsigned (and publish refuses).
    fn announcement(&self, text: &str, asc_name: &str) -> Result<Announcement, ChannelError> {
        let Some(key) = self.signer else {
            return Ok(Announcement {
                body: text.to_string(),
                attachments: Vec::new(),
                signed: None,
            });
        };
        let asc = key.clearsign(text.as_bytes())?;
        Ok(Announcement {
            body: String::from_utf8_lossy(&asc).into_owned(),
            attachments: vec![(
                asc_name.to_string(),
                "text/plain; charset=utf-8",
                asc.clone(),
            )],
            signed: Some(asc),
        })
    }
}

/// The advisory's announcement; what its readers get is kept in the job
/// for the channels that repeat it.
pub(super) fn render(out: &Outbox, job: &mut Job) -> Result<(), ChannelError> {
    let config = out.config();
    let Some(list) = &config.channels.announcements else {
        return Ok(());
    };
    let a = &job.doc.meta;
    let text = out.list_text(
        "channels/announcement.txt",
        a.slug.as_str(),
        "announcement",
        ("a", &job.view),
        &job.facts,
    )?;
    let (files, _) = out.announcement_files(
        list,
        text,
        a.title.clone(),
        job.message_id.clone(),
        &a.embargo,
    )?;
    // What readers of the announcement get: the clearsigned text, or the
    // plain one when there is no key (and publish then refuses).
    for (name, bytes) in files {
        if name == "announcement.txt.asc" {
            job.as_mailed = String::from_utf8_lossy(&bytes).into_owned();
            job.signed_copy = Some(bytes.clone());
        } else if name == "announcement.txt" {
            job.announcement_text = String::from_utf8_lossy(&bytes).into_owned();
            if job.signed_copy.is_none() {
                job.as_mailed = job.announcement_text.clone();
            }
        }
        job.add(&name, bytes);
    }
    Ok(())
}

/// With `update-mail: true`, the revision mailed to the announcements list
/// like the first announcement: "[UPDATED] <title>", the change on top of
/// the whole advisory as it now reads, signed.
pub(super) fn update(out: &Outbox, job: &mut Job) -> Result<(), ChannelError> {
    let a = &job.doc.meta;
    let (Some(at), true, Some(list)) = (
        &a.updated,
        a.update_mail,
        &out.config().channels.announcements,
    ) else {
        return Ok(());
    };
    let head = format!(
        "UPDATED on {}: {}",
        at.date(),
        a.changes.as_deref().unwrap_or("see the advisory")
    );
    let text = format!(
        "{}\n\n{}",
        crate::wrap::fill(&head, crate::plaintext::WIDTH, "", ""),
        job.announcement_text
    );
    let message_id = crate::links::channel_message_id(out.config(), &a.slug, "update", at);
    let (files, _) = out.signed_mail(
        list,
        "update",
        text,
        format!("[UPDATED] {}", a.title),
        message_id,
        at,
    )?;
    for (name, bytes) in files {
        job.add(&name, bytes);
    }
    Ok(())
}
