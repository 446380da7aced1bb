-- Landing pages: a version for the page grain's optimistic check, safe slugs and export paths enforced by the
-- database too, one page per export file, and the seeded block library.

ALTER TABLE landing_pages ADD COLUMN version integer NOT NULL DEFAULT 0;

-- A slug is lower-case letters and digits in dash-separated runs: it names a URL and a file, so nothing else
-- (no dot, slash, percent sign or null byte) can ever reach either.
ALTER TABLE landing_pages ADD CONSTRAINT landing_pages_slug_safe
    CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND char_length(slug) <= 100);

-- Export paths are relative: no leading slash, no backslash, no percent sign, no ".." segment.
ALTER TABLE landing_pages ADD CONSTRAINT landing_pages_mkdocs_path_safe
    CHECK (mkdocs_path IS NULL OR (mkdocs_path ~ '^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*(/[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*)*\.html$'));
ALTER TABLE landing_pages ADD CONSTRAINT landing_pages_mkdocs_stub_path_safe
    CHECK (mkdocs_stub_path IS NULL OR (mkdocs_stub_path ~ '^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*(/[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*)*\.md$'));

-- Two pages never share an exported file.
CREATE UNIQUE INDEX landing_pages_mkdocs_path_key ON landing_pages (lower(mkdocs_path)) WHERE mkdocs_path IS NOT NULL;
CREATE UNIQUE INDEX landing_pages_mkdocs_stub_path_key ON landing_pages (lower(mkdocs_stub_path)) WHERE mkdocs_stub_path IS NOT NULL;
CREATE INDEX landing_pages_published_idx ON landing_pages (published, updated_at DESC);

ALTER TABLE page_blocks ADD COLUMN version integer NOT NULL DEFAULT 0;
CREATE INDEX page_blocks_order_idx ON page_blocks (sort_order, label);

-- The library every installation starts with (the editor's hero, text, image, call to action, features,
-- testimonials and contact form). Fixed ids, so a second run inserts nothing and admins may edit or delete them.
INSERT INTO page_blocks (id, type, label, category, sort_order, schema, defaults) VALUES
('00000000-0000-7000-8000-000000000b01', 'hero', 'Hero', 'layout', 10,
 '{"fields":[{"name":"heading","type":"text"},{"name":"subheading","type":"text"},{"name":"buttonText","type":"text"},{"name":"buttonUrl","type":"url"},{"name":"backgroundImage","type":"image"}]}',
 '{"heading":"Make change together","subheading":"Join the campaign in your neighbourhood.","buttonText":"Get involved","buttonUrl":"#join","backgroundImage":null,"html":"<section class=\"cml-hero\"><h1>Make change together</h1><p>Join the campaign in your neighbourhood.</p><a class=\"cml-button\" href=\"#join\">Get involved</a></section>"}'),
('00000000-0000-7000-8000-000000000b02', 'text', 'Text', 'basic', 20,
 '{"fields":[{"name":"heading","type":"text"},{"name":"body","type":"richtext"}]}',
 '{"heading":"Why it matters","body":"<p>Tell people what the campaign is about.</p>","html":"<section class=\"cml-text\"><h2>Why it matters</h2><p>Tell people what the campaign is about.</p></section>"}'),
('00000000-0000-7000-8000-000000000b03', 'image', 'Image', 'media', 30,
 '{"fields":[{"name":"src","type":"image"},{"name":"alt","type":"text"},{"name":"caption","type":"text"}]}',
 '{"src":"","alt":"","caption":"","html":"<figure class=\"cml-image\"><img src=\"\" alt=\"\"><figcaption></figcaption></figure>"}'),
('00000000-0000-7000-8000-000000000b04', 'cta', 'Call to action', 'basic', 40,
 '{"fields":[{"name":"heading","type":"text"},{"name":"text","type":"text"},{"name":"buttonText","type":"text"},{"name":"buttonUrl","type":"url"}]}',
 '{"heading":"Ready to help?","text":"It takes two minutes to sign up.","buttonText":"Sign up","buttonUrl":"#signup","html":"<section class=\"cml-cta\"><h2>Ready to help?</h2><p>It takes two minutes to sign up.</p><a class=\"cml-button\" href=\"#signup\">Sign up</a></section>"}'),
('00000000-0000-7000-8000-000000000b05', 'features', 'Features', 'layout', 50,
 '{"fields":[{"name":"heading","type":"text"},{"name":"items","type":"list","of":{"fields":[{"name":"title","type":"text"},{"name":"text","type":"text"},{"name":"icon","type":"text"}]}}]}',
 '{"heading":"What we do","items":[{"title":"Knock on doors","text":"Meet neighbours where they live.","icon":"home"},{"title":"Write to officials","text":"One click reaches your representatives.","icon":"mail"},{"title":"Show up","text":"Volunteer shifts every week.","icon":"calendar"}],"html":"<section class=\"cml-features\"><h2>What we do</h2><div class=\"cml-feature\"><h3>Knock on doors</h3><p>Meet neighbours where they live.</p></div><div class=\"cml-feature\"><h3>Write to officials</h3><p>One click reaches your representatives.</p></div><div class=\"cml-feature\"><h3>Show up</h3><p>Volunteer shifts every week.</p></div></section>"}'),
('00000000-0000-7000-8000-000000000b06', 'testimonials', 'Testimonials', 'social', 60,
 '{"fields":[{"name":"heading","type":"text"},{"name":"items","type":"list","of":{"fields":[{"name":"quote","type":"text"},{"name":"name","type":"text"},{"name":"role","type":"text"}]}}]}',
 '{"heading":"What volunteers say","items":[{"quote":"I met more neighbours in one afternoon than in ten years.","name":"Sam","role":"Volunteer"}],"html":"<section class=\"cml-testimonials\"><h2>What volunteers say</h2><blockquote><p>I met more neighbours in one afternoon than in ten years.</p><footer>Sam, Volunteer</footer></blockquote></section>"}'),
('00000000-0000-7000-8000-000000000b07', 'form', 'Contact form', 'forms', 70,
 '{"fields":[{"name":"heading","type":"text"},{"name":"action","type":"url"},{"name":"submitText","type":"text"},{"name":"fields","type":"list","of":{"fields":[{"name":"name","type":"text"},{"name":"label","type":"text"},{"name":"type","type":"text"},{"name":"required","type":"boolean"}]}}]}',
 '{"heading":"Contact us","action":"","submitText":"Send","fields":[{"name":"name","label":"Name","type":"text","required":true},{"name":"email","label":"Email","type":"email","required":true},{"name":"message","label":"Message","type":"textarea","required":false}],"html":"<section class=\"cml-form\"><h2>Contact us</h2><form method=\"post\"><label>Name <input name=\"name\" required></label><label>Email <input type=\"email\" name=\"email\" required></label><label>Message <textarea name=\"message\"></textarea></label><button type=\"submit\">Send</button></form></section>"}')
ON CONFLICT (id) DO NOTHING;
