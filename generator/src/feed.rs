//! The Atom feed: the newest published advisories and pre-announcements,
//! with full content.

use atom_syndication::{Content, Entry, Feed, Link, Person, Text};
use jiff::Timestamp;

use crate::embargo::Visibility;
use crate::links;
use crate::markdown;
use crate::model::{Advisory, Document, Moment, PreAnnouncement, Project};

fn fixed(ts: Timestamp) -> atom_syndication::FixedDateTime {
    // Both sides are RFC 3339, so this only fails on a bug here.
    atom_syndication::FixedDateTime::parse_from_rfc3339(
        &ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
    )
    .unwrap_or_default()
}

fn link(href: String) -> Link {
    Link {
        href,
        rel: "alternate".into(),
        mime_type: Some("text/html".into()),
        ..Link::default()
    }
}

fn html(text: String) -> Content {
    Content {
        value: Some(text),
        content_type: Some("html".into()),
        ..Content::default()
    }
}

/// What an entry is about, before its content is rendered.
enum Subject<'a> {
    Advisory(&'a Document<Advisory>),
    Pre(&'a Document<PreAnnouncement>, &'a Moment),
}

/// The entry for `subject`, whose page is at `url`.
fn entry(subject: &Subject, url: String) -> Entry {
    match subject {
        Subject::Advisory(doc) => {
            let a = &doc.meta;
            let updated = a.updated.as_ref().unwrap_or(&a.embargo).timestamp();
            Entry {
                id: url.clone(),
                title: Text::plain(a.title.clone()),
                updated: fixed(updated),
                published: Some(fixed(a.embargo.timestamp())),
                summary: Some(Text::plain(a.summary.clone())),
                links: vec![link(url)],
                content: Some(html(markdown::to_html(doc.text()))),
                ..Entry::default()
            }
        }
        Subject::Pre(doc, at) => Entry {
            id: url.clone(),
            title: Text::plain(doc.meta.title.clone()),
            updated: fixed(at.timestamp()),
            published: Some(fixed(at.timestamp())),
            links: vec![link(url)],
            content: Some(html(markdown::to_html(doc.text()))),
            ..Entry::default()
        },
    }
}

pub fn render(project: &Project, vis: &Visibility) -> Vec<u8> {
    let cfg = &project.config;
    // Choose the newest entries first and render only those: the content
    // of every advisory, rendered and then dropped, was most of the work.
    let mut chosen: Vec<(Timestamp, String, Subject)> = vis
        .advisories
        .iter()
        .map(|d| {
            let url = links::advisory_page(cfg, &d.meta.slug);
            (d.meta.embargo.timestamp(), url, Subject::Advisory(d))
        })
        .chain(vis.pre_announcements.iter().map(|(d, at)| {
            let url = links::pre_announcement_page(cfg, &d.meta.slug);
            (at.timestamp(), url, Subject::Pre(d, at))
        }))
        .collect();
    chosen.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    chosen.truncate(cfg.site.feed_entries);
    let entries: Vec<(Timestamp, Entry)> = chosen
        .into_iter()
        .map(|(at, url, subject)| (at, entry(&subject, url)))
        .collect();
    // The feed changes only when its content does: its `updated` is the
    // newest entry's, never the clock's.
    let updated = entries
        .first()
        .map(|e| e.0)
        .unwrap_or(Timestamp::UNIX_EPOCH);
    let feed = Feed {
        id: cfg.site.base_url.clone(),
        title: Text::plain(cfg.site.title.clone()),
        updated: fixed(updated),
        authors: vec![Person {
            name: cfg.team.name.clone(),
            email: Some(cfg.team.email.clone()),
            ..Person::default()
        }],
        links: vec![
            link(cfg.site.base_url.clone()),
            Link {
                href: format!("{}feed.xml", cfg.site.base_url),
                rel: "self".into(),
                mime_type: Some("application/atom+xml".into()),
                ..Link::default()
            },
        ],
        lang: Some(cfg.site.language.clone()),
        entries: entries.into_iter().map(|(_, e)| e).collect(),
        ..Feed::default()
    };
    feed.to_string().into_bytes()
}
