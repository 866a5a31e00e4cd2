import { Controller, Delete, Get, HttpCode, NotFoundException, Param, Post, UseGuards } from '@nestjs/common';
import { CurrentSession, Session, SessionGuard } from '../src/index.js';
import type { AppSession } from './app-session.js';
import { type Device, toDevices } from './devices.js';

@Controller('sessions')
@UseGuards(SessionGuard)
export class SessionsController {
  @Get()
  async list(@CurrentSession() session: Session<AppSession>): Promise<Device[]> {
    return toDevices(await session.list());
  }

  @Delete(':id')
  @HttpCode(204)
  async revoke(@Param('id') id: string, @CurrentSession() session: Session<AppSession>) {
    if (!(await session.revoke(id))) throw new NotFoundException('No such session of yours');
  }

  @Post('revoke-others')
  @HttpCode(200)
  async revokeOthers(@CurrentSession() session: Session<AppSession>) {
    return { revoked: await session.revokeOthers() };
  }
}
