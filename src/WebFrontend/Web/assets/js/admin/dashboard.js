// Dashboard: who is signed in, figures of each app the caller administers (stat cards), the next shifts, the
// campaigns and a feed of recent activity. Influence figures come from GET /api/campaigns/stats, the others from the
// apps' own list routes; an app the caller does not administer shows no card. Figures follow the live topics:
// campaign:{id} (emails, responses), shift:{id} (places filled), canvass:live (sessions, visits).
import { h, render, message, fmtShift, fmtDate } from '../ui.js';

/** Today as the API writes shift dates (YYYY-MM-DD), in the browser's time zone. */
const today = () => {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
};

/** The apps each role administers unless its permissions say otherwise (the server's AccessRules). */
const ROLE_APPS = { INFLUENCE_ADMIN: ['influence', 'templates'], MAP_ADMIN: ['map', 'shifts', 'canvass'] };

/** Whether the user administers an app: a SUPER_ADMIN all, a TEMP none, else the role's apps with its overrides. */
function administers(me, app) {
  if (me.role === 'SUPER_ADMIN') return true;
  if (me.role === 'TEMP') return false;
  let permissions = {};
  try { permissions = JSON.parse(me.permissions || '{}') ?? {}; } catch { permissions = {}; }
  const override = Object.entries(permissions).find(([key]) => key.toLowerCase() === app)?.[1];
  return typeof override === 'boolean' ? override : (ROLE_APPS[me.role] ?? []).includes(app);
}

/** A request whose refusal (403, a switched-off app's 404) means "not for this user": null instead of a failure. */
const optional = (promise) => promise.catch((error) => {
  if (error.status === 403 || error.status === 404) return null;
  throw error;
});

export default async function dashboard({ api, root, watch, hub, onLeave }) {
  const me = await api.get('/api/auth/me');
  const stats = h('div', { class: 'stat-grid', id: 'dashboard-stats' });
  const shiftsBox = h('section', { class: 'card' }, h('h2', null, 'Next shifts'), h('p', { class: 'muted' }, 'Loading…'));
  const campaignsBox = h('section', { class: 'card' }, h('h2', null, 'Campaigns'), h('p', { class: 'muted' }, 'Loading…'));
  const feed = h('ul', { class: 'list activity', id: 'recent-activity' });
  const liveState = h('span', { class: 'badge', id: 'live-state' }, 'connecting');
  render(root, h('section', { class: 'card' }, h('h2', null, `Welcome, ${me.name || me.email}`), h('p', { class: 'muted' }, `Role: ${me.role}`)),
    stats,
    h('div', { class: 'grid' }, shiftsBox, campaignsBox),
    h('section', { class: 'card' }, h('div', { class: 'row' }, h('h2', null, 'Recent activity'), liveState), feed));

  /** A stat card; returns the element holding its value and the one holding its note, to update live. */
  const card = (id, label, value, note = '') => {
    const v = h('strong', { class: 'stat-value' }, String(value));
    const n = h('small', { class: 'muted' }, note);
    stats.append(h('section', { class: 'card stat', id: `stat-${id}` }, h('span', { class: 'stat-label' }, label), v, n));
    return { value: v, note: n };
  };

  // Recent activity: one list for every app, newest first, at most 30 entries.
  const activity = [];
  const showActivity = () => {
    activity.sort((a, b) => b.at - a.at);
    activity.splice(30);
    render(feed, activity.length ? activity.map((a) => h('li', { class: `activity-${a.kind}` },
      h('span', null, h('span', { class: 'badge' }, a.kind), ' ', a.text), h('small', { class: 'muted' }, fmtDate(a.at.toISOString()))))
      : h('li', null, h('span', { class: 'muted' }, 'Nothing yet.')));
  };
  const addActivity = (kind, text, at) => {
    const when = new Date(at);
    if (!Number.isNaN(when.getTime())) activity.push({ kind, text, at: when });
  };

  // Only the figures of the apps the caller administers (others would be a volunteer's view, or a 403).
  const when = (app, path) => (administers(me, app) ? optional(api.get(path)) : Promise.resolve(null));
  const [figures, campaigns, pending, shifts, sessions] = await Promise.all([
    when('influence', '/api/campaigns/stats?recent=10'),
    when('influence', '/api/campaigns?pageSize=40'),
    when('influence', '/api/responses?status=PENDING&pageSize=10'),
    when('shifts', `/api/shifts?from=${today()}&pageSize=500`),
    when('canvass', '/api/canvass/sessions?status=ACTIVE&pageSize=1'),
  ]);

  // Influence (GET /api/campaigns/stats): campaigns, emails of the last 24 hours, responses waiting for moderation.
  const emailCounts = new Map();
  let emailsCard = null;
  let pendingCard = null;
  if (figures) {
    card('campaigns', 'Active campaigns', figures.activeCampaigns, `${figures.campaigns} in all`);
    const by = figures.emailsLast24HoursByStatus ?? {};
    let emails = figures.emailsLast24Hours;
    const emailsShown = card('emails', 'Emails, last 24 h', emails,
      `${by.SENT ?? 0} sent · ${by.QUEUED ?? 0} queued · ${by.FAILED ?? 0} failed · ${by.CLICKED ?? 0} by mail app`);
    for (const c of campaigns?.items ?? []) emailCounts.set(c.id, c.emailCount ?? 0);
    // A campaign's count rising live is that many new emails.
    emailsCard = { add: (n) => { emails += n; emailsShown.value.textContent = String(emails); } };
    pendingCard = card('pending', 'Responses to moderate', figures.pendingResponses, '');
    pendingCard.note.append(h('a', { href: '#/responses' }, 'Moderate'));
    for (const e of figures.recentEmails) addActivity('email', `${e.emailMethod} to ${e.recipientName || e.recipientEmail} (${e.campaignTitle}), ${e.status}`, e.sentAt);
  }
  for (const r of pending?.items ?? []) addActivity('response', `${r.representativeName}: “${r.responseText.slice(0, 80)}”`, r.createdAt);
  // Shifts: upcoming shifts and their places.
  const shiftCounts = new Map();
  let placesCard = null;
  if (shifts) {
    for (const s of shifts.items) if (s.status !== 'CANCELLED') shiftCounts.set(s.id, { current: s.currentVolunteers, max: s.maxVolunteers });
    const filled = () => {
      let current = 0; let max = 0;
      for (const c of shiftCounts.values()) { current += c.current; max += c.max; }
      return { current, max };
    };
    const f = filled();
    card('shifts', 'Upcoming shifts', shiftCounts.size, shifts.total > shifts.items.length ? `first ${shifts.items.length} counted` : '');
    placesCard = { card: card('places', 'Places filled', `${f.current} / ${f.max}`, f.max ? `${Math.round((100 * f.current) / f.max)} %` : ''), filled };
  }
  // Canvassing: sessions open now, and the visits recorded while this screen is open.
  let sessionsCard = null;
  let visitsCard = null;
  let visitsSeen = 0;
  if (sessions) {
    sessionsCard = card('sessions', 'Active canvass sessions', sessions.total, '');
    visitsCard = card('visits', 'Visits since opened', 0, `since ${new Date().toLocaleTimeString()}`);
  }
  if (!stats.children.length) stats.append(message('info', 'No app figures for your role.'));

  // Recent signups: the latest of the next shifts.
  const nextShifts = (shifts?.items ?? []).slice(0, 3);
  await Promise.all(nextShifts.map((s) => optional(api.get(`/api/shifts/${s.id}/signups?pageSize=5`)).then((page) => {
    for (const x of page?.items ?? []) addActivity('signup', `${x.userName || 'A volunteer'} for ${s.title} (${x.status})`, x.signupDate);
  }).catch(() => {})));
  showActivity();

  render(shiftsBox, h('h2', null, 'Next shifts'),
    shifts ? (shifts.items.length ? h('ul', { class: 'list' }, shifts.items.slice(0, 5).map((s) => h('li', null, h('span', null, s.title, h('br'), h('small', { class: 'muted' }, fmtShift(s))),
      h('span', { class: 'badge', dataset: { shiftId: s.id } }, `${s.currentVolunteers}/${s.maxVolunteers}`)))) : message('info', 'No upcoming shift.'))
      : message('info', 'Shifts are not among your apps.'),
    shifts ? h('a', { href: '#/shifts' }, 'All shifts') : '');
  render(campaignsBox, h('h2', null, 'Campaigns'),
    campaigns ? (campaigns.items.length ? h('ul', { class: 'list' }, campaigns.items.slice(0, 5).map((c) => h('li', null, h('span', null, c.title), h('span', { class: 'badge' }, c.status))))
      : message('info', 'No campaign yet.')) : message('info', 'Campaigns are not among your apps.'),
    campaigns ? h('a', { href: '#/campaigns' }, 'All campaigns') : '');

  // Another screen (or a sign-out) took the console while this one loaded: watch nothing for it.
  if (!root.isConnected) return;
  // Live: each card follows its app's topic.
  const live = hub();
  if (figures) {
    const responseCounts = new Map((campaigns?.items ?? []).map((c) => [c.id, c.responseCount ?? 0]));
    onLeave(live.on('campaignCounts', async (e) => {
      if (e.emailCount != null && emailCounts.has(e.campaignId)) {
        const added = e.emailCount - emailCounts.get(e.campaignId);
        emailCounts.set(e.campaignId, e.emailCount);
        if (added > 0) emailsCard.add(added);
      }
      // A new response is pending until moderated: read the figure again.
      if (e.responseCount != null && e.responseCount !== responseCounts.get(e.campaignId)) {
        responseCounts.set(e.campaignId, e.responseCount);
        const now = await api.get('/api/campaigns/stats?recent=0').catch(() => null);
        if (now) pendingCard.value.textContent = String(now.pendingResponses);
      }
    }));
  }
  if (placesCard) {
    onLeave(live.on('shiftUpdated', (e) => {
      const c = shiftCounts.get(e.shiftId);
      if (!c) return;
      c.current = e.currentVolunteers;
      c.max = e.maxVolunteers;
      const f = placesCard.filled();
      placesCard.card.value.textContent = `${f.current} / ${f.max}`;
      placesCard.card.note.textContent = f.max ? `${Math.round((100 * f.current) / f.max)} %` : '';
      const badge = shiftsBox.querySelector(`[data-shift-id="${e.shiftId}"]`);
      if (badge) badge.textContent = `${e.currentVolunteers}/${e.maxVolunteers}`;
    }));
  }
  if (sessionsCard) {
    onLeave(live.on('sessionChanged', async () => {
      const now = await api.get('/api/canvass/sessions?status=ACTIVE&pageSize=1').catch(() => null);
      if (now) sessionsCard.value.textContent = String(now.total);
    }));
    onLeave(live.on('visitRecorded', (e) => {
      visitsSeen += 1;
      visitsCard.value.textContent = String(visitsSeen);
      addActivity('visit', `${e.outcome}${e.supportLevel ? `, ${e.supportLevel}` : ''}`, e.visitedAt);
      showActivity();
    }));
  }
  // A connection watches at most LIVE_MAX_TOPICS_PER_CONNECTION topics (100): 40 campaigns, 40 shifts, the canvass feed.
  const topics = [
    ...(figures ? (campaigns?.items ?? []).slice(0, 40).map((c) => `campaign:${c.id}`) : []),
    ...(placesCard ? [...shiftCounts.keys()].slice(0, 40).map((id) => `shift:${id}`) : []),
    ...(sessionsCard ? ['canvass:live'] : []),
  ];
  try {
    await Promise.all(topics.map((t) => watch(t)));
    liveState.textContent = 'live';
    liveState.className = 'badge badge-live';
  } catch (error) {
    liveState.textContent = `not live: ${error.message}`;
  }
}
