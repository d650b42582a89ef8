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
//! [`Stream`] takes that search a byte at a time, for the wall, which folds
//! each file into it without keeping the canonical text.
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

pub struct Matcher {
    engine: Engine,
    /// Each pattern's length in bytes, for a match's start.
    lengths: Vec<usize>,
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
        let patterns: Vec<&[u8]> = patterns.iter().map(AsRef::as_ref).collect();
        if patterns.is_empty() {
            return None;
        }
        let lengths = patterns.iter().map(|p| p.len()).collect();
        let engine = match Dfa::size(&patterns) {
            Some(bytes) if bytes <= budget => Engine::Dfa(Dfa::new(&patterns, bytes / 4)),
            _ => Engine::Nfa(
                AhoCorasick::builder()
                    .match_kind(MatchKind::Standard)
                    .kind(Some(AhoCorasickKind::ContiguousNFA))
                    .build(&patterns)
                    .ok()?,
            ),
        };
        Some(Matcher { engine, lengths })
    }

    /// Calls `f(pattern, start, end)` for every occurrence in `text`, in
    /// order of `end`, until it breaks.
    pub fn for_each<B>(
        &self,
        text: &[u8],
        mut f: impl FnMut(usize, usize, usize) -> ControlFlow<B>,
    ) -> Option<B> {
        match &self.engine {
            Engine::Dfa(dfa) => dfa.search(text, |p, end| f(p, end - self.lengths[p], end)),
            Engine::Nfa(ac) => {
                for m in ac.find_overlapping_iter(text) {
                    if let ControlFlow::Break(b) = f(m.pattern().as_usize(), m.start(), m.end()) {
                        return Some(b);
                    }
                }
                None
            }
        }
    }

    /// A search that is fed its text a byte at a time; `None` for the NFA,
    /// whose callers search a whole text with [`Matcher::for_each`].
    pub fn stream(&self) -> Option<Stream<'_>> {
        match &self.engine {
            Engine::Dfa(dfa) => Some(Stream { dfa, state: 0 }),
            Engine::Nfa(_) => None,
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
    fn new(patterns: &[&[u8]], cells: usize) -> Self {
        let (classes, stride) = Self::byte_classes(patterns);
        let mut trans = Vec::with_capacity(cells);
        trans.resize(stride, 0);
        let mut dfa = Dfa {
            classes,
            stride,
            trans,
            first: vec![NONE],
            output_link: vec![NONE],
            next_same: vec![NONE; patterns.len()],
        };
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
        dfa
    }

    fn search<B>(
        &self,
        text: &[u8],
        mut f: impl FnMut(usize, usize) -> ControlFlow<B>,
    ) -> Option<B> {
        let mut stream = Stream {
            dfa: self,
            state: 0,
        };
        for (i, &b) in text.iter().enumerate() {
            if stream.step(b) {
                if let Some(b) = stream.ending(|p| f(p, i + 1)) {
                    return Some(b);
                }
            }
        }
        None
    }
}

/// The DFA's search, one byte at a time, for text that is made as it is
/// searched (the wall folds each file straight into it).
pub struct Stream<'m> {
    dfa: &'m Dfa,
    state: usize,
}

impl Stream<'_> {
    /// Reads `b`; whether some pattern ends with it (see [`Stream::ending`]).
    #[inline]
    pub fn step(&mut self, b: u8) -> bool {
        let t = self.dfa.trans[self.state + self.dfa.classes[b as usize] as usize];
        self.state = (t & !REPORTS) as usize;
        t & REPORTS != 0
    }

    /// Every pattern that ends with the last byte read, in the order
    /// [`Matcher::for_each`] reports them, until `f` breaks.
    pub fn ending<B>(&self, mut f: impl FnMut(usize) -> ControlFlow<B>) -> Option<B> {
        let dfa = self.dfa;
        let state = self.state / dfa.stride;
        let mut at = if dfa.first[state] != NONE {
            state as u32
        } else {
            dfa.output_link[state]
        };
        while at != NONE {
            let mut p = dfa.first[at as usize];
            while p != NONE {
                if let ControlFlow::Break(b) = f(p as usize) {
                    return Some(b);
                }
                p = dfa.next_same[p as usize];
            }
            at = dfa.output_link[at as usize];
        }
        None
    }

    /// Back to the start, as for a new text.
    pub fn reset(&mut self) {
        self.state = 0;
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
