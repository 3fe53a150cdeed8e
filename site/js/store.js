// store.js — what the page keeps across reloads, in IndexedDB: the
// uploaded files (as they are: IndexedDB keeps Blobs), the two
// runs (checkpoints of the page: weights, optimiser, history and settings),
// the last settings, comparison and evaluation. One object store of
// key/value pairs.

const DB = "cgru";
const STORE = "kv";

export class Store {
  constructor() {
    this.db = null;
    this.failed = null;
  }

  async open() {
    if (this.db || this.failed) return;
    try {
      this.db = await new Promise((resolve, reject) => {
        const req = indexedDB.open(DB, 1);
        req.onupgradeneeded = () => req.result.createObjectStore(STORE);
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
        req.onblocked = () => reject(new Error("IndexedDB is blocked by another tab"));
      });
    } catch (err) {
      // Private windows may refuse storage: the page works, it forgets.
      this.failed = err;
      console.warn("cgru: no IndexedDB, nothing will be kept across reloads: " + err);
    }
  }

  tx(mode, fn) {
    if (!this.db) return Promise.resolve(undefined);
    return new Promise((resolve, reject) => {
      const t = this.db.transaction(STORE, mode);
      const req = fn(t.objectStore(STORE));
      t.oncomplete = () => resolve(req && req.result);
      t.onerror = () => reject(t.error);
      t.onabort = () => reject(t.error || new Error("IndexedDB transaction aborted"));
    });
  }

  get(key) {
    return this.tx("readonly", (s) => s.get(key));
  }

  put(key, value) {
    return this.tx("readwrite", (s) => s.put(value, key)).catch((err) => {
      console.warn(`cgru: could not keep ${key}: ${err}`);
    });
  }

  delete(key) {
    return this.tx("readwrite", (s) => s.delete(key));
  }

  clear() {
    return this.tx("readwrite", (s) => s.clear());
  }
}
