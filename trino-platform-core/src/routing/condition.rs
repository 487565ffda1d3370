//! Rule conditions: a tree of `all` / `any` / `not` over request fields, each field tested with
//! one matcher (`equals`, `oneOf`, `glob`, `regex`, `contains`, `startsWith`).
//!
//! Semantics, exactly:
//! - A field the request lacks (no `X-Trino-Source`, say) matches nothing, so `not` of it is true.
//! - `clientTags` is a list: a matcher on it is true when it is true for at least one tag.
//! - `equals`, `oneOf`, `startsWith` and `contains` compare exact, case-sensitive text
//!   (`method` is upper-case). `glob` takes `*` (any run of characters) and `?` (one character)
//!   over the whole value. `regex` must match the whole value (it is anchored as `^(?:…)$`).
//! - `all: []` is true, `any: []` is false.

use regex::Regex;
use serde::{Deserialize, Serialize};

use super::request::RouteRequest;
use crate::error::{Error, Result};

/// A condition as written in a rules file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub enum ConditionSpec {
    /// Every child is true.
    All(Vec<ConditionSpec>),
    /// At least one child is true.
    Any(Vec<ConditionSpec>),
    /// The child is false.
    Not(Box<ConditionSpec>),
    /// The user: authenticated principal, else `X-Trino-User`.
    User(MatchSpec),
    /// `X-Trino-Source`.
    Source(MatchSpec),
    /// Each tag of `X-Trino-Client-Tags`.
    ClientTags(MatchSpec),
    /// `X-Trino-Client-Info`.
    ClientInfo(MatchSpec),
    /// `X-Trino-Catalog`.
    Catalog(MatchSpec),
    /// `X-Trino-Schema`.
    Schema(MatchSpec),
    /// The request path.
    Path(MatchSpec),
    /// The HTTP method.
    Method(MatchSpec),
    /// Any header, by name.
    Header(HeaderMatchSpec),
}

/// One matcher: set exactly one field.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MatchSpec {
    /// The value is exactly this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equals: Option<String>,
    /// The value is one of these.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub one_of: Option<Vec<String>>,
    /// The whole value matches this glob (`*`, `?`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub glob: Option<String>,
    /// The whole value matches this regular expression.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regex: Option<String>,
    /// The value contains this text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contains: Option<String>,
    /// The value starts with this text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starts_with: Option<String>,
}

/// A header matcher: the header's name plus one matcher (the fields of [`MatchSpec`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HeaderMatchSpec {
    /// Header name (any case).
    pub name: String,
    /// See [`MatchSpec::equals`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equals: Option<String>,
    /// See [`MatchSpec::one_of`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub one_of: Option<Vec<String>>,
    /// See [`MatchSpec::glob`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub glob: Option<String>,
    /// See [`MatchSpec::regex`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regex: Option<String>,
    /// See [`MatchSpec::contains`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contains: Option<String>,
    /// See [`MatchSpec::starts_with`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starts_with: Option<String>,
}

impl HeaderMatchSpec {
    /// The matcher part.
    pub fn matcher(&self) -> MatchSpec {
        MatchSpec {
            equals: self.equals.clone(),
            one_of: self.one_of.clone(),
            glob: self.glob.clone(),
            regex: self.regex.clone(),
            contains: self.contains.clone(),
            starts_with: self.starts_with.clone(),
        }
    }
}

/// A compiled condition, ready to evaluate.
#[derive(Debug, Clone)]
pub(crate) enum Condition {
    All(Vec<Condition>),
    Any(Vec<Condition>),
    Not(Box<Condition>),
    Field(Field, Matcher),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Field {
    User,
    Source,
    ClientTags,
    ClientInfo,
    Catalog,
    Schema,
    Path,
    Method,
    Header(String),
}

#[derive(Debug, Clone)]
pub(crate) enum Matcher {
    Equals(String),
    OneOf(Vec<String>),
    Glob(String),
    Regex(Regex),
    Contains(String),
    StartsWith(String),
}

impl ConditionSpec {
    /// Compiles the tree; fails with `InvalidInput` on a matcher that sets zero or several
    /// fields, a bad regex or an empty header name.
    pub(crate) fn compile(&self) -> Result<Condition> {
        let children = |specs: &[ConditionSpec]| specs.iter().map(ConditionSpec::compile).collect::<Result<Vec<_>>>();
        Ok(match self {
            ConditionSpec::All(specs) => Condition::All(children(specs)?),
            ConditionSpec::Any(specs) => Condition::Any(children(specs)?),
            ConditionSpec::Not(spec) => Condition::Not(Box::new(spec.compile()?)),
            ConditionSpec::User(m) => Condition::Field(Field::User, m.compile()?),
            ConditionSpec::Source(m) => Condition::Field(Field::Source, m.compile()?),
            ConditionSpec::ClientTags(m) => Condition::Field(Field::ClientTags, m.compile()?),
            ConditionSpec::ClientInfo(m) => Condition::Field(Field::ClientInfo, m.compile()?),
            ConditionSpec::Catalog(m) => Condition::Field(Field::Catalog, m.compile()?),
            ConditionSpec::Schema(m) => Condition::Field(Field::Schema, m.compile()?),
            ConditionSpec::Path(m) => Condition::Field(Field::Path, m.compile()?),
            ConditionSpec::Method(m) => Condition::Field(Field::Method, m.compile()?),
            ConditionSpec::Header(h) => {
                if h.name.is_empty() || !h.name.bytes().all(|b| b.is_ascii_graphic() && b != b':') {
                    return Err(Error::invalid_input(format!("invalid header name {:?}", h.name)));
                }
                Condition::Field(Field::Header(h.name.to_ascii_lowercase()), h.matcher().compile()?)
            }
        })
    }
}

impl MatchSpec {
    fn compile(&self) -> Result<Matcher> {
        let MatchSpec { equals, one_of, glob, regex, contains, starts_with } = self.clone();
        let set = [
            equals.is_some(),
            one_of.is_some(),
            glob.is_some(),
            regex.is_some(),
            contains.is_some(),
            starts_with.is_some(),
        ];
        if set.iter().filter(|s| **s).count() != 1 {
            return Err(Error::invalid_input(
                "a matcher needs exactly one of equals, oneOf, glob, regex, contains, startsWith",
            ));
        }
        Ok(if let Some(v) = equals {
            Matcher::Equals(v)
        } else if let Some(v) = one_of {
            Matcher::OneOf(v)
        } else if let Some(v) = glob {
            Matcher::Glob(v)
        } else if let Some(v) = regex {
            let anchored = format!("^(?:{v})$");
            Matcher::Regex(
                Regex::new(&anchored).map_err(|e| Error::invalid_input(format!("invalid regex {v:?}: {e}")))?,
            )
        } else if let Some(v) = contains {
            Matcher::Contains(v)
        } else {
            Matcher::StartsWith(starts_with.unwrap_or_default())
        })
    }
}

impl Condition {
    /// Whether the request satisfies the condition.
    pub(crate) fn eval(&self, request: &RouteRequest) -> bool {
        match self {
            Condition::All(children) => children.iter().all(|c| c.eval(request)),
            Condition::Any(children) => children.iter().any(|c| c.eval(request)),
            Condition::Not(child) => !child.eval(request),
            Condition::Field(Field::ClientTags, matcher) => request.client_tags().any(|tag| matcher.is_match(tag)),
            Condition::Field(field, matcher) => {
                let value = match field {
                    Field::User => request.user(),
                    Field::Source => request.source(),
                    Field::ClientInfo => request.client_info(),
                    Field::Catalog => request.catalog(),
                    Field::Schema => request.schema(),
                    Field::Path => Some(request.path()),
                    Field::Method => Some(request.method()),
                    Field::Header(name) => request.header(name),
                    Field::ClientTags => None,
                };
                value.is_some_and(|v| matcher.is_match(v))
            }
        }
    }
}

impl Matcher {
    fn is_match(&self, value: &str) -> bool {
        match self {
            Matcher::Equals(expected) => value == expected,
            Matcher::OneOf(options) => options.iter().any(|o| o == value),
            Matcher::Glob(pattern) => glob_match(pattern.as_bytes(), value.as_bytes()),
            Matcher::Regex(regex) => regex.is_match(value),
            Matcher::Contains(needle) => value.contains(needle.as_str()),
            Matcher::StartsWith(prefix) => value.starts_with(prefix.as_str()),
        }
    }
}

/// Whole-value glob over bytes: `*` matches any run, `?` one byte, everything else itself.
/// Linear-time two-pointer matching with one backtrack point (no exponential blow-up).
fn glob_match(pattern: &[u8], value: &[u8]) -> bool {
    let (mut p, mut v) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while v < value.len() {
        match pattern.get(p) {
            Some(b'*') => {
                star = Some((p, v));
                p += 1;
            }
            Some(&c) if c == b'?' || c == value[v] => {
                p += 1;
                v += 1;
            }
            _ => match star {
                Some((sp, sv)) => {
                    p = sp + 1;
                    v = sv + 1;
                    star = Some((sp, sv + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(yaml: &str) -> ConditionSpec {
        serde_saphyr::from_str(yaml).unwrap()
    }

    fn eval(yaml: &str, request: &RouteRequest) -> bool {
        spec(yaml).compile().unwrap().eval(request)
    }

    #[test]
    fn glob_semantics() {
        for (p, v, want) in [
            ("*", "", true),
            ("a*", "abc", true),
            ("a?c", "abc", true),
            ("a?c", "ac", false),
            ("*b*", "abc", true),
            ("*.etl", "x.etl", true),
            ("*.etl", "x.etlx", false),
            ("a*b*c", "aXbYbZc", true),
            ("", "", true),
            ("", "a", false),
        ] {
            assert_eq!(glob_match(p.as_bytes(), v.as_bytes()), want, "{p} ~ {v}");
        }
    }

    #[test]
    fn every_matcher_kind() {
        let r = RouteRequest::new("POST", "/v1/statement").with_header("X-Trino-Source", "airflow-prod");
        let table = [
            ("source: {equals: airflow-prod}", true),
            ("source: {equals: airflow}", false),
            ("source: {oneOf: [superset, airflow-prod]}", true),
            ("source: {glob: 'airflow-*'}", true),
            ("source: {regex: 'airflow-(dev|prod)'}", true),
            ("source: {regex: 'airflow'}", false), // anchored
            ("source: {contains: flow}", true),
            ("source: {startsWith: air}", true),
            ("source: {startsWith: prod}", false),
        ];
        for (yaml, want) in table {
            assert_eq!(eval(yaml, &r), want, "{yaml}");
        }
    }

    #[test]
    fn every_field_kind() {
        let r = RouteRequest::new("GET", "/ui/api/stats")
            .with_header("X-Trino-User", "alice")
            .with_header("X-Trino-Client-Tags", "etl,nightly")
            .with_header("X-Trino-Client-Info", "dash")
            .with_header("X-Trino-Catalog", "delta")
            .with_header("X-Trino-Schema", "sales")
            .with_header("X-Team", "data");
        for yaml in [
            "user: {equals: alice}",
            "clientTags: {equals: nightly}",
            "clientInfo: {equals: dash}",
            "catalog: {equals: delta}",
            "schema: {equals: sales}",
            "path: {startsWith: /ui}",
            "method: {equals: GET}",
            "header: {name: x-team, equals: data}",
            "header: {name: X-TEAM, glob: 'd*'}",
        ] {
            assert!(eval(yaml, &r), "{yaml}");
        }
        assert!(!eval("source: {equals: x}", &r), "a missing field matches nothing");
        assert!(eval("not: {source: {equals: x}}", &r));
        assert!(!eval("clientTags: {equals: 'etl,nightly'}", &r), "tags are matched one by one");
    }

    #[test]
    fn combinators() {
        let r = RouteRequest::new("GET", "/").with_header("X-Trino-User", "bob");
        assert!(eval("all: []", &r));
        assert!(!eval("any: []", &r));
        assert!(eval("all: [{user: {equals: bob}}, {not: {path: {equals: /x}}}]", &r));
        assert!(eval("any: [{user: {equals: amy}}, {user: {equals: bob}}]", &r));
        assert!(!eval("not: {any: [{user: {equals: amy}}, {user: {equals: bob}}]}", &r));
    }

    #[test]
    fn malformed_matchers_are_rejected() {
        for yaml in ["user: {}", "user: {equals: a, glob: b}", "user: {regex: '('}", "header: {name: '', equals: a}"] {
            assert!(spec(yaml).compile().is_err(), "{yaml}");
        }
        assert!(serde_saphyr::from_str::<ConditionSpec>("user: {like: a}").is_err());
        assert!(serde_saphyr::from_str::<ConditionSpec>("weather: {equals: sunny}").is_err());
    }
}
