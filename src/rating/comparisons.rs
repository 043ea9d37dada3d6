//! Battles aggregated into per-pair counts: the input of every rating method that
//! does not depend on the order of the battles.

use std::collections::HashMap;
use std::sync::Arc;

use foldhash::fast::RandomState;

use crate::domain::Verdict;

/// The outcomes of all battles between two models `a < b` (model indices).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PairCount {
    pub a: u32,
    pub b: u32,
    pub wins_a: u64,
    pub wins_b: u64,
    /// Both kinds of tie (`tie` and `tie (bothbad)`); each counts half a win for each side.
    pub ties: u64,
}

impl PairCount {
    /// Battles between the two models.
    #[must_use]
    pub fn total(&self) -> u64 {
        self.wins_a + self.wins_b + self.ties
    }
}

/// Models (by index) and the pair counts between them. Pairs are stored once,
/// oriented `a < b`, sorted, with at least one battle each.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Comparisons {
    /// Shared, so that a bootstrap replicate's copy does not copy the names.
    models: Arc<[String]>,
    pairs: Vec<PairCount>,
}

impl Comparisons {
    /// Builds from `(model_a, model_b, verdict, count)` rows, in any order and
    /// orientation; rows of a model against itself are ignored. Models are indexed
    /// in order of first appearance.
    #[must_use]
    pub fn from_counts<'a, I>(rows: I) -> Self
    where
        I: IntoIterator<Item = (&'a str, &'a str, Verdict, u64)>,
    {
        let mut builder = ComparisonsBuilder::default();
        for (a, b, verdict, n) in rows {
            builder.add_n(a, b, verdict, n);
        }
        builder.build()
    }

    /// Model names; index `i` is the model of `PairCount::a == i`.
    #[must_use]
    pub fn models(&self) -> &[String] {
        &self.models
    }

    #[must_use]
    pub fn pairs(&self) -> &[PairCount] {
        &self.pairs
    }

    /// Total number of battles.
    #[must_use]
    pub fn battles(&self) -> u64 {
        self.pairs.iter().map(PairCount::total).sum()
    }

    /// Battles each model took part in.
    #[must_use]
    pub fn model_battles(&self) -> Vec<u64> {
        let mut n = vec![0; self.models.len()];
        for p in &self.pairs {
            n[p.a as usize] += p.total();
            n[p.b as usize] += p.total();
        }
        n
    }

    /// A copy with new pair totals (same models and pairs), as a bootstrap draw makes.
    #[must_use]
    pub fn with_pairs(&self, pairs: Vec<PairCount>) -> Self {
        Self {
            models: Arc::clone(&self.models),
            pairs,
        }
    }

    /// Index of a model by name.
    #[must_use]
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.models.iter().position(|m| m == name)
    }
}

/// Accumulates battles one by one (or counted) into [`Comparisons`].
#[derive(Debug, Default)]
pub struct ComparisonsBuilder {
    // foldhash (randomly seeded): these maps are hit once or twice per battle
    // read, and SipHash stood out in the profile of `ratings`.
    index: HashMap<String, u32, RandomState>,
    models: Vec<String>,
    pairs: HashMap<(u32, u32), PairCount, RandomState>,
}

impl ComparisonsBuilder {
    fn intern(&mut self, name: &str) -> u32 {
        if let Some(&i) = self.index.get(name) {
            return i;
        }
        let i = u32::try_from(self.models.len()).unwrap_or(u32::MAX);
        self.index.insert(name.to_owned(), i);
        self.models.push(name.to_owned());
        i
    }

    /// Registers a model even if it has no battle yet.
    pub fn add_model(&mut self, name: &str) -> u32 {
        self.intern(name)
    }

    /// Adds one battle.
    pub fn add(&mut self, model_a: &str, model_b: &str, verdict: Verdict) {
        self.add_n(model_a, model_b, verdict, 1);
    }

    /// Adds `n` identical battles.
    pub fn add_n(&mut self, model_a: &str, model_b: &str, verdict: Verdict, n: u64) {
        if model_a == model_b || n == 0 {
            return;
        }
        let (ia, ib) = (self.intern(model_a), self.intern(model_b));
        self.add_indexed(ia, ib, verdict, n);
    }

    /// Adds `n` battles between models already interned by index.
    pub fn add_indexed(&mut self, ia: u32, ib: u32, verdict: Verdict, n: u64) {
        if ia == ib || n == 0 {
            return;
        }
        let (lo, hi, a_is_lo) = if ia < ib {
            (ia, ib, true)
        } else {
            (ib, ia, false)
        };
        let p = self.pairs.entry((lo, hi)).or_insert(PairCount {
            a: lo,
            b: hi,
            ..PairCount::default()
        });
        match (verdict, a_is_lo) {
            (Verdict::ModelA, true) | (Verdict::ModelB, false) => p.wins_a += n,
            (Verdict::ModelB, true) | (Verdict::ModelA, false) => p.wins_b += n,
            (Verdict::Tie | Verdict::TieBothBad, _) => p.ties += n,
        }
    }

    /// Adds everything `other` counted, keeping this builder's model order and
    /// appending `other`'s new models in its order. Returns, for each of
    /// `other`'s model indices, the index it has here.
    pub fn merge(&mut self, other: ComparisonsBuilder) -> Vec<u32> {
        let map: Vec<u32> = other.models.iter().map(|m| self.intern(m)).collect();
        for p in other.pairs.into_values() {
            let (a, b) = (map[p.a as usize], map[p.b as usize]);
            self.add_indexed(a, b, Verdict::ModelA, p.wins_a);
            self.add_indexed(a, b, Verdict::ModelB, p.wins_b);
            self.add_indexed(a, b, Verdict::Tie, p.ties);
        }
        map
    }

    #[must_use]
    pub fn build(self) -> Comparisons {
        let mut pairs: Vec<PairCount> = self.pairs.into_values().collect();
        pairs.sort_unstable_by_key(|p| (p.a, p.b));
        Comparisons {
            models: self.models.into(),
            pairs,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orientation_and_order_do_not_matter() {
        let mut x = ComparisonsBuilder::default();
        x.add("p", "q", Verdict::ModelA);
        x.add("q", "p", Verdict::ModelB);
        x.add("q", "p", Verdict::TieBothBad);
        x.add("p", "p", Verdict::ModelA);
        let c = x.build();
        assert_eq!(c.models(), ["p", "q"]);
        assert_eq!(
            c.pairs(),
            [PairCount {
                a: 0,
                b: 1,
                wins_a: 2,
                wins_b: 0,
                ties: 1
            }]
        );
        assert_eq!(c.battles(), 3);
        assert_eq!(c.model_battles(), vec![3, 3]);
    }

    #[test]
    fn merging_builders_equals_one_builder() {
        let battles = [
            ("p", "q", Verdict::ModelA),
            ("q", "r", Verdict::Tie),
            ("r", "p", Verdict::ModelB),
            ("s", "q", Verdict::ModelA),
        ];
        let mut one = ComparisonsBuilder::default();
        for (a, b, v) in battles {
            one.add(a, b, v);
        }
        let (mut first, mut second) =
            (ComparisonsBuilder::default(), ComparisonsBuilder::default());
        for (a, b, v) in &battles[..2] {
            first.add(a, b, *v);
        }
        for (a, b, v) in &battles[2..] {
            second.add(a, b, *v);
        }
        let map = first.merge(second);
        assert_eq!(map, vec![2, 0, 3, 1]);
        assert_eq!(first.build(), one.build());
    }

    #[test]
    fn counted_rows_add_up() {
        let c = Comparisons::from_counts([
            ("x", "y", Verdict::ModelA, 3),
            ("y", "x", Verdict::ModelA, 2),
            ("x", "z", Verdict::Tie, 4),
        ]);
        assert_eq!(c.battles(), 9);
        assert_eq!(c.pairs()[0].wins_a, 3);
        assert_eq!(c.pairs()[0].wins_b, 2);
        assert_eq!(c.pairs()[1].ties, 4);
    }
}
