//! HTTP with bounded retries and bounded time.
//!
//! - 429 waits for `Retry-After` (seconds or an HTTP date), within the run's
//!   deadline; a longer wait fails the step, which stays pending.
//! - A request that may be repeated safely (GET, PATCH to a fixed state)
//!   backs off and retries on 5xx and on transport failures.
//! - A request that creates something (POST) is retried only when it
//!   provably had no effect: a 429, or a connection that was never made.
//!   A 5xx, a timeout or a connection lost after sending leaves its outcome
//!   unknown ([`HttpError::maybe_applied`]); the caller must look before it
//!   creates again.
//! - Every request carries a timeout no longer than what is left of the run.
//! - A redirect is followed only within the origin the request went to
//!   ([`same_origin`]).

use std::time::{Duration, Instant};

use reqwest::blocking::{Client, RequestBuilder, Response};
use reqwest::StatusCode;

/// Attempts per request, the first included.
const ATTEMPTS: u32 = 4;
/// The longest `Retry-After` Herald waits for; longer ones fail the step,
/// which the next scheduled run picks up again.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(120);
const BACKOFF: Duration = Duration::from_millis(500);
/// Per request: a server that accepts and never answers costs this much.
pub const TIMEOUT: Duration = Duration::from_secs(30);
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Redirects followed per request, within one origin.
const MAX_REDIRECTS: usize = 5;
/// The most of an answer Herald reads. The largest it expects is a page of
/// 100 GitHub advisories with their descriptions; a server that streams
/// without end must not take the run's memory.
const MAX_ANSWER: u64 = 32 << 20;
/// The most of a failure's answer read, to quote its start.
const MAX_FAULT_ANSWER: u64 = 64 << 10;

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("{method} {url}: HTTP {status}: {body}")]
    Status {
        method: String,
        url: String,
        status: u16,
        body: String,
        maybe_applied: bool,
    },
    #[error("{method} {url}: {message}")]
    Transport {
        method: String,
        url: String,
        message: String,
        maybe_applied: bool,
    },
    #[error(
        "{method} {url}: the run's deadline has passed; the step stays pending for the next run"
    )]
    Deadline { method: String, url: String },
}

impl HttpError {
    pub fn status(&self) -> Option<u16> {
        match self {
            HttpError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The request may have taken effect on the server although no success
    /// came back: it must not be sent again before a lookup.
    pub fn maybe_applied(&self) -> bool {
        match self {
            HttpError::Status { maybe_applied, .. }
            | HttpError::Transport { maybe_applied, .. } => *maybe_applied,
            HttpError::Deadline { .. } => false,
        }
    }

    /// An answer that came back but could not be read.
    pub fn bad_answer(method: &str, url: &str, e: impl std::fmt::Display) -> HttpError {
        HttpError::Transport {
            method: method.into(),
            url: url.into(),
            message: format!("unexpected answer: {e}"),
            // A successful POST whose answer is unreadable did create.
            maybe_applied: method == "POST",
        }
    }
}

/// One client and the moment the whole run must be over.
#[derive(Clone)]
pub struct Session {
    pub client: Client,
    pub deadline: Instant,
    /// Why only servers on loopback may be reached ([`super::Options`]).
    pub rehearsal: Option<String>,
}

pub fn client() -> Result<Client, String> {
    Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(TIMEOUT)
        .user_agent(concat!("herald/", env!("CARGO_PKG_VERSION")))
        .redirect(same_origin())
        .build()
        .map_err(|e| e.to_string())
}

/// Follow a redirect only to the scheme, host and port the request was sent
/// to. On a redirect elsewhere reqwest drops `Authorization`, but not the
/// headers Discourse and CVE Services authenticate with (`Api-Key`,
/// `CVE-API-KEY`): a misconfigured proxy or a hostile server would receive
/// the team's keys, over plain HTTP too. A 307 or 308 also sends the body
/// again, and a GHSA draft's body is embargoed text. Discourse's own
/// redirects (`/t/external_id/…` to the topic) stay on its host.
fn same_origin() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        // reqwest lists the first request's URL first; without one there
        // is no origin to keep to, and nothing is followed.
        let Some(sent_to) = attempt.previous().first().map(url::Url::origin) else {
            return attempt.error("a redirect with no request before it");
        };
        let next = attempt.url().origin();
        if next != sent_to {
            let error = format!(
                "redirected to {}, another origin than {}; Herald follows redirects only within the server it was configured with, as its requests carry credentials",
                next.ascii_serialization(),
                sent_to.ascii_serialization()
            );
            attempt.error(error)
        } else if attempt.previous().len() > MAX_REDIRECTS {
            attempt.error(format!("more than {MAX_REDIRECTS} redirects"))
        } else {
            attempt.follow()
        }
    })
}

/// The innermost cause of a reqwest error, which names what went wrong
/// rather than the request it happened in.
fn cause(e: &reqwest::Error) -> String {
    let mut inner: &dyn std::error::Error = e;
    while let Some(next) = inner.source() {
        inner = next;
    }
    inner.to_string()
}

/// Read a JSON answer of at most [`MAX_ANSWER`] bytes.
pub fn json<T: serde::de::DeserializeOwned>(
    resp: Response,
    method: &str,
    url: &str,
) -> Result<T, HttpError> {
    let bytes = read_capped(resp, MAX_ANSWER).map_err(|e| HttpError::bad_answer(method, url, e))?;
    if bytes.len() as u64 > MAX_ANSWER {
        let limit = format!("longer than {} MiB", MAX_ANSWER >> 20);
        return Err(HttpError::bad_answer(method, url, limit));
    }
    serde_json::from_slice(&bytes).map_err(|e| HttpError::bad_answer(method, url, e))
}

/// Up to `limit + 1` bytes of the body, so a caller can tell it was cut.
fn read_capped(resp: Response, limit: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    resp.take(limit + 1).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// `Retry-After` as delay-seconds or as an HTTP date (RFC 9110 §10.2.3).
pub fn retry_after(value: &str, now: jiff::Timestamp) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = jiff::fmt::rfc2822::parse(v).ok()?.timestamp();
    let secs = at.as_second() - now.as_second();
    Some(Duration::from_secs(secs.max(0) as u64))
}

/// Whether `resp` is a rate limit, and how long it asks to wait if it
/// says. A 429; or, as GitHub answers, a 403 with `Retry-After` (its
/// secondary limits) or with `x-ratelimit-remaining: 0` (its hourly one,
/// which lifts at `x-ratelimit-reset`, in epoch seconds). A request
/// refused so was not acted on.
fn rate_limit(resp: &Response, now: jiff::Timestamp) -> Option<Option<Duration>> {
    let header = |name: &str| resp.headers().get(name).and_then(|v| v.to_str().ok());
    let retry = header("retry-after").and_then(|v| retry_after(v, now));
    let reset = header("x-ratelimit-reset")
        .and_then(|v| v.trim().parse::<i64>().ok())
        .map(|at| Duration::from_secs(at.saturating_sub(now.as_second()).max(0) as u64));
    match resp.status().as_u16() {
        429 => Some(retry.or(reset)),
        403 if retry.is_some() => Some(retry),
        // Without the moment it lifts, a 403 is not known to be a limit.
        403 if header("x-ratelimit-remaining").map(str::trim) == Some("0") && reset.is_some() => {
            Some(reset)
        }
        _ => None,
    }
}

/// Send the request `make` builds, retrying as the module says.
/// `idempotent` requests may be repeated after any failure; others only
/// when the failure proves they had no effect.
pub fn send(
    session: &Session,
    method: &str,
    url: &str,
    make: impl Fn(&Client) -> RequestBuilder,
    idempotent: bool,
    log: &mut dyn FnMut(String),
) -> Result<Response, HttpError> {
    let deadline_error = || HttpError::Deadline {
        method: method.into(),
        url: url.into(),
    };
    if let Some(why) = &session.rehearsal {
        if !crate::model::common::on_loopback(url) {
            return Err(HttpError::Transport {
                method: method.into(),
                url: url.into(),
                message: format!("{why}; nothing was sent"),
                maybe_applied: false,
            });
        }
    }
    let mut attempt = 1;
    loop {
        let left = session.deadline.saturating_duration_since(Instant::now());
        if left < Duration::from_millis(100) {
            return Err(deadline_error());
        }
        let wait = match make(&session.client).timeout(left.min(TIMEOUT)).send() {
            Ok(resp) => {
                let status = resp.status();
                if status.is_success() || status == StatusCode::NOT_FOUND && method == "GET" {
                    return Ok(resp);
                }
                let limit = rate_limit(&resp, jiff::Timestamp::now());
                let limited = limit.is_some();
                let retryable = limited || status.is_server_error() && idempotent;
                let wait = limit.flatten().unwrap_or(BACKOFF * 2u32.pow(attempt - 1));
                let too_long = wait > MAX_RETRY_AFTER || Instant::now() + wait >= session.deadline;
                if !retryable || attempt >= ATTEMPTS || too_long {
                    if limited && too_long && attempt < ATTEMPTS {
                        log(format!(
                            "{method} {url}: HTTP {} (rate limited) asks to wait {}s, past what this run may wait; the step stays pending",
                            status.as_u16(),
                            wait.as_secs()
                        ));
                    }
                    let body = read_capped(resp, MAX_FAULT_ANSWER).unwrap_or_default();
                    return Err(HttpError::Status {
                        method: method.into(),
                        url: url.into(),
                        status: status.as_u16(),
                        body: String::from_utf8_lossy(&body).chars().take(300).collect(),
                        maybe_applied: !idempotent && status.is_server_error(),
                    });
                }
                log(format!(
                    "{method} {url}: HTTP {}; retrying in {:.1}s",
                    status.as_u16(),
                    wait.as_secs_f64()
                ));
                wait
            }
            Err(e) if e.is_redirect() => {
                // A redirect refused is the server's answer, not a fault to
                // retry; whether a create acted there is not known.
                return Err(HttpError::Transport {
                    method: method.into(),
                    url: url.into(),
                    message: cause(&e),
                    maybe_applied: !idempotent,
                });
            }
            Err(e) => {
                // Only a connection never made proves nothing was sent.
                let unsent = e.is_connect();
                let wait = BACKOFF * 2u32.pow(attempt - 1);
                let may_retry = idempotent || unsent;
                if !may_retry || attempt >= ATTEMPTS || Instant::now() + wait >= session.deadline {
                    let message = if e.is_timeout() && left < TIMEOUT {
                        format!("no answer before the run's deadline ({e})")
                    } else if e.is_timeout() {
                        format!("no answer within {}s ({e})", TIMEOUT.as_secs())
                    } else {
                        e.to_string()
                    };
                    return Err(HttpError::Transport {
                        method: method.into(),
                        url: url.into(),
                        message,
                        maybe_applied: !idempotent && !unsent,
                    });
                }
                log(format!(
                    "{method} {url}: {e}; retrying in {:.1}s",
                    wait.as_secs_f64()
                ));
                wait
            }
        };
        std::thread::sleep(wait);
        attempt += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_takes_seconds_and_http_dates() {
        let now: jiff::Timestamp = "2015-10-21T07:28:00Z".parse().unwrap();
        assert_eq!(retry_after("120", now), Some(Duration::from_secs(120)));
        assert_eq!(
            retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        // A date already past means: now.
        assert_eq!(
            retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after("soon", now), None);
    }
}
