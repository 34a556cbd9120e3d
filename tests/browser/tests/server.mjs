// Starts the real `kakunin serve` on a free loopback port with a fresh data directory,
// and creates invitations with `kakunin invite` (the binary is KAKUNIN_BIN, default the
// workspace's target/debug/kakunin).
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const workspace = resolve(here, '../../..');
export const bin = process.env.KAKUNIN_BIN
  || join(process.env.CARGO_TARGET_DIR || join(workspace, 'target'), 'debug', 'kakunin');

function freePort() {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => ok(port));
    });
  });
}

export async function startKakunin() {
  const dataDir = mkdtempSync(join(tmpdir(), 'kakunin-browser-'));
  execFileSync(bin, ['init', '--data-dir', dataDir], { stdio: 'ignore' });
  const port = await freePort();
  const child = spawn(bin, ['serve', '--data-dir', dataDir, '--insecure-http', '--listen', `127.0.0.1:${port}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr.on('data', (chunk) => { log += chunk; });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try {
      const r = await fetch(`${base}/healthz`);
      if (r.ok) { break; }
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    base,
    log: () => log,
    invite(kind, name, birthDate, branch) {
      const args = ['invite', '--data-dir', dataDir, '--kind', kind, '--name', name, '--json'];
      if (birthDate) { args.push('--birth-date', birthDate); }
      if (branch) { args.push('--branch', branch); }
      const { token } = JSON.parse(execFileSync(bin, args, { encoding: 'utf8' }));
      return `${base}/i/${token}`;
    },
    /** An invitation in `branch`; returns its submission id (no link is used). */
    record(name, branch) {
      const args = ['invite', '--data-dir', dataDir, '--kind', 'employee', '--name', name, '--branch', branch, '--json'];
      return JSON.parse(execFileSync(bin, args, { encoding: 'utf8' })).submission_id;
    },
    /** Creates a staff account with `kakunin user add`. */
    addUser(role, username, password, scopes = []) {
      const file = join(dataDir, `${username}.password`);
      writeFileSync(file, password, { mode: 0o600 });
      const args = ['user', 'add', '--data-dir', dataDir, '--role', role, '--username', username, '--password-file', file];
      for (const s of scopes) { args.push('--scope', s); }
      execFileSync(bin, args, { stdio: 'ignore' });
      rmSync(file);
    },
    /** A one-time activation link for `username`, as the operator prints it at the console. */
    activationLink(username) {
      const printed = execFileSync(bin, ['user', 'activation', '--data-dir', dataDir, '--username', username],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      return `${base}/s/activate/${printed.trim().split('/s/activate/')[1]}`;
    },
    /** Registers a payroll client with `kakunin payroll-client add`; returns its token. */
    payrollClient(name) {
      const printed = execFileSync(bin, ['payroll-client', 'add', '--data-dir', dataDir, '--name', name],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      return JSON.parse(printed).token;
    },
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
