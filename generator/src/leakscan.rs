//! Fast search of output bytes for embargoed ids and titles.
//!
//! A general multi-pattern automaton over thousands of titles and ids ran at
//! a few hundred MB/s and was the build's largest user-space cost. This
//! scanner uses what the patterns are instead:
//! - ids have fixed shapes, so it finds every `CVE-`/`GHSA-` token with
//!   memchr's substring search (either case), reads the whole id and looks
//!   it up; `CVE-2024-10001` therefore never matches `CVE-2024-1000`;
//! - titles are long, so a hash of their last `KEY` bytes, checked against
//!   a bitmap at every position, picks the few places worth comparing in
//!   full. The end of a title, not its start: titles often share a start
//!   ("Security advisory for …"), and every shared start would be compared
//!   in full.

use std::collections::HashMap;

use memchr::memmem;

/// Titles are keyed by this many last bytes; shorter titles are not
/// scanned (they are too likely to occur by chance).
pub const KEY: usize = 12;
// Small enough to stay in L1 cache: the scan tests one bit per byte.
const BITMAP_BITS: u32 = 16;

/// What a hit points back to: the caller's label index and the text found.
pub type Hit = (usize, String);

#[derive(Default)]
pub struct Scanner {
    /// Upper-cased id → label.
    ids: HashMap<String, usize>,
    /// Title bytes and label, grouped by the hash of their last `KEY` bytes.
    titles: HashMap<u64, Vec<(Vec<u8>, usize)>>,
    bitmap: Vec<u64>,
}

/// A hash of one `KEY`-byte window. Each window is hashed on its own, not
/// rolled from the previous one, so the scan has no chain of dependent
/// multiplications and the processor overlaps many windows at once.
fn key_hash(w: &[u8]) -> u64 {
    let (a, b) = w.split_at(8);
    let a = u64::from_le_bytes(a.try_into().unwrap_or_default());
    let b = u32::from_le_bytes(b.try_into().unwrap_or_default());
    a.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ u64::from(b).wrapping_mul(0xC2B2_AE3D_27D4_EB4F)
}

fn bit(h: u64) -> (usize, u64) {
    let i = (h >> (64 - BITMAP_BITS)) as usize;
    (i / 64, 1u64 << (i % 64))
}

impl Scanner {
    pub fn new() -> Self {
        Scanner {
            bitmap: vec![0; (1usize << BITMAP_BITS) / 64],
            ..Scanner::default()
        }
    }

    pub fn add_id(&mut self, id: &str, label: usize) {
        self.ids.entry(id.to_ascii_uppercase()).or_insert(label);
    }

    pub fn add_title(&mut self, title: &str, label: usize) {
        let bytes = title.as_bytes();
        if bytes.len() < KEY {
            return;
        }
        let h = key_hash(&bytes[bytes.len() - KEY..]);
        let (word, mask) = bit(h);
        self.bitmap[word] |= mask;
        self.titles
            .entry(h)
            .or_default()
            .push((bytes.to_vec(), label));
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty() && self.titles.is_empty()
    }

    pub fn find(&self, hay: &[u8]) -> Option<Hit> {
        self.find_id(hay).or_else(|| self.find_title(hay))
    }

    fn find_id(&self, hay: &[u8]) -> Option<Hit> {
        if self.ids.is_empty() {
            return None;
        }
        // Pages list many ids; looking each up must not allocate.
        let mut token = [0u8; 64];
        for prefix in ["CVE-", "cve-", "GHSA-", "ghsa-"] {
            for start in memmem::find_iter(hay, prefix.as_bytes()) {
                let len = hay[start..]
                    .iter()
                    .take(token.len())
                    .take_while(|b| b.is_ascii_alphanumeric() || **b == b'-')
                    .count();
                for (t, b) in token.iter_mut().zip(&hay[start..start + len]) {
                    *t = b.to_ascii_uppercase();
                }
                // A CVE id may be followed by text such as `-patch`; try the
                // id's own shape first, then the whole token.
                let whole = &token[..len];
                for candidate in [id_shape(whole), Some(len)].into_iter().flatten() {
                    let Ok(id) = std::str::from_utf8(&whole[..candidate]) else {
                        continue;
                    };
                    if let Some(&label) = self.ids.get(id) {
                        let found = String::from_utf8_lossy(&hay[start..start + candidate]);
                        return Some((label, found.into_owned()));
                    }
                }
            }
        }
        None
    }

    fn find_title(&self, hay: &[u8]) -> Option<Hit> {
        if self.titles.is_empty() {
            return None;
        }
        for (start, window) in hay.windows(KEY).enumerate() {
            let h = key_hash(window);
            let (word, mask) = bit(h);
            if self.bitmap[word] & mask == 0 {
                continue;
            }
            let end = start + KEY;
            for (title, label) in self.titles.get(&h).into_iter().flatten() {
                if end >= title.len() && hay[..end].ends_with(title) {
                    return Some((*label, String::from_utf8_lossy(title).into_owned()));
                }
            }
        }
        None
    }
}

/// The length of the `CVE-YYYY-NNNN` or `GHSA-xxxx-xxxx-xxxx` at the start
/// of the upper-cased `token`.
fn id_shape(token: &[u8]) -> Option<usize> {
    if let Some(rest) = token.strip_prefix(b"CVE-") {
        let year = rest
            .iter()
            .take(4)
            .take_while(|b| b.is_ascii_digit())
            .count();
        let num = rest
            .iter()
            .skip(5)
            .take_while(|b| b.is_ascii_digit())
            .count();
        if year == 4 && rest.get(4) == Some(&b'-') && num >= 4 {
            return Some(4 + 5 + num);
        }
    }
    if token.starts_with(b"GHSA-") && token.len() >= 19 {
        return Some(19);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scanner() -> Scanner {
        let mut s = Scanner::new();
        s.add_id("CVE-2024-1000", 0);
        s.add_id("GHSA-2345-6789-cfgh", 1);
        s.add_title("Security advisory for widgets", 2);
        s
    }

    #[test]
    fn finds_ids_in_any_case_and_only_whole() {
        let s = scanner();
        assert_eq!(s.find(b"see cve-2024-1000/").map(|h| h.0), Some(0));
        assert_eq!(s.find(b"see CVE-2024-1000-patch").map(|h| h.0), Some(0));
        assert_eq!(s.find(b"see CVE-2024-10001 and CVE-2023-1000"), None);
        assert_eq!(s.find(b"x ghsa-2345-6789-cfgh y").map(|h| h.0), Some(1));
    }

    #[test]
    fn finds_titles_anywhere() {
        let s = scanner();
        assert_eq!(
            s.find(b"<h1>Security advisory for widgets</h1>")
                .map(|h| h.0),
            Some(2)
        );
        assert_eq!(
            s.find(b"Security advisory for widgets"),
            Some((2, "Security advisory for widgets".into()))
        );
        assert_eq!(s.find(b"Security advisory for gadgets"), None);
        assert_eq!(s.find(b"short"), None);
    }
}
