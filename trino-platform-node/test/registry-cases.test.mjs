// The shared registry behaviour cases (tests/cases/registry.yaml), each on a fresh SQLite file
// and on a fresh PostgreSQL database: the same file the Rust and Python suites run.
import { after, describe, test } from 'node:test'

import { loadCases, runCase } from './support/cases.mjs'
import { postgres, sqliteFiles } from './support/stores.mjs'

const cases = loadCases('registry.yaml')

describe('registry cases on SQLite', () => {
  const files = sqliteFiles()
  after(() => files.cleanup())
  for (const testCase of cases) {
    test(testCase.name, () => runCase(files.freshUrl(), testCase))
  }
})

const pg = postgres()
describe('registry cases on PostgreSQL', { skip: pg.skip }, () => {
  let databases
  const freshUrl = () => (databases ??= pg.server.connect()).freshUrl()
  after(() => databases?.dropAll())
  for (const testCase of cases) {
    test(testCase.name, () => runCase(freshUrl(), testCase))
  }
})
