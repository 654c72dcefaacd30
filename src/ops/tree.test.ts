import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ArtifactSet, sha256 } from '../render/artifacts.js';
import { rejection } from '../test-support/rejection.js';
import { tempDir } from '../test-support/cli.js';
import { compareTree, isSafeRelativePath, writeTree } from './tree.js';

function tree(files: Record<string, string>) {
  const set = new ArtifactSet();
  for (const [path, content] of Object.entries(files)) set.add(path, content);
  return set.finish();
}

function craftedIndex(dir: string, paths: string[]) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'index.json'),
    JSON.stringify({ artifacts: paths.map((path) => ({ path, sha256: sha256('x\n'), bytes: 2 })) }),
  );
}

describe('isSafeRelativePath', () => {
  it.each(['a', 'a/b.yaml', 'clusters/mgmt/x.json'])('accepts %s', (path) => {
    expect(isSafeRelativePath(path)).toBe(true);
  });
  it.each(['', '/etc/passwd', '../x', 'a/../../x', 'a/./b', 'a//b', 'a\\..\\b', 'a\0b', 'a/'])(
    'refuses %j',
    (path) => {
      expect(isSafeRelativePath(path)).toBe(false);
    },
  );
});

describe('writeTree', () => {
  it('never deletes a file outside the directory that a crafted index lists', async () => {
    const root = tempDir();
    const victim = join(root, 'victim.txt');
    writeFileSync(victim, 'x\n'); // the content the crafted index claims, so only the path check stops it
    const out = join(root, 'rendered');
    craftedIndex(out, ['../victim.txt']);
    const error = await rejection(writeTree(out, tree({ 'a.yaml': 'a' })));
    expect(error.code).toBe('render.foreign-index');
    expect(error.message).toContain('../victim.txt');
    expect(readFileSync(victim, 'utf8')).toBe('x\n');
    expect(existsSync(join(out, 'a.yaml'))).toBe(false);
  });

  it('refuses absolute paths in an index', async () => {
    const root = tempDir();
    const victim = join(root, 'victim.txt');
    writeFileSync(victim, 'x\n');
    const out = join(root, 'rendered');
    craftedIndex(out, [victim]);
    expect((await rejection(writeTree(out, tree({ 'a.yaml': 'a' })))).code).toBe('render.foreign-index');
    expect(existsSync(victim)).toBe(true);
  });

  it('refuses to write or delete through a symbolic link inside the directory', async () => {
    const root = tempDir();
    const elsewhere = join(root, 'elsewhere');
    mkdirSync(elsewhere);
    writeFileSync(join(elsewhere, 'keep.yaml'), 'x\n');
    const out = join(root, 'rendered');
    mkdirSync(out);
    symlinkSync(elsewhere, join(out, 'clusters'));
    const write = await rejection(writeTree(out, tree({ 'clusters/new.yaml': 'n' })));
    expect(write.code).toBe('render.unsafe-path');
    expect(existsSync(join(elsewhere, 'new.yaml'))).toBe(false);

    craftedIndex(out, ['clusters/keep.yaml']);
    const remove = await rejection(writeTree(out, tree({ 'b.yaml': 'b' })));
    expect(remove.code).toBe('render.unsafe-path');
    expect(existsSync(join(elsewhere, 'keep.yaml'))).toBe(true);
  });

  it('refuses an index.json that platformctl did not write', async () => {
    const out = tempDir();
    writeFileSync(join(out, 'index.json'), '{"name":"my-app","version":"1.0.0"}');
    expect((await rejection(writeTree(out, tree({ 'a.yaml': 'a' })))).code).toBe('render.foreign-index');
    writeFileSync(join(out, 'index.json'), 'not json');
    expect((await rejection(compareTree(out, tree({ 'a.yaml': 'a' })))).code).toBe('render.foreign-index');
  });

  it('removes stale files it wrote, keeps the ones edited since, and prunes emptied directories', async () => {
    const out = tempDir();
    await writeTree(
      out,
      tree({ 'keep/a.yaml': 'a', 'old/b.yaml': 'b', 'old/deep/c.yaml': 'c', 'edited.yaml': 'e' }),
    );
    writeFileSync(join(out, 'edited.yaml'), 'my change\n');
    const result = await writeTree(out, tree({ 'keep/a.yaml': 'a2' }));
    expect([...result.removed].sort()).toEqual(['old/b.yaml', 'old/deep/c.yaml']);
    expect(result.kept).toEqual(['edited.yaml']);
    expect(existsSync(join(out, 'old'))).toBe(false);
    expect(readFileSync(join(out, 'edited.yaml'), 'utf8')).toBe('my change\n');
    expect(readFileSync(join(out, 'keep/a.yaml'), 'utf8')).toBe('a2\n');
    // The new index lists only what this render wrote.
    const index = JSON.parse(readFileSync(join(out, 'index.json'), 'utf8'));
    expect(index.artifacts.map((a: { path: string }) => a.path)).toEqual(['keep/a.yaml']);
  });

  it('reports an --out onto a file, or under one, as an input error naming the path', async () => {
    const root = tempDir();
    const file = join(root, 'file');
    writeFileSync(file, 'x');
    const onto = await rejection(writeTree(file, tree({ 'a.yaml': 'a' })));
    expect(onto.kind).toBe('input');
    expect(onto.message).toContain(file);
    const under = await rejection(writeTree(join(file, 'sub'), tree({ 'a.yaml': 'a' })));
    expect(under.kind).toBe('input');
    expect(under.code).toBe('fs.enotdir');
    expect(readFileSync(file, 'utf8')).toBe('x');
  });
});

describe('compareTree', () => {
  it('lists added, changed and removed files without writing', async () => {
    const out = tempDir();
    await writeTree(out, tree({ 'a.yaml': 'a', 'b.yaml': 'b' }));
    const changes = await compareTree(out, tree({ 'a.yaml': 'A', 'c.yaml': 'c' }));
    expect(changes.map((c) => [c.path, c.change])).toEqual([
      ['a.yaml', 'changed'],
      ['b.yaml', 'removed'],
      ['c.yaml', 'added'],
    ]);
    expect(existsSync(join(out, 'c.yaml'))).toBe(false);
  });
});
