//! The crate's one error type.
//!
//! Every public failure is an [`Error`] carrying an [`ErrorKind`]. Callers (and the Python and
//! Node bindings) branch on the kind, never on the message. Messages say what was wrong and what
//! to do about it, and never contain a secret.

use std::fmt;

/// What went wrong, as a closed set that every binding maps one to one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The caller passed a value that can never succeed (bad name, URL, spec, file).
    InvalidInput,
    /// The named thing does not exist.
    NotFound,
    /// A thing with that identity exists already.
    AlreadyExists,
    /// The current state forbids the change (for example a concurrent modification).
    Conflict,
    /// Missing or wrong credentials.
    Unauthorized,
    /// Credentials are valid but lack the permission.
    Forbidden,
    /// A service could not be reached or refused to serve now; retrying may help.
    Unavailable,
    /// An operation did not finish in time; retrying may help.
    Timeout,
    /// A backend answered with an error that is none of the above.
    Backend,
    /// A bug in trino-platform.
    Internal,
}

impl ErrorKind {
    /// Every kind, in declaration order (for bindings and docs).
    pub const ALL: [ErrorKind; 10] = [
        ErrorKind::InvalidInput,
        ErrorKind::NotFound,
        ErrorKind::AlreadyExists,
        ErrorKind::Conflict,
        ErrorKind::Unauthorized,
        ErrorKind::Forbidden,
        ErrorKind::Unavailable,
        ErrorKind::Timeout,
        ErrorKind::Backend,
        ErrorKind::Internal,
    ];

    /// The kind's name as bindings expose it (`"NotFound"`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::InvalidInput => "InvalidInput",
            ErrorKind::NotFound => "NotFound",
            ErrorKind::AlreadyExists => "AlreadyExists",
            ErrorKind::Conflict => "Conflict",
            ErrorKind::Unauthorized => "Unauthorized",
            ErrorKind::Forbidden => "Forbidden",
            ErrorKind::Unavailable => "Unavailable",
            ErrorKind::Timeout => "Timeout",
            ErrorKind::Backend => "Backend",
            ErrorKind::Internal => "Internal",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

type Source = Box<dyn std::error::Error + Send + Sync + 'static>;

/// A failure of a trino-platform operation: a kind, a message for people, and the cause.
#[derive(thiserror::Error)]
#[error("{message}")]
pub struct Error {
    kind: ErrorKind,
    message: String,
    #[source]
    source: Option<Source>,
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Creates an error of `kind` with a message for people.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self { kind, message: message.into(), source: None }
    }

    /// Attaches the underlying cause (kept out of the message; reachable through `source()`).
    pub fn with_source(mut self, source: impl Into<Source>) -> Self {
        self.source = Some(source.into());
        self
    }

    /// Shorthand for an [`ErrorKind::InvalidInput`] error.
    pub fn invalid_input(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidInput, message)
    }

    /// Shorthand for an [`ErrorKind::NotFound`] error.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, message)
    }

    /// The kind, for branching.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The message without the cause.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Whether running the same operation again may succeed (`Unavailable`, `Timeout`).
    pub fn is_retryable(&self) -> bool {
        matches!(self.kind, ErrorKind::Unavailable | ErrorKind::Timeout)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Error");
        d.field("kind", &self.kind).field("message", &self.message);
        if let Some(source) = &self.source {
            d.field("source", &source.to_string());
        }
        d.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retryable_kinds_are_exactly_unavailable_and_timeout() {
        for kind in ErrorKind::ALL {
            let retry = Error::new(kind, "x").is_retryable();
            assert_eq!(retry, matches!(kind, ErrorKind::Unavailable | ErrorKind::Timeout), "{kind}");
        }
    }

    #[test]
    fn display_is_the_message_and_source_is_kept() {
        let err = Error::new(ErrorKind::Backend, "store failed").with_source(std::io::Error::other("disk"));
        assert_eq!(err.to_string(), "store failed");
        assert_eq!(std::error::Error::source(&err).map(ToString::to_string).as_deref(), Some("disk"));
        assert!(format!("{err:?}").contains("disk"));
    }

    #[test]
    fn kind_names_round_trip_through_serde() {
        for kind in ErrorKind::ALL {
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
            assert_eq!(serde_json::from_str::<ErrorKind>(&json).unwrap(), kind);
        }
    }
}
