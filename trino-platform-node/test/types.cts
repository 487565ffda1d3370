// Type-checked (not run) by `npm run typecheck`: the API from CommonJS (require condition,
// index.d.ts).
import trino = require('trino-platform')

export async function names(url: string): Promise<string[]> {
  const store: trino.ClusterStore = await trino.ClusterStore.open(url)
  const clusters: trino.Cluster[] = await store.list({ active: true })
  await store.close()
  return clusters.map((c) => c.name)
}

export async function route(clusters: trino.Cluster[]): Promise<string> {
  const router: trino.Router = await trino.Router.open({ policy: 'roundRobin' })
  router.setRules(trino.RoutingRules.fromYaml('rules: []'))
  router.setClusters(clusters)
  const decision: trino.RouteDecision = await router.route({ method: 'POST', path: '/v1/statement' })
  return decision.cluster.name
}

export async function serve(config: string): Promise<string | null> {
  const gateway: trino.Gateway = await trino.Gateway.start({ config })
  const url: string | null = gateway.url
  await gateway.stop()
  return url
}

export async function exchange(workspace: string): Promise<number> {
  const spec: trino.ExchangeBucketSpec = trino.ExchangeBucketSpec.fromObject({ workspace, region: 'eu-central-1' })
  const buckets: trino.ExchangeBuckets = await trino.ExchangeBuckets.connect(spec)
  const report: trino.EnsureReport = await buckets.ensure()
  const torn: trino.TeardownReport = await buckets.teardown({ onProgress: (p: trino.TeardownProgress) => console.log(p.phase) })
  return report.applied.length + torn.objectsDeleted
}

export async function iterate(store: trino.ClusterStore, admin: trino.RangerAdmin): Promise<number> {
  let count = 0
  for await (const cluster of store.clusters({ routingGroup: 'etl' })) count += cluster.active ? 1 : 0
  for await (const policy of admin.policies('dev_trino')) count += policy.id ?? 0
  const spec: trino.RangerSetupSpec = trino.RangerSetupSpec.fromYaml('service: {name: s, jdbcUrl: "jdbc:trino://t:8080"}\n')
  const report: trino.RangerSetupReport = await admin.ensure(spec)
  const client: trino.OAuthClientSpec = trino.OAuthClientSpec.fromObject({ realm: 'r', clientId: 'c', externalUrl: 'https://t' })
  const auth: string = trino.gatewayAuthYaml(trino.issuerUrl('https://kc', 'r'), client)
  return count + report.policies.length + auth.length
}

export async function tenant(text: string, kubeconfig: string): Promise<boolean> {
  const spec: trino.TenantSpec = trino.TenantSpec.fromYaml(text)
  const stream: string = spec.render() + trino.toYamlStream(trino.sortedManifests(spec.manifests()))
  const targets: trino.Targets = await trino.Targets.connect(spec, { kubeconfig })
  const report: trino.BundleReport = await spec.apply(targets, { onProgress: (e: trino.BundleEvent) => console.log(e.system, e.message) })
  return report.changed && stream.length > 0
}
