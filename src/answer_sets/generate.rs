//! Pre-generating answer sets: every question of a FastChat llm_judge question
//! file answered by live models, turn by turn, written as
//! `OUT/model_answer/<model>.jsonl` beside a copy of the questions in
//! `OUT/question.jsonl`, the layout `import answers` reads.
//!
//! Resumable: an answer is appended (and flushed) as soon as it is complete,
//! and a second run skips every question a model's file already answers. A
//! line cut off by an interruption is dropped and answered again.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use anyhow::Context;
use futures_util::StreamExt;
use serde_json::json;

use crate::import::llm_judge::{QuestionRecord, parse_questions};
use crate::providers::{ChatMessage, ChatProvider};

/// A model to generate with.
pub struct Generator {
    pub name: String,
    pub provider: Arc<dyn ChatProvider>,
}

/// What a run did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct GenerateReport {
    /// Answers already in the files, skipped.
    pub skipped: usize,
    pub generated: usize,
    /// `(model, question id, error)` of each answer that failed.
    pub failed: Vec<(String, String, String)>,
    pub question_file: PathBuf,
    pub answer_dir: PathBuf,
}

/// Answers every question not yet answered by each model, `concurrency`
/// answers at a time; `on_progress` is told of each finished (or failed) one.
///
/// # Errors
/// When the question file is invalid, or a file cannot be read or written.
/// A model failing on a question is not an error: it is in the report.
pub async fn generate(
    questions: &Path,
    models: &[Generator],
    out: &Path,
    concurrency: usize,
    on_progress: &(dyn Fn(usize, usize) + Sync),
) -> anyhow::Result<GenerateReport> {
    let text = std::fs::read_to_string(questions)
        .with_context(|| format!("cannot read {}", questions.display()))?;
    let records = parse_questions(&questions.display().to_string(), &text).map_err(|errors| {
        let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
        anyhow::anyhow!("invalid question file:\n{}", lines.join("\n"))
    })?;
    let answer_dir = out.join("model_answer");
    std::fs::create_dir_all(&answer_dir)
        .with_context(|| format!("cannot create {}", answer_dir.display()))?;
    let question_file = out.join("question.jsonl");
    copy_questions(questions, &text, &question_file)?;

    let mut report = GenerateReport {
        question_file,
        answer_dir: answer_dir.clone(),
        ..GenerateReport::default()
    };
    let mut jobs = Vec::new();
    let mut files = HashMap::new();
    for model in models {
        let path = answer_dir.join(format!("{}.jsonl", model.name));
        let done = answered(&path)?;
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .with_context(|| format!("cannot open {}", path.display()))?;
        files.insert(model.name.clone(), Arc::new(Mutex::new(file)));
        for q in &records {
            if done.contains(&q.question_id) {
                report.skipped += 1;
            } else {
                jobs.push((model, q));
            }
        }
    }
    let total = report.skipped + jobs.len();
    on_progress(report.skipped, total);
    let mut results = futures_util::stream::iter(jobs)
        .map(|(model, question)| async move {
            (
                model,
                question,
                answer(model.provider.as_ref(), question).await,
            )
        })
        .buffer_unordered(concurrency.max(1));
    let mut finished = report.skipped;
    while let Some((model, question, result)) = results.next().await {
        match result {
            Ok(turns) => {
                let line = json!({
                    "question_id": id_value(&question.question_id),
                    "answer_id": uuid::Uuid::new_v4().simple().to_string(),
                    "model_id": model.name,
                    "choices": [{"index": 0, "turns": turns}],
                    "tstamp": chrono::Utc::now().timestamp_millis() as f64 / 1000.0,
                });
                let file = files
                    .get(&model.name)
                    .context("no answer file for the model")?;
                let mut file = file.lock().unwrap_or_else(PoisonError::into_inner);
                // One write for the line and its newline: an interruption
                // leaves either nothing or a cut-off line, which a rerun drops.
                file.write_all(format!("{line}\n").as_bytes())
                    .and_then(|()| file.flush())
                    .with_context(|| format!("cannot write the answers of {}", model.name))?;
                report.generated += 1;
            }
            Err(e) => {
                tracing::warn!(model = %model.name, question = %question.question_id, error = %e.kind(), "answer failed");
                report.failed.push((
                    model.name.clone(),
                    question.question_id.clone(),
                    e.to_string(),
                ));
            }
        }
        finished += 1;
        on_progress(finished, total);
    }
    Ok(report)
}

/// Answers the question's turns in order, each with the conversation so far.
async fn answer(
    provider: &dyn ChatProvider,
    question: &QuestionRecord,
) -> Result<Vec<String>, crate::providers::ProviderError> {
    let mut conversation = Vec::new();
    let mut answers = Vec::new();
    for turn in &question.turns {
        conversation.push(ChatMessage::user(turn.clone()));
        let completion = provider.complete_whole(&conversation).await?;
        conversation.push(ChatMessage::assistant(completion.text.clone()));
        answers.push(completion.text);
    }
    Ok(answers)
}

/// FastChat's ids are numbers; keep them numbers when they are.
fn id_value(id: &str) -> serde_json::Value {
    id.parse::<i64>()
        .map_or_else(|_| json!(id), serde_json::Value::from)
}

/// Copies the question file next to the answers, unless the same file is
/// already there. A different file there is an error: the answers would no
/// longer match their questions.
fn copy_questions(source: &Path, text: &str, target: &Path) -> anyhow::Result<()> {
    match std::fs::read_to_string(target) {
        Ok(existing) if existing == text => Ok(()),
        Ok(_) => anyhow::bail!(
            "{} already holds different questions; use another --out folder",
            target.display()
        ),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => std::fs::write(target, text)
            .with_context(|| format!("cannot copy {} to {}", source.display(), target.display())),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", target.display())),
    }
}

/// The question ids a model's answer file already answers. A last line cut
/// off mid-write (no newline, not JSON) is removed; any other bad line is an
/// error, since writing after it would bury it.
fn answered(path: &Path) -> anyhow::Result<HashSet<String>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(HashSet::new()),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    let mut done = HashSet::new();
    let mut keep = 0;
    // A whole record whose newline was never written: complete it, or the
    // next answer would be appended to the same line.
    if !text.is_empty() && !text.ends_with('\n') {
        let last = text.rsplit('\n').next().unwrap_or_default();
        if serde_json::from_str::<serde_json::Value>(last).is_ok() {
            let mut file = std::fs::OpenOptions::new()
                .append(true)
                .open(path)
                .with_context(|| format!("cannot open {}", path.display()))?;
            file.write_all(b"\n")
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
    }
    for (n, line) in text.split_inclusive('\n').enumerate() {
        let id = serde_json::from_str::<serde_json::Value>(line)
            .ok()
            .and_then(|v| match &v["question_id"] {
                serde_json::Value::Number(n) => Some(n.to_string()),
                serde_json::Value::String(s) => Some(s.clone()),
                _ => None,
            });
        match id {
            Some(id) => {
                done.insert(id);
                keep += line.len();
            }
            None if line.trim().is_empty() => keep += line.len(),
            None if !line.ends_with('\n') => {
                tracing::warn!(file = %path.display(), "dropping a cut-off last line");
                let file = std::fs::OpenOptions::new()
                    .write(true)
                    .open(path)
                    .with_context(|| format!("cannot open {}", path.display()))?;
                file.set_len(u64::try_from(keep).context("file too large")?)
                    .with_context(|| format!("cannot truncate {}", path.display()))?;
            }
            None => anyhow::bail!(
                "{}:{}: not an answer record; fix or remove the line and run again",
                path.display(),
                n + 1
            ),
        }
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cut_off_last_line_is_dropped_and_the_rest_kept() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("m.jsonl");
        let full = "{\"question_id\": 81, \"choices\": []}\n{\"question_id\": \"x\"}\n";
        std::fs::write(&path, format!("{full}{{\"question_id\": 83, \"cho")).expect("write");
        let done = answered(&path).expect("readable");
        assert_eq!(done, HashSet::from(["81".to_owned(), "x".to_owned()]));
        assert_eq!(std::fs::read_to_string(&path).expect("read"), full);
    }

    #[test]
    fn a_whole_last_record_without_its_newline_is_kept_and_completed() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("m.jsonl");
        std::fs::write(&path, "{\"question_id\": 81}\n{\"question_id\": 82}").expect("write");
        let done = answered(&path).expect("readable");
        assert_eq!(done.len(), 2);
        assert_eq!(
            std::fs::read_to_string(&path).expect("read"),
            "{\"question_id\": 81}\n{\"question_id\": 82}\n"
        );
    }

    #[test]
    fn a_bad_line_in_the_middle_is_an_error() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("m.jsonl");
        std::fs::write(
            &path,
            "{\"question_id\": 81}\nnot json\n{\"question_id\": 82}\n",
        )
        .expect("write");
        let e = answered(&path).expect_err("corrupt file");
        assert!(e.to_string().contains(":2:"), "{e}");
    }

    #[test]
    fn numeric_ids_stay_numbers() {
        assert_eq!(id_value("81"), json!(81));
        assert_eq!(id_value("q-1"), json!("q-1"));
    }
}
