//! `manifest.json` in each outbox folder: every action with its moment, its
//! file and where it goes. Publishing reads this and the files beside it,
//! and never renders anything itself.

use serde::{Deserialize, Serialize};

use crate::links;
use crate::model::{Advisory, Document, Moment, PreAnnouncement, Project};
use crate::timeline::{self, Action, Channel};

/// Bumped whenever a field changes meaning.
pub const FORMAT: u32 = 2;

#[derive(Serialize, Deserialize, Debug, Clone)]
pub struct Manifest {
    pub format: u32,
    pub kind: String,
    pub slug: String,
    pub title: String,
    /// Whether `announcement.txt.asc` exists; publish refuses to send an
    /// unsigned announcement.
    pub signed: bool,
    /// The advisory's `updated`, UTC: a revision that publish carries to
    /// the places that take updates (the GHSAs, the CVE records).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
    /// SHA-256 of the advisory's source file: kept in the ledger with what
    /// was sent, so `check` can tell an author's edit from a change of
    /// Herald or the theme.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_sha256: Option<String>,
    pub actions: Vec<Entry>,
}

impl Manifest {
    /// The step a disclosure opens with: the announcement for a team with a
    /// list, else the first channel it has. The late hold and adopted
    /// history anchor on it.
    pub fn lead(&self) -> Option<&str> {
        self.actions
            .iter()
            .map(|e| e.channel.as_str())
            .find(|c| !matches!(*c, "advance-notice" | "distros") && !c.starts_with("update:"))
    }
}

#[derive(Serialize, Deserialize, Default, Debug, Clone)]
#[serde(default)]
pub struct Entry {
    pub channel: String,
    /// UTC, RFC 3339.
    pub due: String,
    /// UTC, RFC 3339: when the window to send it closes. A private notice
    /// is useless once the issue is public, and a pre-announcement once
    /// its release is out; after this moment the action is `missed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    pub rule: String,
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub recipients: Vec<String>,
    /// The signed copy that must exist before the mail may go out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sign: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Forum posts: the id that lets a rerun find the topic it made.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    /// SHA-256 of `file`, for the channels that take updates: publish
    /// compares it with what the ledger says was sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// CVE records of a withdrawn advisory whose ids are invalid: `file`
    /// is the rejected container, and publish rejects the record.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub reject: bool,
}

fn entry(action: &Action, file: &str) -> Entry {
    Entry {
        channel: action.channel.name(),
        due: action.due.utc_rfc3339(),
        rule: action.rule.clone(),
        file: file.to_string(),
        ..Entry::default()
    }
}

fn finish(m: &Manifest) -> Vec<u8> {
    let mut s = serde_json::to_string_pretty(m).unwrap_or_default();
    s.push('\n');
    s.into_bytes()
}

/// The manifest of an advisory: everything in it follows from the tree,
/// but for what only its rendered files tell: whether the announcement
/// was `signed`, and `digest`, the SHA-256 of an outbox file by name.
/// Publish builds it again to hold the outbox's to the tree.
pub fn advisory(
    project: &Project,
    doc: &Document<Advisory>,
    signed: bool,
    digest: &dyn Fn(&str) -> Option<String>,
) -> Vec<u8> {
    let cfg = &project.config;
    let ch = &cfg.channels;
    let a = &doc.meta;
    let message_id = links::message_id(cfg, &a.slug, &a.embargo);
    let blog_url = links::blog_url(cfg, &a.slug, &a.embargo);
    let mut actions = Vec::new();
    for action in timeline::advisory_actions(a, cfg) {
        let e = match &action.channel {
            Channel::AdvanceNotice => Entry {
                until: Some(a.embargo.utc_rfc3339()),
                message_id: Some(links::channel_message_id(
                    cfg,
                    &a.slug,
                    "advance-notice",
                    &action.due,
                )),
                recipients: ch.advance_notice_recipients().to_vec(),
                ..entry(&action, "advance-notice.eml")
            },
            Channel::Distros => Entry {
                until: Some(a.embargo.utc_rfc3339()),
                message_id: Some(links::channel_message_id(
                    cfg,
                    &a.slug,
                    "distros",
                    &action.due,
                )),
                recipients: ch.distros.iter().cloned().collect(),
                ..entry(&action, "distros.eml")
            },
            Channel::Announcement => Entry {
                message_id: Some(message_id.clone()),
                recipients: ch.announcements.iter().map(|l| l.address.clone()).collect(),
                sign: Some("announcement.txt.asc".into()),
                url: links::announcement_url(cfg, a),
                ..entry(&action, "announcement.eml")
            },
            Channel::Blog => Entry {
                url: blog_url.clone(),
                ..entry(&action, "blog.md")
            },
            Channel::Forum => Entry {
                external_id: Some(format!("herald-{}", a.slug)),
                title: Some(a.title.clone()),
                category: ch.forum.as_ref().and_then(|f| f.category),
                ..entry(&action, "forum.md")
            },
            Channel::Ghsa(id) => Entry {
                repository: a
                    .ghsa
                    .iter()
                    .find(|g| g.id.as_str() == id)
                    .map(|g| g.repository.to_string()),
                sha256: digest(&format!("ghsa-{id}.json")),
                ..entry(&action, &format!("ghsa-{id}.json"))
            },
            Channel::Cve(id) => Entry {
                sha256: digest(&format!("cve-{id}.json")),
                reject: a.withdrawn.as_ref().is_some_and(|w| w.reject),
                ..entry(&action, &format!("cve-{id}.json"))
            },
            Channel::Update(at) => Entry {
                message_id: Some(links::channel_message_id(
                    cfg,
                    &a.slug,
                    "update",
                    &action.due,
                )),
                recipients: ch.announcements.iter().map(|l| l.address.clone()).collect(),
                sign: Some("update.txt.asc".into()),
                title: Some(format!("revision of {at}")),
                ..entry(&action, "update.eml")
            },
            Channel::OssSecurity => Entry {
                message_id: Some(links::channel_message_id(
                    cfg,
                    &a.slug,
                    "oss-security",
                    &a.embargo,
                )),
                recipients: ch.oss_security.iter().map(|o| o.address.clone()).collect(),
                ..entry(&action, "oss-security.eml")
            },
            Channel::PreAnnouncement => continue,
        };
        actions.push(e);
    }
    finish(&Manifest {
        format: FORMAT,
        kind: "advisory".into(),
        slug: a.slug.to_string(),
        title: a.title.clone(),
        signed,
        revision: a.revision().map(Moment::utc_rfc3339),
        source_sha256: Some(sha256_hex(doc.source.text.as_bytes())),
        actions,
    })
}

/// The manifest of a pre-announcement, as [`advisory`]'s.
pub fn pre_announcement(project: &Project, p: &PreAnnouncement, signed: bool) -> Vec<u8> {
    let cfg = &project.config;
    let adv = project.announced(p);
    let action = timeline::pre_announcement_action(p, adv, &cfg.rules, &cfg.team.zone);
    let public_at = &timeline::pre_announcement_public(p, adv, &cfg.rules, &cfg.team.zone);
    let message_id = links::message_id(cfg, &p.slug, public_at);
    let blog_url = links::blog_url(cfg, &p.slug, public_at);
    let at = |file: &str, channel: &str| Entry {
        channel: channel.to_string(),
        due: public_at.utc_rfc3339(),
        until: Some(p.release.utc_rfc3339()),
        rule: action.rule.clone(),
        file: file.to_string(),
        ..Entry::default()
    };
    let actions = timeline::pre_announcement_channels(&cfg.channels)
        .iter()
        .map(|channel| match channel.as_str() {
            "announcement" => Entry {
                message_id: Some(message_id.clone()),
                recipients: cfg
                    .channels
                    .announcements
                    .iter()
                    .map(|l| l.address.clone())
                    .collect(),
                sign: Some("announcement.txt.asc".into()),
                url: links::group_link(cfg, &message_id),
                ..at("announcement.eml", "announcement")
            },
            "blog" => Entry {
                url: blog_url.clone(),
                ..at("blog.md", "blog")
            },
            _ => Entry {
                external_id: Some(format!("herald-{}", p.slug)),
                title: Some(p.title.clone()),
                category: cfg.channels.forum.as_ref().and_then(|f| f.category),
                ..at("forum.md", "forum")
            },
        })
        .collect();
    finish(&Manifest {
        format: FORMAT,
        kind: "pre-announcement".into(),
        slug: p.slug.to_string(),
        title: p.title.clone(),
        signed,
        revision: None,
        source_sha256: None,
        actions,
    })
}

/// The SHA-256 of `bytes` in lower-case hex: how the manifest, the
/// ledger and the advance notice's patch list name a file's content.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
