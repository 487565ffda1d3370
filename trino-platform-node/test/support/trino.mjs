// The harness's two real Trino servers (TP_TEST_TRINO_URL, TP_TEST_TRINO_URL_2, from
// `scripts/services start`), and what the gateway tests ask them directly.
//
// A Trino suite fails when the URLs are missing; it is skipped (and says so) only when
// TP_SKIP_SERVICES names `trino`.

/**
 * How the Trino tests run: `{ skip }` (a reason, already printed) when TP_SKIP_SERVICES names
 * trino, else `{ servers }`, whose `connect()` throws a message saying how to start the
 * services when a URL is missing (so the suite fails, not passes), and otherwise returns the
 * two servers as `[{ name: 'trino-1', url }, { name: 'trino-2', url }]`.
 */
export function trino() {
  const urls = [process.env.TP_TEST_TRINO_URL, process.env.TP_TEST_TRINO_URL_2]
  const skipped = process.env.TP_SKIP_SERVICES ?? ''
  if (urls.some((url) => !url) && skipped.split(',').some((s) => s.trim() === 'trino')) {
    const skip = `TP_SKIP_SERVICES=${skipped} names trino`
    console.log(`SKIPPED: Trino gateway tests (${skip})`)
    return { skip }
  }
  return {
    servers: {
      connect() {
        if (urls.some((url) => !url)) {
          throw new Error(
            'TP_TEST_TRINO_URL and TP_TEST_TRINO_URL_2 must be set: run `scripts/services start` and ' +
              '`source /tmp/trino-platform-services/env.sh`, or set TP_SKIP_SERVICES=trino to skip',
          )
        }
        return urls.map((url, i) => ({ name: `trino-${i + 1}`, url: url.replace(/\/+$/, '') }))
      },
    },
  }
}

/**
 * Trino's own record of query `id` on `server` (`GET /v1/query/{id}`, asked directly, not
 * through the gateway), or `undefined` when that server never ran it (Trino answers 410).
 */
export async function queryInfo(server, id, user = 'test') {
  const response = await fetch(`${server.url}/v1/query/${id}`, { headers: { 'X-Trino-User': user } })
  if (response.status === 410 || response.status === 404) return undefined
  if (!response.ok) throw new Error(`GET ${server.url}/v1/query/${id}: ${response.status} ${await response.text()}`)
  return response.json()
}

/** Every query `server` knows of (`GET /v1/query`, asked directly): `[{queryId, query, state, …}]`. */
export async function listQueries(server, user = 'test') {
  const response = await fetch(`${server.url}/v1/query`, { headers: { 'X-Trino-User': user } })
  if (!response.ok) throw new Error(`GET ${server.url}/v1/query: ${response.status} ${await response.text()}`)
  return response.json()
}

/** The name of the one server in `servers` that ran query `id`; fails unless exactly one did. */
export async function owner(servers, id) {
  const infos = await Promise.all(servers.map((server) => queryInfo(server, id)))
  const owners = servers.filter((_, i) => infos[i] !== undefined).map((server) => server.name)
  if (owners.length !== 1) throw new Error(`query ${id} ran on ${owners.length} servers: ${owners.join(', ') || 'none'}`)
  return owners[0]
}
