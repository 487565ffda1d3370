//! Trino query ids (`20260101_120000_00001_abcde`) and where follow-up requests carry them.

use std::fmt;

use crate::error::{Error, Result};

/// A Trino query id: `\d+_\d+_\d+_\w+` (date, time, counter, coordinator id).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct QueryId(Box<str>);

impl QueryId {
    /// Validates `value`; fails with `InvalidInput` unless it is a whole query id.
    pub fn new(value: &str) -> Result<Self> {
        if is_query_id(value) {
            Ok(Self(value.into()))
        } else {
            Err(Error::invalid_input(format!("{value:?} is not a Trino query id (like 20260101_120000_00001_abcde)")))
        }
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The query id a request refers to, if any: statement follow-ups
    /// (`/v1/statement/{queued|scheduled|executing}/{id}/…`, `/v1/statement/{id}`), `/v1/query/{id}`,
    /// any `/ui/…` path segment, a `query_id=`/`queryId=` parameter, a query string that is the id
    /// (`/ui/query.html?{id}`) or ends a `%2F`-encoded path. `POST /v1/statement` (a new query) has none.
    pub fn from_request(path: &str, query: Option<&str>) -> Option<QueryId> {
        from_path(path).or_else(|| query.and_then(from_query_string)).map(|id| Self(id.into()))
    }
}

impl TryFrom<String> for QueryId {
    type Error = Error;
    fn try_from(value: String) -> Result<Self> {
        Self::new(&value)
    }
}

impl From<QueryId> for String {
    fn from(id: QueryId) -> String {
        id.0.into()
    }
}

impl fmt::Display for QueryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// `\d+_\d+_\d+_\w+` over the whole string (`\w` as ASCII word characters).
fn is_query_id(s: &str) -> bool {
    let mut parts = s.splitn(4, '_');
    let digits = |p: Option<&str>| p.is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    digits(parts.next())
        && digits(parts.next())
        && digits(parts.next())
        && parts.next().is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
}

fn from_path(path: &str) -> Option<&str> {
    let mut segments = path.split('/').filter(|s| !s.is_empty());
    match (segments.next(), segments.next()) {
        (Some("v1"), Some("statement")) => match segments.next()? {
            "queued" | "scheduled" | "executing" | "partialCancel" => segments.next().filter(|s| is_query_id(s)),
            id => Some(id).filter(|s| is_query_id(s)),
        },
        (Some("v1"), Some("query")) => segments.next().filter(|s| is_query_id(s)),
        (Some("ui"), second) => second.into_iter().chain(segments).find(|s| is_query_id(s)),
        _ => None,
    }
}

fn from_query_string(query: &str) -> Option<&str> {
    for pair in query.split('&') {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        if matches!(key, "query_id" | "queryId" | "queryid") && is_query_id(value) {
            return Some(value);
        }
        // The UI's query page: `/ui/query.html?20260101_120000_00001_abcde`.
        if value.is_empty() && is_query_id(key) {
            return Some(key);
        }
        // The UI sends paths as parameter values: `…%2F20260101_120000_00001_abcde`.
        if let Some(id) = value.rsplit("%2F").next().filter(|id| is_query_id(id) && value.contains("%2F")) {
            return Some(id);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "20260101_120000_00001_abcde";

    #[test]
    fn validates_the_whole_id() {
        assert!(QueryId::new(ID).is_ok());
        assert!(QueryId::new("1_2_3_x_y").is_ok());
        for bad in ["", "20260101_120000_00001", "a_1_2_x", "1__2_x", "1_2_3_", "1_2_3_x-y", "1_2_3_x/..", " 1_2_3_x"] {
            assert!(QueryId::new(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn extracts_from_every_follow_up_form() {
        let cases = [
            (format!("/v1/statement/queued/{ID}/y1f2/1"), None),
            (format!("/v1/statement/executing/{ID}/y1f2/2"), None),
            (format!("/v1/statement/scheduled/{ID}/y1f2/2"), None),
            (format!("/v1/statement/{ID}"), None),
            (format!("/v1/statement/partialCancel/{ID}/1/x/2"), None),
            (format!("/v1/query/{ID}"), None),
            (format!("/v1/query/{ID}/killed"), None),
            (format!("/ui/query.html/{ID}"), None),
            (format!("/ui/api/query/{ID}"), None),
            ("/ui/query.html".to_owned(), Some(ID.to_owned())),
            ("/ui/query.html".to_owned(), Some(format!("x=1&query_id={ID}"))),
            ("/v1/info".to_owned(), Some(format!("queryId={ID}"))),
            ("/ui/".to_owned(), Some(format!("path=%2Fui%2Fquery%2F{ID}"))),
        ];
        for (path, query) in &cases {
            let got = QueryId::from_request(path, query.as_deref()).map(|q| q.to_string());
            assert_eq!(got.as_deref(), Some(ID), "{path} {query:?}");
        }
    }

    #[test]
    fn new_queries_and_other_paths_have_none() {
        for path in
            ["/v1/statement", "/v1/statement/", "/v1/info", "/v1/statement/queued/not-an-id/1", "/oauth2/callback"]
        {
            assert_eq!(QueryId::from_request(path, None), None, "{path}");
        }
    }
}
