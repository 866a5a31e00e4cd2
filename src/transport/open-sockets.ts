import { Injectable } from '@nestjs/common';

/**
 * The open WebSocket connections of this instance, by session key, so that ending a session here
 * closes its sockets at once. Sessions ended by another instance are noticed at the socket's
 * next message, when the guard reads the store.
 */
@Injectable()
export class SessionSockets {
  private readonly open = new Map<string, Set<() => void>>();

  /** Registers a connection's close function; the returned function unregisters it. */
  add(key: string, close: () => void): () => void {
    let closers = this.open.get(key);
    if (!closers) this.open.set(key, (closers = new Set()));
    closers.add(close);
    return () => {
      closers.delete(close);
      if (closers.size === 0 && this.open.get(key) === closers) this.open.delete(key);
    };
  }

  end(key: string): void {
    const closers = this.open.get(key);
    if (!closers) return;
    this.open.delete(key);
    for (const close of closers) close();
  }
}
