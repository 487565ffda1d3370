// @ts-check
// An internal portal's "Trino clusters" page, as a command-line script on the npm package
// `trino-platform`: list the clusters behind the gateway with their health, register a new
// cluster, and activate (or deactivate) one, waiting until the gateway routes to it; and a
// tenant's deployment: render its Kubernetes objects without a cluster, or plan it (what
// `apply` would change, across Kubernetes, S3, Keycloak, Ranger and the registry; nothing is
// written).
//
// Registrations live in the gateway's own store (its PostgreSQL, or an SQLite file), which the
// portal opens with `ClusterStore`; the gateway picks changes up at its next refresh. Health
// and load are what the gateway's probes last saw, from its admin API (`GET /api/v1/clusters`).
//
//   node portal.mjs list [--json]
//   node portal.mjs register NAME PROXY_URL [--group GROUP] [--external-url URL] [--inactive]
//   node portal.mjs activate NAME [--wait SECONDS]
//   node portal.mjs deactivate NAME
//   node portal.mjs tenant render TENANT_FILE [--out DIR]
//   node portal.mjs tenant plan TENANT_FILE [--kubeconfig FILE [--context NAME]] [--json]
//
// Environment:
//   PORTAL_STORE_URL      the gateway's store: postgres://user:password@host/db or sqlite:///path
//                         (a tenant plan checks the clusters' registrations there; without it,
//                         in the variable the tenant file's `platform.registry.storeEnv` names)
//   PORTAL_GATEWAY_URL    the gateway's base URL, for health (without it `list` shows none)
//   PORTAL_GATEWAY_TOKEN  an admin token of the gateway (its `admin.tokens`)
//   KUBECONFIG            for `tenant plan` without --kubeconfig (else ~/.kube/config, or the
//                         pod's service account); and the variables the tenant file names for
//                         its secrets
//
// Exit status: 0 done, 1 refused (the message says why, from the error's `code`), 2 usage.
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'

import { ClusterStore, Targets, TenantSpec } from 'trino-platform'

/** @typedef {import('trino-platform').BundleReport} BundleReport */
/** @typedef {import('trino-platform').Cluster} Cluster */
/** @typedef {import('trino-platform').TrinoPlatformError} TrinoPlatformError */

/**
 * What the gateway's admin API says of one cluster: the registration plus its health and load.
 * @typedef {Cluster & { healthy: boolean, queued: number, running: number, inFlight: number }} ClusterHealth
 */

/** A refusal the portal shows as it is, exit status 1. */
class Refused extends Error {}

/**
 * The gateway's view of its clusters (`GET /api/v1/clusters` with the admin token), by name.
 * @param {{ url: string, token?: string }} gateway
 * @returns {Promise<Map<string, ClusterHealth>>}
 */
async function gatewayHealth(gateway) {
  const url = `${gateway.url.replace(/\/+$/, '')}/api/v1/clusters`
  let response
  try {
    response = await fetch(url, { headers: gateway.token ? { Authorization: `Bearer ${gateway.token}` } : {} })
  } catch (err) {
    throw new Refused(`cannot reach the gateway at ${gateway.url} (${/** @type {Error} */ (err).cause ?? err}); retry later`)
  }
  if (!response.ok) throw new Refused(`the gateway's admin API answered ${response.status}: ${await response.text()}`)
  /** @type {ClusterHealth[]} */
  const clusters = await response.json()
  return new Map(clusters.map((cluster) => [cluster.name, cluster]))
}

/**
 * Every registered cluster, with the gateway's health when it knows the cluster (a new
 * registration shows `health: null` until the gateway's next refresh).
 * @param {ClusterStore} store
 * @param {{ url: string, token?: string } | undefined} gateway
 */
export async function clustersWithHealth(store, gateway) {
  const health = gateway ? await gatewayHealth(gateway) : new Map()
  const rows = []
  for await (const cluster of store.clusters()) {
    const seen = health.get(cluster.name)
    rows.push({
      ...cluster,
      health: seen ? { healthy: seen.healthy, queued: seen.queued, running: seen.running, inFlight: seen.inFlight } : null,
    })
  }
  return rows
}

/**
 * Registers a cluster; refuses a taken name or an invalid field.
 * @param {ClusterStore} store
 * @param {import('trino-platform').NewCluster} cluster
 */
export async function registerCluster(store, cluster) {
  try {
    return await store.register(cluster)
  } catch (err) {
    const { code, message } = /** @type {TrinoPlatformError} */ (err)
    if (code === 'AlreadyExists') throw new Refused(`${cluster.name} is registered already; change it with the admin API`)
    if (code === 'InvalidInput') throw new Refused(message)
    throw err
  }
}

/**
 * Lets a cluster take new queries (or stops them), and with `waitMs` waits until the gateway
 * routes to it: active and healthy in its admin API.
 * @param {ClusterStore} store
 * @param {string} name
 * @param {{ active: boolean, waitMs?: number, gateway?: { url: string, token?: string } }} options
 */
export async function setActive(store, name, { active, waitMs, gateway }) {
  let cluster
  try {
    cluster = active ? await store.activate(name) : await store.deactivate(name)
  } catch (err) {
    const { code, message } = /** @type {TrinoPlatformError} */ (err)
    if (code === 'NotFound') throw new Refused(`no cluster named ${name} is registered`)
    if (code === 'InvalidInput') throw new Refused(message)
    throw err
  }
  if (!waitMs) return cluster
  if (!gateway) throw new Refused('--wait needs PORTAL_GATEWAY_URL')
  const deadline = Date.now() + waitMs
  for (;;) {
    const seen = (await gatewayHealth(gateway)).get(name)
    if (seen && seen.active === active && (!active || seen.healthy)) return cluster
    if (Date.now() > deadline) {
      throw new Refused(`the gateway does not route to ${name} yet (${seen ? `healthy: ${seen.healthy}` : 'not refreshed'})`)
    }
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
}

/**
 * A tenant's Kubernetes objects, rendered without a cluster: one YAML stream for `kubectl
 * apply -f -`, or with `outDir` one file per object and a `kustomization.yaml` (GitOps),
 * whose paths it returns instead. Secrets carry no values, only where each comes from.
 * @param {string} file the tenant file
 * @param {{ outDir?: string }} options
 * @returns {string}
 */
export function renderTenant(file, { outDir }) {
  const tenant = TenantSpec.load(file)
  return outDir ? tenant.writeFiles(outDir).join('\n') : tenant.render()
}

/**
 * What applying a tenant would change: a plan read from every system it lives in (a
 * server-side dry run on Kubernetes), which writes nothing.
 * @param {string} file the tenant file
 * @param {{ kubeconfig?: string, context?: string, storeUrl?: string }} options
 * @returns {Promise<{ tenant: TenantSpec, report: BundleReport }>}
 */
export async function planTenant(file, { kubeconfig, context, storeUrl }) {
  const tenant = TenantSpec.load(file)
  tenant.checkEnvironment() // every variable the tenant names, before connecting anywhere
  const targets = await Targets.connect(tenant, { kubeconfig, context, registry: storeUrl })
  return { tenant, report: await tenant.plan(targets) }
}

/**
 * A plan as a table for people: a summary line, then one row per step.
 * @param {TenantSpec} tenant
 * @param {BundleReport} report
 */
function planTable(tenant, report) {
  const changing = report.steps.filter((s) => s.outcome !== 'unchanged').length
  const summary = `tenant ${tenant.workspace} (namespace ${tenant.namespace}): ${report.changed ? `${changing} of ${report.steps.length} to change` : 'nothing to change'}`
  const header = ['SYSTEM', 'OUTCOME', 'TARGET', 'DETAILS']
  const lines = report.steps.map((s) => [s.system, s.outcome, s.target, s.details.join('; ')])
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)))
  const rows = [header, ...lines].map((l) => l.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd())
  return [summary, ...rows].join('\n')
}

/**
 * The clusters as a table for people.
 * @param {Awaited<ReturnType<typeof clustersWithHealth>>} rows
 */
function table(rows) {
  const header = ['NAME', 'GROUP', 'ACTIVE', 'HEALTH', 'QUEUED', 'RUNNING', 'PROXY']
  const lines = rows.map((r) => [
    r.name,
    r.routingGroup,
    r.active ? 'yes' : 'no',
    r.health ? (r.health.healthy ? 'healthy' : 'UNHEALTHY') : 'unknown',
    r.health ? String(r.health.queued) : '-',
    r.health ? String(r.health.running) : '-',
    r.proxyTo,
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)))
  return [header, ...lines].map((l) => l.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd()).join('\n')
}

const USAGE = `usage:
  portal.mjs list [--json]
  portal.mjs register NAME PROXY_URL [--group GROUP] [--external-url URL] [--inactive]
  portal.mjs activate NAME [--wait SECONDS]
  portal.mjs deactivate NAME
  portal.mjs tenant render TENANT_FILE [--out DIR]
  portal.mjs tenant plan TENANT_FILE [--kubeconfig FILE [--context NAME]] [--json]`

/**
 * Runs `tenant render` or `tenant plan`; resolves with the exit status.
 * @param {string[]} args the arguments after `tenant`
 * @param {{ json?: boolean, out?: string, kubeconfig?: string, context?: string }} values
 * @param {string | undefined} storeUrl
 */
async function tenantCommand(args, values, storeUrl) {
  const [action, file, ...rest] = args
  if (!file || rest.length > 0 || (action !== 'render' && action !== 'plan')) {
    console.error(USAGE)
    return 2
  }
  try {
    if (action === 'render') {
      console.log(renderTenant(file, { outDir: values.out }))
    } else {
      const { tenant, report } = await planTenant(file, { kubeconfig: values.kubeconfig, context: values.context, storeUrl })
      console.log(values.json ? JSON.stringify(report, null, 2) : planTable(tenant, report))
    }
    return 0
  } catch (err) {
    const { code, message } = /** @type {TrinoPlatformError} */ (err)
    // A bad tenant file or an unset variable (named, before anything is read), a system that
    // refuses: the message says which, and holds no secret.
    if (code === 'InvalidInput' || code === 'NotFound' || code === 'Unauthorized' || code === 'Forbidden') {
      console.error(message)
      return 1
    }
    if (code === 'Unavailable' || code === 'Timeout') {
      console.error(`${message} (retry later)`)
      return 1
    }
    throw err
  }
}

/**
 * Runs one command line; resolves with the exit status.
 * @param {string[]} argv
 * @param {Record<string, string | undefined>} env
 */
export async function main(argv, env) {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        json: { type: 'boolean' },
        group: { type: 'string' },
        'external-url': { type: 'string' },
        inactive: { type: 'boolean' },
        wait: { type: 'string' },
        out: { type: 'string' },
        kubeconfig: { type: 'string' },
        context: { type: 'string' },
      },
    })
  } catch (err) {
    console.error(`${/** @type {Error} */ (err).message}\n${USAGE}`)
    return 2
  }
  const { values, positionals } = parsed
  const [command, ...args] = positionals
  const storeUrl = env.PORTAL_STORE_URL
  if (command === 'tenant') return tenantCommand(args, values, storeUrl)
  if (!storeUrl) {
    console.error('PORTAL_STORE_URL is not set: the gateway\'s store, postgres://… or sqlite:///…')
    return 2
  }
  const gateway = env.PORTAL_GATEWAY_URL ? { url: env.PORTAL_GATEWAY_URL, token: env.PORTAL_GATEWAY_TOKEN } : undefined

  /** @type {ClusterStore | undefined} */
  let store
  try {
    store = await ClusterStore.open(storeUrl)
    if (command === 'list' && args.length === 0) {
      const rows = await clustersWithHealth(store, gateway)
      console.log(values.json ? JSON.stringify(rows, null, 2) : table(rows))
    } else if (command === 'register' && args.length === 2) {
      const [name, proxyTo] = args
      const cluster = await registerCluster(store, {
        name,
        proxyTo,
        routingGroup: values.group,
        externalUrl: values['external-url'],
        active: !values.inactive,
      })
      console.log(`registered ${cluster.name} (${cluster.routingGroup}, ${cluster.active ? 'active' : 'inactive'}): ${cluster.proxyTo}`)
    } else if ((command === 'activate' || command === 'deactivate') && args.length === 1) {
      const waitMs = values.wait === undefined ? undefined : Number(values.wait) * 1000
      if (waitMs !== undefined && !(waitMs >= 0)) {
        console.error(`--wait takes seconds, not ${values.wait}`)
        return 2
      }
      const cluster = await setActive(store, args[0], { active: command === 'activate', waitMs, gateway })
      console.log(`${cluster.name} is ${cluster.active ? 'active' : 'inactive'}${waitMs ? ', and the gateway has it' : ''}`)
    } else {
      console.error(USAGE)
      return 2
    }
    return 0
  } catch (err) {
    if (err instanceof Refused) {
      console.error(err.message)
      return 1
    }
    const { code, message } = /** @type {TrinoPlatformError} */ (err)
    // The store's errors: the message never holds its password.
    if (code === 'Unavailable' || code === 'Timeout') {
      console.error(`${message} (retry later)`)
      return 1
    }
    if (code === 'InvalidInput' || code === 'Unauthorized') {
      console.error(message)
      return 1
    }
    throw err
  } finally {
    await store?.close()
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2), process.env)
}
