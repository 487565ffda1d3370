//! A tenant's bundles end to end: the exchange bucket on the harness's S3 (moto), the OAuth
//! client in its real Keycloak, the cluster registry on its PostgreSQL, Ranger Admin and
//! Kubernetes as fakes (neither can run here; `support/ranger_fake.rs` and
//! `support/kube_fake.rs` follow the real APIs, as their docs list).
//!
//! Shown: `plan` before `apply` lists what `apply` then does; a second `apply` changes nothing
//! (and writes nothing to Kubernetes or Ranger); an `apply` interrupted midway fails naming
//! what it had done, and a rerun finishes the job; `delete` removes what `apply` made and
//! nothing else; invalid tenant files name the field and line.

#![cfg(feature = "bundle")]

mod support;

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use secrecy::ExposeSecret;
use support::keycloak::{Keycloak, TestRealm, keycloak};
use support::kube_fake::{FakeKube, Fault};
use support::{Fresh, ranger_fake, service_var};
use trino_platform::ErrorKind;
use trino_platform::bundle::{BundleEvent, BundleReport, Outcome, System, Targets, TenantSpec};
use trino_platform::exchange::ExchangeBuckets;
use trino_platform::kube::{KubeOptions, Kubernetes};

/// The variable the tenant names for Ranger Admin's password.
const RANGER_PASSWORD_ENV: &str = "TP_TEST_BUNDLE_RANGER_PASSWORD";

/// One running environment: the fakes, the services, and a tenant file for them.
struct World {
    kube: FakeKube,
    ranger: ranger_fake::Running,
    store: Fresh,
    keycloak: Keycloak,
    realm: TestRealm,
    workspace: String,
    s3: String,
}

async fn world() -> Option<World> {
    let s3 = service_var("TP_TEST_S3_ENDPOINT", "s3")?;
    let keycloak = keycloak()?;
    let store = Fresh::postgres().await?;
    // SAFETY: every test of this binary sets the same value before reading it.
    unsafe { std::env::set_var(RANGER_PASSWORD_ENV, ranger_fake::ADMIN_PASSWORD) };
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let workspace = format!("bundle-{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
    let realm = TestRealm::reserve(&keycloak, "bundle");
    let kube = FakeKube::new();
    // Workloads come up over two reads; finalizers finish on the next read after a delete.
    kube.deployments_ready_after(Some(2));
    kube.finalize_after(0);
    Some(World { kube, ranger: ranger_fake::start().await, store, keycloak, realm, workspace, s3 })
}

impl World {
    fn tenant_yaml(&self) -> String {
        format!(
            r#"
workspace: {workspace}
labels: {{team: platform-tests}}
platform:
  gateway:
    externalUrl: https://{workspace}.trino.example.com
    rules: |
      rules:
        - {{name: etl, when: {{source: {{equals: airflow}}}}, routingGroup: etl}}
  exchange:
    region: us-east-1
    endpoint: {s3}
    pathStyle: true
    requireTls: false
  keycloak:
    url: {keycloak}
    credentials: {{grant: password, username: {admin}, passwordEnv: TP_TEST_KEYCLOAK_ADMIN_PASSWORD}}
    client: {{realm: {realm}, clientId: trino, ensureRealm: true}}
  ranger:
    url: {ranger}
    username: admin
    passwordEnv: {RANGER_PASSWORD_ENV}
clusters:
  - name: etl
    routingGroup: etl
    coordinator: {{resources: {{cpu: 1, memory: 2Gi}}}}
    workers: {{replicas: 2, resources: {{cpu: 1, memory: 2Gi}}}}
    catalogs:
      - {{name: delta, deltaLake: {{metastoreUri: 'thrift://hms:9083', s3: {{region: us-east-1}}}}}}
    ranger:
      serviceName: {service}
      adminUrls: [http://ranger-admin.ranger:6080]
      downloadAuth: {{username: trino, password: {{env: RANGER_DOWNLOAD_PASSWORD}}}}
    rangerPolicies:
      - name: analysts read delta
        resources: {{catalog: [delta], schema: ['*'], table: ['*'], column: ['*']}}
        allow: [{{groups: [analysts], accesses: [select]}}]
    secrets: {{RANGER_DOWNLOAD_PASSWORD: generate}}
"#,
            workspace = self.workspace,
            s3 = self.s3,
            keycloak = self.keycloak.url,
            admin = self.keycloak.admin_user,
            realm = self.realm.name,
            ranger = self.ranger.url(),
            service = self.workspace.replace('-', "_"),
        )
    }

    fn tenant(&self) -> TenantSpec {
        TenantSpec::from_yaml(&self.tenant_yaml()).unwrap_or_else(|e| panic!("{e}"))
    }

    async fn targets(&self) -> Targets {
        let store = trino_platform::registry::open(&self.store.url).await.unwrap();
        let options =
            KubeOptions { attempts: 3, backoff: Duration::from_millis(1), poll_interval: Duration::from_millis(5) };
        let kube = Kubernetes::from_client(self.kube.client()).with_options(options);
        Targets::new(kube, Some(store)).with_wait_timeout(Duration::from_secs(30))
    }
}

/// `(system, target) → outcome` of a report.
fn outcomes(report: &BundleReport) -> BTreeMap<(String, String), Outcome> {
    report.steps.iter().map(|s| ((format!("{:?}", s.system), s.target.clone()), s.outcome)).collect()
}

fn changed(report: &BundleReport) -> Vec<String> {
    report.changes().map(|s| format!("{:?} {} {:?}", s.system, s.target, s.outcome)).collect()
}

#[tokio::test]
async fn plan_then_apply_converges_and_a_second_apply_changes_nothing() {
    let Some(world) = world().await else { return };
    let tenant = world.tenant();
    let targets = world.targets().await;

    let plan = tenant.plan(&targets).await.unwrap();
    assert_eq!(world.kube.writes(), 0, "a plan writes nothing to Kubernetes");
    assert_eq!(world.ranger.writes(), 0, "a plan writes nothing to Ranger");
    let planned = outcomes(&plan);
    let bucket = format!("bucket trino-exchange-{}", world.workspace);
    assert_eq!(planned[&("S3".into(), bucket.clone())], Outcome::Created);
    assert_eq!(planned[&("Keycloak".into(), format!("client {}/trino", world.realm.name))], Outcome::Created);
    assert_eq!(planned[&("Registry".into(), "cluster etl".into())], Outcome::Created);
    assert!(plan.steps.iter().filter(|s| s.system == System::Kubernetes).all(|s| s.outcome == Outcome::Created));

    let events = Mutex::new(Vec::new());
    let progress = |event: &BundleEvent| events.lock().unwrap().push(event.message.clone());
    let applied = tenant.apply(&targets, &progress).await.unwrap();
    assert_eq!(outcomes(&applied), planned, "apply did what the plan said");
    let events = events.into_inner().unwrap();
    assert!(events.iter().any(|e| e.contains("Deployment") && e.ends_with(": 1/2 ready")), "{events:?}");
    assert!(events.iter().any(|e| e.contains("Deployment") && e.ends_with(": ready")), "{events:?}");

    // Each system holds what the tenant says, checked through its own API.
    let exchange = tenant.platform.exchange.clone().unwrap();
    let described = ExchangeBuckets::connect(exchange).await.unwrap().describe().await.unwrap();
    assert!(described.state.exists && described.drift.is_empty(), "{described:?}");
    let admin = world.keycloak.admin().await;
    let client = admin.find_client(&world.realm.name, "trino").await.unwrap().expect("the client exists");
    let redirects = client["redirectUris"].as_array().unwrap();
    assert_eq!(redirects[0], format!("https://{}.trino.example.com/oauth2/callback", world.workspace));
    let secret = admin.client_secret(&world.realm.name, "trino").await.unwrap();
    let namespace = format!("trino-{}", world.workspace);
    let stored = world.kube.object("secrets", Some(&namespace), "trino-etl").unwrap();
    let fed = stored["data"]["TRINO_OAUTH2_CLIENT_SECRET"].as_str().unwrap();
    use base64::Engine as _;
    let fed = String::from_utf8(base64::engine::general_purpose::STANDARD.decode(fed).unwrap()).unwrap();
    assert_eq!(fed, secret.expose_secret(), "the coordinator gets Keycloak's client secret");
    {
        let ranger = world.ranger.fake.lock().unwrap();
        let service = world.workspace.replace('-', "_");
        assert!(ranger.services.iter().any(|s| s["name"] == service.as_str()));
        assert!(ranger.policies.iter().any(|p| p["name"] == "analysts read delta"));
    }
    let store = trino_platform::registry::open(&world.store.url).await.unwrap();
    let registered = store.get(&"etl".parse().unwrap()).await.unwrap();
    assert_eq!(registered.proxy_to.as_str(), format!("http://trino-etl.trino-{}.svc:8080", world.workspace));
    assert_eq!(registered.routing_group.as_str(), "etl");

    let (kube_writes, ranger_writes) = (world.kube.writes(), world.ranger.writes());
    let again = tenant.apply(&targets, &|_: &BundleEvent| {}).await.unwrap();
    assert!(!again.changed(), "the second apply changed {:?}", changed(&again));
    assert_eq!(world.kube.writes(), kube_writes, "the second apply wrote to Kubernetes");
    assert_eq!(world.ranger.writes(), ranger_writes, "the second apply wrote to Ranger");
    assert!(!tenant.plan(&targets).await.unwrap().changed());

    // A changed tenant: the plan names the fields that differ.
    let grown = TenantSpec::from_yaml(&world.tenant_yaml().replace("replicas: 2", "replicas: 3")).unwrap();
    let plan = grown.plan(&targets).await.unwrap();
    let updated: Vec<&trino_platform::bundle::Step> = plan.changes().collect();
    assert_eq!(updated.len(), 1, "{:?}", changed(&plan));
    assert_eq!(updated[0].target, format!("Deployment trino-{}/trino-etl-worker", world.workspace));
    assert_eq!((updated[0].outcome, updated[0].details.clone()), (Outcome::Updated, vec!["spec.replicas".to_owned()]));

    tenant.delete(&targets, &|_: &BundleEvent| {}).await.unwrap();
    world.realm.delete().await;
}

#[tokio::test]
async fn an_interrupted_apply_says_what_it_did_and_a_rerun_finishes() {
    let Some(world) = world().await else { return };
    let tenant = world.tenant();
    let targets = world.targets().await;
    // The platform's objects, then a few of the cluster's, then the connection drops on every
    // write (retrying does not help).
    world.kube.fail_writes_from(12, Fault::Drop);
    let err = tenant.apply(&targets, &|_: &BundleEvent| {}).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable, "{err}");
    assert!(err.is_retryable());
    let message = err.message();
    assert!(message.contains("done before it:"), "{message}");
    assert!(message.contains(&format!("bucket trino-exchange-{} created", world.workspace)), "{message}");
    assert!(message.contains("rerun to finish"), "{message}");
    assert!(message.contains("cannot reach the Kubernetes API"), "{message}");
    assert!(message.contains(&format!("Namespace trino-{} created", world.workspace)), "{message}");

    world.kube.heal();

    let rerun = tenant.apply(&targets, &|_: &BundleEvent| {}).await.unwrap();
    assert!(rerun.changed(), "the rerun made the rest");
    assert!(rerun.steps.iter().any(|s| s.system == System::Registry && s.outcome == Outcome::Created));
    assert!(!tenant.plan(&targets).await.unwrap().changed(), "converged");

    tenant.delete(&targets, &|_: &BundleEvent| {}).await.unwrap();
    world.realm.delete().await;
}

#[tokio::test]
async fn delete_removes_what_apply_made_and_nothing_else() {
    let Some(world) = world().await else { return };
    let tenant = world.tenant();
    let targets = world.targets().await;
    tenant.apply(&targets, &|_: &BundleEvent| {}).await.unwrap();
    let namespace = format!("trino-{}", world.workspace);
    let foreign = serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "team-notes", "namespace": namespace}});
    world.kube.create("kubectl-create", foreign);

    let deleted = tenant.delete(&targets, &|_: &BundleEvent| {}).await.unwrap();
    let by_target = outcomes(&deleted);
    assert_eq!(by_target[&("Registry".into(), "cluster etl".into())], Outcome::Deleted);
    assert_eq!(by_target[&("S3".into(), format!("bucket trino-exchange-{}", world.workspace))], Outcome::Deleted);
    assert_eq!(by_target[&("Keycloak".into(), format!("client {}/trino", world.realm.name))], Outcome::Deleted);
    assert_eq!(
        by_target[&("Ranger".into(), format!("service {}", world.workspace.replace('-', "_")))],
        Outcome::Deleted
    );
    let kept = deleted.steps.iter().find(|s| s.target == format!("Namespace {namespace}")).unwrap();
    assert_eq!(kept.outcome, Outcome::Unchanged);
    assert_eq!(
        kept.details,
        [format!("it holds ConfigMap {namespace}/team-notes, which trino-platform did not create")]
    );
    let left: Vec<String> = world
        .kube
        .names()
        .into_iter()
        .filter(|name| {
            let (plural, rest) = name.split_once(' ').unwrap();
            let (ns, object) = rest.split_once('/').map_or((None, rest), |(ns, object)| (Some(ns), object));
            world.kube.object(plural, ns, object).is_some_and(|o| !o["metadata"]["deletionTimestamp"].is_string())
        })
        .collect();
    assert_eq!(
        left,
        [format!("configmaps {namespace}/team-notes"), format!("namespaces {namespace}")],
        "only the object someone else made, and so its namespace, stay (the rest is gone or finalizing)"
    );
    let store = trino_platform::registry::open(&world.store.url).await.unwrap();
    assert_eq!(store.get(&"etl".parse().unwrap()).await.unwrap_err().kind(), ErrorKind::NotFound);
    assert!(world.keycloak.admin().await.find_client(&world.realm.name, "trino").await.unwrap().is_none());

    let again = tenant.delete(&targets, &|_: &BundleEvent| {}).await.unwrap();
    assert!(!again.changed(), "a second delete changed {:?}", changed(&again));
    world.realm.delete().await;
}

#[test]
fn invalid_tenant_files_name_the_field_and_line() {
    let base = "workspace: acme\nplatform:\n  gateway: {externalUrl: 'https://t.example.com'}\nclusters:\n  - name: etl\n    coordinator: {resources: {cpu: 1, memory: 2Gi}}\n    workers: {replicas: 2, resources: {cpu: 1, memory: 2Gi}}\n    catalogs: [{name: delta, deltaLake: {metastoreUri: 'thrift://hms:9083', s3: {region: eu-west-1}}}]\n";
    assert!(TenantSpec::from_yaml(base).is_ok());
    let cases = [
        (base.replace("platform:\n", "platfrom:\n"), "unknown field `platfrom`", Some(2)),
        (base.replace("replicas: 2", "replicas: 0"), "at least 1 worker", Some(7)),
        (base.replace("memory: 2Gi}}\n    catalogs", "memory: 2 GiB}}\n    catalogs"), "invalid quantity", Some(7)),
        (base.replace("metastoreUri: 'thrift://hms:9083', ", ""), "metastoreUri", Some(8)),
        (base.replace("    coordinator:", "    colour: red\n    coordinator:"), "unknown field `colour`", Some(6)),
        (
            base.replace("  - name: etl\n", "  - name: etl\n    workspace: other\n"),
            "clusters[0].workspace: other differs",
            None,
        ),
        (base.replace("gateway: {", "gateway: {replicas: 1, "), "replicas: 1 is too few", None),
    ];
    for (yaml, expected, line) in cases {
        let err = TenantSpec::from_yaml(&yaml).expect_err(expected);
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
        assert!(err.message().contains(expected), "want {expected:?} in: {err}");
        if let Some(line) = line {
            assert!(err.message().contains(&format!("line {line}")), "want line {line} in: {err}");
        }
    }
}

/// The shared behaviour cases of `tests/cases/tenant.yaml` (run by the Python and Node suites
/// too): tenant file → namespace, clusters, rendered objects and Secret sources, or error.
#[test]
fn shared_cases() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/cases/tenant.yaml");
    let cases: Vec<serde_json::Value> = serde_saphyr::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert!(cases.len() >= 8);
    for case in &cases {
        let name = case["name"].as_str().unwrap();
        let result = TenantSpec::from_yaml(case["tenant"].as_str().unwrap());
        match (&case["expect"], &case["error"]) {
            (expect, serde_json::Value::Null) => {
                let tenant = result.unwrap_or_else(|e| panic!("{name}: {e}"));
                assert_eq!(tenant.namespace.as_str(), expect["namespace"], "{name}");
                let clusters: Vec<&str> = tenant.clusters.iter().map(|c| c.name.as_str()).collect();
                assert_eq!(serde_json::json!(clusters), expect["clusters"], "{name}");
                let manifests = tenant.manifests().unwrap();
                let objects: Vec<String> =
                    trino_platform::kube::sorted(&manifests).iter().map(|m| m.describe()).collect();
                assert_eq!(serde_json::json!(objects), expect["objects"], "{name}");
                for (secret, sources) in expect["secretSources"].as_object().into_iter().flatten() {
                    let manifest = manifests
                        .iter()
                        .find(|m| m.kind() == trino_platform::kube::Kind::Secret && m.name() == secret.as_str())
                        .unwrap();
                    let got: BTreeMap<&String, String> =
                        manifest.secret_data().iter().map(|(k, v)| (k, v.describe())).collect();
                    assert_eq!(serde_json::json!(got), *sources, "{name}: {secret}");
                }
            }
            (serde_json::Value::Null, error) => {
                let err = result.err().unwrap_or_else(|| panic!("{name}: expected an error"));
                assert_eq!(err.kind().as_str(), error["kind"], "{name}: {err}");
                for mention in error["mentions"].as_array().unwrap() {
                    let mention = mention.as_str().unwrap();
                    assert!(err.message().contains(mention), "{name}: {:?} does not mention {mention}", err.message());
                }
            }
            _ => panic!("{name}: give expect or error"),
        }
    }
}

/// The bundles' futures stay small (each system's step is boxed), so that an embedder may run
/// them on any runtime's worker threads (2 MiB stacks by default), in debug builds too: an
/// unboxed tenant apply was 44 KB and overflowed a worker thread's stack.
#[tokio::test]
async fn the_bundle_futures_are_small() {
    let tenant =
        TenantSpec::from_yaml("workspace: acme\nplatform:\n  gateway: {externalUrl: 'https://t.example.com'}\n")
            .unwrap();
    let targets = Targets::new(trino_platform::kube::Kubernetes::from_client(FakeKube::new().client()), None);
    let progress = |_: &BundleEvent| {};
    for (what, size) in [
        ("apply", std::mem::size_of_val(&tenant.apply(&targets, &progress))),
        ("plan", std::mem::size_of_val(&tenant.plan(&targets))),
        ("delete", std::mem::size_of_val(&tenant.delete(&targets, &progress))),
        ("platform apply", std::mem::size_of_val(&tenant.platform().apply(&targets, &progress))),
    ] {
        assert!(size < 1024, "the future of {what} takes {size} bytes");
    }
}

/// Without its platform, a cluster bundle says what to do (its namespace is the platform's);
/// `delete` checks the variables it needs before deleting anything; the tenant's labels reach
/// its namespace.
#[tokio::test]
async fn a_cluster_needs_its_platform_and_delete_checks_its_variables_first() {
    let kube = FakeKube::new();
    let targets = Targets::new(trino_platform::kube::Kubernetes::from_client(kube.client()), None);
    let yaml = "workspace: lonely\nlabels: {team: data}\nplatform:\n  gateway: {externalUrl: 'https://t.example.com'}\n\
                clusters:\n  - name: etl\n    coordinator: {resources: {cpu: 1, memory: 2Gi}}\n    \
                workers: {replicas: 1, resources: {cpu: 1, memory: 2Gi}}\n";
    let tenant = TenantSpec::from_yaml(yaml).unwrap();
    let namespace = tenant.platform().manifests().unwrap().into_iter().next().unwrap();
    assert_eq!(namespace.object()["metadata"]["labels"]["team"], "data");

    let bundle = tenant.cluster_bundle("etl").unwrap();
    for err in
        [bundle.plan(&targets).await.unwrap_err(), bundle.apply(&targets, &|_: &BundleEvent| {}).await.unwrap_err()]
    {
        assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
        assert!(err.message().contains("apply the platform bundle first"), "{err}");
    }
    assert_eq!(kube.writes(), 0);

    let keycloak = yaml.replace(
        "platform:\n",
        "platform:\n  keycloak:\n    url: https://kc.example.com\n    credentials: {grant: password, username: admin, passwordEnv: TP_TEST_SURELY_UNSET_KC}\n    client: {realm: r, clientId: trino}\n",
    );
    let tenant = TenantSpec::from_yaml(&keycloak).unwrap();
    let err = tenant.delete(&targets, &|_: &BundleEvent| {}).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.message().contains("TP_TEST_SURELY_UNSET_KC"), "{err}");
    assert_eq!(kube.writes(), 0, "nothing deleted before the check");
}
