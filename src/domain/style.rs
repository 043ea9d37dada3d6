//! The style of an answer, as style control sees it: its length and how much
//! Markdown structure it uses. The same four features as FastChat's
//! `conv_metadata` (and LMSYS's released battle files):
//!
//! | feature | FastChat key | counted here as |
//! |---|---|---|
//! | tokens | `sum_assistant_{a,b}_tokens` | the estimate below |
//! | headers | `header_count_{a,b}` (h1..h6) | headings (ATX and setext) |
//! | list items | `list_count_{a,b}` (ordered, unordered) | list items, nested ones too |
//! | bold | `bold_count_{a,b}` (`**`, `__`) | strong-emphasis spans |
//!
//! The structure is counted from the parsed Markdown (pulldown-cmark, as the
//! page renders it), not by regular expressions: `**` inside a code block is
//! not bold, and `* item` is a list item only where Markdown says so.
//!
//! **Token estimate** (no tokenizer, so the same on every machine and for
//! every model): each CJK ideograph, kana or Hangul syllable is one token;
//! every other run of letters or digits is one token per started four
//! characters; every other visible character (punctuation, symbols) is one
//! token; white space is free. On English prose this is within about 15% of
//! GPT-4's cl100k tokenizer, and on Chinese within about 30%; style control
//! only uses normalised differences of it, so a constant factor cancels.

use pulldown_cmark::{Event, Options, Parser, Tag};

/// The style features of one answer (over every turn of its side).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StyleFeatures {
    pub tokens: u32,
    pub headers: u32,
    pub list_items: u32,
    pub bold: u32,
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF     // kana
        | 0x3400..=0x4DBF   // CJK extension A
        | 0x4E00..=0x9FFF   // CJK unified ideographs
        | 0xAC00..=0xD7AF   // Hangul syllables
        | 0xF900..=0xFAFF   // CJK compatibility ideographs
        | 0x20000..=0x2FA1F // CJK extensions B..
    )
}

/// The token estimate of `text` (see the module docs).
#[must_use]
pub fn estimate_tokens(text: &str) -> u32 {
    let mut tokens: u32 = 0;
    let mut run: u32 = 0;
    let flush = |run: &mut u32, tokens: &mut u32| {
        *tokens = tokens.saturating_add(run.div_ceil(4));
        *run = 0;
    };
    for c in text.chars() {
        if is_cjk(c) {
            flush(&mut run, &mut tokens);
            tokens = tokens.saturating_add(1);
        } else if c.is_alphanumeric() {
            run += 1;
        } else {
            flush(&mut run, &mut tokens);
            if !c.is_whitespace() {
                tokens = tokens.saturating_add(1);
            }
        }
    }
    flush(&mut run, &mut tokens);
    tokens
}

impl StyleFeatures {
    /// The features of one Markdown text.
    #[must_use]
    pub fn of_markdown(text: &str) -> Self {
        let options =
            Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
        let mut out = Self {
            tokens: estimate_tokens(text),
            ..Self::default()
        };
        for event in Parser::new_ext(text, options) {
            if let Event::Start(tag) = event {
                match tag {
                    Tag::Heading { .. } => out.headers += 1,
                    Tag::Item => out.list_items += 1,
                    Tag::Strong => out.bold += 1,
                    _ => {}
                }
            }
        }
        out
    }

    /// The features of several texts (the turns of one side), summed.
    #[must_use]
    pub fn of_turns<'a>(texts: impl IntoIterator<Item = &'a str>) -> Self {
        texts
            .into_iter()
            .map(Self::of_markdown)
            .fold(Self::default(), Self::plus)
    }

    /// The features of two texts together (saturating at `u32::MAX`).
    #[must_use]
    pub fn plus(self, other: Self) -> Self {
        Self {
            tokens: self.tokens.saturating_add(other.tokens),
            headers: self.headers.saturating_add(other.headers),
            list_items: self.list_items.saturating_add(other.list_items),
            bold: self.bold.saturating_add(other.bold),
        }
    }

    /// The features in FastChat's order: tokens, headers, lists, bold.
    #[must_use]
    pub fn as_array(self) -> [f64; 4] {
        [
            f64::from(self.tokens),
            f64::from(self.headers),
            f64::from(self.list_items),
            f64::from(self.bold),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn structure_is_counted_from_the_parsed_markdown() {
        let text = "# Title\n\nSome **bold** and __also bold__ text.\n\nSetext\n------\n\n\
                    - one\n- two\n  1. nested\n\n```\n**not bold** # not a header\n- not an item\n```\n";
        let f = StyleFeatures::of_markdown(text);
        assert_eq!(f.headers, 2);
        assert_eq!(f.list_items, 3);
        assert_eq!(f.bold, 2);
        // Plain prose has no structure.
        let plain = StyleFeatures::of_markdown("Just a sentence, with * a star and 2 * 3 = 6.");
        assert_eq!((plain.headers, plain.list_items, plain.bold), (0, 0, 0));
    }

    #[test]
    fn tokens_are_estimated_by_hand_countable_rules() {
        // "Hello" (5 letters: 2), "," (1), "world" (2), "!" (1).
        assert_eq!(estimate_tokens("Hello, world!"), 6);
        // Four CJK characters and a full-width comma.
        assert_eq!(estimate_tokens("你好，世界"), 5);
        // "abcd" (1) "efghi" (2), white space free.
        assert_eq!(estimate_tokens("  abcd\n\tefghi  "), 3);
        assert_eq!(estimate_tokens(""), 0);
    }

    #[test]
    fn turns_add_up() {
        let one = StyleFeatures::of_markdown("**a** b");
        let two = StyleFeatures::of_turns(["**a** b", "**a** b"]);
        assert_eq!(two.tokens, 2 * one.tokens);
        assert_eq!(two.bold, 2);
    }
}
