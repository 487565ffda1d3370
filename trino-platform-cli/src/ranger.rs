//! `trino-platform ranger …`: the Ranger plugin files of a coordinator, the Trino service and
//! its policies in Ranger Admin, and local policy checks.
//!
//! - `render --config ranger.yaml [--out-dir DIR]`: `access-control.properties` and the Ranger
//!   XML files (no network). Files holding a secret are written with mode 0600 and never
//!   printed.
//! - `ensure-service --spec setup.yaml --admin-url URL --admin-user USER`: creates or converges
//!   the Trino service, the baseline policies and named policies. The admin password comes
//!   from an environment variable (`--admin-password-env`, default `RANGER_ADMIN_PASSWORD`),
//!   never from a flag.
//! - `check --policies policies.json --user alice --group analysts select delta.sales.orders.amount`:
//!   would Ranger allow it? The access is a Ranger access type (`select`, `insert`, …, `_any`)
//!   or a Trino check (`insert-into-table`, `execute-query`, …); the object a dotted name or
//!   `resource=value,…` (`queryid=*`). Exit status 1 when denied.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use secrecy::SecretString;
use trino_platform::ranger::{
    AccessRequest, ColumnMaskRequest, Decision, Identity, PolicyEngine, RangerAdmin, RangerAdminConfig,
    RangerPluginConfig, RangerSetupSpec, RowFilterRequest, TrinoAction, TrinoCheck,
};
use trino_platform::{Error, ErrorKind, Result};

use crate::{Output, print_json};

#[derive(Subcommand)]
pub(crate) enum RangerCommand {
    /// Write access-control.properties and the Ranger plugin XML files (no network).
    Render {
        /// The plugin config (YAML or JSON, the fields of RangerPluginConfig).
        #[arg(long, short, value_name = "FILE")]
        config: PathBuf,
        /// Directory to write the files to [default: print the ones without secrets].
        #[arg(long)]
        out_dir: Option<PathBuf>,
    },
    /// Create or converge the Trino service, the baseline policies and named policies in
    /// Ranger Admin (only what differs is written).
    EnsureService {
        /// The setup spec (YAML: service, baseline, policies).
        #[arg(long, short, value_name = "FILE")]
        spec: PathBuf,
        #[command(flatten)]
        admin: AdminArgs,
    },
    /// Would Ranger allow this? Evaluates policies locally (exit status 1 when denied).
    Check(CheckArgs),
}

#[derive(Args)]
pub(crate) struct AdminArgs {
    /// Ranger Admin URL.
    #[arg(long, env = "RANGER_ADMIN_URL", value_name = "URL")]
    admin_url: String,
    /// Ranger Admin user (an admin: creating services needs one).
    #[arg(long, env = "RANGER_ADMIN_USER", default_value = "admin")]
    admin_user: String,
    /// Environment variable holding the admin password.
    #[arg(long, default_value = "RANGER_ADMIN_PASSWORD", value_name = "NAME")]
    admin_password_env: String,
    /// PEM file of CA certificates to trust besides the public roots.
    #[arg(long, value_name = "FILE")]
    ca_file: Option<PathBuf>,
}

#[derive(Args)]
pub(crate) struct CheckArgs {
    /// Policies: the plugin download (ServicePolicies JSON), a Ranger export, or an array.
    #[arg(long, short, value_name = "FILE")]
    policies: PathBuf,
    /// Ranger roles JSON (`/service/roles/download/{service}`).
    #[arg(long, value_name = "FILE")]
    roles: Option<PathBuf>,
    /// Trino user.
    #[arg(long, short)]
    user: String,
    /// A group of the user (repeatable).
    #[arg(long = "group", short)]
    groups: Vec<String>,
    /// A Ranger role of the user (repeatable).
    #[arg(long = "role")]
    roles_held: Vec<String>,
    /// A super user of the plugin config (repeatable).
    #[arg(long = "super-user")]
    super_users: Vec<String>,
    /// A super group of the plugin config (repeatable).
    #[arg(long = "super-group")]
    super_groups: Vec<String>,
    /// Column (repeatable), for column checks of a Trino check.
    #[arg(long = "column")]
    columns: Vec<String>,
    /// New name, for rename checks.
    #[arg(long)]
    new_name: Option<String>,
    /// The column's Trino type, for the mask expression.
    #[arg(long = "type", default_value = "varchar")]
    column_type: String,
    /// Show every policy looked at and what it did.
    #[arg(long)]
    explain: bool,
    /// Ranger access type (select, insert, …, _any) or Trino check (insert-into-table, …).
    access: String,
    /// Object: catalog[.schema[.table[.column]]], or resource=value,… (queryid=*).
    #[arg(default_value = "")]
    object: String,
}

fn read(path: &Path, what: &str) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| {
        let kind = if e.kind() == std::io::ErrorKind::NotFound { ErrorKind::NotFound } else { ErrorKind::InvalidInput };
        Error::new(kind, format!("cannot read the {what} {}: {e}", path.display()))
    })
}

pub(crate) async fn run(output: Output, command: &RangerCommand) -> Result<()> {
    match command {
        RangerCommand::Render { config, out_dir } => render(output, config, out_dir.as_deref()),
        RangerCommand::EnsureService { spec, admin } => ensure(output, spec, admin).await,
        RangerCommand::Check(args) => check(output, args),
    }
}

fn render(output: Output, config: &Path, out_dir: Option<&Path>) -> Result<()> {
    let text = read(config, "plugin config")?;
    let config = if config.extension().is_some_and(|e| e == "json") {
        RangerPluginConfig::from_json(&text)?
    } else {
        RangerPluginConfig::from_yaml(&text)?
    };
    let rendered = config.render()?;
    if let Some(dir) = out_dir {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::invalid_input(format!("cannot create {}: {e}", dir.display())))?;
        for file in &rendered.files {
            write_file(&dir.join(&file.name), &file.contents, file.secret)?;
        }
    }
    match output {
        Output::Json => {
            let files: Vec<serde_json::Value> = rendered
                .files
                .iter()
                .map(|f| {
                    let mut v = serde_json::json!({"name": f.name, "path": f.path, "secret": f.secret});
                    if out_dir.is_none() && !f.secret {
                        v["contents"] = f.contents.clone().into();
                    }
                    v
                })
                .collect();
            print_json(&serde_json::json!({"files": files, "env": rendered.env}))
        }
        Output::Table if out_dir.is_some() => {
            for file in &rendered.files {
                let kind = if file.secret { "Secret" } else { "ConfigMap" };
                println!("{:<28} {:<10} {}", file.name, kind, file.path);
            }
            if !rendered.env.is_empty() {
                println!("coordinator environment needed: {}", rendered.env.join(", "));
            }
            Ok(())
        }
        Output::Table => {
            for file in &rendered.files {
                println!("# ==> {} ({}) <==", file.path, if file.secret { "secret" } else { "configmap" });
                if file.secret {
                    println!("# holds a secret: not printed; use --out-dir");
                } else {
                    print!("{}", file.contents);
                }
            }
            if !rendered.env.is_empty() {
                println!("# coordinator environment needed: {}", rendered.env.join(", "));
            }
            Ok(())
        }
    }
}

/// Writes `contents` to `path`; a secret file is created with mode 0600.
fn write_file(path: &Path, contents: &str, secret: bool) -> Result<()> {
    let fail = |e: std::io::Error| Error::invalid_input(format!("cannot write {}: {e}", path.display()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if secret {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(fail)?;
    #[cfg(unix)]
    if secret {
        use std::os::unix::fs::PermissionsExt as _;
        file.set_permissions(std::fs::Permissions::from_mode(0o600)).map_err(fail)?;
    }
    file.write_all(contents.as_bytes()).map_err(fail)
}

async fn ensure(output: Output, spec: &Path, admin: &AdminArgs) -> Result<()> {
    let spec = RangerSetupSpec::from_yaml(&read(spec, "setup spec")?)?;
    spec.validate()?;
    let password = std::env::var(&admin.admin_password_env).map_err(|_| {
        Error::invalid_input(format!(
            "set the Ranger Admin password in the environment variable {} (or name another with --admin-password-env)",
            admin.admin_password_env
        ))
    })?;
    let mut config = RangerAdminConfig::new(&admin.admin_url, &admin.admin_user, SecretString::from(password));
    if let Some(ca) = &admin.ca_file {
        config.ca_certificates_pem = Some(read(ca, "CA file")?);
    }
    let client = RangerAdmin::connect(&config)?;
    let report = client.ensure(&spec).await?;
    match output {
        Output::Json => print_json(&report),
        Output::Table => {
            let change = |c: trino_platform::ranger::Change| match c {
                trino_platform::ranger::Change::Created => "created",
                trino_platform::ranger::Change::Updated => "updated",
                trino_platform::ranger::Change::Unchanged => "unchanged",
            };
            println!("service {:<40} {}", report.service, change(report.service_change));
            for policy in &report.policies {
                let id = policy.id.map(|i| format!(" (id {i})")).unwrap_or_default();
                println!("policy  {:<40} {}{id}", policy.name, change(policy.change));
            }
            Ok(())
        }
    }
}

/// `key=value,key=value` or a dotted name.
fn request_for(args: &CheckArgs) -> Result<Vec<AccessRequest>> {
    let identity = |mut r: AccessRequest| {
        r.user.clone_from(&args.user);
        r.groups.clone_from(&args.groups);
        r.roles.clone_from(&args.roles_held);
        r
    };
    if args.access.contains('-') || args.access.chars().any(|c| c.is_ascii_uppercase()) {
        let check: TrinoCheck = args.access.parse()?;
        let mut action = TrinoAction::new(check, args.object.clone()).with_columns(args.columns.clone());
        action.new_target.clone_from(&args.new_name);
        return Ok(action.requests()?.into_iter().map(identity).collect());
    }
    if !args.columns.is_empty() || args.new_name.is_some() {
        return Err(Error::invalid_input("--column and --new-name go with a Trino check (e.g. select-from-columns)"));
    }
    let request = AccessRequest::new(args.user.clone(), args.access.clone());
    let request = if args.object.contains('=') {
        let mut request = request;
        for pair in args.object.split(',') {
            let (key, value) =
                pair.split_once('=').ok_or_else(|| Error::invalid_input(format!("{pair:?}: write resource=value")))?;
            request = request.with_resource(key.trim(), value.trim());
        }
        request
    } else {
        request.with_object(&args.object)?
    };
    Ok(vec![identity(request)])
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct CheckResult {
    #[serde(flatten)]
    decision: Decision,
    #[serde(skip_serializing_if = "Option::is_none")]
    column_mask: Option<trino_platform::ranger::ColumnMask>,
    #[serde(skip_serializing_if = "Option::is_none")]
    row_filter: Option<trino_platform::ranger::RowFilter>,
    #[serde(skip_serializing_if = "Option::is_none")]
    summary: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    steps: Vec<trino_platform::ranger::ExplainStep>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    warnings: Vec<String>,
}

fn check(output: Output, args: &CheckArgs) -> Result<()> {
    let mut engine = PolicyEngine::from_json(&read(&args.policies, "policies")?)?
        .with_super_users(args.super_users.clone(), args.super_groups.clone());
    if let Some(roles) = &args.roles {
        engine = engine.with_roles_json(&read(roles, "roles")?)?;
    }
    let requests = request_for(args)?;
    let mut result = None;
    for request in &requests {
        let (decision, summary, steps) = if args.explain {
            let explanation = engine.explain(request)?;
            (explanation.decision, Some(explanation.summary), explanation.steps)
        } else {
            (engine.evaluate(request)?, None, Vec::new())
        };
        let denied = !decision.allowed;
        result = Some((request, decision, summary, steps));
        if denied {
            break;
        }
    }
    let (request, decision, summary, steps) =
        result.ok_or_else(|| Error::new(ErrorKind::Internal, "no Ranger request to check"))?;
    // What else the plugin would apply to a select: the column's mask, the table's row filter.
    let (mut column_mask, mut row_filter) = (None, None);
    if decision.allowed && request.access == "select" {
        let part = |k: &str| request.resource.get(k).cloned();
        if let (Some(catalog), Some(schema), Some(table)) = (part("catalog"), part("schema"), part("table")) {
            let identity =
                Identity { user: args.user.clone(), groups: args.groups.clone(), roles: args.roles_held.clone() };
            row_filter = engine.row_filter(&RowFilterRequest {
                user: identity.user.clone(),
                groups: identity.groups.clone(),
                roles: identity.roles.clone(),
                catalog: catalog.clone(),
                schema: schema.clone(),
                table: table.clone(),
            })?;
            if let Some(column) = part("column") {
                column_mask = engine.column_mask(&ColumnMaskRequest {
                    user: identity.user,
                    groups: identity.groups,
                    roles: identity.roles,
                    catalog,
                    schema,
                    table,
                    column,
                    column_type: args.column_type.clone(),
                })?;
            }
        }
    }
    let allowed = decision.allowed;
    let result =
        CheckResult { decision, column_mask, row_filter, summary, steps, warnings: engine.warnings().to_vec() };
    match output {
        Output::Json => print_json(&result)?,
        Output::Table => print_check(&result),
    }
    if !allowed {
        let _ = std::io::stdout().flush();
        std::process::exit(1);
    }
    Ok(())
}

fn print_check(result: &CheckResult) {
    let d = &result.decision;
    let verdict = if d.allowed { "ALLOWED" } else { "DENIED" };
    let policy = match (&d.policy_id, &d.policy_name) {
        (Some(id), Some(name)) => format!("policy {id} {name:?}"),
        (None, Some(name)) => format!("policy {name:?}"),
        _ => "no policy".to_owned(),
    };
    let reason = name_of(&d.reason);
    println!("{verdict}  {} on {}  ({reason}, {policy})", d.access, object_name(&d.resource));
    if let Some(mask) = &result.column_mask {
        println!("column mask  {} → {}  (policy {:?})", mask.mask_type, mask.expression, mask.policy_name);
    }
    if let Some(filter) = &result.row_filter {
        println!("row filter   {}  (policy {:?})", filter.expression, filter.policy_name);
    }
    if let Some(summary) = &result.summary {
        println!("{summary}");
    }
    for step in &result.steps {
        let id = step.policy_id.map(|i| i.to_string()).unwrap_or_else(|| "-".into());
        let priority = name_of(&step.priority);
        println!(
            "  [{id}] {:?} ({priority}, {}): {}: {}",
            step.policy_name,
            step.access,
            name_of(&step.outcome),
            step.detail
        );
    }
    for warning in &result.warnings {
        println!("warning: {warning}");
    }
}

/// The serde name of a unit enum value (`allowItem`).
fn name_of(value: &impl serde::Serialize) -> String {
    serde_json::to_value(value).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

/// `delta.sales.orders.amount` for catalog paths, `queryid=*` otherwise.
fn object_name(resource: &BTreeMap<String, String>) -> String {
    let path: Vec<&str> =
        ["catalog", "schema", "table", "column"].iter().map_while(|k| resource.get(*k).map(String::as_str)).collect();
    if !path.is_empty() && path.len() == resource.len() {
        return path.join(".");
    }
    resource.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(",")
}
