//! `ExchangeBucketSpec`: a validated exchange bucket spec and everything rendered from it without
//! a network (bucket name, Trino properties, bucket and IAM policies).

use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::types::PyType;
use serde_json::json;
use trino_platform::exchange::{self, BucketName};

use crate::errors::to_pyerr;
use crate::json::to_py;
use crate::routing::quoted;
use crate::specs;

/// What a workspace's S3 exchange bucket should look like (immutable, validated): where it lives,
/// its name (explicit or derived from `bucketPrefix` and `workspace`), tags, encryption,
/// lifecycle, bucket policy, the credentials that manage it, and how Trino uses it.
///
/// Build one with `ExchangeBucketSpec.from_dict(data)` (the camelCase form the YAML files use),
/// `ExchangeBucketSpec.from_yaml(text)` or `ExchangeBucketSpec.load(path)`. The secrets in
/// `credentials` never appear in `repr`, `to_dict` or the rendered properties and policies.
#[pyclass(module = "trino_platform", frozen)]
pub(crate) struct ExchangeBucketSpec {
    spec: exchange::ExchangeBucketSpec,
    bucket: BucketName,
}

impl ExchangeBucketSpec {
    /// Wraps a spec the core parsed (and so validated).
    pub(crate) fn new(spec: exchange::ExchangeBucketSpec) -> PyResult<Self> {
        let bucket = spec.bucket_name().map_err(to_pyerr)?;
        Ok(Self { spec, bucket })
    }

    /// The core spec (cloned into `ExchangeBuckets.connect`).
    pub(crate) fn core(&self) -> &exchange::ExchangeBucketSpec {
        &self.spec
    }
}

#[pymethods]
impl ExchangeBucketSpec {
    /// Builds a spec from its JSON form: a mapping with the camelCase keys of the YAML files
    /// (`{"workspace": "acme", "region": "eu-central-1", "lifecycle": {"expireAfterDays": 2}}`),
    /// deserialized into the core's spec and validated as `from_yaml` validates a file.
    ///
    /// Raises `InvalidInputError` naming the path of the field that is wrong (unknown keys
    /// included; values under secret keys such as `secretAccessKey` shown as `***`), and
    /// `TypeError` for values that are not JSON data (a `set`, `bytes`, non-`str` keys).
    #[classmethod]
    fn from_dict(_cls: &Bound<'_, PyType>, data: &Bound<'_, PyAny>) -> PyResult<Self> {
        // Through serde_json, not the core's YAML reader, whose errors quote the lines around
        // the bad key (secrets included); see `specs.rs`.
        let spec: exchange::ExchangeBucketSpec = specs::from_dict(data, "spec", "exchange spec")?;
        spec.validate().map_err(to_pyerr)?;
        Self::new(spec)
    }

    /// Parses and validates a YAML spec (the format of the CLI's `--spec` file).
    ///
    /// Raises `InvalidInputError` naming the field that is wrong (unknown fields included).
    #[classmethod]
    fn from_yaml(_cls: &Bound<'_, PyType>, py: Python<'_>, text: &str) -> PyResult<Self> {
        py.detach(|| exchange::ExchangeBucketSpec::from_yaml(text)).map_err(to_pyerr).and_then(Self::new)
    }

    /// Reads and validates a YAML spec file from `path` (`str` or `os.PathLike`).
    ///
    /// Raises `InvalidInputError` when the file cannot be read or is invalid (naming the file and
    /// the field).
    #[classmethod]
    fn load(_cls: &Bound<'_, PyType>, py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        py.detach(|| exchange::ExchangeBucketSpec::load(&path)).map_err(to_pyerr).and_then(Self::new)
    }

    /// The workspace the bucket serves.
    #[getter]
    fn workspace(&self) -> &str {
        self.spec.workspace.as_str()
    }

    /// The bucket's name: `bucket` when given, else derived from `bucketPrefix` and `workspace`.
    #[getter]
    fn bucket_name(&self) -> &str {
        self.bucket.as_str()
    }

    /// The AWS region, or `None` (an S3-compatible endpoint without one).
    #[getter]
    fn region(&self) -> Option<&str> {
        self.spec.region.as_ref().map(|r| r.as_str())
    }

    /// The endpoint of an S3-compatible store, or `None` (AWS S3).
    #[getter]
    fn endpoint(&self) -> Option<&str> {
        self.spec.endpoint.as_ref().map(|e| e.as_str())
    }

    /// The spec's JSON form (camelCase keys, every default filled in), without secrets:
    /// `credentials` keeps only `accessKeyId` (so a spec with credentials does not rebuild from
    /// it: `from_dict` then asks for `secretAccessKey`).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let s = &self.spec;
        let value = json!({
            "workspace": s.workspace,
            "region": s.region,
            "endpoint": s.endpoint,
            "pathStyle": s.path_style,
            "bucket": s.bucket,
            "bucketPrefix": s.bucket_prefix,
            "tags": s.tags,
            "encryption": s.encryption,
            "lifecycle": s.lifecycle,
            "requireTls": s.require_tls,
            "principals": s.principals,
            "credentials": s.credentials.as_ref().map(|c| json!({"accessKeyId": c.access_key_id})),
            "trino": s.trino,
        });
        to_py(py, &value)
    }

    /// `etc/exchange-manager.properties` for the coordinator and every worker (Java properties,
    /// sorted; credentials only as `${ENV:NAME}` references or an IAM role).
    fn exchange_manager_properties(&self) -> PyResult<String> {
        exchange::exchange_manager_properties(&self.spec).map(|p| p.to_java_properties()).map_err(to_pyerr)
    }

    /// The fault-tolerant-execution part of `etc/config.properties` (every node): `retry-policy`,
    /// exchange encryption, retry attempts, then `trino.configOverrides`.
    fn fault_tolerant_execution_properties(&self) -> PyResult<String> {
        exchange::fault_tolerant_execution_properties(&self.spec).map(|p| p.to_java_properties()).map_err(to_pyerr)
    }

    /// The bucket policy `ensure` puts on the bucket (deny plain HTTP unless `requireTls` is
    /// false; with `principals`, data access for those roles only), or `None` when the spec wants
    /// no policy.
    fn bucket_policy<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let policy = exchange::bucket_policy(&self.spec).map_err(to_pyerr)?;
        to_py(py, &policy)
    }

    /// The least-privilege IAM policy the Trino nodes' role needs for the bucket (and its KMS key
    /// with SSE-KMS), for the platform's IAM tooling to attach.
    fn trino_iam_policy<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let policy = exchange::trino_iam_policy(&self.spec).map_err(to_pyerr)?;
        to_py(py, &policy)
    }

    /// `ExchangeBucketSpec(workspace='acme', bucket_name='trino-exchange-acme',
    /// region='eu-central-1')`, with `endpoint=` when set; never credentials.
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let mut text = format!(
            "ExchangeBucketSpec(workspace={}, bucket_name={}",
            quoted(py, self.workspace())?,
            quoted(py, self.bucket_name())?
        );
        if let Some(region) = self.region() {
            text += &format!(", region={}", quoted(py, region)?);
        }
        if let Some(endpoint) = self.endpoint() {
            text += &format!(", endpoint={}", quoted(py, endpoint)?);
        }
        Ok(text + ")")
    }
}
