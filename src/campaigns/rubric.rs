//! Rubrics: the axes an expert judges pairwise, beside the overall
//! preference and the safety flags. `medical-v1` follows Med-PaLM and
//! HealthBench; custom rubrics are TOML files of the same shape, stored under
//! their versioned id and never changed afterwards:
//!
//! ```toml
//! id = "pharmacy-v1"
//! [[axes]]
//! key = "dosage"
//! label = "Correct dosage"
//! labels = { "zh-CN" = "剂量正确" }
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The longest rubric id, axis key and label.
const MAX_ID: usize = 64;
const MAX_LABEL: usize = 200;
const MAX_AXES: usize = 20;

/// One axis, judged as A better / B better / tie.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Axis {
    pub key: String,
    /// The label in English (or the rubric's one language).
    pub label: String,
    /// The label in other interface languages, by BCP 47 tag (`zh-CN`, `ar`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
}

/// A versioned rubric.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Rubric {
    /// `medical-v1`: the name with its version, as stored with each judgment.
    pub id: String,
    pub axes: Vec<Axis>,
}

/// The ids of the built-in rubrics.
pub const BUILTIN: [&str; 1] = ["medical-v1"];

impl Rubric {
    /// The built-in medical rubric.
    #[must_use]
    pub fn medical_v1() -> Self {
        let axis = |key: &str, en: &str, zh: &str, ar: &str| Axis {
            key: key.to_owned(),
            label: en.to_owned(),
            labels: [("zh-CN", zh), ("ar", ar)]
                .into_iter()
                .map(|(l, s)| (l.to_owned(), s.to_owned()))
                .collect(),
        };
        Self {
            id: "medical-v1".to_owned(),
            axes: vec![
                axis(
                    "accuracy",
                    "Medical accuracy and agreement with consensus",
                    "医学准确性（与共识一致）",
                    "الدقة الطبية والاتفاق مع الإجماع",
                ),
                axis(
                    "completeness",
                    "Completeness (no missing content)",
                    "完整性（无遗漏内容）",
                    "الاكتمال (لا محتوى ناقص)",
                ),
                axis(
                    "harm",
                    "Less possible harm (extent and likelihood)",
                    "潜在危害更小（程度与可能性）",
                    "ضرر محتمل أقل (مداه واحتماله)",
                ),
                axis(
                    "communication",
                    "Communication and clarity",
                    "表达与清晰度",
                    "التواصل والوضوح",
                ),
                axis(
                    "relevance",
                    "Relevance to the question",
                    "与问题的相关性",
                    "الصلة بالسؤال",
                ),
            ],
        }
    }

    /// A rubric by id: the built-in ones.
    #[must_use]
    pub fn builtin(id: &str) -> Option<Self> {
        (id == "medical-v1").then(Self::medical_v1)
    }

    /// A custom rubric from TOML: `id = "name-v2"` and `[[axes]] key, label`
    /// (and optionally `labels`, by language).
    ///
    /// # Errors
    /// When the text is not such a rubric, or breaks a rule of [`Self::check`].
    pub fn from_toml(text: &str) -> Result<Self, String> {
        let rubric: Self = toml::from_str(text).map_err(|e| format!("invalid rubric: {e}"))?;
        rubric.check()?;
        Ok(rubric)
    }

    /// The rules a rubric follows: an id of at most 64 lower-case letters,
    /// digits, `.`, `_` or `-`; 1 to 20 axes with distinct keys of that kind
    /// (no `.` or `-`: they name JSON fields); labels that are not blank and
    /// at most 200 characters.
    ///
    /// # Errors
    /// The first rule broken, in words.
    pub fn check(&self) -> Result<(), String> {
        let name_ok = |s: &str, extra: &[char]| {
            !s.is_empty()
                && s.len() <= MAX_ID
                && s.chars().all(|c| {
                    c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || extra.contains(&c)
                })
        };
        if !name_ok(&self.id, &['.', '-']) {
            return Err(format!(
                "rubric id {:?} must be 1 to {MAX_ID} lower-case letters, digits, '.', '_' or '-' (e.g. \"pharmacy-v1\")",
                self.id
            ));
        }
        if self.axes.is_empty() || self.axes.len() > MAX_AXES {
            return Err(format!("a rubric needs 1 to {MAX_AXES} axes"));
        }
        let mut keys: Vec<&str> = Vec::with_capacity(self.axes.len());
        for axis in &self.axes {
            if !name_ok(&axis.key, &[]) {
                return Err(format!(
                    "axis key {:?} must be 1 to {MAX_ID} lower-case letters, digits or '_'",
                    axis.key
                ));
            }
            if keys.contains(&axis.key.as_str()) {
                return Err(format!("the rubric repeats the axis key {:?}", axis.key));
            }
            keys.push(&axis.key);
            for label in std::iter::once(&axis.label).chain(axis.labels.values()) {
                if label.trim().is_empty() || label.chars().count() > MAX_LABEL {
                    return Err(format!(
                        "axis {:?}: a label must not be blank, nor longer than {MAX_LABEL} characters",
                        axis.key
                    ));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_rubrics_parse_and_bad_ones_are_refused() {
        let r = Rubric::from_toml(
            "id = \"pharmacy-v1\"\n[[axes]]\nkey = \"dosage\"\nlabel = \"Dosage\"\nlabels = { \"zh-CN\" = \"剂量\" }\n",
        )
        .expect("rubric");
        assert_eq!(r.axes.len(), 1);
        assert_eq!(
            r.axes[0].labels.get("zh-CN").map(String::as_str),
            Some("剂量")
        );
        for bad in [
            "id = \"x\"\naxes = []\n",
            "id = \"x\"\n[[axes]]\nkey = \"a\"\nlabel = \"A\"\n[[axes]]\nkey = \"a\"\nlabel = \"B\"\n",
            "id = \"Bad Id\"\n[[axes]]\nkey = \"a\"\nlabel = \"A\"\n",
            "id = \"x\"\n[[axes]]\nkey = \"a-b\"\nlabel = \"A\"\n",
            "id = \"x\"\n[[axes]]\nkey = \"a\"\nlabel = \"  \"\n",
            "id = \"x\"\n[[axes]]\nkey = \"a\"\nlabel = \"A\"\ncolour = \"red\"\n",
            "not toml at all [",
        ] {
            assert!(Rubric::from_toml(bad).is_err(), "accepted: {bad}");
        }
        let medical = Rubric::builtin("medical-v1").expect("built in");
        assert_eq!(medical.axes.len(), 5);
        assert_eq!(medical.check(), Ok(()));
        assert!(medical.axes.iter().all(|a| a.labels.len() == 2));
    }

    #[test]
    fn a_rubric_survives_a_round_trip_through_toml() {
        let medical = Rubric::medical_v1();
        let text = toml::to_string(&medical).expect("to toml");
        assert_eq!(Rubric::from_toml(&text), Ok(medical));
    }
}
