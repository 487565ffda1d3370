//! `trino-platform deploy plan|apply|delete` as a platform engineer runs it: the cluster from a
//! kubeconfig, the registry from `TRINO_PLATFORM_STORE`, secrets from the variables the tenant
//! names. Against the harness's real S3 (moto), Keycloak and PostgreSQL, and the Kubernetes and
//! Ranger Admin fakes of the core's tests (no API server or Ranger Admin can run here; the
//! fakes follow the real APIs, as their docs list), the Kubernetes one served over HTTP.

#[path = "../../trino-platform-core/tests/support/kube_fake.rs"]
mod kube_fake;
#[path = "../../trino-platform-core/tests/support/ranger_fake.rs"]
mod ranger_fake;

use std::path::Path;
use std::process::Output;

use serde_json::Value;
use trino_platform::keycloak::{AdminCredentials, KeycloakAdmin, KeycloakConnection};

/// A service variable from the harness's env.sh; `None` (with the skip printed) only when
/// `TP_SKIP_SERVICES` names the service.
fn service_var(var: &str, service: &str) -> Option<String> {
    if let Ok(value) = std::env::var(var) {
        return Some(value);
    }
    let skipped = std::env::var("TP_SKIP_SERVICES").unwrap_or_default();
    if skipped.split(',').any(|s| s.trim() == service) {
        eprintln!("SKIPPED: deploy tests need {service} (TP_SKIP_SERVICES={skipped})");
        return None;
    }
    panic!("{var} is not set: run `scripts/services start` and source its env.sh, or set TP_SKIP_SERVICES={service}");
}

async fn deploy(dir: &Path, envs: &[(&str, String)], args: &[&str]) -> Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_trino-platform"))
        .arg("deploy")
        .args(args)
        .arg("--tenant")
        .arg(dir.join("tenant.yaml"))
        .env_remove("TRINO_PLATFORM_STORE")
        .envs(envs.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .await
        .unwrap()
}

fn report(out: &Output) -> Value {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn changes(report: &Value) -> Vec<String> {
    let steps = report["steps"].as_array().unwrap();
    steps
        .iter()
        .filter(|s| matches!(s["outcome"].as_str(), Some("created" | "updated" | "deleted")))
        .map(|s| format!("{} {} {}", s["system"], s["target"], s["outcome"]))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_apply_plan_delete_through_the_cli() {
    let (Some(s3), Some(kc_url), Some(kc_user), Some(kc_password), Some(postgres)) = (
        service_var("TP_TEST_S3_ENDPOINT", "s3"),
        service_var("TP_TEST_KEYCLOAK_URL", "keycloak"),
        service_var("TP_TEST_KEYCLOAK_ADMIN_USER", "keycloak"),
        service_var("TP_TEST_KEYCLOAK_ADMIN_PASSWORD", "keycloak"),
        service_var("TP_TEST_POSTGRES_URL", "postgres"),
    ) else {
        return;
    };
    let workspace = format!("cli-deploy-{}", std::process::id());
    let database = workspace.replace('-', "_");
    let created = std::process::Command::new("psql")
        .args([&postgres, "-qc", &format!("CREATE DATABASE {database}")])
        .status()
        .unwrap();
    assert!(created.success());
    let store = format!("{}/{database}", postgres.rsplit_once('/').unwrap().0);

    let kube = kube_fake::FakeKube::new();
    // Finalizers (the namespaces', KubeBlocks') finish on the next read after a delete.
    kube.finalize_after(0);
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = kube_fake::FakeKube::kubeconfig(dir.path(), &kube.serve().await);
    let ranger = ranger_fake::start().await;
    let realm = format!("cli-deploy-{}", std::process::id());
    std::fs::write(
        dir.path().join("tenant.yaml"),
        format!(
            "workspace: {workspace}\n\
             platform:\n\
             \x20 gateway: {{externalUrl: 'https://{workspace}.example.com'}}\n\
             \x20 exchange: {{region: us-east-1, endpoint: '{s3}', pathStyle: true, requireTls: false}}\n\
             \x20 keycloak:\n\
             \x20   url: {kc_url}\n\
             \x20   credentials: {{grant: password, username: {kc_user}, passwordEnv: TEST_KEYCLOAK_PASSWORD}}\n\
             \x20   client: {{realm: {realm}, clientId: trino, ensureRealm: true}}\n\
             \x20 ranger: {{url: '{ranger}', username: admin, passwordEnv: TEST_RANGER_PASSWORD}}\n\
             clusters:\n\
             \x20 - name: etl\n\
             \x20   coordinator: {{resources: {{cpu: 1, memory: 2Gi}}}}\n\
             \x20   workers: {{replicas: 2, resources: {{cpu: 1, memory: 2Gi}}}}\n\
             \x20   ranger: {{serviceName: cli_etl, adminUrls: ['http://ranger:6080']}}\n",
            ranger = ranger.url(),
        ),
    )
    .unwrap();
    let envs = [
        ("KUBECONFIG", kubeconfig.display().to_string()),
        ("TRINO_PLATFORM_STORE", store.clone()),
        ("TEST_KEYCLOAK_PASSWORD", kc_password.clone()),
        ("TEST_RANGER_PASSWORD", ranger_fake::ADMIN_PASSWORD.to_owned()),
    ];

    let plan = report(&deploy(dir.path(), &envs, &["plan", "--output", "json"]).await);
    assert!(changes(&plan).len() > 10, "{plan}");
    assert_eq!(kube.writes(), 0);

    let applied = deploy(dir.path(), &envs, &["apply", "--wait", "60s"]).await;
    let text = String::from_utf8_lossy(&applied.stdout);
    assert!(applied.status.success(), "{}", String::from_utf8_lossy(&applied.stderr));
    assert!(text.contains("+ Registry   cluster etl"), "{text}");
    assert!(text.contains("+ Kubernetes Deployment"), "{text}");
    let namespace = format!("trino-{workspace}");
    assert!(kube.object("deployments", Some(&namespace), "trino-etl-worker").is_some());

    let again = report(&deploy(dir.path(), &envs, &["plan", "--output", "json"]).await);
    assert!(changes(&again).is_empty(), "{:?}", changes(&again));

    // A missing secret variable: a typed, one-line failure naming it (exit code 2).
    let without: Vec<(&str, String)> = envs.iter().filter(|(k, _)| *k != "TEST_KEYCLOAK_PASSWORD").cloned().collect();
    let failed = deploy(dir.path(), &without, &["apply"]).await;
    assert_eq!(failed.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert!(stderr.contains("TEST_KEYCLOAK_PASSWORD") && stderr.lines().count() == 1, "{stderr}");
    assert!(stderr.starts_with("error: set these environment variables first"), "checked before any step: {stderr}");
    assert!(!stderr.contains(&kc_password));

    let deleted = report(&deploy(dir.path(), &envs, &["delete", "--output", "json"]).await);
    assert!(changes(&deleted).iter().any(|c| c.contains("\"deleted\"")), "{deleted}");
    let terminating = |name: &String| {
        let (plural, rest) = name.split_once(' ').unwrap();
        let (ns, object) = rest.split_once('/').map_or((None, rest), |(ns, object)| (Some(ns), object));
        kube.object(plural, ns, object).is_some_and(|o| o["metadata"]["deletionTimestamp"].is_string())
    };
    assert!(kube.names().iter().all(terminating), "only finalizing objects are left: {:?}", kube.names());
    // Again: nothing left to delete, and what was finalizing is gone.
    let again = report(&deploy(dir.path(), &envs, &["delete", "--output", "json"]).await);
    assert!(changes(&again).is_empty(), "{:?}", changes(&again));
    assert!(kube.names().is_empty(), "{:?}", kube.names());

    let connection = KeycloakConnection::new(kc_url, AdminCredentials::password(kc_user, kc_password));
    KeycloakAdmin::connect(connection).await.unwrap().delete_realm(&realm).await.unwrap();
}
