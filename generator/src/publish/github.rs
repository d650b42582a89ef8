//! GitHub repository security advisories: find, create if missing, publish.

use reqwest::blocking::RequestBuilder;
use serde::Deserialize;

use super::http::{self, HttpError, Session};

pub struct GitHub<'a> {
    pub session: &'a Session,
    pub api: &'a str,
    pub token: &'a str,
}

/// Pages of 100 advisories read to find one a crashed run created.
const MAX_PAGES: u32 = 10;

#[derive(Debug, Clone, Deserialize)]
pub struct AdvisoryJson {
    /// Checked as it is read: the id goes into the ledger and into the
    /// path of every later request.
    #[serde(deserialize_with = "ghsa_id")]
    pub ghsa_id: String,
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub html_url: String,
    #[serde(default)]
    pub cve_id: Option<String>,
    #[serde(default)]
    pub summary: String,
}

fn ghsa_id<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let s = String::deserialize(d)?;
    crate::model::GhsaId::parse(&s).map_err(serde::de::Error::custom)?;
    Ok(s)
}

impl GitHub<'_> {
    pub(super) fn with_headers(&self, rb: RequestBuilder) -> RequestBuilder {
        rb.bearer_auth(self.token)
            .header("Accept", "application/vnd.github+json")
            .header("X-GitHub-Api-Version", "2022-11-28")
    }

    fn base(&self, repo: &str) -> String {
        format!("{}repos/{}/security-advisories", self.api, repo)
    }

    pub fn get(
        &self,
        repo: &str,
        id: &str,
        log: &mut dyn FnMut(String),
    ) -> Result<Option<AdvisoryJson>, HttpError> {
        self.get_json(&format!("{}/{}", self.base(repo), id), log)
    }

    /// GET `url` as JSON; `None` for a 404.
    pub(super) fn get_json<T: for<'de> Deserialize<'de>>(
        &self,
        url: &str,
        log: &mut dyn FnMut(String),
    ) -> Result<Option<T>, HttpError> {
        let resp = http::send(
            self.session,
            "GET",
            url,
            |c| self.with_headers(c.get(url)),
            true,
            log,
        )?;
        if resp.status() == reqwest::StatusCode::NOT_FOUND {
            return Ok(None);
        }
        http::json(resp, "GET", url).map(Some)
    }

    /// Advisories of the repository, to find one a crashed run created.
    pub fn list(
        &self,
        repo: &str,
        log: &mut dyn FnMut(String),
    ) -> Result<Vec<AdvisoryJson>, HttpError> {
        let url = self.base(repo);
        let mut all = Vec::new();
        for page in 1..=MAX_PAGES {
            let page = page.to_string();
            let resp = http::send(
                self.session,
                "GET",
                &url,
                |c| {
                    self.with_headers(
                        c.get(&url)
                            .query(&[("per_page", "100"), ("page", page.as_str())]),
                    )
                },
                true,
                log,
            )?;
            if resp.status() == reqwest::StatusCode::NOT_FOUND {
                break;
            }
            let batch: Vec<AdvisoryJson> = http::json(resp, "GET", &url)?;
            let full = batch.len() >= 100;
            all.extend(batch);
            if !full {
                break;
            }
        }
        Ok(all)
    }

    pub fn create(
        &self,
        repo: &str,
        body: &serde_json::Value,
        log: &mut dyn FnMut(String),
    ) -> Result<AdvisoryJson, HttpError> {
        let url = self.base(repo);
        let resp = http::send(
            self.session,
            "POST",
            &url,
            |c| self.with_headers(c.post(&url).json(body)),
            false,
            log,
        )?;
        http::json(resp, "POST", &url)
    }

    /// Carry a revision: the advisory's fields as `body` now has them.
    /// Repeating it sets the same state, so it is retried freely.
    pub fn update(
        &self,
        repo: &str,
        id: &str,
        body: &serde_json::Value,
        log: &mut dyn FnMut(String),
    ) -> Result<AdvisoryJson, HttpError> {
        let url = format!("{}/{}", self.base(repo), id);
        let resp = http::send(
            self.session,
            "PATCH",
            &url,
            |c| self.with_headers(c.patch(&url).json(body)),
            true,
            log,
        )?;
        http::json(resp, "PATCH", &url)
    }

    pub fn publish(
        &self,
        repo: &str,
        id: &str,
        log: &mut dyn FnMut(String),
    ) -> Result<AdvisoryJson, HttpError> {
        let url = format!("{}/{}", self.base(repo), id);
        let body = serde_json::json!({ "state": "published" });
        let resp = http::send(
            self.session,
            "PATCH",
            &url,
            |c| self.with_headers(c.patch(&url).json(&body)),
            true,
            log,
        )?;
        http::json(resp, "PATCH", &url)
    }
}
