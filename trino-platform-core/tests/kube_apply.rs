//! `Kubernetes`: plan, server-side apply, wait until ready, delete, against a fake Kubernetes
//! API server (`support/kube_fake.rs`).
//!
//! The API server is a fake because no Kubernetes API server can run here (no container
//! runtime, no etcd, no kube-apiserver). It follows the real API's documented paths, verbs,
//! status codes and JSON for everything the library uses (server-side apply with field
//! ownership, `dryRun=All`, server-set metadata and defaults, `Status` bodies, delete with
//! finalizers), simulates the Deployment and KubeBlocks controllers, counts writes and injects
//! faults; its doc comment lists what it follows and where it deviates. The last tests check
//! the fake itself against the real API's answers, in process and served over HTTP.

mod support;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http::Request;
use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec};
use k8s_openapi::api::core::v1::{
    ConfigMap, Container, Namespace, PodSpec, PodTemplateSpec, Service, ServiceAccount, ServicePort, ServiceSpec,
};
use k8s_openapi::api::networking::v1::{
    HTTPIngressPath, HTTPIngressRuleValue, Ingress, IngressBackend, IngressRule, IngressServiceBackend, IngressSpec,
    ServiceBackendPort,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use secrecy::SecretString;
use serde_json::{Value, json};
use support::kube_fake::{FakeKube, Fault};
use trino_platform::ErrorKind;
use trino_platform::exchange::Workspace;
use trino_platform::kube::Kind;
use trino_platform::kube::{
    Change, DeleteOutcome, FIELD_MANAGER, KubeEvent, KubeOptions, Kubernetes, MANAGED_BY_LABEL, Manifest, ObjectName,
    ObjectRef, SecretValue, TrinoClusterSpec,
};

// ------------------------------------------------------------------------------------ fixtures

const NS: &str = "trino-acme";

fn labels(component: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        (MANAGED_BY_LABEL.to_owned(), FIELD_MANAGER.to_owned()),
        ("app.kubernetes.io/component".to_owned(), component.to_owned()),
    ])
}

fn meta(name: &str, component: &str) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.to_owned()),
        namespace: Some(NS.to_owned()),
        labels: Some(labels(component)),
        ..ObjectMeta::default()
    }
}

fn namespace() -> Manifest {
    let object = Namespace {
        metadata: ObjectMeta { name: Some(NS.to_owned()), labels: Some(labels("namespace")), ..ObjectMeta::default() },
        ..Namespace::default()
    };
    Manifest::new(Kind::Namespace, &object).unwrap()
}

fn service_account() -> Manifest {
    Manifest::new(
        Kind::ServiceAccount,
        &ServiceAccount { metadata: meta("trino", "coordinator"), ..Default::default() },
    )
    .unwrap()
}

fn config_map(name: &str, data: &[(&str, &str)]) -> Manifest {
    let data = data.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    Manifest::new(
        Kind::ConfigMap,
        &ConfigMap { metadata: meta(name, "coordinator"), data: Some(data), ..Default::default() },
    )
    .unwrap()
}

fn secret(password: &str) -> Manifest {
    let data = BTreeMap::from([
        ("shared-secret".to_owned(), SecretValue::Generated { bytes: 16 }),
        ("password".to_owned(), SecretValue::Given(SecretString::from(password.to_owned()))),
    ]);
    Manifest::secret("trino-secrets", NS, &labels("coordinator"), data).unwrap()
}

fn service() -> Manifest {
    let spec = ServiceSpec {
        selector: Some(BTreeMap::from([("app.kubernetes.io/component".to_owned(), "coordinator".to_owned())])),
        ports: Some(vec![ServicePort { name: Some("http".into()), port: 8080, ..Default::default() }]),
        ..Default::default()
    };
    Manifest::new(
        Kind::Service,
        &Service { metadata: meta("trino", "coordinator"), spec: Some(spec), ..Default::default() },
    )
    .unwrap()
}

fn deployment(replicas: i32, image: &str) -> Manifest {
    let selector = BTreeMap::from([("app.kubernetes.io/component".to_owned(), "coordinator".to_owned())]);
    let spec = DeploymentSpec {
        replicas: Some(replicas),
        selector: LabelSelector { match_labels: Some(selector.clone()), ..Default::default() },
        template: PodTemplateSpec {
            metadata: Some(ObjectMeta { labels: Some(selector), ..Default::default() }),
            spec: Some(PodSpec {
                service_account_name: Some("trino".into()),
                containers: vec![Container { name: "trino".into(), image: Some(image.into()), ..Default::default() }],
                ..Default::default()
            }),
        },
        ..Default::default()
    };
    Manifest::new(
        Kind::Deployment,
        &Deployment { metadata: meta("trino", "coordinator"), spec: Some(spec), ..Default::default() },
    )
    .unwrap()
}

fn ingress() -> Manifest {
    let backend = IngressBackend {
        service: Some(IngressServiceBackend {
            name: "trino".into(),
            port: Some(ServiceBackendPort { number: Some(8080), ..Default::default() }),
        }),
        ..Default::default()
    };
    let rule = IngressRule {
        host: Some("trino.acme.example.com".into()),
        http: Some(HTTPIngressRuleValue {
            paths: vec![HTTPIngressPath { path: Some("/".into()), path_type: "Prefix".into(), backend }],
        }),
    };
    let spec = IngressSpec { rules: Some(vec![rule]), ..Default::default() };
    Manifest::new(
        Kind::Ingress,
        &Ingress { metadata: meta("trino", "gateway"), spec: Some(spec), ..Default::default() },
    )
    .unwrap()
}

fn database() -> Manifest {
    let object = json!({
        "metadata": {"name": "gateway-db", "namespace": NS, "labels": labels("database")},
        "spec": {
            "terminationPolicy": "Delete",
            "clusterDef": "postgresql",
            "topology": "replication",
            "componentSpecs": [{"name": "postgresql", "serviceVersion": "16.4.0", "replicas": 2}],
        },
    });
    Manifest::new(Kind::KubeBlocksCluster, &object).unwrap()
}

/// Every kind, deliberately out of apply order.
fn platform() -> Vec<Manifest> {
    vec![
        ingress(),
        deployment(3, "trinodb/trino:476"),
        database(),
        service(),
        config_map(
            "trino-config",
            &[("config.properties", "coordinator=true\n"), ("log.properties", "io.trino=INFO\n")],
        ),
        secret("hunter2-initial"),
        service_account(),
        namespace(),
    ]
}

const APPLY_ORDER: [Kind; 8] = [
    Kind::Namespace,
    Kind::ServiceAccount,
    Kind::Secret,
    Kind::ConfigMap,
    Kind::Service,
    Kind::KubeBlocksCluster,
    Kind::Deployment,
    Kind::Ingress,
];

fn kubernetes(fake: &FakeKube) -> Kubernetes {
    Kubernetes::from_client(fake.client()).with_options(KubeOptions {
        attempts: 3,
        backoff: Duration::from_millis(1),
        poll_interval: Duration::from_millis(5),
    })
}

/// A progress callback that keeps the events.
fn recorder() -> (Arc<Mutex<Vec<KubeEvent>>>, impl Fn(KubeEvent) + Sync) {
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = events.clone();
    (events, move |event| sink.lock().unwrap().push(event))
}

fn ignore(_: KubeEvent) {}

fn decoded(value: &Value) -> String {
    use base64::Engine as _;
    String::from_utf8(base64::engine::general_purpose::STANDARD.decode(value.as_str().unwrap()).unwrap()).unwrap()
}

fn changes(report: &[trino_platform::kube::ObjectChange]) -> Vec<(Kind, Change)> {
    report.iter().map(|c| (c.object.kind, c.change)).collect()
}

/// The library's own manifests: the workspace's namespace and a Trino cluster in it.
const CLUSTER: &str = "name: etl\nworkspace: acme\nnamespace: trino-acme\n\
    coordinator: {resources: {cpu: 1, memory: 2Gi}}\n\
    workers: {replicas: 3, resources: {cpu: 1, memory: 2Gi}}\n\
    catalogs: [{name: tpch, deltaLake: {metastoreUri: 'thrift://hms:9083', s3: {region: eu-west-1}}}]\n";

fn cluster(yaml: &str) -> Vec<Manifest> {
    let namespace = ObjectName::new(NS).unwrap();
    let mut all = vec![
        trino_platform::kube::namespace(&namespace, &Workspace::new("acme").unwrap(), &Default::default()).unwrap(),
    ];
    all.extend(TrinoClusterSpec::from_yaml(yaml).unwrap().manifests().unwrap());
    all
}

fn outcomes(report: &trino_platform::kube::DeleteReport) -> BTreeMap<String, DeleteOutcome> {
    report.objects.iter().map(|o| (o.object.to_string(), o.outcome)).collect()
}

// ------------------------------------------------------------------------------------ apply

#[tokio::test]
async fn apply_creates_every_object_in_apply_order() {
    let fake = FakeKube::new();
    let kube = kubernetes(&fake);

    let plan = kube.plan(&platform()).await.unwrap();
    assert_eq!(changes(&plan), APPLY_ORDER.map(|k| (k, Change::Created)));
    assert_eq!(fake.writes(), 0, "a plan writes nothing");
    assert!(fake.names().is_empty(), "{:?}", fake.names());

    let (events, progress) = recorder();
    let report = kube.apply(&platform(), &progress).await.unwrap();
    assert_eq!(changes(&report.objects), APPLY_ORDER.map(|k| (k, Change::Created)));
    assert!(report.changed());
    assert_eq!(
        *events.lock().unwrap(),
        report.objects.iter().cloned().map(KubeEvent::Applied).collect::<Vec<_>>(),
        "one event per object, in order"
    );
    assert_eq!(fake.writes(), 8);

    // Every write is a forced server-side apply by trino-platform.
    for write in fake.requests().iter().filter(|r| r.write) {
        assert_eq!(write.method, "PATCH");
        assert_eq!(write.content_type.as_deref(), Some("application/apply-patch+yaml"));
        assert!(write.query.contains("fieldManager=trino-platform") && write.query.contains("force=true"), "{write:?}");
    }

    let config = fake.object("configmaps", Some(NS), "trino-config").unwrap();
    assert_eq!(config["metadata"]["labels"][MANAGED_BY_LABEL], FIELD_MANAGER);
    assert!(config["metadata"]["uid"].is_string() && config["metadata"]["creationTimestamp"].is_string());
    assert_eq!(config["data"]["config.properties"], "coordinator=true\n");
    let deployment = fake.object("deployments", Some(NS), "trino").unwrap();
    assert_eq!(deployment["metadata"]["generation"], 1);
    assert_eq!(deployment["spec"]["strategy"]["type"], "RollingUpdate", "defaulted by the server");
    let secret = fake.object("secrets", Some(NS), "trino-secrets").unwrap();
    assert!(secret.get("stringData").is_none(), "{secret}");
    assert_eq!(decoded(&secret["data"]["password"]), "hunter2-initial");
    assert_eq!(decoded(&secret["data"]["shared-secret"]).len(), 32);
    assert!(fake.object("clusters", Some(NS), "gateway-db").is_some());
}

#[tokio::test]
async fn a_second_apply_writes_nothing() {
    let fake = FakeKube::new();
    let kube = kubernetes(&fake);
    kube.apply(&platform(), &ignore).await.unwrap();
    // Controllers write status and annotations in between; none of that is a difference.
    kube.wait_ready(&platform(), Duration::from_secs(10), &ignore).await.unwrap();
    let writes = fake.writes();

    let plan = kube.plan(&platform()).await.unwrap();
    assert_eq!(changes(&plan), APPLY_ORDER.map(|k| (k, Change::Unchanged)));
    let (events, progress) = recorder();
    let report = kube.apply(&platform(), &progress).await.unwrap();
    assert_eq!(changes(&report.objects), APPLY_ORDER.map(|k| (k, Change::Unchanged)));
    assert!(!report.changed());
    assert_eq!(fake.writes(), writes, "the second apply made no write call");
    assert_eq!(events.lock().unwrap().len(), 8, "unchanged objects are reported too");
}

#[tokio::test]
async fn a_change_updates_only_that_object_and_names_its_fields() {
    let fake = FakeKube::new();
    let kube = kubernetes(&fake);
    kube.apply(&platform(), &ignore).await.unwrap();

    let mut manifests = platform();
    manifests[1] = deployment(5, "trinodb/trino:476");
    manifests[4] =
        config_map("trino-config", &[("config.properties", "coordinator=true\nhttp-server.http.port=8080\n")]);
    let plan = kube.plan(&manifests).await.unwrap();
    let updated: Vec<_> = plan.iter().filter(|c| c.change == Change::Updated).collect();
    assert_eq!(updated.len(), 2, "{plan:?}");
    assert_eq!(
        updated[0].object,
        ObjectRef { kind: Kind::ConfigMap, namespace: Some(NS.into()), name: "trino-config".into() }
    );
    assert_eq!(updated[0].fields, ["data[\"config.properties\"]", "data[\"log.properties\"]"]);
    assert_eq!(updated[1].object.kind, Kind::Deployment);
    assert_eq!(updated[1].fields, ["spec.replicas"]);
    assert_eq!(updated[1].to_string(), "Deployment trino-acme/trino updated (spec.replicas)");

    let writes = fake.writes();
    let report = kube.apply(&manifests, &ignore).await.unwrap();
    assert_eq!(report.count(Change::Updated), 2);
    assert_eq!(report.count(Change::Unchanged), 6);
    assert_eq!(fake.writes(), writes + 2);
    let config = fake.object("configmaps", Some(NS), "trino-config").unwrap();
    assert!(config["data"].get("log.properties").is_none(), "a key no longer applied is removed: {config}");
    let deployment = fake.object("deployments", Some(NS), "trino").unwrap();
    assert_eq!(
        (deployment["spec"]["replicas"].clone(), deployment["metadata"]["generation"].clone()),
        (json!(5), json!(2))
    );
}

#[tokio::test]
async fn generated_secret_values_are_kept_and_no_value_is_ever_shown() {
    let fake = FakeKube::new();
    let kube = kubernetes(&fake);
    let (events, progress) = recorder();
    kube.apply(&platform(), &progress).await.unwrap();
    let generated = |fake: &FakeKube| {
        let secret = fake.object("secrets", Some(NS), "trino-secrets").unwrap();
        (decoded(&secret["data"]["shared-secret"]), decoded(&secret["data"]["password"]))
    };
    let (shared, password) = generated(&fake);
    assert_eq!(password, "hunter2-initial");

    // A new manifest (whose generated value would be new) changes nothing.
    let report = kube.apply(&platform(), &progress).await.unwrap();
    assert_eq!(report.count(Change::Unchanged), 8, "{report:?}");
    assert_eq!(generated(&fake).0, shared);

    // A given value that changes updates the Secret; the generated one stays.
    let mut manifests = platform();
    manifests[5] = secret("hunter2-rotated");
    let plan = kube.plan(&manifests).await.unwrap();
    let change = plan.iter().find(|c| c.object.kind == Kind::Secret).unwrap();
    assert_eq!((change.change, change.fields.clone()), (Change::Updated, vec!["data.password".to_owned()]));
    let report = kube.apply(&manifests, &progress).await.unwrap();
    assert_eq!(generated(&fake), (shared.clone(), "hunter2-rotated".to_owned()));

    let mut shown = format!("{plan:?} {report:?} {}", serde_json::to_string(&report).unwrap());
    for event in events.lock().unwrap().iter() {
        shown.push_str(&format!("{event} {event:?} {}", serde_json::to_string(event).unwrap()));
    }
    for value in ["hunter2", &shared] {
        assert!(!shown.contains(value), "a secret value was shown: {shown}");
    }
}

#[tokio::test]
async fn an_object_without_the_managed_by_label_is_never_taken_over() {
    let fake = FakeKube::new();
    let kube = kubernetes(&fake);
    kube.apply(&[namespace()], &ignore).await.unwrap();
    let foreign = json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "trino-config", "namespace": NS, "labels": {MANAGED_BY_LABEL: "Helm"}},
        "data": {"owner": "someone else"},
    });
    fake.create("helm", foreign);
    let writes = fake.writes();

    let err = kube.plan(&platform()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict, "{err:?}");
    assert!(err.message().contains("ConfigMap trino-acme/trino-config"), "{}", err.message());
    assert!(err.message().contains(MANAGED_BY_LABEL), "{}", err.message());

    let err = kube.apply(&platform(), &ignore).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
    assert_eq!(fake.writes(), writes, "nothing is written, not even the objects before it");
    let config = fake.object("configmaps", Some(NS), "trino-config").unwrap();
    assert_eq!(config["data"], json!({"owner": "someone else"}));
    assert_eq!(config["metadata"]["labels"][MANAGED_BY_LABEL], "Helm");
}

#[tokio::test]
async fn a_manifest_without_the_label_is_applied_with_it() {
    let fake = FakeKube::new();
    let kube = kubernetes(&fake);
    let bare = Manifest::new(
        Kind::Namespace,
        &Namespace { metadata: ObjectMeta { name: Some("bare".into()), ..Default::default() }, ..Default::default() },
    )
    .unwrap();
    kube.apply(std::slice::from_ref(&bare), &ignore).await.unwrap();
    let live = fake.object("namespaces", None, "bare").unwrap();
    assert_eq!(live["metadata"]["labels"][MANAGED_BY_LABEL], FIELD_MANAGER);
    assert_eq!(kube.plan(&[bare]).await.unwrap()[0].change, Change::Unchanged);
}

#[tokio::test]
async fn the_librarys_own_manifests_converge_and_reapplying_writes_nothing() {
    let fake = FakeKube::new();
    let kube = kubernetes(&fake);
    let wanted = cluster(CLUSTER);

    let plan = kube.plan(&wanted).await.unwrap();
    assert!(plan.iter().all(|c| c.change == Change::Created), "{plan:?}");
    let report = kube.apply(&wanted, &ignore).await.unwrap();
    assert_eq!(report.count(Change::Created), wanted.len());
    assert_eq!(fake.writes(), wanted.len() as u64);
    let worker = fake.object("deployments", Some(NS), "trino-etl-worker").unwrap();
    assert_eq!(worker["metadata"]["labels"][MANAGED_BY_LABEL], FIELD_MANAGER);
    assert_eq!(worker["metadata"]["managedFields"][0]["manager"], FIELD_MANAGER);
    kube.wait_ready(&wanted, Duration::from_secs(10), &ignore).await.unwrap();

    // Rendered again (new random candidates for generated values), with the server's
    // defaults and the controllers' status in the live objects: nothing differs.
    let writes = fake.writes();
    let again = kube.apply(&cluster(CLUSTER), &ignore).await.unwrap();
    assert!(!again.changed(), "{again:?}");
    assert_eq!(fake.writes(), writes, "the second apply wrote");
    assert!(kube.plan(&cluster(CLUSTER)).await.unwrap().iter().all(|c| c.change == Change::Unchanged));
}

#[tokio::test]
async fn a_changed_property_updates_the_config_map_and_rolls_the_workers() {
    let fake = FakeKube::new();
    let kube = kubernetes(&fake);
    kube.apply(&cluster(CLUSTER), &ignore).await.unwrap();
    let changed = CLUSTER.replace("replicas: 3, resources", "replicas: 3, config: {task.concurrency: '8'}, resources");
    let plan = kube.plan(&cluster(&changed)).await.unwrap();
    let updated: Vec<String> = plan.iter().filter(|c| c.change == Change::Updated).map(ToString::to_string).collect();
    assert_eq!(
        updated,
        [
            "ConfigMap trino-acme/trino-etl-worker updated (data[\"config.properties\"])",
            "Deployment trino-acme/trino-etl-worker updated (spec.template.metadata.annotations[\"trino-platform.io/config-checksum\"])",
        ],
        "{plan:?}"
    );
    let writes = fake.writes();
    kube.apply(&cluster(&changed), &ignore).await.unwrap();
    assert_eq!(fake.writes(), writes + 2);
    let map = fake.object("configmaps", Some(NS), "trino-etl-worker").unwrap();
    assert!(map["data"]["config.properties"].as_str().unwrap().contains("task.concurrency=8"));
    let worker = fake.object("deployments", Some(NS), "trino-etl-worker").unwrap();
    assert_eq!(worker["metadata"]["generation"], 2, "a new pod template: the workers roll");
}

#[tokio::test]
async fn the_clusters_generated_secret_survives_reapplying() {
    let fake = FakeKube::new();
    let kube = kubernetes(&fake);
    kube.apply(&cluster(CLUSTER), &ignore).await.unwrap();
    let secret = fake.object("secrets", Some(NS), "trino-etl").unwrap();
    assert!(secret.get("stringData").is_none(), "the server keeps only data");
    let shared = secret["data"]["TRINO_INTERNAL_SHARED_SECRET"].clone();
    assert_eq!(decoded(&shared).len(), 64, "32 random bytes, as hex: {shared}");
    let applied = fake.requests().into_iter().find(|r| r.write && r.path.ends_with("/secrets/trino-etl")).unwrap();
    assert!(applied.body.get("stringData").is_none(), "sent as data, which the apply owns: {:?}", applied.body);

    let writes = fake.writes();
    kube.apply(&cluster(CLUSTER), &ignore).await.unwrap();
    assert_eq!(fake.writes(), writes);
    assert_eq!(fake.object("secrets", Some(NS), "trino-etl").unwrap()["data"]["TRINO_INTERNAL_SHARED_SECRET"], shared);
}

#[tokio::test]
async fn a_wrapped_secret_keeps_its_own_values_and_a_removed_key_goes() {
    let fake = FakeKube::new();
    let kube = kubernetes(&fake);
    let wrapped = |string_data: Value| {
        let object = json!({
            "metadata": {"name": "plain", "namespace": NS, "labels": labels("x")},
            "data": {"from-data": "YQ=="},
            "stringData": string_data,
        });
        Manifest::new(Kind::Secret, &object).unwrap()
    };
    kube.apply(&[namespace(), wrapped(json!({"one": "1", "two": "2"}))], &ignore).await.unwrap();
    let live = fake.object("secrets", Some(NS), "plain").unwrap();
    assert_eq!(live["data"], json!({"from-data": "YQ==", "one": "MQ==", "two": "Mg=="}));

    let plan = kube.plan(&[namespace(), wrapped(json!({"one": "1"}))]).await.unwrap();
    assert_eq!(plan[1].fields, ["data.two"], "{plan:?}");
    kube.apply(&[namespace(), wrapped(json!({"one": "1"}))], &ignore).await.unwrap();
    let live = fake.object("secrets", Some(NS), "plain").unwrap();
    assert_eq!(live["data"], json!({"from-data": "YQ==", "one": "MQ=="}), "a key no longer applied is removed");
}

#[tokio::test]
async fn the_server_refusing_an_object_a_missing_namespace_or_an_unset_variable_stop_apply() {
    let fake = FakeKube::new();
    let kube = kubernetes(&fake);

    // A namespaced object in a namespace that neither exists nor is applied: the server's 404.
    let err = kube.apply(&[config_map("orphan", &[])], &ignore).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err:?}");
    assert!(err.message().contains("namespaces \"trino-acme\" not found"), "{}", err.message());
    assert_eq!(fake.writes(), 0);

    // The server's validation (422), with its message: nothing of the apply is written.
    kube.apply(&[namespace()], &ignore).await.unwrap();
    let writes = fake.writes();
    let err = kube.apply(&[service_account(), config_map("bad", &[("not a key", "v")])], &ignore).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err:?}");
    assert!(err.message().contains("ConfigMap \"bad\" is invalid: data[not a key]"), "{}", err.message());
    assert_eq!(fake.writes(), writes, "refused in the dry run, before any write");

    // A Secret whose variable is unset: named, nothing written.
    let data = BTreeMap::from([("TOKEN".to_owned(), SecretValue::FromEnv("TP_TEST_UNSET_SECRET_VAR".to_owned()))]);
    let secret = Manifest::secret("s", NS, &labels("x"), data).unwrap();
    let err = kube.apply(&[service_account(), secret], &ignore).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err:?}");
    assert!(err.message().contains("TP_TEST_UNSET_SECRET_VAR"), "{}", err.message());
    assert_eq!(fake.writes(), writes);
}

// ------------------------------------------------------------------------------------ wait

#[tokio::test]
async fn wait_ready_says_what_it_waits_for_until_ready() {
    let fake = FakeKube::new();
    fake.deployments_ready_after(Some(3));
    fake.clusters_running_after(Some(2));
    let kube = kubernetes(&fake);
    kube.apply(&platform(), &ignore).await.unwrap();

    let (events, progress) = recorder();
    kube.wait_ready(&platform(), Duration::from_secs(10), &progress).await.unwrap();
    let lines: Vec<String> = events.lock().unwrap().iter().map(ToString::to_string).collect();
    assert_eq!(
        lines,
        [
            "Cluster trino-acme/gateway-db: no status yet",
            "Deployment trino-acme/trino: waiting for the rollout of generation 1 to start",
            "Cluster trino-acme/gateway-db: phase Creating",
            "Deployment trino-acme/trino: 1/3 ready",
            "Cluster trino-acme/gateway-db: ready",
            "Deployment trino-acme/trino: 2/3 ready",
            "Deployment trino-acme/trino: ready",
        ]
    );
    let waiting = serde_json::to_value(&events.lock().unwrap()[3]).unwrap();
    assert_eq!(
        waiting,
        json!({"event": "waiting", "object": {"kind": "Deployment", "namespace": NS, "name": "trino"}, "status": "1/3 ready"})
    );

    // A new rollout is waited for again.
    kube.apply(&[deployment(3, "trinodb/trino:477")], &ignore).await.unwrap();
    let (events, progress) = recorder();
    kube.wait_ready(&platform(), Duration::from_secs(10), &progress).await.unwrap();
    let lines: Vec<String> = events.lock().unwrap().iter().map(ToString::to_string).collect();
    assert!(lines.contains(&"Deployment trino-acme/trino: 1/3 ready".to_owned()), "{lines:?}");
    assert_eq!(lines.last().unwrap(), "Deployment trino-acme/trino: ready");
}

#[tokio::test]
async fn wait_ready_times_out_naming_what_is_not_ready() {
    let fake = FakeKube::new();
    fake.deployments_ready_after(None);
    fake.clusters_running_after(None);
    let kube = kubernetes(&fake);
    kube.apply(&platform(), &ignore).await.unwrap();

    let (events, progress) = recorder();
    let err = kube.wait_ready(&platform(), Duration::from_millis(200), &progress).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err:?}");
    assert!(err.is_retryable());
    for part in ["200ms", "Deployment trino-acme/trino (0/3 ready)", "Cluster trino-acme/gateway-db (phase Creating)"] {
        assert!(err.message().contains(part), "{part} in {}", err.message());
    }
    let events = events.lock().unwrap();
    assert!(events.iter().all(|e| matches!(e, KubeEvent::Waiting { .. })), "{events:?}");
    assert_eq!(events.len(), 4, "each status once, however often it is read: {events:?}");
}

#[tokio::test]
async fn wait_ready_needs_nothing_for_kinds_that_have_no_rollout() {
    let fake = FakeKube::new();
    let kube = kubernetes(&fake);
    let manifests = [namespace(), config_map("c", &[("k", "v")])];
    kube.apply(&manifests, &ignore).await.unwrap();
    let reads = fake.requests().len();
    kube.wait_ready(&manifests, Duration::ZERO, &ignore).await.unwrap();
    assert_eq!(fake.requests().len(), reads, "nothing is read");
}

// ------------------------------------------------------------------------------------ delete

#[tokio::test]
async fn delete_removes_only_managed_objects_in_reverse_order() {
    let fake = FakeKube::new();
    let kube = kubernetes(&fake);
    kube.apply(&platform(), &ignore).await.unwrap();
    kube.wait_ready(&platform(), Duration::from_secs(10), &ignore).await.unwrap();
    fake.create(
        "kubectl-create",
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "notes", "namespace": NS}, "data": {"a": "b"}}),
    );
    let mut manifests = platform();
    manifests.push(config_map("notes", &[("a", "b")]));

    let (events, progress) = recorder();
    let report = kube.delete(&manifests, &progress).await.unwrap();
    let outcomes: Vec<(String, DeleteOutcome)> =
        report.objects.iter().map(|o| (o.object.to_string(), o.outcome)).collect();
    assert_eq!(
        outcomes,
        [
            ("Ingress trino-acme/trino".to_owned(), DeleteOutcome::Deleted),
            ("Deployment trino-acme/trino".to_owned(), DeleteOutcome::Deleted),
            ("Cluster trino-acme/gateway-db".to_owned(), DeleteOutcome::Terminating),
            ("Service trino-acme/trino".to_owned(), DeleteOutcome::Deleted),
            ("ConfigMap trino-acme/trino-config".to_owned(), DeleteOutcome::Deleted),
            ("ConfigMap trino-acme/notes".to_owned(), DeleteOutcome::Unmanaged),
            ("Secret trino-acme/trino-secrets".to_owned(), DeleteOutcome::Deleted),
            ("ServiceAccount trino-acme/trino".to_owned(), DeleteOutcome::Deleted),
            ("Namespace trino-acme".to_owned(), DeleteOutcome::Kept),
        ]
    );
    assert_eq!(events.lock().unwrap().len(), 9);
    assert_eq!(
        fake.names(),
        ["clusters trino-acme/gateway-db", "configmaps trino-acme/notes", "namespaces trino-acme"],
        "the unmanaged object and its namespace are left, the Cluster is finalizing"
    );
    for delete in fake.requests().iter().filter(|r| r.method == "DELETE") {
        assert_eq!(delete.body["propagationPolicy"], "Background", "{delete:?}");
        assert!(delete.body["preconditions"]["uid"].is_string(), "{delete:?}");
    }
}

#[tokio::test]
async fn delete_is_idempotent() {
    let fake = FakeKube::new();
    let kube = kubernetes(&fake);
    kube.apply(&platform(), &ignore).await.unwrap();

    let first = kube.delete(&platform(), &ignore).await.unwrap();
    assert_eq!(first.count(DeleteOutcome::Deleted), 7, "{first:?}");
    assert_eq!(first.objects.last().unwrap().outcome, DeleteOutcome::Terminating, "the Namespace finalizes");

    let second = kube.delete(&platform(), &ignore).await.unwrap();
    assert_eq!(second.count(DeleteOutcome::Absent), 7, "{second:?}");
    assert_eq!(second.objects.last().unwrap().outcome, DeleteOutcome::Terminating);

    let writes = fake.writes();
    let third = kube.delete(&platform(), &ignore).await.unwrap();
    assert_eq!(third.count(DeleteOutcome::Absent), 8, "{third:?}");
    assert_eq!(fake.writes(), writes, "nothing left to delete");
    assert!(fake.names().is_empty(), "{:?}", fake.names());
}

#[tokio::test]
async fn objects_someone_else_made_are_neither_taken_over_nor_deleted() {
    let fake = FakeKube::new();
    let kube = kubernetes(&fake);
    let wanted = cluster(CLUSTER);
    kube.apply(&wanted[..1], &ignore).await.unwrap(); // the namespace
    // What Kubernetes' own controllers put in every namespace.
    fake.create(
        "kube-controller-manager",
        json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default", "namespace": NS}}),
    );
    fake.create(
        "kube-controller-manager",
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "kube-root-ca.crt", "namespace": NS}, "data": {"ca.crt": "…"}}),
    );
    let foreign = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "trino-etl-catalog", "namespace": NS}, "data": {"x": "y"}});
    fake.create("kubectl-create", foreign.clone());

    let err = kube.apply(&wanted, &ignore).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
    assert!(err.message().contains("ConfigMap trino-acme/trino-etl-catalog"), "{err}");
    assert_eq!(fake.object("configmaps", Some(NS), "trino-etl-catalog").unwrap()["data"], foreign["data"]);

    // Delete: everything of ours goes; the foreign object and so the namespace stay.
    let deleted = kube.delete(&wanted, &ignore).await.unwrap();
    let by_object = outcomes(&deleted);
    assert_eq!(by_object["ConfigMap trino-acme/trino-etl-catalog"], DeleteOutcome::Unmanaged);
    assert_eq!(by_object["Namespace trino-acme"], DeleteOutcome::Kept);
    assert_eq!(by_object["ServiceAccount trino-acme/trino-etl"], DeleteOutcome::Absent, "never applied");
    let kept = deleted.objects.last().unwrap();
    assert_eq!(
        kept.to_string(),
        "Namespace trino-acme kept: it holds ConfigMap trino-acme/trino-etl-catalog, which trino-platform did not create"
    );
    assert_eq!(
        fake.names(),
        [
            "configmaps trino-acme/kube-root-ca.crt",
            "configmaps trino-acme/trino-etl-catalog",
            "namespaces trino-acme",
            "serviceaccounts trino-acme/default",
        ]
    );
}

#[tokio::test]
async fn a_namespace_is_kept_while_listing_it_finds_an_object_that_is_not_ours() {
    for kubeblocks in [true, false] {
        let fake = FakeKube::new();
        if !kubeblocks {
            fake.without_kubeblocks();
        }
        let kube = kubernetes(&fake);
        let wanted = cluster(CLUSTER);
        kube.apply(&wanted, &ignore).await.unwrap();
        // Neither the defaults nor what one of our objects owns keeps the namespace.
        fake.create(
            "kube-controller-manager",
            json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default", "namespace": NS}}),
        );
        fake.create(
            "kubeblocks",
            json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "gateway-db-conn", "namespace": NS,
                   "ownerReferences": [{"apiVersion": "apps.kubeblocks.io/v1", "kind": "Cluster", "name": "gateway-db", "uid": "u"}]}}),
        );
        // An object the manifests do not name: only listing the namespace finds it.
        fake.create(
            "kubectl-create",
            json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "team-notes", "namespace": NS},
                   "spec": {"ports": [{"port": 80}]}}),
        );

        // The namespace alone, as the bundles delete one manifest at a time.
        let before = fake.requests().len();
        let (events, progress) = recorder();
        let report = kube.delete(&wanted[..1], &progress).await.unwrap();
        assert_eq!(report.objects[0].outcome, DeleteOutcome::Kept, "{report:?}");
        assert_eq!(
            report.objects[0].reason.as_deref(),
            Some("it holds Service trino-acme/team-notes, which trino-platform did not create")
        );
        assert_eq!(events.lock().unwrap().len(), 1);
        let read: Vec<String> = fake.requests()[before..].iter().map(|r| format!("{} {}", r.method, r.path)).collect();
        assert_eq!(
            read,
            [
                "GET /api/v1/namespaces/trino-acme",
                "GET /api/v1/namespaces/trino-acme/serviceaccounts",
                "GET /api/v1/namespaces/trino-acme/secrets",
                "GET /api/v1/namespaces/trino-acme/configmaps",
                "GET /api/v1/namespaces/trino-acme/services",
            ],
            "the namespace's collections, in apply order, until the first foreign object"
        );

        // Everything of ours deleted, the foreign Service gone: the namespace goes too.
        let writes = fake.writes();
        let report = kube.delete(&wanted, &ignore).await.unwrap();
        assert_eq!(report.objects.last().unwrap().outcome, DeleteOutcome::Kept);
        assert!(fake.writes() > writes, "the objects of ours in it were deleted");
        kubernetes_delete_raw(&fake, "/api/v1/namespaces/trino-acme/services/team-notes").await;
        let report = kube.delete(&wanted, &ignore).await.unwrap();
        assert_eq!(report.objects.last().unwrap().outcome, DeleteOutcome::Terminating, "kubeblocks: {kubeblocks}");
    }
}

/// Deletes an object as another client would.
async fn kubernetes_delete_raw(fake: &FakeKube, path: &str) {
    let (code, body) = fake.raw(Request::delete(path).body(b"{}".to_vec()).unwrap()).await;
    assert_eq!(code, 200, "{body}");
}

#[tokio::test]
async fn applying_into_a_namespace_being_deleted_is_a_conflict() {
    let fake = FakeKube::new();
    fake.finalize_after(5);
    let kube = kubernetes(&fake);
    kube.apply(&platform(), &ignore).await.unwrap();
    kube.delete(&platform(), &ignore).await.unwrap();
    let err = kube.apply(&platform(), &ignore).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict, "{err:?}");
    assert!(err.message().contains("Namespace trino-acme is being deleted"), "{}", err.message());
}

// ------------------------------------------------------------------------------------ failures

#[tokio::test]
async fn an_interrupted_apply_converges_when_run_again() {
    for fault in [Fault::Status(500), Fault::Drop] {
        let fake = FakeKube::new();
        let kube = kubernetes(&fake);
        fake.fail_writes_from(4, fault);
        let err = kube.apply(&platform(), &ignore).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unavailable, "{fault:?}: {err:?}");
        assert!(err.message().contains("ConfigMap trino-acme/trino-config"), "{}", err.message());
        assert!(err.message().contains("3 object(s) were created"), "{}", err.message());
        assert!(err.message().contains("run apply again"), "{}", err.message());
        assert_eq!(fake.names().len(), 3, "{:?}", fake.names());

        fake.heal();
        let report = kube.apply(&platform(), &ignore).await.unwrap();
        assert_eq!((report.count(Change::Unchanged), report.count(Change::Created)), (3, 5), "{report:?}");
        let writes = fake.writes();
        let report = kube.apply(&platform(), &ignore).await.unwrap();
        assert!(!report.changed());
        assert_eq!(fake.writes(), writes);
    }
}

#[tokio::test]
async fn transient_failures_are_retried() {
    let fake = FakeKube::new();
    let kube = kubernetes(&fake);
    fake.fail_write(2, Fault::DropAfterWrite);
    fake.fail_write(5, Fault::Status(503));
    fake.fail_write(7, Fault::Status(429));
    let report = kube.apply(&platform(), &ignore).await.unwrap();
    assert_eq!(report.count(Change::Created), 8);
    assert_eq!(fake.writes(), 11, "three writes were sent twice");
    let writes = fake.writes();
    kube.apply(&platform(), &ignore).await.unwrap();
    assert_eq!(fake.writes(), writes);
}

#[tokio::test]
async fn failures_are_typed() {
    async fn plan_error(fake: &FakeKube, manifests: &[Manifest]) -> trino_platform::Error {
        kubernetes(fake).plan(manifests).await.unwrap_err()
    }
    let with = |fault| {
        let fake = FakeKube::new();
        fake.fail_requests(fault);
        fake
    };

    let err = plan_error(&with(Fault::Status(401)), &platform()).await;
    assert_eq!(err.kind(), ErrorKind::Unauthorized, "{err:?}");
    assert!(err.message().contains("401 Unauthorized"), "{}", err.message());

    let err = plan_error(&with(Fault::Status(403)), &platform()).await;
    assert_eq!(err.kind(), ErrorKind::Forbidden, "{err:?}");
    assert!(err.message().contains("cannot get resource \"namespaces\""), "{}", err.message());

    let err = plan_error(&with(Fault::Status(409)), &platform()).await;
    assert_eq!(err.kind(), ErrorKind::Conflict, "{err:?}");

    let err = plan_error(&with(Fault::Status(504)), &platform()).await;
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err:?}");

    let err = plan_error(&with(Fault::Drop), &platform()).await;
    assert_eq!(err.kind(), ErrorKind::Unavailable, "{err:?}");
    assert!(err.message().contains("cannot reach the Kubernetes API"), "{}", err.message());

    let err = plan_error(&with(Fault::Status(500)), &platform()).await;
    assert_eq!(err.kind(), ErrorKind::Unavailable, "{err:?}");

    // The server's validation, with its message.
    let fake = FakeKube::new();
    let mut manifests = platform();
    manifests[4] = config_map("trino-config", &[("bad key", "v")]);
    kubernetes(&fake).apply(&manifests[7..], &ignore).await.unwrap();
    let err = plan_error(&fake, &manifests).await;
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err:?}");
    assert!(err.message().contains("ConfigMap \"trino-config\" is invalid: data[bad key]"), "{}", err.message());

    // A namespace that is neither there nor among the manifests.
    let err = plan_error(&FakeKube::new(), &[config_map("c", &[])]).await;
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err:?}");
    assert!(err.message().contains("namespaces \"trino-acme\" not found"), "{}", err.message());

    // KubeBlocks is not installed.
    let fake = FakeKube::new();
    fake.without_kubeblocks();
    let err = kubernetes(&fake).apply(&platform(), &ignore).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err:?}");
    assert!(err.message().contains("does not serve apps.kubeblocks.io/v1 clusters"), "{}", err.message());
    assert_eq!(fake.writes(), 0);

    // Two manifests for one object; a Secret whose variable is unset.
    let err = plan_error(&FakeKube::new(), &[namespace(), namespace()]).await;
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err:?}");
    let unset = BTreeMap::from([("k".to_owned(), SecretValue::FromEnv("TP_TEST_KUBE_SURELY_UNSET".to_owned()))]);
    let secret = Manifest::secret("s", NS, &labels("x"), unset).unwrap();
    let err = plan_error(&FakeKube::new(), &[namespace(), secret]).await;
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err:?}");
    assert!(err.message().contains("TP_TEST_KUBE_SURELY_UNSET"));
}

#[test]
fn the_futures_can_move_between_threads() {
    fn send<T: Send>(_: &T) {}
    let fake = FakeKube::new();
    let kube = Kubernetes::from_client(tokio::runtime::Runtime::new().unwrap().block_on(async { fake.client() }));
    let manifests = platform();
    send(&kube.plan(&manifests));
    send(&kube.apply(&manifests, &ignore));
    send(&kube.wait_ready(&manifests, Duration::ZERO, &ignore));
    send(&kube.delete(&manifests, &ignore));
}

// ------------------------------------------------------------------------------------ the fake

fn apply_request(path: &str, query: &str, body: &Value) -> Request<Vec<u8>> {
    Request::patch(format!("{path}?{query}"))
        .header("content-type", "application/apply-patch+yaml")
        .body(body.to_string().into_bytes())
        .unwrap()
}

#[tokio::test]
async fn the_fake_answers_as_the_api_server_does() {
    let fake = FakeKube::new();
    let get = |path: &str| Request::get(path).body(Vec::new()).unwrap();

    // 404s: an object, an object of a named group, a group that is not served.
    let (code, body) = fake.raw(get("/api/v1/namespaces/ns/configmaps/x")).await;
    assert_eq!(code, 404);
    assert_eq!(
        body,
        json!({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"configmaps \"x\" not found","reason":"NotFound","details":{"name":"x","kind":"configmaps"},"code":404})
    );
    let (_, body) = fake.raw(get("/apis/apps/v1/namespaces/ns/deployments/x")).await;
    assert_eq!(
        (body["message"].clone(), body["details"]["group"].clone()),
        (json!("deployments.apps \"x\" not found"), json!("apps"))
    );
    assert_eq!(fake.raw(get("/apis/example.com/v1/namespaces/ns/things/x")).await, (404, json!("404 page not found")));

    // Apply needs a field manager, and only apply patches are served.
    let namespace = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ns"}});
    let (code, body) = fake.raw(apply_request("/api/v1/namespaces/ns", "", &namespace)).await;
    assert_eq!((code, body["reason"].clone()), (422, json!("Invalid")));
    assert_eq!(
        body["message"],
        "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch"
    );
    let merge = Request::patch("/api/v1/namespaces/ns")
        .header("content-type", "application/merge-patch+json")
        .body(b"{}".to_vec())
        .unwrap();
    assert_eq!(fake.raw(merge).await.0, 415);

    // 201 on create, 200 after; a dry run stores nothing; the body must match the path.
    let dry = fake.raw(apply_request("/api/v1/namespaces/ns", "fieldManager=t&dryRun=All", &namespace)).await;
    assert_eq!(dry.0, 201);
    assert_eq!(fake.object("namespaces", None, "ns"), None);
    let (code, created) = fake.raw(apply_request("/api/v1/namespaces/ns", "fieldManager=t", &namespace)).await;
    assert_eq!(code, 201);
    assert_eq!(created["metadata"]["labels"]["kubernetes.io/metadata.name"], "ns");
    assert_eq!(created["status"]["phase"], "Active");
    let (code, again) = fake.raw(apply_request("/api/v1/namespaces/ns", "fieldManager=t", &namespace)).await;
    assert_eq!(
        (code, again["metadata"]["resourceVersion"].clone()),
        (200, created["metadata"]["resourceVersion"].clone())
    );
    let (code, body) = fake.raw(apply_request("/api/v1/namespaces/other", "fieldManager=t", &namespace)).await;
    assert_eq!((code, body["reason"].clone()), (400, json!("BadRequest")));

    // A create in a missing namespace; stringData stored as base64 data.
    let secret = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "stringData": {"k": "v"}});
    let (code, body) = fake.raw(apply_request("/api/v1/namespaces/missing/secrets/s", "fieldManager=t", &secret)).await;
    assert_eq!((code, body["message"].clone()), (404, json!("namespaces \"missing\" not found")));
    let (code, body) = fake.raw(apply_request("/api/v1/namespaces/ns/secrets/s", "fieldManager=t", &secret)).await;
    assert_eq!(code, 201);
    assert_eq!(
        (body["data"].clone(), body.get("stringData"), body["type"].clone()),
        (json!({"k": "dg=="}), None, json!("Opaque"))
    );

    // Without force, another manager's field is a conflict; with force it moves.
    let taken = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "stringData": {"k": "w"}});
    let (code, body) = fake.raw(apply_request("/api/v1/namespaces/ns/secrets/s", "fieldManager=other", &taken)).await;
    assert_eq!((code, body["reason"].clone()), (409, json!("Conflict")), "{body}");
    let (code, _) =
        fake.raw(apply_request("/api/v1/namespaces/ns/secrets/s", "fieldManager=other&force=true", &taken)).await;
    assert_eq!(code, 200);

    // Generation: 1, then bumped by a spec change only.
    let mut deployment = serde_json::to_value(deployment(1, "trinodb/trino:476").object()).unwrap();
    deployment["metadata"]["namespace"] = json!("ns");
    let path = "/apis/apps/v1/namespaces/ns/deployments/trino";
    let (_, body) = fake.raw(apply_request(path, "fieldManager=t", &deployment)).await;
    assert_eq!(body["metadata"]["generation"], 1);
    deployment["metadata"]["labels"]["extra"] = json!("label");
    let (_, body) = fake.raw(apply_request(path, "fieldManager=t", &deployment)).await;
    assert_eq!(body["metadata"]["generation"], 1, "metadata is not spec");
    deployment["spec"]["replicas"] = json!(2);
    let (_, body) = fake.raw(apply_request(path, "fieldManager=t", &deployment)).await;
    assert_eq!(body["metadata"]["generation"], 2);
    deployment["spec"]["template"]["metadata"]["labels"] = json!({"other": "labels"});
    let (code, body) = fake.raw(apply_request(path, "fieldManager=t", &deployment)).await;
    assert_eq!((code, body["reason"].clone()), (422, json!("Invalid")), "{body}");

    // LIST: a {Kind}List whose items carry neither apiVersion nor kind; a namespace that does
    // not exist holds nothing; a group that is not served is a 404.
    let (code, list) = fake.raw(get("/api/v1/namespaces/ns/secrets")).await;
    assert_eq!((code, list["kind"].clone(), list["apiVersion"].clone()), (200, json!("SecretList"), json!("v1")));
    assert!(list["metadata"]["resourceVersion"].is_string(), "{list}");
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{list}");
    assert_eq!(items[0]["metadata"]["name"], "s");
    assert!(items[0].get("apiVersion").is_none() && items[0].get("kind").is_none(), "{list}");
    let (code, list) = fake.raw(get("/apis/apps/v1/namespaces/nowhere/deployments")).await;
    assert_eq!(
        (code, list["kind"].clone(), list["apiVersion"].clone(), list["items"].clone()),
        (200, json!("DeploymentList"), json!("apps/v1"), json!([]))
    );
    let (code, list) = fake.raw(get("/api/v1/namespaces")).await;
    assert_eq!((code, list["items"][0]["metadata"]["name"].clone()), (200, json!("ns")));
    let without = FakeKube::new();
    without.without_kubeblocks();
    let clusters = get("/apis/apps.kubeblocks.io/v1/namespaces/ns/clusters");
    assert_eq!(without.raw(clusters).await, (404, json!("404 page not found")));
    let (code, version) = fake.raw(get("/version")).await;
    assert_eq!((code, version["major"].clone(), version["gitVersion"].clone()), (200, json!("1"), json!("v1.33.0")));

    // DELETE: a Status, or the object for kinds that return it; then 404.
    let delete = |path: &str| Request::delete(path).body(b"{}".to_vec()).unwrap();
    let (code, body) = fake.raw(delete("/api/v1/namespaces/ns/secrets/s")).await;
    assert_eq!((code, body["kind"].clone(), body["status"].clone()), (200, json!("Status"), json!("Success")));
    assert!(body["details"]["uid"].is_string());
    assert_eq!(fake.raw(delete("/api/v1/namespaces/ns/secrets/s")).await.0, 404);
    let (code, body) = fake.raw(delete("/api/v1/namespaces/ns")).await;
    assert_eq!((code, body["status"]["phase"].clone()), (200, json!("Terminating")));
    assert!(body["metadata"]["deletionTimestamp"].is_string());
}

#[tokio::test]
async fn the_fake_served_over_http_is_reached_through_its_kubeconfig() {
    let fake = FakeKube::new();
    let dir = tempfile::tempdir().unwrap();
    let path = FakeKube::kubeconfig(dir.path(), &fake.serve().await);
    let err = Kubernetes::from_kubeconfig(&path, Some("no-such-context")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
    assert!(err.message().contains("no-such-context"), "{err}");
    let kube = Kubernetes::from_kubeconfig(&path, Some("fake")).await.unwrap();
    assert_eq!(kube.client().apiserver_version().await.unwrap().git_version, "v1.33.0");

    let kube = kube.with_options(KubeOptions {
        attempts: 3,
        backoff: Duration::from_millis(1),
        poll_interval: Duration::from_millis(5),
    });
    let report = kube.apply(&platform(), &ignore).await.unwrap();
    assert_eq!(report.count(Change::Created), 8);
    assert_eq!(fake.names().len(), 8, "the test's handle sees what the HTTP clients wrote");

    // A connection closed before the answer is retried, over HTTP too.
    fake.fail_write(1, Fault::Drop);
    let mut manifests = platform();
    manifests[1] = deployment(2, "trinodb/trino:476");
    let report = kube.apply(&manifests, &ignore).await.unwrap();
    assert_eq!(report.count(Change::Updated), 1);
    let write_statuses: Vec<Option<u16>> = fake.requests().iter().filter(|r| r.write).map(|r| r.status).collect();
    assert_eq!(write_statuses[8..], [None, Some(200)], "dropped, then sent again");

    kube.wait_ready(&manifests, Duration::from_secs(10), &ignore).await.unwrap();
    let report = kube.delete(&manifests, &ignore).await.unwrap();
    assert_eq!(report.objects.last().unwrap().outcome, DeleteOutcome::Terminating);
}
