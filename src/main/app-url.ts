/** Which URLs are the app's own renderer. No Electron import here. */

/**
 * True when `url` is served by the same scheme and host (and port) as `appUrl`. Compared by parts,
 * not by `URL.origin`, which is the string 'null' for every custom scheme such as app://.
 */
export function isAppUrl(url: string, appUrl: string): boolean {
  try {
    const u = new URL(url)
    const a = new URL(appUrl)
    return u.protocol === a.protocol && u.host === a.host && a.host !== ''
  } catch {
    return false
  }
}
