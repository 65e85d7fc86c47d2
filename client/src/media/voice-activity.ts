/**
 * Notices someone talking into a muted microphone, to remind them they are muted (as Jitsi and Zoom
 * do). It listens to a clone of the mic track: muting disables the original track, which then carries
 * silence, while the clone keeps hearing the room. Nothing leaves the browser.
 */

/** Louder than a quiet room after the browser's noise suppression, quieter than speech near a laptop. */
const SPEECH_DBFS = -50;
/** Speech for this long (not a cough or a door) counts. */
const SPEECH_MS = 600;
const POLL_MS = 100;

/** Calls `onSpeech` once when sustained sound is heard. Returns the function that stops listening. */
export function listenForSpeech(track: MediaStreamTrack, onSpeech: () => void): () => void {
  const AudioContextClass = globalThis.AudioContext as typeof AudioContext | undefined;
  if (!AudioContextClass || track.readyState !== 'live') return () => undefined;
  const clone = track.clone();
  clone.enabled = true;
  const context = new AudioContextClass();
  const source = context.createMediaStreamSource(new MediaStream([clone]));
  const analyser = context.createAnalyser();
  analyser.fftSize = 1024;
  source.connect(analyser);
  const samples = new Float32Array(analyser.fftSize);
  let loudSince: number | null = null;
  let stopped = false;

  const timer = setInterval(() => {
    // A context created without a user gesture may start suspended; a click later lets it run.
    if (context.state === 'suspended') void context.resume().catch(() => undefined);
    analyser.getFloatTimeDomainData(samples);
    let sum = 0;
    for (const sample of samples) sum += sample * sample;
    const dbfs = 10 * Math.log10(sum / samples.length || 1e-12);
    const now = performance.now();
    if (dbfs < SPEECH_DBFS) {
      loudSince = null;
      return;
    }
    loudSince ??= now;
    if (now - loudSince >= SPEECH_MS) {
      stop();
      onSpeech();
    }
  }, POLL_MS);

  function stop(): void {
    if (stopped) return;
    stopped = true;
    clearInterval(timer);
    source.disconnect();
    clone.stop();
    void context.close().catch(() => undefined);
  }
  return stop;
}
