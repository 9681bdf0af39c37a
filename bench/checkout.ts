/**
 * Other revisions of this repository, checked out beside this tree for the bench's baselines: a
 * git worktree each, sharing this tree's node_modules (same lockfile assumed).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from './processes';

/** The short commit of `rev`, or "unknown" outside a git checkout (a tarball, say). */
export function commitOf(rev: string): string {
  try {
    return git(['rev-parse', '--short', rev]);
  } catch {
    return 'unknown';
  }
}

function git(args: string[]): string {
  return execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
}

/** A checkout of `rev` beside this tree, sharing its node_modules (same lockfile assumed). */
export function checkout(rev: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-baseline-'));
  git(['worktree', 'add', '--detach', dir, rev]);
  fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return dir;
}

export function removeCheckout(dir: string): void {
  try {
    git(['worktree', 'remove', '--force', dir]);
  } catch {
    fs.rmSync(dir, { recursive: true, force: true });
    git(['worktree', 'prune']);
  }
}

