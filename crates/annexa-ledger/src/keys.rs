//! Signing keys: Ed25519, kept as 64 hex characters of the 32-byte secret seed. The private key
//! comes from the environment (`ANNEXA_SIGNING_KEY`) or a key file and is never stored in the
//! ledger; the ledger keeps public keys only.

use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _, VerifyingKey};

use crate::LedgerError;
use crate::merkle::{hex, sha256_hex, unhex};

/// The environment variable holding the signing key (hex seed).
pub const KEY_ENV: &str = "ANNEXA_SIGNING_KEY";

pub struct Signer {
    key: SigningKey,
}

impl Signer {
    /// A fresh key from the operating system's random source.
    pub fn generate() -> Result<Signer, LedgerError> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed)
            .map_err(|e| LedgerError::Key(format!("no random source: {e}")))?;
        Ok(Signer {
            key: SigningKey::from_bytes(&seed),
        })
    }

    /// A key from its hex seed.
    pub fn from_hex(s: &str) -> Result<Signer, LedgerError> {
        let bytes = unhex(s)
            .filter(|b| b.len() == 32)
            .ok_or_else(|| LedgerError::Key("a signing key is 64 hex characters".into()))?;
        let mut seed = [0u8; 32];
        seed.copy_from_slice(&bytes);
        Ok(Signer {
            key: SigningKey::from_bytes(&seed),
        })
    }

    pub fn secret_hex(&self) -> String {
        hex(&self.key.to_bytes())
    }

    pub fn public_hex(&self) -> String {
        hex(self.key.verifying_key().as_bytes())
    }

    /// A short, stable id of the public key.
    pub fn key_id(&self) -> String {
        key_id(&self.public_hex())
    }

    pub fn sign(&self, msg: &[u8]) -> String {
        hex(&self.key.sign(msg).to_bytes())
    }
}

pub fn key_id(public_hex: &str) -> String {
    sha256_hex(public_hex.as_bytes())[..16].to_owned()
}

/// Whether `signature` (hex) is `public`'s (hex) signature of `msg`.
pub fn verify(public_hex: &str, msg: &[u8], signature: &str) -> bool {
    let Some(pk) = unhex(public_hex).and_then(|b| <[u8; 32]>::try_from(b).ok()) else {
        return false;
    };
    let Some(sig) = unhex(signature).and_then(|b| <[u8; 64]>::try_from(b).ok()) else {
        return false;
    };
    let Ok(pk) = VerifyingKey::from_bytes(&pk) else {
        return false;
    };
    pk.verify_strict(msg, &Signature::from_bytes(&sig)).is_ok()
        && pk.verify(msg, &Signature::from_bytes(&sig)).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_and_verify() {
        let k = Signer::generate().expect("key");
        let again = Signer::from_hex(&k.secret_hex()).expect("parse");
        assert_eq!(k.public_hex(), again.public_hex());
        let sig = k.sign(b"run");
        assert!(verify(&k.public_hex(), b"run", &sig));
        assert!(!verify(&k.public_hex(), b"runs", &sig));
        let other = Signer::generate().expect("key");
        assert!(!verify(&other.public_hex(), b"run", &sig));
        assert!(Signer::from_hex("zz").is_err());
    }
}
