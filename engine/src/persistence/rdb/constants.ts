// RDB format constants (rdb.h): the version we write, value type ids, opcodes and special string
// encodings, shared by the writer, the reader, DUMP/RESTORE and strata-check-rdb.

/** RDB version Redis 7.0 writes and the highest it reads. */
export const RDB_VERSION = 10
/** Highest version our reader accepts: 7.2's (11) and 7.4's (12) extra types are read too. */
export const RDB_MAX_READ_VERSION = 12

export const RDB_TYPE_STRING = 0
export const RDB_TYPE_LIST = 1
export const RDB_TYPE_SET = 2
export const RDB_TYPE_ZSET = 3
export const RDB_TYPE_HASH = 4
export const RDB_TYPE_ZSET_2 = 5
export const RDB_TYPE_MODULE = 6
export const RDB_TYPE_MODULE_2 = 7
export const RDB_TYPE_HASH_ZIPMAP = 9
export const RDB_TYPE_LIST_ZIPLIST = 10
export const RDB_TYPE_SET_INTSET = 11
export const RDB_TYPE_ZSET_ZIPLIST = 12
export const RDB_TYPE_HASH_ZIPLIST = 13
export const RDB_TYPE_LIST_QUICKLIST = 14
export const RDB_TYPE_STREAM_LISTPACKS = 15
export const RDB_TYPE_HASH_LISTPACK = 16
export const RDB_TYPE_ZSET_LISTPACK = 17
export const RDB_TYPE_LIST_QUICKLIST_2 = 18
export const RDB_TYPE_STREAM_LISTPACKS_2 = 19
export const RDB_TYPE_SET_LISTPACK = 20
export const RDB_TYPE_STREAM_LISTPACKS_3 = 21

/** Human names for messages and the check tool's summary. */
export const RDB_TYPE_NAMES: Record<number, string> = {
  0: 'string',
  1: 'list',
  2: 'set',
  3: 'zset (old)',
  4: 'hash',
  5: 'zset',
  6: 'module (pre-GA)',
  7: 'module',
  9: 'hash zipmap',
  10: 'list ziplist',
  11: 'set intset',
  12: 'zset ziplist',
  13: 'hash ziplist',
  14: 'list quicklist',
  15: 'stream',
  16: 'hash listpack',
  17: 'zset listpack',
  18: 'list quicklist',
  19: 'stream',
  20: 'set listpack',
  21: 'stream',
  22: 'hash with field TTLs',
  23: 'hash with field TTLs',
  24: 'hash with field TTLs',
  25: 'hash listpack with field TTLs',
}

/** The logical type of every value type Strata reads. */
export const RDB_VALUE_TYPES: Record<number, 'string' | 'list' | 'set' | 'zset' | 'hash'> = {
  0: 'string',
  1: 'list',
  2: 'set',
  3: 'zset',
  4: 'hash',
  5: 'zset',
  9: 'hash',
  10: 'list',
  11: 'set',
  12: 'zset',
  13: 'hash',
  14: 'list',
  16: 'hash',
  17: 'zset',
  18: 'list',
  20: 'set',
}

/** Why a value of type t cannot be read (a type Redis writes that Strata cannot hold, or garbage). */
export function unsupportedType(t: number): string {
  const name = RDB_TYPE_NAMES[t]
  return name
    ? `unsupported value type ${t} (${name}): Strata cannot load it`
    : `unknown value type ${t} (0x${t.toString(16)})`
}

export const RDB_OPCODE_FUNCTION2 = 0xf5
export const RDB_OPCODE_FUNCTION_PRE_GA = 0xf6
export const RDB_OPCODE_MODULE_AUX = 0xf7
export const RDB_OPCODE_IDLE = 0xf8
export const RDB_OPCODE_FREQ = 0xf9
export const RDB_OPCODE_AUX = 0xfa
export const RDB_OPCODE_RESIZEDB = 0xfb
export const RDB_OPCODE_EXPIRETIME_MS = 0xfc
export const RDB_OPCODE_EXPIRETIME = 0xfd
export const RDB_OPCODE_SELECTDB = 0xfe
export const RDB_OPCODE_EOF = 0xff
export const RDB_OPCODE_SLOT_INFO = 0xf4

/** Length-encoding prefixes. */
export const RDB_6BITLEN = 0
export const RDB_14BITLEN = 1
export const RDB_32BITLEN = 0x80
export const RDB_64BITLEN = 0x81
export const RDB_ENCVAL = 3

/** Special string encodings (after the 0xC0 prefix). */
export const RDB_ENC_INT8 = 0
export const RDB_ENC_INT16 = 1
export const RDB_ENC_INT32 = 2
export const RDB_ENC_LZF = 3

/** Quicklist 2 node containers. */
export const QUICKLIST_NODE_CONTAINER_PLAIN = 1
export const QUICKLIST_NODE_CONTAINER_PACKED = 2
