//! The private notices sent before the embargo lifts: to the distros
//! list, and the advance notification of vetted organisations with the
//! patches attached. Each opens with the embargo.

use serde::Serialize;

use super::facts::{facts_block, moment_both};
use super::{disclaimer, file_name, mail, manifest, require, ChannelError, Job, Outbox};
use crate::links;
use crate::timeline;

#[derive(Serialize)]
struct PatchView {
    name: String,
    sha256: String,
}

pub(super) fn distros(out: &Outbox, job: &mut Job) -> Result<(), ChannelError> {
    let config = out.config();
    let a = &job.doc.meta;
    let slug = a.slug.as_str();
    let (Some(due), Some(address)) = (
        timeline::distros_notice(a, &config.rules),
        &config.channels.distros,
    ) else {
        return Ok(());
    };
    let disclosure = moment_both(&a.embargo, config);
    let head = disclaimer::distros(&disclosure);
    let mut ctx = out.base(&head);
    ctx.insert("a", &job.view);
    ctx.insert("facts", &facts_block(&job.facts));
    let text = out.render("channels/distros.txt", slug, &ctx)?;
    let first_lines: String = text.lines().take(3).collect::<Vec<_>>().join("\n");
    require(
        "channels/distros.txt",
        slug,
        "distros",
        &first_lines,
        &[(
            "the tentative disclosure date in the first lines",
            &disclaimer::distros_date(&disclosure),
        )],
    )?;
    let eml = mail::build(mail::Mail {
        from: &out.team,
        to: vec![out.to(address)?],
        subject: format!("[vs] {}", a.title),
        message_id: links::channel_message_id(config, &a.slug, "distros", &due),
        date: &due,
        body: text,
        attachments: Vec::new(),
    })?;
    job.add("distros.eml", eml);
    Ok(())
}

pub(super) fn advance_notice(out: &Outbox, job: &mut Job) -> Result<(), ChannelError> {
    let config = out.config();
    let a = &job.doc.meta;
    let slug = a.slug.as_str();
    let Some(due) = timeline::advance_notice(a, &config.rules, &config.team.zone) else {
        return Ok(());
    };
    if config.channels.advance_notice_recipients().is_empty() {
        return Ok(());
    }
    let head = disclaimer::advance_notice(&moment_both(&a.embargo, config));
    let patches: Vec<_> = out
        .project
        .patches
        .iter()
        .filter(|p| a.patches.contains(&p.path))
        .collect();
    let views: Vec<PatchView> = patches
        .iter()
        .map(|p| PatchView {
            name: file_name(&p.path),
            sha256: manifest::sha256_hex(&p.bytes),
        })
        .collect();
    let mut ctx = out.base(&head);
    ctx.insert("a", &job.view);
    ctx.insert("facts", &facts_block(&job.facts));
    ctx.insert("patches", &views);
    let text = out.render("channels/advance-notice.txt", slug, &ctx)?;
    require(
        "channels/advance-notice.txt",
        slug,
        "advance notice",
        &text,
        &[("the embargo notice", &head)],
    )?;
    let eml = mail::build(mail::Mail {
        from: &out.team,
        // The vetted organisations are blind copies (in the manifest's
        // envelope), so none sees the others.
        to: vec![out.team.clone()],
        subject: format!("[embargoed] {}", a.title),
        message_id: links::channel_message_id(config, &a.slug, "advance-notice", &due),
        date: &due,
        body: text,
        attachments: patches
            .iter()
            .map(|p| (file_name(&p.path), "text/x-diff", p.bytes.to_vec()))
            .collect(),
    })?;
    job.add("advance-notice.eml", eml);
    Ok(())
}
