//! Reading the outbox: its manifests, and the files they name.
//!
//! The build stamp vouches for the tree the outbox was built from, not for
//! the outbox's bytes. Everything publish takes from a manifest becomes a
//! path, a request or a recipient, so each manifest is held to what the
//! tree plans before anything of it is acted on.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::PublishError;
use crate::channels::manifest::{self, Manifest};
use crate::model::Project;

/// Every manifest of the outbox with its folder, each held to the tree.
pub fn manifests(
    project: &Project,
    outbox: &Path,
) -> Result<Vec<(Manifest, PathBuf)>, PublishError> {
    let mut out = Vec::new();
    let entries = std::fs::read_dir(outbox)
        .map_err(|e| PublishError::Setup(format!("cannot read `{}`: {e}", outbox.display())))?;
    for e in entries.filter_map(Result::ok) {
        let path = e.path().join("manifest.json");
        if !path.is_file() {
            continue;
        }
        let bytes = read_in(&e.path(), "manifest.json")
            .map_err(|why| PublishError::Setup(format!("`{}`: {why}", e.path().display())))?;
        let m: Manifest = serde_json::from_slice(&bytes)
            .map_err(|e| PublishError::Setup(format!("`{}`: {e}", path.display())))?;
        if m.format != crate::channels::manifest::FORMAT {
            return Err(PublishError::Setup(format!(
                "`{}` has format {}; rebuild with this herald",
                path.display(),
                m.format
            )));
        }
        confined(&m, &e.file_name().to_string_lossy())
            .and_then(|()| planned(project, &m, &e.path(), &bytes))
            .map_err(|why| PublishError::Setup(format!("`{}`: {why}", path.display())))?;
        out.push((m, e.path()));
    }
    Ok(out)
}

/// The bytes of `file` in the outbox folder `dir`. Neither the folder
/// nor the file may be a symbolic link: a build writes none, and one
/// could send any file of the machine.
pub fn read_in(dir: &Path, file: &str) -> Result<Vec<u8>, String> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    if std::fs::symlink_metadata(dir).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(
            "the folder is a symbolic link, which a build never writes; rebuild the outbox".into(),
        );
    }
    let mut bytes = Vec::new();
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(dir.join(file))
        .and_then(|mut f| f.read_to_end(&mut bytes))
        .map_err(|err| match err.raw_os_error() {
            Some(libc::ELOOP) => format!(
                "`{file}` is a symbolic link, which a build never writes; rebuild the outbox"
            ),
            _ => format!("cannot read `{file}`: {err}"),
        })?;
    Ok(bytes)
}

/// Whether a manifest names only what a build writes: its own folder's
/// slug, and files of that folder. The build stamp vouches for the tree,
/// not for the outbox's bytes, and a slug or a file name read from a
/// manifest becomes a path (`ledger/<slug>.yaml`, a text to send): one
/// with `..` or `/` in it would reach outside.
fn confined(m: &Manifest, folder: &str) -> Result<(), String> {
    if crate::model::Slug::parse(&m.slug).is_err() || m.slug != folder {
        return Err(format!(
            "names the slug `{}` in the folder `{folder}`; rebuild the outbox",
            m.slug
        ));
    }
    let plain = |f: &str| !f.is_empty() && !f.contains(['/', '\\']) && f != "." && f != "..";
    let outside = m.actions.iter().find_map(|a| {
        std::iter::once(&a.file)
            .chain(&a.sign)
            .find(|f| !plain(f))
            .map(|f| (a, f))
    });
    if let Some((a, f)) = outside {
        return Err(format!(
            "its `{}` action names the file `{f}`, outside its folder; rebuild the outbox",
            a.channel
        ));
    }
    // Ids and repositories go into request paths, where `..` would reach
    // another resource of the API with the team's token.
    use crate::model::ids::{CveId, GhsaId, RepoName};
    let malformed = m.actions.iter().find(|a| {
        let id_ok = match a.channel.split_once(':') {
            Some(("ghsa", id)) => GhsaId::parse(id).is_ok(),
            Some(("cve", id)) => CveId::parse(id).is_ok(),
            _ => true,
        };
        !id_ok
            || a.repository
                .as_deref()
                .is_some_and(|r| RepoName::parse(r).is_err())
    });
    match malformed {
        Some(a) => Err(format!(
            "its `{}` action names an id or a repository no build writes; rebuild the outbox",
            a.channel
        )),
        None => Ok(()),
    }
}

/// Whether `bytes`, the manifest `m` read from the folder `dir`, is the
/// manifest the tree plans for its document: the same actions, moments,
/// windows and recipients. A hand edit, or a manifest from another build,
/// could otherwise send a private notice to someone else, or a text
/// before its embargo lifts. What only the build's files tell (each file's
/// digest) is taken from the files as they are now.
fn planned(project: &Project, m: &Manifest, dir: &Path, bytes: &[u8]) -> Result<(), String> {
    // A file that cannot be read has no digest; why is the better report.
    let unreadable = std::cell::RefCell::new(None);
    let digest = |name: &str| match read_in(dir, name) {
        Ok(bytes) => Some(manifest::sha256_hex(&bytes)),
        Err(why) => {
            unreadable.borrow_mut().get_or_insert(why);
            None
        }
    };
    let slug = m.slug.as_str();
    let expected = match m.kind.as_str() {
        "advisory" => project
            .advisories
            .iter()
            .find(|d| d.meta.slug.as_str() == slug)
            .map(|d| manifest::advisory(project, d, m.signed, &digest)),
        "pre-announcement" => project
            .pre_announcements
            .iter()
            .find(|d| d.meta.slug.as_str() == slug)
            .map(|d| manifest::pre_announcement(project, &d.meta, m.signed)),
        _ => None,
    };
    let Some(expected) = expected else {
        return Err(format!(
            "is for the {} `{slug}`, which the tree does not hold; rebuild the outbox",
            m.kind
        ));
    };
    if expected == bytes {
        return Ok(());
    }
    if let Some(why) = unreadable.into_inner() {
        return Err(why);
    }
    let parse = |b: &[u8]| serde_json::from_slice::<Value>(b).unwrap_or(Value::Null);
    let at = first_difference(&parse(&expected), &parse(bytes), String::new())
        .unwrap_or_else(|| "its layout".into());
    Err(format!(
        "differs from what the tree plans for `{slug}` at {at}; nothing of it was sent. Rebuild the outbox with `herald build`, and change the plan in the advisory or herald.yaml, never in the outbox"
    ))
}

/// Where two JSON values first differ, as a path (`actions[2].recipients`)
/// with both values; `None` when they are equal.
fn first_difference(want: &Value, got: &Value, at: String) -> Option<String> {
    // A member or an element that one side lacks is `nothing` there.
    let either = |here: String, w: Option<&Value>, g: Option<&Value>| match (w, g) {
        (Some(w), Some(g)) => first_difference(w, g, here),
        _ => {
            let show = |v: Option<&Value>| v.map_or("nothing".to_string(), |v| format!("`{v}`"));
            Some(format!(
                "`{here}` (the tree: {}; the outbox: {})",
                show(w),
                show(g)
            ))
        }
    };
    match (want, got) {
        (Value::Object(w), Value::Object(g)) => {
            let mut keys: Vec<&String> = w.keys().chain(g.keys()).collect();
            keys.sort();
            keys.dedup();
            keys.into_iter().find_map(|k| {
                let here = if at.is_empty() {
                    k.clone()
                } else {
                    format!("{at}.{k}")
                };
                either(here, w.get(k), g.get(k))
            })
        }
        (Value::Array(w), Value::Array(g)) => {
            (0..w.len().max(g.len())).find_map(|i| either(format!("{at}[{i}]"), w.get(i), g.get(i)))
        }
        _ if want == got => None,
        _ => Some(format!("`{at}` (the tree: `{want}`; the outbox: `{got}`)")),
    }
}
