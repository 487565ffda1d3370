// Type-checked (not run) by `npm run typecheck`: the API as an ES module user writes it, through
// package.json `exports` (import condition, index.d.mts), plus misuses the typings must reject.
import native, {
  ClusterBundle,
  ClusterStore,
  ExchangeBuckets,
  ExchangeBucketSpec,
  Gateway,
  KeycloakAdmin,
  OAuthClientSpec,
  PolicyEngine,
  RangerAdmin,
  RangerPluginConfig,
  RangerSetupSpec,
  Router,
  RoutingRules,
  GatewayDeploymentSpec,
  Manifest,
  PlatformBundle,
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
  type BundleEvent,
  type BundleOutcome,
  type BundleReport,
  type BundleStep,
  type BundleSystem,
  type GatewayDeploymentSpecObject,
  type KubeObject,
  type ManifestKind,
  type TargetsOptions,
  type TenantSpecObject,
  type TrinoClusterFiles,
  type TrinoClusterSpecObject,
  type AccessRequest,
  type Cluster,
  type ClusterFilter,
  type ClusterStatus,
  type ClusterUpdate,
  type ClusterView,
  type EnsureReport,
  type ErrorCode,
  type ExchangeBucketSpecObject,
  type ExchangeChange,
  type ExchangeDescription,
  type ExchangePlan,
  type ExchangeSetting,
  type GatewayOptions,
  type IamPolicyDocument,
  type NewCluster,
  type RouteDecision,
  type RouteReason,
  type RouteRequest,
  type RouterConfig,
  type SelectionPolicy,
  type TeardownPhase,
  type TeardownProgress,
  type TeardownReport,
  type TrinoPlatformError,
  type Decision,
  type DecisionReason,
  type EnsuredClient,
  type Explanation,
  type OAuthClientSpecObject,
  type RangerChange,
  type RangerFiles,
  type RangerPluginConfigObject,
  type RangerPolicy,
  type RangerServicePolicies,
  type RangerSetupReport,
  type RangerSetupSpecObject,
  type RotatedSecret,
  type TrinoOAuth2SpecObject,
} from 'trino-platform'

export async function example(): Promise<Cluster[]> {
  const store: ClusterStore = await ClusterStore.open('sqlite:///var/lib/trino-platform/gateway.db')
  const spec: NewCluster = { name: 'trino-1', proxyTo: 'http://trino-1:8080', routingGroup: 'etl' }
  const cluster: Cluster = await store.register(spec)
  const url: string = cluster.externalUrl
  const change: ClusterUpdate = { active: false }
  await store.update(cluster.name, change)
  await store.activate('trino-1')
  await store.deactivate('trino-1')
  const filter: ClusterFilter = { routingGroup: 'etl', active: true }
  const etl: Cluster[] = await store.list(filter)
  await store.list()
  try {
    await store.remove('trino-2')
  } catch (err) {
    const code: ErrorCode = (err as TrinoPlatformError).code
    if (code === 'NotFound') console.log(url, etl)
  }
  const closed: Promise<void> = store.close()
  await closed
  const same: typeof ClusterStore = native.ClusterStore
  console.log(same)
  return etl
}

/** The union is exactly the ten kinds: a missing or an extra key fails this check. */
export const retryable = {
  InvalidInput: false,
  NotFound: false,
  AlreadyExists: false,
  Conflict: false,
  Unauthorized: false,
  Forbidden: false,
  Unavailable: true,
  Timeout: true,
  Backend: false,
  Internal: false,
} satisfies Record<ErrorCode, boolean>

export async function misuse(store: ClusterStore): Promise<void> {
  // @ts-expect-error proxyTo is required
  await store.register({ name: 'x' })
  // @ts-expect-error active is a boolean
  await store.update('x', { active: 'yes' })
  // @ts-expect-error a name is a string
  await store.get(1)
  // @ts-expect-error list resolves with clusters, not names
  const names: string[] = await store.list()
  // @ts-expect-error not an error code
  const code: ErrorCode = 'Missing'
  // @ts-expect-error open is static and takes a URL
  await store.open('sqlite::memory:')
  console.log(names, code)
}

export async function routing(store: ClusterStore): Promise<RouteDecision> {
  const policy: SelectionPolicy = 'weighted'
  const config: RouterConfig = { defaultGroup: 'adhoc', fallbackGroup: 'adhoc', policy, weights: { 'trino-1': 2 } }
  const router: Router = await Router.open({ ...config, storeUrl: 'sqlite:///var/lib/trino-platform/gateway.db' })
  await Router.open()
  const rules: RoutingRules = RoutingRules.fromYaml('rules: []')
  const count: number = rules.length + RoutingRules.load('rules.yaml').length
  router.setRules(RoutingRules.fromTrinoGatewayYaml('---\nname: x\ncondition: "true"\n'))
  router.setRules(rules)
  const loaded: number = router.loadRules('/etc/trino-platform/rules.yaml')
  router.setClusters(await store.list())
  router.setClusters([{ name: 'trino-2', proxyTo: 'http://trino-2:8080' }])
  const status: ClusterStatus = { healthy: true, queued: 1 }
  router.setStatus('trino-1', status)
  const views: ClusterView[] = router.clusters()
  const inFlight: number = views[0].inFlight + views[0].queued
  const request: RouteRequest = { method: 'POST', path: '/v1/statement', headers: { 'X-Trino-User': 'alice' } }
  const decision: RouteDecision = await router.route({ ...request, principal: 'alice' })
  const reason: RouteReason = decision.reason
  const chosen: Cluster = decision.cluster
  const rule: string | undefined = reason === 'rule' ? decision.rule : decision.queryId ?? decision.fellBackFrom
  const headers: Record<string, string> = decision.addHeaders
  router.recordQuery('20260101_120000_00001_abcde', chosen.name, { user: 'alice', source: 'cli' })
  router.recordQuery('20260101_120000_00002_abcde', chosen.name)
  const pinned: number = router.recordOAuth2Challenge('Bearer x_token_server="…"', chosen.name)
  const cookie: string = router.oauth2Cookie(chosen.name)
  const flushed: Promise<void> = router.flush()
  await flushed
  try {
    await router.route({ method: 'GET', path: '/v1/query/20260101_120000_00009_abcde' })
  } catch (err) {
    if ((err as TrinoPlatformError).code === 'NotFound') console.log(count, loaded, inFlight, rule, headers, pinned, cookie)
  }
  return decision
}

export async function routingMisuse(router: Router): Promise<void> {
  // @ts-expect-error not a selection policy
  await Router.open({ policy: 'random' })
  // @ts-expect-error a request needs a path
  await router.route({ method: 'GET' })
  // @ts-expect-error setRules takes compiled RoutingRules, not a rules object
  router.setRules({ rules: [] })
  // @ts-expect-error a cluster needs proxyTo
  router.setClusters([{ name: 'trino-1' }])
  // @ts-expect-error recordQuery needs the cluster that runs the query
  router.recordQuery('20260101_120000_00001_abcde')
  // @ts-expect-error a status needs `healthy`
  router.setStatus('trino-1', { queued: 1 })
  // @ts-expect-error route resolves with a decision, whose reason is no free string
  const reason: 'fallback' = (await router.route({ method: 'GET', path: '/' })).reason
  // @ts-expect-error length is a getter, not a method
  RoutingRules.fromYaml('rules: []').length()
  console.log(reason)
}

export async function gateway(): Promise<string | null> {
  const options: GatewayOptions = { config: "listen: {http: '127.0.0.1:0'}\nadmin: {open: true}\n" }
  const started: Gateway = await Gateway.start(options)
  const fromFile: Promise<Gateway> = Gateway.start({ configPath: '/etc/trino-platform/gateway.yaml' })
  const http: string | null = started.httpAddress
  const https: string | null = started.httpsAddress
  const url: string | null = started.url
  const stopped: Promise<void> = started.stop()
  await stopped
  try {
    await (await fromFile).stop()
  } catch (err) {
    if ((err as TrinoPlatformError).code === 'Unavailable') console.log(http, https)
  }
  return url
}

export async function gatewayMisuse(gateway: Gateway): Promise<void> {
  // @ts-expect-error start takes an options object, not the YAML text itself
  await Gateway.start("listen: {http: '127.0.0.1:0'}")
  // @ts-expect-error the config is text (YAML), not an object
  await Gateway.start({ config: { listen: { http: '127.0.0.1:0' } } })
  // @ts-expect-error without a listener (or once stopped) the address is null
  const address: string = gateway.httpAddress
  // @ts-expect-error url is a getter, not a method
  gateway.url()
  // @ts-expect-error the addresses are read-only
  gateway.url = 'http://127.0.0.1:8080'
  // @ts-expect-error stop is an instance method
  await Gateway.stop()
  console.log(address)
}

export async function exchange(): Promise<TeardownReport> {
  const object: ExchangeBucketSpecObject = {
    workspace: 'acme',
    region: 'eu-central-1',
    encryption: { type: 'sse-kms', kmsKeyId: 'alias/exchange' },
    lifecycle: { expireAfterDays: 2 },
    principals: ['arn:aws:iam::111122223333:role/acme-trino'],
    trino: { retryPolicy: 'QUERY', credentials: { type: 'iam-role', roleArn: 'arn:aws:iam::111122223333:role/x' } },
  }
  const spec: ExchangeBucketSpec = ExchangeBucketSpec.fromObject(object)
  ExchangeBucketSpec.fromYaml('workspace: acme\nregion: eu-central-1\n')
  ExchangeBucketSpec.load('/etc/trino-platform/exchange.yaml')
  const name: string = spec.bucketName
  const back: ExchangeBucketSpecObject = spec.toObject()
  const files: string = spec.exchangeManagerProperties() + spec.faultTolerantExecutionProperties()
  const policy: IamPolicyDocument | null = spec.bucketPolicy()
  const sids: (string | undefined)[] = spec.trinoIamPolicy().Statement.map((s) => s.Sid)

  const buckets: ExchangeBuckets = await ExchangeBuckets.connect(spec, { maxAttempts: 3, connectTimeoutMs: 2000 })
  await ExchangeBuckets.connect(spec)
  const plan: ExchangePlan = await buckets.plan()
  const first: ExchangeChange | undefined = plan.changes[0]
  const setting: ExchangeSetting | undefined = first?.setting
  const report: EnsureReport = await buckets.ensure({ adopt: false })
  await buckets.ensure()
  const description: ExchangeDescription = await buckets.describe()
  const inSync: boolean = description.inSync && description.state.exists
  const region: string | undefined = description.state.region
  const phases: TeardownPhase[] = []
  const torn: TeardownReport = await buckets.teardown({
    force: false,
    batchSize: 500,
    onProgress: (progress: TeardownProgress) => {
      phases.push(progress.phase)
    },
  })
  await buckets.teardown()
  try {
    await buckets.teardown()
  } catch (err) {
    if ((err as TrinoPlatformError).code === 'Conflict') console.log(name, back, files, policy, sids, setting, report, inSync, region)
  }
  return torn
}

export async function exchangeMisuse(spec: ExchangeBucketSpec, buckets: ExchangeBuckets): Promise<void> {
  // @ts-expect-error a spec needs a workspace
  ExchangeBucketSpec.fromObject({ region: 'eu-central-1' })
  // @ts-expect-error not an encryption type
  ExchangeBucketSpec.fromObject({ workspace: 'acme', region: 'eu-central-1', encryption: { type: 'sse-c' } })
  // @ts-expect-error connect takes a spec object built by ExchangeBucketSpec, not the plain object
  await ExchangeBuckets.connect({ workspace: 'acme', region: 'eu-central-1' })
  // @ts-expect-error bucketName is a getter, not a method
  spec.bucketName()
  // @ts-expect-error batchSize is a number
  await buckets.teardown({ batchSize: '100' })
  // @ts-expect-error onProgress gets a progress report, not a string
  await buckets.teardown({ onProgress: (progress: string) => console.log(progress) })
  // @ts-expect-error a phase is no free string
  const phase: TeardownPhase = 'deleting'
  // @ts-expect-error plan resolves with a plan whose ownership is no free string
  const ownership: 'mine' = (await buckets.plan()).ownership
  // @ts-expect-error bucketPolicy may be null
  const statements = spec.bucketPolicy().Statement
  console.log(phase, ownership, statements)
}

export async function iterators(store: ClusterStore, admin: RangerAdmin): Promise<string[]> {
  const names: string[] = []
  for await (const cluster of store.clusters({ active: true })) names.push(cluster.name)
  const all: AsyncGenerator<Cluster, void, undefined> = store.clusters()
  const first: IteratorResult<Cluster, void> = await all.next()
  if (!first.done) names.push(first.value.proxyTo)
  for await (const policy of admin.policies('dev_trino')) names.push(policy.name ?? '')
  const listed: RangerPolicy[] = await admin.listPolicies('dev_trino')
  return names.concat(listed.map((p) => p.service ?? ''))
}

export async function iteratorMisuse(store: ClusterStore): Promise<void> {
  // @ts-expect-error clusters() is an async iterator: for await, not for
  for (const cluster of store.clusters()) console.log(cluster)
  // @ts-expect-error it yields clusters, not names
  for await (const name of store.clusters()) console.log(name.toUpperCase())
  // @ts-expect-error the filter is a ClusterFilter
  store.clusters({ group: 'etl' })
}

export async function ranger(): Promise<RangerSetupReport> {
  const object: RangerPluginConfigObject = {
    serviceName: 'dev_trino',
    adminUrls: ['http://ranger-admin:6080'],
    downloadAuth: { username: 'trino', password: { env: 'RANGER_PLUGIN_PASSWORD' } },
    policyCacheDir: null,
  }
  const config: RangerPluginConfig = RangerPluginConfig.fromObject(object)
  RangerPluginConfig.fromYaml('serviceName: s\nadminUrls: [http://r]\n')
  const files: RangerFiles = config.render()
  const secretFiles: string[] = files.files.filter((f) => f.secret).map((f) => f.path)

  const engine: PolicyEngine = PolicyEngine.fromJson('[]', { superUsers: ['trino'], roles: { rangerRoles: [] } })
  const download: RangerServicePolicies | null = await (await RangerAdmin.connect({ url: 'http://r:6080', username: 'trino', password: 'pw' })).downloadPolicies('dev_trino', 12)
  if (download) PolicyEngine.fromPolicies(download)
  const request: AccessRequest = { user: 'alice', groups: ['analysts'], resource: { catalog: 'delta' }, access: 'use', scope: 'selfOrDescendants' }
  const decision: Decision = engine.evaluate(request)
  const reason: DecisionReason = decision.reason
  const explained: Explanation = engine.explain(request)
  const action: Decision = engine.evaluateAction({ user: 'alice' }, { check: 'selectFromColumns', target: 'delta.s.t', columns: ['c'] })
  const mask: string | undefined = engine.columnMask({ user: 'alice', catalog: 'd', schema: 's', table: 't', column: 'c' })?.expression
  const filter: string | undefined = engine.rowFilter({ user: 'alice', catalog: 'd', schema: 's', table: 't' })?.expression
  const service: string | null = engine.serviceName
  const count: number = engine.policyCount

  const admin: RangerAdmin = await RangerAdmin.connect({ url: 'http://ranger-admin:6080', username: 'admin', password: 'pw', timeout: '10s' })
  const setup: RangerSetupSpecObject = { service: { name: 'dev_trino', jdbcUrl: 'jdbc:trino://trino:8080' }, baseline: true }
  const spec: RangerSetupSpec = RangerSetupSpec.fromObject(setup)
  const names: string[] = [spec.serviceName, ...spec.policyNames, String(spec.baseline)]
  await admin.ensure(setup)
  const report: RangerSetupReport = await admin.ensure(RangerSetupSpec.fromYaml('service: {name: s, jdbcUrl: "jdbc:trino://t:8080"}\n'))
  const change: RangerChange = report.serviceChange
  console.log(secretFiles, reason, explained.summary, action, mask, filter, service, count, names, change, admin.url, spec)
  return report
}

export async function rangerMisuse(engine: PolicyEngine, admin: RangerAdmin): Promise<void> {
  // @ts-expect-error a request needs an access type
  engine.evaluate({ user: 'alice', resource: {} })
  // @ts-expect-error not a Trino check
  engine.evaluateAction({ user: 'alice' }, { check: 'selectEverything' })
  // @ts-expect-error a download password is {env} or {value}, not a string
  RangerPluginConfig.fromObject({ serviceName: 's', adminUrls: [], downloadAuth: { username: 'u', password: 'pw' } })
  // @ts-expect-error a setup needs the service's jdbcUrl
  await admin.ensure({ service: { name: 'dev_trino' } })
  // @ts-expect-error the download may be null
  const version: number = (await admin.downloadPolicies('dev_trino')).policyVersion
  // @ts-expect-error policyCount is a getter
  engine.policyCount()
  console.log(version)
}

export async function keycloak(): Promise<string> {
  const admin: KeycloakAdmin = await KeycloakAdmin.connect({ url: 'https://kc.example.com', username: 'admin', password: 'pw' })
  await KeycloakAdmin.connect({ url: 'https://kc.example.com', clientId: 'platform', clientSecret: 's', authRealm: 'platform', timeout: '10s' })
  const created: boolean = await admin.ensureRealm('platform', { displayName: 'Platform' })
  const object: OAuthClientSpecObject = { realm: 'platform', clientId: 'trino', externalUrl: 'https://trino.example.com', serviceAccounts: true }
  const client: OAuthClientSpec = OAuthClientSpec.fromObject(object)
  OAuthClientSpec.fromYaml('realm: platform\nclientId: trino\nexternalUrl: https://trino.example.com\n')
  const ensured: EnsuredClient = await admin.ensureClient(client)
  await admin.ensureClient(object)
  const changes: string[] = ensured.changes
  const secret: string = (await admin.clientSecret('platform', 'trino')).reveal()
  const rotated: RotatedSecret = await admin.rotateSecret('platform', 'trino')
  const same: boolean = rotated.secret.equals(ensured.secret) || new Secret('s').toString() === ensured.secret.toJSON()
  const user: string[] = (await admin.ensureUser('platform', { username: 'alice', groups: ['analysts'] })).changes
  const group: boolean = (await admin.ensureGroup('platform', 'analysts')).created
  const deleted: boolean = (await admin.deleteClient('platform', 'trino')) && (await admin.deleteRealm('platform'))
  const trino: TrinoOAuth2SpecObject = { issuer: issuerUrl('https://kc.example.com', 'platform'), clientId: 'trino' }
  const properties: string = trinoOAuth2Properties(trino, 480) + trinoOAuth2Properties(TrinoOAuth2Spec.fromObject({ ...trino, trinoVersion: 476 }))
  const version: number = TrinoOAuth2Spec.fromYaml('trinoVersion: 480\nissuer: https://kc/realms/r\nclientId: t\n').trinoVersion
  const auth: string = gatewayAuthYaml(trino.issuer, client, { required: true, impersonators: ['service-account-superset'] })
  console.log(created, changes, secret, same, rotated.secret, user, group, deleted, version, client.realm, client.clientId, client.externalUrl)
  return properties + auth
}

export async function keycloakMisuse(admin: KeycloakAdmin): Promise<void> {
  // @ts-expect-error a client spec needs its externalUrl
  await admin.ensureClient({ realm: 'platform', clientId: 'trino' })
  // @ts-expect-error ensureRealm resolves with whether anything changed
  const realm: string = await admin.ensureRealm('platform')
  // @ts-expect-error the secret is a Secret: reveal() gives the string
  const secret: string = (await admin.rotateSecret('platform', 'trino')).secret
  // @ts-expect-error TrinoOAuth2Spec.fromObject needs the trinoVersion
  TrinoOAuth2Spec.fromObject({ issuer: 'https://kc/realms/r', clientId: 'trino' })
  // @ts-expect-error the version is a number
  trinoOAuth2Properties({ issuer: 'https://kc/realms/r', clientId: 'trino' }, '480')
  // @ts-expect-error required is a boolean
  gatewayAuthYaml('https://kc/realms/r', { realm: 'r', clientId: 'trino', externalUrl: 'https://t' }, { required: 'yes' })
  console.log(realm, secret)
}

export async function bundles(store: ClusterStore): Promise<string> {
  const object: TenantSpecObject = {
    workspace: 'acme',
    labels: { team: 'data' },
    platform: {
      gateway: { externalUrl: 'https://trino.acme.example.com', replicas: 3, ingress: { scheme: 'internet-facing' } },
      exchange: { region: 'eu-central-1' },
      keycloak: {
        url: 'https://kc.example.com',
        credentials: { grant: 'password', username: 'admin', passwordEnv: 'KC_PASSWORD' },
        client: { realm: 'acme', clientId: 'trino', ensureRealm: true },
      },
      ranger: { url: 'https://ranger:6182', username: 'admin', passwordEnv: 'RANGER_PASSWORD' },
      registry: { storeEnv: 'TRINO_PLATFORM_STORE' },
    },
    clusters: [{ name: 'etl', coordinator: { resources: { cpu: 2, memory: '8Gi' } }, workers: { replicas: 2, resources: { cpu: '4', memory: '16Gi' } } }],
  }
  const tenant: TenantSpec = TenantSpec.fromObject(object)
  TenantSpec.fromYaml('workspace: acme\n')
  TenantSpec.load('/etc/platform/tenant.yaml')
  const names: string[] = tenant.clusters.map((c: TrinoClusterSpec) => `${c.name} ${c.workspace} ${c.namespace} ${c.routingGroup} ${c.trinoVersion} ${c.image}`)
  const manifests: Manifest[] = tenant.manifests()
  const kind: ManifestKind = manifests[0].kind
  const namespace: string | null = manifests[0].namespace
  const object0: KubeObject = manifests[0].object
  const sources: Record<string, string> = manifests[0].secretSources
  const text: string = tenant.render() + toYamlStream(sortedManifests(manifests)) + manifests[0].toYaml() + manifests[0].describe() + manifests[0].apiVersion + manifests[0].name
  const paths: string[] = tenant.writeFiles('/tmp/gitops') .concat(writeManifestFiles('/tmp/etl', manifests))
  tenant.checkEnvironment()
  const options: TargetsOptions = { kubeconfig: '/etc/kubeconfig', context: 'prod', registry: store, waitTimeoutMs: 60_000, attempts: 4, backoffMs: 500, pollIntervalMs: 2000 }
  const targets: Targets = await Targets.connect(tenant, options)
  await Targets.connect(tenant, { registry: 'postgres://gateway@db/gateway' })
  await Targets.connect(tenant)
  const plan: BundleReport = await tenant.plan(targets)
  const onProgress = (event: BundleEvent): void => {
    const system: BundleSystem = event.system
    const step: BundleStep | undefined = event.step
    console.log(system, event.message, step?.outcome)
  }
  const applied: BundleReport = await tenant.apply(targets, { onProgress })
  await tenant.apply(targets)
  const platform: PlatformBundle = tenant.platform()
  await platform.plan(targets)
  await platform.apply(targets, { onProgress })
  await platform.delete(targets)
  const bucket: string | undefined = platform.exchange?.bucketName
  const gateway: GatewayDeploymentSpec = platform.gateway
  const cluster: ClusterBundle = tenant.clusterBundle('etl')
  await cluster.plan(targets)
  await cluster.apply(targets, { onProgress })
  await cluster.delete(targets, { onProgress })
  const proxy: string = cluster.registration().proxyTo + cluster.spec.name + cluster.name + tenant.clusterBundles().length + cluster.manifests().length
  const deleted: BundleReport = await tenant.delete(targets, { onProgress })
  const outcome: BundleOutcome = deleted.steps[0].outcome
  const changed: boolean = plan.changed || applied.changed
  const details: string[] = deleted.steps[0].details

  const clusterObject: TrinoClusterSpecObject = {
    name: 'etl',
    workspace: 'acme',
    namespace: 'trino-acme',
    trinoVersion: 481,
    coordinator: { resources: { cpu: 2, memory: '8Gi' } },
    workers: { replicas: 3, resources: { cpu: 4, memory: '16Gi' }, drainTimeout: '15m' },
    catalogs: [{ name: 'delta', deltaLake: { metastoreUri: 'thrift://hms:9083', s3: { region: 'eu-central-1', credentials: { type: 'iam-role', roleArn: 'arn:aws:iam::1:role/r' } } } }],
    secrets: { TOKEN: 'generate', OTHER: { fromEnv: 'CI_OTHER' } },
    logLevels: { 'io.trino': 'DEBUG' },
  }
  const trino: TrinoClusterSpec = TrinoClusterSpec.fromObject(clusterObject)
  const files: TrinoClusterFiles = TrinoClusterSpec.fromYaml('name: etl\n').files()
  TrinoClusterSpec.load('/etc/platform/etl.yaml')
  GatewayDeploymentSpec.load('/etc/platform/gateway.yaml')
  const labels: Record<string, string> = tenant.labels
  const config: string | undefined = files.coordinator.files['config.properties']
  const gatewayObject: GatewayDeploymentSpecObject = { workspace: 'acme', namespace: 'trino-acme', externalUrl: 'https://t', adminToken: { fromEnv: 'ADMIN_TOKEN' } }
  const yaml: string = GatewayDeploymentSpec.fromObject(gatewayObject).gatewayYaml() + GatewayDeploymentSpec.fromYaml('workspace: acme\n').internalUrl + gateway.externalUrl
  console.log(names, labels, kind, namespace, object0.metadata.name, sources, paths, bucket, proxy, outcome, changed, details, trino.manifests(), config)
  return text + yaml
}

export async function bundlesMisuse(tenant: TenantSpec, targets: Targets): Promise<void> {
  // @ts-expect-error a tenant needs its platform
  TenantSpec.fromObject({ workspace: 'acme' })
  // @ts-expect-error the Keycloak credentials name the grant
  TenantSpec.fromObject({ workspace: 'acme', platform: { gateway: { externalUrl: 'https://t' }, keycloak: { url: 'https://kc', credentials: { username: 'admin', passwordEnv: 'X' }, client: { realm: 'r', clientId: 'c' } } } })
  // @ts-expect-error a cluster outside a tenant needs its workspace and namespace
  TrinoClusterSpec.fromObject({ name: 'etl', coordinator: { resources: { cpu: 1, memory: '2Gi' } }, workers: { replicas: 1, resources: { cpu: 1, memory: '2Gi' } } })
  // @ts-expect-error plan takes no progress
  await tenant.plan(targets, { onProgress: () => {} })
  // @ts-expect-error outcomes are lower-case
  const outcome: BundleOutcome = 'Created'
  // @ts-expect-error systems are the five the bundles reach
  const system: BundleSystem = 'aws'
  // @ts-expect-error the registry is a URL or a ClusterStore
  await Targets.connect(tenant, { registry: 42 })
  // @ts-expect-error the wait is in milliseconds
  await Targets.connect(tenant, { waitTimeoutMs: '10m' })
  // @ts-expect-error a Manifest's kind is one of the kinds trino-platform makes
  const kind: ManifestKind = 'Pod'
  // @ts-expect-error writeFiles takes a directory
  tenant.writeFiles()
  console.log(outcome, system, kind)
}
