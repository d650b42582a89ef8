//! An instant together with the zone it was written in.
//!
//! Embargoes are agreed in wall-clock terms ("15:00 UTC", "9:00 in Berlin"),
//! so Herald keeps the zone and refuses a time that names none: a naive time
//! would be read in whatever zone the CI runner happens to use.

use std::cmp::Ordering;
use std::fmt;

use jiff::civil::DateTime;
use jiff::fmt::temporal::{Pieces, PiecesOffset};
use jiff::tz::{self, TimeZone};
use jiff::{Timestamp, Zoned};

#[derive(Debug, Clone)]
pub struct Moment(Zoned);

impl PartialEq for Moment {
    fn eq(&self, other: &Self) -> bool {
        self.0.timestamp() == other.0.timestamp()
    }
}
impl Eq for Moment {}
impl PartialOrd for Moment {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Moment {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.timestamp().cmp(&other.0.timestamp())
    }
}

const FORMS: &str = "write it as `2024-04-09T15:00:00Z`, `2024-04-09T17:00:00+02:00`, \
`2024-04-09T17:00:00[Europe/Berlin]` or `2024-04-09 17:00 Europe/Berlin`";

impl Moment {
    pub fn from_zoned(z: Zoned) -> Self {
        Moment(z)
    }

    pub fn zoned(&self) -> &Zoned {
        &self.0
    }

    pub fn timestamp(&self) -> Timestamp {
        self.0.timestamp()
    }

    /// Parse a moment that carries its own offset or zone.
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        if s.contains('[') {
            return s
                .parse::<Zoned>()
                .map(Moment)
                .map_err(|e| format!("invalid date-time `{s}`: {e}"));
        }
        // "2024-04-09 17:00 Europe/Berlin": a civil time followed by a zone name.
        if let Some((civil, zone)) = s.rsplit_once(' ') {
            let looks_like_zone = zone.contains('/') || zone.eq_ignore_ascii_case("UTC");
            if looks_like_zone {
                let tz = tz::db()
                    .get(zone)
                    .map_err(|_| format!("unknown time zone `{zone}`: use an IANA name such as `Europe/Berlin` or `UTC`"))?;
                let dt: DateTime = civil
                    .trim()
                    .parse()
                    .map_err(|e| format!("invalid date-time `{civil}`: {e}"))?;
                return dt
                    .to_zoned(tz)
                    .map(Moment)
                    .map_err(|e| format!("invalid date-time `{s}`: {e}"));
            }
        }
        let pieces =
            Pieces::parse(s).map_err(|e| format!("invalid date-time `{s}`: {e}; {FORMS}"))?;
        let zone = match pieces.offset() {
            None => {
                return Err(format!(
                    "`{s}` has no offset or time zone, so its moment is ambiguous; {FORMS}"
                ))
            }
            Some(PiecesOffset::Numeric(n)) => TimeZone::fixed(n.offset()),
            Some(_) => TimeZone::UTC,
        };
        let Some(time) = pieces.time() else {
            return Err(format!("`{s}` has no time of day; {FORMS}"));
        };
        pieces
            .date()
            .to_datetime(time)
            .to_zoned(zone)
            .map(Moment)
            .map_err(|e| format!("invalid date-time `{s}`: {e}"))
    }

    /// RFC 3339 in UTC, for machine-readable outputs.
    pub fn utc_rfc3339(&self) -> String {
        self.0
            .timestamp()
            .strftime("%Y-%m-%dT%H:%M:%SZ")
            .to_string()
    }

    /// A reader-facing form: date, time and the zone it was written in.
    pub fn human(&self) -> String {
        let z = &self.0;
        match z.time_zone().iana_name() {
            Some(name) if name != "UTC" => {
                format!("{} {}", z.strftime("%Y-%m-%d %H:%M"), name)
            }
            _ if z.offset().seconds() == 0 => z.strftime("%Y-%m-%d %H:%M UTC").to_string(),
            _ => z.strftime("%Y-%m-%d %H:%M UTC%:z").to_string(),
        }
    }

    pub fn date(&self) -> String {
        self.0.strftime("%Y-%m-%d").to_string()
    }

    pub fn year(&self) -> i16 {
        self.0.year()
    }
}

impl fmt::Display for Moment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.human())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepted_forms_agree() {
        let a = Moment::parse("2024-04-09T15:00:00Z").unwrap();
        let b = Moment::parse("2024-04-09T17:00:00+02:00").unwrap();
        let c = Moment::parse("2024-04-09T17:00:00[Europe/Berlin]").unwrap();
        let d = Moment::parse("2024-04-09 17:00 Europe/Berlin").unwrap();
        assert_eq!(a, b);
        assert_eq!(a, c);
        assert_eq!(a, d);
        assert_eq!(b.human(), "2024-04-09 17:00 UTC+02:00");
        assert_eq!(d.human(), "2024-04-09 17:00 Europe/Berlin");
        assert_eq!(a.human(), "2024-04-09 15:00 UTC");
    }

    #[test]
    fn naive_and_unknown_zone_are_refused() {
        assert!(Moment::parse("2024-04-09T15:00:00")
            .unwrap_err()
            .contains("no offset"));
        assert!(Moment::parse("2024-04-09 15:00 Mars/Olympus")
            .unwrap_err()
            .contains("unknown time zone"));
        assert!(Moment::parse("2024-04-09T15:00:00[Mars/Olympus]").is_err());
    }
}
