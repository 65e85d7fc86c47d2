/** Message ids: 16 random bytes in base64url (22 characters), unique without coordination. */

export function newChatId(): string {
  // getRandomValues works on plain-http pages too, unlike crypto.randomUUID.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
