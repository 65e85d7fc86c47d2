/**
 * How each local source is encoded on the SFU path. Simulcast lets the server forward a smaller layer
 * to a receiver with little bandwidth or a small tile, instead of making every receiver pay for 720p.
 */
import type { Device } from 'mediasoup-client';
import type { ProducerOptions, RtpCodecCapability, RtpEncodingParameters } from 'mediasoup-client/types';
import type { LocalSource } from './media-session.js';

type EncodingOptions = Pick<ProducerOptions, 'codec' | 'encodings' | 'codecOptions'>;

/** Three layers of a 1280x720 camera: 320x180, 640x360, 1280x720. */
const CAMERA_SIMULCAST: RtpEncodingParameters[] = [
  { scaleResolutionDownBy: 4, maxBitrate: 150_000, scalabilityMode: 'L1T3' },
  { scaleResolutionDownBy: 2, maxBitrate: 500_000, scalabilityMode: 'L1T3' },
  { scaleResolutionDownBy: 1, maxBitrate: 1_200_000, scalabilityMode: 'L1T3' },
];

/** Screen content: one sharp layer; text matters more than frame rate. */
const SCREEN_ENCODING: RtpEncodingParameters[] = [{ maxBitrate: 2_500_000 }];

function findCodec(device: Device, mimeType: string): RtpCodecCapability | undefined {
  const wanted = mimeType.toLowerCase();
  return device.sendRtpCapabilities.codecs?.find((codec) => codec.mimeType.toLowerCase() === wanted);
}

/**
 * VP8 is the default video codec: every browser we support encodes and decodes it without plugins
 * (Firefox needs a downloaded plugin for H264). If the router lacks it, mediasoup picks its first codec.
 */
export function encodingOptionsFor(source: LocalSource, device: Device): EncodingOptions {
  switch (source) {
    case 'mic':
      return {
        codec: findCodec(device, 'audio/opus'),
        // DTX stops sending during silence; FEC hides single lost packets; mono halves the bitrate.
        codecOptions: { opusStereo: false, opusDtx: true, opusFec: true },
      };
    case 'camera':
      return {
        codec: findCodec(device, 'video/VP8'),
        encodings: CAMERA_SIMULCAST,
        // Start near the top layer's rate so the picture is sharp from the first seconds.
        codecOptions: { videoGoogleStartBitrate: 1000 },
      };
    case 'screen':
      return {
        codec: findCodec(device, 'video/VP8'),
        encodings: SCREEN_ENCODING,
        codecOptions: { videoGoogleStartBitrate: 1000 },
      };
    case 'screen-audio':
      return {
        codec: findCodec(device, 'audio/opus'),
        // A shared video's soundtrack or music: stereo, and no DTX cutting quiet passages.
        codecOptions: { opusStereo: true, opusDtx: false, opusFec: true },
      };
  }
}
