// Type-checked (not run) by `npm run typecheck`: the API as an ES module user writes it, through
// package.json `exports` (import condition, index.d.mts), plus misuses the typings must reject.
import native, {
  ClusterStore,
  type Cluster,
  type ClusterFilter,
  type ClusterUpdate,
  type ErrorCode,
  type NewCluster,
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
