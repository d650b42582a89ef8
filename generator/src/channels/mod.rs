//! Every text that goes out: the announcement mail, blog and forum posts,
//! GHSA texts and request bodies, the oss-security excerpt, the private
//! notices, and the pre-announcement's own texts. Rendered in memory into
//! `outbox/<slug>/`, which is never deployed.
//!
//! Each channel's required wording comes from `disclaimer` and is checked
//! after rendering (`require`), so a theme cannot drop it.

mod announcement;
mod cross_post;
mod cve_record;
pub mod disclaimer;
mod facts;
pub mod ghsa;
pub mod mail;
pub mod manifest;
mod notices;
mod oss_security;
mod pre_announcement;

pub use facts::lead_markdown;
use facts::{authors, blog_path};

use lettre::message::Mailbox;
use serde::Serialize;
use tera::{Context, Tera};

use crate::links;
use crate::model::config::Config;
use crate::model::{Advisory, Document, Project};
use crate::plaintext;
use crate::signing::{SignError, SigningKey};
use crate::site::Output;
use crate::theme;

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
    /// One line per paragraph: the forum and GHSA renderers keep line
    /// breaks.
    body_markdown: String,
    /// As its author wrapped it, for the blog, whose renderer (Zola)
    /// reads a line break as a space, and whose posts keep their source's
    /// lines.
    body_source: String,
    body_text: String,
    lead_text: String,
    /// "Withdrawn on <date>: <reason>", for a withdrawn advisory.
    withdrawn: Option<String>,
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

/// One advisory's rendering, which its channels share and add files to.
pub(crate) struct Job<'a> {
    doc: &'a Document<Advisory>,
    view: AdvisoryText<'a>,
    facts: Vec<(&'static str, String)>,
    /// The official advisory's URL, and whether it is the signed
    /// announcement (else the advisory's page).
    official: (String, bool),
    /// None for a team without a blog.
    blog_url: Option<String>,
    message_id: String,
    /// The announcement as its readers get it (clearsigned, or plain
    /// without a key), and the signed copy: set by the announcement.
    as_mailed: String,
    signed_copy: Option<Vec<u8>>,
    /// The announcement's plain text, for the update mail.
    announcement_text: String,
    files: Vec<Output>,
}

impl Job<'_> {
    fn official(&self) -> disclaimer::Official<'_> {
        disclaimer::Official {
            url: &self.official.0,
            signed: self.official.1,
        }
    }

    fn add(&mut self, name: &str, bytes: Vec<u8>) {
        self.files.push(Output {
            path: format!("{}/{name}", self.doc.meta.slug),
            bytes,
        });
    }
}

/// A channel: renders its files of one advisory into the job.
type Channel = fn(&Outbox, &mut Job) -> Result<(), ChannelError>;

/// Every channel of an advisory, in the order its texts go out. A new
/// channel is a module with a `render` and a line here.
const ADVISORY_CHANNELS: &[Channel] = &[
    announcement::render,
    cross_post::render,
    ghsa::render,
    oss_security::render,
    cve_record::render,
    notices::distros,
    notices::advance_notice,
    announcement::update,
];

impl<'p> Outbox<'p> {
    pub fn new(
        project: &'p Project,
        tera: &'p Tera,
        signer: Option<&'p SigningKey>,
    ) -> Result<Self, ChannelError> {
        let team = &project.config.team;
        let team = mail::mailbox(Some(&team.name), &team.email).map_err(ChannelError::Address)?;
        let from = project
            .config
            .channels
            .announcements
            .as_ref()
            .and_then(|a| a.from.as_ref());
        let announcer = match from {
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
        let official = links::official_url(config, a);
        let blog_url = links::blog_url(config, &a.slug, &a.embargo);
        let body_text = plaintext::to_text(doc.text());
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
            blog_path: blog_path(config, blog_url.as_deref()),
            body_markdown: crate::unwrap::unwrap_paragraphs(doc.text().trim()),
            body_source: doc.text().trim().to_string(),
            body_text: body_text.trim_end().to_string(),
            lead_text: plaintext::to_text(&lead_markdown(doc.text()))
                .trim_end()
                .to_string(),
            withdrawn: a
                .withdrawn
                .as_ref()
                .map(|w| format!("Withdrawn on {}: {}", w.at.date(), w.reason)),
        };
        let facts = self.facts(a);
        let mut job = Job {
            doc,
            view,
            facts,
            message_id: links::message_id(config, &a.slug, &a.embargo),
            official,
            blog_url,
            as_mailed: String::new(),
            signed_copy: None,
            announcement_text: String::new(),
            files: Vec::new(),
        };
        for channel in ADVISORY_CHANNELS {
            channel(self, &mut job)?;
        }
        let files = &job.files;
        let digest = |name: &str| {
            let path = format!("{}/{name}", a.slug);
            files
                .iter()
                .find(|f| f.path == path)
                .map(|f| manifest::sha256_hex(&f.bytes))
        };
        let manifest = manifest::advisory(self.project, doc, job.signed_copy.is_some(), &digest);
        job.add("manifest.json", manifest);
        Ok(job.files)
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
