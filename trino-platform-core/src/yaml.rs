//! Reading the YAML files users write (specs, configs, rule files): one parser, one error shape.
//!
//! Errors name the key path, line and column, and never quote the text around the mistake:
//! serde-saphyr's default rendering prints the neighbouring lines, and those may hold a secret
//! (a `secretAccessKey` one line above an unknown key, a password in a URL).

use serde::de::DeserializeOwned;

use crate::error::{Error, Result};

/// Parses one YAML (or JSON) document. Fails with `InvalidInput`: "invalid {what}: …", naming
/// where the text is wrong without quoting it.
pub(crate) fn from_str<T: DeserializeOwned>(text: &str, what: &str) -> Result<T> {
    serde_saphyr::from_str(text).map_err(|e| invalid(what, &e))
}

/// Parses a stream of `---`-separated documents, as [`from_str`] parses one.
#[cfg(feature = "routing")]
pub(crate) fn from_multiple<T: DeserializeOwned>(text: &str, what: &str) -> Result<Vec<T>> {
    serde_saphyr::from_multiple(text).map_err(|e| invalid(what, &e))
}

/// Reads the file at `path` and parses it with `parse` (a spec's `from_yaml`). Fails with
/// `InvalidInput`: "cannot read PATH: …", or the parse error prefixed with the path.
pub(crate) fn load<T>(path: &std::path::Path, parse: impl FnOnce(&str) -> Result<T>) -> Result<T> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::invalid_input(format!("cannot read {}: {e}", path.display())).with_source(e))?;
    parse(&text).map_err(|e| Error::invalid_input(format!("{}: {}", path.display(), e.message())))
}

fn invalid(what: &str, e: &serde_saphyr::Error) -> Error {
    let plain = e.render_with_options(serde_saphyr::render_options! { snippets: serde_saphyr::SnippetMode::Off });
    Error::invalid_input(format!("invalid {what}: {plain}"))
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Credentials {
        key: String,
        secret: String,
    }

    #[test]
    fn errors_locate_the_mistake_without_quoting_the_text_around_it() {
        let err = super::from_str::<Credentials>("key: a\nsecret: hunter2\nbogus: 1\n", "credentials").unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::InvalidInput);
        let message = err.to_string();
        assert!(message.starts_with("invalid credentials: "), "{message}");
        assert!(message.contains("bogus") && message.contains('3'), "names the key and line: {message}");
        assert!(!message.contains("hunter2"), "quotes a neighbouring line: {message}");
    }
}
