//! YAML into a small tree that remembers where every value came from.
//!
//! Serde-based YAML crates stop at the first error and forget positions once a
//! value is built. Herald reports every problem of a file with its line and
//! column, so it reads the parser's events into this tree and decodes it
//! itself (see `fields`).

use saphyr_parser::{Event, Parser, ScalarStyle, Span};

use crate::diag::{Finding, Pos, Source};

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    pub pos: Pos,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Scalar(Scalar),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Scalar {
    pub text: String,
    /// Plain (unquoted) scalars are the only ones YAML resolves to null,
    /// booleans or numbers; a quoted `"true"` stays a string.
    pub plain: bool,
}

impl Node {
    pub fn is_null(&self) -> bool {
        matches!(&self.value, Value::Scalar(s) if s.plain && matches!(s.text.as_str(), "" | "~" | "null" | "Null" | "NULL"))
    }

    /// What kind of value this is, for "expected X, found Y" messages.
    pub fn describe(&self) -> &'static str {
        match &self.value {
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
            Value::Scalar(_) if self.is_null() => "nothing",
            Value::Scalar(s) if s.plain && matches!(s.text.as_str(), "true" | "false") => {
                "a boolean"
            }
            Value::Scalar(s) if s.plain && s.text.parse::<f64>().is_ok() => "a number",
            Value::Scalar(_) => "a string",
        }
    }
}

/// Where the YAML text sits in its file, so positions name file lines.
#[derive(Debug, Clone, Copy)]
pub struct Offset {
    pub lines: usize,
}

fn pos_of(span: &Span, offset: Offset) -> Pos {
    let len = if span.end.line() == span.start.line() {
        span.end.index().saturating_sub(span.start.index())
    } else {
        usize::MAX
    };
    Pos::new(span.start.line() + offset.lines, span.start.col() + 1, len)
}

/// The line and column (1-based, in characters) of the first tab at or
/// after line `from`.
fn first_tab(text: &str, from: usize) -> Option<(usize, usize)> {
    text.lines()
        .enumerate()
        .skip(from.saturating_sub(1))
        .find_map(|(i, l)| l.find('\t').map(|at| (i + 1, l[..at].chars().count() + 1)))
}

enum Open {
    Seq(Pos, Vec<Node>),
    Map(Pos, Vec<(Node, Node)>, Option<Node>),
}

/// Parse `text` (which starts `offset.lines` lines into `source`) into a tree.
/// An empty document is an empty mapping.
pub fn parse(source: &Source, text: &str, offset: Offset) -> Result<Node, Finding> {
    let mut stack: Vec<Open> = Vec::new();
    let mut root: Option<Node> = None;
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|e| {
            let m = e.marker();
            // The scanner names the token it was reading, which may start
            // lines before the tab that stopped it: point at the tab.
            let tab = e
                .info()
                .contains("tab")
                .then(|| first_tab(text, m.line()))
                .flatten();
            let (line, col) = tab.unwrap_or((m.line(), m.col() + 1));
            let f = source
                .error(
                    Pos::new(line + offset.lines, col, 1),
                    format!("invalid YAML: {}", e.info()),
                )
                .with_code("syntax");
            if tab.is_some() {
                f.with_help("YAML does not allow tabs here: indent with spaces")
            } else {
                f
            }
        })?;
        let pos = pos_of(&span, offset);
        let node = match event {
            Event::Scalar(text, style, _, tag) => Node {
                value: Value::Scalar(Scalar {
                    text: text.into_owned(),
                    plain: style == ScalarStyle::Plain && tag.is_none(),
                }),
                pos,
            },
            Event::SequenceStart(..) => {
                stack.push(Open::Seq(pos, Vec::new()));
                continue;
            }
            Event::MappingStart(..) => {
                stack.push(Open::Map(pos, Vec::new(), None));
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                Some(Open::Seq(pos, items)) => Node {
                    value: Value::Seq(items),
                    pos,
                },
                Some(Open::Map(pos, entries, _)) => Node {
                    value: Value::Map(entries),
                    pos,
                },
                None => continue,
            },
            Event::Alias(_) => {
                return Err(source
                    .error(
                        pos,
                        "YAML aliases (`*name`) are not supported in Herald files",
                    )
                    .with_code("syntax"))
            }
            Event::DocumentStart(_) if root.is_some() => {
                return Err(source
                    .error(pos, "only one YAML document is allowed here")
                    .with_code("syntax"))
            }
            _ => continue,
        };
        match stack.last_mut() {
            Some(Open::Seq(_, items)) => items.push(node),
            Some(Open::Map(_, entries, key)) => match key.take() {
                None => {
                    if !matches!(node.value, Value::Scalar(_)) {
                        return Err(source
                            .error(node.pos, "mapping keys must be plain words")
                            .with_code("syntax"));
                    }
                    if let Some((first, _)) = entries.iter().find(|(k, _)| k.value == node.value) {
                        return Err(source
                            .error(node.pos, format!("duplicate key `{}`", scalar_text(&node)))
                            .with_code("syntax")
                            .with_help(format!("first given on line {}", first.pos.line)));
                    }
                    *key = Some(node);
                }
                Some(k) => entries.push((k, node)),
            },
            None => root = Some(node),
        }
    }
    Ok(root.unwrap_or(Node {
        value: Value::Map(Vec::new()),
        pos: Pos::new(offset.lines.max(1), 1, 0),
    }))
}

fn scalar_text(node: &Node) -> &str {
    match &node.value {
        Value::Scalar(s) => &s.text,
        _ => "",
    }
}
