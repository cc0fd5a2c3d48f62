// electron-vite build of the console: main (Electron shell + the plain-Node web host entry, sharing
// the services), the sandboxed preload (CommonJS), and the Vue renderer from the top-level folders.

import { resolve } from 'node:path'
import { defineConfig } from 'electron-vite'
import vue from '@vitejs/plugin-vue'

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      rolldownOptions: { input: { index: resolve('main/index.ts'), web: resolve('main/web.ts') } },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      // A sandboxed preload can require only electron: bundle the contract's zod in.
      externalizeDeps: { exclude: ['zod'] },
      rolldownOptions: {
        input: { index: resolve('preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: 'renderer',
    base: './',
    build: {
      outDir: 'out/renderer',
      rolldownOptions: { input: { index: resolve('renderer/index.html') } },
    },
    resolve: { alias: { '@renderer': resolve('renderer/src') } },
    plugins: [vue()],
  },
})
