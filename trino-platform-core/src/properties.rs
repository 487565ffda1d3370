//! Writers for the two configuration formats Trino and its plugins read: Java `.properties`
//! (Trino's `etc/*.properties`) and Hadoop XML (`<configuration><property>…`, Ranger's files).
//!
//! One [`Properties`] value feeds both writers. Keys are validated, values are escaped so that no
//! value can ever start another key or XML element, output is sorted by key, and a secret can only
//! be written as a reference to an environment variable ([`PropertyValue::Env`]), never inline: the
//! API takes no secret type, so a `SecretString` cannot reach a rendered file.
//!
//! ```
//! use trino_platform::properties::Properties;
//!
//! let mut props = Properties::new();
//! props.set("exchange.base-directories", "s3://tenant-exchange")?;
//! props.set_env("exchange.s3.aws-secret-key", "EXCHANGE_S3_SECRET_KEY")?;
//! assert_eq!(
//!     props.to_java_properties(),
//!     "exchange.base-directories=s3://tenant-exchange\n\
//!      exchange.s3.aws-secret-key=${ENV:EXCHANGE_S3_SECRET_KEY}\n"
//! );
//! # Ok::<(), trino_platform::Error>(())
//! ```

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::error::{Error, Result};

/// A property value: literal text, or a reference to an environment variable holding a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PropertyValue {
    /// Literal text, escaped on output.
    Plain(String),
    /// The name of an environment variable; rendered as `${ENV:NAME}` in `.properties` (Trino's
    /// syntax) and `${env.NAME}` in Hadoop XML (Hadoop `Configuration`'s syntax).
    Env(String),
}

/// An ordered set of configuration properties, rendered sorted by key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Properties {
    entries: BTreeMap<String, PropertyValue>,
}

impl Properties {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Builds a set from literal `key → value` pairs (for example a user's overrides).
    /// Fails with `InvalidInput` on the first invalid key.
    pub fn from_pairs<K: AsRef<str>, V: Into<String>>(pairs: impl IntoIterator<Item = (K, V)>) -> Result<Self> {
        let mut props = Self::new();
        for (key, value) in pairs {
            props.set(key.as_ref(), value)?;
        }
        Ok(props)
    }

    /// Sets `key` to literal text, replacing any earlier value. Fails with `InvalidInput` when the
    /// key is empty or holds a character outside `A-Z a-z 0-9 . _ - [ ]`.
    pub fn set(&mut self, key: &str, value: impl Into<String>) -> Result<&mut Self> {
        validate_key(key)?;
        self.entries.insert(key.to_owned(), PropertyValue::Plain(value.into()));
        Ok(self)
    }

    /// Sets `key` to a reference to the environment variable `env` (the way to configure a
    /// secret). Fails with `InvalidInput` on a bad key or a variable name outside `[A-Z_][A-Z0-9_]*`.
    pub fn set_env(&mut self, key: &str, env: &str) -> Result<&mut Self> {
        validate_key(key)?;
        validate_env_name(env)?;
        self.entries.insert(key.to_owned(), PropertyValue::Env(env.to_owned()));
        Ok(self)
    }

    /// Sets `key` from text a user wrote (an override): `${ENV:NAME}` becomes a reference to
    /// the variable `NAME`, anything else literal text. Fails with `InvalidInput` on a bad key.
    pub fn set_text(&mut self, key: &str, text: &str) -> Result<&mut Self> {
        match env_reference(text) {
            Some(name) => self.set_env(key, name),
            None => self.set(key, text),
        }
    }

    /// The names of the environment variables the values refer to, sorted, each once.
    pub fn env_names(&self) -> std::collections::BTreeSet<&str> {
        self.entries
            .values()
            .filter_map(|value| match value {
                PropertyValue::Env(name) => Some(name.as_str()),
                PropertyValue::Plain(_) => None,
            })
            .collect()
    }

    /// Layers `other` on top of `self`: its keys replace the ones here.
    pub fn overlay(&mut self, other: &Properties) -> &mut Self {
        self.entries.extend(other.entries.iter().map(|(k, v)| (k.clone(), v.clone())));
        self
    }

    /// Removes `key`, returning its value if it was set.
    pub fn remove(&mut self, key: &str) -> Option<PropertyValue> {
        self.entries.remove(key)
    }

    /// The value of `key`, if set.
    pub fn get(&self, key: &str) -> Option<&PropertyValue> {
        self.entries.get(key)
    }

    /// Iterates `(key, value)` sorted by key.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &PropertyValue)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no key is set.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Renders Java `.properties` text: one `key=value` line per key, sorted, values escaped so
    /// that `Properties.load` reads back exactly the text that was set.
    pub fn to_java_properties(&self) -> String {
        let mut out = String::new();
        for (key, value) in &self.entries {
            out.push_str(key);
            out.push('=');
            match value {
                PropertyValue::Plain(text) => escape_java_value(text, &mut out),
                PropertyValue::Env(name) => {
                    let _ = write!(out, "${{ENV:{name}}}");
                }
            }
            out.push('\n');
        }
        out
    }

    /// Renders a Hadoop XML configuration document, properties sorted by name.
    /// Fails with `InvalidInput` when a value holds a character XML 1.0 cannot carry.
    pub fn to_hadoop_xml(&self) -> Result<String> {
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<configuration>\n");
        for (key, value) in &self.entries {
            out.push_str("  <property>\n    <name>");
            out.push_str(key);
            out.push_str("</name>\n    <value>");
            match value {
                PropertyValue::Plain(text) => escape_xml(key, text, &mut out)?,
                PropertyValue::Env(name) => {
                    let _ = write!(out, "${{env.{name}}}");
                }
            }
            out.push_str("</value>\n  </property>\n");
        }
        out.push_str("</configuration>\n");
        Ok(out)
    }
}

fn validate_key(key: &str) -> Result<()> {
    let ok =
        !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '[' | ']'));
    if ok {
        Ok(())
    } else {
        Err(Error::invalid_input(format!(
            "invalid property key {key:?}: use only letters, digits, '.', '_', '-', '[' and ']'"
        )))
    }
}

fn validate_env_name(name: &str) -> Result<()> {
    let mut chars = name.chars();
    let ok = chars.next().is_some_and(|c| c.is_ascii_uppercase() || c == '_')
        && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(Error::invalid_input(format!("invalid environment variable name {name:?}: use [A-Z_][A-Z0-9_]*")))
    }
}

/// Escapes a value for `java.util.Properties.load`: backslashes, line breaks and a leading space
/// (the only characters that change how a value line parses; `=` and `:` after the separator are
/// literal), plus `\uXXXX` for non-ASCII so the file reads the same as ISO-8859-1 or UTF-8.
fn escape_java_value(text: &str, out: &mut String) {
    for (i, c) in text.chars().enumerate() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{c}' => out.push_str("\\f"),
            ' ' if i == 0 => out.push_str("\\ "),
            ' '..='~' => out.push(c),
            _ => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    let _ = write!(out, "\\u{unit:04X}");
                }
            }
        }
    }
}

fn escape_xml(key: &str, text: &str, out: &mut String) -> Result<()> {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => {
                let _ = write!(out, "&#{};", c as u32);
            }
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {
                return Err(Error::invalid_input(format!(
                    "value of {key:?} holds the control character U+{:04X}, which XML cannot carry",
                    c as u32
                )));
            }
            c => out.push(c),
        }
    }
    Ok(())
}

/// The variable named by `${ENV:NAME}` text, when `NAME` is a valid variable name.
pub(crate) fn env_reference(text: &str) -> Option<&str> {
    text.strip_prefix("${ENV:").and_then(|rest| rest.strip_suffix('}')).filter(|name| validate_env_name(name).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    /// Reads `.properties` text the way `java.util.Properties.load` does, for the subset of
    /// syntax the writer produces (one logical line per key, `=` separator, backslash escapes).
    fn parse_java(text: &str) -> BTreeMap<String, String> {
        let mut map = BTreeMap::new();
        for line in text.lines() {
            let (key, raw) = line.split_once('=').expect("every line has '='");
            let mut units: Vec<u16> = Vec::new();
            let mut chars = raw.chars();
            while let Some(c) = chars.next() {
                let c = if c == '\\' {
                    match chars.next().expect("escape has a second char") {
                        'n' => '\n',
                        'r' => '\r',
                        't' => '\t',
                        'f' => '\u{c}',
                        'u' => {
                            let hex: String = chars.by_ref().take(4).collect();
                            units.push(u16::from_str_radix(&hex, 16).unwrap());
                            continue;
                        }
                        other => other,
                    }
                } else {
                    c
                };
                units.extend(c.encode_utf16(&mut [0; 2]).iter());
            }
            let value = String::from_utf16(&units).unwrap();
            map.insert(key.to_owned(), value);
        }
        map
    }

    #[test]
    fn output_is_sorted_and_layered() {
        let mut base = Properties::from_pairs([("b.key", "1"), ("a.key", "2")]).unwrap();
        base.overlay(&Properties::from_pairs([("b.key", "override")]).unwrap());
        assert_eq!(base.to_java_properties(), "a.key=2\nb.key=override\n");
    }

    #[test]
    fn values_cannot_inject_keys() {
        let hostile = "x\nadmin.password=hunter2\r\n#comment \\ = : ! \t end";
        let mut props = Properties::new();
        props.set("k", hostile).unwrap();
        props.set("lead", "  spaced").unwrap();
        let text = props.to_java_properties();
        assert_eq!(text.lines().count(), 2, "{text}");
        let parsed = parse_java(&text);
        assert_eq!(parsed["k"], hostile);
        assert_eq!(parsed["lead"], "  spaced");
    }

    #[test]
    fn non_ascii_is_unicode_escaped() {
        let mut props = Properties::new();
        props.set("name", "Zürich 🚀").unwrap();
        let text = props.to_java_properties();
        assert!(text.is_ascii());
        assert_eq!(parse_java(&text)["name"], "Zürich 🚀");
    }

    #[test]
    fn bad_keys_and_env_names_are_rejected() {
        let mut props = Properties::new();
        for key in ["", "a=b", "a b", "a\nb", "a:b", "ключ"] {
            assert_eq!(props.set(key, "v").unwrap_err().kind(), ErrorKind::InvalidInput, "{key:?}");
        }
        for env in ["", "lower", "1ABC", "A-B", "A}B"] {
            assert_eq!(props.set_env("k", env).unwrap_err().kind(), ErrorKind::InvalidInput, "{env:?}");
        }
        assert!(props.is_empty());
    }

    #[test]
    fn env_references_render_per_format() {
        let mut props = Properties::new();
        props.set_env("secret", "MY_SECRET").unwrap();
        assert_eq!(props.to_java_properties(), "secret=${ENV:MY_SECRET}\n");
        assert!(props.to_hadoop_xml().unwrap().contains("<value>${env.MY_SECRET}</value>"));
    }

    #[test]
    fn xml_values_cannot_inject_elements() {
        let mut props = Properties::new();
        props.set("k", "</value></property><property><name>x</name><value>&'\"\n").unwrap();
        let xml = props.to_hadoop_xml().unwrap();
        assert_eq!(xml.matches("<property>").count(), 1, "{xml}");
        assert!(xml.contains(
            "<value>&lt;/value&gt;&lt;/property&gt;&lt;property&gt;&lt;name&gt;x&lt;/name&gt;&lt;value&gt;&amp;&apos;&quot;&#10;</value>"
        ));
        props.set("bad", "nul\u{0}").unwrap();
        assert_eq!(props.to_hadoop_xml().unwrap_err().kind(), ErrorKind::InvalidInput);
    }
}
