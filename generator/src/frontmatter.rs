//! Splitting a Markdown file into its YAML front matter and its body.

use crate::diag::{Finding, Pos, Source};
use crate::yaml::{self, Node, Offset};

pub struct Split<'t> {
    pub front: Node,
    pub body: &'t str,
    /// The 1-based file line on which the body starts.
    pub body_line: usize,
}

fn is_fence(line: &str) -> bool {
    line.trim_end_matches(['\n', '\r', ' ', '\t']) == "---"
}

/// Split `source` into parsed front matter and body. The body may be empty;
/// whether that is allowed is the caller's business.
pub fn split(source: &Source) -> Result<Split<'_>, Finding> {
    let text: &str = &source.text;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.split_inclusive('\n');
    let first = lines.next().unwrap_or("");
    if !is_fence(first) {
        return Err(source
            .error(
                Pos::new(1, 1, first.trim_end().len().max(1)),
                "missing front matter",
            )
            .with_code("syntax")
            .with_help(
                "the file must start with a line `---`, then YAML fields, then another `---`",
            ));
    }
    let mut offset = first.len();
    let yaml_start = offset;
    let mut line_no = 1;
    for line in lines {
        line_no += 1;
        if is_fence(line) {
            let yaml_text = &text[yaml_start..offset];
            let front = yaml::parse(source, yaml_text, Offset { lines: 1 })?;
            let body = &text[offset + line.len()..];
            return Ok(Split {
                front,
                body,
                body_line: line_no + 1,
            });
        }
        offset += line.len();
    }
    Err(source
        .error(Pos::new(1, 1, 3), "front matter is never closed")
        .with_code("syntax")
        .with_help("add a line `---` after the last field, before the Markdown body"))
}

/// Decode bytes as UTF-8, or say where the first invalid byte is.
///
/// A carriage return must be followed by a line feed: YAML (and most
/// editors) count a lone one as a line break, and the positions Herald
/// reports count `\n` only, so a lone CR would shift every finding after
/// it to the wrong line.
pub fn decode_utf8(path: &std::path::Path, bytes: Vec<u8>) -> Result<String, Finding> {
    let text = utf8(path, bytes)?;
    let lone_cr = memchr::memchr_iter(b'\r', text.as_bytes())
        .find(|&i| text.as_bytes().get(i + 1) != Some(&b'\n'));
    if let Some(at) = lone_cr {
        return Err(refused(
            path,
            &text,
            at,
            "a carriage return without a line feed (an old Mac line ending)".into(),
            "save the file with LF (or CRLF) line endings",
        ));
    }
    if let Some(at) = unseen(text.as_bytes()) {
        let c = text[at..].chars().next().unwrap_or_default();
        let head = &text.as_bytes()[..text.len().min(64)];
        if c == '\0' && head.iter().filter(|&&b| b == 0).count() * 3 >= head.len() {
            return Err(refused(
                path,
                &text,
                at,
                "NUL bytes between the characters: the file looks like UTF-16".into(),
                "save the file as UTF-8",
            ));
        }
        let message = if c.is_control() {
            format!(
                "a control character (U+{:04X}): mail readers and terminals act on it rather than show it, and it can hide words from a reviewer and from the embargo wall",
                c as u32
            )
        } else {
            format!(
                "a bidirectional override (U+{:04X}): it shows the text after it in another order than it is read, as in CVE-2021-42574, and can hide words from a reviewer and from the embargo wall",
                c as u32
            )
        };
        return Err(refused(
            path,
            &text,
            at,
            message,
            "take it out; to name it, write its code point, such as `U+202E`",
        ));
    }
    if let Some(at) = conflict_marker(text.as_bytes()) {
        return Err(refused(
            path,
            &text,
            at,
            "an unresolved merge conflict: this marker, and both sides of the conflict, would be published as they stand".into(),
            "resolve the conflict and remove the `<<<<<<<`, `=======` and `>>>>>>>` lines; in a ledger, keep every action that either side records",
        )
        .with_code("syntax"));
    }
    Ok(text)
}

/// Where the first line that opens or closes a merge conflict starts:
/// `<<<<<<<` or `>>>>>>>`, alone or before a space (git's markers; a
/// `|||||||` line of diff3 style lies between them). `=======` alone is
/// not looked for: in Markdown it underlines a heading.
fn conflict_marker(bytes: &[u8]) -> Option<usize> {
    let marker_at = |i: usize| {
        let rest = &bytes[i..];
        (rest.starts_with(b"<<<<<<<") || rest.starts_with(b">>>>>>>"))
            && matches!(rest.get(7), None | Some(b' ' | b'\n' | b'\r'))
    };
    std::iter::once(0)
        .chain(memchr::memchr_iter(b'\n', bytes).map(|i| i + 1))
        .find(|&i| i < bytes.len() && marker_at(i))
}

/// The first character a reviewer would not see as what it does: a
/// control other than tab and line endings (a NUL in a mail, an escape
/// sequence in a terminal), or a bidirectional override or isolate, which
/// makes a diff read differently from what is published (CVE-2021-42574).
fn unseen(bytes: &[u8]) -> Option<usize> {
    let at = |i: usize| match bytes[i] {
        b'\t' | b'\n' | b'\r' => false,
        0x00..=0x1f | 0x7f => true,
        // C1 controls, U+0080 to U+009F.
        0xc2 => matches!(bytes.get(i + 1), Some(0x80..=0x9f)),
        // U+202A to U+202E, and U+2066 to U+2069.
        0xe2 => matches!(
            (bytes.get(i + 1), bytes.get(i + 2)),
            (Some(0x80), Some(0xaa..=0xae)) | (Some(0x81), Some(0xa6..=0xa9))
        ),
        _ => false,
    };
    // Branch-free over blocks, so the compiler can use vector compares;
    // only a block with a candidate byte is looked at closely.
    const BLOCK: usize = 64;
    bytes.chunks(BLOCK).enumerate().find_map(|(n, block)| {
        let candidate = block.iter().fold(false, |any, &b| {
            any | (b < 0x20) & (b != b'\t') & (b != b'\n') & (b != b'\r')
                | (b == 0x7f)
                | (b == 0xc2)
                | (b == 0xe2)
        });
        let start = n * BLOCK;
        candidate
            .then(|| (start..start + block.len()).find(|&i| at(i)))
            .flatten()
    })
}

fn refused(path: &std::path::Path, text: &str, at: usize, message: String, help: &str) -> Finding {
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    Source::new(path, text.to_string())
        .error(Pos::new(line, col, 1), message)
        .with_code("encoding")
        .with_help(help.to_string())
}

fn utf8(path: &std::path::Path, bytes: Vec<u8>) -> Result<String, Finding> {
    String::from_utf8(bytes).map_err(|e| {
        let good = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        let before = String::from_utf8_lossy(&bytes[..good]);
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        let lossy = String::from_utf8_lossy(bytes).into_owned();
        let source = Source::new(path, lossy);
        source
            .error(
                Pos::new(line, col, 1),
                format!("file is not valid UTF-8 (byte 0x{:02x})", bytes[good]),
            )
            .with_code("encoding")
            .with_help("save the file as UTF-8")
    })
}

#[cfg(test)]
mod tests {
    use super::{conflict_marker, unseen};

    #[test]
    fn a_merge_conflict_is_found_where_its_markers_open_a_line() {
        let text = "a\n<<<<<<< HEAD\nours\n=======\ntheirs\n>>>>>>> main\n";
        assert_eq!(conflict_marker(text.as_bytes()), Some(2));
        assert_eq!(conflict_marker(b">>>>>>>\n"), Some(0));
        for fine in [
            "Title\n=======\n",
            "a <<<<<<< b\n",
            "> > quoted\n",
            "<<<<<<<<< longer\n",
        ] {
            assert_eq!(conflict_marker(fine.as_bytes()), None, "{fine:?}");
        }
    }

    #[test]
    fn what_a_reviewer_would_not_see_is_found_at_every_place_of_a_block() {
        for (planted, len) in [
            ("\0", 1),
            ("\x1b", 1),
            ("\x7f", 1),
            ("\u{85}", 2),
            ("\u{202a}", 3),
            ("\u{202e}", 3),
            ("\u{2066}", 3),
            ("\u{2069}", 3),
        ] {
            for at in [0, 1, 62, 63, 64, 65, 127, 128, 200] {
                let text = format!("{}{planted}{}", "a".repeat(at), "b".repeat(70));
                assert_eq!(unseen(text.as_bytes()), Some(at), "{planted:?} at {at}");
                assert_eq!(text[at..].len() - 70, len);
            }
        }
        // What text holds and shows as it is: tabs, line ends, Latin-1,
        // other punctuation from U+2000, the marks LRM and RLM.
        let fine =
            "a\tb\r\nc\n\u{a0}\u{e9}\u{a9}\u{2014}\u{2019}\u{2026}\u{2070}\u{200e}\u{200f}\u{20ac}";
        assert_eq!(unseen(fine.repeat(40).as_bytes()), None);
    }
}
