// Helpers shared by the landing page and media screens and the public gallery: sizes and durations in words, the
// six reactions, and a delete button that asks before it acts.
import { h, render } from './ui.js';

export function fmtBytes(bytes) {
  if (bytes == null) return '';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = Number(bytes);
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit++; }
  return `${value >= 10 || unit === 0 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}

/** 75.4 → "1:15"; 3725 → "1:02:05". */
export function fmtDuration(seconds) {
  if (seconds == null || Number.isNaN(Number(seconds))) return '';
  const total = Math.round(Number(seconds));
  const s = String(total % 60).padStart(2, '0');
  const m = Math.floor(total / 60) % 60;
  const hours = Math.floor(total / 3600);
  return hours > 0 ? `${hours}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** The gallery's reactions (docs/api/media.md), with what a screen reader says for each. */
export const REACTIONS = [
  ['LIKE', '👍', 'Like'], ['LOVE', '❤️', 'Love'], ['LAUGH', '😂', 'Laugh'],
  ['WOW', '😮', 'Wow'], ['SAD', '😢', 'Sad'], ['ANGRY', '😠', 'Angry'],
];

/**
 * A button that first asks "question" with a confirming and a cancelling button in its place: a deletion is never
 * one stray click (and, unlike window.confirm, it works with the keyboard and screen readers like the rest).
 */
export function confirmButton(label, question, confirmLabel, action, props = {}) {
  const box = h('span', { class: 'confirm' });
  const ask = () => {
    const yes = h('button', { type: 'button', class: 'danger confirm-yes' }, confirmLabel);
    const no = h('button', { type: 'button', class: 'confirm-no' }, 'Cancel');
    yes.addEventListener('click', async () => {
      yes.disabled = true;
      no.disabled = true;
      try { await action(); } finally { yes.disabled = false; no.disabled = false; }
    });
    no.addEventListener('click', idle);
    render(box, h('span', { role: 'alert' }, question, ' '), yes, ' ', no);
    yes.focus();
  };
  function idle() {
    const button = h('button', { type: 'button', class: 'danger', ...props, onclick: ask }, label);
    render(box, button);
    return button;
  }
  idle();
  return box;
}

/** A published video in the gallery: a frame of it, its title linking to its page, length, views and reactions. */
export function videoCard(v) {
  const reactions = Object.values(v.reactions ?? {}).reduce((a, b) => a + b, 0);
  return h('li', { class: 'video-card card gallery-item', dataset: { videoId: v.id } },
    h('a', { href: `/media/${v.id}`, class: 'thumb-link' },
      h('video', { class: 'thumb', preload: 'metadata', muted: true, playsinline: true, src: `${v.streamUrl}#t=0.5`, 'aria-hidden': 'true', tabindex: '-1' }),
      h('h3', null, v.title ?? 'Untitled')),
    h('p', { class: 'muted meta' }, [fmtDuration(v.durationSeconds), v.quality, `${v.viewCount} views`, reactions ? `${reactions} reactions` : ''].filter(Boolean).join(' · ')),
    v.category ? h('span', { class: 'badge' }, v.category) : '');
}
