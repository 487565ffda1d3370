//! Groups and users, for platform bootstrap (and tests): ensured by name.

use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::admin::KeycloakAdmin;
use super::spec::{validate_name, validate_realm};
use crate::error::{Error, ErrorKind, Result};

/// A top-level group and whether it was created now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EnsuredGroup {
    /// Keycloak's id of the group.
    pub id: String,
    /// The group name.
    pub name: String,
    /// Whether it was created now.
    pub created: bool,
}

/// A user as the platform wants it. `Debug` shows no password; serialization omits it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UserSpec {
    /// The username (Keycloak stores it lower-case).
    pub username: String,
    /// E-mail (set as verified). Keycloak ≥ 24's default user profile requires e-mail, first and
    /// last name before a user may log in with a password.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// First name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// The initial password (set when the user is created; an existing user's password is left
    /// alone).
    #[serde(default, skip_serializing)]
    pub password: Option<SecretString>,
    /// Top-level groups the user must be a member of (created when missing; other memberships
    /// stay).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
    /// Whether the user is enabled (default true).
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn yes() -> bool {
    true
}

impl UserSpec {
    /// An enabled user with no other fields.
    pub fn new(username: impl Into<String>) -> Self {
        Self {
            username: username.into(),
            email: None,
            first_name: None,
            last_name: None,
            password: None,
            groups: Vec::new(),
            enabled: true,
        }
    }

    /// The managed fields of the UserRepresentation.
    fn fields(&self) -> Map<String, Value> {
        let mut fields = Map::new();
        fields.insert("enabled".into(), Value::Bool(self.enabled));
        let mut text = |key: &str, value: &Option<String>| {
            if let Some(value) = value {
                fields.insert(key.into(), Value::String(value.clone()));
            }
        };
        text("email", &self.email);
        text("firstName", &self.first_name);
        text("lastName", &self.last_name);
        if self.email.is_some() {
            fields.insert("emailVerified".into(), Value::Bool(true));
        }
        fields
    }
}

/// What [`KeycloakAdmin::ensure_user`] did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EnsuredUser {
    /// Keycloak's id of the user.
    pub id: String,
    /// The username.
    pub username: String,
    /// Whether the user was created now.
    pub created: bool,
    /// What changed (`created`, `email`, `group etl`, …).
    pub changes: Vec<String>,
}

impl KeycloakAdmin {
    /// Creates the top-level group `name` when missing. Fails with `InvalidInput` for a bad
    /// name, and the usual errors.
    pub async fn ensure_group(&self, realm: &str, name: &str) -> Result<EnsuredGroup> {
        validate_realm(realm)?;
        validate_name("group", name)?;
        if let Some(id) = self.find_group(realm, name).await? {
            return Ok(EnsuredGroup { id, name: name.to_owned(), created: false });
        }
        let what = format!("creating group {name:?} in realm {realm}");
        match self.send(Method::POST, &[realm, "groups"], &[], Some(&json!({"name": name})), &what).await {
            Ok(answer) => Ok(EnsuredGroup { id: answer.created_id(&what)?, name: name.to_owned(), created: true }),
            Err(e) if e.kind() == ErrorKind::AlreadyExists => {
                let id = self.find_group(realm, name).await?.ok_or(e)?;
                Ok(EnsuredGroup { id, name: name.to_owned(), created: false })
            }
            Err(e) => Err(e),
        }
    }

    async fn find_group(&self, realm: &str, name: &str) -> Result<Option<String>> {
        let what = format!("looking up group {name:?} in realm {realm}");
        let groups: Vec<Value> = self
            .get_json(
                &[realm, "groups"],
                &[("search", name), ("exact", "true"), ("briefRepresentation", "true")],
                &what,
            )
            .await?;
        Ok(groups
            .iter()
            .find(|g| g.get("name").and_then(Value::as_str) == Some(name))
            .and_then(|g| g.get("id").and_then(Value::as_str))
            .map(str::to_owned))
    }

    /// Creates the user when missing (with its password), else aligns `enabled`, e-mail and
    /// names; adds the missing group memberships. Fails with `InvalidInput` for a bad spec or
    /// one Keycloak refuses, and the usual errors.
    pub async fn ensure_user(&self, realm: &str, spec: &UserSpec) -> Result<EnsuredUser> {
        validate_realm(realm)?;
        validate_name("username", &spec.username)?;
        let username = spec.username.to_lowercase();
        let mut changes = Vec::new();
        let (id, created) = match self.find_user(realm, &username).await? {
            Some(mut current) => {
                let id = current
                    .get("id")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
                    .ok_or_else(|| Error::new(ErrorKind::Backend, "Keycloak returned a user without an id"))?;
                for (key, want) in spec.fields() {
                    if current.get(&key) != Some(&want) {
                        current.insert(key.clone(), want);
                        changes.push(key);
                    }
                }
                if !changes.is_empty() {
                    let what = format!("updating user {username:?} in realm {realm}");
                    self.send(Method::PUT, &[realm, "users", &id], &[], Some(&Value::Object(current)), &what).await?;
                }
                (id, false)
            }
            None => {
                let mut body = spec.fields();
                body.insert("username".into(), Value::String(username.clone()));
                body.insert("requiredActions".into(), json!([]));
                if let Some(password) = &spec.password {
                    body.insert(
                        "credentials".into(),
                        json!([{"type": "password", "value": password.expose_secret(), "temporary": false}]),
                    );
                }
                let what = format!("creating user {username:?} in realm {realm}");
                let answer = self.send(Method::POST, &[realm, "users"], &[], Some(&Value::Object(body)), &what).await?;
                changes.push("created".to_owned());
                (answer.created_id(&what)?, true)
            }
        };
        if !spec.groups.is_empty() {
            let what = format!("reading the groups of user {username:?} in realm {realm}");
            let member_of: Vec<Value> = self.get_json(&[realm, "users", &id, "groups"], &[], &what).await?;
            for group in &spec.groups {
                if member_of.iter().any(|g| g.get("name").and_then(Value::as_str) == Some(group.as_str())) {
                    continue;
                }
                let ensured = self.ensure_group(realm, group).await?;
                let what = format!("adding user {username:?} to group {group:?} in realm {realm}");
                self.send(Method::PUT, &[realm, "users", &id, "groups", &ensured.id], &[], None, &what).await?;
                changes.push(format!("group {group}"));
            }
        }
        Ok(EnsuredUser { id, username, created, changes })
    }

    async fn find_user(&self, realm: &str, username: &str) -> Result<Option<Map<String, Value>>> {
        let what = format!("looking up user {username:?} in realm {realm}");
        let users: Vec<Map<String, Value>> =
            self.get_json(&[realm, "users"], &[("username", username), ("exact", "true")], &what).await?;
        Ok(users.into_iter().find(|u| u.get("username").and_then(Value::as_str) == Some(username)))
    }
}
