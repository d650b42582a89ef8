//! `herald schedule`: the upcoming actions as a table and as iCalendar, and
//! the timeline checks that `herald check` runs at a moment.

use chrono::{DateTime, Utc};
use icalendar::{Calendar, Component, Event, EventLike};
use jiff::Timestamp;

use crate::diag::Finding;
use crate::ledger::State;
use crate::model::{Moment, Project};
use crate::timeline::{self, Action, Channel};

fn chrono_utc(ts: Timestamp) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp(ts.as_second(), 0).unwrap_or_default()
}

/// Actions due at or after `now`.
pub fn upcoming(project: &Project, now: Timestamp) -> Vec<Action> {
    timeline::actions(project)
        .into_iter()
        .filter(|a| a.due.timestamp() >= now)
        .collect()
}

fn in_team_zone(project: &Project, m: &Moment) -> String {
    let t = &project.config.team;
    format!(
        "{} {}",
        m.timestamp()
            .to_zoned(t.zone.clone())
            .strftime("%Y-%m-%d %H:%M"),
        t.zone_name
    )
}

/// The table `herald schedule` prints: each moment in UTC, and in the
/// team's zone when that is another one.
pub fn table(project: &Project, actions: &[Action]) -> String {
    let zone = &project.config.team.zone_name;
    let local = zone != "UTC";
    let rows: Vec<Vec<String>> = actions
        .iter()
        .map(|a| {
            let mut r = vec![a.due.timestamp().strftime("%Y-%m-%d %H:%M UTC").to_string()];
            if local {
                r.push(in_team_zone(project, &a.due));
            }
            r.extend([a.slug.to_string(), a.channel.name(), a.rule.clone()]);
            r
        })
        .collect();
    let mut head = vec!["when (UTC)".to_string()];
    if local {
        head.push(format!("when ({zone})"));
    }
    head.extend(["slug".into(), "channel".into(), "rule".into()]);
    let mut widths: Vec<usize> = head.iter().map(|h| h.chars().count()).collect();
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let last = head.len() - 1;
    let line = |cells: &[String]| {
        let mut s = String::new();
        for (i, (c, w)) in cells.iter().zip(&widths).enumerate() {
            if i == last {
                s.push_str(c);
            } else {
                s.push_str(&format!("{c:w$}  ", w = *w));
            }
        }
        s.trim_end().to_string() + "\n"
    };
    let mut out = line(&head);
    for r in &rows {
        out.push_str(&line(r));
    }
    out
}

/// The actions as an iCalendar file; `now` stamps it so that the same tree
/// and `--now` give the same bytes.
pub fn ics(project: &Project, actions: &[Action], now: Timestamp) -> String {
    let domain = project
        .config
        .team
        .email
        .rsplit_once('@')
        .map_or("localhost", |(_, d)| d);
    let mut cal = Calendar::new();
    cal.name(&format!(
        "{} — disclosure schedule",
        project.config.site.title
    ));
    for a in actions {
        let start = chrono_utc(a.due.timestamp());
        let private = if a.channel.is_private() {
            " (private)"
        } else {
            ""
        };
        let event = Event::new()
            .uid(&format!(
                "{}.{}@{domain}",
                a.slug,
                a.channel.name().replace(':', "-")
            ))
            .timestamp(chrono_utc(now))
            .summary(&format!("{}: {}{private}", a.slug, a.channel.name()))
            .description(&a.rule)
            .starts(start)
            .ends(start + chrono::Duration::minutes(15))
            .done();
        cal.push(event);
    }
    cal.done().to_string()
}

/// Timeline problems at `now`, reported on the advisory's `embargo` line:
/// a notice whose moment has passed while the embargo has not, a distros
/// notice outside openwall's limits, an embargo outside the usual days.
/// `ledger(slug, channel)` says what the ledger records for an action.
pub fn check(
    project: &Project,
    now: Timestamp,
    ledger: &dyn Fn(&str, &str) -> State,
) -> Vec<Finding> {
    let cfg = &project.config;
    let rules = &cfg.rules;
    let late_limit = i64::from(rules.late_limit_hours) * 3600;
    let mut out = Vec::new();
    for doc in &project.advisories {
        let a = &doc.meta;
        let at = a.spans.embargo;
        let future = a.embargo.timestamp() > now;
        let done = |action: &Action| ledger(a.slug.as_str(), &action.channel.name()).is_done();
        // The step the disclosure opens with, which the late hold watches.
        let lead = timeline::disclosure(a, &cfg.channels)
            .first()
            .map(Channel::name);
        if let Some(lead) = lead.filter(|l| {
            now.as_second() - a.embargo.timestamp().as_second() > late_limit
                && matches!(ledger(a.slug.as_str(), l), State::Pending)
        }) {
            let what = if lead == "announcement" {
                "its announcement".to_string()
            } else {
                format!("its first step, {lead}")
            };
            out.push(
                doc.source
                    .error(at, format!(
                        "the embargo of `{}` was {}, more than {} hours ago, and the ledger has no record of {what}; `herald publish` will not send it unattended",
                        a.slug, a.embargo.human(), rules.late_limit_hours
                    )).with_code("timeline")
                    .with_help(format!(
                        "if the date is a typo (the wrong year?), correct it. If the advisory went out outside Herald, run `herald ledger adopt` (all history) or `herald ledger record {} {lead} --at <when>`. If it must still go out now, run `herald publish --late {}`",
                        a.slug, a.slug
                    )),
            );
        }
        for action in timeline::advisory_actions(a, cfg) {
            if ledger(a.slug.as_str(), &action.channel.name()) == State::Missed {
                out.push(doc.source.warning(
                    at,
                    format!(
                        "the {} of `{}` was missed: its window closed before it was sent (the ledger records it)",
                        action.channel.name(),
                        a.slug
                    ),
                ).with_code("timeline"));
            }
            if !future || !matches!(action.channel, Channel::AdvanceNotice | Channel::Distros) {
                continue;
            }
            if action.due.timestamp() < now && !done(&action) {
                out.push(
                    doc.source
                        .error(at, format!(
                            "the {} for `{}` was due at {} ({}), which has passed before the embargo",
                            action.channel.name(),
                            a.slug,
                            action.due.human(),
                            action.rule
                        )).with_code("timeline")
                        .with_help(format!("move the embargo later, or send the notice by hand and record it: `herald ledger record {} {}`", a.slug, action.channel.name())),
                );
            }
        }
        if let Some(notice) = timeline::distros_notice(a, rules) {
            let hours = (a.embargo.timestamp().as_second() - notice.timestamp().as_second()) / 3600;
            if hours > i64::from(rules.distros_max_days) * 24 {
                out.push(doc.source.error(at, format!(
                    "the distros list allows at most {} days between notice and disclosure; this notice comes {} days before",
                    rules.distros_max_days, hours / 24
                )).with_code("timeline"));
            } else if hours > i64::from(rules.distros_preferred_days) * 24 {
                out.push(
                    doc.source
                        .warning(
                            at,
                            format!(
                        "the distros list prefers under {} days between notice and disclosure",
                        rules.distros_preferred_days
                    ),
                        )
                        .with_code("timeline"),
                );
            }
        }
        let local = a.embargo.timestamp().to_zoned(cfg.team.zone.clone());
        if future && !rules.disclosure_weekdays.contains(&local.weekday()) {
            out.push(
                doc.source
                    .warning(
                        at,
                        format!(
                            "the embargo falls on a {:?} in {}; disclosures are expected on {}",
                            local.weekday(),
                            cfg.team.zone_name,
                            rules
                                .disclosure_weekdays
                                .iter()
                                .map(|d| format!("{d:?}"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    )
                    .with_code("timeline"),
            );
        }
        if future
            && timeline::advance_notice(a, rules, &cfg.team.zone).is_some()
            && cfg
                .channels
                .advance_notice
                .as_ref()
                .is_some_and(Vec::is_empty)
        {
            out.push(doc.source.warning(at, "the rules call for an advance notification, but `channels.advance-notice.recipients` is empty: none will be sent").with_code("timeline"));
        }
    }
    out
}

/// The private notices that announce a disclosure moment to their lists.
pub const ANNOUNCING: [&str; 2] = ["advance-notice", "distros"];

/// Notices already sent that announced another disclosure moment than the
/// advisory's embargo now says, reported on its `embargo` line. The lists
/// disclose at the moment they were given: a later embargo that they were
/// not told of is a leak waiting at the old moment, an earlier one a
/// surprise. `announced(slug, channel)` is the moment the ledger says a
/// sent notice announced (`disclosure`), when it says one.
pub fn moved_embargoes(
    project: &Project,
    announced: &dyn Fn(&str, &str) -> Option<(String, String)>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for doc in &project.advisories {
        let a = &doc.meta;
        let now_at = a.embargo.utc_rfc3339();
        for channel in ANNOUNCING {
            let Some((told, sent)) = announced(a.slug.as_str(), channel) else {
                continue;
            };
            // Instants, not their spelling: a ledger written by hand may
            // give the same moment with an offset.
            let Ok(told_at) = told.parse::<Timestamp>() else {
                continue;
            };
            if told_at == a.embargo.timestamp() {
                continue;
            }
            let direction = if told_at < a.embargo.timestamp() {
                "later: the list may disclose at the old moment"
            } else {
                "earlier: the list expects the old moment"
            };
            out.push(
                doc.source
                    .error(
                        a.spans.embargo,
                        format!(
                            "the {channel} notice sent at {sent} announced disclosure at {told}; the embargo is now {now_at}, {direction}"
                        ),
                    )
                    .with_code("timeline")
                    .with_help(format!(
                        "tell the {channel} recipients of the new moment, then run `herald ledger record {} {channel}` to record that they were told",
                        a.slug
                    )),
            );
        }
    }
    out
}
