// The harness's real Keycloak (TP_TEST_KEYCLOAK_URL, TP_TEST_KEYCLOAK_ADMIN_USER,
// TP_TEST_KEYCLOAK_ADMIN_PASSWORD, from `scripts/services start`), and what the Keycloak tests
// ask it directly (its OpenID Connect token endpoint, with fetch), without going through the
// binding under test.
//
// The Keycloak suite fails when the variables are missing; it is skipped (and says so) only
// when TP_SKIP_SERVICES names `keycloak`.
import { randomBytes } from 'node:crypto'

/**
 * How the Keycloak tests run: `{ skip }` (a reason, already printed) when TP_SKIP_SERVICES
 * names keycloak, else `{ server }`, whose `connect()` throws a message saying how to start the
 * services when a variable is missing (so the suite fails, not passes), and otherwise returns
 * `{ url, username, password }` (the admin account of the master realm).
 */
export function keycloak() {
  const url = process.env.TP_TEST_KEYCLOAK_URL
  const username = process.env.TP_TEST_KEYCLOAK_ADMIN_USER
  const password = process.env.TP_TEST_KEYCLOAK_ADMIN_PASSWORD
  const skipped = process.env.TP_SKIP_SERVICES ?? ''
  if ((!url || !username || !password) && skipped.split(',').some((s) => s.trim() === 'keycloak')) {
    const skip = `TP_SKIP_SERVICES=${skipped} names keycloak`
    console.log(`SKIPPED: Keycloak tests (${skip})`)
    return { skip }
  }
  return {
    server: {
      connect() {
        if (!url || !username || !password) {
          throw new Error(
            'TP_TEST_KEYCLOAK_URL, TP_TEST_KEYCLOAK_ADMIN_USER and TP_TEST_KEYCLOAK_ADMIN_PASSWORD must be set: run ' +
              '`scripts/services start` and `source /tmp/trino-platform-services/env.sh`, or set TP_SKIP_SERVICES=keycloak to skip',
          )
        }
        return { url: url.replace(/\/+$/, ''), username, password }
      },
    },
  }
}

/** A realm name no other test, run or process uses. */
export const uniqueRealm = () => `tp-node-${randomBytes(6).toString('hex')}`

/**
 * Posts `form` to the realm's token endpoint (`/realms/{realm}/protocol/openid-connect/token`),
 * as an OAuth client would: resolves with `{ status, body }` (the parsed JSON).
 */
export async function tokenRequest(url, realm, form) {
  const response = await fetch(`${url}/realms/${realm}/protocol/openid-connect/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
  })
  const text = await response.text()
  return { status: response.status, body: text ? JSON.parse(text) : null }
}

/** The client-credentials grant of `clientId` with `secret`. */
export const clientCredentials = (url, realm, clientId, secret) =>
  tokenRequest(url, realm, { grant_type: 'client_credentials', client_id: clientId, client_secret: secret })
