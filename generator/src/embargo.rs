//! The embargo wall: what is public at a given moment, and a scan of every
//! public output for traces of what is not.

use aho_corasick::{AhoCorasick, MatchKind};
use jiff::Timestamp;

use crate::canon::{canonical, has_angle, readings, untagged};
use crate::matcher::Matcher;
use crate::model::{Advisory, Document, Moment, PreAnnouncement, Project};
use crate::secrets::Secrets;
use crate::spaced;
use crate::timeline;

/// The project split at one moment into what may be shown and what not.
pub struct Visibility<'p> {
    pub now: Timestamp,
    /// A preview that shows embargoed content: never deployed.
    pub preview: bool,
    /// Newest first; ties broken by slug so the order never wobbles.
    pub advisories: Vec<&'p Document<Advisory>>,
    pub embargoed: Vec<&'p Document<Advisory>>,
    /// Public pre-announcements with the moment each became public.
    pub pre_announcements: Vec<(&'p Document<PreAnnouncement>, Moment)>,
    pub hidden_pre_announcements: Vec<(&'p Document<PreAnnouncement>, Moment)>,
}

impl<'p> Visibility<'p> {
    /// Everything shown, as a preview for the team; never for `public/`.
    /// What is still under embargo at `now` stays listed in `embargoed` and
    /// `hidden_pre_announcements` too, so pages can carry a banner.
    pub fn preview(project: &'p Project, now: Timestamp) -> Self {
        let mut v = Self::at(project, now);
        v.advisories.extend(v.embargoed.iter().copied());
        v.advisories.sort_by(|a, b| {
            b.meta
                .embargo
                .cmp(&a.meta.embargo)
                .then_with(|| a.meta.slug.cmp(&b.meta.slug))
        });
        v.pre_announcements
            .extend(v.hidden_pre_announcements.iter().cloned());
        v.preview = true;
        v
    }

    pub fn at(project: &'p Project, now: Timestamp) -> Self {
        let (mut advisories, embargoed): (Vec<_>, Vec<_>) = project
            .advisories
            .iter()
            .partition(|d| d.meta.embargo.timestamp() <= now);
        advisories.sort_by(|a, b| {
            b.meta
                .embargo
                .cmp(&a.meta.embargo)
                .then_with(|| a.meta.slug.cmp(&b.meta.slug))
        });
        let cfg = &project.config;
        let (mut pre_announcements, hidden_pre_announcements): (Vec<_>, Vec<_>) = project
            .pre_announcements
            .iter()
            .map(|d| {
                let adv = project.announced(&d.meta);
                let at =
                    timeline::pre_announcement_public(&d.meta, adv, &cfg.rules, &cfg.team.zone);
                (d, at)
            })
            .partition(|(_, at)| at.timestamp() <= now);
        pre_announcements.sort_by(|a, b| {
            a.0.meta
                .release
                .cmp(&b.0.meta.release)
                .then_with(|| a.0.meta.slug.cmp(&b.0.meta.slug))
        });
        Visibility {
            now,
            preview: false,
            advisories,
            embargoed,
            pre_announcements,
            hidden_pre_announcements,
        }
    }
}

/// Something under embargo found in a public file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leak {
    pub file: String,
    pub found: String,
    pub what: String,
}

impl std::fmt::Display for Leak {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: contains `{}`, {}", self.file, self.found, self.what)
    }
}

/// What one hidden pattern is, for its boundary test and its report.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Id,
    Title,
}

#[derive(Clone, PartialEq)]
struct Pattern {
    kind: Kind,
    /// Index into `Wall::labels`.
    label: usize,
    /// When it stops being secret.
    public_at: Timestamp,
}

/// A dash reads as a space between words, and a space as a dash; so do
/// the other [`spaced::BETWEEN_WORDS`]: in the wall's search, and so in
/// what exempts a hidden title. The search also reads each run of them as
/// one (`std::fs` is `std fs`, as a slug writes it; `(overflow)` is
/// `overflow`), so a sentence's `. ` is a title's single space too: a
/// hidden title of 12 characters or more across a sentence's end is rare,
/// and a false alarm stops a build where a miss would publish.
const READ_AS_SPACE: [(u8, u8); spaced::BETWEEN_WORDS.len()] = {
    let mut pairs = [(0, b' '); spaced::BETWEEN_WORDS.len()];
    let mut i = 0;
    while i < pairs.len() {
        pairs[i].0 = spaced::BETWEEN_WORDS[i];
        i += 1;
    }
    pairs
};

/// Titles shorter than this (in canonical form) are not scanned: they
/// occur by chance in other text.
pub const MIN_TITLE: usize = 12;

/// A scanner for every id and title that is still hidden at the build's
/// moment, compared in the canonical form of [`crate::canon`].
///
/// Each pattern keeps the moment it becomes public, so one wall also
/// serves the channel texts: a text that goes out at `t` may name what is
/// public at `t` and nothing hidden then.
///
/// The cost is linear: building is linear in the hidden ids and titles
/// (an Aho-Corasick automaton, [`Matcher`]), and each scan is linear in
/// the output plus the number of matches.
pub struct Wall {
    automaton: Option<Matcher>,
    patterns: Vec<Pattern>,
    labels: Vec<String>,
    /// Digests of repeated contents found clean at the build's moment (see
    /// [`Wall::check_repeated`]).
    clean: std::sync::Mutex<std::collections::HashSet<[u8; 32]>>,
    /// The environment's secrets, which no file may hold either.
    secrets: Secrets,
    /// A digest of the patterns and their moments (see [`Wall::key`]).
    patterns_key: crate::memo::Key,
    /// Some pattern holds `<` or `>`, so files are also read in the angled
    /// readings of [`crate::canon::readings`].
    angled: bool,
    /// The hidden CVE and GHSA ids, by canonical text, to their pattern:
    /// for the ids written with other separators ([`crate::respelled`]).
    ids: std::collections::HashMap<String, usize>,
    /// How far on each side of a letter-spaced run the text is read with
    /// it (see [`Wall::letter_spaced`]): the longest hidden title, at most
    /// [`SPACED_REACH`].
    reach: usize,
}

/// The fewest letters of a letter-spaced run the wall reads through, in
/// full or in part of a title: two, so that one short word spaced out
/// (`on n e t w o r k file systems`, `f o r`) is read as the word. A run
/// only says where to look; what is found is a whole hidden title.
const SPACED_MIN: usize = 2;

/// The most bytes read on each side of a letter-spaced run: a title
/// longer than this, spaced out in part, is not read through, and no run
/// costs more than a few hundred bytes of search.
const SPACED_REACH: usize = 256;

impl Wall {
    /// A wall that stops nothing: only for the embargoed preview.
    pub fn none() -> Self {
        Wall {
            automaton: None,
            patterns: Vec::new(),
            labels: Vec::new(),
            clean: Default::default(),
            secrets: Secrets::default(),
            patterns_key: crate::memo::Hasher::new("no wall").finish(),
            angled: false,
            ids: Default::default(),
            reach: 0,
        }
    }

    pub fn new(vis: &Visibility) -> Self {
        Self::built(&Gathered::of(vis))
    }

    /// The wall of what [`Gathered::of`] read.
    fn built(g: &Gathered) -> Self {
        let mut texts = g.texts.clone();
        let mut patterns = g.patterns.clone();
        let mut labels = g.labels.clone();
        // The three searches for exemptions read the titles and nothing
        // else, and each takes a fifth of the wall's time on a large tree:
        // side by side. The third is for each title with no space between
        // its words (written letter by letter, or in camel case: see
        // [`crate::spaced`]). That form is exempt where a title public
        // before it holds it in the same form, as the title itself is.
        let (exempt_slugs, (exempt, squeezed)) = rayon::join(
            || exempt_titles(&g.hidden_slugs, &g.titles),
            || {
                rayon::join(
                    || exempt_titles(&g.hidden_titles, &g.titles),
                    || unexempt_forms(spaced::squeezed, &g.hidden_titles, &g.titles),
                )
            },
        );
        // A slug is matched as an id is, whole: `cargo-2025-06` is not in
        // `cargo-2025-061`.
        for (i, (slug, at, _, label)) in g.hidden_slugs.iter().enumerate() {
            if slug.len() < MIN_TITLE || exempt_slugs.contains(&i) {
                continue;
            }
            labels.push(label.clone());
            texts.push(slug.clone());
            patterns.push(Pattern {
                kind: Kind::Id,
                label: labels.len() - 1,
                public_at: *at,
            });
        }
        let hidden_titles = g.hidden_titles.iter().zip(&g.title_forms);
        for (i, ((title, at, _, label), others)) in hidden_titles.enumerate() {
            if title.len() < MIN_TITLE || exempt.contains(&i) {
                continue;
            }
            labels.push(label.clone());
            let mut forms: Vec<&String> = Vec::new();
            for form in others.iter().chain(squeezed[i].as_ref()) {
                if form.len() >= MIN_TITLE && form != title && !forms.contains(&form) {
                    forms.push(form);
                }
            }
            for form in std::iter::once(title).chain(forms) {
                texts.push(form.clone());
                patterns.push(Pattern {
                    kind: Kind::Title,
                    label: labels.len() - 1,
                    public_at: *at,
                });
            }
        }
        Self::from_parts(texts, patterns, labels)
    }

    /// A wall that never opens, for `ids` and `texts` (titles, summaries)
    /// that a text must not carry at all: what a pre-announcement must not
    /// say of its advisory.
    pub fn forever(ids: &[&str], texts: &[&str], what: &str) -> Self {
        let never = |kind| Pattern {
            kind,
            label: 0,
            public_at: Timestamp::MAX,
        };
        let mut needles = Vec::new();
        let mut patterns = Vec::new();
        for id in ids {
            needles.push(canonical(id.as_bytes()));
            patterns.push(never(Kind::Id));
        }
        let forms = all_forms(texts.iter().copied());
        let variants: Vec<String> = forms.iter().map(|t| spaced::squeezed(t)).collect();
        for t in forms.into_iter().chain(variants) {
            if t.len() >= MIN_TITLE {
                needles.push(t);
                patterns.push(never(Kind::Title));
            }
        }
        Self::from_parts(needles, patterns, vec![what.to_string()])
    }

    fn from_parts(texts: Vec<String>, patterns: Vec<Pattern>, labels: Vec<String>) -> Self {
        let (texts, patterns) = distinct(texts, patterns);
        let mut key = crate::memo::Hasher::new("wall");
        for (text, p) in texts.iter().zip(&patterns) {
            let kind = [u8::from(p.kind == Kind::Id)];
            let at = p.public_at.as_nanosecond().to_le_bytes();
            key.part(text.as_bytes()).part(&kind).part(&at);
        }
        // A reader reads `use-after-free` and `use after free`, or a title
        // turned into a URL's words (`security-advisory-for-widgets`,
        // `security/advisory/for/widgets`), as the same words; and
        // `std::fs::read_dir` made a slug (`std-fs-read-dir`), or
        // `gadget - parser`, with as many marks between two words as one.
        let automaton = Matcher::folding_runs(&texts, &READ_AS_SPACE, b' ');
        let angled = texts.iter().any(|t| has_angle(t));
        let reach = texts
            .iter()
            .zip(&patterns)
            .filter(|(_, p)| p.kind == Kind::Title)
            .map(|(t, _)| t.len())
            .max()
            .unwrap_or(0)
            .min(SPACED_REACH);
        let ids = texts
            .iter()
            .zip(&patterns)
            .enumerate()
            .filter(|(_, (t, p))| {
                p.kind == Kind::Id && (t.starts_with("cve-") || t.starts_with("ghsa-"))
            })
            .map(|(i, (t, _))| (t.clone(), i))
            .collect();
        Wall {
            automaton,
            patterns,
            labels,
            clean: Default::default(),
            secrets: Secrets::default(),
            patterns_key: key.finish(),
            angled,
            ids,
            reach,
        }
    }

    /// What decides whether a file passes: every hidden pattern with the
    /// moment it opens, and the secrets. A file that passed a wall with the
    /// same key passes this one, at the same moment, without a new scan.
    pub fn key(&self) -> crate::memo::Key {
        let mut h = crate::memo::Hasher::new("wall and secrets");
        h.part(&self.patterns_key);
        self.secrets.digest_into(&mut h);
        h.finish()
    }

    /// Hold a public file against the wall at the build's moment.
    pub fn check(&self, file: &str, bytes: &[u8]) -> Result<(), Leak> {
        self.check_at(file, bytes, None)
    }

    /// The same wall, also refusing any file that holds one of `secrets`.
    pub fn with_secrets(mut self, secrets: Secrets) -> Self {
        self.secrets = secrets;
        self
    }

    /// Whether `bytes` hold a secret of the environment; the leak never
    /// names its value. A mail is read as its receiver reads it: a
    /// quoted-printable soft line break inside a token, or a password's
    /// `=` written `=3D`, must not hide it until publish, the last look,
    /// refuses the text at the moment it is due.
    pub fn check_secrets(&self, file: &str, bytes: &[u8]) -> Result<(), Leak> {
        // With no values to look for there is nothing to decode: a private
        // key never reaches a text (`load` refuses it in the tree).
        let found = if file.ends_with(".eml") && !self.secrets.is_empty() {
            self.secrets.find(bytes)
        } else {
            self.secrets.find_as_written(bytes)
        };
        match found {
            None => Ok(()),
            Some(what) => Err(Leak {
                file: file.to_string(),
                found: "…".into(),
                what: format!("{what}, a secret of the environment this build runs in"),
            }),
        }
    }

    /// Hold `file` (its name and its bytes) against the wall as it stands
    /// at `at`; `None`: as it stands at the build's moment.
    pub fn check_at(&self, file: &str, bytes: &[u8], at: Option<Timestamp>) -> Result<(), Leak> {
        self.check_secrets(file, bytes)?;
        let Some(ac) = &self.automaton else {
            return Ok(());
        };
        // A quoted-printable mail is read by its receiver decoded: a soft
        // line break can fall inside a title, and a hidden title with a
        // letter outside ASCII is `=C3=9C…` as written.
        // Only mails: a web page's reader sees `=C3` as written.
        let mail =
            file.ends_with(".eml") && memchr::memmem::find(bytes, b"quoted-printable").is_some();
        let decoded = mail
            .then(|| quoted_printable::decode(bytes, quoted_printable::ParseMode::Robust).ok())
            .flatten();
        let inputs = [file.as_bytes(), bytes]
            .into_iter()
            .chain(decoded.as_deref());
        let found = self.search(ac, inputs, at);
        match found {
            None => Ok(()),
            Some((p, found)) => Err(Leak {
                file: file.to_string(),
                found,
                what: self.labels[p.label].clone(),
            }),
        }
    }

    /// The first hidden pattern in any reading of `inputs`.
    fn search<'a>(
        &self,
        ac: &Matcher,
        inputs: impl IntoIterator<Item = &'a [u8]>,
        at: Option<Timestamp>,
    ) -> Option<(&Pattern, String)> {
        inputs
            .into_iter()
            .flat_map(|b| self.readings(b))
            .find_map(|text| self.find(ac, &text, at))
    }

    /// [`Wall::check`] for contents that the build writes more than once
    /// (each OSV record is its own file and a piece of `osv.json`): bytes
    /// already found clean are not read again. Keyed by a cryptographic
    /// digest, so no crafted text can pass for a clean one.
    pub fn check_repeated(&self, file: &str, bytes: &[u8]) -> Result<(), Leak> {
        let key = *blake3::hash(bytes).as_bytes();
        let clean = || self.clean.lock().unwrap_or_else(|p| p.into_inner());
        if clean().contains(&key) {
            return self.check(file, b"");
        }
        self.check(file, bytes)?;
        clean().insert(key);
        Ok(())
    }

    /// Every canonical reading of `bytes` this wall holds patterns for.
    pub fn readings(&self, bytes: &[u8]) -> impl Iterator<Item = String> {
        readings(bytes, self.angled).into_iter()
    }

    /// The first hidden pattern in canonical `text`, and what was found.
    pub fn find_in_canonical(&self, text: &str, at: Option<Timestamp>) -> Option<(String, String)> {
        let ac = self.automaton.as_ref()?;
        self.find(ac, text, at)
            .map(|(p, found)| (found, self.labels[p.label].clone()))
    }

    fn find(&self, ac: &Matcher, text: &str, at: Option<Timestamp>) -> Option<(&Pattern, String)> {
        let bytes = text.as_bytes();
        let found = ac.first(bytes, |pattern, end| {
            let p = &self.patterns[pattern];
            // Open at `at`, or `CVE-2024-1000` inside `CVE-2024-10001`.
            !(at.is_some_and(|t| p.public_at <= t)
                || p.kind == Kind::Id && bytes.get(end).is_some_and(|b| b.is_ascii_alphanumeric()))
        });
        let (pattern, start, end) = found
            .or_else(|| self.respelled(text, at))
            .or_else(|| self.letter_spaced(ac, text, at))?;
        // Patterns and respelled ids are whole canonical strings, so a
        // match starts and ends on character boundaries.
        let found = String::from_utf8_lossy(&bytes[start..end]).into_owned();
        Some((&self.patterns[pattern], found))
    }

    /// A hidden title in `text` written letter by letter, in full or in
    /// part (`Security a d v i s o r y for the gadget`): its pattern (the
    /// title without its spaces), and where it is in `text`. The canonical
    /// form has made every run of white space one space, so a spaced word
    /// has lost the gaps that set it apart from the next: the run is read
    /// with [`Wall::reach`] bytes on each side, all without gaps, against
    /// each title's form with none.
    fn letter_spaced(
        &self,
        ac: &Matcher,
        text: &str,
        at: Option<Timestamp>,
    ) -> Option<(usize, usize, usize)> {
        // Each run with its reach on both sides; windows that overlap are
        // read as one, so that no byte is read twice however close the
        // runs (`a b xx a b xx …`), and the whole stays linear.
        let mut windows: Vec<(usize, usize)> = Vec::new();
        for (start, end) in spaced::runs(text, SPACED_MIN) {
            let mut from = start.saturating_sub(self.reach);
            while !text.is_char_boundary(from) {
                from += 1;
            }
            let mut to = (end + self.reach).min(text.len());
            while !text.is_char_boundary(to) {
                to -= 1;
            }
            match windows.last_mut() {
                Some(last) if from <= last.1 => last.1 = last.1.max(to),
                _ => windows.push((from, to)),
            }
        }
        windows.into_iter().find_map(|(from, to)| {
            let (read, origin) = spaced::squeezed_at(&text[from..to]);
            let (p, s, e) = ac.first(read.as_bytes(), |pattern, _| {
                let p = &self.patterns[pattern];
                p.kind == Kind::Title && at.is_none_or(|t| p.public_at > t)
            })?;
            // Patterns are whole strings, so `s` and `e` are on
            // characters, and so are their origins.
            Some((p, from + origin[s], from + origin[e - 1] + 1))
        })
    }

    /// A hidden id in `text` written with other separators than its own
    /// (`CVE 2024 2000`): its pattern, start and end.
    fn respelled(&self, text: &str, at: Option<Timestamp>) -> Option<(usize, usize, usize)> {
        if self.ids.is_empty() {
            return None;
        }
        crate::respelled::ids(text).find_map(|(start, end, id)| {
            let &p = self.ids.get(&id)?;
            let hidden = at.is_none_or(|t| self.patterns[p].public_at > t);
            hidden.then_some((p, start, end))
        })
    }
}

/// One pattern per distinct text and kind, the one hidden longest.
/// Embargoed advisories may share a title or a summary; a text is hidden
/// at a moment exactly when its latest holder's is, so this finds what the
/// whole list finds, and an occurrence is not reported once per holder
/// (quadratic in their number when most of them are public at a text's
/// moment).
fn distinct(texts: Vec<String>, patterns: Vec<Pattern>) -> (Vec<String>, Vec<Pattern>) {
    let mut seen: std::collections::HashMap<(String, bool), usize> = Default::default();
    let mut kept: (Vec<String>, Vec<Pattern>) = Default::default();
    for (text, p) in texts.into_iter().zip(patterns) {
        match seen.entry((text, p.kind == Kind::Id)) {
            std::collections::hash_map::Entry::Occupied(at) => {
                let held = &mut kept.1[*at.get()];
                if p.public_at > held.public_at {
                    *held = p;
                }
            }
            std::collections::hash_map::Entry::Vacant(slot) => {
                kept.0.push(slot.key().0.clone());
                kept.1.push(p);
                slot.insert(kept.1.len() - 1);
            }
        }
    }
    kept
}

/// Every form hidden texts are looked for in, each once: for each text,
/// canonical first, then as written when it holds an escape, and with `<`
/// as text when it holds `<`.
fn all_forms<'t>(texts: impl IntoIterator<Item = &'t str>) -> Vec<String> {
    let mut forms: Vec<String> = Vec::new();
    for text in texts {
        for form in readings(text.as_bytes(), false)
            .into_iter()
            .chain(untagged(text.as_bytes()))
        {
            if !forms.contains(&form) {
                forms.push(form);
            }
        }
    }
    forms
}

/// The contiguous NFA, whose construction is linear in the hidden text
/// (the crate's DFA is not: see [`crate::matcher`]), for the exemption
/// check, which searches only titles.
fn automaton() -> aho_corasick::AhoCorasickBuilder {
    let mut b = AhoCorasick::builder();
    b.match_kind(MatchKind::Standard)
        .kind(Some(aho_corasick::AhoCorasickKind::ContiguousNFA));
    b
}

/// A title, summary or slug as the exemptions read it: its canonical
/// form, the moment it becomes public, and the slug that holds it.
type Held = (String, Timestamp, String);

/// A hidden title or slug: its canonical form, the moment it becomes
/// public, its holder's slug, and what a leak of it is called.
type Hidden = (String, Timestamp, String, String);

/// Everything [`Wall::new`] reads of a tree at one moment, gathered
/// first: the wall is a function of this and of nothing else, so `herald
/// serve` keeps its wall for as long as edits leave this the same (see
/// [`Walls`]), and cannot keep it when anything the wall reads changed.
#[derive(Clone, PartialEq)]
struct Gathered {
    /// The hidden ids, with their patterns and labels.
    texts: Vec<String>,
    patterns: Vec<Pattern>,
    labels: Vec<String>,
    /// Every title, summary and slug with the moment it becomes public,
    /// for the exemptions.
    titles: Vec<Held>,
    hidden_slugs: Vec<Hidden>,
    hidden_titles: Vec<Hidden>,
    /// Each hidden title's forms (`all_forms`); the canonical one is
    /// dropped when the patterns are made.
    title_forms: Vec<Vec<String>>,
}

impl Gathered {
    fn of(vis: &Visibility) -> Self {
        let mut texts: Vec<String> = Vec::new();
        let mut patterns: Vec<Pattern> = Vec::new();
        let mut labels: Vec<String> = Vec::new();
        let mut titles: Vec<Held> = Vec::new();
        for d in &vis.advisories {
            let texts = d.meta.descriptions().map(|(_, text)| text);
            for text in texts.chain([d.meta.slug.as_str()]) {
                titles.push((
                    canonical(text.as_bytes()),
                    d.meta.embargo.timestamp(),
                    d.meta.slug.to_string(),
                ));
            }
        }
        for (d, at) in &vis.pre_announcements {
            for text in [d.meta.title.as_str(), d.meta.slug.as_str()] {
                titles.push((
                    canonical(text.as_bytes()),
                    at.timestamp(),
                    d.meta.slug.to_string(),
                ));
            }
        }
        // An embargoed advisory's slug names it as surely as its ids when
        // it is descriptive (`std-fs-heap-overflow`): the one a link to its
        // source file or its future page carries.
        let mut hidden_slugs: Vec<Hidden> = Vec::new();
        let mut hidden_titles: Vec<Hidden> = Vec::new();
        let mut title_forms: Vec<Vec<String>> = Vec::new();
        for doc in &vis.embargoed {
            let a = &doc.meta;
            let at = a.embargo.timestamp();
            let what = format!("from advisory `{}`, embargoed until {}", a.slug, a.embargo);
            // The summary says what the title says, often more plainly:
            // the index and the feed show both.
            for (which, text) in a.descriptions() {
                let canon = canonical(text.as_bytes());
                titles.push((canon.clone(), at, a.slug.to_string()));
                hidden_titles.push((canon, at, a.slug.to_string(), format!("{which} {what}")));
                title_forms.push(all_forms([text]));
            }
            let ids: Vec<(String, &str)> = a
                .cves
                .iter()
                .map(|c| (canonical(c.as_str().as_bytes()), "a CVE id"))
                .chain(
                    a.ghsa
                        .iter()
                        .map(|g| (canonical(g.id.as_str().as_bytes()), "a GHSA id")),
                )
                .collect();
            let slug = canonical(a.slug.as_str().as_bytes());
            titles.push((slug.clone(), at, a.slug.to_string()));
            if !ids.iter().any(|(id, _)| *id == slug) {
                hidden_slugs.push((slug, at, a.slug.to_string(), format!("the slug {what}")));
            }
            for (id, kind) in ids {
                labels.push(format!("{kind} {what}"));
                texts.push(id);
                patterns.push(Pattern {
                    kind: Kind::Id,
                    label: labels.len() - 1,
                    public_at: at,
                });
            }
        }
        for (doc, at) in &vis.hidden_pre_announcements {
            let p = &doc.meta;
            let title = canonical(p.title.as_bytes());
            titles.push((title.clone(), at.timestamp(), p.slug.to_string()));
            // Its texts go out under its slug at its own moment, which may
            // hold the advisory's (`pre-<component>-<date>`).
            let slug = canonical(p.slug.as_str().as_bytes());
            titles.push((slug, at.timestamp(), p.slug.to_string()));
            title_forms.push(all_forms([p.title.as_str()]));
            hidden_titles.push((
                title,
                at.timestamp(),
                p.slug.to_string(),
                format!(
                    "the title of pre-announcement `{}`, not public until {at}",
                    p.slug
                ),
            ));
        }
        Gathered {
            texts,
            patterns,
            labels,
            titles,
            hidden_slugs,
            hidden_titles,
            title_forms,
        }
    }
}

/// The last wall built and what it read, for `herald serve`: a rebuild
/// whose edits change no title, summary, slug, id or moment keeps it.
/// Building it is a fixed cost of every build (about a tenth of a second
/// at 10,000 advisories), and most edits are to a body.
pub struct Walls {
    /// The secrets every wall refuses too: the environment's, read once
    /// when `serve` starts, so they are the same for every rebuild.
    secrets: Secrets,
    last: std::sync::Mutex<Option<(Gathered, std::sync::Arc<Wall>)>>,
}

impl Walls {
    /// No wall yet; each will also refuse `secrets`.
    pub fn new(secrets: Secrets) -> Self {
        Walls {
            secrets,
            last: Default::default(),
        }
    }

    /// The secrets each wall refuses.
    pub fn secrets(&self) -> Secrets {
        self.secrets.clone()
    }

    /// The wall of `vis`: the last one, when it was built from the same.
    pub fn of(&self, vis: &Visibility) -> std::sync::Arc<Wall> {
        let gathered = Gathered::of(vis);
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((before, wall)) = &*last {
            if *before == gathered {
                return wall.clone();
            }
        }
        let wall = Wall::built(&gathered).with_secrets(self.secrets.clone());
        let wall = std::sync::Arc::new(wall);
        *last = Some((gathered, wall.clone()));
        wall
    }
}

/// Each hidden title in the form `variant` makes of it, or `None` where
/// a title public before it holds it in that form too.
fn unexempt_forms(
    variant: fn(&str) -> String,
    hidden: &[Hidden],
    all: &[Held],
) -> Vec<Option<String>> {
    let of_hidden: Vec<Hidden> = hidden
        .iter()
        .map(|(t, at, slug, _)| (variant(t), *at, slug.clone(), String::new()))
        .collect();
    let of_all: Vec<Held> = all
        .iter()
        .map(|(t, at, slug)| (variant(t), *at, slug.clone()))
        .collect();
    let exempt = exempt_titles(&of_hidden, &of_all);
    of_hidden
        .into_iter()
        .enumerate()
        .map(|(i, (form, ..))| (!exempt.contains(&i)).then_some(form))
        .collect()
}

/// Titles are not unique: "Security advisory for Cargo" may name a
/// published advisory and an embargoed one. A hidden title inside a title
/// that becomes public before it reveals nothing when that one is shown
/// (and while that one is hidden too, it is found as itself), and matching
/// it would stop every build. Returns the indexes of such hidden titles.
///
/// Many embargoed advisories may share one summary, so each distinct
/// hidden text is searched once: with one pattern per holder, every
/// occurrence reported every holder, quadratic in their number (10,000
/// holders of one summary took 1.5 s here).
fn exempt_titles(hidden: &[Hidden], all: &[Held]) -> std::collections::HashSet<usize> {
    // As the wall's search reads them: each run of marks and spaces one
    // space.
    let read = spaced::one_gap;
    let mut distinct: std::collections::HashMap<String, usize> = Default::default();
    let text_of: Vec<usize> = hidden
        .iter()
        .map(|h| {
            let next = distinct.len();
            *distinct.entry(read(&h.0)).or_insert(next)
        })
        .collect();
    let mut texts = vec![""; distinct.len()];
    for (text, i) in &distinct {
        texts[*i] = text;
    }
    let Ok(ac) = automaton().build(&texts) else {
        return Default::default();
    };
    // For each distinct text, the earliest title that holds it, and the
    // earliest held under another slug than that one's: enough to tell
    // whether some title of another slug, public before a hidden one,
    // holds it.
    let mut earliest: Vec<[Option<(Timestamp, &str)>; 2]> = vec![[None, None]; texts.len()];
    for (title, at, slug) in all {
        let slug = slug.as_str();
        for m in ac.find_overlapping_iter(&read(title)) {
            let e = &mut earliest[m.pattern().as_usize()];
            match e[0] {
                None => e[0] = Some((*at, slug)),
                Some((first, its)) if its == slug => {
                    if *at < first {
                        e[0] = Some((*at, slug));
                    }
                }
                Some((first, _)) if *at < first => {
                    e[1] = e[0];
                    e[0] = Some((*at, slug));
                }
                Some(_) => {
                    if e[1].is_none_or(|(second, _)| *at < second) {
                        e[1] = Some((*at, slug));
                    }
                }
            }
        }
    }
    let public_before =
        |e: Option<(Timestamp, &str)>, moment: Timestamp| e.is_some_and(|(at, _)| at < moment);
    hidden
        .iter()
        .zip(text_of)
        .enumerate()
        .filter(|(_, ((_, moment, slug, _), t))| match earliest[*t] {
            [Some((_, first)), second] if first == slug.as_str() => public_before(second, *moment),
            [first, _] => public_before(first, *moment),
        })
        .map(|(i, _)| i)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The exemptions as they were first written: one pattern per hidden
    /// text, each occurrence checked against its holder.
    fn exempt_naive(hidden: &[Hidden], all: &[Held]) -> std::collections::HashSet<usize> {
        let read = spaced::one_gap;
        let ac = automaton()
            .build(hidden.iter().map(|h| read(&h.0)))
            .unwrap();
        let mut exempt = std::collections::HashSet::new();
        for (title, at, slug) in all {
            for m in ac.find_overlapping_iter(&read(title)) {
                let h = &hidden[m.pattern().as_usize()];
                if h.2 != *slug && *at < h.1 {
                    exempt.insert(m.pattern().as_usize());
                }
            }
        }
        exempt
    }

    /// `herald serve` keeps its wall through an edit to a body, and builds
    /// it again when a title or the moment changes what is hidden.
    #[test]
    fn a_remembered_wall_is_kept_only_while_what_it_reads_is_the_same() {
        use std::sync::Arc;
        let tree = crate::testgen::example_tree();
        let file = tree.path().join("advisories/2024/cve-2024-24576.md");
        let original = std::fs::read_to_string(&file).expect("read");
        let title = "Security advisory for the standard library (CVE-2024-24576)";
        let before: Timestamp = "2024-04-01T00:00:00Z".parse().expect("moment");
        let walls = Walls::new(Secrets::default());
        let wall_of = |now: Timestamp| {
            let (project, _) = crate::load::load(tree.path()).expect("loads");
            walls.of(&Visibility::at(&project, now))
        };
        let first = wall_of(before);
        assert!(first.check("index.html", title.as_bytes()).is_err());
        assert!(Arc::ptr_eq(&first, &wall_of(before)), "the same tree");

        std::fs::write(&file, format!("{original}\nOne more paragraph.\n")).expect("write");
        assert!(Arc::ptr_eq(&first, &wall_of(before)), "a body edit");

        let renamed = "Security advisory for the standard library, batch files";
        std::fs::write(&file, original.replacen(title, renamed, 1)).expect("write");
        let second = wall_of(before);
        assert!(!Arc::ptr_eq(&first, &second), "a title edit");
        assert!(second.check("index.html", renamed.as_bytes()).is_err());

        let after: Timestamp = "2024-05-01T00:00:00Z".parse().expect("moment");
        let third = wall_of(after);
        assert!(!Arc::ptr_eq(&second, &third), "the embargo lifted");
        assert!(third.check("index.html", renamed.as_bytes()).is_ok());
    }

    /// A mail goes out quoted-printable when its text is not ASCII: what
    /// its receiver reads is the decoded text, where a soft line break
    /// inside a title, or `=C3=9C` for `Ü`, no longer hides it.
    #[test]
    fn a_quoted_printable_mail_is_read_decoded() {
        let wall = Wall::forever(
            &["CVE-2099-0001"],
            &[
                "Überlauf im Gadget-Parser",
                "Security advisory for the gadget parser",
            ],
            "hidden",
        );
        let mail = |body: &str| {
            format!(
                "Subject: news\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n{body}\r\n"
            )
        };
        for body in [
            "See =C3=9Cberlauf im Gadget-Parser soon.",
            "See Security advisory for the gad=\r\nget parser soon.",
            "See CVE-2099-=\r\n0001 soon.",
        ] {
            assert!(
                wall.check("x.eml", mail(body).as_bytes()).is_err(),
                "{body}"
            );
        }
        assert!(wall
            .check("x.eml", mail("Nothing hidden, caf=C3=A9.").as_bytes())
            .is_ok());
    }

    /// A private notice is held against the run's secrets only, but as its
    /// receiver reads it: a soft line break inside a token, or a
    /// password's `=` written `=3D`, hides nothing.
    #[test]
    fn a_secret_is_found_in_a_mail_as_its_receiver_reads_it() {
        let wall = Wall::forever(&["CVE-2099-0001"], &[], "hidden").with_secrets(Secrets::of(
            &crate::publish::Credentials {
                github_token: Some("ghp_abcdefghijklmnopqrstuvwxyz0123".into()),
                smtp_url: Some("smtps://bot:pass%3Dword%3D0123456@mail.example.org".into()),
                ..Default::default()
            },
        ));
        let mail = |body: &str| {
            format!(
                "Subject: news\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n{body}\r\n"
            )
        };
        for body in [
            "token ghp_abcdefghijklm=\r\nnopqrstuvwxyz0123 here",
            "password pass=3Dword=3D0123456 here",
        ] {
            assert!(
                wall.check_secrets("outbox/x/distros.eml", mail(body).as_bytes())
                    .is_err(),
                "{body}"
            );
            // A page shows `=3D` as written: no secret there.
            assert!(wall.check_secrets("x.html", mail(body).as_bytes()).is_ok());
        }
        assert!(wall
            .check_secrets("outbox/x/distros.eml", mail("caf=C3=A9").as_bytes())
            .is_ok());
    }

    proptest::proptest! {
        /// Shared texts, shared slugs and equal moments: the search of each
        /// distinct text exempts what one pattern per holder exempted.
        #[test]
        fn the_exemptions_of_shared_texts_are_those_of_each_holder(
            hidden in proptest::collection::vec(("(widgets|gadgets)[ ./-]overflow", 0i64..4, 0usize..3), 1..12),
            all in proptest::collection::vec(("(a[ -])?(widgets|gadgets)[ :/-]overflow( b)?", 0i64..4, 0usize..3), 0..12),
        ) {
            let slugs = ["one", "two", "three"];
            let at = |s: i64| Timestamp::from_second(s).unwrap();
            let hidden: Vec<Hidden> = hidden
                .into_iter()
                .map(|(t, s, slug)| (t, at(s), slugs[slug].to_string(), String::new()))
                .collect();
            let all: Vec<Held> = all
                .into_iter()
                .map(|(t, s, slug)| (t, at(s), slugs[slug].to_string()))
                .collect();
            proptest::prop_assert_eq!(exempt_titles(&hidden, &all), exempt_naive(&hidden, &all));
        }
    }
}
