// The sample's page: plain DOM code, no build step. The session cookie is HttpOnly, so this script
// never sees it; every change goes through fetch with POST or DELETE, which the session module
// refuses from any other origin (and SameSite=Lax keeps other sites from sending the cookie with).
// While the account is shown, a socket.io connection keeps the devices list live.

const byId = (id) => document.getElementById(id);

/** The server no longer knows this browser's session: it was signed out here or elsewhere. */
class SignedOut extends Error {}

async function call(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 401) throw new SignedOut();
  if (!response.ok) throw new Error(`The server answered ${response.status}. Try again in a moment.`);
  return response.status === 204 ? undefined : response.json();
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

function ago(date) {
  const seconds = (date.getTime() - Date.now()) / 1000;
  if (seconds > -60) return 'just now';
  if (seconds > -3600) return relative.format(Math.round(seconds / 60), 'minute');
  if (seconds > -86400) return relative.format(Math.round(seconds / 3600), 'hour');
  return relative.format(Math.round(seconds / 86400), 'day');
}

function setTime(element, iso, text) {
  element.dateTime = iso;
  element.title = dateTime.format(new Date(iso));
  element.textContent = text;
}

function show(view) {
  for (const id of ['loading', 'sign-in', 'account']) byId(id).hidden = id !== view;
}

function showSignIn(notice) {
  closeLive();
  byId('sign-in-notice').hidden = !notice;
  byId('sign-in-notice').textContent = notice ?? '';
  byId('sign-in-error').textContent = '';
  byId('sign-in-form').reset();
  show('sign-in');
  byId('username').focus();
}

/** This browser's session ended without this page asking: revoked from another device, or expired. */
function sessionEnded() {
  showSignIn('Your session has ended. Sign in again.');
}

function renderDevices(devices) {
  const template = byId('device-template');
  const rows = devices.map((device, index) => {
    const row = template.content.firstElementChild.cloneNode(true);
    row.classList.toggle('current', device.current);
    row.classList.toggle('mobile', device.mobile);
    const name = row.querySelector('.browser');
    name.id = `device-${index}`;
    name.textContent = device.browser;
    if (!device.current) row.querySelector('.badge').remove();
    setTime(row.querySelector('.signed-in'), device.createdAt, dateTime.format(new Date(device.createdAt)));
    setTime(row.querySelector('.last-seen'), device.lastSeenAt, ago(new Date(device.lastSeenAt)));
    if (device.ip) row.querySelector('.ip').textContent = ` · ${device.ip}`;
    const revoke = row.querySelector('.revoke');
    if (device.current) {
      // This device signs out with the "Sign out" button above.
      revoke.remove();
    } else {
      revoke.setAttribute('aria-describedby', name.id);
      revoke.addEventListener('click', () => act(revoke, () => call('DELETE', `/sessions/${encodeURIComponent(device.handle)}`), 'Signed out that device.'));
    }
    return row;
  });
  byId('devices').replaceChildren(...rows);
  byId('sign-out-others').disabled = devices.length < 2;
}

let listRequest = 0;

/** Draws the devices list as the server has it; of overlapping loads, the last one started wins. */
async function loadDevices() {
  const request = ++listRequest;
  const devices = await call('GET', '/sessions');
  if (request === listRequest) renderDevices(devices);
}

/** Reloads the list when the server says it changed. */
async function refreshDevices() {
  try {
    await loadDevices();
  } catch (error) {
    if (error instanceof SignedOut) sessionEnded();
    else byId('status').textContent = error.message;
  }
}

async function showAccount() {
  const [me] = await Promise.all([call('GET', '/me'), loadDevices()]);
  byId('user-name').textContent = me.name;
  byId('user-role').textContent = `${me.role} · user ID ${me.userId}`;
  byId('avatar').textContent = me.name.charAt(0).toUpperCase();
  show('account');
  openLive();
}

// The live connection while the account is shown. `io` is the socket.io client, a global from
// /vendor/socket.io.min.js. The server checks the session when the socket connects, and closes
// the socket when it ends that session.
let live;

function openLive() {
  if (live || typeof globalThis.io !== 'function') return;
  const socket = globalThis.io({ transports: ['websocket'] });
  live = socket;
  socket.on('connect', () => {
    // The answer comes once this socket is in the user's room: from then on the list is live.
    socket.emit('devices:watch', (watching) => (byId('live').hidden = watching !== true));
  });
  socket.on('devices:changed', () => refreshDevices());
  socket.on('disconnect', (reason) => {
    byId('live').hidden = true;
    // The server ended the connection: it does when it ends this session. Connecting again asks
    // it whether the session is still valid; an ended one is refused with UNAUTHENTICATED.
    if (reason === 'io server disconnect') socket.connect();
  });
  socket.on('connect_error', (error) => {
    if (error.data?.code === 'UNAUTHENTICATED') sessionEnded();
    // socket.io retries a lost connection by itself, but not a refused one (the store was down).
    else if (!socket.active) setTimeout(() => live === socket && socket.connect(), 5000);
  });
  // A message refused because the session ended elsewhere; the socket closes right after.
  socket.on('exception', (error) => {
    if (error?.code === 'UNAUTHENTICATED') sessionEnded();
  });
}

function closeLive() {
  live?.disconnect();
  live = undefined;
  byId('live').hidden = true;
}

/** Runs one user action with its button disabled, then shows the outcome. */
async function act(button, action, done) {
  button.disabled = true;
  byId('status').textContent = '';
  try {
    // Enabled again before the list is redrawn, which decides whether it stays enabled.
    const result = await action().finally(() => (button.disabled = false));
    await showAccount();
    byId('status').textContent = typeof done === 'function' ? done(result) : done;
  } catch (error) {
    if (error instanceof SignedOut) sessionEnded();
    else byId('status').textContent = error.message;
  }
}

byId('sign-in-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  const submit = form.querySelector('button');
  submit.disabled = true;
  try {
    const response = await fetch('/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: form.username.value, password: form.password.value }),
    });
    if (response.status === 401) {
      byId('sign-in-error').textContent = 'Unknown user or wrong password.';
      return;
    }
    if (!response.ok) throw new Error(`The server answered ${response.status}. Try again in a moment.`);
    await showAccount();
  } catch (error) {
    byId('sign-in-error').textContent = error.message;
  } finally {
    submit.disabled = false;
  }
});

byId('sign-out').addEventListener('click', async () => {
  // Closed first: the server closes it as well when the session ends, and this page knows why.
  closeLive();
  try {
    await call('POST', '/auth/logout');
    showSignIn('You are signed out.');
  } catch (error) {
    if (error instanceof SignedOut) {
      sessionEnded();
    } else {
      byId('status').textContent = error.message;
      openLive();
    }
  }
});

byId('sign-out-others').addEventListener('click', (event) =>
  act(event.currentTarget, () => call('POST', '/sessions/revoke-others'), ({ revoked }) =>
    revoked === 1 ? 'Signed out 1 other device.' : `Signed out ${revoked} other devices.`,
  ),
);

try {
  await showAccount();
} catch (error) {
  if (error instanceof SignedOut) showSignIn();
  else byId('loading').textContent = error.message;
}
