//! Patch files named by advisories: read once, inside the tree, and
//! refused when they hold a key or a token (patches are mailed).

use std::collections::HashMap;
use std::path::Path;

use crate::diag::Findings;
use crate::model::{Advisory, Document, Patch};

/// Patch files named by advisories, read once even when shared.
pub(super) fn load_patches(
    root: &Path,
    advisories: &[Document<Advisory>],
    limit: u32,
    findings: &mut Findings,
) -> Vec<Patch> {
    let mut seen: HashMap<&str, ()> = HashMap::new();
    let mut out = Vec::new();
    let canonical = crate::tree::canonical_root(root);
    for doc in advisories {
        for (p, pos) in doc.meta.patches.iter().zip(&doc.meta.spans.patches) {
            if seen.insert(p, ()).is_some() {
                continue;
            }
            let read =
                crate::tree::read_inside(root, &canonical, p, u64::from(limit)).and_then(|bytes| {
                    if crate::private_key::held_in(&bytes) {
                        Err(format!(
                            "`{p}` holds a private key, and patches are mailed to the notice lists"
                        ))
                    } else if let Some(found) = crate::credentials::find(&bytes).first() {
                        Err(format!(
                            "`{p}` holds {} (`{}…`), and patches are mailed to the notice lists",
                            found.kind, found.prefix
                        ))
                    } else {
                        Ok(bytes)
                    }
                });
            match read {
                Ok(bytes) => out.push(Patch {
                    path: p.clone(),
                    bytes: bytes.into(),
                }),
                Err(why) => findings.push(
                    doc.source
                        .error(*pos, format!("patch refused: {why}")).with_code("path")
                        .with_help("a patch is a regular file inside the tree, named relative to its root, under `rules.max-patch-bytes`"),
                ),
            }
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}
