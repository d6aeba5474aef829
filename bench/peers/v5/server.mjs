// PostGraphile v5 behind node's cluster: PEER_WORKERS processes share PEER_PORT (the primary
// accepts and hands connections out round-robin, so keep-alive clients spread over the workers).
import cluster from "node:cluster";
import { createServer } from "node:http";
import { postgraphile } from "postgraphile";
import { grafserv } from "postgraphile/grafserv/node";
import preset from "./graphile.config.mjs";

const workers = Number(process.env.PEER_WORKERS || 2);
const port = Number(process.env.PEER_PORT || 5005);

if (cluster.isPrimary) {
  for (let i = 0; i < workers; i++) cluster.fork();
  cluster.on("exit", (worker, code) => {
    console.error(`v5 worker ${worker.process.pid} exited with ${code}`);
    process.exit(1);
  });
  process.on("SIGTERM", () => {
    for (const worker of Object.values(cluster.workers)) worker.kill("SIGTERM");
    process.exit(0);
  });
} else {
  const pgl = postgraphile(preset);
  const serv = pgl.createServ(grafserv);
  const server = createServer();
  server.keepAliveTimeout = 65_000;
  serv.addTo(server).then(
    () => server.listen(port, "127.0.0.1", () => console.error(`v5 worker ${process.pid} ready on ${port}`)),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}
