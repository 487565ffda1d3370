//! The registry conformance suite: every check runs unchanged against SQLite and PostgreSQL
//! (a real server from `scripts/services`), plus the shared behaviour cases of
//! `tests/cases/registry.yaml` that the Python and Node suites run too.

mod support;

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Value, json};
use support::Fresh;
use trino_platform::cluster::{BackendUrl, Cluster, ClusterFilter, ClusterName, ClusterUpdate, RoutingGroup};
use trino_platform::registry::{self, ClusterStore};
use trino_platform::{Error, ErrorKind};

fn name(s: &str) -> ClusterName {
    ClusterName::new(s).unwrap()
}

fn cluster(n: &str, url: &str) -> Cluster {
    Cluster::new(name(n), BackendUrl::new(url).unwrap())
}

/// 50 concurrent registrations over 10 names: exactly one winner per name, the rest
/// `AlreadyExists`, and the stored row is the winner's.
async fn concurrent_registrations_have_one_winner_per_name(fresh: Fresh) {
    let store = registry::open(&fresh.url).await.unwrap();
    let tasks: Vec<_> = (0..50)
        .map(|i| {
            let store = Arc::clone(&store);
            let (n, attempt) = (format!("c{}", i % 10), i / 10);
            tokio::spawn(async move {
                let candidate = cluster(&n, &format!("http://{n}-{attempt}:8080"));
                (candidate.clone(), store.register(&candidate).await)
            })
        })
        .collect();
    let mut winners = BTreeMap::new();
    for task in tasks {
        let (candidate, result) = task.await.unwrap();
        match result {
            Ok(stored) => {
                assert_eq!(stored, candidate);
                assert!(winners.insert(candidate.name.to_string(), candidate).is_none(), "two winners");
            }
            Err(e) => assert_eq!(e.kind(), ErrorKind::AlreadyExists, "{e}"),
        }
    }
    assert_eq!(winners.len(), 10);
    let listed = store.list(&ClusterFilter::all()).await.unwrap();
    assert_eq!(listed, winners.into_values().collect::<Vec<_>>());
}

/// Writers changing different fields of one cluster at the same time all land.
async fn concurrent_updates_of_different_fields_are_all_kept(fresh: Fresh) {
    let store = registry::open(&fresh.url).await.unwrap();
    for i in 0..10 {
        store.register(&cluster(&format!("u{i}"), "http://u:8080")).await.unwrap();
    }
    let mut tasks = Vec::new();
    for i in 0..10 {
        let n = name(&format!("u{i}"));
        let updates = [
            ClusterUpdate { routing_group: Some(RoutingGroup::new("etl").unwrap()), ..Default::default() },
            ClusterUpdate {
                external_url: Some(BackendUrl::new("https://ext.example.com").unwrap()),
                ..Default::default()
            },
            ClusterUpdate { active: Some(false), ..Default::default() },
        ];
        for update in updates {
            let (store, n) = (Arc::clone(&store), n.clone());
            tasks.push(tokio::spawn(async move { store.update(&n, &update).await }));
        }
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    for c in store.list(&ClusterFilter::all()).await.unwrap() {
        assert_eq!(
            (c.routing_group.as_str(), c.external_url.as_str(), c.active),
            ("etl", "https://ext.example.com", false),
            "{c:?}"
        );
    }
}

/// Every operation on a missing name is `NotFound`; a duplicate is `AlreadyExists`.
async fn missing_and_duplicate_names_are_typed(fresh: Fresh) {
    let store = registry::open(&fresh.url).await.unwrap();
    let missing = name("missing");
    let kinds = [
        store.get(&missing).await.unwrap_err().kind(),
        store.remove(&missing).await.unwrap_err().kind(),
        store.activate(&missing).await.unwrap_err().kind(),
        store.deactivate(&missing).await.unwrap_err().kind(),
        store.update(&missing, &ClusterUpdate::default()).await.unwrap_err().kind(),
    ];
    assert_eq!(kinds, [ErrorKind::NotFound; 5]);
    store.register(&cluster("dup", "http://a")).await.unwrap();
    let err = store.register(&cluster("dup", "http://b")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AlreadyExists);
    assert!(err.to_string().contains("dup"), "{err}");
}

/// Registrations survive closing and reopening the store (and rerunning its migrations).
async fn data_survives_reopening(fresh: Fresh) {
    let store = registry::open(&fresh.url).await.unwrap();
    let kept =
        cluster("kept", "http://kept:8080").with_routing_group(RoutingGroup::new("etl").unwrap()).with_active(false);
    store.register(&kept).await.unwrap();
    store.close().await;
    assert_eq!(store.get(&kept.name).await.unwrap_err().kind(), ErrorKind::Unavailable);

    let reopened = registry::open(&fresh.url).await.unwrap();
    assert_eq!(reopened.get(&kept.name).await.unwrap(), kept);
    assert_eq!(reopened.list(&ClusterFilter::active()).await.unwrap(), vec![]);
}

/// The shared cases of `tests/cases/registry.yaml`, each on a fresh store.
async fn shared_behaviour_cases(fresh: Fresh) {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/cases/registry.yaml")).unwrap();
    let cases: Vec<Value> = serde_saphyr::from_str(&text).unwrap();
    assert!(cases.len() >= 7);
    let store = registry::open(&fresh.url).await.unwrap();
    for case in &cases {
        for c in store.list(&ClusterFilter::all()).await.unwrap() {
            store.remove(&c.name).await.unwrap();
        }
        for (i, step) in case["steps"].as_array().unwrap().iter().enumerate() {
            let context = format!("case {:?} step {i}", case["name"]);
            let outcome = run_step(store.as_ref(), step).await;
            match (&step["error"], outcome) {
                (Value::String(kind), Err(e)) => assert_eq!(e.kind().as_str(), kind, "{context}: {e}"),
                (Value::String(kind), Ok(v)) => panic!("{context}: expected {kind}, got {v}"),
                (_, Ok(v)) => assert_eq!(v, step["expect"], "{context}"),
                (_, Err(e)) => panic!("{context}: {e:?}"),
            }
        }
    }
}

/// Runs one case step, giving the result in the case file's JSON form.
async fn run_step(store: &dyn ClusterStore, step: &Value) -> Result<Value, Error> {
    fn parse<T: serde::de::DeserializeOwned>(v: &Value) -> Result<T, Error> {
        serde_json::from_value(v.clone()).map_err(|e| Error::invalid_input(e.to_string()))
    }
    let named = || ClusterName::new(step["name"].as_str().unwrap_or_default());
    let one = |c: Cluster| serde_json::to_value(c).unwrap();
    Ok(match step["op"].as_str().unwrap() {
        "register" => one(store.register(&parse(&step["cluster"])?).await?),
        "update" => one(store.update(&named()?, &parse(&step["update"])?).await?),
        "activate" => one(store.activate(&named()?).await?),
        "deactivate" => one(store.deactivate(&named()?).await?),
        "remove" => one(store.remove(&named()?).await?),
        "get" => one(store.get(&named()?).await?),
        "list" => {
            let filter = &step["filter"];
            let filter = ClusterFilter {
                routing_group: filter["routingGroup"].as_str().map(RoutingGroup::new).transpose()?,
                active: filter["active"].as_bool(),
            };
            json!(store.list(&filter).await?)
        }
        op => panic!("unknown op {op}"),
    })
}

macro_rules! conformance {
    ($($check:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $check() {
                    super::$check(super::Fresh::sqlite()).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $check() {
                    if let Some(fresh) = super::Fresh::postgres().await {
                        super::$check(fresh).await
                    }
                }
            )*
        }
    };
}

conformance!(
    concurrent_registrations_have_one_winner_per_name,
    concurrent_updates_of_different_fields_are_all_kept,
    missing_and_duplicate_names_are_typed,
    data_survives_reopening,
    shared_behaviour_cases,
);

#[tokio::test]
async fn unreachable_postgres_is_unavailable_and_keeps_the_password_out() {
    let err = registry::open("postgres://tp:hunter2@127.0.0.1:1/tp").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable, "{err}");
    assert!(err.is_retryable());
    assert!(!format!("{err} {err:?}").contains("hunter2"), "{err:?}");
}

#[tokio::test]
async fn wrong_postgres_password_is_unauthorized() {
    let Some(url) = support::service_var("TP_TEST_POSTGRES_URL", "postgres") else { return };
    let wrong = url.replacen(":tp@", ":wrong-password@", 1);
    assert_ne!(wrong, url, "expected the harness URL to carry the password `tp`");
    let err = registry::open(&wrong).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthorized, "{err}");
    assert!(!format!("{err} {err:?}").contains("wrong-password"), "{err:?}");
}

#[tokio::test]
async fn unknown_store_schemes_are_invalid_input() {
    for url in ["mysql://db/gw", "gateway.db", "", "http://store"] {
        assert_eq!(registry::open(url).await.unwrap_err().kind(), ErrorKind::InvalidInput, "{url}");
    }
}

#[tokio::test]
async fn in_memory_sqlite_works_across_pooled_connections() {
    let store = registry::open("sqlite::memory:").await.unwrap();
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let store = Arc::clone(&store);
            tokio::spawn(async move { store.register(&cluster(&format!("m{i}"), "http://m")).await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert_eq!(store.list(&ClusterFilter::all()).await.unwrap().len(), 8);
}
