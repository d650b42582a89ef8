//! Herald: security advisories written once as Markdown, turned into the
//! security site and every announcement text, and published in order.
//!
//! Data flows one way: files → `load` → the validated `model` → rendering
//! (`site`, `feed`) → `build` writes it, behind the `embargo` wall.

pub mod build;
pub mod canon;
pub mod channels;
pub mod commands;
pub mod credentials;
pub mod crosscheck;
pub mod cve;
pub mod diag;
pub mod embargo;
pub mod feed;
pub mod fields;
pub mod frontmatter;
pub mod hyphenated;
pub mod ledger;
pub mod links;
pub mod lint;
pub mod load;
pub mod markdown;
pub mod matcher;
pub mod memo;
pub mod model;
pub mod orphans;
pub mod osv;
pub mod output;
pub mod plaintext;
pub mod private_key;
pub mod publish;
pub mod relative;
pub mod reordered;
pub mod respelled;
pub mod safety;
pub mod schedule;
pub mod secrets;
pub mod serve;
pub mod signing;
pub mod site;
pub mod source_guard;
pub mod spaced;
pub mod stamp;
pub mod swar;
#[cfg(test)]
mod testgen;
pub mod theme;
pub mod timeline;
pub mod timings;
pub mod tree;
pub mod unwrap;
pub mod view;
pub mod wrap;
pub mod yaml;
