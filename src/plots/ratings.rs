//! Each model's rating with its 95% interval as whiskers, best first.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{
    CAPTION, FONT, GRID, INK, LABEL, MUTED, PALETTE, WIDTH, drawing, empty, finish, finite,
    label_width,
};

/// A model's rating and its 95% interval.
#[derive(Debug, Clone, PartialEq)]
pub struct Rated {
    pub model: String,
    pub rating: f64,
    pub ci_lower: f64,
    pub ci_upper: f64,
}

const TITLE: &str = "Ratings with 95% confidence intervals";

/// The ratings plot: one row per model, sorted best first, a dot at the
/// rating and whiskers from the lower to the upper bound. Models whose
/// numbers are not finite are left out.
///
/// # Errors
/// Only if drawing fails, which it does not into a string.
pub fn ratings(rows: &[Rated]) -> anyhow::Result<String> {
    let mut rows: Vec<&Rated> = rows
        .iter()
        .filter(|r| {
            finite(r.rating).is_some()
                && finite(r.ci_lower).is_some()
                && finite(r.ci_upper).is_some()
        })
        .collect();
    rows.sort_by(|a, b| b.rating.total_cmp(&a.rating).then(a.model.cmp(&b.model)));
    if rows.is_empty() {
        return empty(TITLE, "Each model's rating.", "No rated models yet.");
    }
    let n = rows.len();
    let lo = rows
        .iter()
        .map(|r| r.ci_lower.min(r.rating))
        .fold(f64::INFINITY, f64::min);
    let hi = rows
        .iter()
        .map(|r| r.ci_upper.max(r.rating))
        .fold(f64::NEG_INFINITY, f64::max);
    let pad = ((hi - lo) * 0.08).max(10.0);
    let (x0, x1) = (lo - pad, hi + pad);
    let labels: Vec<String> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| format!("{}. {}", i + 1, r.model))
        .collect();
    // Each model's name above its whisker, so that long names need no
    // column of their own and the plot stays narrow enough for a phone.
    let row_h = 72u32;
    let width = WIDTH.max(label_width(labels.iter().map(String::as_str), 0) + 40);
    let height = 130 + row_h * n as u32;

    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(drawing)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(16)
            .margin_right(28)
            .caption(TITLE, (FONT, CAPTION).into_font().color(&INK))
            .x_label_area_size(64)
            .build_cartesian_2d(x0..x1, 0f64..n as f64)
            .map_err(drawing)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .disable_y_axis()
            .y_labels(0)
            .x_labels(5)
            .x_label_formatter(&|x| format!("{x:.0}"))
            .x_desc("Rating (95% CI)")
            .label_style((FONT, LABEL).into_font().color(&INK))
            .axis_desc_style((FONT, LABEL).into_font().color(&INK))
            .bold_line_style(GRID.stroke_width(1))
            .light_line_style(WHITE.mix(0.0))
            .axis_style(MUTED.stroke_width(1))
            .draw()
            .map_err(drawing)?;
        // Best first: the first row at the top; its name in the upper part
        // of the row, the whisker in the lower.
        let top = |i: usize| (n - i) as f64;
        let y = |i: usize| top(i) - 0.68;
        let color = PALETTE[0];
        chart
            .draw_series(rows.iter().enumerate().map(|(i, r)| {
                PathElement::new(
                    vec![(r.ci_lower, y(i)), (r.ci_upper, y(i))],
                    color.stroke_width(4),
                )
            }))
            .map_err(drawing)?;
        for (i, r) in rows.iter().enumerate() {
            for end in [r.ci_lower, r.ci_upper] {
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![(end, y(i) - 0.15), (end, y(i) + 0.15)],
                        color.stroke_width(4),
                    )))
                    .map_err(drawing)?;
            }
        }
        chart
            .draw_series(
                rows.iter()
                    .enumerate()
                    .map(|(i, r)| Circle::new((r.rating, y(i)), 8, color.filled())),
            )
            .map_err(drawing)?;
        let style = TextStyle::from((FONT, LABEL).into_font())
            .color(&INK)
            .pos(Pos::new(HPos::Left, VPos::Center));
        for (i, label) in labels.iter().enumerate() {
            let (px, py) = chart.backend_coord(&(x0, top(i) - 0.25));
            root.draw(&Text::new(label.clone(), (px + 6, py), style.clone()))
                .map_err(drawing)?;
        }
        root.present().map_err(drawing)?;
    }
    let best = rows[0];
    let desc = format!(
        "{n} models, best first. {} leads with {:.0} (95% CI {:.0} to {:.0}). {}",
        best.model,
        best.rating,
        best.ci_lower,
        best.ci_upper,
        rows.iter()
            .map(|r| format!(
                "{}: {:.0} ({:.0} to {:.0})",
                r.model, r.rating, r.ci_lower, r.ci_upper
            ))
            .collect::<Vec<_>>()
            .join("; ")
    );
    Ok(finish(&svg, TITLE, &desc))
}

#[cfg(test)]
mod tests {
    use super::super::tests::assert_valid;
    use super::*;

    fn rated(model: &str, rating: f64, half: f64) -> Rated {
        Rated {
            model: model.to_owned(),
            rating,
            ci_lower: rating - half,
            ci_upper: rating + half,
        }
    }

    #[test]
    fn one_dot_per_model_best_first() {
        let rows = vec![
            rated("weak", 950.0, 30.0),
            rated("strong", 1080.0, 25.0),
            rated("a&b <model>", 1000.0, 40.0),
        ];
        let svg = ratings(&rows).expect("svg");
        assert_valid(&svg);
        assert_eq!(svg.matches("<circle").count(), 3);
        let strong = svg.find(">\n1. strong").expect("strong is first");
        let escaped = svg.find("2. a&amp;b &lt;model&gt;").expect("escaped name");
        let weak = svg.find("3. weak").expect("weak is last");
        assert!(strong < escaped && escaped < weak);
        assert!(svg.contains("strong leads with 1080"));
    }

    #[test]
    fn no_rows_and_bad_numbers_still_draw() {
        assert_valid(&ratings(&[]).expect("svg"));
        let svg = ratings(&[rated("ok", 1000.0, 0.0), rated("nan", f64::NAN, 1.0)]).expect("svg");
        assert_valid(&svg);
        assert_eq!(svg.matches("<circle").count(), 1);
        assert!(!svg.contains("nan"));
    }
}
