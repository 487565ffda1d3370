//! `trino-platform keycloak …`: the platform's OAuth client in Keycloak (ensure, rotate its
//! secret, delete) and the rendered OAuth2 configuration of Trino and the gateway.
//!
//! Credentials come from flags or, better (they stay out of `ps`), the environment:
//! `TRINO_PLATFORM_KEYCLOAK_URL`, `…_ADMIN_USER` / `…_ADMIN_PASSWORD` (password grant on
//! `admin-cli`) or `…_CLIENT_ID` / `…_CLIENT_SECRET` (client credentials). A client secret is
//! printed only with `--show-secret`, or written to `--secret-file` (mode 0600).

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args, Subcommand};
use secrecy::{ExposeSecret, SecretString};
use trino_platform::keycloak::{
    AdminCredentials, KeycloakAdmin, KeycloakConnection, OAuthClientSpec, TrinoOAuth2Spec, TrinoVersion,
    gateway_auth_config, gateway_auth_yaml, trino_oauth2_properties,
};
use trino_platform::{Error, Result};

use crate::{Output, internal};

#[derive(Subcommand)]
pub(crate) enum KeycloakCommand {
    /// Create the OAuth client from a spec, or update only what differs (idempotent).
    EnsureClient {
        #[command(flatten)]
        connection: ConnectionArgs,
        /// The client spec (YAML: realm, clientId, externalUrl, …).
        #[arg(long, short, value_name = "FILE")]
        spec: PathBuf,
        #[command(flatten)]
        secret: SecretOutput,
    },
    /// Make Keycloak generate a new client secret (the old one stops working).
    RotateSecret {
        #[command(flatten)]
        connection: ConnectionArgs,
        #[command(flatten)]
        client: ClientArgs,
        #[command(flatten)]
        secret: SecretOutput,
    },
    /// Delete the OAuth client (succeeds when it is already gone).
    DeleteClient {
        #[command(flatten)]
        connection: ConnectionArgs,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Render the OAuth2 configuration (no network).
    #[command(subcommand)]
    Render(RenderCommand),
}

#[derive(Subcommand)]
pub(crate) enum RenderCommand {
    /// The coordinator's OAuth2 properties (part of etc/config.properties).
    Trino {
        /// The Trino OAuth2 spec (YAML: trinoVersion, issuer, clientId, …).
        #[arg(long, short, value_name = "FILE")]
        spec: PathBuf,
        /// Render for this Trino version instead of the spec's.
        #[arg(long)]
        trino_version: Option<TrinoVersion>,
        /// Write to this file [default: print].
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// The gateway's `auth:` section (YAML).
    Gateway {
        /// The issuer (Keycloak: {url}/realms/{realm}).
        #[arg(long)]
        issuer: String,
        /// The OAuth client spec (YAML), for its client id and groups claim.
        #[arg(long, short, value_name = "FILE")]
        spec: PathBuf,
        /// Require a validated token on every Trino request except /oauth2/….
        #[arg(long)]
        required: bool,
        /// A principal that may send another X-Trino-User (repeatable).
        #[arg(long = "impersonator", value_name = "PRINCIPAL")]
        impersonators: Vec<String>,
    },
}

#[derive(Args)]
pub(crate) struct ConnectionArgs {
    /// Keycloak's base URL.
    #[arg(long = "url", env = "TRINO_PLATFORM_KEYCLOAK_URL")]
    url: String,
    /// Realm of the admin account.
    #[arg(long, env = "TRINO_PLATFORM_KEYCLOAK_AUTH_REALM", default_value = "master")]
    auth_realm: String,
    /// Admin user (password grant on admin-cli).
    #[arg(long, env = "TRINO_PLATFORM_KEYCLOAK_ADMIN_USER", conflicts_with = "admin_client_id")]
    admin_user: Option<String>,
    /// Admin password (prefer the environment variable).
    #[arg(long, env = "TRINO_PLATFORM_KEYCLOAK_ADMIN_PASSWORD", hide_env_values = true)]
    admin_password: Option<String>,
    /// Admin service-account client (client-credentials grant).
    #[arg(long, env = "TRINO_PLATFORM_KEYCLOAK_CLIENT_ID")]
    admin_client_id: Option<String>,
    /// Its secret (prefer the environment variable).
    #[arg(long, env = "TRINO_PLATFORM_KEYCLOAK_CLIENT_SECRET", hide_env_values = true)]
    admin_client_secret: Option<String>,
    /// Time limit of each request to Keycloak, e.g. 30s.
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    timeout: Duration,
    /// PEM file of extra CA certificates to trust.
    #[arg(long)]
    ca_file: Option<PathBuf>,
}

#[derive(Args)]
pub(crate) struct ClientArgs {
    /// The realm.
    #[arg(long)]
    realm: String,
    /// The client id.
    #[arg(long)]
    client_id: String,
}

#[derive(Args)]
pub(crate) struct SecretOutput {
    /// Write the client secret to this file (mode 0600).
    #[arg(long, value_name = "FILE")]
    secret_file: Option<PathBuf>,
    /// Print the client secret.
    #[arg(long)]
    show_secret: bool,
}

fn parse_duration(text: &str) -> std::result::Result<Duration, String> {
    let text = text.trim();
    let (number, unit) = text.split_at(text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len()));
    let number: u64 = number.parse().map_err(|_| format!("invalid duration {text:?} (e.g. 30s, 2m)"))?;
    match unit {
        "s" | "" => Ok(Duration::from_secs(number)),
        "ms" => Ok(Duration::from_millis(number)),
        "m" => Ok(Duration::from_secs(number * 60)),
        _ => Err(format!("invalid duration {text:?} (e.g. 30s, 2m)")),
    }
}

impl ConnectionArgs {
    fn connection(&self) -> Result<KeycloakConnection> {
        let credentials =
            match (&self.admin_user, &self.admin_password, &self.admin_client_id, &self.admin_client_secret) {
                (Some(user), Some(password), None, _) => AdminCredentials::password(user.clone(), password.clone()),
                (None, _, Some(client), Some(secret)) => {
                    AdminCredentials::client_credentials(client.clone(), secret.clone())
                }
                _ => {
                    return Err(Error::invalid_input(
                        "give Keycloak admin credentials: --admin-user with TRINO_PLATFORM_KEYCLOAK_ADMIN_PASSWORD, or \
                     --admin-client-id with TRINO_PLATFORM_KEYCLOAK_CLIENT_SECRET",
                    ));
                }
            };
        let mut connection = KeycloakConnection::new(self.url.clone(), credentials);
        connection.auth_realm = self.auth_realm.clone();
        connection.timeout = self.timeout;
        connection.ca_file = self.ca_file.clone();
        Ok(connection)
    }

    async fn admin(&self) -> Result<KeycloakAdmin> {
        KeycloakAdmin::connect(self.connection()?).await
    }
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| Error::invalid_input(format!("cannot read {}: {e}", path.display())))
}

/// Writes the secret to a new file readable by its owner only (replacing an existing one).
fn write_secret(path: &Path, secret: &SecretString) -> Result<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .map_err(|e| Error::invalid_input(format!("cannot write the secret to {}: {e}", path.display())))?;
    #[cfg(unix)]
    std::fs::set_permissions(path, std::os::unix::fs::PermissionsExt::from_mode(0o600))
        .map_err(|e| Error::invalid_input(format!("cannot restrict {}: {e}", path.display())))?;
    file.write_all(secret.expose_secret().as_bytes())
        .map_err(|e| Error::invalid_input(format!("cannot write the secret to {}: {e}", path.display())))
}

/// Prints `value` (without its secret) and handles the secret as asked.
fn report(output: Output, value: &impl serde::Serialize, secret: &SecretString, how: &SecretOutput) -> Result<()> {
    if let Some(path) = &how.secret_file {
        write_secret(path, secret)?;
    }
    let mut json = serde_json::to_value(value).map_err(internal)?;
    if how.show_secret
        && let Some(map) = json.as_object_mut()
    {
        map.insert("secret".into(), secret.expose_secret().into());
    }
    match output {
        Output::Json => println!("{}", serde_json::to_string_pretty(&json).map_err(internal)?),
        Output::Table => {
            for (key, value) in json.as_object().into_iter().flatten() {
                let text = match value {
                    serde_json::Value::String(s) => s.clone(),
                    serde_json::Value::Array(items) if items.is_empty() => "-".to_owned(),
                    serde_json::Value::Array(items) => items
                        .iter()
                        .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned))
                        .collect::<Vec<_>>()
                        .join(", "),
                    other => other.to_string(),
                };
                println!("{key:<10} {text}");
            }
            if let Some(path) = &how.secret_file {
                println!("{:<10} written to {}", "secret", path.display());
            } else if !how.show_secret {
                println!("{:<10} not shown (use --secret-file FILE or --show-secret)", "secret");
            }
        }
    }
    Ok(())
}

pub(crate) async fn run(output: Output, command: &KeycloakCommand) -> Result<()> {
    match command {
        KeycloakCommand::EnsureClient { connection, spec, secret } => {
            let spec = OAuthClientSpec::from_yaml(&read(spec)?)?;
            let ensured = connection.admin().await?.ensure_client(&spec).await?;
            report(output, &ensured, &ensured.secret, secret)
        }
        KeycloakCommand::RotateSecret { connection, client, secret } => {
            let rotated = connection.admin().await?.rotate_secret(&client.realm, &client.client_id).await?;
            report(output, &rotated, &rotated.secret, secret)
        }
        KeycloakCommand::DeleteClient { connection, client } => {
            let deleted = connection.admin().await?.delete_client(&client.realm, &client.client_id).await?;
            let result = serde_json::json!({"realm": client.realm, "clientId": client.client_id, "deleted": deleted});
            match output {
                Output::Json => println!("{}", serde_json::to_string_pretty(&result).map_err(internal)?),
                Output::Table if deleted => println!("deleted client {} in realm {}", client.client_id, client.realm),
                Output::Table => {
                    println!("realm {} has no client {} (nothing to delete)", client.realm, client.client_id)
                }
            }
            Ok(())
        }
        KeycloakCommand::Render(RenderCommand::Trino { spec, trino_version, out }) => {
            let mut spec = TrinoOAuth2Spec::from_yaml(&read(spec)?)?;
            if let Some(version) = trino_version {
                spec.trino_version = *version;
            }
            let text = trino_oauth2_properties(&spec)?.to_java_properties();
            emit(output, out.as_deref(), &text, "properties")
        }
        KeycloakCommand::Render(RenderCommand::Gateway { issuer, spec, required, impersonators }) => {
            let client = OAuthClientSpec::from_yaml(&read(spec)?)?;
            let config = gateway_auth_config(issuer, &client, *required, impersonators.clone())?;
            match output {
                Output::Json => println!("{}", serde_json::to_string_pretty(&config).map_err(internal)?),
                Output::Table => print!("{}", gateway_auth_yaml(&config)?),
            }
            Ok(())
        }
    }
}

fn emit(output: Output, out: Option<&Path>, text: &str, key: &str) -> Result<()> {
    if let Some(path) = out {
        std::fs::write(path, text)
            .map_err(|e| Error::invalid_input(format!("cannot write {}: {e}", path.display())))?;
        return Ok(());
    }
    match output {
        Output::Json => println!("{}", serde_json::json!({ key: text })),
        Output::Table => print!("{text}"),
    }
    Ok(())
}
