//! Reading a model's answer to a multiple-choice question: a documented chain,
//! tried in order, and nothing guessed.
//!
//! 1. **Normalise**: full-width letters and punctuation become ASCII
//!    (`Ｂ` → `B`, `：` → `:`), Markdown emphasis and code marks go (`**B**`).
//! 2. **An explicit statement**: "答案是 / 答案为 / 答案： / 正确答案 / 选 / The
//!    answer is / Answer: / final answer" followed by the letters. The last
//!    statement wins (models restate). Letters joined by "or" / "或" / "还是"
//!    are a hedge: unreadable.
//! 3. **A unique option text**: the answer quotes exactly one option's text
//!    (single-answer questions only).
//! 4. **A lone letter** (or, for a multiple-answer question, a lone set such
//!    as `ACD` or `A, C`): the whole answer is just that, give or take
//!    brackets and a full stop.
//!
//! Anything else is **unreadable**: it counts as wrong and is listed, never
//! assigned a letter. Refusals, hedges and explanations that only mention
//! letters end here.

use std::collections::BTreeSet;

/// How an answer was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Explicit,
    OptionText,
    LoneLetter,
}

/// The letters read from an answer, or why none could be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Extraction {
    Read(BTreeSet<char>, Method),
    Unreadable(&'static str),
}

fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let c = match c {
            // Full-width ASCII block.
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            // The full-width comma, brackets and colon are in the block above.
            '、' => ',',
            '。' => '.',
            '【' | '「' | '『' => '[',
            '】' | '」' | '』' => ']',
            '*' | '_' | '`' | '#' => ' ',
            c => c,
        };
        out.push(c);
    }
    out
}

/// The explicit statements, lower-case (the text is searched lower-cased too).
const CUES: [&str; 13] = [
    "答案是",
    "答案为",
    "答案:",
    "正确答案",
    "应选",
    "故选",
    "选择",
    "the answer is",
    "answer is",
    "answer:",
    "final answer",
    "correct answer",
    "answer\n",
];

/// Letters at the start of `text` (after a cue): `B`, `(B)`, `B and D`,
/// `A,C`, `ACD`. `None` when no letter starts it; `Err` for a hedge.
fn letters_after(text: &str, valid: &[char]) -> Option<Result<BTreeSet<char>, &'static str>> {
    let mut letters = BTreeSet::new();
    let mut rest =
        text.trim_start_matches([' ', ':', '：', '是', '为', '(', '[', '"', '\'', '\n', '\t']);
    loop {
        let mut chars = rest.chars();
        let Some(c) = chars.next() else { break };
        let upper = c.to_ascii_uppercase();
        if valid.contains(&upper) && c.is_ascii_uppercase() {
            // A letter that is the start of a word ("A patient ...") is not an answer.
            let next = chars.clone().next();
            if next.is_some_and(|n| n.is_ascii_lowercase()) {
                break;
            }
            letters.insert(upper);
            rest = chars.as_str();
            continue;
        }
        // ASCII folding keeps the byte positions of `rest`.
        let lower_rest = rest.to_ascii_lowercase();
        // "A or B", "A或B", "A还是B": a hedge, not an answer.
        if !letters.is_empty() {
            let t = lower_rest.trim_start();
            for hedge in ["or ", "或", "还是"] {
                if let Some(after) = t.strip_prefix(hedge)
                    && after
                        .trim_start_matches([' ', '(', '['])
                        .chars()
                        .next()
                        .is_some_and(|n| valid.contains(&n.to_ascii_uppercase()))
                {
                    return Some(Err("a hedge between options"));
                }
            }
        }
        if let Some(after) = [", ", ",", " and ", "和", "与", "及", " & ", ")", "]", " "]
            .iter()
            .find_map(|sep| lower_rest.strip_prefix(sep).map(|_| &rest[sep.len()..]))
        {
            if letters.is_empty() {
                rest = after;
                continue;
            }
            // Only go on when another letter follows.
            let next = after.trim_start_matches([' ', '(', '[']).chars().next();
            if next.is_some_and(|n| valid.contains(&n)) {
                rest = after;
                continue;
            }
            break;
        }
        break;
    }
    (!letters.is_empty()).then_some(Ok(letters))
}

/// Reads the answer `output` to a question with `options` (`(letter, text)`);
/// `multiple` when it has several right letters.
#[must_use]
pub fn extract(output: &str, options: &[(char, String)], multiple: bool) -> Extraction {
    let valid: Vec<char> = options.iter().map(|(l, _)| *l).collect();
    let text = normalise(output);
    // The cues are found by position in a copy folded to ASCII lower case,
    // which keeps every byte where it was (a full lower-casing does not: "İ"
    // grows, the Kelvin sign shrinks) so the position holds in `text` too.
    let lower = text.to_ascii_lowercase();
    if text.trim().is_empty() {
        return Extraction::Unreadable("an empty answer");
    }
    // 2. The last explicit statement.
    let mut best: Option<(usize, Result<BTreeSet<char>, &'static str>)> = None;
    for cue in CUES {
        for (at, _) in lower.match_indices(cue) {
            let after = &text[at + cue.len()..];
            if let Some(found) = letters_after(after, &valid)
                && best.as_ref().is_none_or(|(b, _)| at >= *b)
            {
                best = Some((at, found));
            }
        }
    }
    if let Some((_, found)) = best {
        return match found {
            Ok(letters) if multiple || letters.len() == 1 => {
                Extraction::Read(letters, Method::Explicit)
            }
            Ok(_) => Extraction::Unreadable("several letters for a single-answer question"),
            Err(why) => Extraction::Unreadable(why),
        };
    }
    // 3. Exactly one option's text.
    if !multiple {
        let folded = text.to_lowercase();
        let quoted: Vec<char> = options
            .iter()
            .filter(|(_, t)| {
                let t = normalise(t).trim().to_lowercase();
                t.chars().count() >= 2 && folded.contains(&t)
            })
            .map(|(l, _)| *l)
            .collect();
        if quoted.len() == 1 {
            return Extraction::Read(quoted.into_iter().collect(), Method::OptionText);
        }
    }
    // 4. A lone letter or set.
    let bare: String = text
        .chars()
        .filter(|c| {
            !matches!(
                c,
                '(' | ')' | '[' | ']' | '.' | ',' | ' ' | '\n' | '\t' | ':' | '"' | '\''
            )
        })
        .collect();
    let bare = bare.trim_start_matches("选项").trim_start_matches("选");
    if !bare.is_empty()
        && bare.chars().all(|c| valid.contains(&c))
        && (multiple || bare.chars().count() == 1)
    {
        let letters: BTreeSet<char> = bare.chars().collect();
        if letters.len() == bare.chars().count() {
            return Extraction::Read(letters, Method::LoneLetter);
        }
    }
    Extraction::Unreadable("no explicit answer, option text or lone letter")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options() -> Vec<(char, String)> {
        vec![
            ('A', "Aspirin".to_owned()),
            ('B', "Ibuprofen".to_owned()),
            ('C', "Paracetamol".to_owned()),
            ('D', "Warfarin".to_owned()),
            ('E', "阿莫西林".to_owned()),
        ]
    }

    fn set(s: &str) -> BTreeSet<char> {
        s.chars().collect()
    }

    /// Hard outputs, from the failure modes papers report; `None` means it
    /// must be unreadable.
    #[test]
    fn the_extraction_table() {
        let single: &[(&str, Option<&str>)] = &[
            ("The answer is B.", Some("B")),
            ("The answer is (B).", Some("B")),
            ("**Answer: C**", Some("C")),
            ("Answer: **D**", Some("D")),
            ("The correct answer is: A", Some("A")),
            ("After weighing A and C, the final answer is C.", Some("C")),
            (
                "I first thought the answer is A, but on reflection the answer is D.",
                Some("D"),
            ),
            ("答案是B", Some("B")),
            ("答案：Ｃ", Some("C")),
            ("答案为（Ｄ）。", Some("D")),
            ("正确答案：A", Some("A")),
            ("故选B。", Some("B")),
            ("本题应选 E。", Some("E")),
            ("分析：A项错误，B项错误，C项正确。答案是C", Some("C")),
            ("B", Some("B")),
            ("(B)", Some("B")),
            ("B.", Some("B")),
            ("  Ｄ  ", Some("D")),
            ("【C】", Some("C")),
            ("选C", Some("C")),
            ("Paracetamol is the safest choice here.", Some("C")),
            ("我认为应该用阿莫西林。", Some("E")),
            ("`A`", Some("A")),
            ("### Answer\nB", Some("B")),
            ("Final answer: A", Some("A")),
            ("the answer is b", None),
            ("The answer is A or B.", None),
            ("答案是A或B", None),
            ("答案是A还是C，我不确定", None),
            ("I cannot answer medical questions.", None),
            ("抱歉，我无法回答这个问题。", None),
            ("", None),
            ("   ", None),
            (
                "Options A and C are both wrong; B and D might be right.",
                None,
            ),
            ("A patient with a fever should rest.", None),
            ("Aspirin or ibuprofen would both work.", None),
            ("The answer is A and C.", None),
            ("AB", None),
            ("It depends on the patient.", None),
            ("None of the above.", None),
            ("The answer is F.", None),
            ("答案是：无", None),
        ];
        let multiple: &[(&str, Option<&str>)] = &[
            ("答案是ACD", Some("ACD")),
            ("答案是A、C、D", Some("ACD")),
            ("答案：A，C", Some("AC")),
            ("The answer is A and C.", Some("AC")),
            ("The answer is A, B and E.", Some("ABE")),
            ("ACD", Some("ACD")),
            ("A, C, D", Some("ACD")),
            ("(A)(C)", Some("AC")),
            ("正确答案为ＢＤ", Some("BD")),
            ("故选ABCDE。", Some("ABCDE")),
            ("答案是A", Some("A")),
            ("答案是A或C", None),
            ("The answer is A or C.", None),
            ("AAC", None),
            ("Paracetamol and aspirin.", None),
            ("我不知道", None),
            ("答案是G", None),
            ("Both A and C look plausible but I'm unsure.", None),
        ];
        let mut cases = 0;
        for (table, multi) in [(single, false), (multiple, true)] {
            for (output, want) in table {
                cases += 1;
                let got = extract(output, &options(), multi);
                match (want, &got) {
                    (Some(w), Extraction::Read(letters, _)) => {
                        assert_eq!(letters, &set(w), "{output:?} (multiple: {multi})");
                    }
                    (None, Extraction::Unreadable(_)) => {}
                    _ => panic!("{output:?} (multiple: {multi}): got {got:?}, want {want:?}"),
                }
            }
        }
        assert!(cases >= 60, "{cases} cases");
    }

    #[test]
    fn letters_whose_lower_case_changes_length_do_not_move_the_cue() {
        // "İ" lower-cases to two characters, the Kelvin sign to one shorter
        // one: the cue found in the folded text must still point at the right
        // place in the answer.
        for output in [
            "İ answer: B",
            "İİİİ The answer is B.",
            "\u{212A} The answer is B",
        ] {
            let got = extract(output, &options(), false);
            assert!(
                matches!(&got, Extraction::Read(l, Method::Explicit) if *l == set("B")),
                "{output:?}: {got:?}"
            );
        }
        // Options are still matched by their text whatever its case.
        let named = vec![('A', "Émile".to_owned()), ('B', "Zoë".to_owned())];
        assert!(matches!(
            extract("I would say ÉMILE.", &named, false),
            Extraction::Read(l, Method::OptionText) if l == set("A")
        ));
    }

    proptest::proptest! {
        /// Any text, of any script and case, is read or called unreadable:
        /// never a panic.
        #[test]
        fn any_output_is_read_without_panicking(output in "\\PC{0,60}", multiple: bool) {
            let _ = extract(&output, &options(), multiple);
            let cue = format!("{output} answer: {output}");
            let _ = extract(&cue, &options(), multiple);
        }
    }
}
