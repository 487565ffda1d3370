//! The OAuth client: ensure (find by clientId → create, or update only what differs → mappers
//! → secret), rotate its secret, delete it.

use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::admin::KeycloakAdmin;
use super::mappers::{self, MapperSpec};
use super::realm::RealmSpec;
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
        spec.validate()?;
        let realm = spec.realm.as_str();
        let mut changes = Vec::new();
        if spec.ensure_realm && self.ensure_realm(&RealmSpec::new(realm)).await? {
            changes.push("realm".to_owned());
        }
        let wanted = spec.representation();
        let wanted_mappers = mappers::desired(spec);

        let mut created = false;
        let id = match self.find_client(realm, &spec.client_id).await? {
            Some(current) => {
                let id = internal_id(&current)?;
                changes.extend(self.update_client(spec, &id, current, &wanted).await?);
                changes.extend(self.ensure_mappers(realm, &id, &wanted_mappers).await?);
                id
            }
            None => match self.create_client(spec, wanted.clone(), &wanted_mappers).await {
                Ok(id) => {
                    created = true;
                    changes.push("created".to_owned());
                    id
                }
                Err(e) if e.kind() == ErrorKind::AlreadyExists => {
                    // Created by someone else since the lookup: converge it like any other.
                    let current = self.find_client(realm, &spec.client_id).await?.ok_or(e)?;
                    let id = internal_id(&current)?;
                    changes.extend(self.update_client(spec, &id, current, &wanted).await?);
                    changes.extend(self.ensure_mappers(realm, &id, &wanted_mappers).await?);
                    id
                }
                Err(e) => return Err(e),
            },
        };
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

    async fn create_client(
        &self,
        spec: &OAuthClientSpec,
        mut body: Map<String, Value>,
        mappers: &[MapperSpec],
    ) -> Result<String> {
        body.insert("protocolMappers".into(), Value::Array(mappers.iter().map(MapperSpec::to_json).collect()));
        if let Some(secret) = &spec.secret {
            body.insert("secret".into(), Value::String(secret.expose_secret().to_owned()));
        }
        let what = format!("creating client {:?} in realm {}", spec.client_id, spec.realm);
        let answer = self.send(Method::POST, &[&spec.realm, "clients"], &[], Some(&Value::Object(body)), &what).await?;
        answer.created_id(&what)
    }

    /// Updates the managed fields that differ (and the secret when the spec fixes another one);
    /// returns the names of the changed fields.
    async fn update_client(
        &self,
        spec: &OAuthClientSpec,
        id: &str,
        current: Map<String, Value>,
        wanted: &Map<String, Value>,
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
            self.send(Method::PUT, &[&spec.realm, "clients", id], &[], Some(&Value::Object(merged)), &what).await?;
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
