/**
 * Every relative link in the repository's Markdown resolves inside the repository: a link out of
 * it (`../shared/...`) is dead in any clone, and a link to a moved file or a renamed heading is
 * dead everywhere. It proves, for every *.md file git tracks (or would: new, not ignored), that
 * each relative link and image:
 * - stays inside the repository (and is not an absolute path, which GitHub resolves off-site);
 * - names a file or folder of the repository (tracked or new, not ignored: not node_modules);
 * - when it has an anchor into a Markdown file, names a heading of that file (GitHub's slugs).
 * Web links (`https:`, `mailto:`) are not fetched. The checker itself is shown to catch each kind
 * of broken link on a made-up page.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

/** The repository's files as git has them (added or committed), relative, with '/': a link to a file nobody added fails here as in a clean clone. */
const FILES: ReadonlySet<string> = new Set(
  execFileSync('git', ['ls-files', '--cached', '-z'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
    .split('\0')
    .filter(Boolean),
);
const FOLDERS: ReadonlySet<string> = new Set(
  [...FILES].flatMap((file) => {
    const parts = file.split('/').slice(0, -1);
    return parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  }),
);
const MARKDOWN = [...FILES].filter((file) => file.endsWith('.md')).sort();

/** The text outside fenced code blocks and inline code, line by line (code is not a link). */
function prose(text: string): string[] {
  let fence: string | undefined;
  return text.split('\n').map((line) => {
    const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence) {
      if (marker && marker[0] === fence[0] && marker.length >= fence.length) fence = undefined;
      return '';
    }
    if (marker) {
      fence = marker;
      return '';
    }
    return line.replace(/(`+)[^`]*?\1/g, '');
  });
}

/** GitHub's heading ids: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchorsOf(text: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  let fence: string | undefined;
  for (const line of text.split('\n')) {
    const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence) {
      if (marker && marker[0] === fence[0] && marker.length >= fence.length) fence = undefined;
      continue;
    }
    if (marker) {
      fence = marker;
      continue;
    }
    const heading = /^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const textOnly = heading
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // a link's text only
      .replace(/<[^>]+>/g, '');
    const slug = textOnly
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

/** Link targets of a page: inline links and images, reference definitions, HTML href/src. */
function targetsOf(text: string): Array<{ line: number; target: string }> {
  return prose(text).flatMap((line, index) => {
    const found: string[] = [];
    for (const match of line.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) found.push(match[1] as string);
    const definition = /^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$/.exec(line);
    if (definition) found.push(definition[1] as string);
    for (const match of line.matchAll(/\b(?:href|src)="([^"]+)"/g)) found.push(match[1] as string);
    return found.map((target) => ({ line: index + 1, target }));
  });
}

/** What is wrong with each relative link of `file` (a path from the root) whose text is `text`. */
function brokenLinks(file: string, text: string, read: (file: string) => string = (f) => readFileSync(path.join(ROOT, f), 'utf8')): string[] {
  const problems: string[] = [];
  for (const { line, target } of targetsOf(text)) {
    const where = `${file}:${line} ${target}`;
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) {
      if (!/^(https?|mailto):/i.test(target)) problems.push(`${where}: not a web link (${target.split(':')[0]}:)`);
      continue;
    }
    if (target.startsWith('/')) {
      problems.push(`${where}: an absolute path; link relative to this file`);
      continue;
    }
    const [pathPart = '', anchor] = target.split('#', 2);
    const resolved = pathPart === '' ? file : path.posix.normalize(path.posix.join(path.posix.dirname(file), decodeURIComponent(pathPart.split('?')[0] ?? '')));
    const relative = resolved.replace(/\/$/, '');
    if (relative === '..' || relative.startsWith('../') || path.isAbsolute(relative)) {
      problems.push(`${where}: points outside the repository`);
      continue;
    }
    const isFile = FILES.has(relative) || (pathPart === '' && relative === file);
    if (!isFile && !FOLDERS.has(relative) && relative !== '.') {
      problems.push(`${where}: no such file or folder in the repository`);
      continue;
    }
    if (anchor && isFile && relative.endsWith('.md') && !anchorsOf(relative === file ? text : read(relative)).has(anchor.toLowerCase())) {
      problems.push(`${where}: no heading "#${anchor}" in ${relative}`);
    }
  }
  return problems;
}

test('the repository has Markdown to check, README.md and docs/ among it', () => {
  expect(MARKDOWN).toEqual(expect.arrayContaining(['README.md', 'docs/api.md', 'docs/frontend.md', 'docs/operations.md']));
});

test.each(MARKDOWN)('%s: every relative link resolves inside the repository', (file) => {
  expect(brokenLinks(file, readFileSync(path.join(ROOT, file), 'utf8'))).toEqual([]);
});

test('README.md links to what frontend teams need, inside the repository', () => {
  const targets = targetsOf(readFileSync(path.join(ROOT, 'README.md'), 'utf8')).map(({ target }) => target);
  expect(targets).toEqual(expect.arrayContaining(['docs/api.md', 'docs/frontend.md', 'client/error-codes.ts']));
  expect(targets.filter((target) => target.includes('shared/'))).toEqual([]);
});

test('the checker catches each kind of broken link (on a made-up page)', () => {
  const page = [
    '# A page',
    '## Second heading: with `code`',
    '[ok](README.md) [ok folder](docs/) [ok anchor](#second-heading-with-code) [ok web](https://example.com/)',
    '[ok anchor elsewhere](README.md#authentication)',
    '[out](../shared/docs/contract.md) [missing](docs/nothing.md) [bad anchor](README.md#no-such-heading)',
    '[absolute](/etc/passwd) [file scheme](file:///etc/passwd) ![missing image](img/none.png)',
    '[ref]: ../outside.md',
    '`[not a link](../in-code.md)`',
    '```',
    '[not a link either](../in-a-fence.md)',
    '```',
  ].join('\n');
  const problems = brokenLinks('page.md', page);
  expect(problems).toEqual([
    'page.md:5 ../shared/docs/contract.md: points outside the repository',
    'page.md:5 docs/nothing.md: no such file or folder in the repository',
    'page.md:5 README.md#no-such-heading: no heading "#no-such-heading" in README.md',
    'page.md:6 /etc/passwd: an absolute path; link relative to this file',
    'page.md:6 file:///etc/passwd: not a web link (file:)',
    'page.md:6 img/none.png: no such file or folder in the repository',
    'page.md:7 ../outside.md: points outside the repository',
  ]);
});
