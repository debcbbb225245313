import yaml from 'js-yaml';

/** YAML documents joined with `---`, as kubectl prints them. */
export function toYamlDocs(docs: unknown[]): string {
  return docs.map((d) => yaml.dump(d, { noRefs: true, lineWidth: 100 })).join('---\n');
}
