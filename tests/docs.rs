//! Every internal link of the README and the guide resolves: the file it
//! names exists, and so does the heading its `#fragment` names.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use pulldown_cmark::{Event, Parser, Tag, TagEnd};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The anchors GitHub gives a file's headings: lower case, spaces to
/// dashes, punctuation dropped, `-1`, `-2`… for repeats.
fn anchors(markdown: &str) -> HashSet<String> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut out = HashSet::new();
    let mut text: Option<String> = None;
    for event in Parser::new(markdown) {
        match event {
            Event::Start(Tag::Heading { .. }) => text = Some(String::new()),
            Event::Text(t) | Event::Code(t) => {
                if let Some(h) = text.as_mut() {
                    h.push_str(&t);
                }
            }
            Event::End(TagEnd::Heading(_)) => {
                let h = text.take().unwrap_or_default();
                let slug: String = h
                    .to_lowercase()
                    .chars()
                    .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
                    .map(|c| if c == ' ' { '-' } else { c })
                    .collect();
                let n = seen.entry(slug.clone()).or_insert(0);
                out.insert(if *n == 0 {
                    slug.clone()
                } else {
                    format!("{slug}-{n}")
                });
                *n += 1;
            }
            _ => {}
        }
    }
    out
}

fn links(markdown: &str) -> Vec<String> {
    Parser::new(markdown)
        .filter_map(|e| match e {
            Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) => {
                Some(dest_url.to_string())
            }
            _ => None,
        })
        .collect()
}

/// The README, and every Markdown file under `docs/` (the guide's chapters
/// included).
fn documents() -> Vec<PathBuf> {
    let mut docs = vec![root().join("README.md")];
    for e in walkdir::WalkDir::new(root().join("docs")).sort_by_file_name() {
        let p = e.expect("entry").into_path();
        if p.extension().is_some_and(|x| x == "md") {
            docs.push(p);
        }
    }
    docs
}

#[test]
fn every_internal_link_of_the_readme_and_the_guide_resolves() {
    let mut broken = Vec::new();
    let mut checked = 0;
    for doc in documents() {
        let text = std::fs::read_to_string(&doc).expect("read");
        for link in links(&text) {
            if link.contains("://") || link.starts_with("mailto:") {
                continue;
            }
            checked += 1;
            let (file, fragment) = link.split_once('#').unwrap_or((&link, ""));
            let target = if file.is_empty() {
                doc.clone()
            } else {
                doc.parent().expect("folder").join(file)
            };
            if !target.exists() {
                broken.push(format!(
                    "{}: `{link}`: no file {}",
                    doc.display(),
                    target.display()
                ));
                continue;
            }
            if !fragment.is_empty() {
                let target_text = std::fs::read_to_string(&target).unwrap_or_default();
                if !anchors(&target_text).contains(fragment) {
                    broken.push(format!(
                        "{}: `{link}`: no heading `#{fragment}`",
                        doc.display()
                    ));
                }
            }
        }
    }
    assert!(
        checked > 20,
        "only {checked} internal links: the parser missed them"
    );
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}

#[test]
fn the_anchor_rules_are_githubs() {
    let a = anchors(
        "# Errors and what they mean\n## `herald.yaml`\n## The embargo wall\n## The embargo wall\n",
    );
    for want in [
        "errors-and-what-they-mean",
        "heraldyaml",
        "the-embargo-wall",
        "the-embargo-wall-1",
    ] {
        assert!(a.contains(want), "{want} in {a:?}");
    }
}
