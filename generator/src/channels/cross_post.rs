//! The blog and forum posts: cross-posts of the announcement, which they
//! link, for a Zola blog and a Discourse forum; each only for a team that
//! has one.

use serde::Serialize;

use super::facts::facts_markdown;
use super::{contains, disclaimer, require, ChannelError, Job, Outbox};

impl Outbox<'_> {
    /// The blog and forum cross-posts, rendered from `templates` with the
    /// document under `view.0`. Each must carry the cross-post disclaimer,
    /// and with it the link to the official text.
    pub(super) fn cross_posts<V: Serialize>(
        &self,
        slug: &str,
        view: (&str, &V),
        facts: &[(&str, String)],
        body: &str,
        official: disclaimer::Official,
        templates: [&'static str; 2],
        original: disclaimer::Original,
    ) -> Result<Vec<(&'static str, &'static str, Vec<u8>)>, ChannelError> {
        let cross = disclaimer::cross_post(official, original, body);
        let quoted = disclaimer::quoted(&cross);
        let mut ctx = self.base(&cross);
        ctx.insert("disclaimer_quoted", &quoted);
        ctx.insert(view.0, view.1);
        ctx.insert("facts_markdown", &facts_markdown(facts));
        let channels = &self.config().channels;
        ctx.insert(
            "category",
            &channels.forum.as_ref().and_then(|f| f.category),
        );
        let wanted = [channels.blog.is_some(), channels.forum.is_some()];
        let mut out = Vec::new();
        for ((template, (name, channel)), _) in templates
            .into_iter()
            .zip([("blog.md", "blog"), ("forum.md", "forum")])
            .zip(wanted)
            .filter(|(_, wanted)| *wanted)
        {
            let text = self.render(template, slug, &ctx)?;
            // A theme may quote it on one line or as the blog's default
            // template does, wrapped; either carries it whole.
            let disclaimer = if contains(text.as_bytes(), quoted.as_bytes()) {
                &quoted
            } else {
                &cross
            };
            require(
                template,
                slug,
                channel,
                &text,
                &[
                    ("the cross-post disclaimer", disclaimer),
                    ("the link to the official text", official.url),
                ],
            )?;
            out.push((name, channel, text.into_bytes()));
        }
        Ok(out)
    }
}

pub(super) fn render(out: &Outbox, job: &mut Job) -> Result<(), ChannelError> {
    let posts = out.cross_posts(
        job.doc.meta.slug.as_str(),
        ("a", &job.view),
        &job.facts,
        job.doc.text(),
        job.official(),
        ["channels/blog.md", "channels/forum.md"],
        disclaimer::Original::Advisory,
    )?;
    for (name, _, bytes) in posts {
        job.add(name, bytes);
    }
    Ok(())
}
