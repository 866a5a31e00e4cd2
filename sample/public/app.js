// The sample's page: plain DOM code, no build step. The session cookie is HttpOnly, so this script
// never sees it; every change goes through fetch with POST or DELETE, which SameSite=Lax keeps
// other sites from sending with the cookie.

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
  byId('sign-in-notice').hidden = !notice;
  byId('sign-in-notice').textContent = notice ?? '';
  byId('sign-in-error').textContent = '';
  byId('sign-in-form').reset();
  show('sign-in');
  byId('username').focus();
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

async function showAccount() {
  const [me, devices] = await Promise.all([call('GET', '/me'), call('GET', '/sessions')]);
  byId('user-name').textContent = me.name;
  byId('user-role').textContent = `${me.role} · user ID ${me.userId}`;
  byId('avatar').textContent = me.name.charAt(0).toUpperCase();
  renderDevices(devices);
  show('account');
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
    if (error instanceof SignedOut) showSignIn('Your session has ended. Sign in again.');
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
  try {
    await call('POST', '/auth/logout');
    showSignIn('You are signed out.');
  } catch (error) {
    if (error instanceof SignedOut) showSignIn('Your session has ended. Sign in again.');
    else byId('status').textContent = error.message;
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
