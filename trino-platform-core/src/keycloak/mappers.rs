//! The protocol mappers of the OAuth client (config keys from Keycloak's
//! `AudienceProtocolMapper`, `GroupMembershipMapper`, `UserAttributeMapper` and
//! `OIDCAttributeMapperHelper`), ensured by name: created when missing, updated when a managed
//! config key or the mapper type differs; other mappers are left alone.

use std::collections::BTreeMap;

use reqwest::Method;
use serde_json::{Value, json};

use super::admin::KeycloakAdmin;
use super::client::Mode;
use super::spec::{AUDIENCE_MAPPER, GROUPS_MAPPER, OAuthClientSpec, USERNAME_MAPPER};
use crate::error::Result;

/// One mapper as the spec wants it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MapperSpec {
    pub(crate) name: String,
    pub(crate) mapper: &'static str,
    pub(crate) config: BTreeMap<&'static str, String>,
}

impl MapperSpec {
    /// The ProtocolMapperRepresentation.
    pub(crate) fn to_json(&self) -> Value {
        json!({"name": self.name, "protocol": "openid-connect", "protocolMapper": self.mapper, "config": self.config})
    }

    /// Whether `current` (a ProtocolMapperRepresentation) has this type and every managed key.
    fn matches(&self, current: &Value) -> bool {
        current.get("protocolMapper").and_then(Value::as_str) == Some(self.mapper)
            && self.config.iter().all(|(key, want)| {
                current.get("config").and_then(|c| c.get(*key)).and_then(Value::as_str) == Some(want.as_str())
            })
    }
}

fn config(pairs: &[(&'static str, &str)]) -> BTreeMap<&'static str, String> {
    pairs.iter().map(|(k, v)| (*k, (*v).to_owned())).collect()
}

/// The mappers of `spec`: its own audience, one per extra audience, groups (bare names) and
/// username (`preferred_username`).
pub(crate) fn desired(spec: &OAuthClientSpec) -> Vec<MapperSpec> {
    let mut mappers = vec![MapperSpec {
        name: AUDIENCE_MAPPER.to_owned(),
        mapper: "oidc-audience-mapper",
        config: config(&[
            ("included.client.audience", &spec.client_id),
            ("access.token.claim", "true"),
            ("id.token.claim", "false"),
            ("introspection.token.claim", "true"),
        ]),
    }];
    for audience in &spec.audiences {
        mappers.push(MapperSpec {
            name: format!("{AUDIENCE_MAPPER} {audience}"),
            mapper: "oidc-audience-mapper",
            config: config(&[
                ("included.custom.audience", audience),
                ("access.token.claim", "true"),
                ("id.token.claim", "false"),
                ("introspection.token.claim", "true"),
            ]),
        });
    }
    let in_all_tokens = [
        ("access.token.claim", "true"),
        ("id.token.claim", "true"),
        ("userinfo.token.claim", "true"),
        ("introspection.token.claim", "true"),
    ];
    mappers.push(MapperSpec {
        name: GROUPS_MAPPER.to_owned(),
        mapper: "oidc-group-membership-mapper",
        config: config(
            &[[("claim.name", spec.groups_claim.as_str()), ("full.path", "false")].as_slice(), &in_all_tokens].concat(),
        ),
    });
    mappers.push(MapperSpec {
        name: USERNAME_MAPPER.to_owned(),
        mapper: "oidc-usermodel-attribute-mapper",
        config: config(
            &[
                [("user.attribute", "username"), ("claim.name", "preferred_username"), ("jsonType.label", "String")]
                    .as_slice(),
                &in_all_tokens,
            ]
            .concat(),
        ),
    });
    mappers
}

impl KeycloakAdmin {
    /// Makes the client's mappers match `desired` (in `Plan` mode: only reads them); returns
    /// what changed or would change (`mapper groups created`, `mapper username updated`, …).
    pub(super) async fn ensure_mappers(
        &self,
        realm: &str,
        id: &str,
        desired: &[MapperSpec],
        mode: Mode,
    ) -> Result<Vec<String>> {
        let path = ["clients", id, "protocol-mappers", "models"];
        let what = format!("reading the mappers of client {id} in realm {realm}");
        let current: Vec<Value> = self.get_json(&[&[realm][..], &path].concat(), &[], &what).await?;
        let mut changes = Vec::new();
        for want in desired {
            let existing = current.iter().find(|m| m.get("name").and_then(Value::as_str) == Some(want.name.as_str()));
            match existing {
                None => {
                    let what = format!("creating mapper {:?} of client {id} in realm {realm}", want.name);
                    self.write(mode, Method::POST, &[&[realm][..], &path].concat(), Some(&want.to_json()), &what)
                        .await?;
                    changes.push(format!("mapper {} created", want.name));
                }
                Some(have) if !want.matches(have) => {
                    let Some(mapper_id) = have.get("id").and_then(Value::as_str) else { continue };
                    let mut updated = have.clone();
                    updated["protocolMapper"] = Value::String(want.mapper.to_owned());
                    if !updated.get("config").is_some_and(Value::is_object) {
                        updated["config"] = json!({});
                    }
                    for (key, value) in &want.config {
                        updated["config"][*key] = Value::String(value.clone());
                    }
                    let what = format!("updating mapper {:?} of client {id} in realm {realm}", want.name);
                    self.write(mode, Method::PUT, &[&[realm][..], &path, &[mapper_id]].concat(), Some(&updated), &what)
                        .await?;
                    changes.push(format!("mapper {} updated", want.name));
                }
                Some(_) => {}
            }
        }
        Ok(changes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mappers_carry_the_documented_keys() {
        let mut spec = OAuthClientSpec::new("r", "trino", "https://x");
        spec.audiences = vec!["gateway".into()];
        let mappers = desired(&spec);
        let names: Vec<_> = mappers.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["audience", "audience gateway", "groups", "username"]);
        assert_eq!(mappers[0].config["included.client.audience"], "trino");
        assert_eq!(mappers[1].config["included.custom.audience"], "gateway");
        assert_eq!(mappers[2].config["full.path"], "false");
        assert_eq!(mappers[3].config["claim.name"], "preferred_username");
        let current = json!({"id": "1", "name": "groups", "protocolMapper": "oidc-group-membership-mapper",
            "config": {"claim.name": "groups", "full.path": "false", "access.token.claim": "true", "id.token.claim": "true",
                       "userinfo.token.claim": "true", "introspection.token.claim": "true", "lightweight.claim": "false"}});
        assert!(mappers[2].matches(&current));
        let mut full_path = current.clone();
        full_path["config"]["full.path"] = json!("true");
        assert!(!mappers[2].matches(&full_path));
    }
}
