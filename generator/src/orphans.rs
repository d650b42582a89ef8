//! Ledgers that no document claims any more.
//!
//! The ledger is keyed by slug. An advisory renamed after it went out (its
//! file moved, or its `slug` set) starts with an empty ledger under the new
//! slug, and within the late limit `publish` would announce it a second
//! time. The ledger left under the old slug still names the advisory's CVE
//! and GHSA ids (a pre-announcement's, its release and component: see
//! `Project::ids_of`), so a document whose id such a ledger records as
//! sent is held until a person moves the ledger, or adopts the history.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use crate::diag::Finding;
use crate::ledger::{Ledger, Ledgers, State, DIR};
use crate::model::Project;

/// The ids that ledgers of slugs no document has record as sent, each with
/// the slug of its ledger.
#[derive(Default)]
pub struct Claims {
    by_id: HashMap<String, String>,
}

impl Claims {
    /// Read every ledger in `ledger/` whose slug no advisory or
    /// pre-announcement of `project` has. A ledger that cannot be read
    /// claims nothing: it belongs to no document, and reports nothing.
    pub fn read(root: &Path, project: &Project) -> Claims {
        let known: HashSet<&str> = project.slugs().collect();
        let mut by_id = HashMap::new();
        let Ok(entries) = std::fs::read_dir(root.join(DIR)) else {
            return Claims { by_id };
        };
        let mut orphans: Vec<String> = entries
            .flatten()
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                let slug = name.strip_suffix(".yaml")?;
                (!slug.starts_with('.') && !known.contains(slug)).then(|| slug.to_string())
            })
            .collect();
        orphans.sort();
        for slug in orphans {
            let Ok(ledger) = Ledger::load(root, &slug) else {
                continue;
            };
            let sent = ledger
                .records
                .values()
                .any(|r| r.state.is_done() || r.state == State::Started);
            if sent {
                for id in ledger.named_ids() {
                    by_id.entry(id).or_insert_with(|| slug.clone());
                }
            }
        }
        Claims { by_id }
    }

    /// The first of `ids` that another slug's ledger records as sent, and
    /// that slug.
    pub fn claimant<'a>(&'a self, ids: &'a [String]) -> Option<(&'a str, &'a str)> {
        ids.iter().find_map(|id| {
            let slug = self.by_id.get(&id.to_ascii_lowercase())?;
            Some((id.as_str(), slug.as_str()))
        })
    }

    /// A finding for each advisory or pre-announcement with no ledger of
    /// its own whose id another slug's ledger records as sent.
    pub fn findings(&self, project: &Project, ledgers: &Ledgers) -> Vec<Finding> {
        if self.by_id.is_empty() {
            return Vec::new();
        }
        let unclaimed = |slug: &str| ledgers.get(slug).is_some_and(Ledger::is_empty);
        let mut out = Vec::new();
        for doc in &project.pre_announcements {
            let p = &doc.meta;
            if !unclaimed(p.slug.as_str()) {
                continue;
            }
            let ids = project.ids_of(p.slug.as_str());
            if let Some((id, old)) = self.claimant(&ids) {
                out.push(
                    doc.source
                        .error(p.spans.release, held(id, old, p.slug.as_str()))
                        .with_code("timeline")
                        .with_help(move_ledger(old, p.slug.as_str())),
                );
            }
        }
        for doc in &project.advisories {
            let a = &doc.meta;
            if !unclaimed(a.slug.as_str()) {
                continue;
            }
            let ids = project.ids_of(a.slug.as_str());
            let Some((id, old)) = self.claimant(&ids) else {
                continue;
            };
            let at = a
                .cves
                .iter()
                .map(|c| c.as_str())
                .zip(&a.spans.cves)
                .chain(a.ghsa.iter().map(|g| g.id.as_str()).zip(&a.spans.ghsa))
                .find(|(i, _)| *i == id)
                .map_or(a.spans.slug, |(_, pos)| *pos);
            out.push(
                doc.source
                    .error(at, held(id, old, a.slug.as_str()))
                    .with_code("timeline")
                    .with_help(move_ledger(old, a.slug.as_str())),
            );
        }
        out
    }
}

fn move_ledger(old: &str, new: &str) -> String {
    format!(
        "if it was renamed, rename `{DIR}/{old}.yaml` to `{DIR}/{new}.yaml` and its `slug:` line to `{new}`; if the old ledger is of something else that was removed, delete it"
    )
}

/// Why `slug` is held: `old`'s ledger records `id` as sent.
pub fn held(id: &str, old: &str, slug: &str) -> String {
    format!(
        "`{DIR}/{old}.yaml` records {id} as sent under the slug `{old}`, which no file has any more, and `{slug}` has no ledger: `herald publish` will not send `{slug}` again under its new name"
    )
}
