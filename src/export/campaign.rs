//! A campaign's judgments as JSON lines or CSV, one judgment per line in the
//! item's own orientation, and the manifest that goes with them.

use anyhow::Context;
use serde::Serialize;

use super::sha256_hex;
use crate::campaigns::results::ExportRow;

/// A download format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    JsonLines,
    Csv,
}

impl Format {
    /// # Errors
    /// Names the accepted formats.
    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "jsonl" => Ok(Self::JsonLines),
            "csv" => Ok(Self::Csv),
            other => Err(format!("unknown format {other:?}; use jsonl or csv")),
        }
    }

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::JsonLines => "jsonl",
            Self::Csv => "csv",
        }
    }

    #[must_use]
    pub fn content_type(self) -> &'static str {
        match self {
            Self::JsonLines => "application/x-ndjson",
            Self::Csv => "text/csv; charset=utf-8",
        }
    }
}

const CSV_HEADER: [&str; 13] = [
    "item_id",
    "question_id",
    "model_a",
    "model_b",
    "rater",
    "preference",
    "axes",
    "shown_swapped",
    "safety_a",
    "safety_b",
    "comment",
    "rubric",
    "judged_at",
];

/// The judgments in `format`.
///
/// # Errors
/// Only if encoding fails.
pub fn encode(rows: &[ExportRow], format: Format) -> anyhow::Result<Vec<u8>> {
    match format {
        Format::JsonLines => {
            let mut out = Vec::new();
            for r in rows {
                serde_json::to_writer(&mut out, r).context("encode a judgment")?;
                out.push(b'\n');
            }
            Ok(out)
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(Vec::new());
            w.write_record(CSV_HEADER).context("csv header")?;
            for r in rows {
                w.write_record([
                    r.item_id.to_string(),
                    r.question_id.to_string(),
                    r.model_a.clone(),
                    r.model_b.clone(),
                    r.rater.clone(),
                    r.preference.clone(),
                    serde_json::to_string(&r.axes).context("encode axes")?,
                    r.shown_swapped.to_string(),
                    super::spreadsheet_safe(r.safety_a.as_deref().unwrap_or_default()),
                    super::spreadsheet_safe(r.safety_b.as_deref().unwrap_or_default()),
                    super::spreadsheet_safe(r.comment.as_deref().unwrap_or_default()),
                    r.rubric.clone(),
                    r.judged_at.clone(),
                ])
                .context("csv row")?;
            }
            w.into_inner().map_err(|e| anyhow::anyhow!("csv: {e}"))
        }
    }
}

/// What a download is, and how to check and recompute it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Manifest {
    pub kind: &'static str,
    pub campaign: i32,
    pub format: &'static str,
    pub sha256: String,
    pub bytes: usize,
    pub judgments: usize,
    pub items: usize,
    pub raters: usize,
    pub software: String,
    pub generated_at: String,
    pub orientation: &'static str,
    pub recompute: String,
}

/// The manifest of `body`, the export of `rows` in `format`.
#[must_use]
pub fn manifest(campaign: i32, rows: &[ExportRow], format: Format, body: &[u8]) -> Manifest {
    let mut items: Vec<i32> = rows.iter().map(|r| r.item_id).collect();
    items.sort_unstable();
    items.dedup();
    let mut raters: Vec<&str> = rows.iter().map(|r| r.rater.as_str()).collect();
    raters.sort_unstable();
    raters.dedup();
    Manifest {
        kind: "campaign-judgments",
        campaign,
        format: format.as_str(),
        sha256: sha256_hex(body),
        bytes: body.len(),
        judgments: rows.len(),
        items: items.len(),
        raters: raters.len(),
        software: concat!("goldarena ", env!("CARGO_PKG_VERSION")).to_owned(),
        generated_at: chrono::Utc::now().to_rfc3339(),
        orientation: "each item's own: its first model is model_a, whatever side was shown (shown_swapped)",
        recompute: format!(
            "the tables: GET /api/v1/campaigns/{campaign}/results, or goldarena campaign results {campaign} --format json; \
             the agreement statistics take one line per judgment in this orientation, grouped by item_id"
        ),
    }
}
