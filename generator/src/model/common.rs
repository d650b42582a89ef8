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

/// Whether `url` names this machine: `localhost` (or a name under it), a
/// loopback address, or the unspecified one (`0.0.0.0`, which connects
/// here). Names are not resolved: a lookup can hang on a bad day, and what
/// a resolver answers is not proof.
pub fn on_loopback(url: &str) -> bool {
    let here = |ip: std::net::IpAddr| ip.is_loopback() || ip.is_unspecified();
    match url::Url::parse(url)
        .ok()
        .and_then(|u| u.host().map(|h| h.to_owned()))
    {
        Some(url::Host::Ipv4(ip)) => here(ip.into()),
        Some(url::Host::Ipv6(ip)) => here(ip.into()),
        // An `smtp://` URL's host is opaque to the URL parser, even an
        // address.
        Some(url::Host::Domain(name)) => match name.parse::<std::net::IpAddr>() {
            Ok(ip) => here(ip),
            Err(_) => {
                let name = name.trim_end_matches('.').to_ascii_lowercase();
                name == "localhost" || name.ends_with(".localhost")
            }
        },
        None => false,
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_is_told_by_address_or_localhost_never_by_lookup() {
        for url in [
            "http://127.0.0.1:8080/",
            "http://127.1.2.3/",
            "http://[::1]:9/",
            "http://localhost/",
            "https://api.LOCALHOST./",
            "smtp://user:pw@127.0.0.1:2525",
            "smtps://[::1]:465",
            "smtp://localhost:25?tls=required",
            "http://0.0.0.0:8080/",
            "smtp://0.0.0.0:2525",
        ] {
            assert!(on_loopback(url), "{url}");
        }
        for url in [
            "https://api.github.com/",
            "http://10.0.0.1/",
            "smtp://mail.example.org:587",
            "smtp://127.0.0.1.example.org:25",
            "http://localhost.example.org/",
            "not a url",
        ] {
            assert!(!on_loopback(url), "{url}");
        }
    }
}
