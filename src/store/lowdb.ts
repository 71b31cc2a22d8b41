/**
 * The one place dagbook imports lowdb (an ES module, loaded through Node's
 * `require()` of ES modules, Node >= 20.19). Everything else in the store goes
 * through this wrapper, so swapping or upgrading lowdb touches one file.
 */
import { Low } from 'lowdb';
import type { Adapter } from 'lowdb';

export { Low };
export type { Adapter };
