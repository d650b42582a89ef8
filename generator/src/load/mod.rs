//! Reading a Herald tree from disk into a validated `Project`.
//!
//! This is the only module of the build that reads files. Every problem in
//! every file is collected; a project is returned only when there are none.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use walkdir::WalkDir;

use crate::diag::{file_error, Finding, Findings, Pos, Source};
use crate::fields::Decoder;
use crate::frontmatter;
use crate::model::{
    advisory, config, page, pre_announcement, Advisory, Config, Document, Page, PreAnnouncement,
    Project, Slug,
};
use crate::yaml::{self, Offset};

mod key;
mod patches;
mod refusals;
mod relative_links;
mod themes;

use key::load_key;
use patches::load_patches;
use refusals::{refuse_credentials, refuse_private_keys};
use relative_links::resolve_links;
use themes::load_theme;

pub const CONFIG_FILE: &str = "herald.yaml";

/// A missing front-matter field is reported on the opening `---`.
const FENCE: Pos = Pos {
    line: 1,
    col: 1,
    len: 3,
};

/// One parsed file of `advisories/`.
#[derive(Clone)]
enum Entry {
    Advisory(Document<Advisory>),
    Pre(Document<PreAnnouncement>),
}

type Parse = Result<(Entry, Vec<Finding>), Vec<Finding>>;

/// What parsing each file of `advisories/` gave, kept by `herald serve`
/// between rebuilds, so that a rebuild parses only the files whose text
/// changed (most of a load's time: YAML, and the Markdown safety check).
/// Parsing reads nothing but the file's path and text, so the text, kept
/// and compared whole, is the key: a file saved twice in one tick of the
/// clock at the same size is still seen to change, which a modification
/// time would miss. Files that could not be read are not kept.
#[derive(Default)]
pub struct Parsed(HashMap<PathBuf, Kept>);

/// A file's text and what parsing it gave.
type Kept = (Arc<str>, Arc<Parse>);

/// Load and validate everything under `root`. Warnings ride along with a
/// successful load; any error fails it.
pub fn load(root: &Path) -> Result<(Project, Findings), Findings> {
    load_reusing(root, None)
}

/// [`load`], parsing again only the advisory files whose text differs
/// from what `parsed` holds, and leaving in it what this load parsed.
pub fn load_reusing(
    root: &Path,
    parsed: Option<&mut Parsed>,
) -> Result<(Project, Findings), Findings> {
    let mut findings = Findings::default();
    let config = load_config(root, &mut findings);

    let advisory_files = markdown_files(root, "advisories", &mut findings);
    let page_files = markdown_files(root, "content", &mut findings);

    let entries: Vec<Parse> = match parsed {
        None => advisory_files
            .par_iter()
            .map(|path| read_entry(root, path))
            .collect(),
        Some(parsed) => reparse(root, &advisory_files, parsed),
    };
    crate::timings::mark("load: advisories parsed");
    let pages: Vec<Result<(Document<Page>, Vec<Finding>), Vec<Finding>>> = page_files
        .par_iter()
        .map(|path| read_page(root, path))
        .collect();

    // Sized once: doubling a vector of 10,000 documents kept 12 MB where
    // 7 would do.
    let mut advisories = Vec::with_capacity(entries.len());
    let mut pres = Vec::new();
    // The slugs of advisory files that did not load: their own errors say
    // why, and a pre-announcement naming one is not wrong for it.
    let mut unloaded = std::collections::HashSet::new();
    for (r, path) in entries.into_iter().zip(&advisory_files) {
        if r.is_err() {
            unloaded.extend(stem_slug(path));
        }
        match r {
            Ok((Entry::Advisory(a), w)) => {
                advisories.push(a);
                findings.extend(w);
            }
            Ok((Entry::Pre(p), w)) => {
                pres.push(p);
                findings.extend(w);
            }
            Err(errs) => findings.extend(errs),
        }
    }
    let mut page_docs = Vec::new();
    for r in pages {
        match r {
            Ok((p, w)) => {
                page_docs.push(p);
                findings.extend(w);
            }
            Err(errs) => findings.extend(errs),
        }
    }

    crate::crosscheck::check(&advisories, &pres, &page_docs, &unloaded, &mut findings);
    crate::timings::mark("load: crosschecked");
    if let Some((config, _)) = &config {
        resolve_links(
            config,
            &mut advisories,
            &mut pres,
            &page_docs,
            &unloaded,
            &mut findings,
        );
    }
    if let Some((config, _)) = &config {
        if config.channels.announcements.is_none() {
            for doc in advisories.iter().filter(|d| d.meta.update_mail) {
                findings.push(
                    doc.source
                        .error(doc.meta.spans.updated, "`update-mail: true`, but herald.yaml has no `channels.announcements` to mail the revision to")
                        .with_code("field")
                        .with_help("remove `update-mail`, or add the announcement list to herald.yaml"),
                );
            }
        }
        if config.toolchain.is_none() {
            for doc in advisories.iter().filter(|d| d.meta.toolchain.is_some()) {
                findings.push(
                    doc.source
                        .error(doc.meta.spans.toolchain, "`toolchain` versions, but herald.yaml names no toolchain").with_code("field")
                        .with_help("add `toolchain: { name: Rust, components: [standard library, cargo] }` to herald.yaml"),
                );
            }
        }
    }

    crate::timings::mark("load: links resolved");
    for source in advisories
        .iter()
        .map(|d| &d.source)
        .chain(pres.iter().map(|d| &d.source))
        .chain(page_docs.iter().map(|d| &d.source))
    {
        refuse_private_keys(source, &mut findings);
    }
    if let Some((_, cfg_src)) = &config {
        for f in refuse_credentials(cfg_src) {
            findings.push(f);
        }
    }

    let (theme, public_key, patches) = match &config {
        Some((config, cfg_src)) => (
            load_theme(root, config, cfg_src, &mut findings),
            load_key(root, config, cfg_src, &mut findings),
            load_patches(
                root,
                &advisories,
                config.rules.max_patch_bytes,
                &mut findings,
            ),
        ),
        None => (None, None, Vec::new()),
    };

    crate::timings::mark("load: keys, theme, patches");
    findings.sort();
    if findings.has_errors() {
        return Err(findings);
    }
    let (Some((config, config_source)), Some(theme), Some(public_key)) =
        (config, theme, public_key)
    else {
        return Err(findings);
    };
    Ok((
        Project {
            root: root.to_path_buf(),
            config,
            config_source,
            advisories,
            pre_announcements: pres,
            pages: page_docs,
            theme,
            public_key,
            patches,
        },
        findings,
    ))
}

/// Only `herald.yaml`, validated: for commands that need the settings but
/// not the content (which may not exist yet).
pub fn load_config_only(root: &Path) -> Result<Config, String> {
    let mut findings = Findings::default();
    match load_config(root, &mut findings) {
        Some((config, _)) => Ok(config),
        None => Err(findings
            .iter()
            .map(|f| f.to_string())
            .collect::<String>()
            .trim_end()
            .to_string()),
    }
}

/// The largest text file Herald reads. An advisory is a few kilobytes;
/// every channel renders it again, so a file of hundreds of megabytes
/// would take gigabytes of a CI runner's memory before any check spoke.
pub const SOURCE_LIMIT: u64 = 8 << 20;

/// Read a file as UTF-8 text, with its path shown relative to the root.
pub(super) fn read_source(root: &Path, path: &Path) -> Result<Source, Finding> {
    use std::io::Read;
    let shown = path.strip_prefix(root).unwrap_or(path).to_path_buf();
    let cannot =
        |e: std::io::Error| file_error(&shown, format!("cannot read: {e}")).with_code("file");
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(SOURCE_LIMIT + 1).read_to_end(&mut bytes))
        .map_err(cannot)?;
    if bytes.len() as u64 > SOURCE_LIMIT {
        return Err(file_error(
            &shown,
            format!("the file is larger than {SOURCE_LIMIT} bytes, the most Herald reads of a text file"),
        )
        .with_code("file")
        .with_help("an advisory is a few kilobytes: split it, or move long material to a linked page"));
    }
    let text = frontmatter::decode_utf8(&shown, bytes)?;
    Ok(Source::new(shown, text))
}

fn load_config(root: &Path, findings: &mut Findings) -> Option<(Config, Arc<Source>)> {
    let path = root.join(CONFIG_FILE);
    if !path.exists() {
        findings.push(
            file_error(
                Path::new(CONFIG_FILE),
                "not found: every Herald tree needs one at its root",
            ).with_code("file")
            .with_help(
                "run herald inside a tree (any folder of it), or pass --root DIR; docs/guide/configuration.md shows a complete herald.yaml (Herald's own repository has one)",
            ),
        );
        return None;
    }
    let src = match read_source(root, &path) {
        Ok(s) => s,
        Err(f) => {
            findings.push(f);
            return None;
        }
    };
    decode_config(src, findings)
}

/// `herald.yaml`'s text as `load` would judge it, for a config made in
/// memory (`herald init`) before anything is written.
pub fn judge_config(text: &str) -> Result<Config, String> {
    let mut findings = Findings::default();
    decode_config(Source::new(CONFIG_FILE, text.to_string()), &mut findings)
        .map(|(c, _)| c)
        .ok_or_else(|| {
            findings
                .iter()
                .map(|f| f.to_string())
                .collect::<String>()
                .trim_end()
                .to_string()
        })
}

fn decode_config(src: Source, findings: &mut Findings) -> Option<(Config, Arc<Source>)> {
    let node = match yaml::parse(&src, &src.text, Offset { lines: 0 }) {
        Ok(n) => n,
        Err(f) => {
            findings.push(f);
            return None;
        }
    };
    let mut d = Decoder::new(&src);
    let config = config::decode(&mut d, &node);
    let ok = !d.has_errors();
    findings.extend(d.findings);
    if ok {
        config.map(|c| (c, Arc::new(src)))
    } else {
        None
    }
}

/// Every `*.md` under `root/dir`, sorted so that output never depends on
/// the order the file system lists them in.
fn markdown_files(root: &Path, dir: &str, findings: &mut Findings) -> Vec<PathBuf> {
    let base = root.join(dir);
    if !base.exists() {
        return Vec::new();
    }
    let mut files = Vec::new();
    let canonical = crate::tree::canonical_root(root);
    for entry in WalkDir::new(&base).sort_by_file_name() {
        let e = match entry {
            Ok(e) => e,
            Err(e) => {
                let p = e.path().unwrap_or(&base);
                findings.push(
                    file_error(
                        p.strip_prefix(root).unwrap_or(p),
                        format!("cannot read: {e}"),
                    )
                    .with_code("file"),
                );
                continue;
            }
        };
        let is_md = e.path().extension().is_some_and(|x| x == "md");
        match walked(root, &canonical, &e) {
            Ok(Walked::File) if is_md => files.push(e.path().to_path_buf()),
            // A pipe or a device named `*.md` would hang the read or be
            // skipped in silence, and its advisory never announced.
            Ok(Walked::Other) if is_md => {
                findings.push(not_regular(e.path().strip_prefix(root).unwrap_or(e.path())))
            }
            Ok(_) => {}
            Err(f) => findings.push(f),
        }
    }
    files
}

/// What an entry met while walking a folder of the tree is.
pub(super) enum Walked {
    /// A regular file, or a link to one inside the tree.
    File,
    /// A folder, walked in its turn.
    Dir,
    /// A pipe, a socket, a device, or a link to one.
    Other,
}

/// What `e` is, a link followed inside the tree only. A link to a folder
/// is refused: the walk does not follow it, so every file under it would
/// be left out in silence (an advisory never announced, a theme's
/// template replaced by the built-in one).
pub(super) fn walked(
    root: &Path,
    canonical: &Path,
    e: &walkdir::DirEntry,
) -> Result<Walked, Finding> {
    let shown = e.path().strip_prefix(root).unwrap_or(e.path());
    if !e.path_is_symlink() {
        let t = e.file_type();
        return Ok(if t.is_file() {
            Walked::File
        } else if t.is_dir() {
            Walked::Dir
        } else {
            Walked::Other
        });
    }
    let target = crate::tree::follow_inside(canonical, e.path(), &shown.to_string_lossy())
        .map_err(|why| file_error(shown, why).with_code("file"))?;
    if target.is_dir() {
        let why = format!(
            "`{}` is a symbolic link to a folder, which Herald does not follow: every file under it would be left out. Move the folder here, or link each file",
            shown.display()
        );
        return Err(file_error(shown, why).with_code("file"));
    }
    Ok(if target.is_file() {
        Walked::File
    } else {
        Walked::Other
    })
}

pub(super) fn not_regular(shown: &Path) -> Finding {
    let why = format!(
        "`{}` is not a regular file (a pipe, a socket or a device); Herald reads only regular files",
        shown.display()
    );
    file_error(shown, why).with_code("file")
}

pub(super) fn stem_slug(path: &Path) -> Option<Slug> {
    path.file_stem()
        .and_then(|s| s.to_str())
        .and_then(|s| Slug::from_file_stem(s).ok())
}

/// A file's text split and its front matter opened, ready for a decoder.
fn open_document<T>(
    src: Source,
    decode: impl FnOnce(&mut Decoder, &yaml::Node) -> Option<T>,
) -> Result<(Document<T>, Vec<Finding>), Vec<Finding>> {
    let split = frontmatter::split(&src).map_err(|f| vec![f])?;
    let mut d = Decoder::new(&src);
    let meta = decode(&mut d, &split.front);
    if split.body.trim().is_empty() {
        d.error(
            Pos::new(split.body_line.min(src.text.lines().count().max(1)), 1, 1),
            "the Markdown body is empty",
        );
    }
    // Here rather than with the private keys: documents are opened in
    // parallel, and a file whose text is unchanged is not opened again.
    d.findings.extend(refuse_credentials(&src));
    let mut links = crate::relative::Links::default();
    d.findings.extend(crate::safety::check_body(
        &src,
        split.body,
        split.body_line,
        &mut links,
    ));
    // `split.body` is the tail of the source text.
    let start = src.text.len() - split.body.len();
    let body = crate::model::Body::new(src.text.clone(), start);
    let body_line = split.body_line;
    let findings = d.findings;
    match meta {
        Some(meta) if !findings.iter().any(Finding::is_error) => Ok((
            Document {
                meta,
                body,
                links,
                resolved: None,
                body_line,
                source: Arc::new(src),
                memo: Default::default(),
            },
            findings,
        )),
        _ => Err(findings),
    }
}

/// Each of `files` parsed, or as `parsed` holds it when its text is the
/// same; `parsed` is left holding these files only. Each parse is copied
/// once: the project's documents are its own, as resolving links edits
/// them.
fn reparse(root: &Path, files: &[PathBuf], parsed: &mut Parsed) -> Vec<Parse> {
    let before = std::mem::take(&mut parsed.0);
    let now: Vec<Result<Kept, Finding>> = files
        .par_iter()
        .map(|path| {
            let src = read_source(root, path)?;
            Ok(match before.get(path) {
                Some((text, parse)) if *text == src.text => (src.text, parse.clone()),
                _ => (src.text.clone(), Arc::new(parse_entry(src))),
            })
        })
        .collect();
    drop(before);
    let out = now
        .par_iter()
        .map(|kept| match kept {
            Ok((_, parse)) => Parse::clone(parse),
            Err(f) => Err(vec![f.clone()]),
        })
        .collect();
    parsed.0 = files
        .iter()
        .cloned()
        .zip(now)
        .filter_map(|(path, kept)| Some((path, kept.ok()?)))
        .collect();
    out
}

fn read_entry(root: &Path, path: &Path) -> Result<(Entry, Vec<Finding>), Vec<Finding>> {
    let src = read_source(root, path).map_err(|f| vec![f])?;
    parse_entry(src)
}

/// An advisory or pre-announcement file's bytes, as `load` judges them:
/// its warnings when it is valid, else its findings. It reads nothing
/// else (patches are read when the project is assembled), so it can be
/// fed anything; the fuzz harness does.
pub fn judge_entry(path: &Path, bytes: Vec<u8>) -> Result<Vec<Finding>, Vec<Finding>> {
    let text = frontmatter::decode_utf8(path, bytes).map_err(|f| vec![f])?;
    parse_entry(Source::new(path.to_path_buf(), text)).map(|(_, w)| w)
}

fn parse_entry(src: Source) -> Result<(Entry, Vec<Finding>), Vec<Finding>> {
    let stem = stem_slug(&src.path);
    let mut is_pre = false;
    let (doc, w) = open_document(src, |d, front| {
        let mut fields = d.map_any(front, "front matter")?;
        fields.pos = FENCE;
        let kind = d.required(&fields, "kind").and_then(|n| {
            d.parse(n, |s| match s {
                "advisory" | "pre-announcement" => Ok(s.to_string()),
                _ => Err(format!(
                    "unknown kind `{s}`: expected `advisory` or `pre-announcement`"
                )),
            })
        })?;
        is_pre = kind == "pre-announcement";
        let allowed = if is_pre {
            pre_announcement::FIELDS
        } else {
            advisory::FIELDS
        };
        let what = if is_pre {
            "pre-announcement front matter"
        } else {
            "advisory front matter"
        };
        let mut fields = d.map(front, allowed, what)?;
        fields.pos = FENCE;
        if is_pre {
            pre_announcement::decode(d, &fields, stem).map(Either::Pre)
        } else {
            advisory::decode(d, &fields, stem).map(Either::Advisory)
        }
    })?;
    let Document {
        meta,
        body,
        links,
        body_line,
        source,
        ..
    } = doc;
    let entry = match meta {
        Either::Advisory(a) => Entry::Advisory(Document {
            meta: a,
            body,
            links,
            resolved: None,
            body_line,
            source,
            memo: Default::default(),
        }),
        Either::Pre(p) => Entry::Pre(Document {
            meta: p,
            body,
            links,
            resolved: None,
            body_line,
            source,
            memo: Default::default(),
        }),
    };
    Ok((entry, w))
}

enum Either {
    Advisory(Advisory),
    Pre(PreAnnouncement),
}

fn read_page(root: &Path, path: &Path) -> Result<(Document<Page>, Vec<Finding>), Vec<Finding>> {
    let stem = stem_slug(path);
    let src = read_source(root, path).map_err(|f| vec![f])?;
    open_document(src, |d, front| {
        let mut fields = d.map(front, page::FIELDS, "page front matter")?;
        fields.pos = FENCE;
        page::decode(d, &fields, stem)
    })
}

pub(super) fn config_pos(src: &Source, needle: &str) -> Pos {
    src.text
        .lines()
        .enumerate()
        .find_map(|(i, l)| l.find(needle).map(|c| Pos::new(i + 1, c + 1, needle.len())))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reload_parses_again_only_the_files_whose_text_changed() {
        let tree = crate::testgen::example_tree();
        let mut parsed = Parsed::default();
        load_reusing(tree.path(), Some(&mut parsed)).expect("the examples load");
        let first: HashMap<PathBuf, Arc<Parse>> = parsed
            .0
            .iter()
            .map(|(path, (_, parse))| (path.clone(), parse.clone()))
            .collect();
        assert!(first.len() >= 2, "{first:?}", first = first.keys());
        let edited = first.keys().min().expect("a file").clone();
        let text = std::fs::read_to_string(&edited).expect("read");
        std::fs::write(&edited, format!("{text}\nOne more line.\n")).expect("write");

        let (project, _) = load_reusing(tree.path(), Some(&mut parsed)).expect("loads");
        assert_eq!(parsed.0.len(), first.len());
        for (path, (_, parse)) in &parsed.0 {
            assert_eq!(
                Arc::ptr_eq(parse, &first[path]),
                *path != edited,
                "{}",
                path.display()
            );
        }
        let shown = edited.strip_prefix(tree.path()).expect("prefix");
        let doc = project
            .advisories
            .iter()
            .find(|d| d.source.path == shown)
            .expect("the edited advisory");
        assert!(doc.body.contains("One more line."));
        // What a fresh load makes of the edited tree, the reload made too.
        let (fresh, _) = load(tree.path()).expect("loads");
        let bodies = |p: &Project| -> Vec<String> {
            p.advisories.iter().map(|d| d.text().to_string()).collect()
        };
        assert_eq!(bodies(&project), bodies(&fresh));
    }
}
