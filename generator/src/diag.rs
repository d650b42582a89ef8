//! Findings about the user's files, each tied to a file, line and column.
//!
//! Herald reports *every* problem it finds in one run, so findings are
//! collected as values and rendered at the end, rustc-style:
//!
//! ```text
//! error: advisories/2024/x.md:5:1: unknown field `sevrity`
//!   5 | sevrity: high
//!     | ^^^^^^^
//!   = help: did you mean `severity`?
//! ```
//!
//! The first line is the `path:line:col: message` form that editors, CI
//! annotations and `grep` understand.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A 1-based line and column (in characters) and a length to underline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Pos {
    pub line: usize,
    pub col: usize,
    pub len: usize,
}

impl Pos {
    pub fn new(line: usize, col: usize, len: usize) -> Self {
        Pos { line, col, len }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Error,
    Warning,
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Level::Error => "error",
            Level::Warning => "warning",
        })
    }
}

/// One problem found in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub level: Level,
    pub path: PathBuf,
    pub pos: Pos,
    pub message: String,
    pub help: Option<String>,
    /// The lint's name, for lints; machine-readable output falls back to
    /// `error` or `warning`.
    pub code: Option<&'static str>,
    /// The offending source line, kept so the report needs no file access.
    pub line_text: Option<String>,
}

impl Finding {
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn with_code(mut self, code: &'static str) -> Self {
        self.code = Some(code);
        self
    }

    pub fn is_error(&self) -> bool {
        self.level == Level::Error
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        self.render(&mut out)?;
        f.write_str(&printable(&out))
    }
}

impl Finding {
    /// The finding as [`Display`](fmt::Display) shows it, with its level
    /// in colour. Print it through `anstream`, which drops the colour when
    /// the output is not a terminal or `NO_COLOR` is set.
    pub fn styled(&self) -> String {
        use anstyle::{AnsiColor, Style};
        let plain = self.to_string();
        let (word, colour) = match self.level {
            Level::Error => ("error", AnsiColor::Red),
            Level::Warning => ("warning", AnsiColor::Yellow),
        };
        let level = Style::new().bold().fg_color(Some(colour.into()));
        let help = Style::new().fg_color(Some(AnsiColor::Cyan.into()));
        plain
            .replacen(&format!("{word}:"), &format!("{level}{word}{level:#}:"), 1)
            .replace("= help:", &format!("{help}= help:{help:#}"))
    }
}

/// What a terminal may be sent: control characters of the input (a NUL
/// from a UTF-16 file, an escape sequence, a bidirectional override that
/// reorders the line) are shown as visible symbols, one column each so
/// that the caret still points at the right place.
fn printable(s: &str) -> std::borrow::Cow<'_, str> {
    let bad = |c: char| {
        (c.is_control() && c != '\n')
            || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
    };
    if !s.contains(bad) {
        return std::borrow::Cow::Borrowed(s);
    }
    s.chars()
        .map(|c| match c {
            c if !bad(c) => c,
            // The Control Pictures block: NUL is U+2400, and so on.
            c if (c as u32) < 0x20 => char::from_u32(0x2400 + c as u32).unwrap_or('\u{FFFD}'),
            '\u{7F}' => '\u{2421}',
            _ => '\u{FFFD}',
        })
        .collect::<String>()
        .into()
}

impl Finding {
    fn render(&self, f: &mut String) -> fmt::Result {
        use std::fmt::Write;
        let path = self.path.display();
        let code = self.code.map(|c| format!(" [{c}]")).unwrap_or_default();
        // A message quotes what the file holds, which may hold a line
        // break: shown as one, the rest would start a line of its own, and
        // a CI runner reads a line that starts with `::` as a command.
        let message = one_line(&self.message);
        if self.pos.line == 0 {
            writeln!(f, "{}: {path}: {message}{code}", self.level)?;
        } else {
            writeln!(
                f,
                "{}: {path}:{}:{}: {message}{code}",
                self.level, self.pos.line, self.pos.col
            )?;
        }
        let gutter = self.pos.line.to_string().len();
        if let Some(text) = &self.line_text {
            let text = text.replace('\t', " ");
            writeln!(f, "  {} | {}", self.pos.line, text)?;
            let pad = self.pos.col.saturating_sub(1);
            let width = self.pos.len.max(1);
            writeln!(
                f,
                "  {:gutter$} | {}{}",
                "",
                " ".repeat(pad),
                "^".repeat(width)
            )?;
        }
        if let Some(help) = &self.help {
            writeln!(f, "  {:gutter$} = help: {}", "", one_line(help))?;
        }
        Ok(())
    }
}

/// `s` with its line breaks written as `\n` and `\r`.
fn one_line(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains(['\n', '\r']) {
        std::borrow::Cow::Owned(s.replace('\n', "\\n").replace('\r', "\\r"))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// A file's text and its display path, able to make located findings.
#[derive(Debug, Clone)]
pub struct Source {
    pub path: PathBuf,
    pub text: Arc<str>,
}

impl Source {
    pub fn new(path: impl Into<PathBuf>, text: impl Into<Arc<str>>) -> Self {
        Source {
            path: path.into(),
            text: text.into(),
        }
    }

    pub fn finding(&self, level: Level, pos: Pos, message: impl Into<String>) -> Finding {
        // A report may end up in a public CI log: whatever the finding is
        // about, a token on its line is shown masked.
        let line_text = if pos.line == 0 {
            None
        } else {
            self.text
                .lines()
                .nth(pos.line - 1)
                .map(|l| crate::credentials::masked(l.trim_end_matches('\r')))
        };
        // Clamp the underline to the line so a multi-line value stays readable.
        let mut pos = pos;
        if let Some(text) = &line_text {
            let width = text.chars().count();
            // A parser's column past the line's end (the YAML scanner
            // counts an inner byte-order mark twice) points at its end.
            pos.col = pos.col.clamp(1, width + 1);
            let available = width.saturating_sub(pos.col.saturating_sub(1));
            pos.len = pos.len.min(available.max(1));
        }
        Finding {
            level,
            path: self.path.clone(),
            pos,
            message: message.into(),
            help: None,
            code: None,
            line_text,
        }
    }

    pub fn error(&self, pos: Pos, message: impl Into<String>) -> Finding {
        self.finding(Level::Error, pos, message)
    }

    pub fn warning(&self, pos: Pos, message: impl Into<String>) -> Finding {
        self.finding(Level::Warning, pos, message)
    }
}

/// A finding about a whole file, with no line to point at.
pub fn file_error(path: &Path, message: impl Into<String>) -> Finding {
    Finding {
        level: Level::Error,
        path: path.to_path_buf(),
        pos: Pos::default(),
        message: message.into(),
        help: None,
        code: None,
        line_text: None,
    }
}

/// Every finding of a run, in a stable order (path, then position).
#[derive(Debug, Default, Clone)]
pub struct Findings(pub Vec<Finding>);

impl Findings {
    pub fn push(&mut self, f: Finding) {
        self.0.push(f);
    }

    pub fn extend(&mut self, other: impl IntoIterator<Item = Finding>) {
        self.0.extend(other);
    }

    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Finding::is_error)
    }

    pub fn error_count(&self) -> usize {
        self.0.iter().filter(|f| f.is_error()).count()
    }

    pub fn sort(&mut self) {
        self.0
            .sort_by(|a, b| (&a.path, a.pos, &a.message).cmp(&(&b.path, b.pos, &b.message)));
        self.0.dedup();
    }

    pub fn iter(&self) -> impl Iterator<Item = &Finding> {
        self.0.iter()
    }
}

#[derive(serde::Serialize)]
struct JsonFinding<'a> {
    file: String,
    line: usize,
    column: usize,
    severity: String,
    code: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<&'a str>,
}

impl Findings {
    /// A JSON array, one object per finding.
    pub fn to_json(&self) -> String {
        let items: Vec<JsonFinding> = self
            .0
            .iter()
            .map(|f| JsonFinding {
                file: f.path.display().to_string(),
                line: f.pos.line,
                column: f.pos.col,
                severity: f.level.to_string(),
                code: f.code.unwrap_or(match f.level {
                    Level::Error => "error",
                    Level::Warning => "warning",
                }),
                message: &f.message,
                help: f.help.as_deref(),
            })
            .collect();
        let mut out = String::from("[");
        for (i, item) in items.iter().enumerate() {
            out.push_str(if i == 0 { "\n  " } else { ",\n  " });
            out.push_str(&serde_json::to_string(item).unwrap_or_default());
        }
        out.push_str(if items.is_empty() { "]\n" } else { "\n]\n" });
        out
    }

    /// GitHub Actions workflow commands, so that a pull request shows each
    /// finding on its line.
    pub fn to_github(&self) -> String {
        // The escapes GitHub's runner defines for command values.
        fn data(s: &str) -> String {
            s.replace('%', "%25")
                .replace('\r', "%0D")
                .replace('\n', "%0A")
        }
        fn prop(s: &str) -> String {
            data(s).replace(':', "%3A").replace(',', "%2C")
        }
        let mut out = String::new();
        for f in &self.0 {
            let kind = match f.level {
                Level::Error => "error",
                Level::Warning => "warning",
            };
            let mut props = format!("file={}", prop(&f.path.display().to_string()));
            if f.pos.line > 0 {
                props.push_str(&format!(",line={},col={}", f.pos.line, f.pos.col));
            }
            props.push_str(&format!(
                ",title={}",
                prop(&format!("herald {}", f.code.unwrap_or(kind)))
            ));
            let mut message = f.message.clone();
            if let Some(h) = &f.help {
                message.push_str(&format!("\n{h}"));
            }
            out.push_str(&format!("::{kind} {props}::{}\n", data(&message)));
        }
        out
    }
}

/// Byte offsets in a document's Markdown body, mapped to file positions.
pub struct BodyPos<'a> {
    pub text: &'a str,
    /// The file line the body starts on.
    pub first_line: usize,
}

impl BodyPos<'_> {
    /// The position of `offset`. An offset inside a character (a parser's
    /// offset into text it rewrote) moves back to that character's start.
    pub fn pos(&self, offset: usize, len: usize) -> Pos {
        let mut at = offset.min(self.text.len());
        while !self.text.is_char_boundary(at) {
            at -= 1;
        }
        let before = &self.text[..at];
        let line = self.first_line + before.matches('\n').count();
        let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        Pos::new(line, col, len.max(1))
    }
}

/// The nearest of `candidates` to `word`, when it is close enough to be a typo.
pub fn suggest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (strsim::damerau_levenshtein(word, c), *c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 3))
        .min()
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_styled_finding_colours_its_level_and_help_only() {
        let src = Source::new("a.md", "x: 1\n");
        let f = src.error(Pos::new(1, 1, 1), "bad").with_help("fix it");
        let styled = f.styled();
        assert!(styled.starts_with("\x1b["), "{styled:?}");
        assert!(styled.contains("error\x1b[0m: a.md:1:1: bad"), "{styled:?}");
        // Without the colour codes it is the plain text.
        let mut plain = String::new();
        let mut chars = styled.chars();
        while let Some(c) = chars.next() {
            if c == '\x1b' {
                for c in chars.by_ref() {
                    if c == 'm' {
                        break;
                    }
                }
            } else {
                plain.push(c);
            }
        }
        assert_eq!(plain, f.to_string());
    }
}
