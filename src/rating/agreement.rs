//! Agreement between raters: Fleiss' κ, Cohen's κ and Krippendorff's α
//! (nominal, ordinal, interval), with a seeded bootstrap over units for α.
//! Pure functions over plain data.

use rand::RngExt;
use rand::SeedableRng;
use rand::rngs::StdRng;

/// Fleiss' κ for `subjects`, each a count of ratings per category; every
/// subject must have the same number of ratings (at least two). `None` when
/// there is nothing to measure (no subjects, or every rating in one category).
#[must_use]
pub fn fleiss_kappa(subjects: &[Vec<u32>]) -> Option<f64> {
    let n = f64::from(subjects.first()?.iter().sum::<u32>());
    let categories = subjects.first()?.len();
    if n < 2.0
        || subjects
            .iter()
            .any(|s| s.len() != categories || f64::from(s.iter().sum::<u32>()) != n)
    {
        return None;
    }
    let count = subjects.len() as f64;
    let mut p_j = vec![0.0; categories];
    let mut p_bar = 0.0;
    for s in subjects {
        let mut agree = 0.0;
        for (j, &c) in s.iter().enumerate() {
            let c = f64::from(c);
            p_j[j] += c;
            agree += c * (c - 1.0);
        }
        p_bar += agree / (n * (n - 1.0));
    }
    p_bar /= count;
    let p_e: f64 = p_j.iter().map(|t| (t / (count * n)).powi(2)).sum();
    if (1.0 - p_e).abs() < 1e-12 {
        return None;
    }
    Some((p_bar - p_e) / (1.0 - p_e))
}

/// Cohen's κ for two raters' labels of the same items (categories
/// `0..categories`). `None` when chance agreement is certain or there are no
/// items.
#[must_use]
pub fn cohen_kappa(pairs: &[(usize, usize)], categories: usize) -> Option<f64> {
    if pairs.is_empty() {
        return None;
    }
    let n = pairs.len() as f64;
    let mut a = vec![0.0; categories];
    let mut b = vec![0.0; categories];
    let mut observed = 0.0;
    for &(x, y) in pairs {
        if x >= categories || y >= categories {
            return None;
        }
        a[x] += 1.0;
        b[y] += 1.0;
        if x == y {
            observed += 1.0;
        }
    }
    let p_o = observed / n;
    let p_e: f64 = a.iter().zip(&b).map(|(x, y)| x * y / (n * n)).sum();
    if (1.0 - p_e).abs() < 1e-12 {
        return None;
    }
    Some((p_o - p_e) / (1.0 - p_e))
}

/// How far apart two values are, for Krippendorff's α.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// Categories: equal or not.
    Nominal,
    /// Ordered categories: by the ranks between them.
    Ordinal,
    /// Numbers: squared difference.
    Interval,
}

/// Krippendorff's α for `units`, each the values the raters gave it (missing
/// ratings left out). Values are category indices `0..categories` (ordered
/// for `Ordinal`, numbers for `Interval`). Units with fewer than two values
/// cannot be paired and are left out. `None` when nothing varies.
#[must_use]
pub fn krippendorff_alpha(units: &[Vec<usize>], categories: usize, metric: Metric) -> Option<f64> {
    // Coincidence matrix: each ordered pair of values within a unit, weighted 1/(m-1).
    let mut o = vec![vec![0.0f64; categories]; categories];
    for unit in units {
        let m = unit.len();
        if m < 2 {
            continue;
        }
        let w = 1.0 / (m - 1) as f64;
        for (i, &c) in unit.iter().enumerate() {
            for (j, &k) in unit.iter().enumerate() {
                if i != j {
                    if c >= categories || k >= categories {
                        return None;
                    }
                    o[c][k] += w;
                }
            }
        }
    }
    let n_c: Vec<f64> = o.iter().map(|row| row.iter().sum()).collect();
    let n: f64 = n_c.iter().sum();
    if n < 2.0 {
        return None;
    }
    let delta2 = |c: usize, k: usize| -> f64 {
        match metric {
            Metric::Nominal => f64::from(u8::from(c != k)),
            Metric::Interval => (c as f64 - k as f64).powi(2),
            Metric::Ordinal => {
                let (lo, hi) = (c.min(k), c.max(k));
                let between: f64 = n_c[lo..=hi].iter().sum();
                (between - (n_c[lo] + n_c[hi]) / 2.0).powi(2)
            }
        }
    };
    let mut d_o = 0.0;
    let mut d_e = 0.0;
    for c in 0..categories {
        for k in 0..categories {
            let d = delta2(c, k);
            d_o += o[c][k] * d;
            d_e += n_c[c] * n_c[k] * d;
        }
    }
    d_o /= n;
    d_e /= n * (n - 1.0);
    if d_e <= 0.0 {
        return None;
    }
    Some(1.0 - d_o / d_e)
}

/// A statistic with a 95% percentile-bootstrap interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    pub value: f64,
    pub lower: f64,
    pub upper: f64,
}

/// Krippendorff's α with a 95% interval from `rounds` bootstrap resamples of
/// the units, seeded.
#[must_use]
pub fn krippendorff_alpha_interval(
    units: &[Vec<usize>],
    categories: usize,
    metric: Metric,
    rounds: usize,
    seed: u64,
) -> Option<Estimate> {
    let value = krippendorff_alpha(units, categories, metric)?;
    let mut rng = StdRng::seed_from_u64(seed);
    let mut draws: Vec<f64> = (0..rounds)
        .filter_map(|_| {
            let sample: Vec<Vec<usize>> = (0..units.len())
                .map(|_| units[rng.random_range(0..units.len())].clone())
                .collect();
            krippendorff_alpha(&sample, categories, metric)
        })
        .collect();
    if draws.is_empty() {
        return Some(Estimate {
            value,
            lower: value,
            upper: value,
        });
    }
    draws.sort_by(f64::total_cmp);
    let at = |q: f64| draws[((draws.len() - 1) as f64 * q).round() as usize];
    Some(Estimate {
        value,
        lower: at(0.025),
        upper: at(0.975),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worked example of Fleiss' κ on Wikipedia ("Fleiss' kappa"): 10
    /// subjects, 14 raters, 5 categories; P̄ = 0.378, P̄e = 0.213, κ = 0.210.
    #[test]
    fn fleiss_kappa_matches_the_worked_example() {
        let table = vec![
            vec![0, 0, 0, 0, 14],
            vec![0, 2, 6, 4, 2],
            vec![0, 0, 3, 5, 6],
            vec![0, 3, 9, 2, 0],
            vec![2, 2, 8, 1, 1],
            vec![7, 7, 0, 0, 0],
            vec![3, 2, 6, 3, 0],
            vec![2, 5, 3, 2, 2],
            vec![6, 5, 2, 1, 0],
            vec![0, 2, 2, 3, 7],
        ];
        let k = fleiss_kappa(&table).expect("kappa");
        assert!((k - 0.210).abs() < 0.0005, "{k}");
        assert_eq!(fleiss_kappa(&[vec![3, 0], vec![3, 0]]), None);
    }

    /// Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", the
    /// example of four observers, twelve units and missing values:
    /// α nominal 0.743, ordinal 0.815, interval 0.849.
    #[test]
    fn krippendorff_alpha_matches_the_published_example() {
        // Observers A..D over units 1..12; 0 marks a missing value.
        let data: [[usize; 12]; 4] = [
            [1, 2, 3, 3, 2, 1, 4, 1, 2, 0, 0, 0],
            [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, 0, 3],
            [0, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, 0],
            [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, 0],
        ];
        let units: Vec<Vec<usize>> = (0..12)
            .map(|u| {
                data.iter()
                    .map(|row| row[u])
                    .filter(|&v| v > 0)
                    .map(|v| v - 1)
                    .collect()
            })
            .collect();
        let nominal = krippendorff_alpha(&units, 5, Metric::Nominal).expect("alpha");
        let ordinal = krippendorff_alpha(&units, 5, Metric::Ordinal).expect("alpha");
        let interval = krippendorff_alpha(&units, 5, Metric::Interval).expect("alpha");
        assert!((nominal - 0.743).abs() < 0.0005, "nominal {nominal}");
        assert!((ordinal - 0.815).abs() < 0.0005, "ordinal {ordinal}");
        assert!((interval - 0.849).abs() < 0.0005, "interval {interval}");
        let e = krippendorff_alpha_interval(&units, 5, Metric::Nominal, 500, 1).expect("interval");
        assert!(e.lower <= nominal && nominal <= e.upper);
    }

    /// Cohen's κ on a hand-computed table: 50 items, agreement 35/50 = 0.7,
    /// chance (25·30 + 25·20)/2500 = 0.5, κ = 0.4.
    #[test]
    fn cohen_kappa_matches_a_hand_computed_table() {
        let mut pairs = Vec::new();
        pairs.extend(std::iter::repeat_n((0, 0), 20));
        pairs.extend(std::iter::repeat_n((0, 1), 5));
        pairs.extend(std::iter::repeat_n((1, 0), 10));
        pairs.extend(std::iter::repeat_n((1, 1), 15));
        let k = cohen_kappa(&pairs, 2).expect("kappa");
        assert!((k - 0.4).abs() < 1e-12, "{k}");
    }

    /// Raters who copy a true label with a known accuracy `p` (else guess
    /// among 3 categories at random): with many items, α nominal approaches
    /// the value implied by `p`, and its interval covers it.
    #[test]
    fn alpha_recovers_the_agreement_of_simulated_raters() {
        let mut rng = StdRng::seed_from_u64(42);
        let p: f64 = 0.8;
        let k = 3usize;
        let units: Vec<Vec<usize>> = (0..2000)
            .map(|_| {
                let truth = rng.random_range(0..k);
                (0..3)
                    .map(|_| {
                        if rng.random::<f64>() < p {
                            truth
                        } else {
                            rng.random_range(0..k)
                        }
                    })
                    .collect()
            })
            .collect();
        // A rater's label equals the truth with q = p + (1-p)/k; two labels
        // agree with q² + (1-q)²/(k-1); chance agreement is 1/k.
        let q = p + (1.0 - p) / k as f64;
        let agree = q * q + (1.0 - q).powi(2) / (k - 1) as f64;
        let expected = (agree - 1.0 / k as f64) / (1.0 - 1.0 / k as f64);
        let e = krippendorff_alpha_interval(&units, k, Metric::Nominal, 300, 3).expect("alpha");
        assert!(
            e.lower <= expected && expected <= e.upper,
            "{e:?} vs {expected}"
        );
    }
}
