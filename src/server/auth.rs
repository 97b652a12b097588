//! Bearer-token authentication of webhook requests (`server.token`).
//!
//! The presented token and the configured one are hashed (SHA-256) and the digests compared in
//! constant time, so neither the comparison nor the token's length leaks through timing.
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The token Alertmanager must send (`Authorization: Bearer <token>`).
#[derive(Clone)]
pub struct Token {
    digest: [u8; 32],
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

impl Token {
    pub fn new(secret: &str) -> Self {
        Self {
            digest: Sha256::digest(secret.as_bytes()).into(),
        }
    }

    /// Whether an `Authorization` header value carries this token (scheme `Bearer`, any case).
    pub fn accepts(&self, authorization: Option<&[u8]>) -> bool {
        let Some(value) = authorization.and_then(|v| std::str::from_utf8(v).ok()) else {
            return false;
        };
        let Some((scheme, presented)) = value.trim().split_once(' ') else {
            return false;
        };
        if !scheme.eq_ignore_ascii_case("bearer") {
            return false;
        }
        let digest: [u8; 32] = Sha256::digest(presented.trim().as_bytes()).into();
        digest.ct_eq(&self.digest).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_right_bearer_token_is_accepted() {
        let token = Token::new("s3cret-token");
        assert!(token.accepts(Some(b"Bearer s3cret-token")));
        assert!(token.accepts(Some(b"bearer  s3cret-token ")));
        assert!(!token.accepts(None));
        assert!(!token.accepts(Some(b"")));
        assert!(!token.accepts(Some(b"Bearer")));
        assert!(!token.accepts(Some(b"Bearer s3cret-toke")));
        assert!(!token.accepts(Some(b"Bearer s3cret-token2")));
        assert!(!token.accepts(Some(b"Basic s3cret-token")));
        assert!(!token.accepts(Some(b"s3cret-token")));
        assert!(!token.accepts(Some(&[0xff, 0xfe])));
        assert_eq!(format!("{token:?}"), "Token(<redacted>)");
    }
}
