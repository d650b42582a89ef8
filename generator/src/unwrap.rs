//! Markdown with one line per paragraph, for renderers that keep line
//! breaks.
//!
//! Authors wrap advisories at 80 columns, as the team's sources are.
//! CommonMark reads a single line break inside a paragraph as a space, but
//! Discourse and GitHub (issues, advisories) render it as a break, so a
//! wrapped paragraph shows ragged there. Each soft break is replaced, with
//! the container prefix that follows it (list indentation, `>` markers),
//! by one space. Nothing else changes: code blocks, hard breaks, headings,
//! tables and blank lines are left as written.

use pulldown_cmark::{Event, Options, Parser};

pub fn unwrap_paragraphs(markdown: &str) -> String {
    let mut events = Parser::new_ext(
        markdown,
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH,
    )
    .into_offset_iter()
    .peekable();
    let mut out = String::with_capacity(markdown.len());
    let mut copied = 0;
    while let Some((event, range)) = events.next() {
        if !matches!(event, Event::SoftBreak) {
            continue;
        }
        // The break runs from the end of the line's text to wherever the
        // next inline begins on the following line.
        let Some((_, next)) = events.peek() else {
            break;
        };
        let start = markdown[..range.start].trim_end_matches([' ', '\t']).len();
        if start < copied || next.start < range.end {
            continue;
        }
        out.push_str(&markdown[copied..start]);
        out.push(' ');
        copied = next.start;
    }
    out.push_str(&markdown[copied..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_become_one_line_and_nothing_else_moves() {
        let src = "The Rust Security Response WG was notified that\nthe standard library did not\nescape `arguments`.\n\n- a list item\n  that continues\n- another\n\n> quoted text\n> goes on\n\n```\ncode\nstays\n```\n\nhard  \nbreak\n";
        assert_eq!(
            unwrap_paragraphs(src),
            "The Rust Security Response WG was notified that the standard library did not escape `arguments`.\n\n- a list item that continues\n- another\n\n> quoted text goes on\n\n```\ncode\nstays\n```\n\nhard  \nbreak\n"
        );
    }

    #[test]
    fn links_and_emphasis_across_a_break_stay_intact() {
        assert_eq!(
            unwrap_paragraphs(
                "see [the\nfix][1] and *very\nimportant* text\n\n[1]: https://e.org/\n"
            ),
            "see [the fix][1] and *very important* text\n\n[1]: https://e.org/\n"
        );
    }
}
