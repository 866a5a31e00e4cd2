import { Body, Controller, HttpCode, Post, UnauthorizedException, UseGuards } from '@nestjs/common';
import { AllowAnonymous, CurrentSession, Session, SessionGuard } from '../src/index.js';
import type { AppSession } from './app-session.js';
import { DevicesGateway } from './devices.gateway.js';
import { JsonOnlyGuard } from './json-only.guard.js';
import { LoginDto } from './login.dto.js';
import { verifyUser } from './users.js';

@Controller('auth')
@UseGuards(SessionGuard)
export class AuthController {
  constructor(private readonly devices: DevicesGateway) {}

  @Post('login')
  @HttpCode(200)
  @AllowAnonymous()
  @UseGuards(JsonOnlyGuard)
  async login(@Body() body: LoginDto, @CurrentSession() session: Session<AppSession>) {
    const user = verifyUser(body.username, body.password);
    if (!user) throw new UnauthorizedException('Unknown user or wrong password');
    // A new ID at login, so an ID planted before it (session fixation) is worthless.
    await session.regenerate({ userId: user.id });
    session.set('name', user.name).set('role', user.role);
    return { user: user.name, role: user.role };
  }

  @Post('logout')
  @HttpCode(204)
  async logout(@CurrentSession() session: Session<AppSession>) {
    const { userId } = session;
    await session.destroy();
    this.devices.devicesChanged(userId);
  }
}
