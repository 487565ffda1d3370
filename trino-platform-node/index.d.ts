// Typings of the CommonJS entry point (index.js): those napi generates from the Rust doc
// comments (native.d.ts), plus the async iterators index.js adds to its classes.
import type { Cluster, ClusterFilter, RangerPolicy } from './native.js'

export * from './native.js'

declare module './native.js' {
  interface ClusterStore {
    /**
     * The clusters passing `filter` (every cluster without one), sorted by name, one at a
     * time: `for await (const cluster of store.clusters({ active: true })) …`. It yields what
     * `list(filter)` resolves with (fetched when iteration starts), and rejects as `list`
     * does (`InvalidInput` for a bad routing group, `Unavailable` once closed).
     */
    clusters(filter?: ClusterFilter | undefined | null): AsyncGenerator<Cluster, void, undefined>
  }

  interface RangerAdmin {
    /**
     * Every policy of `service`, one at a time: `for await (const policy of
     * admin.policies('dev_trino')) …`. It yields what `listPolicies(service)` resolves with
     * (fetched when iteration starts), and rejects as `listPolicies` does (`NotFound` for an
     * unknown service).
     */
    policies(service: string): AsyncGenerator<RangerPolicy, void, undefined>
  }
}
