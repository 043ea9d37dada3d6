//! Rubrics: the axes an expert judges pairwise, beside the overall
//! preference and the safety flags. `medical-v1` follows Med-PaLM and
//! HealthBench; custom rubrics are TOML files of the same shape.

use serde::Deserialize;

/// One axis, judged as A better / B better / tie.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Axis {
    pub key: String,
    pub label: String,
}

/// A versioned rubric.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rubric {
    /// `medical-v1`: the name with its version, as stored with each judgment.
    pub id: String,
    pub axes: Vec<Axis>,
}

impl Rubric {
    /// The built-in medical rubric.
    #[must_use]
    pub fn medical_v1() -> Self {
        let axis = |key: &str, label: &str| Axis {
            key: key.to_owned(),
            label: label.to_owned(),
        };
        Self {
            id: "medical-v1".to_owned(),
            axes: vec![
                axis("accuracy", "Medical accuracy and agreement with consensus"),
                axis("completeness", "Completeness (no missing content)"),
                axis("harm", "Less possible harm (extent and likelihood)"),
                axis("communication", "Communication and clarity"),
                axis("relevance", "Relevance to the question"),
            ],
        }
    }

    /// A rubric by id: the built-in ones.
    #[must_use]
    pub fn builtin(id: &str) -> Option<Self> {
        (id == "medical-v1").then(Self::medical_v1)
    }

    /// A custom rubric from TOML: `id = "name-v2"` and `[[axes]] key, label`.
    ///
    /// # Errors
    /// When the text is not such a rubric, has no axis, or repeats a key.
    pub fn from_toml(text: &str) -> Result<Self, String> {
        let rubric: Self = toml::from_str(text).map_err(|e| format!("invalid rubric: {e}"))?;
        if rubric.axes.is_empty() {
            return Err("a rubric needs at least one axis".to_owned());
        }
        let mut keys: Vec<&str> = rubric.axes.iter().map(|a| a.key.as_str()).collect();
        keys.sort_unstable();
        if keys.windows(2).any(|w| w[0] == w[1]) {
            return Err("a rubric repeats an axis key".to_owned());
        }
        Ok(rubric)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_rubrics_parse_and_bad_ones_are_refused() {
        let r = Rubric::from_toml(
            "id = \"pharmacy-v1\"\n[[axes]]\nkey = \"dosage\"\nlabel = \"Dosage\"\n",
        )
        .expect("rubric");
        assert_eq!(r.axes.len(), 1);
        assert!(Rubric::from_toml("id = \"x\"\naxes = []\n").is_err());
        assert!(
            Rubric::from_toml(
                "id = \"x\"\n[[axes]]\nkey = \"a\"\nlabel = \"A\"\n[[axes]]\nkey = \"a\"\nlabel = \"B\"\n"
            )
            .is_err()
        );
        assert_eq!(Rubric::builtin("medical-v1").map(|r| r.axes.len()), Some(5));
    }
}
