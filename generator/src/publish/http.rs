//! HTTP with bounded retries: 429 waits for `Retry-After`, 5xx and
//! connection failures back off exponentially, other 4xx fail at once.

use std::time::Duration;

use reqwest::blocking::{Client, RequestBuilder, Response};
use reqwest::StatusCode;

/// Attempts per request, the first included.
const ATTEMPTS: u32 = 4;
/// The longest `Retry-After` Herald waits for; longer ones fail the step,
/// which the next scheduled run picks up again.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(120);
const BACKOFF: Duration = Duration::from_millis(500);
const TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("{method} {url}: HTTP {status}: {body}")]
    Status {
        method: String,
        url: String,
        status: u16,
        body: String,
    },
    #[error("{method} {url}: {message}")]
    Transport {
        method: String,
        url: String,
        message: String,
    },
}

impl HttpError {
    pub fn status(&self) -> Option<u16> {
        match self {
            HttpError::Status { status, .. } => Some(*status),
            HttpError::Transport { .. } => None,
        }
    }
}

pub fn client() -> Result<Client, String> {
    Client::builder()
        .timeout(TIMEOUT)
        .user_agent(concat!("herald/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| e.to_string())
}

fn retry_after(resp: &Response) -> Option<Duration> {
    let v = resp
        .headers()
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?;
    v.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// Send the request `make` builds, retrying as the module says. Only
/// idempotent requests should pass `retry_transport = true`: a POST that
/// timed out may have taken effect.
pub fn send(
    method: &str,
    url: &str,
    make: impl Fn() -> RequestBuilder,
    retry_transport: bool,
    log: &mut dyn FnMut(String),
) -> Result<Response, HttpError> {
    let mut attempt = 1;
    loop {
        let wait = match make().send() {
            Ok(resp) => {
                let status = resp.status();
                if status.is_success() || status == StatusCode::NOT_FOUND && method == "GET" {
                    return Ok(resp);
                }
                let retryable = status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error();
                let wait = if status == StatusCode::TOO_MANY_REQUESTS {
                    retry_after(&resp).unwrap_or(BACKOFF * 2u32.pow(attempt - 1))
                } else {
                    BACKOFF * 2u32.pow(attempt - 1)
                };
                if !retryable || attempt >= ATTEMPTS || wait > MAX_RETRY_AFTER {
                    let body = resp.text().unwrap_or_default();
                    return Err(HttpError::Status {
                        method: method.into(),
                        url: url.into(),
                        status: status.as_u16(),
                        body: body.chars().take(300).collect(),
                    });
                }
                log(format!(
                    "{method} {url}: HTTP {}; retrying in {:.1}s",
                    status.as_u16(),
                    wait.as_secs_f64()
                ));
                wait
            }
            Err(e) => {
                if !retry_transport || attempt >= ATTEMPTS {
                    return Err(HttpError::Transport {
                        method: method.into(),
                        url: url.into(),
                        message: e.to_string(),
                    });
                }
                let wait = BACKOFF * 2u32.pow(attempt - 1);
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
