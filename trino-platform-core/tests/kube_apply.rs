//! `Kubernetes`: plan, server-side apply, wait until ready, delete — against the fake API
//! server of `support/kube_fake.rs` (no Kubernetes API server can run here; the fake follows
//! the real API's paths, verbs, content types, status codes and bodies, as its docs list).

mod support;

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde_json::json;
use support::kube_fake::{Failure, FakeKubernetes};
use trino_platform::ErrorKind;
use trino_platform::exchange::Workspace;
use trino_platform::kube::{
    FIELD_MANAGER, Kind, Kubernetes, MANAGED_BY_LABEL, Manifest, ObjectAction, ObjectName, SecretValue,
    TrinoClusterSpec, namespace,
};

const CLUSTER: &str = "name: etl\nworkspace: acme\nnamespace: trino-acme\n\
    coordinator: {resources: {cpu: 1, memory: 2Gi}}\n\
    workers: {replicas: 3, resources: {cpu: 1, memory: 2Gi}}\n\
    catalogs: [{name: tpch, deltaLake: {metastoreUri: 'thrift://hms:9083', s3: {region: eu-west-1}}}]\n";

fn manifests(yaml: &str) -> Vec<Manifest> {
    let mut all = vec![namespace(&ObjectName::new("trino-acme").unwrap(), &Workspace::new("acme").unwrap()).unwrap()];
    all.extend(TrinoClusterSpec::from_yaml(yaml).unwrap().manifests().unwrap());
    all
}

fn kubernetes(fake: &FakeKubernetes) -> Kubernetes {
    Kubernetes::from_client(fake.client()).with_poll_interval(Duration::from_millis(5))
}

fn actions(changes: &[trino_platform::kube::ObjectChange]) -> BTreeMap<String, ObjectAction> {
    changes.iter().map(|c| (c.describe(), c.action)).collect()
}

fn quiet(_: &str) {}

#[tokio::test]
async fn apply_creates_then_a_second_apply_writes_nothing() {
    let fake = FakeKubernetes::new(0);
    let kube = kubernetes(&fake);
    let wanted = manifests(CLUSTER);

    let plan = kube.plan(&wanted).await.unwrap();
    assert!(plan.iter().all(|c| c.action == ObjectAction::Created), "{plan:?}");
    assert_eq!(fake.writes(), 0, "a plan writes nothing");

    let applied = kube.apply(&wanted, &quiet).await.unwrap();
    assert_eq!(applied.len(), wanted.len());
    assert!(applied.iter().all(|c| c.action == ObjectAction::Created));
    assert_eq!(fake.writes(), wanted.len());
    let stored = fake.get("/apis/apps/v1/namespaces/trino-acme/deployments/trino-etl-worker").unwrap();
    assert_eq!(stored["metadata"]["labels"][MANAGED_BY_LABEL], FIELD_MANAGER);
    assert_eq!(stored["metadata"]["managedFields"][0]["manager"], FIELD_MANAGER);

    let again = kube.apply(&wanted, &quiet).await.unwrap();
    assert!(again.iter().all(|c| c.action == ObjectAction::Unchanged), "{again:?}");
    assert_eq!(fake.writes(), wanted.len(), "the second apply wrote");
    assert!(kube.plan(&wanted).await.unwrap().iter().all(|c| c.action == ObjectAction::Unchanged));
}

#[tokio::test]
async fn a_changed_property_updates_the_config_map_and_rolls_the_workers() {
    let fake = FakeKubernetes::new(0);
    let kube = kubernetes(&fake);
    kube.apply(&manifests(CLUSTER), &quiet).await.unwrap();
    let changed = CLUSTER.replace("replicas: 3, resources", "replicas: 3, config: {task.concurrency: '8'}, resources");
    let plan = actions(&kube.plan(&manifests(&changed)).await.unwrap());
    let updated: Vec<&String> = plan.iter().filter(|(_, a)| **a == ObjectAction::Updated).map(|(d, _)| d).collect();
    assert_eq!(
        updated,
        ["ConfigMap trino-acme/trino-etl-worker", "Deployment trino-acme/trino-etl-worker"],
        "{plan:?}"
    );
    let before = fake.writes();
    kube.apply(&manifests(&changed), &quiet).await.unwrap();
    assert_eq!(fake.writes(), before + 2);
    let map = fake.get("/api/v1/namespaces/trino-acme/configmaps/trino-etl-worker").unwrap();
    assert!(map["data"]["config.properties"].as_str().unwrap().contains("task.concurrency=8"));
}

#[tokio::test]
async fn generated_secret_values_survive_reapplying() {
    let fake = FakeKubernetes::new(0);
    let kube = kubernetes(&fake);
    kube.apply(&manifests(CLUSTER), &quiet).await.unwrap();
    let path = "/api/v1/namespaces/trino-acme/secrets/trino-etl";
    let secret = fake.get(path).unwrap();
    assert!(secret.get("stringData").is_none(), "the server keeps only data");
    let shared = secret["data"]["TRINO_INTERNAL_SHARED_SECRET"].as_str().unwrap().to_owned();
    assert_eq!(shared.len(), 88, "32 random bytes, hex, base64: {shared}");

    // Rendered again (a new process, new random candidates): the value in the cluster stays.
    let writes = fake.writes();
    kube.apply(&manifests(CLUSTER), &quiet).await.unwrap();
    assert_eq!(fake.writes(), writes);
    assert_eq!(fake.get(path).unwrap()["data"]["TRINO_INTERNAL_SHARED_SECRET"], shared);
}

#[tokio::test]
async fn objects_someone_else_made_are_neither_taken_over_nor_deleted() {
    let fake = FakeKubernetes::new(0);
    let kube = kubernetes(&fake);
    kube.apply(&manifests(CLUSTER)[..1], &quiet).await.unwrap(); // the namespace
    let foreign = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "trino-etl-catalog", "namespace": "trino-acme"}, "data": {"x": "y"}});
    fake.seed("/api/v1/namespaces/trino-acme/configmaps/trino-etl-catalog", foreign.clone());

    let err = kube.apply(&manifests(CLUSTER), &quiet).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
    assert!(err.message().contains("ConfigMap trino-acme/trino-etl-catalog"), "{err}");
    assert_eq!(
        fake.get("/api/v1/namespaces/trino-acme/configmaps/trino-etl-catalog").unwrap()["data"],
        foreign["data"]
    );

    // Delete: everything of ours goes; the foreign object and so the namespace stay.
    let unrelated =
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "team-notes", "namespace": "trino-acme"}});
    fake.seed("/api/v1/namespaces/trino-acme/configmaps/team-notes", unrelated);
    let deleted = actions(&kube.delete(&manifests(CLUSTER), &quiet).await.unwrap());
    assert_eq!(deleted["ConfigMap trino-acme/trino-etl-catalog"], ObjectAction::Kept);
    assert_eq!(deleted["Namespace trino-acme"], ObjectAction::Kept);
    assert_eq!(deleted["ServiceAccount trino-acme/trino-etl"], ObjectAction::Deleted);
    assert_eq!(
        fake.paths(),
        [
            "/api/v1/namespaces/trino-acme",
            "/api/v1/namespaces/trino-acme/configmaps/team-notes",
            "/api/v1/namespaces/trino-acme/configmaps/trino-etl-catalog"
        ]
    );
}

#[tokio::test]
async fn delete_removes_what_apply_made_and_is_idempotent() {
    let fake = FakeKubernetes::new(0);
    let kube = kubernetes(&fake);
    let wanted = manifests(CLUSTER);
    kube.apply(&wanted, &quiet).await.unwrap();
    let deleted = kube.delete(&wanted, &quiet).await.unwrap();
    assert!(deleted.iter().all(|c| c.action == ObjectAction::Deleted), "{deleted:?}");
    assert_eq!(deleted.first().unwrap().kind, Kind::Deployment, "reverse apply order: workloads first");
    assert_eq!(deleted.last().unwrap().kind, Kind::Namespace);
    assert!(fake.paths().is_empty(), "{:?}", fake.paths());
    let again = kube.delete(&wanted, &quiet).await.unwrap();
    assert!(again.iter().all(|c| c.action == ObjectAction::Absent));
}

#[tokio::test]
async fn wait_ready_reports_progress_and_times_out_naming_what_is_not_ready() {
    let fake = FakeKubernetes::new(3);
    let kube = kubernetes(&fake);
    let wanted = manifests(CLUSTER);
    kube.apply(&wanted, &quiet).await.unwrap();
    let said = Mutex::new(Vec::new());
    let progress = |line: &str| said.lock().unwrap().push(line.to_owned());
    kube.wait_ready(&wanted, Duration::from_secs(10), &progress).await.unwrap();
    let said = said.into_inner().unwrap();
    assert!(said.iter().any(|l| l == "Deployment trino-acme/trino-etl-worker: 0/3 available, 3/3 updated"), "{said:?}");

    let stuck = FakeKubernetes::new(0);
    let kube = kubernetes(&stuck);
    kube.apply(&wanted, &quiet).await.unwrap();
    stuck.never_ready();
    // A new spec: the controller has to roll it out again, and never does.
    let changed = CLUSTER.replace("replicas: 3", "replicas: 4");
    kube.apply(&manifests(&changed), &quiet).await.unwrap();
    let err = kube.wait_ready(&manifests(&changed), Duration::from_millis(50), &quiet).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert!(err.message().contains("Deployment trino-acme/trino-etl-worker: 0/4 available"), "{err}");
}

#[tokio::test]
async fn an_interrupted_apply_converges_on_rerun() {
    for failure in [Failure::Status(500), Failure::Dropped] {
        let fake = FakeKubernetes::new(0);
        let kube = kubernetes(&fake);
        let wanted = manifests(CLUSTER);
        fake.fail_write(4, failure);
        let err = kube.apply(&wanted, &quiet).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unavailable, "{failure:?}: {err}");
        assert!(err.is_retryable());
        let stored = fake.paths().len();
        assert_eq!(stored, 3, "{failure:?}: the writes before the failure stay");
        let rerun = kube.apply(&wanted, &quiet).await.unwrap();
        let created = rerun.iter().filter(|c| c.action == ObjectAction::Created).count();
        assert_eq!(created, wanted.len() - 3, "{failure:?}: {rerun:?}");
        assert!(kube.plan(&wanted).await.unwrap().iter().all(|c| c.action == ObjectAction::Unchanged));
    }
}

#[tokio::test]
async fn the_server_refusing_an_object_is_invalid_input_and_missing_variables_are_named() {
    let fake = FakeKubernetes::new(0);
    let kube = kubernetes(&fake);
    // A namespaced object in a namespace that does not exist: the server's 404.
    let map = ConfigMap {
        metadata: ObjectMeta {
            name: Some("orphan".into()),
            namespace: Some("nowhere".into()),
            ..ObjectMeta::default()
        },
        ..ConfigMap::default()
    };
    let err = kube.apply(&[Manifest::new(Kind::ConfigMap, &map).unwrap()], &quiet).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert!(err.message().contains("namespaces \"nowhere\" not found"), "{err}");

    kube.apply(&manifests(CLUSTER)[..1], &quiet).await.unwrap();
    let data = BTreeMap::from([("TOKEN".to_owned(), SecretValue::FromEnv("TP_TEST_UNSET_SECRET_VAR".to_owned()))]);
    let secret = Manifest::secret("s", "trino-acme", &BTreeMap::new(), data).unwrap();
    let err = kube.apply(&[secret], &quiet).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.message().contains("TP_TEST_UNSET_SECRET_VAR"), "{err}");
}
