//! `trino-platform exchange …`: the S3 exchange bucket of a workspace, from a YAML spec
//! (`--spec exchange.yaml`, the fields of `ExchangeBucketSpec`).

use std::fmt::Write as _;
use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use trino_platform::exchange::{
    Change, ChangeAction, EnsureOptions, ExchangeBucketSpec, ExchangeBuckets, TeardownOptions, TeardownPhase,
    TeardownProgress, bucket_policy, exchange_manager_properties, fault_tolerant_execution_properties,
    trino_iam_policy,
};
use trino_platform::{Error, Result};

use crate::{Output, emit, internal, print_json};

#[derive(Subcommand)]
pub(crate) enum ExchangeCommand {
    /// Show what `ensure` would change, without changing anything.
    Plan(SpecArg),
    /// Create the bucket or converge its settings to the spec (only what differs).
    Ensure {
        #[command(flatten)]
        spec: SpecArg,
        /// Take over an existing bucket tagged by someone else or managed for another workspace.
        #[arg(long)]
        adopt: bool,
    },
    /// Show the bucket's settings as S3 reports them, and its drift from the spec.
    Describe(SpecArg),
    /// Delete every upload, object version and the bucket itself.
    Teardown {
        #[command(flatten)]
        spec: SpecArg,
        /// Delete the bucket even if trino-platform does not manage it for this workspace.
        #[arg(long)]
        force: bool,
        /// Keys per delete request (1-1000).
        #[arg(long, default_value_t = 1000)]
        batch_size: u16,
    },
    /// Write exchange-manager.properties, the fault-tolerant-execution part of
    /// config.properties, the Trino role's IAM policy and the bucket policy (no network).
    Render {
        #[command(flatten)]
        spec: SpecArg,
        /// Directory to write the files to [default: print them].
        #[arg(long)]
        out_dir: Option<PathBuf>,
    },
}

#[derive(Args)]
pub(crate) struct SpecArg {
    /// The exchange bucket spec (YAML).
    #[arg(long, short, value_name = "FILE")]
    spec: PathBuf,
}

fn change_line(change: &Change) -> String {
    let sign = match change.action {
        ChangeAction::Create => '+',
        ChangeAction::Update => '~',
        ChangeAction::Delete => '-',
    };
    let setting =
        serde_json::to_value(change.setting).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
    format!("  {sign} {setting}: {}", change.detail)
}

pub(crate) async fn run(output: Output, command: &ExchangeCommand) -> Result<()> {
    match command {
        ExchangeCommand::Render { spec, out_dir } => render(output, &spec.spec, out_dir.as_deref()),
        ExchangeCommand::Plan(spec) => {
            let plan = connect(&spec.spec).await?.plan().await?;
            if output == Output::Json {
                return print_json(&plan);
            }
            let mut out = String::new();
            let _ = writeln!(out, "bucket {} ({}): {} change(s)", plan.bucket, plan.region, plan.changes.len());
            for change in &plan.changes {
                let _ = writeln!(out, "{}", change_line(change));
            }
            for warning in &plan.warnings {
                let _ = writeln!(out, "  warning: {warning}");
            }
            if let Err(e) = plan.check_ownership(false) {
                let _ = writeln!(out, "  ! {}", e.message());
            }
            emit(&out)
        }
        ExchangeCommand::Ensure { spec, adopt } => {
            let report = connect(&spec.spec).await?.ensure(&EnsureOptions { adopt: *adopt }).await?;
            if output == Output::Json {
                return print_json(&report);
            }
            let mut out = String::new();
            let verb = if report.created { "created" } else { "checked" };
            let _ = writeln!(
                out,
                "bucket {} ({}): {verb}, {} change(s) applied",
                report.bucket,
                report.region,
                report.applied.len()
            );
            for change in &report.applied {
                let _ = writeln!(out, "{}", change_line(change));
            }
            emit(&out)
        }
        ExchangeCommand::Describe(spec) => {
            let description = connect(&spec.spec).await?.describe().await?;
            if output == Output::Json {
                return print_json(&description);
            }
            let mut out = String::new();
            let state = &description.state;
            if !state.exists {
                let _ = writeln!(out, "bucket {}: does not exist", state.bucket);
                return emit(&out);
            }
            let _ = writeln!(out, "bucket {} ({})", state.bucket, state.region.as_deref().unwrap_or("?"));
            let ownership = serde_json::to_value(description.ownership).map_err(internal)?;
            let _ = writeln!(out, "  ownership: {}", ownership.as_str().unwrap_or("?"));
            let tags: Vec<String> = state.tags.iter().map(|(k, v)| format!("{k}={v}")).collect();
            let _ = writeln!(out, "  tags: {}", tags.join(", "));
            let _ = match &state.encryption {
                Some(e) => writeln!(
                    out,
                    "  encryption: {}{}{}",
                    e.algorithm,
                    e.kms_key_id.as_deref().map(|k| format!(" key {k}")).unwrap_or_default(),
                    if e.bucket_key_enabled { " (bucket keys)" } else { "" }
                ),
                None => writeln!(out, "  encryption: none"),
            };
            let _ = writeln!(
                out,
                "  public access block: {}",
                state.public_access_block.map_or("none".to_owned(), |p| format!(
                    "acls {}/{}, policy {}/{}",
                    p.block_public_acls, p.ignore_public_acls, p.block_public_policy, p.restrict_public_buckets
                ))
            );
            let _ = writeln!(out, "  object ownership: {}", state.object_ownership.as_deref().unwrap_or("none"));
            for rule in &state.lifecycle_rules {
                let _ = writeln!(
                    out,
                    "  lifecycle: {} {}, expire after {} days, abort uploads after {} days",
                    rule.id.as_deref().unwrap_or("<no id>"),
                    if rule.enabled { "enabled" } else { "disabled" },
                    rule.expiration_days.map_or("-".to_owned(), |d| d.to_string()),
                    rule.abort_incomplete_upload_days.map_or("-".to_owned(), |d| d.to_string())
                );
            }
            let _ = writeln!(out, "  policy: {}", if state.policy.is_some() { "set" } else { "none" });
            let _ = writeln!(out, "  in sync: {}", description.in_sync);
            for change in &description.drift {
                let _ = writeln!(out, "{}", change_line(change));
            }
            for warning in &description.warnings {
                let _ = writeln!(out, "  warning: {warning}");
            }
            for problem in &description.problems {
                let _ = writeln!(out, "  ! {problem}");
            }
            emit(&out)
        }
        ExchangeCommand::Teardown { spec, force, batch_size } => {
            let buckets = connect(&spec.spec).await?;
            let bar = progress_bar(output);
            let on_progress = |p: TeardownProgress| {
                bar.set_message(format!(
                    "{}: {} object(s) deleted, {} upload(s) aborted",
                    phase_name(p.phase),
                    p.objects_deleted,
                    p.uploads_aborted
                ));
                bar.set_position(p.objects_deleted);
            };
            let result =
                buckets.teardown(&TeardownOptions { force: *force, batch_size: *batch_size }, &on_progress).await;
            bar.finish_and_clear();
            let report = result?;
            if output == Output::Json {
                return print_json(&report);
            }
            let mut out = String::new();
            if report.existed {
                let _ = writeln!(
                    out,
                    "bucket {}: deleted ({} object version(s), {} upload(s) aborted)",
                    report.bucket, report.objects_deleted, report.uploads_aborted
                );
            } else {
                let _ = writeln!(out, "bucket {}: did not exist", report.bucket);
            }
            emit(&out)
        }
    }
}

async fn connect(path: &Path) -> Result<ExchangeBuckets> {
    ExchangeBuckets::connect(ExchangeBucketSpec::load(path)?).await
}

fn phase_name(phase: TeardownPhase) -> &'static str {
    match phase {
        TeardownPhase::Checking => "checking",
        TeardownPhase::RemovingPolicy => "removing policy",
        TeardownPhase::AbortingUploads => "aborting uploads",
        TeardownPhase::DeletingObjects => "deleting objects",
        TeardownPhase::DeletingBucket => "deleting bucket",
        TeardownPhase::Done => "done",
    }
}

/// A spinner with counts on stderr; hidden when stderr is not a terminal or output is JSON.
fn progress_bar(output: Output) -> ProgressBar {
    let bar = ProgressBar::no_length();
    if output == Output::Json || !std::io::stderr().is_terminal() {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    } else {
        bar.set_draw_target(ProgressDrawTarget::stderr());
        if let Ok(style) = ProgressStyle::with_template("{spinner} [{elapsed}] {msg}") {
            bar.set_style(style);
        }
        bar.enable_steady_tick(Duration::from_millis(120));
    }
    bar
}

fn render(output: Output, path: &Path, out_dir: Option<&Path>) -> Result<()> {
    let spec = ExchangeBucketSpec::load(path)?;
    let mut files = vec![
        ("exchange-manager.properties", exchange_manager_properties(&spec)?.to_java_properties()),
        ("config.fault-tolerant.properties", fault_tolerant_execution_properties(&spec)?.to_java_properties()),
        ("trino-iam-policy.json", serde_json::to_string_pretty(&trino_iam_policy(&spec)?).map_err(internal)? + "\n"),
    ];
    // No bucket policy at all with `requireTls: false` and no principals.
    if let Some(policy) = bucket_policy(&spec)? {
        files.push(("bucket-policy.json", serde_json::to_string_pretty(&policy).map_err(internal)? + "\n"));
    }
    match out_dir {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .map_err(|e| Error::invalid_input(format!("cannot create {}: {e}", dir.display())))?;
            for (name, text) in &files {
                let file = dir.join(name);
                std::fs::write(&file, text)
                    .map_err(|e| Error::invalid_input(format!("cannot write {}: {e}", file.display())))?;
            }
            if output == Output::Json {
                let written: Vec<String> = files.iter().map(|(n, _)| dir.join(n).display().to_string()).collect();
                return print_json(&serde_json::json!({ "written": written }));
            }
            let written: String =
                files.iter().map(|(name, _)| format!("wrote {}\n", dir.join(name).display())).collect();
            emit(&written)
        }
        None if output == Output::Json => {
            let map: serde_json::Map<String, serde_json::Value> =
                files.iter().map(|(n, t)| ((*n).to_owned(), serde_json::Value::String(t.clone()))).collect();
            print_json(&map)
        }
        None => {
            let all: String = files.iter().map(|(name, text)| format!("# {name}\n{text}\n")).collect();
            emit(&all)
        }
    }
}
