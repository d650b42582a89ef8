//! Titles written letter by letter. A reader reads
//! `S e c u r i t y   a d v i s o r y   f o r   t h e   g a d g e t` as
//! the title it spells; its canonical form, where every run of white space
//! is one space, has lost the gaps between the words, so no title with its
//! spaces finds it. Each such run is read a second time with its gaps taken
//! out (`securityadvisoryforthegadget`), and the wall looks for every
//! hidden title written without its spaces, which also finds one written
//! `SecurityAdvisoryForTheGadget`.
//!
//! The search reads eight bytes at a time and passes over ordinary text at
//! a few instructions a word (see [`runs`]).

/// The marks that stand for a space between words in a URL's path, a file
/// name or a slug (`security/advisory/for/…`, `security.advisory.for.…`);
/// the canonical form has made every dash `-`. The wall's search reads
/// each as one space.
pub const MARKS: [u8; 6] = [b'-', b'.', b'/', b':', b',', b'+'];

/// What may stand between two words or letters: a space (the canonical
/// form's only white space) or one of [`MARKS`].
pub fn is_gap(b: u8) -> bool {
    b == b' ' || MARKS.contains(&b)
}

/// Every ASCII mark that the wall's search reads as a space between two
/// words: the [`MARKS`], and the rest of ASCII's punctuation, as in
/// `Heap (overflow) in "read_dir"` or `heap;overflow;in…`, which a reader
/// reads as the words alone. Not `<` and `>`, which the canonical form's
/// tag readings deal with, nor what it removes (`*`, `` ` ``, `~`) or has
/// made a space (`_`). Letter-spacing is read through [`MARKS`] only (see
/// [`runs`]).
pub const BETWEEN_WORDS: [u8; 26] = *b"-./:,+!\"#$%&'();=?@[\\]^{|}";

/// [`BETWEEN_WORDS`] or a space.
pub fn between_words(b: u8) -> bool {
    b == b' ' || BETWEEN_WORDS.contains(&b)
}

/// A letter of a letter-spaced run: one ASCII character that is neither a
/// gap nor a line break (which ends a piece of the canonical form).
fn is_letter(b: u8) -> bool {
    b.is_ascii_graphic() && !is_gap(b)
}

/// From this many letters, a run counts whatever its letters are; a
/// shorter one needs `min` letters of the alphabet.
const ANY_RUN: usize = 8;

/// Every letter-spaced run of at least `min` letters in canonical `text`,
/// `min` of them letters of the alphabet (or [`ANY_RUN`] of any kind):
/// where it starts and ends (its letters are [`squeezed`] of that span).
/// The text's ends count as gaps.
///
/// The text is read four bytes at a time, eight at once. Two single
/// letters between gaps (`G L G L G`) span five bytes, which lie inside
/// one of those eight-byte windows: a window without three gaps two
/// apart, starting in its first four, holds no run's start
/// ([`three_gaps_two_apart`]). Ordinary text, whose
/// spaces are five or so bytes apart, is passed over at a few
/// instructions a window. Linear: each window is looked at once, and a run
/// found is read once, the search going on after its end.
pub fn runs(text: &str, min: usize) -> Vec<(usize, usize)> {
    debug_assert!(min >= 2);
    let b = text.as_bytes();
    let gap = |i: usize| i >= b.len() || is_gap(b[i]);
    let letter = |i: usize| i < b.len() && is_letter(b[i]);
    // A gap at `q` between two single letters, each with a gap beyond.
    let alternates = |q: usize| {
        q >= 1 && (q < 2 || gap(q - 2)) && letter(q - 1) && gap(q) && letter(q + 1) && gap(q + 2)
    };
    let mut found: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    // The end of the last run read: its own gaps would find it again.
    let mut after = 0;
    // The window at `i` holds every pattern `G L G L G` whose first gap
    // is at `i` to `i + 3`, so its middle gap `q` is at `i + 2` to
    // `i + 5`; at the text's start the first gap may be before it.
    while i < b.len() + 2 {
        let window = b
            .get(i..i + 8)
            .map(|w| u64::from_le_bytes(w.try_into().unwrap_or_default()));
        // The last bytes, short of a window, and the text's start (whose
        // first gap no window holds) are read one by one.
        let candidate = window.is_none_or(three_gaps_two_apart);
        let q = if candidate || i == 0 {
            (i + 1..i + 6).find(|&q| q > after && alternates(q))
        } else {
            None
        };
        let Some(q) = q else {
            i += 4;
            continue;
        };
        let (start, end, letters, alphabetic) = run_around(b, q);
        // A short run of digits and marks is a version (`1.2.3`), a table's
        // rule (`| |`) or code (`x = {`), and spells no word; a long one
        // may spell a number or a name.
        if letters >= min && (alphabetic >= min || letters >= ANY_RUN) {
            found.push((start, end));
        }
        after = end;
        i = (end & !3).max(i + 4);
    }
    found
}

/// Whether `w` has three gaps ([`is_gap`]) two apart, the first of them
/// in its first four bytes: true of every window that holds the start of
/// a letter-spaced run. Exact, so that digits, dates and words pass.
fn three_gaps_two_apart(w: u64) -> bool {
    use crate::swar::{each, equal, HIGH, LOW};
    let ascii = w & LOW;
    // `+` to `/`: at least 0x2B and below 0x30, in ASCII.
    let marks = (ascii + each(0x80 - 0x2B)) & !(ascii + each(0x80 - 0x30)) & !w & HIGH;
    let gaps = marks | equal(w, b' ') | equal(w, b':');
    gaps & (gaps >> 16) & (gaps >> 32) & 0x8080_8080 != 0
}

/// The run of single letters, each between gaps, that holds the gap at
/// `q`: its start, its end, and how many letters it has, and how many of
/// them are letters of the alphabet.
fn run_around(b: &[u8], q: usize) -> (usize, usize, usize, usize) {
    let single = |i: usize| {
        is_letter(b[i])
            && (i == 0 || !is_letter(b[i - 1]))
            && b.get(i + 1).is_none_or(|&n| !is_letter(n))
    };
    // Back over gaps and single letters to the first letter of the run.
    let mut start = q;
    let mut i = q;
    while i > 0 {
        let c = b[i - 1];
        if is_gap(c) {
            i -= 1;
        } else if single(i - 1) {
            i -= 1;
            start = i;
        } else {
            break;
        }
    }
    let (mut letters, mut alphabetic) = (0, 0);
    let mut end = start;
    let mut i = start;
    while i < b.len() {
        if is_gap(b[i]) {
            i += 1;
        } else if single(i) {
            letters += 1;
            alphabetic += usize::from(b[i].is_ascii_alphabetic());
            i += 1;
            end = i;
        } else {
            break;
        }
    }
    (start, end, letters, alphabetic)
}

/// `text` without its gaps: a hidden title as a letter-spaced run, or a
/// camel-cased name, reads once the canonical form has lower-cased it.
pub fn squeezed(text: &str) -> String {
    squeezed_at(text).0
}

/// [`squeezed`], with the offset in `text` of each byte of it: where a
/// match in the squeezed text is in the text itself.
pub fn squeezed_at(text: &str) -> (String, Vec<usize>) {
    let mut out = String::with_capacity(text.len());
    let mut at = Vec::with_capacity(text.len());
    for (i, c) in text.char_indices() {
        if !(c.is_ascii() && is_gap(c as u8)) {
            out.push(c);
            at.extend(i..i + c.len_utf8());
        }
    }
    (out, at)
}

/// `text` with each run of [`between_words`] made one space, as the
/// wall's search reads every text (see `Matcher::folding_runs`):
/// `std::fs::read_dir`, made a slug or a file name (`std-fs-read-dir`,
/// `std_fs_read_dir`), has one mark between its words where the title has
/// two.
pub fn one_gap(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() && between_words(c as u8) {
            if !out.ends_with(' ') {
                out.push(' ');
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn letters(text: &str) -> Vec<String> {
        runs(text, 12)
            .into_iter()
            .map(|(start, end)| squeezed(&text[start..end]))
            .collect()
    }

    #[test]
    fn a_letter_spaced_title_reads_without_its_gaps_wherever_it_starts() {
        let spaced = "s e c u r i t y a d v i s o r y f o r t h e g a d g e t";
        for lead in 0..12 {
            let text = format!("{}see {spaced} soon", "x".repeat(lead));
            assert_eq!(letters(&text), ["securityadvisoryforthegadget"], "{text}");
            let (start, end) = runs(&text, 12)[0];
            assert_eq!(&text[start..end], spaced);
        }
        // Other gaps, and wider ones between the words.
        assert_eq!(
            letters("s.e.c.u.r.i.t.y / a-d-v-i-s-o-r-y"),
            ["securityadvisory"]
        );
    }

    #[test]
    fn a_window_with_a_run_passes_the_filter_and_prose_does_not() {
        let word = |t: &[u8]| u64::from_le_bytes(t.try_into().unwrap());
        for gap in [b' ', b'-', b'.', b'/', b':', b',', b'+'] {
            for lead in 0..4 {
                let mut t = *b"xxxxxxxx";
                for k in [0, 2, 4] {
                    t[lead + k] = gap;
                }
                assert!(three_gaps_two_apart(word(&t)), "{:?}", t);
            }
        }
        assert!(!three_gaps_two_apart(word(b"security")));
        assert!(!three_gaps_two_apart(word(b"the fox ")));
        assert!(
            !three_gaps_two_apart(word(b"xxxx a b")),
            "starts past the first four"
        );
        assert!(
            !three_gaps_two_apart(word(b"20240409")),
            "digits are no gaps"
        );
        assert!(!three_gaps_two_apart(word(b"a;b;c;d;")), "nor other marks");
        // A byte past ASCII is no gap: `é` is 0xC3 0xA9.
        assert!(!three_gaps_two_apart(word(
            "\u{e9}a\u{e9}b\u{e9}".as_bytes()
        )));
    }

    #[test]
    fn a_short_word_spaced_out_is_a_run_wherever_it_stands() {
        for lead in 0..9 {
            let pad = "x".repeat(lead);
            for text in [
                format!("{pad}heap overflow on n e t w o r k file"),
                format!("{pad}heap overflow on f i l e"),
                format!("h e a p {pad}overflow"),
                format!("{pad} o n"),
            ] {
                assert_eq!(runs(&text, 2).len(), 1, "{text:?}");
            }
        }
        assert_eq!(letters2("a b"), ["ab"]);
        // Versions, a table's rules and code spell no word.
        assert!(letters2("cvss 3.1, < 1.2.3 and >= 1.0 | | x = {").is_empty());
        assert_eq!(letters2("1 2 3 4 5 6 7 8"), ["12345678"]);
        assert!(letters2("I think a test is a fine idea").is_empty());
        assert!(letters2(&"the quick brown fox ".repeat(100)).is_empty());
    }

    /// Every run, found by trying each byte as a run's middle gap.
    fn runs_naive(text: &str, min: usize) -> Vec<(usize, usize)> {
        let b = text.as_bytes();
        let gap = |i: usize| i >= b.len() || is_gap(b[i]);
        let letter = |i: usize| i < b.len() && is_letter(b[i]);
        let mut found: Vec<(usize, usize)> = Vec::new();
        for q in 1..b.len() {
            let alternates =
                (q < 2 || gap(q - 2)) && letter(q - 1) && gap(q) && letter(q + 1) && gap(q + 2);
            if !alternates || found.last().is_some_and(|&(_, end)| q < end) {
                continue;
            }
            let (start, end, letters, alphabetic) = run_around(b, q);
            if letters >= min
                && (alphabetic >= min || letters >= ANY_RUN)
                && found.last() != Some(&(start, end))
            {
                found.push((start, end));
            }
        }
        found
    }

    proptest::proptest! {
        #[test]
        fn the_filter_passes_over_no_run(text in "([ab1= .:,+/-]|xy){0,48}") {
            proptest::prop_assert_eq!(runs(&text, 2), runs_naive(&text, 2));
        }
    }

    fn letters2(text: &str) -> Vec<String> {
        runs(text, 2)
            .into_iter()
            .map(|(start, end)| squeezed(&text[start..end]))
            .collect()
    }

    #[test]
    fn prose_and_short_runs_are_not_runs() {
        assert!(
            letters("a b c d e f g h i j k").is_empty(),
            "eleven letters"
        );
        assert!(letters("I think a b test is a fine idea, and so is x y z").is_empty());
        assert!(letters(&"the quick brown fox ".repeat(1000)).is_empty());
        assert_eq!(letters("a b c d e f g h i j k l"), ["abcdefghijkl"]);
        // The wall reads runs from 8 letters, which the filter still sees
        // wherever they start.
        for lead in 0..8 {
            let text = format!("{}a word a b c d e f g h then", "x".repeat(lead));
            assert_eq!(runs(&text, 8).len(), 1, "{text}");
            let text = format!("{}a word a b c d e f g then", "x".repeat(lead));
            assert!(runs(&text, 8).is_empty(), "{text}");
        }
    }

    #[test]
    fn each_run_is_read_once_and_a_long_one_is_linear() {
        let text = "x ".repeat(100_000);
        let all = runs(&text, 12);
        assert_eq!(all.len(), 1);
        assert_eq!(squeezed(&text[all[0].0..all[0].1]).len(), 100_000);
        let many = "a b c d e f g h i j k l m. Words between. ".repeat(1000);
        assert_eq!(runs(&many, 12).len(), 1000);
    }

    #[test]
    fn squeezed_takes_out_every_gap_and_one_gap_leaves_one_space() {
        assert_eq!(
            squeezed("security advisory-for/the.gadget"),
            "securityadvisoryforthegadget"
        );
        assert_eq!(squeezed("über, alles"), "überalles");
        let (s, at) = squeezed_at("a b, ü-c");
        assert_eq!(s, "abüc");
        assert_eq!(at, [0, 2, 5, 6, 8]);
        assert_eq!(
            one_gap("in std::fs::read dir, or -- so"),
            "in std fs read dir or so"
        );
    }
}
