//! How the board is arranged: only models connected by battles to the main
//! group can be ranked against it, and a model with too few battles is shown
//! as preliminary, without a rank. Pure: it rearranges rows and nothing else.

use std::collections::HashMap;

use super::{Row, Standing};
use crate::rating::rank_upper_bound;

/// Sets each row's standing and rank, and orders the rows: ranked (by
/// rating), then preliminary, then not comparable.
///
/// `edges` are the pairs of models that have met, with how often. The main
/// group is the connected group with the most battles.
#[must_use]
pub fn arrange(mut rows: Vec<Row>, edges: &[(String, String, u64)], min_votes: u64) -> Vec<Row> {
    let group = groups(&rows, edges);
    let mut battles_by_group: HashMap<usize, u64> = HashMap::new();
    for (a, _, n) in edges {
        if let Some(&g) = group.get(a.as_str()) {
            *battles_by_group.entry(g).or_default() += n;
        }
    }
    let main = battles_by_group
        .iter()
        .max_by_key(|(g, n)| (**n, std::cmp::Reverse(**g)))
        .map(|(g, _)| *g);
    for row in &mut rows {
        let in_main = main.is_some() && group.get(row.model.as_str()).copied() == main;
        (row.standing, row.standing_reason) = if !in_main {
            (
                Standing::NotComparable,
                Some("no battles against the ranked models yet".to_owned()),
            )
        } else if row.battles < min_votes {
            (
                Standing::Preliminary,
                Some(format!("fewer than {min_votes} battles so far")),
            )
        } else if row.provisional {
            (
                Standing::Preliminary,
                Some("has won or lost every battle so far".to_owned()),
            )
        } else {
            (Standing::Ranked, None)
        };
    }
    let ranked: Vec<usize> = (0..rows.len())
        .filter(|&i| rows[i].standing == Standing::Ranked)
        .collect();
    let intervals: Vec<(f64, f64)> = ranked
        .iter()
        .map(|&i| (rows[i].ci_lower, rows[i].ci_upper))
        .collect();
    for row in &mut rows {
        row.rank = None;
    }
    for (&i, rank) in ranked.iter().zip(rank_upper_bound(&intervals)) {
        rows[i].rank = Some(rank);
    }
    rows.sort_by(|a, b| {
        a.standing
            .order()
            .cmp(&b.standing.order())
            .then(b.rating.total_cmp(&a.rating))
            .then_with(|| a.model.cmp(&b.model))
    });
    rows
}

/// The connected group of each model (by union-find over the edges).
fn groups(rows: &[Row], edges: &[(String, String, u64)]) -> HashMap<String, usize> {
    let mut index: HashMap<&str, usize> = HashMap::new();
    for r in rows {
        let next = index.len();
        index.entry(r.model.as_str()).or_insert(next);
    }
    for (a, b, _) in edges {
        for m in [a, b] {
            let next = index.len();
            index.entry(m.as_str()).or_insert(next);
        }
    }
    let mut parent: Vec<usize> = (0..index.len()).collect();
    fn find(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    for (a, b, n) in edges {
        if *n == 0 {
            continue;
        }
        let (Some(&ia), Some(&ib)) = (index.get(a.as_str()), index.get(b.as_str())) else {
            continue;
        };
        let (ra, rb) = (find(&mut parent, ia), find(&mut parent, ib));
        if ra != rb {
            parent[ra.max(rb)] = ra.min(rb);
        }
    }
    index
        .iter()
        .map(|(name, &i)| ((*name).to_owned(), find(&mut parent, i)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(model: &str, rating: f64, battles: u64) -> Row {
        Row {
            model: model.to_owned(),
            display_name: model.to_owned(),
            organization: None,
            license: None,
            rating,
            ci_lower: rating - 30.0,
            ci_upper: rating + 30.0,
            votes: battles,
            battles,
            wins: battles as f64 / 2.0,
            win_rate: 0.5,
            rank: Some(99),
            elo: 1000.0,
            provisional: false,
            standing: Standing::Ranked,
            standing_reason: None,
            deprecated: false,
            style: None,
            gap: None,
        }
    }

    fn edge(a: &str, b: &str, n: u64) -> (String, String, u64) {
        (a.to_owned(), b.to_owned(), n)
    }

    #[test]
    fn a_separate_group_is_not_comparable_and_few_battles_are_preliminary() {
        let rows = vec![
            row("a", 1100.0, 100),
            row("b", 1000.0, 120),
            row("c", 900.0, 40),
            row("new", 1300.0, 5),
            row("x", 1500.0, 10),
            row("y", 500.0, 10),
        ];
        let edges = [
            edge("a", "b", 80),
            edge("b", "c", 40),
            edge("a", "new", 5),
            edge("x", "y", 10),
        ];
        let board = arrange(rows, &edges, 20);
        let order: Vec<(&str, Standing, Option<usize>)> = board
            .iter()
            .map(|r| (r.model.as_str(), r.standing, r.rank))
            .collect();
        assert_eq!(
            order,
            vec![
                ("a", Standing::Ranked, Some(1)),
                ("b", Standing::Ranked, Some(2)),
                ("c", Standing::Ranked, Some(3)),
                ("new", Standing::Preliminary, None),
                ("x", Standing::NotComparable, None),
                ("y", Standing::NotComparable, None),
            ]
        );
        assert!(
            board[3]
                .standing_reason
                .as_deref()
                .is_some_and(|r| r.contains("20"))
        );
    }

    #[test]
    fn a_provisional_model_is_preliminary_and_ranks_close_over_it() {
        let mut rows = vec![
            row("a", 1000.0, 50),
            row("b", 1010.0, 50),
            row("c", 2400.0, 50),
        ];
        rows[2].provisional = true;
        let board = arrange(rows, &[edge("a", "b", 30), edge("a", "c", 20)], 10);
        assert_eq!(board[0].model, "b");
        assert_eq!(board[0].rank, Some(1));
        assert_eq!(board[1].rank, Some(1), "overlapping intervals share a rank");
        assert_eq!(board[2].standing, Standing::Preliminary);
    }

    #[test]
    fn no_battles_means_nothing_is_ranked() {
        let board = arrange(vec![row("a", 1000.0, 0)], &[], 1);
        assert_eq!(board[0].standing, Standing::NotComparable);
    }
}
