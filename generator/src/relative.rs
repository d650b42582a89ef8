//! Relative links in advisories and pre-announcements.
//!
//! A body goes to the site, and also, as it is, into a signed mail, a blog
//! post in another repository, a forum topic and a GHSA. A relative link
//! works on the site at most, and breaks everywhere else. So a link whose
//! target Herald publishes (a page, an advisory, the feed, the key) is made
//! absolute for every channel, and any other relative link is an error at
//! its line: nobody can say where `../../patches/fix.patch` should point.
//!
//! The body as written stays for findings and their positions; renderers
//! use the resolved text.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use jiff::Timestamp;

use pulldown_cmark::{Event, LinkType, Tag};

/// What a relative link may point at: everything the site publishes, and
/// for advisories and pre-announcements the moment their page appears.
pub struct SiteMap<'a> {
    pub base_url: &'a str,
    pub pages: HashSet<&'a str>,
    pub advisories: HashMap<&'a str, Timestamp>,
    pub pre_announcements: HashMap<&'a str, Timestamp>,
    /// The team key's file name, published under `keys/`.
    pub key_file: Option<&'a str>,
}

/// Files and folders at the site's root besides pages.
const ROOT_ENTRIES: &[&str] = &[
    "advisories",
    "pre-announcements",
    "archive",
    "feed.xml",
    "osv.json",
    "keys",
    "sitemap.xml",
];

/// Where a relative link leads.
#[derive(Debug, PartialEq, Eq)]
pub enum Target {
    /// Its absolute URL.
    Url(String),
    /// Nothing the site publishes.
    Unknown,
    /// An advisory or pre-announcement still hidden when the linking text
    /// goes out: its URL would name it early (and lead nowhere).
    Hidden,
}

impl SiteMap<'_> {
    /// Where a relative `dest` in a text that goes out at `at` leads.
    pub fn target(&self, dest: &str, at: Timestamp) -> Target {
        let hidden = |slugs: &HashMap<&str, Timestamp>, slug: &str| {
            slugs.get(slug).is_some_and(|public| *public > at)
        };
        if let Some(slug) = self.page_slug(dest) {
            if hidden(&self.advisories, slug) || hidden(&self.pre_announcements, slug) {
                return Target::Hidden;
            }
        }
        match self.absolute(dest) {
            Some(url) => Target::Url(url),
            None => Target::Unknown,
        }
    }

    /// The advisory or pre-announcement slug `dest` names, if any.
    fn page_slug<'d>(&self, dest: &'d str) -> Option<&'d str> {
        let path = dest.split('#').next().unwrap_or(dest);
        if let Some(stem) = path.strip_suffix(".md") {
            return Some(stem.rsplit('/').next().unwrap_or(stem));
        }
        let mut parts = path.trim_start_matches('/').split('/');
        match parts.next() {
            Some("advisories" | "pre-announcements") => parts.next(),
            _ => None,
        }
    }

    /// The absolute URL of a relative `dest`, or `None` when the site
    /// publishes nothing by that name.
    fn absolute(&self, dest: &str) -> Option<String> {
        let (path, fragment) = match dest.split_once('#') {
            Some((p, f)) => (p, format!("#{f}")),
            None => (dest, String::new()),
        };
        // A source file named by its path (`policy.md`, `../content/policy.md`,
        // `cve-2025-1.md`): its page.
        if let Some(stem) = path
            .strip_suffix(".md")
            .map(|p| p.rsplit('/').next().unwrap_or(p))
        {
            let stem = stem.to_ascii_lowercase();
            // `content/index.md` is the front page's text, served at the root.
            let page = if stem == "index" && self.pages.contains("index") {
                String::new()
            } else if self.pages.contains(stem.as_str()) {
                format!("{stem}/")
            } else if self.advisories.contains_key(stem.as_str()) {
                format!("advisories/{stem}/")
            } else if self.pre_announcements.contains_key(stem.as_str()) {
                format!("pre-announcements/{stem}/")
            } else {
                return None;
            };
            return Some(format!("{}{page}{fragment}", self.base_url));
        }
        // A path on the site: `/policy/`, or `policy/` meant the same way
        // (from an advisory's page it would point below that page).
        let rest = path.trim_start_matches('/');
        if rest.split('/').any(|s| s == ".." || s == ".") {
            return None;
        }
        let first = rest.split('/').next().unwrap_or_default();
        let known = rest.is_empty() && path.starts_with('/')
            || first != "index" && self.pages.contains(first)
            || ROOT_ENTRIES.contains(&first)
                && match first {
                    "advisories" => self.named(rest, &self.advisories),
                    "pre-announcements" => self.named(rest, &self.pre_announcements),
                    "keys" => self.key_file.is_some_and(|k| rest == format!("keys/{k}")),
                    _ => true,
                };
        known.then(|| format!("{}{rest}{fragment}", self.base_url))
    }

    /// `advisories/<slug>/…` with a slug the site has.
    fn named(&self, rest: &str, slugs: &HashMap<&str, Timestamp>) -> bool {
        let mut parts = rest.split('/').skip(1);
        parts.next().is_some_and(|s| slugs.contains_key(s))
    }
}

/// Whether `dest` is relative: no scheme, and not a fragment of the same
/// text (which works wherever the text goes).
pub fn is_relative(dest: &str) -> bool {
    !dest.is_empty() && !dest.starts_with('#') && !has_scheme(dest)
}

fn has_scheme(dest: &str) -> bool {
    dest.split_once(':').is_some_and(|(s, _)| {
        !s.is_empty()
            && s.starts_with(|c: char| c.is_ascii_alphabetic())
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    })
}

/// The outcome for one body: the text with every resolvable link made
/// absolute (when any was), and the links that cannot be, with their byte
/// ranges and why (`Target::Unknown` or `Target::Hidden`).
pub struct Resolved {
    pub text: Option<String>,
    pub unknown: Vec<(Range<usize>, String, Target)>,
}

/// The relative links a body writes, noted during the one parse the
/// safety check makes of it (see `safety::check_body`), so that resolving
/// them once the whole tree is known needs no second parse.
#[derive(Debug, Clone, Default)]
pub struct Links {
    written: Vec<Written>,
}

#[derive(Debug, Clone)]
struct Written {
    /// The link's (or reference definition's) byte range in the body.
    within: Range<usize>,
    dest: String,
    /// Raw HTML is carried as written: a relative URL in it cannot be made
    /// absolute, so it is only ever reported.
    in_html: bool,
}

impl Links {
    /// A reference definition `[label]: dest`, written at `span`.
    pub fn see_reference(&mut self, dest: &str, span: Range<usize>) {
        if is_relative(dest) {
            self.written.push(Written {
                within: span,
                dest: dest.to_string(),
                in_html: false,
            });
        }
    }

    /// One event of the body's parse, at `range`.
    pub fn see(&mut self, event: &Event, range: &Range<usize>) {
        match event {
            Event::Html(html) | Event::InlineHtml(html) => {
                for url in html_urls(html) {
                    if is_relative(&url) {
                        self.written.push(Written {
                            within: range.clone(),
                            dest: url,
                            in_html: true,
                        });
                    }
                }
            }
            Event::Start(
                Tag::Link {
                    link_type: LinkType::Inline,
                    dest_url,
                    ..
                }
                | Tag::Image {
                    link_type: LinkType::Inline,
                    dest_url,
                    ..
                },
            ) => self.see_reference(dest_url, range.clone()),
            _ => {}
        }
    }
}

/// Resolve the relative `links` of `markdown` (noted while it was checked),
/// a text that goes out at `at`.
pub fn resolve(markdown: &str, links: &Links, site: &SiteMap, at: Timestamp) -> Resolved {
    // (where the destination is written, its absolute form)
    let mut edits: Vec<(Range<usize>, String)> = Vec::new();
    let mut unknown = Vec::new();
    for w in &links.written {
        let (dest, within) = (w.dest.as_str(), w.within.clone());
        if w.in_html {
            unknown.push((within, dest.to_string(), Target::Unknown));
            continue;
        }
        match (
            site.target(dest, at),
            locate(markdown, within.clone(), dest),
        ) {
            (Target::Url(url), Some(place)) => edits.push((place, url)),
            (Target::Url(_), None) => unknown.push((within, dest.to_string(), Target::Unknown)),
            (why, _) => unknown.push((within, dest.to_string(), why)),
        }
    }
    if edits.is_empty() {
        return Resolved {
            text: None,
            unknown,
        };
    }
    edits.sort_by_key(|(r, _)| r.start);
    let mut out = String::with_capacity(markdown.len() + edits.len() * 40);
    let mut copied = 0;
    for (r, url) in edits {
        if r.start < copied {
            continue;
        }
        out.push_str(&markdown[copied..r.start]);
        out.push_str(&url);
        copied = r.end;
    }
    out.push_str(&markdown[copied..]);
    Resolved {
        text: Some(out),
        unknown,
    }
}

/// The values of the URL attributes (`href`, `src`) of raw HTML.
fn html_urls(html: &str) -> Vec<String> {
    let lower = html.to_ascii_lowercase();
    let mut out = Vec::new();
    for name in ["href", "src"] {
        for (at, _) in lower.match_indices(name) {
            let before = lower[..at].chars().next_back();
            if !before.is_some_and(|c| c.is_ascii_whitespace() || c == '/') {
                continue;
            }
            let Some(rest) = html[at + name.len()..].trim_start().strip_prefix('=') else {
                continue;
            };
            let rest = rest.trim_start();
            let value = match rest.chars().next() {
                Some(q @ ('"' | '\'')) => rest[1..].split(q).next().unwrap_or_default(),
                _ => rest
                    .split(|c: char| c.is_ascii_whitespace() || c == '>')
                    .next()
                    .unwrap_or_default(),
            };
            out.push(htmlize::unescape_attribute(value).into_owned());
        }
    }
    out
}

/// Where `dest` is written inside `within`: the occurrence that follows
/// `](` or `]:` (white space and an opening `<` allowed between), so that
/// the same text in the link's label or title is never the one rewritten.
fn locate(markdown: &str, within: Range<usize>, dest: &str) -> Option<Range<usize>> {
    let span = markdown.get(within.clone())?;
    span.match_indices(dest)
        .map(|(at, _)| at)
        .find(|&at| {
            let before = span[..at].trim_end().trim_end_matches('<').trim_end();
            before.ends_with("](") || before.ends_with("]:")
        })
        .map(|at| within.start + at..within.start + at + dest.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every relative link of `markdown`, from a parse of its own: what the
    /// links noted by the safety check must equal.
    fn scan(markdown: &str) -> Links {
        let mut links = Links::default();
        let parser = pulldown_cmark::Parser::new_ext(markdown, crate::safety::OPTIONS);
        for (_, def) in parser.reference_definitions().iter() {
            links.see_reference(&def.dest, def.span.clone());
        }
        for (event, range) in parser.into_offset_iter() {
            links.see(&event, &range);
        }
        links
    }

    /// Resolve `markdown`'s links from a parse of its own.
    fn resolve_scanned(markdown: &str, site: &SiteMap, at: Timestamp) -> Resolved {
        resolve(markdown, &scan(markdown), site, at)
    }

    const NOW: Timestamp = Timestamp::UNIX_EPOCH;

    fn site() -> SiteMap<'static> {
        SiteMap {
            base_url: "https://security.example.org/",
            pages: HashSet::from(["policy"]),
            advisories: HashMap::from([("cve-2025-1", NOW), ("cve-2099-1", Timestamp::MAX)]),
            pre_announcements: HashMap::new(),
            key_file: Some("team.asc"),
        }
    }

    #[test]
    fn the_front_page_text_is_the_root_not_a_page_of_its_own() {
        let mut s = site();
        s.pages.insert("index");
        assert_eq!(
            s.target("../../content/index.md", NOW),
            Target::Url("https://security.example.org/".into())
        );
        assert_eq!(
            s.target("/index/", NOW),
            Target::Unknown,
            "no such page is built"
        );
    }

    #[test]
    fn an_advisory_still_hidden_when_the_text_goes_out_is_never_linked() {
        let s = site();
        for dest in [
            "cve-2099-1.md",
            "../2099/cve-2099-1.md#x",
            "/advisories/cve-2099-1/",
        ] {
            assert_eq!(s.target(dest, NOW), Target::Hidden, "{dest}");
        }
        let r = resolve_scanned("See [it](cve-2099-1.md).\n", &s, NOW);
        assert!(r.text.is_none());
        assert_eq!(r.unknown[0].2, Target::Hidden);
        // The same link from a text that goes out after it is published.
        assert_eq!(
            s.target("cve-2099-1.md", Timestamp::MAX),
            Target::Url("https://security.example.org/advisories/cve-2099-1/".into())
        );
    }

    #[test]
    fn known_targets_become_absolute_in_every_form() {
        let md = "See [the policy](/policy/), [again](policy.md#reporting), \
[the other one](../2025/cve-2025-1.md), ![key](keys/team.asc) and [ref].\n\n\
[ref]: ../../content/policy.md\n";
        let r = resolve_scanned(md, &site(), NOW);
        assert!(r.unknown.is_empty(), "{:?}", r.unknown);
        assert_eq!(
            r.text.as_deref(),
            Some("See [the policy](https://security.example.org/policy/), [again](https://security.example.org/policy/#reporting), \
[the other one](https://security.example.org/advisories/cve-2025-1/), ![key](https://security.example.org/keys/team.asc) and [ref].\n\n\
[ref]: https://security.example.org/policy/\n")
        );
    }

    #[test]
    fn unknown_targets_are_reported_and_absolute_ones_kept() {
        let md = "A [patch](../../patches/fix.patch), [elsewhere](other.md), \
[fine](https://example.org/x), [here](#overview), [mail](mailto:a@b.org).\n";
        let r = resolve_scanned(md, &site(), NOW);
        assert!(r.text.is_none());
        let names: Vec<&str> = r.unknown.iter().map(|(_, d, _)| d.as_str()).collect();
        assert_eq!(names, ["../../patches/fix.patch", "other.md"]);
        assert_eq!(
            &md[r.unknown[0].0.clone()],
            "[patch](../../patches/fix.patch)"
        );
    }

    #[test]
    fn only_the_destination_is_rewritten_not_the_same_text_in_a_label_or_title() {
        let md = "[policy.md](policy.md \"see policy.md\") and [x]( <policy.md> ).\n";
        let r = resolve_scanned(md, &site(), NOW);
        assert_eq!(
            r.text.as_deref(),
            Some("[policy.md](https://security.example.org/policy/ \"see policy.md\") and [x]( <https://security.example.org/policy/> ).\n")
        );
    }

    #[test]
    fn a_relative_url_in_raw_html_is_reported() {
        let md = "See <a href=\"../fix.patch\">the fix</a> and <img src='https://x.org/a.png'>.\n";
        let r = resolve_scanned(md, &site(), NOW);
        let names: Vec<&str> = r.unknown.iter().map(|(_, d, _)| d.as_str()).collect();
        assert_eq!(names, ["../fix.patch"]);
    }

    #[test]
    fn paths_that_leave_the_site_or_name_nothing_stay_unknown() {
        let s = site();
        for dest in [
            "/advisories/cve-2099-9/",
            "/nothing/",
            "policy/../../etc",
            "keys/other.asc",
        ] {
            assert_eq!(s.target(dest, NOW), Target::Unknown, "{dest}");
        }
        assert_eq!(
            s.absolute("/").as_deref(),
            Some("https://security.example.org/")
        );
        assert_eq!(
            s.absolute("/feed.xml").as_deref(),
            Some("https://security.example.org/feed.xml")
        );
    }

    /// The links the safety check notes during its parse are the links a
    /// parse of their own finds, in the same order, so both resolve alike.
    #[test]
    fn links_noted_by_the_safety_check_are_the_links_a_parse_finds() {
        let bodies = [
            "See [it](cve-2025-1.md), [x][r] and [y](https://a.org/).\n\n[r]: policy.md#why\n",
            "> 1. [deep](../2099/cve-2099-1.md \"title\")\n>    ![img](keys/team.asc)\n",
            "| a | b |\n|---|---|\n| [t](/policy/) | <a href='../x'>raw</a> |\n",
            "[^1]: a note with [a link](/feed.xml)\n\nText.[^1]\n",
            "`[not](a-link.md)` and\n\n    [indented](code.md)\n",
            "no links at all\n",
        ];
        for body in bodies {
            let src = crate::diag::Source::new("t.md", body.to_string());
            let mut noted = Links::default();
            crate::safety::check_body(&src, body, 1, &mut noted);
            let scanned = scan(body);
            let seen = |l: &Links| -> Vec<(Range<usize>, String, bool)> {
                l.written
                    .iter()
                    .map(|w| (w.within.clone(), w.dest.clone(), w.in_html))
                    .collect()
            };
            assert_eq!(seen(&noted), seen(&scanned), "{body}");
            let (a, b) = (
                resolve(body, &noted, &site(), NOW),
                resolve_scanned(body, &site(), NOW),
            );
            assert_eq!(a.text, b.text, "{body}");
            assert_eq!(a.unknown, b.unknown, "{body}");
        }
    }
}
