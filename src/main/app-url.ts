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

/**
 * The app's own links to the web, the only URLs main hands to the system browser (none today: the
 * app shows no web links). A page cannot add one: a compromised renderer asking for any other
 * URL, https or not, gets nothing opened.
 */
export const EXTERNAL_LINKS: readonly string[] = []

/** True when `url` is exactly one of EXTERNAL_LINKS. */
export function isExternalLink(url: string, links: readonly string[] = EXTERNAL_LINKS): boolean {
  return links.includes(url)
}
