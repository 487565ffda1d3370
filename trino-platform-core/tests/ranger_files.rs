//! Golden files for the Ranger plugin files rendered from `RangerPluginConfig`: each directory
//! under `tests/golden/ranger/` holds a `config.yaml` and the files it must render to, plus
//! `files.json` (which files exist, where they are mounted, which are secret, which environment
//! variables they need). Every XML file must parse as a Hadoop configuration, every
//! `.properties` file as Java properties, and no secret value may appear in a file that is not
//! marked secret (a ConfigMap).
//!
//! After an intended change to the output, regenerate and review the diff:
//!
//! ```sh
//! UPDATE_GOLDEN=1 cargo test -p trino-platform-core --test ranger_files
//! git diff trino-platform-core/tests/golden/ranger
//! ```

#![cfg(feature = "ranger")]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use quick_xml::events::Event;
use trino_platform::ranger::{RangerFiles, RangerPluginConfig};

/// Every secret value the golden configs hold.
const SECRETS: [&str; 2] = ["dl-Pa55w0rd&<x>", "solr-S3cret"];

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/ranger")
}

fn update() -> bool {
    std::env::var_os("UPDATE_GOLDEN").is_some()
}

/// Parses a Hadoop configuration document strictly: `<configuration>` holding only
/// `<property>` elements of one `<name>` and one `<value>`. Returns name → unescaped value.
fn parse_hadoop_xml(xml: &str) -> Result<BTreeMap<String, String>, String> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut path: Vec<String> = Vec::new();
    let mut props = BTreeMap::new();
    let (mut name, mut value): (Option<String>, Option<String>) = (None, None);
    loop {
        match reader.read_event().map_err(|e| format!("XML error at {}: {e}", reader.buffer_position()))? {
            Event::Start(e) => {
                let tag = AsRef::<str>::as_ref(&e.name()).to_owned();
                let expected = match path.len() {
                    0 => "configuration",
                    1 => "property",
                    2 if tag == "name" || tag == "value" => tag.as_str(),
                    _ => return Err(format!("unexpected element <{tag}> under {path:?}")),
                };
                if tag != expected {
                    return Err(format!("unexpected element <{tag}> under {path:?}"));
                }
                path.push(tag);
            }
            Event::Empty(e) => {
                let tag = AsRef::<str>::as_ref(&e.name()).to_owned();
                if path.len() == 2 && tag == "value" {
                    value = Some(String::new());
                } else {
                    return Err(format!("unexpected empty element <{tag}/>"));
                }
            }
            Event::Text(t) => {
                let text = t.xml_content(quick_xml::XmlVersion::Explicit1_0).into_owned();
                match path.last().map(String::as_str) {
                    Some("name") => name = Some(name.unwrap_or_default() + &text),
                    Some("value") => value = Some(value.unwrap_or_default() + &text),
                    _ if text.trim().is_empty() => {}
                    _ => return Err(format!("stray text {text:?}")),
                }
            }
            Event::GeneralRef(r) => {
                let entity = AsRef::<str>::as_ref(&r).to_owned();
                let text = match entity.as_str() {
                    "amp" => "&".to_owned(),
                    "lt" => "<".to_owned(),
                    "gt" => ">".to_owned(),
                    "quot" => "\"".to_owned(),
                    "apos" => "'".to_owned(),
                    e if e.starts_with('#') => {
                        let code = e.trim_start_matches('#');
                        let n = code.strip_prefix('x').map_or_else(|| code.parse(), |h| u32::from_str_radix(h, 16));
                        char::from_u32(n.map_err(|e| e.to_string())?).ok_or("bad character reference")?.to_string()
                    }
                    other => return Err(format!("unknown entity &{other};")),
                };
                match path.last().map(String::as_str) {
                    Some("name") => name = Some(name.unwrap_or_default() + &text),
                    Some("value") => value = Some(value.unwrap_or_default() + &text),
                    _ => return Err(format!("stray entity &{entity};")),
                }
            }
            Event::End(_) => {
                if path.pop().as_deref() == Some("property") {
                    let n = name.take().ok_or("a property without <name>")?;
                    let v = value.take().ok_or("a property without <value>")?;
                    if props.insert(n.clone(), v).is_some() {
                        return Err(format!("property {n} is given twice"));
                    }
                }
            }
            Event::Decl(_) | Event::Comment(_) => {}
            Event::Eof => break,
            other => return Err(format!("unexpected XML event {other:?}")),
        }
    }
    if !path.is_empty() {
        return Err(format!("unclosed elements {path:?}"));
    }
    Ok(props)
}

/// Parses the `key=value` lines the writer produces.
fn parse_properties(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .map(|line| {
            let (k, v) = line.split_once('=').expect("key=value");
            (k.to_owned(), v.to_owned())
        })
        .collect()
}

fn check_case(dir: &Path) -> RangerFiles {
    let config = RangerPluginConfig::from_yaml(&std::fs::read_to_string(dir.join("config.yaml")).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let files = config.render().unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let index: Vec<serde_json::Value> =
        files.files.iter().map(|f| serde_json::json!({"name": f.name, "path": f.path, "secret": f.secret})).collect();
    let index = serde_json::to_string_pretty(&serde_json::json!({"files": index, "env": files.env})).unwrap() + "\n";
    let mut expected_names: Vec<String> = vec!["config.yaml".into(), "files.json".into()];
    for (name, contents) in
        files.files.iter().map(|f| (f.name.as_str(), f.contents.as_str())).chain([("files.json", index.as_str())])
    {
        let path = dir.join(name);
        if update() {
            std::fs::write(&path, contents).unwrap();
        } else {
            let golden = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e} (UPDATE_GOLDEN=1 writes it)", path.display()));
            assert_eq!(
                contents,
                golden,
                "{} differs from its golden file (UPDATE_GOLDEN=1 rewrites it)",
                path.display()
            );
        }
        expected_names.push(name.to_owned());
    }
    let mut present: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    present.sort();
    expected_names.sort();
    expected_names.dedup();
    assert_eq!(present, expected_names, "{}: stale golden files", dir.display());
    files
}

#[test]
fn rendered_files_match_golden_files_parse_and_keep_secrets_out_of_configmaps() {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(golden_dir()).unwrap().map(|e| e.unwrap().path()).collect();
    cases.sort();
    assert!(cases.len() >= 3, "{cases:?}");
    for dir in cases {
        let files = check_case(&dir);
        let case = dir.file_name().unwrap().to_string_lossy().into_owned();
        for file in &files.files {
            let label = format!("{case}/{}", file.name);
            let values: Vec<String> = if file.name.ends_with(".xml") {
                let props = parse_hadoop_xml(&file.contents).unwrap_or_else(|e| panic!("{label}: {e}"));
                let keys: Vec<&String> = props.keys().collect();
                assert!(keys.windows(2).all(|w| w[0] < w[1]), "{label}: not sorted");
                props.into_values().collect()
            } else {
                parse_properties(&file.contents).into_values().collect()
            };
            let holds_secret =
                SECRETS.iter().any(|s| file.contents.contains(s) || values.iter().any(|v| v.contains(s)));
            assert_eq!(holds_secret, file.secret, "{label}: secret marking is wrong");
            if !file.secret {
                for secret in SECRETS {
                    assert!(!values.iter().any(|v| v.contains(secret)), "{label}: a secret in a ConfigMap file");
                }
            }
            assert!(
                !format!("{file:?}").contains("S3cret") && !format!("{file:?}").contains("Pa55w0rd"),
                "{label}: Debug"
            );
        }
        // Every XML named in access-control.properties is rendered, at that absolute path.
        let access = parse_properties(&files.files[0].contents);
        assert_eq!(access["access-control.name"], "ranger", "{case}");
        for path in access["ranger.plugin.config.resource"].split(',') {
            assert!(path.starts_with('/'), "{case}: {path}");
            assert!(files.files.iter().any(|f| f.path == path), "{case}: {path} is not rendered");
        }
    }
}

#[test]
fn values_round_trip_through_the_xml_writer() {
    let config = RangerPluginConfig::from_yaml(
        &std::fs::read_to_string(golden_dir().join("https-inline-secrets/config.yaml")).unwrap(),
    )
    .unwrap();
    let files = config.render().unwrap();
    let security = parse_hadoop_xml(&files.get("ranger-trino-security.xml").unwrap().contents).unwrap();
    assert_eq!(security["ranger.plugin.trino.policy.rest.client.password"], "dl-Pa55w0rd&<x>");
    assert_eq!(
        security["ranger.plugin.trino.policy.rest.url"],
        "https://ranger-1.example.com:6182,https://ranger-2.example.com:6182"
    );
    assert_eq!(security["ranger.plugin.trino.policy.rest.ssl.config.file"], "/etc/trino/ranger-policymgr-ssl.xml");
    assert!(!security.contains_key("ranger.plugin.trino.policy.cache.dir"));
    let env =
        RangerPluginConfig::from_yaml(&std::fs::read_to_string(golden_dir().join("env-secrets/config.yaml")).unwrap())
            .unwrap()
            .render()
            .unwrap();
    let security = parse_hadoop_xml(&env.get("ranger-trino-security.xml").unwrap().contents).unwrap();
    assert_eq!(security["ranger.plugin.trino.policy.rest.client.password"], "${env.RANGER_PLUGIN_PASSWORD}");
    assert_eq!(env.env, ["RANGER_PLUGIN_PASSWORD"]);
    assert!(env.files.iter().all(|f| !f.secret));
}
