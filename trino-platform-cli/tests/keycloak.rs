//! `trino-platform keycloak …` end to end: rendering without network, and ensure-client /
//! rotate-secret / delete-client against the harness's real Keycloak (`TP_TEST_KEYCLOAK_URL`,
//! `TP_TEST_KEYCLOAK_ADMIN_USER`, `TP_TEST_KEYCLOAK_ADMIN_PASSWORD`; the test fails without
//! them unless `TP_SKIP_SERVICES` names `keycloak`), in a realm of its own that it deletes.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;
use trino_platform::keycloak::{AdminCredentials, KeycloakAdmin, KeycloakConnection};

fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_trino-platform"));
    for var in
        ["TRINO_PLATFORM_KEYCLOAK_URL", "TRINO_PLATFORM_KEYCLOAK_ADMIN_USER", "TRINO_PLATFORM_KEYCLOAK_ADMIN_PASSWORD"]
    {
        command.env_remove(var);
    }
    command.args(args).envs(env.iter().copied()).output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn write(dir: &Path, name: &str, content: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path.display().to_string()
}

#[test]
fn render_prints_version_aware_trino_properties_and_the_gateway_section() {
    let dir = tempfile::tempdir().unwrap();
    let spec = write(
        dir.path(),
        "trino.yaml",
        "trinoVersion: 480\nissuer: https://kc.example.com/realms/platform\nclientId: trino\n",
    );
    let out = run(&["keycloak", "render", "trino", "--spec", &spec], &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let props = text(&out.stdout);
    assert!(props.contains("http-server.authentication.oauth2.client-secret=${ENV:TRINO_OAUTH2_CLIENT_SECRET}\n"));
    assert!(!props.contains("groups-field"), "{props}");
    let out = run(&["keycloak", "render", "trino", "--spec", &spec, "--trino-version", "476"], &[]);
    assert!(text(&out.stdout).contains("deprecated.http-server.authentication.oauth2.groups-field=groups\n"));
    let out = run(&["keycloak", "render", "trino", "--spec", &spec, "--trino-version", "400"], &[]);
    assert_eq!(out.status.code(), Some(2), "an unsupported version is invalid input");

    let client =
        write(dir.path(), "client.yaml", "realm: platform\nclientId: trino\nexternalUrl: https://trino.example.com\n");
    let args =
        ["keycloak", "render", "gateway", "--issuer", "https://kc.example.com/realms/platform", "--spec", &client];
    let out = run(&[&args[..], &["--required", "--impersonator", "service-account-superset"]].concat(), &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let yaml = text(&out.stdout);
    assert!(yaml.starts_with("auth:\n  required: true\n"), "{yaml}");
    assert!(yaml.contains("- service-account-superset") && yaml.contains("clientId: trino"), "{yaml}");
}

fn keycloak() -> Option<(String, String, String)> {
    let vars = ["TP_TEST_KEYCLOAK_URL", "TP_TEST_KEYCLOAK_ADMIN_USER", "TP_TEST_KEYCLOAK_ADMIN_PASSWORD"];
    match vars.map(|v| std::env::var(v).ok()) {
        [Some(url), Some(user), Some(password)] => Some((url, user, password)),
        _ => {
            let skipped = std::env::var("TP_SKIP_SERVICES").unwrap_or_default();
            if skipped.split(',').any(|s| s.trim() == "keycloak") {
                eprintln!("SKIPPED: keycloak tests (TP_SKIP_SERVICES={skipped})");
                return None;
            }
            panic!(
                "TP_TEST_KEYCLOAK_* are not set: run `scripts/services start` and source its env.sh, or set TP_SKIP_SERVICES=keycloak"
            );
        }
    }
}

#[test]
fn ensure_rotate_and_delete_a_client_against_keycloak() {
    let Some((url, user, password)) = keycloak() else { return };
    let realm = format!("tp-cli-{}", std::process::id());
    let dir = tempfile::tempdir().unwrap();
    let spec = write(
        dir.path(),
        "client.yaml",
        &format!("realm: {realm}\nclientId: trino\nexternalUrl: https://trino.example.com\nensureRealm: true\n"),
    );
    let secret_file = dir.path().join("secret");
    let secret_path = secret_file.display().to_string();
    let env = [
        ("TRINO_PLATFORM_KEYCLOAK_URL", url.as_str()),
        ("TRINO_PLATFORM_KEYCLOAK_ADMIN_USER", user.as_str()),
        ("TRINO_PLATFORM_KEYCLOAK_ADMIN_PASSWORD", password.as_str()),
    ];
    let json = |args: &[&str]| -> Value {
        let out = run(&[args, &["--output", "json"]].concat(), &env);
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    };

    let first = json(&["keycloak", "ensure-client", "--spec", &spec, "--secret-file", &secret_path]);
    assert_eq!((first["created"].as_bool(), first["changed"].as_bool()), (Some(true), Some(true)), "{first}");
    assert!(first.get("secret").is_none(), "the secret is not printed unless asked");
    let secret = std::fs::read_to_string(&secret_file).unwrap();
    assert!(!secret.is_empty());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&secret_file).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let second = json(&["keycloak", "ensure-client", "--spec", &spec]);
    assert_eq!((second["changed"].as_bool(), second["id"].clone()), (Some(false), first["id"].clone()));
    let table = run(&["keycloak", "ensure-client", "--spec", &spec], &env);
    assert!(!text(&table.stdout).contains(&secret), "the table shows no secret");

    let client = ["--realm", realm.as_str(), "--client-id", "trino"];
    let rotated = json(&[&["keycloak", "rotate-secret"][..], &client, &["--show-secret"]].concat());
    let new_secret = rotated["secret"].as_str().unwrap();
    assert!(!new_secret.is_empty() && new_secret != secret);

    // Rejected credentials: exit code 5, one line, no password.
    let wrong = [env[0], env[1], ("TRINO_PLATFORM_KEYCLOAK_ADMIN_PASSWORD", "cli-wrong-password-5e1")];
    let out = run(&[&["keycloak", "delete-client"][..], &client].concat(), &wrong);
    assert_eq!(out.status.code(), Some(5), "{}", text(&out.stderr));
    assert_eq!(text(&out.stderr).lines().count(), 1);
    assert!(!text(&out.stderr).contains("cli-wrong-password-5e1"));
    // Unreachable: exit code 6.
    let down = [("TRINO_PLATFORM_KEYCLOAK_URL", "http://127.0.0.1:1"), env[1], env[2]];
    assert_eq!(run(&[&["keycloak", "delete-client"][..], &client].concat(), &down).status.code(), Some(6));

    assert_eq!(json(&[&["keycloak", "delete-client"][..], &client].concat())["deleted"], true);
    assert_eq!(json(&[&["keycloak", "delete-client"][..], &client].concat())["deleted"], false);

    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let admin = KeycloakAdmin::connect(KeycloakConnection::new(&url, AdminCredentials::password(&user, &password)))
            .await
            .unwrap();
        assert!(admin.delete_realm(&realm).await.unwrap());
    });
}
