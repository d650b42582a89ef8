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
/// a letter or digit stands on each side; `None` when there is none.
///
/// Each stretch between two line breaks is read at most twice, once
/// backwards from the break after it and once forwards from the break
/// before it, so the whole is linear.
pub fn joined(text: &str) -> Option<String> {
    let mut out = String::new();
    let mut copied = 0;
    for nl in memchr::memchr_iter(b'\n', text.as_bytes()) {
        let Some(word) = text[..nl].trim_end_matches(BLANKS).strip_suffix(is_hyphen) else {
            continue;
        };
        let rest = &text[nl + 1..];
        let next = nl + 1 + rest.len() - rest.trim_start_matches(BLANKS).len();
        let alnum = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
        if word.len() < copied
            || !alnum(word.chars().next_back())
            || !alnum(text[next..].chars().next())
        {
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
    fn breaks_one_after_another_are_all_joined() {
        assert_eq!(joined("a-\nb-\nc").as_deref(), Some("abc"));
    }
}
