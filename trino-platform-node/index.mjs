// ES module entry point: the objects of the CommonJS entry (index.js: the napi binding plus its
// async iterators), as named exports and as the default export. test/esm.test.mjs checks that
// no export is missing.
import native from './index.js'

export const {
  ClusterBundle,
  ClusterStore,
  ExchangeBucketSpec,
  ExchangeBuckets,
  Gateway,
  GatewayDeploymentSpec,
  KeycloakAdmin,
  Manifest,
  OAuthClientSpec,
  PlatformBundle,
  PolicyEngine,
  RangerAdmin,
  RangerPluginConfig,
  RangerSetupSpec,
  Router,
  RoutingRules,
  Secret,
  Targets,
  TenantSpec,
  TrinoClusterSpec,
  TrinoOAuth2Spec,
  gatewayAuthYaml,
  issuerUrl,
  sortedManifests,
  toYamlStream,
  trinoOAuth2Properties,
  writeManifestFiles,
  __napiBindingTarget,
} = native
export default native
