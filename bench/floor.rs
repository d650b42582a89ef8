//! The benchmark's floor: what any generator of the same site must at least
//! do, and nothing else. Each advisory's body is read, rendered to HTML with
//! pulldown-cmark (Herald's Markdown options) and written to
//! `OUT/<stem>/index.html`, in parallel on every core. No front matter is
//! parsed, no template applied, nothing checked: a build of the same pages
//! can only be slower.
//!
//! Herald's cold build is set against it as well as against Hugo, because
//! Hugo's time follows the disk and the machine from run to run far more
//! than this floor's does (see docs/internals.md).
//!
//!     cargo run --release --example floor -- ADVISORIES OUT

use std::path::{Path, PathBuf};

use pulldown_cmark::{Options, Parser};
use rayon::prelude::*;

fn main() {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let [advisories, out] = args.as_slice() else {
        eprintln!("usage: floor ADVISORIES OUT");
        std::process::exit(2);
    };
    let files: Vec<PathBuf> = walkdir::WalkDir::new(advisories)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "md"))
        .map(walkdir::DirEntry::into_path)
        .collect();
    let written = files
        .par_iter()
        .map(|file| page(file, out))
        .collect::<std::io::Result<Vec<()>>>();
    if let Err(e) = written {
        eprintln!("floor: {e}");
        std::process::exit(1);
    }
    println!("floor: {} pages into {}", files.len(), out.display());
}

fn page(file: &Path, out: &Path) -> std::io::Result<()> {
    let text = std::fs::read_to_string(file)?;
    // The body follows the front matter's closing `---` line.
    let body = text
        .strip_prefix("---\n")
        .and_then(|rest| rest.split_once("\n---\n"))
        .map_or(text.as_str(), |(_, body)| body);
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_HEADING_ATTRIBUTES;
    let mut html = String::with_capacity(body.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, Parser::new_ext(body, options));
    let stem = file.file_stem().unwrap_or_default();
    let dir = out.join(stem);
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join("index.html"), html)
}
