// Derivation from INFO texts in Redis 7.0's field names: job and config transitions, eviction
// bursts, gaps without rates, and keys per db.

import { describe, expect, it } from 'vitest'
import { METRICS, type MetricName } from '../../api/contract.js'
import { Deriver, parseInfo } from './derive.js'

const col = (m: MetricName) => METRICS.findIndex((x) => x.name === m)

function info(f: Record<string, string | number> = {}): string {
  const base: Record<string, string | number> = {
    redis_version: '7.0.15',
    run_id: 'run1',
    uptime_in_seconds: 100,
    used_memory: 1000,
    maxmemory: 0,
    maxmemory_policy: 'noeviction',
    total_commands_processed: 0,
    evicted_keys: 0,
    expired_keys: 0,
    keyspace_hits: 0,
    keyspace_misses: 0,
    total_net_input_bytes: 0,
    total_net_output_bytes: 0,
    rdb_bgsave_in_progress: 0,
    rdb_last_save_time: 1000,
    rdb_last_bgsave_status: 'ok',
    rdb_last_bgsave_time_sec: -1,
    rdb_saves: 0,
    aof_enabled: 0,
    aof_rewrite_in_progress: 0,
    aof_last_bgrewrite_status: 'ok',
    aof_last_rewrite_time_sec: -1,
    aof_rewrites: 0,
    aof_last_write_status: 'ok',
    ...f,
  }
  return `# Server\r\n${Object.entries(base)
    .map(([k, v]) => `${k}:${v}`)
    .join('\r\n')}\r\n# Keyspace\r\ndb0:keys=5,expires=1,avg_ttl=0\r\ndb3:keys=2,expires=0,avg_ttl=0\r\n`
}

describe('Deriver', () => {
  it('turns job, AOF and config transitions into timeline events', () => {
    const d = new Deriver()
    const kinds = (text: string, ts: number) => d.next(parseInfo(text), ts).events.map((e) => [e.kind, e.detail])
    expect(kinds(info(), 0)).toEqual([])
    expect(kinds(info({ rdb_bgsave_in_progress: 1 }), 1000)).toEqual([['bgsave-start', {}]])
    expect(kinds(info({ rdb_last_save_time: 1003, rdb_last_bgsave_time_sec: 2, rdb_saves: 1 }), 2000)).toEqual([
      ['bgsave-end', { status: 'ok', durationSec: 2 }],
    ])
    // A save that started and ended between two polls, and a failed one.
    expect(kinds(info({ rdb_last_save_time: 1010, rdb_saves: 2, rdb_last_bgsave_time_sec: 0 }), 3000)).toEqual([
      ['save', { status: 'ok', durationSec: 0 }],
    ])
    expect(
      kinds(
        info({ rdb_last_save_time: 1010, rdb_saves: 3, rdb_last_bgsave_status: 'err', rdb_last_bgsave_time_sec: 0 }),
        4000,
      ),
    ).toEqual([['save', { status: 'err', durationSec: 0 }]])
    const base = { rdb_last_save_time: 1010, rdb_saves: 3, rdb_last_bgsave_status: 'err', rdb_last_bgsave_time_sec: 0 }
    expect(kinds(info({ ...base, aof_rewrite_in_progress: 1 }), 5000)).toEqual([['rewrite-start', {}]])
    expect(kinds(info({ ...base, aof_rewrites: 1, aof_last_rewrite_time_sec: 3 }), 6000)).toEqual([
      ['rewrite-end', { status: 'ok', durationSec: 3 }],
    ])
    expect(
      kinds(
        info({
          ...base,
          aof_rewrites: 1,
          aof_last_rewrite_time_sec: 3,
          aof_enabled: 1,
          aof_last_write_status: 'err',
          maxmemory: 1048576,
          maxmemory_policy: 'allkeys-lru',
        }),
        7000,
      ),
    ).toEqual([
      ['aof-write', { status: 'err' }],
      ['config', { param: 'maxmemory', from: '0', to: '1048576' }],
      ['config', { param: 'maxmemory-policy', from: 'noeviction', to: 'allkeys-lru' }],
      ['config', { param: 'appendonly', from: 'no', to: 'yes' }],
    ])
  })

  it('marks eviction bursts, reads keys per db and gives no rates after a gap', () => {
    const d = new Deriver()
    d.next(parseInfo(info()), 0)
    const burst = d.next(parseInfo(info({ evicted_keys: 500, total_commands_processed: 40 })), 2000)
    expect(burst.values[col('evicted')]).toBe(250)
    expect(burst.values[col('ops')]).toBe(20)
    expect(burst.events).toEqual([{ ts: 2000, kind: 'evictions-start', detail: { perSec: 250 } }])
    expect(burst.dbs).toEqual({ 0: { keys: 5, expires: 1 }, 3: { keys: 2, expires: 0 } })
    expect(burst.values[col('keys')]).toBe(7)
    let last = burst
    for (let i = 1; i <= 10; i++)
      last = d.next(parseInfo(info({ evicted_keys: 500, total_commands_processed: 40 })), 2000 + i * 1000)
    expect(last.events).toEqual([{ ts: 12_000, kind: 'evictions-end', detail: { evicted: 500, seconds: 10 } }])
    d.gap()
    const afterGap = d.next(parseInfo(info({ evicted_keys: 900, total_commands_processed: 90 })), 20_000)
    expect(afterGap.values[col('evicted')]).toBeNull()
    expect(afterGap.values[col('ops')]).toBeNull()
    expect(afterGap.values[col('mem_used')]).toBe(1000)
    const next = d.next(parseInfo(info({ evicted_keys: 900, total_commands_processed: 95 })), 21_000)
    expect(next.values[col('ops')]).toBe(5)
    // A restart noticed across the gap.
    d.gap()
    const restarted = d.next(parseInfo(info({ run_id: 'run2', uptime_in_seconds: 1 })), 30_000)
    expect(restarted.events.map((e) => e.kind)).toEqual(['restart'])
  })
})
