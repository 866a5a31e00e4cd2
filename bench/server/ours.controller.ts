import { Body, Controller, Get, HttpCode, Post, UseGuards } from '@nestjs/common';
import { AllowAnonymous, CurrentSession, type Session, SessionGuard } from '../../src/index.js';

/** The routes as the README writes them with this module. */
@Controller()
@UseGuards(SessionGuard)
export class OursController {
  @Post('login')
  @HttpCode(200)
  @AllowAnonymous()
  async login(@Body() body: { user: string }, @CurrentSession() session: Session) {
    await session.regenerate({ userId: body.user });
    return { user: session.userId };
  }

  @Get('me')
  me(@CurrentSession() session: Session) {
    return { user: session.userId };
  }
}
