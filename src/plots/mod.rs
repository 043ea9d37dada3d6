//! The plots of the board, drawn on the server as SVG with `plotters`: the
//! ratings with their 95% intervals, three heatmaps (observed win fraction,
//! battle count, predicted win probability) and the rating history of
//! chosen models. Pure: plain data in, an SVG document out, no database.
//!
//! Every plot has a `<title>` and a `<desc>` (named by `aria-labelledby`)
//! and a `viewBox`, so that it scales to a phone's width. The documents hold
//! no script and no external reference.

mod heatmap;
mod history;
mod ratings;

pub use heatmap::{battle_count, predicted_win, win_fraction, win_probability};
pub use history::{Series, SeriesPoint, history};
pub use ratings::{Rated, ratings};

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Which plot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Ratings,
    WinFraction,
    BattleCount,
    PredictedWin,
    History,
}

impl Kind {
    pub const ALL: [Self; 5] = [
        Self::Ratings,
        Self::WinFraction,
        Self::BattleCount,
        Self::PredictedWin,
        Self::History,
    ];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ratings => "ratings",
            Self::WinFraction => "win_fraction",
            Self::BattleCount => "battle_count",
            Self::PredictedWin => "predicted_win",
            Self::History => "history",
        }
    }

    /// Parses a kind's name (`ratings`, `win_fraction`, ...).
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// Plots are drawn this wide (in SVG pixels) or a little wider: on a
/// phone they shrink to about half, so labels are drawn large.
const WIDTH: u32 = 600;

/// The font of every label.
const FONT: &str = "sans-serif";
/// Label size in plotters' units (the SVG says `font-size` = size / 1.24).
const LABEL: f64 = 24.0;
const CAPTION: f64 = 30.0;
/// About how wide one character of a label is, in pixels.
const CHAR_WIDTH: f64 = 11.5;

/// Dark enough on white for text and thin lines (WCAG contrast above 4.5).
const INK: RGBColor = RGBColor(33, 37, 41);
const MUTED: RGBColor = RGBColor(90, 96, 104);
const GRID: RGBColor = RGBColor(222, 226, 230);

/// Colour-blind-safe line colours (Okabe and Ito), darkened for contrast.
const PALETTE: [RGBColor; 6] = [
    RGBColor(0, 94, 160),
    RGBColor(190, 80, 0),
    RGBColor(0, 128, 94),
    RGBColor(170, 68, 136),
    RGBColor(150, 110, 0),
    RGBColor(40, 120, 170),
];

/// How wide a column of labels must be for `labels`, in pixels.
fn label_width<'a>(labels: impl IntoIterator<Item = &'a str>, extra: usize) -> u32 {
    let longest = labels
        .into_iter()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(0)
        + extra;
    (longest as f64 * CHAR_WIDTH + 16.0).clamp(40.0, 420.0) as u32
}

/// A plotters drawing error as an `anyhow` error.
fn drawing<E: std::fmt::Display>(e: E) -> anyhow::Error {
    anyhow::anyhow!("cannot draw the plot: {e}")
}

/// Escapes text for an XML element or attribute.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Puts the accessible name and description into the document plotters
/// drew: `role="img"`, `aria-labelledby`, and `<title>` and `<desc>` as the
/// first children of `<svg>`.
fn finish(svg: &str, title: &str, desc: &str) -> String {
    let head = format!(
        "<svg role=\"img\" aria-labelledby=\"plot-title plot-desc\" preserveAspectRatio=\"xMidYMid meet\" \
         font-family=\"{FONT}\" "
    );
    let body = svg.trim_start().strip_prefix("<svg ").unwrap_or(svg);
    let (open, rest) = body.split_once('>').unwrap_or((body, ""));
    format!(
        "{head}{open}>\n<title id=\"plot-title\">{}</title>\n<desc id=\"plot-desc\">{}</desc>{rest}",
        escape(title),
        escape(desc)
    )
}

/// An SVG with only a caption and a message: a plot with nothing to show.
fn empty(title: &str, desc: &str, message: &str) -> anyhow::Result<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, 200)).into_drawing_area();
        root.fill(&WHITE).map_err(drawing)?;
        let caption = TextStyle::from((FONT, CAPTION).into_font())
            .color(&INK)
            .pos(Pos::new(HPos::Center, VPos::Top));
        root.draw(&Text::new(
            title.to_owned(),
            (WIDTH as i32 / 2, 24),
            caption,
        ))
        .map_err(drawing)?;
        let note = TextStyle::from((FONT, LABEL).into_font())
            .color(&MUTED)
            .pos(Pos::new(HPos::Center, VPos::Center));
        root.draw(&Text::new(
            message.to_owned(),
            (WIDTH as i32 / 2, 120),
            note,
        ))
        .map_err(drawing)?;
        root.present().map_err(drawing)?;
    }
    Ok(finish(&svg, title, &format!("{desc} {message}")))
}

/// A finite number or `None`.
fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Checks the shape every plot shares: one `<svg>` root with a viewBox,
    /// a title and a description first, no script, no NaN, tags balanced.
    pub(super) fn assert_valid(svg: &str) {
        assert!(svg.starts_with("<svg "), "{}", &svg[..svg.len().min(200)]);
        assert!(svg.trim_end().ends_with("</svg>"));
        assert!(svg.contains("viewBox=\"0 0 "));
        assert!(svg.contains("<title id=\"plot-title\">"));
        assert!(svg.contains("<desc id=\"plot-desc\">"));
        assert!(svg.contains("aria-labelledby=\"plot-title plot-desc\""));
        assert!(
            !svg.contains("NaN") && !svg.contains("inf\""),
            "a number is not finite"
        );
        assert!(!svg.to_lowercase().contains("<script"));
        assert!(!svg.contains("href"));
        assert_eq!(svg.matches("<svg").count(), 1);
        for tag in ["text", "title", "desc"] {
            assert_eq!(
                svg.matches(&format!("<{tag}")).count(),
                svg.matches(&format!("</{tag}>")).count(),
                "<{tag}> is not closed"
            );
        }
    }

    #[test]
    fn kinds_round_trip() {
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.as_str()), Some(k));
        }
        assert_eq!(Kind::parse("pie"), None);
    }

    #[test]
    fn titles_are_escaped() {
        let svg = empty("a <b> & \"c\"", "d", "nothing").expect("svg");
        assert_valid(&svg);
        assert!(svg.contains("<title id=\"plot-title\">a &lt;b&gt; &amp; &quot;c&quot;</title>"));
    }
}
