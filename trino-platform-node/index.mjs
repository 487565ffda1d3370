// ES module entry point: the objects of the CommonJS entry (index.js: the napi binding plus its
// async iterators), as named exports and as the default export. test/esm.test.mjs checks that
// no export is missing.
import native from './index.js'

export const {
  ClusterStore,
  ExchangeBucketSpec,
  ExchangeBuckets,
  Gateway,
  KeycloakAdmin,
  OAuthClientSpec,
  PolicyEngine,
  RangerAdmin,
  RangerPluginConfig,
  RangerSetupSpec,
  Router,
  RoutingRules,
  Secret,
  TrinoOAuth2Spec,
  gatewayAuthYaml,
  issuerUrl,
  trinoOAuth2Properties,
  __napiBindingTarget,
} = native
export default native
