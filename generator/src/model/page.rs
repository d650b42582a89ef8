//! Pages written by hand in `content/`: the policy, an about page, the
//! introduction on the index (a page with slug `index`).

use super::common::decode_slug;
use super::ids::Slug;
use crate::diag::Pos;
use crate::fields::{Decoder, Fields};

pub const FIELDS: &[&str] = &["title", "slug", "description", "weight"];

#[derive(Debug, Clone)]
pub struct Page {
    pub slug: Slug,
    pub title: String,
    pub description: Option<String>,
    /// Orders pages in the navigation; lower first.
    pub weight: i64,
    pub slug_pos: Pos,
}

pub fn decode(d: &mut Decoder, f: &Fields, stem: Option<Slug>) -> Option<Page> {
    let (slug, slug_pos) = decode_slug(d, f, stem);
    let title = d
        .required(f, "title")
        .and_then(|n| d.line(n, "title", "the page's heading"));
    let description = d.optional(f, "description").and_then(|n| d.string(n));
    let weight = match d.optional(f, "weight") {
        Some(n) => d.parse(n, |s| {
            s.parse::<i64>()
                .map_err(|_| format!("`weight` must be a whole number, found `{s}`"))
        }),
        None => Some(0),
    };
    Some(Page {
        slug: slug?,
        title: title?,
        description,
        weight: weight?,
        slug_pos,
    })
}
