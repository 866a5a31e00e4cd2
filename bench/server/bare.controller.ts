import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { BENCH_USER } from '../variants.js';

/** The same routes with no session at all: what a request costs before anyone handles sessions. */
@Controller()
export class BareController {
  @Post('login')
  @HttpCode(200)
  login(@Body() body: { user: string }) {
    return { user: body.user };
  }

  @Get('me')
  me() {
    return { user: BENCH_USER };
  }
}
