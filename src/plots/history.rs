//! Ratings over time: one line per model through its snapshots, each point
//! with its 95% interval as a whisker, and the reference model's line
//! dashed.

use chrono::{DateTime, TimeZone, Utc};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{
    CAPTION, FONT, GRID, INK, LABEL, MUTED, PALETTE, WIDTH, drawing, empty, finish, finite,
    label_width,
};

/// One model at one snapshot.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesPoint {
    pub taken_at: DateTime<Utc>,
    pub rating: f64,
    pub ci_lower: f64,
    pub ci_upper: f64,
}

/// One model's line.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub model: String,
    pub points: Vec<SeriesPoint>,
}

const TITLE: &str = "Rating history";
const REFERENCE: RGBColor = RGBColor(90, 96, 104);

/// The history plot of `series`, and of `reference` (dashed, grey) when
/// given. Points whose numbers are not finite are left out; points are
/// drawn in time order.
///
/// # Errors
/// Only if drawing fails, which it does not into a string.
pub fn history(series: &[Series], reference: Option<&Series>) -> anyhow::Result<String> {
    let clean = |s: &Series| -> Vec<SeriesPoint> {
        let mut points: Vec<SeriesPoint> = s
            .points
            .iter()
            .filter(|p| {
                finite(p.rating).is_some()
                    && finite(p.ci_lower).is_some()
                    && finite(p.ci_upper).is_some()
            })
            .cloned()
            .collect();
        points.sort_by_key(|p| p.taken_at);
        points
    };
    // (name, points, colour, is the reference)
    let mut lines: Vec<(String, Vec<SeriesPoint>, RGBColor, bool)> = series
        .iter()
        .enumerate()
        .map(|(i, s)| (s.model.clone(), clean(s), PALETTE[i % PALETTE.len()], false))
        .collect();
    if let Some(r) = reference
        && !series.iter().any(|s| s.model == r.model)
    {
        lines.push((
            format!("{} (reference)", r.model),
            clean(r),
            REFERENCE,
            true,
        ));
    }
    let all: Vec<&SeriesPoint> = lines.iter().flat_map(|l| l.1.iter()).collect();
    let names: Vec<&str> = lines.iter().map(|l| l.0.as_str()).collect();
    let what = format!("The rating over time of {}.", names.join(", "));
    if all.is_empty() {
        return empty(TITLE, &what, "No snapshots yet.");
    }
    let t = |p: &SeriesPoint| p.taken_at.timestamp() as f64;
    let t_min = all.iter().map(|p| t(p)).fold(f64::INFINITY, f64::min);
    let t_max = all.iter().map(|p| t(p)).fold(f64::NEG_INFINITY, f64::max);
    let span = t_max - t_min;
    let t_pad = if span < 60.0 { 60.0 } else { span * 0.05 };
    let (x0, x1) = (t_min - t_pad, t_max + t_pad);
    let lo = all
        .iter()
        .map(|p| p.ci_lower.min(p.rating))
        .fold(f64::INFINITY, f64::min);
    let hi = all
        .iter()
        .map(|p| p.ci_upper.max(p.rating))
        .fold(f64::NEG_INFINITY, f64::max);
    let y_pad = ((hi - lo) * 0.08).max(10.0);
    let (y0, y1) = (lo - y_pad, hi + y_pad);
    let time_format = if x1 - x0 < 3600.0 {
        "%H:%M:%S"
    } else if x1 - x0 < 2.0 * 86_400.0 {
        "%m-%d %H:%M"
    } else {
        "%Y-%m-%d"
    };
    let when = |secs: f64| {
        Utc.timestamp_opt(secs.round() as i64, 0)
            .single()
            .map_or_else(String::new, |d| d.format(time_format).to_string())
    };

    let width = WIDTH.max(label_width(names.iter().copied(), 0) + 120);
    let chart_h = 460u32;
    let legend_row = 38u32;
    let height = chart_h + 24 + legend_row * lines.len() as u32;

    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(drawing)?;
        let (upper, lower) = root.split_vertically(chart_h);
        let mut chart = ChartBuilder::on(&upper)
            .margin(16)
            .caption(TITLE, (FONT, CAPTION).into_font().color(&INK))
            .x_label_area_size(56)
            .y_label_area_size(84)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(drawing)?;
        chart
            .configure_mesh()
            .x_labels(3)
            .y_labels(6)
            .x_label_formatter(&|x| when(*x))
            .y_label_formatter(&|y| format!("{y:.0}"))
            .x_desc(format!(
                "Snapshot time (UTC, {})",
                time_format.replace('%', "")
            ))
            .y_desc("Rating (95% CI)")
            .label_style((FONT, LABEL).into_font().color(&INK))
            .axis_desc_style((FONT, LABEL).into_font().color(&INK))
            .bold_line_style(GRID.stroke_width(1))
            .light_line_style(WHITE.mix(0.0))
            .axis_style(MUTED.stroke_width(1))
            .draw()
            .map_err(drawing)?;
        for (_, points, color, is_reference) in &lines {
            let color = *color;
            chart
                .draw_series(points.iter().map(|p| {
                    PathElement::new(
                        vec![(t(p), p.ci_lower), (t(p), p.ci_upper)],
                        color.mix(0.6).stroke_width(2),
                    )
                }))
                .map_err(drawing)?;
            let xy: Vec<(f64, f64)> = points.iter().map(|p| (t(p), p.rating)).collect();
            if *is_reference {
                chart
                    .draw_series(DashedLineSeries::new(
                        xy.clone(),
                        8,
                        6,
                        color.stroke_width(3),
                    ))
                    .map_err(drawing)?;
            } else {
                chart
                    .draw_series(LineSeries::new(xy.clone(), color.stroke_width(3)))
                    .map_err(drawing)?;
            }
            chart
                .draw_series(
                    xy.iter()
                        .map(|&(x, y)| Circle::new((x, y), 6, color.filled())),
                )
                .map_err(drawing)?;
        }
        // The legend, one model a row, below the chart (never over a line).
        let style = TextStyle::from((FONT, LABEL).into_font())
            .color(&INK)
            .pos(Pos::new(HPos::Left, VPos::Center));
        for (i, (name, _, color, is_reference)) in lines.iter().enumerate() {
            let y = 12 + (legend_row * i as u32 + legend_row / 2) as i32;
            if *is_reference {
                for k in 0..3 {
                    lower
                        .draw(&PathElement::new(
                            vec![(88 + k * 14, y), (96 + k * 14, y)],
                            color.stroke_width(3),
                        ))
                        .map_err(drawing)?;
                }
            } else {
                lower
                    .draw(&PathElement::new(
                        vec![(88, y), (124, y)],
                        color.stroke_width(3),
                    ))
                    .map_err(drawing)?;
            }
            lower
                .draw(&Circle::new((106, y), 6, color.filled()))
                .map_err(drawing)?;
            lower
                .draw(&Text::new(name.clone(), (136, y), style.clone()))
                .map_err(drawing)?;
        }
        root.present().map_err(drawing)?;
    }
    let mut desc = what;
    for (name, points, _, _) in &lines {
        let said: Vec<String> = points
            .iter()
            .map(|p| {
                format!(
                    "{}: {:.0} ({:.0} to {:.0})",
                    p.taken_at.format("%Y-%m-%d %H:%M UTC"),
                    p.rating,
                    p.ci_lower,
                    p.ci_upper
                )
            })
            .collect();
        desc.push_str(&format!(
            " {name}: {}.",
            if said.is_empty() {
                "no snapshot".to_owned()
            } else {
                said.join("; ")
            }
        ));
    }
    Ok(finish(&svg, TITLE, &desc))
}

#[cfg(test)]
mod tests {
    use super::super::tests::assert_valid;
    use super::*;

    fn series(model: &str, ratings: &[f64]) -> Series {
        Series {
            model: model.to_owned(),
            points: ratings
                .iter()
                .enumerate()
                .map(|(i, &r)| SeriesPoint {
                    taken_at: Utc
                        .with_ymd_and_hms(2026, 11, 1 + i as u32, 12, 0, 0)
                        .single()
                        .expect("time"),
                    rating: r,
                    ci_lower: r - 20.0,
                    ci_upper: r + 20.0,
                })
                .collect(),
        }
    }

    #[test]
    fn a_line_and_a_dot_per_point_and_the_reference_dashed() {
        let a = series("alpha", &[1000.0, 1010.0, 1030.0]);
        let b = series("beta", &[990.0, 985.0]);
        let r = series("ref", &[1000.0, 1000.0, 1000.0]);
        let svg = history(&[a, b], Some(&r)).expect("svg");
        assert_valid(&svg);
        // 3 + 2 + 3 points, and a dot in each of the 3 legend rows.
        assert_eq!(svg.matches("<circle").count(), 8 + 3);
        assert!(svg.contains("alpha") && svg.contains("beta") && svg.contains("ref (reference)"));
        assert!(svg.matches("<polyline").count() >= 2);
        assert!(svg.contains("2026-11-01 12:00 UTC: 1000 (980 to 1020)"));
    }

    #[test]
    fn one_snapshot_or_none_still_draws() {
        let svg = history(&[series("alpha", &[1000.0])], None).expect("svg");
        assert_valid(&svg);
        assert_eq!(svg.matches("<circle").count(), 2);
        let none = history(&[series("alpha", &[])], None).expect("svg");
        assert_valid(&none);
        assert!(none.contains("No snapshots yet."));
        let nan = history(&[series("alpha", &[f64::NAN, 1000.0])], None).expect("svg");
        assert_valid(&nan);
    }
}
