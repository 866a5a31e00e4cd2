import { UseGuards } from '@nestjs/common';
import { ConnectedSocket, SubscribeMessage, WebSocketGateway, WebSocketServer } from '@nestjs/websockets';
import { CurrentSession, Session, SessionGuard } from '../src/index.js';
import type { AppSession } from './app-session.js';

// What the gateway uses of socket.io's server and sockets, so the sample needs no import of
// socket.io itself (it comes with @nestjs/platform-socket.io).
interface Broadcast {
  emit(event: string): boolean;
}
interface Rooms {
  to(room: string): Broadcast;
}
interface RoomSocket extends Rooms {
  join(room: string): unknown;
}

const CHANGED = 'devices:changed';
const roomOf = (userId: string) => `user:${userId}`;

/**
 * Keeps open "your devices" pages up to date. Each page's socket joins a room of its user and
 * hears `devices:changed` when the user's sessions change; the session module closes the socket
 * of a session this instance ends, and the page then shows that it was signed out.
 *
 * Rooms live in this process: with several instances, add socket.io's Redis adapter so that a
 * change on one reaches pages connected to another (and a socket whose session another instance
 * ended is refused at its next message rather than closed at once).
 */
// The page's own route serves the socket.io client, with the page's headers.
@WebSocketGateway({ serveClient: false })
@UseGuards(SessionGuard)
export class DevicesGateway {
  @WebSocketServer() private readonly server?: Rooms;

  /** A page starts listening; the answer (socket.io's acknowledgement) says it is in its user's room. */
  @SubscribeMessage('devices:watch')
  async watch(@ConnectedSocket() socket: RoomSocket, @CurrentSession() session: Session<AppSession>): Promise<boolean> {
    if (session.userId === null) return false;
    const room = roomOf(session.userId);
    await socket.join(room);
    // The page may be a device that just signed in. Its session is stored by now (the handshake
    // read it), which a notice from the login route itself could not promise: the login is
    // written after that handler returns.
    socket.to(room).emit(CHANGED);
    return true;
  }

  /** Tells the user's open pages to redraw their list, after a session was ended or added. */
  devicesChanged(userId: string | null): void {
    if (userId !== null) this.server?.to(roomOf(userId)).emit(CHANGED);
  }
}
