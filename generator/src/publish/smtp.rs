//! Mail out through SMTP (lettre), with the failure that matters told
//! apart: refused (not sent, safe to retry) or unknown (may have been sent).

use std::time::Duration;

use lettre::address::Envelope;
use lettre::{Address, SmtpTransport, Transport};

pub const URL_VAR: &str = "HERALD_SMTP_URL";

pub enum SendError {
    /// The server refused, or could not be reached: the mail did not go out.
    Refused(String),
    /// The connection broke during the transaction: it may have gone out.
    Unknown(String),
}

pub struct Smtp {
    transport: SmtpTransport,
    pub shown: String,
}

/// `smtp://user:pass@host:port` with the password hidden.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) => {
            if u.password().is_some() {
                let _ = u.set_password(Some("***"));
            }
            u.to_string()
        }
        Err(_) => "<unparsable HERALD_SMTP_URL>".into(),
    }
}

/// Refuse a URL by which mail would cross the network unencrypted: lettre
/// sends `smtp://` in clear unless `?tls=required` (and `opportunistic`
/// gives way to anyone in the middle). The password would go with it, and
/// a private notice carries what is under embargo. On loopback nothing
/// crosses a network.
pub fn refuse_plaintext(url: &str) -> Result<(), String> {
    let Ok(u) = url::Url::parse(url) else {
        // `connect` says what is wrong with it.
        return Ok(());
    };
    let required = u.query_pairs().any(|(k, v)| k == "tls" && v == "required");
    if u.scheme() == "smtps"
        || u.scheme() == "smtp" && required
        || crate::model::common::on_loopback(url)
    {
        return Ok(());
    }
    Err(format!(
        "{URL_VAR} ({}) would send mail unencrypted, the password and any embargoed notice with it; use smtps://…:465, or smtp://…:587?tls=required for STARTTLS",
        redact(url)
    ))
}

impl Smtp {
    pub fn connect(url: &str) -> Result<Self, String> {
        let transport = SmtpTransport::from_url(url)
            .map_err(|e| format!("{URL_VAR} is not a usable SMTP URL ({}): {e}", redact(url)))?
            .timeout(Some(Duration::from_secs(30)))
            .build();
        Ok(Smtp {
            transport,
            shown: redact(url),
        })
    }

    /// Send `raw`, if `open` still says so once the server is reached.
    pub fn send(
        &self,
        from: &str,
        to: &[String],
        raw: &[u8],
        open: &dyn Fn() -> bool,
    ) -> Result<(), SendError> {
        let parse = |a: &str| {
            a.parse::<Address>()
                .map_err(|e| SendError::Refused(format!("bad address `{a}`: {e}")))
        };
        let from = parse(from)?;
        let to = to.iter().map(|a| parse(a)).collect::<Result<Vec<_>, _>>()?;
        let envelope =
            Envelope::new(Some(from), to).map_err(|e| SendError::Refused(e.to_string()))?;
        // Reach the server first: failing here proves nothing went out.
        match self.transport.test_connection() {
            Ok(true) => {}
            Ok(false) => {
                return Err(SendError::Refused(format!(
                    "{} did not accept a connection",
                    self.shown
                )))
            }
            Err(e) => return Err(SendError::Refused(format!("{}: {e}", self.shown))),
        }
        if !open() {
            return Err(SendError::Refused(
                "its window closed while the server was being reached".into(),
            ));
        }
        self.transport
            .send_raw(&envelope, raw)
            .map(|_| ())
            .map_err(|e| {
                if e.is_transient() || e.is_permanent() {
                    SendError::Refused(format!("{}: {e}", self.shown))
                } else {
                    SendError::Unknown(format!("{}: {e}", self.shown))
                }
            })
    }
}
