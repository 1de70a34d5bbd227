/**
 * Readiness of a node: a set of named dependency checks (Kafka connected, database
 * reachable...). The node is ready when every registered dependency is up and the
 * actor tree is running.
 */

/** The state of one dependency. */
export interface DependencyState {
  /** Whether the dependency is usable. */
  ok: boolean;
  /** What was seen, for people (`/readyz`). */
  detail: string;
  /** ISO 8601 time of the last change. */
  since: string;
}

/** Named dependency states. @experimental */
export class Readiness {
  #deps = new Map<string, DependencyState>();

  /** Declares a dependency (not ready until `set` says so). */
  declare(name: string, detail = "not connected yet"): void {
    if (!this.#deps.has(name)) this.#deps.set(name, { ok: false, detail, since: new Date().toISOString() });
  }

  /** Records the state of a dependency. */
  set(name: string, ok: boolean, detail = ok ? "connected" : "not connected"): void {
    const prev = this.#deps.get(name);
    if (prev && prev.ok === ok && prev.detail === detail) return;
    this.#deps.set(name, { ok, detail, since: prev && prev.ok === ok ? prev.since : new Date().toISOString() });
  }

  /** Forgets a dependency (its actor stopped for good). */
  remove(name: string): void {
    this.#deps.delete(name);
  }

  /** Whether every declared dependency is up. */
  get allUp(): boolean {
    for (const d of this.#deps.values()) if (!d.ok) return false;
    return true;
  }

  /** Every dependency's state. */
  report(): Record<string, DependencyState> {
    return Object.fromEntries(this.#deps);
  }
}
