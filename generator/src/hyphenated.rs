//! A word broken across two lines at a hyphen, read as the word it is.
//!
//! A mail wrapped by hand, or a Markdown paragraph whose author broke a
//! long word, shows `over-` at the end of one line and `flow` at the start
//! of the next; a reader reads `overflow`, and an id broken the same way
//! (`CVE-2026-400-` then `01`) as the id. The canonical form keeps the
//! hyphen and makes the line break a space, so neither would be found. A
//! text with such a break is also read with every one joined; a text
//! without one has no further reading, and costs one pass over its line
//! breaks.

/// What a word is broken with: `-`, any dash the canonical form reads as
/// one (a text disguised with `‐` or `–` reads the same), and the soft
/// hyphen, which a plain-text reader shows as a hyphen at the line's end.
fn is_hyphen(c: char) -> bool {
    c == '-' || c == '\u{AD}' || crate::canon::is_dash(c)
}

/// White space a line may end or start with around its break.
const BLANKS: [char; 3] = [' ', '\t', '\r'];

/// `text` with each hyphen at the end of a line (white space after it
/// aside) taken out, with the line break and the next line's indent, when
/// a letter or digit stands on each side; `None` when there is none. A
/// line may also end at a `<br>` (which a page shows as a line end, with
/// or without a line break after it in the source) or at a Markdown hard
/// break (`\` at the end of the line).
///
/// Each stretch between two breaks is read at most twice, once backwards
/// from the break after it and once forwards from the break before it, and
/// a `<br>` tag is read within [`BR_MAX`] bytes, so the whole is linear.
pub fn joined(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = String::new();
    let mut copied = 0;
    for at in memchr::memchr2_iter(b'\n', b'<', bytes) {
        let (before, after) = if bytes[at] == b'\n' {
            let head = text[..at].trim_end_matches(BLANKS);
            (head.strip_suffix('\\').unwrap_or(head), at + 1)
        } else {
            let Some(len) = br_len(&bytes[at..]) else {
                continue;
            };
            (&text[..at], at + len)
        };
        let Some(word) = before.trim_end_matches(BLANKS).strip_suffix(is_hyphen) else {
            continue;
        };
        // The next line: after blanks, and one line break with its indent.
        let rest = text[after..].trim_start_matches(BLANKS);
        let rest = rest
            .strip_prefix('\n')
            .map_or(rest, |r| r.trim_start_matches(BLANKS));
        let next = text.len() - rest.len();
        let alnum = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
        if word.len() < copied || !alnum(word.chars().next_back()) || !alnum(rest.chars().next()) {
            continue;
        }
        out.push_str(&text[copied..word.len()]);
        copied = next;
    }
    if copied == 0 {
        return None;
    }
    out.push_str(&text[copied..]);
    Some(out)
}

/// The longest `<br>` tag read, attributes and all; a longer one is left
/// to the canonical form, which still reads it as a space.
const BR_MAX: usize = 64;

/// The length of the `<br>` tag (`<BR>`, `<br/>`, `<br class="x">`) that
/// `bytes` starts with, if it starts with one.
fn br_len(bytes: &[u8]) -> Option<usize> {
    let name = bytes.get(..3)?;
    if !name.eq_ignore_ascii_case(b"<br") {
        return None;
    }
    match bytes.get(3)? {
        b'>' | b'/' | b' ' | b'\t' | b'\r' | b'\n' => {}
        _ => return None,
    }
    let window = &bytes[..bytes.len().min(BR_MAX)];
    memchr::memchr(b'>', window).map(|gt| gt + 1)
}

#[cfg(test)]
mod tests {
    use super::joined;

    #[test]
    fn a_word_broken_at_a_line_end_is_joined() {
        assert_eq!(joined("heap over-\nflow").as_deref(), Some("heap overflow"));
        assert_eq!(
            joined("CVE-2026-400-\r\n   01 and sys\u{2010} \n\ttems").as_deref(),
            Some("CVE-2026-40001 and systems")
        );
    }

    #[test]
    fn any_dash_or_a_soft_hyphen_breaks_a_word() {
        for dash in ['\u{2013}', '\u{2212}', '\u{FF0D}', '\u{AD}'] {
            let text = format!("heap over{dash}\nflow");
            assert_eq!(joined(&text).as_deref(), Some("heap overflow"), "{dash:?}");
        }
    }

    #[test]
    fn a_hyphen_that_breaks_no_word_is_kept() {
        assert_eq!(joined("heap over-flow\nnext"), None);
        assert_eq!(joined("a list:\n- item\n-\n- other -\n\n"), None);
        assert_eq!(joined("ends with a-\n"), None);
        assert_eq!(joined("-\nstarts"), None);
    }

    #[test]
    fn a_line_ended_by_a_br_tag_or_a_hard_break_is_joined_too() {
        for text in [
            "heap over-<br>flow",
            "heap over-<BR />\n  flow",
            "heap over- <br class=\"x\">\nflow",
            "heap over-\\\nflow",
        ] {
            assert_eq!(joined(text).as_deref(), Some("heap overflow"), "{text:?}");
        }
        assert_eq!(joined("heap over-<b>flow</b>"), None);
        assert_eq!(joined("heap over-<brx>flow"), None);
        assert_eq!(joined("a list<br>- item<br>-<br>- other"), None);
    }

    #[test]
    fn breaks_one_after_another_are_all_joined() {
        assert_eq!(joined("a-\nb-\nc").as_deref(), Some("abc"));
    }
}
