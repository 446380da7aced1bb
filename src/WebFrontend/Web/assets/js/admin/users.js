// Users (SUPER_ADMIN): search and filter accounts, create one (any role; a TEMP account with its expiry), and
// change a user's role, status and permissions, suspend or deactivate them. Routes: /api/users (docs/api/auth.md).
// Password hashes never leave the server; the screen shows only what the API's user view carries.
import { h, render, message, onSubmit, field, fmtDate } from '../ui.js';

const ROLES = ['SUPER_ADMIN', 'INFLUENCE_ADMIN', 'MAP_ADMIN', 'USER', 'TEMP'];
const STATUSES = ['ACTIVE', 'INACTIVE', 'SUSPENDED', 'EXPIRED'];
/** The apps a permission grants or withdraws (docs/api/platform.md "Roles"). */
const APPS = ['influence', 'map', 'shifts', 'canvass', 'media', 'pages', 'templates', 'settings', 'users'];
/** What an admin may let a volunteer do beyond public turf (docs/shifts.md "Private turf"). */
const GRANTS = [['privateShifts', 'See and join private shifts'], ['supportLevels', 'See support levels on walk lists']];

const options = (values, selected, blank) => [
  blank ? h('option', { value: '' }, blank) : '',
  ...values.map((v) => h('option', { value: v, selected: v === selected }, v)),
];

const parsePermissions = (text) => {
  try { const p = JSON.parse(text || '{}'); return p && typeof p === 'object' && !Array.isArray(p) ? p : {}; } catch { return {}; }
};

/** The permissions fields: for each app role default, granted or withdrawn; the two volunteer grants as boxes. */
function permissionFields(current) {
  const apps = h('div', { class: 'perm-grid' }, APPS.map((app) => field(app, h('select', { name: `app.${app}` },
    h('option', { value: '', selected: current[app] === undefined }, 'role default'),
    h('option', { value: 'true', selected: current[app] === true }, 'granted'),
    h('option', { value: 'false', selected: current[app] === false }, 'withdrawn')))));
  const grants = GRANTS.map(([key, label]) => h('label', { class: 'check' },
    h('input', { type: 'checkbox', name: `grant.${key}`, checked: current[key] === true }), ` ${label} (${key})`));
  return h('fieldset', { class: 'perms', name: 'permissions' }, h('legend', null, 'Permissions'), apps, grants);
}

/** Reads the permission fields back into the object the API stores, keeping keys the screen does not know. */
function readPermissions(data, current) {
  const next = { ...current };
  for (const app of APPS) {
    const v = data.get(`app.${app}`);
    if (v === 'true') next[app] = true; else if (v === 'false') next[app] = false; else delete next[app];
  }
  for (const [key] of GRANTS) {
    if (data.get(`grant.${key}`) === 'on') next[key] = true; else delete next[key];
  }
  return next;
}

export default async function users({ api, root }) {
  const list = h('div', { id: 'users-list' });
  const detail = h('div', { id: 'user-detail' });
  const filters = h('form', { id: 'users-filter', class: 'card', role: 'search' }, h('h2', null, 'Users'),
    h('div', { class: 'row' },
      field('Search (email or name)', h('input', { name: 'search', type: 'search', maxlength: 200 })),
      field('Role', h('select', { name: 'role' }, options(ROLES, '', 'any role'))),
      field('Status', h('select', { name: 'status' }, options(STATUSES, '', 'any status')))),
    h('button', { type: 'submit', class: 'primary' }, 'Search'));
  let query = new URLSearchParams({ pageSize: '100' });

  const load = async () => {
    let page;
    try {
      page = await api.get(`/api/users?${query}`);
    } catch (error) {
      if (error.status === 403) {
        render(root, h('section', { class: 'card' }, h('h2', null, 'Users'),
          message('error', 'Only a super admin may manage users. Your account is not allowed to open this screen (403).')));
        return false;
      }
      render(list, message('error', error.message));
      return true;
    }
    render(list, h('section', { class: 'card' }, h('h3', null, `${page.total} user${page.total === 1 ? '' : 's'}`),
      page.items.length ? h('div', { class: 'table-wrap' }, h('table', { id: 'users-table' },
        h('thead', null, h('tr', null, h('th', null, 'Email'), h('th', null, 'Name'), h('th', null, 'Role'), h('th', null, 'Status'), h('th', null, 'Last sign-in'), h('th', null, ''))),
        h('tbody', null, page.items.map((u) => h('tr', { dataset: { userId: u.id } },
          h('td', null, u.email), h('td', null, u.name ?? ''), h('td', { class: 'role' }, u.role),
          h('td', { class: 'status' }, h('span', { class: 'badge' }, u.status)), h('td', null, fmtDate(u.lastLoginAt)),
          h('td', null, h('button', { type: 'button', class: 'edit-user', onclick: () => edit(u.id) }, 'Edit'))))))) : message('info', 'No user matches.')));
    return true;
  };

  onSubmit(filters, async (data) => {
    query = new URLSearchParams({ pageSize: '100' });
    for (const key of ['search', 'role', 'status']) { const v = String(data.get(key) ?? '').trim(); if (v) query.set(key, v); }
    await load();
  });

  const create = h('form', { id: 'new-user', class: 'card' }, h('h3', null, 'New user'),
    h('div', { class: 'row' },
      field('Email', h('input', { name: 'email', type: 'email', required: true, autocomplete: 'off' })),
      field('Name', h('input', { name: 'name', maxlength: 200 })),
      field('Phone', h('input', { name: 'phone', type: 'tel', maxlength: 50 }))),
    h('div', { class: 'row' },
      field('Password (12+ characters, upper and lower case, a digit)', h('input', { name: 'password', type: 'password', required: true, autocomplete: 'new-password' })),
      field('Role', h('select', { name: 'role', required: true }, options(ROLES, 'USER'))),
      field('Expires after (days, TEMP)', h('input', { name: 'expireDays', type: 'number', min: 1, max: 3650 }))),
    h('button', { type: 'submit', class: 'primary' }, 'Create user'));
  onSubmit(create, async (data) => {
    const body = { email: String(data.get('email')).trim(), password: String(data.get('password')), role: data.get('role') };
    for (const key of ['name', 'phone']) { const v = String(data.get(key) ?? '').trim(); if (v) body[key] = v; }
    if (String(data.get('expireDays') ?? '').trim()) body.expireDays = Number(data.get('expireDays'));
    const user = await api.post('/api/users', body);
    create.reset();
    await load();
    await edit(user.id, `Created ${user.email}.`);
  });

  /** The edit form of one user: role, status, name, phone, expiry, permissions; suspend and deactivate. */
  async function edit(id, note) {
    let user;
    try { user = await api.get(`/api/users/${id}`); } catch (error) { render(detail, message('error', error.message)); return; }
    const current = parsePermissions(user.permissions);
    const form = h('form', { id: 'edit-user', class: 'card', dataset: { userId: user.id } },
      h('h3', null, `Edit ${user.email}`),
      note ? message('ok', note) : '',
      h('p', { class: 'muted' }, `Created ${fmtDate(user.createdAt)} (${user.createdVia}) · email ${user.emailVerified ? 'verified' : 'not verified'}`
        + (user.expiresAt ? ` · expires ${fmtDate(user.expiresAt)}` : '')),
      h('div', { class: 'row' },
        field('Name', h('input', { name: 'name', value: user.name ?? '', maxlength: 200 })),
        field('Phone', h('input', { name: 'phone', type: 'tel', value: user.phone ?? '', maxlength: 50 }))),
      h('div', { class: 'row' },
        field('Role', h('select', { name: 'role' }, options(ROLES, user.role))),
        field('Status', h('select', { name: 'status' }, options(STATUSES, user.status))),
        field('Expires at (TEMP)', h('input', { name: 'expiresAt', type: 'datetime-local', value: user.expiresAt ? toLocalInput(user.expiresAt) : '' }))),
      permissionFields(current),
      h('div', { class: 'row' },
        h('button', { type: 'submit', class: 'primary', name: 'save' }, 'Save'),
        h('button', { type: 'submit', name: 'suspend', value: 'SUSPENDED' }, 'Suspend'),
        h('button', { type: 'submit', class: 'danger', name: 'deactivate' }, 'Deactivate')));
    onSubmit(form, async (data, submitter) => {
      let saved;
      if (submitter?.name === 'deactivate') {
        if (!confirm(`Deactivate ${user.email}? They are signed out everywhere.`)) return;
        await api.del(`/api/users/${user.id}`);
        await load();
        return edit(user.id, 'Deactivated.');
      }
      if (submitter?.name === 'suspend') {
        saved = await api.patch(`/api/users/${user.id}`, { status: 'SUSPENDED' });
      } else {
        // Only what changed is sent: your own role and status may not be changed, even to the same value.
        const body = {};
        for (const key of ['name', 'phone', 'role', 'status']) {
          const v = String(data.get(key) ?? '');
          if (v !== (user[key] ?? '')) body[key] = v;
        }
        const permissions = readPermissions(data, current);
        if (JSON.stringify(permissions) !== JSON.stringify(current)) body.permissions = permissions;
        const expires = String(data.get('expiresAt') ?? '');
        if (expires && expires !== (user.expiresAt ? toLocalInput(user.expiresAt) : '')) body.expiresAt = new Date(expires).toISOString();
        saved = await api.patch(`/api/users/${user.id}`, body);
      }
      await load();
      await edit(saved.id, `Saved: ${saved.role}, ${saved.status}.`);
    });
    render(detail, form);
    form.scrollIntoView({ block: 'nearest' });
  }

  if (!await load()) return;
  render(root, filters, list, detail, create);
}

/** An ISO time as a datetime-local input's value (the browser's local time). */
function toLocalInput(iso) {
  const d = new Date(iso);
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
