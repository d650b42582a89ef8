//! Field readers shared by advisories, pre-announcements and pages.

use super::ids::Slug;
use super::moment::Moment;
use crate::diag::Pos;
use crate::fields::{Decoder, Fields};
use crate::yaml::Node;

/// The `slug` field, or the one the file name gives. Returns where a
/// duplicate-slug finding should point.
pub fn decode_slug(d: &mut Decoder, f: &Fields, stem: Option<Slug>) -> (Option<Slug>, Pos) {
    match d.optional(f, "slug") {
        Some(n) => (d.parse(n, Slug::parse), n.pos),
        None => {
            if stem.is_none() {
                d.error(
                    f.pos,
                    "the file name gives no usable slug; add a `slug` field",
                );
            }
            (stem, Pos::new(1, 1, 3))
        }
    }
}

pub fn decode_moment(d: &mut Decoder, n: &Node) -> Option<Moment> {
    d.parse(n, Moment::parse)
}

pub fn decode_authors(d: &mut Decoder, f: &Fields) -> Vec<String> {
    d.optional(f, "authors")
        .and_then(|n| d.each(n, |d, i| d.string(i)))
        .unwrap_or_default()
}

/// An absolute `https://` URL.
pub fn decode_url(d: &mut Decoder, n: &Node) -> Option<String> {
    d.parse(n, parse_https_url)
}

pub fn parse_https_url(s: &str) -> Result<String, String> {
    let url = url::Url::parse(s).map_err(|e| format!("invalid URL `{s}`: {e}"))?;
    if url.scheme() != "https" {
        return Err(format!("URL `{s}` must use https"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("URL `{s}` has no host"));
    }
    crate::safety::check_userinfo(s)?;
    Ok(s.to_string())
}
