//! Every text that goes out: the announcement mail, blog and forum posts,
//! GHSA texts and request bodies, the oss-security excerpt, the private
//! notices, and the pre-announcement's own texts. Rendered in memory into
//! `outbox/<slug>/`, which is never deployed.
//!
//! Each channel's required wording comes from `disclaimer` and is checked
//! after rendering (`require`), so a theme cannot drop it.

pub mod disclaimer;
pub mod ghsa;
pub mod mail;
pub mod manifest;

use lettre::message::Mailbox;
use serde::Serialize;
use sha2::{Digest, Sha256};
use tera::{Context, Tera};

use crate::embargo::Wall;
use crate::links;
use crate::model::config::{Config, OssForm};
use crate::model::{Advisory, Document, Moment, PreAnnouncement, Project};
use crate::plaintext;
use crate::signing::{SignError, SigningKey};
use crate::site::Output;
use crate::theme;
use crate::timeline;

#[derive(Debug, thiserror::Error)]
pub enum ChannelError {
    #[error("template `{template}` failed for `{slug}`: {message}")]
    Template {
        template: String,
        slug: String,
        message: String,
    },
    #[error("template `{template}` dropped {what} from the {channel} text of `{slug}`; the channel requires it")]
    Missing {
        template: String,
        slug: String,
        channel: &'static str,
        what: String,
    },
    #[error("the {channel} text of pre-announcement `{slug}` reveals `{found}` of its advisory; a pre-announcement may say only when, how severe, and what part")]
    Reveals {
        slug: String,
        channel: &'static str,
        found: String,
    },
    #[error(transparent)]
    Mail(#[from] mail::MailError),
    #[error(transparent)]
    Sign(#[from] SignError),
    #[error("{0}")]
    Address(String),
    #[error("`{slug}`: {invalid}")]
    Record {
        slug: String,
        invalid: crate::cve::Invalid,
    },
}

/// What channel templates see of an advisory.
#[derive(Serialize, Clone)]
struct AdvisoryText<'a> {
    slug: &'a str,
    title: &'a str,
    summary: &'a str,
    date: String,
    authors: Vec<&'a str>,
    blog_path: String,
    /// One line per paragraph: the blog, forum and GHSA renderers keep
    /// line breaks.
    body_markdown: String,
    body_text: String,
    lead_text: String,
}

#[derive(Serialize)]
struct PreText<'a> {
    slug: &'a str,
    title: &'a str,
    date: String,
    authors: Vec<&'a str>,
    blog_path: String,
    body_markdown: String,
    body_text: String,
}

#[derive(Serialize)]
struct PatchView {
    name: String,
    sha256: String,
}

pub struct Outbox<'p> {
    project: &'p Project,
    tera: &'p Tera,
    team: Mailbox,
    /// The sender of the public mails: `channels.announcements.from`, or
    /// the team.
    announcer: Mailbox,
    signer: Option<&'p SigningKey>,
}

/// The announcement as mailed: its body, attachments, and the signed copy.
struct Announcement {
    body: String,
    attachments: Vec<(String, &'static str, Vec<u8>)>,
    signed: Option<Vec<u8>>,
}

/// The moment as written, and in the team's zone when that differs.
fn moment_both(m: &Moment, config: &Config) -> String {
    let local = Moment::from_zoned(m.timestamp().to_zoned(config.team.zone.clone()));
    let written = m.human();
    let team = format!(
        "{} {}",
        local.zoned().strftime("%Y-%m-%d %H:%M"),
        config.team.zone_name
    );
    if written == team || (config.team.zone_name == "UTC" && written.ends_with(" UTC")) {
        written
    } else {
        format!("{written} ({team})")
    }
}

/// Markdown before the first heading: the lead of the advisory, with the
/// body's link reference definitions, so that a `[text][1]` whose
/// definition sits at the end of the body still resolves in an excerpt.
pub fn lead_markdown(markdown: &str) -> String {
    use pulldown_cmark::{Event, Parser, Tag};
    let mut parser = Parser::new(markdown).into_offset_iter();
    let end = parser
        .find(|(e, _)| matches!(e, Event::Start(Tag::Heading { .. })))
        .map_or(markdown.len(), |(_, r)| r.start);
    let mut out = markdown[..end].to_string();
    if end < markdown.len() {
        let defs = Parser::new(markdown);
        for (_, def) in defs.reference_definitions().iter() {
            if def.span.start >= end {
                out.push_str("\n\n");
                out.push_str(&markdown[def.span.clone()]);
            }
        }
    }
    out
}

fn facts_block(rows: &[(&str, String)]) -> String {
    let width = rows.iter().map(|(k, _)| k.len()).max().unwrap_or(0) + 1;
    rows.iter()
        .map(|(k, v)| format!("{:width$} {v}", format!("{k}:")))
        .collect::<Vec<_>>()
        .join("\n")
}

fn facts_markdown(rows: &[(&str, String)]) -> String {
    rows.iter()
        .map(|(k, v)| format!("- **{k}:** {v}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn authors<'a>(list: &'a [String], config: &'a Config) -> Vec<&'a str> {
    if list.is_empty() {
        vec![config.team.name.as_str()]
    } else {
        list.iter().map(String::as_str).collect()
    }
}

/// The post's `path` as Zola takes it: relative to the blog, without the
/// trailing `/` of its URL (`2026/03/21/cve-2026-33056`).
fn blog_path(config: &Config, url: &str) -> String {
    url.strip_prefix(&config.channels.blog_base_url)
        .unwrap_or(url)
        .trim_end_matches('/')
        .to_string()
}

impl<'p> Outbox<'p> {
    pub fn new(
        project: &'p Project,
        tera: &'p Tera,
        signer: Option<&'p SigningKey>,
    ) -> Result<Self, ChannelError> {
        let team = &project.config.team;
        let team = mail::mailbox(Some(&team.name), &team.email).map_err(ChannelError::Address)?;
        let announcer = match &project.config.channels.announcements_from {
            Some(from) => from
                .parse::<Mailbox>()
                .map_err(|e| ChannelError::Address(format!("invalid sender `{from}`: {e}")))?,
            None => team.clone(),
        };
        Ok(Outbox {
            project,
            tera,
            team,
            announcer,
            signer,
        })
    }

    /// The announcement's files: the mail, the signed copy when there is a
    /// key, and the text itself; and whether it is signed.
    fn announcement_files(
        &self,
        text: String,
        subject: String,
        message_id: String,
        date: &Moment,
    ) -> Result<(Vec<(&'static str, Vec<u8>)>, bool), ChannelError> {
        let ann = self.announcement(&text)?;
        let signed = ann.signed.is_some();
        let eml = mail::build(mail::Mail {
            from: &self.announcer,
            to: vec![self.to(&self.config().channels.announcements_address)?],
            subject,
            message_id,
            date,
            body: ann.body,
            attachments: ann.attachments,
        })?;
        let mut files = vec![("announcement.eml", eml)];
        if let Some(asc) = ann.signed {
            files.push(("announcement.txt.asc", asc));
        }
        files.push(("announcement.txt", text.into_bytes()));
        Ok((files, signed))
    }

    /// The blog and forum cross-posts, rendered from `templates` with the
    /// document under `view.0`. Each must carry the cross-post disclaimer,
    /// and with it the link to the announcement mail.
    fn cross_posts<V: Serialize>(
        &self,
        slug: &str,
        view: (&str, &V),
        facts: &[(&str, String)],
        announcement_url: &str,
        templates: [&'static str; 2],
        original: disclaimer::Original,
    ) -> Result<Vec<(&'static str, &'static str, Vec<u8>)>, ChannelError> {
        let cross = disclaimer::cross_post(announcement_url, original);
        let mut ctx = self.base(&cross);
        ctx.insert(view.0, view.1);
        ctx.insert("facts_markdown", &facts_markdown(facts));
        ctx.insert("category", &self.config().channels.forum_category);
        let mut out = Vec::new();
        for (template, (name, channel)) in templates
            .into_iter()
            .zip([("blog.md", "blog"), ("forum.md", "forum")])
        {
            let text = self.render(template, slug, &ctx)?;
            require(
                template,
                slug,
                channel,
                &text,
                &[
                    ("the cross-post disclaimer", &cross),
                    ("the link to the announcement", announcement_url),
                ],
            )?;
            out.push((name, channel, text.into_bytes()));
        }
        Ok(out)
    }

    /// With a key, the mail body is the clearsigned text and the same
    /// signed text is attached, because Google Groups alters the body.
    /// Without one, the plain text goes out unsigned (and publish refuses).
    fn announcement(&self, text: &str) -> Result<Announcement, ChannelError> {
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
                "announcement.txt.asc".into(),
                "text/plain; charset=utf-8",
                asc.clone(),
            )],
            signed: Some(asc),
        })
    }

    fn config(&self) -> &Config {
        &self.project.config
    }

    fn render(&self, template: &str, slug: &str, ctx: &Context) -> Result<String, ChannelError> {
        self.tera
            .render(template, ctx)
            .map(|s| {
                // Templates end with a newline; their output should too, once.
                let mut s = s.trim_end().to_string();
                s.push('\n');
                s
            })
            .map_err(|e| ChannelError::Template {
                template: template.to_string(),
                slug: slug.to_string(),
                message: theme::error_chain(&e),
            })
    }

    fn to(&self, address: &str) -> Result<Mailbox, ChannelError> {
        mail::mailbox(None, address).map_err(ChannelError::Address)
    }

    fn facts(&self, a: &Advisory) -> Vec<(&'static str, String)> {
        let config = self.config();
        let mut rows = Vec::new();
        let severity = match &a.cvss {
            Some(v) => format!(
                "{} (CVSS {} base score {:.1})",
                a.severity.label(),
                v.version(),
                v.score()
            ),
            None => a.severity.label().to_string(),
        };
        rows.push(("Severity", severity));
        if let Some(v) = &a.cvss {
            rows.push(("CVSS", v.as_str().to_string()));
        }
        rows.push((
            "CVE",
            a.cves
                .iter()
                .map(|c| c.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        ));
        if !a.ghsa.is_empty() {
            rows.push((
                "GHSA",
                a.ghsa
                    .iter()
                    .map(|g| g.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            ));
        }
        // People read the toolchain releases they install; the package
        // versions stay in the GHSA and OSV.
        let ranges: Vec<(&str, &str, Option<&str>)> = match (&a.toolchain, &config.toolchain) {
            (Some(t), Some(tc)) => vec![(&tc.name, &t.vulnerable, t.patched.as_deref())],
            _ => a
                .affected
                .iter()
                .map(|p| {
                    (
                        p.package.as_str(),
                        p.vulnerable.as_str(),
                        p.patched.as_deref(),
                    )
                })
                .collect(),
        };
        for (name, vulnerable, patched) in ranges {
            rows.push(("Affected", format!("{name} {vulnerable}")));
            rows.push((
                "Fixed in",
                match patched {
                    Some(v) => format!("{name} {v}"),
                    None => format!("{name}: no fix yet"),
                },
            ));
        }
        rows.push(("Disclosure", moment_both(&a.embargo, config)));
        rows.push(("Advisory", links::advisory_page(config, &a.slug)));
        rows
    }

    fn base(&self, disclaimer: &str) -> Context {
        let mut ctx = Context::new();
        ctx.insert("disclaimer", disclaimer);
        ctx.insert("team", &self.config().team.name);
        ctx.insert("site_title", &self.config().site.title);
        ctx
    }

    /// Every outbox file of one advisory, under `<slug>/`.
    pub fn advisory(&self, doc: &Document<Advisory>) -> Result<Vec<Output>, ChannelError> {
        let config = self.config();
        let a = &doc.meta;
        let slug = a.slug.as_str();
        let announcement_url = links::announcement_url(config, a);
        let blog_url = links::blog_url(config, &a.slug, &a.embargo);
        let body_text = plaintext::to_text(&doc.body);
        let view = AdvisoryText {
            slug,
            title: &a.title,
            summary: &a.summary,
            date: a
                .embargo
                .timestamp()
                .to_zoned(config.team.zone.clone())
                .strftime("%Y-%m-%d")
                .to_string(),
            authors: authors(&a.authors, config),
            blog_path: blog_path(config, &blog_url),
            body_markdown: crate::unwrap::unwrap_paragraphs(doc.body.trim()),
            body_text: body_text.trim_end().to_string(),
            lead_text: plaintext::to_text(&lead_markdown(&doc.body))
                .trim_end()
                .to_string(),
        };
        let facts = self.facts(a);
        let mut files = Vec::new();
        let mut add = |name: &str, bytes: Vec<u8>| {
            files.push(Output {
                path: format!("{slug}/{name}"),
                bytes,
            })
        };

        // 1. The announcement: the text that is signed, and its mail.
        let note = disclaimer::google_groups(&config.team.name);
        let mut ctx = self.base(&note);
        ctx.insert("a", &view);
        ctx.insert("facts", &facts_block(&facts));
        let text = self.render("channels/announcement.txt", slug, &ctx)?;
        require(
            "channels/announcement.txt",
            slug,
            "announcement",
            &text,
            &[("the Google Groups note", &note)],
        )?;
        let message_id = links::message_id(config, &a.slug, &a.embargo);
        let (files_, signed) =
            self.announcement_files(text, a.title.clone(), message_id.clone(), &a.embargo)?;
        // What readers of the announcement get: the clearsigned text, or
        // the plain one when there is no key (and publish then refuses).
        let mut as_mailed = String::new();
        let mut signed_copy = Vec::new();
        for (name, bytes) in files_ {
            if name == "announcement.txt.asc" || as_mailed.is_empty() && name == "announcement.txt"
            {
                as_mailed = String::from_utf8_lossy(&bytes).into_owned();
            }
            if name == "announcement.txt.asc" {
                // The text says a signed copy is attached; in full form,
                // oss-security gets it too.
                signed_copy.push((
                    "announcement.txt.asc".to_string(),
                    "text/plain; charset=utf-8",
                    bytes.clone(),
                ));
            }
            add(name, bytes);
        }

        // 2. and 3. Blog and forum: cross-posts that point at the mail.
        let posts = self.cross_posts(
            slug,
            ("a", &view),
            &facts,
            &announcement_url,
            ["channels/blog.md", "channels/forum.md"],
            disclaimer::Original::Advisory,
        )?;
        for (name, _, bytes) in posts {
            add(name, bytes);
        }

        // 4. One GHSA text and request body per GHSA id, each with its own
        // summary, CVSS and CWEs, and only its own CVEs' sections.
        let gh = disclaimer::ghsa(&config.team.name, &blog_url);
        for entry in &a.ghsa {
            let mut own = view.clone();
            own.summary = a.ghsa_summary(entry);
            own.body_markdown = crate::unwrap::unwrap_paragraphs(&ghsa::sections_for(
                doc.body.trim(),
                &entry.cves,
                &a.cves,
            ));
            let mut ctx = self.base(&gh);
            ctx.insert("a", &own);
            ctx.insert("ghsa", entry);
            let text = self.render("channels/ghsa.md", slug, &ctx)?;
            require(
                "channels/ghsa.md",
                slug,
                "GHSA",
                &text,
                &[
                    ("the GHSA disclaimer", &gh),
                    ("the link to the blog post", &blog_url),
                ],
            )?;
            let body = ghsa::body(a, entry, &text);
            let json = serde_json::to_string_pretty(&body).unwrap_or_default() + "\n";
            add(&format!("ghsa-{}.json", entry.id), json.into_bytes());
            add(&format!("ghsa-{}.md", entry.id), text.into_bytes());
        }

        // 5. oss-security: a brief excerpt with the link, or the whole
        // signed announcement.
        let (text, attachments) = match config.channels.oss_security_form {
            OssForm::Full => (as_mailed, signed_copy),
            OssForm::Excerpt => {
                let oss = disclaimer::oss_security(&config.team.name, &announcement_url);
                let mut ctx = self.base(&oss);
                ctx.insert("a", &view);
                let short: Vec<_> = facts
                    .iter()
                    .filter(|(k, _)| matches!(*k, "Severity" | "Affected" | "Fixed in"))
                    .cloned()
                    .collect();
                ctx.insert("facts", &facts_block(&short));
                let text = self.render("channels/oss-security.txt", slug, &ctx)?;
                require(
                    "channels/oss-security.txt",
                    slug,
                    "oss-security",
                    &text,
                    &[("the link to the announcement", &announcement_url)],
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
        add(
            "oss-security.eml",
            mail::build(mail::Mail {
                from: &self.announcer,
                to: vec![self.to(&config.channels.oss_security_address)?],
                subject: format!("{cves}: {}", a.summary),
                message_id: links::channel_message_id(config, &a.slug, "oss-security", &a.embargo),
                date: &a.embargo,
                body: text,
                attachments,
            })?,
        );

        // 6. A CVE record per CVE id, when the team is a CNA.
        if let Some(cna) = &config.channels.cve {
            for cve in &a.cves {
                let record = crate::cve::container(config, cna, doc, cve);
                crate::cve::validate(cve.as_str(), &record).map_err(|invalid| {
                    ChannelError::Record {
                        slug: slug.to_string(),
                        invalid,
                    }
                })?;
                let json = serde_json::to_string_pretty(&record).unwrap_or_default() + "\n";
                add(&format!("cve-{cve}.json"), json.into_bytes());
            }
        }

        // Private notices, when the rules call for them.
        let rules = &config.rules;
        let disclosure = moment_both(&a.embargo, config);
        if let Some(due) = timeline::distros_notice(a, rules) {
            let head = disclaimer::distros(&disclosure);
            let mut ctx = self.base(&head);
            ctx.insert("a", &view);
            ctx.insert("facts", &facts_block(&facts));
            let text = self.render("channels/distros.txt", slug, &ctx)?;
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
            add(
                "distros.eml",
                mail::build(mail::Mail {
                    from: &self.team,
                    to: vec![self.to(&config.channels.distros_address)?],
                    subject: format!("[vs] {}", a.title),
                    message_id: links::channel_message_id(config, &a.slug, "distros", &due),
                    date: &due,
                    body: text,
                    attachments: Vec::new(),
                })?,
            );
        }
        if let Some(due) = timeline::advance_notice(a, rules, &config.team.zone) {
            if !config.channels.advance_notice_recipients.is_empty() {
                let head = disclaimer::advance_notice(&disclosure);
                let patches: Vec<_> = self
                    .project
                    .patches
                    .iter()
                    .filter(|p| a.patches.contains(&p.path))
                    .collect();
                let views: Vec<PatchView> = patches
                    .iter()
                    .map(|p| PatchView {
                        name: file_name(&p.path),
                        sha256: hex(&Sha256::digest(&p.bytes)),
                    })
                    .collect();
                let mut ctx = self.base(&head);
                ctx.insert("a", &view);
                ctx.insert("facts", &facts_block(&facts));
                ctx.insert("patches", &views);
                let text = self.render("channels/advance-notice.txt", slug, &ctx)?;
                require(
                    "channels/advance-notice.txt",
                    slug,
                    "advance notice",
                    &text,
                    &[("the embargo notice", &head)],
                )?;
                add(
                    "advance-notice.eml",
                    mail::build(mail::Mail {
                        from: &self.team,
                        // The vetted organisations are blind copies (in the
                        // manifest's envelope), so none sees the others.
                        to: vec![self.team.clone()],
                        subject: format!("[embargoed] {}", a.title),
                        message_id: links::channel_message_id(
                            config,
                            &a.slug,
                            "advance-notice",
                            &due,
                        ),
                        date: &due,
                        body: text,
                        attachments: patches
                            .iter()
                            .map(|p| (file_name(&p.path), "text/x-diff", p.bytes.to_vec()))
                            .collect(),
                    })?,
                );
            }
        }
        add(
            "manifest.json",
            manifest::advisory(self.project, a, &message_id, &blog_url, signed),
        );
        Ok(files)
    }

    /// The pre-announcement's own mail, blog and forum texts.
    pub fn pre_announcement(
        &self,
        doc: &Document<PreAnnouncement>,
        public_at: &Moment,
    ) -> Result<Vec<Output>, ChannelError> {
        let config = self.config();
        let p = &doc.meta;
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
            blog_path: blog_path(config, &blog_url),
            body_markdown: crate::unwrap::unwrap_paragraphs(doc.body.trim()),
            body_text: plaintext::to_text(&doc.body).trim_end().to_string(),
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

        let note = disclaimer::google_groups(&config.team.name);
        let mut ctx = self.base(&note);
        ctx.insert("p", &view);
        ctx.insert("facts", &facts_block(&facts));
        let text = self.render("channels/pre-announcement.txt", slug, &ctx)?;
        require(
            "channels/pre-announcement.txt",
            slug,
            "pre-announcement mail",
            &text,
            &[("the Google Groups note", &note)],
        )?;
        let message_id = links::message_id(config, &p.slug, public_at);
        let announcement_url = links::group_link(config, &message_id);
        let (files_, signed) =
            self.announcement_files(text, p.title.clone(), message_id.clone(), public_at)?;
        for (name, bytes) in files_ {
            add(name, "announcement", bytes)?;
        }

        let posts = self.cross_posts(
            slug,
            ("p", &view),
            &facts,
            &announcement_url,
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
            bytes: manifest::pre_announcement(
                self.project,
                p,
                public_at,
                &message_id,
                &blog_url,
                signed,
            ),
        });
        Ok(files)
    }

    /// What of its advisory a pre-announcement must not say: ids, title,
    /// summary.
    fn reveal_guard(&self, p: &PreAnnouncement) -> Option<Wall> {
        let a = &self.project.advisory(p.advisory.as_ref()?)?.meta;
        let ids: Vec<&str> = a
            .cves
            .iter()
            .map(|c| c.as_str())
            .chain(a.ghsa.iter().map(|g| g.id.as_str()))
            .collect();
        Some(Wall::forever(
            &ids,
            &[&a.title, &a.summary],
            "what the advisory says",
        ))
    }
}

/// Fail unless every required text is in the rendered channel.
fn require(
    template: &str,
    slug: &str,
    channel: &'static str,
    text: &str,
    needles: &[(&str, &str)],
) -> Result<(), ChannelError> {
    for (what, needle) in needles {
        if !contains(text.as_bytes(), needle.as_bytes()) {
            return Err(ChannelError::Missing {
                template: template.to_string(),
                slug: slug.to_string(),
                channel,
                what: what.to_string(),
            });
        }
    }
    Ok(())
}

/// Whether `needle` occurs in `hay`. Both substring searchers at hand
/// (str::contains, memchr's memmem) first build a two-way searcher for the
/// needle, and for disclaimers of 300 bytes in texts of a few kilobytes,
/// built anew for each text, that was 2 % of a build. Trying each place
/// where the first byte occurs is as exact, and cheap at these sizes.
fn contains(hay: &[u8], needle: &[u8]) -> bool {
    let Some((&first, rest)) = needle.split_first() else {
        return true;
    };
    memchr::memchr_iter(first, hay).any(|i| hay[i + 1..].starts_with(rest))
}

fn file_name(path: &str) -> String {
    path.rsplit('/').next().unwrap_or(path).to_string()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::contains;

    #[test]
    fn contains_finds_exactly_the_substrings() {
        let hay = b"This is a cross-post. This is the advisory.";
        for (needle, found) in [
            (&b"This is the advisory."[..], true),
            (b"This is a cross-post.", true),
            (b"", true),
            (b"This is the advisory!", false),
            (b"advisory. ", false),
            (b"x", false),
        ] {
            assert_eq!(contains(hay, needle), found, "{needle:?}");
        }
    }
}
