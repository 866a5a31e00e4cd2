import { Controller, Delete, Get, HttpCode, NotFoundException, Param, Post, UseGuards } from '@nestjs/common';
import { CurrentSession, Session, SessionGuard } from '../src/index.js';
import type { AppSession } from './app-session.js';
import { type Device, toDevices } from './devices.js';
import { DevicesGateway } from './devices.gateway.js';

@Controller('sessions')
@UseGuards(SessionGuard)
export class SessionsController {
  constructor(private readonly devices: DevicesGateway) {}

  @Get()
  async list(@CurrentSession() session: Session<AppSession>): Promise<Device[]> {
    return toDevices(await session.list());
  }

  @Delete(':id')
  @HttpCode(204)
  async revoke(@Param('id') id: string, @CurrentSession() session: Session<AppSession>) {
    // Read first: revoking this very session resets it.
    const { userId } = session;
    if (!(await session.revoke(id))) throw new NotFoundException('No such session of yours');
    this.devices.devicesChanged(userId);
  }

  @Post('revoke-others')
  @HttpCode(200)
  async revokeOthers(@CurrentSession() session: Session<AppSession>) {
    const revoked = await session.revokeOthers();
    this.devices.devicesChanged(session.userId);
    return { revoked };
  }
}
