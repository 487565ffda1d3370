//! `trino-platform ranger …` end to end without a network: rendering the plugin files (secret
//! files written 0600 and never printed), local policy checks in both output formats with
//! their exit statuses (0 allowed, 1 denied, 2 invalid input), and one-line typed failures.
//! The Ranger Admin side (`ensure-service`) is tested in the core against a Ranger Admin fake.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::{Value, json};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_trino-platform")).args(args).env_remove("RANGER_ADMIN_PASSWORD").output().unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).unwrap()
}

fn policies(dir: &Path) -> String {
    let path = dir.join("policies.json");
    let document = json!({"serviceName": "dev_trino", "serviceConfig": {"ranger.plugin.super.users": "trino"}, "policies": [
        {"id": 1, "name": "analysts read sales",
         "resources": {"catalog": {"values": ["delta"]}, "schema": {"values": ["sales"]}, "table": {"values": ["*"]}, "column": {"values": ["*"]}},
         "policyItems": [{"accesses": [{"type": "select"}], "groups": ["analysts"]}]},
        {"id": 2, "name": "no contractors on cards",
         "resources": {"catalog": {"values": ["delta"]}, "schema": {"values": ["sales"]}, "table": {"values": ["orders"]}, "column": {"values": ["card_number"]}},
         "denyPolicyItems": [{"accesses": [{"type": "select"}], "groups": ["contractors"]}]},
        {"id": 3, "name": "mask cards", "policyType": 1,
         "resources": {"catalog": {"values": ["delta"]}, "schema": {"values": ["sales"]}, "table": {"values": ["orders"]}, "column": {"values": ["card_number"]}},
         "dataMaskPolicyItems": [{"accesses": [{"type": "select"}], "groups": ["analysts"], "dataMaskInfo": {"dataMaskType": "MASK_HASH"}}]},
        {"id": 4, "name": "eu rows", "policyType": 2,
         "resources": {"catalog": {"values": ["delta"]}, "schema": {"values": ["sales"]}, "table": {"values": ["orders"]}},
         "rowFilterPolicyItems": [{"accesses": [{"type": "select"}], "groups": ["analysts"], "rowFilterInfo": {"filterExpr": "region = 'EU'"}}]},
        {"id": 5, "name": "queries", "resources": {"queryid": {"values": ["*"]}},
         "policyItems": [{"accesses": [{"type": "execute"}], "users": ["{USER}"]}]}
    ]});
    std::fs::write(&path, document.to_string()).unwrap();
    path.to_string_lossy().into_owned()
}

#[test]
fn check_allows_with_mask_and_filter_and_denies_with_exit_status_1() {
    let dir = tempfile::tempdir().unwrap();
    let policies = policies(dir.path());
    let base = ["ranger", "check", "--policies", &policies];

    let out = run(&[
        &base[..],
        &[
            "--user",
            "alice",
            "--group",
            "analysts",
            "select",
            "delta.sales.orders.card_number",
            "-o",
            "json",
            "--type",
            "varchar(19)",
        ],
    ]
    .concat());
    assert!(out.status.success(), "{}", stderr(&out));
    let result: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(result["allowed"], true);
    assert_eq!(result["policyId"], 1);
    assert_eq!(result["columnMask"]["expression"], "cast(to_hex(sha256(to_utf8(card_number))) as varchar(19))");
    assert_eq!(result["rowFilter"]["expression"], "region = 'EU'");

    let out = run(&[
        &base[..],
        &[
            "--user",
            "eve",
            "-g",
            "analysts",
            "-g",
            "contractors",
            "--explain",
            "select",
            "delta.sales.orders.card_number",
        ],
    ]
    .concat());
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("DENIED  select on delta.sales.orders.card_number  (denyItem, policy 2"), "{text}");
    assert!(text.contains("deny item 1 matches group contractors"), "{text}");

    let out = run(&[&base[..], &["--user", "bob", "execute", "queryid=*"]].concat());
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("ALLOWED  execute on queryid=*"), "{}", stdout(&out));

    let out = run(&[&base[..], &["--user", "trino", "drop-table", "delta.hr.people", "-o", "json"]].concat());
    assert!(out.status.success());
    assert_eq!(serde_json::from_slice::<Value>(&out.stdout).unwrap()["reason"], "superUser");

    let out = run(&[
        &base[..],
        &[
            "--user",
            "a",
            "-g",
            "analysts",
            "select-from-columns",
            "delta.sales.orders",
            "--column",
            "id",
            "--column",
            "card_number",
        ],
    ]
    .concat());
    assert!(out.status.success(), "{}", stderr(&out));

    let out = run(&[&base[..], &["--user", "a", "rename-table", "delta.sales.orders"]].concat());
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("newTarget"), "{}", stderr(&out));
}

#[test]
fn check_rejects_unknown_types_and_bad_policy_files() {
    let dir = tempfile::tempdir().unwrap();
    let policies = policies(dir.path());
    let out = run(&["ranger", "check", "--policies", &policies, "--user", "u", "selec", "delta.sales"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("unknown access type \"selec\""), "{}", stderr(&out));

    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, r#"[{"id": 9, "name": "typo", "resources": {"tabel": {"values": ["x"]}}}]"#).unwrap();
    let out =
        run(&["ranger", "check", "--policies", bad.to_str().unwrap(), "--user", "u", "select", "d", "-o", "json"]);
    assert_eq!(out.status.code(), Some(2));
    let error: Value = serde_json::from_str(stderr(&out).trim()).unwrap();
    assert_eq!(error["error"]["kind"], "InvalidInput");
    assert!(error["error"]["message"].as_str().unwrap().contains("\"tabel\""));

    let out = run(&["ranger", "check", "--policies", "/nonexistent/p.json", "--user", "u", "select", "d"]);
    assert_eq!(out.status.code(), Some(3));
}

#[test]
fn render_writes_secret_files_0600_and_never_prints_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("ranger.yaml");
    std::fs::write(
        &config,
        "serviceName: dev_trino\nadminUrls: [http://ranger:6080]\ndownloadAuth: {username: trino, password: {value: 'Top-S3cret'}}\n",
    )
    .unwrap();
    let config = config.to_str().unwrap();

    let out = run(&["ranger", "render", "--config", config]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("access-control.name=ranger"));
    assert!(!stdout(&out).contains("Top-S3cret"));

    let out = run(&["ranger", "render", "--config", config, "-o", "json"]);
    let listing: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(!stdout(&out).contains("Top-S3cret"));
    assert_eq!(listing["files"][1]["secret"], true);
    assert!(listing["files"][1].get("contents").is_none());

    let out_dir = dir.path().join("out");
    let out = run(&["ranger", "render", "--config", config, "--out-dir", out_dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stdout(&out).contains("Top-S3cret"));
    let security = std::fs::read_to_string(out_dir.join("ranger-trino-security.xml")).unwrap();
    assert!(security.contains("<value>Top-S3cret</value>"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(out_dir.join("ranger-trino-security.xml")).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    for name in ["access-control.properties", "ranger-trino-audit.xml"] {
        assert!(!std::fs::read_to_string(out_dir.join(name)).unwrap().contains("Top-S3cret"), "{name}");
    }

    std::fs::write(dir.path().join("bad.yaml"), "serviceName: dev_trino\nadminUrls: ['https://r:6182']\n").unwrap();
    let out = run(&["ranger", "render", "--config", dir.path().join("bad.yaml").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("ssl"), "{}", stderr(&out));
}

#[test]
fn ensure_service_needs_the_password_in_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("setup.yaml");
    std::fs::write(&spec, "service: {name: dev_trino, jdbcUrl: 'jdbc:trino://trino:8080'}\n").unwrap();
    let out = run(&["ranger", "ensure-service", "--spec", spec.to_str().unwrap(), "--admin-url", "http://127.0.0.1:9"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("RANGER_ADMIN_PASSWORD"), "{}", stderr(&out));
}
