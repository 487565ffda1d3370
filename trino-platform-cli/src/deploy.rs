//! `trino-platform deploy …`: a tenant's platform and cluster bundles, from one tenant file
//! (`--tenant tenant.yaml`, the fields of `TenantSpec`).
//!
//! Kubernetes is reached through the kubeconfig (`KUBECONFIG`, `~/.kube/config`) or the pod's
//! service account; the registry through the variable the tenant names (default
//! `TRINO_PLATFORM_STORE`); Keycloak and Ranger through the URLs and secret variables in the
//! file. Progress goes to stderr (a spinner on a terminal), the report to stdout.

use std::fmt::Write as _;
use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use trino_platform::Result;
use trino_platform::bundle::{BundleEvent, BundleReport, Outcome, Targets, TenantSpec};
use trino_platform::kube::{to_yaml_stream, write_files};

use crate::{Output, emit, print_json};

#[derive(Subcommand)]
pub(crate) enum DeployCommand {
    /// Show what `apply` would change in S3, Keycloak, Ranger, Kubernetes and the registry.
    Plan(Scope),
    /// Converge the tenant: platform first, then each cluster (idempotent).
    Apply {
        #[command(flatten)]
        scope: Scope,
        /// How long to wait for workloads to become ready.
        #[arg(long, default_value = "10m", value_parser = humantime_duration)]
        wait: Duration,
    },
    /// Remove what `apply` made: clusters first, then the platform.
    Delete(Scope),
    /// Write the Kubernetes manifests (no network): one file per object and a
    /// kustomization.yaml, or one YAML stream on stdout.
    Render {
        #[command(flatten)]
        scope: Scope,
        /// Directory to write the files to [default: print one YAML stream].
        #[arg(long)]
        out_dir: Option<PathBuf>,
    },
}

#[derive(Args)]
pub(crate) struct Scope {
    /// The tenant file (YAML).
    #[arg(long, short, value_name = "FILE")]
    tenant: PathBuf,
    /// Only this cluster bundle (not the platform).
    #[arg(long)]
    cluster: Option<String>,
}

fn humantime_duration(text: &str) -> std::result::Result<Duration, String> {
    humantime::parse_duration(text).map_err(|e| e.to_string())
}

pub(crate) async fn run(output: Output, command: &DeployCommand) -> Result<()> {
    let scope = match command {
        DeployCommand::Plan(scope) | DeployCommand::Delete(scope) => scope,
        DeployCommand::Apply { scope, .. } | DeployCommand::Render { scope, .. } => scope,
    };
    let tenant = TenantSpec::load(&scope.tenant)?;
    if let DeployCommand::Render { out_dir, .. } = command {
        let manifests = match &scope.cluster {
            Some(name) => tenant.cluster_bundle(name)?.manifests()?,
            None => tenant.manifests()?,
        };
        return match out_dir {
            Some(dir) => {
                let written = write_files(dir, &manifests)?;
                match output {
                    Output::Json => print_json(&written),
                    Output::Table => emit(&format!("wrote {} files to {}\n", written.len(), dir.display())),
                }
            }
            None => emit(&to_yaml_stream(&manifests)?),
        };
    }

    let mut targets = Targets::connect(&tenant).await?;
    let spinner = Spinner::new(output);
    let progress = |event: &BundleEvent| spinner.show(event);
    let report = match (command, &scope.cluster) {
        (DeployCommand::Plan(_), None) => tenant.plan(&targets).await,
        (DeployCommand::Plan(_), Some(name)) => tenant.cluster_bundle(name)?.plan(&targets).await,
        (DeployCommand::Apply { wait, .. }, cluster) => {
            targets = targets.with_wait_timeout(*wait);
            match cluster {
                None => tenant.apply(&targets, &progress).await,
                Some(name) => tenant.cluster_bundle(name)?.apply(&targets, &progress).await,
            }
        }
        (DeployCommand::Delete(_), None) => tenant.delete(&targets, &progress).await,
        (DeployCommand::Delete(_), Some(name)) => tenant.cluster_bundle(name)?.delete(&targets, &progress).await,
        (DeployCommand::Render { .. }, _) => unreachable!("rendered above"),
    };
    spinner.finish();
    let report = report?;
    match output {
        Output::Json => print_json(&report),
        Output::Table => emit(&table(&report)),
    }
}

/// One line per step: `+` created, `~` updated, `-` deleted, `=` unchanged.
fn table(report: &BundleReport) -> String {
    let mut out = String::new();
    for step in &report.steps {
        let sign = match step.outcome {
            Outcome::Created => '+',
            Outcome::Updated => '~',
            Outcome::Deleted => '-',
            Outcome::Unchanged | Outcome::Absent => '=',
        };
        let _ = write!(out, "{sign} {:<10} {}", format!("{:?}", step.system), step.target);
        if !step.details.is_empty() {
            let _ = write!(out, " ({})", step.details.join(", "));
        }
        out.push('\n');
    }
    let changes = report.changes().count();
    let _ = writeln!(out, "{changes} change(s) in {} step(s)", report.steps.len());
    out
}

/// Progress on stderr: a spinner on a terminal, one line per event otherwise (none for JSON).
struct Spinner {
    bar: Option<ProgressBar>,
    lines: bool,
}

impl Spinner {
    fn new(output: Output) -> Self {
        let terminal = std::io::stderr().is_terminal();
        let bar = (terminal && output == Output::Table).then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            if let Ok(style) = ProgressStyle::with_template("{spinner} {elapsed:>4} {msg}") {
                bar.set_style(style);
            }
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Self { bar, lines: !terminal && output == Output::Table }
    }

    fn show(&self, event: &BundleEvent) {
        let line = format!("{:?}: {}", event.system, event.message);
        match &self.bar {
            Some(bar) => bar.set_message(line),
            None if self.lines => eprintln!("{line}"),
            None => {}
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
