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

fn mentions(haystack: &str, word: &str) -> bool {
    let needle = word.trim().to_lowercase();
    if needle.is_empty() {
        return false;
    }
    let guard_start = needle.starts_with(|c: char| c.is_ascii_alphanumeric());
    let guard_end = needle.ends_with(|c: char| c.is_ascii_alphanumeric());
    // memchr's vectorised search (each vote scans every answer once per
    // word). A match of a whole UTF-8 needle starts and ends on character
    // boundaries, so the slices around it are whole characters.
    memchr::memmem::find_iter(haystack.as_bytes(), needle.as_bytes()).any(|at| {
        let before = haystack.get(..at).and_then(|s| s.chars().next_back());
        let after = haystack
            .get(at + needle.len()..)
            .and_then(|s| s.chars().next());
        let free = |c: Option<char>| c.is_none_or(|c| !c.is_alphanumeric());
        (!guard_start || free(before)) && (!guard_end || free(after))
    })
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
    }
}
