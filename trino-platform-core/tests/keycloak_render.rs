//! Rendered OAuth2 configuration against golden files (`tests/golden/keycloak/`): the Trino
//! coordinator's properties for two Trino versions whose keys differ (476 has the deprecated
//! groups-field key, 480 removed it), and the gateway's `auth:` section. No network.
//! `UPDATE_GOLDEN=1` rewrites the files.

#![cfg(feature = "keycloak")]

use std::path::PathBuf;

use trino_platform::keycloak::{
    OAuthClientSpec, TrinoOAuth2Spec, TrinoVersion, gateway_auth_config, gateway_auth_yaml, issuer_url,
    trino_oauth2_properties,
};

fn golden(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden/keycloak").join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).unwrap();
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(actual, expected, "{} differs (UPDATE_GOLDEN=1 rewrites it)", path.display());
}

fn client() -> OAuthClientSpec {
    OAuthClientSpec::from_yaml("realm: platform\nclientId: trino\nexternalUrl: https://trino.example.com\n").unwrap()
}

fn spec(version: u32) -> TrinoOAuth2Spec {
    let issuer = issuer_url("https://keycloak.example.com", "platform").unwrap();
    let mut spec = TrinoOAuth2Spec::for_client(TrinoVersion::new(version).unwrap(), issuer, &client());
    spec.refresh_tokens = true;
    spec
}

#[test]
fn trino_properties_match_the_golden_files_per_version() {
    for version in [476, 480] {
        let text = trino_oauth2_properties(&spec(version)).unwrap().to_java_properties();
        golden(&format!("trino-{version}.properties"), &text);
        assert!(!text.contains("secret=") || text.contains("${ENV:"), "secrets are env references");
    }
    let old = trino_oauth2_properties(&spec(476)).unwrap();
    let new = trino_oauth2_properties(&spec(480)).unwrap();
    let keys = |p: &trino_platform::properties::Properties| p.iter().map(|(k, _)| k.to_owned()).collect::<Vec<_>>();
    let only_old: Vec<_> = keys(&old).into_iter().filter(|k| new.get(k).is_none()).collect();
    assert_eq!(only_old, ["deprecated.http-server.authentication.oauth2.groups-field"]);
}

#[test]
fn the_spec_file_form_renders_the_same() {
    let yaml = "trinoVersion: 480\nissuer: https://keycloak.example.com/realms/platform\nclientId: trino\nrefreshTokens: true\n";
    let from_file = TrinoOAuth2Spec::from_yaml(yaml).unwrap();
    assert_eq!(trino_oauth2_properties(&from_file).unwrap(), trino_oauth2_properties(&spec(480)).unwrap());
    assert!(TrinoOAuth2Spec::from_yaml("trinoVersion: 300\nissuer: https://kc/realms/p\nclientId: trino\n").is_err());
}

#[test]
fn gateway_auth_section_matches_the_golden_file() {
    let issuer = issuer_url("https://keycloak.example.com", "platform").unwrap();
    let config = gateway_auth_config(&issuer, &client(), true, vec!["service-account-superset".into()]).unwrap();
    golden("gateway-auth.yaml", &gateway_auth_yaml(&config).unwrap());
}

#[test]
fn the_example_specs_parse_and_render() {
    let examples = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/keycloak");
    let read = |name: &str| std::fs::read_to_string(examples.join(name)).unwrap();
    let client = OAuthClientSpec::from_yaml(&read("oauth-client.yaml")).unwrap();
    assert!(client.ensure_realm);
    let trino = TrinoOAuth2Spec::from_yaml(&read("trino-oauth2.yaml")).unwrap();
    assert_eq!(trino_oauth2_properties(&trino).unwrap(), trino_oauth2_properties(&spec(480)).unwrap());
}
