// Regenerates the files derived from the spec schema and the error catalogue.
// The unit tests fail when these files differ from what this script writes.
import { writeFileSync } from 'node:fs';
import { appJsonSchema, errorCatalogMarkdown, referenceMarkdown } from '@nimbus/model';

const root = new URL('../', import.meta.url);
writeFileSync(new URL('schema/nimbus.v1alpha1.json', root), `${JSON.stringify(appJsonSchema(), null, 2)}\n`);
writeFileSync(new URL('docs/reference.md', root), referenceMarkdown());
writeFileSync(new URL('docs/errors.md', root), errorCatalogMarkdown());
console.log('updated schema/nimbus.v1alpha1.json, docs/reference.md, docs/errors.md');
