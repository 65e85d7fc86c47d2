/**
 * Where end-to-end tests save screenshots for a person to review (phone layout, names in many scripts).
 * Not compared automatically: the assertions are in the tests; the pictures show what they checked.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** `$SHOUWANG_SCREENSHOT_DIR/<name>.png`, default `.tap/screenshots/` (ignored by git). */
export function screenshotPath(name: string): string {
  const dir = process.env.SHOUWANG_SCREENSHOT_DIR ?? path.join(repoRoot, '.tap', 'screenshots');
  fs.mkdirSync(dir, { recursive: true });
  return path.join(dir, `${name}.png`);
}
