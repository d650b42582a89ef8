//! Clearsigning announcements with sequoia-openpgp, and verifying them.
//!
//! The secret key comes from the environment only (`HERALD_SIGNING_KEY`,
//! `HERALD_SIGNING_PASSPHRASE`), is read into memory that is zeroed on drop,
//! and is never printed or written anywhere. Sequoia keeps unlocked secret
//! key material encrypted in memory while it is not in use.

use std::io::{self, Write};

use sequoia_openpgp as openpgp;

use openpgp::cert::CertParser;
use openpgp::crypto::mem::Protected;
use openpgp::crypto::{KeyPair, Password};
use openpgp::parse::stream::{MessageLayer, MessageStructure, VerificationHelper, VerifierBuilder};
use openpgp::parse::Parse;
use openpgp::policy::StandardPolicy;
use openpgp::serialize::stream::{Message, Signer};
use openpgp::types::PublicKeyAlgorithm;
use openpgp::{Cert, KeyHandle};

pub const KEY_VAR: &str = "HERALD_SIGNING_KEY";
pub const PASSPHRASE_VAR: &str = "HERALD_SIGNING_PASSPHRASE";

#[derive(Debug, thiserror::Error)]
pub enum SignError {
    #[error("cannot read the signing key file named by {KEY_VAR} (`{path}`): {source}")]
    Read { path: String, source: io::Error },
    #[error("the signing key in {KEY_VAR} is unusable: {0}")]
    Key(String),
    #[error("the signing key is protected by a passphrase; set {PASSPHRASE_VAR}")]
    NeedsPassphrase,
    #[error("the passphrase in {PASSPHRASE_VAR} does not unlock the signing key")]
    BadPassphrase,
    #[error("the signing key {found} is not the team key {expected} named in herald.yaml; refusing to sign with it")]
    WrongKey { expected: String, found: String },
    #[error("signing failed: {0}")]
    Sign(String),
}

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("cannot read the public key: {0}")]
    Key(String),
    #[error("bad signature: {0}")]
    Bad(String),
}

/// An unlocked signing key, ready to clearsign.
pub struct SigningKey {
    keypair: KeyPair,
    /// The certificate's (primary key's) fingerprint, in upper-case hex.
    pub fingerprint: String,
    /// The fingerprint of the (sub)key that makes the signatures.
    pub signing_fingerprint: String,
    pub user_id: Option<String>,
    pub is_rsa: bool,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the secret: only what identifies the key.
        f.debug_struct("SigningKey")
            .field("fingerprint", &self.fingerprint)
            .finish_non_exhaustive()
    }
}

fn policy() -> StandardPolicy<'static> {
    StandardPolicy::new()
}

impl SigningKey {
    /// The key named by the environment, or `None` when none is set.
    /// The file `HERALD_SIGNING_KEY` names, when it names one rather than
    /// holding the armored key itself.
    pub fn path_from_env() -> Option<std::path::PathBuf> {
        let value = std::env::var_os(KEY_VAR)?;
        let text = value.to_string_lossy();
        (!text.starts_with("-----BEGIN PGP")).then(|| std::path::PathBuf::from(text.trim()))
    }

    pub fn from_env() -> Result<Option<Self>, SignError> {
        let Some(value) = std::env::var_os(KEY_VAR) else {
            return Ok(None);
        };
        let value = Protected::from(value.into_encoded_bytes());
        let material: Protected = if value.starts_with(b"-----BEGIN PGP") {
            value
        } else {
            let path = String::from_utf8_lossy(&value).trim().to_string();
            std::fs::read(&path)
                .map(Protected::from)
                .map_err(|source| SignError::Read { path, source })?
        };
        let passphrase =
            std::env::var_os(PASSPHRASE_VAR).map(|p| Password::from(p.into_encoded_bytes()));
        Self::load(&material, passphrase.as_ref()).map(Some)
    }

    /// Unlock the first valid signing-capable secret key of `material`.
    pub fn load(material: &[u8], passphrase: Option<&Password>) -> Result<Self, SignError> {
        let cert = Cert::from_bytes(material).map_err(|e| SignError::Key(e.to_string()))?;
        let p = policy();
        let valid = cert
            .with_policy(&p, None)
            .map_err(|e| SignError::Key(format!("the certificate is not valid now: {e}")))?;
        let ka = valid
            .keys()
            .supported()
            .alive()
            .revoked(false)
            .for_signing()
            .secret()
            .next()
            .ok_or_else(|| {
                SignError::Key("it holds no valid, unexpired secret key that can sign".into())
            })?;
        let mut key = ka
            .key()
            .clone()
            .parts_into_secret()
            .map_err(|e| SignError::Key(e.to_string()))?;
        if key.secret().is_encrypted() {
            let pw = passphrase.ok_or(SignError::NeedsPassphrase)?;
            key = key
                .decrypt_secret(pw)
                .map_err(|_| SignError::BadPassphrase)?;
        }
        // Old keys may still use the sign-only RSA algorithm id.
        #[allow(deprecated)]
        let is_rsa = matches!(
            key.pk_algo(),
            PublicKeyAlgorithm::RSAEncryptSign | PublicKeyAlgorithm::RSASign
        );
        let signing_fingerprint = key.fingerprint().to_hex();
        let keypair = key
            .into_keypair()
            .map_err(|e| SignError::Key(e.to_string()))?;
        let user_id = cert
            .userids()
            .next()
            .map(|u| String::from_utf8_lossy(u.userid().value()).into_owned());
        Ok(SigningKey {
            keypair,
            fingerprint: cert.fingerprint().to_hex(),
            signing_fingerprint,
            user_id,
            is_rsa,
        })
    }

    /// Refuse any key but the team's.
    pub fn expect(&self, expected: &str) -> Result<(), SignError> {
        let expected = expected.to_ascii_uppercase();
        if self.fingerprint == expected || self.signing_fingerprint == expected {
            Ok(())
        } else {
            Err(SignError::WrongKey {
                expected,
                found: self.fingerprint.clone(),
            })
        }
    }

    /// A cleartext signature over `text`, as `gpg --clearsign` makes.
    pub fn clearsign(&self, text: &[u8]) -> Result<Vec<u8>, SignError> {
        let mut out = Vec::with_capacity(text.len() + 1024);
        let err = |e: openpgp::anyhow::Error| SignError::Sign(e.to_string());
        let message = Message::new(&mut out);
        let mut signer = Signer::new(message, self.keypair.clone())
            .map_err(err)?
            .cleartext()
            .build()
            .map_err(err)?;
        signer
            .write_all(text)
            .map_err(|e| SignError::Sign(e.to_string()))?;
        signer.finalize().map_err(err)?;
        Ok(out)
    }
}

/// Every certificate in an armored key file or keyring.
pub fn read_certs(armored: &[u8]) -> Result<Vec<Cert>, VerifyError> {
    let certs: Vec<Cert> = CertParser::from_bytes(armored)
        .map_err(|e| VerifyError::Key(e.to_string()))?
        .collect::<Result<_, _>>()
        .map_err(|e| VerifyError::Key(e.to_string()))?;
    if certs.is_empty() {
        return Err(VerifyError::Key("no OpenPGP certificate found".into()));
    }
    Ok(certs)
}

/// The primary fingerprint of the first certificate in `armored`.
pub fn fingerprint(armored: &[u8]) -> Result<String, VerifyError> {
    Ok(read_certs(armored)?[0].fingerprint().to_hex())
}

/// Who made a good signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub fingerprint: String,
    pub user_id: Option<String>,
}

struct Helper {
    certs: Vec<Cert>,
    good: Option<Verified>,
}

impl VerificationHelper for Helper {
    fn get_certs(&mut self, _ids: &[KeyHandle]) -> openpgp::Result<Vec<Cert>> {
        Ok(self.certs.clone())
    }

    fn check(&mut self, structure: MessageStructure) -> openpgp::Result<()> {
        let mut problems = Vec::new();
        for layer in structure {
            if let MessageLayer::SignatureGroup { results } = layer {
                for r in results {
                    match r {
                        Ok(good) => {
                            let cert = good.ka.cert();
                            self.good = Some(Verified {
                                fingerprint: cert.fingerprint().to_hex(),
                                user_id: cert.userids().next().map(|u| {
                                    String::from_utf8_lossy(u.userid().value()).into_owned()
                                }),
                            });
                            return Ok(());
                        }
                        Err(openpgp::parse::stream::VerificationError::MissingKey { sig }) => {
                            let by: Vec<String> =
                                sig.get_issuers().iter().map(|i| i.to_hex()).collect();
                            problems.push(format!(
                                "signed by a key that is not the one given (issuer {}): not the team key",
                                by.join(", ")
                            ));
                        }
                        Err(e) => problems.push(e.to_string()),
                    }
                }
            }
        }
        if problems.is_empty() {
            problems.push("the file carries no signature".into());
        }
        Err(openpgp::anyhow::anyhow!(problems.join("; ")))
    }
}

/// Verify a cleartext-signed (or inline-signed) message against `certs`.
pub fn verify(signed: &[u8], certs: Vec<Cert>) -> Result<Verified, VerifyError> {
    // Say what the file is, rather than what the parser tripped on.
    let text = String::from_utf8_lossy(&signed[..signed.len().min(4096)]);
    if !text.contains("-----BEGIN PGP") {
        return Err(VerifyError::Bad(
            "this file carries no OpenPGP signature (no `-----BEGIN PGP SIGNED MESSAGE-----` line): verify the `.asc` copy".into(),
        ));
    }
    let p = policy();
    let helper = Helper { certs, good: None };
    let mut v = VerifierBuilder::from_bytes(signed)
        .map_err(|e| VerifyError::Bad(e.to_string()))?
        .with_policy(&p, None, helper)
        .map_err(|e| VerifyError::Bad(e.to_string()))?;
    io::copy(&mut v, &mut io::sink()).map_err(|e| VerifyError::Bad(e.to_string()))?;
    if !v.message_processed() {
        return Err(VerifyError::Bad(
            "the message was not fully processed".into(),
        ));
    }
    v.into_helper()
        .good
        .ok_or_else(|| VerifyError::Bad("no good signature".into()))
}
