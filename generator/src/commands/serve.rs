//! `herald serve`: build, serve on 127.0.0.1, rebuild when a source changes.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use jiff::Timestamp;

use super::{load_checked, Exit};
use crate::build;

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

fn rebuild(root: &Path, out: &Path, now: Option<Timestamp>, embargoed: bool) -> bool {
    let now = now.unwrap_or_else(Timestamp::now);
    let Ok((project, _)) = load_checked(root, now, false) else {
        eprintln!("herald serve: the tree has errors; still serving the last good build");
        return false;
    };
    let opts = build::Options {
        settled: Default::default(),
        now,
        out: out.to_path_buf(),
        outbox: None,
        signer: None,
        preview_embargoed: embargoed,
    };
    match build::build(&project, &opts) {
        Ok(r) => {
            eprintln!("herald serve: built {} files", r.files);
            true
        }
        Err(e) => {
            eprintln!("error: {e}");
            false
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
    if !rebuild(root, &out, now, embargoed) {
        return Exit::Findings;
    }
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
    std::thread::spawn(move || crate::serve::serve(listener, served));
    let mut last = fingerprint(root);
    loop {
        std::thread::sleep(Duration::from_millis(300));
        let now_fp = fingerprint(root);
        if now_fp != last {
            last = now_fp;
            rebuild(root, &out, now, embargoed);
        }
    }
}
