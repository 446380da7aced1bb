// Site settings (SUPER_ADMIN, /api/settings, docs/api/settings.md): the organisation and its themes (what the public
// pages show, /api/public/settings), outbound mail (the SMTP password is write-only: the screen only says whether
// one is stored), the connection and send tests with the server's own words, email test mode, the feature toggles,
// and the map's start position and walk sheet texts (/api/map/settings). Each section saves only its own fields.
import { h, render, message, onSubmit, field, fmtDate } from '../ui.js';

const TOGGLES = [
  ['enableInfluence', 'Influence (campaigns, representatives, response wall)'],
  ['enableMap', 'Map, shifts and canvassing'],
  ['enableLandingPages', 'Landing pages'],
  ['enableMedia', 'Media library'],
  ['enableNewsletter', 'Newsletter'],
];

export default async function settings({ api, root, reload }) {
  let s;
  try {
    s = await api.get('/api/settings');
  } catch (error) {
    if (error.status !== 403) throw error;
    render(root, h('section', { class: 'card' }, h('h2', null, 'Settings'),
      message('error', 'Only a super admin may change the site settings. Your account is not allowed to open this screen (403).')));
    return;
  }
  const map = await api.get('/api/map/settings').catch((error) => ({ error }));

  const text = (name, label, props = {}) => field(label, h('input', { name, value: s[name] ?? '', ...props }));
  const check = (name, label) => h('label', { class: 'check' }, h('input', { type: 'checkbox', name, checked: !!s[name] }), ` ${label}`);
  /** Saves a section's fields; optional texts left empty are sent as "" (which clears them). */
  const save = (form, fields, extra = () => ({})) => onSubmit(form, async (data) => {
    const body = {};
    for (const [name, kind] of fields) {
      if (kind === 'bool') body[name] = data.get(name) === 'on';
      else if (kind === 'int') { const v = String(data.get(name) ?? '').trim(); if (v) body[name] = Number(v); }
      else body[name] = String(data.get(name) ?? '');
    }
    Object.assign(body, extra(data));
    await api.put('/api/settings', body);
    await reload();
    document.getElementById(form.id)?.prepend(message('ok', 'Saved.'));
  });

  const org = h('form', { id: 'settings-organization', class: 'card' }, h('h2', null, 'Organisation and theme'),
    h('div', { class: 'row' },
      text('organizationName', 'Organisation name', { required: true, maxlength: 200 }),
      text('organizationShortName', 'Short name (≤ 10)', { required: true, maxlength: 10 })),
    h('div', { class: 'row' },
      text('organizationLogoUrl', 'Logo (URL or /path)'),
      text('organizationFaviconUrl', 'Favicon (URL or /path)')),
    h('div', { class: 'row' },
      text('publicColorPrimary', 'Public colour', { pattern: '#[0-9a-fA-F]{3,8}' }),
      text('publicColorBgBase', 'Public background', { pattern: '#[0-9a-fA-F]{3,8}' }),
      text('publicColorBgContainer', 'Public panels', { pattern: '#[0-9a-fA-F]{3,8}' })),
    h('div', { class: 'row' },
      text('adminColorPrimary', 'Admin colour', { pattern: '#[0-9a-fA-F]{3,8}' }),
      text('adminColorBgBase', 'Admin background', { pattern: '#[0-9a-fA-F]{3,8}' })),
    text('publicHeaderGradient', 'Public header gradient (CSS, optional)', { maxlength: 500 }),
    text('footerText', 'Footer text', { maxlength: 1000 }),
    text('loginSubtitle', 'Sign-in subtitle', { maxlength: 500 }),
    h('button', { type: 'submit', class: 'primary' }, 'Save organisation'));
  save(org, [['organizationName'], ['organizationShortName'], ['organizationLogoUrl'], ['organizationFaviconUrl'], ['publicColorPrimary'],
    ['publicColorBgBase'], ['publicColorBgContainer'], ['adminColorPrimary'], ['adminColorBgBase'], ['publicHeaderGradient'], ['footerText'], ['loginSubtitle']]);

  const smtpOut = h('div', { id: 'smtp-test-result' });
  const smtp = h('form', { id: 'settings-smtp', class: 'card' }, h('h2', null, 'Outbound mail (SMTP)'),
    h('p', { class: 'muted' }, 'These override the server\'s SMTP_* configuration once a host is set.'),
    h('div', { class: 'row' },
      text('smtpHost', 'Host'), text('smtpPort', 'Port', { type: 'number', min: 1, max: 65535 }),
      field('Provider', h('select', { name: 'smtpActiveProvider' }, ['production', 'mailhog'].map((p) => h('option', { value: p, selected: p === s.smtpActiveProvider }, p))))),
    h('div', { class: 'row' },
      text('smtpUser', 'User name', { autocomplete: 'off' }),
      field(`Password (${s.smtpPasswordSet ? 'set' : 'not set'}; empty keeps it)`,
        h('input', { name: 'smtpPass', type: 'password', autocomplete: 'new-password', id: 'smtp-pass', dataset: { set: String(s.smtpPasswordSet) } }))),
    s.smtpPasswordSet ? h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'removePassword' }), ' Remove the stored password') : '',
    h('div', { class: 'row' }, text('smtpFromAddress', 'From address', { type: 'email' }), text('emailFromName', 'From name', { maxlength: 200 })),
    h('div', { class: 'row' },
      h('button', { type: 'submit', class: 'primary' }, 'Save mail settings'),
      h('button', { type: 'button', id: 'smtp-test-connection', onclick: () => smtpTest(() => api.post('/api/settings/smtp/test-connection')) }, 'Test connection')),
    smtpOut);
  save(smtp, [['smtpHost'], ['smtpPort', 'int'], ['smtpActiveProvider'], ['smtpUser'], ['smtpFromAddress'], ['emailFromName']], (data) => {
    // Write-only: a typed password replaces the stored one, the box removes it, neither keeps it.
    const pass = String(data.get('smtpPass') ?? '');
    if (data.get('removePassword') === 'on') return { smtpPass: '' };
    return pass ? { smtpPass: pass } : {};
  });
  async function smtpTest(call) {
    render(smtpOut, h('p', { class: 'muted' }, 'Asking the server…'));
    try {
      const r = await call();
      render(smtpOut, message(r.ok ? 'ok' : 'error', `${r.ok ? 'Succeeded' : 'Failed'}: ${r.host ?? '?'}:${r.port ?? '?'}${r.recipient ? ` to ${r.recipient}` : ''}${r.statusCode ? ` (${r.statusCode})` : ''}`),
        h('pre', { class: 'server-said', id: 'smtp-server-said' }, r.message ?? ''));
    } catch (error) {
      render(smtpOut, message('error', error.message));
    }
  }
  const testSend = h('form', { id: 'smtp-test-send', class: 'card' }, h('h3', null, 'Send a test email'),
    field('To', h('input', { name: 'to', type: 'email', required: true })),
    h('button', { type: 'submit' }, 'Send test email'));
  onSubmit(testSend, async (data) => smtpTest(() => api.post('/api/settings/smtp/test-send', { to: String(data.get('to')).trim() })));

  const testMode = h('form', { id: 'settings-test-mode', class: 'card' }, h('h2', null, 'Email test mode'),
    h('p', { class: 'muted' }, 'Every email goes to one address instead of its recipient, its subject naming the original.'),
    check('emailTestMode', 'Send every email to the test recipient'),
    text('testEmailRecipient', 'Test recipient', { type: 'email' }),
    h('button', { type: 'submit', class: 'primary' }, 'Save test mode'));
  save(testMode, [['emailTestMode', 'bool'], ['testEmailRecipient']]);

  const toggles = h('form', { id: 'settings-features', class: 'card' }, h('h2', null, 'Features'),
    h('p', { class: 'muted' }, 'A switched-off feature\'s routes answer 404 on every server within about a second.'),
    TOGGLES.map(([name, label]) => check(name, label)),
    h('button', { type: 'submit', class: 'primary' }, 'Save features'));
  save(toggles, TOGGLES.map(([name]) => [name, 'bool']));

  const mapSection = map.error ? h('section', { class: 'card', id: 'settings-map' }, h('h2', null, 'Map'), message('error', map.error.message))
    : mapForm(api, map, reload);

  render(root, h('p', { class: 'muted' }, `Settings version ${s.version}${s.updatedAt ? `, changed ${fmtDate(s.updatedAt)}` : ''}.`),
    org, smtp, testSend, testMode, toggles, mapSection);
}

/** The map's start position and the printed walk sheet's texts and QR codes. */
function mapForm(api, m, reload) {
  const text = (name, label, props = {}) => field(label, h('input', { name, value: m[name] ?? '', ...props }));
  const form = h('form', { id: 'settings-map', class: 'card' }, h('h2', null, 'Map'),
    h('div', { class: 'row' },
      text('latitude', 'Start latitude', { type: 'number', step: 'any', min: -90, max: 90 }),
      text('longitude', 'Start longitude', { type: 'number', step: 'any', min: -180, max: 180 }),
      text('zoom', 'Zoom (0–22)', { type: 'number', min: 0, max: 22 })),
    text('walkSheetTitle', 'Walk sheet title'), text('walkSheetSubtitle', 'Walk sheet subtitle'), text('walkSheetFooter', 'Walk sheet footer'),
    [1, 2, 3].map((i) => h('div', { class: 'row' }, text(`qrCode${i}Url`, `QR code ${i} address`, { type: 'url' }), text(`qrCode${i}Label`, `QR code ${i} label`))),
    h('button', { type: 'submit', class: 'primary' }, 'Save map settings'));
  onSubmit(form, async (data) => {
    const body = {};
    for (const key of ['latitude', 'longitude', 'zoom']) { const v = String(data.get(key) ?? '').trim(); if (v) body[key] = Number(v); }
    for (const key of ['walkSheetTitle', 'walkSheetSubtitle', 'walkSheetFooter', 'qrCode1Url', 'qrCode1Label', 'qrCode2Url', 'qrCode2Label', 'qrCode3Url', 'qrCode3Label']) {
      const v = String(data.get(key) ?? '');
      if (v) body[key] = v;
    }
    await api.put('/api/map/settings', body);
    await reload();
    document.getElementById('settings-map')?.prepend(message('ok', 'Saved.'));
  });
  return form;
}
