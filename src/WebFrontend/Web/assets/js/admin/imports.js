// Spreadsheet imports of doors (POST /api/map/imports/csv), their progress followed live on job:{id}.
import { h, render, message, onSubmit, field } from '../ui.js';

export default async function imports({ api, root, watch, hub, onLeave }) {
  const progress = h('div', { id: 'import-progress' });
  const form = h('form', { id: 'import-form', class: 'card' }, h('h2', null, 'Import doors from a spreadsheet'),
    h('p', { class: 'muted' }, 'A CSV file whose header names at least address, latitude and longitude; one row per unit.'),
    field('CSV file', h('input', { type: 'file', name: 'file', id: 'import-file', accept: '.csv,text/csv', required: true })),
    h('button', { type: 'submit', class: 'primary' }, 'Import'));
  onSubmit(form, async (data) => {
    const upload = new FormData();
    upload.append('file', data.get('file'));
    const { jobId } = await api.upload('/api/map/imports/csv', upload);
    await followJob({ api, watch, hub, onLeave }, jobId, progress);
  });
  render(root, form, progress);
}

const FINISHED = ['completed', 'failed', 'cancelled'];

/** Follows a map job (GET /api/map/jobs/{id}) live on job:{id} until it finishes, drawn into `where`. */
export async function followJob({ api, watch, hub, onLeave }, jobId, where) {
  const bar = h('progress', { max: 100, value: 0, id: 'import-bar' });
  const state = h('p', { id: 'import-state' }, 'queued');
  const details = h('div', { id: 'import-details' });
  render(where, h('section', { class: 'card' }, h('h3', null, 'Import'), bar, state, details));
  let done = false;
  const show = (job) => {
    bar.value = job.total ? Math.round((100 * job.processed) / job.total) : job.status === 'completed' ? 100 : 0;
    state.textContent = `${job.status}: ${job.processed}${job.total != null ? ` of ${job.total}` : ''} rows`;
    state.dataset.status = job.status;
  };
  const finish = async () => {
    if (done) return;
    done = true;
    const job = await api.get(`/api/map/jobs/${jobId}`);
    show(job);
    const result = job.result ? Object.entries(job.result).map(([k, v]) => `${k}: ${v}`).join(' · ') : '';
    render(details, result ? h('p', { id: 'import-result' }, result) : '', job.error ? message('error', job.error) : '',
      job.errors?.length ? h('ul', { class: 'list' }, job.errors.slice(0, 50).map((e) => h('li', null, `line ${e.line}: ${e.message}`))) : '');
  };
  onLeave(hub().on('jobProgress', (e) => {
    if (e.jobId !== jobId) return;
    show(e);
    if (FINISHED.includes(String(e.status).toLowerCase())) finish();
  }));
  await watch(`job:${jobId}`);
  // The job may have finished before the subscription: read it once after subscribing.
  const now = await api.get(`/api/map/jobs/${jobId}`);
  show(now);
  if (FINISHED.includes(String(now.status).toLowerCase())) await finish();
}
