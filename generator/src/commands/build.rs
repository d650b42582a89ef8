//! `herald build`: the site and the outbox, signed when a key is given.

use std::collections::HashSet;
use std::io::IsTerminal;
use std::path::Path;

use jiff::Timestamp;

use super::Exit;
use crate::build::{self, BuildError};
use crate::signing::SigningKey;

/// The key from the environment, checked against the team key; `Err` when
/// one is set but unusable, so that nothing goes out signed by the wrong key.
pub fn team_signer(expected: &str) -> Result<Option<SigningKey>, Exit> {
    let key = SigningKey::from_env().map_err(|e| {
        eprintln!("error: {e}");
        Exit::Failure
    })?;
    if let Some(k) = &key {
        k.expect(expected).map_err(|e| {
            eprintln!("error: {e}");
            Exit::Failure
        })?;
        if k.is_rsa {
            eprintln!(
                "warning: the signing key {} is RSA; Herald's RSA implementation has a known timing side channel \
                 (RUSTSEC-2023-0071). Prefer an Ed25519 key (see docs/guide/signing.md).",
                k.fingerprint
            );
        }
    }
    Ok(key)
}

/// A signing key file inside the tree is one `git add` away from the
/// repository's history.
fn warn_of_a_key_inside(root: &Path) {
    let Some(path) = SigningKey::path_from_env() else {
        return;
    };
    let inside = std::fs::canonicalize(&path)
        .ok()
        .zip(std::fs::canonicalize(root).ok())
        .is_some_and(|(key, tree)| key.starts_with(tree));
    if inside {
        eprintln!(
            "warning: {} names `{}`, inside the tree: a secret key there is one `git add` away from the repository's history; keep it outside the tree, or in the CI's secrets",
            crate::signing::KEY_VAR,
            path.display()
        );
    }
}

/// The advisories and pre-announcements whose every action the ledger
/// records as settled: nothing of theirs can be sent any more. A ledger
/// that cannot be read settles nothing (`check` reports it).
pub fn settled(
    ledgers: &crate::ledger::Ledgers,
    project: &crate::model::Project,
) -> HashSet<String> {
    use rayon::prelude::*;
    let cfg = &project.config;
    // Settled: every action done, adopted or missed, and no revision
    // (`updated`) still to carry to a GHSA or CVE record that took the
    // first text.
    let all_settled = |slug: &str, channels: Vec<String>, revision: Option<String>| {
        ledgers.get(slug).is_some_and(|l| {
            channels.iter().all(|c| {
                let takes_updates = c.starts_with("ghsa:") || c.starts_with("cve:");
                l.state(c).is_settled()
                    && !(takes_updates
                        && l.state(c) == crate::ledger::State::Done
                        && revision.is_some()
                        && l.get(c, "revision") != revision.as_deref())
            })
        })
    };
    let advisories = project.advisories.par_iter().filter_map(|d| {
        let a = &d.meta;
        let channels = crate::timeline::advisory_actions(a, cfg)
            .into_iter()
            .map(|x| x.channel.name())
            .collect();
        let revision = a.revision().map(crate::model::Moment::utc_rfc3339);
        all_settled(a.slug.as_str(), channels, revision).then(|| a.slug.to_string())
    });
    let pres = project.pre_announcements.par_iter().filter_map(|d| {
        let channels = crate::timeline::pre_announcement_channels(&cfg.channels);
        all_settled(d.meta.slug.as_str(), channels, None).then(|| d.meta.slug.to_string())
    });
    advisories.chain(pres).collect()
}

/// Which advisories the outbox holds the texts of, besides those with
/// something still to send.
pub enum Settled {
    /// None: nothing of theirs can be sent (`herald build`).
    Left,
    /// All of them (`herald build --outbox-all`).
    All,
    /// These, by slug (`herald outbox SLUG…`), for review or re-sending.
    These(Vec<String>),
}

/// `herald build` (with `out`), or `herald outbox` (without).
pub fn run(
    root: &Path,
    now: Option<Timestamp>,
    out: Option<&Path>,
    outbox: Option<&Path>,
    also: Settled,
    public_source: bool,
) -> Exit {
    if let Err(e) = crate::output::folders::check(root, out, outbox) {
        eprintln!("error: {e}");
        return Exit::Failure;
    }
    if let (Some(at), Some(out)) = (now, out) {
        if super::off_the_clock(at).is_some_and(|(off, _)| off > 0) {
            eprintln!(
                "warning: --now {at} is ahead of this machine's clock: `{}` will show what is under embargo today as published; never deploy it (`herald serve --embargoed` previews without that risk)",
                out.display()
            );
        }
    }
    let now = now.unwrap_or_else(Timestamp::now);
    // The site shows nothing of the ledgers or of when texts are due.
    let timeline = match outbox {
        Some(_) => super::Timeline::Warn,
        None => super::Timeline::Skip,
    };
    let super::Loaded {
        project, ledgers, ..
    } = match super::load_and_lint(root, now, timeline, false, super::Format::Human) {
        Ok(v) => v,
        Err(exit) => return exit,
    };
    if let Err(exit) = super::guard_source(&project, now, public_source) {
        return exit;
    }
    if let Settled::These(slugs) = &also {
        for slug in slugs {
            if let Err(msg) = super::ledger::known_slug(&project, slug) {
                eprintln!("error: {msg}");
                return Exit::Failure;
            }
        }
    }
    warn_of_a_key_inside(root);
    let signer = match outbox {
        Some(_) => match team_signer(&project.public_key.fingerprint) {
            Ok(s) => s,
            Err(exit) => return exit,
        },
        None => None,
    };
    if outbox.is_some() && signer.is_none() {
        eprintln!(
            "warning: {} is not set: the announcements are unsigned, and publish will refuse to send them",
            crate::signing::KEY_VAR
        );
    }
    let settled = match (&also, outbox) {
        (_, None) | (Settled::All, _) => HashSet::new(),
        (Settled::Left, Some(_)) => settled(&ledgers, &project),
        (Settled::These(slugs), Some(_)) => {
            let mut s = settled(&ledgers, &project);
            for slug in slugs {
                if s.remove(slug) {
                    eprintln!("herald: {slug}: every action is settled in the ledger; its texts are rendered for review, and publish sends nothing of them");
                }
            }
            s
        }
    };
    let opts = build::Options {
        now,
        // `join` keeps an absolute path as it is.
        out: out.map(|o| root.join(o)),
        outbox: outbox.map(|o| root.join(o)),
        signer,
        preview_embargoed: false,
        settled,
        progress: show_progress(&project).then_some(phase as fn(&str)),
        wall: crate::build::WallFrom::Fresh(crate::secrets::Secrets::from_env()),
    };
    // Their memory goes back before the build needs its own.
    drop(ledgers);
    match build::build(&project, &opts) {
        Ok(r) => {
            if let Some(out) = &opts.out {
                eprintln!(
                    "herald: built {} files into {} ({} unchanged, {} of them kept unrendered; {} published, {} under embargo, {} pre-announcements public)",
                    r.files,
                    out.display(),
                    r.unchanged,
                    r.kept,
                    r.published,
                    r.embargoed,
                    r.pre_announcements
                );
            }
            if let Some(dir) = &opts.outbox {
                let signed = if opts.signer.is_some() {
                    "signed"
                } else {
                    "UNSIGNED"
                };
                eprintln!(
                    "herald: wrote {} channel files into {} ({} unchanged, {} of them kept unrendered; {signed}; private: never deploy it)",
                    r.outbox_files,
                    dir.display(),
                    r.outbox_unchanged,
                    r.outbox_kept
                );
                if r.outbox_settled > 0 {
                    eprintln!(
                        "herald: left out the texts of {} advisories and pre-announcements whose every action the ledger settles; `herald outbox SLUG` renders one, `--outbox-all` all",
                        r.outbox_settled
                    );
                }
            }
            Exit::Ok
        }
        Err(BuildError::Leaks(leaks)) => {
            for l in &leaks {
                eprintln!("error: embargo leak: {l}");
            }
            eprintln!("herald: {}", BuildError::Leaks(leaks));
            Exit::Findings
        }
        Err(e @ (BuildError::Render(_) | BuildError::Channel(_) | BuildError::Theme(..))) => {
            eprintln!("error: {e}");
            eprintln!("herald: nothing was written");
            Exit::Findings
        }
        Err(e) => {
            eprintln!("error: {e}");
            Exit::Failure
        }
    }
}

/// Phases are worth telling a person only on a tree that takes a while,
/// and only at a terminal: logs and pipes get the summary alone.
fn show_progress(project: &crate::model::Project) -> bool {
    const LARGE: usize = 300;
    std::io::stderr().is_terminal()
        && project.advisories.len() + project.pre_announcements.len() >= LARGE
}

fn phase(what: &str) {
    eprintln!("herald: {what}…");
}
