//! Discourse: find the topic by `external_id`, or create it.
//!
//! `GET /t/external_id/{id}.json` answers with the topic (after a redirect)
//! or 404; `POST /posts.json` with `title`, `raw`, `category` and
//! `external_id` creates it. Because the lookup comes first, a rerun after a
//! crash finds the topic it already made instead of posting twice.

use serde::Deserialize;

use super::http::{self, HttpError, Session};

pub struct Forum<'a> {
    pub session: &'a Session,
    pub base_url: &'a str,
    pub api_key: &'a str,
    pub api_username: &'a str,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topic {
    pub id: u64,
    pub url: String,
}

#[derive(Deserialize)]
struct TopicJson {
    id: u64,
    #[serde(default)]
    slug: String,
}

#[derive(Deserialize)]
struct PostJson {
    topic_id: u64,
    #[serde(default)]
    topic_slug: String,
}

impl Forum<'_> {
    fn url(&self, slug: &str, id: u64) -> String {
        format!("{}t/{}/{}", self.base_url, slug, id)
    }

    pub fn find(
        &self,
        external_id: &str,
        log: &mut dyn FnMut(String),
    ) -> Result<Option<Topic>, HttpError> {
        let url = format!("{}t/external_id/{}.json", self.base_url, external_id);
        let resp = http::send(
            self.session,
            "GET",
            &url,
            |c| {
                c.get(&url)
                    .header("Api-Key", self.api_key)
                    .header("Api-Username", self.api_username)
                    .header("Accept", "application/json")
            },
            true,
            log,
        )?;
        if resp.status() == reqwest::StatusCode::NOT_FOUND {
            return Ok(None);
        }
        let t: TopicJson = http::json(resp, "GET", &url)?;
        Ok(Some(Topic {
            id: t.id,
            url: self.url(&t.slug, t.id),
        }))
    }

    pub fn create(
        &self,
        title: &str,
        raw: &str,
        category: Option<u64>,
        external_id: &str,
        log: &mut dyn FnMut(String),
    ) -> Result<Topic, HttpError> {
        let url = format!("{}posts.json", self.base_url);
        let mut body =
            serde_json::json!({ "title": title, "raw": raw, "external_id": external_id });
        if let Some(c) = category {
            body["category"] = serde_json::json!(c);
        }
        let resp = http::send(
            self.session,
            "POST",
            &url,
            |c| {
                c.post(&url)
                    .header("Api-Key", self.api_key)
                    .header("Api-Username", self.api_username)
                    .header("Accept", "application/json")
                    .json(&body)
            },
            false,
            log,
        )?;
        let p: PostJson = http::json(resp, "POST", &url)?;
        Ok(Topic {
            id: p.topic_id,
            url: self.url(&p.topic_slug, p.topic_id),
        })
    }
}
