// The Electron shell: the only module that imports electron. Creates the locked-down window
// (contextIsolation, sandbox, no nodeIntegration, CSP, no navigation or new windows), hosts the
// engine with utilityProcess, encrypts secrets with safeStorage, and bridges the contract over
// one IPC channel for calls and one for events.

import { app, BrowserWindow, ipcMain, safeStorage, session, shell, utilityProcess } from 'electron'
import { join, resolve, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ENGINE_NODE_FLAGS } from '../engine/src/util/heap.js'
import { CSP } from './api/web-host.js'
import { createConsole, type ConsoleApp } from './services/console.js'
import type { EngineProcess, Launcher } from './services/engine-host.js'
import { tailBuffer } from './services/fork-launcher.js'
import { projectPaths } from './services/paths.js'
import type { Cipher } from './services/secrets.js'
import { fileCipher } from './services/secrets.js'

const here = dirname(fileURLToPath(import.meta.url))
const paths = projectPaths(resolve(here, '..', '..'))

const utilityLauncher: Launcher = (script, args) => {
  const child = utilityProcess.fork(script, args, {
    stdio: 'pipe',
    serviceName: 'Strata engine',
    execArgv: [...ENGINE_NODE_FLAGS],
  })
  const tail = tailBuffer()
  child.stdout?.on('data', (d: Buffer) => tail.push(d.toString()))
  child.stderr?.on('data', (d: Buffer) => tail.push(d.toString()))
  let exitCode: number | null = null
  let exited = false
  const listeners: ((code: number | null, signal: string | null) => void)[] = []
  child.once('exit', (code) => {
    exited = true
    exitCode = code
    for (const l of listeners) l(code, null)
  })
  const proc: EngineProcess = {
    get pid() {
      return child.pid
    },
    // utilityProcess.kill() sends SIGTERM on POSIX: the engine shuts down cleanly.
    terminate: () => void child.kill(),
    kill: () => child.pid !== undefined && process.kill(child.pid, 'SIGKILL'),
    onExit: (l) => (exited ? l(exitCode, null) : listeners.push(l)),
    tail: () => tail.text(),
  }
  return proc
}

function osCipher(dataDir: string): Cipher {
  if (!safeStorage.isEncryptionAvailable()) return fileCipher(dataDir)
  return {
    kind: 'os',
    encrypt: (plain) => safeStorage.encryptString(plain),
    decrypt: (blob) => safeStorage.decryptString(blob),
  }
}

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 800,
    show: false,
    title: 'Strata',
    webPreferences: {
      preload: join(here, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  })
  win.once('ready-to-show', () => win.show())
  // Nothing navigates away from the bundled page; links open in the system browser.
  win.webContents.on('will-navigate', (e) => e.preventDefault())
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (/^https:\/\//.test(url)) void shell.openExternal(url)
    return { action: 'deny' }
  })
  void win.loadFile(join(here, '../renderer/index.html'))
  return win
}

async function boot(): Promise<void> {
  await app.whenReady()
  session.defaultSession.webRequest.onHeadersReceived((details, cb) =>
    cb({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } }),
  )
  session.defaultSession.setPermissionRequestHandler((_wc, _perm, cb) => cb(false))
  const console_: ConsoleApp = createConsole({
    dataDir: app.getPath('userData'),
    transport: 'ipc',
    version: app.getVersion(),
    serverScript: paths.serverScript,
    launcher: utilityLauncher,
    cipher: osCipher,
    rdbWorker: paths.rdbWorker,
  })
  ipcMain.handle('strata:call', (_e, method: unknown, args: unknown) => console_.dispatch(method, args))
  console_.hub.subscribe((event, payload) => {
    for (const w of BrowserWindow.getAllWindows()) w.webContents.send('strata:event', event, payload)
  })
  createWindow()
  console_
    .start()
    .catch((e: unknown) =>
      console_.hub.emit('notice', { level: 'error', title: 'Strata', message: (e as Error).message }),
    )
  app.on('activate', () => BrowserWindow.getAllWindows().length === 0 && createWindow())
  let quitting = false
  app.on('before-quit', (e) => {
    if (quitting) return
    e.preventDefault()
    quitting = true
    console_.stop().finally(() => app.quit())
  })
  app.on('window-all-closed', () => app.quit())
}

void boot()
