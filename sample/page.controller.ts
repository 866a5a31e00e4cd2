import { Controller, Get, Header } from '@nestjs/common';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

// The page's files stay in the source tree: this module runs from sample/ under Vitest and from
// dist-sample/sample/ once compiled by `npm run sample`, so both places are tried.
function publicDir(): URL {
  const candidates = [new URL('./public/', import.meta.url), new URL('../../sample/public/', import.meta.url)];
  const found = candidates.find((dir) => existsSync(new URL('index.html', dir)));
  if (!found) throw new Error(`sample/public/index.html not found (looked in ${candidates.join(', ')})`);
  return found;
}

// The socket.io client's browser bundle, from the installed package: the page works offline.
function socketIoClient(): string {
  const manifest = createRequire(import.meta.url).resolve('socket.io-client/package.json');
  return readFileSync(join(dirname(manifest), 'dist', 'socket.io.min.js'), 'utf8');
}

// Only this origin's own script, style and API: an injected inline script would not run.
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
  "form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/**
 * Serves the sample's single page; everything it shows comes from the JSON routes, and the
 * socket.io connection that keeps its devices list live.
 */
@Controller()
export class PageController {
  private readonly html: string;
  private readonly script: string;
  private readonly style: string;
  private readonly socketClient: string;

  constructor() {
    const dir = publicDir();
    const read = (name: string) => readFileSync(new URL(name, dir), 'utf8');
    this.html = read('index.html');
    this.script = read('app.js');
    this.style = read('app.css');
    this.socketClient = socketIoClient();
  }

  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Content-Security-Policy', CSP)
  @Header('X-Content-Type-Options', 'nosniff')
  @Header('Cache-Control', 'no-cache')
  page(): string {
    return this.html;
  }

  @Get('app.js')
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  @Header('X-Content-Type-Options', 'nosniff')
  @Header('Cache-Control', 'no-cache')
  appScript(): string {
    return this.script;
  }

  @Get('vendor/socket.io.min.js')
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  @Header('X-Content-Type-Options', 'nosniff')
  @Header('Cache-Control', 'no-cache')
  socketIoScript(): string {
    return this.socketClient;
  }

  @Get('app.css')
  @Header('Content-Type', 'text/css; charset=utf-8')
  @Header('X-Content-Type-Options', 'nosniff')
  @Header('Cache-Control', 'no-cache')
  appStyle(): string {
    return this.style;
  }
}
