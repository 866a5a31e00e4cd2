import {
  BadRequestException,
  type CanActivate,
  Controller,
  Delete,
  Get,
  Header,
  HttpCode,
  Inject,
  Param,
  type Type,
  UseGuards,
} from '@nestjs/common';
import { AdminForgeryGuard } from './admin-forgery.guard.js';
import type { SessionInfo } from '../session/session-info.interface.js';
import { SessionService } from '../session/session.service.js';
import { isSessionHandle } from '../token/session-token.js';

/** One session as the admin routes show it: chosen fields, so nothing else of the module leaks. */
export interface AdminSessionView {
  handle: string;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
  active: boolean;
  userAgent?: string;
  ip?: string;
}

export interface AdminUserSessions {
  userId: string;
  count: number;
  sessions: AdminSessionView[];
}

// Far above any real user ID, and within what every store accepts as a key (DynamoDB: 2048 bytes).
const MAX_USER_ID_BYTES = 1024;

function checkedUserId(userId: string): string {
  if (Buffer.byteLength(userId) > MAX_USER_ID_BYTES) throw new BadRequestException(`User ID longer than ${MAX_USER_ID_BYTES} bytes`);
  return userId;
}

function viewOf({ handle, createdAt, lastSeenAt, expiresAt, active, userAgent, ip }: SessionInfo): AdminSessionView {
  return { handle, createdAt, lastSeenAt, expiresAt, active, ...(userAgent ? { userAgent } : {}), ...(ip ? { ip } : {}) };
}

/**
 * The admin routes, mounted at `path` behind the module's forgery check and then the app's guard.
 * A class per registration, since Nest reads a controller's path and guards from its decorators.
 */
export function sessionAdminController(path: string, guard: Type<CanActivate> | CanActivate): Type<unknown> {
  @Controller(path)
  @UseGuards(AdminForgeryGuard, guard)
  class SessionAdminController {
    constructor(@Inject(SessionService) private readonly sessions: SessionService) {}

    /** The user's live sessions, most recently seen first, and how many there are. */
    @Get('users/:userId')
    @Header('Cache-Control', 'no-store')
    async list(@Param('userId') userId: string): Promise<AdminUserSessions> {
      const found = await this.sessions.list(checkedUserId(userId));
      const sessions = found.sort((a, b) => b.lastSeenAt.getTime() - a.lastSeenAt.getTime()).map(viewOf);
      return { userId, count: sessions.length, sessions };
    }

    @Delete('users/:userId')
    @HttpCode(200)
    async revokeAll(@Param('userId') userId: string): Promise<{ revoked: number }> {
      return { revoked: await this.sessions.revokeAll(checkedUserId(userId)) };
    }

    /** 204 whether or not the session still existed: either way it is gone, and a retry gets the same answer. */
    @Delete(':handle')
    @HttpCode(204)
    async revoke(@Param('handle') handle: string): Promise<void> {
      if (!isSessionHandle(handle)) throw new BadRequestException('Not a session handle');
      await this.sessions.revoke(handle);
    }
  }
  return SessionAdminController;
}
