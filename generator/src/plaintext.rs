//! Markdown to plain text that still reads as Markdown: for mail.
//!
//! Paragraphs are wrapped at 72 columns; headings, lists, quotes, code
//! blocks and tables keep their Markdown shape; links become `text [n]` with
//! the URLs listed at the end as `[n]: url`, so that no line breaks a URL.

use pulldown_cmark::{Alignment, CodeBlockKind, Event, Options, Parser, Tag, TagEnd};

pub const WIDTH: usize = 72;

use crate::wrap::GLUE;

enum Container {
    Quote,
    Item {
        first: String,
        rest: String,
        started: bool,
    },
}

struct List {
    next: Option<u64>,
}

#[derive(Default)]
struct Table {
    align: Vec<Alignment>,
    rows: Vec<Vec<String>>,
    in_head: bool,
    head_rows: usize,
}

struct Writer {
    out: String,
    inline: String,
    containers: Vec<Container>,
    lists: Vec<List>,
    links: Vec<String>,
    /// Open links: the label collected so far, and the URL.
    link_stack: Vec<(String, String)>,
    table: Option<Table>,
    code: Option<String>,
    /// Where paragraphs are filled; `usize::MAX` keeps one line each.
    width: usize,
    /// Whether emphasis keeps its `*` and `**`. Mail is read as Markdown
    /// (the team's mails are the blog's source); a record's reader shows
    /// the asterisks as they are.
    emphasis: bool,
}

/// Render `markdown` as wrapped plain text, with its links listed at the end.
pub fn to_text(markdown: &str) -> String {
    render(markdown, WIDTH, true)
}

/// The text for records whose readers (CVE and NVD pages, scanners) fill
/// lines themselves and show no Markdown: one line per paragraph, and
/// emphasis without its marks. Struck text keeps its `~~`: without them
/// it would read as meant.
pub fn to_record_text(markdown: &str) -> String {
    render(markdown, usize::MAX, false)
}

fn render(markdown: &str, width: usize, emphasis: bool) -> String {
    let mut w = Writer {
        out: String::new(),
        inline: String::new(),
        containers: Vec::new(),
        lists: Vec::new(),
        links: Vec::new(),
        link_stack: Vec::new(),
        table: None,
        code: None,
        width,
        emphasis,
    };
    let opts = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_FOOTNOTES;
    for event in Parser::new_ext(markdown, opts) {
        w.event(event);
    }
    w.flush_paragraph();
    let mut out = w.out.trim_end().to_string();
    out.push('\n');
    if !w.links.is_empty() {
        out.push('\n');
        for (i, url) in w.links.iter().enumerate() {
            out.push_str(&format!("[{}]: {}\n", i + 1, url));
        }
    }
    out
}

impl Writer {
    /// Prefixes for the first and the following lines of the next block.
    fn prefixes(&mut self) -> (String, String) {
        let mut first = String::new();
        let mut rest = String::new();
        for c in &mut self.containers {
            match c {
                Container::Quote => {
                    first.push_str("> ");
                    rest.push_str("> ");
                }
                Container::Item {
                    first: f,
                    rest: r,
                    started,
                } => {
                    if *started {
                        first.push_str(r);
                    } else {
                        first.push_str(f);
                        *started = true;
                    }
                    rest.push_str(r);
                }
            }
        }
        (first, rest)
    }

    fn blank_line(&mut self) {
        if self.out.is_empty() || self.out.ends_with("\n\n") {
            return;
        }
        let quote: String = self
            .containers
            .iter()
            .map(|c| match c {
                Container::Quote => "> ",
                Container::Item { rest, .. } => {
                    if rest.trim().is_empty() {
                        ""
                    } else {
                        rest
                    }
                }
            })
            .collect();
        let quote = quote.trim_end();
        self.out.push_str(quote);
        self.out.push('\n');
    }

    fn push_lines(&mut self, text: &str) {
        self.out.push_str(text);
        if !text.ends_with('\n') {
            self.out.push('\n');
        }
    }

    fn flush_paragraph(&mut self) {
        let text = std::mem::take(&mut self.inline);
        let text = text.trim();
        if text.is_empty() {
            return;
        }
        let (first, rest) = self.prefixes();
        // Greedy filling, as mail clients do, breaking only at spaces: never
        // at a hyphen, so that ids and package names (CVE-2024-1000,
        // regex-native) stay whole for readers who copy them.
        let mut lines = String::new();
        // Hard breaks inside a paragraph stay line breaks.
        for (i, part) in text.split('\n').enumerate() {
            let lead = if i == 0 { &first } else { &rest };
            lines.push_str(&crate::wrap::fill(part.trim(), self.width, lead, &rest));
            lines.push('\n');
        }
        let lines = lines.replace(GLUE, " ");
        self.push_lines(&lines);
    }

    fn start_block(&mut self) {
        self.flush_paragraph();
        self.blank_line();
    }

    fn text(&mut self, t: &str) {
        if let Some(code) = &mut self.code {
            code.push_str(t);
        } else if let Some((label, _)) = self.link_stack.last_mut() {
            label.push_str(t);
        } else {
            self.inline.push_str(t);
        }
    }

    fn event(&mut self, event: Event) {
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(t) => {
                if self.table.is_some() && self.code.is_none() && self.link_stack.is_empty() {
                    self.inline.push_str(&t);
                } else {
                    self.text(&t);
                }
            }
            Event::Code(t) => {
                let glued = format!("`{}`", t.replace(' ', &GLUE.to_string()));
                self.text(&glued);
            }
            Event::Html(t) | Event::InlineHtml(t) => self.text(&t),
            Event::SoftBreak => self.text(" "),
            Event::HardBreak => self.text("\n"),
            Event::Rule => {
                self.start_block();
                let (first, _) = self.prefixes();
                self.push_lines(&format!(
                    "{first}{}",
                    "-".repeat(WIDTH.saturating_sub(first.len()).min(72))
                ));
            }
            Event::FootnoteReference(name) => self.text(&format!("[^{name}]")),
            Event::TaskListMarker(done) => self.text(if done { "[x] " } else { "[ ] " }),
            Event::InlineMath(t) | Event::DisplayMath(t) => self.text(&t),
        }
    }

    fn start(&mut self, tag: Tag) {
        match tag {
            Tag::Paragraph => self.start_block(),
            Tag::Heading { .. } => self.start_block(),
            Tag::BlockQuote(_) => {
                self.start_block();
                self.containers.push(Container::Quote);
            }
            Tag::CodeBlock(kind) => {
                self.start_block();
                let lang = match kind {
                    CodeBlockKind::Fenced(l) => l.to_string(),
                    CodeBlockKind::Indented => String::new(),
                };
                self.code = Some(lang);
                self.code.as_mut().map(|c| c.push('\n'));
            }
            Tag::List(start) => {
                self.flush_paragraph();
                if self.lists.is_empty() {
                    self.blank_line();
                }
                self.lists.push(List { next: start });
            }
            Tag::Item => {
                self.flush_paragraph();
                let marker = match self.lists.last_mut() {
                    Some(List { next: Some(n) }) => {
                        let m = format!("{n}. ");
                        *n += 1;
                        m
                    }
                    _ => "- ".to_string(),
                };
                let rest = " ".repeat(marker.len());
                self.containers.push(Container::Item {
                    first: marker,
                    rest,
                    started: false,
                });
            }
            Tag::Table(align) => {
                self.start_block();
                self.table = Some(Table {
                    align,
                    ..Table::default()
                });
            }
            Tag::TableHead => {
                if let Some(t) = &mut self.table {
                    t.in_head = true;
                    t.rows.push(Vec::new());
                }
            }
            Tag::TableRow => {
                if let Some(t) = &mut self.table {
                    t.rows.push(Vec::new());
                }
            }
            Tag::TableCell => self.inline.clear(),
            Tag::Emphasis if self.emphasis => self.text("*"),
            Tag::Strong if self.emphasis => self.text("**"),
            Tag::Strikethrough => self.text("~~"),
            Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. } => {
                self.link_stack.push((String::new(), dest_url.to_string()));
            }
            Tag::FootnoteDefinition(name) => {
                self.start_block();
                self.text(&format!("[^{name}]: "));
            }
            _ => {}
        }
    }

    fn link_number(&mut self, url: &str) -> usize {
        match self.links.iter().position(|u| u == url) {
            Some(i) => i + 1,
            None => {
                self.links.push(url.to_string());
                self.links.len()
            }
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Paragraph | TagEnd::FootnoteDefinition => self.flush_paragraph(),
            TagEnd::Heading(level) => {
                let hashes = "#".repeat(level as usize);
                self.inline = format!("{hashes} {}", self.inline.trim());
                self.flush_paragraph();
            }
            TagEnd::BlockQuote(_) => {
                self.flush_paragraph();
                self.containers.pop();
            }
            TagEnd::CodeBlock => {
                let body = self.code.take().unwrap_or_default();
                let (lang, code) = body.split_once('\n').unwrap_or(("", &body));
                let (first, rest) = self.prefixes();
                let mut block = format!("{first}```{lang}\n");
                for line in code.trim_end_matches('\n').lines() {
                    block.push_str(rest.trim_end());
                    if !line.is_empty() {
                        block.push_str(&rest[rest.trim_end().len()..]);
                        block.push_str(line);
                    }
                    block.push('\n');
                }
                block.push_str(&format!("{rest}```\n"));
                self.push_lines(&block);
            }
            TagEnd::List(_) => {
                self.flush_paragraph();
                self.lists.pop();
            }
            TagEnd::Item => {
                self.flush_paragraph();
                self.containers.pop();
            }
            TagEnd::TableCell => {
                let cell = std::mem::take(&mut self.inline)
                    .replace(GLUE, " ")
                    .trim()
                    .to_string();
                if let Some(row) = self.table.as_mut().and_then(|t| t.rows.last_mut()) {
                    row.push(cell);
                }
            }
            TagEnd::TableHead => {
                if let Some(t) = &mut self.table {
                    t.in_head = false;
                    t.head_rows = t.rows.len();
                }
            }
            TagEnd::Table => {
                if let Some(t) = self.table.take() {
                    let text = render_table(&t);
                    let (first, rest) = self.prefixes();
                    for (i, line) in text.lines().enumerate() {
                        let p = if i == 0 { &first } else { &rest };
                        self.out.push_str(&format!("{p}{line}\n"));
                    }
                }
            }
            TagEnd::Emphasis if self.emphasis => self.text("*"),
            TagEnd::Strong if self.emphasis => self.text("**"),
            TagEnd::Strikethrough => self.text("~~"),
            TagEnd::Link | TagEnd::Image => {
                if let Some((label, url)) = self.link_stack.pop() {
                    let shown = if label == url || label.is_empty() {
                        // An autolink shows its URL already; no reference needed.
                        url
                    } else {
                        let n = self.link_number(&url);
                        format!("{label}{GLUE}[{n}]")
                    };
                    self.text(&shown);
                }
            }
            _ => {}
        }
    }
}

fn render_table(t: &Table) -> String {
    let cols = t.rows.iter().map(Vec::len).max().unwrap_or(0);
    let width = |c: usize| {
        t.rows
            .iter()
            .filter_map(|r| r.get(c))
            .map(|s| s.chars().count())
            .max()
            .unwrap_or(0)
            .max(3)
    };
    let widths: Vec<usize> = (0..cols).map(width).collect();
    let mut out = String::new();
    for (i, row) in t.rows.iter().enumerate() {
        let cells: Vec<String> = (0..cols)
            .map(|c| {
                let s = row.get(c).map(String::as_str).unwrap_or("");
                let pad = widths[c] - s.chars().count();
                match t.align.get(c) {
                    Some(Alignment::Right) => format!("{}{s}", " ".repeat(pad)),
                    _ => format!("{s}{}", " ".repeat(pad)),
                }
            })
            .collect();
        out.push_str(&format!("| {} |\n", cells.join(" | ")).replace(" \n", "\n"));
        if i + 1 == t.head_rows {
            let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
            out.push_str(&format!("|-{}-|\n", rule.join("-|-")));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_and_lists_links() {
        let md = "## Overview\n\nThe quick brown fox jumps over the lazy dog and keeps running through the field until dusk, see [the report](https://example.org/report) and `std::fs::read dir`.\n\n- one [report](https://example.org/report)\n- two\n  continued\n\n1. first\n2. second\n\n> quoted text\n\n```rust\nfn main() {}\n\nlet x = 1;\n```\n\n| A | Bee |\n|---|---|\n| `x` | y |\n\n<https://example.org/auto>\n";
        let text = to_text(md);
        assert!(text.lines().all(|l| l.chars().count() <= WIDTH), "{text}");
        let expected = "## Overview

The quick brown fox jumps over the lazy dog and keeps running through
the field until dusk, see the report [1] and `std::fs::read dir`.

- one report [1]
- two continued

1. first
2. second

> quoted text

```rust
fn main() {}

let x = 1;
```

| A   | Bee |
|-----|-----|
| `x` | y   |

https://example.org/auto

[1]: https://example.org/report
";
        assert_eq!(text, expected);
    }

    #[test]
    fn code_spans_with_spaces_stay_within_the_width() {
        // Each glued space counts: this paragraph came out 74 columns wide
        // when they counted as nothing.
        let md = "Applications built with `panic = \"abort\"` terminate immediately instead of unwinding, and `a b c d e f g h i j k l m n o p` too.\n";
        let text = to_text(md);
        assert!(text.lines().all(|l| l.chars().count() <= WIDTH), "{text}");
        assert_eq!(
            text,
            "Applications built with `panic = \"abort\"` terminate immediately instead\nof unwinding, and `a b c d e f g h i j k l m n o p` too.\n"
        );
    }
}
