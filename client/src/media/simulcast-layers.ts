/**
 * Which simulcast layer fits a rendered size. Senders publish the camera in layers that halve in size
 * from the top one (sfu-encodings.ts: 1/4, 1/2 and full size of a 1280x720 capture), so layer i of n
 * is 1 / 2^(n-1-i) of the top layer.
 */

/** The capture the layers are cut from, when the sender did not say (local-devices.ts asks for 1280x720). */
export const TOP_LAYER = { width: 1280, height: 720 } as const;

/**
 * Upscaling by up to this much is invisible in a tile; asking for the next layer up would double the
 * bitrate for nothing.
 */
const UPSCALE_TOLERANCE = 1.2;

/** The number of spatial layers in a scalability mode like `L3T3` or `S3T3`; 1 when there is none. */
export function spatialLayerCount(scalabilityMode: string | undefined): number {
  const match = /^[LS](\d+)T\d+/.exec(scalabilityMode ?? '');
  const count = match ? Number(match[1]) : 1;
  return Number.isInteger(count) && count >= 1 ? count : 1;
}

/**
 * The smallest spatial layer (0-based) that covers `width` x `height` device pixels (the element is
 * covered, so the larger ratio of the two counts). A zero size (not laid out) asks for the lowest.
 */
export function spatialLayerFor(
  width: number,
  height: number,
  layerCount: number,
  topLayer: { width: number; height: number } = TOP_LAYER,
): number {
  const top = Math.max(0, layerCount - 1);
  const needed = Math.max(width / topLayer.width, height / topLayer.height) / UPSCALE_TOLERANCE;
  for (let layer = 0; layer < top; layer++) {
    if (1 / 2 ** (top - layer) >= needed) return layer;
  }
  return top;
}
