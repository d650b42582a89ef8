//! RFC 5322 messages, built with lettre, byte-for-byte reproducible.
//!
//! lettre picks random MIME boundaries and `Date` headers unless told
//! otherwise; Herald sets both from the message's own identity so that the
//! same tree gives the same `.eml` files.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use lettre::address::Envelope;
use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Attachment, Body, Mailbox, MultiPart, SinglePart};
use lettre::Message;

use crate::model::Moment;

pub struct Mail<'a> {
    pub from: &'a Mailbox,
    pub to: Vec<Mailbox>,
    pub subject: String,
    /// Without angle brackets.
    pub message_id: String,
    pub date: &'a Moment,
    pub body: String,
    pub attachments: Vec<(String, &'static str, Vec<u8>)>,
}

#[derive(Debug, thiserror::Error)]
#[error("cannot build the mail `{subject}`: {message}")]
pub struct MailError {
    subject: String,
    message: String,
}

pub fn mailbox(name: Option<&str>, address: &str) -> Result<Mailbox, String> {
    let addr = address
        .parse()
        .map_err(|e| format!("invalid mail address `{address}`: {e}"))?;
    Ok(Mailbox::new(name.map(str::to_string), addr))
}

fn system_time(m: &Moment) -> SystemTime {
    let secs = m.timestamp().as_second();
    if secs >= 0 {
        UNIX_EPOCH + Duration::from_secs(secs as u64)
    } else {
        UNIX_EPOCH - Duration::from_secs(secs.unsigned_abs())
    }
}

/// RFC 5322 §2.1.1: a line is at most 998 octets, the CRLF excluded.
const MAX_LINE: usize = 998;

/// How a plain-text body goes out. The team's real mails are `7bit`, with
/// lines up to about 90 columns; a clearsigned text should reach readers
/// byte for byte as it was signed. So ASCII text within RFC 5322's line
/// limit is sent as it is. Quoted-printable is only for what 7bit cannot
/// carry: non-ASCII text, a line past 998 octets, a NUL or a lone CR.
/// Never base64, never `format=flowed`.
fn encoding(text: &str) -> email_encoding::body::Encoding {
    use email_encoding::body::Encoding;
    let b = text.as_bytes();
    let seven_bit = b.is_ascii()
        && !b.contains(&0)
        && memchr::memchr_iter(b'\r', b).all(|i| b.get(i + 1) == Some(&b'\n'))
        && text
            .split('\n')
            .all(|l| l.strip_suffix('\r').unwrap_or(l).len() <= MAX_LINE);
    if seven_bit {
        Encoding::SevenBit
    } else {
        Encoding::QuotedPrintable
    }
}

/// The body as lettre's `Body::new` would encode it with [`encoding`]'s
/// choice, only faster: lettre inserts the `\r` of each line break one at
/// a time, which is quadratic, and looks at the text twice. The line
/// breaks are converted in one pass; the encoders are the ones lettre uses.
fn body(text: &str) -> Body {
    use email_encoding::body::Encoding;
    let mut crlf = String::with_capacity(text.len() + text.len() / 32);
    for line in text.split_inclusive('\n') {
        match line.strip_suffix('\n') {
            Some(l) => {
                crlf.push_str(l.strip_suffix('\r').unwrap_or(l));
                crlf.push_str("\r\n");
            }
            None => crlf.push_str(line),
        }
    }
    match encoding(text) {
        Encoding::SevenBit => {
            Body::dangerous_pre_encoded(crlf.into_bytes(), ContentTransferEncoding::SevenBit)
        }
        Encoding::EightBit => {
            Body::dangerous_pre_encoded(crlf.into_bytes(), ContentTransferEncoding::EightBit)
        }
        Encoding::QuotedPrintable => Body::dangerous_pre_encoded(
            quoted_printable_lines(&crlf),
            ContentTransferEncoding::QuotedPrintable,
        ),
        Encoding::Base64 => {
            let mut out =
                String::with_capacity(email_encoding::body::base64::encoded_len(crlf.len()));
            match email_encoding::body::base64::encode(crlf.as_bytes(), &mut out) {
                Ok(()) => {
                    Body::dangerous_pre_encoded(out.into_bytes(), ContentTransferEncoding::Base64)
                }
                // Writing to a String cannot fail; should it, lettre decides.
                Err(_) => Body::new(text.to_string()),
            }
        }
    }
}

/// Lines up to this long that need no escape are their own encoding: the
/// encoder's own limit, past which the test below finds them differ.
const PLAIN_MAX: usize = 76;

/// `quoted_printable::encode`, one line at a time, skipping the lines
/// that are already their own encoding. A hard line break ends every
/// line's state in that encoder (soft breaks, trailing white space), so
/// the lines encode apart to the same bytes; a test compares the two. One
/// table row or URL past 74 columns makes a mail quoted-printable, and
/// the encoder, at some 35 instructions a byte, then took 5 % of a build
/// on lines it leaves as they are.
fn quoted_printable_lines(crlf: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(crlf.len() + crlf.len() / 16);
    for (i, line) in crlf.split("\r\n").enumerate() {
        if i > 0 {
            out.extend_from_slice(b"\r\n");
        }
        let b = line.as_bytes();
        let plain = b.len() <= PLAIN_MAX
            && b.iter().all(|&c| (b' '..=b'~').contains(&c) && c != b'=')
            && b.last() != Some(&b' ');
        if plain {
            out.extend_from_slice(b);
        } else {
            out.extend_from_slice(&quoted_printable::encode(b));
        }
    }
    out
}

pub fn build(mail: Mail) -> Result<Vec<u8>, MailError> {
    let err = |message: String| MailError {
        subject: mail.subject.clone(),
        message,
    };
    // The envelope, given rather than left to lettre, which would parse
    // the From and To headers it has just formatted back into addresses.
    let envelope = Envelope::new(
        Some(mail.from.email.clone()),
        mail.to.iter().map(|m| m.email.clone()).collect(),
    )
    .map_err(|e| err(e.to_string()))?;
    let mut builder = Message::builder()
        .envelope(envelope)
        .from(mail.from.clone())
        .subject(mail.subject.clone())
        .message_id(Some(format!("<{}>", mail.message_id)))
        .date(system_time(mail.date));
    for to in &mail.to {
        builder = builder.to(to.clone());
    }
    let text = SinglePart::builder()
        .header(ContentType::TEXT_PLAIN)
        .body(body(&mail.body));
    let message = if mail.attachments.is_empty() {
        builder.singlepart(text)
    } else {
        // A boundary that cannot occur in the parts: derived from the
        // Message-ID, which is unique, and checked against the content.
        let boundary = format!("herald-{}", mail.message_id.replace(['@', '.'], "-"));
        let clash = mail.body.contains(&boundary)
            || mail
                .attachments
                .iter()
                .any(|(_, _, b)| b.windows(boundary.len()).any(|w| w == boundary.as_bytes()));
        if clash {
            return Err(err(format!(
                "the content contains the MIME boundary `{boundary}`"
            )));
        }
        let mut multi = MultiPart::mixed().boundary(boundary).singlepart(text);
        for (name, content_type, bytes) in &mail.attachments {
            let ct = ContentType::parse(content_type).map_err(|e| err(e.to_string()))?;
            // Text attachments (the signed copy) take the same fast path.
            let content = match std::str::from_utf8(bytes) {
                Ok(text) => body(text),
                Err(_) => Body::new(bytes.clone()),
            };
            multi = multi.singlepart(Attachment::new(name.clone()).body(content, ct));
        }
        builder.multipart(multi)
    };
    message
        .map(|m| m.formatted())
        .map_err(|e| err(e.to_string()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn ascii_goes_out_as_written_and_only_what_7bit_cannot_carry_is_encoded() {
        use email_encoding::body::Encoding;
        let long = format!("see https://example.org/{}\n", "a".repeat(120));
        assert!(matches!(encoding(&long), Encoding::SevenBit));
        assert!(matches!(encoding("a = b >= c\r\n"), Encoding::SevenBit));
        assert!(matches!(encoding(&"a".repeat(998)), Encoding::SevenBit));
        for needs in ["Jos\u{e9}\n", &"a".repeat(999), "a\0b", "a\rb"] {
            assert!(
                matches!(encoding(needs), Encoding::QuotedPrintable),
                "{needs:?}"
            );
        }
    }

    use super::*;

    #[test]
    fn line_by_line_quoted_printable_is_the_encoder_on_the_whole() {
        let pieces = [
            "word", " ", "  ", "\t", "=", "==", "a=b", "\r\n", "\r\n", "\r\n", "\r", "\n", "é",
            "日本", "\u{2060}", "x", "|-----|", "~", "\x7f", "\x01", "",
        ];
        let mut next = crate::testgen::picker(11);
        for _ in 0..5000 {
            let mut text = String::new();
            for _ in 0..next(60) {
                match next(6) {
                    // Runs long enough to need soft breaks, near the limit.
                    0 => text.push_str(&"y".repeat(60 + next(40))),
                    _ => text.push_str(pieces[next(pieces.len())]),
                }
            }
            assert_eq!(
                quoted_printable_lines(&text),
                quoted_printable::encode(text.as_bytes()),
                "{text:?}"
            );
        }
    }
}
