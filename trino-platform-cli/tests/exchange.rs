//! `trino-platform exchange …` end to end: rendering without a network, and plan / ensure /
//! describe / teardown against the harness's real S3 server (moto, `TP_TEST_S3_ENDPOINT`), in
//! both output formats, with one-line typed failures and their exit codes.
//!
//! The S3 tests fail when the service is missing; they are skipped (and say so) only when
//! `TP_SKIP_SERVICES` names `s3`.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_trino-platform")).args(args).output().unwrap()
}

fn json(args: &[&str]) -> Value {
    let out = run(&[args, &["--output", "json"]].concat());
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

fn s3_endpoint() -> Option<String> {
    if let Ok(value) = std::env::var("TP_TEST_S3_ENDPOINT") {
        return Some(value);
    }
    let skipped = std::env::var("TP_SKIP_SERVICES").unwrap_or_default();
    if skipped.split(',').any(|s| s.trim() == "s3") {
        eprintln!("SKIPPED: s3 tests (TP_SKIP_SERVICES={skipped})");
        return None;
    }
    panic!(
        "TP_TEST_S3_ENDPOINT is not set: run `scripts/services start` and source its env.sh, or set TP_SKIP_SERVICES=s3"
    );
}

fn write_spec(dir: &Path, yaml: &str) -> String {
    let path = dir.join("exchange.yaml");
    std::fs::write(&path, yaml).unwrap();
    path.display().to_string()
}

#[test]
fn render_writes_the_trino_files_without_a_network() {
    let dir = tempfile::tempdir().unwrap();
    let spec = write_spec(
        dir.path(),
        "workspace: acme\nregion: eu-central-1\nprincipals: ['arn:aws:iam::111122223333:role/acme-trino']\n\
         credentials: {accessKeyId: AKIAEXAMPLE, secretAccessKey: cli-secret-value}\n",
    );
    let out_dir = dir.path().join("etc");
    let written = json(&["exchange", "render", "--spec", &spec, "--out-dir", out_dir.to_str().unwrap()]);
    assert_eq!(written["written"].as_array().unwrap().len(), 4, "{written}");
    let props = std::fs::read_to_string(out_dir.join("exchange-manager.properties")).unwrap();
    assert!(props.contains("exchange.base-directories=s3://trino-exchange-acme\n"), "{props}");
    let policy: Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("bucket-policy.json")).unwrap()).unwrap();
    assert_eq!(policy["Statement"][0]["Sid"], "DenyInsecureTransport");
    for name in [
        "exchange-manager.properties",
        "config.fault-tolerant.properties",
        "bucket-policy.json",
        "trino-iam-policy.json",
    ] {
        assert!(!std::fs::read_to_string(out_dir.join(name)).unwrap().contains("cli-secret-value"), "{name}");
    }

    let printed = run(&["exchange", "render", "--spec", &spec]);
    assert!(printed.status.success());
    assert!(String::from_utf8_lossy(&printed.stdout).starts_with("# exchange-manager.properties\n"));

    // A reader that goes away (`| head -1`) is no failure and no panic.
    let mut child = Command::new(env!("CARGO_BIN_EXE_trino-platform"))
        .args(["exchange", "render", "--spec", &spec])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn invalid_specs_fail_in_one_line_with_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    let spec = write_spec(dir.path(), "workspace: acme\nlifecycle: {expireAfterDays: 0}\n");
    for command in ["plan", "render"] {
        let out = run(&["exchange", command, "--spec", &spec]);
        assert_eq!(out.status.code(), Some(2), "{command}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.starts_with("error: ") && stderr.contains("region"), "{stderr}");
    }
    let out = run(&["exchange", "plan", "--spec", &spec, "--output", "json"]);
    let error: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(error["error"]["kind"], "InvalidInput");
    let out = run(&["exchange", "plan", "--spec", "/nonexistent/exchange.yaml"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn lifecycle_from_the_command_line() {
    let Some(endpoint) = s3_endpoint() else { return };
    let dir = tempfile::tempdir().unwrap();
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    let ws = format!("cli{}-{}", std::process::id() % 100_000, nanos % 100_000);
    let spec =
        write_spec(dir.path(), &format!("workspace: {ws}\nregion: us-east-1\nendpoint: {endpoint}\npathStyle: true\n"));

    let plan = json(&["exchange", "plan", "--spec", &spec]);
    assert_eq!(plan["ownership"], "absent");
    assert_eq!(plan["changes"].as_array().unwrap().len(), 7);
    assert!(plan["warnings"][0].as_str().unwrap().contains("plain HTTP"));

    let ensured = json(&["exchange", "ensure", "--spec", &spec]);
    assert_eq!(ensured["created"], true);
    assert_eq!(json(&["exchange", "ensure", "--spec", &spec])["applied"], serde_json::json!([]));

    let described = json(&["exchange", "describe", "--spec", &spec]);
    assert_eq!(described["inSync"], true);
    assert_eq!(described["state"]["tags"]["managed-by"], "trino-platform");
    let table = run(&["exchange", "describe", "--spec", &spec]);
    assert!(String::from_utf8_lossy(&table.stdout).contains("in sync: true"));

    let table = run(&["exchange", "teardown", "--spec", &spec]);
    assert!(table.status.success(), "{}", String::from_utf8_lossy(&table.stderr));
    assert!(String::from_utf8_lossy(&table.stdout).contains(": deleted"), "{}", String::from_utf8_lossy(&table.stdout));
    let again = json(&["exchange", "teardown", "--spec", &spec]);
    assert_eq!(again["existed"], false);
}
