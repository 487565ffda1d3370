//! [`TrinoClusterSpec::manifests`]: the Kubernetes objects of one Trino cluster.
//!
//! | object | name | holds |
//! |---|---|---|
//! | ServiceAccount | `trino-{name}` | the IAM role annotation for S3 |
//! | Secret | `trino-{name}` | one key per `${ENV:NAME}` the files refer to |
//! | Secret | `trino-{name}-ranger` | Ranger files marked secret (inline passwords), when any |
//! | ConfigMap | `trino-{name}-coordinator`, `-worker`, `-catalog` | the node files |
//! | Service | `trino-{name}` | the coordinator's HTTP port (what the gateway proxies to) |
//! | Deployment | `trino-{name}-coordinator` | one coordinator, ready when `/v1/info` says `starting: false` |
//! | Deployment | `trino-{name}-worker` | the workers, drained through `/v1/info/state` before they stop |
//!
//! The namespace belongs to the platform bundle ([`crate::kube::namespace`]), so deleting a
//! cluster never deletes it. Each pod template carries a checksum of its files, so any config
//! change rolls the pods.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec, DeploymentStrategy, RollingUpdateDeployment};
use k8s_openapi::api::core::v1::{
    ConfigMap, ConfigMapProjection, Container, ContainerPort, EmptyDirVolumeSource, ExecAction, HTTPGetAction,
    KeyToPath, Lifecycle, LifecycleHandler, PodSpec, PodTemplateSpec, Probe, ProjectedVolumeSource, SecretProjection,
    Service, ServiceAccount, ServicePort, ServiceSpec, Volume, VolumeMount, VolumeProjection,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::files::{CONFIG_DIR, ClusterFiles, DATA_DIR, HTTP_PORT, NodeFiles, SHUTDOWN_USER};
use super::spec::{Resources, TrinoClusterSpec};
use crate::error::Result;
use crate::kube::manifest::{CONFIG_CHECKSUM_ANNOTATION, Kind, Manifest, SecretValue, checksum};
use crate::kube::pod::{Labels, container_security_context, env_from_secret, pod_security_context, resources};

/// The Trino image's health check: exits 0 once `/v1/info` reports `"starting": false`.
const HEALTH_CHECK: &str = "/usr/lib/trino/bin/health-check";

/// Which of a cluster's pods.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Coordinator,
    Worker,
}

impl Role {
    fn name(self) -> &'static str {
        match self {
            Role::Coordinator => "coordinator",
            Role::Worker => "worker",
        }
    }
}

impl TrinoClusterSpec {
    /// The cluster's objects, in apply order, without the namespace. Needs no cluster. Fails
    /// with `InvalidInput` naming the field that cannot be rendered.
    pub fn manifests(&self) -> Result<Vec<Manifest>> {
        self.manifests_with(&BTreeMap::new())
    }

    /// [`manifests`](Self::manifests), with the value of some secret variables already known
    /// (the bundle passes the OAuth client secret Keycloak returned); they win over `secrets`.
    pub fn manifests_with(&self, given: &BTreeMap<String, SecretValue>) -> Result<Vec<Manifest>> {
        let files = self.files()?;
        let base = self.coordinator_service()?;
        let namespace = self.namespace.as_str();
        let part_of = format!("cluster-{}", self.name);
        let labels = Labels::new(self.workspace.as_str(), &part_of, base.as_str(), "trino", &self.labels)?;
        let name = |suffix: &str| base.with_suffix(suffix).map(String::from);

        let secret_name = base.to_string();
        let ranger_secret = name("ranger")?;
        let mut manifests = vec![
            Manifest::new(Kind::ServiceAccount, &self.service_account_object(&labels, base.as_str()))?,
            Manifest::secret(&secret_name, namespace, &labels.all, self.secret_values(&files, given))?,
        ];
        let secret_ranger: BTreeMap<String, SecretValue> = files
            .coordinator
            .ranger_files
            .iter()
            .filter(|f| f.secret)
            .map(|f| (f.name.clone(), SecretValue::Given(f.contents.clone().into())))
            .collect();
        if !secret_ranger.is_empty() {
            manifests.push(Manifest::secret(&ranger_secret, namespace, &labels.all, secret_ranger)?);
        }

        let catalog_map = name("catalog")?;
        manifests.push(config_map(&labels, &catalog_map, namespace, files.catalogs.clone())?);
        for role in [Role::Coordinator, Role::Worker] {
            let node = match role {
                Role::Coordinator => &files.coordinator,
                Role::Worker => &files.worker,
            };
            let role_map = name(role.name())?;
            let mut data = node.files.clone();
            data.extend(node.ranger_files.iter().filter(|f| !f.secret).map(|f| (f.name.clone(), f.contents.clone())));
            manifests.push(config_map(&labels.component(role.name()), &role_map, namespace, data)?);
            let pod = PodParts {
                role,
                config_map: role_map,
                catalog_map: catalog_map.clone(),
                secret: secret_name.clone(),
                ranger_secret: ranger_secret.clone(),
                checksum: self.checksum(node, &files, &manifests),
            };
            manifests.push(Manifest::new(
                Kind::Deployment,
                &self.deployment(&labels, &name(role.name())?, node, &files, pod),
            )?);
        }
        manifests.push(Manifest::new(Kind::Service, &self.service(&labels, base.as_str()))?);
        Ok(manifests)
    }

    fn service_account_object(&self, labels: &Labels, name: &str) -> ServiceAccount {
        let mut annotations = self.service_account.annotations.clone();
        if let Some(role) = &self.service_account.iam_role_arn {
            annotations.insert("eks.amazonaws.com/role-arn".to_owned(), role.as_str().to_owned());
        }
        let mut metadata = labels.meta(name, self.namespace.as_str());
        metadata.annotations = Some(annotations).filter(|a| !a.is_empty());
        ServiceAccount { metadata, automount_service_account_token: Some(false), ..ServiceAccount::default() }
    }

    /// Each variable the files need, and where its value comes from: `given`, then `secrets`,
    /// then the default (generated for the shared secret and the OAuth2 keys, else the
    /// applying process's variable of the same name).
    fn secret_values(
        &self,
        files: &ClusterFiles,
        given: &BTreeMap<String, SecretValue>,
    ) -> BTreeMap<String, SecretValue> {
        let env = self.secret_env();
        let generated = [env.internal_shared_secret, env.state_key, env.refresh_tokens_secret_key];
        let names = files.coordinator.env.iter().chain(&files.worker.env).chain(&files.catalog_env);
        names
            .map(|name| {
                let value = given.get(name).cloned().unwrap_or_else(|| match self.secrets.get(name) {
                    Some(source) => source.to_value(),
                    None if generated.contains(name) => SecretValue::Generated { bytes: 32 },
                    None => SecretValue::FromEnv(name.clone()),
                });
                (name.clone(), value)
            })
            .collect()
    }

    /// What a pod's files and secrets are: its ConfigMaps' data and the Secret keys' sources.
    fn checksum(&self, node: &NodeFiles, files: &ClusterFiles, manifests: &[Manifest]) -> String {
        let mut parts: Vec<String> = Vec::new();
        for (name, text) in node.files.iter().chain(&files.catalogs) {
            parts.push(name.clone());
            parts.push(text.clone());
        }
        for file in &node.ranger_files {
            parts.push(file.path.clone());
            parts.push(if file.secret { checksum([file.contents.as_str()]) } else { file.contents.clone() });
        }
        for secret in manifests.iter().filter(|m| m.kind() == Kind::Secret) {
            for (key, value) in secret.secret_data() {
                parts.push(format!("{}/{key}={}", secret.name(), value.describe()));
            }
        }
        checksum(parts.iter().map(String::as_str))
    }

    fn deployment(
        &self,
        labels: &Labels,
        name: &str,
        node: &NodeFiles,
        files: &ClusterFiles,
        pod: PodParts,
    ) -> Deployment {
        let role = pod.role;
        let labels = labels.component(role.name());
        let (replicas, resources_spec) = match role {
            Role::Coordinator => (1, &self.coordinator.resources),
            Role::Worker => (self.workers.replicas.get(), &self.workers.resources),
        };
        let strategy = match role {
            // Never two coordinators of one cluster at once.
            Role::Coordinator => {
                DeploymentStrategy { type_: Some("Recreate".to_owned()), ..DeploymentStrategy::default() }
            }
            // Add a worker before one goes: capacity never drops during a roll.
            Role::Worker => DeploymentStrategy {
                type_: Some("RollingUpdate".to_owned()),
                rolling_update: Some(RollingUpdateDeployment {
                    max_surge: Some(IntOrString::String("25%".to_owned())),
                    max_unavailable: Some(IntOrString::Int(0)),
                }),
            },
        };
        let mut template_meta = ObjectMeta { labels: Some(labels.all.clone()), ..ObjectMeta::default() };
        template_meta.annotations =
            Some(BTreeMap::from([(CONFIG_CHECKSUM_ANNOTATION.to_owned(), pod.checksum.clone())]));
        let env_names: BTreeSet<&String> = node.env.iter().chain(&files.catalog_env).collect();
        let (volumes, mounts) = volumes(node, files, &pod);
        let container = Container {
            name: "trino".to_owned(),
            image: Some(self.image()),
            image_pull_policy: Some(self.image_pull_policy.as_str().to_owned()),
            ports: Some(vec![ContainerPort {
                name: Some("http".to_owned()),
                container_port: i32::from(HTTP_PORT),
                protocol: Some("TCP".to_owned()),
                ..ContainerPort::default()
            }]),
            env: Some(env_from_secret(env_names, &pod.secret)).filter(|e| !e.is_empty()),
            resources: Some(resources_of(resources_spec)),
            volume_mounts: Some(mounts),
            readiness_probe: Some(Probe {
                exec: Some(ExecAction { command: Some(vec![HEALTH_CHECK.to_owned()]) }),
                period_seconds: Some(10),
                timeout_seconds: Some(5),
                failure_threshold: Some(3),
                ..Probe::default()
            }),
            liveness_probe: Some(Probe {
                http_get: Some(HTTPGetAction {
                    path: Some("/v1/info".to_owned()),
                    port: IntOrString::String("http".to_owned()),
                    ..HTTPGetAction::default()
                }),
                initial_delay_seconds: Some(60),
                period_seconds: Some(15),
                timeout_seconds: Some(5),
                failure_threshold: Some(4),
                ..Probe::default()
            }),
            lifecycle: (role == Role::Worker).then(worker_shutdown_hook),
            security_context: Some(container_security_context()),
            ..Container::default()
        };
        let grace = self.workers.shutdown_grace_period.as_secs();
        let termination_grace = match role {
            Role::Coordinator => 60,
            Role::Worker => self.workers.drain_timeout.as_secs() + 2 * grace,
        };
        Deployment {
            metadata: labels.meta(name, self.namespace.as_str()),
            spec: Some(DeploymentSpec {
                replicas: Some(i32::try_from(replicas).unwrap_or(i32::MAX)),
                selector: LabelSelector { match_labels: Some(labels.selector.clone()), ..LabelSelector::default() },
                strategy: Some(strategy),
                template: PodTemplateSpec {
                    metadata: Some(template_meta),
                    spec: Some(PodSpec {
                        service_account_name: Some(pod_service_account(self)),
                        security_context: Some(pod_security_context()),
                        termination_grace_period_seconds: Some(i64::try_from(termination_grace).unwrap_or(i64::MAX)),
                        containers: vec![container],
                        volumes: Some(volumes),
                        ..PodSpec::default()
                    }),
                },
                ..DeploymentSpec::default()
            }),
            ..Deployment::default()
        }
    }

    fn service(&self, labels: &Labels, name: &str) -> Service {
        let coordinator = labels.component(Role::Coordinator.name());
        Service {
            metadata: coordinator.meta(name, self.namespace.as_str()),
            spec: Some(ServiceSpec {
                selector: Some(coordinator.selector),
                ports: Some(vec![ServicePort {
                    name: Some("http".to_owned()),
                    port: i32::from(HTTP_PORT),
                    target_port: Some(IntOrString::String("http".to_owned())),
                    protocol: Some("TCP".to_owned()),
                    ..ServicePort::default()
                }]),
                ..ServiceSpec::default()
            }),
            ..Service::default()
        }
    }

    /// The URL the gateway proxies to: the coordinator's Service inside the cluster.
    pub fn coordinator_url(&self) -> Result<String> {
        Ok(format!("http://{}.{}.svc:{HTTP_PORT}", self.coordinator_service()?, self.namespace))
    }
}

fn pod_service_account(spec: &TrinoClusterSpec) -> String {
    format!("trino-{}", spec.name)
}

fn resources_of(spec: &Resources) -> k8s_openapi::api::core::v1::ResourceRequirements {
    resources(&spec.cpu, &spec.memory)
}

/// What a pod template refers to.
struct PodParts {
    role: Role,
    config_map: String,
    catalog_map: String,
    secret: String,
    ranger_secret: String,
    checksum: String,
}

fn config_map(labels: &Labels, name: &str, namespace: &str, data: BTreeMap<String, String>) -> Result<Manifest> {
    let map = ConfigMap { metadata: labels.meta(name, namespace), data: Some(data), ..ConfigMap::default() };
    Manifest::new(Kind::ConfigMap, &map)
}

/// The pod's volumes and the container's mounts: `/etc/trino` as one projected volume (the
/// role's files, the catalogs under `catalog/`, Ranger's files when they live there; a
/// ConfigMap volume is read-only, so nothing may be mounted inside it), Ranger's files
/// elsewhere as a second projected volume, and empty directories for data, `/tmp` and
/// Ranger's writable directories.
fn volumes(node: &NodeFiles, files: &ClusterFiles, pod: &PodParts) -> (Vec<Volume>, Vec<VolumeMount>) {
    let catalog_items = files
        .catalogs
        .keys()
        .map(|file| KeyToPath { key: file.clone(), path: format!("catalog/{file}"), mode: None })
        .collect::<Vec<_>>();
    let mut by_dir: BTreeMap<String, Vec<VolumeProjection>> = BTreeMap::new();
    let etc = by_dir.entry(CONFIG_DIR.to_owned()).or_default();
    etc.push(VolumeProjection {
        config_map: Some(ConfigMapProjection {
            name: pod.config_map.clone(),
            // Every role file, but not Ranger's files, which are placed by path below.
            items: Some(
                node.files.keys().map(|file| KeyToPath { key: file.clone(), path: file.clone(), mode: None }).collect(),
            ),
            optional: Some(false),
        }),
        ..VolumeProjection::default()
    });
    if !catalog_items.is_empty() {
        etc.push(VolumeProjection {
            config_map: Some(ConfigMapProjection {
                name: pod.catalog_map.clone(),
                items: Some(catalog_items),
                optional: Some(false),
            }),
            ..VolumeProjection::default()
        });
    }
    for file in &node.ranger_files {
        let (dir, base) = file.path.rsplit_once('/').unwrap_or((CONFIG_DIR, file.name.as_str()));
        let item = KeyToPath { key: file.name.clone(), path: base.to_owned(), mode: None };
        let projection = if file.secret {
            VolumeProjection {
                secret: Some(SecretProjection {
                    name: pod.ranger_secret.clone(),
                    items: Some(vec![item]),
                    optional: Some(false),
                }),
                ..VolumeProjection::default()
            }
        } else {
            VolumeProjection {
                config_map: Some(ConfigMapProjection {
                    name: pod.config_map.clone(),
                    items: Some(vec![item]),
                    optional: Some(false),
                }),
                ..VolumeProjection::default()
            }
        };
        by_dir.entry(dir.to_owned()).or_default().push(projection);
    }

    let mut volumes = Vec::new();
    let mut mounts = Vec::new();
    for (index, (dir, sources)) in by_dir.into_iter().enumerate() {
        let name = if index == 0 { "config".to_owned() } else { format!("config-{index}") };
        volumes.push(Volume {
            name: name.clone(),
            projected: Some(ProjectedVolumeSource { sources: Some(sources), ..ProjectedVolumeSource::default() }),
            ..Volume::default()
        });
        mounts.push(VolumeMount { name, mount_path: dir, read_only: Some(true), ..VolumeMount::default() });
    }
    let writable = [DATA_DIR.to_owned(), "/tmp".to_owned()].into_iter().chain(node.writable_dirs.iter().cloned());
    for (index, dir) in writable.enumerate() {
        let name = format!("scratch-{index}");
        volumes.push(Volume {
            name: name.clone(),
            empty_dir: Some(EmptyDirVolumeSource::default()),
            ..Volume::default()
        });
        mounts.push(VolumeMount { name, mount_path: dir, ..VolumeMount::default() });
    }
    (volumes, mounts)
}

/// Before a worker stops: ask it to shut down gracefully (it stops taking tasks, finishes the
/// running ones, then exits), and wait until it has.
fn worker_shutdown_hook() -> Lifecycle {
    let script = format!(
        "curl -fsS -X PUT -H 'Content-Type: application/json' -H 'X-Trino-User: {SHUTDOWN_USER}' \
         -d '\"SHUTTING_DOWN\"' http://localhost:{HTTP_PORT}/v1/info/state && \
         while curl -fs -o /dev/null http://localhost:{HTTP_PORT}/v1/info; do sleep 5; done"
    );
    Lifecycle {
        pre_stop: Some(LifecycleHandler {
            exec: Some(ExecAction { command: Some(vec!["/bin/sh".to_owned(), "-c".to_owned(), script]) }),
            ..LifecycleHandler::default()
        }),
        ..Lifecycle::default()
    }
}
