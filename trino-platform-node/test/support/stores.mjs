// Fresh stores for the tests: an SQLite file in a temporary directory, or a new database on the
// harness's PostgreSQL (TP_TEST_POSTGRES_URL, from `scripts/services start`).
//
// A PostgreSQL suite fails when TP_TEST_POSTGRES_URL is missing; it is skipped (and says so)
// only when TP_SKIP_SERVICES names `postgres`.
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** Temporary directories for SQLite files, removed by `cleanup()`. */
export function sqliteFiles() {
  const dir = mkdtempSync(join(tmpdir(), 'tp-node-'))
  let next = 0
  return {
    /** A URL of an SQLite file no other test uses (in a directory the store must create). */
    freshUrl: () => `sqlite://${join(dir, `store-${next++}`, 'gateway.db')}`,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  }
}

/**
 * How the PostgreSQL tests run: `{ skip }` (a reason, already printed) when TP_SKIP_SERVICES
 * names postgres, else `{ server }`, whose `connect()` throws a message saying how to start
 * the services when TP_TEST_POSTGRES_URL is missing (so the suite fails, not passes).
 */
export function postgres() {
  const adminUrl = process.env.TP_TEST_POSTGRES_URL
  const skipped = process.env.TP_SKIP_SERVICES ?? ''
  if (!adminUrl && skipped.split(',').some((s) => s.trim() === 'postgres')) {
    const skip = `TP_SKIP_SERVICES=${skipped} names postgres`
    console.log(`SKIPPED: postgres tests (${skip})`)
    return { skip }
  }
  return {
    server: {
      /** Checks the server is there; returns a factory of fresh databases. */
      connect() {
        if (!adminUrl) {
          throw new Error(
            'TP_TEST_POSTGRES_URL is not set: run `scripts/services start` and ' +
              '`source /tmp/trino-platform-services/env.sh`, or set TP_SKIP_SERVICES=postgres to skip',
          )
        }
        return databases(adminUrl)
      },
    },
  }
}

/** Creates databases `tp_node_<random>_<n>` on the server, each a fresh store; drops them all. */
function databases(adminUrl) {
  const prefix = `tp_node_${randomBytes(4).toString('hex')}`
  const created = []
  const psql = (sql) => {
    const run = spawnSync('psql', [adminUrl, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', sql], { encoding: 'utf8' })
    if (run.error) throw new Error(`cannot run psql (the PostgreSQL client): ${run.error.message}`)
    if (run.status !== 0) throw new Error(`psql -c ${JSON.stringify(sql)} failed: ${run.stderr.trim()}`)
  }
  return {
    /** The URL of a new, empty database. */
    freshUrl() {
      const name = `${prefix}_${created.length}`
      psql(`CREATE DATABASE ${name}`)
      created.push(name)
      const url = new URL(adminUrl)
      url.pathname = `/${name}`
      return url.toString()
    },
    /** Drops every database this factory created (closing what still holds them). */
    dropAll() {
      for (const name of created.splice(0)) psql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    },
  }
}
