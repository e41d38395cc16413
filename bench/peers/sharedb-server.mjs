// ShareDB 7 with the ot-text-unicode type over `ws`, in memory: the first peer Coplan is measured
// against. Prints "listening on <port>" when ready. Usage: node sharedb-server.mjs [port]
import http from "node:http";
import ShareDB from "sharedb";
import WebSocketJSONStream from "@teamwork/websocket-json-stream";
import { WebSocketServer } from "ws";
import * as otText from "ot-text-unicode";

ShareDB.types.register(otText.type);
const backend = new ShareDB();
const server = http.createServer();
const wss = new WebSocketServer({ server });
wss.on("connection", (ws) => backend.listen(new WebSocketJSONStream(ws)));
server.listen(Number(process.argv[2] ?? 0), "127.0.0.1", () => console.log(`listening on ${server.address().port}`));
