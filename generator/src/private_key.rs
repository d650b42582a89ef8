//! Recognising a private key, wherever one could slip out: a team key the
//! site would publish, a patch mailed to the notice lists, a text about to
//! be sent.

use sequoia_openpgp::parse::Parse;

/// The openings of private keys in their usual text forms: OpenPGP armor,
/// PEM (`-----BEGIN RSA PRIVATE KEY-----`, `…EC…`, `…ENCRYPTED…`),
/// OpenSSH, and PuTTY's key files.
const MARKS: [&[u8]; 3] = [
    b"-----BEGIN PGP PRIVATE KEY BLOCK-----",
    b"PRIVATE KEY-----",
    b"PuTTY-User-Key-File-",
];

/// Whether `bytes` hold a private key as text, or an OpenPGP certificate
/// with secret key material in any form (binary included).
pub fn held_in(bytes: &[u8]) -> bool {
    marked(bytes) || openpgp_secret(bytes)
}

/// Whether `text` carries the text form of a private key.
pub fn marked(text: &[u8]) -> bool {
    MARKS
        .iter()
        .any(|m| memchr::memmem::find(text, m).is_some())
}

fn openpgp_secret(bytes: &[u8]) -> bool {
    // Only what parses as OpenPGP from its first byte is tried: a patch is
    // text, and a binary key starts with a packet tag (high bit set).
    if bytes.first().is_none_or(|b| b & 0x80 == 0) {
        return false;
    }
    sequoia_openpgp::cert::CertParser::from_bytes(bytes)
        .map(|certs| certs.flatten().any(|c| c.is_tsk()))
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sequoia_openpgp::serialize::Serialize;

    #[test]
    fn a_binary_secret_key_is_recognised_and_its_public_half_is_not() {
        let (cert, _) = sequoia_openpgp::cert::CertBuilder::general_purpose(Some("t@example.org"))
            .generate()
            .unwrap();
        let mut secret = Vec::new();
        cert.as_tsk().serialize(&mut secret).unwrap();
        let mut public = Vec::new();
        cert.serialize(&mut public).unwrap();
        assert!(held_in(&secret));
        assert!(!held_in(&public));
    }

    #[test]
    fn text_forms_are_recognised() {
        assert!(held_in(b"x\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3Bl"));
        assert!(held_in(b"-----BEGIN EC PRIVATE KEY-----"));
        assert!(!held_in(b"-----BEGIN PGP PUBLIC KEY BLOCK-----"));
        assert!(!held_in(b"diff --git a/src/key.rs b/src/key.rs"));
    }
}
