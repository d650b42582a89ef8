//! The wording every channel must carry, in one place.
//!
//! Templates place these texts; after rendering, `channels::require`
//! checks that each one is there, so a theme cannot drop one silently.

use crate::plaintext::WIDTH;

/// Filled as the body text is: at spaces only, so that `oss-security` or a
/// hyphenated team name never breaks at its hyphen.
fn wrap(text: &str) -> String {
    crate::wrap::fill(text, WIDTH, "", "")
}

/// Opens the announcement mail. Google Groups rewrites messages, which
/// breaks the inline signature on its web interface.
pub fn google_groups(team: &str) -> String {
    wrap(&format!(
        "This announcement is signed by {team}. The Google Groups web interface \
shows its signature as not matching, because the group alters messages as it \
processes them. A copy of this announcement, signed and unaltered, is attached \
as announcement.txt.asc: verify that file."
    ))
}

/// What a cross-post copies: an advisory, or the pre-announcement of one.
#[derive(Debug, Clone, Copy)]
pub enum Original {
    Advisory,
    PreAnnouncement,
}

/// The official text every other one points to: the signed announcement,
/// or, for a team without an announcement list, the advisory's page.
#[derive(Debug, Clone, Copy)]
pub struct Official<'a> {
    pub url: &'a str,
    pub signed: bool,
}

/// Opens the blog and forum posts, in the words of the Rust blog's
/// cross-posts: a line that links the official text through a reference,
/// then a blank line and that reference's definition. Placed after `> `,
/// as the built-in templates do, the line is a blockquote and the
/// definition follows it, as on that blog.
///
/// `body` is the post's own Markdown: a body that defines the label
/// (`[advisory]`, as the Rust blog names it, or `[pre-announcement]`)
/// itself would capture the disclaimer's link (the first definition of a
/// label wins), so the link is then written inline instead.
pub fn cross_post(official: Official, original: Original, body: &str) -> String {
    let (what, short) = match original {
        Original::Advisory => ("security advisory", "advisory"),
        Original::PreAnnouncement => ("pre-announcement of a security release", "pre-announcement"),
    };
    let url = official.url;
    let taken = pulldown_cmark::Parser::new(body)
        .reference_definitions()
        .get(short)
        .is_some();
    let (link, definition) = if taken {
        (format!("[the official {what}](<{url}>)"), String::new())
    } else {
        (
            format!("[the official {what}][{short}]"),
            format!("\n\n[{short}]: {url}"),
        )
    };
    let line = if official.signed {
        format!(
            "This is a cross-post of {link}. The official {short} contains a signed \
version with our PGP key, as well."
        )
    } else {
        format!("This is a cross-post of {link}.")
    };
    line + &definition
}

/// `cross` (from [`cross_post`]) as a blockquote wrapped at 80 columns,
/// as the team's blog posts quote it: their renderer reads a line break
/// as a space, and their sources keep 80-column lines. The link's
/// definition follows the quote as it is.
pub fn quoted(cross: &str) -> String {
    let (line, definition) = cross.split_once("\n\n").unwrap_or((cross, ""));
    let mut out = crate::wrap::fill(line, 80, "> ", "> ");
    if !definition.is_empty() {
        out.push_str("\n\n");
        out.push_str(definition);
    }
    out
}

/// Opens each GHSA text: it points at the blog post, which links to the
/// official advisory, or straight at the official advisory for a team
/// without a blog.
pub fn ghsa(team: &str, blog_url: Option<&str>, official: Official) -> String {
    let url = official.url;
    match (blog_url, official.signed) {
        (Some(blog_url), true) => format!(
            "This advisory is a copy of the security advisory published by {team} at \
<{blog_url}>, which links to the signed announcement."
        ),
        (Some(blog_url), false) => format!(
            "This advisory is a copy of the security advisory published by {team} at \
<{blog_url}>, which links to the official advisory."
        ),
        (None, true) => format!(
            "This advisory is a copy of the security advisory {team} sent to its \
announcements list, signed with the team's key: <{url}>."
        ),
        (None, false) => format!(
            "This advisory is a copy of the security advisory published by {team} at <{url}>."
        ),
    }
}

/// Closes the oss-security excerpt.
pub fn oss_security(team: &str, official: Official) -> String {
    if official.signed {
        format!(
            "The full advisory, signed by {team}, is at:\n{}",
            official.url
        )
    } else {
        format!("The full advisory of {team} is at:\n{}", official.url)
    }
}

/// `label` and the disclosure moment on one line when it fits the width,
/// else the moment on a line of its own, as the rest of the text is
/// filled.
fn dated(label: &str, disclosure: &str, end: &str) -> String {
    let line = format!("{label} {disclosure}{end}");
    if line.chars().count() <= WIDTH {
        line
    } else {
        format!("{label}\n{disclosure}{end}")
    }
}

/// The distros notice's first line or two: the list asks for the date first.
pub fn distros_date(disclosure: &str) -> String {
    dated("Tentative public disclosure:", disclosure, "")
}

/// Opens the distros notice: the list needs the date first, and its rules.
pub fn distros(disclosure: &str) -> String {
    format!(
        "{}\n\n{}",
        distros_date(disclosure),
        wrap(
            "This issue is not public yet. We understand that everything sent \
to this list becomes public at disclosure, and we will post to oss-security \
then."
        )
    )
}

/// Opens the advance notification.
pub fn advance_notice(disclosure: &str) -> String {
    format!(
        "{}\n\n{}",
        dated("EMBARGOED until", disclosure, "."),
        wrap(
            "This is an advance notification for vetted organisations. Do not \
share it, or act on it in public, before the embargo lifts."
        )
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIGNED: Official = Official {
        url: "https://groups.example/msg",
        signed: true,
    };

    #[test]
    fn a_cross_post_links_the_official_text_by_reference_unless_the_body_owns_the_label() {
        let post = cross_post(
            SIGNED,
            Original::Advisory,
            "Body with [a link][1].\n\n[1]: https://x.example/\n",
        );
        assert_eq!(
            post,
            "This is a cross-post of [the official security advisory][advisory]. \
The official advisory contains a signed version with our PGP key, as well.\n\n\
[advisory]: https://groups.example/msg"
        );
        // The first definition of a label wins in CommonMark, so the
        // disclaimer's would take over the body's links: it goes inline.
        let post = cross_post(SIGNED, Original::PreAnnouncement, "Body.");
        assert!(post.ends_with("as well.\n\n[pre-announcement]: https://groups.example/msg"));
        let body =
            "See [the text][Pre-Announcement].\n\n[PRE-ANNOUNCEMENT]: https://site.example/a/\n";
        let post = cross_post(SIGNED, Original::PreAnnouncement, body);
        assert_eq!(
            post,
            "This is a cross-post of [the official pre-announcement of a security \
release](<https://groups.example/msg>). The official pre-announcement contains a \
signed version with our PGP key, as well."
        );
    }
}
