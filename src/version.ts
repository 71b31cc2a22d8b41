/** dagbook's version, from package.json. */
export const VERSION: string = (require('../package.json') as { version: string }).version;

/** Versions of dagbook and the runtime, as shown by the welcome notebook. */
export function versions(): Record<string, string> {
  return {
    dagbook: VERSION,
    node: process.versions.node,
    v8: process.versions.v8,
  };
}
