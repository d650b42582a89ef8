//! Fuzzing the two parsers an outsider's bytes reach first: the
//! front-matter reader (every advisory file) and the wall's canonical form
//! (every public byte); and the whole build, with odd text in each field
//! that reaches a page, a mail header or a request body. Built on
//! proptest, so it runs on stable Rust.
//!
//! In the ordinary suite each property runs a fixed, seeded batch of cases.
//! `scripts/fuzz SECONDS` runs each for that long with fresh seeds, and
//! prints the seed: `HERALD_FUZZ_SEED=<hex>` replays a run.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use herald::canon::{canonical, readings};
use herald::embargo::Wall;
use herald::load::judge_entry;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};

/// Cases per batch; the ordinary suite runs one batch per property.
const BATCH: u32 = 256;

/// Run `test` on `strategy`: one seeded batch, or batches with fresh seeds
/// until `HERALD_FUZZ_SECONDS` have passed.
fn fuzz<S: Strategy>(
    name: &str,
    strategy: S,
    test: impl Fn(S::Value) -> Result<(), TestCaseError>,
) {
    let seconds: u64 = std::env::var("HERALD_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut seed: [u8; 32] = match std::env::var("HERALD_FUZZ_SEED") {
        Ok(hex) => from_hex(&hex),
        Err(_) if seconds > 0 => fresh_seed(),
        Err(_) => [7; 32],
    };
    let mut cases = 0u64;
    loop {
        let config = Config {
            cases: BATCH,
            failure_persistence: None,
            // A finding is reported within a minute, shrunk as far as
            // that allows.
            max_shrink_time: 60_000,
            ..Config::default()
        };
        let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &seed);
        let mut runner = TestRunner::new_with_rng(config, rng);
        if let Err(e) = runner.run(&strategy, &test) {
            panic!("{name}: {e}\nreplay: HERALD_FUZZ_SEED={}", to_hex(&seed));
        }
        cases += u64::from(BATCH);
        if Instant::now() >= deadline {
            break;
        }
        seed = fresh_seed();
    }
    eprintln!("fuzz {name}: {cases} cases without a finding");
}

fn fresh_seed() -> [u8; 32] {
    let mut seed = [0u8; 32];
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos()
        .to_le_bytes();
    seed[..16].copy_from_slice(&t);
    seed[16..24].copy_from_slice(&u64::from(std::process::id()).to_le_bytes());
    seed
}

fn to_hex(b: &[u8]) -> String {
    b.iter().map(|b| format!("{b:02x}")).collect()
}

fn from_hex(s: &str) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(s.get(2 * i..2 * i + 2).unwrap_or("00"), 16).unwrap_or(0);
    }
    out
}

/// Fragments that YAML, the front-matter fences and the field decoders
/// treat specially.
fn fragment() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::sample::select(vec![
            ": ",
            "- ",
            "-",
            "[",
            "]",
            "{",
            "}",
            "'",
            "\"",
            "\t",
            "\n",
            "\r\n",
            "---\n",
            "---",
            "&a ",
            "*a",
            "!!binary ",
            "!x ",
            "? ",
            "|\n",
            ">-\n",
            "#",
            "%YAML 1.2\n",
            "\u{feff}",
            "\0",
            "é",
            "\u{202e}",
            "\u{2028}",
            "~",
            "null",
            "0x1F",
            "1e999",
            "2024-13-45",
            "CVE-",
            "GHSA-",
            "<script>",
            "](javascript:",
            "\\",
            "    ",
            "  - package: x\n",
        ])
        .prop_map(|s| s.as_bytes().to_vec()),
        prop::collection::vec(any::<u8>(), 0..6),
        "\\PC{0,6}".prop_map(|s| s.into_bytes()),
    ]
}

#[derive(Debug, Clone)]
enum Edit {
    Insert(prop::sample::Index, Vec<u8>),
    Delete(prop::sample::Index, usize),
    DuplicateLine(prop::sample::Index),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        4 => (any::<prop::sample::Index>(), fragment()).prop_map(|(i, f)| Edit::Insert(i, f)),
        2 => (any::<prop::sample::Index>(), 1usize..40).prop_map(|(i, n)| Edit::Delete(i, n)),
        1 => any::<prop::sample::Index>().prop_map(Edit::DuplicateLine),
    ]
}

/// A valid advisory, edited a few times: near-valid input finds more than
/// noise does.
fn advisory_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => prop::collection::vec(edit(), 0..6).prop_map(|edits| {
            let mut b = common::ADVISORY.as_bytes().to_vec();
            for e in edits {
                match e {
                    Edit::Insert(i, f) => {
                        let at = i.index(b.len() + 1);
                        b.splice(at..at, f);
                    }
                    Edit::Delete(i, n) => {
                        let at = i.index(b.len().max(1));
                        let end = (at + n).min(b.len());
                        b.drain(at.min(end)..end);
                    }
                    Edit::DuplicateLine(i) => {
                        let at = i.index(b.len().max(1));
                        let start = b[..at].iter().rposition(|&c| c == b'\n').map_or(0, |p| p + 1);
                        let end = b[at..].iter().position(|&c| c == b'\n').map_or(b.len(), |p| at + p + 1);
                        let line = b[start..end].to_vec();
                        b.splice(end..end, line);
                    }
                }
            }
            b
        }),
        1 => prop::collection::vec(any::<u8>(), 0..400),
    ]
}

#[test]
fn front_matter_reader_never_panics_and_every_finding_is_in_the_file() {
    let path = Path::new("advisories/2024/fuzzed.md");
    fuzz("front matter", advisory_bytes(), |bytes| {
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let lines: Vec<&str> = text.split('\n').collect();
        let findings = match judge_entry(path, bytes.clone()) {
            Ok(warnings) => warnings,
            Err(errors) => {
                prop_assert!(!errors.is_empty(), "refused without a reason");
                errors
            }
        };
        for f in &findings {
            // Rendering a finding (with its source line) must not panic.
            let shown = f.to_string();
            prop_assert!(
                !shown.contains('\0'),
                "a NUL byte reached the terminal: {shown:?}"
            );
            let p = f.pos;
            if p.line == 0 {
                continue; // about the whole file
            }
            prop_assert!(
                p.line <= lines.len(),
                "line {} of {}: {shown}",
                p.line,
                lines.len()
            );
            let width = lines[p.line - 1].trim_end_matches('\r').chars().count();
            prop_assert!(
                p.col >= 1 && p.col <= width + 1,
                "column {} of {width}: {shown}",
                p.col
            );
        }
        Ok(())
    });
}

#[test]
fn canonical_form_never_panics_and_keeps_its_promises() {
    let input = prop_oneof![
        prop::collection::vec(any::<u8>(), 0..300),
        "\\PC{0,120}".prop_map(String::into_bytes),
        prop::collection::vec(fragment(), 0..30).prop_map(|v| v.concat()),
    ];
    fuzz("canonical form", input, |bytes| {
        for form in readings(&bytes, true) {
            prop_assert!(!form.chars().any(|c| c.is_ascii_uppercase()), "{form:?}");
            prop_assert!(
                !form.contains(['\u{ad}', '\u{200b}', '\u{200d}', '\u{feff}', '*', '_', '`']),
                "{form:?}"
            );
            prop_assert!(!form.contains("  "), "white space not collapsed: {form:?}");
            // NFKC grows a character 18-fold at most (U+FDFA): the form
            // stays linear in its input.
            prop_assert!(
                form.len() <= 18 * bytes.len() + 4,
                "{} from {}",
                form.len(),
                bytes.len()
            );
        }
        Ok(())
    });
}

/// One character of an id, as a reader would still read it.
fn disguise(c: char) -> BoxedStrategy<String> {
    let mut ways: Vec<String> = vec![
        c.to_string(),
        c.to_ascii_lowercase().to_string(),
        format!("&#{};", c as u32),
        format!("&#x{:X};", c as u32),
        format!("%{:02X}", c as u32),
    ];
    match c {
        'C' => ways
            .extend(["\u{0421}", "\u{0441}", "\u{FF23}", "\u{1D04}", "\u{0106}"].map(String::from)),
        'E' => ways
            .extend(["\u{0415}", "\u{0435}", "\u{FF25}", "\u{1D07}", "\u{00C9}"].map(String::from)),
        'V' => ways.extend(["\u{FF36}", "\u{2164}", "\u{1D20}"].map(String::from)),
        '-' => ways.extend(
            [
                "\u{2010}", "\u{2011}", "\u{2012}", "\u{2013}", "\u{2212}", "\u{FE63}", "\u{FF0D}",
                "&hyphen;", "&ndash;", "&minus;",
                // Other separators a reader reads through, or none.
                " ", ".", "/", ":", "_", " - ", "",
            ]
            .map(String::from),
        ),
        d if d.is_ascii_digit() => {
            let n = d as u32 - '0' as u32;
            // Fullwidth and mathematical; Arabic-Indic, Persian, Devanagari,
            // Thai, Myanmar and Adlam digits.
            for base in [
                0xFF10, 0x1D7CE, 0x1D7D8, 0x1D7E2, 0x1D7F6, 0x660, 0x6F0, 0x966, 0xE50, 0x1040,
                0x1E950,
            ] {
                ways.push(char::from_u32(base + n).expect("digit").to_string());
            }
            // Letters a reader takes for digits.
            match d {
                '0' => ways.extend(["O", "o", "\u{041E}"].map(String::from)),
                '1' => ways.extend(["l", "I", "|"].map(String::from)),
                _ => {}
            }
        }
        _ => {}
    }
    prop::sample::select(ways).boxed()
}

/// What a reader does not see between two characters.
fn gap() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "",
        "",
        "",
        "\u{200B}",
        "\u{200C}",
        "\u{200D}",
        "\u{2060}",
        "\u{FEFF}",
        "\u{00AD}",
        "&shy;",
        "&#173;",
        "&#x200B;",
        "<b>",
        "</b>",
        "<span class=\"x\">",
        "</span>",
        "**",
        "_",
        "`",
        "%C2%AD",
        "<!-- -->",
        // Letter-spacing.
        " ",
        // A mark drawn over the character before.
        "\u{0336}",
        "\u{0301}",
    ])
    .prop_map(String::from)
}

fn disguised_id() -> impl Strategy<Value = (String, String)> {
    (1999u32..2100, 1000u32..10_000_000).prop_flat_map(|(year, n)| {
        let id = format!("CVE-{year}-{n}");
        let parts: Vec<BoxedStrategy<String>> = id
            .chars()
            .map(|c| (gap(), disguise(c)).prop_map(|(g, d)| g + &d).boxed())
            .collect();
        (
            Just(id),
            parts,
            "[ a-z.,:;()\n]{0,20}",
            "[ .,:;()\n][ a-z.,]{0,20}",
            prop::bool::weighted(0.2),
        )
            .prop_map(|(id, mut parts, before, after, reversed)| {
                // Stored backwards after a right-to-left override, which
                // shows it forwards.
                if reversed {
                    parts.reverse();
                    parts.insert(0, "\u{202E}".into());
                    parts.push("\u{202C}".into());
                }
                (id, format!("{before}{}{after}", parts.concat()))
            })
    })
}

#[test]
fn every_disguise_of_a_hidden_id_is_seen_by_the_wall() {
    fuzz("disguised ids", disguised_id(), |(id, text)| {
        let wall = Wall::forever(&[&id], &[], "hidden");
        prop_assert!(
            wall.check("page.html", text.as_bytes()).is_err(),
            "{id} passed as {text:?} (canonical {:?})",
            canonical(text.as_bytes())
        );
        Ok(())
    });
}

/// What a reader does not see inside a word of a title. Not a space or an
/// underscore: a word cut in two reads as two words.
fn gap_in_word() -> impl Strategy<Value = String> {
    gap().prop_filter("a word stays whole", |g| g != " " && g != "_")
}

/// One letter of a title, as a reader would still read it.
fn disguised_letter(c: char) -> impl Strategy<Value = String> {
    let upper = c.to_ascii_uppercase();
    let ways = vec![
        c.to_string(),
        upper.to_string(),
        format!("&#{};", c as u32),
        format!("&#x{:X};", upper as u32),
        // Fullwidth.
        char::from_u32(c as u32 - 'a' as u32 + 0xFF41)
            .expect("fullwidth")
            .to_string(),
    ];
    (gap_in_word(), prop::sample::select(ways)).prop_map(|(g, l)| g + &l)
}

/// A hidden title of plain words, some joined by `::` as a Rust path is,
/// and a text that spells it as a reader still reads it: its words apart
/// (any run of marks or white space between them, or `::`), letter by
/// letter in full or in part (8 letters or more), or run together in
/// camel case.
fn disguised_title() -> impl Strategy<Value = (String, String)> {
    let words = prop::collection::vec(("[a-z]{3,8}", prop::bool::weighted(0.3)), 3..7);
    words.prop_flat_map(|words| {
        let mut title = String::new();
        for (i, (w, path)) in words.iter().enumerate() {
            if i > 0 {
                title.push_str(if *path { "::" } else { " " });
            }
            title.push_str(w);
        }
        let letters: Vec<BoxedStrategy<Vec<String>>> = words
            .iter()
            .map(|(w, _)| {
                w.chars()
                    .map(|c| disguised_letter(c).boxed())
                    .collect::<Vec<_>>()
                    .boxed()
            })
            .collect();
        // A run of one to three marks or white space between two words
        // (`gadget - parser` for `gadget parser`, `gadget parser` for
        // `gadget::parser`); sometimes `::` where the title has it.
        let paths: Vec<bool> = words.iter().map(|(_, path)| *path).collect();
        let mark = prop::sample::select(vec![
            " ", "-", "_", "/", ".", "+", ":", "  ", "\n", "&nbsp;", "\u{2011}", "%20", "<br>",
            "</p><p>",
        ]);
        let between = (
            prop::collection::vec(prop::collection::vec(mark, 1..4), words.len()),
            prop::collection::vec(prop::bool::ANY, words.len()),
        )
            .prop_map(move |(runs, own)| {
                runs.iter()
                    .zip(&paths)
                    .zip(&own)
                    .map(|((run, path), own)| {
                        if *own && *path {
                            "::".to_string()
                        } else {
                            run.concat()
                        }
                    })
                    .collect::<Vec<String>>()
            });
        let words_plain: Vec<String> = words.iter().map(|(w, _)| w.clone()).collect();
        (Just(title), letters, between, 0..5u8, "[ a-z.,:;()]{0,12}").prop_map(
            move |(title, letters, between, style, around)| {
                let mut text = format!("{around} ");
                for (i, word) in letters.iter().enumerate() {
                    match style {
                        // Its words apart.
                        0 => {
                            if i > 0 {
                                text.push_str(&between[i]);
                            }
                            text.push_str(&word.concat());
                        }
                        // Letter by letter, wider between the words.
                        1 => {
                            for l in word {
                                text.push_str(l);
                                text.push(' ');
                            }
                            text.push_str("  ");
                        }
                        // Letter by letter in part: the first words (3,
                        // or the last ones, 4) until 8 letters are spaced
                        // out, the others apart.
                        3 | 4 => {
                            let n = letters.len();
                            let order: Vec<usize> = if style == 3 {
                                (0..n).collect()
                            } else {
                                (0..n).rev().collect()
                            };
                            let mut count = 0;
                            let mut spaced = vec![false; n];
                            for &k in &order {
                                if count >= 8 {
                                    break;
                                }
                                spaced[k] = true;
                                count += letters[k].len();
                            }
                            if i > 0 {
                                text.push(' ');
                            }
                            if spaced[i] {
                                for (j, l) in word.iter().enumerate() {
                                    if j > 0 {
                                        text.push(' ');
                                    }
                                    text.push_str(l);
                                }
                            } else {
                                text.push_str(&word.concat());
                            }
                        }
                        // Camel case: each word's first letter a plain capital.
                        _ => {
                            let first = words_plain[i].chars().next().expect("a letter");
                            text.push(first.to_ascii_uppercase());
                            text.push_str(&word[1..].concat());
                        }
                    }
                }
                text.push_str(&format!(" {around}"));
                (title, text)
            },
        )
    })
}

#[test]
fn every_disguise_of_a_hidden_title_is_seen_by_the_wall() {
    fuzz("disguised titles", disguised_title(), |(title, text)| {
        // Titles shorter than this, with their spaces taken out, are not
        // looked for: they occur by chance.
        let squeezed = herald::spaced::squeezed(&canonical(title.as_bytes()));
        prop_assume!(squeezed.len() >= herald::embargo::MIN_TITLE);
        let wall = Wall::forever(&[], &[&title], "hidden");
        prop_assert!(
            wall.check("page.html", text.as_bytes()).is_err(),
            "{title:?} passed as {text:?} (canonical {:?})",
            canonical(text.as_bytes())
        );
        Ok(())
    });
}

/// A value for a text field: short runs of what mail headers, YAML,
/// Markdown, HTML and JSON treat specially, with ordinary words between.
fn field_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            3 => "[A-Za-z0-9 ]{1,8}",
            2 => prop::sample::select(vec![
                "\r\n", "\n", "\r", "\t", "\0", "\u{1b}", "\u{85}", "\u{2028}", "\u{202e}",
                "\u{feff}", "\u{200b}", "\u{fffd}", "é", "ß", "中文", "😀", "\"", "'", "<", ">",
                "&", "&amp;", "<b>", "</", "{{", "}}", "{%", "%}", "\\", "*", "_", "`", "[", "](",
                "#", "---", "+++", ":", ",", ";", "=?utf-8?q?", "Bcc: x@example.net", "@",
                "<x@example.net>", "..", "/", "%0d%0a", "CVE-2024-1000", "GHSA-",
                "                                                                    ",
            ])
            .prop_map(str::to_string),
            1 => "\\PC{1,4}",
        ],
        1..6,
    )
    .prop_map(|parts| parts.concat())
}

/// Which field of the tree the fuzzed text goes into, as the YAML line
/// that holds it, or the body.
#[derive(Debug, Clone)]
enum Place {
    Config(&'static str, &'static str),
    Front(&'static str, &'static str),
    Body,
}

fn place() -> impl Strategy<Value = Place> {
    prop::sample::select(vec![
        Place::Config("  title: Test Security Advisories", "  title: "),
        Place::Config("  name: Test Security Team", "  name: "),
        Place::Config(
            "  base-url: https://security.example.org/",
            "  base-url: https://security.example.org/\n  description: ",
        ),
        Place::Config("group: test-announce }", "group: test-announce, from: "),
        Place::Front(
            "title: Security advisory for widgets (CVE-2024-1000)",
            "title: ",
        ),
        Place::Front("summary: Widgets overflow", "summary: "),
        Place::Front("component: widgets", "component: "),
        Place::Front("  - package: widgets", "  - package: "),
        Place::Front("    vulnerable: \"< 1.2.3\"", "    vulnerable: "),
        Place::Front("    patched: \">= 1.2.3\"", "    patched: "),
        Place::Front(
            "component: widgets",
            "component: widgets\ncredits:\n  - name: ",
        ),
        Place::Front("component: widgets", "component: widgets\nauthors:\n  - "),
        Place::Body,
    ])
}

/// Whatever text reaches a field that loads, the build renders every page
/// and channel text without panicking: a panic loses every other
/// advisory's texts at the moment they are due.
#[test]
fn whatever_text_a_field_holds_the_build_never_panics() {
    let now: jiff::Timestamp = "2024-04-09T15:00:00Z".parse().expect("now");
    fuzz(
        "every field through the build",
        (place(), field_text()),
        |(place, text)| {
            let dir = tempfile::tempdir().expect("temp dir");
            let root = dir.path();
            let quoted = serde_json::to_string(&text).expect("json");
            let mut config = common::CONFIG.to_string();
            let mut advisory = common::ADVISORY.to_string();
            match &place {
                Place::Config(line, key) => {
                    config = config.replacen(line, &format!("{key}{quoted}"), 1)
                }
                Place::Front(line, key) => {
                    advisory = advisory.replacen(line, &format!("{key}{quoted}"), 1)
                }
                Place::Body => advisory.push_str(&format!("\n{text}\n")),
            }
            for (rel, contents) in [
                ("herald.yaml", config.as_str()),
                ("keys/team.asc", common::KEY),
                ("advisories/2024/cve-2024-1000.md", advisory.as_str()),
            ] {
                let path = root.join(rel);
                std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
                std::fs::write(path, contents).expect("write");
            }
            let outcome = std::panic::catch_unwind(|| {
                let Ok((project, _)) = herald::load::load(root) else {
                    return;
                };
                let _ = herald::build::rehearse(
                    &project,
                    now,
                    &Default::default(),
                    Default::default(),
                    &herald::build::PriorOutput {
                        site: None,
                        outbox: None,
                    },
                );
            });
            prop_assert!(outcome.is_ok(), "{place:?} holding {text:?} panicked");
            Ok(())
        },
    );
}
