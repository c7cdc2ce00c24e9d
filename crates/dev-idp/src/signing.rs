//! The RSA key that signs ID tokens, and its public half as a JWK set.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rsa::pkcs1::{DecodeRsaPrivateKey, EncodeRsaPrivateKey};
use rsa::pkcs8::{DecodePrivateKey, LineEnding};
use rsa::traits::PublicKeyParts;
use rsa::{RsaPrivateKey, rand_core::OsRng};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// Below this RSA is not considered safe, and jsonwebtoken's verifiers agree.
const MIN_KEY_BITS: usize = 2048;

#[derive(Debug, thiserror::Error)]
pub enum SigningKeyError {
    #[error("generating an RSA key failed: {0}")]
    Generate(String),
    #[error("DEV_IDP_SIGNING_KEY_PEM is not a PKCS#1 or PKCS#8 RSA private key in PEM form")]
    Parse,
    #[error("the signing key has {bits} bits; at least {MIN_KEY_BITS} are required")]
    TooSmall { bits: usize },
    #[error("encoding the signing key failed: {0}")]
    Encode(String),
    #[error("signing a token failed: {0}")]
    Sign(#[from] jsonwebtoken::errors::Error),
}

pub struct SigningKey {
    kid: String,
    encoding: EncodingKey,
    modulus: String,
    exponent: String,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("SigningKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// A fresh 2048-bit key. This takes a noticeable fraction of a second, so
    /// async callers run it on a blocking thread.
    pub fn generate() -> Result<Self, SigningKeyError> {
        let key = RsaPrivateKey::new(&mut OsRng, MIN_KEY_BITS)
            .map_err(|error| SigningKeyError::Generate(error.to_string()))?;
        Self::from_private_key(&key)
    }

    /// A fresh key as PKCS#1 PEM, for tests that start many providers with one key.
    pub fn generate_pem() -> Result<SecretString, SigningKeyError> {
        let key = RsaPrivateKey::new(&mut OsRng, MIN_KEY_BITS)
            .map_err(|error| SigningKeyError::Generate(error.to_string()))?;
        let pem = key
            .to_pkcs1_pem(LineEnding::LF)
            .map_err(|error| SigningKeyError::Encode(error.to_string()))?;
        Ok(SecretString::from(pem.as_str()))
    }

    pub fn from_pem(pem: &SecretString) -> Result<Self, SigningKeyError> {
        let pem = pem.expose_secret();
        let key = RsaPrivateKey::from_pkcs1_pem(pem)
            .or_else(|_| RsaPrivateKey::from_pkcs8_pem(pem))
            .map_err(|_| SigningKeyError::Parse)?;
        Self::from_private_key(&key)
    }

    fn from_private_key(key: &RsaPrivateKey) -> Result<Self, SigningKeyError> {
        let bits = key.size() * 8;
        if bits < MIN_KEY_BITS {
            return Err(SigningKeyError::TooSmall { bits });
        }
        let der = key
            .to_pkcs1_der()
            .map_err(|error| SigningKeyError::Encode(error.to_string()))?;
        let n = key.n().to_bytes_be();
        let e = key.e().to_bytes_be();
        Ok(Self {
            kid: key_id(&n, &e),
            encoding: EncodingKey::from_rsa_der(der.as_bytes()),
            modulus: URL_SAFE_NO_PAD.encode(&n),
            exponent: URL_SAFE_NO_PAD.encode(&e),
        })
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// A compact RS256 JWS with this key's `kid` in the header.
    pub fn sign<T: Serialize>(&self, claims: &T) -> Result<String, SigningKeyError> {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.kid.clone());
        Ok(jsonwebtoken::encode(&header, claims, &self.encoding)?)
    }

    pub fn jwks(&self) -> JwkSet {
        JwkSet {
            keys: vec![Jwk {
                kty: "RSA",
                key_use: "sig",
                alg: "RS256",
                kid: self.kid.clone(),
                n: self.modulus.clone(),
                e: self.exponent.clone(),
            }],
        }
    }
}

/// Derived from the public key so a key loaded from PEM keeps its `kid` across restarts.
fn key_id(modulus: &[u8], exponent: &[u8]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(modulus);
    hasher.update(exponent);
    let digest = hasher.finalize();
    URL_SAFE_NO_PAD.encode(&digest[..12])
}

#[derive(Debug, Clone, Serialize)]
pub struct JwkSet {
    pub keys: Vec<Jwk>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Jwk {
    pub kty: &'static str,
    #[serde(rename = "use")]
    pub key_use: &'static str,
    pub alg: &'static str,
    pub kid: String,
    pub n: String,
    pub e: String,
}

#[cfg(test)]
mod tests {
    use rsa::pkcs8::EncodePrivateKey;

    use super::*;

    #[test]
    fn a_key_loaded_from_pem_keeps_its_kid_in_either_encoding() {
        let key = RsaPrivateKey::new(&mut OsRng, MIN_KEY_BITS).unwrap();
        let pkcs1 = SecretString::from(key.to_pkcs1_pem(LineEnding::LF).unwrap().as_str());
        let pkcs8 = SecretString::from(key.to_pkcs8_pem(LineEnding::LF).unwrap().as_str());
        let from_pkcs1 = SigningKey::from_pem(&pkcs1).unwrap();
        let from_pkcs8 = SigningKey::from_pem(&pkcs8).unwrap();
        assert_eq!(from_pkcs1.kid(), from_pkcs8.kid());
        assert_eq!(from_pkcs1.jwks().keys[0].n, from_pkcs8.jwks().keys[0].n);
    }

    #[test]
    fn small_or_malformed_keys_are_refused_without_echoing_them() {
        let small = RsaPrivateKey::new(&mut OsRng, 1024).unwrap();
        let pem = SecretString::from(small.to_pkcs1_pem(LineEnding::LF).unwrap().as_str());
        assert!(matches!(
            SigningKey::from_pem(&pem),
            Err(SigningKeyError::TooSmall { bits: 1024 })
        ));
        let garbage = SecretString::from("-----BEGIN RSA PRIVATE KEY-----\nc2VjcmV0\n");
        let error = SigningKey::from_pem(&garbage).unwrap_err();
        assert!(!error.to_string().contains("c2VjcmV0"));
    }
}
