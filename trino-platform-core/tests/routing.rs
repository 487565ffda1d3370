//! The router end to end: group choice, selection, fallback, drain, and sticky routes that
//! survive a restart and are shared by two routers on one store (SQLite and a real PostgreSQL).

mod support;

use std::sync::Arc;

use support::Fresh;
use trino_platform::ErrorKind;
use trino_platform::cluster::{BackendUrl, Cluster, ClusterName, RoutingGroup};
use trino_platform::registry::{self, PostgresStore, SqliteStore, StoreUrl};
use trino_platform::routing::{
    ClusterStatus, QueryId, RouteReason, RouteRequest, RouteStore, Router, RouterConfig, RoutingRules,
};

fn cluster(name: &str, group: &str) -> Cluster {
    Cluster::new(ClusterName::new(name).unwrap(), BackendUrl::new(&format!("http://{name}:8080")).unwrap())
        .with_routing_group(RoutingGroup::new(group).unwrap())
}

fn new_query() -> RouteRequest {
    RouteRequest::new("POST", "/v1/statement").with_header("X-Trino-User", "alice")
}

const ID: &str = "20260101_120000_00001_abcde";

fn follow_up() -> RouteRequest {
    RouteRequest::new("GET", &format!("/v1/statement/executing/{ID}/y8f/2"))
}

#[tokio::test]
async fn rules_pick_the_group_and_the_default_catches_the_rest() {
    let router = Router::new(RouterConfig::default()).unwrap();
    router.set_clusters(vec![cluster("adhoc-1", "adhoc"), cluster("etl-1", "etl")]);
    router.set_rules(
        RoutingRules::from_yaml(
            "rules:\n  - name: etl\n    when: {source: {equals: airflow}}\n    routingGroup: etl\n",
        )
        .unwrap(),
    );
    let etl = router.route(&new_query().with_header("X-Trino-Source", "airflow")).await.unwrap();
    assert_eq!((etl.cluster.name.as_str(), etl.reason), ("etl-1", RouteReason::Rule("etl".into())));
    let other = router.route(&new_query()).await.unwrap();
    assert_eq!((other.cluster.name.as_str(), other.reason), ("adhoc-1", RouteReason::Default));
}

#[tokio::test]
async fn routing_group_header_is_honoured_only_when_configured() {
    let clusters = vec![cluster("adhoc-1", "adhoc"), cluster("bi-1", "bi")];
    let asking = new_query().with_header("X-Trino-Routing-Group", "bi");
    let closed = Router::new(RouterConfig::default()).unwrap();
    closed.set_clusters(clusters.clone());
    assert_eq!(closed.route(&asking).await.unwrap().cluster.name.as_str(), "adhoc-1");

    let open = Router::new(RouterConfig { honor_routing_group_header: true, ..Default::default() }).unwrap();
    open.set_clusters(clusters);
    let decision = open.route(&asking).await.unwrap();
    assert_eq!((decision.cluster.name.as_str(), decision.reason), ("bi-1", RouteReason::Header));
    let bad = new_query().with_header("X-Trino-Routing-Group", "../etc");
    assert_eq!(open.route(&bad).await.unwrap_err().kind(), ErrorKind::InvalidInput);
}

#[tokio::test]
async fn falls_back_then_reports_unavailable() {
    let config = RouterConfig { fallback_group: Some(RoutingGroup::new("adhoc").unwrap()), ..Default::default() };
    let router = Router::new(config).unwrap();
    router.set_rules(RoutingRules::from_yaml("rules:\n  - name: all-etl\n    routingGroup: etl\n").unwrap());
    router.set_clusters(vec![cluster("etl-1", "etl"), cluster("adhoc-1", "adhoc")]);
    router
        .set_status(&ClusterName::new("etl-1").unwrap(), ClusterStatus { healthy: false, queued: 0, running: 0 })
        .unwrap();
    let decision = router.route(&new_query()).await.unwrap();
    assert_eq!(decision.cluster.name.as_str(), "adhoc-1");
    assert_eq!(decision.fell_back_from, Some(RoutingGroup::new("etl").unwrap()));

    router.set_clusters(vec![cluster("etl-1", "etl"), cluster("adhoc-1", "adhoc").with_active(false)]);
    let err = router.route(&new_query()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable);
    assert!(err.to_string().contains("\"etl\"") && err.to_string().contains("fallback group \"adhoc\""), "{err}");
    assert!(err.is_retryable());
}

#[tokio::test]
async fn follow_ups_stick_and_drain_from_a_deactivated_cluster() {
    let router = Router::new(RouterConfig {
        policy: trino_platform::routing::SelectionPolicy::RoundRobin,
        ..Default::default()
    })
    .unwrap();
    router.set_clusters(vec![cluster("a", "adhoc"), cluster("b", "adhoc")]);
    let first = router.route(&new_query()).await.unwrap();
    router.record_query(&QueryId::new(ID).unwrap(), &first.cluster, &new_query());
    for _ in 0..3 {
        assert_eq!(router.route(&follow_up()).await.unwrap().cluster.name, first.cluster.name);
    }
    // Deactivated: no new queries, but the running one is still followed.
    let other = if first.cluster.name.as_str() == "a" { "b" } else { "a" };
    router
        .set_clusters(vec![cluster(first.cluster.name.as_str(), "adhoc").with_active(false), cluster(other, "adhoc")]);
    let follow = router.route(&follow_up()).await.unwrap();
    assert_eq!(
        (follow.cluster.name.as_str(), follow.reason),
        (first.cluster.name.as_str(), RouteReason::Query(QueryId::new(ID).unwrap()))
    );
    assert_eq!(router.route(&new_query()).await.unwrap().cluster.name.as_str(), other);

    let unknown = RouteRequest::new("DELETE", "/v1/statement/queued/20990101_000000_00009_zzzzz/x/1");
    assert_eq!(router.route(&unknown).await.unwrap_err().kind(), ErrorKind::NotFound);
}

#[tokio::test]
async fn oauth2_legs_reach_the_coordinator_that_issued_the_challenge() {
    let router = Router::new(RouterConfig::default()).unwrap();
    router.set_clusters(vec![cluster("a", "adhoc"), cluster("b", "adhoc")]);
    let b = Arc::new(cluster("b", "adhoc"));
    let challenge = r#"Bearer x_redirect_server="https://gw/oauth2/token/initiate/5e1f", x_token_server="https://gw/oauth2/token/77aa-01""#;
    assert_eq!(router.record_oauth2_challenge(challenge, &b), 2);
    for path in ["/oauth2/token/initiate/5e1f", "/oauth2/token/77aa-01"] {
        let decision = router.route(&RouteRequest::new("GET", path)).await.unwrap();
        assert_eq!((decision.cluster.name.as_str(), decision.reason), ("b", RouteReason::OAuth2Login), "{path}");
    }
    let cookie = router.oauth2_cookie(&b.name);
    let value = cookie.split(';').next().unwrap();
    let callback = RouteRequest::new("GET", "/oauth2/callback?state=s&code=c").with_header("Cookie", value);
    assert_eq!(router.route(&callback).await.unwrap().cluster.name.as_str(), "b");
    let forged = RouteRequest::new("GET", "/oauth2/callback").with_header("Cookie", value.replace("b~", "a~"));
    assert_eq!(router.route(&forged).await.unwrap().reason, RouteReason::Default, "a forged cookie pins nothing");
}

#[tokio::test]
async fn a_bad_rules_file_keeps_the_old_rules() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rules.yaml");
    let router = Router::new(RouterConfig::default()).unwrap();
    std::fs::write(&path, "rules:\n  - name: one\n    routingGroup: etl\n").unwrap();
    assert_eq!(router.reload_rules(&path).unwrap(), 1);
    std::fs::write(&path, "rules:\n  - name: one\n    routingGroup: etl\n  - name: one\n    routingGroup: bi\n")
        .unwrap();
    let err = router.reload_rules(&path).unwrap_err();
    assert!(err.to_string().contains("rules.yaml") && err.to_string().contains("line 4"), "{err}");
    assert_eq!(router.rules().len(), 1);
    assert!(router.reload_rules(&dir.path().join("missing.yaml")).is_err());
    assert_eq!(router.rules().len(), 1);
}

/// A router on `url`'s store, with the registry's clusters.
async fn router_on(url: &str) -> (Router, Arc<dyn RouteStore>) {
    let parsed = StoreUrl::parse(url).unwrap();
    let store: Arc<dyn RouteStore> = match parsed.backend() {
        registry::Backend::Sqlite => Arc::new(SqliteStore::open(&parsed).await.unwrap()),
        registry::Backend::Postgres => Arc::new(PostgresStore::open(&parsed).await.unwrap()),
    };
    let router = Router::with_store(RouterConfig::default(), Arc::clone(&store)).unwrap();
    router.set_clusters(vec![cluster("a", "adhoc"), cluster("b", "adhoc")]);
    (router, store)
}

async fn sticky_routes_survive_a_restart_and_are_shared(fresh: Fresh) {
    let (first, _) = router_on(&fresh.url).await;
    let b = Arc::new(cluster("b", "adhoc"));
    first.record_query(&QueryId::new(ID).unwrap(), &b, &new_query().with_header("X-Trino-Source", "cli"));
    first.record_oauth2_challenge(r#"Bearer x_token_server="https://gw/oauth2/token/tok-1""#, &b);
    first.flush().await;

    // A second router (a restarted gateway, or another replica) on the same store.
    let (second, store) = router_on(&fresh.url).await;
    let decision = second.route(&follow_up()).await.unwrap();
    assert_eq!(decision.cluster.name.as_str(), "b");
    let leg = second.route(&RouteRequest::new("GET", "/oauth2/token/tok-1")).await.unwrap();
    assert_eq!(leg.cluster.name.as_str(), "b");

    // What the second records, the first resolves (from the store: it never saw it).
    let id2 = "20260101_120000_00002_abcde";
    second.record_query(&QueryId::new(id2).unwrap(), &b, &new_query());
    second.flush().await;
    let path = format!("/v1/query/{id2}");
    assert_eq!(first.route(&RouteRequest::new("GET", &path)).await.unwrap().cluster.name.as_str(), "b");

    // Recording the same id twice keeps the first route.
    let a = Arc::new(cluster("a", "adhoc"));
    second.record_query(&QueryId::new(ID).unwrap(), &a, &new_query());
    second.flush().await;
    let stored = store.find_route(&trino_platform::routing::RouteKey::Query(QueryId::new(ID).unwrap())).await.unwrap();
    assert_eq!(stored.as_deref(), Some("http://b:8080"));
}

#[tokio::test]
async fn sqlite_sticky_routes_survive_a_restart_and_are_shared() {
    sticky_routes_survive_a_restart_and_are_shared(Fresh::sqlite()).await;
}

#[tokio::test]
async fn postgres_sticky_routes_survive_a_restart_and_are_shared() {
    if let Some(fresh) = Fresh::postgres().await {
        sticky_routes_survive_a_restart_and_are_shared(fresh).await;
    }
}

/// The shared cases of `tests/cases/routing.yaml` (also run by the Python and Node suites).
#[tokio::test]
async fn shared_behaviour_cases() {
    use serde_json::Value;
    use trino_platform::cluster::ClusterSpec;
    use trino_platform::routing::SelectionPolicy;

    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/cases/routing.yaml")).unwrap();
    let cases: Vec<Value> = serde_saphyr::from_str(&text).unwrap();
    assert!(cases.len() >= 10);
    for case in &cases {
        let name = &case["name"];
        let group = |v: &Value| v.as_str().map(|g| RoutingGroup::new(g).unwrap());
        let config = &case["config"];
        let config = RouterConfig {
            default_group: group(&config["defaultGroup"]).unwrap_or_default(),
            fallback_group: group(&config["fallbackGroup"]),
            honor_routing_group_header: config["honorRoutingGroupHeader"].as_bool().unwrap_or(false),
            policy: serde_json::from_value(config["policy"].clone()).unwrap_or(SelectionPolicy::LeastLoaded),
            weights: config["weights"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(k, v)| (ClusterName::new(k).unwrap(), v.as_u64().unwrap() as u32))
                .collect(),
            ..RouterConfig::default()
        };
        let router = Router::new(config).unwrap();
        let rules = match (case["rules"].as_str(), case["trinoGatewayRules"].as_str()) {
            (Some(yaml), _) => RoutingRules::from_yaml(yaml),
            (_, Some(yaml)) => RoutingRules::from_trino_gateway_yaml(yaml),
            _ => Ok(RoutingRules::empty()),
        };
        let rules = match (rules, case["error"].as_str()) {
            (Err(e), Some(kind)) => {
                assert_eq!(e.kind().as_str(), kind, "{name}: {e}");
                continue;
            }
            (rules, _) => rules.unwrap_or_else(|e| panic!("{name}: {e}")),
        };
        router.set_rules(rules);
        let clusters: Vec<Cluster> = case["clusters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| Cluster::try_from(serde_json::from_value::<ClusterSpec>(c.clone()).unwrap()).unwrap())
            .collect();
        router.set_clusters(clusters.clone());
        for (cluster, status) in case["status"].as_object().into_iter().flatten() {
            router
                .set_status(&ClusterName::new(cluster).unwrap(), serde_json::from_value(status.clone()).unwrap())
                .unwrap();
        }
        let by_name =
            |n: &Value| Arc::new(clusters.iter().find(|c| c.name.as_str() == n.as_str().unwrap()).unwrap().clone());
        for (i, step) in case["steps"].as_array().unwrap().iter().enumerate() {
            let context = format!("{name} step {i}");
            if let Some(record) = step.get("recordQuery") {
                let id = QueryId::new(record["queryId"].as_str().unwrap()).unwrap();
                router.record_query(&id, &by_name(&record["cluster"]), &RouteRequest::default());
                continue;
            }
            if let Some(record) = step.get("recordOAuth2Challenge") {
                router.record_oauth2_challenge(record["header"].as_str().unwrap(), &by_name(&record["cluster"]));
                continue;
            }
            let spec = &step["route"];
            let mut request = RouteRequest::new(spec["method"].as_str().unwrap(), spec["path"].as_str().unwrap());
            for (header, value) in spec["headers"].as_object().into_iter().flatten() {
                request = request.with_header(header, value.as_str().unwrap());
            }
            if let Some(principal) = spec["principal"].as_str() {
                request = request.with_principal(principal);
            }
            match (router.route(&request).await, step["error"].as_str()) {
                (Err(e), Some(kind)) => assert_eq!(e.kind().as_str(), kind, "{context}: {e}"),
                (Ok(d), Some(kind)) => panic!("{context}: expected {kind}, routed to {}", d.cluster.name),
                (Err(e), None) => panic!("{context}: {e}"),
                (Ok(d), None) => {
                    let (reason, rule) = match &d.reason {
                        RouteReason::Query(_) => ("query", None),
                        RouteReason::OAuth2Login => ("oauth2Login", None),
                        RouteReason::Header => ("header", None),
                        RouteReason::Rule(rule) => ("rule", Some(rule.clone())),
                        RouteReason::Default => ("default", None),
                    };
                    let mut got = serde_json::json!({
                        "cluster": d.cluster.name.as_str(), "routingGroup": d.routing_group.as_str(), "reason": reason,
                    });
                    if let Some(rule) = rule {
                        got["rule"] = rule.into();
                    }
                    if let Some(from) = &d.fell_back_from {
                        got["fellBackFrom"] = from.as_str().into();
                    }
                    assert_eq!(got, step["expect"], "{context}");
                }
            }
        }
    }
}
