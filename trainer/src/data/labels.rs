//! Class labels as normalized strings, so `1`, `1.0` and `1.0000000e+00` name the same class.

use std::collections::BTreeSet;
use std::fmt;

/// Trims a label and writes integral numbers without a fraction (`"1.000"` → `"1"`).
pub fn normalize_label(raw: &str) -> String {
    let s = raw.trim();
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v.fract() == 0.0 && v.abs() < 1e15 => format!("{}", v as i64),
        _ => s.to_owned(),
    }
}

/// A set of normalized labels (e.g. the classes that count as normal).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelSet(BTreeSet<String>);

impl LabelSet {
    /// The set of the given labels, normalized.
    pub fn new<S: AsRef<str>>(labels: impl IntoIterator<Item = S>) -> Self {
        LabelSet(labels.into_iter().map(|l| normalize_label(l.as_ref())).collect())
    }

    /// The distinct labels of `labels`.
    pub fn distinct(labels: &[String]) -> Self {
        LabelSet(labels.iter().cloned().collect())
    }

    /// Whether `label` (already normalized) is in the set.
    pub fn contains(&self, label: &str) -> bool {
        self.0.contains(label)
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The labels in order.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }
}

impl fmt::Display for LabelSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown: Vec<&str> = self.0.iter().take(20).map(String::as_str).collect();
        write!(f, "{{{}", shown.join(", "))?;
        if self.0.len() > 20 {
            write!(f, ", … {} more", self.0.len() - 20)?;
        }
        write!(f, "}}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integral_numbers_normalize() {
        assert_eq!(normalize_label(" 1.0000000e+00 "), "1");
        assert_eq!(normalize_label("2"), "2");
        assert_eq!(normalize_label("1.5"), "1.5");
        assert_eq!(normalize_label("normal"), "normal");
        assert!(LabelSet::new(["1"]).contains(&normalize_label("1.0")));
    }
}
