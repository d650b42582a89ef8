//! Every kind of bad input gets a finding at its exact file, line and
//! column, exit code 1, and leaves the previous `public/` untouched.

mod common;

use common::{code, stderr, Tree, ADVISORY};

const BAD: &str = "advisories/2025/bad.md";

/// The valid advisory with `from` replaced by `to`, as a second file.
/// The random part of the tokens the cases paste: no report may print it.
const TOKEN_TAIL: &str = "R8mQz2LkV9xWc4TnB7yHs1JdF6gAp3Ue0Kio";

fn bad_variant(from: &str, to: &str) -> impl Fn(&Tree) {
    let text = ADVISORY
        .replace("CVE-2024-1000", "CVE-2024-2000")
        .replace("widgets (", "gadgets (")
        .replace(from, to);
    assert_ne!(
        text,
        ADVISORY
            .replace("CVE-2024-1000", "CVE-2024-2000")
            .replace("widgets (", "gadgets ("),
        "`{from}` not found"
    );
    move |t: &Tree| t.write(BAD, &text)
}

fn pre(release: &str, advisory: &str) -> String {
    format!(
        "---\nkind: pre-announcement\ntitle: Security release for widgets 1.2.3\nrelease: {release}\nseverity: high\ncomponent: widgets\nadvisory: {advisory}\n---\n\nA release is coming.\n"
    )
}

type Case = (&'static str, Box<dyn Fn(&Tree)>, &'static [&'static str]);

fn cases() -> Vec<Case> {
    vec![
        (
            "unknown field with suggestion",
            Box::new(bad_variant("severity: high", "sevrity: high")),
            &[
                "error: advisories/2025/bad.md:7:1: unknown field `sevrity` in advisory front matter",
                "= help: did you mean `severity`? allowed keys: kind, slug, title,",
                "error: advisories/2025/bad.md:1:1: missing required field `severity` in advisory front matter",
            ],
        ),
        (
            "a line break in a title, which would split the subject",
            Box::new(bad_variant(
                "title: Security advisory for gadgets (CVE-2024-2000)",
                "title: \"Security advisory for gadgets\\r\\nBcc: someone@example.net\"",
            )),
            &["error: advisories/2025/bad.md:3:8: `title` holds a line break (U+000D); it must be one line of text: it becomes mail subjects and headings"],
        ),
        (
            "a bidirectional override in a summary",
            Box::new(bad_variant("summary: Widgets overflow", "summary: \"Widgets \\u202Ewolfrevo\"")),
            &["error: advisories/2025/bad.md:4:10: `summary` holds a bidirectional override, which reorders what is shown (U+202E); it must be one line of text: it becomes mail subjects"],
        ),
        (
            "a merge conflict left in an advisory's body",
            Box::new(bad_variant(
                "Widgets could overflow.\n",
                "<<<<<<< HEAD\nWidgets could overflow.\n=======\nWidgets overflow.\n>>>>>>> fix-wording\n",
            )),
            &["error: advisories/2025/bad.md:15:1: an unresolved merge conflict: this marker, and both sides of the conflict, would be published as they stand"],
        ),
        (
            "a line break in the team's name, which every mail's From header carries",
            Box::new(|t: &Tree| t.write("herald.yaml", &common::CONFIG.replace("  name: Test Security Team", "  name: \"Test Team\\r\\nBcc: someone@example.net\""))),
            &["error: herald.yaml:5:9: `name` holds a line break (U+000D); it must be one line of text: it becomes the sender's name of every mail"],
        ),
        (
            "the distros notice addressed to the public oss-security list",
            Box::new(|t: &Tree| t.write("herald.yaml", &common::CONFIG.replace("distros: { address: distros@vs.openwall.org }", "distros: { address: OSS-security@lists.openwall.com }"))),
            &["error: herald.yaml:13:23: `OSS-security@lists.openwall.com` would get the distros notice, which is private until the embargo lifts, but it is the oss-security list, where everything is public"],
        ),
        (
            "the advance notification sent to the announcement list, and a recipient twice",
            Box::new(|t: &Tree| t.write("herald.yaml", &format!("{}  advance-notice:\n    recipients:\n      - psirt@example.net\n      - announce@googlegroups.com\n      - PSIRT@example.net\n", common::CONFIG))),
            &[
                "error: herald.yaml:17:9: `announce@googlegroups.com` would get the advance notification, which is private until the embargo lifts, but it is the announcement list (`channels.announcements`), where everything is public",
                "error: herald.yaml:18:9: `PSIRT@example.net` is listed twice",
            ],
        ),
        (
            "a line break in the site's title",
            Box::new(|t: &Tree| t.write("herald.yaml", &common::CONFIG.replace("  title: Test Security Advisories", "  title: \"Test\\nAdvisories\""))),
            &["error: herald.yaml:2:10: `title` holds a line break (U+000A); it must be one line of text"],
        ),
        (
            "a control character in a component",
            Box::new(bad_variant("component: widgets", "component: \"wid\\x1bgets\"")),
            &["error: advisories/2025/bad.md:8:12: `component` holds a control character (U+001B); it must be one line of text"],
        ),
        (
            "a value that would start a CI workflow command on a line of its own",
            Box::new(bad_variant("severity: high", "severity: \"high\\n::error::forged\"")),
            &["error: advisories/2025/bad.md:7:11: unknown severity `high\\n::error::forged`"],
        ),
        (
            "missing required field",
            Box::new(bad_variant("summary: Widgets overflow\n", "")),
            &["error: advisories/2025/bad.md:1:1: missing required field `summary` in advisory front matter"],
        ),
        (
            "wrong type: string for list",
            Box::new(bad_variant("cves: [CVE-2024-2000]", "cves: CVE-2024-2000")),
            &["error: advisories/2025/bad.md:5:7: expected a list, found a string"],
        ),
        (
            "wrong type: list for string",
            Box::new(bad_variant("component: widgets", "component: [widgets]")),
            &["error: advisories/2025/bad.md:8:12: expected a string, found a list"],
        ),
        (
            "malformed CVE id",
            Box::new(bad_variant("cves: [CVE-2024-2000]", "cves: [CVE-24-2000]")),
            &["error: advisories/2025/bad.md:5:8: malformed CVE id `CVE-24-2000`: expected `CVE-YYYY-NNNN`"],
        ),
        (
            "malformed GHSA id",
            Box::new(bad_variant("component: widgets", "component: widgets\nghsa:\n  - id: GHSA-abcd-efgh-ijkl\n    repository: example/widgets")),
            &["error: advisories/2025/bad.md:10:9: malformed GHSA id `GHSA-abcd-efgh-ijkl`"],
        ),
        (
            "embargo without offset",
            Box::new(bad_variant("2024-04-09T15:00:00Z", "2024-04-09T15:00:00")),
            &["error: advisories/2025/bad.md:6:10: `2024-04-09T15:00:00` has no offset or time zone, so its moment is ambiguous"],
        ),
        (
            "unknown time zone",
            Box::new(bad_variant("2024-04-09T15:00:00Z", "2024-04-09 15:00 Mars/Olympus_Mons")),
            &["error: advisories/2025/bad.md:6:10: unknown time zone `Mars/Olympus_Mons`"],
        ),
        (
            "embargo in the hour the clocks repeat",
            Box::new(bad_variant("2024-04-09T15:00:00Z", "2024-11-03 01:30 America/New_York")),
            &["error: advisories/2025/bad.md:6:10: `2024-11-03 01:30 America/New_York` happens twice: the clocks in America/New_York repeat that hour; write the moment meant with its offset, `2024-11-03T01:30:00-04:00` (the first) or `2024-11-03T01:30:00-05:00` (the second)"],
        ),
        (
            "embargo in the hour the clocks skip",
            Box::new(bad_variant("2024-04-09T15:00:00Z", "2024-03-31 02:30 Europe/Berlin")),
            &["error: advisories/2025/bad.md:6:10: `2024-03-31 02:30 Europe/Berlin` does not exist"],
        ),
        (
            "embargo with an offset no zone uses",
            Box::new(bad_variant("2024-04-09T15:00:00Z", "2024-04-09T15:00:00+25:00")),
            &["error: advisories/2025/bad.md:6:10: `2024-04-09T15:00:00+25:00` has the offset +25:00, which no time zone uses (they run from -12:00 to +14:00)"],
        ),
        (
            "invalid CVSS vector",
            Box::new(bad_variant("severity: high", "severity: high\ncvss: CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")),
            &["error: advisories/2025/bad.md:8:7: invalid CVSS vector `CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H`"],
        ),
        (
            "unsupported CVSS version",
            Box::new(bad_variant("severity: high", "severity: high\ncvss: CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")),
            &["error: advisories/2025/bad.md:8:7: unsupported CVSS version"],
        ),
        (
            "severity contradicts CVSS",
            Box::new(bad_variant("severity: high", "severity: high\ncvss: CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")),
            &[
                "error: advisories/2025/bad.md:7:11: severity `high` contradicts the CVSS vector, whose base score 9.8 rates `critical`",
                "= help: set `severity: critical` or correct the vector",
            ],
        ),
        (
            "unparsable version range",
            Box::new(bad_variant("\"< 1.2.3\"", "\"<< 1.2\"")),
            &["error: advisories/2025/bad.md:11:17: unparsable version range `<< 1.2`"],
        ),
        (
            "version range GitHub would refuse",
            Box::new(bad_variant("\"< 1.2.3\"", "\"^1.2.3\"")),
            &["error: advisories/2025/bad.md:11:17: unparsable version range `^1.2.3`: `^1.2.3` is not a comparison with a version"],
        ),
        (
            "credit type outside GitHub's list",
            Box::new(bad_variant("component: widgets", "component: widgets\ncredits:\n  - { name: Jane Doe, type: reporterr }")),
            &["error: advisories/2025/bad.md:10:29: credit type `reporterr` is not one of GitHub's (did you mean `reporter`?)"],
        ),
        (
            "duplicate slug across files",
            Box::new(bad_variant("kind: advisory", "kind: advisory\nslug: cve-2024-1000")),
            &[
                "error: advisories/2025/bad.md:3:7: duplicate slug `cve-2024-1000`",
                "= help: already used by advisories/2024/cve-2024-1000.md:1:1",
            ],
        ),
        (
            "duplicate CVE across files",
            Box::new(bad_variant("cves: [CVE-2024-2000]", "cves: [CVE-2024-1000]")),
            &[
                "error: advisories/2025/bad.md:5:8: duplicate CVE id `CVE-2024-1000`",
                "= help: already used by advisories/2024/cve-2024-1000.md:5:8",
            ],
        ),
        (
            "duplicate GHSA across files",
            Box::new(|t: &Tree| {
                let g = "component: widgets\nghsa:\n  - id: GHSA-2345-6789-cfgh\n    repository: example/widgets";
                t.write("advisories/2024/cve-2024-1000.md", &ADVISORY.replace("component: widgets", g));
                bad_variant("component: widgets", g)(t);
            }),
            &[
                "error: advisories/2025/bad.md:10:5: duplicate GHSA id `GHSA-2345-6789-cfgh`",
                "= help: already used by advisories/2024/cve-2024-1000.md:10:5",
            ],
        ),
        (
            "pre-announcement release disagrees with its advisory",
            Box::new(|t: &Tree| t.write(BAD, &pre("2024-04-10T15:00:00Z", "cve-2024-1000"))),
            &[
                "error: advisories/2025/bad.md:4:10: `release` (2024-04-10 15:00 UTC) disagrees with the embargo of advisory `cve-2024-1000` (2024-04-09 15:00 UTC)",
                "= help: see advisories/2024/cve-2024-1000.md:6:10",
            ],
        ),
        (
            "pre-announcement names an unknown advisory",
            Box::new(|t: &Tree| t.write(BAD, &pre("2024-04-09T15:00:00Z", "cve-2024-9999"))),
            &["error: advisories/2025/bad.md:7:11: no advisory with slug `cve-2024-9999`"],
        ),
        (
            "unclosed front matter",
            Box::new(|t: &Tree| t.write(BAD, "---\nkind: advisory\ntitle: x\n\nBody\n")),
            &["error: advisories/2025/bad.md:1:1: front matter is never closed"],
        ),
        (
            "no front matter",
            Box::new(|t: &Tree| t.write(BAD, "# Just Markdown\n")),
            &["error: advisories/2025/bad.md:1:1: missing front matter"],
        ),
        (
            "non-UTF-8 file",
            Box::new(|t: &Tree| {
                let mut bytes = ADVISORY.replace("CVE-2024-1000", "CVE-2024-2000").into_bytes();
                let at = bytes.len() - 3;
                bytes[at] = 0xff;
                t.write_bytes(BAD, &bytes);
            }),
            &["error: advisories/2025/bad.md:19:7: file is not valid UTF-8 (byte 0xff)"],
        ),
        (
            "empty body",
            Box::new(|t: &Tree| {
                let text = ADVISORY.replace("CVE-2024-1000", "CVE-2024-2000");
                let end = text.find("\nWidgets could").expect("body");
                t.write(BAD, &format!("{}\n   \n", &text[..end]));
            }),
            &["error: advisories/2025/bad.md:14:1: the Markdown body is empty"],
        ),
        (
            "YAML syntax error",
            Box::new(bad_variant("summary: Widgets overflow", "summary: [Widgets overflow")),
            &["error: advisories/2025/bad.md:5:5: invalid YAML: "],
        ),
        (
            "duplicate key",
            Box::new(bad_variant("summary: Widgets overflow", "summary: Widgets overflow\nsummary: again")),
            &["error: advisories/2025/bad.md:5:1: duplicate key `summary`", "= help: first given on line 4"],
        ),
        (
            "relative link to nothing the site publishes",
            Box::new(bad_variant("Details.", "See [the patch](../../patches/fix.patch).")),
            &[
                "error: advisories/2025/bad.md:19:5: relative link `../../patches/fix.patch` names nothing the site publishes",
                "= help: link an absolute https URL, or a page of the site",
            ],
        ),
        (
            "relative link to an advisory still under embargo",
            Box::new(|t: &Tree| {
                t.write(
                    "advisories/2030/cve-2024-1005.md",
                    &common::advisory(5, "2030-04-09T15:00:00Z"),
                );
                bad_variant("Details.", "See [the next one](cve-2024-1005.md).")(t);
            }),
            &["error: advisories/2025/bad.md:19:5: relative link `cve-2024-1005.md` leads to an advisory or pre-announcement that is still under embargo when this text goes out"],
        ),
        (
            "tab before a key",
            Box::new(bad_variant("severity: high", "\tseverity: high")),
            &[
                "error: advisories/2025/bad.md:7:1: invalid YAML",
                "= help: YAML does not allow tabs here: indent with spaces",
            ],
        ),
        (
            "tab indenting a list item",
            Box::new(bad_variant("  - package: widgets", "\t- package: widgets")),
            &[
                "error: advisories/2025/bad.md:10:1: invalid YAML",
                "= help: YAML does not allow tabs here: indent with spaces",
            ],
        ),
        (
            "unknown kind",
            Box::new(bad_variant("kind: advisory", "kind: advisroy")),
            &["error: advisories/2025/bad.md:2:7: unknown kind `advisroy`: expected `advisory` or `pre-announcement`"],
        ),
        (
            "unknown severity",
            Box::new(bad_variant("severity: high", "severity: severe")),
            &["error: advisories/2025/bad.md:7:11: unknown severity `severe`: expected one of low, medium, high, critical"],
        ),
        (
            "GHSA lists a CVE the advisory lacks",
            Box::new(bad_variant("component: widgets", "component: widgets\nghsa:\n  - id: GHSA-2345-6789-cfgh\n    repository: example/widgets\n    cves: [CVE-2024-7777]")),
            &["error: advisories/2025/bad.md:12:12: `CVE-2024-7777` is not among the advisory's `cves`"],
        ),
        (
            "invalid slug",
            Box::new(bad_variant("kind: advisory", "kind: advisory\nslug: Bad_Slug")),
            &["error: advisories/2025/bad.md:3:7: invalid slug `Bad_Slug`"],
        ),
        (
            "boolean expected",
            Box::new(bad_variant("component: widgets", "component: widgets\nexploited: maybe")),
            &["error: advisories/2025/bad.md:9:12: expected `true` or `false`, found a string"],
        ),
        (
            "updated before embargo",
            Box::new(bad_variant("component: widgets", "component: widgets\nupdated: 2024-04-01T00:00:00Z")),
            &["error: advisories/2025/bad.md:9:10: `updated` is earlier than the embargo"],
        ),
        (
            "announcement-url over http",
            Box::new(bad_variant("component: widgets", "component: widgets\nannouncement-url: http://example.org/x")),
            &["error: advisories/2025/bad.md:9:19: URL `http://example.org/x` must use https"],
        ),
        (
            "YAML alias",
            Box::new(bad_variant("component: widgets", "component: &c widgets\nsummary2: *c")),
            &["error: advisories/2025/bad.md:9:11: YAML aliases (`*name`) are not supported in Herald files"],
        ),
        (
            "herald.yaml unknown key",
            Box::new(|t: &Tree| t.write("herald.yaml", &common::CONFIG.replace("team:", "teem:"))),
            &[
                "error: herald.yaml:4:1: unknown field `teem` in herald.yaml",
                "= help: did you mean `team`?",
                "error: herald.yaml:1:1: missing required field `team` in herald.yaml",
            ],
        ),
        (
            "herald.yaml base-url over http",
            Box::new(|t: &Tree| {
                t.write("herald.yaml", &common::CONFIG.replace("https://security.example.org/", "http://security.example.org/"))
            }),
            &["error: herald.yaml:3:13: URL `http://security.example.org/` must use https"],
        ),
        (
            "herald.yaml key file missing",
            Box::new(|t: &Tree| t.write("herald.yaml", &common::CONFIG.replace("keys/team.asc", "keys/missing.asc"))),
            &["error: herald.yaml:7:8: the team key: cannot read `keys/missing.asc`"],
        ),
        (
            "herald.yaml key file is not a key",
            Box::new(|t: &Tree| t.write("keys/team.asc", "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\ngarbage\n-----END PGP PUBLIC KEY BLOCK-----\n")),
            &["error: herald.yaml:7:8: `keys/team.asc` is not an armored OpenPGP public key"],
        ),
        (
            "herald.yaml fingerprint disagrees with the key file",
            Box::new(|t: &Tree| {
                t.write("herald.yaml", &common::CONFIG.replace("  key: keys/team.asc", "  key: keys/team.asc\n  fingerprint: 0000000000000000000000000000000000000000"))
            }),
            &["error: herald.yaml:8:3: `team.fingerprint` is 0000000000000000000000000000000000000000, but `keys/team.asc` holds the key 0F942EB05131B0E904852872ADF6FBD9B70DD41C"],
        ),
        (
            "herald.yaml front page of no advisories",
            Box::new(|t: &Tree| {
                t.write("herald.yaml", &common::CONFIG.replace("  base-url: https://security.example.org/", "  base-url: https://security.example.org/\n  index-entries: 0"))
            }),
            &["error: herald.yaml:4:18: expected at least 1, found `0`"],
        ),
        (
            "herald.yaml bad mail address",
            Box::new(|t: &Tree| t.write("herald.yaml", &common::CONFIG.replace("distros@vs.openwall.org", "distros-at-openwall"))),
            &["error: herald.yaml:13:23: invalid mail address `distros-at-openwall`"],
        ),
        (
            "javascript link",
            Box::new(bad_variant("Details.\n", "[x](javascript:alert(1))\n".replace("\\n", "\n").as_str())),
            &["advisories/2025/bad.md:19:1: a link to a `javascript:` URL"],
        ),
        (
            "javascript link in capitals",
            Box::new(bad_variant("Details.\n", "[x](JavaScript:alert(1))\n".replace("\\n", "\n").as_str())),
            &["advisories/2025/bad.md:19:1: a link to a `javascript:` URL"],
        ),
        (
            "entity-encoded javascript link",
            Box::new(bad_variant("Details.\n", "[x](&#106;avascript:alert(1))\n".replace("\\n", "\n").as_str())),
            &["advisories/2025/bad.md:19:1: a link to a `javascript:` URL"],
        ),
        (
            "vbscript link",
            Box::new(bad_variant("Details.\n", "See [x](vbscript:msgbox).\n".replace("\\n", "\n").as_str())),
            &["advisories/2025/bad.md:19:5: a link to a `vbscript:` URL"],
        ),
        (
            "data URL link",
            Box::new(bad_variant("Details.\n", "[x](data:text/html;base64,PHNjcmlwdD4=)\n".replace("\\n", "\n").as_str())),
            &["advisories/2025/bad.md:19:1: a link to a `data:` URL"],
        ),
        (
            "file URL link",
            Box::new(bad_variant("Details.\n", "[x](file:///etc/passwd)\n".replace("\\n", "\n").as_str())),
            &["advisories/2025/bad.md:19:1: a link to a `file:` URL"],
        ),
        (
            "javascript image",
            Box::new(bad_variant("Details.\n", "![x](javascript:alert(1))\n".replace("\\n", "\n").as_str())),
            &["advisories/2025/bad.md:19:1: a link to a `javascript:` URL"],
        ),
        (
            "javascript autolink",
            Box::new(bad_variant("Details.\n", "<javascript:alert(1)>\n".replace("\\n", "\n").as_str())),
            &["advisories/2025/bad.md:19:1: a link to a `javascript:` URL"],
        ),
        (
            "javascript reference definition",
            Box::new(bad_variant("Details.\n", "[x][r]\n\n[r]: javascript:alert(1)\n".replace("\\n", "\n").as_str())),
            &["advisories/2025/bad.md:21:1: reference `[r]`: a link to a `javascript:` URL"],
        ),
        (
            "unused javascript reference definition",
            Box::new(bad_variant("Details.\n", "Text.\n\n[r]: javascript:alert(1)\n".replace("\\n", "\n").as_str())),
            &["advisories/2025/bad.md:21:1: reference `[r]`"],
        ),
        (
            "raw script tag",
            Box::new(bad_variant("Details.\n", "<script>alert(1)</script>\n".replace("\\n", "\n").as_str())),
            &["advisories/2025/bad.md:19:1: raw HTML `<script>` is not allowed"],
        ),
        (
            "inline script tag",
            Box::new(bad_variant("Details.\n", "Text <script>alert(1)</script>.\n".replace("\\n", "\n").as_str())),
            &["advisories/2025/bad.md:19:6: raw HTML `<script>` is not allowed"],
        ),
        (
            "img onerror",
            Box::new(bad_variant("Details.\n", "<img src=x onerror=alert(1)>\n".replace("\\n", "\n").as_str())),
            &["advisories/2025/bad.md:19:1: `<img>`: the event handler `onerror` is not allowed"],
        ),
        (
            "onerror in mixed case",
            Box::new(bad_variant("Details.\n", "<img src=x OnError=alert(1)>\n".replace("\\n", "\n").as_str())),
            &["the event handler `onerror` is not allowed"],
        ),
        (
            "iframe",
            Box::new(bad_variant("Details.\n", "<iframe src=https://example.org></iframe>\n".replace("\\n", "\n").as_str())),
            &["advisories/2025/bad.md:19:1: raw HTML `<iframe>` is not allowed"],
        ),
        (
            "svg onload",
            Box::new(bad_variant("Details.\n", "<svg onload=alert(1)></svg>\n".replace("\\n", "\n").as_str())),
            &["raw HTML `<svg>` is not allowed"],
        ),
        (
            "anchor to javascript",
            Box::new(bad_variant("Details.\n", "<a href=\"javascript:alert(1)\">x</a>\n".replace("\\n", "\n").as_str())),
            &["advisories/2025/bad.md:19:1: `<a>`: `href`: a link to a `javascript:` URL"],
        ),
        (
            "anchor to entity-encoded javascript",
            Box::new(bad_variant("Details.\n", "<a href='jav&#x61;script:alert(1)'>x</a>\n".replace("\\n", "\n").as_str())),
            &["`href`: a link to a `javascript:` URL"],
        ),
        (
            "style attribute",
            Box::new(bad_variant("Details.\n", "<span style=\"position:fixed\">x</span>\n".replace("\\n", "\n").as_str())),
            &["the attribute `style` is not allowed"],
        ),
        (
            "style element",
            Box::new(bad_variant("Details.\n", "<style>body{display:none}</style>\n".replace("\\n", "\n").as_str())),
            &["raw HTML `<style>` is not allowed"],
        ),
        (
            "form",
            Box::new(bad_variant("Details.\n", "<form action=https://example.org><input></form>\n".replace("\\n", "\n").as_str())),
            &["raw HTML `<form>` is not allowed"],
        ),
        (
            "deeply nested divs",
            Box::new(bad_variant("Details.\n", "<div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div><div>\n".replace("\\n", "\n").as_str())),
            &["raw HTML nested more than 64 elements deep"],
        ),
        (
            "deeply nested quotes",
            Box::new(bad_variant("Details.\n", ">>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>> x\n".replace("\\n", "\n").as_str())),
            &["block quotes and lists nested more than 64 deep"],
        ),
        (
            "patch: absolute path",
            Box::new(|t: &Tree| {

                bad_variant("component: widgets", &format!("component: widgets\npatches: [{}]", "/proc/self/environ"))(t)
            }),
            &["advisories/2025/bad.md:9:11: patch refused: `/proc/self/environ` is an absolute path"],
        ),
        (
            "patch: a device",
            Box::new(|t: &Tree| {

                bad_variant("component: widgets", &format!("component: widgets\npatches: [{}]", "/dev/zero"))(t)
            }),
            &["advisories/2025/bad.md:9:11: patch refused: `/dev/zero` is an absolute path"],
        ),
        (
            "patch: leaves the tree with ..",
            Box::new(|t: &Tree| {

                bad_variant("component: widgets", &format!("component: widgets\npatches: [{}]", "../../etc/passwd"))(t)
            }),
            &["advisories/2025/bad.md:9:11: patch refused: `../../etc/passwd` leaves the tree"],
        ),
        (
            "patch: symlink out of the tree",
            Box::new(|t: &Tree| {
                std::fs::create_dir_all(t.path().join("patches")).expect("mkdir"); std::os::unix::fs::symlink("/etc/hostname", t.path().join("patches/out.patch")).expect("link");
                bad_variant("component: widgets", &format!("component: widgets\npatches: [{}]", "patches/out.patch"))(t)
            }),
            &["advisories/2025/bad.md:9:11: patch refused: `patches/out.patch` is a link to"],
        ),
        (
            "patch: a folder",
            Box::new(|t: &Tree| {
                std::fs::create_dir_all(t.path().join("patches")).expect("mkdir");
                bad_variant("component: widgets", &format!("component: widgets\npatches: [{}]", "patches"))(t)
            }),
            &["advisories/2025/bad.md:9:11: patch refused: `patches` is not a regular file"],
        ),
        (
            "an advisory of hundreds of megabytes",
            Box::new(|t: &Tree| {
                let text = ADVISORY.replace("CVE-2024-1000", "CVE-2024-2000");
                let mut bytes = text.into_bytes();
                bytes.resize(9 * 1024 * 1024, b'x');
                t.write_bytes(BAD, &bytes);
            }),
            &["error: advisories/2025/bad.md: the file is larger than 8388608 bytes, the most Herald reads of a text file"],
        ),
        (
            "patch: over the size limit",
            Box::new(|t: &Tree| {
                t.write_bytes("patches/big.patch", &vec![b'x'; 6 * 1024 * 1024]);
                bad_variant("component: widgets", &format!("component: widgets\npatches: [{}]", "patches/big.patch"))(t)
            }),
            &["advisories/2025/bad.md:9:11: patch refused: `patches/big.patch` has 6291456 bytes, over the limit of 5242880"],
        ),
        (
            "patch: a private key",
            Box::new(|t: &Tree| {
                t.write("patches/key.patch", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n");
                bad_variant("component: widgets", &format!("component: widgets\npatches: [{}]", "patches/key.patch"))(t)
            }),
            &["advisories/2025/bad.md:9:11: patch refused: `patches/key.patch` holds a private key, and patches are mailed to the notice lists"],
        ),
        (
            "a private key pasted into the body",
            Box::new(bad_variant("Details.", "Details.\n\n    -----BEGIN EC PRIVATE KEY-----\n    MHcCAQEEIIrYSSNQFaA2Hwf1duRSxKtLYX5CB04fSeQ6tF1aY/PuoAoGCCqGSM49\n    -----END EC PRIVATE KEY-----")),
            &["error: advisories/2025/bad.md:21:1: this line opens a private key; every text made from this file would carry it"],
        ),
        (
            "a GitHub token pasted into the body",
            Box::new(bad_variant("Details.", &format!("Details. Reproduced with `curl -H 'Authorization: token ghp_{TOKEN_TAIL}'`."))),
            &["error: advisories/2025/bad.md:19:57: this is a GitHub token (`ghp_…`); every text made from this file would carry it"],
        ),
        (
            "patch: a crates.io token",
            Box::new(|t: &Tree| {
                t.write("patches/t.patch", &format!("+CARGO_REGISTRY_TOKEN=cio{}\n", &TOKEN_TAIL[..32]));
                bad_variant("component: widgets", "component: widgets\npatches: [patches/t.patch]")(t)
            }),
            &["advisories/2025/bad.md:9:11: patch refused: `patches/t.patch` holds a crates.io API token (`cio…`), and patches are mailed to the notice lists"],
        ),
        (
            "herald.yaml: a Slack token in the site's description",
            Box::new(|t: &Tree| t.write("herald.yaml", &common::CONFIG.replace("  base-url: https://security.example.org/", &format!("  base-url: https://security.example.org/\n  description: notify via xoxb-{TOKEN_TAIL}")))),
            &["error: herald.yaml:4:27: this is a Slack token (`xoxb-…`)"],
        ),
        (
            "herald.yaml: a token on a line that does not parse",
            Box::new(|t: &Tree| t.write("herald.yaml", &common::CONFIG.replace("  base-url: https://security.example.org/", &format!("  base-url: https://security.example.org/\n  description: \"notify via xoxb-{TOKEN_TAIL}")))),
            &["error: herald.yaml:4:16: invalid YAML"],
        ),
        (
            "herald.yaml: a password in the site's address",
            Box::new(|t: &Tree| t.write("herald.yaml", &common::CONFIG.replace("  base-url: https://security.example.org/", &format!("  base-url: https://deploy:{TOKEN_TAIL}@security.example.org/")))),
            &["error: herald.yaml:3:13: a web address with a user name or password before its host `security.example.org` (`https://…@security.example.org`)"],
        ),
        (
            "a link whose address names another site before an `@`",
            Box::new(bad_variant("Details.", "Details in [the fix](https://github.com@attacker.example/widgets/pull/1).")),
            &["error: advisories/2025/bad.md:19:12: a web address with a user name or password before its host `attacker.example`"],
        ),
        (
            "a theme's static file with an npm token",
            Box::new(|t: &Tree| {
                t.write("herald.yaml", &common::CONFIG.replace("  base-url: https://security.example.org/", "  base-url: https://security.example.org/\n  theme: leaky"));
                t.write("themes/leaky/static/app.js", &format!("const auth = 'npm_{}';\n", &TOKEN_TAIL[..36]));
            }),
            &["error: themes/leaky/static/app.js: holds an npm access token (`npm_…`), and the site would publish it"],
        ),
        (
            "patch: missing",
            Box::new(|t: &Tree| {

                bad_variant("component: widgets", &format!("component: widgets\npatches: [{}]", "patches/none.patch"))(t)
            }),
            &["advisories/2025/bad.md:9:11: patch refused: cannot read `patches/none.patch`"],
        ),
        (
            "herald.yaml key outside the tree",
            Box::new(|t: &Tree| t.write("herald.yaml", &common::CONFIG.replace("keys/team.asc", "/etc/hostname"))),
            &["error: herald.yaml:7:8: the team key: `/etc/hostname` is an absolute path"],
        ),
        (
            "page symlinked out of the tree",
            Box::new(|t: &Tree| {
                std::fs::create_dir_all(t.path().join("content")).expect("mkdir");
                std::os::unix::fs::symlink("/etc/hostname", t.path().join("content/host.md")).expect("link");
            }),
            &["error: content/host.md: `content/host.md` is a symlink to `/etc/hostname`, outside the tree"],
        ),
        (
            "an advisory that is a named pipe",
            Box::new(|t: &Tree| {
                mkfifo(&t.path().join(BAD));
            }),
            &["error: advisories/2025/bad.md: `advisories/2025/bad.md` is not a regular file (a pipe, a socket or a device)"],
        ),
        (
            "an advisory symlinked to a named pipe in the tree",
            Box::new(|t: &Tree| {
                mkfifo(&t.path().join("fifo"));
                std::fs::create_dir_all(t.path().join("advisories/2025")).expect("mkdir");
                std::os::unix::fs::symlink(t.path().join("fifo"), t.path().join(BAD)).expect("link");
            }),
            &["error: advisories/2025/bad.md: `advisories/2025/bad.md` is not a regular file"],
        ),
        (
            "a folder of advisories that is a symbolic link",
            Box::new(|t: &Tree| {
                let text = ADVISORY.replace("CVE-2024-1000", "CVE-2024-2000").replace("widgets (", "gadgets (");
                t.write("drafts/2026/gadgets.md", &text);
                std::fs::create_dir_all(t.path().join("advisories")).expect("mkdir");
                std::os::unix::fs::symlink("../drafts/2026", t.path().join("advisories/2026")).expect("link");
            }),
            &["error: advisories/2026: `advisories/2026` is a symbolic link to a folder, which Herald does not follow: every file under it would be left out"],
        ),
        (
            "a theme's folder of channel templates that is a symbolic link",
            Box::new(|t: &Tree| {
                t.write("herald.yaml", &common::CONFIG.replace("  base-url: https://security.example.org/", "  base-url: https://security.example.org/\n  theme: linked"));
                t.write("shared/announcement.txt", "{{ body }}\n");
                std::fs::create_dir_all(t.path().join("themes/linked/templates")).expect("mkdir");
                std::os::unix::fs::symlink("../../../shared", t.path().join("themes/linked/templates/channels")).expect("link");
            }),
            &["error: themes/linked/templates/channels: `themes/linked/templates/channels` is a symbolic link to a folder"],
        ),
        (
            "a theme's template that is a named pipe",
            Box::new(|t: &Tree| {
                t.write("herald.yaml", &common::CONFIG.replace("  base-url: https://security.example.org/", "  base-url: https://security.example.org/\n  theme: piped"));
                std::fs::create_dir_all(t.path().join("themes/piped/templates")).expect("mkdir");
                mkfifo(&t.path().join("themes/piped/templates/page.html"));
            }),
            &["error: themes/piped/templates/page.html: `themes/piped/templates/page.html` is not a regular file"],
        ),
        (
            "herald.yaml late limit of zero",
            Box::new(|t: &Tree| t.write("herald.yaml", &format!("{}rules:\n  late-limit-hours: 0\n", common::CONFIG))),
            &["error: herald.yaml:15:21: expected at least 1, found `0`"],
        ),
        (
            "slug too long for a file name",
            Box::new(bad_variant("kind: advisory", &format!("kind: advisory\nslug: {}", "a".repeat(300)))),
            &["error: advisories/2025/bad.md:3:7: slug of 300 characters: at most 100 fit in the file names Herald makes from it"],
        ),
        (
            "file name too long for a slug",
            Box::new(|t: &Tree| {
                let text = ADVISORY.replace("CVE-2024-1000", "CVE-2024-2000").replace("widgets (", "gadgets (");
                t.write(&format!("advisories/2025/{}.md", "b".repeat(200)), &text);
            }),
            &[".md:1:1: the file name gives no usable slug; add a `slug` field"],
        ),
        (
            "mail address with a quoted local part",
            Box::new(|t: &Tree| t.write("herald.yaml", &common::CONFIG.replace("email: security@example.org", "email: '\"sec team\"@example.org'"))),
            &["error: herald.yaml:6:10: invalid mail address `\"sec team\"@example.org`: expected `name@example.org`"],
        ),
        (
            "mail address at an IP literal",
            Box::new(|t: &Tree| t.write("herald.yaml", &common::CONFIG.replace("email: security@example.org", "email: 'security@[192.0.2.1]'"))),
            &["error: herald.yaml:6:10: invalid mail address `security@[192.0.2.1]`"],
        ),
        (
            "mail address not in ASCII",
            Box::new(|t: &Tree| t.write("herald.yaml", &common::CONFIG.replace("address: oss-security@lists.openwall.com", "address: sécurité@lists.openwall.com"))),
            &["invalid mail address `sécurité@lists.openwall.com`: use an ASCII address"],
        ),
        (
            "two mail addresses in one",
            Box::new(|t: &Tree| t.write("herald.yaml", &common::CONFIG.replace("address: distros@vs.openwall.org", "address: 'distros@vs.openwall.org;evil@example.net'"))),
            &["invalid mail address `distros@vs.openwall.org;evil@example.net`"],
        ),
        (
            "lone carriage return",
            Box::new(bad_variant("summary: Widgets overflow\n", "summary: Widgets\roverflow\n")),
            &["error: advisories/2025/bad.md:4:17: a carriage return without a line feed"],
        ),
        (
            "a NUL in a body",
            Box::new(bad_variant("Widgets could overflow.", "Widgets could \0overflow.")),
            &["error: advisories/2025/bad.md:15:15: a control character (U+0000): mail readers and terminals act on it rather than show it"],
        ),
        (
            "a terminal escape sequence in a body",
            Box::new(bad_variant("Details.", "Details \x1b[2J\x1b[1;1Hcleared.")),
            &["error: advisories/2025/bad.md:19:9: a control character (U+001B)"],
        ),
        (
            "a bidirectional override in a body's code block",
            Box::new(bad_variant("Details.", "```\nif access_level != \"user\u{202e} \u{2066}// Check if admin\u{2069} \u{2066}\" {\n```")),
            &["error: advisories/2025/bad.md:20:25: a bidirectional override (U+202E): it shows the text after it in another order than it is read, as in CVE-2021-42574"],
        ),
        (
            "a C1 control in herald.yaml",
            Box::new(|t: &Tree| t.write("herald.yaml", &common::CONFIG.replacen("\n", "\n# \u{9b}31m\n", 1))),
            &["error: herald.yaml:2:3: a control character (U+009B)"],
        ),
        (
            "UTF-16 file",
            Box::new(|t: &Tree| {
                let utf16: Vec<u8> = "---\nkind: advisory\n---\n".encode_utf16().flat_map(u16::to_le_bytes).collect();
                t.write_bytes(BAD, &utf16);
            }),
            // Shown as visible symbols, never as NUL bytes on the terminal.
            &["error: advisories/2025/bad.md:1:2: NUL bytes between the characters: the file looks like UTF-16", "= help: save the file as UTF-8", "  1 | -\u{2400}-\u{2400}-\u{2400}"],
        ),
        (
            "toolchain versions without a toolchain",
            Box::new(bad_variant("component: widgets", "component: widgets\ntoolchain: { vulnerable: \"< 1.2.3\" }")),
            &["error: advisories/2025/bad.md:9:12: `toolchain` versions, but herald.yaml names no toolchain"],
        ),
        (
            "blog branch that would escape its API path",
            Box::new(|t: &Tree| t.write("herald.yaml", &common::CONFIG.replace("blog: { base-url: https://blog.example.org/ }", "blog: { base-url: https://blog.example.org/, repository: example/blog, branch: \"main?ref=evil\" }"))),
            &["error: herald.yaml:10:82: invalid branch name `main?ref=evil`"],
        ),
        (
            "CNA short name with a line break",
            Box::new(|t: &Tree| t.write("herald.yaml", &common::CONFIG.replace("  distros:", "  cve: { org-id: 6b2f1c0e-8d4a-4e57-9a3b-2c1d0e9f8a7b, vendor: Example, org-short-name: \"ex\\nX-Evil: 1\" }\n  distros:"))),
            &["invalid CNA short name"],
        ),
        (
            "changes over several lines",
            Box::new(bad_variant("component: widgets", "component: widgets\nupdated: 2024-04-12T09:00:00Z\nchanges: |\n  one\n  two")),
            &["error: advisories/2025/bad.md:11:3: `changes` is one line"],
        ),
        (
            "theme template with a syntax error",
            Box::new(|t: &Tree| {
                t.write("herald.yaml", &format!("{}", common::CONFIG.replace("  base-url: https://security.example.org/", "  base-url: https://security.example.org/\n  theme: broken")));
                t.write("themes/broken/templates/index.html", "{% if %}\n");
            }),
            &["error: themes/broken/templates/index.html: Failed to parse 'index.html'"],
        ),
        (
            "a theme template that reads the build's environment",
            Box::new(|t: &Tree| {
                t.write("herald.yaml", &common::CONFIG.replace("  base-url: https://security.example.org/", "  base-url: https://security.example.org/\n  theme: nosy"));
                t.write("themes/nosy/templates/index.html", "<html><body>\n<!-- {{ get_env(name=\"ACTIONS_ID_TOKEN_REQUEST_TOKEN\") }} -->\n</body></html>\n");
            }),
            &["error: themes/nosy/templates/index.html:2:9: `get_env` reads the build's environment, where the run's tokens are; a template may not call it"],
        ),
    ]
}

#[test]
fn every_bad_input_is_located_and_leaves_public_untouched() {
    let mut failures = Vec::new();
    let all = cases();
    assert!(all.len() >= 60, "{} cases", all.len());
    for (name, apply, expected) in all {
        let t = Tree::new();
        let ok = t.build("2025-01-01T00:00:00Z");
        assert_eq!(
            code(&ok),
            0,
            "{name}: the valid tree must build: {}",
            stderr(&ok)
        );
        let before = t.snapshot("public");
        assert!(before.len() > 3, "{name}: public/ was built");

        apply(&t);
        for cmd in [
            &["check"][..],
            &["build", "--now", "2025-01-01T00:00:00Z"][..],
        ] {
            let out = t.herald(cmd);
            let err = stderr(&out);
            if code(&out) != 1 {
                failures.push(format!(
                    "{name} ({cmd:?}): exit {} instead of 1\n{err}",
                    code(&out)
                ));
            }
            for want in expected {
                if !err.contains(want) {
                    failures.push(format!("{name} ({cmd:?}): missing `{want}` in:\n{err}"));
                }
            }
            if err.contains(&TOKEN_TAIL[4..]) {
                failures.push(format!(
                    "{name}: the report prints the token it refuses:\n{err}"
                ));
            }
            if err.contains('\0') {
                failures.push(format!("{name}: a NUL byte reached the terminal"));
            }
            if err.contains('\x1b') {
                failures.push(format!(
                    "{name}: colour codes in output that is not a terminal"
                ));
            }
            if !err.contains("nothing was written") {
                failures.push(format!(
                    "{name}: the report does not say nothing was written:\n{err}"
                ));
            }
        }
        // Machines read the kind of each finding: every one has its own.
        let json = t.herald(&["check", "--format", "json"]);
        let findings: serde_json::Value =
            serde_json::from_slice(&json.stdout).unwrap_or(serde_json::Value::Null);
        match findings.as_array() {
            Some(items) if !items.is_empty() => {
                for f in items {
                    if matches!(f["code"].as_str(), None | Some("error" | "warning")) {
                        failures.push(format!("{name}: a finding without its kind: {f}"));
                    }
                }
            }
            _ => failures.push(format!(
                "{name}: `check --format json` printed no findings: {}",
                String::from_utf8_lossy(&json.stdout)
            )),
        }
        assert_eq!(t.snapshot("public"), before, "{name}: public/ changed");
        let leftovers: Vec<_> = std::fs::read_dir(t.path())
            .expect("root")
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().contains("staging"))
            .collect();
        assert!(leftovers.is_empty(), "{name}: staging folder left behind");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn every_error_of_every_file_is_reported_in_one_run() {
    let t = Tree::new();
    bad_variant("severity: high", "severity: severe")(&t);
    t.write(
        "advisories/2024/second.md",
        &ADVISORY
            .replace("CVE-2024-1000]", "CVE-2024-x]")
            .replace("2024-04-09T15:00:00Z", "tomorrow")
            .replace("kind: advisory", "kind: advisory\nextra: 1"),
    );
    let out = t.herald(&["check"]);
    let err = stderr(&out);
    assert_eq!(code(&out), 1, "{err}");
    for want in [
        "advisories/2025/bad.md:7:11: unknown severity",
        "advisories/2024/second.md:3:1: unknown field `extra`",
        "advisories/2024/second.md:6:8: malformed CVE id `CVE-2024-x`",
        "advisories/2024/second.md:7:10: invalid date-time `tomorrow`",
        "herald: 4 error(s), 0 warning(s); nothing was written",
    ] {
        assert!(err.contains(want), "missing `{want}` in:\n{err}");
    }
    // Findings come sorted by file, then line.
    let second = err.find("2024/second.md:3:1").expect("second");
    let bad = err.find("2025/bad.md:7:11").expect("bad");
    assert!(second < bad);
}

#[test]
fn the_offending_line_is_shown_under_the_message() {
    let t = Tree::new();
    bad_variant("severity: high", "severity: severe")(&t);
    let err = stderr(&t.herald(&["check"]));
    assert!(
        err.contains("  7 | severity: severe\n    |           ^^^^^^\n"),
        "{err}"
    );
}

#[test]
fn a_missing_root_or_config_is_a_clear_error() {
    let t = Tree::new();
    std::fs::remove_file(t.path().join("herald.yaml")).expect("rm");
    let out = t.herald(&["check"]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out)
        .contains("error: herald.yaml: not found: every Herald tree needs one at its root"));

    let out = common::herald_cmd()
        .args(["--root", "/nonexistent/herald-tree", "check"])
        .output()
        .expect("run");
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("is not a folder"));
}

/// An advisory that does not load reports its own errors; a
/// pre-announcement naming it, or a link to it, is not also told that no
/// such advisory exists, which would send the author to the wrong file.
#[test]
fn a_broken_advisory_is_one_error_not_also_a_missing_one() {
    let t = Tree::new();
    t.write(
        "advisories/2024/cve-2024-1000.md",
        &ADVISORY.replace("2024-04-09T15:00:00Z", "2099-02-30T15:00:00Z"),
    );
    t.write(
        "advisories/2024/pre-widgets.md",
        &pre("2099-02-28T15:00:00Z", "cve-2024-1000"),
    );
    // Nor is a link to it from another advisory a link to nothing.
    t.write(
        "advisories/2024/cve-2024-1001.md",
        &format!(
            "{}\nSee [the other one](cve-2024-1000.md#overview).\n",
            ADVISORY
                .replace("CVE-2024-1000", "CVE-2024-1001")
                .replace("2024-04-09T15:00:00Z", "2024-04-10T15:00:00Z")
        ),
    );
    let out = t.herald(&["check"]);
    let err = stderr(&out);
    assert_eq!(code(&out), 1, "{err}");
    assert!(
        err.contains("advisories/2024/cve-2024-1000.md:6:10: invalid date-time"),
        "{err}"
    );
    assert!(!err.contains("no advisory with slug"), "{err}");
    assert!(!err.contains("names nothing the site publishes"), "{err}");
    assert!(err.contains("herald: 1 error(s)"), "{err}");
    // `check`, with the pre-announcement naming `slug`.
    let check_naming = |slug: &str| {
        t.write(
            "advisories/2024/pre-widgets.md",
            &pre("2099-02-28T15:00:00Z", slug),
        );
        stderr(&t.herald(&["check"]))
    };
    // A slug that names no file at all is still an error.
    let err = check_naming("cve-2024-1002");
    assert!(
        err.contains("no advisory with slug `cve-2024-1002`"),
        "{err}"
    );
    // An advisory that did load under the slug is still held to the
    // pre-announcement, whatever file of that name failed.
    t.write(
        "advisories/2025/renamed.md",
        &ADVISORY
            .replace("kind: advisory", "kind: advisory\nslug: cve-2024-1000")
            .replace("CVE-2024-1000", "CVE-2024-1003"),
    );
    let err = check_naming("cve-2024-1000");
    assert!(
        err.contains("disagrees with the embargo of advisory `cve-2024-1000`"),
        "{err}"
    );
}

fn mkfifo(path: &std::path::Path) {
    std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo");
    assert!(status.success(), "mkfifo {}", path.display());
}
