/**
 * The pure layout rules of the meeting view: how many tiles fit, the grid's shape, "last N" page order,
 * and which simulcast layer a rendered size asks for.
 */
import t from 'tap';
import { spatialLayerCount, spatialLayerFor } from '../../client/src/media/simulcast-layers.js';
import { gridShape, orderForPages, pageCount, pageSlice, tilesPerPage } from '../../client/src/state/tile-layout.js';

t.test('tiles per page: 9-16 on a desktop, fewer on a phone, never 0', async (t) => {
  t.equal(tilesPerPage(1280, 600), 16, 'a 1280x600 area fits 4x4');
  t.equal(tilesPerPage(1000, 500), 12, 'a 1000x500 area fits 4x3');
  t.equal(tilesPerPage(800, 450), 9, 'an 800x450 area fits 3x3');
  t.equal(tilesPerPage(375, 480), 8, 'a phone fits 2 columns of 4');
  t.equal(tilesPerPage(100, 50), 1, 'a tiny area still shows one tile');
  t.equal(tilesPerPage(0, 0), 16, 'not measured yet: no paging');
  t.ok(tilesPerPage(4000, 3000) <= 16, 'never more than 16');
});

t.test('grid shape: near square on desktops, at most 2 columns on phones', async (t) => {
  t.same(gridShape(1, false), { columns: 1, rows: 1 });
  t.same(gridShape(2, false), { columns: 2, rows: 1 });
  t.same(gridShape(5, false), { columns: 3, rows: 2 });
  t.same(gridShape(9, false), { columns: 3, rows: 3 });
  t.same(gridShape(16, false), { columns: 4, rows: 4 });
  t.same(gridShape(2, true), { columns: 1, rows: 2 });
  t.same(gridShape(5, true), { columns: 2, rows: 3 });
});

t.test('last N: recent speakers get the first page, in arrival order', async (t) => {
  const ids = ['a', 'b', 'c', 'd', 'e'];
  t.same(orderForPages(ids, {}, 2), ids, 'nobody spoke: arrival order');
  t.same(orderForPages(ids, { e: 100 }, 2), ['a', 'e', 'b', 'c', 'd'], 'e spoke: on page one, a keeps its place');
  t.same(orderForPages(ids, { e: 100, d: 200 }, 2), ['d', 'e', 'a', 'b', 'c'], 'the two latest speakers take page one');
  t.same(orderForPages(ids, { e: 100, d: 200, a: 50 }, 2), ['d', 'e', 'a', 'b', 'c'], 'an older speaker gives way');
  t.same(orderForPages(['a', 'b'], { b: 1 }, 5), ['a', 'b'], 'everyone fits: no reordering');
});

t.test('pages: the first page may hold fewer remote tiles than the others', async (t) => {
  const items = ['1', '2', '3', '4', '5', '6', '7'];
  t.equal(pageCount(7, 4, 2), 3, '2 + 4 + 1');
  t.same(pageSlice(items, 0, 4, 2), ['1', '2']);
  t.same(pageSlice(items, 1, 4, 2), ['3', '4', '5', '6']);
  t.same(pageSlice(items, 2, 4, 2), ['7']);
  t.equal(pageCount(2, 4, 2), 1, 'everyone on page one');
});

t.test('simulcast layer for a rendered size', async (t) => {
  t.equal(spatialLayerCount('L3T3'), 3);
  t.equal(spatialLayerCount('S2T1'), 2);
  t.equal(spatialLayerCount(undefined), 1);
  t.equal(spatialLayerCount('bogus'), 1);
  t.equal(spatialLayerFor(200, 112, 3), 0, 'a thumbnail: 320x180 layer');
  t.equal(spatialLayerFor(380, 214, 3), 0, 'slightly larger than the bottom layer: upscaling is fine');
  t.equal(spatialLayerFor(600, 338, 3), 1, 'a 600 px tile: 640x360 layer');
  t.equal(spatialLayerFor(1200, 675, 3), 2, 'a large stage: the top layer');
  t.equal(spatialLayerFor(300, 700, 3), 2, 'a tall narrow element covering 700 px of height needs the top layer');
  t.equal(spatialLayerFor(0, 0, 3), 0, 'not laid out: the lowest');
  t.equal(spatialLayerFor(1200, 675, 1), 0, 'one layer: nothing to choose');
  t.equal(spatialLayerFor(1200, 675, 2), 1, 'two layers: the top one');
  const vga = { width: 640, height: 360 };
  t.equal(spatialLayerFor(600, 338, 3, vga), 2, 'a 640x360 camera: a 600 px tile needs its top layer');
  t.equal(spatialLayerFor(300, 169, 3, vga), 1, 'a 640x360 camera: a 300 px tile takes its middle (320 px) layer');
});
