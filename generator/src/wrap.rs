//! Greedy line filling for mail text.
//!
//! The same result as textwrap's first-fit `fill` with ASCII-space word
//! separation, no hyphenation and no breaking of long words: the tests
//! compare the two. textwrap's general machinery (boxed iterators, a
//! fragment per word, floating-point widths) took a tenth of a large
//! build; this walks the line once. Display widths still come from
//! textwrap, for anything beyond printable ASCII.

/// Marks a space that must not become a line break (inside inline code, in
/// a link label). Callers turn it back into a space after filling, so it
/// counts as the one column that space takes, where Unicode gives a word
/// joiner none: counted as zero, lines with code spans came out wider than
/// asked, and one past 74 columns made the whole mail quoted-printable.
pub const GLUE: char = '\u{2060}';

/// Fill `text` (one line, no `\n`) to `width` columns, starting the first
/// output line with `first` and the others with `rest`.
pub fn fill(text: &str, width: usize, first: &str, rest: &str) -> String {
    if text.len() < width && first.is_empty() {
        return text.trim_end_matches(' ').to_string();
    }
    let limits = [
        width.saturating_sub(display_width(first)),
        width.saturating_sub(display_width(rest)),
    ];
    let mut out = String::with_capacity(text.len() + text.len() / 8 + first.len());
    let mut lines = 0;
    // The current output line: where its first word starts, where its last
    // word ends (spaces after it are dropped), and its width so far.
    let mut start = 0;
    let mut end = 0;
    let mut used = 0;
    let mut words = 0;
    for (word_start, word_end, next) in words_of(text) {
        let w = display_width(&text[word_start..word_end]);
        if words > 0 && used + w > limits[lines.min(1)] {
            push_line(&mut out, lines, first, rest, &text[start..end]);
            lines += 1;
            start = word_start;
            used = 0;
        }
        used += w + (next - word_end);
        end = word_end;
        words += 1;
    }
    if words > 0 {
        push_line(&mut out, lines, first, rest, &text[start..end]);
    }
    out
}

fn push_line(out: &mut String, n: usize, first: &str, rest: &str, line: &str) {
    if n > 0 {
        out.push('\n');
    }
    out.push_str(if n == 0 { first } else { rest });
    out.push_str(line);
}

/// Each word as (start, end of its non-space part, start of the next).
fn words_of(text: &str) -> impl Iterator<Item = (usize, usize, usize)> + '_ {
    let bytes = text.as_bytes();
    let mut i = 0;
    std::iter::from_fn(move || {
        if i >= bytes.len() {
            return None;
        }
        let start = i;
        while i < bytes.len() && bytes[i] != b' ' {
            i += 1;
        }
        let end = i;
        while i < bytes.len() && bytes[i] == b' ' {
            i += 1;
        }
        Some((start, end, i))
    })
}

fn display_width(s: &str) -> usize {
    if s.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        s.len()
    } else {
        textwrap::core::display_width(s) + s.matches(GLUE).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn textwrap_fill(text: &str, width: usize, first: &str, rest: &str) -> String {
        let opts = textwrap::Options::new(width)
            .initial_indent(first)
            .subsequent_indent(rest)
            .break_words(false)
            .word_splitter(textwrap::WordSplitter::NoHyphenation)
            .word_separator(textwrap::WordSeparator::AsciiSpace)
            .wrap_algorithm(textwrap::WrapAlgorithm::FirstFit);
        // A no-break space is as wide as the glue and, like it, no break.
        textwrap::fill(&text.replace(GLUE, "\u{a0}"), &opts).replace('\u{a0}', &GLUE.to_string())
    }

    #[test]
    fn fills_as_textwrap_does() {
        let words = [
            "a",
            "word",
            "CVE-2024-1000",
            "regex-native",
            "Café",
            "日本語",
            "x\u{2060}y",
            "`panic\u{2060}=\u{2060}\"abort\"`",
            "https://example.org/a/very/long/path/that/does/not/fit/on/any/line/at/all",
            "tab\there",
            "",
            "e\u{301}",
        ];
        let indents = [
            ("", ""),
            ("> ", "> "),
            ("1. ", "   "),
            ("- ", "  "),
            ("", "    "),
        ];
        // A deterministic walk over word sequences, spacings and widths.
        let mut next = crate::testgen::picker(7);
        for _ in 0..5000 {
            let count = next(30);
            let mut text = String::new();
            for i in 0..count {
                if i > 0 {
                    text.push_str(&" ".repeat(1 + next(3) / 2));
                }
                text.push_str(words[next(words.len())]);
            }
            if next(4) == 0 {
                text.push(' ');
            }
            let width = [8, 20, 40, 72][next(4)];
            let (first, rest) = indents[next(indents.len())];
            assert_eq!(
                fill(&text, width, first, rest),
                textwrap_fill(&text, width, first, rest),
                "{text:?} at {width} with {first:?}/{rest:?}"
            );
        }
    }
}
