//! Property tests (bounded fuzzing, run by `cargo test`): query-id extraction, rule parsing and
//! trino-gateway MVEL import never panic on any input, and what they accept is well-formed.
//! `PROPTEST_CASES` raises the case count for a longer run.

use proptest::prelude::*;
use trino_platform::routing::{QueryId, RouteRequest, RoutingRules};

/// Text that looks enough like paths, ids and MVEL to reach deep into the parsers.
fn near_miss() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "/",
        "v1",
        "statement",
        "queued",
        "executing",
        "query",
        "ui",
        "oauth2",
        "token",
        "initiate",
        "%2F",
        "?",
        "&",
        "=",
        "query_id",
        "20260101",
        "_",
        "120000",
        "00001",
        "abcde",
        "request",
        ".",
        "getHeader",
        "(",
        ")",
        "\"",
        "'",
        "X-Trino-Source",
        "==",
        "!=",
        "&&",
        "||",
        "!",
        "contains",
        "startsWith",
        "getRequestURI",
        "trinoRequestUser",
        "userExistsAndEquals",
        "result",
        "put",
        "routingGroup",
        ",",
        ";",
        " ",
        "\\",
        "é",
        "\u{0}",
    ]);
    prop::collection::vec(pieces, 0..40).prop_map(|parts| parts.concat())
}

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![near_miss(), any::<String>()]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn query_id_extraction_never_panics_and_finds_only_ids(path in any_text(), query in proptest::option::of(any_text())) {
        if let Some(id) = QueryId::from_request(&path, query.as_deref()) {
            prop_assert!(QueryId::new(id.as_str()).is_ok());
            prop_assert!(path.contains(id.as_str()) || query.as_deref().is_some_and(|q| q.contains(id.as_str())));
        }
    }

    #[test]
    fn mvel_import_never_panics(condition in any_text(), action in any_text()) {
        let yaml = format!(
            "---\nname: fuzz\ncondition: '{}'\nactions:\n  - '{}'\n",
            condition.replace('\'', "''"),
            action.replace('\'', "''")
        );
        if let Ok(rules) = RoutingRules::from_trino_gateway_yaml(&yaml) {
            let request = RouteRequest::new("POST", "/v1/statement").with_header("X-Trino-Source", condition.clone());
            let _ = rules.evaluate(&request);
        }
    }

    #[test]
    fn rule_parsing_never_panics(text in any_text(), source in any_text(), pattern in any_text()) {
        let _ = RoutingRules::from_yaml(&text);
        let _ = RoutingRules::from_trino_gateway_yaml(&text);
        let yaml = format!(
            "rules:\n  - name: r\n    when: {{any: [{{source: {{glob: {p:?}}}}}, {{user: {{regex: {p:?}}}}}]}}\n    routingGroup: g\n",
            p = pattern
        );
        if let Ok(rules) = RoutingRules::from_yaml(&yaml) {
            let request = RouteRequest::new("GET", "/").with_header("X-Trino-Source", source.clone()).with_header("X-Trino-User", source);
            let _ = rules.evaluate(&request);
        }
    }
}
