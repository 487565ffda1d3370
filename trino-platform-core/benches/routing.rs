//! Routing hot path: rule evaluation over 10 and 100 rules, query-id extraction, and a whole
//! routing decision. Run: `cargo bench -p trino-platform-core --bench routing`.

use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use criterion::{Criterion, criterion_group, criterion_main};
use trino_platform::cluster::{BackendUrl, Cluster, ClusterName, RoutingGroup};
use trino_platform::routing::{QueryId, RouteRequest, Router, RouterConfig, RoutingRules};

/// `n` rules in the shapes real rule files use; none matches the benchmark request until the
/// last one, so every rule is evaluated (the worst case).
fn rules(n: usize) -> RoutingRules {
    let mut yaml = String::from("rules:\n");
    for i in 0..n - 1 {
        let when = match i % 4 {
            0 => format!("{{source: {{equals: tool-{i}}}}}"),
            1 => format!("{{all: [{{user: {{oneOf: [u{i}, v{i}]}}}}, {{clientTags: {{equals: t{i}}}}}]}}"),
            2 => format!("{{header: {{name: X-Team-{i}, glob: 'team-*'}}}}"),
            _ => format!("{{source: {{regex: 'batch-{i}-[a-z]+'}}}}"),
        };
        yaml.push_str(&format!("  - name: r{i}\n    when: {when}\n    routingGroup: g{}\n", i % 5));
    }
    yaml.push_str("  - name: last\n    when: {source: {startsWith: superset}}\n    routingGroup: bi\n");
    RoutingRules::from_yaml(&yaml).unwrap()
}

fn request() -> RouteRequest {
    RouteRequest::new("POST", "/v1/statement")
        .with_header("X-Trino-User", "alice")
        .with_header("X-Trino-Source", "superset-sqllab")
        .with_header("X-Trino-Client-Tags", "dashboards,finance")
        .with_header("X-Trino-Catalog", "delta")
        .with_header("Accept-Encoding", "gzip")
}

/// Polls a future that completes without waiting (the router's in-memory path) to completion.
fn ready<F: Future>(future: F) -> F::Output {
    match pin!(future).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("the in-memory routing path must not wait"),
    }
}

fn bench(c: &mut Criterion) {
    let request = request();
    for n in [10, 100] {
        let rules = rules(n);
        assert_eq!(rules.evaluate(&request).unwrap().rule, "last");
        c.bench_function(&format!("rules/evaluate/{n}"), |b| b.iter(|| black_box(rules.evaluate(black_box(&request)))));
    }

    let follow_up = "/v1/statement/executing/20260101_120000_00001_abcde/y8f2a1/12";
    c.bench_function("query_id/extract/statement", |b| b.iter(|| QueryId::from_request(black_box(follow_up), None)));
    c.bench_function("query_id/extract/none", |b| b.iter(|| QueryId::from_request(black_box("/v1/statement"), None)));

    let router = Router::new(RouterConfig::default()).unwrap();
    router.set_rules(rules(100));
    router.set_clusters(
        (0..8)
            .map(|i| {
                Cluster::new(
                    ClusterName::new(format!("c{i}")).unwrap(),
                    BackendUrl::new(&format!("http://c{i}:8080")).unwrap(),
                )
                .with_routing_group(RoutingGroup::new(if i % 2 == 0 { "bi" } else { "adhoc" }).unwrap())
            })
            .collect(),
    );
    c.bench_function("router/route/new_query_100_rules", |b| {
        b.iter(|| ready(router.route(black_box(&request))).unwrap())
    });
    let id = QueryId::new("20260101_120000_00001_abcde").unwrap();
    let decision = ready(router.route(&request)).unwrap();
    router.record_query(&id, &decision.cluster, &request);
    let next = RouteRequest::new("GET", follow_up);
    c.bench_function("router/route/follow_up", |b| b.iter(|| ready(router.route(black_box(&next))).unwrap()));
}

criterion_group!(benches, bench);
criterion_main!(benches);
