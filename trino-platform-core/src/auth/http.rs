//! The HTTP client for identity providers and Keycloak's Admin API: reqwest on rustls with the
//! ring provider (webpki roots, plus an optional CA file), no redirects followed.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use crate::error::{Error, ErrorKind, Result};
use crate::secret::redact_url;

/// Builds a client whose requests end after `timeout`. Fails with `InvalidInput` when `ca_file`
/// cannot be read or holds no certificate.
pub(crate) fn client(timeout: Duration, ca_file: Option<&Path>) -> Result<reqwest::Client> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(path) = ca_file {
        use rustls::pki_types::CertificateDer;
        use rustls::pki_types::pem::PemObject;
        let certs = CertificateDer::pem_file_iter(path)
            .and_then(|certs| certs.collect::<std::result::Result<Vec<_>, _>>())
            .map_err(|e| Error::invalid_input(format!("cannot read CA certificates from {}: {e}", path.display())))?;
        let (added, _) = roots.add_parsable_certificates(certs);
        if added == 0 {
            return Err(Error::invalid_input(format!("{} holds no usable CA certificate", path.display())));
        }
    }
    let tls = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::new(ErrorKind::Internal, format!("cannot set up TLS: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    reqwest::Client::builder()
        .use_preconfigured_tls(tls)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(10)))
        .user_agent(concat!("trino-platform/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| Error::new(ErrorKind::Internal, format!("cannot build the HTTP client: {e}")).with_source(e))
}

/// A failed exchange with `url` (no HTTP status): `Timeout` or `Unavailable`, naming what was
/// being done. The URL's user info is cut; the cause is kept without its URL.
pub(crate) fn transport_error(what: &str, url: &str, error: reqwest::Error) -> Error {
    let url = redact_url(url);
    let kind = if error.is_timeout() { ErrorKind::Timeout } else { ErrorKind::Unavailable };
    let cause = root_cause(&error);
    let message = if error.is_timeout() {
        format!("{what}: {url} did not answer in time")
    } else if error.is_decode() || error.is_body() {
        format!("{what}: the answer of {url} could not be read: {cause}")
    } else {
        format!("{what}: cannot reach {url}: {cause}")
    };
    Error::new(kind, message).with_source(error.without_url())
}

fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = error;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

/// At most `limit` characters of a service's error text, on one line.
pub(crate) fn excerpt(text: &str, limit: usize) -> String {
    let one_line: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    let trimmed = one_line.trim();
    match trimmed.char_indices().nth(limit) {
        Some((at, _)) => format!("{}…", &trimmed[..at]),
        None => trimmed.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_are_short_single_lines() {
        assert_eq!(excerpt(" a\nb ", 10), "a b");
        assert_eq!(excerpt("abcdef", 3), "abc…");
    }

    #[test]
    fn a_missing_ca_file_is_invalid_input() {
        let err = client(Duration::from_secs(1), Some(Path::new("/nonexistent/ca.pem"))).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        client(Duration::from_secs(1), None).unwrap();
    }
}
