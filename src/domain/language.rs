/// Detects the language of a prompt as an ISO 639-3 code (`eng`, `cmn`, `ara`, ...),
/// or `und` when the text is too short or mixed to tell.
#[must_use]
pub fn detect_language(text: &str) -> String {
    match whatlang::detect(text) {
        Some(info) if info.is_reliable() || info.confidence() > 0.5 => {
            info.lang().code().to_owned()
        }
        _ => "und".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_english_chinese_and_arabic() {
        assert_eq!(
            detect_language("What are the early signs of type 2 diabetes in adults?"),
            "eng"
        );
        assert_eq!(detect_language("高血压患者平时饮食需要注意什么？"), "cmn");
        assert_eq!(
            detect_language("ما هي أعراض نقص فيتامين د عند البالغين؟"),
            "ara"
        );
    }

    #[test]
    fn empty_text_is_undetermined() {
        assert_eq!(detect_language(""), "und");
    }
}
