//! What no source may hold: a private key, someone's token, a template
//! that reads the build's environment. Each is refused at its line.

use crate::diag::{Finding, Findings, Pos, Source};

/// A private key pasted into an advisory or page would go out with every
/// text made from it; `publish` would refuse to send those at the moment
/// of disclosure, so it is refused here first, at its line.
pub(super) fn refuse_private_keys(source: &Source, findings: &mut Findings) {
    if !crate::private_key::marked(source.text.as_bytes()) {
        return;
    }
    for (i, line) in source.text.lines().enumerate() {
        if crate::private_key::marked(line.as_bytes()) {
            findings.push(
                source
                    .error(
                        Pos::new(i + 1, 1, line.chars().count().max(1)),
                        "this line opens a private key; every text made from this file would carry it",
                    )
                    .with_code("secret")
                    .with_help("remove the key (and rotate it); to show the format in an example, leave out the dashes"),
            );
        }
    }
}

/// A token someone pasted (see [`crate::credentials`]) is refused at its
/// place; the report shows the line with it masked, as every report does.
pub(super) fn refuse_credentials(source: &Source) -> Vec<Finding> {
    let text = source.text.as_bytes();
    let mut findings = Vec::new();
    for found in crate::credentials::find(text) {
        let at = crate::diag::BodyPos {
            text: &source.text,
            first_line: 1,
        }
        .pos(found.start, found.len);
        let finding = source
            .error(
                at,
                format!(
                    "this is {} (`{}…`); every text made from this file would carry it",
                    found.kind, found.prefix
                ),
            )
            .with_code("secret")
            .with_help(format!(
                "remove it, and revoke it if it was ever real; to show a token's shape, write a placeholder such as `{}XXXX…`",
                found.prefix
            ));
        findings.push(finding);
    }
    findings
}

/// Tera's `get_env` in a theme's template: it would put any variable of
/// the build's environment (a CI runner's tokens among them, most of which
/// Herald does not know to look for) into a page or a mail.
pub(super) fn refuse_env(source: &Source) -> Vec<Finding> {
    memchr::memmem::find_iter(source.text.as_bytes(), crate::theme::GET_ENV)
        .map(|start| {
            let at = crate::diag::BodyPos {
                text: &source.text,
                first_line: 1,
            }
            .pos(start, crate::theme::GET_ENV.len());
            source
                .error(
                    at,
                    "`get_env` reads the build's environment, where the run's tokens are; a template may not call it",
                )
                .with_code("theme")
                .with_help("pass the value through `herald.yaml` instead")
        })
        .collect()
}
