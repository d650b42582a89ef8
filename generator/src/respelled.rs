//! Ids written with other separators than their own. A reader reads
//! `CVE 2024 2000`, `CVE.2024.2000`, `CVE-2024 2000`, `CVE/2024/2000` and
//! `CVE_2024_2000` (which the canonical form reads as `cve20242000`: an
//! underscore is an emphasis mark, and CommonMark shows one inside a word
//! as it is) as `CVE-2024-2000`; so with a GHSA id. The wall's automaton
//! looks for canonical strings (a dash and a space alike), so the others
//! are found here: at each `cve` and `ghsa` of a canonical reading, the
//! id-shaped run after it is read with its separators made `-`, and the
//! wall looks that up.
//!
//! Only the places where `cve` or `ghsa` occurs are read, each once, over
//! at most a few dozen bytes: linear in the text.

use std::sync::LazyLock;

use memchr::memmem;

/// What a reader takes for a separator inside an id. The canonical form
/// has already made every dash `-` and every run of white space one space.
fn is_separator(b: u8) -> bool {
    matches!(b, b' ' | b'-' | b'.' | b':' | b'/' | b'_' | b',' | b'+')
}

/// At most this many separators in a row (` - ` is three).
const MAX_SEPARATORS: usize = 3;

/// Every id-shaped run in canonical `text`: its start, its end and the id
/// it spells, with `-` between its parts. A CVE id is `cve`, four digits
/// and four or more digits; a GHSA id is `ghsa` and three groups of four
/// letters or digits; each part may follow the one before with up to
/// [`MAX_SEPARATORS`] separators or none, and the id must not run on into
/// a letter or digit.
///
/// An id spelled as its canonical form (`cve-2024-2000`) is left out: the
/// wall's automaton has it already, and it is most of the ids a page holds.
pub fn ids(text: &str) -> impl Iterator<Item = (usize, usize, String)> + '_ {
    static CVE: LazyLock<memmem::Finder<'static>> = LazyLock::new(|| memmem::Finder::new("cve"));
    static GHSA: LazyLock<memmem::Finder<'static>> = LazyLock::new(|| memmem::Finder::new("ghsa"));
    let bytes = text.as_bytes();
    let cves = CVE.find_iter(bytes).filter_map(move |at| {
        let (end, parts) = parts(
            bytes,
            at + 3,
            &[(4, 4), (4, usize::MAX)],
            u8::is_ascii_digit,
        )?;
        Some((at, end, format!("cve-{}-{}", parts[0], parts[1])))
    });
    let ghsas = GHSA.find_iter(bytes).filter_map(move |at| {
        let shape = [(4, 4), (4, 4), (4, 4)];
        let (end, parts) = parts(bytes, at + 4, &shape, u8::is_ascii_alphanumeric)?;
        Some((
            at,
            end,
            format!("ghsa-{}-{}-{}", parts[0], parts[1], parts[2]),
        ))
    });
    cves.chain(ghsas)
        .filter(move |(start, end, id)| text.get(*start..*end) != Some(id.as_str()))
}

/// The parts after an id's prefix, from `i`: each `(min, max)` characters
/// long, as `part` says, after up to [`MAX_SEPARATORS`] separators; and
/// where the id ends. `None` when the text there does not have that shape,
/// or runs on into a letter or digit.
fn parts<'t>(
    bytes: &'t [u8],
    mut i: usize,
    shape: &[(usize, usize)],
    part: fn(&u8) -> bool,
) -> Option<(usize, Vec<&'t str>)> {
    let mut found = Vec::with_capacity(shape.len());
    for &(min, max) in shape {
        let gap = bytes[i..]
            .iter()
            .take(MAX_SEPARATORS + 1)
            .take_while(|b| is_separator(**b))
            .count();
        if gap > MAX_SEPARATORS {
            return None;
        }
        i += gap;
        // At most `max`: with no separator, `cve20242000` is four digits
        // and then four more.
        let len = bytes[i..].iter().take(max).take_while(|b| part(b)).count();
        if len < min || len > max {
            return None;
        }
        // Only ASCII was taken, so these are character boundaries.
        found.push(std::str::from_utf8(&bytes[i..i + len]).ok()?);
        i += len;
    }
    if bytes.get(i).is_some_and(u8::is_ascii_alphanumeric) {
        return None;
    }
    Some((i, found))
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
        for text in [
            "See CVE 2024 2000 soon",
            "See CVE-2024 2000 soon",
            "See CVE_2024_2000 soon",
            "See CVE.2024.2000 soon",
            "See CVE:2024:2000.",
            "See CVE/2024/2000",
            "See CVE - 2024 - 2000",
            "See CVE20242000",
        ] {
            assert_eq!(spelled(text), ["cve-2024-2000"], "{text}");
        }
        assert_eq!(spelled("GHSA 2345 6789 cfgh"), ["ghsa-2345-6789-cfgh"]);
        assert_eq!(spelled("ghsa_2345_6789_cfgh"), ["ghsa-2345-6789-cfgh"]);
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
