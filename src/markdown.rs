//! Markdown to safe HTML for model answers and prompts.
//!
//! Model output is untrusted. It is rendered with pulldown-cmark and then cleaned
//! with ammonia: no script, no event handlers, no styles, no images or other tags
//! that load remote content, and links limited to http(s)/mailto with
//! `rel="noopener noreferrer nofollow"`. Model output cannot borrow the app's own
//! CSS classes to fake its buttons or alerts: `class` is kept only on `code`, and
//! only its `language-*` names; no `<input>` at all (a task list's boxes are
//! the characters ☑ and ☐). The page's Content-Security-Policy is a second
//! wall behind this one.
//!
//! Rendering and cleaning cost far more than finding a text already done:
//! the question bank's answers come back battle after battle. The last
//! [`CACHE_BYTES`] of rendered text are kept, keyed by the whole Markdown
//! text (so two texts never share an entry).

use std::collections::HashSet;
use std::sync::{Arc, OnceLock};

use pulldown_cmark::{Event, Options, Parser, html};
use quick_cache::Weighter;
use quick_cache::sync::Cache;

/// Bytes of Markdown and HTML the render cache holds at most.
pub const CACHE_BYTES: u64 = 64 * 1024 * 1024;

/// Texts longer than this are rendered every time (they would crowd out the
/// rest).
const LONGEST_CACHED: usize = 256 * 1024;

#[derive(Clone)]
struct Bytes;

impl Weighter<String, Arc<str>> for Bytes {
    fn weight(&self, key: &String, val: &Arc<str>) -> u64 {
        // A few dozen bytes of bookkeeping per entry besides the texts.
        (key.len() + val.len() + 64) as u64
    }
}

fn cache() -> &'static Cache<String, Arc<str>, Bytes> {
    static CACHE: OnceLock<Cache<String, Arc<str>, Bytes>> = OnceLock::new();
    CACHE.get_or_init(|| Cache::with_weighter(16_384, CACHE_BYTES, Bytes))
}

fn cleaner() -> &'static ammonia::Builder<'static> {
    static CLEANER: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    CLEANER.get_or_init(|| {
        let mut b = ammonia::Builder::default();
        b.rm_tags(["img"])
            .url_schemes(HashSet::from(["http", "https", "mailto"]))
            .link_rel(Some("noopener noreferrer nofollow"))
            .add_tag_attributes("code", ["class"])
            .attribute_filter(|element, attribute, value| match (element, attribute) {
                ("code", "class") => {
                    let kept: Vec<&str> = value
                        .split_ascii_whitespace()
                        .filter(|c| is_language_class(c))
                        .collect();
                    (!kept.is_empty()).then(|| kept.join(" ").into())
                }
                _ => Some(value.into()),
            });
        b
    })
}

/// `language-rust`, `language-c++`: the class a fenced code block gets.
fn is_language_class(class: &str) -> bool {
    class.strip_prefix("language-").is_some_and(|lang| {
        !lang.is_empty()
            && lang
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'+' | b'#' | b'.'))
    })
}

/// Renders Markdown (CommonMark plus tables, strikethrough and task lists) to
/// sanitised HTML.
#[must_use]
pub fn to_safe_html(markdown: &str) -> String {
    if markdown.len() > LONGEST_CACHED {
        return render(markdown);
    }
    if let Some(html) = cache().get(markdown) {
        return html.to_string();
    }
    let html = render(markdown);
    cache().insert(markdown.to_owned(), Arc::from(html.as_str()));
    html
}

fn render(markdown: &str) -> String {
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let mut raw = String::with_capacity(markdown.len() * 3 / 2);
    // A task list's boxes are the characters ☑ and ☐, read out as such, not
    // form inputs: no `<input>` of a model's ever reaches the page, and a
    // box needs no label.
    let events = Parser::new_ext(markdown, options).map(|event| match event {
        Event::TaskListMarker(done) => Event::Text(if done { "☑ " } else { "☐ " }.into()),
        other => other,
    });
    html::push_html(&mut raw, events);
    cleaner().clean(&raw).to_string()
}

#[cfg(test)]
mod tests {
    use super::{render, to_safe_html};

    #[test]
    fn a_cached_text_renders_as_a_fresh_one() {
        let texts = [
            "**a** <script>x</script> x",
            "**a** <script>x</script> y",
            "# a",
        ];
        for _ in 0..2 {
            for t in texts {
                assert_eq!(to_safe_html(t), render(t));
            }
        }
        assert_ne!(to_safe_html(texts[0]), to_safe_html(texts[1]));
    }

    #[test]
    fn renders_common_markdown() {
        let html =
            to_safe_html("# Title\n\n**bold** and `code`\n\n| a | b |\n|---|---|\n| 1 | 2 |\n");
        assert!(html.contains("<h1>Title</h1>"));
        assert!(html.contains("<strong>bold</strong>"));
        assert!(html.contains("<code>code</code>"));
        assert!(html.contains("<table>"));
    }

    #[test]
    fn strips_scripts_handlers_and_javascript_links() {
        let html = to_safe_html(
            "<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n[x](javascript:alert(1)) <a href=\"javascript:alert(2)\" onclick=\"alert(3)\">y</a>\n\n<iframe src=\"https://evil.example\"></iframe><style>body{}</style>",
        );
        for bad in [
            "<script",
            "onerror",
            "javascript:",
            "onclick",
            "<iframe",
            "<style",
            "<img",
        ] {
            assert!(!html.contains(bad), "{bad} survived in {html}");
        }
    }

    #[test]
    fn model_output_cannot_borrow_the_apps_classes_or_inputs() {
        let html = to_safe_html(
            "<code class=\"btn btn-primary language-rust\">x</code> <code class=\"alert alert-error\">y</code>\n\n<span class=\"btn\">z</span> <input type=\"text\" value=\"pwd\"> <input type=\"submit\">",
        );
        assert!(
            html.contains(r#"<code class="language-rust">x</code>"#),
            "{html}"
        );
        assert!(html.contains("<code>y</code>"), "{html}");
        for bad in ["btn", "alert", "type=\"text\"", "submit", "value="] {
            assert!(!html.contains(bad), "{bad} survived in {html}");
        }
        assert!(!html.contains("<input"), "{html}");
        // Fenced code keeps its language; a task list's boxes are characters.
        let md = to_safe_html("```rust\nfn main() {}\n```\n\n- [x] done\n- [ ] open\n");
        assert!(md.contains(r#"<code class="language-rust">"#), "{md}");
        assert!(md.contains("<li>☑ done</li>"), "{md}");
        assert!(md.contains("<li>☐ open</li>"), "{md}");
        assert!(!md.contains("<input"), "{md}");
    }

    #[test]
    fn images_never_load_remote_content() {
        let html = to_safe_html("![tracker](https://evil.example/pixel.png)");
        assert!(!html.contains("evil.example/pixel.png"), "{html}");
        assert!(!html.contains("<img"));
    }

    #[test]
    fn links_are_kept_but_cannot_reach_the_opener() {
        let html = to_safe_html("[docs](https://example.org/a)");
        assert!(html.contains("href=\"https://example.org/a\""));
        assert!(html.contains("noopener"));
    }

    #[test]
    fn plain_text_is_escaped() {
        let html = to_safe_html("1 < 2 && 3 > 2");
        assert!(html.contains("1 &lt; 2 &amp;&amp; 3 &gt; 2"), "{html}");
    }
}
