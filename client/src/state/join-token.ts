/**
 * A join token from an invite link (`/r/<room>?token=...`, made by the operator's API). It is taken
 * from the address bar at once (so copying the URL does not hand it on, and it does not stay in the
 * history) and kept for this tab in sessionStorage, so a reload still joins with it.
 */
const KEY_PREFIX = 'shouwang.joinToken.';

export function takeJoinToken(roomId: string): string | null {
  const url = new URL(location.href);
  const fromLink = url.searchParams.get('token');
  if (fromLink) {
    url.searchParams.delete('token');
    history.replaceState(history.state, '', `${url.pathname}${url.search}${url.hash}`);
    try {
      sessionStorage.setItem(KEY_PREFIX + roomId, fromLink);
    } catch {
      // No storage: the token still works for this page.
    }
    return fromLink;
  }
  try {
    return sessionStorage.getItem(KEY_PREFIX + roomId);
  } catch {
    return null;
  }
}

/**
 * The display name the token carries, to prefill the name field (the server uses the token's name
 * anyway). Read without verifying: only the server can, and it does.
 */
export function nameInToken(token: string): string | null {
  try {
    const payload = token.split('.')[1] ?? '';
    const json = new TextDecoder().decode(Uint8Array.from(atob(payload.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0)));
    const name = (JSON.parse(json) as { name?: unknown }).name;
    return typeof name === 'string' && name.trim() !== '' ? name : null;
  } catch {
    return null;
  }
}
