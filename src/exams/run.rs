//! Exam runs: every question of an exam put to live models, with a prompt
//! template in the exam's language, optional worked examples (`shots`) and
//! several samples per question (scored by majority). Resumable: each answer
//! is stored the moment it completes, and a run skips every (question,
//! model, sample) already stored.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use futures_util::StreamExt;
use sea_orm::DatabaseConnection;

use super::extract::{Extraction, extract};
use super::{ExamError, method_name, options_of};
use crate::providers::{ChatMessage, ChatProvider};
use crate::store;
use crate::store::entities::{exam_questions, exams};

/// A model to run, with its prices (per million tokens) when known.
pub struct RunModel {
    pub name: String,
    pub provider: Arc<dyn ChatProvider>,
    pub input_cost_per_mtok: Option<f64>,
    pub output_cost_per_mtok: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunOptions {
    /// Worked examples before each question (0 = zero-shot).
    pub shots: usize,
    /// Answers per question and model; scored by majority.
    pub samples: usize,
    /// Answers asked for at once (each model's own limit also holds).
    pub concurrency: usize,
}

/// Where a run stands: answers done (stored before or now) of all, and the
/// tokens and cost of every stored answer of the run's models.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Progress {
    pub done: usize,
    pub total: usize,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    /// `None` while no model of the run has a price.
    pub cost: Option<f64>,
}

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunReport {
    /// Answers stored by an earlier run, skipped.
    pub skipped: usize,
    pub answered: usize,
    /// Of those answered now, the ones the extraction chain could not read.
    pub unreadable: usize,
    /// `(model, question number, error)` for each answer that failed.
    pub failed: Vec<(String, i32, String)>,
    pub progress: Progress,
}

/// Chinese exams get the Chinese template.
fn is_chinese(exam: &exams::Model, sample_text: &str) -> bool {
    match exam.language.as_deref().map(str::to_ascii_lowercase) {
        Some(l) => l.starts_with("zh") || l == "cmn" || l == "chinese" || l == "chi",
        None => crate::domain::detect_language(sample_text) == "cmn",
    }
}

/// The question as the model reads it: the instruction of the exam's
/// language, the question, and its lettered options.
#[must_use]
pub fn question_prompt(q: &exam_questions::Model, chinese: bool) -> String {
    let multiple = q.kind == "multiple";
    let mut out = String::new();
    out.push_str(match (chinese, multiple) {
        (true, false) => "以下是一道单项选择题，只有一个正确答案。请作答，并在最后一行写出“答案是：X”（X 为选项字母）。\n\n",
        (true, true) => "以下是一道多项选择题，可能有多个正确答案。请作答，并在最后一行写出“答案是：”及所有正确选项的字母，例如“答案是：ACD”。\n\n",
        (false, false) => "The following is a multiple-choice question with one correct answer. Answer it, and end with a line \"The answer is X\", where X is the letter of the option.\n\n",
        (false, true) => "The following is a multiple-choice question that may have more than one correct answer. Answer it, and end with a line \"The answer is\" followed by the letters of every correct option, for example \"The answer is ACD\".\n\n",
    });
    out.push_str(q.question.trim());
    out.push('\n');
    for (letter, text) in options_of(q) {
        out.push_str(&format!("{letter}. {}\n", text.trim()));
    }
    out
}

/// A worked example's answer, in the form the template asks for.
fn example_answer(q: &exam_questions::Model, chinese: bool) -> String {
    if chinese {
        format!("答案是：{}", q.answer)
    } else {
        format!("The answer is {}", q.answer)
    }
}

/// The `shots` worked examples for `q`: other questions of the same exam,
/// those of the same subject first, in the exam's order.
fn examples<'a>(
    all: &'a [exam_questions::Model],
    q: &exam_questions::Model,
    shots: usize,
) -> Vec<&'a exam_questions::Model> {
    let same = all
        .iter()
        .filter(|o| o.id != q.id && o.subject == q.subject);
    let other = all
        .iter()
        .filter(|o| o.id != q.id && o.subject != q.subject);
    same.chain(other).take(shots).collect()
}

/// The conversation sent for `q`: each example as a question and its
/// answer, then the question.
#[must_use]
pub fn conversation(
    all: &[exam_questions::Model],
    q: &exam_questions::Model,
    shots: usize,
    chinese: bool,
) -> Vec<ChatMessage> {
    let mut messages = Vec::new();
    for e in examples(all, q, shots) {
        messages.push(ChatMessage::user(question_prompt(e, chinese)));
        messages.push(ChatMessage::assistant(example_answer(e, chinese)));
    }
    messages.push(ChatMessage::user(question_prompt(q, chinese)));
    messages
}

fn cost(model: &RunModel, prompt: u64, completion: u64) -> Option<f64> {
    priced(
        (model.input_cost_per_mtok, model.output_cost_per_mtok),
        prompt,
        completion,
    )
}

/// Tokens at prices per million; `None` when neither side has a price.
fn priced(prices: (Option<f64>, Option<f64>), prompt: u64, completion: u64) -> Option<f64> {
    let input = prices.0.map(|p| p * prompt as f64 / 1e6);
    let output = prices.1.map(|p| p * completion as f64 / 1e6);
    match (input, output) {
        (None, None) => None,
        (a, b) => Some(a.unwrap_or(0.0) + b.unwrap_or(0.0)),
    }
}

fn add_cost(total: &mut Option<f64>, more: Option<f64>) {
    if let Some(m) = more {
        *total = Some(total.unwrap_or(0.0) + m);
    }
}

/// Runs the exam; `on_progress` hears of every answer finished or failed.
///
/// # Errors
/// `NotFound` for an unknown exam, `Invalid` for bad options, or a database
/// error. A model failing on a question is not an error: it is reported, and
/// the next run asks again.
pub async fn run(
    db: &DatabaseConnection,
    exam: &str,
    models: &[RunModel],
    options: RunOptions,
    on_progress: &(dyn Fn(Progress) + Sync),
) -> Result<RunReport, ExamError> {
    let mut problems = Vec::new();
    if models.is_empty() {
        problems.push("name at least one model (--models)".to_owned());
    }
    if options.samples == 0 {
        problems.push("--samples must be at least 1".to_owned());
    }
    if options.concurrency == 0 {
        problems.push("--concurrency must be at least 1".to_owned());
    }
    if !problems.is_empty() {
        return Err(ExamError::Invalid(problems));
    }
    let found = store::exams::find(db, exam)
        .await?
        .ok_or_else(|| ExamError::NotFound(exam.to_owned()))?;
    let questions = store::exams::questions(db, found.id).await?;
    let chinese = is_chinese(
        &found,
        &questions
            .iter()
            .take(20)
            .map(|q| q.question.as_str())
            .collect::<Vec<_>>()
            .join("\n"),
    );
    let samples = i32::try_from(options.samples)
        .map_err(|_| ExamError::Invalid(vec!["--samples is too large".to_owned()]))?;
    let ids: Vec<i32> = questions.iter().map(|q| q.id).collect();
    let by_name: HashMap<&str, &RunModel> = models.iter().map(|m| (m.name.as_str(), m)).collect();
    let mut report = RunReport::default();
    let mut stored: HashSet<(String, i32, i32)> = HashSet::new();
    for a in store::exams::answers(db, &ids).await? {
        if let Some(m) = by_name.get(a.model.as_str())
            && a.sample < samples
        {
            let (p, c) = (
                u64::try_from(a.prompt_tokens.unwrap_or(0)).unwrap_or(0),
                u64::try_from(a.completion_tokens.unwrap_or(0)).unwrap_or(0),
            );
            report.progress.prompt_tokens += p;
            report.progress.completion_tokens += c;
            add_cost(&mut report.progress.cost, cost(m, p, c));
            stored.insert((a.model, a.question_id, a.sample));
        }
    }
    let mut jobs = Vec::new();
    for m in models {
        for q in &questions {
            for sample in 0..samples {
                if stored.contains(&(m.name.clone(), q.id, sample)) {
                    report.skipped += 1;
                } else {
                    jobs.push((m, q, sample));
                }
            }
        }
    }
    report.progress.total = report.skipped + jobs.len();
    report.progress.done = report.skipped;
    on_progress(report.progress);
    let questions = &questions;
    let mut answers = futures_util::stream::iter(jobs)
        .map(|(m, q, sample)| async move {
            let messages = conversation(questions, q, options.shots, chinese);
            let result = m.provider.complete_whole(&messages).await;
            (m, q, sample, result)
        })
        .buffer_unordered(options.concurrency);
    while let Some((m, q, sample, result)) = answers.next().await {
        match result {
            Ok(done) => {
                let read = extract(&done.text, &options_of(q), q.kind == "multiple");
                report.unreadable += usize::from(matches!(read, Extraction::Unreadable(_)));
                let (p, c) = (done.prompt_tokens, done.completion_tokens);
                store::exams::put_answers(
                    db,
                    &[store::exams::NewAnswer {
                        question_id: q.id,
                        model: m.name.clone(),
                        sample,
                        output: done.text,
                        extracted: match &read {
                            Extraction::Read(letters, _) => Some(letters.iter().collect()),
                            Extraction::Unreadable(_) => None,
                        },
                        method: method_name(&read),
                        origin: "run".to_owned(),
                        prompt_tokens: p.and_then(|x| i32::try_from(x).ok()),
                        completion_tokens: c.and_then(|x| i32::try_from(x).ok()),
                    }],
                )
                .await?;
                let (p, c) = (u64::from(p.unwrap_or(0)), u64::from(c.unwrap_or(0)));
                report.progress.prompt_tokens += p;
                report.progress.completion_tokens += c;
                add_cost(&mut report.progress.cost, cost(m, p, c));
                report.answered += 1;
            }
            Err(e) => {
                tracing::warn!(model = %m.name, question = q.position + 1, error = %e.kind(), "exam answer failed");
                report
                    .failed
                    .push((m.name.clone(), q.position + 1, e.to_string()));
            }
        }
        report.progress.done += 1;
        on_progress(report.progress);
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(id: i32, subject: &str, kind: &str, question: &str) -> exam_questions::Model {
        exam_questions::Model {
            id,
            exam_id: 1,
            position: id - 1,
            source_ref: String::new(),
            subject: subject.to_owned(),
            kind: kind.to_owned(),
            question: question.to_owned(),
            options: r#"[["A","阿司匹林"],["B","布洛芬"],["C","对乙酰氨基酚"]]"#.to_owned(),
            answer: if kind == "multiple" { "AB" } else { "C" }.to_owned(),
        }
    }

    #[test]
    fn the_prompt_follows_the_exam_language_and_asks_for_the_answer_line_the_chain_reads() {
        let single = q(1, "药理", "single", "下列哪种药物不属于非甾体抗炎药？");
        let zh = question_prompt(&single, true);
        assert!(zh.starts_with("以下是一道单项选择题"), "{zh}");
        assert!(
            zh.contains("\nA. 阿司匹林\nB. 布洛芬\nC. 对乙酰氨基酚\n"),
            "{zh}"
        );
        let multi = q(2, "药理", "multiple", "Which are NSAIDs?");
        let en = question_prompt(&multi, false);
        assert!(en.contains("more than one correct answer"), "{en}");
        // The worked example's answer line is what the extraction chain reads first.
        for (chinese, item) in [(true, &single), (false, &multi)] {
            let line = example_answer(item, chinese);
            let read = extract(&line, &options_of(item), item.kind == "multiple");
            assert_eq!(
                read,
                Extraction::Read(
                    item.answer.chars().collect(),
                    super::super::extract::Method::Explicit
                ),
                "{line}"
            );
        }
    }

    #[test]
    fn shots_are_other_questions_of_the_same_subject_first() {
        let all = [
            q(1, "a", "single", "one"),
            q(2, "b", "single", "two"),
            q(3, "a", "single", "three"),
            q(4, "a", "single", "four"),
        ];
        let picked: Vec<i32> = examples(&all, &all[0], 3).iter().map(|e| e.id).collect();
        assert_eq!(picked, [3, 4, 2]);
        let messages = conversation(&all, &all[0], 2, false);
        assert_eq!(messages.len(), 5);
        assert!(messages[4].content.contains("one"));
        assert!(conversation(&all, &all[0], 0, false).len() == 1);
    }

    #[test]
    fn cost_adds_what_is_priced() {
        assert_eq!(
            priced((Some(2.5), Some(10.0)), 1_000_000, 500_000),
            Some(7.5)
        );
        assert_eq!(priced((None, Some(10.0)), 1_000_000, 500_000), Some(5.0));
        assert_eq!(priced((None, None), 1_000_000, 500_000), None);
        let mut total = None;
        add_cost(&mut total, None);
        assert_eq!(total, None);
        add_cost(&mut total, Some(1.5));
        add_cost(&mut total, Some(2.0));
        assert_eq!(total, Some(3.5));
    }
}
