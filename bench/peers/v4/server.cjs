// PostGraphile v4 in library mode behind node's cluster (what `postgraphile --cluster-workers N`
// does): PEER_WORKERS processes share PEER_PORT, schema `public`, no GraphiQL, no query log.
const cluster = require("node:cluster");
const http = require("node:http");
const { postgraphile } = require("postgraphile");

const workers = Number(process.env.PEER_WORKERS || 2);
const port = Number(process.env.PEER_PORT || 5004);
const connectionString = process.env.PEER_DATABASE_URL;
if (!connectionString) throw new Error("PEER_DATABASE_URL is required");

if (cluster.isPrimary) {
  for (let i = 0; i < workers; i++) cluster.fork();
  cluster.on("exit", (worker, code) => {
    console.error(`v4 worker ${worker.process.pid} exited with ${code}`);
    process.exit(1);
  });
  process.on("SIGTERM", () => {
    for (const worker of Object.values(cluster.workers)) worker.kill("SIGTERM");
    process.exit(0);
  });
} else {
  const { Pool } = require("pg");
  const pool = new Pool({ connectionString, max: Number(process.env.PEER_POOL_SIZE || 10) });
  const middleware = postgraphile(pool, "public", {
    graphiql: false,
    disableQueryLog: true,
    retryOnInitFail: false,
    bodySizeLimit: "1MB",
  });
  const server = http.createServer(middleware);
  server.keepAliveTimeout = 65_000;
  server.listen(port, "127.0.0.1", () => console.error(`v4 worker ${process.pid} ready on ${port}`));
}
