// Type-checked (not run) by `npm run typecheck`: the API as an ES module user writes it, through
// package.json `exports` (import condition, index.d.mts), plus misuses the typings must reject.
import native, {
  ClusterStore,
  ExchangeBuckets,
  ExchangeBucketSpec,
  Gateway,
  Router,
  RoutingRules,
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
