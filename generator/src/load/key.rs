//! The team's public key: read, size-capped, and refused when it holds a
//! secret key.

use std::path::Path;

use crate::diag::{Findings, Source};
use crate::model::{Config, PublicKey};

use super::config_pos;

/// An armored public key is a few kilobytes; a keyring of many keys still
/// fits far below this.
pub(super) const KEY_LIMIT: u64 = 1024 * 1024;

pub(super) fn load_key(
    root: &Path,
    config: &Config,
    src: &Source,
    findings: &mut Findings,
) -> Option<PublicKey> {
    let path = root.join(&config.team.key);
    let at = config_pos(src, &config.team.key);
    let canonical = crate::tree::canonical_root(root);
    let armored = match crate::tree::read_inside(root, &canonical, &config.team.key, KEY_LIMIT) {
        Ok(a) => a,
        Err(why) => {
            findings.push(
                src.error(at, format!("the team key: {why}"))
                    .with_code("team-key"),
            );
            return None;
        }
    };
    let fingerprint = match crate::signing::fingerprint(&armored) {
        Ok(f) => f,
        Err(e) => {
            findings.push(
                src.error(
                    at,
                    format!(
                        "`{}` is not an armored OpenPGP public key: {e}",
                        config.team.key
                    ),
                )
                .with_code("team-key")
                .with_help("export it with `gpg --armor --export <fingerprint>`"),
            );
            return None;
        }
    };
    if crate::private_key::held_in(&armored) {
        findings.push(src.error(at, format!(
            "`{}` contains a secret key; the site would publish it. Export only the public key with `gpg --armor --export`",
            config.team.key
        )).with_code("team-key"));
        return None;
    }
    if let Some(expected) = &config.team.fingerprint {
        if *expected != fingerprint {
            findings.push(
                src.error(
                    config_pos(src, "fingerprint"),
                    format!(
                        "`team.fingerprint` is {expected}, but `{}` holds the key {fingerprint}",
                        config.team.key
                    ),
                )
                .with_code("team-key"),
            );
            return None;
        }
    }
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "team.asc".into());
    Some(PublicKey {
        file_name,
        armored,
        fingerprint,
    })
}
