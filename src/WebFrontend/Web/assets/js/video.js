// A video of the public gallery (/media/{id}): the player on the API's stream, one reaction per visitor (a later one
// replaces it), the approved comments and a form for a new one, which waits for moderation.
import { createApi } from './api.js';
import { h, render, message, onSubmit, field, start, fmtDate } from './ui.js';
import { fmtDuration, REACTIONS, videoCard as card } from './content.js';

const api = createApi('public');
const main = document.getElementById('app');
const id = location.pathname.split('/').filter(Boolean)[1] ?? '';
const mineKey = `cml.reaction.${id}`;

start(main, async () => {
  let detail;
  try {
    detail = await api.get(`/api/public/media/${encodeURIComponent(id)}`);
  } catch (error) {
    render(main, message(error.status === 404 ? 'info' : 'error', error.status === 404 ? 'This video is not in the gallery (it may have been unpublished).' : error.message),
      h('a', { href: '/media' }, 'All videos'));
    return;
  }
  const v = detail.video;
  document.title = `${v.title ?? 'Video'} · Changemaker Lite`;
  const player = h('video', { id: 'player', controls: true, preload: 'metadata', playsinline: true, src: v.streamUrl, 'aria-label': v.title ?? 'Video' },
    'Your browser cannot play this video.');
  player.addEventListener('error', () => player.after(message('error', 'The video could not be loaded. Try again in a moment.')), { once: true });

  const counts = { ...(v.reactions ?? {}) };
  const reactionBox = h('div', { class: 'reactions', id: 'reactions', role: 'group', 'aria-label': 'React to this video' });
  const reactionMsg = h('p', { class: 'muted', id: 'reaction-state', role: 'status' });
  const drawReactions = () => {
    const mine = localStorage.getItem(mineKey);
    render(reactionBox, REACTIONS.map(([kind, emoji, name]) => h('button', {
      type: 'button', class: 'reaction', dataset: { reaction: kind }, 'aria-pressed': String(mine === kind),
      'aria-label': `${name}: ${counts[kind] ?? 0}`, title: name, onclick: () => react(kind),
    }, emoji, ' ', h('span', { class: 'reaction-count' }, String(counts[kind] ?? 0)))));
  };
  const react = async (kind) => {
    reactionBox.querySelectorAll('button').forEach((b) => { b.disabled = true; });
    try {
      const answer = await api.post(`/api/public/media/${id}/reactions`, { reaction: kind });
      for (const key of Object.keys(counts)) delete counts[key];
      Object.assign(counts, answer.reactions ?? {});
      localStorage.setItem(mineKey, kind);
      reactionMsg.textContent = 'Thanks! One reaction per visitor: choosing another replaces it.';
    } catch (error) {
      reactionMsg.textContent = error.message;
    }
    // How many reactions the server has answered on this page: a settled state for whoever waits on it.
    reactionBox.dataset.answers = String(Number(reactionBox.dataset.answers ?? 0) + 1);
    drawReactions();
  };
  drawReactions();

  const comments = h('ul', { class: 'list', id: 'comments' }, detail.comments.length
    ? detail.comments.map((c) => h('li', { class: 'comment' }, h('div', null, h('strong', null, c.name), ' ', h('small', { class: 'muted' }, fmtDate(c.createdAt)), h('br'), c.text)))
    : h('li', { class: 'muted' }, 'No comment yet.'));
  const form = h('form', { id: 'comment-form', class: 'card' }, h('h3', null, 'Leave a comment'),
    field('Your name', h('input', { name: 'name', required: true, maxlength: 100, autocomplete: 'name' })),
    field('Email (optional, never shown)', h('input', { name: 'email', type: 'email', autocomplete: 'email' })),
    field('Comment', h('textarea', { name: 'text', required: true, maxlength: 2000, rows: 3 })),
    h('button', { type: 'submit', class: 'primary' }, 'Send'));
  onSubmit(form, async (data) => {
    const body = { name: String(data.get('name')).trim(), text: String(data.get('text')).trim() };
    if (String(data.get('email') ?? '').trim()) body.email = String(data.get('email')).trim();
    await api.post(`/api/public/media/${id}/comments`, body);
    render(form, message('ok', 'Thank you. Your comment will show here once a moderator has approved it.'));
  });

  render(main,
    h('section', { class: 'card player-card' }, player,
      h('h2', null, v.title ?? 'Untitled'),
      h('p', { class: 'muted' }, [fmtDuration(v.durationSeconds), v.quality, `${v.viewCount} views`, v.publishedAt ? fmtDate(v.publishedAt) : ''].filter(Boolean).join(' · ')),
      v.description ? h('p', { class: 'description' }, v.description) : '',
      reactionBox, reactionMsg),
    h('section', { class: 'card' }, h('h3', null, `Comments (${detail.comments.length})`), comments),
    form,
    detail.related.length ? h('section', { class: 'card' }, h('h3', null, 'More like this'), h('ul', { class: 'video-grid' }, detail.related.map(card))) : '',
    h('p', null, h('a', { href: '/media' }, 'All videos')));

  // A view counts once per page load; a refusal (the visitor's limit) changes nothing on the page.
  api.post(`/api/public/media/${id}/view`).catch(() => {});
});
