//! What a vote reads of an answer's text, kept per text: its style features
//! and its lower-cased form (which the identity-word scan searches). A
//! question-bank answer is voted on in battle after battle, and both are pure
//! functions of the text, so a text seen again is not parsed again. Keyed by
//! the whole text, so two texts never share an entry.

use std::sync::Arc;

use quick_cache::Weighter;
use quick_cache::sync::Cache;

use crate::domain::StyleFeatures;

/// Bytes of texts the cache holds at most (each text about twice: the key
/// and its lower-cased form).
const CACHE_BYTES: u64 = 32 * 1024 * 1024;

/// Texts longer than this are read every time (they would crowd out the rest).
const LONGEST_CACHED: usize = 256 * 1024;

/// What a vote reads of one answer's text.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct AnswerFacts {
    /// `str::to_lowercase` of the text.
    pub lowercase: Box<str>,
    pub style: StyleFeatures,
}

impl AnswerFacts {
    fn of(text: &str) -> Self {
        Self {
            lowercase: text.to_lowercase().into_boxed_str(),
            style: StyleFeatures::of_markdown(text),
        }
    }
}

#[derive(Clone)]
struct Bytes;

impl Weighter<String, Arc<AnswerFacts>> for Bytes {
    fn weight(&self, key: &String, val: &Arc<AnswerFacts>) -> u64 {
        // A few dozen bytes of bookkeeping per entry besides the texts.
        (key.len() + val.lowercase.len() + 96) as u64
    }
}

/// The answers' facts, least recently used first out.
pub(super) struct FactsCache(Cache<String, Arc<AnswerFacts>, Bytes>);

impl Default for FactsCache {
    fn default() -> Self {
        Self(Cache::with_weighter(8_192, CACHE_BYTES, Bytes))
    }
}

impl FactsCache {
    /// The facts of `text`, read now or kept from an earlier read.
    pub fn of(&self, text: &str) -> Arc<AnswerFacts> {
        if text.len() > LONGEST_CACHED {
            return Arc::new(AnswerFacts::of(text));
        }
        if let Some(kept) = self.0.get(text) {
            return kept;
        }
        let facts = Arc::new(AnswerFacts::of(text));
        self.0.insert(text.to_owned(), Arc::clone(&facts));
        facts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_facts_are_the_facts_of_the_text() {
        let cache = FactsCache::default();
        let texts = [
            "# Title\n\n- **One** item\n- Two",
            "ÉCOLE, Straße and 通义千问",
            "",
        ];
        for text in texts {
            let fresh = AnswerFacts::of(text);
            assert_eq!(*cache.of(text), fresh, "first read of {text:?}");
            assert_eq!(*cache.of(text), fresh, "kept copy of {text:?}");
        }
        // Different texts keep their own entries.
        assert_eq!(cache.of("**A**").style.bold, 1);
        assert_eq!(cache.of("**a** and **b**").style.bold, 2);
        let long = "x".repeat(LONGEST_CACHED + 1);
        assert_eq!(*cache.of(&long), AnswerFacts::of(&long));
    }
}
