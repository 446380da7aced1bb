// National Address Register import (POST /api/map/imports/nar): the register's address and location files of a
// province, with the import's filters, followed live on job:{id} until its counts and bad rows are shown.
import { h, render, onSubmit, field } from '../ui.js';
import { followJob } from './imports.js';

export default async function nar({ api, root, watch, hub, onLeave }) {
  const progress = h('div', { id: 'nar-progress' });
  const form = h('form', { id: 'nar-form', class: 'card' }, h('h2', null, 'Import the National Address Register'),
    h('p', { class: 'muted' }, 'Statistics Canada\'s register comes as two CSV files per province: the addresses (Address_NN.csv) and the ',
      'locations (Location_NN.csv). A newer release updates buildings and units in place.'),
    field('Address file', h('input', { type: 'file', name: 'addresses', id: 'nar-addresses', accept: '.csv,text/csv', required: true })),
    field('Location file', h('input', { type: 'file', name: 'locations', id: 'nar-locations', accept: '.csv,text/csv', required: true })),
    h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'residentialOnly', id: 'nar-residential', checked: true }), ' Residential buildings only'),
    field('Provinces (optional)', h('input', { name: 'province', id: 'nar-province', placeholder: 'ON, 35', maxlength: 200 })),
    field('Postal codes (optional)', h('input', { name: 'postalCode', id: 'nar-postal', placeholder: 'T5K, T6E', maxlength: 500 })),
    field('Area (optional)', h('input', { name: 'bbox', id: 'nar-bbox', placeholder: 'minLng,minLat,maxLng,maxLat', maxlength: 200 })),
    h('button', { type: 'submit', class: 'primary' }, 'Import'));
  onSubmit(form, async (data) => {
    // The options go in the query string, so a wrong one is refused before any byte of the files is sent on.
    const options = new URLSearchParams({ residentialOnly: data.get('residentialOnly') === 'on' ? 'true' : 'false' });
    for (const name of ['province', 'postalCode', 'bbox']) {
      const value = String(data.get(name) ?? '').trim();
      if (value) options.set(name, value);
    }
    const upload = new FormData();
    upload.append('addresses', data.get('addresses'));
    upload.append('locations', data.get('locations'));
    render(progress, h('p', { class: 'muted', role: 'status' }, 'Uploading…'));
    try {
      const { jobId } = await api.upload(`/api/map/imports/nar?${options}`, upload);
      await followJob({ api, watch, hub, onLeave }, jobId, progress);
    } catch (error) {
      render(progress);
      throw error;
    }
  });
  render(root, form, progress);
}
