//! The embargo wall against someone trying to slip a hidden id or title
//! past it: over 200 named attempts, each spelled as a reader would still read
//! it, in every place a public byte comes from. Each must be refused by
//! `build` (nothing written) and by `check`, at a location.

mod common;

use common::{advisory, code, stderr, Tree, ADVISORY, CONFIG};

const NOW: &str = "2024-04-10T00:00:00Z";
const HIDDEN_TITLE: &str = "Security advisory for the gadget parser";

/// Spellings a reader reads as `CVE-2024-2000`.
const ID_SPELLINGS: &[(&str, &str)] = &[
    ("upper case", "CVE-2024-2000"),
    ("lower case", "cve-2024-2000"),
    ("mixed case", "Cve-2024-2000"),
    ("odd case", "cVE-2024-2000"),
    ("zero-width space", "CVE\u{200B}-2024-2000"),
    ("zero-width joiner", "CV\u{200D}E-2024-2000"),
    ("raw soft hyphen", "CVE-20\u{00AD}24-2000"),
    ("entity soft hyphen", "CVE&shy;-2024-2000"),
    ("hyphen U+2010", "CVE\u{2010}2024\u{2010}2000"),
    ("non-breaking hyphen", "CVE\u{2011}2024\u{2011}2000"),
    ("minus sign", "CVE\u{2212}2024\u{2212}2000"),
    ("en dash", "CVE\u{2013}2024\u{2013}2000"),
    ("entity hyphen", "CVE&hyphen;2024&hyphen;2000"),
    (
        "fullwidth digits",
        "CVE-\u{FF12}\u{FF10}\u{FF12}\u{FF14}-2000",
    ),
    ("Cyrillic look-alikes", "\u{0421}V\u{0415}-2024-2000"),
    (
        "Arabic-Indic digits",
        "CVE-\u{0662}\u{0660}\u{0662}\u{0664}-\u{0662}\u{0660}\u{0660}\u{0660}",
    ),
    ("letters for digits", "CVE-2O24-2OOO"),
    ("an abbreviation's dots", "C.V.E.-2024-2000"),
    ("a grouped number", "CVE-2024-2,000"),
    ("a number sign", "CVE #2024-2000"),
    (
        "Devanagari digits",
        "CVE-\u{0968}\u{0966}\u{0968}\u{096A}-2000",
    ),
    // "Fancy text": small capitals, accents, strokes drawn through.
    ("small capitals", "\u{1D04}\u{1D20}\u{1D07}-2024-2000"),
    ("accented letters", "\u{0106}V\u{00C9}-2024-2000"),
    (
        "struck through",
        "C\u{0336}V\u{0336}E\u{0336}-2\u{0336}024-2000",
    ),
    ("split by emphasis", "**CVE**-2024-2000"),
    ("split by underscores", "_CVE_-2024-2000"),
    ("split by backticks", "`CVE`-2024-`2000`"),
    ("split by a tag", "CVE-<b>2024</b>-2000"),
    ("numeric entities", "&#67;VE-2024-&#x32;000"),
    // Other separators, which a reader reads through.
    ("spaces for dashes", "CVE 2024 2000"),
    ("dots for dashes", "CVE.2024.2000"),
    ("slashes for dashes", "CVE/2024/2000"),
    ("spaced dashes", "CVE - 2024 - 2000"),
    ("underscores for dashes", "CVE_2024_2000"),
    ("no separators", "CVE20242000"),
    ("a space and a dash", "CVE-2024 2000"),
    ("middle dots for dashes", "CVE\u{00B7}2024\u{00B7}2000"),
    ("bullets for dashes", "CVE\u{2022}2024\u{2022}2000"),
    ("a guillemet after a dash", "CVE-\u{203A}2024-2000"),
    (
        "a C1 reference browsers show as a guillemet",
        "CVE-&#x9b;2024-2000",
    ),
    ("semicolons for dashes", "CVE;2024;2000"),
    ("bars for dashes", "CVE|2024|2000"),
    ("parentheses around a part", "CVE(2024)2000"),
    ("arrows for dashes", "CVE\u{2192}2024\u{2192}2000"),
    ("an emoji for each dash", "CVE\u{1F512}2024\u{1F512}2000"),
    // Letter-spacing, which a reader reads through.
    ("letter-spaced", "C V E - 2 0 2 4 - 2 0 0 0"),
    ("a letter-spaced number", "CVE-2024-2 0 0 0"),
    // Broken across two lines at a hyphen, as a hand-wrapped text does.
    ("its number broken at a line end", "CVE-2024-20-\n  00"),
    // Stored backwards after a right-to-left override, shown forwards.
    ("reversed by an override", "\u{202E}0002-4202-EVC\u{202C}"),
    (
        "its number reversed by an override",
        "CVE-2024-\u{202E}0002\u{202C}",
    ),
    // Controls a browser shows as nothing, or as a box read past, written
    // as entities (as characters, a source holding them is refused).
    ("an escape character as an entity", "CVE-2024-&#x1b;2000"),
    ("DEL as an entity", "CVE&#127;-2024-2000"),
    ("a NUL as an entity, shown as a box", "CVE-2024&#0;-2000"),
    // Decoded, these would read `LVE-…`; written out, they read as the id.
    ("a percent escape swallowing the C", "%4CVE-2024-2000"),
    (
        "an unterminated entity swallowing the C",
        "&#x4CVE-2024-2000",
    ),
];

/// Spellings a reader reads as the hidden title.
const TITLE_SPELLINGS: &[(&str, &str)] = &[
    ("as written", "Security advisory for the gadget parser"),
    ("upper case", "SECURITY ADVISORY FOR THE GADGET PARSER"),
    // The words of a URL made from the title.
    (
        "dashes for spaces",
        "security-advisory-for-the-gadget-parser",
    ),
    // Other marks for spaces, as in a URL's path or a file name.
    (
        "slashes for spaces",
        "security/advisory/for/the/gadget/parser",
    ),
    ("dots for spaces", "Security.advisory.for.the.gadget.parser"),
    // Snake case, as in a file name or an identifier made from the title.
    (
        "underscores for spaces",
        "security_advisory_for_the_gadget_parser",
    ),
    (
        "line break inside",
        "Security advisory\nfor the gadget parser",
    ),
    (
        "a word broken at a line end",
        "Security advi-\nsory for the gadget parser",
    ),
    (
        "a word broken at a line end with a soft hyphen",
        "Security advi&shy;\nsory for the gadget parser",
    ),
    (
        "a word broken at a line end with Unicode's hyphen",
        "Security advisory for the gad\u{2010}\r\nget parser",
    ),
    // A line ended by a tag or a Markdown hard break, as a page shows it.
    (
        "a word broken at a <br>",
        "Security advi-<br>sory for the gadget parser",
    ),
    (
        "a word broken at a <br /> and a line break",
        "Security advi-<br />\nsory for the gadget parser",
    ),
    (
        "a word broken at a hard line break",
        "Security advi-\\\nsory for the gadget parser",
    ),
    (
        "a word broken at a hard line break of two spaces",
        "Security advi-  \nsory for the gadget parser",
    ),
    (
        "nbsp inside",
        "Security&nbsp;advisory for the gadget parser",
    ),
    (
        "tags inside",
        "Security <em>advisory</em> for the gadget parser",
    ),
    (
        "a tag inside, with `>` in a quoted attribute",
        "Security <em title=\"a>b\">advisory</em> for the gadget parser",
    ),
    (
        "emphasis inside",
        "Security advisory for the **gadget** parser",
    ),
    (
        "zero-width space inside",
        "Security advi\u{200B}sory for the gadget parser",
    ),
    (
        "soft hyphen inside",
        "Security advi&shy;sory for the gadget parser",
    ),
    (
        "accents and underlines",
        "S\u{00E9}curity adv\u{0332}isory for the g\u{00E4}dget parser",
    ),
    (
        "Cyrillic a",
        "Security \u{0430}dvisory for the gadget parser",
    ),
    (
        "fullwidth letters",
        "Security advisory for the \u{FF47}adget parser",
    ),
    (
        "reversed by an override",
        "\u{202E}resrap tegdag eht rof yrosivda ytiruceS\u{202C}",
    ),
    // Letter by letter, its word gaps lost where white space collapses.
    (
        "letter-spaced",
        "S e c u r i t y   a d v i s o r y   f o r   t h e   g a d g e t   p a r s e r",
    ),
    (
        "letter-spaced with dots",
        "S.e.c.u.r.i.t.y a.d.v.i.s.o.r.y f.o.r t.h.e g.a.d.g.e.t p.a.r.s.e.r",
    ),
    (
        "a word in parentheses",
        "Security advisory for the (gadget) parser",
    ),
    (
        "a word in quotes",
        "Security advisory for the \"gadget\" parser",
    ),
    (
        "semicolons for spaces",
        "Security;advisory;for;the;gadget;parser",
    ),
    ("bars for spaces", "Security|advisory|for|the|gadget|parser"),
    (
        "middle dots for spaces",
        "Security\u{00B7}advisory\u{00B7}for\u{00B7}the\u{00B7}gadget\u{00B7}parser",
    ),
    (
        "bullets for spaces",
        "Security\u{2022}advisory\u{2022}for\u{2022}the\u{2022}gadget\u{2022}parser",
    ),
    (
        "one short word spaced out",
        "Security advisory for the g a d g e t parser",
    ),
    (
        "a two-letter word spaced out",
        "Security advisory f o r the gadget parser",
    ),
    // A name made from the title.
    ("camel case", "SecurityAdvisoryForTheGadgetParser"),
    ("run together", "securityadvisoryforthegadgetparser"),
];

/// File names a reader reads as the id.
const NAMES: &[(&str, &str)] = &[
    ("lower", "cve-2024-2000.txt"),
    ("upper", "CVE-2024-2000.txt"),
    ("mixed", "Cve-2024-2000.txt"),
    ("percent-encoded dash", "cve%2D2024%2D2000.txt"),
    ("zero-width space", "cve\u{200B}-2024-2000.txt"),
    ("soft hyphen", "cve-\u{00AD}2024-2000.txt"),
    ("en dash", "cve\u{2013}2024\u{2013}2000.txt"),
    ("fullwidth", "cve-\u{FF12}024-2000.txt"),
    ("Cyrillic", "\u{0441}ve-2024-2000.txt"),
    ("in a folder", "cve-2024-2000/index.txt"),
    ("in an upper-case folder", "CVE-2024-2000/notes.txt"),
    ("numeric entity dashes", "cve&#45;2024&#45;2000.txt"),
    ("minus signs", "cve\u{2212}2024\u{2212}2000.txt"),
    ("underscores", "cve_2024_2000.txt"),
    ("dots", "CVE.2024.2000.txt"),
];

/// A tree with one published advisory and one under embargo until 2099
/// (whose title is HIDDEN_TITLE), with a theme folder to plant files in.
fn tree() -> Tree {
    tree_titled(HIDDEN_TITLE)
}

fn tree_titled(title: &str) -> Tree {
    let t = Tree::new();
    t.write(
        "advisories/2024/cve-2024-2000.md",
        &advisory(1000, "2099-06-09T15:00:00Z").replace(
            "Security advisory for widgets number 1000 (CVE-2024-2000)",
            title,
        ),
    );
    t.write(
        "herald.yaml",
        &CONFIG.replace(
            "  base-url: https://security.example.org/",
            "  base-url: https://security.example.org/\n  theme: mine",
        ),
    );
    std::fs::create_dir_all(t.path().join("themes/mine/static")).expect("theme");
    t
}

type Plant = Box<dyn Fn(&Tree)>;

fn places(text: &'static str) -> Vec<(&'static str, Plant)> {
    vec![
        (
            "a content page",
            Box::new(move |t: &Tree| {
                t.write(
                    "content/about.md",
                    &format!("---\ntitle: About\n---\n\nSee {text} soon.\n"),
                )
            }),
        ),
        (
            "a published advisory's body",
            Box::new(move |t: &Tree| {
                t.write(
                    "advisories/2024/cve-2024-1000.md",
                    &format!("{ADVISORY}\nRelated: {text}.\n"),
                )
            }),
        ),
        (
            "a theme's static file",
            Box::new(move |t: &Tree| {
                t.write("themes/mine/static/notes.txt", &format!("next: {text}\n"))
            }),
        ),
        (
            "a public pre-announcement",
            Box::new(move |t: &Tree| {
                t.write(
                    "advisories/2024/pre-widgets.md",
                    &format!("---\nkind: pre-announcement\ntitle: Security release for widgets on 2099-06-09\nrelease: 2099-06-09T15:00:00Z\nannounce: 2024-04-01T00:00:00Z\nseverity: high\ncomponent: widgets\n---\n\nA release is coming. {text}\n"),
                )
            }),
        ),
    ]
}

fn link_place(text: &'static str) -> (&'static str, Plant) {
    (
        "a link in a published advisory",
        Box::new(move |t: &Tree| {
            t.write(
                "advisories/2024/cve-2024-1000.md",
                &format!("{ADVISORY}\n[the fix](https://example.org/fix/{text})\n"),
            )
        }),
    )
}

/// Places where only an attribute carries the text: never read in the
/// flow of a page, but in the file, followed, shown on hover or spoken.
fn attribute_places(text: &'static str) -> Vec<(&'static str, Plant)> {
    let page = |body: String| {
        move |t: &Tree| {
            t.write(
                "content/about.md",
                &format!("---\ntitle: About\n---\n\n{body}\n"),
            )
        }
    };
    vec![
        (
            "a link's address on a content page",
            Box::new(page(format!(
                "See [the tracker](https://example.org/issues/{text})."
            ))),
        ),
        (
            "an image's alt text on a content page",
            Box::new(page(format!("![{text}](https://example.org/chart.png)"))),
        ),
        (
            "a title attribute on a content page",
            Box::new(page(format!("<abbr title=\"{text}\">soon</abbr>"))),
        ),
    ]
}

fn attempts() -> Vec<(String, Plant)> {
    let mut out: Vec<(String, Plant)> = Vec::new();
    for (how, id) in ID_SPELLINGS {
        let mut ps = places(id);
        if !id.contains(['<', '`', '*', '\n', ' ']) {
            ps.push(link_place(id));
            // In an attribute, the page's HTML parser decodes `&#x4C` to
            // `L`: the page then says `LVE-…`, which is no leak.
            if !id.contains("&#x4C") {
                ps.extend(attribute_places(id));
            }
        }
        for (place, plant) in ps {
            out.push((format!("the id ({how}) in {place}"), plant));
        }
    }
    out.extend(titles_everywhere(TITLE_SPELLINGS));
    for (how, name) in NAMES {
        let path = format!("themes/mine/static/{name}");
        out.push((
            format!("the id ({how}) in a static file's name"),
            Box::new(move |t: &Tree| t.write(&path, "harmless\n")),
        ));
    }
    out
}

#[test]
fn a_clean_tree_builds_so_every_refusal_below_is_the_plant() {
    let t = tree();
    let o = t.herald(&["check", "--now", NOW]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = t.build(NOW);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(t.grep("public", "2024-2000").is_empty());
    assert!(t.grep("public", "gadget parser").is_empty());
}

#[test]
fn every_leak_attempt_is_refused_by_build_and_located_by_check() {
    let all = attempts();
    assert!(all.len() >= 150, "{} attempts", all.len());
    assert_all_refused(&all, tree);
}

/// `check` names the column where the line shows the leak, and
/// underlines it.
#[test]
fn check_points_at_the_column_of_a_leak() {
    let t = tree();
    t.write(
        "content/about.md",
        "---\ntitle: About\n---\n\nSee CVE-2024-2000 soon.\n",
    );
    let o = t.herald(&["check", "--now", NOW]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("content/about.md:5:5: embargo leak: `cve-2024-2000`"),
        "{err}"
    );
    assert!(err.contains("|     ^^^^^^^^^^^^^\n"), "{err}");
    // A title spaced out in part is shown as written, from where it
    // starts, not with the text read around it.
    t.write(
        "content/about.md",
        "---\ntitle: About\n---\n\nSee the Security a d v i s o r y for the gadget parser, soon.\n",
    );
    let err = stderr(&t.herald(&["check", "--now", NOW]));
    assert!(
        err.contains(
            "content/about.md:5:9: embargo leak: `security a d v i s o r y for the gadget parser`"
        ),
        "{err}"
    );
}

/// Each spelling `(how, text)` of a hidden title, planted in every place.
fn titles_everywhere(spellings: &[(&str, &'static str)]) -> Vec<(String, Plant)> {
    let mut all: Vec<(String, Plant)> = Vec::new();
    for (how, text) in spellings {
        for (place, plant) in places(text) {
            all.push((format!("the title ({how}) in {place}"), plant));
        }
    }
    all
}

/// A hidden title whose words a path or two marks join (`gadget::parser`,
/// as Rust names an item) made a slug, a file name or a name: one mark,
/// or none, where the title has two.
#[test]
fn a_title_with_a_path_in_it_is_found_as_a_slug_and_as_a_name() {
    const TITLE: &str = "Overflow in gadget::parser::read_all on big inputs";
    let all = titles_everywhere(&[
        ("as written", "Overflow in gadget::parser::read_all on big inputs"),
        ("a slug", "overflow-in-gadget-parser-read-all-on-big-inputs"),
        ("snake case", "overflow_in_gadget_parser_read_all_on_big_inputs"),
        ("a path", "overflow/in/gadget/parser/read/all/on/big/inputs"),
        ("camel case", "OverflowInGadgetParserReadAllOnBigInputs"),
        (
            "letter-spaced",
            "O v e r f l o w  i n  g a d g e t : : p a r s e r : : r e a d _ a l l  o n  b i g  i n p u t s",
        ),
        (
            "letter-spaced in part",
            "Overflow in gadget::parser::read_all o n  b i g  i n p u t s",
        ),
        ("one word letter-spaced", "O-v-e-r-f-l-o-w in gadget::parser::read_all on big inputs"),
    ]);
    assert_all_refused(&all, || tree_titled(TITLE));
}

/// More marks between two words than the title has, or other ones: a
/// reader reads `gadget - parser` and `gadget::parser` as the title's
/// `gadget parser`, and the other way round.
#[test]
fn a_title_is_found_with_any_run_of_marks_between_its_words() {
    const TITLE: &str = "Overflow in the gadget parser on big inputs";
    let all = titles_everywhere(&[
        ("a path", "Overflow in the gadget::parser on big inputs"),
        (
            "a dash between spaces",
            "Overflow in the gadget - parser on big inputs",
        ),
        (
            "a double dash",
            "overflow--in--the--gadget--parser--on--big--inputs",
        ),
        ("mixed", "Overflow in the gadget/ parser, on big.inputs"),
    ]);
    assert_all_refused(&all, || tree_titled(TITLE));
    const PATHED: &str = "Overflow in gadget::parser::read_all on big inputs";
    let all = titles_everywhere(&[
        (
            "one mark",
            "Overflow in gadget:parser:read_all on big inputs",
        ),
        (
            "spaced out",
            "Overflow in gadget :: parser :: read_all on big inputs",
        ),
    ]);
    assert_all_refused(&all, || tree_titled(PATHED));
}

/// A hidden title with `>` in it, behind a `<` that decoding makes: the
/// decoded page reads `<x Parser ->` as a tag and ` panic …` as text, but a
/// browser shows `<x Parser -> panic …` whole, as a plain-text channel does.
#[test]
fn a_title_with_an_arrow_is_not_cut_in_two_by_a_tag_decoding_makes() {
    const TITLE: &str = "Parser -> panic in the gadget crate";
    let mut all = titles_everywhere(&[
        ("in a code span", "`<x Parser -> panic in the gadget crate`"),
        ("escaped", "&lt;x Parser -> panic in the gadget crate"),
        (
            "escaped, emphasis inside",
            "&lt;x Parser -> *panic* in the gadget crate",
        ),
        ("as written", "<x Parser -> panic in the gadget crate"),
    ]);
    all.push((
        "the title (numeric, no `;`) in a static HTML file".into(),
        static_html("<p>&#60x Parser -&#62 panic in the gadget crate</p>"),
    ));
    assert_all_refused(&all, || tree_titled(TITLE));
}

/// References without their `;`, which browsers decode in HTML all the
/// same (`&nbsp` and `&shy` are among the legacy names, and numeric ones
/// never need it). Only a theme's own HTML carries them to a browser as
/// written: Markdown (pages, bodies, every channel text) does not decode
/// them, so it escapes their `&`, and a reader reads `&shy` as written.
#[test]
fn references_without_a_semicolon_read_as_a_browser_reads_them() {
    let mut all: Vec<(String, Plant)> = Vec::new();
    for (how, text) in [
        ("a legacy soft hyphen", "<p>CVE&shy-2024-2000</p>"),
        ("a numeric dash", "<p>CVE&#45&#50;024-2000</p>"),
        (
            "a legacy nbsp",
            "<p>Security&nbspadvisory for the gadget parser</p>",
        ),
    ] {
        all.push((format!("{how} in a static HTML file"), static_html(text)));
    }
    assert_all_refused(&all, tree);
}

/// The summary says what the title says, often more plainly, and so does
/// a GHSA's own summary: while the advisory is under embargo, each is as
/// hidden as its title, in every place a public byte comes from. A summary
/// that a published advisory shares stays speakable: that one shows it.
#[test]
fn the_summaries_of_an_embargoed_advisory_are_hidden_as_its_title_is() {
    const SUMMARY: &str = "Gadget parser reads past its buffer";
    const GHSA_SUMMARY: &str = "Gadget parser loops on a nested table";
    let hidden = || {
        let t = tree();
        let path = "advisories/2024/cve-2024-2000.md";
        let text = t
            .read(path)
            .replace("summary: Widgets overflow", &format!("summary: {SUMMARY}"))
            .replace(
                "component: widgets",
                &format!("component: widgets\nghsa:\n  - id: GHSA-2345-6789-cfgh\n    repository: example/widgets\n    summary: {GHSA_SUMMARY}"),
            );
        assert!(
            text.contains(SUMMARY) && text.contains(GHSA_SUMMARY),
            "{text}"
        );
        t.write(path, &text);
        t
    };
    let t = hidden();
    let o = t.build(NOW);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(t.grep("public", "past its buffer").is_empty());
    assert!(t.grep("public", "nested table").is_empty());
    let mut all: Vec<(String, Plant)> = Vec::new();
    for (which, text) in [
        ("summary", SUMMARY),
        ("summary, upper case", "GADGET PARSER READS PAST ITS BUFFER"),
        (
            "summary, emphasis inside",
            "Gadget parser reads *past* its buffer",
        ),
        ("GHSA's summary", GHSA_SUMMARY),
    ] {
        for (place, plant) in places(text) {
            all.push((format!("the {which} in {place}"), plant));
        }
    }
    assert_all_refused(&all, hidden);

    // A published advisory with the same summary shows it, and may.
    let t = hidden();
    t.write(
        "advisories/2024/cve-2024-1000.md",
        &ADVISORY.replace("summary: Widgets overflow", &format!("summary: {SUMMARY}")),
    );
    let o = t.build(NOW);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(!t.grep("public", "past its buffer").is_empty());
    // Once the embargo lifts, the site shows the summary and the GHSA
    // text carries its own.
    let t = hidden();
    let o = t.build("2099-06-10T00:00:00Z");
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(!t.grep("public", "past its buffer").is_empty());
    let ghsa = t.grep("outbox", "nested table");
    assert!(
        ghsa.iter()
            .any(|p| p.to_string_lossy().contains("ghsa-GHSA-2345-6789-cfgh")),
        "{ghsa:?}"
    );
}

/// Other separators find the hidden id, and only it: a longer number, a
/// shorter one, or a published advisory's id written the same way builds.
#[test]
fn ids_with_other_separators_that_name_nothing_hidden_build() {
    let t = tree();
    t.write(
        "content/about.md",
        "---\ntitle: About\n---\n\nSee CVE 2024 20001, CVE_2024_1000, CVE.2024.200, cve 2024 2000x and GHSA 2345 6789.\n",
    );
    let o = t.build(NOW);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(!t.grep("public", "CVE 2024 20001").is_empty());
}

/// A dash reads as a space between words, in what exempts a title as in
/// what the wall looks for: an embargoed "Use-after-free in the gadget
/// parser" inside a published "Use after free in the gadget parser ..." is
/// shown by that one, and may be.
#[test]
fn a_hidden_title_with_dashes_that_a_published_title_holds_with_spaces_builds() {
    let t = tree_titled("Use-after-free in the gadget parser");
    let published = "advisories/2024/cve-2024-1000.md";
    let text = t.read(published).replace(
        "Security advisory for widgets (CVE-2024-1000)",
        "Use after free in the gadget parser and its friends",
    );
    assert!(
        text.contains("Use after free in the gadget parser"),
        "{text}"
    );
    t.write(published, &text);
    let o = t.build(NOW);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(!t
        .grep("public", "Use after free in the gadget parser")
        .is_empty());
    // Exempt, it is looked for nowhere: a page may say it too, with any
    // mark for its spaces.
    t.write(
        "content/about.md",
        "---\ntitle: About\n---\n\nSee use-after-free-in-the-gadget-parser and use/after/free.in.the.gadget.parser soon.\n",
    );
    let o = t.build(NOW);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

/// The forms a hidden title is also looked for in (one mark for two, no
/// marks at all) are exempt, as the title is, where a title public before
/// it holds them so.
#[test]
fn a_hidden_title_with_a_path_that_a_published_title_holds_as_a_slug_or_a_name_builds() {
    let t = tree_titled("Crash in gadget::parser on empty input");
    let published = "advisories/2024/cve-2024-1000.md";
    let original = t.read(published);
    for title in [
        "Crash in gadget-parser on empty input, fixed",
        "CrashInGadgetParserOnEmptyInput, fixed",
    ] {
        let text = original.replace("Security advisory for widgets (CVE-2024-1000)", title);
        assert!(text.contains(title), "{text}");
        t.write(published, &text);
        let o = t.build(NOW);
        assert_eq!(code(&o), 0, "{title}: {}", stderr(&o));
        assert!(!t.grep("public", title).is_empty(), "{title}");
    }
}

/// Embargoed advisories may share a summary (the wall keeps one pattern per
/// distinct text, hidden until the last of its holders lifts, and searches
/// each distinct text once for the exemptions): it is refused while all of
/// them are under embargo, whether they lift together or apart, and shown
/// once one of them is public.
#[test]
fn a_summary_that_embargoed_advisories_share_is_hidden_until_one_lifts() {
    const SUMMARY: &str = "Gadget parser reads past its buffer";
    let shared = |second_embargo: &'static str| {
        move || {
            let t = tree();
            let first = "advisories/2024/cve-2024-2000.md";
            let text = t.read(first);
            t.write(
                first,
                &text.replace("summary: Widgets overflow", &format!("summary: {SUMMARY}")),
            );
            t.write(
                "advisories/2024/cve-2024-3000.md",
                &advisory(2000, second_embargo)
                    .replace("summary: Widgets overflow", &format!("summary: {SUMMARY}")),
            );
            t
        }
    };
    for second in ["2099-06-09T15:00:00Z", "2099-07-01T15:00:00Z"] {
        let all: Vec<(String, Plant)> = places(SUMMARY)
            .into_iter()
            .map(|(place, plant)| {
                (
                    format!("the summary in {place}, second embargo {second}"),
                    plant,
                )
            })
            .collect();
        assert_all_refused(&all, shared(second));
        // Once the first lifts, its page shows the summary; a page that
        // repeats it reveals nothing more.
        let t = shared(second)();
        places(SUMMARY)[0].1(&t);
        let o = t.build("2099-06-10T00:00:00Z");
        assert_eq!(code(&o), 0, "{second}: {}", stderr(&o));
        assert!(!t
            .grep("public/advisories/cve-2024-2000", "past its buffer")
            .is_empty());
        // The second advisory itself is public only if it lifted too.
        let second_shown = !t.grep("public", "CVE-2024-3000").is_empty();
        assert_eq!(second_shown, second == "2099-06-09T15:00:00Z", "{second}");
    }
}

/// A descriptive slug names an embargoed advisory as surely as its id: a
/// link to its source file, or to the page it will have, carries it. A
/// pre-announcement names its advisory by slug, and that field is never
/// shown, so it may.
#[test]
fn a_descriptive_slug_of_an_embargoed_advisory_is_hidden_as_its_ids_are() {
    const SLUG: &str = "gadget-parser-overflow";
    let hidden = || {
        let t = tree();
        std::fs::rename(
            t.path().join("advisories/2024/cve-2024-2000.md"),
            t.path().join(format!("advisories/2024/{SLUG}.md")),
        )
        .expect("rename");
        t.write(
            "advisories/2024/pre-gadget.md",
            &format!("---\nkind: pre-announcement\ntitle: Security release for widgets on 2099-06-09\nadvisory: {SLUG}\nrelease: 2099-06-09T15:00:00Z\nannounce: 2024-04-01T00:00:00Z\nseverity: high\ncomponent: widgets\n---\n\nA release is coming.\n"),
        );
        t
    };
    let t = hidden();
    let o = t.herald(&["check", "--now", NOW]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = t.build(NOW);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(t.grep("public", SLUG).is_empty());
    // A pre-announcement not yet public whose own slug holds the
    // advisory's (`herald new pre-announcement` names it after the
    // component and date): its texts go out before the advisory, under
    // that slug, and say only what the pre-announcement says.
    let t = hidden();
    t.write(
        "advisories/2024/pre-gadget-parser-overflow-soon.md",
        "---\nkind: pre-announcement\ntitle: Security release for gadgets on 2099-06-09\nrelease: 2099-06-09T15:00:00Z\nannounce: 2099-06-02T00:00:00Z\nseverity: high\ncomponent: widgets\n---\n\nA release is coming.\n",
    );
    let o = t.herald(&["check", "--now", NOW]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = t.build(NOW);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(t.grep("public", SLUG).is_empty());
    assert!(!t
        .grep("outbox", "pre-gadget-parser-overflow-soon")
        .is_empty());
    let mut all: Vec<(String, Plant)> = Vec::new();
    for (place, plant) in places("gadget-parser-overflow") {
        all.push((format!("the slug in {place}"), plant));
    }
    all.push((
        "a link to its source file on a content page".into(),
        Box::new(|t: &Tree| {
            t.write(
                "content/about.md",
                "---\ntitle: About\n---\n\nSee [the fix](../advisories/2024/gadget-parser-overflow.md).\n",
            )
        }),
    ));
    all.push((
        "a link to its future page on a content page".into(),
        Box::new(|t: &Tree| {
            t.write(
                "content/about.md",
                "---\ntitle: About\n---\n\nSee [the fix](https://security.example.org/advisories/gadget-parser-overflow/).\n",
            )
        }),
    ));
    assert_all_refused(&all, hidden);
}

fn static_html(text: &'static str) -> Plant {
    Box::new(move |t: &Tree| t.write("themes/mine/static/notes.html", text))
}

fn assert_all_refused(all: &[(String, Plant)], tree: impl Fn() -> Tree) {
    let mut failures = Vec::new();
    for (name, plant) in all {
        let t = tree();
        plant(&t);
        // A bidirectional override written into a source as it is, not as
        // an entity, is refused before the wall reads anything.
        let refused_as_written = |err: &str| {
            name.contains("by an override") && err.contains("a bidirectional override (U+202E)")
        };
        let o = t.build(NOW);
        let err = stderr(&o);
        if code(&o) != 1 || !(err.contains("embargo") || refused_as_written(&err)) {
            failures.push(format!("{name}: build exit {}: {err}", code(&o)));
        }
        if t.path().join("public").exists() {
            failures.push(format!("{name}: public/ was written"));
        }
        let o = t.herald(&["check", "--now", NOW]);
        let err = stderr(&o);
        if code(&o) != 1 || !(err.contains("embargo leak") || refused_as_written(&err)) {
            failures.push(format!("{name}: check exit {}: {err}", code(&o)));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} got through:\n{}",
        failures.len(),
        all.len(),
        failures.join("\n")
    );
}
