//! The `RangerSetupSpec` class: a validated setup for `RangerAdmin.ensure`, from a plain object
//! or YAML text.

use napi::Env;
use napi_derive::napi;
use secrecy::ExposeSecret;
use trino_platform::{Result, ranger};

use crate::error::or_throw;
use crate::input::{Secrets, SpecClass};

/// Everything `RangerAdmin.ensure` converges, parsed and validated: the Trino service, the
/// baseline policies and the named policies. Build one with `RangerSetupSpec.fromObject` or
/// `.fromYaml` (the YAML of `trino-platform ranger ensure-service --spec`); `ensure` also takes
/// the plain object itself.
///
/// Both constructors validate the whole spec (service configs, every policy, unique names)
/// without a network, and throw an `Error` whose `code` is `'InvalidInput'` and whose message
/// names the field that is wrong; it never holds the lookup password, which stays on the
/// native side.
#[napi]
pub struct RangerSetupSpec {
    inner: ranger::RangerSetupSpec,
}

impl SpecClass for RangerSetupSpec {
    type Core = ranger::RangerSetupSpec;
    const WHAT: &'static str = "Ranger setup spec";

    fn core(&self) -> &Self::Core {
        &self.inner
    }

    fn validate(core: &Self::Core) -> Result<()> {
        core.validate()
    }

    fn secrets(core: &Self::Core) -> Vec<String> {
        core.service.password.iter().map(|p| p.expose_secret().to_owned()).collect()
    }
}

#[napi]
impl RangerSetupSpec {
    /// A spec from its plain-object form (`RangerSetupSpecObject`), validated. Throws
    /// `InvalidInput` naming the field.
    #[napi(ts_args_type = "spec: RangerSetupSpecObject")]
    pub fn from_object(env: &Env, spec: serde_json::Value) -> napi::Result<RangerSetupSpec> {
        or_throw(env, Self::parse(spec).map(|(inner, _)| Self { inner }))
    }

    /// Parses and validates a YAML (or JSON) setup, such as a file's text
    /// (`fromYaml(readFileSync(path, 'utf8'))`). Throws `InvalidInput` naming the field and
    /// line.
    #[napi]
    pub fn from_yaml(env: &Env, text: String) -> napi::Result<RangerSetupSpec> {
        let spec =
            ranger::RangerSetupSpec::from_yaml(&text).and_then(|spec| Self::validated(spec, &Secrets::default()));
        or_throw(env, spec.map(|inner| Self { inner }))
    }

    /// The Ranger service the setup converges.
    #[napi(getter)]
    pub fn service_name(&self) -> String {
        self.inner.service.name.to_string()
    }

    /// The names of its named policies, in order (the baseline's are not listed).
    #[napi(getter)]
    pub fn policy_names(&self) -> Vec<String> {
        self.inner.policies.iter().map(|policy| policy.name.clone()).collect()
    }

    /// Whether `ensure` also converges the baseline policies.
    #[napi(getter)]
    pub fn baseline(&self) -> bool {
        self.inner.baseline
    }
}
