//! The Atom feed: the newest published advisories and pre-announcements,
//! with full content.

use atom_syndication::{Content, Entry, Feed, Link, Person, Text};
use jiff::Timestamp;

use crate::embargo::Visibility;
use crate::links;
use crate::markdown;
use crate::model::Project;

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

pub fn render(project: &Project, vis: &Visibility) -> Vec<u8> {
    let cfg = &project.config;
    let mut entries: Vec<(Timestamp, Entry)> = Vec::new();
    for doc in &vis.advisories {
        let a = &doc.meta;
        let url = links::advisory_page(cfg, &a.slug);
        let updated = a.updated.as_ref().unwrap_or(&a.embargo).timestamp();
        let entry = Entry {
            id: url.clone(),
            title: Text::plain(a.title.clone()),
            updated: fixed(updated),
            published: Some(fixed(a.embargo.timestamp())),
            summary: Some(Text::plain(a.summary.clone())),
            links: vec![link(url)],
            content: Some(html(markdown::to_html(&doc.body))),
            ..Entry::default()
        };
        entries.push((a.embargo.timestamp(), entry));
    }
    for (doc, at) in &vis.pre_announcements {
        let p = &doc.meta;
        let url = links::pre_announcement_page(cfg, &p.slug);
        let entry = Entry {
            id: url.clone(),
            title: Text::plain(p.title.clone()),
            updated: fixed(at.timestamp()),
            published: Some(fixed(at.timestamp())),
            links: vec![link(url)],
            content: Some(html(markdown::to_html(&doc.body))),
            ..Entry::default()
        };
        entries.push((at.timestamp(), entry));
    }
    entries.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.id.cmp(&b.1.id)));
    entries.truncate(cfg.site.feed_entries);
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
