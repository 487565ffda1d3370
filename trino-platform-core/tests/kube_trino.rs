//! The node files a `TrinoClusterSpec` renders, run by a real Trino (the harness's Trino 476
//! distribution, `TP_TEST_TRINO_HOME`, on its JDK, `TP_TEST_TRINO_JAVA_HOME`): Trino refuses to
//! start on any property it does not know, so this is what proves the files right.
//!
//! - A coordinator and a worker started on the rendered `config.properties`, `node.properties`,
//!   `jvm.config` and `log.properties` form a cluster and answer a query; the worker's preStop
//!   command from its Deployment drains it and it exits.
//! - A coordinator with the OAuth2 properties rendered for the harness's Keycloak starts over
//!   plain HTTP (TLS ends at the gateway) and, behind forwarded HTTPS headers, challenges an
//!   unauthenticated client with Trino's OAuth2 `WWW-Authenticate`.
//!
//! Only what a pod provides differently is changed: ports and addresses on loopback (as
//! config overrides the spec allows), `-Dnode.id` (the Trino image sets it from the host name)
//! and the data directory (a pod's `emptyDir`).

mod support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use support::service_var;
use trino_platform::kube::{CONFIG_DIR, Kind, NodeFiles, TrinoClusterSpec};

struct Trino {
    home: PathBuf,
    java: PathBuf,
}

fn trino() -> Option<Trino> {
    let home = service_var("TP_TEST_TRINO_HOME", "trino")?;
    let java = service_var("TP_TEST_TRINO_JAVA_HOME", "trino")?;
    Some(Trino { home: home.into(), java: java.into() })
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A node started on `files` (and the catalogs) in `dir`; killed on drop.
struct Node {
    child: Child,
    log: PathBuf,
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Trino {
    fn start(
        &self,
        dir: &Path,
        id: &str,
        node: &NodeFiles,
        catalogs: &[(String, String)],
        env: &[(&str, &str)],
    ) -> Node {
        let etc = dir.join(id).join("etc");
        std::fs::create_dir_all(etc.join("catalog")).unwrap();
        // In a pod the files are in /etc/trino; here in this node's own etc directory.
        let here = format!("{}/", etc.display());
        for (name, text) in &node.files {
            std::fs::write(etc.join(name), text.replace(&format!("{CONFIG_DIR}/"), &here)).unwrap();
        }
        for (name, text) in catalogs {
            std::fs::write(etc.join("catalog").join(name), text).unwrap();
        }
        let data = dir.join(id).join("data");
        std::fs::create_dir_all(&data).unwrap();
        let log = dir.join(id).join("trino.log");
        let child = Command::new(self.home.join("bin/launcher"))
            .arg("run")
            .arg(format!("-etc-dir={}", etc.display()))
            .arg(format!("-data-dir={}", data.display()))
            .arg(format!("-jvm-dir={}", self.java.display()))
            .arg(format!("-Dnode.id={id}"))
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            // Trino logs to its standard error when run in the foreground.
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        Node { child, log }
    }
}

impl Node {
    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits until `/v1/info` says the node has started; fails with its log when it exits.
    async fn ready(&mut self, port: u16) {
        let deadline = Instant::now() + Duration::from_secs(120);
        let client = support::keycloak::http();
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("Trino exited ({status}) on the rendered files:\n{}", self.log());
            }
            let info = client.get(format!("http://127.0.0.1:{port}/v1/info")).send().await;
            if let Ok(info) = info
                && let Ok(json) = info.json::<Value>().await
                && json["starting"] == false
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        panic!("Trino did not start within 120 s:\n{}", self.log());
    }
}

/// Runs `sql` on the coordinator at `port` as `user`, following `nextUri` to the end; the rows.
async fn query(port: u16, sql: &str) -> Vec<Value> {
    let client = support::keycloak::http();
    let mut page: Value = client
        .post(format!("http://127.0.0.1:{port}/v1/statement"))
        .header("X-Trino-User", "tester")
        .body(sql.to_owned())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut rows = Vec::new();
    loop {
        if let Some(error) = page.get("error") {
            panic!("{sql}: {error}");
        }
        rows.extend(page["data"].as_array().into_iter().flatten().cloned());
        let Some(next) = page["nextUri"].as_str() else { return rows };
        page = client.get(next).header("X-Trino-User", "tester").send().await.unwrap().json().await.unwrap();
    }
}

const SECRETS: [(&str, &str); 3] = [
    ("TRINO_INTERNAL_SHARED_SECRET", "a-shared-secret-for-every-node-of-the-test-cluster"),
    ("TRINO_OAUTH2_STATE_KEY", "a-state-key-for-the-test-coordinators-oauth2-flows"),
    ("TRINO_OAUTH2_CLIENT_SECRET", "the-client-secret-is-not-used-by-this-test"),
];

#[tokio::test]
async fn a_rendered_coordinator_and_worker_form_a_cluster_and_the_worker_drains() {
    let Some(trino) = trino() else { return };
    let (port, worker_port) = (free_port(), free_port());
    let spec = TrinoClusterSpec::from_yaml(&format!(
        "name: etl\nworkspace: acme-test\nnamespace: trino-acme\n\
         coordinator:\n  resources: {{cpu: 1, memory: 2Gi}}\n  jvmOptions: [-Xmx1G]\n  \
         config: {{http-server.http.port: '{port}', discovery.uri: 'http://127.0.0.1:{port}', node.internal-address: 127.0.0.1, \
         node-scheduler.include-coordinator: 'false'}}\n\
         workers:\n  replicas: 1\n  resources: {{cpu: 1, memory: 2Gi}}\n  jvmOptions: [-Xmx1G]\n  shutdownGracePeriod: 1s\n  \
         config: {{http-server.http.port: '{worker_port}', discovery.uri: 'http://127.0.0.1:{port}', node.internal-address: 127.0.0.1}}\n\
         logLevels: {{io.trino.server: INFO}}\n"
    ))
    .unwrap();
    let files = spec.files().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut coordinator = trino.start(dir.path(), "coordinator", &files.coordinator, &[], &SECRETS);
    coordinator.ready(port).await;
    let mut worker = trino.start(dir.path(), "worker", &files.worker, &[], &SECRETS);
    worker.ready(worker_port).await;

    // The worker joins; queries run on it (the coordinator schedules none).
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let rows =
            query(port, "SELECT count(*) FROM system.runtime.nodes WHERE state = 'active' AND NOT coordinator").await;
        if rows == [serde_json::json!([1])] {
            break;
        }
        assert!(Instant::now() < deadline, "the worker never joined:\n{}", worker.log());
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let rows = query(port, "SELECT count(*) FROM (VALUES 1, 2, 3) AS t(x)").await;
    assert_eq!(rows, [serde_json::json!([3])]);

    // The worker Deployment's preStop command, as the kubelet runs it before stopping the pod.
    let manifests = spec.manifests().unwrap();
    let deployment = manifests.iter().find(|m| m.kind() == Kind::Deployment && m.name() == "trino-etl-worker").unwrap();
    let hook =
        deployment.object()["spec"]["template"]["spec"]["containers"][0]["lifecycle"]["preStop"]["exec"]["command"]
            .as_array()
            .unwrap()
            .iter()
            .map(|part| part.as_str().unwrap().replace("localhost:8080", &format!("127.0.0.1:{worker_port}")))
            .collect::<Vec<_>>();
    let drained = tokio::task::spawn_blocking(move || Command::new(&hook[0]).args(&hook[1..]).status());
    let status =
        tokio::time::timeout(Duration::from_secs(120), drained).await.expect("the hook returns").unwrap().unwrap();
    assert!(status.success(), "the preStop hook failed:\n{}", worker.log());
    assert!(worker.log().contains("Shutdown requested"), "{}", worker.log());
    let exited = Instant::now() + Duration::from_secs(30);
    while worker.child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < exited, "the worker did not exit after draining:\n{}", worker.log());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn a_rendered_oauth2_coordinator_challenges_behind_forwarded_https() {
    let Some(trino) = trino() else { return };
    let Some(keycloak) = service_var("TP_TEST_KEYCLOAK_URL", "keycloak") else { return };
    let port = free_port();
    let spec = TrinoClusterSpec::from_yaml(&format!(
        "name: etl\nworkspace: acme\nnamespace: trino-acme\n\
         coordinator:\n  resources: {{cpu: 1, memory: 2Gi}}\n  jvmOptions: [-Xmx1G]\n  \
         config: {{http-server.http.port: '{port}', discovery.uri: 'http://127.0.0.1:{port}', node.internal-address: 127.0.0.1, \
         node-scheduler.include-coordinator: 'true'}}\n\
         workers: {{replicas: 1, resources: {{cpu: 1, memory: 2Gi}}}}\n\
         oauth2: {{trinoVersion: 476, issuer: '{keycloak}/realms/master', clientId: trino}}\n"
    ))
    .unwrap();
    let files = spec.files().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut coordinator = trino.start(dir.path(), "coordinator", &files.coordinator, &[], &SECRETS);
    coordinator.ready(port).await;

    let answer = support::keycloak::http()
        .post(format!("http://127.0.0.1:{port}/v1/statement"))
        .header("X-Forwarded-Proto", "https")
        .header("X-Forwarded-Host", "trino.acme.example.com")
        .body("SELECT 1")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 401, "{}", coordinator.log());
    let challenge = answer.headers()["www-authenticate"].to_str().unwrap().to_owned();
    assert!(
        challenge.contains("x_redirect_server=\"https://trino.acme.example.com/oauth2/token/initiate/"),
        "{challenge}"
    );
    assert!(challenge.contains("x_token_server=\"https://trino.acme.example.com/oauth2/token/"), "{challenge}");
}
