//! Exam bank file formats, each read into [`ExamQuestion`]s, every problem
//! reported as `file:line` (or `file: record N`) before anything is stored.
//!
//! - `pharmacist`: the national licensed pharmacist exam JSON (an array of
//!   `question`, `option{A..E}` (an empty E means four options; all empty
//!   means the options were pictures, and the letters stand), `answer`
//!   such as `D` or `ACD`, `question_type`, `source`; the subject is the
//!   paper named in `source`'s 《…》).
//! - `mmlu`: MMLU CSV, with or without a header (`question, A, B, C, D,
//!   answer`); the subject is the file name without `_test`.
//! - `cmmlu`: CMMLU CSV (`,Question,A,B,C,D,Answer`, the first column an
//!   index), with or without the header.
//! - `medqa`: MedQA / MedAgents JSON lines (`question`, `options{A..}`,
//!   `answer_idx`, `meta_info` as the subject).
//! - `cmb`: CMB-Exam JSON (an array of `question`, `option{A..}`, `answer`,
//!   `question_type` (`多项选择题` for several answers), `exam_subject`).

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

/// One question of an exam bank.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExamQuestion {
    /// Where it came from: `file:line` or `file: record N`.
    pub source: String,
    pub subject: String,
    /// `single` or `multiple`.
    pub kind: String,
    pub question: String,
    /// `(letter, text)`, in order.
    pub options: Vec<(char, String)>,
    /// The right letters, sorted (`ACD`).
    pub answer: String,
}

/// A file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExamFormat {
    Pharmacist,
    Mmlu,
    Cmmlu,
    Medqa,
    Cmb,
}

fn name_of(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

fn stem_of(path: &Path) -> String {
    path.file_stem()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
}

/// The right letters of `answer`, checked against the options.
fn answer_letters(answer: &str, options: &[(char, String)]) -> Result<String, String> {
    let mut letters: Vec<char> = answer
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, ',' | '、' | '，'))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    letters.sort_unstable();
    letters.dedup();
    if letters.is_empty() {
        return Err("no answer".to_owned());
    }
    if let Some(bad) = letters
        .iter()
        .find(|l| !options.iter().any(|(o, _)| o == *l))
    {
        return Err(format!(
            "the answer {answer:?} names {bad:?}, which is not an option"
        ));
    }
    Ok(letters.into_iter().collect())
}

fn options_of(map: &serde_json::Map<String, Value>) -> Result<Vec<(char, String)>, String> {
    let mut all: BTreeMap<char, String> = BTreeMap::new();
    for (k, v) in map {
        let mut chars = k.chars();
        let (Some(letter), None) = (chars.next(), chars.next()) else {
            return Err(format!("option key {k:?} is not a letter"));
        };
        let text = v
            .as_str()
            .ok_or_else(|| format!("option {k} is not text"))?
            .trim();
        all.insert(letter.to_ascii_uppercase(), text.to_owned());
    }
    // An empty option is absent (E in a four-option question), unless every
    // option is empty: then the options were pictures (chemical structures
    // in the pharmacist exam) and the letters still stand.
    let options: BTreeMap<char, String> = if all.values().all(String::is_empty) {
        all
    } else {
        all.into_iter().filter(|(_, t)| !t.is_empty()).collect()
    };
    if options.len() < 2 {
        return Err("fewer than two options".to_owned());
    }
    Ok(options.into_iter().collect())
}

fn text_field<'a>(v: &'a Value, key: &str) -> Result<&'a str, String> {
    v.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| format!("`{key}` is missing or empty"))
}

/// The pharmacist exam's paper: the text in 《…》 of `source`.
fn paper(source: &str) -> String {
    source
        .split_once('《')
        .and_then(|(_, rest)| rest.split_once('》'))
        .map_or_else(|| source.to_owned(), |(p, _)| p.to_owned())
}

fn object_question(
    v: &Value,
    source: String,
    subject_key: &str,
    fallback_subject: &str,
) -> Result<ExamQuestion, String> {
    let question = text_field(v, "question")?.to_owned();
    let options = options_of(
        v.get("option")
            .or_else(|| v.get("options"))
            .and_then(Value::as_object)
            .ok_or("`option` is missing")?,
    )?;
    let raw_answer = v
        .get("answer_idx")
        .and_then(Value::as_str)
        .map_or_else(|| text_field(v, "answer"), Ok)?;
    let answer = answer_letters(raw_answer, &options)?;
    let declared_multiple = v
        .get("question_type")
        .and_then(Value::as_str)
        .is_some_and(|t| t.contains("多项") || t.eq_ignore_ascii_case("multiple"));
    let subject = v.get(subject_key).and_then(Value::as_str).map_or_else(
        || fallback_subject.to_owned(),
        |s| {
            if subject_key == "source" {
                paper(s)
            } else {
                s.to_owned()
            }
        },
    );
    Ok(ExamQuestion {
        source,
        subject,
        kind: if declared_multiple || answer.len() > 1 {
            "multiple".to_owned()
        } else {
            "single".to_owned()
        },
        question,
        options,
        answer,
    })
}

/// Reads one file; every bad record is listed (`Err` holds them all).
///
/// # Errors
/// The problems, each located, or why the file could not be read.
pub fn read(path: &Path, format: ExamFormat) -> Result<Vec<ExamQuestion>, Vec<String>> {
    let name = name_of(path);
    let text = std::fs::read_to_string(path).map_err(|e| vec![format!("{name}: {e}")])?;
    // A file saved with a byte-order mark (spreadsheet programs write one).
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut out = Vec::new();
    let mut problems = Vec::new();
    match format {
        ExamFormat::Pharmacist | ExamFormat::Cmb => {
            let records: Vec<Value> = serde_json::from_str(text)
                .map_err(|e| vec![format!("{name}:{}: not a JSON array: {e}", e.line())])?;
            let subject_key = if format == ExamFormat::Pharmacist {
                "source"
            } else {
                "exam_subject"
            };
            for (i, v) in records.iter().enumerate() {
                let at = format!("{name}: record {}", i + 1);
                match object_question(v, at.clone(), subject_key, &stem_of(path)) {
                    Ok(q) => out.push(q),
                    Err(e) => problems.push(format!("{at}: {e}")),
                }
            }
        }
        ExamFormat::Medqa => {
            for (i, line) in text.lines().enumerate() {
                if line.trim().is_empty() {
                    continue;
                }
                let at = format!("{name}:{}", i + 1);
                let parsed = serde_json::from_str::<Value>(line)
                    .map_err(|e| format!("not JSON: {e}"))
                    .and_then(|v| object_question(&v, at.clone(), "meta_info", &stem_of(path)));
                match parsed {
                    Ok(q) => out.push(q),
                    Err(e) => problems.push(format!("{at}: {e}")),
                }
            }
        }
        ExamFormat::Mmlu | ExamFormat::Cmmlu => {
            let subject = stem_of(path).trim_end_matches("_test").to_owned();
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(text.as_bytes());
            for (i, record) in reader.records().enumerate() {
                let record = match record {
                    Ok(r) => r,
                    Err(e) => {
                        let line = e.position().map_or(i as u64 + 1, csv::Position::line);
                        problems.push(format!("{name}:{line}: {e}"));
                        continue;
                    }
                };
                let line = record.position().map_or(i as u64 + 1, csv::Position::line);
                let at = format!("{name}:{line}");
                let fields: Vec<&str> = record.iter().collect();
                // CMMLU has an index column first.
                let fields = if format == ExamFormat::Cmmlu && fields.len() == 7 {
                    &fields[1..]
                } else {
                    &fields[..]
                };
                if i == 0
                    && fields
                        .first()
                        .is_some_and(|f| f.eq_ignore_ascii_case("question"))
                {
                    continue; // the header
                }
                if fields.len() != 6 {
                    problems.push(format!(
                        "{at}: {} columns, expected question, A, B, C, D, answer",
                        fields.len()
                    ));
                    continue;
                }
                let options: Vec<(char, String)> = ['A', 'B', 'C', 'D']
                    .iter()
                    .zip(&fields[1..5])
                    .map(|(l, t)| (*l, t.trim().to_owned()))
                    .collect();
                match answer_letters(fields[5], &options) {
                    Ok(answer) if !fields[0].trim().is_empty() => out.push(ExamQuestion {
                        source: at,
                        subject: subject.clone(),
                        kind: "single".to_owned(),
                        question: fields[0].trim().to_owned(),
                        options,
                        answer,
                    }),
                    Ok(_) => problems.push(format!("{at}: the question is empty")),
                    Err(e) => problems.push(format!("{at}: {e}")),
                }
            }
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broken_records_are_located() {
        let dir = tempfile::tempdir().expect("dir");
        let bad = dir.path().join("bad.jsonl");
        std::fs::write(
            &bad,
            "{\"question\": \"q\", \"options\": {\"A\": \"x\", \"B\": \"y\"}, \"answer_idx\": \"A\"}\n\
             {\"question\": \"q\", \"options\": {\"A\": \"x\", \"B\": \"y\"}, \"answer_idx\": \"C\"}\n\
             not json\n",
        )
        .expect("write");
        let problems = read(&bad, ExamFormat::Medqa).expect_err("bad lines");
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].starts_with("bad.jsonl:2:"), "{problems:?}");
        assert!(problems[1].starts_with("bad.jsonl:3:"), "{problems:?}");
        let csv = dir.path().join("x_test.csv");
        std::fs::write(&csv, "q1,a,b,c,d,A\nq2,a,b,c,d,E\n").expect("write");
        let problems = read(&csv, ExamFormat::Mmlu).expect_err("bad answer");
        assert!(problems[0].starts_with("x_test.csv:2:"), "{problems:?}");
    }
}
