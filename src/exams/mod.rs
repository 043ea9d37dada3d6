//! Exams beside the arena: exam banks imported from their published formats,
//! the models' answers (predictions made elsewhere, imported), read by a
//! documented extraction chain and scored with intervals.

pub mod compare;
pub mod contamination;
pub mod extract;
pub mod formats;
pub mod run;
pub mod scoring;

use crate::store::db::BeginWrite;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use anyhow::Context;
use sea_orm::DatabaseConnection;
use serde::Serialize;

use crate::rating::proportion::wilson;
use crate::store;
use compare::{ArenaStanding, Comparison, ExamScore};
use contamination::Contamination;
use extract::{Extraction, Method, extract};
use formats::{ExamFormat, ExamQuestion};

/// Why an exam request was refused.
#[derive(Debug, thiserror::Error)]
pub enum ExamError {
    #[error("no exam called {0:?}")]
    NotFound(String),
    /// Every problem, located.
    #[error("{}", .0.join("\n"))]
    Invalid(Vec<String>),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// What to import.
#[derive(Debug, Clone)]
pub struct BankImport {
    pub name: String,
    pub format: ExamFormat,
    pub files: Vec<PathBuf>,
    /// `YYYY-MM-DD`.
    pub date: Option<String>,
    pub language: Option<String>,
    pub pass_mark: Option<f64>,
}

/// The outcome of an import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankImported {
    pub questions: usize,
    pub multiple: usize,
    /// The same bank was there already: nothing changed.
    pub unchanged: bool,
}

fn format_name(f: ExamFormat) -> &'static str {
    match f {
        ExamFormat::Pharmacist => "pharmacist",
        ExamFormat::Mmlu => "mmlu",
        ExamFormat::Cmmlu => "cmmlu",
        ExamFormat::Medqa => "medqa",
        ExamFormat::Cmb => "cmb",
    }
}

/// Imports an exam bank: every file is checked before anything is written,
/// every problem listed by `file:line`. The same bank again changes nothing;
/// a different bank under a taken name is refused.
///
/// # Errors
/// `Invalid` with every problem, or a database error.
pub async fn import_bank(
    db: &DatabaseConnection,
    req: &BankImport,
) -> Result<BankImported, ExamError> {
    let mut questions: Vec<ExamQuestion> = Vec::new();
    let mut problems = Vec::new();
    if req.name.trim().is_empty() {
        problems.push("an exam needs a name (--name)".to_owned());
    }
    if let Some(d) = &req.date
        && chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_err()
    {
        problems.push(format!("--date {d:?} is not YYYY-MM-DD"));
    }
    if let Some(p) = req.pass_mark
        && !(0.0..=1.0).contains(&p)
    {
        problems.push("the pass mark is a share between 0 and 1".to_owned());
    }
    for file in &req.files {
        match formats::read(file, req.format) {
            Ok(q) => questions.extend(q),
            Err(p) => problems.extend(p),
        }
    }
    if questions.is_empty() && problems.is_empty() {
        problems.push("the files hold no question".to_owned());
    }
    if !problems.is_empty() {
        return Err(ExamError::Invalid(problems));
    }
    let rows: Vec<store::exams::NewQuestion> = questions
        .iter()
        .map(|q| {
            Ok(store::exams::NewQuestion {
                source_ref: q.source.clone(),
                subject: q.subject.clone(),
                kind: q.kind.clone(),
                question: q.question.clone(),
                options: serde_json::to_string(&q.options).context("encode options")?,
                answer: q.answer.clone(),
            })
        })
        .collect::<anyhow::Result<_>>()?;
    let content: String = rows
        .iter()
        .map(|q| {
            format!(
                "{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1e}",
                q.subject, q.question, q.options, q.answer
            )
        })
        .collect();
    let sha = crate::export::sha256_hex(content.as_bytes());
    let multiple = questions.iter().filter(|q| q.kind == "multiple").count();
    let txn = db.begin_write().await.context("begin")?;
    if let Some(existing) = store::exams::find(&txn, &req.name).await? {
        if existing.content_sha256 == sha {
            return Ok(BankImported {
                questions: rows.len(),
                multiple,
                unchanged: true,
            });
        }
        return Err(ExamError::Invalid(vec![format!(
            "an exam called {:?} holds other questions already; import this bank under another name",
            req.name
        )]));
    }
    let pass_mark = req
        .pass_mark
        .or((req.format == ExamFormat::Pharmacist).then_some(0.6));
    store::exams::insert(
        &txn,
        store::exams::NewExam {
            name: req.name.clone(),
            format: format_name(req.format).to_owned(),
            language: req.language.clone(),
            exam_date: req.date.clone(),
            pass_mark,
            content_sha256: sha,
        },
        &rows,
    )
    .await?;
    txn.commit().await.context("commit")?;
    Ok(BankImported {
        questions: rows.len(),
        multiple,
        unchanged: false,
    })
}

pub(crate) fn options_of(q: &crate::store::entities::exam_questions::Model) -> Vec<(char, String)> {
    serde_json::from_str(&q.options).unwrap_or_default()
}

pub(crate) fn method_name(e: &Extraction) -> String {
    match e {
        Extraction::Read(_, Method::Explicit) => "explicit".to_owned(),
        Extraction::Read(_, Method::OptionText) => "option_text".to_owned(),
        Extraction::Read(_, Method::LoneLetter) => "lone_letter".to_owned(),
        Extraction::Unreadable(why) => format!("unreadable: {why}"),
    }
}

/// What an import of predictions did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PredictionsImported {
    pub answers: usize,
    pub unreadable: usize,
}

/// Records predictions made elsewhere for `model`: a JSON array or JSON lines
/// whose records carry the `question` text and the model's answer in
/// `predicted_answer` (MedAgents), `prediction`, `output` or `completion`.
/// Each is read by the extraction chain like a run's answer. Importing again
/// replaces them.
///
/// # Errors
/// `NotFound`, `Invalid` with every problem (nothing is stored then), or a
/// database error.
pub async fn import_predictions(
    db: &DatabaseConnection,
    exam: &str,
    model: &str,
    file: &std::path::Path,
) -> Result<PredictionsImported, ExamError> {
    crate::domain::ModelName::parse(model)
        .map_err(|e| ExamError::Invalid(vec![format!("model {model:?}: {e}")]))?;
    let found = store::exams::find(db, exam)
        .await?
        .ok_or_else(|| ExamError::NotFound(exam.to_owned()))?;
    let questions = store::exams::questions(db, found.id).await?;
    // A model known by its answers alone gets a row of its own, so that an
    // operator can give it a knowledge cutoff (it is never drawn in battles).
    store::models::ensure_imported_model(db, model).await?;
    // Predictions are matched to questions by text. Some exams ask the same
    // text twice (CMMLU's anatomy has 15 such): the k-th prediction of a
    // text goes to the k-th question with it, in the exam's order, as a
    // prediction file follows the exam.
    let mut by_text: HashMap<&str, Vec<&crate::store::entities::exam_questions::Model>> =
        HashMap::new();
    for q in &questions {
        by_text.entry(q.question.as_str()).or_default().push(q);
    }
    let mut seen: HashMap<&str, usize> = HashMap::new();
    let name = file.file_name().map_or_else(
        || file.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let text = std::fs::read_to_string(file)
        .map_err(|e| ExamError::Invalid(vec![format!("{name}: {e}")]))?;
    let records: Vec<(String, serde_json::Value)> =
        match serde_json::from_str::<Vec<serde_json::Value>>(&text) {
            Ok(list) => list
                .into_iter()
                .enumerate()
                .map(|(i, v)| (format!("{name}: record {}", i + 1), v))
                .collect(),
            Err(_) => {
                let mut out = Vec::new();
                for (i, line) in text
                    .lines()
                    .enumerate()
                    .filter(|(_, l)| !l.trim().is_empty())
                {
                    let v = serde_json::from_str(line).map_err(|e| {
                        ExamError::Invalid(vec![format!("{name}:{}: not JSON: {e}", i + 1)])
                    })?;
                    out.push((format!("{name}:{}", i + 1), v));
                }
                out
            }
        };
    let mut answers = Vec::new();
    let mut problems = Vec::new();
    let mut unreadable = 0;
    for (at, v) in &records {
        let Some(question) = v.get("question").and_then(|q| q.as_str()).map(str::trim) else {
            problems.push(format!("{at}: `question` is missing"));
            continue;
        };
        let Some(same_text) = by_text.get(question) else {
            problems.push(format!("{at}: the question is not in exam {exam:?}"));
            continue;
        };
        let k = seen.entry(question).or_default();
        let Some(q) = same_text.get(*k) else {
            problems.push(format!(
                "{at}: exam {exam:?} asks this question {} time(s); this is prediction {} of it",
                same_text.len(),
                *k + 1
            ));
            continue;
        };
        *k += 1;
        let Some(output) = ["predicted_answer", "prediction", "output", "completion"]
            .iter()
            .find_map(|k| v.get(*k).and_then(|x| x.as_str()))
        else {
            problems.push(format!(
                "{at}: no predicted_answer, prediction, output or completion"
            ));
            continue;
        };
        let read = extract(output, &options_of(q), q.kind == "multiple");
        if matches!(read, Extraction::Unreadable(_)) {
            unreadable += 1;
        }
        answers.push(store::exams::NewAnswer {
            question_id: q.id,
            model: model.to_owned(),
            sample: 0,
            output: output.to_owned(),
            extracted: match &read {
                Extraction::Read(letters, _) => Some(letters.iter().collect()),
                Extraction::Unreadable(_) => None,
            },
            method: method_name(&read),
            origin: "import".to_owned(),
            prompt_tokens: None,
            completion_tokens: None,
        });
    }
    if !problems.is_empty() {
        return Err(ExamError::Invalid(problems));
    }
    let txn = db.begin_write().await.context("begin")?;
    store::exams::put_answers(&txn, &answers).await?;
    txn.commit().await.context("commit")?;
    Ok(PredictionsImported {
        answers: answers.len(),
        unreadable,
    })
}

/// Per (model, subject, question type): questions, correct, unreadable, and
/// the sum of partial credit.
type Tally = (u64, u64, u64, f64);

/// One line of the results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResultRow {
    pub model: String,
    pub exam: String,
    /// `all`, or one subject.
    pub subject: String,
    /// `all`, `single` or `multiple`.
    pub question_type: String,
    pub n: u64,
    pub correct: u64,
    pub accuracy: f64,
    /// Wilson 95% interval.
    pub ci_lower: f64,
    pub ci_upper: f64,
    /// Answers that could not be read (counted wrong).
    pub unreadable: u64,
    /// Mean partial credit (multiple-answer questions give part marks).
    pub partial_credit: f64,
    /// With a pass mark, on the whole exam: `pass` (the interval is above
    /// it), `fail` (below) or `uncertain`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pass: Option<&'static str>,
    /// `fresh` (the exam was held after the model's knowledge cutoff),
    /// `possibly_seen` or `unknown`.
    pub contamination: Contamination,
    pub knowledge_cutoff: Option<String>,
}

/// McNemar's test between two models on the questions both answered.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Paired {
    pub model_a: String,
    pub model_b: String,
    pub questions: u64,
    pub only_a_right: u64,
    pub only_b_right: u64,
    pub p_value: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExamResults {
    pub exam: String,
    pub exam_date: Option<String>,
    pub language: Option<String>,
    pub pass_mark: Option<f64>,
    /// Only the models for which the exam is fresh.
    pub fresh_only: bool,
    pub rows: Vec<ResultRow>,
    pub mcnemar: Vec<Paired>,
}

/// Every exam with its question count.
///
/// # Errors
/// On a database error.
pub async fn list(
    db: &DatabaseConnection,
) -> anyhow::Result<Vec<(crate::store::entities::exams::Model, usize)>> {
    let mut out = Vec::new();
    for e in store::exams::list(db).await? {
        let n = store::exams::questions(db, e.id).await?.len();
        out.push((e, n));
    }
    Ok(out)
}

/// The results of an exam: accuracy per model, overall and per subject and
/// question type, with Wilson intervals; pass or fail; whether the model may
/// have seen the exam; McNemar per pair. With `fresh_only`, only the models
/// whose knowledge cutoff is before the exam.
///
/// # Errors
/// `NotFound`, or a database error.
pub async fn results(
    db: &DatabaseConnection,
    exam: &str,
    fresh_only: bool,
) -> Result<ExamResults, ExamError> {
    let found = store::exams::find(db, exam)
        .await?
        .ok_or_else(|| ExamError::NotFound(exam.to_owned()))?;
    let cutoffs: HashMap<String, Option<String>> = store::models::list(db)
        .await?
        .into_iter()
        .map(|m| (m.name, m.knowledge_cutoff))
        .collect();
    let cutoff_of = |model: &str| cutoffs.get(model).cloned().flatten();
    let contamination_of = |model: &str| {
        Contamination::classify(found.exam_date.as_deref(), cutoff_of(model).as_deref())
    };
    let questions = store::exams::questions(db, found.id).await?;
    let ids: Vec<i32> = questions.iter().map(|q| q.id).collect();
    let by_id: HashMap<i32, &crate::store::entities::exam_questions::Model> =
        questions.iter().map(|q| (q.id, q)).collect();
    // Samples per (model, question), then the majority.
    let mut samples: BTreeMap<(String, i32), Vec<Extraction>> = BTreeMap::new();
    for a in store::exams::answers(db, &ids).await? {
        let read = match &a.extracted {
            Some(l) => Extraction::Read(l.chars().collect(), Method::LoneLetter),
            None => Extraction::Unreadable("unreadable"),
        };
        samples
            .entry((a.model.clone(), a.question_id))
            .or_default()
            .push(read);
    }
    let mut cells: BTreeMap<(String, String, String), Tally> = BTreeMap::new();
    let mut right: BTreeMap<String, HashMap<i32, bool>> = BTreeMap::new();
    for ((model, qid), reads) in &samples {
        let Some(q) = by_id.get(qid) else { continue };
        if fresh_only && contamination_of(model) != Contamination::Fresh {
            continue;
        }
        let s = scoring::score(&q.answer, &scoring::majority(reads));
        right
            .entry(model.clone())
            .or_default()
            .insert(*qid, s.correct);
        for (subject, kind) in [
            ("all".to_owned(), "all".to_owned()),
            (q.subject.clone(), "all".to_owned()),
            ("all".to_owned(), q.kind.clone()),
        ] {
            let c = cells.entry((model.clone(), subject, kind)).or_default();
            c.0 += 1;
            c.1 += u64::from(s.correct);
            c.2 += u64::from(s.unreadable);
            c.3 += s.partial;
        }
    }
    let rows = cells
        .into_iter()
        .map(
            |((model, subject, kind), (n, correct, unreadable, partial))| {
                let p = wilson(correct as f64, n as f64, 0.95);
                let (lo, hi) = p.map_or((0.0, 1.0), |p| (p.lower, p.upper));
                let pass = (subject == "all" && kind == "all")
                    .then_some(found.pass_mark)
                    .flatten()
                    .map(|m| {
                        if lo >= m {
                            "pass"
                        } else if hi < m {
                            "fail"
                        } else {
                            "uncertain"
                        }
                    });
                ResultRow {
                    contamination: contamination_of(&model),
                    knowledge_cutoff: cutoff_of(&model),
                    model,
                    exam: found.name.clone(),
                    subject,
                    question_type: kind,
                    n,
                    correct,
                    accuracy: if n == 0 {
                        0.0
                    } else {
                        correct as f64 / n as f64
                    },
                    ci_lower: lo,
                    ci_upper: hi,
                    unreadable,
                    partial_credit: if n == 0 { 0.0 } else { partial / n as f64 },
                    pass,
                }
            },
        )
        .collect();
    let models: Vec<&String> = right.keys().collect();
    let mut mcnemar = Vec::new();
    for (i, a) in models.iter().enumerate() {
        for b in &models[i + 1..] {
            let (ra, rb) = (&right[*a], &right[*b]);
            let (mut n, mut only_a, mut only_b) = (0, 0, 0);
            for (q, x) in ra {
                if let Some(y) = rb.get(q) {
                    n += 1;
                    only_a += u64::from(*x && !*y);
                    only_b += u64::from(!*x && *y);
                }
            }
            mcnemar.push(Paired {
                model_a: (*a).clone(),
                model_b: (*b).clone(),
                questions: n,
                only_a_right: only_a,
                only_b_right: only_b,
                p_value: scoring::mcnemar(only_a, only_b),
            });
        }
    }
    Ok(ExamResults {
        exam: found.name,
        exam_date: found.exam_date,
        language: found.language,
        pass_mark: found.pass_mark,
        fresh_only,
        rows,
        mcnemar,
    })
}

/// The arena's ranked models beside their whole-exam accuracy (see
/// [`compare::compare`]).
///
/// # Errors
/// `NotFound`, or a database error.
pub async fn comparison(
    db: &DatabaseConnection,
    exam: &str,
    arena: &[ArenaStanding],
    fresh_only: bool,
) -> Result<Comparison, ExamError> {
    let results = results(db, exam, fresh_only).await?;
    let scores: Vec<ExamScore> = results
        .rows
        .iter()
        .filter(|r| r.subject == "all" && r.question_type == "all")
        .map(|r| ExamScore {
            model: r.model.clone(),
            accuracy: r.accuracy,
            ci_lower: r.ci_lower,
            ci_upper: r.ci_upper,
            n: r.n,
            contamination: r.contamination.as_str(),
        })
        .collect();
    Ok(compare::compare(&results.exam, arena, &scores))
}
