//! Turning configuration into providers: the one place in `providers` that
//! reads [`crate::config`], so that a provider module knows only its own
//! options.

use std::time::Duration;

use anyhow::Context;
use secrecy::SecretString;

use super::openai::{CallLimits, OpenAiOptions, OpenAiProvider};
use crate::config::{LiveModelConfig, LiveSettings};

/// Looks a secret up by name (the environment, in production).
pub type SecretSource = dyn Fn(&str) -> Option<String> + Send + Sync;

/// Makes ring the process's TLS crypto provider, which every reqwest client
/// in the process needs before it is built. sea-orm's TLS already brings ring,
/// so this keeps a second crypto library out of the build. Calling it again,
/// or after another provider was installed, does nothing.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// The HTTP client every model shares (one connection pool). It follows no
/// redirect: a model's server answers itself, or the request fails (a
/// redirect could carry the API key to another host).
///
/// # Errors
/// When the TLS set-up fails.
pub fn http_client(connect_timeout: Duration) -> anyhow::Result<reqwest::Client> {
    install_crypto_provider();
    reqwest::Client::builder()
        .connect_timeout(connect_timeout)
        .user_agent(concat!("goldarena/", env!("CARGO_PKG_VERSION")))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .context("failed to build the HTTP client")
}

/// The provider of a configured live model, its API key looked up by name.
/// A request waits at most `queue_timeout` for a free slot (`None`: as long
/// as it takes).
///
/// # Errors
/// When the key's variable is not set or the model's settings are invalid.
pub fn build_provider(
    client: reqwest::Client,
    settings: &LiveSettings,
    config: &LiveModelConfig,
    secrets: &SecretSource,
    queue_timeout: Option<Duration>,
) -> anyhow::Result<OpenAiProvider> {
    let name = &config.name;
    let limits = CallLimits {
        first_token: Duration::from_millis(settings.first_token_timeout_ms),
        answer: Duration::from_millis(settings.answer_timeout_ms),
        max_retries: settings.max_retries,
        backoff: Duration::from_millis(settings.retry_backoff_ms),
        queue: queue_timeout,
        max_answer_bytes: settings.max_answer_bytes,
    };
    let api_key = match &config.api_key_env {
        Some(var) => Some(SecretString::from(secrets(var).with_context(|| {
            format!("live model {name}: environment variable {var} is not set")
        })?)),
        None => None,
    };
    if api_key.is_some() {
        key_travels_safely(&config.base_url).with_context(|| format!("live model {name}"))?;
    }
    let options = OpenAiOptions {
        base_url: config.base_url.clone(),
        model: config.model.clone(),
        temperature: config.temperature,
        max_tokens: config.max_tokens,
        system_prompt: config.system_prompt.clone(),
        include_usage: config.include_usage,
        max_concurrency: config.max_concurrency,
    };
    OpenAiProvider::new(client, options, api_key, limits)
        .with_context(|| format!("live model {name}"))
}

/// An API key goes only over https, or to this machine (loopback), where
/// nothing is on the wire.
fn key_travels_safely(base_url: &str) -> anyhow::Result<()> {
    let url = reqwest::Url::parse(base_url)
        .with_context(|| format!("base_url {base_url:?} is not a URL"))?;
    let host = url.host_str().unwrap_or_default();
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    anyhow::ensure!(
        url.scheme() == "https" || loopback,
        "an API key is sent only over https (or to loopback): base_url {base_url:?}"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_api_key_goes_only_over_https_or_to_loopback() {
        for ok in [
            "https://api.example.org/v1",
            "http://127.0.0.1:8000/v1",
            "http://127.8.0.1/v1",
            "http://[::1]:8000/v1",
            "http://localhost:11434/v1",
        ] {
            assert!(key_travels_safely(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://api.example.org/v1",
            "http://10.0.0.5:8000/v1",
            "not a url",
        ] {
            assert!(key_travels_safely(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn api_keys_never_print() {
        let config: LiveModelConfig = serde_json::from_value(serde_json::json!({
            "name": "m",
            "base_url": "http://127.0.0.1:1/v1",
            "model": "upstream-m",
            "api_key_env": "M_KEY",
        }))
        .expect("a valid live model");
        let secrets = |var: &str| (var == "M_KEY").then(|| "sk-secret-123".to_owned());
        let client = http_client(Duration::from_secs(1)).expect("client");
        let provider = build_provider(client, &LiveSettings::default(), &config, &secrets, None)
            .expect("valid");
        let printed = format!("{provider:?}");
        assert!(printed.contains("api_key"), "{printed}");
        assert!(!printed.contains("sk-secret"), "{printed}");
    }
}
