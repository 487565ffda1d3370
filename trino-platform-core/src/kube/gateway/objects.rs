//! [`GatewayDeploymentSpec::manifests`]: the gateway's objects.
//!
//! | object | name | holds |
//! |---|---|---|
//! | ServiceAccount | `{name}` | the pods' identity (no API token mounted) |
//! | Secret | `{name}` | the admin token and the OAuth2 pin cookie's key |
//! | ConfigMap | `{name}` | `gateway.yaml`, `rules.yaml` |
//! | Service | `{name}` | 8080 (HTTP) and, with TLS, 8443 (HTTPS) |
//! | Cluster (KubeBlocks) | `{name}-db` | the gateway's PostgreSQL |
//! | Deployment | `{name}` | `trino-platform gateway serve`, ready on `/readyz`, spread over nodes |
//! | Ingress | `{name}` | the load balancer: HTTPS 443 → the gateway |

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec};
use k8s_openapi::api::core::v1::{
    ConfigMap, ConfigMapProjection, Container, ContainerPort, EnvVar, EnvVarSource, HTTPGetAction, KeyToPath, PodSpec,
    PodTemplateSpec, Probe, ProjectedVolumeSource, SecretKeySelector, SecretProjection, Service, ServiceAccount,
    ServicePort, ServiceSpec, TopologySpreadConstraint, Volume, VolumeMount, VolumeProjection,
};
use k8s_openapi::api::networking::v1::{
    HTTPIngressPath, HTTPIngressRuleValue, Ingress, IngressBackend, IngressRule, IngressServiceBackend,
    IngressSpec as K8sIngressSpec, ServiceBackendPort,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::config::{ADMIN_TOKEN_ENV, COOKIE_SECRET_ENV, GATEWAY_CONFIG_DIR, GATEWAY_HTTP_PORT, GATEWAY_HTTPS_PORT};
use super::spec::GatewayDeploymentSpec;
use crate::error::Result;
use crate::kube::manifest::{CONFIG_CHECKSUM_ANNOTATION, Kind, Manifest, SecretValue, checksum};
use crate::kube::pod::{Labels, container_security_context, env_from_secret, pod_security_context, resources};

impl GatewayDeploymentSpec {
    /// The gateway's objects, without the namespace. Needs no cluster. Fails with
    /// `InvalidInput` naming the field that cannot be rendered.
    pub fn manifests(&self) -> Result<Vec<Manifest>> {
        self.validate()?;
        let name = self.name.as_str();
        let namespace = self.namespace.as_str();
        let labels = Labels::new(self.workspace.as_str(), "gateway", name, "gateway", &self.labels)?;

        let secrets = BTreeMap::from([
            (ADMIN_TOKEN_ENV.to_owned(), self.admin_token.to_value()),
            (COOKIE_SECRET_ENV.to_owned(), SecretValue::Generated { bytes: 32 }),
        ]);
        let secret = Manifest::secret(name, namespace, &labels.all, secrets)?;
        let mut data = BTreeMap::from([("gateway.yaml".to_owned(), self.gateway_yaml()?)]);
        if let Some(rules) = &self.rules {
            data.insert("rules.yaml".to_owned(), rules.clone());
        }
        let sources: Vec<String> = secret.secret_data().iter().map(|(k, v)| format!("{k}={}", v.describe())).collect();
        let digest =
            checksum(data.iter().flat_map(|(k, v)| [k.as_str(), v.as_str()]).chain(sources.iter().map(String::as_str)));
        let config_map = ConfigMap { metadata: labels.meta(name, namespace), data: Some(data), ..ConfigMap::default() };

        let account = ServiceAccount {
            metadata: labels.meta(name, namespace),
            automount_service_account_token: Some(false),
            ..ServiceAccount::default()
        };
        let mut manifests = vec![
            Manifest::new(Kind::ServiceAccount, &account)?,
            secret,
            Manifest::new(Kind::ConfigMap, &config_map)?,
            Manifest::new(Kind::Service, &self.service(&labels))?,
            self.database_cluster(&labels)?,
            Manifest::new(Kind::Deployment, &self.deployment(&labels, &digest)?)?,
        ];
        if self.ingress.enabled {
            manifests.push(Manifest::new(Kind::Ingress, &self.ingress_object(&labels))?);
        }
        Ok(manifests)
    }

    /// The gateway's URL inside the cluster (what cluster bundles register against).
    pub fn internal_url(&self) -> String {
        format!("http://{}.{}.svc:{GATEWAY_HTTP_PORT}", self.name, self.namespace)
    }

    fn ports(&self) -> Vec<(&'static str, u16)> {
        let mut ports = vec![("http", GATEWAY_HTTP_PORT)];
        if self.tls.is_some() {
            ports.push(("https", GATEWAY_HTTPS_PORT));
        }
        ports
    }

    fn service(&self, labels: &Labels) -> Service {
        let ports = self
            .ports()
            .into_iter()
            .map(|(name, port)| ServicePort {
                name: Some(name.to_owned()),
                port: i32::from(port),
                target_port: Some(IntOrString::String(name.to_owned())),
                protocol: Some("TCP".to_owned()),
                ..ServicePort::default()
            })
            .collect();
        Service {
            metadata: labels.meta(self.name.as_str(), self.namespace.as_str()),
            spec: Some(ServiceSpec {
                selector: Some(labels.selector.clone()),
                ports: Some(ports),
                ..ServiceSpec::default()
            }),
            ..Service::default()
        }
    }

    fn deployment(&self, labels: &Labels, digest: &str) -> Result<Deployment> {
        let name = self.name.as_str();
        let account_secret = self.database_account_secret()?;
        let from_account = |var: &str, key: &str| EnvVar {
            name: var.to_owned(),
            value_from: Some(EnvVarSource {
                secret_key_ref: Some(SecretKeySelector {
                    name: account_secret.clone(),
                    key: key.to_owned(),
                    optional: Some(false),
                }),
                ..EnvVarSource::default()
            }),
            ..EnvVar::default()
        };
        let mut env = vec![from_account("PGUSER", "username"), from_account("PGPASSWORD", "password")];
        env.extend(env_from_secret(&[ADMIN_TOKEN_ENV.to_owned(), COOKIE_SECRET_ENV.to_owned()], name));
        env.push(EnvVar { name: "RUST_LOG".to_owned(), value: Some("info".to_owned()), ..EnvVar::default() });

        let mut sources = vec![VolumeProjection {
            config_map: Some(ConfigMapProjection {
                name: name.to_owned(),
                optional: Some(false),
                ..Default::default()
            }),
            ..VolumeProjection::default()
        }];
        if let Some(tls) = &self.tls {
            let item = |key: &str| KeyToPath { key: key.to_owned(), path: format!("tls/{key}"), mode: None };
            sources.push(VolumeProjection {
                secret: Some(SecretProjection {
                    name: tls.secret_name.to_string(),
                    items: Some(vec![item("tls.crt"), item("tls.key")]),
                    optional: Some(false),
                }),
                ..VolumeProjection::default()
            });
        }
        let probe = |path: &str, delay: i32| Probe {
            http_get: Some(HTTPGetAction {
                path: Some(path.to_owned()),
                port: IntOrString::String("http".to_owned()),
                ..HTTPGetAction::default()
            }),
            initial_delay_seconds: Some(delay),
            period_seconds: Some(5),
            timeout_seconds: Some(3),
            failure_threshold: Some(3),
            ..Probe::default()
        };
        let ports = self
            .ports()
            .into_iter()
            .map(|(port_name, port)| ContainerPort {
                name: Some(port_name.to_owned()),
                container_port: i32::from(port),
                protocol: Some("TCP".to_owned()),
                ..ContainerPort::default()
            })
            .collect();
        let container = Container {
            name: "gateway".to_owned(),
            image: Some(self.image.clone()),
            image_pull_policy: Some(self.image_pull_policy.as_str().to_owned()),
            args: Some(
                ["gateway", "serve", "--config", &format!("{GATEWAY_CONFIG_DIR}/gateway.yaml")]
                    .map(str::to_owned)
                    .into(),
            ),
            ports: Some(ports),
            env: Some(env),
            resources: Some(resources(&self.resources.cpu, &self.resources.memory)),
            volume_mounts: Some(vec![VolumeMount {
                name: "config".to_owned(),
                mount_path: GATEWAY_CONFIG_DIR.to_owned(),
                read_only: Some(true),
                ..VolumeMount::default()
            }]),
            readiness_probe: Some(probe("/readyz", 0)),
            liveness_probe: Some(probe("/livez", 10)),
            security_context: Some(container_security_context()),
            ..Container::default()
        };
        let spread = TopologySpreadConstraint {
            max_skew: 1,
            topology_key: "kubernetes.io/hostname".to_owned(),
            when_unsatisfiable: "ScheduleAnyway".to_owned(),
            label_selector: Some(LabelSelector {
                match_labels: Some(labels.selector.clone()),
                ..LabelSelector::default()
            }),
            ..TopologySpreadConstraint::default()
        };
        Ok(Deployment {
            metadata: labels.meta(name, self.namespace.as_str()),
            spec: Some(DeploymentSpec {
                replicas: Some(i32::try_from(self.replicas).unwrap_or(i32::MAX)),
                selector: LabelSelector { match_labels: Some(labels.selector.clone()), ..LabelSelector::default() },
                template: PodTemplateSpec {
                    metadata: Some(ObjectMeta {
                        labels: Some(labels.all.clone()),
                        annotations: Some(BTreeMap::from([(CONFIG_CHECKSUM_ANNOTATION.to_owned(), digest.to_owned())])),
                        ..ObjectMeta::default()
                    }),
                    spec: Some(PodSpec {
                        service_account_name: Some(name.to_owned()),
                        security_context: Some(pod_security_context()),
                        // In-flight queries finish (the gateway drains on SIGTERM).
                        termination_grace_period_seconds: Some(60),
                        containers: vec![container],
                        volumes: Some(vec![Volume {
                            name: "config".to_owned(),
                            projected: Some(ProjectedVolumeSource {
                                sources: Some(sources),
                                ..ProjectedVolumeSource::default()
                            }),
                            ..Volume::default()
                        }]),
                        topology_spread_constraints: Some(vec![spread]),
                        ..PodSpec::default()
                    }),
                },
                ..DeploymentSpec::default()
            }),
            ..Deployment::default()
        })
    }

    /// An AWS Load Balancer Controller Ingress: HTTPS 443 to the gateway's TLS port (or its
    /// HTTP port without TLS), health-checked on `/readyz`; the spec's annotations win.
    fn ingress_object(&self, labels: &Labels) -> Ingress {
        let (port_name, port, protocol) = match self.tls {
            Some(_) => ("https", GATEWAY_HTTPS_PORT, "HTTPS"),
            None => ("http", GATEWAY_HTTP_PORT, "HTTP"),
        };
        let ingress = &self.ingress;
        let mut annotations: BTreeMap<String, String> = [
            ("alb.ingress.kubernetes.io/scheme", ingress.scheme.as_str().to_owned()),
            ("alb.ingress.kubernetes.io/target-type", "ip".to_owned()),
            ("alb.ingress.kubernetes.io/listen-ports", r#"[{"HTTPS":443}]"#.to_owned()),
            ("alb.ingress.kubernetes.io/backend-protocol", protocol.to_owned()),
            ("alb.ingress.kubernetes.io/healthcheck-protocol", protocol.to_owned()),
            ("alb.ingress.kubernetes.io/healthcheck-path", "/readyz".to_owned()),
            ("alb.ingress.kubernetes.io/healthcheck-port", port.to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        if let Some(arn) = &ingress.certificate_arn {
            annotations.insert("alb.ingress.kubernetes.io/certificate-arn".to_owned(), arn.clone());
        }
        annotations.extend(ingress.annotations.clone());
        let mut metadata = labels.meta(self.name.as_str(), self.namespace.as_str());
        metadata.annotations = Some(annotations);
        let backend = IngressBackend {
            service: Some(IngressServiceBackend {
                name: self.name.to_string(),
                port: Some(ServiceBackendPort { name: Some(port_name.to_owned()), number: None }),
            }),
            ..IngressBackend::default()
        };
        Ingress {
            metadata,
            spec: Some(K8sIngressSpec {
                ingress_class_name: Some(ingress.class_name.clone()),
                rules: Some(vec![IngressRule {
                    host: self.external_url.host_str().map(str::to_owned),
                    http: Some(HTTPIngressRuleValue {
                        paths: vec![HTTPIngressPath {
                            path: Some("/".to_owned()),
                            path_type: "Prefix".to_owned(),
                            backend,
                        }],
                    }),
                }]),
                ..K8sIngressSpec::default()
            }),
            ..Ingress::default()
        }
    }
}
