//! Who judges what. Each item goes to exactly `raters_per_item` different
//! experts; the load stays even (no expert has more than one item more than
//! another); among experts with the same load, those whose specialties match
//! the item's category come first; and each judgment shows the sides in a
//! random order. Pure: the caller stores the result.

use rand::seq::SliceRandom;
use rand::{Rng, RngExt};

/// An item to assign: its category (the question's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemSpec {
    pub category: String,
}

/// An expert who may be assigned items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpertSpec {
    pub specialties: Vec<String>,
}

/// One judgment to make: item and expert (indices into the inputs), and
/// whether the item's second model is shown on the left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Assignment {
    pub item: usize,
    pub expert: usize,
    pub shown_swapped: bool,
}

/// Why the items cannot be assigned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AssignError {
    #[error("{needed} raters per item, but only {experts} experts")]
    TooFewExperts { needed: usize, experts: usize },
    #[error("raters_per_item must be at least 1")]
    NoRaters,
}

/// Assigns every item to `raters` distinct experts.
///
/// # Errors
/// When there are fewer experts than raters per item, or no raters.
pub fn assign(
    items: &[ItemSpec],
    experts: &[ExpertSpec],
    raters: usize,
    rng: &mut impl Rng,
) -> Result<Vec<Assignment>, AssignError> {
    if raters == 0 {
        return Err(AssignError::NoRaters);
    }
    if experts.len() < raters {
        return Err(AssignError::TooFewExperts {
            needed: raters,
            experts: experts.len(),
        });
    }
    let mut load = vec![0usize; experts.len()];
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.shuffle(rng);
    let mut out = Vec::with_capacity(items.len() * raters);
    for item in order {
        let category = items[item].category.to_lowercase();
        let mut candidates: Vec<(usize, bool, u64)> = (0..experts.len())
            .map(|e| {
                let matches = experts[e]
                    .specialties
                    .iter()
                    .any(|s| s.to_lowercase() == category);
                (e, matches, rng.random::<u64>())
            })
            .collect();
        // Least loaded first (which keeps the loads within one of each
        // other), then specialists, then at random.
        candidates.sort_by_key(|&(e, matches, tiebreak)| (load[e], !matches, tiebreak));
        for &(expert, _, _) in candidates.iter().take(raters) {
            load[expert] += 1;
            out.push(Assignment {
                item,
                expert,
                shown_swapped: rng.random::<bool>(),
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};

    use proptest::prelude::*;
    use rand::SeedableRng;

    use super::*;

    const CATEGORIES: [&str; 3] = ["cardiology", "pharmacy", "general"];

    fn setup(items: usize, experts: usize, specialists: usize) -> (Vec<ItemSpec>, Vec<ExpertSpec>) {
        let items = (0..items)
            .map(|i| ItemSpec {
                category: CATEGORIES[i % CATEGORIES.len()].to_owned(),
            })
            .collect();
        let experts = (0..experts)
            .map(|e| ExpertSpec {
                specialties: if e < specialists {
                    vec![CATEGORIES[e % 2].to_owned()]
                } else {
                    vec![]
                },
            })
            .collect();
        (items, experts)
    }

    proptest! {
        #[test]
        fn every_item_gets_exactly_r_distinct_experts_and_loads_stay_even(
            n_items in 1usize..60,
            n_experts in 1usize..12,
            raters in 1usize..5,
            specialists in 0usize..6,
            seed in any::<u64>(),
        ) {
            let (items, experts) = setup(n_items, n_experts, specialists.min(n_experts));
            let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
            let result = assign(&items, &experts, raters, &mut rng);
            if raters > n_experts {
                prop_assert!(result.is_err());
                return Ok(());
            }
            let result = result.expect("assignable");
            let mut per_item: HashMap<usize, HashSet<usize>> = HashMap::new();
            let mut load = vec![0usize; n_experts];
            for a in &result {
                prop_assert!(per_item.entry(a.item).or_default().insert(a.expert),
                    "expert {} judges item {} twice", a.expert, a.item);
                load[a.expert] += 1;
            }
            prop_assert_eq!(per_item.len(), n_items);
            prop_assert!(per_item.values().all(|e| e.len() == raters));
            let (lo, hi) = (load.iter().min().copied().unwrap_or(0), load.iter().max().copied().unwrap_or(0));
            prop_assert!(hi - lo <= 1, "loads {:?}", load);
        }
    }

    #[test]
    fn specialists_get_their_category_first_and_sides_are_mixed() {
        // Two cardiologists and two generalists, two raters per item. Even
        // loads come first, so specialty only breaks ties between experts of
        // equal load: the cardiologists still take more than their half of
        // the cardiology items.
        let items: Vec<ItemSpec> = (0..40)
            .map(|_| ItemSpec {
                category: "Cardiology".to_owned(),
            })
            .chain((0..40).map(|_| ItemSpec {
                category: "general".to_owned(),
            }))
            .collect();
        let experts = vec![
            ExpertSpec {
                specialties: vec!["cardiology".into()],
            },
            ExpertSpec {
                specialties: vec!["cardiology".into()],
            },
            ExpertSpec {
                specialties: vec![],
            },
            ExpertSpec {
                specialties: vec![],
            },
        ];
        let mut rng = rand::rngs::StdRng::seed_from_u64(9);
        let result = assign(&items, &experts, 2, &mut rng).expect("assign");
        let cardio_by_specialists = result
            .iter()
            .filter(|a| a.item < 40 && a.expert < 2)
            .count();
        let cardio_total = result.iter().filter(|a| a.item < 40).count();
        assert!(
            cardio_by_specialists * 2 > cardio_total,
            "{cardio_by_specialists} of {cardio_total}"
        );
        let swapped = result.iter().filter(|a| a.shown_swapped).count();
        assert!(
            (50..=110).contains(&swapped),
            "{swapped} of {}",
            result.len()
        );
    }
}
