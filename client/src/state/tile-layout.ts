/**
 * Which tiles go where, as pure functions (unit-tested in Node): how many tiles fit on a grid page,
 * and which participants get the first page ("last N": the most recent speakers) in a room larger
 * than the grid. Plain TypeScript, no runes, no DOM.
 */

/** Never more than this many tiles at once: beyond 16, tiles are too small to see anyone. */
export const MAX_TILES_PER_PAGE = 16;

/** Smallest tile worth showing, in CSS pixels (16:9). Phones get smaller tiles than desktops. */
const MIN_TILE = { width: 240, height: 135 };
const MIN_TILE_NARROW = { width: 150, height: 110 };
const NARROW_WIDTH = 640;

/** How many tiles fit in an area of `width` x `height` CSS pixels (at least 1, at most 16). */
export function tilesPerPage(width: number, height: number): number {
  if (!(width > 0) || !(height > 0)) return MAX_TILES_PER_PAGE;
  const min = width < NARROW_WIDTH ? MIN_TILE_NARROW : MIN_TILE;
  const columns = Math.max(1, Math.min(4, Math.floor(width / min.width)));
  const rows = Math.max(1, Math.min(4, Math.floor(height / min.height)));
  return Math.max(1, Math.min(MAX_TILES_PER_PAGE, columns * rows));
}

/** Columns and rows for `count` tiles: near-square, wider than tall (2 -> 2x1, 6 -> 3x2, 9 -> 3x3); phones stack 1-2, then use 2 columns. */
export function gridShape(count: number, narrow: boolean): { columns: number; rows: number } {
  const n = Math.max(1, count);
  const columns = narrow ? (n <= 2 ? 1 : 2) : Math.ceil(Math.sqrt(n));
  return { columns, rows: Math.ceil(n / columns) };
}

/**
 * Orders remote participants for paging. The first page holds `firstPageSlots` of them: those who
 * spoke most recently (then the earliest arrivals), shown in arrival order so tiles don't jump around
 * when one of them speaks again. Later pages hold the rest, in arrival order.
 *
 * @param ids remote participant ids in arrival order
 * @param spokeAt when each last became the active speaker (ms); absent = never
 */
export function orderForPages(ids: readonly string[], spokeAt: Readonly<Record<string, number>>, firstPageSlots: number): string[] {
  if (ids.length <= firstPageSlots) return [...ids];
  const arrival = new Map(ids.map((id, index) => [id, index]));
  const byRecency = [...ids].sort((a, b) => {
    const diff = (spokeAt[b] ?? -Infinity) - (spokeAt[a] ?? -Infinity);
    return diff !== 0 && !Number.isNaN(diff) ? diff : arrival.get(a)! - arrival.get(b)!;
  });
  const first = new Set(byRecency.slice(0, Math.max(0, firstPageSlots)));
  return [...ids.filter((id) => first.has(id)), ...ids.filter((id) => !first.has(id))];
}

/** The items of page `page` (0-based), `perPage` at a time, the first page holding `firstPageSize`. */
export function pageSlice<T>(items: readonly T[], page: number, perPage: number, firstPageSize = perPage): T[] {
  if (page <= 0) return items.slice(0, firstPageSize);
  const start = firstPageSize + (page - 1) * perPage;
  return items.slice(start, start + perPage);
}

/** How many pages `count` items fill. */
export function pageCount(count: number, perPage: number, firstPageSize = perPage): number {
  if (count <= firstPageSize) return 1;
  return 1 + Math.ceil((count - firstPageSize) / Math.max(1, perPage));
}
