//! Import of trino-gateway's MVEL rule files into typed [`RoutingRules`](super::RoutingRules).
//!
//! trino-gateway reads a multi-document YAML file; each document has `name`, `description`,
//! `priority` (default 0), `condition` (an MVEL boolean expression) and `actions` (MVEL
//! statements). It sorts rules by ascending priority (ties in file order), fires **every** rule
//! whose condition holds, and the last `result.put("routingGroup", …)` wins. The import keeps
//! that meaning exactly: the rules come out in reverse order under first-match semantics, so the
//! rule that would have put last is the one that decides.
//!
//! Supported, as trino-gateway's documentation uses them:
//! - `request.getHeader("H") == "v"`, `!=`, and `.contains("v")`, `.startsWith("v")`,
//!   `.endsWith("v")`, `.equals("v")` on a header or on `request.getRequestURI` (with or without
//!   `()`), `request.getMethod`;
//! - `trinoRequestUser.userExistsAndEquals("u")`;
//! - `&&`, `||`, `!`, parentheses, `true`, `false`;
//! - actions `result.put("routingGroup", "g")`.
//!
//! Anything else is rejected with the rule's name and the offending text; nothing is guessed. A
//! header the request lacks makes a comparison false (trino-gateway would compare with `null`,
//! or fail the rule on a method call).

use serde::Deserialize;

use super::condition::{ConditionSpec, HeaderMatchSpec, MatchSpec};
use super::rules::{RoutingRules, RuleSpec, RulesFile};
use crate::cluster::RoutingGroup;
use crate::error::{Error, Result};

/// One document of a trino-gateway rules file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MvelRule {
    name: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    priority: i64,
    condition: String,
    #[serde(default)]
    actions: Vec<String>,
}

impl RoutingRules {
    /// Imports a trino-gateway rules file (MVEL). Fails with `InvalidInput` naming the rule and
    /// the offending text for anything outside the supported subset.
    pub fn from_trino_gateway_yaml(text: &str) -> Result<Self> {
        let mut docs: Vec<MvelRule> = crate::yaml::from_multiple(text, "trino-gateway rules")?;
        docs.sort_by_key(|d| d.priority); // stable, as trino-gateway's sort
        let count = docs.len();
        let mut rules = Vec::with_capacity(count);
        for (position, doc) in docs.into_iter().enumerate() {
            let fail = |e: Error| Error::invalid_input(format!("trino-gateway rule {:?}: {}", doc.name, e.message()));
            let when = parse_condition(&doc.condition).map_err(fail)?;
            let Some(group) = parse_actions(&doc.actions).map_err(fail)? else {
                continue; // a rule that sets no group cannot change where a query goes
            };
            rules.push(RuleSpec {
                // Later in trino-gateway's order must be earlier in ours.
                priority: i32::try_from(count - 1 - position).unwrap_or(i32::MAX),
                description: Some(format!(
                    "{} [imported from trino-gateway, priority {}]",
                    doc.description.as_deref().unwrap_or_default(),
                    doc.priority
                )),
                name: doc.name,
                when: Some(when),
                routing_group: group,
                add_headers: Default::default(),
            });
        }
        Self::new(RulesFile { groups: None, rules })
    }
}

fn parse_actions(actions: &[String]) -> Result<Option<RoutingGroup>> {
    let mut group = None;
    for action in actions {
        let tokens = tokenize(action)?;
        let mut p = Parser { tokens: &tokens, pos: 0, text: action };
        p.expect_ident("result")?;
        p.expect(&Token::Dot)?;
        p.expect_ident("put")?;
        p.expect(&Token::LParen)?;
        let key = p.string()?;
        p.expect(&Token::Comma)?;
        let value = p.string()?;
        p.expect(&Token::RParen)?;
        p.eat(&Token::Semicolon);
        p.end()?;
        if key != "routingGroup" {
            return Err(p.unsupported_at(0, "only result.put(\"routingGroup\", …) is supported"));
        }
        group = Some(RoutingGroup::new(value)?);
    }
    Ok(group)
}

fn parse_condition(text: &str) -> Result<ConditionSpec> {
    let tokens = tokenize(text)?;
    let mut p = Parser { tokens: &tokens, pos: 0, text };
    let condition = p.or()?;
    p.end()?;
    Ok(condition)
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Ident(String),
    Str(String),
    Dot,
    LParen,
    RParen,
    Comma,
    Semicolon,
    Not,
    And,
    Or,
    Eq,
    Ne,
}

/// Tokens with the byte offset where each starts (for error messages).
fn tokenize(text: &str) -> Result<Vec<(usize, Token)>> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        let two = bytes.get(i..i + 2);
        let token = match bytes[i] {
            b' ' | b'\t' | b'\n' | b'\r' => {
                i += 1;
                continue;
            }
            _ if two == Some(b"&&") => Token::And,
            _ if two == Some(b"||") => Token::Or,
            _ if two == Some(b"==") => Token::Eq,
            _ if two == Some(b"!=") => Token::Ne,
            b'!' => Token::Not,
            b'.' => Token::Dot,
            b'(' => Token::LParen,
            b')' => Token::RParen,
            b',' => Token::Comma,
            b';' => Token::Semicolon,
            quote @ (b'"' | b'\'') => {
                let mut value = String::new();
                let mut chars = text[i + 1..].char_indices();
                loop {
                    match chars.next() {
                        Some((_, '\\')) => match chars.next() {
                            Some((_, c @ ('\\' | '"' | '\''))) => value.push(c),
                            _ => return Err(unsupported(text, start, "unsupported escape in string")),
                        },
                        Some((end, c)) if c == quote as char => {
                            i += 1 + end + 1;
                            break;
                        }
                        Some((_, c)) => value.push(c),
                        None => return Err(unsupported(text, start, "unterminated string")),
                    }
                }
                tokens.push((start, Token::Str(value)));
                continue;
            }
            c if c.is_ascii_alphanumeric() || c == b'_' => {
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                tokens.push((start, Token::Ident(text[start..i].to_owned())));
                continue;
            }
            _ => return Err(unsupported(text, start, "unsupported syntax")),
        };
        i += if matches!(token, Token::And | Token::Or | Token::Eq | Token::Ne) { 2 } else { 1 };
        tokens.push((start, token));
    }
    Ok(tokens)
}

fn unsupported(text: &str, at: usize, why: &str) -> Error {
    let rest: String = text[at..].chars().take(60).collect();
    Error::invalid_input(format!("{why} at `{rest}`"))
}

/// What a value expression reads from the request.
enum Operand {
    Literal(String),
    Header(String),
    Uri,
    Method,
}

struct Parser<'a> {
    tokens: &'a [(usize, Token)],
    pos: usize,
    text: &'a str,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos).map(|(_, t)| t)
    }

    fn offset(&self, pos: usize) -> usize {
        self.tokens.get(pos).map_or(self.text.len(), |(o, _)| *o)
    }

    fn unsupported_at(&self, pos: usize, why: &str) -> Error {
        unsupported(self.text, self.offset(pos), why)
    }

    fn eat(&mut self, token: &Token) -> bool {
        let hit = self.peek() == Some(token);
        self.pos += usize::from(hit);
        hit
    }

    fn expect(&mut self, token: &Token) -> Result<()> {
        if self.eat(token) { Ok(()) } else { Err(self.unsupported_at(self.pos, "unsupported expression")) }
    }

    fn expect_ident(&mut self, name: &str) -> Result<()> {
        self.expect(&Token::Ident(name.to_owned()))
    }

    fn string(&mut self) -> Result<String> {
        match self.peek() {
            Some(Token::Str(s)) => {
                let s = s.clone();
                self.pos += 1;
                Ok(s)
            }
            _ => Err(self.unsupported_at(self.pos, "expected a string literal")),
        }
    }

    fn end(&self) -> Result<()> {
        if self.pos == self.tokens.len() {
            Ok(())
        } else {
            Err(self.unsupported_at(self.pos, "unsupported expression"))
        }
    }

    fn or(&mut self) -> Result<ConditionSpec> {
        let mut children = vec![self.and()?];
        while self.eat(&Token::Or) {
            children.push(self.and()?);
        }
        Ok(if children.len() == 1 { children.remove(0) } else { ConditionSpec::Any(children) })
    }

    fn and(&mut self) -> Result<ConditionSpec> {
        let mut children = vec![self.unary()?];
        while self.eat(&Token::And) {
            children.push(self.unary()?);
        }
        Ok(if children.len() == 1 { children.remove(0) } else { ConditionSpec::All(children) })
    }

    fn unary(&mut self) -> Result<ConditionSpec> {
        if self.eat(&Token::Not) {
            return Ok(ConditionSpec::Not(Box::new(self.unary()?)));
        }
        if self.eat(&Token::LParen) {
            let inner = self.or()?;
            self.expect(&Token::RParen)?;
            return Ok(inner);
        }
        match self.peek() {
            Some(Token::Ident(w)) if w == "true" => {
                self.pos += 1;
                return Ok(ConditionSpec::All(vec![]));
            }
            Some(Token::Ident(w)) if w == "false" => {
                self.pos += 1;
                return Ok(ConditionSpec::Any(vec![]));
            }
            Some(Token::Ident(w)) if w == "trinoRequestUser" => {
                self.pos += 1;
                self.expect(&Token::Dot)?;
                self.expect_ident("userExistsAndEquals")?;
                self.expect(&Token::LParen)?;
                let user = self.string()?;
                self.expect(&Token::RParen)?;
                return Ok(ConditionSpec::User(MatchSpec { equals: Some(user), ..MatchSpec::default() }));
            }
            _ => {}
        }
        self.comparison()
    }

    fn comparison(&mut self) -> Result<ConditionSpec> {
        let start = self.pos;
        let left = self.operand()?;
        // A method call on a request value: `.contains("x")`, …
        if self.eat(&Token::Dot) {
            let method_pos = self.pos;
            let method = match self.peek() {
                Some(Token::Ident(m)) => m.clone(),
                _ => return Err(self.unsupported_at(method_pos, "unsupported expression")),
            };
            self.pos += 1;
            self.expect(&Token::LParen)?;
            let arg = self.string()?;
            self.expect(&Token::RParen)?;
            let matcher = match method.as_str() {
                "contains" => MatchSpec { contains: Some(arg), ..MatchSpec::default() },
                "startsWith" => MatchSpec { starts_with: Some(arg), ..MatchSpec::default() },
                "endsWith" => MatchSpec { regex: Some(format!(".*{}", regex::escape(&arg))), ..MatchSpec::default() },
                "equals" => MatchSpec { equals: Some(arg), ..MatchSpec::default() },
                _ => return Err(self.unsupported_at(method_pos, "unsupported method")),
            };
            return self.on(left, matcher, start);
        }
        let negate = match self.peek() {
            Some(Token::Eq) => false,
            Some(Token::Ne) => true,
            _ => return Err(self.unsupported_at(start, "expected a comparison or a boolean method call")),
        };
        self.pos += 1;
        let right_pos = self.pos;
        let right = self.operand()?;
        let (value, literal) = match (left, right) {
            (value, Operand::Literal(lit)) | (Operand::Literal(lit), value) => (value, lit),
            _ => return Err(self.unsupported_at(right_pos, "compare a request value with a string literal")),
        };
        let condition = self.on(value, MatchSpec { equals: Some(literal), ..MatchSpec::default() }, start)?;
        Ok(if negate { ConditionSpec::Not(Box::new(condition)) } else { condition })
    }

    fn on(&self, operand: Operand, matcher: MatchSpec, start: usize) -> Result<ConditionSpec> {
        Ok(match operand {
            Operand::Header(name) => ConditionSpec::Header(HeaderMatchSpec {
                name,
                equals: matcher.equals,
                one_of: matcher.one_of,
                glob: matcher.glob,
                regex: matcher.regex,
                contains: matcher.contains,
                starts_with: matcher.starts_with,
            }),
            Operand::Uri => ConditionSpec::Path(matcher),
            Operand::Method => ConditionSpec::Method(matcher),
            Operand::Literal(_) => return Err(self.unsupported_at(start, "a literal alone is not a condition")),
        })
    }

    fn operand(&mut self) -> Result<Operand> {
        let start = self.pos;
        match self.peek() {
            Some(Token::Str(s)) => {
                let s = s.clone();
                self.pos += 1;
                Ok(Operand::Literal(s))
            }
            Some(Token::Ident(w)) if w == "request" => {
                self.pos += 1;
                self.expect(&Token::Dot)?;
                let member = match self.peek() {
                    Some(Token::Ident(m)) => m.clone(),
                    _ => return Err(self.unsupported_at(self.pos, "unsupported request member")),
                };
                self.pos += 1;
                match member.as_str() {
                    "getHeader" => {
                        self.expect(&Token::LParen)?;
                        let name = self.string()?;
                        self.expect(&Token::RParen)?;
                        Ok(Operand::Header(name))
                    }
                    "getRequestURI" | "requestURI" | "getMethod" | "method" => {
                        if self.eat(&Token::LParen) {
                            self.expect(&Token::RParen)?;
                        }
                        Ok(if member.ends_with("URI") { Operand::Uri } else { Operand::Method })
                    }
                    _ => Err(self.unsupported_at(start, "unsupported request member")),
                }
            }
            _ => Err(self.unsupported_at(start, "unsupported expression")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routing::RouteRequest;

    fn import(yaml: &str) -> Result<RoutingRules> {
        RoutingRules::from_trino_gateway_yaml(yaml)
    }

    fn group(rules: &RoutingRules, request: &RouteRequest) -> Option<String> {
        rules.evaluate(request).map(|m| m.routing_group.to_string())
    }

    fn rule(name: &str, priority: i64, condition: &str, group: &str) -> String {
        format!(
            "---\nname: {name}\npriority: {priority}\ncondition: '{}'\nactions:\n  - 'result.put(\"routingGroup\", \"{group}\")'\n",
            condition.replace('\'', "''")
        )
    }

    #[test]
    fn each_documented_pattern_imports_with_its_meaning() {
        let airflow = RouteRequest::new("POST", "/v1/statement")
            .with_header("X-Trino-Source", "airflow-prod")
            .with_header("X-Trino-Client-Tags", "label=special")
            .with_header("X-Trino-User", "alice");
        let other = RouteRequest::new("GET", "/ui/index.html").with_header("X-Trino-Source", "cli");
        let table = [
            (r#"request.getHeader("X-Trino-Source") == "airflow-prod""#, true, false),
            (r#""airflow-prod" == request.getHeader("X-Trino-Source")"#, true, false),
            (r#"request.getHeader("X-Trino-Source") != "airflow-prod""#, false, true),
            (r#"request.getHeader("X-Trino-Client-Tags").contains("label=special")"#, true, false),
            (r#"request.getHeader("X-Trino-Source").startsWith("airflow")"#, true, false),
            (r#"request.getHeader("X-Trino-Source").endsWith("-prod")"#, true, false),
            (r#"request.getRequestURI.startsWith("/ui")"#, false, true),
            (r#"request.getRequestURI().startsWith("/v1/statement")"#, true, false),
            (r#"trinoRequestUser.userExistsAndEquals("alice")"#, true, false),
            (
                r#"request.getHeader("X-Trino-Source") == "airflow-prod" && trinoRequestUser.userExistsAndEquals("bob")"#,
                false,
                false,
            ),
            (
                r#"request.getHeader("X-Trino-Source") == "cli" || trinoRequestUser.userExistsAndEquals("alice")"#,
                true,
                true,
            ),
            (r#"!(request.getHeader("X-Trino-Source") == "cli")"#, true, false),
            (r#"!request.getHeader("X-Trino-Source").contains("air") && (request.getMethod == "GET")"#, false, true),
            ("true", true, true),
            (r#"request.getHeader("X-Missing") == "x""#, false, false),
        ];
        for (condition, on_airflow, on_other) in table {
            let rules = import(&rule("r", 0, condition, "etl")).unwrap_or_else(|e| panic!("{condition}: {e}"));
            let want = |hit: bool| hit.then(|| "etl".to_owned());
            assert_eq!(group(&rules, &airflow), want(on_airflow), "{condition} on airflow");
            assert_eq!(group(&rules, &other), want(on_other), "{condition} on other");
        }
    }

    #[test]
    fn all_matching_rules_fire_and_the_last_put_wins() {
        let yaml = [
            rule("airflow", 1, r#"request.getHeader("X-Trino-Source") == "airflow""#, "etl"),
            rule("special", 2, r#"request.getHeader("X-Trino-Client-Tags").contains("special")"#, "special"),
            rule("everything", 0, "true", "adhoc"),
            rule("airflow-late-tie", 1, r#"request.getHeader("X-Trino-Source") == "airflow""#, "etl-2"),
        ]
        .concat();
        let rules = import(&yaml).unwrap();
        let request = |source: &str, tags: &str| {
            RouteRequest::new("POST", "/v1/statement")
                .with_header("X-Trino-Source", source)
                .with_header("X-Trino-Client-Tags", tags)
        };
        // trino-gateway order: everything(0), airflow(1), airflow-late-tie(1), special(2).
        assert_eq!(group(&rules, &request("airflow", "special")).as_deref(), Some("special"));
        assert_eq!(group(&rules, &request("airflow", "")).as_deref(), Some("etl-2"), "tie: later in file wins");
        assert_eq!(group(&rules, &request("cli", "")).as_deref(), Some("adhoc"));
    }

    #[test]
    fn a_later_put_in_one_rule_wins_and_ruleless_actions_are_dropped() {
        let yaml = "---\nname: two\ncondition: 'true'\nactions:\n  - 'result.put(\"routingGroup\", \"a\")'\n  - 'result.put(\"routingGroup\", \"b\");'\n---\nname: none\npriority: 9\ncondition: 'true'\nactions: []\n";
        let rules = import(yaml).unwrap();
        assert_eq!(rules.len(), 1);
        assert_eq!(group(&rules, &RouteRequest::new("GET", "/")).as_deref(), Some("b"));
    }

    #[test]
    fn unsupported_mvel_is_rejected_with_rule_name_and_text() {
        let cases = [
            (r#"request.getHeader("X").matches("a.*")"#, "matches"),
            (r#"request.getSession() != null"#, "getSession"),
            (r#"trinoQueryProperties.getTables().contains("x")"#, "trinoQueryProperties"),
            (r#"request.getHeader("X") == request.getHeader("Y")"#, "request.getHeader(\"Y\")"),
            (r#"System.exit(1)"#, "System"),
            (r#"request.getHeader("X") == "a" &&"#, "unsupported expression at ``"),
            (r#"x = 1"#, "="),
        ];
        for (condition, text) in cases {
            let err = import(&rule("bad-rule", 0, condition, "g")).unwrap_err();
            let msg = err.to_string();
            assert!(msg.contains("\"bad-rule\"") && msg.contains(text), "{condition}: {msg}");
        }
        let err = import("---\nname: act\ncondition: 'true'\nactions:\n  - 'state.put(\"x\", \"y\")'\n").unwrap_err();
        assert!(err.to_string().contains("\"act\"") && err.to_string().contains("state.put"), "{err}");
        let err =
            import("---\nname: key\ncondition: 'true'\nactions:\n  - 'result.put(\"other\", \"y\")'\n").unwrap_err();
        assert!(err.to_string().contains("routingGroup"), "{err}");
    }
}
