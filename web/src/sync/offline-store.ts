// OfflineStore: open units kept in this browser's IndexedDB, so nothing a partner typed is lost
// when the network goes, the tab closes or the page is reloaded while offline. One record per
// page session of a unit — key `user/unit/clientID` — holding the UnitConnection's snapshot,
// saved about 100 ms after every change. A page claims a record by holding a Web Lock named after
// its clientID for as long as it has the unit open, so two tabs never restore (and push as) the
// same client; a record nobody holds is taken by the next page that opens the unit. Signing out
// deletes the user's records. No DOM here: the page wires pagehide/visibilitychange to `flush()`.
import { newClientID, UnitConnection, type ConnectionOptions, type UnitSnapshot } from "./unit-connection";
import type { StreamPeer } from "./stream-peer";

const DB_NAME = "coplan-offline";
const STORE = "units";
/** Saves follow a change by this much (changes in between go into the same save). */
export const SAVE_DELAY_MS = 100;

export interface SavedUnit {
  key: string;
  user: number;
  unit: string;
  clientID: string;
  savedAt: number;
  /** Edits and commands the server had not confirmed when this was saved. */
  unconfirmed: number;
  snapshot: UnitSnapshot;
}

/** A page's hold on one client identity for a unit: the record it restored, if any. */
export interface Claim {
  clientID: string;
  saved: SavedUnit | null;
  /** Other records of the unit that no page holds (left by tabs closed while offline). */
  others: SavedUnit[];
  release(): void;
}

export interface Keeper {
  /** False when the last save failed (the browser refused to store it). */
  readonly ok: boolean;
  /** Saves now (the page is being hidden or unloaded). */
  flush(): Promise<void>;
  /** Saves a last time and stops watching the connection. */
  stop(): Promise<void>;
}

function done<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((ok, fail) => {
    req.onsuccess = () => ok(req.result);
    req.onerror = () => fail(req.error);
  });
}

function committed(tx: IDBTransaction): Promise<void> {
  return new Promise((ok, fail) => {
    tx.oncomplete = () => ok();
    tx.onerror = tx.onabort = () => fail(tx.error);
  });
}

const prefix = (user: number, unit?: string) => (unit === undefined ? `${user}/` : `${user}/${unit}/`);
const range = (p: string) => IDBKeyRange.bound(p, p + "\uffff");

/** Holds the lock `name` until the returned function is called; null when another page holds it. */
function lock(name: string): Promise<(() => void) | null> {
  return new Promise((ok) => {
    navigator.locks
      .request(name, { ifAvailable: true }, (held) => {
        if (!held) return ok(null);
        return new Promise<void>((release) => ok(() => release()));
      })
      .catch(() => ok(null));
  });
}
const lockName = (clientID: string) => `coplan-client-${clientID}`;

export class OfflineStore {
  private constructor(private readonly db: IDBDatabase) {}

  /** The store, or null where the browser cannot keep it (no IndexedDB or Web Locks). */
  static async open(): Promise<OfflineStore | null> {
    if (typeof indexedDB === "undefined" || !globalThis.navigator?.locks) return null;
    try {
      const req = indexedDB.open(DB_NAME, 1);
      req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: "key" });
      return new OfflineStore(await done(req));
    } catch (e) {
      console.warn("coplan: offline copies are not available", e);
      return null;
    }
  }

  /** The user's records (of one unit, when given), newest first. */
  async list(user: number, unit?: string): Promise<SavedUnit[]> {
    const tx = this.db.transaction(STORE, "readonly");
    const all: SavedUnit[] = await done(tx.objectStore(STORE).getAll(range(prefix(user, unit))));
    return all.sort((a, b) => b.savedAt - a.savedAt);
  }

  async put(rec: SavedUnit): Promise<void> {
    const tx = this.db.transaction(STORE, "readwrite");
    tx.objectStore(STORE).put(rec);
    await committed(tx);
  }

  async delete(key: string): Promise<void> {
    const tx = this.db.transaction(STORE, "readwrite");
    tx.objectStore(STORE).delete(key);
    await committed(tx);
  }

  /** Deletes everything kept for the user (signing out on a shared computer). */
  async forgetUser(user: number): Promise<void> {
    const tx = this.db.transaction(STORE, "readwrite");
    tx.objectStore(STORE).delete(range(prefix(user)));
    await committed(tx);
  }

  /**
   * Takes the newest record of the unit that no other page holds, or a fresh clientID when there
   * is none. The lock is held until `release()` (or until the page goes away).
   */
  async claim(user: number, unit: string): Promise<Claim> {
    const records = await this.list(user, unit);
    for (const saved of records) {
      const release = await lock(lockName(saved.clientID));
      if (release) return { clientID: saved.clientID, saved, others: records.filter((r) => r !== saved), release };
    }
    return { ...(await this.fresh()), others: records };
  }

  /** A new client identity of our own, with nothing restored. */
  async fresh(): Promise<Claim> {
    const clientID = newClientID();
    const release = (await lock(lockName(clientID))) ?? (() => {});
    return { clientID, saved: null, others: [], release };
  }

  /** Saves `conn` (after every change, shortly) under its clientID until `stop()`. */
  keep(user: number, unit: string, conn: UnitConnection): Keeper {
    let timer: ReturnType<typeof setTimeout> | null = null;
    let stopped = false;
    let ok = true;
    const save = async () => {
      if (timer) clearTimeout(timer);
      timer = null;
      const snapshot = conn.snapshot();
      if (!snapshot) return;
      const key = prefix(user, unit) + conn.clientID;
      try {
        await this.put({ key, user, unit, clientID: conn.clientID, savedAt: Date.now(), unconfirmed: conn.unconfirmed(), snapshot });
        ok = true;
      } catch (e) {
        ok = false;
        console.warn("coplan: could not keep a copy of the unit in this browser", e);
      }
    };
    const schedule = () => {
      if (!stopped && !timer) timer = setTimeout(save, SAVE_DELAY_MS);
    };
    const offs: (() => void)[] = [];
    const watch = (p: StreamPeer) => offs.push(p.onChanges(schedule), p.onChange(schedule));
    for (const p of conn.peers.values()) watch(p);
    offs.push(
      conn.on("peer", (p) => {
        watch(p);
        schedule();
      }),
      conn.on("structure", schedule),
      conn.on("welcome", schedule),
      conn.on("members", schedule),
    );
    return {
      get ok() {
        return ok;
      },
      flush: save,
      stop: async () => {
        if (stopped) return;
        stopped = true;
        offs.forEach((off) => off());
        await save();
      },
    };
  }

  /**
   * Sends what a closed tab left unconfirmed in `rec` (when no page holds it): a connection of its
   * own, restored from the record, until the server has everything; then the record is deleted.
   * A record with nothing unconfirmed is deleted at once (the page's own record replaces it).
   * Returns a function that stops trying (when the page closes).
   */
  settle(rec: SavedUnit, opts: ConnectionOptions): () => void {
    let stop = () => {};
    let stopped = false;
    void (async () => {
      const release = await lock(lockName(rec.clientID));
      if (!release) return;
      if (stopped) return release();
      if (rec.unconfirmed === 0) {
        await this.delete(rec.key).catch(() => {});
        return release();
      }
      const conn = new UnitConnection({ ...opts, clientID: rec.clientID });
      conn.restore(rec.snapshot);
      const keeper = this.keep(rec.user, rec.unit, conn);
      const finish = async (synced: boolean) => {
        clearInterval(poll);
        stop = () => {};
        await keeper.stop();
        conn.close();
        if (synced) await this.delete(rec.key).catch(() => {});
        release();
      };
      const poll = setInterval(() => {
        if (conn.online && conn.unconfirmed() === 0) void finish(true);
      }, 500);
      stop = () => void finish(false);
      conn.connect();
    })();
    return () => {
      stopped = true;
      stop();
    };
  }
}

let shared: Promise<OfflineStore | null> | null = null;

/** The page's one store (opened on first use). */
export function offlineStore(): Promise<OfflineStore | null> {
  return (shared ??= OfflineStore.open());
}
