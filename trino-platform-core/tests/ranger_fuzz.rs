//! Property tests (bounded fuzzing, run by `cargo test`): loading Ranger policy JSON never
//! panics on any input — near-miss text, arbitrary JSON values, structurally valid policies with
//! random resources, accesses and flags — and whatever loads answers every request without
//! panicking, consistently between `evaluate` and `explain`. `PROPTEST_CASES` raises the count.

#![cfg(feature = "ranger")]

use proptest::prelude::*;
use serde_json::{Value, json};
use trino_platform::ranger::{AccessRequest, ColumnMaskRequest, PolicyEngine, RowFilterRequest};

/// Text that looks enough like Ranger's policy JSON to reach deep into the loader.
fn near_miss() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "{",
        "}",
        "[",
        "]",
        ",",
        ":",
        "\"",
        "null",
        "true",
        "false",
        "0",
        "1",
        "-1",
        "7",
        "1e99",
        "\"id\"",
        "\"name\"",
        "\"policies\"",
        "\"policyType\"",
        "\"policyPriority\"",
        "\"resources\"",
        "\"catalog\"",
        "\"schema\"",
        "\"table\"",
        "\"column\"",
        "\"queryid\"",
        "\"tabel\"",
        "\"values\"",
        "\"isExcludes\"",
        "\"policyItems\"",
        "\"denyPolicyItems\"",
        "\"allowExceptions\"",
        "\"denyExceptions\"",
        "\"accesses\"",
        "\"type\"",
        "\"select\"",
        "\"all\"",
        "\"selec\"",
        "\"users\"",
        "\"groups\"",
        "\"roles\"",
        "\"{USER}\"",
        "\"public\"",
        "\"*\"",
        "\"?\"",
        "\"dataMaskPolicyItems\"",
        "\"dataMaskInfo\"",
        "\"dataMaskType\"",
        "\"MASK_HASH\"",
        "\"CUSTOM\"",
        "\"rowFilterPolicyItems\"",
        "\"rowFilterInfo\"",
        "\"filterExpr\"",
        "\"serviceConfig\"",
        "\"securityZones\"",
        "\"isDenyAllElse\"",
        "\"isEnabled\"",
        " ",
        "\\",
        "é",
        "\u{0}",
    ]);
    prop::collection::vec(pieces, 0..60).prop_map(|parts| parts.concat())
}

fn json_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        prop::sample::select(vec!["delta", "*", "s?les", "{USER}", "select", "all", "MASK", "", "é"])
            .prop_map(Value::from),
    ]
}

fn any_json() -> impl Strategy<Value = Value> {
    json_leaf().prop_recursive(4, 40, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(
                prop::sample::select(vec![
                    "id",
                    "name",
                    "policies",
                    "policyType",
                    "policyPriority",
                    "resources",
                    "catalog",
                    "values",
                    "policyItems",
                    "denyPolicyItems",
                    "accesses",
                    "type",
                    "users",
                    "groups",
                    "isExcludes",
                    "dataMaskPolicyItems",
                    "serviceConfig",
                    "isDenyAllElse",
                ])
                .prop_map(str::to_owned),
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

const NAMES: [&str; 8] = ["delta", "Delta", "sales", "s*", "sa?es", "{USER}_x", "*", "hr"];
const RESOURCES: [&str; 7] = ["catalog", "schema", "table", "column", "queryid", "trinouser", "procedure"];
const PATHS: [&[&str]; 8] = [
    &["catalog"],
    &["catalog", "schema"],
    &["catalog", "schema", "table"],
    &["catalog", "schema", "table", "column"],
    &["catalog", "schema", "table", "column"],
    &["queryid"],
    &["trinouser"],
    &["catalog", "schema", "procedure"],
];
const ACCESSES: [&str; 6] = ["select", "insert", "all", "execute", "impersonate", "alter"];
const PRINCIPALS: [&str; 5] = ["alice", "bob", "{USER}", "public", "analysts"];

fn item() -> impl Strategy<Value = Value> {
    (
        prop::collection::vec(prop::sample::select(ACCESSES.to_vec()), 0..3),
        prop::collection::vec(prop::sample::select(PRINCIPALS.to_vec()), 0..2),
        prop::collection::vec(prop::sample::select(PRINCIPALS.to_vec()), 0..2),
        any::<bool>(),
    )
        .prop_map(|(accesses, users, groups, allowed)| {
            json!({"accesses": accesses.iter().map(|a| json!({"type": a, "isAllowed": allowed})).collect::<Vec<_>>(),
                   "users": users, "groups": groups})
        })
}

/// Structurally valid policies with random resources (valid and invalid paths), items and flags.
fn policy() -> impl Strategy<Value = Value> {
    (
        0i64..50,
        0i32..4,
        0i32..2,
        prop_oneof![
            9 => prop::sample::select(PATHS.to_vec()).prop_flat_map(|path| {
                prop::collection::vec((prop::collection::vec(prop::sample::select(NAMES.to_vec()), 0..3), any::<bool>()), path.len())
                    .prop_map(move |values| path.iter().map(|k| (*k, ())).zip(values).map(|((k, ()), v)| (k, v)).collect::<std::collections::BTreeMap<_, _>>())
            }),
            1 => prop::collection::btree_map(
                prop::sample::select(RESOURCES.to_vec()),
                (prop::collection::vec(prop::sample::select(NAMES.to_vec()), 0..3), any::<bool>()),
                1..5,
            ),
        ],
        prop::collection::vec(item(), 0..3),
        prop::collection::vec(item(), 0..2),
        prop::collection::vec(item(), 0..2),
        any::<bool>(),
        prop::sample::select(vec!["MASK_HASH", "MASK_NULL", "CUSTOM", "MASK_NONE", "MASK", "BOGUS"]),
    )
        .prop_map(|(id, kind, priority, resources, allow, deny, exceptions, deny_all_else, mask)| {
            let resources: serde_json::Map<String, Value> = resources
                .into_iter()
                .map(|(k, (values, excludes))| (k.to_owned(), json!({"values": values, "isExcludes": excludes})))
                .collect();
            json!({"id": id, "name": format!("p{id}"), "policyType": kind, "policyPriority": priority,
                   "resources": resources, "policyItems": allow, "denyPolicyItems": deny,
                   "allowExceptions": exceptions.clone(), "denyExceptions": exceptions, "isDenyAllElse": deny_all_else,
                   "dataMaskPolicyItems": [{"accesses": [{"type": "select"}], "groups": ["public"],
                                            "dataMaskInfo": {"dataMaskType": mask, "valueExpr": "{col}"}}],
                   "rowFilterPolicyItems": [{"accesses": [{"type": "select"}], "users": ["{USER}"],
                                             "rowFilterInfo": {"filterExpr": "x = 1"}}]})
        })
}

fn request() -> impl Strategy<Value = (String, Vec<String>, String, String)> {
    (
        prop::sample::select(vec!["alice", "bob", "", "Alice"]).prop_map(str::to_owned),
        prop::collection::vec(prop::sample::select(vec!["analysts", "public", "hr"]).prop_map(str::to_owned), 0..2),
        prop::sample::select(vec!["select", "insert", "_any", "execute", "all", "bogus"]).prop_map(str::to_owned),
        prop::sample::select(vec![
            "delta",
            "delta.sales",
            "Delta.Sales.orders",
            "delta.sales.orders.amount",
            "x.y.z.w",
            "hr.a_x.t",
        ])
        .prop_map(str::to_owned),
    )
}

fn exercise(engine: &PolicyEngine, (user, groups, access, object): &(String, Vec<String>, String, String)) {
    let mut request = AccessRequest::new(user.clone(), access.clone());
    request.groups.clone_from(groups);
    let Ok(request) = request.with_object(object) else { return };
    match (engine.evaluate(&request), engine.explain(&request)) {
        (Ok(decision), Ok(explanation)) => assert_eq!(decision, explanation.decision),
        (Err(a), Err(b)) => assert_eq!(a.kind(), b.kind()),
        (a, b) => panic!("evaluate and explain disagree: {a:?} / {b:?}"),
    }
    if let Ok(mut mask) = ColumnMaskRequest::new(user.clone(), object) {
        mask.groups.clone_from(groups);
        let _ = engine.column_mask(&mask);
    }
    if let Ok(filter) = RowFilterRequest::new(user.clone(), object) {
        let _ = engine.row_filter(&filter);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn loading_near_miss_text_never_panics(text in near_miss()) {
        let _ = PolicyEngine::from_json(&text);
        let _ = PolicyEngine::from_json(&format!("[{text}]"));
        let _ = PolicyEngine::from_json(&format!("{{\"policies\": [{text}]}}"));
    }

    #[test]
    fn loading_arbitrary_json_never_panics(value in any_json(), text in any::<String>()) {
        let _ = PolicyEngine::from_value(value.clone());
        let _ = PolicyEngine::from_value(json!({"policies": [value]}));
        let _ = PolicyEngine::from_json(&text);
    }

    #[test]
    fn loaded_policies_answer_every_request(policies in prop::collection::vec(policy(), 0..5), requests in prop::collection::vec(request(), 1..6)) {
        if let Ok(engine) = PolicyEngine::from_value(Value::Array(policies)) {
            for request in &requests {
                exercise(&engine, request);
            }
        }
    }
}
