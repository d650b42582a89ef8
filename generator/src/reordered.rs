//! Text under a right-to-left override, in the order a reader sees it.
//!
//! U+202E (RIGHT-TO-LEFT OVERRIDE) makes everything after it, up to a
//! U+202C (POP DIRECTIONAL FORMATTING) or the end of the paragraph, show
//! right to left, letters and digits included: `1000-4202-EVC` after one
//! shows as `CVE-2024-0001`. The canonical form drops the override as the format
//! character it is, and reads the letters in their stored order, which is
//! not what the screen shows. So a text with an override is also read as
//! shown: each overridden stretch reversed, a tag kept whole and in its
//! place among the characters, a combining mark kept after its letter.
//!
//! Where a paragraph ends depends on what shows the text: a line break
//! ends it in a mail or a plain-text file, a block element (`<p>`, `<li>`,
//! `<br>`) in a page, where a line break is only a space. Both readings
//! are given; a text with no override has none. An attribute's value
//! (an `alt`, a `title`) is shown on its own, so an override inside a tag
//! reaches to the end of its quoted value.

use unicode_normalization::char::is_combining_mark;

const OVERRIDE: char = '\u{202E}';

/// `text` as shown, once with paragraphs ending at line breaks and once at
/// block elements; empty when `text` has no right-to-left override.
pub fn readings(text: &str) -> Vec<String> {
    if !text.contains(OVERRIDE) {
        return Vec::new();
    }
    vec![shown(text, Ends::Lines), shown(text, Ends::Blocks)]
}

#[derive(Clone, Copy, PartialEq)]
enum Ends {
    Lines,
    Blocks,
    /// Inside a tag: at the end of an attribute's quoted value.
    Quotes,
}

/// One piece of the stored order: a tag (unless `ends` is inside one), or
/// a character with the marks that combine with it.
fn pieces(text: &str, ends: Ends) -> impl Iterator<Item = &str> {
    let mut rest = text;
    // A tag ends where the canonical form ends it (see `canon::tag_end`).
    let mut quotes = true;
    std::iter::from_fn(move || {
        let first = rest.chars().next()?;
        let len = if first == '<' && ends != Ends::Quotes && opens_tag(&rest[1..]) {
            crate::canon::tag_end(&rest.as_bytes()[1..], &mut quotes)
                .map_or(rest.len(), |end| end + 2)
        } else {
            let after = first.len_utf8();
            after
                + rest[after..]
                    .chars()
                    .take_while(|c| is_combining_mark(*c))
                    .map(char::len_utf8)
                    .sum::<usize>()
        };
        let (piece, tail) = rest.split_at(len);
        rest = tail;
        Some(piece)
    })
}

fn opens_tag(after_lt: &str) -> bool {
    after_lt
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || matches!(b, b'/' | b'!' | b'?'))
}

/// Whether `piece` ends an overridden stretch: another directional
/// control, a paragraph separator, or (as `ends` says) a line break or a
/// tag that starts a line or a block.
fn ends_stretch(piece: &str, ends: Ends) -> bool {
    match piece.chars().next() {
        Some('\u{202A}'..='\u{202D}' | '\u{2066}'..='\u{2069}' | '\u{2029}') => true,
        Some('\n' | '\r') => ends == Ends::Lines,
        Some('"' | '\'' | '>') => ends == Ends::Quotes,
        // The tags the canonical form reads as a space.
        Some('<') if piece.len() > 1 => {
            ends == Ends::Blocks && crate::canon::breaks_line(&piece[1..])
        }
        _ => false,
    }
}

fn shown(text: &str, ends: Ends) -> String {
    let mut out = String::with_capacity(text.len());
    let mut stretch: Vec<std::borrow::Cow<'_, str>> = Vec::new();
    let mut overridden = false;
    let flush = |out: &mut String, stretch: &mut Vec<std::borrow::Cow<'_, str>>| {
        for piece in stretch.drain(..).rev() {
            out.push_str(&piece);
        }
    };
    for piece in pieces(text, ends) {
        let piece = if piece.len() > 1 && piece.starts_with('<') && piece.contains(OVERRIDE) {
            std::borrow::Cow::Owned(shown(piece, Ends::Quotes))
        } else {
            std::borrow::Cow::Borrowed(piece)
        };
        if piece.starts_with(OVERRIDE) {
            flush(&mut out, &mut stretch);
            overridden = true;
            out.push_str(&piece);
        } else if overridden && ends_stretch(&piece, ends) {
            flush(&mut out, &mut stretch);
            overridden = false;
            out.push_str(&piece);
        } else if overridden {
            stretch.push(piece);
        } else {
            out.push_str(&piece);
        }
    }
    flush(&mut out, &mut stretch);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_overridden_stretch_reads_as_shown() {
        let r = readings("See \u{202E}0002-4202-EVC\u{202C} soon");
        assert_eq!(r.len(), 2);
        for s in &r {
            assert!(s.contains("CVE-2024-2000\u{202C} soon"), "{s}");
        }
        // Only the part after the override turns.
        let r = readings("CVE-2024-\u{202E}0002");
        assert!(r[0].ends_with("CVE-2024-\u{202E}2000"), "{}", r[0]);
    }

    #[test]
    fn tags_stay_whole_and_paragraphs_end_as_the_reader_sees() {
        let r = readings("<p>\u{202E}0002-<b>4202</b>-EVC</p><p>next</p>");
        assert!(r[1].contains("CVE-</b>2024<b>-2000</p><p>next"), "{}", r[1]);
        // A comment, like an unknown tag, is inline: the stretch goes on.
        let r = readings("<p>\u{202E}0002-<!-- x -->4202-EVC</p>");
        assert!(r[1].contains("CVE-2024<!-- x -->-2000</p>"), "{}", r[1]);
        // In a page, a line break is a space; in a mail, it ends the line.
        let r = readings("\u{202E}0002\n-4202-EVC");
        assert!(r[0].contains("2000\n-4202-EVC"), "{}", r[0]);
        assert!(r[1].contains("CVE-2024-\n2000"), "{}", r[1]);
    }

    #[test]
    fn a_tag_ends_outside_its_quoted_values() {
        let r = readings("\u{202E}0002-4202<em title=\"a>b\">-EVC");
        assert!(
            r[1].ends_with("CVE-<em title=\"a>b\">2024-2000"),
            "{}",
            r[1]
        );
    }

    #[test]
    fn an_override_in_an_attribute_reaches_to_the_end_of_its_value() {
        let r = readings("<img alt=\"\u{202E}0002-4202-EVC\" src=\"x\"> text");
        for s in &r {
            assert!(s.contains("CVE-2024-2000\" src=\"x\"> text"), "{s}");
        }
    }

    #[test]
    fn marks_stay_with_their_letter_and_no_override_means_no_reading() {
        let r = readings("\u{202E}e\u{0301}x");
        assert!(r[0].ends_with("xe\u{0301}"), "{}", r[0]);
        assert!(readings("plain text, and \u{202B}an embedding\u{202C}").is_empty());
    }
}
