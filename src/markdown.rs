//! Markdown to safe HTML for model answers and prompts.
//!
//! Model output is untrusted. It is rendered with pulldown-cmark and then cleaned
//! with ammonia: no script, no event handlers, no styles, no images or other tags
//! that load remote content, and links limited to http(s)/mailto with
//! `rel="noopener noreferrer nofollow"`. The page's Content-Security-Policy is a
//! second wall behind this one.

use std::collections::HashSet;
use std::sync::OnceLock;

use pulldown_cmark::{Options, Parser, html};

fn cleaner() -> &'static ammonia::Builder<'static> {
    static CLEANER: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    CLEANER.get_or_init(|| {
        let mut b = ammonia::Builder::default();
        b.rm_tags(["img"])
            .url_schemes(HashSet::from(["http", "https", "mailto"]))
            .link_rel(Some("noopener noreferrer nofollow"))
            .add_tag_attributes("code", ["class"])
            .add_tag_attributes("input", ["type", "checked", "disabled"])
            .add_tags(["input"]);
        b
    })
}

/// Renders Markdown (CommonMark plus tables, strikethrough and task lists) to
/// sanitised HTML.
#[must_use]
pub fn to_safe_html(markdown: &str) -> String {
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let mut raw = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut raw, Parser::new_ext(markdown, options));
    cleaner().clean(&raw).to_string()
}

#[cfg(test)]
mod tests {
    use super::to_safe_html;

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
