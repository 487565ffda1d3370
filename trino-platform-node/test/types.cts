// Type-checked (not run) by `npm run typecheck`: the API from CommonJS (require condition,
// index.d.ts).
import trino = require('trino-platform')

export async function names(url: string): Promise<string[]> {
  const store: trino.ClusterStore = await trino.ClusterStore.open(url)
  const clusters: trino.Cluster[] = await store.list({ active: true })
  await store.close()
  return clusters.map((c) => c.name)
}
