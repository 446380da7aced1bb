// The media library (docs/api/media.md): videos with their length, size and a frame of the published ones, an upload
// with its progress, edits, publishing and deletion; media jobs (checks, folder scans, compilations) followed live on
// job:{id} with cancel and retry; and the public comments waiting for moderation.
import { h, render, message, onSubmit, field, fmtDate, showError } from '../ui.js';
import { sendWithProgress } from '../api.js';
import { fmtBytes, fmtDuration, confirmButton } from '../content.js';

const ENDED = ['completed', 'failed', 'cancelled'];
const DIRECTORIES = ['inbox', 'studios', 'gifs', 'private', 'curated', 'playback', 'compilations', 'videos', 'highlights'];
const JOB_NAMES = { 'media.revalidate': 'Check', 'media.scan': 'Folder scan', 'media.compilation': 'Compilation', 'media.selftest': 'Self-test' };

export default async function media({ api, root, watch, hub, onLeave }) {
  const [jobs, pending] = await Promise.all([
    api.get('/api/media/jobs?pageSize=20'),
    api.get('/api/media/comments?status=PENDING&pageSize=50'),
  ]);
  const selected = new Set();
  let search = '';

  // ---- Jobs, kept live: every event of a watched job redraws its row.
  const jobRows = new Map();
  const jobList = h('ul', { class: 'list', id: 'media-jobs' });
  const liveState = h('span', { class: 'badge', id: 'live-state' }, 'connecting');
  const jobRow = (job) => {
    const bar = h('progress', { max: 100, value: 0, 'aria-label': `Progress of job ${job.id}` });
    const state = h('span', { class: 'job-state' });
    const actions = h('span', { class: 'row' });
    const li = h('li', { class: 'job', dataset: { jobId: job.id } },
      h('div', { class: 'job-main' }, h('strong', null, JOB_NAMES[job.type] ?? job.type), ' ', h('small', { class: 'muted' }, fmtDate(job.createdAt)), h('br'), bar, ' ', state),
      actions);
    const row = { li, bar, state, actions, job };
    jobRows.set(job.id, row);
    show(row, job);
    return li;
  };
  const show = (row, job) => {
    const status = String(job.status).toLowerCase();
    // A late answer of a job already seen ending does not bring its row back to running.
    if (row.done && !ENDED.includes(status)) return;
    row.job = { ...row.job, ...job, status };
    row.bar.value = status === 'completed' ? 100 : Math.max(0, Math.min(100, job.progress ?? 0));
    const counts = job.total ? ` · ${job.processed} of ${job.total}` : '';
    row.state.textContent = `${status}${status === 'running' ? ` ${row.bar.value}%` : ''}${counts}${row.job.error ? ` · ${row.job.error}` : ''}`;
    row.state.dataset.status = status;
    render(row.actions,
      ['pending', 'queued', 'running'].includes(status) ? h('button', { type: 'button', class: 'cancel-job', onclick: () => act(row, 'cancel') }, 'Cancel') : '',
      status === 'failed' || status === 'cancelled' ? h('button', { type: 'button', class: 'retry-job', onclick: () => act(row, 'retry') }, 'Retry') : '');
  };
  const act = async (row, what) => {
    try {
      const job = await api.post(`/api/media/jobs/${row.job.id}/${what}`);
      if (what === 'retry') row.done = false;
      show(row, job);
      if (what === 'retry') await follow(row.job.id);
    } catch (error) { showError(jobsBox, error); }
  };
  /** A job's end: the library is read again first (a check may have marked videos invalid, a scan or a compilation
   * added some), then the row shows the end, so what the row says is already true of the list above it. */
  const finished = async (jobId, last) => {
    const row = jobRows.get(jobId);
    if (!row || row.done) return;
    row.done = true;
    await drawLibrary().catch((error) => showError(libraryBox, error));
    const job = await api.get(`/api/media/jobs/${jobId}`).catch(() => null);
    show(row, job ?? last);
  };
  const follow = async (jobId) => {
    const row = jobRows.get(jobId);
    if (row) row.done = false;
    await watch(`job:${jobId}`);
    // The job may have moved before the subscription: read it once after subscribing.
    const now = await api.get(`/api/media/jobs/${jobId}`);
    if (ENDED.includes(String(now.status).toLowerCase())) await finished(jobId, now);
    else if (row) show(row, now);
  };
  /** A job just started from this screen: listed first and followed. */
  const started = async (job) => {
    jobList.querySelector('.empty')?.remove();
    jobList.prepend(jobRow(job));
    await follow(job.id);
  };
  onLeave(hub().on('jobProgress', (e) => {
    const row = jobRows.get(e.jobId);
    if (!row) return;
    const now = { status: e.status, progress: e.progress, processed: e.processed, total: e.total };
    if (ENDED.includes(String(e.status).toLowerCase())) finished(e.jobId, now);
    else show(row, now);
  }));
  render(jobList, jobs.items.length ? jobs.items.map(jobRow) : h('li', { class: 'muted empty' }, 'No media job yet.'));

  const scan = h('form', { id: 'media-scan', class: 'row' },
    field('Folder', h('select', { name: 'directoryType' }, DIRECTORIES.map((d) => h('option', { value: d }, d)))),
    h('button', { type: 'submit' }, 'Import new files from this folder'));
  onSubmit(scan, async (data) => started(await api.post('/api/media/scans', { directoryType: data.get('directoryType') })));
  const jobsBox = h('section', { class: 'card', id: 'jobs-box' }, h('div', { class: 'row' }, h('h2', null, 'Jobs'), liveState), jobList,
    h('details', null, h('summary', null, 'Scan a folder of the media root'), scan));

  // ---- Upload, with the bytes sent shown as they go.
  const bar = h('progress', { id: 'upload-bar', max: 100, value: 0, hidden: true, 'aria-label': 'Upload progress' });
  const barText = h('span', { id: 'upload-state', role: 'status' });
  const upload = h('form', { id: 'media-upload', class: 'card' }, h('h2', null, 'Upload a video'),
    field('Video file (MP4, MOV, M4V, MKV, WebM, AVI, FLV)', h('input', { type: 'file', name: 'file', id: 'media-file', accept: 'video/*,.mkv,.flv', required: true })),
    field('Title (the file name when empty)', h('input', { name: 'title', maxlength: 300 })),
    field('Description', h('textarea', { name: 'description', rows: 2, maxlength: 5000 })),
    h('div', { class: 'row' },
      field('Tags (comma-separated)', h('input', { name: 'tags', maxlength: 1000 })),
      field('Category', h('input', { name: 'category', maxlength: 100 }))),
    h('button', { type: 'submit', class: 'primary' }, 'Upload'), ' ', bar, ' ', barText);
  // Outside the form: onSubmit disables the form's buttons while the upload runs, and this one must stay usable.
  const stop = h('button', { type: 'button', id: 'upload-stop', hidden: true }, 'Stop the upload');
  let uploading = null;
  stop.addEventListener('click', () => uploading?.abort());
  onSubmit(upload, async (data) => {
    const body = new FormData();
    for (const name of ['title', 'description', 'tags', 'category']) if (String(data.get(name) ?? '').trim()) body.append(name, String(data.get(name)).trim());
    body.append('file', data.get('file'));
    bar.hidden = false;
    bar.value = 0;
    barText.textContent = 'Uploading…';
    uploading = new AbortController();
    stop.hidden = false;
    try {
      const video = await sendWithProgress(api, 'POST', '/api/media/upload', body, (sent, total) => {
        bar.value = Math.round((100 * sent) / total);
        barText.textContent = sent < total ? `${fmtBytes(sent)} of ${fmtBytes(total)} sent` : 'Checking the video…';
      }, uploading.signal);
      bar.value = 100;
      barText.textContent = '';
      upload.reset();
      render(uploadResult, message('ok', `Uploaded "${video.title}" (${fmtDuration(video.durationSeconds)}, ${video.quality ?? ''}, ${fmtBytes(video.fileSize)}).`));
      await drawLibrary();
    } catch (error) {
      barText.textContent = '';
      bar.hidden = true;
      if (error.reason === 'DUPLICATE' && error.body?.existingVideoId) error.message = `${error.message} (the same file is already in the library)`;
      throw error;
    } finally {
      stop.hidden = true;
      uploading = null;
    }
  });
  const uploadResult = h('div', { id: 'upload-result' });

  // ---- The library.
  const grid = h('ul', { class: 'video-grid', id: 'media-videos' });
  const count = h('h2', null, 'Videos');
  const find = h('form', { class: 'row', id: 'media-search' },
    field('Search (title, description, file, tags)', h('input', { type: 'search', name: 'search', maxlength: 200 })),
    h('button', { type: 'submit' }, 'Search'));
  onSubmit(find, async (data) => { search = String(data.get('search')).trim(); await drawLibrary(); });
  const compile = h('form', { id: 'media-compile', class: 'row' },
    field('Compilation title', h('input', { name: 'title', maxlength: 300, required: true })),
    h('button', { type: 'submit' }, 'Make a compilation of the selected videos'));
  onSubmit(compile, async (data) => {
    if (selected.size < 2) throw new Error('Select at least two videos (their boxes) first.');
    const result = await api.post('/api/media/compilations', { title: String(data.get('title')).trim(), videoIds: [...selected] });
    compile.reset();
    await started(result.job);
  });
  const libraryBox = h('section', { class: 'card', id: 'library-box' }, count, find, grid,
    h('details', null, h('summary', null, 'Compilation'), h('p', { class: 'muted' }, 'Joins the selected videos, in the order selected, into a new video.'), compile));

  async function drawLibrary() {
    const query = new URLSearchParams({ pageSize: '60' });
    if (search) query.set('search', search);
    const videos = await api.get(`/api/media/videos?${query}`);
    render(count, `Videos (${videos.total})`);
    render(grid, videos.items.length ? videos.items.map(videoCard) : h('li', { class: 'muted' }, search ? 'No video matches.' : 'No video yet: upload one above.'));
  }

  function videoCard(v) {
    const card = h('li', { class: 'video-card card', dataset: { videoId: v.id, published: String(v.isPublished) } });
    const stream = `/api/media/videos/${v.id}/stream`;
    // Only a published video's stream is open to a <video> element (it cannot send the console's token).
    const thumb = v.isPublished
      ? h('video', { class: 'thumb', preload: 'metadata', muted: true, playsinline: true, src: `${stream}#t=0.5`, 'aria-label': `First frames of ${v.title}` })
      : h('div', { class: 'thumb placeholder', 'aria-hidden': 'true' }, h('span', null, v.quality ?? 'video'), h('small', null, 'frame shown once published'));
    const edit = h('form', { class: 'video-edit', hidden: true },
      field('Title', h('input', { name: 'title', value: v.title ?? '', required: true, maxlength: 300 })),
      field('Description', h('textarea', { name: 'description', rows: 2, maxlength: 5000 }, v.description ?? '')),
      field('Tags (comma-separated)', h('input', { name: 'tags', value: (v.tags ?? []).join(', ') })),
      field('Category', h('input', { name: 'category', value: v.category ?? '', maxlength: 100 })),
      h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary' }, 'Save'),
        h('button', { type: 'button', onclick: () => { edit.hidden = true; } }, 'Cancel')));
    onSubmit(edit, async (data) => {
      const tags = String(data.get('tags')).split(',').map((t) => t.trim()).filter(Boolean);
      const saved = await api.patch(`/api/media/videos/${v.id}`, { title: String(data.get('title')).trim(), description: String(data.get('description')), tags, category: String(data.get('category')).trim() });
      card.replaceWith(videoCard(saved));
    });
    const run = async (fn) => {
      try { await fn(); } catch (error) { showError(card, error); }
    };
    const swap = (path) => run(async () => card.replaceWith(videoCard(await api.post(`/api/media/videos/${v.id}/${path}`))));
    render(card,
      thumb,
      h('label', { class: 'check select' }, h('input', { type: 'checkbox', 'aria-label': `Select ${v.title} for a compilation`, checked: selected.has(v.id), onchange: (e) => { if (e.target.checked) selected.add(v.id); else selected.delete(v.id); } }), ' Select'),
      h('h3', null, v.title ?? v.originalFilename),
      h('p', { class: 'muted meta' }, [fmtDuration(v.durationSeconds), v.quality, v.width && v.height ? `${v.width}×${v.height}` : '', fmtBytes(v.fileSize)].filter(Boolean).join(' · ')),
      h('p', null,
        h('span', { class: `badge ${v.isPublished ? 'badge-live' : ''} video-status` }, v.isPublished ? 'published' : 'not published'), ' ',
        v.isLocked ? h('span', { class: 'badge' }, 'locked') : '', ' ',
        v.isValid === false ? h('span', { class: 'badge badge-bad', title: v.validationError ?? '' }, 'invalid') : '',
        v.category ? h('span', { class: 'badge' }, v.category) : '', ' ',
        (v.tags ?? []).map((t) => h('span', { class: 'badge tag' }, `#${t}`))),
      v.isValid === false && v.validationError ? message('error', v.validationError) : '',
      h('div', { class: 'row actions' },
        h('button', { type: 'button', class: 'edit-video', onclick: () => { edit.hidden = !edit.hidden; edit.querySelector('input')?.focus(); } }, 'Edit'),
        v.isPublished
          ? h('button', { type: 'button', class: 'unpublish-video', onclick: () => swap('unpublish') }, 'Unpublish')
          : h('button', { type: 'button', class: 'publish-video', disabled: v.isValid === false, onclick: () => swap('publish') }, 'Publish'),
        h('button', { type: 'button', class: 'check-video', onclick: () => run(async () => started(await api.post('/api/media/revalidations', { videoIds: [v.id] }))) }, 'Check'),
        h('button', { type: 'button', class: 'lock-video', onclick: () => swap(v.isLocked ? 'unlock' : 'lock') }, v.isLocked ? 'Unlock' : 'Lock'),
        v.isPublished ? h('a', { href: `/media/${v.id}`, target: '_blank', rel: 'noopener' }, 'Gallery page') : '',
        confirmButton('Delete', `Delete "${v.title}"?`, 'Delete', () => run(async () => {
          await api.del(`/api/media/videos/${v.id}`);
          selected.delete(v.id);
          await drawLibrary();
        }), { class: 'danger delete-video' })),
      edit);
    return card;
  }

  // ---- Comments waiting for moderation.
  const commentList = h('ul', { class: 'list', id: 'media-comments' });
  const drawComments = (items) => render(commentList, items.length ? items.map((c) => {
    const li = h('li', { class: 'comment', dataset: { commentId: c.id } },
      h('div', null, h('strong', null, c.name), ' ', h('small', { class: 'muted' }, `${fmtDate(c.createdAt)}${c.email ? ` · ${c.email}` : ''}`), h('br'),
        h('span', null, c.text), h('br'), h('a', { href: `/media/${c.videoId}`, target: '_blank', rel: 'noopener' }, 'the video')),
      h('div', { class: 'row' },
        h('button', { type: 'button', class: 'primary approve-comment', onclick: () => decide(li, c, 'approve') }, 'Approve'),
        h('button', { type: 'button', class: 'danger reject-comment', onclick: () => decide(li, c, 'reject') }, 'Reject')));
    return li;
  }) : h('li', { class: 'muted' }, 'No comment is waiting.'));
  const decide = async (li, c, what) => {
    try {
      await api.post(`/api/media/comments/${c.id}/${what}`);
      render(li, message('ok', `${what === 'approve' ? 'Approved' : 'Rejected'}: ${c.name}'s comment.`));
    } catch (error) { showError(li, error); }
  };
  drawComments(pending.items);

  render(root, upload, stop, uploadResult, libraryBox, jobsBox,
    h('section', { class: 'card', id: 'comments-box' }, h('h2', null, `Comments to moderate (${pending.total})`),
      h('p', { class: 'muted' }, 'Comments from the public gallery show there once approved.'), commentList));
  await drawLibrary();
  // A connection may watch at most LIVE_MAX_TOPICS_PER_CONNECTION topics: the jobs still waiting or running.
  await Promise.all(jobs.items.filter((j) => !ENDED.includes(String(j.status).toLowerCase())).slice(0, 50).map((j) => follow(j.id)));
  liveState.textContent = 'live';
  liveState.className = 'badge badge-live';
}
