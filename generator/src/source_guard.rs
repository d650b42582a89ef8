//! The source is secret too.
//!
//! The wall keeps embargoed advisories off the site, but their Markdown
//! sits in the repository that CI checks out. If the world can read that
//! repository, the embargo broke on push, whatever the site shows. So in
//! GitHub Actions (`GITHUB_REPOSITORY` set), `check`, `build` and `publish`
//! first ask GitHub whether the repository is public.
//!
//! The question is asked without credentials, because that is exactly the
//! world's view: an anonymous `GET /repos/{owner}/{repo}` answers 404 for a
//! private or internal repository and 200 for a public one. Only when the
//! anonymous allowance is used up (403, 429) does Herald ask again with
//! `GITHUB_TOKEN` and read the answer's `visibility`.

use std::time::{Duration, Instant};

use jiff::Timestamp;

use crate::embargo::Visibility;
use crate::model::Project;
use crate::publish::http::{self, Session};

/// How long the question may take in all, retries included.
const BUDGET: Duration = Duration::from_secs(60);

/// Where Herald runs, as GitHub Actions tells it.
pub struct Ci {
    /// `owner/name`.
    pub repository: String,
    /// The API of the server hosting it (`GITHUB_API_URL`).
    pub api: String,
    pub token: Option<String>,
}

impl Ci {
    pub fn from_env() -> Option<Ci> {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        Some(Ci {
            repository: var("GITHUB_REPOSITORY")?,
            api: var("GITHUB_API_URL").unwrap_or_else(|| "https://api.github.com".into()),
            token: var("GITHUB_TOKEN"),
        })
    }
}

/// What GitHub said about the repository.
#[derive(Debug, PartialEq, Eq)]
pub enum Exposure {
    Public,
    /// Private or internal: the world gets a 404.
    NotPublic,
    /// No usable answer; why.
    Unknown(String),
}

/// What the guard concluded, when it let the command go on.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Not in GitHub Actions: nothing to ask.
    NotInCi,
    NotPublic,
    /// Public, with nothing hidden in it, and the team said so.
    PublicAcknowledged,
    /// GitHub did not answer; the command goes on with a warning.
    Unknown(String),
}

#[derive(Debug, thiserror::Error)]
pub enum GuardError {
    #[error(
        "the repository {repository} is public, and it holds {} that {} still under embargo: {}. \
         Their sources are readable on GitHub now, so the embargo is already broken: \
         tell the coordinating parties, make the repository private, and see docs/guide/publishing.md, \
         \"The source repository\". Herald does nothing more here while it is public",
        count(hidden.len()), if hidden.len() == 1 { "is" } else { "are" }, hidden.join(", ")
    )]
    PublicWithHidden {
        repository: String,
        hidden: Vec<String>,
    },
    #[error(
        "the repository {repository} is public: the next embargoed advisory pushed to it is \
         published on the spot. Keep the sources in a private repository (docs/guide/publishing.md, \
         \"The source repository\"), or pass --public-source to acknowledge a public tree \
         that only ever holds published advisories"
    )]
    Public { repository: String },
}

fn count(n: usize) -> String {
    if n == 1 {
        "1 advisory or pre-announcement".into()
    } else {
        format!("{n} advisories or pre-announcements")
    }
}

/// The slugs of everything not yet public. The earlier of `now` and the
/// clock decides, so that a `--now` in the future never hides a secret
/// that the repository holds today.
pub fn hidden(project: &Project, now: Timestamp) -> Vec<String> {
    let vis = Visibility::at(project, now.min(Timestamp::now()));
    let mut out: Vec<String> = vis
        .embargoed
        .iter()
        .map(|d| d.meta.slug.to_string())
        .chain(
            vis.hidden_pre_announcements
                .iter()
                .map(|(d, _)| d.meta.slug.to_string()),
        )
        .collect();
    out.sort();
    out
}

/// Refuse to go on in a public repository. `acknowledged` is the team's
/// `--public-source`; it never covers a repository that holds secrets.
pub fn guard(
    project: &Project,
    now: Timestamp,
    acknowledged: bool,
    ci: Option<&Ci>,
) -> Result<Verdict, GuardError> {
    let Some(ci) = ci else {
        return Ok(Verdict::NotInCi);
    };
    let hidden = hidden(project, now);
    match exposure(ci) {
        Exposure::NotPublic => Ok(Verdict::NotPublic),
        Exposure::Public if !hidden.is_empty() => Err(GuardError::PublicWithHidden {
            repository: ci.repository.clone(),
            hidden,
        }),
        Exposure::Public if acknowledged => Ok(Verdict::PublicAcknowledged),
        Exposure::Public => Err(GuardError::Public {
            repository: ci.repository.clone(),
        }),
        Exposure::Unknown(why) => Ok(Verdict::Unknown(why)),
    }
}

/// Ask GitHub, anonymously first.
pub fn exposure(ci: &Ci) -> Exposure {
    let client = match http::client() {
        Ok(c) => c,
        Err(e) => return Exposure::Unknown(e),
    };
    let session = Session {
        client,
        deadline: Instant::now() + BUDGET,
        // It only reads whether the repository is public.
        rehearsal: None,
    };
    let url = format!(
        "{}/repos/{}",
        ci.api.trim_end_matches('/'),
        ci.repository.trim_matches('/')
    );
    let ask = |token: Option<&str>| -> Result<(u16, serde_json::Value), Asked> {
        let resp = http::send(
            &session,
            "GET",
            &url,
            |c| {
                let req = c
                    .get(&url)
                    .header("Accept", "application/vnd.github+json")
                    .header("X-GitHub-Api-Version", "2022-11-28");
                match token {
                    Some(t) => req.bearer_auth(t),
                    None => req,
                }
            },
            true,
            &mut |_| {},
        );
        match resp {
            Ok(r) => {
                let status = r.status().as_u16();
                let body = http::json(r, "GET", &url).unwrap_or(serde_json::Value::Null);
                Ok((status, body))
            }
            Err(e) => Err(match e.status() {
                Some(status) => Asked::Status(status),
                None => Asked::Failed(e.to_string()),
            }),
        }
    };
    // What the world gets: a 200 means anyone can read it, whatever the
    // body says; 404 (and 401 from a server in private mode) means no one
    // outside can.
    match ask(None) {
        Ok((200, _)) => return Exposure::Public,
        Ok((404, _)) | Err(Asked::Status(401)) => return Exposure::NotPublic,
        Err(Asked::Status(403 | 429)) if ci.token.is_some() => {}
        Ok((status, _)) | Err(Asked::Status(status)) => {
            return Exposure::Unknown(format!("GET {url}: HTTP {status}"))
        }
        Err(Asked::Failed(why)) => return Exposure::Unknown(why),
    }
    match ask(ci.token.as_deref()) {
        Ok((200, body)) => read(&body),
        Ok((status, _)) | Err(Asked::Status(status)) => {
            Exposure::Unknown(format!("GET {url} with GITHUB_TOKEN: HTTP {status}"))
        }
        Err(Asked::Failed(why)) => Exposure::Unknown(why),
    }
}

enum Asked {
    Status(u16),
    Failed(String),
}

/// A repository object, as the team's token sees it: `visibility` where
/// the server gives it, else `private`. An answer with neither is not
/// trusted either way.
fn read(body: &serde_json::Value) -> Exposure {
    match (body["visibility"].as_str(), body["private"].as_bool()) {
        (Some("public"), _) | (None, Some(false)) => Exposure::Public,
        (Some(_), _) | (None, Some(true)) => Exposure::NotPublic,
        (None, None) => Exposure::Unknown("GitHub's answer names no visibility".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn visibility_wins_over_private_and_silence_is_unknown() {
        assert_eq!(
            read(&json!({"visibility": "public", "private": true})),
            Exposure::Public
        );
        assert_eq!(read(&json!({"private": false})), Exposure::Public);
        assert_eq!(
            read(&json!({"visibility": "internal", "private": true})),
            Exposure::NotPublic
        );
        assert!(matches!(read(&json!({})), Exposure::Unknown(_)));
    }
}
