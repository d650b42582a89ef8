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
        let before = &text[..at];
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        let source = Source::new(path, text.clone());
        return Err(source
            .error(
                Pos::new(line, col, 1),
                "a carriage return without a line feed (an old Mac line ending)",
            )
            .with_code("encoding")
            .with_help("save the file with LF (or CRLF) line endings"));
    }
    Ok(text)
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
