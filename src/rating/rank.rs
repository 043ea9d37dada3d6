//! Ranks from confidence intervals, as on the Chatbot Arena leaderboard.

/// Rank (UB) of each model: 1 + the number of models whose lower bound is strictly
/// above this model's upper bound. `intervals[i]` is `(lower, upper)` of model `i`;
/// ties share a rank. With point ratings (lower = upper) this is the ordinary
/// "1 + number of strictly better models".
///
/// ```
/// use goldarena::rating::rank_upper_bound;
/// let ranks = rank_upper_bound(&[(1000.0, 1010.0), (1005.0, 1020.0), (900.0, 950.0)]);
/// assert_eq!(ranks, vec![1, 1, 3]);
/// ```
#[must_use]
pub fn rank_upper_bound(intervals: &[(f64, f64)]) -> Vec<usize> {
    intervals
        .iter()
        .map(|&(_, upper)| {
            1 + intervals
                .iter()
                .filter(|&&(lower, _)| lower > upper)
                .count()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn point_ratings_rank_by_strictly_better_models() {
        assert_eq!(
            rank_upper_bound(&[(3.0, 3.0), (5.0, 5.0), (3.0, 3.0), (1.0, 1.0)]),
            vec![2, 1, 2, 4]
        );
    }

    #[test]
    fn overlapping_intervals_share_a_rank() {
        assert_eq!(
            rank_upper_bound(&[(10.0, 20.0), (15.0, 25.0), (0.0, 9.0)]),
            vec![1, 1, 3]
        );
    }

    #[test]
    fn empty_input_gives_no_ranks() {
        assert!(rank_upper_bound(&[]).is_empty());
    }
}
