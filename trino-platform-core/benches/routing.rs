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

/// Resident memory of this process, in MiB.
fn rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib: f64 = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    kib / 1024.0
}

/// One million live query ids in the sticky map: the memory they take (printed) and a lookup
/// among them (benchmarked).
fn sticky(c: &mut Criterion) {
    const IDS: usize = 1_000_000;
    let router = Router::new(RouterConfig::default()).unwrap();
    let cluster =
        std::sync::Arc::new(Cluster::new(ClusterName::new("c0").unwrap(), BackendUrl::new("http://c0:8080").unwrap()));
    router.set_clusters(vec![Cluster::clone(&cluster)]);
    let ids: Vec<QueryId> = (0..IDS)
        .map(|i| QueryId::new(&format!("20260101_{:06}_{:05}_abcde", i / 100_000, i % 100_000)).unwrap())
        .collect();
    let request = RouteRequest::default();
    let before = rss_mib();
    for id in &ids {
        router.record_query(id, &cluster, &request);
    }
    let after = rss_mib();
    eprintln!(
        "sticky map: {IDS} query ids take {:.1} MiB ({:.0} bytes each)",
        after - before,
        (after - before) * 1048576.0 / IDS as f64
    );
    let paths: Vec<String> = ids.iter().step_by(9973).map(|id| format!("/v1/statement/executing/{id}/y/3")).collect();
    let mut i = 0;
    c.bench_function("router/route/follow_up_among_1m", |b| {
        b.iter(|| {
            i = (i + 1) % paths.len();
            ready(router.route(black_box(&RouteRequest::new("GET", &paths[i])))).unwrap()
        })
    });
    drop(ids);
}

criterion_group!(benches, bench, sticky);
criterion_main!(benches);
