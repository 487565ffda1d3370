//! The exchange bucket lifecycle against the real S3 server of the harness (moto, from
//! `scripts/services`, at `TP_TEST_S3_ENDPOINT`), read back by an independent client (boto3, in
//! `$TP_VENV`, through `exchange_support/s3_check.py`), with a fault-injecting proxy
//! (`exchange_support/fault_proxy.rs`) between the library and moto for the failure cases.
//!
//! The S3 tests fail when the service is missing; they are skipped (and say so) only when
//! `TP_SKIP_SERVICES` names `s3`. The golden-file and invalid-spec tests need no service.
//!
//! Golden files: `tests/golden/exchange/<case>/`. After an intended change of the rendered
//! output, regenerate them with
//! `UPDATE_GOLDEN=1 cargo test --profile ci -p trino-platform-core --test exchange golden`
//! and review the diff.

#[path = "exchange_support/fault_proxy.rs"]
mod fault_proxy;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use fault_proxy::{Fault, FaultProxy, Mode};
use serde_json::{Value, json};
use trino_platform::ErrorKind;
use trino_platform::exchange::{
    ClientOptions, DENY_INSECURE_TRANSPORT_SID, EnsureOptions, ExchangeBucketSpec, ExchangeBuckets, Lifecycle,
    Ownership, Region, Setting, TeardownOptions, TeardownPhase, TeardownProgress, Workspace, bucket_policy,
    exchange_manager_properties, fault_tolerant_execution_properties, trino_iam_policy,
};

// ------------------------------------------------------------------------------------ helpers

/// The moto endpoint, or `None` (skip, printed) when `TP_SKIP_SERVICES` names `s3`.
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
        "TP_TEST_S3_ENDPOINT is not set: run `scripts/services start` and `source /tmp/trino-platform-services/env.sh`, \
         or set TP_SKIP_SERVICES=s3 to skip"
    );
}

/// A workspace name no other test (or earlier run) uses.
fn workspace(tag: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    format!("t{}-{}{}-{tag}", std::process::id() % 100_000, NEXT.fetch_add(1, Ordering::Relaxed), nanos % 1000)
}

const KMS_KEY: &str = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const ROLE: &str = "arn:aws:iam::111122223333:role/trino-workers";

/// A full spec for `ws` against `endpoint`: SSE-KMS, a principal, a user tag, lifecycle 2/1 days.
fn full_spec(ws: &str, endpoint: &str) -> ExchangeBucketSpec {
    ExchangeBucketSpec::from_yaml(&format!(
        "workspace: {ws}\nregion: us-east-1\nendpoint: {endpoint}\npathStyle: true\n\
         tags: {{team: data-platform}}\n\
         encryption: {{type: sse-kms, kmsKeyId: '{KMS_KEY}'}}\n\
         lifecycle: {{expireAfterDays: 2, abortIncompleteUploadsAfterDays: 1}}\n\
         principals: ['{ROLE}']\n"
    ))
    .unwrap()
}

/// The same spec with another endpoint (the proxy).
fn via(spec: &ExchangeBucketSpec, endpoint: &str) -> ExchangeBucketSpec {
    let mut spec = spec.clone();
    spec.endpoint = Some(endpoint.parse().unwrap());
    spec
}

/// Short backoffs, so that retries do not slow the suite down.
fn fast(max_attempts: u32) -> ClientOptions {
    ClientOptions {
        max_attempts,
        initial_backoff: Duration::from_millis(20),
        max_backoff: Duration::from_millis(200),
        connect_timeout: Duration::from_secs(2),
        attempt_timeout: Duration::from_secs(30),
    }
}

async fn connect(spec: ExchangeBucketSpec) -> ExchangeBuckets {
    ExchangeBuckets::connect_with(spec, fast(5)).await.unwrap()
}

/// Runs `s3_check.py COMMAND BUCKET ARGS…` with boto3 from `$TP_VENV`; returns its JSON.
fn boto3(command: &str, bucket: &str, args: &[&str]) -> Value {
    let venv = std::env::var("TP_VENV").expect("TP_VENV is set by env.sh (the harness's Python venv, with boto3)");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/exchange_support/s3_check.py");
    let out = Command::new(Path::new(&venv).join("bin/python"))
        .arg(script)
        .arg(command)
        .arg(bucket)
        .args(args)
        .output()
        .expect("run the boto3 checker");
    assert!(out.status.success(), "s3_check.py {command} {bucket}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

fn tag_map(read: &Value) -> Vec<(String, String)> {
    let mut tags: Vec<(String, String)> = read["tags"]["TagSet"]
        .as_array()
        .map(|set| {
            set.iter()
                .map(|t| (t["Key"].as_str().unwrap().to_owned(), t["Value"].as_str().unwrap().to_owned()))
                .collect()
        })
        .unwrap_or_default();
    tags.sort();
    tags
}

/// Asserts, from boto3's read-back, that the bucket has every setting of `full_spec`.
fn assert_fully_configured(spec: &ExchangeBucketSpec) {
    let bucket = spec.bucket_name().unwrap().to_string();
    let read = boto3("read", &bucket, &[]);
    // us-east-1 has no location constraint.
    assert!(read["location"]["LocationConstraint"].is_null(), "{read}");
    assert_eq!(
        tag_map(&read),
        [
            ("managed-by".to_owned(), "trino-platform".to_owned()),
            ("team".to_owned(), "data-platform".to_owned()),
            ("workspace".to_owned(), spec.workspace.to_string()),
        ]
    );
    let rule = &read["encryption"]["ServerSideEncryptionConfiguration"]["Rules"][0];
    assert_eq!(
        rule["ApplyServerSideEncryptionByDefault"],
        json!({"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": KMS_KEY})
    );
    assert_eq!(rule["BucketKeyEnabled"], true);
    assert_eq!(
        read["publicAccessBlock"]["PublicAccessBlockConfiguration"],
        json!({"BlockPublicAcls": true, "IgnorePublicAcls": true, "BlockPublicPolicy": true, "RestrictPublicBuckets": true})
    );
    assert_eq!(read["ownership"]["OwnershipControls"]["Rules"], json!([{"ObjectOwnership": "BucketOwnerEnforced"}]));
    let rules = read["lifecycle"]["Rules"].as_array().unwrap();
    assert_eq!(rules.len(), 1, "{read}");
    assert_eq!(rules[0]["ID"], "trino-exchange-cleanup");
    assert_eq!(rules[0]["Status"], "Enabled");
    assert_eq!(rules[0]["Filter"], json!({"Prefix": ""}));
    assert_eq!(rules[0]["Expiration"]["Days"], 2);
    assert_eq!(rules[0]["AbortIncompleteMultipartUpload"], json!({"DaysAfterInitiation": 1}));
    assert_eq!(read["policy"], json!(bucket_policy(spec).unwrap()));
    assert_eq!(read["policyStatus"]["PolicyStatus"]["IsPublic"], false, "the policy must not make the bucket public");
}

fn settings(changes: &[trino_platform::exchange::Change]) -> Vec<Setting> {
    changes.iter().map(|c| c.setting).collect()
}

// ------------------------------------------------------------------------------ ensure, plan

/// `ensure` creates the bucket with every setting (read back by boto3), a second `ensure` sends
/// no write request at all (counted by the proxy), and `plan`/`describe` agree it is in sync.
#[tokio::test]
async fn ensure_creates_every_setting_and_a_second_run_writes_nothing() {
    let Some(endpoint) = s3_endpoint() else { return };
    let spec = full_spec(&workspace("full"), &endpoint);
    let buckets = connect(spec.clone()).await;

    let plan = buckets.plan().await.unwrap();
    assert_eq!(plan.ownership, Ownership::Absent);
    assert_eq!(plan.changes.len(), 7);

    let first = buckets.ensure(&EnsureOptions::default()).await.unwrap();
    assert!(first.created);
    assert_eq!(settings(&first.applied), settings(&plan.changes));
    assert_fully_configured(&spec);

    let proxy = FaultProxy::start(&endpoint, Mode::Pass).await;
    let counted = connect(via(&spec, &proxy.url())).await;
    let second = counted.ensure(&EnsureOptions::default()).await.unwrap();
    assert!(!second.created && !second.changed(), "{second:?}");
    let writes: Vec<_> = proxy.seen().into_iter().filter(|s| s.is_write()).collect();
    assert!(writes.is_empty(), "a converged bucket got write calls: {writes:?}");
    assert!(proxy.seen().len() >= 8, "the proxy saw the reads: {:?}", proxy.seen());

    assert!(buckets.plan().await.unwrap().is_empty());
    let description = buckets.describe().await.unwrap();
    assert!(description.in_sync && description.problems.is_empty(), "{description:?}");
    assert_eq!(description.ownership, Ownership::Managed);
    assert_eq!(description.state.region.as_deref(), Some("us-east-1"));

    buckets.teardown(&TeardownOptions::default(), &|_| {}).await.unwrap();
}

/// Drift made by hand (boto3: lifecycle and policy deleted, BlockPublicPolicy off) is listed by
/// `plan` and `describe`, and `ensure` repairs exactly those settings with one write each.
#[tokio::test]
async fn drift_is_planned_and_repaired() {
    let Some(endpoint) = s3_endpoint() else { return };
    let spec = full_spec(&workspace("drift"), &endpoint);
    let buckets = connect(spec.clone()).await;
    buckets.ensure(&EnsureOptions::default()).await.unwrap();
    let bucket = buckets.bucket().to_string();

    boto3("drift", &bucket, &[]);
    let plan = buckets.plan().await.unwrap();
    assert_eq!(settings(&plan.changes), [Setting::PublicAccessBlock, Setting::Lifecycle, Setting::Policy], "{plan:?}");
    let description = buckets.describe().await.unwrap();
    assert!(!description.in_sync);
    assert_eq!(description.drift, plan.changes);
    assert!(description.state.lifecycle_rules.is_empty() && description.state.policy.is_none());

    let proxy = FaultProxy::start(&endpoint, Mode::Pass).await;
    let repaired = connect(via(&spec, &proxy.url())).await.ensure(&EnsureOptions::default()).await.unwrap();
    assert_eq!(settings(&repaired.applied), settings(&plan.changes));
    let writes: Vec<String> = proxy.seen().iter().filter(|s| s.is_write()).map(|s| s.target.clone()).collect();
    assert_eq!(writes.len(), 3, "one write per drifted setting: {writes:?}");
    assert_fully_configured(&spec);
    assert!(buckets.plan().await.unwrap().is_empty());

    buckets.teardown(&TeardownOptions::default(), &|_| {}).await.unwrap();
}

/// Turning `requireTls` off for a spec without principals removes the bucket policy (one
/// DeleteBucketPolicy), and the plan warns about a plain-HTTP endpoint while TLS is required.
#[tokio::test]
async fn a_policy_no_longer_wanted_is_deleted() {
    let Some(endpoint) = s3_endpoint() else { return };
    let ws = workspace("notls");
    let strict = ExchangeBucketSpec::from_yaml(&format!(
        "workspace: {ws}\nregion: us-east-1\nendpoint: {endpoint}\npathStyle: true\n"
    ))
    .unwrap();
    let buckets = connect(strict.clone()).await;
    assert!(buckets.plan().await.unwrap().warnings[0].contains("plain HTTP"));
    buckets.ensure(&EnsureOptions::default()).await.unwrap();
    let bucket = buckets.bucket().to_string();
    assert!(!boto3("read", &bucket, &[])["policy"].is_null());

    let mut relaxed = strict.clone();
    relaxed.require_tls = false;
    let relaxed = connect(relaxed).await;
    let plan = relaxed.plan().await.unwrap();
    assert!(plan.warnings.is_empty());
    let report = relaxed.ensure(&EnsureOptions::default()).await.unwrap();
    assert_eq!(
        report.applied.iter().map(|c| (c.setting, c.action)).collect::<Vec<_>>(),
        [(Setting::Policy, trino_platform::exchange::ChangeAction::Delete)]
    );
    assert!(boto3("read", &bucket, &[])["policy"].is_null());
    assert!(relaxed.plan().await.unwrap().is_empty());
    relaxed.teardown(&TeardownOptions::default(), &|_| {}).await.unwrap();
}

/// The policy denies every request without TLS (`aws:SecureTransport` false), as boto3 reads
/// it back, and a PutObject over plain HTTP is refused with 403.
///
/// What that proves depends on the store. moto evaluates bucket policies for object requests,
/// but only `StringEquals` conditions: it takes any other condition (`Bool`, `ArnNotLike`) as
/// met, so it denies this write whatever the transport. The control probe shows it: under a
/// policy that denies only TLS requests (`aws:SecureTransport` "true"), a store that evaluates
/// the condition accepts the plain-HTTP write; moto refuses it too. The test prints which case
/// it saw instead of claiming more than the store checked.
#[tokio::test]
async fn policy_denies_plain_http() {
    let Some(endpoint) = s3_endpoint() else { return };
    let spec = full_spec(&workspace("tls"), &endpoint);
    let buckets = connect(spec.clone()).await;
    buckets.ensure(&EnsureOptions::default()).await.unwrap();
    let bucket = buckets.bucket().to_string();

    let policy = &boto3("read", &bucket, &[])["policy"];
    let deny = policy["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["Sid"] == DENY_INSECURE_TRANSPORT_SID)
        .expect("a DenyInsecureTransport statement");
    assert_eq!(deny["Effect"], "Deny");
    assert_eq!(deny["Principal"], "*");
    assert_eq!(deny["Action"], "s3:*");
    assert_eq!(deny["Condition"], json!({"Bool": {"aws:SecureTransport": "false"}}));
    assert_eq!(deny["Resource"], json!([format!("arn:aws:s3:::{bucket}"), format!("arn:aws:s3:::{bucket}/*")]));

    let probe = boto3("plain-http-put", &bucket, &[]);
    assert_eq!(probe["accepted"], false, "a plain-HTTP write went through: {probe}");
    // AWS answers AccessDenied; moto a bare 403.
    assert!(probe["code"] == "AccessDenied" || probe["code"] == "403", "{probe}");
    let control = boto3("plain-http-control", &bucket, &[]);
    if control["accepted"] == true {
        eprintln!("the store at {endpoint} evaluates aws:SecureTransport: the denial above is the policy's doing");
    } else {
        eprintln!(
            "NOTE: the store at {endpoint} also refused a plain-HTTP write under a policy that denies only TLS \
             requests: it does not evaluate the aws:SecureTransport condition (moto evaluates only StringEquals), \
             so its 403 shows the deny statement applies, not that the condition was checked"
        );
    }

    buckets.teardown(&TeardownOptions::default(), &|_| {}).await.unwrap();
}

// ------------------------------------------------------------------------------------ teardown

/// Thousands of objects, versions and delete markers and an open multipart upload all go, in
/// batches, with progress; boto3 then finds no bucket.
#[tokio::test]
async fn teardown_removes_everything_with_progress() {
    let Some(endpoint) = s3_endpoint() else { return };
    let spec = full_spec(&workspace("purge"), &endpoint);
    let buckets = connect(spec).await;
    buckets.ensure(&EnsureOptions::default()).await.unwrap();
    let bucket = buckets.bucket().to_string();
    let seeded = boto3("seed", &bucket, &["2500", "1"]);
    assert_eq!(seeded["uploads"], 1, "{seeded}");
    let expected = seeded["versions"].as_u64().unwrap() + seeded["deleteMarkers"].as_u64().unwrap();
    assert!(expected >= 2515, "{seeded}");

    let events: Arc<Mutex<Vec<TeardownProgress>>> = Arc::default();
    let sink = Arc::clone(&events);
    let report = buckets.teardown(&TeardownOptions::default(), &move |p| sink.lock().unwrap().push(p)).await.unwrap();
    assert!(report.existed && report.deleted, "{report:?}");
    assert_eq!(report.objects_deleted, expected);
    assert_eq!(report.uploads_aborted, 1);
    assert_eq!(boto3("inventory", &bucket, &[]), json!({"exists": false}));

    let events = events.lock().unwrap().clone();
    let phases: Vec<TeardownPhase> = events.iter().map(|e| e.phase).collect();
    for phase in [
        TeardownPhase::Checking,
        TeardownPhase::RemovingPolicy,
        TeardownPhase::AbortingUploads,
        TeardownPhase::DeletingObjects,
        TeardownPhase::DeletingBucket,
    ] {
        assert!(phases.contains(&phase), "{phase:?} missing from {phases:?}");
    }
    assert_eq!(phases.last(), Some(&TeardownPhase::Done));
    let deleting: Vec<u64> =
        events.iter().filter(|e| e.phase == TeardownPhase::DeletingObjects).map(|e| e.objects_deleted).collect();
    assert!(deleting.windows(2).all(|w| w[0] <= w[1]), "progress never goes back: {deleting:?}");
    assert!(
        deleting.iter().filter(|&&n| n > 0 && n < expected).count() >= 2,
        "batches report as they go: {deleting:?}"
    );
    assert_eq!(events.last().map(|e| e.objects_deleted), Some(expected));

    // Again: nothing left to do, and that is not an error.
    let again = buckets.teardown(&TeardownOptions::default(), &|_| {}).await.unwrap();
    assert!(!again.existed && again.deleted);
}

/// A bucket someone else tagged is refused by `teardown` (`Conflict`) and by `ensure`
/// (`AlreadyExists`) and stays intact; `force` / `adopt` override.
#[tokio::test]
async fn unmanaged_buckets_are_refused() {
    let Some(endpoint) = s3_endpoint() else { return };
    let spec = full_spec(&workspace("foreign"), &endpoint);
    let buckets = connect(spec).await;
    let bucket = buckets.bucket().to_string();
    boto3("foreign", &bucket, &[]);

    let err = buckets.teardown(&TeardownOptions::default(), &|_| {}).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict, "{err:?}");
    assert!(err.message().contains("not tagged managed-by=trino-platform"), "{}", err.message());
    let err = buckets.ensure(&EnsureOptions::default()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AlreadyExists, "{err:?}");
    assert_eq!(buckets.plan().await.unwrap().ownership, Ownership::Unmanaged);
    assert_eq!(boto3("inventory", &bucket, &[])["versions"], 1, "the foreign bucket was touched");
    assert_eq!(tag_map(&boto3("read", &bucket, &[])), [("owner".to_owned(), "someone-else".to_owned())]);

    // Another workspace's managed bucket is refused too.
    let mut other = buckets.spec().clone();
    other.workspace = Workspace::new("someone-elses-workspace").unwrap();
    other.bucket = Some(buckets.bucket().clone());
    let adopted = connect(other.clone()).await;
    adopted.ensure(&EnsureOptions { adopt: true }).await.unwrap();
    let err = buckets.teardown(&TeardownOptions::default(), &|_| {}).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
    assert_eq!(buckets.ensure(&EnsureOptions::default()).await.unwrap_err().kind(), ErrorKind::Conflict);

    let report =
        buckets.teardown(&TeardownOptions { force: true, ..TeardownOptions::default() }, &|_| {}).await.unwrap();
    assert!(report.deleted && report.objects_deleted == 1, "{report:?}");
}

// ------------------------------------------------------------------------------ fault injection

/// Every third request fails (503 SlowDown, 500 InternalError, TCP reset in turn): `ensure`
/// and `teardown` still converge, through the SDK's retries.
#[tokio::test]
async fn transient_faults_are_retried() {
    let Some(endpoint) = s3_endpoint() else { return };
    let spec = full_spec(&workspace("flaky"), &endpoint);
    let proxy = FaultProxy::start(
        &endpoint,
        Mode::EveryNth { n: 3, faults: vec![Fault::SlowDown, Fault::InternalError, Fault::Reset] },
    )
    .await;
    let flaky = connect(via(&spec, &proxy.url())).await;

    let report = flaky.ensure(&EnsureOptions::default()).await.unwrap();
    assert!(report.created);
    assert_fully_configured(&spec);
    assert!(flaky.plan().await.unwrap().is_empty());
    let injected = proxy.seen().iter().filter_map(|s| s.fault).collect::<Vec<_>>();
    for fault in [Fault::SlowDown, Fault::InternalError, Fault::Reset] {
        assert!(injected.contains(&fault), "{fault:?} was never injected: {injected:?}");
    }

    let bucket = flaky.bucket().to_string();
    let seeded = boto3("seed", &bucket, &["1500"]);
    let before = proxy.faults_injected();
    let report =
        flaky.teardown(&TeardownOptions { batch_size: 400, ..TeardownOptions::default() }, &|_| {}).await.unwrap();
    assert!(report.deleted);
    assert_eq!(report.objects_deleted, seeded["versions"].as_u64().unwrap());
    assert_eq!(report.uploads_aborted, 1);
    assert!(proxy.faults_injected() > before + 3, "teardown met faults too");
    assert_eq!(boto3("inventory", &bucket, &[]), json!({"exists": false}));
}

/// A permanent failure from the k-th request on makes `ensure` fail with a typed, retryable
/// error, leaving a half-configured bucket; a rerun against the healthy store finishes the job.
/// With k = 3 the outage starts right after CreateBucket, before the bucket is tagged: the rerun
/// recognises the untagged bucket as its own.
#[tokio::test]
async fn ensure_after_a_permanent_failure_converges_on_rerun() {
    let Some(endpoint) = s3_endpoint() else { return };
    for (from, fault) in [(3, Fault::SlowDown), (5, Fault::Reset), (2, Fault::InternalError)] {
        let spec = full_spec(&workspace(&format!("perm{from}")), &endpoint);
        let proxy = FaultProxy::start(&endpoint, Mode::FailFrom { from, fault }).await;
        let broken = ExchangeBuckets::connect_with(via(&spec, &proxy.url()), fast(3)).await.unwrap();
        let err = broken.ensure(&EnsureOptions::default()).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unavailable, "k={from}: {err:?}");
        assert!(err.is_retryable());
        assert!(err.message().contains(broken.bucket().as_str()), "{}", err.message());

        let healthy = connect(spec.clone()).await;
        let plan = healthy.plan().await.unwrap();
        match from {
            2 => assert_eq!(plan.ownership, Ownership::Absent),
            3 => assert_eq!(plan.ownership, Ownership::Untagged),
            _ => assert_eq!(plan.ownership, Ownership::Managed),
        }
        let rerun = healthy.ensure(&EnsureOptions::default()).await.unwrap();
        assert_eq!(rerun.created, from == 2, "k={from}");
        assert_eq!(settings(&rerun.applied), settings(&plan.changes));
        assert_fully_configured(&spec);
        assert!(healthy.plan().await.unwrap().is_empty());
        healthy.teardown(&TeardownOptions::default(), &|_| {}).await.unwrap();
    }
}

/// A permanent failure in the middle of a teardown (after the first batch) fails with a typed,
/// retryable error; a rerun deletes exactly what is left.
#[tokio::test]
async fn teardown_after_a_permanent_failure_finishes_on_rerun() {
    let Some(endpoint) = s3_endpoint() else { return };
    let spec = full_spec(&workspace("permtd"), &endpoint);
    let healthy = connect(spec.clone()).await;
    healthy.ensure(&EnsureOptions::default()).await.unwrap();
    let bucket = healthy.bucket().to_string();
    boto3("seed", &bucket, &["1200"]);

    let proxy = FaultProxy::start(&endpoint, Mode::Pass).await;
    let broken = ExchangeBuckets::connect_with(via(&spec, &proxy.url()), fast(3)).await.unwrap();
    let deleted = Arc::new(AtomicU32::new(0));
    let (seen_deleted, proxy_ref) = (Arc::clone(&deleted), &proxy);
    let err = broken
        .teardown(&TeardownOptions { batch_size: 500, ..TeardownOptions::default() }, &move |p| {
            // After the first batch is reported, the store goes down for good.
            if p.phase == TeardownPhase::DeletingObjects && p.objects_deleted > 0 {
                seen_deleted.store(u32::try_from(p.objects_deleted).unwrap(), Ordering::SeqCst);
                proxy_ref.set_mode(Mode::FailFrom { from: 0, fault: Fault::SlowDown });
            }
        })
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable, "{err:?}");
    let first = u64::from(deleted.load(Ordering::SeqCst));
    assert_eq!(first, 500);
    let left = boto3("inventory", &bucket, &[]);
    assert_eq!(left["versions"], 1200 - first, "{left}");

    let report = healthy.teardown(&TeardownOptions::default(), &|_| {}).await.unwrap();
    assert!(report.deleted);
    assert_eq!(report.objects_deleted, 1200 - first);
    assert_eq!(boto3("inventory", &bucket, &[]), json!({"exists": false}));
}

// ------------------------------------------------------------------------- secrets, invalid input

/// Explicit credentials work, and their secret parts appear in no log line (every target at
/// TRACE, the AWS SDK's included), no `Debug` output and no rendered file.
#[tokio::test]
async fn secrets_stay_out_of_logs_and_files() {
    let Some(endpoint) = s3_endpoint() else { return };
    const SECRET: &str = "tp-secret-NEVER-LOG-7f3a9c";
    const TOKEN: &str = "tp-token-NEVER-LOG-51bd02";
    let ws = workspace("secret");
    let spec = ExchangeBucketSpec::from_yaml(&format!(
        "workspace: {ws}\nregion: us-east-1\nendpoint: {endpoint}\npathStyle: true\n\
         credentials: {{accessKeyId: testing, secretAccessKey: {SECRET}, sessionToken: {TOKEN}}}\n\
         trino: {{credentials: {{type: environment}}}}\n"
    ))
    .unwrap();

    let logs = Arc::new(Mutex::new(Vec::<u8>::new()));
    let writer = Arc::clone(&logs);
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || LogWriter(Arc::clone(&writer)))
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let buckets = connect(spec.clone()).await;
    buckets.ensure(&EnsureOptions::default()).await.unwrap();
    let description = buckets.describe().await.unwrap();
    buckets.teardown(&TeardownOptions::default(), &|p| tracing::info!(?p, "progress")).await.unwrap();

    let mut texts = vec![
        String::from_utf8(logs.lock().unwrap().clone()).unwrap(),
        format!("{spec:?}"),
        format!("{buckets:?}"),
        serde_json::to_string(&description).unwrap(),
        exchange_manager_properties(&spec).unwrap().to_java_properties(),
        fault_tolerant_execution_properties(&spec).unwrap().to_java_properties(),
        json!(bucket_policy(&spec).unwrap()).to_string(),
        trino_iam_policy(&spec).unwrap().to_string(),
    ];
    assert!(texts[0].len() > 10_000 && texts[0].contains("PutBucketPolicy"), "the SDK's TRACE logs were captured");
    // An error built from a failed call does not carry them either.
    let mut bad = spec.clone();
    bad.endpoint = Some("http://127.0.0.1:9".parse().unwrap());
    let err = ExchangeBuckets::connect_with(bad, fast(1)).await.unwrap().plan().await.unwrap_err();
    texts.push(format!("{err:?} {err}"));
    for text in &texts {
        assert!(
            !text.contains(SECRET) && !text.contains(TOKEN),
            "a secret leaked into: {}",
            &text[..text.len().min(300)]
        );
    }
}

struct LogWriter(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Invalid specs fail with `InvalidInput` naming the field, whether they come from YAML or are
/// built in code, before any request is made.
#[tokio::test]
async fn invalid_specs_are_invalid_input_naming_the_field() {
    let yaml_cases = [
        ("workspace: Bad_Workspace\nregion: us-east-1\n", "workspace"),
        (
            "workspace: acme\nregion: us-east-1\nencryption: {type: sse-kms, kmsKeyId: 'not-a-key'}\n",
            "encryption.kmsKeyId",
        ),
        ("workspace: acme\npathStyle: true\n", "region"),
        ("workspace: acme\nregion: us-east-1\nlifecycle: {expireAfterDays: 0}\n", "lifecycle.expireAfterDays"),
    ];
    for (yaml, field) in yaml_cases {
        let err = ExchangeBucketSpec::from_yaml(yaml).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{yaml}");
        assert!(err.message().contains(field), "{yaml}: {}", err.message());
    }

    let mut spec = ExchangeBucketSpec::new(Workspace::new("acme").unwrap(), Region::new("us-east-1").unwrap());
    spec.region = None;
    let err = ExchangeBuckets::connect(spec.clone()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.message().starts_with("region"), "{}", err.message());

    spec.region = Some(Region::new("us-east-1").unwrap());
    spec.lifecycle = Lifecycle { expire_after_days: 0, ..Lifecycle::default() };
    let err = ExchangeBuckets::connect(spec).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.message().starts_with("lifecycle.expireAfterDays"), "{}", err.message());
}

// ------------------------------------------------------------------------------ shared cases

/// The shared behaviour cases of `tests/cases/exchange.yaml` (also meant for the Python and
/// Node suites): spec → bucket name and rendered properties, or error kind and field.
#[test]
fn shared_cases() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/cases/exchange.yaml");
    let cases: Vec<Value> = serde_saphyr::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert!(cases.len() >= 10);
    for case in &cases {
        let name = case["name"].as_str().unwrap();
        // JSON is YAML: the spec goes through the same parser users' files do.
        let result = ExchangeBucketSpec::from_yaml(&case["spec"].to_string());
        match (&case["expect"], &case["error"]) {
            (expect, Value::Null) => {
                let spec = result.unwrap_or_else(|e| panic!("{name}: {e}"));
                assert_eq!(spec.bucket_name().unwrap().as_str(), expect["bucket"], "{name}");
                if let Some(text) = expect["exchangeManagerProperties"].as_str() {
                    assert_eq!(exchange_manager_properties(&spec).unwrap().to_java_properties(), text, "{name}");
                }
            }
            (Value::Null, error) => {
                let err = result.err().unwrap_or_else(|| panic!("{name}: expected an error"));
                assert_eq!(err.kind().as_str(), error["kind"], "{name}: {err}");
                let mentions = error["mentions"].as_str().unwrap();
                assert!(err.message().contains(mentions), "{name}: {:?} does not mention {mentions}", err.message());
            }
            _ => panic!("{name}: give expect or error"),
        }
    }
}

// ------------------------------------------------------------------------------------ golden

const GOLDEN_CASES: [(&str, &str); 3] = [
    (
        "aws-kms-iam-role",
        "workspace: acme-analytics\nregion: eu-central-1\n\
         encryption: {type: sse-kms, kmsKeyId: 'arn:aws:kms:eu-central-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab'}\n\
         principals: ['arn:aws:iam::111122223333:role/acme-analytics-trino']\n\
         tags: {cost-center: '4711'}\n\
         trino:\n  credentials: {type: iam-role, roleArn: 'arn:aws:iam::111122223333:role/acme-analytics-trino', externalId: acme}\n\
         \x20 retryAttempts: 6\n",
    ),
    (
        "minio-env-credentials",
        "workspace: dev\nendpoint: http://minio.storage.svc:9000\npathStyle: true\nbucket: dev-exchange\nrequireTls: false\n\
         credentials: {accessKeyId: minio, secretAccessKey: golden-secret-value}\n\
         trino:\n  credentials: {type: environment, accessKeyEnv: MINIO_ACCESS_KEY, secretKeyEnv: MINIO_SECRET_KEY}\n\
         \x20 exchangeManagerOverrides: {exchange.s3.max-error-retries: '20', exchange.sink-max-file-size: 256MB}\n",
    ),
    (
        "query-retries-long-workspace",
        "workspace: a-workspace-name-long-enough-to-need-a-hashed-bucket-name-x\nregion: us-east-1\n\
         lifecycle: {expireAfterDays: 3, abortIncompleteUploadsAfterDays: 2}\n\
         trino:\n  retryPolicy: QUERY\n  configOverrides: {exchange.compression-codec: ZSTD, query-retry-attempts: '2'}\n",
    ),
];

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/exchange")
}

/// The rendered files of each case (no bucket policy when the spec wants none) match `tests/golden/exchange/<case>/` byte for byte
/// (`UPDATE_GOLDEN=1` rewrites them), and none holds a secret of the spec.
#[test]
fn rendered_files_match_golden() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut mismatches = Vec::new();
    for (case, yaml) in GOLDEN_CASES {
        let spec = ExchangeBucketSpec::from_yaml(yaml).unwrap_or_else(|e| panic!("{case}: {e}"));
        let policy = bucket_policy(&spec).unwrap();
        let files = [
            ("exchange-manager.properties", Some(exchange_manager_properties(&spec).unwrap().to_java_properties())),
            (
                "config.fault-tolerant.properties",
                Some(fault_tolerant_execution_properties(&spec).unwrap().to_java_properties()),
            ),
            ("bucket-policy.json", policy.map(|p| serde_json::to_string_pretty(&p).unwrap() + "\n")),
            (
                "trino-iam-policy.json",
                Some(serde_json::to_string_pretty(&trino_iam_policy(&spec).unwrap()).unwrap() + "\n"),
            ),
        ];
        for (name, text) in files {
            let path = golden_dir().join(case).join(name);
            let Some(text) = text else {
                // No bucket policy for this case: there must be no golden file for one either.
                if update {
                    let _ = std::fs::remove_file(&path);
                }
                assert!(!path.exists(), "{}: the spec renders no such file", path.display());
                continue;
            };
            assert!(!text.contains("golden-secret-value"), "{case}/{name} holds a secret");
            if update {
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(&path, &text).unwrap();
                continue;
            }
            let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
                panic!("{}: {e}; create it with UPDATE_GOLDEN=1 (see this file's header)", path.display())
            });
            if expected != text {
                mismatches.push(format!("{}:\n--- expected\n{expected}\n--- rendered\n{text}", path.display()));
            }
        }
    }
    assert!(
        mismatches.is_empty(),
        "rendered output differs from the golden files (UPDATE_GOLDEN=1 to accept):\n{}",
        mismatches.join("\n")
    );
}
