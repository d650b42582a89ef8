//! `herald serve`: build, serve on 127.0.0.1, rebuild when a source changes.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use jiff::Timestamp;

use super::{load_and_lint_reusing, Exit, Format, Loaded, Timeline};
use crate::build;
use crate::embargo::Walls;
use crate::load::Parsed;
use crate::model::Project;

/// The newest modification time and the number of files under the sources:
/// a change in either means "rebuild".
fn fingerprint(root: &Path) -> (Option<SystemTime>, usize) {
    let mut newest = None;
    let mut count = 0;
    let mut look = |p: &Path| {
        if let Ok(m) = std::fs::metadata(p).and_then(|m| m.modified()) {
            newest = newest.max(Some(m));
            count += 1;
        }
    };
    look(&root.join(crate::load::CONFIG_FILE));
    for dir in ["advisories", "content", "themes", "keys"] {
        for e in walkdir::WalkDir::new(root.join(dir))
            .into_iter()
            .filter_map(Result::ok)
        {
            look(e.path());
        }
    }
    (newest, count)
}

/// Load the tree again and build the preview; the error, as the terminal
/// shows it, when it fails. `parsed` keeps the advisory files parsed by
/// the last rebuild, which this one parses again only where their text
/// changed, and `walls` the last wall, kept when no edit changed what it
/// reads.
fn rebuild(
    root: &Path,
    out: &Path,
    now: Option<Timestamp>,
    embargoed: bool,
    parsed: &mut Parsed,
    walls: &Arc<Walls>,
) -> Result<(), String> {
    crate::timings::mark("serve: rebuilding");
    let now = now.unwrap_or_else(Timestamp::now);
    let project = match crate::load::load_reusing(root, Some(parsed)) {
        Ok((project, _)) => project,
        Err(findings) => {
            let text: String = findings.iter().map(|f| f.to_string()).collect();
            eprint!("{text}");
            eprintln!("herald serve: the tree has errors; still serving the last good build");
            return Err(text);
        }
    };
    preview(&project, out, now, embargoed, walls)
}

/// Build the preview of `project` at `now` into `out`.
fn preview(
    project: &Project,
    out: &Path,
    now: Timestamp,
    embargoed: bool,
    walls: &Arc<Walls>,
) -> Result<(), String> {
    let opts = build::Options {
        settled: Default::default(),
        now,
        out: Some(out.to_path_buf()),
        outbox: None,
        signer: None,
        preview_embargoed: embargoed,
        progress: None,
        wall: build::WallFrom::Kept(walls.clone()),
    };
    match build::build(project, &opts) {
        Ok(r) => {
            eprintln!(
                "herald serve: built {} files ({} kept unrendered)",
                r.files, r.kept
            );
            Ok(())
        }
        Err(e) => {
            let text = match &e {
                build::BuildError::Leaks(leaks) => leaks
                    .iter()
                    .map(|l| format!("error: embargo leak: {l}\n"))
                    .chain(std::iter::once(format!("{e}\n")))
                    .collect(),
                _ => format!("error: {e}\n"),
            };
            eprint!("{text}");
            Err(text)
        }
    }
}

pub fn run(root: &Path, port: u16, now: Option<Timestamp>, embargoed: bool) -> Exit {
    // The embargoed preview never goes where a deploy could pick it up.
    let out: PathBuf = if embargoed {
        root.join(".herald-preview")
    } else {
        root.join("public")
    };
    // The first build must succeed, with its findings shown as check
    // shows them; later failures are reported on the open pages.
    let first = now.unwrap_or_else(Timestamp::now);
    let mut parsed = Parsed::default();
    // `public/` is the folder a deploy takes: no secret of this
    // environment goes into it, as with `herald build`; nor into the
    // embargoed preview, which shows what will go out.
    let walls = Arc::new(Walls::new(crate::secrets::Secrets::from_env()));
    let loaded = load_and_lint_reusing(
        root,
        first,
        Timeline::Warn,
        false,
        Format::Human,
        Some(&mut parsed),
    );
    let Ok(Loaded { project, .. }) = loaded else {
        return Exit::Findings;
    };
    if preview(&project, &out, first, embargoed, &walls).is_err() {
        return Exit::Findings;
    }
    // Rebuilds load their own; the model of a large tree is most of the
    // memory this process would otherwise hold while it waits.
    drop(project);
    let listener = match TcpListener::bind(("127.0.0.1", port)) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: cannot listen on 127.0.0.1:{port}: {e}");
            return Exit::Failure;
        }
    };
    let addr = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    if embargoed {
        eprintln!(
            "herald serve: EMBARGOED PREVIEW (never deployed) from {}",
            out.display()
        );
    }
    println!("http://{addr}/");
    eprintln!("herald serve: serving http://{addr}/; rebuilding on change; Ctrl-C stops");
    let served = out.clone();
    let rebuilds = std::sync::Arc::new(crate::serve::Rebuilds::default());
    let listening = rebuilds.clone();
    std::thread::spawn(move || crate::serve::serve(listener, served, Some(listening)));
    let mut last = fingerprint(root);
    loop {
        std::thread::sleep(Duration::from_millis(300));
        let now_fp = fingerprint(root);
        if now_fp != last {
            last = now_fp;
            rebuilds.finished(rebuild(root, &out, now, embargoed, &mut parsed, &walls));
        }
    }
}
