//! A pre-announcement's own texts: its mail, blog and forum posts. None
//! may say what its advisory says beyond when, how severe, and what part.

use serde::Serialize;

use super::facts::{authors, blog_path, moment_both};
use super::{disclaimer, manifest, ChannelError, Outbox};
use crate::embargo::Wall;
use crate::links;
use crate::model::{Document, PreAnnouncement};
use crate::plaintext;
use crate::site::Output;

#[derive(Serialize)]
struct PreText<'a> {
    slug: &'a str,
    title: &'a str,
    date: String,
    authors: Vec<&'a str>,
    blog_path: String,
    body_markdown: String,
    /// As its author wrapped it, for the blog (see `AdvisoryText`).
    body_source: String,
    body_text: String,
}

impl Outbox<'_> {
    /// The pre-announcement's own mail, blog and forum texts. Their
    /// moment is derived here as its manifest derives it, so the two
    /// cannot disagree on a Message-ID or a blog URL.
    pub fn pre_announcement(
        &self,
        doc: &Document<PreAnnouncement>,
    ) -> Result<Vec<Output>, ChannelError> {
        let config = self.config();
        let p = &doc.meta;
        let public_at = &crate::timeline::pre_announcement_public(
            p,
            self.project.announced(p),
            &config.rules,
            &config.team.zone,
        );
        let slug = p.slug.as_str();
        let blog_url = links::blog_url(config, &p.slug, public_at);
        let view = PreText {
            slug,
            title: &p.title,
            date: public_at
                .timestamp()
                .to_zoned(config.team.zone.clone())
                .strftime("%Y-%m-%d")
                .to_string(),
            authors: authors(&p.authors, config),
            blog_path: blog_path(config, blog_url.as_deref()),
            body_markdown: crate::unwrap::unwrap_paragraphs(doc.text().trim()),
            body_source: doc.text().trim().to_string(),
            body_text: plaintext::to_text(doc.text()).trim_end().to_string(),
        };
        let facts = vec![
            ("Planned release", moment_both(&p.release, config)),
            ("Severity", p.severity.label().to_string()),
            ("Affected", p.component.clone()),
        ];
        let guard = self.reveal_guard(p);
        let mut files = Vec::new();
        let mut add =
            |name: &str, channel: &'static str, bytes: Vec<u8>| -> Result<(), ChannelError> {
                if let Some(found) = guard
                    .as_ref()
                    .and_then(|g| g.check(name, &bytes).err())
                    .map(|l| l.found)
                {
                    return Err(ChannelError::Reveals {
                        slug: slug.to_string(),
                        channel,
                        found,
                    });
                }
                files.push(Output {
                    path: format!("{slug}/{name}"),
                    bytes,
                });
                Ok(())
            };

        let message_id = links::message_id(config, &p.slug, public_at);
        // Its mail, to a team's announcement list; without one, its page
        // is the official text the cross-posts point to.
        let (official, signed) = match &config.channels.announcements {
            Some(list) => {
                let text = self.list_text(
                    "channels/pre-announcement.txt",
                    slug,
                    "pre-announcement mail",
                    ("p", &view),
                    &facts,
                )?;
                let (files_, signed) = self.announcement_files(
                    list,
                    text,
                    p.title.clone(),
                    message_id.clone(),
                    public_at,
                )?;
                for (name, bytes) in files_ {
                    add(&name, "announcement", bytes)?;
                }
                ((links::message_link(list, &message_id), true), signed)
            }
            None => (
                (links::pre_announcement_page(config, &p.slug), false),
                false,
            ),
        };

        let posts = self.cross_posts(
            slug,
            ("p", &view),
            &facts,
            doc.text(),
            disclaimer::Official {
                url: &official.0,
                signed: official.1,
            },
            [
                "channels/pre-announcement-blog.md",
                "channels/pre-announcement-forum.md",
            ],
            disclaimer::Original::PreAnnouncement,
        )?;
        for (name, channel, bytes) in posts {
            add(name, channel, bytes)?;
        }
        files.push(Output {
            path: format!("{slug}/manifest.json"),
            bytes: manifest::pre_announcement(self.project, p, signed),
        });
        Ok(files)
    }

    /// What of its advisory a pre-announcement must not say: ids, title,
    /// summaries.
    fn reveal_guard(&self, p: &PreAnnouncement) -> Option<Wall> {
        let a = &self.project.advisory(p.advisory.as_ref()?)?.meta;
        let ids: Vec<&str> = a
            .cves
            .iter()
            .map(|c| c.as_str())
            .chain(a.ghsa.iter().map(|g| g.id.as_str()))
            .collect();
        let texts: Vec<&str> = a.descriptions().map(|(_, text)| text).collect();
        Some(Wall::forever(&ids, &texts, "what the advisory says"))
    }
}
