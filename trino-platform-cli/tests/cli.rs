//! The `trino-platform` binary end to end on a real SQLite store: the register/list round trip,
//! both output formats, and one-line typed failures with their exit codes.

use std::process::{Command, Output};

use serde_json::{Value, json};

struct Cli {
    dir: tempfile::TempDir,
}

impl Cli {
    fn new() -> Self {
        Self { dir: tempfile::tempdir().unwrap() }
    }

    fn run(&self, args: &[&str]) -> Output {
        let store = format!("sqlite://{}", self.dir.path().join("gateway.db").display());
        let default_store = if args.contains(&"--store") { vec![] } else { vec!["--store", &store] };
        Command::new(env!("CARGO_BIN_EXE_trino-platform"))
            .args(default_store)
            .args(args)
            .env_remove("TRINO_PLATFORM_STORE")
            .output()
            .unwrap()
    }

    fn json(&self, args: &[&str]) -> Value {
        let out = self.run(&[args, &["--output", "json"]].concat());
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    }
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).unwrap()
}

#[test]
fn register_list_round_trip_as_json() {
    let cli = Cli::new();
    let registered =
        cli.json(&["cluster", "register", "trino-1", "--proxy-to", "http://trino-1:8080/", "--routing-group", "etl"]);
    let expected = json!({"name": "trino-1", "proxyTo": "http://trino-1:8080", "externalUrl": "http://trino-1:8080",
                          "routingGroup": "etl", "active": true});
    assert_eq!(registered, expected);
    cli.json(&["cluster", "register", "trino-2", "--proxy-to", "http://trino-2:8080", "--inactive"]);
    assert_eq!(cli.json(&["cluster", "list", "--active"]), json!([expected]));
    assert_eq!(cli.json(&["cluster", "list"]).as_array().unwrap().len(), 2);
    assert_eq!(cli.json(&["cluster", "activate", "trino-2"])["active"], json!(true));
    assert_eq!(cli.json(&["cluster", "update", "trino-2", "--routing-group", "etl"])["routingGroup"], json!("etl"));
    assert_eq!(cli.json(&["cluster", "list", "--routing-group", "etl"]).as_array().unwrap().len(), 2);
    assert_eq!(cli.json(&["cluster", "deactivate", "trino-1"])["active"], json!(false));
    assert_eq!(cli.json(&["cluster", "remove", "trino-1"])["name"], json!("trino-1"));
    assert_eq!(cli.json(&["cluster", "get", "trino-2"])["name"], json!("trino-2"));
    assert_eq!(cli.json(&["cluster", "list", "--inactive"]), json!([]));
}

#[test]
fn table_output_for_people() {
    let cli = Cli::new();
    let out = cli.run(&[
        "cluster",
        "register",
        "a",
        "--proxy-to",
        "http://a:8080",
        "--external-url",
        "https://a.example.com",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = cli.run(&["cluster", "list"]);
    assert_eq!(
        stdout(&out),
        "NAME  GROUP  ACTIVE  PROXY TO       EXTERNAL URL\n\
         a     adhoc  yes     http://a:8080  https://a.example.com\n"
    );
}

#[test]
fn failures_are_one_line_with_a_code_per_kind() {
    let cli = Cli::new();
    let cases: [(&[&str], i32, &str); 5] = [
        (&["cluster", "get", "missing"], 3, "no cluster named \"missing\""),
        (&["cluster", "register", "bad name", "--proxy-to", "http://a"], 2, "invalid cluster name"),
        (&["cluster", "register", "a", "--proxy-to", "ftp://a"], 2, "http or https"),
        (&["cluster", "update", "a"], 2, "nothing to update"),
        (&["--store", "mysql://root:hunter2@db/gw", "cluster", "list"], 2, "unsupported store URL"),
    ];
    for (args, code, message) in cases {
        let out = cli.run(args);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {}", stderr(&out));
        let err = stderr(&out);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(message), "{args:?}: {err}");
        assert!(!err.contains("hunter2"), "{err}");
    }
    assert!(cli.run(&["cluster", "register", "a", "--proxy-to", "http://a"]).status.success());
    let out = cli.run(&["cluster", "register", "a", "--proxy-to", "http://b", "--output", "json"]);
    assert_eq!(out.status.code(), Some(4));
    let err: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(err["error"]["kind"], json!("AlreadyExists"));
}

#[test]
fn default_store_is_a_file_in_the_data_directory() {
    let home = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_trino-platform"))
            .args(args)
            .env("HOME", home.path())
            .env_remove("XDG_DATA_HOME")
            .env_remove("TRINO_PLATFORM_STORE")
            .output()
            .unwrap()
    };
    assert!(run(&["cluster", "register", "d", "--proxy-to", "http://d"]).status.success());
    assert!(stdout(&run(&["cluster", "list"])).contains("http://d"));
    assert!(home.path().join(".local/share/trino-platform/gateway.db").exists());
}
