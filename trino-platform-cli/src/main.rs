//! `trino-platform`: the command line over the trino-platform library.
//!
//! Output is a table for people or JSON (`--output json`) for scripts. On failure the command
//! prints one line to stderr (`error: …`, or `{"error":{"kind":…,"message":…}}` with
//! `--output json`) and exits with a code per error kind (see [`exit_code`]).

use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use trino_platform::cluster::{BackendUrl, Cluster, ClusterFilter, ClusterName, ClusterUpdate, RoutingGroup};
use trino_platform::gateway::{Gateway, GatewayConfig};
use trino_platform::registry::{self, ClusterStore};
use trino_platform::{Error, ErrorKind, Result};

mod deploy;
mod exchange;
mod keycloak;
mod ranger;
mod table;

/// mimalloc: the proxy allocates and frees small buffers for every request, where glibc's
/// allocator took a seventh of the gateway's CPU time (BENCHMARKS.md, gateway comparison).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "trino-platform", version, about = "Run Trino as a platform", propagate_version = true)]
struct Cli {
    /// Cluster store URL: sqlite://PATH or postgres://USER:PASSWORD@HOST/DB
    /// [default: an SQLite file in the user's data directory]
    #[arg(long, global = true, env = "TRINO_PLATFORM_STORE", hide_env_values = true)]
    store: Option<String>,

    /// Output format.
    #[arg(long, short, global = true, value_enum, default_value_t = Output::Table)]
    output: Output,

    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Output {
    /// Aligned columns for people.
    Table,
    /// JSON for scripts.
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Register and manage the Trino clusters behind the gateway.
    #[command(subcommand)]
    Cluster(ClusterCommand),
    /// Run the Trino Gateway.
    #[command(subcommand)]
    Gateway(GatewayCommand),
    /// Provision, inspect and tear down a workspace's S3 exchange bucket.
    #[command(subcommand)]
    Exchange(exchange::ExchangeCommand),
    /// Ranger: the plugin's files, the Trino service and policies in Ranger Admin, local checks.
    #[command(subcommand)]
    Ranger(ranger::RangerCommand),
    /// Keycloak: the platform's OAuth client, and the OAuth2 config of Trino and the gateway.
    #[command(subcommand)]
    Keycloak(keycloak::KeycloakCommand),
    /// A tenant's platform and cluster bundles on Kubernetes: plan, apply, delete, render.
    #[command(subcommand)]
    Deploy(deploy::DeployCommand),
}

#[derive(Subcommand)]
enum GatewayCommand {
    /// Serve until SIGINT or SIGTERM, then let in-flight requests finish.
    Serve {
        /// Gateway config (YAML); without one: HTTP on 0.0.0.0:8080, the default store, no rules.
        #[arg(long, short)]
        config: Option<std::path::PathBuf>,
    },
}

#[derive(Subcommand)]
enum ClusterCommand {
    /// Register a new cluster (fails if the name is taken).
    Register {
        /// Unique cluster name.
        name: ClusterName,
        /// Coordinator URL the gateway proxies to.
        #[arg(long)]
        proxy_to: BackendUrl,
        #[command(flatten)]
        fields: Fields,
        /// Register it inactive (it takes no queries until activated).
        #[arg(long)]
        inactive: bool,
    },
    /// Change some fields of a registered cluster.
    Update {
        /// Cluster name.
        name: ClusterName,
        /// New coordinator URL.
        #[arg(long)]
        proxy_to: Option<BackendUrl>,
        #[command(flatten)]
        fields: Fields,
    },
    /// Let a cluster take new queries.
    Activate {
        /// Cluster name.
        name: ClusterName,
    },
    /// Stop sending new queries to a cluster (running queries finish).
    Deactivate {
        /// Cluster name.
        name: ClusterName,
    },
    /// Unregister a cluster.
    Remove {
        /// Cluster name.
        name: ClusterName,
    },
    /// Show one cluster.
    Get {
        /// Cluster name.
        name: ClusterName,
    },
    /// List clusters, sorted by name.
    List {
        /// Only this routing group.
        #[arg(long)]
        routing_group: Option<RoutingGroup>,
        /// Only active clusters.
        #[arg(long, conflicts_with = "inactive")]
        active: bool,
        /// Only inactive clusters.
        #[arg(long)]
        inactive: bool,
    },
}

#[derive(Args)]
struct Fields {
    /// URL people and UI links use [default: the proxy URL].
    #[arg(long)]
    external_url: Option<BackendUrl>,
    /// Routing group [default on register: adhoc].
    #[arg(long)]
    routing_group: Option<RoutingGroup>,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => e.exit(), // --help, --version
        Err(e) => {
            // One line, like every other failure; `--help` has the details.
            eprintln!("{}", e.render().to_string().lines().next().unwrap_or("error: invalid arguments"));
            return ExitCode::from(exit_code(ErrorKind::InvalidInput));
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => return fail(cli.output, &Error::new(ErrorKind::Internal, format!("cannot start the runtime: {e}"))),
    };
    match runtime.block_on(run(&cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(cli.output, &e),
    }
}

async fn run(cli: &Cli) -> Result<()> {
    let command = match &cli.command {
        Command::Cluster(command) => command,
        Command::Gateway(GatewayCommand::Serve { config }) => return serve(cli, config.as_deref()).await,
        Command::Exchange(command) => return exchange::run(cli.output, command).await,
        Command::Ranger(command) => return ranger::run(cli.output, command).await,
        Command::Keycloak(command) => return keycloak::run(cli.output, command).await,
        Command::Deploy(command) => return deploy::run(cli.output, command).await,
    };
    let store = registry::open(&store_url(cli.store.as_deref())?).await?;
    let result = cluster(store.as_ref(), command).await;
    store.close().await;
    let shown = result?;
    match cli.output {
        Output::Json => println!(
            "{}",
            serde_json::to_string_pretty(&shown).map_err(|e| Error::new(ErrorKind::Internal, e.to_string()))?
        ),
        Output::Table => print!("{}", table::render(&shown)),
    }
    Ok(())
}

/// Runs the gateway until a signal asks it to stop.
async fn serve(cli: &Cli, config: Option<&std::path::Path>) -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let mut config = match config {
        Some(path) => GatewayConfig::load(path)?,
        None => GatewayConfig::default(),
    };
    if cli.store.is_some() || config.store.is_none() {
        config.store = Some(store_url(cli.store.as_deref())?.into());
    }
    let gateway = Gateway::start(config).await?;
    for (scheme, addr) in [("http", gateway.http_addr()), ("https", gateway.https_addr())] {
        if let Some(addr) = addr {
            tracing::info!("trino-platform gateway listening on {scheme}://{addr}");
        }
    }
    shutdown_signal().await;
    tracing::info!("stopping: letting in-flight requests finish");
    gateway.stop().await;
    Ok(())
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(signal) => signal,
            Err(_) => return interrupt.await.unwrap_or_default(),
        };
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    interrupt.await.unwrap_or_default();
}

/// What a command shows: one cluster or a listing.
#[derive(serde::Serialize)]
#[serde(untagged)]
enum Shown {
    One(Cluster),
    Many(Vec<Cluster>),
}

async fn cluster(store: &dyn ClusterStore, command: &ClusterCommand) -> Result<Shown> {
    Ok(match command {
        ClusterCommand::Register { name, proxy_to, fields, inactive } => {
            let mut cluster = Cluster::new(name.clone(), proxy_to.clone()).with_active(!inactive);
            cluster.apply(&fields.update(None));
            Shown::One(store.register(&cluster).await?)
        }
        ClusterCommand::Update { name, proxy_to, fields } => {
            let update = fields.update(proxy_to.clone());
            if update.is_empty() {
                return Err(Error::invalid_input(
                    "nothing to update: give --proxy-to, --external-url or --routing-group",
                ));
            }
            Shown::One(store.update(name, &update).await?)
        }
        ClusterCommand::Activate { name } => Shown::One(store.activate(name).await?),
        ClusterCommand::Deactivate { name } => Shown::One(store.deactivate(name).await?),
        ClusterCommand::Remove { name } => Shown::One(store.remove(name).await?),
        ClusterCommand::Get { name } => Shown::One(store.get(name).await?),
        ClusterCommand::List { routing_group, active, inactive } => {
            let active = match (active, inactive) {
                (true, _) => Some(true),
                (_, true) => Some(false),
                _ => None,
            };
            Shown::Many(store.list(&ClusterFilter { routing_group: routing_group.clone(), active }).await?)
        }
    })
}

impl Fields {
    fn update(&self, proxy_to: Option<BackendUrl>) -> ClusterUpdate {
        ClusterUpdate {
            proxy_to,
            external_url: self.external_url.clone(),
            routing_group: self.routing_group.clone(),
            active: None,
        }
    }
}

/// The store URL: the flag or `TRINO_PLATFORM_STORE`, else `gateway.db` in the data directory.
fn store_url(flag: Option<&str>) -> Result<String> {
    if let Some(url) = flag {
        return Ok(url.to_owned());
    }
    let dirs = directories::ProjectDirs::from("io", "trino-platform", "trino-platform")
        .ok_or_else(|| Error::invalid_input("no home directory to keep the default store in; pass --store"))?;
    Ok(format!("sqlite://{}", dirs.data_dir().join("gateway.db").display()))
}

/// The process exit code for an error kind: scripts can branch on it without parsing text.
///
/// | code | kinds |
/// |---|---|
/// | 2 | `InvalidInput` (also clap's usage errors) |
/// | 3 | `NotFound` |
/// | 4 | `AlreadyExists`, `Conflict` |
/// | 5 | `Unauthorized`, `Forbidden` |
/// | 6 | `Unavailable`, `Timeout` (retryable) |
/// | 1 | anything else |
fn exit_code(kind: ErrorKind) -> u8 {
    match kind {
        ErrorKind::InvalidInput => 2,
        ErrorKind::NotFound => 3,
        ErrorKind::AlreadyExists | ErrorKind::Conflict => 4,
        ErrorKind::Unauthorized | ErrorKind::Forbidden => 5,
        ErrorKind::Unavailable | ErrorKind::Timeout => 6,
        _ => 1,
    }
}

/// An `Internal` error from anything displayable.
pub(crate) fn internal(e: impl std::fmt::Display) -> Error {
    Error::new(ErrorKind::Internal, e.to_string())
}

/// Writes `text` to stdout; a reader that went away (`| head`) is not an error.
pub(crate) fn emit(text: &str) -> Result<()> {
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(internal(format!("cannot write output: {e}"))),
        _ => Ok(()),
    }
}

/// Writes `value` as pretty JSON to stdout.
pub(crate) fn print_json(value: &impl serde::Serialize) -> Result<()> {
    emit(&(serde_json::to_string_pretty(value).map_err(internal)? + "\n"))
}

fn fail(output: Output, error: &Error) -> ExitCode {
    match output {
        Output::Json => {
            eprintln!("{}", serde_json::json!({"error": {"kind": error.kind().as_str(), "message": error.message()}}))
        }
        Output::Table => eprintln!("error: {}", error.message().replace('\n', " ")),
    }
    ExitCode::from(exit_code(error.kind()))
}
