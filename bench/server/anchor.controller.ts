import { Body, Controller, Get, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import { type AnchorRequest, AnchorSessionGuard } from './anchor-session.guard.js';

/** The routes over express-session or @fastify/session, whichever the app registered. */
@Controller()
export class AnchorController {
  @Post('login')
  @HttpCode(200)
  login(@Body() body: { user: string }, @Req() request: AnchorRequest) {
    // Both anchors create the session object on every request and store it once it holds data.
    (request.session as { userId?: string }).userId = body.user;
    return { user: body.user };
  }

  @Get('me')
  @UseGuards(AnchorSessionGuard)
  me(@Req() request: AnchorRequest) {
    return { user: request.session?.userId };
  }
}
