//! What the router sees of a request: method, path, query string, headers and the authenticated
//! principal, with the Trino client headers pulled out.

/// A request to route. Header names are matched case-insensitively.
///
/// ```
/// use trino_platform::routing::RouteRequest;
///
/// let request = RouteRequest::new("POST", "/v1/statement")
///     .with_header("X-Trino-User", "alice")
///     .with_header("X-Trino-Client-Tags", "etl, nightly");
/// assert_eq!(request.user(), Some("alice"));
/// assert_eq!(request.client_tags().collect::<Vec<_>>(), ["etl", "nightly"]);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RouteRequest {
    method: String,
    path: String,
    query: Option<String>,
    headers: Vec<(String, String)>,
    principal: Option<String>,
}

/// Trino's client protocol headers.
pub mod headers {
    /// The user the query runs as.
    pub const USER: &str = "x-trino-user";
    /// The client application (`superset`, `trino-cli`, …).
    pub const SOURCE: &str = "x-trino-source";
    /// Comma-separated client tags.
    pub const CLIENT_TAGS: &str = "x-trino-client-tags";
    /// Free-form client information.
    pub const CLIENT_INFO: &str = "x-trino-client-info";
    /// Default catalog.
    pub const CATALOG: &str = "x-trino-catalog";
    /// Default schema.
    pub const SCHEMA: &str = "x-trino-schema";
    /// The routing group a client asks for (honoured only when the router is configured to).
    pub const ROUTING_GROUP: &str = "x-trino-routing-group";
}

impl RouteRequest {
    /// A request for `method` on `path_and_query` (`/v1/statement?x=1`).
    pub fn new(method: impl Into<String>, path_and_query: &str) -> Self {
        let (path, query) = match path_and_query.split_once('?') {
            Some((path, query)) => (path, Some(query.to_owned())),
            None => (path_and_query, None),
        };
        Self { method: method.into().to_ascii_uppercase(), path: path.to_owned(), query, ..Self::default() }
    }

    /// Adds a header (names are stored lower-case; repeated headers keep every value).
    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_ascii_lowercase(), value.into()));
        self
    }

    /// Sets the authenticated principal (from a validated token), which outranks `X-Trino-User`.
    pub fn with_principal(mut self, principal: impl Into<String>) -> Self {
        self.principal = Some(principal.into());
        self
    }

    /// The HTTP method, upper-case.
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The path, without the query string.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The query string, without `?`.
    pub fn query(&self) -> Option<&str> {
        self.query.as_deref()
    }

    /// The first value of header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// Every header, names lower-case.
    pub fn headers(&self) -> impl Iterator<Item = (&str, &str)> {
        self.headers.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    /// The authenticated principal, if any.
    pub fn principal(&self) -> Option<&str> {
        self.principal.as_deref()
    }

    /// The user the query runs as: the authenticated principal, else `X-Trino-User`.
    pub fn user(&self) -> Option<&str> {
        self.principal().or_else(|| self.header(headers::USER))
    }

    /// `X-Trino-Source`.
    pub fn source(&self) -> Option<&str> {
        self.header(headers::SOURCE)
    }

    /// The tags of `X-Trino-Client-Tags`, trimmed, empty ones dropped.
    pub fn client_tags(&self) -> impl Iterator<Item = &str> {
        self.header(headers::CLIENT_TAGS)
            .into_iter()
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .filter(|t| !t.is_empty())
    }

    /// `X-Trino-Client-Info`.
    pub fn client_info(&self) -> Option<&str> {
        self.header(headers::CLIENT_INFO)
    }

    /// `X-Trino-Catalog`.
    pub fn catalog(&self) -> Option<&str> {
        self.header(headers::CATALOG)
    }

    /// `X-Trino-Schema`.
    pub fn schema(&self) -> Option<&str> {
        self.header(headers::SCHEMA)
    }

    /// Whether this submits a new query (`POST /v1/statement`).
    pub fn is_new_query(&self) -> bool {
        self.method == "POST" && self.path.trim_end_matches('/') == "/v1/statement"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn principal_outranks_the_user_header() {
        let request = RouteRequest::new("get", "/v1/info?x=1").with_header("X-TRINO-USER", "mallory");
        assert_eq!((request.method(), request.path(), request.query()), ("GET", "/v1/info", Some("x=1")));
        assert_eq!(request.user(), Some("mallory"));
        assert_eq!(request.with_principal("alice").user(), Some("alice"));
    }

    #[test]
    fn trino_headers_are_extracted() {
        let request = RouteRequest::new("POST", "/v1/statement")
            .with_header("x-trino-source", "superset")
            .with_header("X-Trino-Client-Tags", " a,,b ,")
            .with_header("X-Trino-Client-Info", "dash 7")
            .with_header("X-Trino-Catalog", "delta")
            .with_header("X-Trino-Schema", "sales");
        assert!(request.is_new_query());
        assert_eq!(request.source(), Some("superset"));
        assert_eq!(request.client_tags().collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(
            (request.client_info(), request.catalog(), request.schema()),
            (Some("dash 7"), Some("delta"), Some("sales"))
        );
    }
}
