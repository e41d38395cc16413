// Hocuspocus 3.4 (Yjs) in memory: the second peer Coplan is measured against. Prints
// "listening on <port>" when ready. Usage: node hocuspocus-server.mjs [port]
import { Server } from "@hocuspocus/server";

const server = new Server({ port: Number(process.argv[2] ?? 0), address: "127.0.0.1", quiet: true });
await server.listen();
console.log(`listening on ${server.address?.port ?? server.httpServer.address().port}`);
