// The public video gallery (/media): published videos, newest or most popular first, by category.
import { createApi } from './api.js';
import { h, render, message, start } from './ui.js';
import { videoCard as card } from './content.js';

const api = createApi('public');
const main = document.getElementById('app');

start(main, async () => {
  const params = new URLSearchParams(location.search);
  const category = (params.get('category') ?? '').trim();
  const sort = params.get('sort') === 'popular' ? 'popular' : 'recent';
  const query = new URLSearchParams({ pageSize: '48', sort });
  if (category) query.set('category', category);
  let page;
  try {
    page = await api.get(`/api/public/media?${query}`);
  } catch (error) {
    render(main, message(error.status === 404 ? 'info' : 'error', error.status === 404 ? 'The video gallery is closed right now.' : error.message), h('a', { href: '/' }, 'Home'));
    return;
  }
  // A plain GET form: the choice stays in the address, so it can be shared and the back button works.
  const filter = h('form', { class: 'row', id: 'gallery-filter', method: 'get', action: '/media' },
    h('label', { class: 'field' }, h('span', null, 'Category'), h('input', { name: 'category', value: category, maxlength: 100 })),
    h('label', { class: 'field' }, h('span', null, 'Order'), h('select', { name: 'sort' },
      h('option', { value: 'recent' }, 'Newest first'), h('option', { value: 'popular', selected: sort === 'popular' }, 'Most popular'))),
    h('button', { type: 'submit' }, 'Show'));
  render(main,
    h('div', { class: 'hero' }, h('h2', null, category ? `Videos: ${category}` : 'Videos'), h('p', null, 'Watch, react and comment.')),
    h('section', { class: 'card' }, filter),
    page.items.length === 0 ? message('info', category ? 'No video in this category yet.' : 'No video yet.')
      : h('ul', { class: 'video-grid', id: 'gallery' }, page.items.map(card)));
});
