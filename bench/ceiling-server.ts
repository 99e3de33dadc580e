// The ceiling for ingest: Express 5 answering the webhook route with 200 without parsing the
// body or touching Redis. Whatever ingest does on top of this costs throughput.
import express from 'express';

const port = Number(process.env.PORT ?? 0);
const app = express();
app.disable('x-powered-by');
app.get('/healthz', (_req, res) => {
  res.json({ status: 'ok' });
});
app.post('/api/plex/webhook', (_req, res) => {
  res.json({ status: 'queued', id: 'ceiling' });
});
const server = app.listen(port, '127.0.0.1', () => {
  const addr = server.address();
  console.log(`ceiling listening on ${typeof addr === 'object' && addr ? addr.port : port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
