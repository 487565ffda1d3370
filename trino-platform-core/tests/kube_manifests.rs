//! Rendered Kubernetes manifests of a Trino cluster and of a gateway, without a cluster.
//!
//! Every manifest is checked by an independent validator: `kubernetes-validate --strict` (PyPI,
//! from `$TP_VENV`) for each supported Kubernetes release, and the KubeBlocks `Cluster` against
//! its CRD's OpenAPI schema (`kube_support/validate.py`). Node files are compared with golden
//! files under `tests/golden/kube/` for two Trino versions whose keys differ; rewrite them after
//! an intended change with `UPDATE_GOLDEN=1 cargo test --profile ci -p trino-platform-core --test
//! kube_manifests golden` and review the diff.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use trino_platform::ErrorKind;
use trino_platform::exchange::Workspace;
use trino_platform::kube::{
    CONFIG_CHECKSUM_ANNOTATION, GatewayDeploymentSpec, Kind, Manifest, ObjectName, TrinoClusterSpec, namespace,
    to_yaml_stream,
};

/// Kubernetes releases the manifests are checked against (k8s-openapi's `v1_33` is the oldest
/// whose types we build with; 1.37 is kubernetes-validate's newest).
const KUBERNETES_VERSIONS: &str = "1.33.0,1.34.0,1.35.0,1.36.0,1.37.0";

/// A secret value of the fixture: it must never appear in anything rendered.
const SOLR_PASSWORD: &str = "tp-solr-password-never-rendered";

fn cluster_yaml(version: u32) -> String {
    format!(
        r#"
name: etl
workspace: acme
namespace: trino-acme
routingGroup: etl
trinoVersion: {version}
serviceAccount: {{iamRoleArn: 'arn:aws:iam::111122223333:role/acme-trino'}}
coordinator:
  resources: {{cpu: 2, memory: 8Gi}}
  config: {{query.max-memory: 40GB}}
workers:
  replicas: 3
  resources: {{cpu: "4", memory: 16Gi}}
  jvmOptions: [-XX:+UseG1GC]
catalogs:
  - name: delta
    deltaLake:
      metastoreUri: [thrift://hms-0.hms:9083, thrift://hms-1.hms:9083]
      s3: {{region: eu-central-1, credentials: {{type: environment}}}}
      registerTableProcedure: true
    properties: {{delta.vacuum.min-retention: 1d}}
exchange:
  workspace: acme
  region: eu-central-1
  trino: {{credentials: {{type: iam-role, roleArn: 'arn:aws:iam::111122223333:role/acme-trino'}}}}
oauth2:
  trinoVersion: {version}
  issuer: https://kc.example.com/realms/acme
  clientId: trino
  refreshTokens: true
ranger:
  serviceName: acme_trino
  adminUrls: [http://ranger-admin.ranger:6080]
  downloadAuth: {{username: trino, password: {{env: RANGER_DOWNLOAD_PASSWORD}}}}
  audit:
    solr: {{urls: ['http://solr:8983/solr/ranger_audits'], user: ranger, password: {SOLR_PASSWORD}, spoolDir: /var/lib/trino/ranger/solr-spool}}
secrets:
  S3_SECRET_KEY: {{fromEnv: ACME_S3_SECRET}}
logLevels: {{io.trino.plugin.deltalake: DEBUG}}
labels: {{team: data-platform}}
"#
    )
}

const GATEWAY_YAML: &str = r#"
workspace: acme
namespace: trino-acme
externalUrl: https://trino.acme.example.com
tls: {secretName: trino-gateway-tls}
ingress: {scheme: internet-facing, certificateArn: 'arn:aws:acm:eu-central-1:111122223333:certificate/abc'}
rules: |
  rules:
    - {name: etl, when: {source: {equals: airflow}}, routingGroup: etl}
config:
  routing: {fallbackGroup: adhoc}
  health: {interval: 10s}
database: {replicas: 3, storage: 50Gi, storageClass: gp3}
"#;

fn cluster(version: u32) -> TrinoClusterSpec {
    TrinoClusterSpec::from_yaml(&cluster_yaml(version)).unwrap_or_else(|e| panic!("{e}"))
}

fn all_manifests() -> Vec<Manifest> {
    let mut manifests = vec![
        namespace(&ObjectName::new("trino-acme").unwrap(), &Workspace::new("acme").unwrap(), &BTreeMap::new()).unwrap(),
    ];
    manifests.extend(cluster(476).manifests().unwrap());
    manifests.extend(GatewayDeploymentSpec::from_yaml(GATEWAY_YAML).unwrap().manifests().unwrap());
    manifests
}

fn find<'a>(manifests: &'a [Manifest], kind: Kind, name: &str) -> &'a Value {
    manifests
        .iter()
        .find(|m| m.kind() == kind && m.name() == name)
        .unwrap_or_else(|| {
            panic!("no {kind} {name} in {:?}", manifests.iter().map(Manifest::describe).collect::<Vec<_>>())
        })
        .object()
}

/// `kubernetes-validate --strict` for every supported release, and the KubeBlocks CRD schema.
#[test]
fn every_manifest_passes_the_independent_schema_checks() {
    let venv =
        std::env::var("TP_VENV").expect("TP_VENV is set by env.sh (the harness's venv, with kubernetes-validate)");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("manifests.yaml");
    std::fs::write(&file, to_yaml_stream(&all_manifests()).unwrap()).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/kube_support/validate.py");
    let out = Command::new(Path::new(&venv).join("bin/python"))
        .arg(script)
        .arg(&file)
        .args(["--kubernetes-versions", KUBERNETES_VERSIONS])
        .output()
        .expect("run validate.py");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    let summary: Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    assert_eq!(summary["kubeblocks"], 1, "{summary}");
    assert_eq!(summary["failures"], 0, "{summary}");
}

/// The validator is not a rubber stamp: an unknown field fails it.
#[test]
fn the_schema_check_rejects_an_unknown_field() {
    let venv = std::env::var("TP_VENV").expect("TP_VENV is set by env.sh");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.yaml");
    let mut manifests = all_manifests();
    let gateway = GatewayDeploymentSpec::from_yaml(GATEWAY_YAML).unwrap();
    let mut db = gateway
        .manifests()
        .unwrap()
        .into_iter()
        .find(|m| m.kind() == Kind::KubeBlocksCluster)
        .unwrap()
        .object()
        .clone();
    db["spec"]["componentSpecs"][0]["replicaz"] = 2.into();
    db["metadata"]["name"] = "bad-db".into();
    manifests.push(Manifest::new(Kind::KubeBlocksCluster, &db).unwrap());
    let mut service = find(&manifests, Kind::Service, "trino-etl").clone();
    service["spec"]["portz"] = Value::Array(vec![]);
    service["metadata"]["name"] = "bad-service".into();
    manifests.push(Manifest::new(Kind::Service, &service).unwrap());
    std::fs::write(&file, to_yaml_stream(&manifests).unwrap()).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/kube_support/validate.py");
    let out = Command::new(Path::new(&venv).join("bin/python"))
        .args([script.as_os_str(), file.as_os_str()])
        .args(["--kubernetes-versions", "1.33.0"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{stdout}");
    assert!(stdout.contains("replicaz") && stdout.contains("portz"), "{stdout}");
}

/// The node files of Trino 476 and 481 (the native S3 switch, the groups claim key and the
/// Vector API module differ) match `tests/golden/kube/<version>/`.
#[test]
fn node_files_match_golden() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut mismatches = Vec::new();
    for version in [476, 481] {
        let files = cluster(version).files().unwrap();
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("tests/golden/kube/{version}"));
        let mut rendered: BTreeMap<String, String> = BTreeMap::new();
        for (role, node) in [("coordinator", &files.coordinator), ("worker", &files.worker)] {
            for (name, text) in &node.files {
                rendered.insert(format!("{role}/{name}"), text.clone());
            }
            for file in node.ranger_files.iter().filter(|f| !f.secret) {
                rendered.insert(format!("{role}/{}", file.name), file.contents.clone());
            }
        }
        for (name, text) in &files.catalogs {
            rendered.insert(format!("catalog/{name}"), text.clone());
        }
        for (name, text) in rendered {
            assert!(!text.contains(SOLR_PASSWORD), "{name} holds a secret");
            let path = dir.join(&name);
            if update {
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(&path, &text).unwrap();
            } else if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
                mismatches.push(format!("{}\n--- rendered ---\n{text}", path.display()));
            }
        }
    }
    assert!(mismatches.is_empty(), "rerun with UPDATE_GOLDEN=1 if intended:\n{}", mismatches.join("\n"));
    let old = cluster(476).files().unwrap();
    let new = cluster(481).files().unwrap();
    assert!(old.catalogs["delta.properties"].contains("fs.native-s3.enabled=true"));
    assert!(new.catalogs["delta.properties"].contains("fs.s3.enabled=true"));
    assert!(new.worker.files["jvm.config"].contains("--add-modules=jdk.incubator.vector"));
    assert!(!old.worker.files["jvm.config"].contains("jdk.incubator.vector"));
}

/// Secrets: no value in any rendered object, each `${ENV:…}` of the files fed from the
/// cluster's Secret with its source (generated, copied from a variable, as `secrets` says),
/// secret-bearing Ranger files from a Secret, never from a ConfigMap.
#[test]
fn secrets_stay_out_of_config_maps_and_every_reference_is_fed() {
    let manifests = all_manifests();
    let yaml = to_yaml_stream(&manifests).unwrap();
    assert!(!yaml.contains(SOLR_PASSWORD), "a secret value was rendered");
    assert!(!format!("{manifests:?}").contains(SOLR_PASSWORD), "a secret value is in Debug output");

    let secret = manifests.iter().find(|m| m.kind() == Kind::Secret && m.name() == "trino-etl").unwrap();
    let sources: BTreeMap<&str, String> =
        secret.secret_data().iter().map(|(k, v)| (k.as_str(), v.describe())).collect();
    assert_eq!(sources["TRINO_INTERNAL_SHARED_SECRET"], "generated");
    assert_eq!(sources["TRINO_OAUTH2_STATE_KEY"], "generated");
    assert_eq!(sources["TRINO_OAUTH2_REFRESH_TOKENS_SECRET_KEY"], "generated");
    assert_eq!(sources["TRINO_OAUTH2_CLIENT_SECRET"], "env:TRINO_OAUTH2_CLIENT_SECRET");
    assert_eq!(sources["S3_SECRET_KEY"], "env:ACME_S3_SECRET");
    assert_eq!(sources["RANGER_DOWNLOAD_PASSWORD"], "env:RANGER_DOWNLOAD_PASSWORD");
    assert!(secret.object().get("data").is_none() && secret.object().get("stringData").is_none());

    let ranger = manifests.iter().find(|m| m.kind() == Kind::Secret && m.name() == "trino-etl-ranger").unwrap();
    assert_eq!(ranger.secret_data().keys().collect::<Vec<_>>(), ["ranger-trino-audit.xml"]);
    let coordinator_map = find(&manifests, Kind::ConfigMap, "trino-etl-coordinator");
    assert!(coordinator_map["data"].get("ranger-trino-audit.xml").is_none());
    assert!(
        coordinator_map["data"]["ranger-trino-security.xml"].as_str().unwrap().contains("RANGER_DOWNLOAD_PASSWORD")
    );

    // Each role's container reads exactly the variables its files name, from the Secret.
    let env_of = |deployment: &str| -> Vec<String> {
        let d = find(&manifests, Kind::Deployment, deployment);
        d["spec"]["template"]["spec"]["containers"][0]["env"]
            .as_array()
            .unwrap()
            .iter()
            .inspect(|e| assert_eq!(e["valueFrom"]["secretKeyRef"]["name"], "trino-etl"))
            .map(|e| e["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let coordinator = env_of("trino-etl-coordinator");
    let worker = env_of("trino-etl-worker");
    assert!(coordinator.contains(&"TRINO_OAUTH2_CLIENT_SECRET".to_owned()));
    assert!(!worker.contains(&"TRINO_OAUTH2_CLIENT_SECRET".to_owned()), "{worker:?}");
    assert!(
        worker.contains(&"TRINO_INTERNAL_SHARED_SECRET".to_owned()) && worker.contains(&"S3_SECRET_KEY".to_owned())
    );
}

/// The pod template's checksum follows the files: a changed property rolls the pods, an
/// unchanged spec keeps them.
#[test]
fn pods_roll_when_their_config_changes() {
    let checksum = |spec: &TrinoClusterSpec, name: &str| {
        let manifests = spec.manifests().unwrap();
        find(&manifests, Kind::Deployment, name)["spec"]["template"]["metadata"]["annotations"]
            [CONFIG_CHECKSUM_ANNOTATION]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let spec = cluster(476);
    assert_eq!(checksum(&spec, "trino-etl-worker"), checksum(&cluster(476), "trino-etl-worker"));
    let mut changed = spec.clone();
    changed.workers.config.insert("task.concurrency".into(), "8".into());
    assert_ne!(checksum(&spec, "trino-etl-worker"), checksum(&changed, "trino-etl-worker"));
    assert_eq!(checksum(&spec, "trino-etl-coordinator"), checksum(&changed, "trino-etl-coordinator"));
    let mut catalog = spec.clone();
    catalog.catalogs[0].properties.insert("delta.max-partitions-per-writer".into(), "200".into());
    assert_ne!(checksum(&spec, "trino-etl-coordinator"), checksum(&catalog, "trino-etl-coordinator"));
}

/// Workers drain before they stop; the coordinator is ready only when Trino says so.
#[test]
fn workers_drain_and_the_coordinator_reports_readiness() {
    let manifests = cluster(476).manifests().unwrap();
    let worker = &find(&manifests, Kind::Deployment, "trino-etl-worker")["spec"];
    assert_eq!(worker["replicas"], 3);
    let pod = &worker["template"]["spec"];
    let hook = pod["containers"][0]["lifecycle"]["preStop"]["exec"]["command"][2].as_str().unwrap();
    assert!(hook.contains("/v1/info/state") && hook.contains("SHUTTING_DOWN"), "{hook}");
    assert_eq!(pod["terminationGracePeriodSeconds"], 600 + 2 * 30);
    let coordinator = &find(&manifests, Kind::Deployment, "trino-etl-coordinator")["spec"];
    assert_eq!(coordinator["strategy"]["type"], "Recreate");
    let container = &coordinator["template"]["spec"]["containers"][0];
    assert_eq!(container["readinessProbe"]["exec"]["command"][0], "/usr/lib/trino/bin/health-check");
    assert_eq!(container["livenessProbe"]["httpGet"]["path"], "/v1/info");
    assert_eq!(container["resources"]["limits"]["memory"], "8Gi");
    assert!(container["resources"]["limits"].get("cpu").is_none());
    let account = find(&manifests, Kind::ServiceAccount, "trino-etl");
    assert_eq!(
        account["metadata"]["annotations"]["eks.amazonaws.com/role-arn"],
        "arn:aws:iam::111122223333:role/acme-trino"
    );
    assert_eq!(cluster(476).coordinator_url().unwrap(), "http://trino-etl.trino-acme.svc:8080");
}

/// The gateway: its PostgreSQL as a KubeBlocks cluster whose account Secret feeds the store,
/// a valid `gateway.yaml`, an ALB Ingress to the TLS port.
#[test]
fn the_gateway_runs_on_its_kubeblocks_postgres() {
    let spec = GatewayDeploymentSpec::from_yaml(GATEWAY_YAML).unwrap();
    let manifests = spec.manifests().unwrap();
    let db = find(&manifests, Kind::KubeBlocksCluster, "trino-gateway-db");
    assert_eq!(db["apiVersion"], "apps.kubeblocks.io/v1");
    assert_eq!(db["spec"]["clusterDef"], "postgresql");
    assert_eq!(db["spec"]["componentSpecs"][0]["replicas"], 3);
    let deployment = find(&manifests, Kind::Deployment, "trino-gateway");
    let container = &deployment["spec"]["template"]["spec"]["containers"][0];
    let pg_password = container["env"].as_array().unwrap().iter().find(|e| e["name"] == "PGPASSWORD").unwrap();
    assert_eq!(pg_password["valueFrom"]["secretKeyRef"]["name"], "trino-gateway-db-postgresql-account-postgres");
    assert_eq!(container["readinessProbe"]["httpGet"]["path"], "/readyz");
    assert_eq!(deployment["spec"]["replicas"], 2);

    let config = find(&manifests, Kind::ConfigMap, "trino-gateway");
    let yaml = config["data"]["gateway.yaml"].as_str().unwrap();
    trino_platform::gateway::GatewayConfig::check_template(yaml).unwrap();
    assert!(yaml.contains("postgres://trino-gateway-db-postgresql-postgresql.trino-acme.svc:5432/postgres"), "{yaml}");
    assert!(yaml.contains("fallbackGroup: adhoc") && yaml.contains("/etc/trino-platform/rules.yaml"), "{yaml}");

    let ingress = find(&manifests, Kind::Ingress, "trino-gateway");
    assert_eq!(ingress["spec"]["ingressClassName"], "alb");
    assert_eq!(ingress["spec"]["rules"][0]["host"], "trino.acme.example.com");
    assert_eq!(ingress["metadata"]["annotations"]["alb.ingress.kubernetes.io/backend-protocol"], "HTTPS");
    assert_eq!(ingress["metadata"]["annotations"]["alb.ingress.kubernetes.io/scheme"], "internet-facing");
}

/// Bad specs fail while reading, with the field (and line) named.
#[test]
fn invalid_specs_name_the_field_and_line() {
    let base = cluster_yaml(476);
    let cases = [
        (base.replace("  replicas: 3\n", "  replicas: 0\n"), "at least 1 worker", Some(12)),
        (base.replace("memory: 16Gi", "memory: 16GB"), "invalid quantity \"16GB\"", Some(13)),
        (
            base.replace("      metastoreUri: [thrift://hms-0.hms:9083, thrift://hms-1.hms:9083]\n", ""),
            "metastoreUri",
            None,
        ),
        (base.replace("routingGroup: etl\n", "routingGroup: etl\nreplicas: 2\n"), "unknown field `replicas`", Some(6)),
        (base.replace("cpu: 2, memory: 8Gi", "cpu: 2, memory: 512Mi"), "at least 1Gi", None),
        (base.replace("namespace: trino-acme", "namespace: Trino_Acme"), "invalid name", Some(4)),
        (base.replace("  config: {query.max-memory: 40GB}", "  config: {'bad key': x}"), "coordinator.config", None),
    ];
    for (yaml, expected, line) in cases {
        let err = TrinoClusterSpec::from_yaml(&yaml).expect_err(expected);
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert!(err.message().contains(expected), "want {expected:?} in: {err}");
        if let Some(line) = line {
            assert!(err.message().contains(&format!("line {line}")), "want line {line} in: {err}");
        }
    }
    for (yaml, expected) in [
        (GATEWAY_YAML.replace("workspace: acme", "workspace: acme\nreplicas: 1"), "replicas: 1 is too few"),
        (GATEWAY_YAML.replace("  health: {interval: 10s}", "  health: {intervall: 10s}"), "intervall"),
        (GATEWAY_YAML.replace("  routing: {fallbackGroup: adhoc}", "  listen: {}"), "config.listen"),
        (GATEWAY_YAML.replace("routingGroup: etl}", "routingGroup: etl, bogus: 1}"), "rules"),
    ] {
        let err = GatewayDeploymentSpec::from_yaml(&yaml).expect_err(expected);
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert!(err.message().contains(expected), "want {expected:?} in: {err}");
    }
}
