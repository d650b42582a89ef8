//! Ledgers that no document claims any more.
//!
//! The ledger is keyed by slug. An advisory renamed after it went out (its
//! file moved, or its `slug` set) starts with an empty ledger under the new
//! slug, and within the late limit `publish` would announce it a second
//! time. The ledger left under the old slug still names the advisory's CVE
//! and GHSA ids (a pre-announcement's, its release and component: see
//! `Project::ids_by_slug`), so a document whose id such a ledger records as
//! sent is held until a person moves the ledger, or adopts the history.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use crate::diag::{Finding, Pos, Source};
use crate::ledger::{Ledger, Ledgers, State, DIR};
use crate::model::Project;

/// The ids that ledgers of slugs no document has record as sent, each with
/// the slug of its ledger.
#[derive(Default)]
pub struct Claims {
    by_id: HashMap<String, String>,
    /// Those ledgers that cannot be read: what they would claim is
    /// unknown, so each is a finding of its own.
    unreadable: Vec<Finding>,
}

impl Claims {
    /// Read every ledger in `ledger/` whose slug no advisory or
    /// pre-announcement of `project` has.
    pub fn read(root: &Path, project: &Project) -> Claims {
        let known: HashSet<&str> = project.slugs().collect();
        let mut claims = Claims::default();
        let Ok(entries) = std::fs::read_dir(root.join(DIR)) else {
            return claims;
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
            let ledger = match Ledger::load(root, &slug) {
                Ok(l) => l,
                Err(f) => {
                    claims.unreadable.push(f);
                    continue;
                }
            };
            let sent = ledger
                .records
                .values()
                .any(|r| r.state.is_done() || r.state == State::Started);
            if sent {
                for id in ledger.named_ids() {
                    claims.by_id.entry(id).or_insert_with(|| slug.clone());
                }
            }
        }
        claims
    }

    /// The first of `ids` that another slug's ledger records as sent, and
    /// that slug.
    pub fn claimant<'a>(&'a self, ids: &'a [String]) -> Option<(&'a str, &'a str)> {
        ids.iter().find_map(|id| {
            let slug = self.by_id.get(&id.to_ascii_lowercase())?;
            Some((id.as_str(), slug.as_str()))
        })
    }

    /// A finding for each orphan ledger that cannot be read, and for each
    /// advisory or pre-announcement with no ledger of its own whose id
    /// another slug's ledger records as sent, at the line of that id (a
    /// pre-announcement's `release`).
    pub fn findings(&self, project: &Project, ledgers: &Ledgers) -> Vec<Finding> {
        let mut out = self.unreadable.clone();
        if self.by_id.is_empty() {
            return out;
        }
        let advisories = project.advisories.iter().map(|d| {
            let a = &d.meta;
            let lines = a.spans.cves.iter().chain(&a.spans.ghsa).copied().collect();
            (&d.source, a.slug.as_str(), a.ids(), lines)
        });
        let pres = project.pre_announcements.iter().map(|d| {
            let p = &d.meta;
            (
                &d.source,
                p.slug.as_str(),
                vec![p.id()],
                vec![p.spans.release],
            )
        });
        for (source, slug, ids, lines) in advisories.chain(pres) {
            if let Some(f) = self.finding(source, slug, &ids, &lines, ledgers) {
                out.push(f);
            }
        }
        out
    }

    /// The finding for one document, whose `ids` stand on `lines`.
    fn finding(
        &self,
        source: &Source,
        slug: &str,
        ids: &[String],
        lines: &[Pos],
        ledgers: &Ledgers,
    ) -> Option<Finding> {
        ledgers
            .get(slug)
            .is_some_and(Ledger::is_empty)
            .then_some(())?;
        let (id, old) = self.claimant(ids)?;
        let at = ids
            .iter()
            .position(|i| i == id)
            .and_then(|n| lines.get(n))
            .copied()
            .unwrap_or(Pos::new(1, 1, 1));
        Some(
            source
                .error(at, held(id, old, slug))
                .with_code("timeline")
                .with_help(move_ledger(old, slug)),
        )
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
