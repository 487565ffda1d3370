// The package's CommonJS entry point (`require('trino-platform')`; index.mjs is the ES module
// one): the native binding as napi generates it (native.js, typings native.d.ts, both from
// src/*.rs), plus what only JavaScript can express, declared in index.d.ts: async iterators
// over listings that can be long (they add no behaviour: each yields what the Promise method
// it names resolves with, and rejects as it does, with the same coded `Error`), and how
// `util.inspect` shows a `Secret` (`[Secret: ***]`, never its value).
'use strict'

const native = require('./native.js')

/** Adds `method` to `cls.prototype` as a class method is: writable, configurable, not enumerable. */
function define(cls, name, method) {
  Object.defineProperty(cls.prototype, name, { value: method, writable: true, configurable: true, enumerable: false })
}

define(native.ClusterStore, 'clusters', async function* clusters(filter) {
  // One `list` call: the core's store lists in one query (it has no pages yet).
  for (const cluster of await this.list(filter)) yield cluster
})

define(native.RangerAdmin, 'policies', async function* policies(service) {
  // One `listPolicies` call: the core's client fetches the list in one request.
  for (const policy of await this.listPolicies(service)) yield policy
})

// `console.log` and `util.inspect` show a Secret (alone or inside a result) without its value.
define(native.Secret, Symbol.for('nodejs.util.inspect.custom'), function inspect() {
  return '[Secret: ***]'
})

// The same (cached) module object, re-exported in the one shape Node's CommonJS named-export
// detection (cjs-module-lexer) follows, so that `import { ClusterStore } from …` works.
module.exports = require('./native.js')
