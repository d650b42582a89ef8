//! Every URL and identifier Herald derives, in one place, so that each
//! channel points at the same thing.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use crate::model::config::{Announcements, Config};
use crate::model::{Advisory, Moment, Slug};

/// RFC 3986 unreserved characters stay; everything else is encoded, as
/// Google Groups does for the `msgid` links in its footers.
const MSGID: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

fn mail_domain(config: &Config) -> &str {
    config
        .team
        .email
        .rsplit_once('@')
        .map_or("localhost", |(_, d)| d)
}

/// The `Message-ID` of an announcement mail, without angle brackets. It is
/// fixed by the slug and the moment, so the link to the mail is known before
/// the mail is sent.
pub fn message_id(config: &Config, slug: &Slug, moment: &Moment) -> String {
    format!(
        "herald.{}.{}@{}",
        slug,
        moment.timestamp().as_second(),
        mail_domain(config)
    )
}

/// The `Message-ID` of another mail of the same advisory.
pub fn channel_message_id(config: &Config, slug: &Slug, channel: &str, moment: &Moment) -> String {
    format!(
        "herald.{}.{}.{}@{}",
        slug,
        channel,
        moment.timestamp().as_second(),
        mail_domain(config)
    )
}

/// A message's address in the announcements group; none without one.
pub fn group_link(config: &Config, message_id: &str) -> Option<String> {
    let list = config.channels.announcements.as_ref()?;
    Some(message_link(list, message_id))
}

/// A message's address in `list`'s group.
pub fn message_link(list: &Announcements, message_id: &str) -> String {
    format!(
        "https://groups.google.com/d/msgid/{}/{}",
        list.group,
        utf8_percent_encode(message_id, MSGID)
    )
}

/// Where the signed announcement of an advisory can be read: its
/// `announcement-url`, else its message in the group; none for a team
/// without an announcement list.
pub fn announcement_url(config: &Config, a: &Advisory) -> Option<String> {
    a.announcement_url
        .clone()
        .or_else(|| group_link(config, &message_id(config, &a.slug, &a.embargo)))
}

/// The official advisory every other text points to: the signed
/// announcement, else the advisory's page.
pub fn official_url(config: &Config, a: &Advisory) -> (String, bool) {
    match announcement_url(config, a) {
        Some(url) => (url, true),
        None => (advisory_page(config, &a.slug), false),
    }
}

/// The blog post's address, from the `channels.blog.path` pattern; none
/// for a team without a blog.
pub fn blog_url(config: &Config, slug: &Slug, moment: &Moment) -> Option<String> {
    let blog = config.channels.blog.as_ref()?;
    let local = moment.timestamp().to_zoned(config.team.zone.clone());
    let path = blog
        .path
        .replace("{year}", &format!("{:04}", local.year()))
        .replace("{month}", &format!("{:02}", local.month()))
        .replace("{day}", &format!("{:02}", local.day()))
        .replace("{slug}", slug.as_str());
    Some(format!("{}{}", blog.base_url, path))
}

pub fn advisory_page(config: &Config, slug: &Slug) -> String {
    format!("{}advisories/{}/", config.site.base_url, slug)
}

pub fn pre_announcement_page(config: &Config, slug: &Slug) -> String {
    format!("{}pre-announcements/{}/", config.site.base_url, slug)
}

pub fn cve_url(id: &str) -> String {
    format!("https://www.cve.org/CVERecord?id={id}")
}

/// A repository advisory's own page. Toolchain advisories are repository
/// advisories, absent from the global database, where
/// `github.com/advisories/<id>` answers 404 (as the team's are).
pub fn ghsa_url(g: &crate::model::advisory::GhsaEntry) -> String {
    format!(
        "https://github.com/{}/security/advisories/{}",
        g.repository, g.id
    )
}

pub fn cwe_url(id: &str) -> String {
    format!(
        "https://cwe.mitre.org/data/definitions/{}.html",
        id.trim_start_matches("CWE-")
    )
}
