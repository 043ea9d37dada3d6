//! Anonymity: does an answer give away which model wrote it?
//!
//! The list leaves out names that are also common words ("Bard", "PaLM": "a
//! burn larger than your palm" is medical advice, not a leak).

/// Words that identify a model or its maker in an answer, after the list the
/// Chatbot Arena keeps for the same purpose. Operators extend it in
/// `[live] identity_words`; each model's own name, display name, organisation
/// and upstream id are always checked as well.
pub const DEFAULT_IDENTITY_WORDS: &[&str] = &[
    "ChatGPT",
    "GPT-3.5",
    "GPT-4",
    "GPT-4o",
    "OpenAI",
    "Anthropic",
    "Claude",
    "Gemini",
    "DeepMind",
    "LLaMA",
    "Meta AI",
    "Mistral AI",
    "Mixtral",
    "Qwen",
    "通义千问",
    "Tongyi",
    "Alibaba Cloud",
    "DeepSeek",
    "深度求索",
    "ChatGLM",
    "Zhipu",
    "智谱",
    "Moonshot AI",
    "Kimi",
    "Baichuan",
    "01.AI",
    "Cohere",
    "Vicuna",
    "LMSYS",
    "Grok",
    "xAI",
];

/// The first of `words` that `text` mentions, ignoring case. A word that starts
/// or ends with an ASCII letter or digit must stand alone there ("Grok" is not
/// found in "grokking"); words in scripts without spaces (Chinese) match
/// anywhere. Empty words never match.
#[must_use]
pub fn find_identity_word<'w, I>(text: &str, words: I) -> Option<&'w str>
where
    I: IntoIterator<Item = &'w str>,
{
    let haystack = text.to_lowercase();
    words.into_iter().find(|w| mentions(&haystack, w))
}

/// A list of identity words searched in one pass (an Aho-Corasick automaton
/// over the lower-cased words), built once: the configured words are the
/// same for every answer of every vote. It finds what [`find_identity_word`]
/// finds, the first word of the list in the list's order.
#[derive(Debug, Clone)]
pub struct IdentityWords {
    /// The words as given; an automaton pattern names its first entry here.
    words: Vec<String>,
    /// For each pattern: the index of its word, and whether the match must
    /// stand alone at its start and at its end.
    patterns: Vec<(usize, bool, bool)>,
    automaton: Option<aho_corasick::AhoCorasick>,
}

impl IdentityWords {
    /// The matcher of `words` (empty words are left out; a word given twice
    /// is searched once, under its first place).
    #[must_use]
    pub fn new<S: AsRef<str>>(words: &[S]) -> Self {
        let words: Vec<String> = words.iter().map(|w| w.as_ref().to_owned()).collect();
        let mut needles: Vec<String> = Vec::new();
        let mut patterns = Vec::new();
        for (i, w) in words.iter().enumerate() {
            let needle = w.trim().to_lowercase();
            if needle.is_empty() || needles.contains(&needle) {
                continue;
            }
            let guard_start = needle.starts_with(|c: char| c.is_ascii_alphanumeric());
            let guard_end = needle.ends_with(|c: char| c.is_ascii_alphanumeric());
            patterns.push((i, guard_start, guard_end));
            needles.push(needle);
        }
        // Building fails only past the automaton's size limits, which a list of
        // words read from the configuration does not reach; without it every
        // word is searched on its own (`first_in` falls back).
        let automaton = aho_corasick::AhoCorasick::new(&needles).ok();
        Self {
            words,
            patterns,
            automaton,
        }
    }

    /// The first word (in the list's order) that `lowercase` mentions;
    /// `lowercase` is the text already lower-cased (`str::to_lowercase`).
    #[must_use]
    pub fn first_in(&self, lowercase: &str) -> Option<&str> {
        let Some(automaton) = &self.automaton else {
            return self
                .words
                .iter()
                .find(|w| mentions(lowercase, w))
                .map(String::as_str);
        };
        let mut first: Option<usize> = None;
        for m in automaton.find_overlapping_iter(lowercase) {
            let (index, guard_start, guard_end) = self.patterns[m.pattern().as_usize()];
            if first.is_some_and(|f| f <= index) {
                continue;
            }
            if stands_alone(lowercase, m.start(), m.end(), guard_start, guard_end) {
                first = Some(index);
                if index == 0 {
                    break;
                }
            }
        }
        first.map(|i| self.words[i].as_str())
    }
}

/// Whether the match `haystack[start..end]` is free of letters and digits
/// where its word must stand alone. A match of a whole UTF-8 needle starts and
/// ends on character boundaries, so the slices around it are whole characters.
fn stands_alone(
    haystack: &str,
    start: usize,
    end: usize,
    guard_start: bool,
    guard_end: bool,
) -> bool {
    let free = |c: Option<char>| c.is_none_or(|c| !c.is_alphanumeric());
    (!guard_start || free(haystack.get(..start).and_then(|s| s.chars().next_back())))
        && (!guard_end || free(haystack.get(end..).and_then(|s| s.chars().next())))
}

/// Whether `haystack` (lower-cased) mentions `word`, by memchr's vectorised
/// search.
pub fn mentions(haystack: &str, word: &str) -> bool {
    let needle = word.trim().to_lowercase();
    if needle.is_empty() {
        return false;
    }
    let guard_start = needle.starts_with(|c: char| c.is_ascii_alphanumeric());
    let guard_end = needle.ends_with(|c: char| c.is_ascii_alphanumeric());
    memchr::memmem::find_iter(haystack.as_bytes(), needle.as_bytes())
        .any(|at| stands_alone(haystack, at, at + needle.len(), guard_start, guard_end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_self_identifying_answer_whatever_the_case() {
        let words = ["Claude", "OpenAI"];
        assert_eq!(
            find_identity_word("As a model trained by openai, I can't.", words),
            Some("OpenAI")
        );
        assert_eq!(find_identity_word("I am CLAUDE.", words), Some("Claude"));
    }

    #[test]
    fn needs_whole_words_for_latin_names() {
        let words = ["Grok", "Kimi", "GPT-4"];
        assert_eq!(find_identity_word("Grokking takes time.", words), None);
        assert_eq!(find_identity_word("Ask Kimiko.", words), None);
        assert_eq!(find_identity_word("I am GPT-4o.", words), None);
        assert_eq!(find_identity_word("I am GPT-4.", words), Some("GPT-4"));
        assert_eq!(find_identity_word("(Grok)", words), Some("Grok"));
    }

    #[test]
    fn matches_chinese_names_inside_chinese_text() {
        assert_eq!(
            find_identity_word("我是通义千问，由阿里云开发。", ["通义千问"]),
            Some("通义千问")
        );
    }

    #[test]
    fn ignores_empty_words_and_clean_answers() {
        assert_eq!(find_identity_word("anything", ["", "  "]), None);
        assert_eq!(
            find_identity_word(
                "Drink water and rest.",
                DEFAULT_IDENTITY_WORDS.iter().copied()
            ),
            None
        );
    }

    #[test]
    fn looks_past_a_match_inside_a_longer_word() {
        let words = ["Grok", "Kimi"];
        assert_eq!(
            find_identity_word("Grokking is fun; I am Grok.", words),
            Some("Grok")
        );
        // A letter from outside ASCII joins a word too.
        assert_eq!(find_identity_word("Grokémon and Kimiñ", words), None);
        assert_eq!(find_identity_word("«Kimi»", words), Some("Kimi"));
    }

    /// The search as `str::match_indices` does it, which `mentions` used
    /// before memchr's: the two must agree on every text.
    fn mentions_by_std(haystack: &str, word: &str) -> bool {
        let needle = word.trim().to_lowercase();
        if needle.is_empty() {
            return false;
        }
        let guard_start = needle.starts_with(|c: char| c.is_ascii_alphanumeric());
        let guard_end = needle.ends_with(|c: char| c.is_ascii_alphanumeric());
        haystack.match_indices(&needle).any(|(at, _)| {
            let before = haystack[..at].chars().next_back();
            let after = haystack[at + needle.len()..].chars().next();
            let free = |c: Option<char>| c.is_none_or(|c| !c.is_alphanumeric());
            (!guard_start || free(before)) && (!guard_end || free(after))
        })
    }

    proptest::proptest! {
        #[test]
        fn agrees_with_the_standard_search(
            text in "[a-cA-C é智谱-]{0,40}",
            word in "[a-cA-C é智谱-]{0,4}",
        ) {
            let haystack = text.to_lowercase();
            proptest::prop_assert_eq!(
                mentions(&haystack, &word),
                mentions_by_std(&haystack, &word)
            );
        }

        /// The automaton finds the word the word-by-word search finds first,
        /// over lists with repeats, empty words and words inside others.
        #[test]
        fn the_automaton_finds_the_first_word_as_the_search_does(
            text in "[a-cA-C é智谱-]{0,40}",
            words in proptest::collection::vec("[a-cA-C é智谱-]{0,4}", 0..8),
        ) {
            let by_search = words
                .iter()
                .find(|w| mentions_by_std(&text.to_lowercase(), w))
                .map(String::as_str);
            let matcher = IdentityWords::new(&words);
            proptest::prop_assert_eq!(matcher.first_in(&text.to_lowercase()), by_search);
        }
    }
}
