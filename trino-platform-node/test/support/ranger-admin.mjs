// A Ranger Admin **fake**, for the RangerAdmin tests: no Ranger Admin can run here (it needs its
// own database, Solr and a Java web app that no registry this project installs from offers),
// so this in-process HTTP server follows Ranger Admin's public v2 REST API and the plugin's
// policy download endpoint exactly as they are documented (apache/ranger
// `security-admin/.../rest/PublicAPIsv2.java`, `ServiceREST.java`; summarised in
// shared/reference/platform-specs.md §2), as the core's own fake does
// (trino-platform-core/tests/ranger_admin.rs, of which this is a port):
//
// - `POST /service/public/v2/api/service` → 200 + the service with `id`, passwords masked as
//   `*******`; creating a service also creates Ranger's default "all - …" policies for its
//   `username`, one per resource path of the trino service-def; only an admin may create one
//   (403); a taken name → 400
//   `{"statusCode":1,"msgDesc":"Validation failure: error code[1007], reason[Duplicate service
//   name: name=[…]], …"}`; another type → 400 (1008); missing mandatory configs → 400 (1011);
// - `GET /service/public/v2/api/service/name/{name}` → 200 / 404 `{"statusCode":1,"msgDesc":"Not found"}`;
// - `PUT /service/public/v2/api/service/{id}` → 200 (an id in the body that differs → 400
//   "service id mismatch"; a masked password keeps the stored one);
// - `DELETE /service/public/v2/api/service/name/{name}` → 204 / 404;
// - `GET /service/public/v2/api/service/{service}/policy[/{name}]` → 200 / 404;
// - `POST /service/public/v2/api/policy` → 200 + the policy; a taken name → 400 (3006), the
//   same resources as another policy of the type → 400 (3010), an unknown service → 400 (3017);
// - `PUT /service/public/v2/api/policy/{id}` → 200 / 404 ("policyID mismatch" → 400);
//   `DELETE /service/public/v2/api/policy?servicename=&policyname=` → 204 / 404;
// - `GET /service/plugins/secure/policies/download/{service}?lastKnownVersion=…` → 200
//   ServicePolicies, 304 when nothing is newer, 404 for an unknown service, 403 unless the user
//   is an admin or listed in the service's `policy.download.auth.users`;
// - HTTP Basic authentication on everything (401 otherwise); JSON omits empty fields
//   (Jackson's `@JsonInclude(NON_EMPTY)`).
//
// Every write call (any method but GET) is counted, so "ensuring twice changes nothing" is
// checked as "the second run sends no write".
import { createServer } from 'node:http'

/** Ranger's admin user and password in its docker image (`admin` / `rangerR0cks!`). */
export const ADMIN = { username: 'admin', password: 'rangerR0cks!' }
/** The plugin's download user (listed in `policy.download.auth.users` by `ensure`). */
export const PLUGIN = { username: 'trino', password: 'plugin-Pw-42' }
/** A user that exists but is neither an admin nor a download user. */
export const EVE = { username: 'eve', password: 'eve-Pw-7' }

const API = '/service/public/v2/api'
const CREATED = 1_780_000_000_000

/** Jackson's NON_EMPTY: drops nulls, empty strings, empty arrays and empty objects, recursively. */
function nonEmpty(value) {
  if (Array.isArray(value)) return value.map(nonEmpty)
  if (value === null || typeof value !== 'object') return value
  const out = {}
  for (const [key, v] of Object.entries(value)) {
    const kept = nonEmpty(v)
    if (kept === null || kept === undefined || kept === '') continue
    if (Array.isArray(kept) && kept.length === 0) continue
    if (typeof kept === 'object' && !Array.isArray(kept) && Object.keys(kept).length === 0) continue
    out[key] = kept
  }
  return out
}

/** A service as Ranger returns it: passwords masked. */
function masked(service) {
  const copy = structuredClone(service)
  for (const key of Object.keys(copy.configs ?? {})) if (key.includes('password')) copy.configs[key] = '*******'
  return nonEmpty(copy)
}

/** Policy type plus resources with sorted values: what Ranger's resource signature compares. */
function signature(policy) {
  const resources = Object.entries(policy.resources ?? {})
    .map(([name, r]) => [name, [...(r.values ?? [])].sort(), Boolean(r.isExcludes)])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return `${policy.policyType ?? 0}:${JSON.stringify(resources)}`
}

/** Ranger's VXResponse error body. */
const failure = (status, msgDesc) => ({ status, body: { statusCode: 1, msgDesc } })
/** A `RESTErrorUtil` validation failure (HTTP 400) with Ranger's message layout. */
const validation = (code, reason, field) =>
  failure(
    400,
    `Validation failure: error code[${code}], reason[${reason}], field[${field}], subfield[null], type[semantically incorrect]`,
  )
const notFound = () => failure(404, 'Not found')

export class RangerAdminFake {
  constructor() {
    this.users = new Map([ADMIN, PLUGIN, EVE].map(({ username, password }) => [username, password]))
    this.services = []
    this.policies = []
    this.nextId = 0
    /** Requests with a method other than GET, authenticated or not. */
    this.writes = 0
    this.server = createServer((request, response) => this.#serve(request, response))
  }

  /** Starts listening on a free loopback port; resolves with the base URL. */
  async start() {
    await new Promise((resolve) => this.server.listen(0, '127.0.0.1', resolve))
    this.url = `http://127.0.0.1:${this.server.address().port}`
    return this.url
  }

  async stop() {
    this.server.closeAllConnections()
    await new Promise((resolve) => this.server.close(resolve))
  }

  /** The authenticated user of `request`, or undefined. */
  #user(request) {
    const header = request.headers.authorization ?? ''
    if (!header.startsWith('Basic ')) return undefined
    const decoded = Buffer.from(header.slice('Basic '.length), 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    if (colon < 0) return undefined
    const [user, password] = [decoded.slice(0, colon), decoded.slice(colon + 1)]
    return this.users.get(user) === password ? user : undefined
  }

  #id() {
    this.nextId += 1
    return this.nextId
  }

  async #serve(request, response) {
    const chunks = []
    for await (const chunk of request) chunks.push(chunk)
    const text = Buffer.concat(chunks).toString('utf8')
    const url = new URL(request.url, 'http://ranger')
    if (request.method !== 'GET') this.writes += 1
    let answer
    const user = this.#user(request)
    if (user === undefined) {
      answer = { status: 401, body: undefined }
    } else {
      let body
      try {
        body = text ? JSON.parse(text) : undefined
      } catch {
        answer = failure(400, 'invalid JSON')
      }
      answer ??= this.#route(request.method, url, body, user) ?? failure(404, `no such endpoint: ${url.pathname}`)
    }
    if (answer.status === 204 || answer.status === 304 || answer.body === undefined) {
      response.writeHead(answer.status).end()
    } else {
      response.writeHead(answer.status, { 'Content-Type': 'application/json' }).end(JSON.stringify(answer.body))
    }
  }

  /** The answer to one authenticated call, or undefined for a path Ranger does not have. */
  #route(method, url, body, user) {
    const path = url.pathname
    let m
    if (path === `${API}/service` && method === 'POST') return this.#createService(body, user)
    if ((m = path.match(new RegExp(`^${API}/service/name/([^/]+)$`)))) {
      const name = decodeURIComponent(m[1])
      if (method === 'GET') return this.#getService(name)
      if (method === 'DELETE') return this.#deleteService(name)
    }
    if ((m = path.match(new RegExp(`^${API}/service/(\\d+)$`))) && method === 'PUT') return this.#updateService(Number(m[1]), body)
    if ((m = path.match(new RegExp(`^${API}/service/([^/]+)/policy$`))) && method === 'GET') {
      return this.#listPolicies(decodeURIComponent(m[1]))
    }
    if ((m = path.match(new RegExp(`^${API}/service/([^/]+)/policy/([^/]+)$`))) && method === 'GET') {
      return this.#getPolicy(decodeURIComponent(m[1]), decodeURIComponent(m[2]))
    }
    if (path === `${API}/policy` && method === 'POST') return this.#createPolicy(body)
    if (path === `${API}/policy` && method === 'DELETE') {
      return this.#deletePolicy(url.searchParams.get('servicename'), url.searchParams.get('policyname'))
    }
    if ((m = path.match(new RegExp(`^${API}/policy/(\\d+)$`))) && method === 'PUT') return this.#updatePolicy(Number(m[1]), body)
    if ((m = path.match(/^\/service\/plugins\/secure\/policies\/download\/([^/]+)$/)) && method === 'GET') {
      return this.#download(decodeURIComponent(m[1]), url.searchParams, user)
    }
    return undefined
  }

  #service(name) {
    return this.services.find((s) => s.name === name)
  }

  #createService(body, user) {
    if (user !== ADMIN.username) return failure(403, 'User is not allowed to create service')
    const name = body?.name ?? ''
    if (this.#service(name)) return validation(1007, `Duplicate service name: name=[${name}]`, 'name')
    if (body.type !== 'trino') return validation(1008, `Invalid service type: type=[${body.type}]`, 'type')
    const missing = ['username', 'jdbc.driverClassName', 'jdbc.url'].filter((k) => !body.configs?.[k])
    if (missing.length) {
      return validation(1011, `Missing required configuration parameter(s): missing parameters: ${missing}`, 'configs')
    }
    const id = this.#id()
    const service = { ...body, id, guid: `guid-${id}`, version: 1, policyVersion: 1, createTime: CREATED, isEnabled: body.isEnabled ?? true }
    this.services.push(service)
    // Ranger creates a default "all - …" policy with every service, for its lookup user, for
    // each root-to-leaf path of the service-def's resources (RangerBaseService.
    // getDefaultRangerPolicies; every trino resource is mandatory).
    const lookupUser = body.configs.username
    for (const path of [
      ['catalog', 'schema', 'table', 'column'],
      ['catalog', 'sessionproperty'],
      ['catalog', 'schema', 'procedure'],
      ['catalog', 'schema', 'schemafunction'],
      ['trinouser'],
      ['systemproperty'],
      ['function'],
      ['queryid'],
      ['sysinfo'],
      ['role'],
    ]) {
      const pid = this.#id()
      this.policies.push({
        id: pid, guid: `guid-${pid}`, version: 1, isEnabled: true, service: name, serviceType: 'trino',
        name: `all - ${path.join(', ')}`, policyType: 0, policyPriority: 0, isAuditEnabled: true,
        resources: Object.fromEntries(path.map((resource) => [resource, { values: ['*'] }])), isDenyAllElse: false,
        policyItems: [{ accesses: [{ type: 'all', isAllowed: true }], users: [lookupUser], groups: [], roles: [], conditions: [], delegateAdmin: true }],
      })
    }
    return { status: 200, body: masked(service) }
  }

  #getService(name) {
    const service = this.#service(name)
    return service ? { status: 200, body: masked(service) } : notFound()
  }

  #updateService(id, body) {
    if (body?.id != null && body.id !== id) return failure(400, 'service id mismatch')
    const index = this.services.findIndex((s) => s.id === id)
    if (index < 0) return notFound()
    const old = this.services[index]
    const service = structuredClone(body)
    // A masked password keeps the stored one.
    if (service.configs?.password === '*******') service.configs.password = old.configs?.password
    service.id = id
    service.version = (old.version ?? 1) + 1
    this.services[index] = service
    return { status: 200, body: masked(service) }
  }

  #deleteService(name) {
    if (!this.#service(name)) return notFound()
    this.services = this.services.filter((s) => s.name !== name)
    this.policies = this.policies.filter((p) => p.service !== name)
    return { status: 204 }
  }

  #listPolicies(service) {
    if (!this.#service(service)) return notFound()
    return { status: 200, body: this.policies.filter((p) => p.service === service).map(nonEmpty) }
  }

  #getPolicy(service, name) {
    const policy = this.policies.find((p) => p.service === service && p.name === name)
    return policy ? { status: 200, body: nonEmpty(policy) } : notFound()
  }

  /** Ranger's validation of a policy to create or update (`RangerPolicyValidator`). */
  #checkPolicy(policy, id) {
    const service = policy?.service ?? ''
    if (!this.#service(service)) return validation(3017, `Invalid service name: name=[${service}]`, 'service')
    for (const other of this.policies.filter((p) => p.service === service && p.id !== id)) {
      if (other.name === policy.name) {
        return validation(3006, `Another policy already exists for this name: policy-name=[${policy.name}], service=[${service}]`, 'name')
      }
      if (signature(other) === signature(policy)) {
        return validation(3010, `Another policy already exists for matching resource: policy-name=[${other.name}], service=[${service}]`, 'resources')
      }
    }
    return undefined
  }

  #bump(service) {
    const s = this.#service(service)
    if (s) s.policyVersion = (s.policyVersion ?? 0) + 1
  }

  #createPolicy(body) {
    const refused = this.#checkPolicy(body, undefined)
    if (refused) return refused
    const id = this.#id()
    const policy = {
      isEnabled: true, isAuditEnabled: true, policyType: 0, policyPriority: 0, isDenyAllElse: false,
      ...body, id, guid: `guid-${id}`, version: 1, serviceType: 'trino', createTime: CREATED,
    }
    for (const key of ['isEnabled', 'isAuditEnabled', 'policyType', 'policyPriority', 'isDenyAllElse']) {
      policy[key] ??= { isEnabled: true, isAuditEnabled: true, policyType: 0, policyPriority: 0, isDenyAllElse: false }[key]
    }
    this.policies.push(policy)
    this.#bump(policy.service)
    return { status: 200, body: nonEmpty(policy) }
  }

  #updatePolicy(id, body) {
    if (body?.id != null && body.id !== id) return failure(400, 'policyID mismatch')
    const index = this.policies.findIndex((p) => p.id === id)
    if (index < 0) return notFound()
    const refused = this.#checkPolicy(body, id)
    if (refused) return refused
    const policy = { ...structuredClone(body), id, version: (this.policies[index].version ?? 1) + 1 }
    this.policies[index] = policy
    this.#bump(policy.service)
    return { status: 200, body: nonEmpty(policy) }
  }

  #deletePolicy(service, name) {
    if (!service || !name) return failure(400, 'servicename and policyname are required')
    const before = this.policies.length
    this.policies = this.policies.filter((p) => !(p.service === service && p.name === name))
    if (this.policies.length === before) return notFound()
    this.#bump(service)
    return { status: 204 }
  }

  #download(name, query, user) {
    const service = this.#service(name)
    if (!service) return failure(404, `Service:${name} not found`)
    const allowed = (service.configs?.['policy.download.auth.users'] ?? '').split(',')
    if (user !== ADMIN.username && !allowed.includes(user)) {
      return failure(403, `User[${user}] is not allowed to download policies of service[${name}]`)
    }
    const version = service.policyVersion ?? 0
    if (Number(query.get('lastKnownVersion')) === version) return { status: 304 }
    const serviceConfig = Object.fromEntries(Object.entries(service.configs ?? {}).filter(([k]) => k.startsWith('ranger.plugin.')))
    return {
      status: 200,
      body: nonEmpty({
        serviceName: name,
        serviceId: service.id,
        policyVersion: version,
        policyUpdateTime: CREATED,
        policies: this.policies.filter((p) => p.service === name && p.isEnabled !== false),
        auditMode: 'audit-default',
        serviceDef: { id: 203, name: 'trino' },
        serviceConfig,
      }),
    }
  }
}
