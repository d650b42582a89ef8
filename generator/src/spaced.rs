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

/// Every letter-spaced run of at least `min` letters in canonical `text`:
/// where it starts and ends (its letters are [`squeezed`] of that span).
///
/// The text is read eight bytes at a time. Such a run (`min` is at least
/// 8, so it spans 15 bytes or more, and any 15 bytes hold a whole word of
/// the eight-byte grid) holds a whole word of eight in which
/// every other byte is a gap, and every gap is below `;` (0x3B): a word
/// whose even or whose odd bytes are not all below it holds no part of a
/// run that could be found. Ordinary text, whose spaces are five or so
/// bytes apart, is passed over at a few instructions a word. Linear: each
/// word is looked at once, and a run found is read once, the search going
/// on after its end.
pub fn runs(text: &str, min: usize) -> Vec<(usize, usize)> {
    debug_assert!(min >= 8);
    let b = text.as_bytes();
    let mut found = Vec::new();
    // A gap at `q` between two single letters, each with a gap beyond.
    let alternates = |q: usize| {
        q >= 2
            && q + 2 < b.len()
            && is_gap(b[q - 2])
            && is_letter(b[q - 1])
            && is_gap(b[q])
            && is_letter(b[q + 1])
            && is_gap(b[q + 2])
    };
    let mut i = 0;
    while let Some(word) = b.get(i..i + 8) {
        let w = u64::from_le_bytes(word.try_into().unwrap_or_default());
        let at = if low_every_other(w) {
            (i..i + 8).find(|&q| alternates(q))
        } else {
            None
        };
        let Some(q) = at else {
            i += 8;
            continue;
        };
        let (start, end, letters) = run_around(b, q);
        if letters >= min {
            found.push((start, end));
        }
        i = end.max(i + 8);
    }
    found
}

/// Whether the even bytes of `w`, or its odd bytes, are all below `;`:
/// true of every word inside a letter-spaced run, whose gaps all are.
fn low_every_other(w: u64) -> bool {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const EVEN: u64 = 0x0080_0080_0080_0080;
    const ODD: u64 = 0x8000_8000_8000_8000;
    // The top bit of each byte of 0x3B or more (and of each byte past
    // ASCII, whose top bit is set already).
    let high = (w | ((w & !HIGH) + 0x4545_4545_4545_4545)) & HIGH;
    high & EVEN == 0 || high & ODD == 0
}

/// The run of single letters, each between gaps, that holds the gap at
/// `q`: its start, its end, and how many letters it has.
fn run_around(b: &[u8], q: usize) -> (usize, usize, usize) {
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
    let mut letters = 0;
    let mut end = start;
    let mut i = start;
    while i < b.len() {
        if is_gap(b[i]) {
            i += 1;
        } else if single(i) {
            letters += 1;
            i += 1;
            end = i;
        } else {
            break;
        }
    }
    (start, end, letters)
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
    fn a_word_of_a_run_passes_the_filter_and_prose_does_not() {
        let word = |t: &[u8]| u64::from_le_bytes(t.try_into().unwrap());
        for gap in [b' ', b'-', b'.', b'/', b':', b',', b'+'] {
            let mut t = *b"a b c d ";
            t[1] = gap;
            assert!(low_every_other(word(&t)));
            assert!(low_every_other(word(&t).rotate_left(8)));
        }
        assert!(low_every_other(word(b"y / a d ")));
        assert!(!low_every_other(word(b"security")));
        assert!(!low_every_other(word(b"the fox ")));
        // A byte past ASCII is no gap: `é` is 0xC3 0xA9.
        assert!(!low_every_other(word("a\u{e9}b\u{e9}cd".as_bytes())));
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
