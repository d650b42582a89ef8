//! The canonical form the embargo wall compares in: what a reader reads,
//! not the bytes that spell it.
//!
//! `CVE&#8209;2026&shy;-40001`, `**CVE**-2026-40001`, `Cve-2026-４0001`,
//! `СVE-2026-40001` (a Cyrillic С), `CVE%2D2026-40001` in a link and
//! `CVE-<b>2026</b>-40001` all read as the same id. Both the outputs and
//! the hidden ids and titles go through [`canonical`], so one comparison
//! catches every spelling. In order:
//! 1. percent-escapes decoded (`%2D` → `-`), once, as a browser shows a URL;
//! 2. HTML character references decoded, once, as a browser decodes them
//!    in text (`&shy;`, `&#x2011;`, and also `&nbsp` or `&#45` with no
//!    `;`, which browsers accept);
//! 3. tags removed (`<` + a letter, `/`, `!` or `?`, up to the next `>`),
//!    and a tag that breaks the line (`<br>`, `<p>`, `</td>`) read as a
//!    space;
//! 4. Markdown emphasis and code marks removed: `*`, `` ` ``, `~`; an
//!    underscore, which is an emphasis mark or (in a file name, a URL or
//!    an identifier) a space between words, read as a space;
//! 5. each other character: NFKD (fullwidth digits, ligatures, accented
//!    letters taken apart), then combining marks dropped (accents, and the
//!    strokes and underlines of "fancy text"), default-ignorable characters
//!    dropped (zero-width characters, soft hyphens, bidirectional marks:
//!    every format character; control characters, and the replacement
//!    character a NUL becomes), every dash and minus folded to `-`, a small
//!    capital read as its letter, a decimal digit of any script read as
//!    its ASCII digit, a look-alike of an ASCII letter, digit or mark
//!    replaced by it (the confusables of Unicode TR 39), and any other
//!    punctuation or symbol (`·`, `•`, `›`, an arrow, an emoji) read as a
//!    space between words;
//! 6. letters lower-cased;
//! 7. every run of white space collapsed to one space.
//!
//! Each step is one pass over its input, so the whole is linear: a tag's
//! end is searched once per position at most, because a `<` with no `>`
//! after it means no later `<` has one either.

use std::borrow::Cow;

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Every character Unicode classes as a dash (Pd), and the minus signs.
pub(crate) fn is_dash(c: char) -> bool {
    matches!(
        c,
        '\u{2010}'
            ..='\u{2015}'
                | '\u{2212}'
                | '\u{2043}'
                | '\u{058A}'
                | '\u{05BE}'
                | '\u{1400}'
                | '\u{1806}'
                | '\u{2E17}'
                | '\u{2E1A}'
                | '\u{2E3A}'
                | '\u{2E3B}'
                | '\u{2E40}'
                | '\u{2E5D}'
                | '\u{301C}'
                | '\u{3030}'
                | '\u{30A0}'
                | '\u{FE31}'
                | '\u{FE32}'
                | '\u{FE58}'
                | '\u{FE63}'
                | '\u{FF0D}'
                | '\u{10EAD}'
                | '\u{02D7}'
                | '\u{2796}'
    )
}

/// Format characters that the confusables' ignorable set leaves out.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{180E}'
            | '\u{034F}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}

/// Step 1: `%XX` decoded. Borrowed when there is nothing to decode; the
/// text between escapes is copied a slice at a time.
fn percent_decoded(input: &[u8]) -> Cow<'_, [u8]> {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out: Option<Vec<u8>> = None;
    let mut copied = 0;
    for at in memchr::memchr_iter(b'%', input) {
        let (Some(hi), Some(lo)) = (
            input.get(at + 1).copied().and_then(hex),
            input.get(at + 2).copied().and_then(hex),
        ) else {
            continue;
        };
        if at < copied {
            continue;
        }
        let buf = out.get_or_insert_with(|| Vec::with_capacity(input.len()));
        buf.extend_from_slice(&input[copied..at]);
        buf.push(hi << 4 | lo);
        copied = at + 3;
    }
    match out {
        None => Cow::Borrowed(input),
        Some(mut buf) => {
            buf.extend_from_slice(&input[copied..]);
            Cow::Owned(buf)
        }
    }
}

/// Push a run of [`is_plain`] ASCII and single spaces, lower-cased: copied
/// whole and lower-cased in place, a loop the compiler vectorises (pushing
/// char by char was a fifth of a check's time).
fn push_plain(out: &mut String, run: &str) {
    let start = out.len();
    out.push_str(run);
    out[start..].make_ascii_lowercase();
}

/// Push one non-ASCII character in its canonical form.
fn push_folded(out: &mut String, c: char) {
    for n in std::iter::once(c).nfkd() {
        if n.is_ascii() {
            push_ascii(out, n);
            continue;
        }
        // Accents, strokes and underlines drawn over a letter leave it the
        // letter a reader reads: `ĆVÉ`, `C̶V̶E̶`.
        if is_combining_mark(n) {
            continue;
        }
        if let Some(letter) = small_capital(n) {
            push_ascii(out, letter);
            continue;
        }
        if let Some(digit) = decimal_digit(n) {
            out.push(digit);
            continue;
        }
        if is_invisible(n) {
            continue;
        }
        if is_dash(n) {
            push_ascii(out, '-');
            continue;
        }
        if n.is_whitespace() {
            push_ascii(out, ' ');
            continue;
        }
        // C1 controls, as their ASCII kin above; and the replacement
        // character a NUL becomes (`&#0;`), read past as a box.
        if n.is_control() || n == '\u{FFFD}' {
            continue;
        }
        let mut buf = [0u8; 4];
        let skeleton: String =
            unicode_security::confusable_detection::skeleton(n.encode_utf8(&mut buf)).collect();
        if skeleton.is_empty() {
            // Default-ignorable: invisible to a reader.
            continue;
        }
        if skeleton.is_ascii() {
            for s in skeleton.chars() {
                push_ascii(out, s);
            }
        } else if is_mark_between_words(n) {
            // `CVE·2026·40001`, `CVE›2026›40001`, `gadget•parser`: a mark
            // with no ASCII look-alike reads as what stands between words.
            push_ascii(out, ' ');
        } else {
            for l in n.to_lowercase() {
                out.push(l);
            }
        }
    }
}

/// Punctuation and symbols (bullets, middle dots, guillemets, arrows,
/// emoji): never part of a word, so a reader reads one between two words
/// or two parts of an id as a separator.
fn is_mark_between_words(c: char) -> bool {
    use unicode_general_category::{get_general_category, GeneralCategory as G};
    matches!(
        get_general_category(c),
        G::ConnectorPunctuation
            | G::DashPunctuation
            | G::OpenPunctuation
            | G::ClosePunctuation
            | G::InitialPunctuation
            | G::FinalPunctuation
            | G::OtherPunctuation
            | G::MathSymbol
            | G::CurrencySymbol
            | G::ModifierSymbol
            | G::OtherSymbol
    )
}

/// The letter a small capital (`ᴄᴠᴇ`) reads as; TR 39 maps only some of
/// them to their letter.
fn small_capital(c: char) -> Option<char> {
    Some(match c {
        '\u{1D00}' => 'a',
        '\u{0299}' => 'b',
        '\u{1D04}' => 'c',
        '\u{1D05}' => 'd',
        '\u{1D07}' => 'e',
        '\u{A730}' => 'f',
        '\u{0262}' => 'g',
        '\u{029C}' => 'h',
        '\u{026A}' => 'i',
        '\u{1D0A}' => 'j',
        '\u{1D0B}' => 'k',
        '\u{029F}' => 'l',
        '\u{1D0D}' => 'm',
        '\u{0274}' => 'n',
        '\u{1D0F}' => 'o',
        '\u{1D18}' => 'p',
        '\u{A7AF}' => 'q',
        '\u{0280}' => 'r',
        '\u{A731}' => 's',
        '\u{1D1B}' => 't',
        '\u{1D1C}' => 'u',
        '\u{1D20}' => 'v',
        '\u{1D21}' => 'w',
        '\u{028F}' => 'y',
        '\u{1D22}' => 'z',
        _ => return None,
    })
}

/// The ASCII digit a decimal digit of another script (`٢٠٢٦`, `२०२६`)
/// reads as: a reader of that script reads the number, and so does any
/// program that parses digits by their Unicode value. NFKD already maps
/// fullwidth and mathematical digits.
fn decimal_digit(c: char) -> Option<char> {
    use unicode_general_category::{get_general_category, GeneralCategory};
    let is_digit = |c: char| get_general_category(c) == GeneralCategory::DecimalNumber;
    if !is_digit(c) {
        return None;
    }
    // Unicode encodes every script's decimal digits as a run of ten, 0 to
    // 9, and runs that touch follow one another whole (the mathematical
    // digits are five): the value is the distance from the first digit of
    // the unbroken stretch, modulo ten.
    let mut first = c as u32;
    while let Some(before) = first.checked_sub(1).and_then(char::from_u32) {
        if !is_digit(before) {
            break;
        }
        first -= 1;
    }
    char::from_digit((c as u32 - first) % 10, 10)
}

/// ASCII that the canonical form keeps as it is, up to case.
fn is_plain(b: u8) -> bool {
    PLAIN[b as usize]
}

/// How far from `start` (a plain byte) the run of [`is_plain`] bytes and
/// single spaces goes, read eight bytes at a time, and whether it ends in a
/// space; the bytes after the last whole word are left to the caller's
/// byte loop. Each byte's top bit in a word says what it is, and a run
/// stops at the first byte that is not plain ASCII, a space after a space
/// included: the byte loop's rule, without a branch per byte.
fn plain_words(bytes: &[u8], start: usize) -> (usize, bool) {
    use crate::swar::{each, equal, HIGH, LOW};
    let mut end = start;
    let mut space = false;
    while let Some(word) = bytes.get(end..end + 8) {
        let w = u64::from_le_bytes(word.try_into().unwrap_or_default());
        let ascii = w & LOW;
        // Non-ASCII, below 0x20 (controls, tab, line breaks), 0x7e and up.
        let outside = (w | !(ascii + each(0x60)) | (ascii + each(0x02))) & HIGH;
        let marks = equal(w, b'*') | equal(w, b'_') | equal(w, b'`') | equal(w, b'<');
        let spaces = equal(w, b' ');
        let doubled = spaces & ((spaces << 8) | if space { 0x80 } else { 0 });
        let stop = outside | marks | doubled;
        if stop != 0 {
            let plain = (stop.trailing_zeros() / 8) as usize;
            let spaced = plain > 0 && spaces & (0x80 << (8 * (plain - 1))) != 0;
            return (end + plain, spaced || (plain == 0 && space));
        }
        space = spaces >> 56 != 0;
        end += 8;
    }
    (end, space)
}

/// [`is_plain`] as a table: the fold's inner loop asks it of every byte.
static PLAIN: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = c.is_ascii_graphic() && !matches!(c, b'*' | b'_' | b'`' | b'~' | b'<');
        b += 1;
    }
    t
};

fn push_ascii(out: &mut String, c: char) {
    match c {
        '*' | '`' | '~' => {}
        c if c.is_ascii_whitespace() || c == '_' => {
            if !out.ends_with(' ') {
                out.push(' ');
            }
        }
        // A control character shows as nothing (an escape, DEL), or as a
        // box a reader reads past: `CVE-2026-&#x1b;40001` reads as the id.
        c if c.is_ascii_control() => {}
        c => out.push(c.to_ascii_lowercase()),
    }
}

/// The canonical form of `input` (any bytes; invalid UTF-8 is replaced).
///
/// Tags are taken out of the flow of the text, not dropped: a reader does
/// not read `<b>` between `CVE-` and `2026`, but an attribute (`title`,
/// `alt`, `href`) is shown, spoken or followed, and every byte of a file is
/// in the file. So each tag's inside is appended after the text, on its
/// own line, and the wall sees `<a title="CVE-…">` as surely as the text.
/// A line break never occurs otherwise in the canonical form, nor in any
/// pattern, so no match spans two of these pieces.
pub fn canonical(input: &[u8]) -> String {
    fold_all(&decoded(input, &text_of(input)))
}

/// `input` as text, invalid UTF-8 replaced. Valid UTF-8, the usual case,
/// is checked by the standard library's word-at-a-time validator, several
/// times faster than the lossy decoder's byte loop.
fn text_of(input: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(input) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(input),
    }
}

/// `input` (whose text, invalid UTF-8 replaced, is `raw`) with its
/// percent-escapes, then its HTML entities, decoded: steps 1 and 2.
/// Borrowed exactly when nothing was decoded.
fn decoded<'a>(input: &[u8], raw: &'a str) -> Cow<'a, str> {
    let text: Cow<'a, str> = match percent_decoded(input) {
        Cow::Borrowed(_) => Cow::Borrowed(raw),
        Cow::Owned(bytes) => Cow::Owned(
            String::from_utf8(bytes)
                .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
        ),
    };
    match htmlize::unescape(&*text) {
        Cow::Borrowed(_) => text,
        Cow::Owned(entities) => Cow::Owned(entities),
    }
}

/// The canonical form of `input` read as plain text, where `%4C` and
/// `&#x4C` are what they look like, not `L`; `None` when that is the
/// canonical form itself. A mail or a Markdown file shows its escapes as
/// written, so an escape that would swallow the id's first letter
/// (`%4CVE-2026-40001`) must not hide it.
pub fn canonical_literal(input: &[u8]) -> Option<String> {
    if memchr::memchr2(b'%', b'&', input).is_none() {
        return None;
    }
    Some(fold_all(&text_of(input)))
}

/// Every canonical form of `input`, one string each. The input's UTF-8 is
/// checked once for all.
/// 1. As decoded.
/// 2. As written, when decoding changed anything (else the two are the
///    same string).
///
/// When `angled`, for walls that hold a text with `<` or `>` in it (see
/// [`has_angle`]), two more:
/// 3. as a browser shows HTML: a `<` written as such opens a tag, and one
///    that decoding made (`&lt;`, `&#60`, `%3C`) is text;
/// 4. as a plain-text channel shows it: every `<` is text.
///
/// When the decoded text holds a right-to-left override, two more: as
/// shown, in [`crate::reordered`]. When it holds a word broken across two
/// lines at a hyphen, one more: with the word joined, in
/// [`crate::hyphenated`].
pub fn readings(input: &[u8], angled: bool) -> Vec<String> {
    let raw = text_of(input);
    let text = decoded(input, &raw);
    let mut all = vec![fold_all(&text)];
    if matches!(text, Cow::Owned(_)) {
        all.push(fold_all(&raw));
    }
    // Rare: text under a right-to-left override, read in the order shown.
    all.extend(
        crate::reordered::readings(&text)
            .iter()
            .map(|s| fold_all(s)),
    );
    // Rare: a word broken across two lines at a hyphen, read whole.
    all.extend(crate::hyphenated::joined(&text).map(|s| fold_all(&s)));
    if angled {
        all.push(fold_all(&shown(&raw)));
        all.push(fold_text(&raw));
    }
    all
}

/// Whether a hidden text's canonical form could be cut in two by a tag.
/// A tag taken out of the flow starts at a `<` and ends at a `>`, so only
/// a text with one of them in it can lose part of itself to a tag that
/// begins before or ends inside it: `&lt;x Parser -&gt; panic` reads, once
/// decoded, as a tag `<x Parser ->` followed by ` panic`. Other texts are
/// either wholly in the flow or wholly inside one tag, and found there.
pub fn has_angle(text: &str) -> bool {
    memchr::memchr2(b'<', b'>', text.as_bytes()).is_some()
}

/// The forms of a hidden text with `<` as text, never a tag, for the
/// angled readings of [`readings`]: as decoded, then as written when
/// decoding changed anything.
pub fn untagged(input: &[u8]) -> Vec<String> {
    let raw = text_of(input);
    let text = decoded(input, &raw);
    let mut forms = vec![fold_text(&text)];
    if matches!(text, Cow::Owned(_)) {
        forms.push(fold_text(&raw));
    }
    forms
}

/// `raw` decoded with every decoded `<` turned into `＜`, which reads as
/// `<` but opens no tag.
fn shown(raw: &str) -> String {
    const LT: &str = "\u{FF1C}";
    let shielded = raw.replace("%3C", LT).replace("%3c", LT);
    let text = match percent_decoded(shielded.as_bytes()) {
        Cow::Borrowed(_) => shielded,
        Cow::Owned(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
    };
    // No reference spans a `<`, so each piece between two decodes as the
    // whole would.
    let mut out = String::with_capacity(text.len());
    for (i, piece) in text.split('<').enumerate() {
        if i > 0 {
            out.push('<');
        }
        out.push_str(&htmlize::unescape(piece).replace('<', LT));
    }
    out
}

/// Where the tag whose inside begins `rest` ends: at its first `>` outside
/// a quoted attribute value, as a browser reads it. Ending at any `>` would
/// let `Security <em title="a>b">advisory</em>` put `b">advisory` in the
/// text, and the title would be lost. A quoted value that never closes
/// turns the quotes off for the rest of the text (`*quotes`): from then on
/// any `>` ends a tag, as it did before, so that each byte is still read a
/// bounded number of times.
pub(crate) fn tag_end(rest: &[u8], quotes: &mut bool) -> Option<usize> {
    if *quotes {
        if let Some(end) = quoted_end(rest) {
            return Some(end);
        }
        *quotes = false;
    }
    memchr::memchr(b'>', rest)
}

/// The first `>` of `rest` outside a value quoted after `=`; `None` when a
/// quoted value does not close, or no `>` follows.
fn quoted_end(rest: &[u8]) -> Option<usize> {
    let mut k = 0;
    loop {
        let at = k + memchr::memchr2(b'>', b'=', &rest[k..])?;
        if rest[at] == b'>' {
            return Some(at);
        }
        let mut v = at + 1;
        while rest.get(v).is_some_and(u8::is_ascii_whitespace) {
            v += 1;
        }
        k = match rest.get(v) {
            Some(&q @ (b'"' | b'\'')) => v + 2 + memchr::memchr(q, &rest[v + 1..])?,
            _ => v,
        };
    }
}

fn fold_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    fold(text, &mut out, Mode::Text);
    out
}

/// The text, then a line break and each tag's inside on its own line. The
/// last tag's line ends with no line break: it ends nothing, and no other
/// reading ends in one, since outside tags' lines a line break is white
/// space.
fn fold_all(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut tags = String::new();
    fold(text, &mut out, Mode::Tags(&mut tags));
    if !tags.is_empty() {
        out.push('\n');
        fold(&tags, &mut out, Mode::Lines);
        if out.ends_with('\n') {
            out.pop();
        }
    }
    out
}

/// Whether a tag, by its inside, starts a new line or block where it
/// stands: a browser shows `advisory<br>for` and `advisory</td><td>for`
/// as two words, where `CVE-<b>2026</b>` is one. Any other tag (an unknown
/// one, a comment) is inline, as a browser shows it.
pub(crate) fn breaks_line(inside: &str) -> bool {
    let name = inside.strip_prefix('/').unwrap_or(inside).as_bytes();
    let len = name
        .iter()
        .position(|b| !b.is_ascii_alphanumeric())
        .unwrap_or(name.len());
    let mut lower = [0u8; 10];
    let Some(lower) = lower.get_mut(..len) else {
        return false;
    };
    for (l, n) in lower.iter_mut().zip(name) {
        *l = n.to_ascii_lowercase();
    }
    matches!(
        &*lower,
        b"address"
            | b"article"
            | b"aside"
            | b"blockquote"
            | b"br"
            | b"caption"
            | b"dd"
            | b"details"
            | b"div"
            | b"dl"
            | b"dt"
            | b"figcaption"
            | b"figure"
            | b"footer"
            | b"h1"
            | b"h2"
            | b"h3"
            | b"h4"
            | b"h5"
            | b"h6"
            | b"header"
            | b"hr"
            | b"li"
            | b"main"
            | b"nav"
            | b"ol"
            | b"option"
            | b"p"
            | b"pre"
            | b"section"
            | b"summary"
            | b"table"
            | b"tbody"
            | b"td"
            | b"tfoot"
            | b"th"
            | b"thead"
            | b"tr"
            | b"ul"
    )
}

/// How [`fold`] treats `<` and line breaks.
enum Mode<'a> {
    /// Each tag's inside goes here (one per line) instead of into the text.
    Tags(&'a mut String),
    /// The lines of a [`Mode::Tags`] string: line breaks kept, `<` is text.
    Lines,
    /// Plain text: `<` is text, line breaks are white space.
    Text,
}

/// Fold decoded `text` into `out`, as `mode` says.
fn fold(text: &str, out: &mut String, mut mode: Mode<'_>) {
    let bytes = text.as_bytes();
    // Past this byte there is no `>`: no later tag can close.
    let mut no_close_from = usize::MAX;
    // Whether tag ends still honour quoted values (see `tag_end`).
    let mut quotes = true;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'\n' && matches!(mode, Mode::Lines) {
            // A line of `tags`: kept, so that pieces stay apart.
            out.push('\n');
            i += 1;
            continue;
        }
        if let Mode::Tags(tags) = &mut mode {
            if b == b'<'
                && i < no_close_from
                && bytes
                    .get(i + 1)
                    .is_some_and(|n| n.is_ascii_alphabetic() || matches!(n, b'/' | b'!' | b'?'))
            {
                match tag_end(&bytes[i + 1..], &mut quotes) {
                    Some(end) => {
                        // Line breaks inside a tag are white space.
                        let inside = &text[i + 1..i + 1 + end];
                        let start = tags.len();
                        tags.push_str(inside);
                        if memchr::memchr(b'\n', inside.as_bytes()).is_some() {
                            let spaced = tags[start..].replace('\n', " ");
                            tags.truncate(start);
                            tags.push_str(&spaced);
                        }
                        tags.push('\n');
                        if breaks_line(inside) {
                            push_ascii(out, ' ');
                        }
                        i += end + 2;
                        continue;
                    }
                    None => no_close_from = i,
                }
            }
        }
        if is_plain(b) {
            // A run of plain ASCII, single spaces between words included, is
            // only lower-cased.
            let (mut end, mut space) = plain_words(bytes, i);
            while let Some(&c) = bytes.get(end) {
                if is_plain(c) {
                    space = false;
                } else if c == b' ' && !space {
                    space = true;
                } else {
                    break;
                }
                end += 1;
            }
            push_plain(out, &text[i..end]);
            i = end;
            continue;
        }
        if b.is_ascii() {
            push_ascii(out, b as char);
            i += 1;
            continue;
        }
        // A character boundary: `text` is valid UTF-8 and `b` is a lead byte.
        let c = text[i..].chars().next().unwrap_or('\u{FFFD}');
        push_folded(out, c);
        i += c.len_utf8();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `fold` one character at a time, as it did before the fast path.
    fn fold_by_char(text: &str) -> String {
        let mut out = String::new();
        for c in text.chars() {
            match c {
                '\n' => out.push('\n'),
                c if c.is_ascii() => push_ascii(&mut out, c),
                c => push_folded(&mut out, c),
            }
        }
        out
    }

    proptest::proptest! {
        /// Any text, and long runs, which the eight-byte path reads, ending
        /// at every kind of byte and at every offset in a word.
        #[test]
        fn the_fast_path_agrees_on_any_text(text in "[ a-zA-Z0-9*_`~\t\n\u{a0}\u{200b}é–-]{0,40}|([a-zA-Z0-9.,:/ ]{0,23}|[*_`~<\t\n\x7f]|  |é|\u{2011}){0,24}") {
            let mut fast = String::new();
            fold(&text, &mut fast, Mode::Lines);
            proptest::prop_assert_eq!(fast, fold_by_char(&text));
        }
    }

    #[test]
    fn the_fast_path_folds_as_one_character_at_a_time_does() {
        for text in [
            "Plain words, Two  spaces,\tA tab; trailing ",
            " leading space and   runs\t \t of it",
            "CVE-2024-1000 in *bold* and `code` and ~strike~ and _under_",
            "Ünïcödé – dashes — and\u{200B}zero\u{00A0}widths",
            "a\nb \n c\n\n  d",
            "",
            " ",
            "x ",
        ] {
            let mut fast = String::new();
            fold(text, &mut fast, Mode::Lines);
            assert_eq!(fast, fold_by_char(text), "{text:?}");
        }
    }

    /// Every decimal digit Unicode 16 has (the first of each run of ten),
    /// and characters next to runs that are not digits.
    #[test]
    fn a_decimal_digit_of_any_script_reads_as_its_value() {
        let zeros = [
            0x660, 0x6F0, 0x7C0, 0x966, 0x9E6, 0xA66, 0xE50, 0xF20, 0x1040, 0x17E0, 0x1A80, 0x1A90,
            0x1C40, 0x1C50, 0xA9D0, 0xA9F0, 0xFF10, 0x104A0, 0x11066, 0x1D7CE, 0x1D7D8, 0x1D7F6,
            0x1E950, 0x1FBF0,
        ];
        for zero in zeros {
            for value in 0..10 {
                let c = char::from_u32(zero + value).unwrap();
                assert_eq!(
                    canonical(c.to_string().as_bytes()),
                    value.to_string(),
                    "U+{:04X}",
                    zero + value
                );
            }
        }
        assert_eq!(decimal_digit('\u{1A8A}'), None);
        assert_eq!(decimal_digit('x'), None);
        assert_eq!(
            decimal_digit('\u{2460}'),
            None,
            "circled: NFKD's, not a decimal digit"
        );
    }

    #[test]
    fn every_spelling_a_reader_reads_as_the_id_is_the_id() {
        let id = "cve-2026-40001";
        for spelling in [
            "CVE-2026-40001",
            "Cve-2026-40001",
            "cVE-2026-40001",
            "CVE\u{200B}-2026-40001",
            "CVE-20\u{00AD}26-40001",
            "CVE&shy;-2026-40001",
            "CVE\u{2010}2026\u{2011}40001",
            "CVE\u{2212}2026\u{2013}40001",
            "CVE&hyphen;2026&#x2011;40001",
            "CVE-２０２６-４０００１",
            "\u{0421}VE-2026-40001",
            "CV\u{0415}-2026-40001",
            "\u{1D04}\u{1D20}\u{1D07}-2026-40001",
            "\u{0106}V\u{00C9}-2026-40001",
            "C\u{0336}V\u{0336}E\u{0336}-2026-40001",
            "**CVE**-2026-40001",
            "`CVE`-2026-40001",
            "CVE-<b>2026</b>-40001",
            "CVE-<span class=x>2026</span>-40001",
            "CVE%2D2026%2D40001",
            "cve-2026-4000&#49;",
            "cve%2d2026-40001",
            "%43VE-2026-40001",
            // Browsers decode these without their `;`.
            "CVE&shy-2026-40001",
            "CVE&#45&#50;026-40001",
            "CVE-2026-40001\u{FE0F}",
            // Decimal digits of other scripts: Arabic-Indic, Persian,
            // Devanagari, Thai, and mathematical bold.
            "CVE-\u{0662}\u{0660}\u{0662}\u{0666}-\u{0664}\u{0660}\u{0660}\u{0660}\u{0661}",
            "CVE-\u{06F2}\u{06F0}\u{06F2}\u{06F6}-40001",
            "CVE-\u{0968}\u{0966}\u{0968}\u{096C}-40001",
            "CVE-2026-\u{0E54}\u{0E50}\u{0E50}\u{0E50}\u{0E51}",
            "CVE-\u{1D7D0}\u{1D7CE}\u{1D7D0}\u{1D7D4}-40001",
            // Controls show as nothing, a NUL as a box read past.
            "CVE-2026-\u{1b}40001",
            "CVE\u{7f}-2026-40001",
            "CVE-\u{9b}2026-40001",
            "CVE-2026-&#x1b;40001",
            "CVE-2026\u{FFFD}-40001",
        ] {
            assert!(
                canonical(spelling.as_bytes()).contains(id),
                "{spelling:?} → {:?}",
                canonical(spelling.as_bytes())
            );
        }
    }

    #[test]
    fn punctuation_and_symbols_outside_ascii_read_as_a_space() {
        for (spelling, read) in [
            ("CVE·2026·40001", "cve 2026 40001"),
            ("CVE-&#x9b;2026-40001", "cve->2026-40001"),
            ("gadget\u{2022}parser", "gadget parser"),
            ("\u{00AB}gadget\u{00BB} \u{2192} parser", " gadget parser"),
            ("gadget\u{1F512}parser", "gadget parser"),
        ] {
            assert_eq!(canonical(spelling.as_bytes()), read, "{spelling:?}");
        }
        // Marks with an ASCII look-alike read as it, letters stay letters.
        assert_eq!(canonical("a\u{2215}b \u{2026}".as_bytes()), "a/b ...");
        assert_eq!(canonical("\u{00E9}t\u{00E9} \u{00DF}".as_bytes()), "ete ß");
    }

    #[test]
    fn titles_match_across_case_breaks_and_entities() {
        let title = canonical(b"Security advisory for Widgets");
        for spelling in [
            "SECURITY ADVISORY FOR WIDGETS",
            "Security\nadvisory   for\r\nWidgets",
            "Security&nbsp;advisory for Widgets",
            "Security <em>advisory</em> for Widgets",
            "Security advisory for **Widgets**",
        ] {
            assert!(
                canonical(spelling.as_bytes()).contains(&title),
                "{spelling:?}"
            );
        }
    }

    #[test]
    fn text_without_anything_special_is_only_lower_cased() {
        assert_eq!(canonical(b"a < b and c > d"), "a < b and c > d");
        assert_eq!(canonical(b"Plain Text."), "plain text.");
        // A tag's inside is kept, apart from the text.
        assert_eq!(
            canonical(b"x <unclosed and <b>bold</b>"),
            "x bold\nunclosed and <b\n/b"
        );
        assert_eq!(canonical(b"100% of %zz and %4"), "100% of %zz and %4");
    }

    #[test]
    fn what_tags_carry_is_seen_apart_from_the_text() {
        let out = canonical(
            b"See <a href=\"https://e.org/CVE%2D2026%2D40001\" title=\"Cve&#8209;2026-40001\">it</a>.",
        );
        assert_eq!(
            out,
            "see it.\na href=\"https://e.org/cve-2026-40001\" title=\"cve-2026-40001\"\n/a"
        );
        // Text that only looks like a tag once decoded is still read.
        assert!(canonical(b"&lt;CVE-2026-40001&gt;").contains("cve-2026-40001"));
        assert!(canonical(b"<CVE-2026-40001>").contains("cve-2026-40001"));
    }

    #[test]
    fn an_escape_that_swallows_a_letter_is_also_read_as_written() {
        for text in [
            "%4CVE-2026-40001",
            "&#x4CVE-2026-40001",
            "&#6CVE-2026-40001",
        ] {
            assert!(
                readings(text.as_bytes(), false)
                    .iter()
                    .any(|r| r.contains("cve-2026-40001")),
                "{text}"
            );
        }
        assert_eq!(canonical_literal(b"plain"), None);
    }

    #[test]
    fn the_plain_reading_is_left_out_only_when_it_is_the_decoded_one() {
        for text in [
            "100% sure & certain, 50%off",
            "a&b; &zz; %zz %4",
            "see <b>CVE-2026-40001</b>",
            "bad \u{FFFD} byte",
        ] {
            let all = readings(text.as_bytes(), false);
            assert_eq!(all, [canonical(text.as_bytes())], "{text}");
            assert_eq!(
                canonical_literal(text.as_bytes()).unwrap_or_else(|| all[0].clone()),
                all[0],
                "{text}"
            );
        }
        for text in ["%4CVE-2026-40001", "&amp;CVE", "&#x4C;VE", "&lt;b&gt;"] {
            let all = readings(text.as_bytes(), false);
            assert_eq!(
                all,
                [
                    canonical(text.as_bytes()),
                    canonical_literal(text.as_bytes()).unwrap()
                ],
                "{text}"
            );
        }
        let invalid = b"caf\xe9 %41 \xff";
        let all = readings(invalid, false);
        assert_eq!(all[0], canonical(invalid));
        assert_eq!(all[1], canonical_literal(invalid).unwrap());
    }

    #[test]
    fn a_decoded_angle_bracket_is_text_as_a_browser_shows_it() {
        let title = "parser -> panic here";
        for page in [
            "<code>&lt;x Parser -&gt; panic here</code>",
            "&#60x Parser -&#62 panic here",
            "%3Cx Parser -> panic here",
            "&lt;x Parser -&gt; <em>panic</em> here",
        ] {
            assert!(!canonical(page.as_bytes()).contains(title), "{page}");
            let all = readings(page.as_bytes(), true);
            let shown = &all[all.len() - 2];
            assert!(shown.contains(title), "{page} → {shown:?}");
        }
        let all = readings(b"<x Parser -> panic here", true);
        let plain = &all[all.len() - 1];
        assert!(plain.contains(title), "{plain:?}");
        assert!(has_angle("a -> b") && has_angle("vec<t>") && !has_angle("a - b"));
        assert_eq!(
            untagged(b"Vec<T> &amp; more"),
            ["vec<t> & more", "vec<t> &amp; more"]
        );
    }

    #[test]
    fn references_to_no_character_neither_panic_nor_make_a_nul() {
        for text in [
            "&#xD800;",
            "&#0;",
            "&#x110000;",
            "&#99999999999999999999999;",
            "&#x;&#;&;&#x",
            "&#128;&#x9F",
            "\u{FF1C}&lt%3c%3C&#60",
        ] {
            for reading in readings(text.as_bytes(), true) {
                assert!(!reading.contains('\0'), "{text}: {reading:?}");
            }
        }
    }

    #[test]
    fn a_tag_ends_at_its_first_angle_bracket_outside_quotes() {
        assert_eq!(
            canonical(b"Security <em title=\"a>b\">advisory</em> for <i class='x>'>widgets</i>"),
            "security advisory for widgets\nem title=\"a>b\"\n/em\ni class='x>'\n/i"
        );
        // A quote that never closes: any `>` ends a tag from then on.
        assert_eq!(canonical(b"<a t=\"x> y <b>z"), " y z\na t=\"x\nb");
        assert_eq!(canonical(b"<a href=x>y</a>"), "y\na href=x\n/a");
    }

    #[test]
    fn many_unclosed_quotes_stay_linear() {
        for input in [
            "<a t=\"".repeat(100_000) + ">",
            "<a t=\"".repeat(100_001),
            "<a t=\"x\">".repeat(100_000),
        ] {
            assert!(canonical(input.as_bytes()).len() >= input.len() / 2);
        }
    }

    #[test]
    fn many_unclosed_tags_stay_linear() {
        let input = "<a".repeat(200_000);
        let out = canonical(input.as_bytes());
        assert_eq!(out.len(), input.len());
    }
}
