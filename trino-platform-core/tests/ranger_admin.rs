//! The Ranger Admin client against the Ranger Admin fake of `support/ranger_fake.rs` (no
//! Ranger Admin can run here; the fake follows the documented public v2 REST API and the plugin
//! download endpoint exactly, as its docs list). Every write call is counted, so "ensuring
//! twice changes nothing" is checked as "the second run sends no write", and "planning changes
//! nothing" as "a plan sends no write".

#![cfg(all(feature = "ranger", feature = "server"))]

mod support;

use secrecy::SecretString;
use serde_json::json;
use support::ranger_fake::{ADMIN_PASSWORD, PLUGIN_PASSWORD, start};
use trino_platform::ErrorKind;
use trino_platform::ranger::{
    AccessRequest, BASELINE_EXECUTE_QUERY, BASELINE_KILL_QUERY, Change, ColumnMaskRequest, PolicyEngine, PolicySpec,
    RangerAdmin, RangerSetupSpec, ServiceName, SetupReport,
};

const SETUP: &str = r#"
service:
  name: dev_trino
  jdbcUrl: jdbc:trino://trino-coordinator:8080
  username: trino
  password: lookup-S3cret
  superUsers: [trino]
policies:
  - name: analysts read sales
    resources: {catalog: [delta], schema: [sales], table: ["*"], column: ["*"]}
    allow: [{groups: [analysts], accesses: [select, use]}]
  - name: contractors out of hr
    resources: {catalog: [delta], schema: [hr], table: ["*"], column: ["*"]}
    deny: [{groups: [contractors], accesses: [select]}]
  - name: hash emails
    resources: {catalog: [delta], schema: [sales], table: [customers], column: [email]}
    masks: [{groups: [analysts], maskType: MASK_HASH}]
  - name: eu rows
    resources: {catalog: [delta], schema: [sales], table: [orders]}
    rowFilters: [{groups: [eu], filter: "region = 'EU'"}]
"#;

#[tokio::test]
async fn ensuring_twice_changes_nothing_and_the_plugin_download_evaluates() {
    let fake = start().await;
    let admin = RangerAdmin::new(&fake.url(), "admin", SecretString::from(ADMIN_PASSWORD)).unwrap();
    let spec = RangerSetupSpec::from_yaml(SETUP).unwrap();

    let first = admin.ensure(&spec).await.unwrap();
    assert_eq!(first.service_change, Change::Created);
    let changes: Vec<(&str, Change)> = first.policies.iter().map(|p| (p.name.as_str(), p.change)).collect();
    assert_eq!(
        changes,
        vec![
            // Ranger's default "all - queryid" already holds queryid=*: the baseline item is added to it.
            ("all - queryid", Change::Updated),
            ("trino-platform: impersonate self", Change::Created),
            ("trino-platform: kill own queries", Change::Created),
            ("analysts read sales", Change::Created),
            ("contractors out of hr", Change::Created),
            ("hash emails", Change::Created),
            ("eu rows", Change::Created),
        ]
    );
    let writes = fake.writes();
    assert_eq!(writes, 8, "one create of the service, one write per policy");

    let second = admin.ensure(&spec).await.unwrap();
    assert!(!second.changed(), "{second:?}");
    assert_eq!(fake.writes(), writes, "ensuring twice must not write");

    // A changed spec updates just that policy.
    let mut changed = spec.clone();
    changed.policies[0].allow[0].groups.push("bi".into());
    let third = admin.ensure(&changed).await.unwrap();
    let updated: Vec<&str> =
        third.policies.iter().filter(|p| p.change != Change::Unchanged).map(|p| p.name.as_str()).collect();
    assert_eq!(updated, ["analysts read sales"]);
    assert_eq!(third.service_change, Change::Unchanged);
    assert_eq!(fake.writes(), writes + 1);

    // The plugin's view: download as the plugin user, evaluate locally.
    let plugin = RangerAdmin::new(&fake.url(), "trino", SecretString::from(PLUGIN_PASSWORD)).unwrap();
    let download = plugin.download_policies("dev_trino", None).await.unwrap().unwrap();
    let version = download.policy_version;
    assert!(plugin.download_policies("dev_trino", version).await.unwrap().is_none(), "304 when nothing changed");
    let engine = PolicyEngine::from_service_policies(&download).unwrap();
    let query = AccessRequest::new("alice", "execute").with_resource("queryid", "20260101_120000_00001_abcde");
    let decision = engine.evaluate(&query).unwrap();
    assert!(decision.allowed, "baseline: every user runs queries");
    assert_eq!(decision.policy_name.as_deref(), Some("all - queryid"));
    let select =
        AccessRequest::new("alice", "select").with_group("bi").with_object("delta.sales.orders.amount").unwrap();
    assert!(engine.evaluate(&select).unwrap().allowed);
    let hr = AccessRequest::new("eve", "select").with_group("contractors").with_object("delta.hr.people.name").unwrap();
    assert!(!engine.evaluate(&hr).unwrap().allowed);
    let superuser = AccessRequest::new("trino", "drop").with_object("delta.hr.people").unwrap();
    assert_eq!(engine.evaluate(&superuser).unwrap().reason, trino_platform::ranger::DecisionReason::SuperUser);
    let mask = engine
        .column_mask(&ColumnMaskRequest::new("alice", "delta.sales.customers.email").unwrap().with_group("analysts"))
        .unwrap();
    assert_eq!(mask.unwrap().expression, "cast(to_hex(sha256(to_utf8(email))) as varchar)");

    // Deletes report whether there was something to delete.
    assert!(admin.delete_policy("dev_trino", "eu rows").await.unwrap());
    assert!(!admin.delete_policy("dev_trino", "eu rows").await.unwrap());
    assert!(admin.delete_service("dev_trino").await.unwrap());
    assert!(!admin.delete_service("dev_trino").await.unwrap());
    assert!(admin.get_service("dev_trino").await.unwrap().is_none());
}

#[tokio::test]
async fn errors_map_to_kinds_and_never_hold_the_password() {
    let fake = start().await;
    let admin = RangerAdmin::new(&fake.url(), "admin", SecretString::from(ADMIN_PASSWORD)).unwrap();
    let spec = RangerSetupSpec::from_yaml(SETUP).unwrap();
    admin.ensure(&spec).await.unwrap();
    let service = ServiceName::new("dev_trino").unwrap();

    let wrong = RangerAdmin::new(&fake.url(), "admin", SecretString::from("wrong-Pw-9")).unwrap();
    let err = wrong.get_service("dev_trino").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthorized);
    assert!(!format!("{err} {err:?}").contains("wrong-Pw-9"), "{err:?}");

    let err = admin.list_policies("no_such_service").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");

    // Another name on resources a policy already holds: Ranger's 3010.
    let clash: PolicySpec = serde_json::from_value(json!({
        "name": "same resources", "resources": {"catalog": ["delta"], "schema": ["sales"], "table": ["*"], "column": ["*"]},
        "allow": [{"users": ["x"], "accesses": ["select"]}]
    }))
    .unwrap();
    let err = admin.ensure_policy(&service, &clash).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict, "{err}");
    assert!(err.message().contains("already exists for matching resource"), "{err}");

    // A service of another type under the name.
    let writes = fake.writes();
    let mut other = spec.service.clone();
    other.name = ServiceName::new("hive_svc").unwrap();
    fake.fake.lock().unwrap().services.push(json!({"id": 999, "name": "hive_svc", "type": "hive", "configs": {}}));
    let err = admin.ensure_service(&other).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict, "{err}");

    // An invalid spec is rejected before anything is sent.
    let bad: RangerSetupSpec = RangerSetupSpec::from_yaml(
        "service: {name: dev_trino, jdbcUrl: 'jdbc:trino://t:8080'}\npolicies: [{name: x, resources: {tabel: [t]}}]\n",
    )
    .unwrap();
    let err = admin.ensure(&bad).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.message().contains("\"tabel\""), "{err}");
    assert_eq!(fake.writes(), writes);

    // A user neither admin nor listed in policy.download.auth.users may not download.
    let eve = RangerAdmin::new(&fake.url(), "eve", SecretString::from("eve-pw")).unwrap();
    let err = eve.download_policies("dev_trino", None).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Forbidden, "{err}");
    let err = admin.download_policies("nope", None).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");

    // The lookup password is sent on create but never shown back or in Debug.
    let stored = admin.get_service("dev_trino").await.unwrap().unwrap();
    assert_eq!(stored.configs["password"], "*******");
    assert!(!format!("{stored:?} {spec:?}").contains("lookup-S3cret"));

    // Nobody listening: Unavailable, retryable.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let gone =
        RangerAdmin::new(&format!("http://127.0.0.1:{port}"), "admin", SecretString::from(ADMIN_PASSWORD)).unwrap();
    let err = gone.get_service("dev_trino").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable, "{err}");
    assert!(err.is_retryable());
    assert!(!format!("{err:?}").contains(ADMIN_PASSWORD));
}

#[tokio::test]
async fn baseline_is_created_when_no_policy_holds_its_resources() {
    let fake = start().await;
    let admin = RangerAdmin::new(&fake.url(), "admin", SecretString::from(ADMIN_PASSWORD)).unwrap();
    let spec = RangerSetupSpec::from_yaml(SETUP).unwrap();
    admin.ensure_service(&spec.service).await.unwrap();
    // Remove Ranger's default queryid policy: the baseline one is then created under its name.
    assert!(admin.delete_policy("dev_trino", "all - queryid").await.unwrap());
    let service = ServiceName::new("dev_trino").unwrap();
    let first = admin.ensure_baseline(&service).await.unwrap();
    assert!(first.iter().all(|e| e.change == Change::Created), "{first:?}");
    assert_eq!(first[0].value.name.as_deref(), Some(BASELINE_EXECUTE_QUERY));
    let writes = fake.writes();
    let second = admin.ensure_baseline(&service).await.unwrap();
    assert!(second.iter().all(|e| e.change == Change::Unchanged), "{second:?}");
    assert_eq!(fake.writes(), writes);
}

/// The (name, change) pairs of a report.
fn summary(report: &SetupReport) -> Vec<(String, Change)> {
    report.policies.iter().map(|p| (p.name.clone(), p.change)).collect()
}

#[tokio::test]
async fn plan_reports_what_ensure_would_do_and_sends_no_write() {
    let fake = start().await;
    let admin = RangerAdmin::new(&fake.url(), "admin", SecretString::from(ADMIN_PASSWORD)).unwrap();
    let spec = RangerSetupSpec::from_yaml(SETUP).unwrap();

    // Nothing there yet: everything would be created, and the baseline's queryid item would go
    // into the "all - queryid" policy Ranger creates with the service, as ensure then does.
    let planned = admin.plan(&spec).await.unwrap();
    assert_eq!(fake.writes(), 0, "a plan sends no write");
    assert!(admin.get_service("dev_trino").await.unwrap().is_none());
    assert_eq!(planned.service_change, Change::Created);
    assert_eq!(
        summary(&planned).iter().map(|(n, c)| (n.as_str(), *c)).collect::<Vec<_>>(),
        [
            ("all - queryid", Change::Updated),
            ("trino-platform: impersonate self", Change::Created),
            ("trino-platform: kill own queries", Change::Created),
            ("analysts read sales", Change::Created),
            ("contractors out of hr", Change::Created),
            ("hash emails", Change::Created),
            ("eu rows", Change::Created),
        ]
    );
    assert!(planned.policies.iter().all(|p| p.id.is_none()), "nothing exists yet: {planned:?}");
    let ensured = admin.ensure(&spec).await.unwrap();
    assert_eq!((ensured.service_change, summary(&ensured)), (planned.service_change, summary(&planned)));

    // Converged: the plan is ensure's report of a second run, all Unchanged, with the ids.
    let writes = fake.writes();
    let planned = admin.plan(&spec).await.unwrap();
    assert!(!planned.changed(), "{planned:?}");
    assert!(planned.policies.iter().all(|p| p.id.is_some()), "{planned:?}");
    assert_eq!(fake.writes(), writes);
    assert_eq!(admin.ensure(&spec).await.unwrap(), planned);
    assert_eq!(fake.writes(), writes);

    // Drift behind its back, through the public API: a group added to a policy, the JDBC URL
    // changed, a baseline policy deleted.
    let service = ServiceName::new("dev_trino").unwrap();
    let mut sales = admin.get_policy("dev_trino", "analysts read sales").await.unwrap().unwrap();
    sales.policy_items[0].groups.push("interns".into());
    admin.update_policy(&sales).await.unwrap();
    let mut stored = admin.get_service("dev_trino").await.unwrap().unwrap();
    stored.configs.insert("jdbc.url".into(), "jdbc:trino://elsewhere:8080".into());
    admin.update_service(&stored).await.unwrap();
    assert!(admin.delete_policy(service.as_str(), BASELINE_KILL_QUERY).await.unwrap());
    let writes = fake.writes();

    let planned = admin.plan(&spec).await.unwrap();
    assert_eq!(fake.writes(), writes, "a plan sends no write");
    assert_eq!(planned.service_change, Change::Updated);
    let changed: Vec<_> = planned.policies.iter().filter(|p| p.change != Change::Unchanged).collect();
    assert_eq!(changed.len(), 2, "{planned:?}");
    assert_eq!(
        (changed[0].name.as_str(), changed[0].change, changed[0].id),
        (BASELINE_KILL_QUERY, Change::Created, None)
    );
    assert_eq!(
        (changed[1].name.as_str(), changed[1].change, changed[1].id),
        ("analysts read sales", Change::Updated, sales.id)
    );
    let stored = admin.get_service("dev_trino").await.unwrap().unwrap();
    assert_eq!(stored.configs["jdbc.url"], "jdbc:trino://elsewhere:8080", "the plan changed nothing");

    // Ensure does exactly what was planned (one write each), and then there is nothing to plan.
    let fixed = admin.ensure(&spec).await.unwrap();
    assert_eq!((fixed.service_change, summary(&fixed)), (planned.service_change, summary(&planned)));
    assert_eq!(fake.writes(), writes + 3);
    let stored = admin.get_service("dev_trino").await.unwrap().unwrap();
    assert_eq!(stored.configs["jdbc.url"], "jdbc:trino://trino-coordinator:8080");
    assert!(!admin.plan(&spec).await.unwrap().changed());

    // A plan fails as ensure does: an invalid spec, a service of another type under the name.
    let mut bad = spec.clone();
    bad.policies[0].resources.insert("tabel".into(), trino_platform::ranger::ResourceValues::List(vec!["t".into()]));
    assert_eq!(admin.plan(&bad).await.unwrap_err().kind(), ErrorKind::InvalidInput);
    fake.fake.lock().unwrap().services.push(json!({"id": 999, "name": "hive_svc", "type": "hive", "configs": {}}));
    let mut other = spec.clone();
    other.service.name = ServiceName::new("hive_svc").unwrap();
    assert_eq!(admin.plan(&other).await.unwrap_err().kind(), ErrorKind::Conflict);
    assert_eq!(fake.writes(), writes + 3);
}
