//! Intervals for proportions and rank correlations, with `statrs` for the
//! distributions.

use statrs::distribution::{Beta, ContinuousCDF, Normal};

/// A proportion with its 95% interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Proportion {
    pub value: f64,
    pub lower: f64,
    pub upper: f64,
}

fn z(confidence: f64) -> f64 {
    Normal::new(0.0, 1.0)
        .map(|n| n.inverse_cdf(0.5 + confidence / 2.0))
        .unwrap_or(1.959_963_984_540_054)
}

/// The Wilson score interval of `successes` out of `n`.
#[must_use]
pub fn wilson(successes: f64, n: f64, confidence: f64) -> Option<Proportion> {
    if n <= 0.0 || successes < 0.0 || successes > n {
        return None;
    }
    let z = z(confidence);
    let p = successes / n;
    let z2 = z * z;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = z / (1.0 + z2 / n) * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    Some(Proportion {
        value: p,
        lower: (centre - half).max(0.0),
        upper: (centre + half).min(1.0),
    })
}

/// The Clopper-Pearson (exact) interval of `successes` out of `n`.
#[must_use]
pub fn clopper_pearson(successes: u64, n: u64, confidence: f64) -> Option<Proportion> {
    if n == 0 || successes > n {
        return None;
    }
    let alpha = 1.0 - confidence;
    let (k, n_f) = (successes as f64, n as f64);
    let lower = if successes == 0 {
        0.0
    } else {
        Beta::new(k, n_f - k + 1.0).ok()?.inverse_cdf(alpha / 2.0)
    };
    let upper = if successes == n {
        1.0
    } else {
        Beta::new(k + 1.0, n_f - k)
            .ok()?
            .inverse_cdf(1.0 - alpha / 2.0)
    };
    Some(Proportion {
        value: k / n_f,
        lower,
        upper,
    })
}

/// A rank correlation and its two-sided p-value (normal approximation).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Correlation {
    pub value: f64,
    pub p_value: f64,
    pub n: usize,
}

/// Ranks from the smallest (1) up, ties sharing their mean rank.
#[must_use]
pub fn ranks(xs: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..xs.len()).collect();
    idx.sort_by(|&a, &b| xs[a].total_cmp(&xs[b]));
    let mut r = vec![0.0; xs.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && xs[idx[j + 1]] == xs[idx[i]] {
            j += 1;
        }
        let avg = (i + j) as f64 / 2.0 + 1.0;
        for &k in &idx[i..=j] {
            r[k] = avg;
        }
        i = j + 1;
    }
    r
}

fn two_sided(zscore: f64) -> f64 {
    Normal::new(0.0, 1.0).map_or(1.0, |n| 2.0 * (1.0 - n.cdf(zscore.abs())))
}

/// Spearman's ρ between two scorings of the same items (ties get mean
/// ranks), with the p-value of `ρ·√(n−1)` under the normal approximation.
#[must_use]
pub fn spearman(x: &[f64], y: &[f64]) -> Option<Correlation> {
    let n = x.len();
    if n < 3 || y.len() != n {
        return None;
    }
    let (rx, ry) = (ranks(x), ranks(y));
    let mean = (n as f64 + 1.0) / 2.0;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for i in 0..n {
        let (a, b) = (rx[i] - mean, ry[i] - mean);
        sxy += a * b;
        sxx += a * a;
        syy += b * b;
    }
    if sxx == 0.0 || syy == 0.0 {
        return None;
    }
    let rho = sxy / (sxx * syy).sqrt();
    Some(Correlation {
        value: rho,
        p_value: two_sided(rho * (n as f64 - 1.0).sqrt()),
        n,
    })
}

/// The `confidence` interval of Spearman's ρ by Fisher's z transform with
/// the variance of Fieller, Hartley and Pearson (1957), `1.06 / (n − 3)`:
/// `tanh(atanh ρ ± z·√(1.06/(n−3)))`. Needs four items or more; a ρ of ±1
/// gives the point itself.
#[must_use]
pub fn spearman_interval(c: &Correlation, confidence: f64) -> Option<(f64, f64)> {
    if c.n < 4 || !c.value.is_finite() {
        return None;
    }
    if c.value.abs() >= 1.0 {
        return Some((c.value, c.value));
    }
    let se = (1.06 / (c.n as f64 - 3.0)).sqrt();
    let centre = c.value.atanh();
    let half = z(confidence) * se;
    Some(((centre - half).tanh(), (centre + half).tanh()))
}

/// Kendall's τ-b between two scorings of the same items, with the p-value of
/// its normal approximation (variance without tie correction).
#[must_use]
pub fn kendall(x: &[f64], y: &[f64]) -> Option<Correlation> {
    let n = x.len();
    if n < 3 || y.len() != n {
        return None;
    }
    let (mut concordant, mut discordant, mut ties_x, mut ties_y) = (0.0f64, 0.0f64, 0.0f64, 0.0f64);
    for i in 0..n {
        for j in i + 1..n {
            let dx = (x[i] - x[j]).signum();
            let dy = (y[i] - y[j]).signum();
            if dx == 0.0 && dy == 0.0 {
                continue;
            } else if dx == 0.0 {
                ties_x += 1.0;
            } else if dy == 0.0 {
                ties_y += 1.0;
            } else if dx == dy {
                concordant += 1.0;
            } else {
                discordant += 1.0;
            }
        }
    }
    let denom = ((concordant + discordant + ties_x) * (concordant + discordant + ties_y)).sqrt();
    if denom == 0.0 {
        return None;
    }
    let tau = (concordant - discordant) / denom;
    let nf = n as f64;
    let var = 2.0 * (2.0 * nf + 5.0) / (9.0 * nf * (nf - 1.0));
    Some(Correlation {
        value: tau,
        p_value: two_sided(tau / var.sqrt()),
        n,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_matches_hand_computed_bounds() {
        // 8 of 10, z = 1.96: centre 0.7167, half-width 0.2191 (Wilson 1927; as
        // in Newcombe 1998, table I).
        let w = wilson(8.0, 10.0, 0.95).expect("interval");
        assert!((w.lower - 0.4902).abs() < 5e-4, "{w:?}");
        assert!((w.upper - 0.9433).abs() < 5e-4, "{w:?}");
        assert_eq!(wilson(1.0, 0.0, 0.95), None);
    }

    #[test]
    fn clopper_pearson_matches_published_bounds() {
        // 8 of 10: [0.4439, 0.9748] (Newcombe 1998, table I, method 5).
        let c = clopper_pearson(8, 10, 0.95).expect("interval");
        assert!((c.lower - 0.4439).abs() < 5e-4, "{c:?}");
        assert!((c.upper - 0.9748).abs() < 5e-4, "{c:?}");
        let zero = clopper_pearson(0, 10, 0.95).expect("interval");
        assert_eq!(zero.lower, 0.0);
        assert!((zero.upper - 0.3085).abs() < 5e-4, "{zero:?}");
    }

    #[test]
    fn spearman_interval_matches_a_hand_computed_value() {
        // ρ = 0.5, n = 13: atanh 0.5 = 0.549306, se = √(1.06/10) = 0.325576,
        // z·se = 0.638118: tanh(−0.088812) = −0.088579, tanh(1.187424) = 0.829778.
        let c = Correlation {
            value: 0.5,
            p_value: 0.0,
            n: 13,
        };
        let (lo, hi) = spearman_interval(&c, 0.95).expect("interval");
        assert!((lo + 0.088_579).abs() < 1e-5, "{lo}");
        assert!((hi - 0.829_778).abs() < 1e-5, "{hi}");
        assert_eq!(spearman_interval(&Correlation { n: 3, ..c }, 0.95), None);
    }

    #[test]
    fn spearman_interval_covers_the_truth_about_95_percent_of_the_time() {
        use rand::SeedableRng;
        use rand_distr::{Distribution, StandardNormal};
        // Bivariate normal with Pearson r: Spearman's ρ is (6/π)·asin(r/2).
        let mut rng = rand::rngs::StdRng::seed_from_u64(14);
        for (r, n) in [(0.6_f64, 20usize), (0.0, 12), (0.3, 40)] {
            let truth = 6.0 / std::f64::consts::PI * (r / 2.0).asin();
            let rounds = 2000;
            let mut covered = 0;
            for _ in 0..rounds {
                let (mut x, mut y) = (Vec::with_capacity(n), Vec::with_capacity(n));
                for _ in 0..n {
                    let a: f64 = StandardNormal.sample(&mut rng);
                    let b: f64 = StandardNormal.sample(&mut rng);
                    x.push(a);
                    y.push(r * a + (1.0 - r * r).sqrt() * b);
                }
                let c = spearman(&x, &y).expect("rho");
                let (lo, hi) = spearman_interval(&c, 0.95).expect("interval");
                covered += usize::from(lo <= truth && truth <= hi);
            }
            let share = covered as f64 / f64::from(rounds);
            assert!(
                (0.93..=0.975).contains(&share),
                "r {r}, n {n}: coverage {share}"
            );
        }
    }

    #[test]
    fn rank_correlations_of_hand_computed_orders() {
        let x = [1.0, 2.0, 3.0, 4.0, 5.0];
        let same = spearman(&x, &x).expect("rho");
        assert!((same.value - 1.0).abs() < 1e-12);
        let reversed = [5.0, 4.0, 3.0, 2.0, 1.0];
        assert!((kendall(&x, &reversed).expect("tau").value + 1.0).abs() < 1e-12);
        // One swapped neighbour pair: τ = (9 - 1)/10 = 0.8, ρ = 1 - 6·2/(5·24) = 0.9.
        let swapped = [2.0, 1.0, 3.0, 4.0, 5.0];
        assert!((kendall(&x, &swapped).expect("tau").value - 0.8).abs() < 1e-12);
        assert!((spearman(&x, &swapped).expect("rho").value - 0.9).abs() < 1e-12);
    }
}
