// A TCP proxy in front of the server whose network can be cut: while cut, every open connection
// is dropped and new ones are refused, as when a laptop loses the school Wi-Fi.
import net from "node:net";

export class CuttableProxy {
  private server: net.Server;
  private sockets = new Set<net.Socket>();
  private cut = false;
  port = 0;
  refused = 0; // connections refused while cut (the page's attempts to come back)

  constructor(private targetPort: number) {
    this.server = net.createServer((client) => {
      if (this.cut) {
        this.refused++;
        return client.destroy();
      }
      const upstream = net.connect(this.targetPort, "127.0.0.1");
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on("close", () => this.sockets.delete(s));
        s.on("error", () => {});
      }
      client.pipe(upstream);
      upstream.pipe(client);
      client.on("close", () => upstream.destroy());
      upstream.on("close", () => client.destroy());
    });
  }

  start(): Promise<number> {
    return new Promise((ok) =>
      this.server.listen(0, "127.0.0.1", () => {
        this.port = (this.server.address() as net.AddressInfo).port;
        ok(this.port);
      }),
    );
  }

  setCut(on: boolean): void {
    this.cut = on;
    if (on) for (const s of this.sockets) s.destroy();
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((ok) => this.server.close(() => ok()));
  }
}
