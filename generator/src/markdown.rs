//! Markdown bodies to HTML: CommonMark with tables, heading anchors, and
//! raw HTML sanitised.

use std::collections::HashSet;

use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_HEADING_ATTRIBUTES
}

/// The id a heading's text gives: lowercase words joined by dashes.
pub fn anchor_id(text: &str) -> String {
    let mut id = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_alphanumeric() {
            id.extend(c.to_lowercase());
        } else if (c.is_whitespace() || c == '-' || c == '_')
            && !id.ends_with('-')
            && !id.is_empty()
        {
            id.push('-');
        }
    }
    let id = id.trim_end_matches('-');
    if id.is_empty() {
        "section".to_string()
    } else {
        id.to_string()
    }
}

/// Render a Markdown body to HTML fragment.
///
/// Raw HTML in the source is allowed but sanitised with ammonia. Documents
/// without raw HTML skip that pass: pulldown-cmark already escapes all text,
/// and sanitising every body would dominate the build time.
pub fn to_html(markdown: &str) -> String {
    let mut events: Vec<Event> = Parser::new_ext(markdown, options()).collect();
    let has_raw_html = events
        .iter()
        .any(|e| matches!(e, Event::Html(_) | Event::InlineHtml(_)));
    add_heading_anchors(&mut events);
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    let html = if has_raw_html {
        sanitizer().clean(&html).to_string()
    } else {
        html
    };
    keyboard_scrollable(html)
}

/// Code blocks and tables may scroll sideways on narrow screens; keyboard
/// users must be able to focus them to scroll (WCAG 2.1.1).
fn keyboard_scrollable(html: String) -> String {
    const TAGS: [(&str, &str); 2] = [
        ("<pre>", "<pre tabindex=\"0\">"),
        ("<table>", "<table tabindex=\"0\">"),
    ];
    // One pass over the tags; most bodies have neither and are returned
    // as they are.
    let mut out = String::new();
    let mut copied = 0;
    for at in memchr::memchr_iter(b'<', html.as_bytes()) {
        let rest = &html[at..];
        if let Some((tag, with)) = TAGS.iter().find(|(tag, _)| rest.starts_with(tag)) {
            if out.is_empty() {
                out.reserve(html.len() + 64);
            }
            out.push_str(&html[copied..at]);
            out.push_str(with);
            copied = at + tag.len();
        }
    }
    if copied == 0 {
        return html;
    }
    out.push_str(&html[copied..]);
    out
}

fn add_heading_anchors(events: &mut Vec<Event>) {
    let mut used = HashSet::new();
    let mut i = 0;
    while i < events.len() {
        let Event::Start(Tag::Heading { level, id, .. }) = &events[i] else {
            i += 1;
            continue;
        };
        let level = *level;
        let explicit = id.clone();
        let mut text = String::new();
        let mut j = i + 1;
        while j < events.len() && !matches!(events[j], Event::End(TagEnd::Heading(_))) {
            if let Event::Text(t) | Event::Code(t) = &events[j] {
                text.push_str(t);
            }
            j += 1;
        }
        let base = explicit
            .map(|s| s.to_string())
            .unwrap_or_else(|| anchor_id(&text));
        let mut unique = base.clone();
        let mut n = 1;
        while !used.insert(unique.clone()) {
            unique = format!("{base}-{n}");
            n += 1;
        }
        if let Event::Start(Tag::Heading { id, .. }) = &mut events[i] {
            *id = Some(CowStr::from(unique.clone()));
        }
        if level != HeadingLevel::H1 && j < events.len() {
            let link = format!(
                " <a class=\"anchor\" href=\"#{unique}\" aria-label=\"Link to this section\">#</a>"
            );
            events.insert(j, Event::InlineHtml(CowStr::from(link)));
            j += 1;
        }
        i = j + 1;
    }
}

fn sanitizer() -> ammonia::Builder<'static> {
    let mut b = ammonia::Builder::default();
    for h in ["h1", "h2", "h3", "h4", "h5", "h6"] {
        b.add_tag_attributes(h, &["id"]);
    }
    b.add_tag_attributes("a", &["class", "aria-label"]);
    b.add_tag_attributes("code", &["class"]);
    b.add_tag_attributes("th", &["style"]);
    b.add_tag_attributes("pre", &["tabindex"]);
    b.add_tag_attributes("table", &["tabindex"]);
    b.add_tag_attributes("td", &["style"]);
    b.link_rel(None);
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_get_unique_anchors() {
        let html = to_html("## Affected versions\n\ntext\n\n## Affected versions\n");
        assert!(html.contains(r#"<h2 id="affected-versions">"#), "{html}");
        assert!(html.contains(r#"<h2 id="affected-versions-1">"#), "{html}");
        assert!(html.contains(r##"href="#affected-versions""##), "{html}");
    }

    #[test]
    fn raw_html_is_sanitised() {
        let html =
            to_html("hello <script>alert(1)</script> <b onclick=\"x()\">bold</b>\n\n## Head\n");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("onclick"), "{html}");
        assert!(html.contains("<b>bold</b>"), "{html}");
        assert!(html.contains(r#"<h2 id="head">"#), "{html}");
    }

    #[test]
    fn code_blocks_and_tables_take_keyboard_focus() {
        let html = to_html("```\n<pre>\n```\n\n| a |\n|---|\n| b |\n\n```\nx\n```\n");
        assert_eq!(html.matches("<pre tabindex=\"0\">").count(), 2, "{html}");
        assert_eq!(html.matches("<table tabindex=\"0\">").count(), 1, "{html}");
        assert!(html.contains("&lt;pre&gt;"), "{html}");
        assert_eq!(to_html("plain *text*\n"), "<p>plain <em>text</em></p>\n");
    }
}
