//! The wall's multi-pattern search: every occurrence of every hidden id
//! and title in a canonical text, overlapping ones included.
//!
//! Aho-Corasick as a DFA, built here rather than by the `aho-corasick`
//! crate because of how each builds. The crate's DFA fills a missing
//! transition by walking the failure chain in its NFA, which is quadratic
//! for a periodic pattern: one 100 KB hidden title took 25 s. Here states
//! are numbered and finished in order of depth, so a missing transition is
//! copied from the failure state's row, already complete: construction is
//! O(states × byte classes), and the search is one table load per byte,
//! about three times the speed of the crate's contiguous NFA on site pages.
//! [`Matcher::first`] runs several such searches over one text at once.
//!
//! The table has one row per trie state, so its size is known before it
//! is built. Past [`DFA_BUDGET`] bytes the crate's contiguous NFA is used
//! instead, whose construction and memory are linear in the patterns.

use std::ops::ControlFlow;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};

/// The largest transition table built, in bytes. The benchmark's 3,000
/// hidden advisories need about 30 MB.
pub const DFA_BUDGET: usize = 96 << 20;

/// Set on a transition whose target state ends a pattern, directly or
/// through its output chain: the search tests one bit per byte.
const REPORTS: u32 = 1 << 31;
const NONE: u32 = u32::MAX;

/// Lanes [`Dfa::first`] searches at once.
const LANES: usize = 4;

pub struct Matcher {
    engine: Engine,
    /// Each pattern's length in bytes, for a match's start.
    lengths: Vec<usize>,
    /// How each byte is read, in patterns and texts alike, when some byte
    /// is read as another (see [`Matcher::folding_runs`]); the DFA has it in its
    /// byte classes, the NFA maps a copy of each text.
    read: Option<[u8; 256]>,
    /// The byte (as read) whose every run is read as one (see
    /// [`Matcher::folding_runs`]).
    gap: Option<u8>,
}

enum Engine {
    Dfa(Dfa),
    Nfa(AhoCorasick),
}

impl Matcher {
    /// `None` when there is nothing to find.
    pub fn new<S: AsRef<[u8]>>(patterns: &[S]) -> Option<Self> {
        Self::with_budget(patterns, DFA_BUDGET)
    }

    pub fn with_budget<S: AsRef<[u8]>>(patterns: &[S], budget: usize) -> Option<Self> {
        Self::build(patterns, budget, &[], None)
    }

    /// A matcher that reads each byte `a` of `same` as its `b`, in the
    /// patterns and in every text: `(b'-', b' ')` finds `a b` where the
    /// pattern says `a-b`, and `a-b` where it says `a b`. The DFA gives
    /// `a` the class of `b`, which costs the search nothing. Also every run
    /// of bytes read as `gap` is read as one, in the patterns and in every
    /// text: with `(b':', b' ')`, the pattern `a b` is found in `a::b` and
    /// `a - b`, and so is `a::b`. A match's start and end are in the text
    /// as given, its whole run of gaps included where the pattern begins
    /// with one.
    ///
    /// The DFA stays one table load per byte: a state entered by a gap
    /// stays where it is on the next gap, as it would if that gap were not
    /// there.
    pub fn folding_runs<S: AsRef<[u8]>>(
        patterns: &[S],
        same: &[(u8, u8)],
        gap: u8,
    ) -> Option<Self> {
        Self::build(patterns, DFA_BUDGET, same, Some(gap))
    }

    fn build<S: AsRef<[u8]>>(
        patterns: &[S],
        budget: usize,
        same: &[(u8, u8)],
        gap: Option<u8>,
    ) -> Option<Self> {
        let mut read: [u8; 256] = std::array::from_fn(|b| b as u8);
        for &(a, b) in same {
            read[a as usize] = b;
        }
        let patterns: Vec<Vec<u8>> = patterns
            .iter()
            .map(|p| {
                let mut out: Vec<u8> = Vec::with_capacity(p.as_ref().len());
                for &b in p.as_ref() {
                    let b = read[b as usize];
                    if Some(b) != gap || out.last() != Some(&b) {
                        out.push(b);
                    }
                }
                out
            })
            .collect();
        let patterns: Vec<&[u8]> = patterns.iter().map(Vec::as_slice).collect();
        if patterns.is_empty() {
            return None;
        }
        let lengths = patterns.iter().map(|p| p.len()).collect();
        let engine = match Dfa::size(&patterns) {
            Some(bytes) if bytes <= budget => {
                let mut dfa = Dfa::new(&patterns, bytes / 4, gap);
                let classes = dfa.classes;
                dfa.classes = std::array::from_fn(|b| classes[read[b] as usize]);
                Engine::Dfa(dfa)
            }
            _ => Engine::Nfa(
                AhoCorasick::builder()
                    .match_kind(MatchKind::Standard)
                    .kind(Some(AhoCorasickKind::ContiguousNFA))
                    .build(&patterns)
                    .ok()?,
            ),
        };
        Some(Matcher {
            engine,
            lengths,
            read: (!same.is_empty() || gap.is_some()).then_some(read),
            gap,
        })
    }

    fn is_gap(&self, b: u8) -> bool {
        match (self.gap, &self.read) {
            (Some(gap), Some(read)) => read[b as usize] == gap,
            _ => false,
        }
    }

    /// Where the match of pattern `p` ending at `end` starts: as many
    /// bytes back as the pattern is long, or, where runs of gaps are read
    /// as one, as many characters, each run counting once. Linear in the
    /// match's length.
    fn start(&self, text: &[u8], p: usize, end: usize) -> usize {
        let len = self.lengths[p];
        if self.gap.is_none() {
            return end - len;
        }
        let mut at = end;
        for _ in 0..len {
            at -= 1;
            if self.is_gap(text[at]) {
                while at > 0 && self.is_gap(text[at - 1]) {
                    at -= 1;
                }
            }
        }
        at
    }

    /// The text as the NFA reads it: each byte as read, each run of gaps
    /// one byte; and where each byte of that came from.
    fn mapped(&self, text: &[u8]) -> (Vec<u8>, Vec<usize>) {
        let read = self.read.unwrap_or(std::array::from_fn(|b| b as u8));
        let mut out = Vec::with_capacity(text.len());
        let mut from = Vec::with_capacity(if self.gap.is_some() { text.len() } else { 0 });
        for (i, &b) in text.iter().enumerate() {
            let b = read[b as usize];
            if self.gap == Some(b) && out.last() == Some(&b) {
                continue;
            }
            out.push(b);
            if self.gap.is_some() {
                from.push(i);
            }
        }
        (out, from)
    }

    /// Calls `f(pattern, start, end)` for every occurrence in `text`, in
    /// order of `end`, until it breaks.
    pub fn for_each<B>(
        &self,
        text: &[u8],
        mut f: impl FnMut(usize, usize, usize) -> ControlFlow<B>,
    ) -> Option<B> {
        match &self.engine {
            Engine::Dfa(dfa) => dfa.search(text, |p, end| f(p, self.start(text, p, end), end)),
            Engine::Nfa(ac) => {
                let (mapped, from) = match &self.read {
                    None => (None, Vec::new()),
                    Some(_) => {
                        let (m, f) = self.mapped(text);
                        (Some(m), f)
                    }
                };
                let searched = mapped.as_deref().unwrap_or(text);
                for m in ac.find_overlapping_iter(searched) {
                    let (start, end) = match self.gap {
                        None => (m.start(), m.end()),
                        // An empty pattern (none of the wall's) matches
                        // between bytes: at the next byte's origin.
                        Some(_) if m.is_empty() => {
                            let at = from.get(m.start()).copied().unwrap_or(text.len());
                            (at, at)
                        }
                        Some(_) => (from[m.start()], from[m.end() - 1] + 1),
                    };
                    if let ControlFlow::Break(b) = f(m.pattern().as_usize(), start, end) {
                        return Some(b);
                    }
                }
                None
            }
        }
    }

    /// The first occurrence in `text`, in the order of [`Matcher::for_each`],
    /// for which `qualifies(pattern, end)` holds: what `for_each` gives
    /// when its callback breaks on the first such match, found by the DFA
    /// in several lanes at once (see [`Dfa::first`]). Only that match's
    /// start is worked out: where runs of gaps are read as one, that reads
    /// back over the match, and a long pattern refused at every turn of a
    /// periodic text would make it quadratic.
    pub fn first(
        &self,
        text: &[u8],
        mut qualifies: impl FnMut(usize, usize) -> bool,
    ) -> Option<(usize, usize, usize)> {
        match &self.engine {
            Engine::Dfa(dfa) => dfa
                .first(text, qualifies)
                .map(|(p, end)| (p, self.start(text, p, end), end)),
            Engine::Nfa(_) => self.for_each(text, |p, s, e| {
                if qualifies(p, e) {
                    ControlFlow::Break((p, s, e))
                } else {
                    ControlFlow::Continue(())
                }
            }),
        }
    }

    #[cfg(test)]
    fn is_dfa(&self) -> bool {
        matches!(self.engine, Engine::Dfa(_))
    }
}

struct Dfa {
    /// Each byte's class: bytes that occur in no pattern share class 0.
    classes: [u16; 256],
    stride: usize,
    /// `trans[state + class]`: the next state, premultiplied by `stride`,
    /// with [`REPORTS`] set when it ends a pattern.
    trans: Vec<u32>,
    /// Per state (not premultiplied): the first pattern ending exactly
    /// there, and the nearest state on its failure chain where one ends.
    first: Vec<u32>,
    output_link: Vec<u32>,
    /// Patterns that end at the same state as an earlier one (duplicates).
    next_same: Vec<u32>,
    /// The longest pattern's length.
    longest: usize,
    /// The class whose runs are read as one, if any.
    gap: Option<u16>,
}

impl Dfa {
    /// Class 0 and one class per distinct pattern byte: up to 257.
    fn byte_classes(patterns: &[&[u8]]) -> ([u16; 256], usize) {
        let mut classes = [0u16; 256];
        let mut n = 1u16;
        for p in patterns {
            for &b in *p {
                if classes[b as usize] == 0 {
                    classes[b as usize] = n;
                    n += 1;
                }
            }
        }
        (classes, n as usize)
    }

    /// The table's size in bytes: one row per trie state, counted from the
    /// sorted patterns without building anything. `None` past u32 ids.
    fn size(patterns: &[&[u8]]) -> Option<usize> {
        let mut sorted: Vec<&[u8]> = patterns.to_vec();
        sorted.sort_unstable();
        let mut states = 1usize;
        for (i, p) in sorted.iter().enumerate() {
            let shared = i
                .checked_sub(1)
                .map(|j| common_prefix(sorted[j], p))
                .unwrap_or(0);
            states += p.len() - shared;
        }
        let (_, stride) = Self::byte_classes(patterns);
        let cells = states.checked_mul(stride)?;
        (cells < (REPORTS as usize)).then_some(cells * 4)
    }

    /// `cells` is the table's size from [`Dfa::size`]: reserved at once, so
    /// that growing it never holds two copies.
    fn new(patterns: &[&[u8]], cells: usize, gap: Option<u8>) -> Self {
        let (classes, stride) = Self::byte_classes(patterns);
        // A gap that no pattern holds has class 0 with every other such
        // byte: then no state is entered by a gap, and there is nothing to
        // read as one.
        let gap = gap.map(|g| classes[g as usize]).filter(|&c| c != 0);
        let mut trans = Vec::with_capacity(cells);
        trans.resize(stride, 0);
        let mut dfa = Dfa {
            classes,
            stride,
            trans,
            first: vec![NONE],
            output_link: vec![NONE],
            next_same: vec![NONE; patterns.len()],
            longest: patterns.iter().map(|p| p.len()).max().unwrap_or(0),
            gap,
        };
        // The class of the trie edge into each state.
        let mut into: Vec<u16> = vec![0];
        // The trie, one depth at a time, so that states are numbered in
        // order of depth: the shallow states, where a search spends most of
        // its time, share a few pages of the table instead of being spread
        // over all of it (at N=10,000 the table is 30 MB). 0 is the root, and
        // no trie edge leads to it, so 0 in a row means "no edge" until the
        // row is finished. The longest patterns first, so that depth `d`
        // visits only the patterns longer than `d`; among equally long ones
        // in order, which keeps duplicates in order.
        let mut order: Vec<usize> = (0..patterns.len()).collect();
        order.sort_by_key(|&id| std::cmp::Reverse(patterns[id].len()));
        let mut at = vec![0usize; patterns.len()];
        for d in 0.. {
            let longer = order.partition_point(|&id| patterns[id].len() > d);
            if longer == 0 {
                break;
            }
            for &id in &order[..longer] {
                let cell = at[id] * stride + classes[patterns[id][d] as usize] as usize;
                at[id] = match dfa.trans[cell] {
                    0 => {
                        let next = dfa.first.len();
                        dfa.trans.resize(dfa.trans.len() + stride, 0);
                        dfa.first.push(NONE);
                        dfa.output_link.push(NONE);
                        into.push(classes[patterns[id][d] as usize]);
                        dfa.trans[cell] = next as u32;
                        next
                    }
                    t => t as usize,
                };
            }
        }
        for (id, &end) in at.iter().enumerate() {
            dfa.next_same[id] = dfa.first[end];
            dfa.first[end] = id as u32;
        }
        // In order of depth: a state's failure state is shallower, so its
        // row is finished before the state's own, and a state's failure
        // state is set when its parent's row is.
        let mut fail = vec![0u32; dfa.first.len()];
        for s in 1..dfa.first.len() {
            let f = fail[s] as usize;
            dfa.output_link[s] = if dfa.first[f] != NONE {
                f as u32
            } else {
                dfa.output_link[f]
            };
            for c in 0..stride {
                let t = dfa.trans[s * stride + c];
                let via_fail = dfa.trans[f * stride + c];
                if t == 0 {
                    dfa.trans[s * stride + c] = via_fail;
                } else {
                    fail[t as usize] = via_fail;
                }
            }
        }
        // Premultiply, and flag every transition into a reporting state.
        let reports: Vec<bool> = (0..dfa.first.len())
            .map(|s| dfa.first[s] != NONE || dfa.output_link[s] != NONE)
            .collect();
        for t in &mut dfa.trans {
            let s = *t as usize;
            *t = (s * stride) as u32 | if reports[s] { REPORTS } else { 0 };
        }
        // A state entered by a gap ends in one: the next gap of the run
        // leaves it where it is, and reports nothing again. Done after
        // every row is finished, since the rows copied from this one must
        // hold where a single gap leads.
        if let Some(g) = gap {
            for (s, &c) in into.iter().enumerate().skip(1) {
                if c == g {
                    dfa.trans[s * stride + g as usize] = (s * stride) as u32;
                }
            }
        }
        dfa
    }

    /// Where a lane must start to be in a single search's state at `zone`:
    /// `longest - 1` characters before it, each run of gaps counting once.
    fn warm_start(&self, text: &[u8], zone: usize) -> usize {
        let warm = self.longest.saturating_sub(1);
        let Some(g) = self.gap else {
            return zone.saturating_sub(warm);
        };
        let is_gap = |b: u8| self.classes[b as usize] == g;
        // Never inside a run: its first gap would be read as a new one.
        let run_start = |mut at: usize| {
            while at > 0 && at < text.len() && is_gap(text[at]) && is_gap(text[at - 1]) {
                at -= 1;
            }
            at
        };
        let mut at = run_start(zone);
        for _ in 0..warm {
            if at == 0 {
                break;
            }
            at -= 1;
            if is_gap(text[at]) {
                while at > 0 && is_gap(text[at - 1]) {
                    at -= 1;
                }
            }
        }
        at
    }

    fn search<B>(
        &self,
        text: &[u8],
        mut f: impl FnMut(usize, usize) -> ControlFlow<B>,
    ) -> Option<B> {
        let mut state = 0;
        for (i, &b) in text.iter().enumerate() {
            let (next, reports) = self.step(state, b);
            state = next;
            if reports {
                if let Some(b) = self.ending(state, |p| f(p, i + 1)) {
                    return Some(b);
                }
            }
        }
        None
    }

    /// The state after `state` reads `b`, and whether a pattern ends there.
    #[inline]
    fn step(&self, state: usize, b: u8) -> (usize, bool) {
        let t = self.trans[state + self.classes[b as usize] as usize];
        ((t & !REPORTS) as usize, t & REPORTS != 0)
    }

    /// Every pattern that ends at `state` (premultiplied), in the order
    /// [`Matcher::for_each`] reports them, until `f` breaks.
    fn ending<B>(&self, state: usize, mut f: impl FnMut(usize) -> ControlFlow<B>) -> Option<B> {
        let state = state / self.stride;
        let mut at = if self.first[state] != NONE {
            state as u32
        } else {
            self.output_link[state]
        };
        while at != NONE {
            let mut p = self.first[at as usize];
            while p != NONE {
                if let ControlFlow::Break(b) = f(p as usize) {
                    return Some(b);
                }
                p = self.next_same[p as usize];
            }
            at = self.output_link[at as usize];
        }
        None
    }

    /// The first match (pattern, end) in order of end, then of
    /// [`Dfa::ending`], for which `qualifies` holds.
    ///
    /// One search is a chain of dependent loads from a table of tens of
    /// megabytes, so it runs at the memory's latency, not its bandwidth.
    /// Here the text is cut into [`LANES`] zones searched in one loop, each
    /// lane's load independent of the others', so their latencies overlap.
    /// The state after a byte depends only on the `longest - 1` bytes
    /// before it (a state is a suffix of the text at most `longest` long),
    /// so a lane that starts that far before its zone is in the very state
    /// a single search would be in when the zone begins; before that it
    /// reports nothing. Zones are in text order, so the first lane with a
    /// match has the first match.
    fn first(
        &self,
        text: &[u8],
        mut qualifies: impl FnMut(usize, usize) -> bool,
    ) -> Option<(usize, usize)> {
        let warm = self.longest.saturating_sub(1);
        let zone = text.len().div_ceil(LANES);
        if zone < 64 || warm >= zone {
            // Short texts, or patterns so long that every lane would read
            // the text before its zone again: one search.
            return self.search(text, |p, end| match qualifies(p, end) {
                true => ControlFlow::Break((p, end)),
                false => ControlFlow::Continue(()),
            });
        }
        let mut first_ending = |state: usize, end: usize| {
            self.ending(state, |p| match qualifies(p, end) {
                true => ControlFlow::Break((p, end)),
                false => ControlFlow::Continue(()),
            })
        };
        let zones: [usize; LANES] = std::array::from_fn(|k| k * zone);
        let starts: [usize; LANES] = std::array::from_fn(|k| self.warm_start(text, zones[k]));
        let ends: [usize; LANES] = std::array::from_fn(|k| ((k + 1) * zone).min(text.len()));
        let mut states = [0usize; LANES];
        let mut found: [Option<(usize, usize)>; LANES] = [None; LANES];
        // Every lane steps together for as long as the shortest runs (the
        // first starts at 0, the last may be short); then each finishes
        // alone, in order.
        let together = (0..LANES).map(|k| ends[k] - starts[k]).min().unwrap_or(0);
        for j in 0..together {
            let mut hit = [false; LANES];
            for k in 0..LANES {
                (states[k], hit[k]) = self.step(states[k], text[starts[k] + j]);
            }
            if !hit.contains(&true) {
                continue;
            }
            for k in 0..LANES {
                let i = starts[k] + j;
                if hit[k] && i >= zones[k] && found[k].is_none() {
                    found[k] = first_ending(states[k], i + 1);
                }
            }
            if found[0].is_some() {
                return found[0];
            }
        }
        for k in 0..LANES {
            let rest = text[..ends[k]].iter().enumerate();
            for (i, &b) in rest.skip(starts[k] + together) {
                if found[k].is_some() {
                    break;
                }
                let reports;
                (states[k], reports) = self.step(states[k], b);
                if reports && i >= zones[k] {
                    found[k] = first_ending(states[k], i + 1);
                }
            }
            if found[k].is_some() {
                return found[k];
            }
        }
        None
    }
}

fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(m: &Matcher, text: &str) -> Vec<(usize, usize, usize)> {
        let mut out = Vec::new();
        m.for_each(text.as_bytes(), |p, s, e| {
            out.push((p, s, e));
            ControlFlow::<()>::Continue(())
        });
        out.sort_unstable();
        out
    }

    /// Every occurrence, by brute force.
    fn naive(patterns: &[&str], text: &str) -> Vec<(usize, usize, usize)> {
        let mut out = Vec::new();
        for (p, pat) in patterns.iter().enumerate() {
            for s in 0..=text.len().saturating_sub(pat.len()) {
                if !pat.is_empty() && text.as_bytes()[s..].starts_with(pat.as_bytes()) {
                    out.push((p, s, s + pat.len()));
                }
            }
        }
        out.sort_unstable();
        out
    }

    proptest::proptest! {
        #[test]
        fn both_engines_find_exactly_every_occurrence(
            patterns in proptest::collection::vec("[ab-]{1,6}", 1..8),
            text in "[abc-]{0,60}",
        ) {
            let pats: Vec<&str> = patterns.iter().map(String::as_str).collect();
            let dfa = Matcher::new(&pats).unwrap();
            let nfa = Matcher::with_budget(&pats, 0).unwrap();
            proptest::prop_assert!(dfa.is_dfa() && !nfa.is_dfa());
            let want = naive(&pats, &text);
            proptest::prop_assert_eq!(all(&dfa, &text), want.clone());
            proptest::prop_assert_eq!(all(&nfa, &text), want);
        }
    }

    /// The first qualifying match of one search over the whole text.
    fn single_search_first(
        m: &Matcher,
        text: &str,
        qualifies: impl Fn(usize, usize) -> bool,
    ) -> Option<(usize, usize, usize)> {
        m.for_each(text.as_bytes(), |p, s, e| {
            if qualifies(p, e) {
                ControlFlow::Break((p, s, e))
            } else {
                ControlFlow::Continue(())
            }
        })
    }

    proptest::proptest! {
        /// The lanes find the first qualifying match a single search
        /// finds: across zone edges, with patterns longer than a zone's
        /// lead-in, and with the qualifier refusing some matches.
        #[test]
        fn the_lanes_find_the_first_match_one_search_finds(
            patterns in proptest::collection::vec("[ab-]{1,12}", 1..8),
            pieces in proptest::collection::vec((0usize..8, "[abc-]{0,4}"), 0..120),
            refused in proptest::collection::vec(0usize..8, 0..4),
            (lane, delta) in (0usize..LANES, 0usize..3),
        ) {
            let pats: Vec<&str> = patterns.iter().map(String::as_str).collect();
            // Patterns and bits of others, so that matches are everywhere,
            // zone edges included.
            let text: String = pieces
                .iter()
                .map(|(p, filler)| pats[p % pats.len()].to_string() + filler)
                .collect();
            let m = Matcher::new(&pats).unwrap();
            // Nothing qualifies before a point just inside some lane's zone,
            // so that the first match is that lane's.
            let from = lane * text.len().div_ceil(LANES) + delta;
            let qualifies =
                |p: usize, end: usize| end > from && !refused.contains(&p) && end % 7 != 0;
            let want = single_search_first(&m, &text, qualifies);
            proptest::prop_assert_eq!(m.first(text.as_bytes(), qualifies), want);
        }
    }

    /// Every occurrence where `-` reads as a space and every run of spaces
    /// as one, by brute force over the text so read.
    fn naive_runs(patterns: &[&str], text: &str) -> Vec<(usize, usize, usize)> {
        let read = |t: &str| -> (Vec<u8>, Vec<usize>) {
            let mut out: Vec<u8> = Vec::new();
            let mut from = Vec::new();
            for (i, b) in t.bytes().enumerate() {
                let b = if b == b'-' { b' ' } else { b };
                if !(b == b' ' && out.last() == Some(&b' ')) {
                    out.push(b);
                    from.push(i);
                }
            }
            (out, from)
        };
        let (t, from) = read(text);
        let mut out = Vec::new();
        for (p, pat) in patterns.iter().enumerate() {
            let (pat, _) = read(pat);
            for s in 0..=t.len().saturating_sub(pat.len()) {
                if !pat.is_empty() && t[s..].starts_with(&pat) {
                    out.push((p, from[s], from[s + pat.len() - 1] + 1));
                }
            }
        }
        out.sort_unstable();
        out
    }

    proptest::proptest! {
        #[test]
        fn both_engines_read_each_run_of_gaps_as_one(
            patterns in proptest::collection::vec("[ab -]{1,6}", 1..8),
            text in "[abc -]{0,60}",
        ) {
            let pats: Vec<&str> = patterns.iter().map(String::as_str).collect();
            let same = [(b'-', b' ')];
            let dfa = Matcher::build(&pats, DFA_BUDGET, &same, Some(b' ')).unwrap();
            let nfa = Matcher::build(&pats, 0, &same, Some(b' ')).unwrap();
            proptest::prop_assert!(dfa.is_dfa() && !nfa.is_dfa());
            let want = naive_runs(&pats, &text);
            proptest::prop_assert_eq!(all(&dfa, &text), want.clone());
            proptest::prop_assert_eq!(all(&nfa, &text), want);
        }

        /// The lanes' lead-in counts a run of gaps once, as the search
        /// reads it: runs longer than a zone included.
        #[test]
        fn the_lanes_find_the_first_match_with_runs_of_gaps(
            patterns in proptest::collection::vec("[ab -]{1,12}", 1..8),
            pieces in proptest::collection::vec((0usize..8, "[abc]{0,3}", 0usize..40), 0..60),
            (lane, delta) in (0usize..LANES, 0usize..3),
        ) {
            let pats: Vec<&str> = patterns.iter().map(String::as_str).collect();
            let text: String = pieces
                .iter()
                .map(|(p, filler, gaps)| {
                    pats[p % pats.len()].replace(' ', &"-".repeat(1 + gaps % 3))
                        + filler
                        + &" ".repeat(*gaps)
                })
                .collect();
            let m = Matcher::folding_runs(&pats, &[(b'-', b' ')], b' ').unwrap();
            let from = lane * text.len().div_ceil(LANES) + delta;
            let qualifies = |_: usize, end: usize| end > from && end % 5 != 0;
            let want = single_search_first(&m, &text, qualifies);
            proptest::prop_assert_eq!(m.first(text.as_bytes(), qualifies), want);
        }
    }

    #[test]
    fn a_folded_byte_is_read_as_its_pair_in_both_engines() {
        let pats = ["use-after-free", "cve 2024"];
        for budget in [DFA_BUDGET, 0] {
            let m = Matcher::build(&pats, budget, &[(b'-', b' ')], None).unwrap();
            assert_eq!(m.is_dfa(), budget > 0);
            let text = "a use after free, a use-after-free, cve-2024 and cve 2024";
            let found: Vec<(usize, usize, usize)> = all(&m, text);
            assert_eq!(
                found,
                vec![(0, 2, 16), (0, 20, 34), (1, 36, 44), (1, 49, 57)]
            );
        }
    }

    #[test]
    fn duplicates_nested_and_suffix_patterns_are_all_reported() {
        let pats = ["cve-2099-1", "cve-2099-1", "2099-1", "cve-2099-10", "9-1"];
        let m = Matcher::new(&pats).unwrap();
        let text = "see cve-2099-10 now";
        assert_eq!(all(&m, text), naive(&pats, text));
        assert_eq!(all(&m, text).len(), 5);
    }

    #[test]
    fn a_periodic_100_kb_pattern_builds_in_linear_time() {
        let words = "gadget parser overflow in the frobnicator ";
        let title = words.repeat(100_000 / words.len() + 1);
        let text = format!("x {title} y");
        let started = std::time::Instant::now();
        let m = Matcher::new(&[title.as_str()]).unwrap();
        assert!(m.is_dfa());
        assert_eq!(all(&m, &text), vec![(0, 2, 2 + title.len())]);
        // Quadratic construction took 25 s; linear takes milliseconds.
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }

    #[test]
    fn a_table_past_the_budget_falls_back_to_the_nfa() {
        let pats = ["abcdefghijkl", "mnopqrstuvwx"];
        let size = Dfa::size(&[pats[0].as_bytes(), pats[1].as_bytes()]).unwrap();
        assert_eq!(size, (1 + 24) * 25 * 4);
        assert!(!Matcher::with_budget(&pats, size - 1).unwrap().is_dfa());
        assert!(Matcher::with_budget(&pats, size).unwrap().is_dfa());
    }

    #[test]
    fn every_byte_value_can_be_a_pattern_byte() {
        let every: Vec<u8> = (0..=255u8).collect();
        let m = Matcher::new(&[every.as_slice(), b"\xff\x00"]).unwrap();
        let mut text = every.clone();
        text.extend_from_slice(&every);
        let mut found = Vec::new();
        m.for_each(&text, |p, s, e| {
            found.push((p, s, e));
            ControlFlow::<()>::Continue(())
        });
        found.sort_unstable();
        assert_eq!(found, vec![(0, 0, 256), (0, 256, 512), (1, 255, 257)]);
    }
}
