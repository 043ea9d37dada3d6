//! Parsing FastChat llm_judge (MT-Bench) files: `question.jsonl` and
//! `model_answer/<model>.jsonl`. Pure: text in, records or line-numbered errors out.
//!
//! Arena-Hard (v0.1) writes the same two files with each turn as an object,
//! `{"content": "..."}` (its answers add `token_len`); those are read too.

use std::collections::{HashMap, HashSet};
use std::fmt;

use serde::Deserialize;

/// A problem in an input file, located by file and 1-based line (0 = the file
/// as a whole).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file, self.message)
        } else {
            write!(f, "{}:{}: {}", self.file, self.line, self.message)
        }
    }
}

/// A question from `question.jsonl`.
#[derive(Debug, Clone, PartialEq)]
pub struct QuestionRecord {
    pub question_id: String,
    pub category: String,
    pub turns: Vec<String>,
    /// ISO 639-3 code when the file gives one (a GoldArena extension).
    pub language: Option<String>,
}

/// A model's answer from `<model>.jsonl`.
#[derive(Debug, Clone, PartialEq)]
pub struct AnswerRecord {
    pub question_id: String,
    pub turns: Vec<String>,
}

#[derive(Deserialize)]
struct RawQuestion {
    question_id: RawId,
    #[serde(default)]
    category: Option<String>,
    turns: Vec<Turn>,
    #[serde(default)]
    language: Option<String>,
}

#[derive(Deserialize)]
struct RawAnswer {
    question_id: RawId,
    choices: Vec<RawChoice>,
}

#[derive(Deserialize)]
struct RawChoice {
    turns: Vec<Turn>,
}

/// One turn: FastChat's plain text, or Arena-Hard's `{"content": text}`
/// (other keys of the object, such as `token_len`, are ignored).
struct Turn(String);

impl<'de> Deserialize<'de> for Turn {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Turn;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a turn: text, or an object with \"content\" text")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Turn, E> {
                Ok(Turn(v.to_owned()))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Turn, E> {
                Ok(Turn(v))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Turn, A::Error> {
                let mut content = None;
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    // Given twice, the last one counts, as Python's `json`
                    // (which wrote these files) reads it.
                    if key == "content" {
                        content = Some(map.next_value::<String>()?);
                    } else {
                        map.next_value::<serde::de::IgnoredAny>()?;
                    }
                }
                content
                    .map(Turn)
                    .ok_or_else(|| serde::de::Error::missing_field("content"))
            }
        }
        d.deserialize_any(Visitor)
    }
}

fn texts(turns: Vec<Turn>) -> Vec<String> {
    turns.into_iter().map(|t| t.0).collect()
}

/// FastChat uses integers; other banks use strings. Both are kept as text.
#[derive(Deserialize)]
#[serde(untagged)]
enum RawId {
    Int(i64),
    Text(String),
}

impl RawId {
    fn into_string(self) -> String {
        match self {
            Self::Int(n) => n.to_string(),
            Self::Text(s) => s,
        }
    }
}

/// The longest prompt or answer turn accepted, in bytes.
pub const MAX_TURN_BYTES: usize = 200_000;

fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    // A file saved with a byte-order mark reads as one without.
    text.strip_prefix('\u{feff}')
        .unwrap_or(text)
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty())
}

/// Prompts must say something; an answer may be empty (some models do answer
/// with nothing, and voters should be able to judge that).
fn check_turns(turns: &[String], what: &str, allow_empty: bool) -> Result<(), String> {
    if turns.is_empty() {
        return Err(format!("{what} has no turns"));
    }
    if let Some(i) = turns
        .iter()
        .position(|t| !allow_empty && t.trim().is_empty())
    {
        return Err(format!("{what}: turn {} is empty", i + 1));
    }
    if let Some(i) = turns.iter().position(|t| t.len() > MAX_TURN_BYTES) {
        return Err(format!(
            "{what}: turn {} is longer than {MAX_TURN_BYTES} bytes",
            i + 1
        ));
    }
    Ok(())
}

/// Parses a question file. Every bad line is reported, not just the first.
///
/// # Errors
/// All the problems found, each with its line.
pub fn parse_questions(file: &str, text: &str) -> Result<Vec<QuestionRecord>, Vec<LineError>> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let mut seen = HashSet::new();
    let err = |line, message: String| LineError {
        file: file.to_owned(),
        line,
        message,
    };
    for (n, line) in lines(text) {
        let raw: RawQuestion = match serde_json::from_str(line) {
            Ok(r) => r,
            Err(e) => {
                errors.push(err(n, format!("not a valid question record: {e}")));
                continue;
            }
        };
        let id = raw.question_id.into_string();
        let turns = texts(raw.turns);
        if let Err(m) = check_turns(&turns, &format!("question {id}"), false) {
            errors.push(err(n, m));
            continue;
        }
        if !seen.insert(id.clone()) {
            errors.push(err(n, format!("question {id} appears more than once")));
            continue;
        }
        // A scope's key is `category:NAME,language:CODE`: a `,` would make the
        // category read as two scopes.
        if let Some(c) = raw.category.as_deref().filter(|c| c.contains(',')) {
            errors.push(err(n, format!("category {c:?} has a ','")));
            continue;
        }
        out.push(QuestionRecord {
            question_id: id,
            category: raw
                .category
                .filter(|c| !c.trim().is_empty())
                .unwrap_or_else(|| "general".to_owned()),
            turns,
            language: raw.language.filter(|l| !l.trim().is_empty()),
        });
    }
    if out.is_empty() && errors.is_empty() {
        errors.push(err(0, "the file holds no questions".to_owned()));
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Parses one model's answer file against the questions it answers
/// (`question_id` -> number of turns). An answer may have fewer turns than its
/// question, never more.
///
/// # Errors
/// All the problems found, each with its line.
pub fn parse_answers(
    file: &str,
    text: &str,
    question_turns: &HashMap<String, usize>,
) -> Result<Vec<AnswerRecord>, Vec<LineError>> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let mut seen = HashSet::new();
    let err = |line, message: String| LineError {
        file: file.to_owned(),
        line,
        message,
    };
    for (n, line) in lines(text) {
        let raw: RawAnswer = match serde_json::from_str(line) {
            Ok(r) => r,
            Err(e) => {
                errors.push(err(n, format!("not a valid answer record: {e}")));
                continue;
            }
        };
        let id = raw.question_id.into_string();
        let Some(&asked) = question_turns.get(&id) else {
            errors.push(err(
                n,
                format!("answers question {id}, which is not in the question file"),
            ));
            continue;
        };
        let Some(choice) = raw.choices.into_iter().next() else {
            errors.push(err(n, format!("answer to question {id} has no choices")));
            continue;
        };
        let turns = texts(choice.turns);
        if let Err(m) = check_turns(&turns, &format!("answer to question {id}"), true) {
            errors.push(err(n, m));
            continue;
        }
        if turns.len() > asked {
            errors.push(err(
                n,
                format!(
                    "answer to question {id} has {} turns but the question has {asked}",
                    turns.len()
                ),
            ));
            continue;
        }
        if !seen.insert(id.clone()) {
            errors.push(err(n, format!("question {id} is answered more than once")));
            continue;
        }
        out.push(AnswerRecord {
            question_id: id,
            turns,
        });
    }
    if out.is_empty() && errors.is_empty() {
        errors.push(err(0, "the file holds no answers".to_owned()));
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const QUESTIONS: &str = r#"{"question_id": 81, "category": "writing", "turns": ["Write.", "Shorter."]}

{"question_id": "q2", "turns": ["Why?"], "language": "eng"}
"#;

    fn turns_of(qs: &[QuestionRecord]) -> HashMap<String, usize> {
        qs.iter()
            .map(|q| (q.question_id.clone(), q.turns.len()))
            .collect()
    }

    #[test]
    fn reads_fastchat_questions_with_int_or_text_ids() {
        let qs = parse_questions("question.jsonl", QUESTIONS).expect("valid");
        assert_eq!(qs.len(), 2);
        assert_eq!(qs[0].question_id, "81");
        assert_eq!(qs[0].turns.len(), 2);
        assert_eq!(qs[1].category, "general");
        assert_eq!(qs[1].language.as_deref(), Some("eng"));
    }

    #[test]
    fn reports_every_bad_question_line_with_its_number() {
        let text = "{\"question_id\": 1, \"turns\": [\"ok\"]}\n{broken\n{\"question_id\": 1, \"turns\": [\"dup\"]}\n{\"question_id\": 3, \"turns\": []}\n";
        let errs = parse_questions("q.jsonl", text).expect_err("invalid");
        let located: Vec<(usize, bool)> =
            errs.iter().map(|e| (e.line, e.file == "q.jsonl")).collect();
        assert_eq!(located, vec![(2, true), (3, true), (4, true)]);
        assert!(errs[1].message.contains("more than once"));
        assert!(errs[2].to_string().starts_with("q.jsonl:4: "));
    }

    #[test]
    fn reads_answers_and_checks_them_against_the_questions() {
        let qs = parse_questions("question.jsonl", QUESTIONS).expect("valid");
        let text = r#"{"question_id": 81, "model_id": "m", "choices": [{"index": 0, "turns": ["A", "B"]}]}
{"question_id": "q2", "choices": [{"turns": ["C"]}]}"#;
        let answers = parse_answers("m.jsonl", text, &turns_of(&qs)).expect("valid");
        assert_eq!(answers[0].turns, vec!["A", "B"]);
        assert_eq!(answers[1].question_id, "q2");
    }

    #[test]
    fn rejects_unknown_questions_extra_turns_and_empty_choices() {
        let qs = parse_questions("question.jsonl", QUESTIONS).expect("valid");
        let text = r#"{"question_id": 99, "choices": [{"turns": ["A"]}]}
{"question_id": "q2", "choices": [{"turns": ["C", "D"]}]}
{"question_id": 81, "choices": []}
{"question_id": 81, "choices": [{"turns": [1]}]}
{"question_id": 81, "choices": [{"turns": [""]}]}"#;
        let errs = parse_answers("m.jsonl", text, &turns_of(&qs)).expect_err("invalid");
        assert_eq!(
            errs.iter().map(|e| e.line).collect::<Vec<_>>(),
            vec![1, 2, 3, 4]
        );
        assert!(errs[0].message.contains("not in the question file"));
        assert!(errs[1].message.contains("has 2 turns"));
        // The empty answer on line 5 is accepted: it is what that model said.
    }

    #[test]
    fn a_byte_order_mark_is_skipped_and_a_category_with_a_comma_refused() {
        let marked = format!("\u{feff}{QUESTIONS}");
        assert_eq!(
            parse_questions("question.jsonl", &marked)
                .expect("valid")
                .len(),
            2
        );
        let comma = r#"{"question_id": 1, "category": "ethics, law", "turns": ["Why?"]}"#;
        let errs = parse_questions("q.jsonl", comma).expect_err("a comma");
        assert!(errs[0].message.contains("has a ','"), "{}", errs[0]);
    }

    #[test]
    fn reads_arena_hard_turn_objects() {
        let questions = r#"{"question_id": "0122ab60646b4961bc39e9c03bdf6bcc", "category": "arena-hard-v0.1", "cluster": "Network Configuration", "turns": [{"content": "How do I set up SSH?"}]}"#;
        let qs = parse_questions("question.jsonl", questions).expect("valid");
        assert_eq!(qs[0].turns, vec!["How do I set up SSH?"]);
        assert_eq!(qs[0].category, "arena-hard-v0.1");
        let answers = r#"{"question_id": "0122ab60646b4961bc39e9c03bdf6bcc", "answer_id": "x", "model_id": "m", "choices": [{"index": 0, "turns": [{"content": "Use ssh-keygen.", "token_len": 5}]}], "tstamp": 1718.0}"#;
        let a = parse_answers("m.jsonl", answers, &turns_of(&qs)).expect("valid");
        assert_eq!(a[0].turns, vec!["Use ssh-keygen."]);
        // An object without text, or with text that is not text, is a clear
        // error; text given twice reads as its last.
        let bad = r#"{"question_id": 1, "turns": [{"text": "Why?"}]}
{"question_id": 3, "turns": [{"content": 7}]}"#;
        let errs = parse_questions("q.jsonl", bad).expect_err("invalid");
        assert_eq!(errs.len(), 2);
        assert!(errs[0].message.contains("content"), "{}", errs[0].message);
        let twice = r#"{"question_id": 2, "turns": [{"content": "a", "content": "b"}]}"#;
        let qs = parse_questions("q.jsonl", twice).expect("valid");
        assert_eq!(qs[0].turns, vec!["b"]);
    }

    #[test]
    fn an_empty_file_is_an_error() {
        assert!(parse_questions("q.jsonl", "\n\n").is_err());
        assert!(parse_answers("m.jsonl", "", &HashMap::new()).is_err());
    }
}
