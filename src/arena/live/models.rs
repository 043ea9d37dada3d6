//! The live models: who can be drawn for a voter's own prompt, with what
//! weight, and whether a failing model is sitting out its cool-down.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;

use super::breaker::CircuitBreaker;
use crate::config::{LiveModelConfig, LiveSettings};
use crate::domain::{Dated, ModelName};
use crate::providers::{ChatProvider, SecretSource, build_provider, http_client};
use crate::store;
use crate::store::models::LiveRegistration;

/// A model that answers voters' prompts live.
pub struct LiveModel {
    pub id: i32,
    pub name: String,
    pub display_name: String,
    pub created_at: DateTime<Utc>,
    pub weight: f64,
    /// Extra words that give this model away, from its configuration.
    pub identity_words: Vec<String>,
    pub provider: Arc<dyn ChatProvider>,
}

/// Every live model, plus the circuit breaker in front of them.
pub struct LiveModels {
    models: Vec<Arc<LiveModel>>,
    breaker: Mutex<CircuitBreaker>,
    settings: LiveSettings,
}

impl LiveModels {
    /// No live models: battles come from the question bank only.
    #[must_use]
    pub fn none(settings: LiveSettings) -> Self {
        Self::from_models(Vec::new(), settings)
    }

    /// Live models from their providers (tests plug in their own).
    #[must_use]
    pub fn from_models(models: Vec<Arc<LiveModel>>, settings: LiveSettings) -> Self {
        let breaker = CircuitBreaker::new(
            settings.breaker_failures,
            Duration::from_secs(settings.breaker_cooldown_secs),
        );
        Self {
            models,
            breaker: Mutex::new(breaker),
            settings,
        }
    }

    /// Checks the configured models, registers them in the database and builds
    /// their providers. A model marked inactive by the operator is left out.
    ///
    /// # Errors
    /// On an invalid or duplicate model, a named API-key variable that is not
    /// set, or a database error.
    pub async fn register<C: ConnectionTrait>(
        db: &C,
        settings: &LiveSettings,
        configs: &[LiveModelConfig],
        secrets: &SecretSource,
    ) -> anyhow::Result<Self> {
        let client = http_client(Duration::from_millis(settings.connect_timeout_ms))?;
        let mut models = Vec::with_capacity(configs.len());
        for config in configs {
            let name = ModelName::parse(&config.name)
                .map_err(|e| anyhow::anyhow!("live model {:?}: {e}", config.name))?;
            anyhow::ensure!(
                !models
                    .iter()
                    .any(|m: &Arc<LiveModel>| m.name == name.as_str()),
                "live model {name} is configured twice"
            );
            anyhow::ensure!(
                config.weight.is_finite() && config.weight > 0.0,
                "live model {name}: weight must be positive"
            );
            check_dates(config)?;
            // A voter waits for a slot no longer than for a first token.
            let queue = Some(Duration::from_millis(settings.first_token_timeout_ms));
            let provider = build_provider(client.clone(), settings, config, secrets, queue)?;
            let row = store::models::sync_live(db, &registration(config)).await?;
            if !row.active {
                tracing::warn!(model = %name, "live model is retired in the database; not drawn");
                continue;
            }
            models.push(Arc::new(LiveModel {
                id: row.id,
                name: row.name,
                display_name: row.display_name,
                created_at: row.created_at,
                weight: config.weight,
                identity_words: config.identity_words.clone(),
                provider: Arc::new(provider),
            }));
        }
        Ok(Self::from_models(models, settings.clone()))
    }

    #[must_use]
    pub fn settings(&self) -> &LiveSettings {
        &self.settings
    }

    #[must_use]
    pub fn len(&self) -> usize {
        self.models.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.models.is_empty()
    }

    /// Every live model as `(name, display name)`, by name.
    #[must_use]
    pub fn names(&self) -> Vec<(String, String)> {
        let mut names: Vec<(String, String)> = self
            .models
            .iter()
            .map(|m| (m.name.clone(), m.display_name.clone()))
            .collect();
        names.sort();
        names
    }

    #[must_use]
    pub fn get(&self, id: i32) -> Option<Arc<LiveModel>> {
        self.models.iter().find(|m| m.id == id).cloned()
    }

    #[must_use]
    pub fn by_name(&self, name: &str) -> Option<Arc<LiveModel>> {
        self.models.iter().find(|m| m.name == name).cloned()
    }

    /// The models not sitting out a cool-down.
    #[must_use]
    pub fn available(&self) -> Vec<Arc<LiveModel>> {
        let now = Instant::now();
        let breaker = self.breaker.lock().unwrap_or_else(PoisonError::into_inner);
        self.models
            .iter()
            .filter(|m| breaker.allows(m.id, now))
            .cloned()
            .collect()
    }

    pub fn record_success(&self, model_id: i32) {
        self.breaker
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .record_success(model_id);
    }

    pub fn record_failure(&self, model: &LiveModel) {
        let opened = self
            .breaker
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .record_failure(model.id, Instant::now());
        if opened {
            tracing::warn!(
                model = %model.name,
                cooldown_secs = self.settings.breaker_cooldown_secs,
                "model keeps failing; out of sampling for a cool-down"
            );
        }
    }
}

/// A model's sampling weight with the new-model boost: a model younger than
/// `new_model_days` or with fewer than `new_model_votes` counted votes is drawn
/// `new_model_boost` times as often, so that its interval narrows quickly.
#[must_use]
pub fn boosted_weight(
    base: f64,
    created_at: DateTime<Utc>,
    counted_votes: u64,
    now: DateTime<Utc>,
    settings: &LiveSettings,
) -> f64 {
    let young = now - created_at < chrono::Duration::days(i64::from(settings.new_model_days));
    let few_votes = counted_votes < settings.new_model_votes;
    if (young || few_votes)
        && settings.new_model_boost.is_finite()
        && settings.new_model_boost > 0.0
    {
        base * settings.new_model_boost
    } else {
        base
    }
}

/// The release date and knowledge cutoff of a live model, when given, must
/// be dates (a day, a month or a year).
///
/// # Errors
/// Names the model, the key and the accepted forms.
pub fn check_dates(config: &LiveModelConfig) -> anyhow::Result<()> {
    for (key, value) in [
        ("release_date", &config.release_date),
        ("knowledge_cutoff", &config.knowledge_cutoff),
    ] {
        if let Some(v) = value {
            Dated::parse(v)
                .map_err(|e| anyhow::anyhow!("live model {:?}: {key}: {e}", config.name))?;
        }
    }
    Ok(())
}

/// How a configured live model is registered in the database.
#[must_use]
pub fn registration(config: &LiveModelConfig) -> LiveRegistration {
    LiveRegistration {
        name: config.name.clone(),
        display_name: config.display_name.clone(),
        organization: config.organization.clone(),
        base_url: config.base_url.clone(),
        upstream_model: config.model.clone(),
        api_key_env: config.api_key_env.clone(),
        sampling_weight: config.weight,
        release_date: config.release_date.clone(),
        knowledge_cutoff: config.knowledge_cutoff.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_or_little_voted_models_are_boosted() {
        let s = LiveSettings {
            new_model_days: 7,
            new_model_votes: 100,
            new_model_boost: 3.0,
            ..LiveSettings::default()
        };
        let now = Utc::now();
        let old = now - chrono::Duration::days(30);
        let young = now - chrono::Duration::days(2);
        assert!((boosted_weight(2.0, old, 500, now, &s) - 2.0).abs() < 1e-12);
        assert!((boosted_weight(2.0, young, 500, now, &s) - 6.0).abs() < 1e-12);
        assert!((boosted_weight(2.0, old, 99, now, &s) - 6.0).abs() < 1e-12);
        let off = LiveSettings {
            new_model_boost: 1.0,
            ..s
        };
        assert!((boosted_weight(2.0, young, 0, now, &off) - 2.0).abs() < 1e-12);
    }
}
