//! The files under `examples/` stay valid: each is loaded or rendered by the CLI as the README
//! and the files' own comments say.

use std::process::Command;

fn run(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_trino-platform"))
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .args(args)
        .env("TRINO_PLATFORM_ADMIN_TOKEN", "example-token")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{args:?}: {stderr}");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn exchange_example_renders() {
    let text = run(&["exchange", "render", "--spec", "examples/exchange.yaml"]);
    assert!(text.contains("exchange.base-directories=s3://trino-exchange-acme-analytics"), "{text}");
}

#[test]
fn ranger_example_renders() {
    let text = run(&["ranger", "render", "--config", "examples/ranger/plugin.yaml"]);
    assert!(text.contains("ranger.service.name=tenant-a_trino"), "{text}");
}

#[test]
fn keycloak_example_renders() {
    let text = run(&["keycloak", "render", "trino", "--spec", "examples/keycloak/trino-oauth2.yaml"]);
    assert!(
        text.contains("http-server.authentication.oauth2.issuer=https://keycloak.example.com/realms/platform"),
        "{text}"
    );
}

#[test]
fn gateway_example_config_loads() {
    let config = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/gateway.yaml"));
    // SAFETY: the only test in this binary touching the environment.
    unsafe { std::env::set_var("TRINO_PLATFORM_ADMIN_TOKEN", "example-token") };
    let loaded = trino_platform::gateway::GatewayConfig::load(config).unwrap();
    assert!(loaded.routing.rules_file.unwrap().ends_with("examples/rules.yaml"));
    trino_platform::routing::RoutingRules::load(&config.with_file_name("rules.yaml")).unwrap();
}

#[test]
fn tenant_example_renders_for_gitops() {
    let yaml = run(&["deploy", "render", "--tenant", "examples/tenant.yaml"]);
    for object in
        ["kind: Namespace", "kind: Cluster", "kind: Ingress", "name: trino-etl-worker", "name: trino-adhoc-coordinator"]
    {
        assert!(yaml.contains(object), "{object} missing");
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let json = run(&["--output", "json", "deploy", "render", "--tenant", "examples/tenant.yaml", "--out-dir", out]);
    let written: Vec<String> = serde_json::from_str(&json).unwrap();
    assert_eq!(written.len(), yaml.matches("\n---\n").count() + 2, "one file per object and the kustomization");
    let kustomization = std::fs::read_to_string(dir.path().join("kustomization.yaml")).unwrap();
    assert!(kustomization.contains("- 00-namespace-trino-acme.yaml"), "{kustomization}");
    let one = run(&["deploy", "render", "--tenant", "examples/tenant.yaml", "--cluster", "adhoc"]);
    assert!(one.contains("trino-adhoc") && !one.contains("trino-etl") && !one.contains("kind: Namespace"));
}
