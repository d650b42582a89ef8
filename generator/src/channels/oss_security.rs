//! The oss-security mail: an excerpt with the link to the signed
//! announcement, or (`form: full`) the whole signed announcement.

use super::facts::facts_block;
use super::{disclaimer, mail, require, ChannelError, Job, Outbox};
use crate::links;
use crate::model::config::OssForm;

pub(super) fn render(out: &Outbox, job: &mut Job) -> Result<(), ChannelError> {
    let config = out.config();
    let Some(oss) = &config.channels.oss_security else {
        return Ok(());
    };
    let a = &job.doc.meta;
    let slug = a.slug.as_str();
    let (text, attachments) = match oss.form {
        // The text says a signed copy is attached; oss-security gets it too.
        OssForm::Full => (
            job.as_mailed.clone(),
            job.signed_copy
                .iter()
                .map(|asc| {
                    (
                        "announcement.txt.asc".to_string(),
                        "text/plain; charset=utf-8",
                        asc.clone(),
                    )
                })
                .collect(),
        ),
        OssForm::Excerpt => {
            let closing = disclaimer::oss_security(&config.team.name, job.official());
            let mut ctx = out.base(&closing);
            ctx.insert("a", &job.view);
            let short: Vec<_> = job
                .facts
                .iter()
                .filter(|(k, _)| matches!(*k, "Severity" | "Affected" | "Fixed in"))
                .cloned()
                .collect();
            ctx.insert("facts", &facts_block(&short));
            let text = out.render("channels/oss-security.txt", slug, &ctx)?;
            require(
                "channels/oss-security.txt",
                slug,
                "oss-security",
                &text,
                &[("the link to the official advisory", &job.official.0)],
            )?;
            (text, Vec::new())
        }
    };
    let cves = a
        .cves
        .iter()
        .map(|c| c.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let eml = mail::build(mail::Mail {
        from: &out.announcer,
        to: vec![out.to(&oss.address)?],
        subject: format!("{cves}: {}", a.summary),
        message_id: links::channel_message_id(config, &a.slug, "oss-security", &a.embargo),
        date: &a.embargo,
        body: text,
        attachments,
    })?;
    job.add("oss-security.eml", eml);
    Ok(())
}
