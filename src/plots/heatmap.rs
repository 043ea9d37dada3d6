//! Heatmaps of pairs of models: row model against column model. The
//! columns are numbered like the rows, so that long names are written once.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{CAPTION, FONT, INK, LABEL, MUTED, WIDTH, drawing, empty, finish, finite, label_width};

/// What one heatmap shows and how its cells are written.
struct Spec {
    title: &'static str,
    desc: &'static str,
    /// The cell's text.
    format: fn(f64) -> String,
    /// Diverging around 0.5 (a share) or sequential from 0 (a count).
    diverging: bool,
}

const BLUE: (f64, f64, f64) = (33.0, 102.0, 172.0);
const RED: (f64, f64, f64) = (178.0, 24.0, 43.0);
const NO_DATA: RGBColor = RGBColor(246, 246, 246);
const DIAGONAL: RGBColor = RGBColor(222, 226, 230);

/// White mixed with `to` by `t` (0 white, 1 `to`).
fn mix(to: (f64, f64, f64), t: f64) -> RGBColor {
    let t = t.clamp(0.0, 1.0);
    let c = |v: f64| (255.0 - (255.0 - v) * t).round() as u8;
    RGBColor(c(to.0), c(to.1), c(to.2))
}

/// WCAG relative luminance.
fn luminance(c: RGBColor) -> f64 {
    let lin = |v: u8| {
        let s = f64::from(v) / 255.0;
        if s <= 0.039_28 {
            s / 12.92
        } else {
            ((s + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * lin(c.0) + 0.7152 * lin(c.1) + 0.0722 * lin(c.2)
}

/// Dark or white text, whichever stands out more on `fill`.
fn text_on(fill: RGBColor) -> RGBColor {
    let l = luminance(fill);
    let on_ink = (l + 0.05) / (luminance(INK) + 0.05);
    let on_white = 1.05 / (l + 0.05);
    if on_ink >= on_white { INK } else { WHITE }
}

/// Observed win fraction: `fractions[i][j]` is the share of the decisive
/// battles between `models[i]` and `models[j]` that `i` won (ties left
/// out), `None` without any.
///
/// # Errors
/// Only if drawing fails, which it does not into a string.
pub fn win_fraction(models: &[String], fractions: &[Vec<Option<f64>>]) -> anyhow::Result<String> {
    draw(
        models,
        fractions,
        &Spec {
            title: "Observed win fraction (ties left out)",
            desc: "Each cell is the share of the decisive battles between the row model and the column model that the row model won; ties are left out. A dash: no decisive battle.",
            format: |v| format!("{v:.2}"),
            diverging: true,
        },
    )
}

/// Battles between each pair of models.
///
/// # Errors
/// Only if drawing fails, which it does not into a string.
pub fn battle_count(models: &[String], counts: &[Vec<u64>]) -> anyhow::Result<String> {
    let cells: Vec<Vec<Option<f64>>> = counts
        .iter()
        .map(|row| row.iter().map(|&c| Some(c as f64)).collect())
        .collect();
    draw(
        models,
        &cells,
        &Spec {
            title: "Battle count",
            desc: "Each cell is the number of counted battles between the row model and the column model.",
            format: |v| format!("{v:.0}"),
            diverging: false,
        },
    )
}

/// The probability that a model rated `ra` beats one rated `rb`, by
/// Bradley-Terry on the Elo scale: `1 / (1 + 10^((rb - ra) / 400))`.
#[must_use]
pub fn win_probability(ra: f64, rb: f64) -> f64 {
    1.0 / (1.0 + 10f64.powf((rb - ra) / 400.0))
}

/// The probability that the row model beats the column model, predicted by
/// Bradley-Terry from the rating difference: `1 / (1 + 10^((rb - ra) / 400))`.
///
/// # Errors
/// Only if drawing fails, which it does not into a string.
pub fn predicted_win(models: &[String], ratings: &[f64]) -> anyhow::Result<String> {
    let cells: Vec<Vec<Option<f64>>> = ratings
        .iter()
        .enumerate()
        .map(|(i, ra)| {
            ratings
                .iter()
                .enumerate()
                .map(|(j, rb)| (i != j).then(|| win_probability(*ra, *rb)).and_then(finite))
                .collect()
        })
        .collect();
    draw(
        models,
        &cells,
        &Spec {
            title: "Predicted win probability (Bradley-Terry)",
            desc: "Each cell is the probability that the row model beats the column model, predicted from their rating difference: 1 / (1 + 10^((column rating - row rating) / 400)).",
            format: |v| format!("{v:.2}"),
            diverging: true,
        },
    )
}

fn draw(models: &[String], cells: &[Vec<Option<f64>>], spec: &Spec) -> anyhow::Result<String> {
    let n = models.len();
    if n == 0 {
        return empty(spec.title, spec.desc, "No battles yet.");
    }
    let value = |i: usize, j: usize| -> Option<f64> {
        cells
            .get(i)
            .and_then(|row| row.get(j))
            .copied()
            .flatten()
            .and_then(finite)
    };
    let max = (0..n)
        .flat_map(|i| (0..n).map(move |j| (i, j)))
        .filter_map(|(i, j)| value(i, j))
        .fold(0.0_f64, f64::max);
    let labels: Vec<String> = models
        .iter()
        .enumerate()
        .map(|(i, m)| format!("{}. {m}", i + 1))
        .collect();
    // Rows and columns are numbered; the key below the grid names them, so
    // that long names take no column and the plot stays narrow for a phone.
    let number_w = 16 + (n.to_string().len() as u32) * 16;
    let cell = (480 / n as u32).clamp(24, 110);
    let (margin, caption_h, header_h, key_row) = (16u32, 56u32, 40u32, 34u32);
    let grid = cell * n as u32;
    let width = (margin * 2 + number_w + grid)
        .max(WIDTH)
        .max(label_width(labels.iter().map(String::as_str), 0) + 2 * margin);
    let height = margin + caption_h + header_h + grid + 60 + key_row * n as u32 + margin;
    let left = i32::try_from(margin + number_w).unwrap_or(0);
    let top = i32::try_from(margin + caption_h + header_h).unwrap_or(0);
    let c = i32::try_from(cell).unwrap_or(24);
    let value_size = (f64::from(cell) * 0.36).min(LABEL);

    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(drawing)?;
        fn centred(size: f64, color: &RGBColor) -> TextStyle<'_> {
            TextStyle::from((FONT, size).into_font())
                .color(color)
                .pos(Pos::new(HPos::Center, VPos::Center))
        }
        let caption = TextStyle::from((FONT, CAPTION).into_font())
            .color(&INK)
            .pos(Pos::new(HPos::Left, VPos::Top));
        root.draw(&Text::new(
            spec.title.to_owned(),
            (
                i32::try_from(margin).unwrap_or(0),
                i32::try_from(margin).unwrap_or(0),
            ),
            caption,
        ))
        .map_err(drawing)?;
        let row_label = TextStyle::from((FONT, LABEL).into_font())
            .color(&INK)
            .pos(Pos::new(HPos::Right, VPos::Center));
        for i in 0..n {
            let y = top + c * i as i32 + c / 2;
            root.draw(&Text::new(
                format!("{}", i + 1),
                (left - 10, y),
                row_label.clone(),
            ))
            .map_err(drawing)?;
            // The column headers: the rows' numbers.
            let x = left + c * i as i32 + c / 2;
            root.draw(&Text::new(
                format!("{}", i + 1),
                (x, top - header_h as i32 / 2),
                centred(LABEL.min(f64::from(cell) * 0.6), &INK),
            ))
            .map_err(drawing)?;
        }
        for i in 0..n {
            for j in 0..n {
                let (x, y) = (left + c * j as i32, top + c * i as i32);
                let v = value(i, j);
                let fill = match v {
                    _ if i == j => DIAGONAL,
                    None => NO_DATA,
                    Some(v) if spec.diverging => {
                        if v >= 0.5 {
                            mix(BLUE, (v - 0.5) * 2.0)
                        } else {
                            mix(RED, (0.5 - v) * 2.0)
                        }
                    }
                    Some(v) => mix(BLUE, if max > 0.0 { v / max } else { 0.0 }),
                };
                root.draw(&Rectangle::new(
                    [(x + 1, y + 1), (x + c - 1, y + c - 1)],
                    fill.filled(),
                ))
                .map_err(drawing)?;
                if i == j || cell < 30 {
                    continue;
                }
                let (text, color) = match v {
                    Some(v) => ((spec.format)(v), text_on(fill)),
                    None => ("–".to_owned(), MUTED),
                };
                root.draw(&Text::new(
                    text,
                    (x + c / 2, y + c / 2),
                    centred(value_size, &color),
                ))
                .map_err(drawing)?;
            }
        }
        let note = TextStyle::from((FONT, LABEL * 0.8).into_font())
            .color(&MUTED)
            .pos(Pos::new(HPos::Left, VPos::Top));
        let below = top + i32::try_from(grid).unwrap_or(0) + 14;
        let x = i32::try_from(margin).unwrap_or(0);
        root.draw(&Text::new(
            "Row model against column model:".to_owned(),
            (x, below),
            note,
        ))
        .map_err(drawing)?;
        let key = TextStyle::from((FONT, LABEL).into_font())
            .color(&INK)
            .pos(Pos::new(HPos::Left, VPos::Center));
        for (i, label) in labels.iter().enumerate() {
            let y = below + 46 + i32::try_from(key_row).unwrap_or(30) * i as i32;
            root.draw(&Text::new(label.clone(), (x, y), key.clone()))
                .map_err(drawing)?;
        }
        root.present().map_err(drawing)?;
    }
    let desc = format!(
        "{} Models, numbered as the rows and columns: {}.",
        spec.desc,
        labels.join("; ")
    );
    Ok(finish(&svg, spec.title, &desc))
}

#[cfg(test)]
mod tests {
    use super::super::tests::assert_valid;
    use super::*;

    fn names(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("model-{i}")).collect()
    }

    #[test]
    fn one_rect_per_cell() {
        // plotters draws a background rectangle besides: count the difference.
        let rects = |n: usize| {
            let svg = battle_count(&names(n), &vec![vec![1; n]; n]).expect("svg");
            assert_valid(&svg);
            for m in names(n) {
                assert!(svg.contains(&m), "{m} is labelled");
            }
            svg.matches("<rect").count()
        };
        assert_eq!(rects(3) - rects(2), 9 - 4);
        assert_eq!(rects(5) - rects(2), 25 - 4);
    }

    #[test]
    fn values_are_written_in_their_cells() {
        let f = vec![
            vec![None, Some(0.75), None],
            vec![Some(0.25), None, Some(f64::NAN)],
            vec![None, None, None],
        ];
        let svg = win_fraction(&names(3), &f).expect("svg");
        assert_valid(&svg);
        assert!(svg.contains(">\n0.75\n<") && svg.contains(">\n0.25\n<"));
        // No decisive battle (or a number that is not one): a dash.
        assert_eq!(svg.matches(">\n–\n<").count(), 4);
    }

    #[test]
    fn predicted_probabilities_follow_the_rating_difference() {
        let svg = predicted_win(&names(2), &[1400.0, 1000.0]).expect("svg");
        assert_valid(&svg);
        // 1 / (1 + 10^-1) = 0.909...
        assert!(svg.contains(">\n0.91\n<") && svg.contains(">\n0.09\n<"));
        assert_valid(&predicted_win(&[], &[]).expect("svg"));
    }

    #[test]
    fn text_stands_out_on_its_cell() {
        assert_eq!(text_on(WHITE), INK);
        assert_eq!(text_on(mix(BLUE, 1.0)), WHITE);
    }
}
