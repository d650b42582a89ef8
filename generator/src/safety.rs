//! What a body may carry into pages, the feed and every channel text.
//!
//! The site sanitises raw HTML, but the blog post, the forum post and the
//! GHSA description carry the Markdown itself to sites that render it, and
//! the feed carries links as they are. So the source is held to one rule,
//! checked where the author can see it, with a location:
//! - links and images go only to `http`, `https` and `mailto` URLs, or are
//!   relative (a path or a `#fragment`); reference definitions included,
//!   used or not;
//! - raw HTML uses only the tags of [`ALLOWED_TAGS`], with no event handler
//!   (`on…`) or `style` attribute, and no URL of another scheme;
//! - nesting (HTML elements, block quotes, lists) stays under
//!   [`MAX_DEPTH`], so no renderer downstream is driven into quadratic time.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

use crate::diag::{BodyPos, Finding, Source};

pub const ALLOWED_SCHEMES: &[&str] = &["http", "https", "mailto"];

/// Formatting and structure only: nothing that runs, embeds or submits.
pub const ALLOWED_TAGS: &[&str] = &[
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "dd",
    "del",
    "details",
    "div",
    "dl",
    "dt",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "ins",
    "kbd",
    "li",
    "mark",
    "ol",
    "p",
    "pre",
    "q",
    "s",
    "samp",
    "small",
    "span",
    "strong",
    "sub",
    "summary",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "u",
    "ul",
    "var",
];

pub const MAX_DEPTH: usize = 64;

/// The scheme of `url` as a browser reads it (ASCII white space and
/// control characters inside it ignored), if it has one.
pub fn scheme(url: &str) -> Option<String> {
    let cleaned: String = url
        .chars()
        .filter(|c| !c.is_ascii_whitespace() && !c.is_ascii_control())
        .take_while(|c| *c != '/' && *c != '?' && *c != '#')
        .collect();
    let (s, _) = cleaned.split_once(':')?;
    let ok = s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    ok.then(|| s.to_ascii_lowercase())
}

/// `Err` with the reason when `url` may not be a link target.
pub fn check_url(url: &str) -> Result<(), String> {
    match scheme(url) {
        Some(s) if !ALLOWED_SCHEMES.contains(&s.as_str()) => Err(format!(
            "a link to a `{s}:` URL; only http, https and mailto links (or relative ones) are allowed, because channel texts carry links to other sites as they are"
        )),
        Some(s) if s != "mailto" => check_userinfo(url),
        _ => Ok(()),
    }
}

/// A web address with a user name or password before its host:
/// `https://github.com@attacker.example/` reads as one site and opens
/// another, and a password there is published with the advisory.
pub fn check_userinfo(url: &str) -> Result<(), String> {
    match url::Url::parse(url.trim()) {
        Ok(u) if !u.username().is_empty() || u.password().is_some() => Err(format!(
            "a web address with a user name or password before its host `{}` (`{}://…@{0}`); a reader takes what comes before the `@` for the site, and a password there would be published. Herald takes credentials from the environment only",
            u.host_str().unwrap_or_default(),
            u.scheme()
        )),
        _ => Ok(()),
    }
}

struct Located<'a> {
    src: &'a Source,
    body: BodyPos<'a>,
}

impl Located<'_> {
    fn error(&self, offset: usize, len: usize, msg: String) -> Finding {
        self.src
            .error(self.body.pos(offset, len), msg)
            .with_code("unsafe-markup")
    }
}

/// The Markdown extensions of the parse below, the one a body gets while
/// the tree loads.
pub const OPTIONS: Options = Options::ENABLE_TABLES
    .union(Options::ENABLE_STRIKETHROUGH)
    .union(Options::ENABLE_FOOTNOTES);

/// Every unsafe link, tag or nesting in `body` (which starts on
/// `first_line` of `src`). Its relative links are noted in `links` on the
/// way: this is the one parse a body gets while the tree loads.
pub fn check_body(
    src: &Source,
    body: &str,
    first_line: usize,
    links: &mut crate::relative::Links,
) -> Vec<Finding> {
    let at = Located {
        src,
        body: BodyPos {
            text: body,
            first_line,
        },
    };
    let mut out = Vec::new();
    let parser = Parser::new_ext(body, OPTIONS);
    for (label, def) in parser.reference_definitions().iter() {
        links.see_reference(&def.dest, def.span.clone());
        if let Err(why) = check_url(&def.dest) {
            out.push(at.error(
                def.span.start,
                def.span.len(),
                format!("reference `[{label}]`: {why}"),
            ));
        }
    }
    let mut md_depth = 0usize;
    let mut html_depth = 0usize;
    for (event, range) in parser.into_offset_iter() {
        links.see(&event, &range);
        match &event {
            Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) => {
                if let Err(why) = check_url(dest_url) {
                    out.push(at.error(range.start, range.len(), why));
                }
            }
            Event::Start(Tag::BlockQuote(_) | Tag::List(_)) => {
                md_depth += 1;
                if md_depth == MAX_DEPTH + 1 {
                    out.push(at.error(
                        range.start,
                        1,
                        format!("block quotes and lists nested more than {MAX_DEPTH} deep"),
                    ));
                }
            }
            Event::End(TagEnd::BlockQuote(_) | TagEnd::List(_)) => {
                md_depth = md_depth.saturating_sub(1)
            }
            Event::Html(html) | Event::InlineHtml(html) => {
                for (offset, len, problem) in check_html(html, &mut html_depth) {
                    out.push(at.error(range.start + offset.min(range.len()), len, problem));
                }
            }
            _ => {}
        }
        if out.len() > 50 {
            break;
        }
    }
    out
}

/// Problems in one piece of raw HTML: (offset in it, length, message).
fn check_html(html: &str, depth: &mut usize) -> Vec<(usize, usize, String)> {
    let mut out = Vec::new();
    let bytes = html.as_bytes();
    let mut i = 0;
    while let Some(lt) = memchr::memchr(b'<', &bytes[i..]) {
        let start = i + lt;
        let rest = &html[start + 1..];
        if rest.starts_with("!--") {
            i = match rest.find("-->") {
                Some(e) => start + 1 + e + 3,
                None => bytes.len(),
            };
            continue;
        }
        let closing = rest.starts_with('/');
        let name: String = rest
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect::<String>()
            .to_ascii_lowercase();
        let end = memchr::memchr(b'>', &bytes[start..]).map_or(bytes.len(), |e| start + e + 1);
        let tag = &html[start..end];
        i = end.max(start + 1);
        if name.is_empty() {
            if rest.starts_with('!') || rest.starts_with('?') {
                out.push((start, tag.len(), "a declaration or processing instruction in raw HTML; only plain tags are allowed".into()));
            }
            continue;
        }
        if !ALLOWED_TAGS.contains(&name.as_str()) {
            out.push((
                start,
                tag.len(),
                format!(
                    "raw HTML `<{name}>` is not allowed; allowed tags: {}",
                    ALLOWED_TAGS.join(", ")
                ),
            ));
            continue;
        }
        if closing {
            *depth = depth.saturating_sub(1);
            continue;
        }
        if !tag.ends_with("/>") && !matches!(name.as_str(), "br" | "hr" | "img") {
            *depth += 1;
            if *depth == MAX_DEPTH + 1 {
                out.push((
                    start,
                    tag.len(),
                    format!("raw HTML nested more than {MAX_DEPTH} elements deep"),
                ));
            }
        }
        for problem in attribute_problems(&tag[1 + name.len()..]) {
            out.push((start, tag.len(), format!("`<{name}>`: {problem}")));
        }
    }
    out
}

/// Attributes that run script or smuggle a URL of another scheme.
fn attribute_problems(attrs: &str) -> Vec<String> {
    let mut out = Vec::new();
    let lower = attrs.to_ascii_lowercase();
    let bytes = lower.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        // An attribute name starts after white space or `/`.
        if i > 0 && !(bytes[i - 1].is_ascii_whitespace() || bytes[i - 1] == b'/')
            || !bytes[i].is_ascii_alphabetic()
        {
            i += 1;
            continue;
        }
        let name: String = lower[i..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':'))
            .collect();
        i += name.len().max(1);
        let value = lower[i..].trim_start();
        let value = value.strip_prefix('=').map(|v| {
            let v = v.trim_start();
            match v.chars().next() {
                Some(q @ ('"' | '\'')) => v[1..].split(q).next().unwrap_or_default().to_string(),
                _ => v
                    .split(|c: char| c.is_ascii_whitespace() || c == '>')
                    .next()
                    .unwrap_or_default()
                    .to_string(),
            }
        });
        if name.starts_with("on") {
            out.push(format!("the event handler `{name}` is not allowed"));
        } else if name == "style" || name == "srcdoc" || name == "formaction" {
            out.push(format!("the attribute `{name}` is not allowed"));
        } else if matches!(
            name.as_str(),
            "href" | "src" | "cite" | "action" | "poster" | "xlink:href"
        ) {
            let url = value.unwrap_or_default();
            let url = htmlize::unescape_attribute(url.as_str());
            if let Err(why) = check_url(&url) {
                out.push(format!("`{name}`: {why}"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(body: &str) -> Vec<String> {
        let src = Source::new("t.md", body.to_string());
        check_body(&src, body, 1, &mut Default::default())
            .into_iter()
            .map(|f| f.to_string())
            .collect()
    }

    #[test]
    fn only_web_and_mail_links_pass() {
        for ok in [
            "[a](https://x.org)",
            "[a](http://x.org)",
            "[a](mailto:a@b.org)",
            "[a](/policy/)",
            "[a](#top)",
            "[a](other.md)",
            "<https://x.org>",
            "![i](https://x.org/i.png)",
            "[a]: https://x.org\n\n[a]",
        ] {
            assert!(problems(ok).is_empty(), "{ok}: {:?}", problems(ok));
        }
        for bad in [
            "[x](javascript:alert(1))",
            "[x](JavaScript:alert(1))",
            "[x](<java\tscript:alert(1)>)",
            "[x](&#106;avascript:alert(1))",
            "[x](vbscript:msgbox)",
            "[x](data:text/html,<script>)",
            "![x](javascript:alert(1))",
            "<javascript:alert(1)>",
            "[x][r]\n\n[r]: javascript:alert(1)",
            "[unused]: javascript:alert(1)",
            "[x](file:///etc/passwd)",
        ] {
            assert!(!problems(bad).is_empty(), "{bad}");
        }
    }

    #[test]
    fn raw_html_is_held_to_the_allowlist() {
        for ok in [
            "a <sup>1</sup> b",
            "<details><summary>s</summary>t</details>",
            "x<br>y",
            "<!-- note -->",
            "<a href=\"https://x.org\">x</a>",
        ] {
            assert!(problems(ok).is_empty(), "{ok}: {:?}", problems(ok));
        }
        for bad in [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "<IMG SRC=x OnError=alert(1)>",
            "<a href=\"javascript:alert(1)\">x</a>",
            "<a href='jav&#x61;script:alert(1)'>x</a>",
            // A browser decodes a numeric reference without its `;`.
            "<a href='&#106avascript:alert(1)'>x</a>",
            "<a href=\"&#x6A;avascript&colon;alert(1)\">x</a>",
            "<iframe src=https://x.org></iframe>",
            "<svg onload=alert(1)>",
            "<span style=\"x\">s</span>",
            "<object data=x></object>",
            "<form action=https://x.org>",
            "<style>body{}</style>",
        ] {
            assert!(!problems(bad).is_empty(), "{bad}");
        }
    }

    #[test]
    fn deep_nesting_is_refused_with_a_location() {
        let deep = "<div>".repeat(100_000);
        let p = problems(&deep);
        assert!(p.iter().any(|m| m.contains("nested more than")), "{p:?}");
        let quotes = format!("{} x", ">".repeat(MAX_DEPTH + 5));
        assert!(problems(&quotes)
            .iter()
            .any(|m| m.contains("nested more than")));
    }
}
