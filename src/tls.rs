//! TLS set-up shared by every HTTP client (reqwest, kube, async-openai).
//!
//! The crates are built with rustls but without a default crypto provider (to avoid building
//! aws-lc); ring is installed process-wide here, once.

/// Installs ring as rustls' process-wide crypto provider. Idempotent and cheap.
pub fn init() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // Err means another provider is already installed, which is just as good.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}
