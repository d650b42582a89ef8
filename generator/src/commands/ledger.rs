//! `herald ledger adopt` and `herald ledger record`: what was done outside
//! Herald, written down so that `publish` never does it again.

use std::path::Path;

use jiff::Timestamp;

use super::{load_checked, Exit};
use crate::diag::suggest;
use crate::ledger::{Ledger, State};
use crate::model::Project;
use crate::timeline;

/// The channels the ledger knows for `slug`, in publishing order, with the
/// moment the item became public; `Err` says what is wrong with the slug.
pub fn channels_of(project: &Project, slug: &str) -> Result<(Vec<String>, Timestamp), String> {
    let cfg = &project.config;
    if let Some(doc) = project
        .advisories
        .iter()
        .find(|d| d.meta.slug.as_str() == slug)
    {
        let a = &doc.meta;
        let names = timeline::advisory_actions(a, cfg)
            .iter()
            .map(|x| x.channel.name())
            .collect();
        return Ok((names, a.embargo.timestamp()));
    }
    if let Some(doc) = project
        .pre_announcements
        .iter()
        .find(|d| d.meta.slug.as_str() == slug)
    {
        let p = &doc.meta;
        let adv = project.announced(p);
        let at = timeline::pre_announcement_public(p, adv, &cfg.rules, &cfg.team.zone);
        let names = timeline::pre_announcement_channels(&cfg.channels);
        return Ok((names, at.timestamp()));
    }
    Err(known_slug(project, slug).err().unwrap_or_default())
}

/// `Ok` when `slug` names an advisory or a pre-announcement of the tree.
pub fn known_slug(project: &Project, slug: &str) -> Result<(), String> {
    let slugs: Vec<&str> = project.slugs().collect();
    if slugs.contains(&slug) {
        return Ok(());
    }
    Err(match suggest(slug, &slugs) {
        Some(near) => format!("no advisory or pre-announcement `{slug}`; did you mean `{near}`?"),
        None => format!("no advisory or pre-announcement `{slug}` in this tree"),
    })
}

/// The publish lock, held while the ledger is written by hand.
fn locked(project: &Project) -> Result<std::fs::File, Exit> {
    let dir = project.root.join(crate::ledger::DIR);
    crate::publish::lock(&dir, &mut |l| eprintln!("{l}")).map_err(|e| {
        eprintln!("error: {e}");
        Exit::Failure
    })
}

fn stamp(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Refuse a moment after the machine's clock. The ledger says what was
/// done; an action whose moment has not come has not been done, and once
/// recorded it would never be sent: an announcement lost to a typo in the
/// year.
fn not_ahead(flag: &str, at: Timestamp) -> Result<(), Exit> {
    let Some((off, clock)) = super::off_the_clock(at).filter(|(off, _)| *off > 0) else {
        return Ok(());
    };
    let span = jiff::SignedDuration::from_secs(off);
    eprintln!(
        "error: {flag} {at} is after this machine's clock ({clock}) by {span:#}: the ledger records what was done, and what it records as done is never sent. Give a moment that has passed"
    );
    Err(Exit::Failure)
}

pub fn adopt(root: &Path, now: Option<Timestamp>) -> Exit {
    let now = now.unwrap_or_else(Timestamp::now);
    if let Err(exit) = not_ahead("--now", now) {
        return exit;
    }
    let (project, _) = match load_checked(root, now) {
        Ok(v) => v,
        Err(exit) => return exit,
    };
    let _lock = match locked(&project) {
        Ok(l) => l,
        Err(exit) => return exit,
    };
    let slugs: Vec<String> = project
        .advisories
        .iter()
        .map(|d| d.meta.slug.to_string())
        .chain(
            project
                .pre_announcements
                .iter()
                .map(|d| d.meta.slug.to_string()),
        )
        .collect();
    let mut ids_by_slug = project.ids_by_slug();
    let (mut items, mut actions) = (0, 0);
    for slug in &slugs {
        let Ok((channels, public)) = channels_of(&project, slug) else {
            continue;
        };
        if public >= now {
            continue;
        }
        let mut ledger = match Ledger::load(&project.root, slug) {
            Ok(l) => l,
            Err(f) => {
                eprint!("{f}");
                eprintln!("herald: fix the ledger by hand first; nothing more was adopted");
                return Exit::Findings;
            }
        };
        ledger.ids = ids_by_slug.remove(slug.as_str()).unwrap_or_default();
        let mut changed = 0;
        for channel in &channels {
            if ledger.state(channel).is_done() {
                continue;
            }
            let note = format!("public before {}; done outside Herald", stamp(now));
            if let Err(e) = ledger.set(channel, State::Adopted, &stamp(now), &[("adopted", note)]) {
                eprintln!("error: {e}");
                return Exit::Failure;
            }
            changed += 1;
        }
        if changed > 0 {
            items += 1;
            actions += changed;
        }
    }
    eprintln!(
        "herald: adopted {actions} action(s) of {items} advisory(ies) and pre-announcement(s) public before {}; nothing was sent. Commit ledger/.",
        stamp(now)
    );
    Exit::Ok
}

pub fn record(
    root: &Path,
    slug: &str,
    channel: &str,
    at: Option<Timestamp>,
    url: Option<String>,
    message_id: Option<String>,
) -> Exit {
    let at = at.unwrap_or_else(Timestamp::now);
    if let Err(exit) = not_ahead("--at", at) {
        return exit;
    }
    let (project, _) = match load_checked(root, at) {
        Ok(v) => v,
        Err(exit) => return exit,
    };
    let channels = match channels_of(&project, slug) {
        Ok((c, _)) => c,
        Err(msg) => {
            eprintln!("error: {msg}");
            return Exit::Failure;
        }
    };
    if !channels.iter().any(|c| c == channel) {
        let names: Vec<&str> = channels.iter().map(String::as_str).collect();
        let near = suggest(channel, &names)
            .map(|n| format!("did you mean `{n}`? "))
            .unwrap_or_default();
        eprintln!(
            "error: `{slug}` has no channel `{channel}`; {near}its channels are: {}",
            names.join(", ")
        );
        return Exit::Failure;
    }
    let _lock = match locked(&project) {
        Ok(l) => l,
        Err(exit) => return exit,
    };
    let mut ledger = match Ledger::load(&project.root, slug) {
        Ok(l) => l,
        Err(f) => {
            eprint!("{f}");
            return Exit::Findings;
        }
    };
    ledger.ids = project.ids_by_slug().remove(slug).unwrap_or_default();
    let embargo = project
        .advisories
        .iter()
        .find(|d| d.meta.slug.as_str() == slug)
        .map(|d| d.meta.embargo.utc_rfc3339());
    let announcing = crate::schedule::ANNOUNCING.contains(&channel);
    if let (true, Some(now_at)) = (announcing && ledger.state(channel).is_done(), &embargo) {
        // The notice went out before the embargo moved, and the team has
        // told its recipients of the new moment by hand.
        let moved = ledger
            .get(channel, "disclosure")
            .and_then(|told| told.parse::<Timestamp>().ok())
            .zip(now_at.parse::<Timestamp>().ok())
            .is_some_and(|(told, now)| told != now);
        if moved {
            let details = [("disclosure", now_at.clone()), ("moved-told", stamp(at))];
            if let Err(e) = ledger.note(channel, &details) {
                eprintln!("error: {e}");
                return Exit::Failure;
            }
            eprintln!(
                "herald: recorded that the {channel} recipients of {slug} were told of the disclosure at {now_at}. Commit {}.",
                Path::new(crate::ledger::DIR).join(format!("{slug}.yaml")).display()
            );
            return Exit::Ok;
        }
    }
    if ledger.state(channel) == State::Done {
        let when = ledger
            .records
            .get(channel)
            .map(|r| r.at.clone())
            .unwrap_or_default();
        eprintln!("error: {slug}: {channel} is already recorded as done by Herald at {when}; nothing changed");
        return Exit::Findings;
    }
    let mut details = vec![("recorded", "by hand".to_string())];
    if let Some(u) = url {
        details.push(("url", u));
    }
    if let Some(m) = message_id {
        details.push(("message-id", m));
    }
    if announcing {
        // Sent by hand now, it announced the embargo as it stands.
        details.extend(embargo.map(|e| ("disclosure", e)));
    }
    if let Err(e) = ledger.set(channel, State::Adopted, &stamp(at), &details) {
        eprintln!("error: {e}");
        return Exit::Failure;
    }
    eprintln!(
        "herald: recorded {slug}: {channel} as done outside Herald at {}; publish will not send it. Commit {}.",
        stamp(at),
        Path::new(crate::ledger::DIR).join(format!("{slug}.yaml")).display()
    );
    Exit::Ok
}
