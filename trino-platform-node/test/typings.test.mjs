// The typings as a user's editor shows them: every declaration of native.d.ts (generated from
// the Rust doc comments) and of the hand-written index.d.ts carries a doc comment, and the
// `ErrorCode` union is exactly the set of kinds the binding rejects with. (tsc checks that the
// typings compile and fit the API: `npm run typecheck`, over test/types.*.)
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'

import native from '../index.js'

const read = (file) => readFileSync(fileURLToPath(new URL(`../${file}`, import.meta.url)), 'utf8')

/**
 * The declarations of a .d.ts without a doc comment (`/** … *\/` on the lines just before):
 * exported declarations at the top level, and the members of classes and interfaces. An
 * interface in a `declare module` block adds members to a class declared (and documented) in
 * that module, so only its members are checked.
 */
function undocumented(text) {
  const lines = text.split('\n')
  const missing = []
  let declared = 0
  // What each open brace belongs to: 'module' (a `declare module` block), 'type' (a class or
  // interface body, whose lines are members) or 'other' (an object type inside a member).
  const stack = []
  for (const [i, line] of lines.entries()) {
    const t = line.trim()
    const inside = stack.at(-1)
    const isDeclaration =
      (inside === undefined && /^(export |interface |class |declare (class|function|const) )/.test(t) && !t.startsWith('export *')) ||
      (inside === 'type' && /^(static |readonly |get |set )*(\[Symbol\.\w+\]|[A-Za-z_$][\w$]*)\??\s*[(:<]/.test(t))
    if (isDeclaration) {
      declared++
      let j = i - 1
      while (j >= 0 && lines[j].trim() === '') j--
      if (!lines[j]?.trim().endsWith('*/')) missing.push(`line ${i + 1}: ${t}`)
    }
    for (const ch of t.replace(/'[^']*'|"[^"]*"|`[^`]*`/g, '')) {
      if (ch === '{') {
        if (/^declare module /.test(t)) stack.push('module')
        else if (/\b(class|interface)\s+\w+/.test(t) && inside !== 'type') stack.push('type')
        else stack.push('other')
      } else if (ch === '}') {
        stack.pop()
      }
    }
  }
  return { declared, missing }
}

for (const file of ['native.d.ts', 'index.d.ts']) {
  test(`every declaration of ${file} has a doc comment`, () => {
    const { declared, missing } = undocumented(read(file))
    assert.ok(declared >= (file === 'native.d.ts' ? 500 : 2), `only ${declared} declarations found: the scan is broken`)
    assert.deepStrictEqual(missing, [])
  })
}

test('the scan finds a missing doc comment', () => {
  const { declared, missing } = undocumented('/** A. */\nexport interface A {\n  /** x */\n  x: number\n  y: string\n}\nexport declare function f(): void\n')
  assert.equal(declared, 4)
  assert.deepStrictEqual(missing, ['line 5: y: string', 'line 7: export declare function f(): void'])
})

test('ErrorCode is a string-literal union of the ten kinds, and TrinoPlatformError.code is one', () => {
  const dts = read('native.d.ts')
  const union = dts.match(/^export type ErrorCode = (.*)$/m)?.[1]
  assert.ok(union, 'no ErrorCode union')
  const codes = [...union.matchAll(/'(\w+)'/g)].map((m) => m[1])
  assert.deepStrictEqual(codes, ['InvalidInput', 'NotFound', 'AlreadyExists', 'Conflict', 'Unauthorized', 'Forbidden', 'Unavailable', 'Timeout', 'Backend', 'Internal'])
  // napi also puts the string enum on the module at run time, with the same values.
  assert.deepStrictEqual(Object.values(native.ErrorCode), codes)
  assert.match(dts, /export interface TrinoPlatformError extends Error \{[^}]*code: ErrorCode/s)
})

test('the suite asserts every error code and uses every exported value', () => {
  const dir = fileURLToPath(new URL('.', import.meta.url))
  const suites = readdirSync(dir).filter((f) => f.endsWith('.test.mjs') || f.endsWith('.mjs'))
  const text = [...suites.map((f) => readFileSync(join(dir, f), 'utf8')), ...readdirSync(join(dir, 'support')).map((f) => readFileSync(join(dir, 'support', f), 'utf8'))].join('\n')
  // An expected code appears as the code argument of rejectsCode / throwsCode / rejection, or
  // as a shared case's `error` (the YAML files, which these runners read, hold the rest).
  const asserted = new Set([...text.matchAll(/(?:rejectsCode|throwsCode|rejection)\([^;]*?,\s*'(\w+)'/gs)].map((m) => m[1]))
  const cases = readdirSync(fileURLToPath(new URL('../../tests/cases/', import.meta.url)))
    .map((f) => readFileSync(fileURLToPath(new URL(`../../tests/cases/${f}`, import.meta.url)), 'utf8'))
    .join('\n')
  for (const m of cases.matchAll(/\berror: (\w+)/g)) asserted.add(m[1])
  // Internal is a bug in trino-platform: no test can provoke it on purpose.
  const codes = Object.values(native.ErrorCode).filter((code) => code !== 'Internal')
  assert.deepStrictEqual(codes.filter((code) => !asserted.has(code)), [])
  // The classes and functions the typings declare (napi also puts each string enum on the
  // module, as a plain object the typings declare as a type only).
  const values = [...read('native.d.ts').matchAll(/^export declare (?:class|function) (\w+)/gm)].map((m) => m[1])
  assert.ok(values.length >= 15 && values.every((name) => name in native), values.join())
  const unused = values.filter((name) => !new RegExp(`\\b${name}\\b`).test(text))
  assert.deepStrictEqual(unused, [], 'exported but used by no test')
})
