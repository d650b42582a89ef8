//! The theme: the built-in templates, overridden by the tree's own.

use std::path::Path;

use walkdir::WalkDir;

use crate::diag::{file_error, Findings, Source};
use crate::model::{Config, Theme};
use crate::theme;

use super::refusals::{refuse_credentials, refuse_env};
use super::{config_pos, not_regular, read_source, walked, Walked};

pub(super) fn load_theme(
    root: &Path,
    config: &Config,
    src: &Source,
    findings: &mut Findings,
) -> Option<Theme> {
    let mut theme = theme::builtin();
    let dir = root.join("themes").join(&config.site.theme);
    if !dir.is_dir() {
        if config.site.theme != "default" {
            findings.push(
                src.error(
                    config_pos(src, &config.site.theme),
                    format!(
                        "theme `{}` not found: expected a folder `themes/{}/`",
                        config.site.theme, config.site.theme
                    ),
                )
                .with_code("theme"),
            );
            return None;
        }
        return Some(theme);
    }
    for (sub, is_template) in [("templates", true), ("static", false)] {
        let base = dir.join(sub);
        if !base.is_dir() {
            continue;
        }
        let canonical = crate::tree::canonical_root(root);
        for entry in WalkDir::new(&base).sort_by_file_name() {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    findings.push(
                        file_error(&dir, format!("cannot read theme: {e}")).with_code("theme"),
                    );
                    continue;
                }
            };
            match walked(root, &canonical, &entry) {
                Ok(Walked::File) => {}
                Ok(Walked::Dir) => continue,
                // A template the walk skipped would leave the built-in one
                // in its place, without a word.
                Ok(Walked::Other) => {
                    findings.push(not_regular(
                        entry.path().strip_prefix(root).unwrap_or(entry.path()),
                    ));
                    continue;
                }
                Err(f) => {
                    findings.push(f);
                    continue;
                }
            }
            let name = entry
                .path()
                .strip_prefix(&base)
                .unwrap_or(entry.path())
                .to_string_lossy()
                .replace('\\', "/");
            let shown = entry.path().strip_prefix(root).unwrap_or(entry.path());
            if is_template {
                match read_source(root, entry.path()) {
                    Ok(s) => {
                        for f in refuse_credentials(&s).into_iter().chain(refuse_env(&s)) {
                            findings.push(f);
                        }
                        theme::override_template(&mut theme, &name, s.text.to_string());
                    }
                    Err(f) => findings.push(f),
                }
            } else {
                match std::fs::read(entry.path()) {
                    Ok(bytes) => {
                        // The site publishes each static file as it is.
                        if let Some(found) = crate::credentials::find(&bytes).first() {
                            findings.push(
                                file_error(
                                    shown,
                                    format!(
                                        "holds {} (`{}…`), and the site would publish it",
                                        found.kind, found.prefix
                                    ),
                                )
                                .with_code("secret"),
                            );
                        }
                        theme::override_static(&mut theme, &name, bytes);
                    }
                    Err(e) => findings
                        .push(file_error(shown, format!("cannot read: {e}")).with_code("file")),
                }
            }
        }
    }
    if let Err(f) = theme::compile(&theme) {
        findings.push(
            file_error(
                &dir.strip_prefix(root)
                    .unwrap_or(&dir)
                    .join("templates")
                    .join(&f.0),
                f.1,
            )
            .with_code("file"),
        );
        return None;
    }
    Some(theme)
}
