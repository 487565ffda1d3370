//! The OAuth client: ensure (find by clientId → create, or update only what differs → mappers
//! → secret), plan (the same steps without writing), rotate its secret, delete it.

use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::admin::{Answer, KeycloakAdmin};
use super::mappers::{self, MapperSpec};
use super::realm::{RealmChange, RealmSpec};
use super::spec::{OAuthClientSpec, validate_name, validate_realm};
use crate::error::{Error, ErrorKind, Result};

/// What [`KeycloakAdmin::ensure_client`] did. Serializes without the secret.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EnsuredClient {
    /// The realm.
    pub realm: String,
    /// The client id.
    pub client_id: String,
    /// Keycloak's internal id of the client (the `{id}` of the Admin API paths).
    pub id: String,
    /// Whether the client was created now.
    pub created: bool,
    /// Whether anything changed (realm, client, mappers or secret).
    pub changed: bool,
    /// What changed, by field (`redirectUris`, `mapper groups created`, …); never values.
    pub changes: Vec<String>,
    /// The client secret (for the `${ENV:…}` variable of Trino's `client-secret`).
    #[serde(skip)]
    pub secret: SecretString,
}

/// What [`KeycloakAdmin::ensure_client`] would do now, from [`KeycloakAdmin::plan_client`]:
/// worked out with reads only, in the same words `ensure_client` reports. Holds no secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientPlan {
    /// The realm.
    pub realm: String,
    /// The client id.
    pub client_id: String,
    /// Keycloak's internal id of the client, when it exists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Whether the client would be created.
    pub create: bool,
    /// What would change, as [`EnsuredClient::changes`] would list it (`realm`, `created`,
    /// `redirectUris`, `attributes.pkce.code.challenge.method`, `mapper groups created`,
    /// `secret`, …); empty when the client is as the spec wants it. Never values.
    pub changes: Vec<String>,
}

impl ClientPlan {
    /// Whether `ensure_client` would write anything.
    pub fn changed(&self) -> bool {
        !self.changes.is_empty()
    }
}

/// Whether a step of `ensure_*` writes what differs ([`Mode::Apply`]) or only reports it
/// ([`Mode::Plan`], for `plan_*`). The steps decide the same way in both; only their writes go
/// through [`KeycloakAdmin::write`], which sends nothing when planning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    Apply,
    Plan,
}

/// What the shared steps of `ensure_client` / `plan_client` found or did.
struct Converged {
    /// The client's internal id (`None` when it is only planned for creation).
    id: Option<String>,
    created: bool,
    changes: Vec<String>,
}

/// A new client secret. Serializes without the secret.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RotatedSecret {
    /// The realm.
    pub realm: String,
    /// The client id.
    pub client_id: String,
    /// Keycloak's internal id of the client.
    pub id: String,
    /// The new secret; the old one no longer works.
    #[serde(skip)]
    pub secret: SecretString,
}

#[derive(Deserialize)]
struct Credential {
    value: Option<SecretString>,
}

impl KeycloakAdmin {
    /// The client with `client_id` (its full ClientRepresentation), or `None`.
    pub async fn find_client(&self, realm: &str, client_id: &str) -> Result<Option<Map<String, Value>>> {
        validate_realm(realm)?;
        validate_name("clientId", client_id)?;
        let what = format!("looking up client {client_id:?} in realm {realm}");
        let found: Vec<Map<String, Value>> =
            self.get_json(&[realm, "clients"], &[("clientId", client_id)], &what).await?;
        Ok(found.into_iter().find(|c| c.get("clientId").and_then(Value::as_str) == Some(client_id)))
    }

    async fn client_id_of(&self, realm: &str, client_id: &str) -> Result<String> {
        let client = self.find_client(realm, client_id).await?.ok_or_else(|| {
            Error::not_found(format!("realm {realm} has no client {client_id:?} (create it with ensure-client)"))
        })?;
        internal_id(&client)
    }

    /// Makes the client match `spec`: creates it (with its mappers) when missing, else updates
    /// only the managed fields that differ and ensures the mappers; sets the secret when the
    /// spec fixes one. Running it twice changes nothing the second time. Fails with
    /// `InvalidInput` for a bad spec (or one Keycloak refuses), `NotFound` when the realm is
    /// missing and `ensureRealm` is off, `Forbidden`, `Unauthorized`, `Unavailable`, `Timeout`.
    pub async fn ensure_client(&self, spec: &OAuthClientSpec) -> Result<EnsuredClient> {
        let Converged { id, created, changes } = self.converge_client(spec, Mode::Apply).await?;
        let realm = spec.realm.as_str();
        let id = id.ok_or_else(|| Error::new(ErrorKind::Internal, "ensuring the client left no client id"))?;
        let secret = self.secret_of(realm, &spec.client_id, &id).await?;
        if !changes.is_empty() {
            tracing::info!(realm, client_id = %spec.client_id, ?changes, "ensured the OAuth client");
        }
        Ok(EnsuredClient {
            realm: realm.to_owned(),
            client_id: spec.client_id.clone(),
            id,
            created,
            changed: !changes.is_empty(),
            changes,
            secret,
        })
    }

    /// What [`ensure_client`](Self::ensure_client) would change now, worked out by the same
    /// steps with reads (GETs) only: nothing is written, and no secret is read except to compare
    /// it with one the spec fixes (reported as the word `secret`). A missing realm with
    /// `ensureRealm` plans `realm` and the client's creation. Fails like `ensure_client`:
    /// `InvalidInput` for a bad spec, `NotFound` when the realm is missing and `ensureRealm` is
    /// off, `Forbidden`, `Unauthorized`, `Unavailable`, `Timeout`. Values Keycloak would refuse
    /// on write (a bad redirect URI) are not detected.
    pub async fn plan_client(&self, spec: &OAuthClientSpec) -> Result<ClientPlan> {
        let Converged { id, created, changes } = self.converge_client(spec, Mode::Plan).await?;
        Ok(ClientPlan { realm: spec.realm.clone(), client_id: spec.client_id.clone(), id, create: created, changes })
    }

    /// The steps of `ensure_client` (realm → find → create, or update → mappers), writing in
    /// `Apply` mode and only reporting in `Plan` mode.
    async fn converge_client(&self, spec: &OAuthClientSpec, mode: Mode) -> Result<Converged> {
        spec.validate()?;
        let realm = spec.realm.as_str();
        let mut changes = Vec::new();
        let mut new_realm = false;
        if spec.ensure_realm {
            match self.converge_realm(&RealmSpec::new(realm), mode).await? {
                RealmChange::Unchanged => {}
                RealmChange::Updated => changes.push("realm".to_owned()),
                RealmChange::Created => {
                    changes.push("realm".to_owned());
                    new_realm = true;
                }
            }
        }
        let wanted = spec.representation();
        let wanted_mappers = mappers::desired(spec);

        // A realm that is only planned holds no client yet (and cannot be asked).
        let found =
            if new_realm && mode == Mode::Plan { None } else { self.find_client(realm, &spec.client_id).await? };
        let mut created = false;
        let id = match found {
            Some(current) => {
                Some(self.converge_existing(spec, current, &wanted, &wanted_mappers, mode, &mut changes).await?)
            }
            None => match self.create_client(spec, wanted.clone(), &wanted_mappers, mode).await {
                Ok(id) => {
                    created = true;
                    changes.push("created".to_owned());
                    id
                }
                Err(e) if e.kind() == ErrorKind::AlreadyExists => {
                    // Created by someone else since the lookup: converge it like any other.
                    let current = self.find_client(realm, &spec.client_id).await?.ok_or(e)?;
                    Some(self.converge_existing(spec, current, &wanted, &wanted_mappers, mode, &mut changes).await?)
                }
                Err(e) => return Err(e),
            },
        };
        Ok(Converged { id, created, changes })
    }

    /// Updates an existing client and its mappers (or, planning, reports what would change);
    /// returns its internal id.
    async fn converge_existing(
        &self,
        spec: &OAuthClientSpec,
        current: Map<String, Value>,
        wanted: &Map<String, Value>,
        wanted_mappers: &[MapperSpec],
        mode: Mode,
        changes: &mut Vec<String>,
    ) -> Result<String> {
        let id = internal_id(&current)?;
        changes.extend(self.update_client(spec, &id, current, wanted, mode).await?);
        changes.extend(self.ensure_mappers(&spec.realm, &id, wanted_mappers, mode).await?);
        Ok(id)
    }

    /// Sends a write of the Admin API in `Apply` mode; in `Plan` mode sends nothing and returns
    /// `None`. Every write of the converge steps goes through here.
    pub(super) async fn write(
        &self,
        mode: Mode,
        method: Method,
        segments: &[&str],
        body: Option<&Value>,
        what: &str,
    ) -> Result<Option<Answer>> {
        match mode {
            Mode::Apply => self.send(method, segments, &[], body, what).await.map(Some),
            Mode::Plan => Ok(None),
        }
    }

    /// Creates the client with its mappers; returns its internal id (`None` when planning).
    async fn create_client(
        &self,
        spec: &OAuthClientSpec,
        mut body: Map<String, Value>,
        mappers: &[MapperSpec],
        mode: Mode,
    ) -> Result<Option<String>> {
        body.insert("protocolMappers".into(), Value::Array(mappers.iter().map(MapperSpec::to_json).collect()));
        if let Some(secret) = &spec.secret {
            body.insert("secret".into(), Value::String(secret.expose_secret().to_owned()));
        }
        let what = format!("creating client {:?} in realm {}", spec.client_id, spec.realm);
        let body = Value::Object(body);
        let answer = self.write(mode, Method::POST, &[&spec.realm, "clients"], Some(&body), &what).await?;
        answer.map(|a| a.created_id(&what)).transpose()
    }

    /// Updates the managed fields that differ (and the secret when the spec fixes another one);
    /// returns the names of the changed fields (planning: of those that would change).
    async fn update_client(
        &self,
        spec: &OAuthClientSpec,
        id: &str,
        current: Map<String, Value>,
        wanted: &Map<String, Value>,
        mode: Mode,
    ) -> Result<Vec<String>> {
        let (mut merged, mut changes) = merge(current, wanted);
        if let Some(secret) = &spec.secret {
            let have = self.secret_of(&spec.realm, &spec.client_id, id).await?;
            if have.expose_secret() != secret.expose_secret() {
                merged.insert("secret".into(), Value::String(secret.expose_secret().to_owned()));
                changes.push("secret".to_owned());
            }
        }
        if !changes.is_empty() {
            // Mappers are managed through their own endpoints.
            merged.remove("protocolMappers");
            let what = format!("updating client {:?} in realm {}", spec.client_id, spec.realm);
            self.write(mode, Method::PUT, &[&spec.realm, "clients", id], Some(&Value::Object(merged)), &what).await?;
        }
        Ok(changes)
    }

    async fn secret_of(&self, realm: &str, client_id: &str, id: &str) -> Result<SecretString> {
        let what = format!("reading the secret of client {client_id:?} in realm {realm}");
        let credential: Credential = self.get_json(&[realm, "clients", id, "client-secret"], &[], &what).await?;
        credential.value.ok_or_else(|| Error::new(ErrorKind::Backend, format!("{what}: Keycloak returned no secret")))
    }

    /// The current secret of the client. Fails with `NotFound` when there is no such client.
    pub async fn client_secret(&self, realm: &str, client_id: &str) -> Result<SecretString> {
        let id = self.client_id_of(realm, client_id).await?;
        self.secret_of(realm, client_id, &id).await
    }

    /// Makes Keycloak generate a new secret for the client; the old one stops working at once.
    /// Fails with `NotFound` when there is no such client.
    pub async fn rotate_secret(&self, realm: &str, client_id: &str) -> Result<RotatedSecret> {
        let id = self.client_id_of(realm, client_id).await?;
        let what = format!("regenerating the secret of client {client_id:?} in realm {realm}");
        let answer = self.send(Method::POST, &[realm, "clients", &id, "client-secret"], &[], None, &what).await?;
        let credential: Credential = answer.json(&what)?;
        let secret = credential
            .value
            .ok_or_else(|| Error::new(ErrorKind::Backend, format!("{what}: Keycloak returned no secret")))?;
        tracing::info!(realm, client_id, "rotated the client secret");
        Ok(RotatedSecret { realm: realm.to_owned(), client_id: client_id.to_owned(), id, secret })
    }

    /// Deletes the client; returns whether it existed.
    pub async fn delete_client(&self, realm: &str, client_id: &str) -> Result<bool> {
        let Some(client) = self.find_client(realm, client_id).await? else { return Ok(false) };
        let id = internal_id(&client)?;
        let what = format!("deleting client {client_id:?} in realm {realm}");
        match self.send(Method::DELETE, &[realm, "clients", &id], &[], None, &what).await {
            Ok(_) => Ok(true),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e),
        }
    }
}

fn internal_id(client: &Map<String, Value>) -> Result<String> {
    client
        .get("id")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| Error::new(ErrorKind::Backend, "Keycloak returned a client without an id"))
}

/// `current` with the `wanted` fields applied, and the names of those that differed. Lists of
/// URIs compare as sets; attributes compare key by key (a missing attribute equals "").
fn merge(mut current: Map<String, Value>, wanted: &Map<String, Value>) -> (Map<String, Value>, Vec<String>) {
    let mut changes = Vec::new();
    for (key, want) in wanted {
        match (key.as_str(), want) {
            ("attributes", Value::Object(attributes)) => {
                let have = current.entry("attributes").or_insert_with(|| Value::Object(Map::new()));
                if !have.is_object() {
                    *have = Value::Object(Map::new());
                }
                for (name, value) in attributes {
                    let old = have.get(name).and_then(Value::as_str).unwrap_or("");
                    if Some(old) != value.as_str() {
                        have[name] = value.clone();
                        changes.push(format!("attributes.{name}"));
                    }
                }
            }
            ("redirectUris" | "webOrigins", Value::Array(_)) => {
                if sorted(current.get(key)) != sorted(Some(want)) {
                    current.insert(key.clone(), want.clone());
                    changes.push(key.clone());
                }
            }
            _ => {
                if current.get(key) != Some(want) {
                    current.insert(key.clone(), want.clone());
                    changes.push(key.clone());
                }
            }
        }
    }
    (current, changes)
}

fn sorted(value: Option<&Value>) -> Vec<&str> {
    let mut items: Vec<&str> =
        value.and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).collect();
    items.sort_unstable();
    items.dedup();
    items
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merge_changes_only_what_differs() {
        let spec = OAuthClientSpec::new("r", "trino", "https://gw.example.com");
        let wanted = spec.representation();
        let Value::Object(current) = json!({
            "id": "uuid", "clientId": "trino", "enabled": true, "protocol": "openid-connect", "publicClient": false,
            "bearerOnly": false, "clientAuthenticatorType": "client-secret", "standardFlowEnabled": true,
            "implicitFlowEnabled": false, "directAccessGrantsEnabled": false, "serviceAccountsEnabled": false,
            "redirectUris": ["https://gw.example.com/oauth2/callback"], "webOrigins": ["https://gw.example.com"],
            "attributes": {"post.logout.redirect.uris": "https://gw.example.com/ui/logout/logout.html",
                           "pkce.code.challenge.method": "S256", "other": "kept"},
            "fullScopeAllowed": true,
        }) else {
            unreachable!()
        };
        let (same, changes) = merge(current.clone(), &wanted);
        assert!(changes.is_empty(), "{changes:?}");
        assert_eq!(same, current);

        let mut drifted = current.clone();
        drifted.insert("redirectUris".into(), json!(["https://old/oauth2/callback"]));
        drifted["attributes"]["pkce.code.challenge.method"] = json!("plain");
        drifted.insert("publicClient".into(), json!(true));
        let (fixed, mut changes) = merge(drifted, &wanted);
        changes.sort();
        assert_eq!(changes, ["attributes.pkce.code.challenge.method", "publicClient", "redirectUris"]);
        assert_eq!(fixed["attributes"]["other"], "kept");
        assert_eq!(fixed["fullScopeAllowed"], true);
        assert_eq!(merge(fixed, &wanted).1, Vec::<String>::new());
    }
}
