//! `herald verify FILE.asc [--key PUBLIC.asc]`.

use std::path::Path;

use super::Exit;
use crate::load;
use crate::signing;

pub fn run(root: &Path, file: &Path, key: Option<&Path>) -> Exit {
    let key_path = match key {
        Some(k) => k.to_path_buf(),
        None => match load::load(root) {
            Ok((project, _)) => root.join(&project.config.team.key),
            Err(findings) => {
                super::report(&findings);
                eprintln!(
                    "herald: give --key, or run in a tree whose herald.yaml names the team key"
                );
                return Exit::Failure;
            }
        },
    };
    let read =
        |p: &Path| std::fs::read(p).map_err(|e| format!("cannot read `{}`: {e}", p.display()));
    let (armored, signed) = match (read(&key_path), read(file)) {
        (Ok(k), Ok(s)) => (k, s),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("error: {e}");
            return Exit::Failure;
        }
    };
    let certs = match signing::read_certs(&armored) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {}: {e}", key_path.display());
            return Exit::Failure;
        }
    };
    match signing::verify(&signed, certs) {
        Ok(v) => {
            println!("{}", v.fingerprint);
            eprintln!(
                "herald: good signature on `{}` by {}{}",
                file.display(),
                v.fingerprint,
                v.user_id.map(|u| format!(" ({u})")).unwrap_or_default()
            );
            Exit::Ok
        }
        Err(e) => {
            eprintln!("error: {}: {e}", file.display());
            Exit::Findings
        }
    }
}
