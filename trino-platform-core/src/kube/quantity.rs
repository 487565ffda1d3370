//! Kubernetes resource quantities (`500m`, `2`, `16Gi`, `1e3`), validated when a spec is read
//! so that a bad one is an error naming its field and line, not a rejected apply.
//!
//! Grammar (Kubernetes `resource.Quantity`): a decimal number, then either a binary suffix
//! (`Ki Mi Gi Ti Pi Ei`), a decimal suffix (`n u m k M G T P E`, or none) or a decimal
//! exponent (`e3`, `E-2`).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

use crate::error::{Error, Result};

/// A validated quantity, kept as written (the API server normalises it itself).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(into = "String")]
pub struct Quantity {
    text: String,
    value: f64,
}

impl Quantity {
    /// Parses `text`. Fails with `InvalidInput` saying what a quantity looks like.
    pub fn new(text: &str) -> Result<Self> {
        parse(text).map(|value| Self { text: text.to_owned(), value }).ok_or_else(|| {
            Error::invalid_input(format!(
                "invalid quantity {text:?}: write a number with an optional suffix, like 500m, 2, 512Mi or 16Gi"
            ))
        })
    }

    /// The text as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The amount in base units (cores for CPU, bytes for memory).
    pub fn value(&self) -> f64 {
        self.value
    }

    /// The quantity as k8s-openapi's type.
    pub fn to_k8s(&self) -> k8s_openapi::apimachinery::pkg::api::resource::Quantity {
        k8s_openapi::apimachinery::pkg::api::resource::Quantity(self.text.clone())
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl From<Quantity> for String {
    fn from(quantity: Quantity) -> String {
        quantity.text
    }
}

impl<'de> Deserialize<'de> for Quantity {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        // YAML users write `cpu: 2` as often as `cpu: "2"`.
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Text {
            String(String),
            Integer(u64),
            Float(f64),
        }
        let text = match Text::deserialize(deserializer)? {
            Text::String(s) => s,
            Text::Integer(n) => n.to_string(),
            Text::Float(x) => x.to_string(),
        };
        Quantity::new(&text).map_err(|e| serde::de::Error::custom(e.message()))
    }
}

/// The value of `text` in base units, or `None` when it is not a non-negative quantity.
fn parse(text: &str) -> Option<f64> {
    let number_end = text.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '+')).unwrap_or(text.len());
    let (number, suffix) = text.split_at(number_end);
    let number = number.strip_prefix('+').unwrap_or(number);
    let digits_ok = !number.is_empty()
        && number.chars().filter(|c| *c == '.').count() <= 1
        && number.chars().any(|c| c.is_ascii_digit())
        && !number.contains('+');
    if !digits_ok {
        return None;
    }
    let base: f64 = number.parse().ok()?;
    let multiplier = match suffix {
        "" => 1.0,
        "Ki" => 1024f64,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        "n" => 1e-9,
        "u" => 1e-6,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        exponent => {
            let digits = exponent.strip_prefix(['e', 'E'])?;
            let unsigned = digits.strip_prefix(['+', '-']).unwrap_or(digits);
            if unsigned.is_empty() || !unsigned.chars().all(|c| c.is_ascii_digit()) {
                return None;
            }
            10f64.powi(digits.parse::<i32>().ok()?)
        }
    };
    Some(base * multiplier).filter(|v| v.is_finite())
}

#[cfg(test)]
mod tests {
    use super::Quantity;

    #[test]
    fn the_kubernetes_grammar_is_accepted() {
        let value = |t: &str| Quantity::new(t).unwrap().value();
        assert_eq!(value("500m"), 0.5);
        assert_eq!(value("2"), 2.0);
        assert_eq!(value("16Gi"), 16.0 * 1024.0 * 1024.0 * 1024.0);
        assert_eq!(value("1.5G"), 1.5e9);
        assert_eq!(value("1e3"), 1000.0);
        assert_eq!(value("0.5"), 0.5);
        for bad in ["", "Gi", "16GB", "-1", "1.2.3", "1e", "1ee3", "abc", "1 Gi", "∞"] {
            assert!(Quantity::new(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn numbers_in_yaml_are_quantities_too() {
        let q: Quantity = serde_json::from_str("2").unwrap();
        assert_eq!(q.as_str(), "2");
        let q: Quantity = serde_json::from_str("0.5").unwrap();
        assert_eq!(q.as_str(), "0.5");
        assert!(serde_json::from_str::<Quantity>("\"lots\"").unwrap_err().to_string().contains("lots"));
    }
}
