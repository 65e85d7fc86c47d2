/** Entry point: build the app from the environment, listen, and shut down cleanly on a signal. */
import { buildApp } from './app.js';

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
app.log.info({ announcedIp, workers }, `Shouwang is up: http://localhost:${port}/ (media announced on ${announcedIp})`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    app.log.info(`${signal}: shutting down`);
    const forceExit = setTimeout(() => process.exit(1), 10_000);
    forceExit.unref();
    void app.close().then(() => process.exit(0));
  });
}
