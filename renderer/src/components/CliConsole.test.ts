import { afterEach, describe, expect, it } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import { setApi } from '../api/client'
import { fakeApi } from '../api/fake'
import CliConsole from './CliConsole.vue'
import { mountWithProviders } from './test-mount'

afterEach(() => {
  document.body.innerHTML = ''
  localStorage.clear()
})

describe('CliConsole', () => {
  it('runs commands, renders replies redis-cli style and recalls history', async () => {
    const fake = fakeApi({
      'cli.exec': (a) =>
        a.line.startsWith('HGETALL')
          ? {
              reply: {
                t: 'arr',
                v: [
                  { t: 'str', v: 'f' },
                  { t: 'str', v: 'v' },
                ],
              },
              db: 0,
              ms: 1,
            }
          : { reply: { t: 'int', v: 1 }, db: 0, ms: 1 },
    })
    setApi(fake.api)
    const w = mountWithProviders(CliConsole, { conn: 'c1' })
    const input = w.find('[data-testid="cli-input"] input')
    await input.setValue('HSET h f v')
    await input.trigger('keydown', { key: 'Enter' })
    await flushPromises()
    await input.setValue('HGETALL h')
    await input.trigger('keydown', { key: 'Enter' })
    await flushPromises()
    const out = w.find('[data-testid="cli-output"]').text()
    expect(out).toContain('> HSET h f v')
    expect(out).toContain('(integer) 1')
    expect(out).toContain('1) "f"\n2) "v"')
    await input.trigger('keydown', { key: 'ArrowUp' })
    expect((input.element as HTMLInputElement).value).toBe('HGETALL h')
    await input.trigger('keydown', { key: 'ArrowUp' })
    expect((input.element as HTMLInputElement).value).toBe('HSET h f v')
    expect(JSON.parse(localStorage.getItem('strata.cli.c1')!)).toEqual(['HSET h f v', 'HGETALL h'])
  })

  it('asks before a dangerous command and runs nothing when cancelled', async () => {
    const fake = fakeApi({
      'cli.exec': (a) =>
        a.confirmed
          ? { reply: { t: 'str', v: 'OK' }, db: 0, ms: 1 }
          : { confirm: 'FLUSHALL deletes every key', db: 0, ms: 0 },
    })
    setApi(fake.api)
    const w = mountWithProviders(CliConsole, { conn: 'c2' })
    const input = w.find('[data-testid="cli-input"] input')
    await input.setValue('FLUSHALL')
    await input.trigger('keydown', { key: 'Enter' })
    await flushPromises()
    const dialog = document.querySelector('.n-dialog')!
    expect(dialog.textContent).toContain('FLUSHALL deletes every key')
    const cancel = [...dialog.querySelectorAll('button')].find((b) => b.textContent?.includes('Cancel'))!
    cancel.click()
    await flushPromises()
    expect(w.find('[data-testid="cli-output"]').text()).toContain('(cancelled)')
    expect(fake.calls.filter((c) => (c.args as { confirmed?: boolean }).confirmed)).toEqual([])
  })
})
