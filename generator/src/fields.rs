//! Typed reading of a YAML tree, collecting every problem instead of
//! stopping at the first.
//!
//! Each reader returns `Option<T>`: `None` means a finding was recorded and
//! the caller simply carries on with the next field.

use crate::diag::{suggest, Finding, Pos, Source};
use crate::yaml::{Node, Value};

pub struct Decoder<'s> {
    pub src: &'s Source,
    pub findings: Vec<Finding>,
}

/// The entries of one mapping, already checked against the allowed keys.
pub struct Fields<'n> {
    entries: &'n [(Node, Node)],
    /// Where "missing field" findings point.
    pub pos: Pos,
    what: &'static str,
}

impl<'n> Fields<'n> {
    fn get(&self, key: &str) -> Option<&'n Node> {
        self.entries
            .iter()
            .find(|(k, _)| matches!(&k.value, Value::Scalar(s) if s.text == key))
            .map(|(_, v)| v)
    }

    pub fn has(&self, key: &str) -> bool {
        self.get(key).is_some_and(|n| !n.is_null())
    }
}

impl<'s> Decoder<'s> {
    pub fn new(src: &'s Source) -> Self {
        Decoder {
            src,
            findings: Vec::new(),
        }
    }

    pub fn error(&mut self, pos: Pos, message: impl Into<String>) {
        let f = self.src.error(pos, message).with_code("field");
        self.findings.push(f);
    }

    pub fn error_help(&mut self, pos: Pos, message: impl Into<String>, help: impl Into<String>) {
        let f = self
            .src
            .error(pos, message)
            .with_code("field")
            .with_help(help);
        self.findings.push(f);
    }

    pub fn warning(&mut self, pos: Pos, message: impl Into<String>) {
        let f = self.src.warning(pos, message).with_code("field");
        self.findings.push(f);
    }

    pub fn has_errors(&self) -> bool {
        self.findings.iter().any(Finding::is_error)
    }

    /// Read `node` as a mapping without checking its keys, to look at one
    /// field (such as `kind`) that decides which keys are allowed.
    pub fn map_any<'n>(&mut self, node: &'n Node, what: &'static str) -> Option<Fields<'n>> {
        let Value::Map(entries) = &node.value else {
            self.error(
                node.pos,
                format!("expected {what} as a mapping, found {}", node.describe()),
            );
            return None;
        };
        Some(Fields {
            entries,
            pos: node.pos,
            what,
        })
    }

    /// Read `node` as a mapping whose keys must all be in `allowed`.
    pub fn map<'n>(
        &mut self,
        node: &'n Node,
        allowed: &[&'static str],
        what: &'static str,
    ) -> Option<Fields<'n>> {
        let Value::Map(entries) = &node.value else {
            self.error(
                node.pos,
                format!("expected {what} as a mapping, found {}", node.describe()),
            );
            return None;
        };
        for (key, _) in entries {
            let Value::Scalar(k) = &key.value else {
                continue;
            };
            if allowed.contains(&k.text.as_str()) {
                continue;
            }
            let listed = allowed.join(", ");
            let help = match suggest(&k.text, allowed) {
                Some(near) => format!("did you mean `{near}`? allowed keys: {listed}"),
                None => format!("allowed keys: {listed}"),
            };
            self.error_help(
                key.pos,
                format!("unknown field `{}` in {what}", k.text),
                help,
            );
        }
        Some(Fields {
            entries,
            pos: node.pos,
            what,
        })
    }

    pub fn required<'n>(&mut self, fields: &Fields<'n>, key: &str) -> Option<&'n Node> {
        match fields.get(key) {
            Some(n) if !n.is_null() => Some(n),
            Some(n) => {
                self.error(
                    n.pos,
                    format!("`{key}` is empty; {} needs a value here", fields.what),
                );
                None
            }
            None => {
                self.error(
                    fields.pos,
                    format!("missing required field `{key}` in {}", fields.what),
                );
                None
            }
        }
    }

    pub fn optional<'n>(&mut self, fields: &Fields<'n>, key: &str) -> Option<&'n Node> {
        fields.get(key).filter(|n| !n.is_null())
    }

    /// A non-empty string scalar.
    pub fn string(&mut self, node: &Node) -> Option<String> {
        match &node.value {
            Value::Scalar(s) if !node.is_null() => {
                let t = s.text.trim();
                if t.is_empty() {
                    self.error(node.pos, "expected text, found an empty string");
                    None
                } else {
                    Some(t.to_string())
                }
            }
            _ => {
                self.error(
                    node.pos,
                    format!("expected a string, found {}", node.describe()),
                );
                None
            }
        }
    }

    /// A string that is one line of plain text, for a field that becomes a
    /// mail subject or a heading. A line break would split a subject, and a
    /// control or a bidirectional override changes what the reader sees
    /// (a subject shown reversed) without changing what the wall reads.
    pub fn line(&mut self, node: &Node, field: &str, becomes: &str) -> Option<String> {
        let s = self.string(node)?;
        if let Some(c) = s.chars().find(|&c| breaks_a_line(c)) {
            let what = match c {
                '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}' => "a line break",
                '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => {
                    "a bidirectional override, which reorders what is shown"
                }
                _ => "a control character",
            };
            self.error(
                node.pos,
                format!(
                    "`{field}` holds {what} (U+{:04X}); it must be one line of text: it becomes {becomes}",
                    c as u32
                ),
            );
            return None;
        }
        Some(s)
    }

    pub fn bool(&mut self, node: &Node) -> Option<bool> {
        match &node.value {
            Value::Scalar(s) if s.plain && s.text == "true" => Some(true),
            Value::Scalar(s) if s.plain && s.text == "false" => Some(false),
            _ => {
                self.error(
                    node.pos,
                    format!("expected `true` or `false`, found {}", node.describe()),
                );
                None
            }
        }
    }

    pub fn list<'n>(&mut self, node: &'n Node) -> Option<&'n [Node]> {
        match &node.value {
            Value::Seq(items) => Some(items),
            _ => {
                self.error(
                    node.pos,
                    format!("expected a list, found {}", node.describe()),
                );
                None
            }
        }
    }

    /// A string run through `parse`, whose error message becomes the finding.
    pub fn parse<T>(
        &mut self,
        node: &Node,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        let text = self.string(node)?;
        match parse(&text) {
            Ok(v) => Some(v),
            Err(msg) => {
                self.error(node.pos, msg);
                None
            }
        }
    }

    /// Every item of a list, each read with `item`; failed items are dropped
    /// after their finding is recorded.
    pub fn each<T>(
        &mut self,
        node: &Node,
        mut item: impl FnMut(&mut Self, &Node) -> Option<T>,
    ) -> Option<Vec<T>> {
        let items = self.list(node)?;
        let before = self.findings.len();
        let out: Vec<T> = items.iter().filter_map(|n| item(self, n)).collect();
        if self.findings[before..].iter().any(Finding::is_error) {
            None
        } else {
            Some(out)
        }
    }
}

/// What a one-line field may not hold ([`Decoder::line`]).
pub fn breaks_a_line(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}
