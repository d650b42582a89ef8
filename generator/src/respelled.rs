//! Ids written with other separators than their own. A reader reads
//! `CVE 2024 2000`, `CVE.2024.2000`, `CVE-2024 2000`, `CVE/2024/2000`,
//! `CVE;2024;2000`, `CVE(2024)2000`, `CVE·2024·2000` and `CVE_2024_2000`
//! (the canonical form makes an underscore, and any punctuation outside
//! ASCII, a space) as `CVE-2024-2000`; so with a GHSA id. A reader also reads
//! through letter-spacing, a single space between any two characters of
//! the id (`C V E - 2 0 2 4 - 2 0 0 0`, `CVE-2024-20 00`), through an
//! abbreviation's dots (`C.V.E.`), and through a number's grouping
//! (`CVE-2024-20,000`, `CVE-2024-20.000`). The wall's
//! automaton looks for canonical strings (a dash and a space alike), so
//! these are found here: at each `cve` and `ghsa` of a canonical reading,
//! spaced or not, the id-shaped run after it is read with its separators
//! made `-` and its letter-spacing taken out, and the wall looks that up.
//!
//! Only the places where such a prefix occurs are read, each once, over at
//! most a few dozen bytes: linear in the text.

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, MatchKind};

/// What a reader takes for a separator inside an id: a space (the
/// canonical form has made an underscore, and any punctuation or symbol
/// outside ASCII, a space), or any ASCII punctuation: `CVE;2024;2000`,
/// `CVE(2024)2000`, `CVE=2024=2000` and `CVE #2024-2000` all read as the
/// id. A `|` may be either a separator or the digit `1` (see [`digit`]
/// and [`parts`]).
fn is_separator(b: u8) -> bool {
    b == b' ' || (b.is_ascii_punctuation() && b != b'|')
}

/// What may stand between two letters of `cve` or `ghsa`: letter-spacing,
/// or an abbreviation's dots (`C.V.E.`) or dashes.
fn is_letter_gap(b: u8) -> bool {
    matches!(b, b' ' | b'.' | b'-')
}

/// What may stand between two characters of one part: letter-spacing, or
/// a number's grouping (`20,000`, `20.000`).
fn is_part_gap(b: u8) -> bool {
    matches!(b, b' ' | b',' | b'.')
}

/// At most this many separators in a row (` - ` is three).
const MAX_SEPARATORS: usize = 3;

/// A letter-spaced part longer than this is not read on: no id has a part
/// this long, and each space read on makes one more candidate.
const MAX_SPACED: usize = 24;

/// The first three bytes of every spelling of `cve` and `ghsa` with one
/// [`is_letter_gap`] byte or none between any two letters. None of them
/// holds a `c` or `g` after its first byte, so a prefix never starts
/// inside another's match.
const STARTS: [&str; 14] = [
    "cve", "c v", "c.v", "c-v", "cv ", "cv.", "cv-", "ghs", "g h", "g.h", "g-h", "gh ", "gh.",
    "gh-",
];

/// Where each candidate prefix starts. Teddy (SIMD) where the machine has
/// it, several times faster here than an automaton, which is the fallback.
fn starts(bytes: &[u8]) -> Box<dyn Iterator<Item = usize> + '_> {
    static PACKED: LazyLock<Option<aho_corasick::packed::Searcher>> = LazyLock::new(|| {
        aho_corasick::packed::Config::new()
            .match_kind(aho_corasick::packed::MatchKind::LeftmostFirst)
            .builder()
            .extend(STARTS)
            .build()
    });
    static AUTOMATON: LazyLock<AhoCorasick> = LazyLock::new(|| {
        AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostFirst)
            .build(STARTS)
            .unwrap_or_else(|e| unreachable!("fourteen fixed three-byte words: {e}"))
    });
    match &*PACKED {
        Some(packed) => Box::new(packed.find_iter(bytes).map(|m| m.start())),
        None => Box::new(AUTOMATON.find_iter(bytes).map(|m| m.start())),
    }
}

/// Where the prefix `word` spelled from `at` ends, one [`is_letter_gap`]
/// byte allowed before each letter after the first; `None` when it is not
/// there.
fn prefix_end(bytes: &[u8], at: usize, word: &[u8]) -> Option<usize> {
    let mut i = at;
    for (n, &letter) in word.iter().enumerate() {
        if n > 0 && bytes.get(i).is_some_and(|&b| is_letter_gap(b)) {
            i += 1;
        }
        (bytes.get(i) == Some(&letter)).then_some(())?;
        i += 1;
    }
    Some(i)
}

/// Every id-shaped run in canonical `text`: its start, its end and the id
/// it spells, with `-` between its parts. A CVE id is `cve`, four digits
/// and four or more digits; a GHSA id is `ghsa` and three groups of four
/// letters or digits; each part may follow the one before with up to
/// [`MAX_SEPARATORS`] separators or none, and the id must not run on into
/// a letter or digit. Where letter-spacing makes the end of a CVE number
/// uncertain (`cve-2024-2000 5`), each reading is given (`…-2000`,
/// `…-20005`).
///
/// An id spelled as its canonical form (`cve-2024-2000`) is left out: the
/// wall's automaton has it already, and it is most of the ids a page holds.
pub fn ids(text: &str) -> impl Iterator<Item = (usize, usize, String)> + '_ {
    let bytes = text.as_bytes();
    starts(bytes).flat_map(move |at| {
        let (prefix, shape, strict, part): (&str, &[(usize, usize)], fn(&u8) -> bool, Reader) =
            if bytes[at] == b'g' {
                let alnum = |b: &u8| b.is_ascii_alphanumeric().then_some(*b as char);
                (
                    "ghsa",
                    &[(4, 4), (4, 4), (4, 4)],
                    u8::is_ascii_alphanumeric,
                    alnum,
                )
            } else {
                ("cve", &[(4, 4), (4, usize::MAX)], u8::is_ascii_digit, digit)
            };
        if spelled_canonically(bytes, at + prefix.len(), shape, strict, part) {
            return Vec::new();
        }
        let Some(end) = prefix_end(bytes, at, prefix.as_bytes()) else {
            return Vec::new();
        };
        parts(bytes, end, shape, part)
            .into_iter()
            .map(|(end, parts)| (at, end, format!("{prefix}-{}", parts.join("-"))))
            .filter(|(start, end, id)| text.get(*start..*end) != Some(id.as_str()))
            .collect()
    })
}

/// How a byte of an id's part reads, if it is one: the character it
/// stands for.
type Reader = fn(&u8) -> Option<char>;

/// A digit of a CVE number, or a letter a reader takes for one: `o` for
/// `0` (a Latin or a Cyrillic `O`, which the canonical form makes `o`),
/// `l`, `i` and `|` for `1`, as Unicode's confusables (TR 39) pair them.
/// No GHSA id holds any of these letters, and no CVE number any letter.
fn digit(b: &u8) -> Option<char> {
    match b {
        b'0'..=b'9' => Some(*b as char),
        b'o' => Some('0'),
        b'l' | b'i' | b'|' => Some('1'),
        _ => None,
    }
}

/// Whether the id at `at` (just after its prefix) is spelled as its
/// canonical form and nothing else could be read there: `-` before each
/// part, each part whole, and no letter-spacing after the last. Most ids
/// of a page are, and the automaton has them, so they cost no allocation.
fn spelled_canonically(
    bytes: &[u8],
    mut i: usize,
    shape: &[(usize, usize)],
    strict: fn(&u8) -> bool,
    part: Reader,
) -> bool {
    for &(min, max) in shape {
        if bytes.get(i) != Some(&b'-') {
            return false;
        }
        i += 1;
        let len = bytes[i..].iter().take_while(|b| strict(b)).count();
        if len < min || len > max {
            return false;
        }
        i += len;
    }
    // Nothing after it that a reader could read as more of the id: a
    // letter-spaced character, or a letter taken for a digit (`…-2000|5`).
    let more = |b: &u8| part(b).is_some() || b.is_ascii_alphanumeric();
    let spaced =
        bytes.get(i).is_some_and(|&b| is_part_gap(b)) && bytes.get(i + 1).is_some_and(more);
    !spaced && !bytes.get(i).is_some_and(more)
}

/// The parts after an id's prefix, from `i`: each `(min, max)` characters
/// long, as `part` says, after up to [`MAX_SEPARATORS`] separators; and
/// where the id ends. Empty when the text there does not have that shape,
/// or runs on into a letter or digit; more than one reading when the last
/// part's end is uncertain (see [`part_at`]).
fn parts(
    bytes: &[u8],
    i: usize,
    shape: &[(usize, usize)],
    part: Reader,
) -> Vec<(usize, Vec<String>)> {
    let Some((&(min, max), rest)) = shape.split_first() else {
        return Vec::new();
    };
    let gap = |separates: &dyn Fn(u8) -> bool| {
        let n = bytes[i..]
            .iter()
            .take(MAX_SEPARATORS + 1)
            .take_while(|b| separates(**b))
            .count();
        (n <= MAX_SEPARATORS).then_some(n)
    };
    // `CVE|2024|2000` in a log line, `CVE-|999-…` for `…-1999-…`: a `|`
    // after a separator is read both as one and as a digit, and each
    // reading goes on on its own (at most two per part, three parts).
    let wide = gap(&|b| is_separator(b) || b == b'|');
    let narrow = gap(&is_separator).filter(|&n| Some(n) != wide);
    let mut found = Vec::new();
    for gap in [wide, narrow].into_iter().flatten() {
        let mut readings = part_at(bytes, i + gap, min, max, part);
        if rest.is_empty() {
            found.extend(
                readings
                    .into_iter()
                    .filter(|(end, _)| !bytes.get(*end).is_some_and(u8::is_ascii_alphanumeric))
                    .map(|(end, last)| (end, vec![last])),
            );
            continue;
        }
        // Only the last part may be of uncertain length.
        let Some((end, text)) = readings.pop() else {
            continue;
        };
        for (end, mut after) in parts(bytes, end, rest, part) {
            after.insert(0, text.clone());
            found.push((end, after));
        }
    }
    found
}

/// The readings of one part from `i`: `min` to `max` characters that
/// `part` takes, a single space allowed between two of them. Each reading
/// ends where the next byte could end the id (not one more character of
/// the part, or a letter read as one); without letter-spacing or such
/// letters that is only the end of the run.
fn part_at(
    bytes: &[u8],
    mut i: usize,
    min: usize,
    max: usize,
    part: Reader,
) -> Vec<(usize, String)> {
    let mut text = String::new();
    let mut readings = Vec::new();
    let is_part = |b: &u8| part(b).is_some();
    // A letter read as a digit may as well end the id: `…2000|` in a
    // table's row. Both readings, while a letter-spaced one would be given.
    let stands_in = |b: &u8| part(b).is_some_and(|c| c != char::from(*b));
    while text.len() < max {
        match bytes.get(i).and_then(part) {
            Some(c) => {
                text.push(c);
                i += 1;
                let next = bytes.get(i);
                let next_continues = next.is_some_and(is_part)
                    && text.len() < max
                    && !(next.is_some_and(stands_in) && text.len() < MAX_SPACED);
                if text.len() >= min && !next_continues {
                    readings.push((i, text.clone()));
                }
            }
            None if bytes.get(i).is_some_and(|&b| is_part_gap(b))
                && !text.is_empty()
                && text.len() < MAX_SPACED
                && bytes.get(i + 1).is_some_and(is_part) =>
            {
                i += 1
            }
            None => break,
        }
    }
    readings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::canon::canonical;

    fn spelled(text: &str) -> Vec<String> {
        ids(&canonical(text.as_bytes()))
            .map(|(_, _, id)| id)
            .collect()
    }

    /// Each of `texts` spells `id`, and only it.
    fn each_spells(texts: &[&str], id: &str) {
        for text in texts {
            assert_eq!(spelled(text), [id], "{text}");
        }
    }

    #[test]
    fn an_id_spelled_as_its_canonical_form_is_left_to_the_automaton() {
        assert!(spelled("See CVE-2024-2000 and GHSA-2345-6789-cfgh.").is_empty());
        assert_eq!(
            spelled("See CVE-2024-2000 and CVE 2024 2001."),
            ["cve-2024-2001"]
        );
    }

    #[test]
    fn every_separator_a_reader_reads_through_gives_the_id() {
        each_spells(
            &[
                "See CVE 2024 2000 soon",
                "See CVE-2024 2000 soon",
                "See CVE_2024_2000 soon",
                "See CVE.2024.2000 soon",
                "See CVE:2024:2000.",
                "See CVE/2024/2000",
                "See CVE - 2024 - 2000",
                "See CVE20242000",
                "See CVE;2024;2000.",
                "See CVE(2024)2000.",
                "See CVE[2024]2000.",
                "See CVE=2024=2000.",
                "See 'CVE'2024'2000'.",
                "See CVE\"2024\"2000.",
                "See CVE!2024?2000.",
                "See CVE\\2024^2000.",
                "See CVE&2024@2000.",
                "See CVE$2024$2000.",
                "See CVE{2024}2000.",
                "See CVE·2024·2000.",
                "See CVE•2024•2000.",
                "See CVE›2024›2000.",
                "See CVE-›2024-2000.",
                "See CVE«2024»2000.",
                "See CVE→2024→2000.",
                "See CVE・2024、2000.",
                "See CVE‧2024‧2000.",
                "See CVE🔒2024🔒2000.",
            ],
            "cve-2024-2000",
        );
        assert_eq!(spelled("GHSA 2345 6789 cfgh"), ["ghsa-2345-6789-cfgh"]);
        assert_eq!(spelled("ghsa_2345_6789_cfgh"), ["ghsa-2345-6789-cfgh"]);
    }

    #[test]
    fn a_bar_after_a_separator_is_read_as_one_and_as_a_digit() {
        // Found by the fuzz harness: the year's `|` is its `1`.
        assert_eq!(
            spelled("CVE-|999 540477."),
            ["cve-9995-40477", "cve-1999-540477"]
        );
        assert_eq!(
            spelled("See CVE-2024-|2000."),
            ["cve-2024-2000", "cve-2024-12000"]
        );
        assert_eq!(spelled("See CVE-2024-|000."), ["cve-2024-1000"]);
        assert_eq!(
            spelled("CVE|2024|2000|"),
            [
                "cve-2024-2000",
                "cve-2024-20001",
                "cve-2024-12000",
                "cve-2024-120001",
                "cve-1202-412000",
                "cve-1202-4120001"
            ]
        );
    }

    #[test]
    fn letter_spacing_is_read_through() {
        each_spells(
            &[
                "See C V E - 2 0 2 4 - 2 0 0 0 soon",
                "See c ve 2024 2000",
                "See CV E-2024-2000",
                "See CVE-2024-2 0 0 0.",
                "See CVE-2024-20 00.",
                "See CVE-2 0 2 4-2000",
            ],
            "cve-2024-2000",
        );
        assert_eq!(
            spelled("G H S A - 2 3 4 5 - 6 7 8 9 - c f g h"),
            ["ghsa-2345-6789-cfgh"]
        );
        // Where a space leaves the number's end open, both ids are read.
        assert_eq!(
            spelled("CVE 2024 2000 5 times"),
            ["cve-2024-2000", "cve-2024-20005"]
        );
        // Spelled canonically up to the space, the longer reading is still
        // given (the canonical one is the automaton's).
        assert_eq!(spelled("CVE-2024-2000 5 times"), ["cve-2024-20005"]);
        // A word after the space ends the number.
        assert_eq!(spelled("CVE 2024 2000 and 5"), ["cve-2024-2000"]);
    }

    #[test]
    fn letters_a_reader_takes_for_digits_are_read_as_them() {
        for text in [
            "See CVE-2O24-2OOO soon",
            "See CVE-2\u{041E}24-2000 soon",
            "See CVE-2024-2000 and CVE-2024-200l.",
            "See CVE-2024-2000 and CVE-2O24-200I.",
        ] {
            assert!(
                spelled(text)
                    .iter()
                    .any(|id| id == "cve-2024-2000" || id == "cve-2024-2001"),
                "{text}: {:?}",
                spelled(text)
            );
        }
        assert_eq!(spelled("CVE-2O24-2OO1"), ["cve-2024-2001"]);
        // Spelled canonically up to a letter taken for a digit.
        assert_eq!(spelled("CVE-2024-2000|5"), ["cve-2024-200015"]);
        // A `|` after the number ends a table's cell as well.
        assert_eq!(
            spelled("| CVE 2024 2000| x |"),
            ["cve-2024-2000", "cve-2024-20001"]
        );
        // A long run of letters taken for digits gives boundedly many.
        let text = format!("cve 2024 2{}", "l".repeat(100_000));
        assert!(ids(&text).count() <= MAX_SPACED);
        // (The shorter reading is the automaton's.)
        assert_eq!(spelled("CVE-2024-2000 l"), ["cve-2024-20001"]);
        // Other letters are no digits, and a GHSA id keeps its letters.
        assert!(spelled("CVE-2024-2000x").is_empty());
        assert_eq!(spelled("GHSA 2345 6789 cfgh"), ["ghsa-2345-6789-cfgh"]);
    }

    #[test]
    fn an_abbreviation_a_number_grouped_and_a_hash_give_the_id() {
        each_spells(
            &[
                "See C.V.E.-2024-2000 soon",
                "See C.V.E. 2024 2000 soon",
                "See C-V-E-2024-2000 soon",
                "See CVE-2024-2,000 soon",
                "See CVE-2,024-2.000 soon",
                "See CVE #2024-2000 soon",
            ],
            "cve-2024-2000",
        );
        assert_eq!(spelled("G.H.S.A.-2345-6789-cfgh"), ["ghsa-2345-6789-cfgh"]);
        // A sentence's end after the id is no grouping.
        assert!(spelled("See CVE-2024-2000. Then more.").is_empty());
    }

    #[test]
    fn a_long_letter_spaced_run_is_read_a_bounded_way() {
        let text = format!("cve 2024 {}", "1 ".repeat(100_000));
        let found: Vec<_> = ids(&text).collect();
        assert!(found.len() <= MAX_SPACED, "{}", found.len());
        assert!(found.iter().all(|(_, end, _)| *end < 200));
    }

    #[test]
    fn other_numbers_and_longer_runs_are_not_the_id() {
        for text in [
            "CVE-2024-20001x",
            "CVE 2024 20001",
            "CVE-202-2000",
            "CVE-2024-200",
            "cvs 2024 2000",
            "CVE-2024-2000a",
        ] {
            assert!(
                !spelled(text).contains(&"cve-2024-2000".to_string()),
                "{text}"
            );
        }
        // Four spaces collapse to one in the canonical form, so that one
        // is found after all; a longer run of marks is not.
        assert_eq!(spelled("CVE    2024 2000"), ["cve-2024-2000"]);
        assert!(spelled("CVE-.-.2024-2000").is_empty());
    }
}
