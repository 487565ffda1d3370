//! Resource matching as Ranger's `RangerDefaultResourceMatcher` and
//! `RangerDefaultPolicyResourceMatcher` do it for Trino's resources (`wildCard: true`,
//! `ignoreCase: true`): `*` matches any run of characters and `?` exactly one, names compare
//! case-insensitively, `{USER}` in a value stands for the requesting user, `isExcludes` inverts
//! a resource's match, and the result says how the policy's resource relates to the request's
//! ([`MatchType`]).

use serde::Serialize;

use super::model::RangerPolicyResource;
use super::servicedef::ResIdx;

/// The `{USER}` macro token.
pub(crate) const USER_TOKEN: &str = "{USER}";

/// How a policy's resource relates to the requested resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum MatchType {
    /// No relation.
    None,
    /// The policy names exactly the requested level.
    #[serde(rename = "self")]
    SelfMatch,
    /// The policy goes deeper, but only with `*` below the requested level: it covers the
    /// requested resource and everything under it.
    SelfAndAllDescendants,
    /// The policy names something under the requested resource.
    Descendant,
    /// The policy names something above the requested resource (Trino's resources are not
    /// recursive, so this grants nothing on the resource itself).
    Ancestor,
}

/// A compiled policy value.
#[derive(Debug, Clone)]
struct Pattern {
    /// Lower-cased text (with `{USER}` kept as is when `has_user`).
    text: String,
    /// Contains `{USER}`.
    has_user: bool,
    /// Contains `*` or `?`.
    wild: bool,
}

impl Pattern {
    fn new(value: &str) -> Self {
        let has_user = value.contains(USER_TOKEN);
        let text = if has_user {
            // Keep the token's case so that it can be found again; lower-case the rest.
            value.split(USER_TOKEN).map(str::to_lowercase).collect::<Vec<_>>().join(USER_TOKEN)
        } else {
            value.to_lowercase()
        };
        let wild = text.contains(['*', '?']);
        Self { text, has_user, wild }
    }

    /// Whether the lower-cased `value` matches, `user` replacing `{USER}`.
    fn matches(&self, value: &str, user: &str) -> bool {
        if self.has_user {
            let text = self.text.replace(USER_TOKEN, &user.to_lowercase());
            return if text.contains(['*', '?']) { wildcard_match(&text, value) } else { text == value };
        }
        if self.wild { wildcard_match(&self.text, value) } else { self.text == value }
    }
}

/// `FilenameUtils.wildcardMatch`: `*` any run (also empty), `?` one character.
pub(crate) fn wildcard_match(pattern: &str, value: &str) -> bool {
    if pattern.is_ascii() && value.is_ascii() {
        glob(pattern.as_bytes(), value.as_bytes(), b'*', b'?')
    } else {
        let p: Vec<char> = pattern.chars().collect();
        let v: Vec<char> = value.chars().collect();
        glob(&p, &v, '*', '?')
    }
}

/// Linear-time glob with single-star backtracking.
fn glob<T: PartialEq + Copy>(pattern: &[T], value: &[T], star: T, one: T) -> bool {
    let (mut p, mut v) = (0, 0);
    let mut back: Option<(usize, usize)> = None;
    while v < value.len() {
        if p < pattern.len() && (pattern[p] == one || (pattern[p] != star && pattern[p] == value[v])) {
            p += 1;
            v += 1;
        } else if p < pattern.len() && pattern[p] == star {
            back = Some((p, v));
            p += 1;
        } else if let Some((bp, bv)) = back {
            p = bp + 1;
            v = bv + 1;
            back = Some((bp, bv + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == star)
}

/// The compiled values of one resource of a policy.
#[derive(Debug, Clone)]
pub(crate) struct ResourceMatcher {
    patterns: Vec<Pattern>,
    excludes: bool,
    any: bool,
}

impl ResourceMatcher {
    pub(crate) fn new(resource: &RangerPolicyResource) -> Self {
        let excludes = resource.excludes();
        let any = !excludes && (resource.values.is_empty() || resource.values.iter().any(|v| v == "*"));
        Self { patterns: resource.values.iter().map(|v| Pattern::new(v)).collect(), excludes, any }
    }

    /// Matches every value (`*`, not excluded).
    pub(crate) fn is_match_any(&self) -> bool {
        self.any
    }

    /// Whether the lower-cased request `value` (absent: "all values") matches.
    pub(crate) fn matches(&self, value: Option<&str>, user: &str) -> bool {
        if self.any {
            return true;
        }
        let Some(value) = value else { return false };
        let hit = self.patterns.iter().any(|p| p.matches(value, user));
        hit != self.excludes
    }

    /// Whether any value is a wildcard pattern (for evaluation order).
    pub(crate) fn has_star(&self) -> bool {
        self.patterns.iter().any(|p| p.text.contains('*'))
    }

    /// Whether any value has `?`.
    pub(crate) fn has_question(&self) -> bool {
        self.patterns.iter().any(|p| p.text.contains('?'))
    }

    pub(crate) fn excludes(&self) -> bool {
        self.excludes
    }
}

/// One resource set of a policy, in hierarchy order.
#[derive(Debug, Clone)]
pub(crate) struct CompiledResources {
    /// Resource indices along the hierarchy path.
    pub(crate) path: Vec<ResIdx>,
    /// One matcher per `path` entry.
    pub(crate) matchers: Vec<ResourceMatcher>,
    /// Index of the last matcher that is not "match any", or -1.
    last_non_any: isize,
}

impl CompiledResources {
    pub(crate) fn new(path: Vec<ResIdx>, matchers: Vec<ResourceMatcher>) -> Self {
        let last_non_any = matchers.iter().rposition(|m| !m.is_match_any()).map_or(-1, |i| i as isize);
        Self { path, matchers, last_non_any }
    }

    /// `RangerDefaultPolicyResourceMatcher.getMatchType` for a request along `path` with
    /// lower-cased `values`.
    pub(crate) fn match_type(&self, path: &[ResIdx], values: &[String], user: &str) -> MatchType {
        // The two key sets must lie on one hierarchy path: one is a prefix of the other.
        let common = self.path.len().min(path.len());
        if self.path[..common] != path[..common] {
            return MatchType::None;
        }
        let longest = self.path.len().max(path.len());
        let mut result = MatchType::None;
        for level in 0..longest {
            let value = values.get(level).map(String::as_str);
            match self.matchers.get(level) {
                Some(matcher) => {
                    if value.is_some() || matcher.is_match_any() {
                        if matcher.matches(value, user) {
                            result = MatchType::SelfMatch;
                        } else {
                            return MatchType::None;
                        }
                    }
                }
                None => {
                    if value.is_some() {
                        result = MatchType::Ancestor;
                    }
                    break;
                }
            }
        }
        if result == MatchType::SelfMatch && path.len() < self.path.len() {
            result = if path.len() as isize > self.last_non_any {
                MatchType::SelfAndAllDescendants
            } else {
                MatchType::Descendant
            };
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_follow_filename_utils() {
        for (pattern, value, expected) in [
            ("*", "", true),
            ("*", "anything", true),
            ("sales*", "sales_eu", true),
            ("sales*", "sale", false),
            ("s?les", "sales", true),
            ("s?les", "sles", false),
            ("*_eu", "sales_eu", true),
            ("a*b*c", "axxbyyc", true),
            ("a*b*c", "axxbyy", false),
            ("??", "zü", true),
            ("exact", "exact", true),
            ("exact", "exactly", false),
        ] {
            assert_eq!(wildcard_match(pattern, value), expected, "{pattern} ~ {value}");
        }
    }

    #[test]
    fn user_token_and_case() {
        let m = ResourceMatcher::new(&RangerPolicyResource::new(["{USER}_*"]));
        assert!(m.matches(Some("alice_sandbox"), "Alice"));
        assert!(!m.matches(Some("bob_sandbox"), "alice"));
        let m = ResourceMatcher::new(&RangerPolicyResource::new(["Sales"]));
        assert!(m.matches(Some("sales"), "u"));
        let mut excl = RangerPolicyResource::new(["hr"]);
        excl.is_excludes = Some(true);
        let m = ResourceMatcher::new(&excl);
        assert!(m.matches(Some("sales"), "u") && !m.matches(Some("hr"), "u"));
    }
}
