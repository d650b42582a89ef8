//! When each thing may happen: the disclosure rules in one place.
//!
//! Business days are counted in the team's zone, keeping the wall-clock time
//! of the embargo, so "5 business days before 15:00 Berlin" is 15:00 Berlin
//! on that day even across a DST switch.

use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;
use jiff::ToSpan;

use crate::model::config::{Channels, Rules};
use crate::model::{Advisory, Moment, PreAnnouncement, Severity};

pub fn is_business_day(date: Date, rules: &Rules) -> bool {
    !matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday)
        && !rules.holidays.contains(&date)
}

/// `days` business days before `moment`, at the same local time in `zone`.
pub fn business_days_before(moment: &Moment, days: u32, rules: &Rules, zone: &TimeZone) -> Moment {
    let local = moment.timestamp().to_zoned(zone.clone());
    let mut date = local.date();
    let mut left = days;
    while left > 0 {
        date = date.yesterday().unwrap_or(date);
        if is_business_day(date, rules) {
            left -= 1;
        }
    }
    let at = date.to_datetime(local.time());
    // Only an instant that the zone skips or repeats can fail here; jiff's
    // compatible disambiguation then picks the later (or earlier) instant.
    let zoned = zone
        .to_ambiguous_zoned(at)
        .compatible()
        .unwrap_or_else(|_| local.clone());
    Moment::from_zoned(zoned)
}

/// How many business days ahead the vetted organisations are told, if at all.
pub fn advance_notice_days(advisory: &Advisory, rules: &Rules) -> Option<u32> {
    if !advisory.toolchain_update {
        return None;
    }
    if advisory.severity == Severity::Critical && advisory.exploited {
        Some(rules.advance_notice_days_critical_exploited)
    } else {
        Some(rules.advance_notice_days)
    }
}

pub fn advance_notice(advisory: &Advisory, rules: &Rules, zone: &TimeZone) -> Option<Moment> {
    advance_notice_days(advisory, rules)
        .map(|days| business_days_before(&advisory.embargo, days, rules, zone))
}

/// The distros notice goes out a fixed number of hours before disclosure,
/// for medium severity and above.
pub fn distros_notice(advisory: &Advisory, rules: &Rules) -> Option<Moment> {
    if advisory.severity < Severity::Medium {
        return None;
    }
    let hours = i64::from(rules.distros_hours);
    let z = advisory.embargo.zoned().checked_sub(hours.hours()).ok()?;
    Some(Moment::from_zoned(z))
}

/// When a pre-announcement becomes public: its own `announce`, else the
/// advance-notice moment of its advisory ("same moment"), else the default
/// number of business days before the release.
pub fn pre_announcement_public(
    pre: &PreAnnouncement,
    advisory: Option<&Advisory>,
    rules: &Rules,
    zone: &TimeZone,
) -> Moment {
    if let Some(m) = &pre.announce {
        return m.clone();
    }
    if let Some(m) = advisory.and_then(|a| advance_notice(a, rules, zone)) {
        return m;
    }
    business_days_before(&pre.release, rules.advance_notice_days, rules, zone)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str) -> Moment {
        Moment::parse(s).unwrap()
    }

    fn advisory(embargo: &str, severity: &str, exploited: bool, toolchain: bool) -> Advisory {
        let text = format!(
            "kind: advisory\ntitle: t\nsummary: s\ncves: [CVE-2024-1000]\nembargo: {embargo}\n\
             severity: {severity}\ncomponent: c\nexploited: {exploited}\ntoolchain-update: {toolchain}\n\
             affected: [{{package: p, vulnerable: '< 1.0.0'}}]\n"
        );
        let src = crate::diag::Source::new("t.md", text.clone());
        let node = crate::yaml::parse(&src, &text, crate::yaml::Offset { lines: 0 }).unwrap();
        let mut d = crate::fields::Decoder::new(&src);
        let f = d.map(&node, crate::model::advisory::FIELDS, "t").unwrap();
        let slug = crate::model::Slug::parse("t").ok();
        let a = crate::model::advisory::decode(&mut d, &f, slug);
        assert!(d.findings.is_empty(), "{:?}", d.findings);
        a.unwrap()
    }

    /// (embargo, severity, exploited, toolchain update, holidays, zone,
    /// expected advance notice, expected distros notice)
    #[test]
    fn notice_moments_follow_the_rules() {
        type Row = (
            &'static str,
            &'static str,
            bool,
            bool,
            &'static [&'static str],
            &'static str,
            Option<&'static str>,
            Option<&'static str>,
        );
        let rows: &[Row] = &[
            // Tuesday: five business days back is the Tuesday before.
            (
                "2024-04-09T15:00:00Z",
                "high",
                false,
                true,
                &[],
                "UTC",
                Some("2024-04-02T15:00:00Z"),
                Some("2024-04-06T15:00:00Z"),
            ),
            // Monday: the weekend is skipped.
            (
                "2024-04-08T15:00:00Z",
                "medium",
                false,
                true,
                &[],
                "UTC",
                Some("2024-04-01T15:00:00Z"),
                Some("2024-04-05T15:00:00Z"),
            ),
            // A holiday in the window pushes the notice one day earlier.
            (
                "2024-04-09T15:00:00Z",
                "high",
                false,
                true,
                &["2024-04-04"],
                "UTC",
                Some("2024-04-01T15:00:00Z"),
                Some("2024-04-06T15:00:00Z"),
            ),
            // Critical and exploited: one business day; Monday back to Friday.
            (
                "2024-04-08T15:00:00Z",
                "critical",
                true,
                true,
                &[],
                "UTC",
                Some("2024-04-05T15:00:00Z"),
                Some("2024-04-05T15:00:00Z"),
            ),
            // Critical but not exploited: the full five days.
            (
                "2024-04-08T15:00:00Z",
                "critical",
                false,
                true,
                &[],
                "UTC",
                Some("2024-04-01T15:00:00Z"),
                Some("2024-04-05T15:00:00Z"),
            ),
            // Low severity: no distros notice.
            (
                "2024-04-09T15:00:00Z",
                "low",
                false,
                true,
                &[],
                "UTC",
                Some("2024-04-02T15:00:00Z"),
                None,
            ),
            // No toolchain update: no advance notice.
            (
                "2024-04-09T15:00:00Z",
                "high",
                false,
                false,
                &[],
                "UTC",
                None,
                Some("2024-04-06T15:00:00Z"),
            ),
            // Berlin springs forward on 2024-03-31: 10:00 local stays 10:00 local.
            (
                "2024-04-03 10:00 Europe/Berlin",
                "high",
                false,
                true,
                &[],
                "Europe/Berlin",
                Some("2024-03-27T09:00:00Z"),
                Some("2024-03-31T08:00:00Z"),
            ),
            // And falls back on 2024-10-27.
            (
                "2024-10-29 10:00 Europe/Berlin",
                "medium",
                false,
                true,
                &[],
                "Europe/Berlin",
                Some("2024-10-22T08:00:00Z"),
                Some("2024-10-26T09:00:00Z"),
            ),
        ];
        for (embargo, sev, exploited, toolchain, holidays, zone, advance, distros) in rows {
            let a = advisory(embargo, sev, *exploited, *toolchain);
            let rules = Rules {
                holidays: holidays.iter().map(|d| d.parse().unwrap()).collect(),
                ..Rules::default()
            };
            let tz = jiff::tz::db().get(zone).unwrap();
            let got = advance_notice(&a, &rules, &tz).map(|m| m.utc_rfc3339());
            assert_eq!(
                got.as_deref(),
                *advance,
                "advance notice for {embargo} {sev}"
            );
            let got = distros_notice(&a, &rules).map(|m| m.utc_rfc3339());
            assert_eq!(
                got.as_deref(),
                *distros,
                "distros notice for {embargo} {sev}"
            );
        }
    }

    #[test]
    fn skips_weekends_and_holidays() {
        let rules = Rules {
            holidays: vec!["2024-04-05".parse().unwrap()],
            ..Rules::default()
        };
        // Tuesday 2024-04-09: five business days back, skipping the weekend
        // and the Friday holiday, is Monday 2024-04-01.
        let got = business_days_before(&m("2024-04-09T15:00:00Z"), 5, &rules, &TimeZone::UTC);
        assert_eq!(got, m("2024-04-01T15:00:00Z"));
    }

    #[test]
    fn keeps_local_time_across_dst() {
        let berlin = jiff::tz::db().get("Europe/Berlin").unwrap();
        // Clocks go forward on Sunday 2024-03-31 in Berlin.
        let got = business_days_before(
            &m("2024-04-02 10:00 Europe/Berlin"),
            2,
            &Rules::default(),
            &berlin,
        );
        assert_eq!(got, m("2024-03-29 10:00 Europe/Berlin"));
        assert_eq!(got, m("2024-03-29T09:00:00Z"));
    }
}

/// What a scheduled action does.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case", tag = "channel", content = "id")]
pub enum Channel {
    AdvanceNotice,
    Distros,
    /// The pre-announcement's own mail, blog and forum posts.
    PreAnnouncement,
    Announcement,
    Blog,
    Forum,
    Ghsa(String),
    /// The CVE record of one CVE id, when the team is a CNA.
    Cve(String),
    /// The "[UPDATED]" announcement of the revision at this moment (UTC).
    Update(String),
    OssSecurity,
}

impl Channel {
    pub fn name(&self) -> String {
        match self {
            Channel::AdvanceNotice => "advance-notice".into(),
            Channel::Distros => "distros".into(),
            Channel::PreAnnouncement => "pre-announcement".into(),
            Channel::Announcement => "announcement".into(),
            Channel::Blog => "blog".into(),
            Channel::Forum => "forum".into(),
            Channel::Ghsa(id) => format!("ghsa:{id}"),
            Channel::Cve(id) => format!("cve:{id}"),
            Channel::Update(at) => format!("update:{at}"),
            Channel::OssSecurity => "oss-security".into(),
        }
    }

    pub fn is_private(&self) -> bool {
        matches!(self, Channel::AdvanceNotice | Channel::Distros)
    }
}

/// One thing that happens at one moment, and the rule that put it there.
#[derive(Debug, Clone)]
pub struct Action {
    pub slug: crate::model::Slug,
    pub channel: Channel,
    pub due: Moment,
    pub rule: String,
}

/// The disclosure of an advisory, channel by channel in publishing order,
/// over the channels the team has. All are due at the embargo; publishing
/// runs them in this order. A CNA's CVE records follow the GHSAs, well
/// within the hour the policy promises.
pub fn disclosure(advisory: &Advisory, channels: &Channels) -> Vec<Channel> {
    let mut v = Vec::new();
    if channels.announcements.is_some() {
        v.push(Channel::Announcement);
    }
    if channels.blog.is_some() {
        v.push(Channel::Blog);
    }
    if channels.forum.is_some() {
        v.push(Channel::Forum);
    }
    v.extend(
        advisory
            .ghsa
            .iter()
            .map(|g| Channel::Ghsa(g.id.to_string())),
    );
    if channels.cve.is_some() {
        v.extend(advisory.cves.iter().map(|c| Channel::Cve(c.to_string())));
    }
    if channels.oss_security.is_some() {
        v.push(Channel::OssSecurity);
    }
    v
}

/// The channels of a pre-announcement: its mail, and the cross-posts the
/// team has.
pub fn pre_announcement_channels(channels: &Channels) -> Vec<String> {
    let mut v = Vec::new();
    if channels.announcements.is_some() {
        v.push("announcement".to_string());
    }
    if channels.blog.is_some() {
        v.push("blog".into());
    }
    if channels.forum.is_some() {
        v.push("forum".into());
    }
    v
}

/// Every channel herald.yaml leaves out, for `schedule` to say so.
pub fn left_out(channels: &Channels) -> Vec<&'static str> {
    let mut v = Vec::new();
    for (name, absent) in [
        ("announcements", channels.announcements.is_none()),
        ("blog", channels.blog.is_none()),
        ("forum", channels.forum.is_none()),
        ("oss-security", channels.oss_security.is_none()),
        ("cve", channels.cve.is_none()),
        ("distros", channels.distros.is_none()),
        (
            "advance-notice",
            channels.advance_notice_recipients().is_empty(),
        ),
    ] {
        if absent {
            v.push(name);
        }
    }
    v
}

/// The actions of one advisory: notices before the embargo, then the
/// disclosure in publishing order.
pub fn advisory_actions(a: &Advisory, config: &crate::model::config::Config) -> Vec<Action> {
    let (rules, zone) = (&config.rules, &config.team.zone);
    let mut out = Vec::new();
    let channels = &config.channels;
    // A notice goes nowhere without recipients.
    let days =
        advance_notice_days(a, rules).filter(|_| !channels.advance_notice_recipients().is_empty());
    if let Some(days) = days {
        let rule = if a.severity == Severity::Critical && a.exploited {
            format!("{days} business day(s) before the embargo: critical and exploited")
        } else {
            format!("{days} business day(s) before the embargo")
        };
        out.push(Action {
            slug: a.slug.clone(),
            channel: Channel::AdvanceNotice,
            due: business_days_before(&a.embargo, days, rules, zone),
            rule,
        });
    }
    if let Some(due) = distros_notice(a, rules).filter(|_| channels.distros.is_some()) {
        out.push(Action {
            slug: a.slug.clone(),
            channel: Channel::Distros,
            due,
            rule: format!(
                "{} hours before the embargo: severity {}",
                rules.distros_hours, a.severity
            ),
        });
    }
    for (i, channel) in disclosure(a, channels).into_iter().enumerate() {
        let rule = match (i, &channel) {
            (0, Channel::Announcement) => "the embargo lifts: the announcement mail goes first",
            (0, _) => "the embargo lifts: this goes first",
            (_, _) if channels.announcements.is_some() => {
                "at the embargo, after the announcement mail"
            }
            _ => "at the embargo, in this order",
        };
        out.push(Action {
            slug: a.slug.clone(),
            channel,
            due: a.embargo.clone(),
            rule: rule.into(),
        });
    }
    if let (Some(at), true, true) = (&a.updated, a.update_mail, channels.announcements.is_some()) {
        out.push(Action {
            slug: a.slug.clone(),
            channel: Channel::Update(at.utc_rfc3339()),
            due: at.clone(),
            rule: "the revision, with `update-mail: true`: the [UPDATED] announcement".into(),
        });
    }
    out
}

pub fn pre_announcement_action(
    p: &PreAnnouncement,
    adv: Option<&Advisory>,
    rules: &Rules,
    zone: &TimeZone,
) -> Action {
    let rule = match (&p.announce, adv) {
        (Some(_), _) => "set by `announce`".to_string(),
        (None, Some(a)) if advance_notice(a, rules, zone).is_some() => {
            "with the advance notification of its advisory".to_string()
        }
        _ => format!(
            "{} business day(s) before the release",
            rules.advance_notice_days
        ),
    };
    Action {
        slug: p.slug.clone(),
        channel: Channel::PreAnnouncement,
        due: pre_announcement_public(p, adv, rules, zone),
        rule,
    }
}

/// Every action of every advisory and pre-announcement, by due moment, then
/// by publishing order.
pub fn actions(project: &crate::model::Project) -> Vec<Action> {
    let rules = &project.config.rules;
    let zone = &project.config.team.zone;
    let mut out = Vec::new();
    for doc in &project.advisories {
        out.extend(advisory_actions(&doc.meta, &project.config));
    }
    for doc in &project.pre_announcements {
        let p = &doc.meta;
        let adv = project.announced(p);
        out.push(pre_announcement_action(p, adv, rules, zone));
    }
    out.sort_by(|x, y| {
        (x.due.timestamp(), &x.slug, &x.channel).cmp(&(y.due.timestamp(), &y.slug, &y.channel))
    });
    out
}
