//! The Ranger policy engine against policies in Ranger's own JSON shape: the shared behaviour
//! cases of `tests/cases/ranger.yaml` (also run by the Python and Node suites), plus what only
//! Rust checks: explanations, JSON entry points, typed load errors that name what was wrong.

#![cfg(feature = "ranger")]

use serde_json::{Value, json};
use trino_platform::ErrorKind;
use trino_platform::ranger::{
    AccessRequest, ColumnMaskRequest, DecisionReason, Identity, PolicyEngine, RangerRoles, RowFilterRequest,
    StepOutcome, TrinoAction,
};

fn load_case(case: &Value) -> Result<PolicyEngine, trino_platform::Error> {
    let engine = match (&case["policies"], case["policiesJson"].as_str()) {
        (_, Some(text)) => PolicyEngine::from_json(text)?,
        (policies, None) => PolicyEngine::from_value(policies.clone())?,
    };
    let mut engine = engine.with_super_users(
        case["superUsers"].as_array().into_iter().flatten().filter_map(Value::as_str).map(str::to_owned),
        case["superGroups"].as_array().into_iter().flatten().filter_map(Value::as_str).map(str::to_owned),
    );
    if !case["roles"].is_null() {
        let roles: RangerRoles = serde_json::from_value(case["roles"].clone()).unwrap();
        engine = engine.with_roles(&roles);
    }
    Ok(engine)
}

fn decision_json(decision: &trino_platform::ranger::Decision) -> Value {
    let mut got = json!({"allowed": decision.allowed, "reason": serde_json::to_value(decision.reason).unwrap()});
    if let Some(id) = decision.policy_id {
        got["policyId"] = id.into();
    }
    if let Some(access) = &decision.decided_by_access {
        got["decidedByAccess"] = access.clone().into();
    }
    got
}

/// The shared cases of `tests/cases/ranger.yaml`.
#[test]
fn shared_behaviour_cases() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/cases/ranger.yaml")).unwrap();
    let cases: Vec<Value> = serde_saphyr::from_str(&text).unwrap();
    assert!(cases.len() >= 20, "{} cases", cases.len());
    let mut steps_run = 0;
    for case in &cases {
        let name = case["name"].as_str().unwrap();
        let engine = match (load_case(case), case["error"].as_str()) {
            (Err(e), Some(kind)) => {
                assert_eq!(e.kind().as_str(), kind, "{name}: {e}");
                continue;
            }
            (Ok(_), Some(kind)) => panic!("{name}: expected {kind} at load"),
            (Err(e), None) => panic!("{name}: {e}"),
            (Ok(engine), None) => engine,
        };
        for (i, step) in case["steps"].as_array().unwrap().iter().enumerate() {
            let context = format!("{name} step {i}");
            steps_run += 1;
            let got: Result<Value, trino_platform::Error> = if let Some(request) = step.get("access") {
                let request: AccessRequest = serde_json::from_value(request.clone()).unwrap();
                engine.evaluate(&request).map(|d| decision_json(&d))
            } else if let Some(action) = step.get("action") {
                let mut action = action.clone();
                let object = action.as_object_mut().unwrap();
                let identity = Identity {
                    user: object.remove("user").and_then(|v| v.as_str().map(str::to_owned)).unwrap(),
                    groups: object.remove("groups").map(|v| serde_json::from_value(v).unwrap()).unwrap_or_default(),
                    roles: object.remove("roles").map(|v| serde_json::from_value(v).unwrap()).unwrap_or_default(),
                };
                let action: TrinoAction = serde_json::from_value(action).unwrap();
                engine.evaluate_action(&identity, &action).map(|d| decision_json(&d))
            } else if let Some(request) = step.get("columnMask") {
                let request: ColumnMaskRequest = serde_json::from_value(request.clone()).unwrap();
                engine.column_mask(&request).map(|m| {
                    m.map_or(
                        Value::Null,
                        |m| json!({"policyId": m.policy_id, "maskType": m.mask_type, "expression": m.expression}),
                    )
                })
            } else if let Some(request) = step.get("rowFilter") {
                let request: RowFilterRequest = serde_json::from_value(request.clone()).unwrap();
                engine
                    .row_filter(&request)
                    .map(|f| f.map_or(Value::Null, |f| json!({"policyId": f.policy_id, "expression": f.expression})))
            } else {
                panic!("{context}: unknown step {step}");
            };
            match (got, step["error"].as_str()) {
                (Err(e), Some(kind)) => assert_eq!(e.kind().as_str(), kind, "{context}: {e}"),
                (Ok(v), Some(kind)) => panic!("{context}: expected {kind}, got {v}"),
                (Err(e), None) => panic!("{context}: {e}"),
                (Ok(v), None) => assert_eq!(v, step["expect"], "{context}"),
            }
        }
    }
    assert!(steps_run >= 80, "{steps_run} steps");
}

fn engine(policies: Value) -> PolicyEngine {
    PolicyEngine::from_value(policies).unwrap()
}

fn select(user: &str, groups: &[&str], object: &str) -> AccessRequest {
    let mut request = AccessRequest::new(user, "select");
    for g in groups {
        request = request.with_group(*g);
    }
    request.with_object(object).unwrap()
}

fn table_policy(id: i64, schema: &str, deny: bool, priority: i32, group: &str) -> Value {
    let items = json!([{"accesses": [{"type": "select"}], "groups": [group]}]);
    let mut p = json!({"id": id, "name": format!("p{id}"), "policyPriority": priority,
        "resources": {"catalog": {"values": ["delta"]}, "schema": {"values": [schema]},
                      "table": {"values": ["*"]}, "column": {"values": ["*"]}}});
    p[if deny { "denyPolicyItems" } else { "policyItems" }] = items;
    p
}

/// Precedence conflicts, table-driven: (policies, groups, expected allowed, deciding policy).
#[test]
fn precedence_conflicts() {
    /// Name, policies, the user's groups, allowed, deciding policy.
    type Case<'a> = (&'a str, Vec<Value>, Vec<&'a str>, bool, Option<i64>);
    let cases: Vec<Case> = vec![
        (
            "normal deny beats normal allow",
            vec![table_policy(1, "*", false, 0, "a"), table_policy(2, "s", true, 0, "b")],
            vec!["a", "b"],
            false,
            Some(2),
        ),
        (
            "override allow beats normal deny",
            vec![table_policy(1, "s", false, 1, "a"), table_policy(2, "s", true, 0, "b")],
            vec!["a", "b"],
            true,
            Some(1),
        ),
        (
            "override deny beats override allow",
            vec![table_policy(1, "s", false, 1, "a"), table_policy(2, "s", true, 1, "b")],
            vec!["a", "b"],
            false,
            Some(2),
        ),
        (
            "override deny beats normal allow",
            vec![table_policy(1, "s", false, 0, "a"), table_policy(2, "*", true, 1, "b")],
            vec!["a", "b"],
            false,
            Some(2),
        ),
        (
            "deny for another group does not apply",
            vec![table_policy(1, "s", false, 0, "a"), table_policy(2, "s", true, 0, "b")],
            vec!["a"],
            true,
            Some(1),
        ),
        ("nothing for the group", vec![table_policy(1, "s", false, 0, "a")], vec!["z"], false, None),
        (
            "policy order in the file does not matter",
            vec![table_policy(2, "s", true, 0, "b"), table_policy(1, "*", false, 0, "a")],
            vec!["a", "b"],
            false,
            Some(2),
        ),
    ];
    for (name, policies, groups, allowed, policy) in cases {
        let engine = engine(Value::Array(policies));
        let decision = engine.evaluate(&select("u", &groups, "delta.s.t.c")).unwrap();
        assert_eq!((decision.allowed, decision.policy_id), (allowed, policy), "{name}");
    }
}

#[test]
fn explain_lists_policies_in_ranger_order_with_reasons() {
    let engine = engine(json!([
        table_policy(1, "*", false, 0, "staff"),
        table_policy(2, "hr", true, 0, "contractors"),
        table_policy(3, "hr", false, 1, "contractors"),
    ]));
    let explanation = engine.explain(&select("eve", &["staff", "contractors"], "delta.hr.people.name")).unwrap();
    assert!(explanation.decision.allowed);
    assert_eq!(explanation.decision.policy_id, Some(3));
    assert_eq!(explanation.decision.reason, DecisionReason::AllowItem);
    let order: Vec<(Option<i64>, StepOutcome)> = explanation.steps.iter().map(|s| (s.policy_id, s.outcome)).collect();
    // Override first; its allow is final against the normal deny, which is not evaluated.
    assert_eq!(order, vec![(Some(3), StepOutcome::Allowed)]);
    assert!(explanation.steps[0].detail.contains("group contractors"), "{:?}", explanation.steps[0]);
    assert!(explanation.summary.contains("allowed by policy 3"), "{}", explanation.summary);

    let explanation = engine.explain(&select("eve", &["staff", "contractors"], "delta.sales.orders.id")).unwrap();
    let order: Vec<(Option<i64>, StepOutcome)> = explanation.steps.iter().map(|s| (s.policy_id, s.outcome)).collect();
    assert_eq!(
        order,
        vec![
            (Some(3), StepOutcome::ResourceNotMatched),
            (Some(2), StepOutcome::ResourceNotMatched),
            (Some(1), StepOutcome::Allowed)
        ]
    );
    let json = serde_json::to_value(&explanation).unwrap();
    assert_eq!(json["decision"]["policyId"], 1);
    assert_eq!(json["steps"][0]["outcome"], "resourceNotMatched");
    assert_eq!(json["steps"][2]["matchType"], "self");

    let denied = engine.explain(&select("nobody", &[], "delta.sales.orders.id")).unwrap();
    assert!(!denied.decision.allowed);
    assert!(denied.summary.contains("no policy allows it"), "{}", denied.summary);
}

#[test]
fn mask_and_filter_explanations() {
    let engine = engine(json!([
        {"id": 7, "name": "hash", "policyType": 1,
         "resources": {"catalog": {"values": ["d"]}, "schema": {"values": ["s"]}, "table": {"values": ["t"]}, "column": {"values": ["c"]}},
         "dataMaskPolicyItems": [{"accesses": [{"type": "select"}], "groups": ["g"], "dataMaskInfo": {"dataMaskType": "MASK_HASH"}}]},
        {"id": 8, "name": "rows", "policyType": 2,
         "resources": {"catalog": {"values": ["d"]}, "schema": {"values": ["s"]}, "table": {"values": ["t"]}},
         "rowFilterPolicyItems": [{"accesses": [{"type": "select"}], "users": ["u"], "rowFilterInfo": {"filterExpr": "x > 0"}}]}
    ]));
    let (mask, steps) =
        engine.explain_column_mask(&ColumnMaskRequest::new("u", "d.s.t.c").unwrap().with_group("g")).unwrap();
    assert_eq!(mask.unwrap().mask_type, "MASK_HASH");
    assert_eq!(steps[0].outcome, StepOutcome::Applied);
    let (filter, steps) = engine.explain_row_filter(&RowFilterRequest::new("v", "d.s.t").unwrap()).unwrap();
    assert!(filter.is_none());
    assert_eq!(steps[0].outcome, StepOutcome::NoItemMatched);
    // Access policies do not decide masks, and mask policies do not grant access.
    assert!(!engine.evaluate(&select("u", &["g"], "d.s.t.c")).unwrap().allowed);
}

#[test]
fn load_errors_name_the_policy_and_what_was_wrong() {
    for (input, needles) in [
        (
            r#"[{"id": 5, "name": "p", "resources": {"tabel": {"values": ["x"]}}}]"#,
            &["policy 5", "\"tabel\"", "unknown resource type"][..],
        ),
        (
            r#"[{"id": 6, "name": "p", "resources": {"catalog": {"values": ["x"]}}, "policyItems": [{"accesses": [{"type": "selec"}], "users": ["u"]}]}]"#,
            &["policy 6", "allow item 1", "\"selec\""],
        ),
        (
            r#"[{"id": 7, "name": "p", "policyType": 9, "resources": {"catalog": {"values": ["x"]}}}]"#,
            &["policy 7", "policyType 9"],
        ),
        (
            r#"[{"id": 8, "policyPriority": 5, "resources": {"catalog": {"values": ["x"]}}}]"#,
            &["policy 8", "policyPriority 5"],
        ),
        (r#"[{"id": "eight", "name": "p"}]"#, &["policy #0", "\"id\""]),
        (r#"[{"id": 9, "name": "p", "policyItems": {"users": []}}]"#, &["policy #0", "\"policyItems\""]),
        (r#"{"policies": {"id": 1}}"#, &["must be an array"]),
        (r#"{"policies": [], "securityZones": {"z": {}}}"#, &["security zones"]),
        (
            r#"[{"id": 10, "name": "p", "resources": {"catalog": {"values": ["x"]}}, "validitySchedules": [{"startTime": "2026/01/01 00:00:00"}]}]"#,
            &["policy 10", "validity schedules"],
        ),
        (
            r#"[{"id": 11, "name": "p", "policyType": 2, "resources": {"catalog": {"values": ["x"]}}}]"#,
            &["policy 11", "row-filter", "catalog, schema, table"],
        ),
        (r#"[1, 2]"#, &["policy #0", "expected a JSON object"]),
        (r#""policies""#, &["expected an object"]),
        (r#"[{"id": 1,"#, &["malformed policy JSON", "line 1"]),
    ] {
        let err = PolicyEngine::from_json(input).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{input}");
        for needle in needles {
            assert!(err.message().contains(needle), "{input}: {err} lacks {needle:?}");
        }
    }
}

#[test]
fn service_policies_download_shape_loads_with_its_config_and_warnings() {
    let engine = PolicyEngine::from_json(
        &json!({
            "serviceName": "dev_trino", "serviceId": 3, "policyVersion": 12, "auditMode": "audit-default",
            "serviceDef": {"name": "trino", "id": 203},
            "serviceConfig": {"ranger.plugin.super.users": "trino"},
            "tagPolicies": {"serviceName": "dev_tag", "policies": [{"id": 99, "name": "PII"}]},
            "policies": [table_policy(1, "s", false, 0, "g"),
                         {"id": 2, "name": "audit only", "policyType": 3, "resources": {"catalog": {"values": ["x"]}}}]
        })
        .to_string(),
    )
    .unwrap();
    assert_eq!(engine.service_name(), Some("dev_trino"));
    assert_eq!(engine.policy_version(), Some(12));
    assert_eq!(engine.policy_count(), 1);
    assert_eq!(engine.warnings().len(), 1, "{:?}", engine.warnings());
    assert_eq!(engine.evaluate(&select("trino", &[], "x.y.z.w")).unwrap().reason, DecisionReason::SuperUser);
}

#[test]
fn decisions_serialize_for_bindings() {
    let engine = engine(json!([table_policy(1, "s", false, 0, "g")]));
    let decision = engine.evaluate(&select("u", &["g"], "delta.s.t.c")).unwrap();
    let json = serde_json::to_value(&decision).unwrap();
    assert_eq!(json["allowed"], true);
    assert_eq!(json["policyId"], 1);
    assert_eq!(json["policyName"], "p1");
    assert_eq!(json["policyPriority"], "normal");
    assert_eq!(json["reason"], "allowItem");
    assert_eq!(json["resource"]["table"], "t");
}
