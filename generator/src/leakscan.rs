//! Fast search of output bytes for embargoed ids and titles.
//!
//! A general multi-pattern automaton over thousands of titles and ids ran at
//! a few hundred MB/s and was the build's largest user-space cost. This
//! scanner uses what the patterns are instead:
//! - ids have fixed shapes, so it finds every `CVE-`/`GHSA-` token with
//!   memchr's substring search (either case), reads the whole id and looks
//!   it up; `CVE-2024-10001` therefore never matches `CVE-2024-1000`;
//! - titles are long, so a hash of one `KEY`-byte window, checked against
//!   a bitmap, picks the few places worth comparing in full. Windows near
//!   a title's end, not its start: titles often share a start ("Security
//!   advisory for …"), and every shared start would be compared in full.
//!
//! The title scan looks only at every `stride`-th window of the output,
//! and indexes the `stride` windows that end in each title's last `stride`
//! bytes. Any occurrence of a title is `len` bytes long, so the window
//! starts that lie in its last `stride` possible places are `stride`
//! consecutive positions, and exactly one of them is scanned: the stride
//! is never more than `shortest title - KEY + 1`, and no title is missed.

use std::collections::HashMap;
use std::sync::OnceLock;

use memchr::memmem;

/// Titles are keyed by windows of this many bytes; shorter titles are not
/// scanned (they are too likely to occur by chance).
pub const KEY: usize = 12;
/// Past this the bitmap fills and the scan stops getting faster.
const MAX_STRIDE: usize = 8;

/// What a hit points back to: the caller's label index and the text found.
pub type Hit = (usize, String);

#[derive(Default)]
pub struct Scanner {
    /// Upper-cased id → label.
    ids: HashMap<String, usize>,
    /// Title bytes and label.
    titles: Vec<(Vec<u8>, usize)>,
    /// Built on the first search, once every title is in.
    index: OnceLock<TitleIndex>,
}

struct TitleIndex {
    stride: usize,
    /// One bit per hash prefix of `bits` bits: most windows stop here.
    bitmap: Vec<u64>,
    bits: u32,
    /// Window hash → (title, bytes from the window's end to the title's).
    windows: HashMap<u64, Vec<(usize, usize)>>,
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

impl TitleIndex {
    fn new(titles: &[(Vec<u8>, usize)]) -> Self {
        let shortest = titles.iter().map(|t| t.0.len()).min().unwrap_or(KEY);
        let stride = (shortest + 1 - KEY).clamp(1, MAX_STRIDE);
        // About 1 bit in 32 set: a false hit every 32 scanned windows, and
        // a bitmap that stays in the L1 or L2 cache.
        let bits = (titles.len() * stride * 32)
            .next_power_of_two()
            .trailing_zeros()
            .clamp(16, 22);
        let mut index = TitleIndex {
            stride,
            bitmap: vec![0; (1usize << bits) / 64],
            bits,
            windows: HashMap::new(),
        };
        for (i, (title, _)) in titles.iter().enumerate() {
            for back in 0..stride {
                let end = title.len() - back;
                let h = key_hash(&title[end - KEY..end]);
                let (word, mask) = index.bit(h);
                index.bitmap[word] |= mask;
                index.windows.entry(h).or_default().push((i, back));
            }
        }
        index
    }

    fn bit(&self, h: u64) -> (usize, u64) {
        let i = (h >> (64 - self.bits)) as usize;
        (i / 64, 1u64 << (i % 64))
    }
}

impl Scanner {
    pub fn new() -> Self {
        Scanner::default()
    }

    pub fn add_id(&mut self, id: &str, label: usize) {
        self.ids.entry(id.to_ascii_uppercase()).or_insert(label);
    }

    pub fn add_title(&mut self, title: &str, label: usize) {
        let bytes = title.as_bytes();
        if bytes.len() < KEY {
            return;
        }
        self.titles.push((bytes.to_vec(), label));
        self.index = OnceLock::new();
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
        let index = self.index.get_or_init(|| TitleIndex::new(&self.titles));
        let mut start = 0;
        while start + KEY <= hay.len() {
            let h = key_hash(&hay[start..start + KEY]);
            let (word, mask) = index.bit(h);
            if index.bitmap[word] & mask != 0 {
                for &(i, back) in index.windows.get(&h).into_iter().flatten() {
                    let (title, label) = &self.titles[i];
                    let end = start + KEY + back;
                    if end <= hay.len() && end >= title.len() && hay[..end].ends_with(title) {
                        return Some((*label, String::from_utf8_lossy(title).into_owned()));
                    }
                }
            }
            start += index.stride;
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

    #[test]
    fn strided_scan_finds_every_title_at_every_offset() {
        // The stride follows the shortest title; each must still be found
        // wherever it starts, and a title missing its last byte must not.
        for shortest in [KEY, KEY + 1, KEY + 4, KEY + 7, KEY + 30] {
            let mut s = Scanner::new();
            let titles: Vec<String> = (0..40)
                .map(|i| format!("{i:03} {}", "q".repeat(shortest - 4 + i % 9)))
                .collect();
            for (i, t) in titles.iter().enumerate() {
                s.add_title(t, i);
            }
            for (i, t) in titles.iter().enumerate() {
                for pad in 0..2 * MAX_STRIDE + 1 {
                    let hay = format!("{}{t}{}", "x".repeat(pad), "y".repeat(pad % 5));
                    assert_eq!(
                        s.find(hay.as_bytes()).map(|h| h.0),
                        Some(i),
                        "{hay:?} with the shortest title {shortest}"
                    );
                    let cut = format!("{}{}", "x".repeat(pad), &t[..t.len() - 1]);
                    assert_eq!(s.find(cut.as_bytes()), None, "{cut:?}");
                }
            }
        }
    }
}
