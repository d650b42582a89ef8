//! `herald.yaml`: the site, the team, where each channel goes, and the
//! timeline rules.

use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;

use super::common::parse_https_url;
use crate::fields::{Decoder, Fields};
use crate::yaml::Node;

mod channels;

use channels::decode_channels;
pub use channels::{
    Announcements, Blog, BlogRepository, Channels, CnaSettings, Forum, OssForm, OssSecurity,
};

#[derive(Debug, Clone)]
pub struct Config {
    pub site: SiteConfig,
    pub team: Team,
    pub channels: Channels,
    pub rules: Rules,
    pub toolchain: Option<Toolchain>,
}

/// The toolchain users install (Rust), when the project ships one: its
/// releases are what people read, not the versions of its parts.
#[derive(Debug, Clone)]
pub struct Toolchain {
    pub name: String,
    /// The `component`s that ship in it: their advisories speak in
    /// toolchain versions.
    pub components: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct SiteConfig {
    pub title: String,
    /// Always ends with `/`.
    pub base_url: String,
    pub language: String,
    pub description: Option<String>,
    pub theme: String,
    pub feed_entries: usize,
    /// How many of the newest advisories the front page lists; the archive
    /// lists them all. A front page of every advisory grows without bound
    /// (1.9 MB at 10,000), and readers on a phone pay for it each visit.
    pub index_entries: usize,
    /// The prefix of OSV ids: `<prefix>-<SLUG>`.
    pub osv_prefix: String,
}

#[derive(Debug, Clone)]
pub struct Team {
    pub name: String,
    pub email: String,
    /// Path of the armored public key, relative to the root.
    pub key: String,
    pub fingerprint: Option<String>,
    pub zone: TimeZone,
    pub zone_name: String,
}

/// The disclosure rules. Defaults follow the design; every one can be set.
#[derive(Debug, Clone)]
pub struct Rules {
    pub advance_notice_days: u32,
    pub advance_notice_days_critical_exploited: u32,
    pub distros_hours: u32,
    pub distros_max_days: u32,
    pub distros_preferred_days: u32,
    pub holidays: Vec<Date>,
    pub disclosure_weekdays: Vec<Weekday>,
    /// How long after its public moment an announcement still goes out
    /// unattended; later, `publish` waits for `--late <slug>` or a record.
    pub late_limit_hours: u32,
    /// The largest patch Herald attaches to a private notice.
    pub max_patch_bytes: u32,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            advance_notice_days: 5,
            advance_notice_days_critical_exploited: 1,
            distros_hours: 72,
            distros_max_days: 14,
            distros_preferred_days: 7,
            holidays: Vec::new(),
            disclosure_weekdays: vec![Weekday::Tuesday, Weekday::Wednesday, Weekday::Thursday],
            late_limit_hours: 24,
            max_patch_bytes: 5 * 1024 * 1024,
        }
    }
}

const TOP: &[&str] = &["site", "team", "channels", "rules", "toolchain"];

pub fn decode(d: &mut Decoder, root: &Node) -> Option<Config> {
    let mut f = d.map(root, TOP, "herald.yaml")?;
    f.pos = crate::diag::Pos::new(1, 1, 1);
    let site = d.required(&f, "site").and_then(|n| decode_site(d, n));
    let team = d.required(&f, "team").and_then(|n| decode_team(d, n));
    let channels = d
        .required(&f, "channels")
        .and_then(|n| decode_channels(d, n));
    let rules = match d.optional(&f, "rules") {
        Some(n) => decode_rules(d, n),
        None => Some(Rules::default()),
    };
    let toolchain = match d.optional(&f, "toolchain") {
        Some(n) => decode_toolchain(d, n).map(Some),
        None => Some(None),
    };
    Some(Config {
        site: site?,
        team: team?,
        channels: channels?,
        rules: rules?,
        toolchain: toolchain?,
    })
}

fn decode_toolchain(d: &mut Decoder, n: &Node) -> Option<Toolchain> {
    let f = d.map(n, &["name", "components"], "`toolchain`")?;
    let name = line(d, &f, "name", "the versions of every facts block");
    let components = match d.optional(&f, "components") {
        Some(n) => d.each(n, |d, i| d.string(i)),
        None => Some(Vec::new()),
    };
    Some(Toolchain {
        name: name?,
        components: components?,
    })
}

fn text(d: &mut Decoder, f: &Fields, key: &str) -> Option<String> {
    d.required(f, key).and_then(|n| d.string(n))
}

/// A required value that must be one line of text (see
/// `Decoder::line`): a name that becomes a mail header, a title.
fn line(d: &mut Decoder, f: &Fields, key: &str, becomes: &str) -> Option<String> {
    d.required(f, key).and_then(|n| d.line(n, key, becomes))
}

fn number(d: &mut Decoder, f: &Fields, key: &str, default: u32) -> Option<u32> {
    at_least(d, f, key, default, 0)
}

fn at_least(d: &mut Decoder, f: &Fields, key: &str, default: u32, min: u32) -> Option<u32> {
    match d.optional(f, key) {
        Some(n) => d.parse(n, |s| match s.parse::<u32>() {
            Ok(v) if v >= min => Ok(v),
            Ok(_) => Err(format!("expected at least {min}, found `{s}`")),
            Err(_) => Err(format!("expected a whole number, found `{s}`")),
        }),
        None => Some(default),
    }
}

fn email(d: &mut Decoder, f: &Fields, key: &str) -> Option<String> {
    d.required(f, key).and_then(|n| d.parse(n, parse_email))
}

/// A mail address as the mail builder will take it (lettre parses it
/// again when the mail is made; checking with the same parser here is what
/// makes `check` refuse whatever `build` would), with a dotted domain, in
/// ASCII: a non-ASCII address needs SMTPUTF8, which list servers refuse.
pub fn parse_email(s: &str) -> Result<String, String> {
    let bad = |why: &str| Err(format!("invalid mail address `{s}`: {why}"));
    if !s.is_ascii() {
        return bad(
            "use an ASCII address (non-ASCII ones need SMTPUTF8, which list servers refuse)",
        );
    }
    // Quoted local parts parse as addresses but not as envelope senders.
    if s.contains(|c: char| c.is_whitespace() || "<>,\"()[]\\;:".contains(c)) {
        return bad("expected `name@example.org`");
    }
    match s.parse::<lettre::Address>() {
        Ok(a) if a.domain().contains('.') => Ok(s.to_string()),
        _ => bad("expected `name@example.org`"),
    }
}

/// `Name <address>` or a bare address, the address as [`parse_email`]
/// takes it.
pub fn parse_mailbox(s: &str) -> Result<String, String> {
    let address = match s.rsplit_once('<') {
        Some((name, rest)) => {
            let Some(addr) = rest.strip_suffix('>') else {
                return Err(format!(
                    "invalid sender `{s}`: expected `Name <name@example.org>`"
                ));
            };
            if name.chars().any(crate::fields::breaks_a_line) {
                return Err(format!(
                    "invalid sender `{s}`: the name must be one line of text, with no control character"
                ));
            }
            if name.contains(['"', '<', '>']) {
                return Err(format!(
                    "invalid sender `{s}`: write the name without quotes or brackets"
                ));
            }
            addr
        }
        None => s,
    };
    parse_email(address.trim())?;
    // The mail builder parses it again; what it would refuse is refused here.
    s.parse::<lettre::message::Mailbox>()
        .map_err(|e| format!("invalid sender `{s}`: {e}"))?;
    Ok(s.to_string())
}

/// An HTTPS base URL, or plain HTTP on loopback (for local testing and
/// previews). Normalised to end with `/`.
fn base_url(d: &mut Decoder, n: &Node) -> Option<String> {
    d.parse(n, |s| {
        let http = url::Url::parse(s).is_ok_and(|u| u.scheme() == "http");
        let ok = http && super::common::on_loopback(s);
        let s = if ok {
            crate::safety::check_userinfo(s)?;
            s.to_string()
        } else {
            parse_https_url(s)?
        };
        Ok(if s.ends_with('/') { s } else { format!("{s}/") })
    })
}

fn decode_site(d: &mut Decoder, n: &Node) -> Option<SiteConfig> {
    let f = d.map(
        n,
        &[
            "title",
            "base-url",
            "language",
            "description",
            "theme",
            "feed-entries",
            "index-entries",
            "osv-prefix",
        ],
        "`site`",
    )?;
    let title = line(d, &f, "title", "the title of every page and of the feed");
    let base_url = d.required(&f, "base-url").and_then(|n| base_url(d, n));
    let language = match d.optional(&f, "language") {
        Some(n) => d.parse(n, |s| {
            if s.len() <= 35
                && s.split('-')
                    .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric()))
            {
                Ok(s.to_string())
            } else {
                Err(format!(
                    "invalid language tag `{s}`: expected a BCP 47 tag such as `en` or `pt-BR`"
                ))
            }
        }),
        None => Some("en".to_string()),
    };
    let description = d
        .optional(&f, "description")
        .and_then(|n| d.line(n, "description", "the feed's subtitle and a meta tag"));
    let theme = match d.optional(&f, "theme") {
        Some(n) => d.parse(n, |s| {
            if s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            {
                Ok(s.to_string())
            } else {
                Err(format!(
                    "invalid theme name `{s}`: it names a folder under `themes/`"
                ))
            }
        }),
        None => Some("default".to_string()),
    };
    let feed_entries = number(d, &f, "feed-entries", 50);
    // None would leave the front page saying nothing is published.
    let index_entries = at_least(d, &f, "index-entries", 50, 1);
    let osv_prefix = match d.optional(&f, "osv-prefix") {
        Some(n) => d.parse(n, |s| {
            if !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
            {
                Ok(s.to_string())
            } else {
                Err(format!(
                    "invalid OSV prefix `{s}`: upper-case letters and digits, such as `RUSTSEC`"
                ))
            }
        }),
        None => Some("SEC".to_string()),
    };
    Some(SiteConfig {
        title: title?,
        base_url: base_url?,
        language: language?,
        description,
        theme: theme?,
        feed_entries: feed_entries? as usize,
        index_entries: index_entries? as usize,
        osv_prefix: osv_prefix?,
    })
}

fn decode_team(d: &mut Decoder, n: &Node) -> Option<Team> {
    let f = d.map(
        n,
        &["name", "email", "key", "fingerprint", "zone"],
        "`team`",
    )?;
    let name = line(d, &f, "name", "the sender's name of every mail");
    let email = email(d, &f, "email");
    let key = text(d, &f, "key");
    let fingerprint = d.optional(&f, "fingerprint").and_then(|n| {
        d.parse(n, |s| {
            let hex: String = s.chars().filter(|c| !c.is_whitespace()).collect();
            if (hex.len() == 40 || hex.len() == 64) && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                Ok(hex.to_ascii_uppercase())
            } else {
                Err(format!(
                    "invalid key fingerprint `{s}`: expected 40 (v4) or 64 (v6) hex digits"
                ))
            }
        })
    });
    let zone = match d.optional(&f, "zone") {
        Some(n) => d.parse(n, |s| {
            jiff::tz::db()
                .get(s)
                .map(|z| (z, s.to_string()))
                .map_err(|_| {
                    format!("unknown time zone `{s}`: use an IANA name such as `Europe/Berlin`")
                })
        }),
        None => Some((TimeZone::UTC, "UTC".to_string())),
    };
    let (zone, zone_name) = zone?;
    Some(Team {
        name: name?,
        email: email?,
        key: key?,
        fingerprint,
        zone,
        zone_name,
    })
}

fn decode_rules(d: &mut Decoder, n: &Node) -> Option<Rules> {
    let f = d.map(
        n,
        &[
            "advance-notice-days",
            "advance-notice-days-critical-exploited",
            "distros-hours",
            "distros-max-days",
            "distros-preferred-days",
            "holidays",
            "disclosure-weekdays",
            "late-limit-hours",
            "max-patch-bytes",
        ],
        "`rules`",
    )?;
    let def = Rules::default();
    let advance = number(d, &f, "advance-notice-days", def.advance_notice_days);
    let critical = number(
        d,
        &f,
        "advance-notice-days-critical-exploited",
        def.advance_notice_days_critical_exploited,
    );
    let distros_hours = number(d, &f, "distros-hours", def.distros_hours);
    let max_days = number(d, &f, "distros-max-days", def.distros_max_days);
    let preferred = number(d, &f, "distros-preferred-days", def.distros_preferred_days);
    let late = at_least(d, &f, "late-limit-hours", def.late_limit_hours, 1);
    let max_patch = at_least(d, &f, "max-patch-bytes", def.max_patch_bytes, 1);
    let holidays = match d.optional(&f, "holidays") {
        Some(n) => d.each(n, |d, i| {
            d.parse(i, |s| {
                s.parse::<Date>().map_err(|_| {
                    format!("invalid holiday `{s}`: expected a date like `2024-12-25`")
                })
            })
        }),
        None => Some(Vec::new()),
    };
    let weekdays = match d.optional(&f, "disclosure-weekdays") {
        Some(n) => d.each(n, |d, i| d.parse(i, parse_weekday)),
        None => Some(def.disclosure_weekdays),
    };
    if let (Some(h), Some(m)) = (distros_hours, max_days) {
        if h > m * 24 {
            d.error(f.pos, "`distros-hours` exceeds `distros-max-days`: the distros list would refuse every notice");
        }
    }
    Some(Rules {
        advance_notice_days: advance?,
        advance_notice_days_critical_exploited: critical?,
        distros_hours: distros_hours?,
        distros_max_days: max_days?,
        distros_preferred_days: preferred?,
        holidays: holidays?,
        disclosure_weekdays: weekdays?,
        late_limit_hours: late?,
        max_patch_bytes: max_patch?,
    })
}

fn parse_weekday(s: &str) -> Result<Weekday, String> {
    let days = [
        ("monday", Weekday::Monday),
        ("tuesday", Weekday::Tuesday),
        ("wednesday", Weekday::Wednesday),
        ("thursday", Weekday::Thursday),
        ("friday", Weekday::Friday),
        ("saturday", Weekday::Saturday),
        ("sunday", Weekday::Sunday),
    ];
    let lower = s.to_ascii_lowercase();
    days.iter()
        .find(|(name, _)| *name == lower || (lower.len() >= 3 && name.starts_with(&lower)))
        .map(|(_, d)| *d)
        .ok_or_else(|| format!("unknown weekday `{s}`: expected a name like `tuesday`"))
}
