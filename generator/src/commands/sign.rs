//! `herald sign FILE [-o OUT]`: clearsign any file with the team key.

use std::path::Path;

use super::Exit;
use crate::commands::build::team_signer;
use crate::load;
use crate::signing;

pub fn run(root: &Path, file: &Path, output: Option<&Path>) -> Exit {
    // With a tree at hand, only its team key may sign.
    let expected = if root.join(load::CONFIG_FILE).exists() {
        match load::load(root) {
            Ok((project, _)) => Some(project.public_key.fingerprint),
            Err(findings) => {
                super::report(&findings);
                return Exit::Findings;
            }
        }
    } else {
        None
    };
    let key = match expected {
        Some(fp) => team_signer(&fp),
        None => signing::SigningKey::from_env().map_err(|e| {
            eprintln!("error: {e}");
            Exit::Failure
        }),
    };
    let key = match key {
        Ok(Some(k)) => k,
        Ok(None) => {
            eprintln!(
                "error: {} is not set; it must hold an armored secret key or a path to one",
                signing::KEY_VAR
            );
            return Exit::Failure;
        }
        Err(exit) => return exit,
    };
    let text = match std::fs::read(file) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: cannot read `{}`: {e}", file.display());
            return Exit::Failure;
        }
    };
    let signed = match key.clearsign(&text) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return Exit::Failure;
        }
    };
    let out = output.map(Path::to_path_buf).unwrap_or_else(|| {
        let mut name = file.as_os_str().to_owned();
        name.push(".asc");
        name.into()
    });
    if let Err(e) = crate::output::write_atomic(&out, &signed) {
        eprintln!("error: {e}");
        return Exit::Failure;
    }
    eprintln!(
        "herald: signed `{}` with {} into `{}`",
        file.display(),
        key.fingerprint,
        out.display()
    );
    Exit::Ok
}
