/**
 * A user's server URL as a base for API paths: http or https only, trailing slashes of the path
 * trimmed (a base path such as `/jellyfin` is kept), null when it is not such a URL. Used by
 * plexMetadataUrl (plex-server.ts) and mediaServerItemUrl (media-server.ts).
 */
export function httpServerBase(serverUrl: string): { origin: string; path: string } | null {
  let base: URL;
  try {
    base = new URL(serverUrl);
  } catch {
    return null;
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') return null;
  return { origin: base.origin, path: base.pathname.replace(/\/+$/, '') };
}
