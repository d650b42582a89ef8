//! The publishing ledger: `ledger/<slug>.yaml`, committed to the
//! repository, one record per action: pending, started or done, when, and
//! what came back.
//!
//! It is written atomically before and after every external call, so a run
//! that dies leaves either the old state or the new one, and a rerun knows
//! what is done, what never began, and what began but may not have finished.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::diag::{Finding, Source};
use crate::fields::Decoder;
use crate::output::{write_atomic, OutputError};
use crate::yaml::{self, Offset};

pub const DIR: &str = "ledger";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Pending,
    /// The external call began; whether it took effect is unknown.
    Started,
    Done,
    /// Done outside Herald: `herald ledger adopt` or `herald ledger record`.
    Adopted,
    /// Its window closed before it was sent; it never will be.
    Missed,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Pending => "pending",
            State::Started => "started",
            State::Done => "done",
            State::Adopted => "adopted",
            State::Missed => "missed",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        [
            State::Pending,
            State::Started,
            State::Done,
            State::Adopted,
            State::Missed,
        ]
        .into_iter()
        .find(|st| st.as_str() == s)
    }

    /// Nothing more will ever be sent for an action in this state.
    pub fn is_settled(self) -> bool {
        matches!(self, State::Done | State::Adopted | State::Missed)
    }

    /// The action took place, by Herald or by hand.
    pub fn is_done(self) -> bool {
        matches!(self, State::Done | State::Adopted)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub state: State,
    /// UTC, RFC 3339: when the state was last set.
    pub at: String,
    /// What came back: Message-ID, topic id, GHSA URL…
    pub details: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ledger {
    pub slug: String,
    pub path: PathBuf,
    /// What identifies its document whatever its name, as of the last
    /// write (`Project::ids_by_slug`): what still ties the ledger to it if its
    /// slug changes (see `orphans`).
    pub ids: Vec<String>,
    pub records: BTreeMap<String, Record>,
}

/// Every ledger of a tree, each read once: a command that asks the ledger
/// of 10,000 advisories more than one question reads 10,000 files once.
/// The default holds none, for a command that needs none.
#[derive(Default)]
pub struct Ledgers {
    /// A ledger that cannot be read or parsed is kept as its finding.
    by_slug: std::collections::HashMap<String, Result<Ledger, Finding>>,
}

impl Ledgers {
    /// The ledgers of `slugs`, read in parallel.
    pub fn load<'s>(root: &Path, slugs: impl Iterator<Item = &'s str>) -> Self {
        use rayon::prelude::*;
        let slugs: Vec<&str> = slugs.collect();
        Ledgers {
            by_slug: slugs
                .par_iter()
                .map(|s| (s.to_string(), Ledger::load(root, s)))
                .collect(),
        }
    }

    /// The ledger of `slug`; `None` when it does not parse (see `broken`),
    /// or `slug` was not loaded, which settles nothing either.
    pub fn get(&self, slug: &str) -> Option<&Ledger> {
        self.by_slug.get(slug)?.as_ref().ok()
    }

    /// Whether the ledger of `slug` exists but cannot be read or parsed.
    pub fn is_broken(&self, slug: &str) -> bool {
        self.by_slug.get(slug).is_some_and(Result::is_err)
    }

    /// The state of one action; pending when the ledger does not parse.
    pub fn state(&self, slug: &str, channel: &str) -> State {
        self.get(slug).map_or(State::Pending, |l| l.state(channel))
    }

    /// Why each broken ledger could not be read, in the order of slugs.
    pub fn broken(&self) -> Vec<Finding> {
        let mut broken: Vec<_> = self
            .by_slug
            .iter()
            .filter_map(|(slug, l)| l.as_ref().err().map(|f| (slug, f.clone())))
            .collect();
        broken.sort_by(|a, b| a.0.cmp(b.0));
        broken.into_iter().map(|(_, f)| f).collect()
    }
}

/// YAML double-quoted strings are JSON strings.
fn quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

impl Ledger {
    pub fn path_for(root: &Path, slug: &str) -> PathBuf {
        root.join(DIR).join(format!("{slug}.yaml"))
    }

    /// The ledger of `slug`, empty if none was written yet.
    pub fn load(root: &Path, slug: &str) -> Result<Self, Finding> {
        let path = Self::path_for(root, slug);
        let shown = Path::new(DIR).join(format!("{slug}.yaml"));
        let mut ledger = Ledger {
            slug: slug.to_string(),
            path: path.clone(),
            ids: Vec::new(),
            records: BTreeMap::new(),
        };
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(ledger),
            Err(e) => return Err(crate::diag::file_error(&shown, format!("cannot read: {e}"))),
        };
        let text = crate::frontmatter::decode_utf8(&shown, bytes)?;
        let src = Source::new(shown, text);
        let root_node = yaml::parse(&src, &src.text, Offset { lines: 0 })?;
        let mut d = Decoder::new(&src);
        let Some(top) = d.map(&root_node, &["slug", "ids", "actions"], "the ledger") else {
            return Err(d.findings.remove(0));
        };
        if let Some(ids) = d.optional(&top, "ids") {
            ledger.ids = d.each(ids, |d, n| d.string(n)).unwrap_or_default();
        }
        if let Some(actions) = d.optional(&top, "actions") {
            if let yaml::Value::Map(entries) = &actions.value {
                for (k, v) in entries {
                    let yaml::Value::Scalar(name) = &k.value else {
                        continue;
                    };
                    let yaml::Value::Map(fields) = &v.value else {
                        d.error(v.pos, "expected a mapping of state, at and details");
                        continue;
                    };
                    let mut rec = Record {
                        state: State::Pending,
                        at: String::new(),
                        details: BTreeMap::new(),
                    };
                    for (fk, node) in fields {
                        let (yaml::Value::Scalar(fk), yaml::Value::Scalar(fv)) =
                            (&fk.value, &node.value)
                        else {
                            d.error(node.pos, "expected text");
                            continue;
                        };
                        match fk.text.as_str() {
                            "state" => {
                                rec.state = match State::parse(&fv.text) {
                                    Some(st) => st,
                                    None => {
                                        d.error(node.pos, format!("unknown state `{}`: expected pending, started, done, adopted or missed", fv.text));
                                        State::Pending
                                    }
                                }
                            }
                            "at" => rec.at = fv.text.clone(),
                            _ => {
                                rec.details.insert(fk.text.clone(), fv.text.clone());
                            }
                        }
                    }
                    ledger.records.insert(name.text.clone(), rec);
                }
            }
        }
        match d.findings.into_iter().next() {
            Some(f) => Err(f),
            None => Ok(ledger),
        }
    }

    /// Every id the ledger ties itself to, lower-cased: its `ids`, and
    /// those its GHSA and CVE actions name.
    pub fn named_ids(&self) -> Vec<String> {
        let from_actions = self
            .records
            .keys()
            .filter_map(|c| c.strip_prefix("cve:").or_else(|| c.strip_prefix("ghsa:")));
        let mut ids: Vec<String> = self
            .ids
            .iter()
            .map(String::as_str)
            .chain(from_actions)
            .map(str::to_ascii_lowercase)
            .collect();
        ids.sort();
        ids.dedup();
        ids
    }

    /// Whether anything at all was ever recorded: a tree's history starts
    /// with its first record.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    pub fn state(&self, channel: &str) -> State {
        self.records
            .get(channel)
            .map_or(State::Pending, |r| r.state)
    }

    pub fn get(&self, channel: &str, detail: &str) -> Option<&str> {
        self.records
            .get(channel)?
            .details
            .get(detail)
            .map(String::as_str)
    }

    /// Add `details` to the record of `channel`, keeping its state and
    /// moment (a revision carried to a place that took the first text).
    pub fn note(&mut self, channel: &str, details: &[(&str, String)]) -> Result<(), OutputError> {
        if let Some(rec) = self.records.get_mut(channel) {
            for (k, v) in details {
                rec.details.insert((*k).to_string(), v.clone());
            }
        }
        self.save()
    }

    /// Record `state` for `channel` and write the whole ledger to disk
    /// atomically before returning.
    pub fn set(
        &mut self,
        channel: &str,
        state: State,
        at: &str,
        details: &[(&str, String)],
    ) -> Result<(), OutputError> {
        let rec = self.records.entry(channel.to_string()).or_insert(Record {
            state,
            at: at.to_string(),
            details: BTreeMap::new(),
        });
        rec.state = state;
        rec.at = at.to_string();
        for (k, v) in details {
            rec.details.insert((*k).to_string(), v.clone());
        }
        self.save()
    }

    fn save(&self) -> Result<(), OutputError> {
        if let Some(dir) = self.path.parent() {
            prepare_dir(dir)?;
        }
        write_atomic(&self.path, self.render().as_bytes())
    }

    pub fn render(&self) -> String {
        let mut out = String::from(
            "# Written by `herald publish`: what went out, when, and what came back.\n",
        );
        out.push_str(&format!("slug: {}\n", quote(&self.slug)));
        if !self.ids.is_empty() {
            let ids: Vec<String> = self.ids.iter().map(|i| quote(i)).collect();
            out.push_str(&format!("ids: [{}]\n", ids.join(", ")));
        }
        out.push_str("actions:\n");
        for (channel, rec) in &self.records {
            out.push_str(&format!("  {}:\n", quote(channel)));
            out.push_str(&format!("    state: {}\n", rec.state.as_str()));
            out.push_str(&format!("    at: {}\n", quote(&rec.at)));
            for (k, v) in &rec.details {
                out.push_str(&format!("    {}: {}\n", quote(k), quote(v)));
            }
        }
        out
    }
}

/// What git must never pick up from `ledger/`: the publish lock and the
/// temporary files of a write that a killed run left behind.
const GITIGNORE: &str =
    "# Written by herald: the lock and a killed run's temporary files.\n.lock\n.*.herald-tmp-*\n";

/// Create `ledger/` if needed, refusing a symlink in its place (the ledger
/// is written there, and a write must never land outside the tree), and
/// keep its `.gitignore`.
pub fn prepare_dir(dir: &Path) -> Result<(), OutputError> {
    let io = |source| OutputError::Io {
        path: dir.to_path_buf(),
        source,
    };
    match std::fs::symlink_metadata(dir) {
        Ok(m) if m.file_type().is_symlink() || !m.is_dir() => {
            return Err(io(std::io::Error::other(
                "is a symlink or not a folder; Herald writes the ledger only into a real folder inside the tree",
            )))
        }
        Ok(_) => {}
        Err(_) => std::fs::create_dir_all(dir).map_err(io)?,
    }
    let ignore = dir.join(".gitignore");
    if std::fs::symlink_metadata(&ignore).is_err() {
        write_atomic(&ignore, GITIGNORE.as_bytes())?;
    }
    Ok(())
}

/// Remove the temporary files that runs killed mid-write left in `dir`,
/// and return their names. Only this process writes there now: the caller
/// holds the publish lock.
pub fn remove_temporaries(dir: &Path) -> Vec<String> {
    let mut removed = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return removed;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with('.')
            && name.contains(".herald-tmp-")
            && std::fs::remove_file(e.path()).is_ok()
        {
            removed.push(name);
        }
    }
    removed.sort();
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_disk() {
        let dir = tempfile::tempdir().unwrap();
        let mut l = Ledger::load(dir.path(), "cve-2024-1").unwrap();
        assert_eq!(l.state("announcement"), State::Pending);
        l.set("announcement", State::Started, "2024-04-09T15:00:00Z", &[])
            .unwrap();
        l.set(
            "announcement",
            State::Done,
            "2024-04-09T15:00:01Z",
            &[("message-id", "<a@b>".into())],
        )
        .unwrap();
        l.set(
            "ghsa:GHSA-2345-6789-cfgh",
            State::Started,
            "2024-04-09T15:00:02Z",
            &[("note", "quote \" and: colon".into())],
        )
        .unwrap();
        let back = Ledger::load(dir.path(), "cve-2024-1").unwrap();
        assert_eq!(back, l);
        assert_eq!(back.get("announcement", "message-id"), Some("<a@b>"));
        assert_eq!(back.state("ghsa:GHSA-2345-6789-cfgh"), State::Started);
    }
}
