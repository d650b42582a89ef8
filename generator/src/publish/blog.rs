//! The blog post, delivered into the blog's own repository through the
//! GitHub REST API: as a pull request from a branch named for the advisory,
//! or as a commit on the blog's branch.
//!
//! Every step looks before it acts, so a run that died anywhere is resumed
//! by the next one without a second branch, file or pull request:
//! - pull request: the pull request from `herald/<slug>` (any state), else
//!   the branch (made from the base's head), the file on it, and the pull
//!   request;
//! - commit: the file on the branch; the same bytes there mean delivered,
//!   other bytes are a person's to resolve, never overwritten.

use base64::Engine;
use serde::Deserialize;

use super::github::GitHub;
use super::http::{self, HttpError};

/// Where and how the post goes.
pub struct Delivery<'a> {
    pub repo: &'a str,
    /// The blog's branch: the pull request's base, or where the commit goes.
    pub branch: &'a str,
    /// The file's path in the repository.
    pub path: &'a str,
    pub pull_request: bool,
    /// `herald/<slug>`, for a pull request.
    pub head: String,
    pub title: &'a str,
    pub content: &'a [u8],
}

#[derive(Deserialize)]
struct Pull {
    number: u64,
    html_url: String,
}

#[derive(Deserialize)]
struct Ref {
    object: RefObject,
}

#[derive(Deserialize)]
struct RefObject {
    sha: String,
}

#[derive(Deserialize)]
struct Contents {
    sha: String,
    #[serde(default)]
    content: String,
}

impl GitHub<'_> {
    fn repo_url(&self, repo: &str, tail: &str) -> String {
        format!("{}repos/{}/{}", self.api, repo, tail)
    }

    /// A request that changes something; `exists` statuses (422: already
    /// there) are answered `Ok(None)`.
    fn write(
        &self,
        method: &str,
        url: &str,
        body: &serde_json::Value,
        log: &mut dyn FnMut(String),
    ) -> Result<Option<serde_json::Value>, HttpError> {
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap_or(reqwest::Method::POST);
        match http::send(
            self.session,
            method,
            url,
            |c| self.with_headers(c.request(m.clone(), url)).json(body),
            false,
            log,
        ) {
            Ok(resp) => http::json(resp, method, url).map(Some),
            Err(e) if e.status() == Some(422) => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn find_pull(
        &self,
        d: &Delivery,
        log: &mut dyn FnMut(String),
    ) -> Result<Option<Pull>, HttpError> {
        let owner = d.repo.split('/').next().unwrap_or_default();
        let url = self.repo_url(d.repo, &format!("pulls?state=all&head={owner}:{}", d.head));
        let pulls: Option<Vec<Pull>> = self.get_json(&url, log)?;
        Ok(pulls.and_then(|p| p.into_iter().next()))
    }

    fn file(
        &self,
        d: &Delivery,
        branch: &str,
        log: &mut dyn FnMut(String),
    ) -> Result<Option<(String, Vec<u8>)>, HttpError> {
        let url = self.repo_url(d.repo, &format!("contents/{}?ref={branch}", d.path));
        let found: Option<Contents> = self.get_json(&url, log)?;
        Ok(found.map(|c| {
            // GitHub wraps the base64 at 60 columns.
            let clean: String = c.content.split_whitespace().collect();
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(clean)
                .unwrap_or_default();
            (c.sha, bytes)
        }))
    }

    fn put_file(
        &self,
        d: &Delivery,
        branch: &str,
        sha: Option<&str>,
        log: &mut dyn FnMut(String),
    ) -> Result<Option<serde_json::Value>, HttpError> {
        let url = self.repo_url(d.repo, &format!("contents/{}", d.path));
        let mut body = serde_json::json!({
            "message": format!("Add the security advisory post: {}", d.title),
            "content": base64::engine::general_purpose::STANDARD.encode(d.content),
            "branch": branch,
        });
        if let Some(sha) = sha {
            body["sha"] = sha.into();
        }
        self.write("PUT", &url, &body, log)
    }

    /// Deliver the post; the ledger details of what now exists.
    pub fn deliver(
        &self,
        d: &Delivery,
        log: &mut dyn FnMut(String),
    ) -> Result<Vec<(&'static str, String)>, DeliveryError> {
        if !d.pull_request {
            return self.commit(d, log);
        }
        if let Some(p) = self.find_pull(d, log)? {
            return Ok(vec![
                ("pull-request", p.number.to_string()),
                ("pull-request-url", p.html_url),
            ]);
        }
        let head_ref = self.repo_url(d.repo, &format!("git/ref/heads/{}", d.head));
        if self.get_json::<Ref>(&head_ref, log)?.is_none() {
            let base_ref = self.repo_url(d.repo, &format!("git/ref/heads/{}", d.branch));
            let Some(base) = self.get_json::<Ref>(&base_ref, log)? else {
                return Err(DeliveryError::Refused(format!(
                    "the blog repository {} has no branch `{}` (channels.blog.branch)",
                    d.repo, d.branch
                )));
            };
            let refs = self.repo_url(d.repo, "git/refs");
            let body = serde_json::json!({
                "ref": format!("refs/heads/{}", d.head),
                "sha": base.object.sha,
            });
            // 422: a run that died made it already.
            self.write("POST", &refs, &body, log)?;
        }
        match self.file(d, &d.head, log)? {
            Some((_, bytes)) if bytes == d.content => {}
            Some((sha, _)) => {
                // Herald's own branch: its file is Herald's to update.
                self.put_file(d, &d.head, Some(&sha), log)?;
            }
            None => {
                self.put_file(d, &d.head, None, log)?;
            }
        }
        let pulls = self.repo_url(d.repo, "pulls");
        let body = serde_json::json!({
            "title": d.title,
            "head": d.head,
            "base": d.branch,
            "body": "The security advisory's blog post, delivered by Herald at the embargo's end. Merge it to publish the post.",
        });
        let created = self.write("POST", &pulls, &body, log)?;
        // Believed once GitHub lists it: a 201 for a pull request that is
        // not there would leave the post undelivered with the ledger saying
        // done. A 422 means a run that died made it already.
        match self.find_pull(d, log)? {
            Some(pull) => Ok(vec![
                ("pull-request", pull.number.to_string()),
                ("pull-request-url", pull.html_url),
            ]),
            None if created.is_some() => Err(DeliveryError::Http(HttpError::Transport {
                method: "POST".into(),
                url: pulls,
                message: format!(
                    "GitHub answered success, but lists no pull request from `{}`",
                    d.head
                ),
                maybe_applied: true,
            })),
            None => Err(DeliveryError::Refused(format!(
                "GitHub refused the pull request from `{}` to `{}` in {}",
                d.head, d.branch, d.repo
            ))),
        }
    }

    fn commit(
        &self,
        d: &Delivery,
        log: &mut dyn FnMut(String),
    ) -> Result<Vec<(&'static str, String)>, DeliveryError> {
        match self.file(d, d.branch, log)? {
            Some((_, bytes)) if bytes == d.content => Ok(vec![("file", d.path.to_string())]),
            Some(_) => Err(DeliveryError::Refused(format!(
                "`{}` already exists on `{}` in {} with other content; Herald never overwrites a post it did not write: compare them, then `herald ledger record` the blog step",
                d.path, d.branch, d.repo
            ))),
            None => {
                let put = self.put_file(d, d.branch, None, log)?;
                let commit = put
                    .as_ref()
                    .and_then(|v| v["commit"]["sha"].as_str())
                    .unwrap_or_default()
                    .to_string();
                Ok(vec![("file", d.path.to_string()), ("commit", commit)])
            }
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    #[error(transparent)]
    Http(#[from] HttpError),
    /// Something only a person can resolve.
    #[error("{0}")]
    Refused(String),
}
