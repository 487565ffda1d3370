// Typings of the ES module entry point (index.mjs): those of the CommonJS entry (index.d.ts).
import * as native from './index.js'

export * from './index.js'
export default native
