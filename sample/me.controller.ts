import { Controller, Get, UseGuards } from '@nestjs/common';
import { CurrentSession, Session, SessionGuard } from '../src/index.js';
import type { AppSession } from './app-session.js';

@Controller('me')
@UseGuards(SessionGuard)
export class MeController {
  @Get()
  me(@CurrentSession() session: Session<AppSession>) {
    return { userId: session.userId, name: session.get('name'), role: session.get('role') };
  }
}
