/** Entry point: build the app from the environment, listen, and shut down cleanly on a signal. */
import { buildApp } from './app.js';
import { exitOnSignals } from './lifecycle/shutdown.js';
import { describeAnnouncedAddress } from './media/announced-address.js';

const app = await buildApp().catch((error: unknown) => {
  console.error(`shouwang: cannot start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});

const { port, host, announcedIp, workers } = app.config;
try {
  await app.listen({ port, host });
} catch (error) {
  app.log.fatal({ err: error }, `cannot listen on ${host}:${port}`);
  await app.close();
  process.exit(1);
}
// PORT=0 picks a free port: say the real one.
const listening = app.server.address();
const actualPort = typeof listening === 'object' && listening !== null ? listening.port : port;
const scheme = app.config.tls ? 'https' : 'http';
app.log.info({ announcedIp, workers, port: actualPort }, `Shouwang is up: ${scheme}://localhost:${actualPort}/`);
const announced = describeAnnouncedAddress(announcedIp, process.env.ANNOUNCED_IP !== undefined);
if (announced.loopbackOnly) app.log.warn({ announcedIp }, announced.message);
else app.log.info({ announcedIp }, announced.message);

exitOnSignals(app);
