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

/// The ISO 639-3 code (what [`detect_language`] gives) of a language named
/// in an imported file: a code already (`eng`), or its English name as LMSYS's
/// battle files write it (`English`, `Chinese`, `unknown`). A name not known
/// here is kept as it is.
#[must_use]
pub fn language_code(name: &str) -> String {
    let name = name.trim();
    let lower = name.to_lowercase();
    if let Some(lang) = whatlang::Lang::from_code(lower.as_str()) {
        return lang.code().to_owned();
    }
    match lower.as_str() {
        // whatlang names Mandarin; LMSYS's files say Chinese.
        "chinese" | "mandarin" => return "cmn".to_owned(),
        "unknown" | "und" | "" => return "und".to_owned(),
        _ => {}
    }
    whatlang::Lang::all()
        .iter()
        .find(|l| l.eng_name().eq_ignore_ascii_case(name))
        .map_or_else(|| name.to_owned(), |l| l.code().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_in_imported_files_become_the_codes_votes_get() {
        assert_eq!(language_code("English"), "eng");
        assert_eq!(language_code("eng"), "eng");
        assert_eq!(language_code("Chinese"), "cmn");
        assert_eq!(language_code("German"), "deu");
        assert_eq!(language_code("Russian"), "rus");
        assert_eq!(language_code("unknown"), "und");
        assert_eq!(language_code("Klingon"), "Klingon");
        // Every code detection gives is read back as itself.
        for lang in whatlang::Lang::all() {
            assert_eq!(language_code(lang.code()), lang.code());
            assert_eq!(language_code(lang.eng_name()), lang.code(), "{lang:?}");
        }
    }

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
