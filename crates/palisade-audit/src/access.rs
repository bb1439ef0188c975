//! Helpers for the read API's bearer tokens: tokens are stored only as
//! hashes, compared in constant time, and generated from the OS's CSPRNG.
//! (The API itself, its roles and mTLS live in `palisade-server`.)

use sha2::{Digest, Sha256};

use crate::AuditError;

/// A new random token (`pal_` and 64 hex digits): show it once, store its
/// [`hash_token`].
pub fn generate_token() -> Result<String, AuditError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| AuditError::Key(format!("no randomness: {e}")))?;
    Ok(format!("pal_{}", crate::hex(&bytes)))
}

/// The stored form of a token: `sha256:` and the hex digest. Tokens are
/// random and long, so an unsalted hash is enough (no dictionary applies).
pub fn hash_token(token: &str) -> String {
    format!("sha256:{}", crate::hex(&Sha256::digest(token.as_bytes())))
}

/// Whether `token` hashes to `stored`, in time independent of where they
/// first differ.
pub fn token_matches(token: &str, stored: &str) -> bool {
    let computed = hash_token(token);
    computed.len() == stored.len()
        && computed
            .bytes()
            .zip(stored.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_matches_only_its_hash() {
        let token = generate_token().unwrap();
        let stored = hash_token(&token);
        assert!(token_matches(&token, &stored));
        assert!(!token_matches("pal_guess", &stored));
        assert!(!token_matches(&token, "sha256:"));
    }
}
