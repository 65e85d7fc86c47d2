/**
 * The forwarding benchmark's media and tools, made once and cached (~/.cache/shouwang/bench, or
 * $SHOUWANG_CACHE_DIR/bench): a VP8 clip encoded by ffmpeg from a test pattern at about 1 Mbps and
 * packetized into RTP here (so packet sizes, and so packets per second, are ours to choose: the issue
 * counts 180-packet/s streams), and the srtp-udp tool compiled from srtp-udp.c.
 *
 * Replaying packets that are already encoded and packetized is what keeps the sending side cheap: the
 * sender only stamps SSRC, sequence number and timestamp, and encrypts.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const cacheDir = path.join(process.env.SHOUWANG_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'shouwang'), 'bench');

export const CLIP = {
  width: 640,
  height: 360,
  fps: 30,
  seconds: 10,
  bitrateKbps: 1000,
  /** Keyframe every second: a consumer starts forwarding at a keyframe (a plain RTP sender ignores PLI). */
  gop: 30,
  /** Packets per second the packetizer aims at: the "180-packet/s video stream". */
  targetPps: 180,
} as const;

export const VP8_PAYLOAD_TYPE = 96;
const CLOCK_RATE = 90_000;

export interface RtpClip {
  /** The packet file srtp-udp replays. */
  file: string;
  packets: number;
  seconds: number;
  packetsPerSecond: number;
  kbps: number;
  meanPacketBytes: number;
}

function hashOf(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 12);
}

/** Builds srtp-udp with gcc against libsrtp2 (Debian: libsrtp2-dev, which the worker build needs anyway). */
export function srtpUdpBinary(): string {
  const source = path.join(here, 'srtp-udp.c');
  const binary = path.join(cacheDir, `srtp-udp-${hashOf(fs.readFileSync(source, 'utf8'))}`);
  if (fs.existsSync(binary)) return binary;
  fs.mkdirSync(cacheDir, { recursive: true });
  execFileSync('gcc', ['-O2', '-Wall', '-o', `${binary}.tmp`, source, '-lsrtp2'], { stdio: 'inherit' });
  fs.renameSync(`${binary}.tmp`, binary);
  return binary;
}

/** Frames of an IVF file: 32-byte header, then per frame a 12-byte header (size, pts) and the data. */
function readIvf(file: string): Array<{ pts: number; data: Buffer }> {
  const buffer = fs.readFileSync(file);
  if (buffer.toString('ascii', 0, 4) !== 'DKIF') throw new Error(`${file} is not an IVF file`);
  const frames: Array<{ pts: number; data: Buffer }> = [];
  for (let offset = buffer.readUInt16LE(6); offset + 12 <= buffer.length; ) {
    const size = buffer.readUInt32LE(offset);
    const pts = Number(buffer.readBigUInt64LE(offset + 4));
    frames.push({ pts, data: buffer.subarray(offset + 12, offset + 12 + size) });
    offset += 12 + size;
  }
  return frames;
}

/**
 * RFC 7741 packets of one frame, split into equal parts of at most `maxPayload` bytes. The payload
 * descriptor carries a 15-bit PictureID as browsers send it: mediasoup only parses VP8 (and so only
 * finds keyframes) when the X bit is set.
 */
function packetizeFrame(frame: Buffer, maxPayload: number, pictureId: number): Buffer[] {
  const count = Math.max(1, Math.ceil(frame.length / maxPayload));
  const size = Math.ceil(frame.length / count);
  const packets: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const chunk = frame.subarray(i * size, Math.min(frame.length, (i + 1) * size));
    const header = Buffer.alloc(16);
    header[0] = 0x80;
    header[1] = VP8_PAYLOAD_TYPE | (i === count - 1 ? 0x80 : 0);
    header[12] = 0x80 | (i === 0 ? 0x10 : 0x00); // X, and S on the frame's first packet
    header[13] = 0x80; // I: a PictureID follows
    header.writeUInt16BE(0x8000 | (pictureId & 0x7fff), 14); // M: 15-bit PictureID
    packets.push(Buffer.concat([header, chunk]));
  }
  return packets;
}

/** Encodes (once) and packetizes the clip; returns where srtp-udp finds it and what it carries. */
export function rtpClip(): RtpClip {
  fs.mkdirSync(cacheDir, { recursive: true });
  const key = hashOf(JSON.stringify(CLIP), fs.readFileSync(fileURLToPath(import.meta.url), 'utf8'));
  const ivf = path.join(cacheDir, `clip-${hashOf(JSON.stringify(CLIP))}.ivf`);
  const file = path.join(cacheDir, `clip-${key}.swrtp`);
  const meta = `${file}.json`;
  if (fs.existsSync(file) && fs.existsSync(meta)) return JSON.parse(fs.readFileSync(meta, 'utf8')) as RtpClip;

  if (!fs.existsSync(ivf)) {
    // Realtime libvpx at a fixed bitrate, like a browser's camera stream; testsrc2 moves, so P-frames carry data.
    execFileSync('ffmpeg', [
      '-hide_banner', '-loglevel', 'error', '-y',
      '-f', 'lavfi', '-i', `testsrc2=size=${CLIP.width}x${CLIP.height}:rate=${CLIP.fps}`,
      '-t', String(CLIP.seconds),
      '-c:v', 'libvpx', '-b:v', `${CLIP.bitrateKbps}k`, '-minrate', `${CLIP.bitrateKbps}k`, '-maxrate', `${CLIP.bitrateKbps}k`,
      '-g', String(CLIP.gop), '-keyint_min', String(CLIP.gop), '-deadline', 'realtime', '-cpu-used', '8', '-auto-alt-ref', '0',
      '-f', 'ivf', `${ivf}.tmp`,
    ]);
    fs.renameSync(`${ivf}.tmp`, ivf);
  }
  const frames = readIvf(ivf);
  const frameBytes = frames.reduce((sum, f) => sum + f.data.length, 0);
  // The largest payload size that still gives at least targetPps (equal splitting rounds the count up).
  let maxPayload = 1200;
  const countAt = (max: number) => frames.reduce((sum, f) => sum + Math.max(1, Math.ceil(f.data.length / max)), 0);
  while (maxPayload > 200 && countAt(maxPayload) / CLIP.seconds < CLIP.targetPps) maxPayload -= 4;

  const frameUs = 1_000_000 / CLIP.fps;
  const records: Buffer[] = [];
  let packetBytes = 0;
  frames.forEach((frame, index) => {
    const tUs = Math.round(index * frameUs);
    const rtpTs = Math.round((index * CLOCK_RATE) / CLIP.fps);
    for (const packet of packetizeFrame(frame.data, maxPayload, index)) {
      const head = Buffer.alloc(10);
      head.writeUInt32LE(tUs, 0);
      head.writeUInt32LE(rtpTs, 4);
      head.writeUInt16LE(packet.length, 8);
      records.push(head, packet);
      packetBytes += packet.length;
    }
  });
  const packets = records.length / 2;
  const header = Buffer.alloc(20);
  header.write('SWRTP1', 0, 'ascii');
  header.writeUInt32LE(packets, 8);
  header.writeUInt32LE(Math.round(frames.length * frameUs), 12);
  header.writeUInt32LE(Math.round((frames.length * CLOCK_RATE) / CLIP.fps), 16);
  fs.writeFileSync(`${file}.tmp`, Buffer.concat([header, ...records]));
  fs.renameSync(`${file}.tmp`, file);
  const clip: RtpClip = {
    file,
    packets,
    seconds: frames.length / CLIP.fps,
    packetsPerSecond: packets / (frames.length / CLIP.fps),
    kbps: (frameBytes * 8) / (frames.length / CLIP.fps) / 1000,
    meanPacketBytes: packetBytes / packets,
  };
  fs.writeFileSync(meta, JSON.stringify(clip, null, 2));
  return clip;
}
