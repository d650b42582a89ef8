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
            // Without an offset, the zone alone must name one instant.
            if let Ok(p) = Pieces::parse(s) {
                if let (None, Some(tz), Some(time)) = (
                    p.offset(),
                    p.time_zone_annotation().and_then(|a| a.to_time_zone().ok()),
                    p.time(),
                ) {
                    return in_zone(p.date().to_datetime(time), &tz, s);
                }
            }
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
                return in_zone(dt, &tz, s);
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
            Some(PiecesOffset::Numeric(n)) => {
                // RFC 3339 allows any offset up to a day; the zones in use
                // run from -12:00 to +14:00. Past that it is a typo, and
                // the instant it names is hours off what was meant.
                let seconds = n.offset().seconds();
                if !(-12 * 3600..=14 * 3600).contains(&seconds) {
                    let (sign, abs) = if seconds < 0 {
                        ('-', -seconds)
                    } else {
                        ('+', seconds)
                    };
                    return Err(format!(
                        "`{s}` has the offset {sign}{:02}:{:02}, which no time zone uses (they run from -12:00 to +14:00); {FORMS}",
                        abs / 3600,
                        abs % 3600 / 60
                    ));
                }
                TimeZone::fixed(n.offset())
            }
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

/// The one instant `dt` names in `tz`. A local time the clocks skip (the
/// spring gap) names none, and one they repeat (the autumn fold) names two,
/// an hour apart: guessing could lift an embargo an hour early, so both are
/// refused with the offsets that would settle it.
fn in_zone(dt: DateTime, tz: &TimeZone, shown: &str) -> Result<Moment, String> {
    let name = tz.iana_name().unwrap_or("its zone");
    let with = |o: jiff::tz::Offset| {
        dt.to_zoned(TimeZone::fixed(o))
            .map(|z| z.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string())
            .unwrap_or_default()
    };
    match tz.to_ambiguous_zoned(dt).offset() {
        jiff::tz::AmbiguousOffset::Unambiguous { .. } => dt
            .to_zoned(tz.clone())
            .map(Moment)
            .map_err(|e| format!("invalid date-time `{shown}`: {e}")),
        jiff::tz::AmbiguousOffset::Gap { before, after } => Err(format!(
            "`{shown}` does not exist: the clocks in {name} skip that hour; write the moment meant with its offset, `{}` or `{}`",
            with(before),
            with(after)
        )),
        jiff::tz::AmbiguousOffset::Fold { before, after } => Err(format!(
            "`{shown}` happens twice: the clocks in {name} repeat that hour; write the moment meant with its offset, `{}` (the first) or `{}` (the second)",
            with(before),
            with(after)
        )),
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

    #[test]
    fn an_offset_no_zone_uses_is_refused() {
        for (form, shown) in [
            ("2099-06-09T15:00:00+25:00", "+25:00"),
            ("2099-06-09T15:00:00-12:30", "-12:30"),
            ("2099-06-09T15:00:00+14:01", "+14:01"),
        ] {
            let e = Moment::parse(form).unwrap_err();
            assert!(
                e.starts_with(&format!(
                    "`{form}` has the offset {shown}, which no time zone uses"
                )),
                "{e}"
            );
        }
        for form in [
            "2099-06-09T15:00:00+14:00",
            "2099-06-09T15:00:00-12:00",
            "2099-06-09T15:00:00+05:45",
        ] {
            assert!(Moment::parse(form).is_ok(), "{form}");
        }
    }

    #[test]
    fn a_local_time_the_clocks_skip_or_repeat_is_refused_with_the_offsets() {
        for form in [
            "2024-11-03 01:30 America/New_York",
            "2024-11-03T01:30:00[America/New_York]",
        ] {
            assert_eq!(
                Moment::parse(form).unwrap_err(),
                format!("`{form}` happens twice: the clocks in America/New_York repeat that hour; write the moment meant with its offset, `2024-11-03T01:30:00-04:00` (the first) or `2024-11-03T01:30:00-05:00` (the second)")
            );
        }
        assert_eq!(
            Moment::parse("2024-03-31 02:30 Europe/Berlin").unwrap_err(),
            "`2024-03-31 02:30 Europe/Berlin` does not exist: the clocks in Europe/Berlin skip that hour; write the moment meant with its offset, `2024-03-31T02:30:00+01:00` or `2024-03-31T02:30:00+02:00`"
        );
        // With the offset written, the same local time is one instant.
        let second = Moment::parse("2024-11-03T01:30:00-05:00[America/New_York]").unwrap();
        assert_eq!(second.utc_rfc3339(), "2024-11-03T06:30:00Z");
        // An hour away from the change, a zone name alone is enough.
        assert!(Moment::parse("2024-11-03 03:30 America/New_York").is_ok());
    }
}
