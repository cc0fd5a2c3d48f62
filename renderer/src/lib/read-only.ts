// The key browser tells its value viewers that the connection is a read-only RDB inspection, so
// they hide their write controls (main refuses those writes in any case).

import type { ComputedRef, InjectionKey } from 'vue'

export const READ_ONLY: InjectionKey<ComputedRef<boolean>> = Symbol('strata.readOnly')
