/**
 * What the SFU session sends and reads besides media: the device and the server's two transports for
 * it, transport parameters in mediasoup-client's spelling, and the capture size sent with `produce`.
 */
import { Device } from 'mediasoup-client';
import type { RtpCapabilities, TransportOptions as DeviceTransportOptions } from 'mediasoup-client/types';
import type { TransportOptions } from '../../../protocol/requests.js';
import type { SignalClient } from '../signal/signal-client.js';
import type { LocalSource } from './media-session.js';

const LOCAL_SOURCES: readonly unknown[] = ['mic', 'camera', 'screen', 'screen-audio'] satisfies LocalSource[];

/** Whether a producer's appData names one of the sources this client publishes. */
export function isLocalSource(value: unknown): value is LocalSource {
  return LOCAL_SOURCES.includes(value);
}

/** A video's capture size, for receivers choosing simulcast layers (sent with `produce`). */
export function videoSizeOf(track: MediaStreamTrack): { videoSize?: { width: number; height: number } } {
  if (track.kind !== 'video') return {};
  const { width, height } = track.getSettings();
  return width && height ? { videoSize: { width: Math.round(width), height: Math.round(height) } } : {};
}

export function isVideoSize(value: unknown): value is { width: number; height: number } {
  const size = value as { width?: unknown; height?: unknown } | null;
  return typeof size?.width === 'number' && typeof size.height === 'number';
}

/** A device loaded with the router's capabilities, and the server's two transports for it. */
export async function prepareTransports(signal: SignalClient, routerRtpCapabilities: RtpCapabilities) {
  const device = await Device.factory();
  await device.load({ routerRtpCapabilities });
  const [sendOptions, recvOptions] = await Promise.all([
    // SCTP for the chat data channels (SfuChatLink).
    signal.request('createTransport', { direction: 'send', sctp: true }),
    signal.request('createTransport', { direction: 'recv', sctp: true }),
  ]);
  return { device, sendOptions, recvOptions };
}

/** The server names it `transportId`; mediasoup-client wants `id`. */
export function transportParameters(options: TransportOptions, iceServers: RTCIceServer[]): DeviceTransportOptions {
  const { transportId, iceParameters, iceCandidates, dtlsParameters, sctpParameters } = options;
  return { id: transportId, iceParameters, iceCandidates, dtlsParameters, sctpParameters, iceServers };
}
