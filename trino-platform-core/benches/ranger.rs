//! Ranger policy engine: access evaluation over 1,000 policies (the shapes real Trino services
//! hold: table grants per schema, column grants, deny policies, wildcards, the baseline), a
//! column mask and a row filter lookup, and loading the policy JSON.
//! Run: `cargo bench -p trino-platform-core --bench ranger`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::{Value, json};
use trino_platform::ranger::{AccessRequest, ColumnMaskRequest, PolicyEngine, RowFilterRequest};

/// `n` policies: most grant a group `select` on a schema's tables or columns; every tenth is a
/// deny policy; every 25th an OVERRIDE; a few masks and row filters; the three baseline
/// policies. The benchmark requests hit none of them until the last ones.
fn policies(n: usize) -> Value {
    let mut list = Vec::with_capacity(n);
    list.push(json!({"id": 1, "name": "execute queries", "resources": {"queryid": {"values": ["*"]}},
        "policyItems": [{"accesses": [{"type": "execute"}], "users": ["{USER}"]}]}));
    list.push(json!({"id": 2, "name": "impersonate self", "resources": {"trinouser": {"values": ["{USER}"]}},
        "policyItems": [{"accesses": [{"type": "impersonate"}], "users": ["{USER}"]}]}));
    for i in 3..=n as i64 - 3 {
        let schema = format!("schema_{i}");
        let policy = match i % 10 {
            0 => json!({"id": i, "name": format!("deny {i}"),
                "resources": {"catalog": {"values": ["delta"]}, "schema": {"values": [schema]},
                              "table": {"values": ["secret_*"]}, "column": {"values": ["*"]}},
                "denyPolicyItems": [{"accesses": [{"type": "select"}], "groups": ["contractors"]}]}),
            1 | 2 => json!({"id": i, "name": format!("columns {i}"),
                "resources": {"catalog": {"values": ["delta"]}, "schema": {"values": [schema]},
                              "table": {"values": ["orders"]}, "column": {"values": ["id", "amount", "ts"]}},
                "policyItems": [{"accesses": [{"type": "select"}], "users": [format!("user{i}")], "groups": [format!("team{i}")]}]}),
            _ => json!({"id": i, "name": format!("tables {i}"),
                "policyPriority": if i % 25 == 0 { 1 } else { 0 },
                "resources": {"catalog": {"values": ["delta", "hive"]}, "schema": {"values": [schema, format!("{schema}_staging")]},
                              "table": {"values": ["*"]}, "column": {"values": ["*"]}},
                "policyItems": [{"accesses": [{"type": "select"}, {"type": "show"}], "groups": [format!("team{i}")]}],
                "allowExceptions": [{"accesses": [{"type": "select"}], "users": ["intern"]}]}),
        };
        list.push(policy);
    }
    let last = n as i64;
    list.push(json!({"id": last - 2, "name": "analysts read sales",
        "resources": {"catalog": {"values": ["delta"]}, "schema": {"values": ["sales"]},
                      "table": {"values": ["*"]}, "column": {"values": ["*"]}},
        "policyItems": [{"accesses": [{"type": "select"}], "groups": ["analysts"]}]}));
    list.push(json!({"id": last - 1, "name": "mask cards", "policyType": 1,
        "resources": {"catalog": {"values": ["delta"]}, "schema": {"values": ["sales"]},
                      "table": {"values": ["orders"]}, "column": {"values": ["card_number"]}},
        "dataMaskPolicyItems": [{"accesses": [{"type": "select"}], "groups": ["analysts"],
                                 "dataMaskInfo": {"dataMaskType": "MASK_SHOW_LAST_4"}}]}));
    list.push(json!({"id": last, "name": "eu rows", "policyType": 2,
        "resources": {"catalog": {"values": ["delta"]}, "schema": {"values": ["sales"]}, "table": {"values": ["orders"]}},
        "rowFilterPolicyItems": [{"accesses": [{"type": "select"}], "groups": ["analysts"],
                                  "rowFilterInfo": {"filterExpr": "region = 'EU'"}}]}));
    json!({"serviceName": "dev_trino", "policyVersion": 1, "policies": list})
}

fn bench(c: &mut Criterion) {
    let document = policies(1_000);
    let text = document.to_string();
    let engine = PolicyEngine::from_json(&text).unwrap();
    assert_eq!(engine.policy_count(), 1_000);

    let select =
        AccessRequest::new("alice", "select").with_group("analysts").with_object("delta.sales.orders.amount").unwrap();
    assert!(engine.evaluate(&select).unwrap().allowed);
    c.bench_function("engine/evaluate/select_column_1000_policies", |b| {
        b.iter(|| engine.evaluate(black_box(&select)).unwrap())
    });

    let denied =
        AccessRequest::new("mallory", "insert").with_group("nobody").with_object("delta.sales.orders").unwrap();
    assert!(!engine.evaluate(&denied).unwrap().allowed);
    c.bench_function("engine/evaluate/default_deny_1000_policies", |b| {
        b.iter(|| engine.evaluate(black_box(&denied)).unwrap())
    });

    let any = AccessRequest::new("alice", "_any").with_group("analysts").with_object("delta.sales").unwrap();
    assert!(engine.evaluate(&any).unwrap().allowed);
    c.bench_function("engine/evaluate/any_access_schema_1000_policies", |b| {
        b.iter(|| engine.evaluate(black_box(&any)).unwrap())
    });

    let query = AccessRequest::new("alice", "execute").with_resource("queryid", "20260101_120000_00001_abcde");
    c.bench_function("engine/evaluate/execute_query_1000_policies", |b| {
        b.iter(|| engine.evaluate(black_box(&query)).unwrap())
    });

    let mask = ColumnMaskRequest::new("alice", "delta.sales.orders.card_number").unwrap().with_group("analysts");
    assert!(engine.column_mask(&mask).unwrap().is_some());
    c.bench_function("engine/column_mask_1000_policies", |b| b.iter(|| engine.column_mask(black_box(&mask)).unwrap()));

    let filter = RowFilterRequest::new("alice", "delta.sales.orders").unwrap().with_group("analysts");
    assert!(engine.row_filter(&filter).unwrap().is_some());
    c.bench_function("engine/row_filter_1000_policies", |b| b.iter(|| engine.row_filter(black_box(&filter)).unwrap()));

    c.bench_function("engine/explain/select_column_1000_policies", |b| {
        b.iter(|| engine.explain(black_box(&select)).unwrap())
    });

    c.bench_function("engine/load_1000_policies", |b| b.iter(|| PolicyEngine::from_json(black_box(&text)).unwrap()));
}

criterion_group!(benches, bench);
criterion_main!(benches);
