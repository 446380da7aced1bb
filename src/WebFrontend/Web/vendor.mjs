// Copies the browser builds of the npm packages in package.json into assets/lib/, where the frontend embeds and
// serves them (/web/lib/). Run after changing a version: `npm ci && npm run vendor` in this folder. The copies
// are kept in the repository so that building the frontend needs neither node nor the npm registry.
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const lib = join(here, 'assets', 'lib');
const files = {
  '@microsoft/signalr/dist/browser/signalr.min.js': 'signalr.min.js',
  'leaflet/dist/leaflet.js': 'leaflet.js',
  'leaflet/dist/leaflet.css': 'leaflet.css',
  'leaflet/dist/images/layers.png': 'images/layers.png',
  'leaflet/dist/images/layers-2x.png': 'images/layers-2x.png',
  'leaflet/dist/images/marker-icon.png': 'images/marker-icon.png',
  'leaflet/dist/images/marker-icon-2x.png': 'images/marker-icon-2x.png',
  'leaflet/dist/images/marker-shadow.png': 'images/marker-shadow.png',
};
for (const [from, to] of Object.entries(files)) {
  mkdirSync(dirname(join(lib, to)), { recursive: true });
  copyFileSync(join(here, 'node_modules', from), join(lib, to));
  console.log(`${from} -> assets/lib/${to}`);
}
