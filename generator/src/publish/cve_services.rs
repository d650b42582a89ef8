//! CVE Services (the CVE Program's API): publish a CNA container once.
//!
//! - `GET {api}cve/{id}` answers the published record, or 404 with
//!   `CVE_RECORD_DNE`: it is asked first, so a run whose POST may have
//!   landed finds the record instead of posting again.
//! - `POST {api}cve/{id}/cna` with `{"cnaContainer": …}` publishes; a 403
//!   with `CVE_RECORD_EXISTS` means a lost answer to an earlier POST.
//! - `POST`/`PUT cve/{id}/reject` rejects a reserved or a published id.
//! - Every request carries `CVE-API-ORG`, `CVE-API-USER`, `CVE-API-KEY`.

use serde_json::Value;

use super::http::{self, HttpError, Session};

pub struct CveServices<'a> {
    pub session: &'a Session,
    pub api: &'a str,
    pub org: &'a str,
    pub user: &'a str,
    pub key: &'a str,
}

/// What became of the record.
#[derive(Debug)]
pub enum Outcome {
    Published,
    /// It was there already: ours from a run whose answer was lost, or
    /// published another way.
    Found {
        same: bool,
    },
}

impl CveServices<'_> {
    fn headers(&self, rb: reqwest::blocking::RequestBuilder) -> reqwest::blocking::RequestBuilder {
        rb.header("CVE-API-ORG", self.org)
            .header("CVE-API-USER", self.user)
            .header("CVE-API-KEY", self.key)
            .header("Accept", "application/json")
    }

    /// The CNA container of the published record, if there is one.
    pub fn published(
        &self,
        id: &str,
        log: &mut dyn FnMut(String),
    ) -> Result<Option<Value>, HttpError> {
        let url = format!("{}cve/{id}", self.api);
        let resp = http::send(
            self.session,
            "GET",
            &url,
            |c| self.headers(c.get(&url)),
            true,
            log,
        )?;
        if resp.status() == reqwest::StatusCode::NOT_FOUND {
            return Ok(None);
        }
        let record: Value = http::json(resp, "GET", &url)?;
        Ok(Some(record["containers"]["cna"].clone()))
    }

    /// Publish `container` as the record of `id`, unless it is published.
    pub fn publish(
        &self,
        id: &str,
        container: &Value,
        log: &mut dyn FnMut(String),
    ) -> Result<Outcome, HttpError> {
        if let Some(existing) = self.published(id, log)? {
            return Ok(Outcome::Found {
                same: same(&existing, container),
            });
        }
        let tail = format!("cve/{id}/cna");
        match self.send(reqwest::Method::POST, &tail, container, log) {
            // A success is believed once the record can be read back: a
            // service that answers 200 and keeps nothing would otherwise
            // leave the CVE unpublished with the ledger saying done.
            Ok(_) => self.read_back(id, &tail, log).map(|()| Outcome::Published),
            Err(e) if e.status() == Some(403) && e.to_string().contains("CVE_RECORD_EXISTS") => {
                let existing = self.published(id, log)?;
                Ok(Outcome::Found {
                    same: existing.is_some_and(|x| same(&x, container)),
                })
            }
            Err(e) => Err(e),
        }
    }
}

impl CveServices<'_> {
    /// Carry a revision: `PUT cve/{id}/cna` replaces the CNA container.
    /// Repeating it sets the same record, so it is retried freely.
    pub fn update(
        &self,
        id: &str,
        container: &Value,
        log: &mut dyn FnMut(String),
    ) -> Result<(), HttpError> {
        self.put(&format!("cve/{id}/cna"), container, log)
    }

    /// Reject the record of `id`. A reserved id whose record was never
    /// published is rejected with `POST cve/{id}/reject`; a published one
    /// with `PUT cve/{id}/reject`. Asking first keeps a retry after a lost
    /// answer from posting twice; repeating the PUT sets the same state.
    pub fn reject(
        &self,
        id: &str,
        container: &Value,
        log: &mut dyn FnMut(String),
    ) -> Result<(), HttpError> {
        if self.published(id, log)?.is_some() {
            return self.put(&format!("cve/{id}/reject"), container, log);
        }
        match self.send(
            reqwest::Method::POST,
            &format!("cve/{id}/reject"),
            container,
            log,
        ) {
            Ok(_) => self.read_back(id, &format!("cve/{id}/reject"), log),
            // Our earlier POST landed and its answer was lost, or the
            // record appeared meanwhile: set the rejection on it.
            Err(e) if e.to_string().contains("CVE_RECORD_EXISTS") => {
                self.put(&format!("cve/{id}/reject"), container, log)
            }
            Err(e) => Err(e),
        }
    }

    /// A created record is believed once it can be read back: a service
    /// that answers success and keeps nothing would otherwise leave the
    /// CVE as it was with the ledger saying done.
    fn read_back(
        &self,
        id: &str,
        tail: &str,
        log: &mut dyn FnMut(String),
    ) -> Result<(), HttpError> {
        match self.published(id, log)? {
            Some(_) => Ok(()),
            None => Err(HttpError::Transport {
                method: "POST".into(),
                url: format!("{}{tail}", self.api),
                message: "CVE Services answered success, but holds no record of it".into(),
                maybe_applied: true,
            }),
        }
    }

    fn put(
        &self,
        tail: &str,
        container: &Value,
        log: &mut dyn FnMut(String),
    ) -> Result<(), HttpError> {
        self.send(reqwest::Method::PUT, tail, container, log)
            .map(|_| ())
    }

    /// Send `{"cnaContainer": container}` to `tail`. A PUT sets a state and
    /// is retried; a POST creates, and is not.
    fn send(
        &self,
        method: reqwest::Method,
        tail: &str,
        container: &Value,
        log: &mut dyn FnMut(String),
    ) -> Result<reqwest::blocking::Response, HttpError> {
        let url = format!("{}{tail}", self.api);
        let body = serde_json::json!({ "cnaContainer": container });
        let retry = method == reqwest::Method::PUT;
        http::send(
            self.session,
            method.as_str(),
            &url,
            |c| self.headers(c.request(method.clone(), &url)).json(&body),
            retry,
            log,
        )
    }
}

/// Whether the published container says what Herald sent: the service adds
/// its own metadata (`providerMetadata.shortName`, `dateUpdated`).
fn same(published: &Value, sent: &Value) -> bool {
    let strip = |v: &Value| {
        let mut v = v.clone();
        if let Some(m) = v.get_mut("providerMetadata").and_then(Value::as_object_mut) {
            m.retain(|k, _| k == "orgId");
        }
        v
    };
    strip(published) == strip(sent)
}
