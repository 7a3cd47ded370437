import {spawn, spawnSync, type ChildProcess} from 'node:child_process';
import {chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync} from 'node:fs';
import {randomBytes} from 'node:crypto';
import {createServer} from 'node:net';
import {hostname} from 'node:os';
import {join} from 'node:path';
import {describeIfAvailable, ciIsSet} from './helpers/requirements.js';
import {tempDir} from './helpers/cli.js';
import {differingFiles, ROOT, runAsync, shimBin} from './helpers/scale-out.js';

/*
 * examples/slurm/run.sbatch on a real Slurm cluster of one node: munged, slurmctld and slurmd started here (as
 * root, in the foreground, as children of this test: their pids are known), with their own config, munge key,
 * socket, ports and state under a temporary folder, so that nothing of the machine's own Slurm or munge set-up
 * is read or changed. The script is submitted as a 4-task array with `sbatch --wait`, the shards are merged and
 * compared byte for byte with an unsharded run; then the daemons are stopped by pid.
 *
 * It runs where CI is set (.ci/run installs slurmd, slurmctld, slurm-client and munge): elsewhere it skips,
 * since it starts daemons as root.
 */
const DAEMONS = ['/usr/sbin/munged', '/usr/sbin/slurmctld', '/usr/sbin/slurmd', '/usr/bin/sbatch', '/usr/sbin/runuser'];
const missing = !ciIsSet()
  ? 'it starts a one-node Slurm cluster (munged, slurmctld, slurmd) as root, which only CI does (.ci/run installs slurmd slurmctld slurm-client munge); set CI=1 as root to run it'
  : process.getuid?.() !== 0
    ? 'it must run as root (to start munged, slurmctld and slurmd)'
    : DAEMONS.some((d) => !existsSync(d))
      ? `${DAEMONS.filter((d) => !existsSync(d)).join(', ')} not found: apt-get install -y slurmd slurmctld slurm-client munge`
      : spawnSync('id', ['munge']).status !== 0
        ? 'no user munge: apt-get install -y munge'
        : undefined;

/** A TCP port free now on this machine. */
function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as {port: number}).port;
      s.close(() => done(port));
    });
  });
}

/** Starts a daemon in the foreground and resolves once its output shows `ready` (it fails when it exits first). */
function startDaemon(name: string, argv: string[], ready: RegExp, log: string[]): Promise<ChildProcess> {
  return new Promise((done, fail) => {
    const p = spawn(argv[0], argv.slice(1), {stdio: ['ignore', 'pipe', 'pipe']});
    let seen = '';
    let started = false;
    const onData = (b: Buffer) => {
      seen += b.toString();
      log.push(`${name}: ${b.toString().trimEnd()}`);
      if (!started && ready.test(seen)) {
        started = true;
        done(p);
      }
    };
    p.stdout!.on('data', onData);
    p.stderr!.on('data', onData);
    p.once('error', fail);
    p.once('exit', (code, signal) => {
      if (!started) fail(new Error(`${name} exited (${code ?? signal}) before it was ready:\n${seen}`));
    });
  });
}

/** Stops a daemon this test started, by its pid, and waits for it to exit. */
function stop(p: ChildProcess | undefined, pid = p?.pid): Promise<void> {
  if (!p || pid === undefined || p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    p.once('exit', () => done());
    process.kill(pid, 'SIGTERM');
  });
}

describeIfAvailable(missing, 'the Slurm cluster test')('examples/slurm/run.sbatch on a one-node Slurm cluster', () => {
  // (Made in beforeAll: a skipped describe leaves no folder behind.)
  let t: ReturnType<typeof tempDir>;
  let S = '';
  const log: string[] = [];
  let munged: ChildProcess | undefined;
  let ctld: ChildProcess | undefined;
  let slurmd: ChildProcess | undefined;
  const env: Record<string, string> = {};

  beforeAll(async () => {
    t = tempDir('stedi-gtm-slurm-');
    S = join(t.dir, 'slurm');
    // munged runs as the user munge: its folder must be reachable, its key readable by it alone.
    chmodSync(t.dir, 0o755);
    const mungeDir = join(S, 'munge');
    mkdirSync(mungeDir, {recursive: true});
    for (const d of ['state', 'spool']) mkdirSync(join(S, d));
    const uid = Number(spawnSync('id', ['-u', 'munge'], {encoding: 'utf8'}).stdout.trim());
    const gid = Number(spawnSync('id', ['-g', 'munge'], {encoding: 'utf8'}).stdout.trim());
    const key = join(S, 'munge.key');
    writeFileSync(key, randomBytes(1024), {mode: 0o400});
    chownSync(key, uid, gid);
    chownSync(mungeDir, uid, gid);
    chmodSync(mungeDir, 0o755);
    const socket = join(mungeDir, 'munge.socket');
    const [ctldPort, slurmdPort] = [await freePort(), await freePort()];
    const host = hostname();
    const conf = join(S, 'slurm.conf');
    writeFileSync(
      conf,
      [
        'ClusterName=stedi-gtm-test',
        `SlurmctldHost=${host}`,
        'SlurmUser=root',
        'SlurmdUser=root',
        'AuthType=auth/munge',
        `AuthInfo=socket=${socket}`,
        `SlurmctldPort=${ctldPort}`,
        `SlurmdPort=${slurmdPort}`,
        `StateSaveLocation=${join(S, 'state')}`,
        `SlurmdSpoolDir=${join(S, 'spool')}`,
        `SlurmctldLogFile=${join(S, 'ctld.log')}`,
        `SlurmdLogFile=${join(S, 'd.log')}`,
        `SlurmctldPidFile=${join(S, 'ctld.pid')}`,
        `SlurmdPidFile=${join(S, 'd.pid')}`,
        'ProctrackType=proctrack/linuxproc',
        'TaskPlugin=task/none',
        'SchedulerType=sched/backfill',
        'SelectType=select/cons_tres',
        'SelectTypeParameters=CR_Core',
        'ReturnToService=2',
        'MpiDefault=none',
        `NodeName=${host} CPUs=2 RealMemory=4000 State=UNKNOWN`,
        `PartitionName=main Nodes=${host} Default=YES MaxTime=INFINITE State=UP`,
        '',
      ].join('\n'),
    );
    env.SLURM_CONF = conf;
    const mungePid = join(mungeDir, 'munged.pid');
    munged = await startDaemon(
      'munged',
      [
        '/usr/sbin/runuser',
        '-u',
        'munge',
        '--',
        '/usr/sbin/munged',
        '-F',
        `--socket=${socket}`,
        `--key-file=${key}`,
        `--pid-file=${mungePid}`,
        `--log-file=${join(mungeDir, 'munged.log')}`,
        `--seed-file=${join(mungeDir, 'munged.seed')}`,
      ],
      /Created \d+ work threads/,
      log,
    );
    ctld = await startDaemon('slurmctld', ['/usr/sbin/slurmctld', '-D', '-c', '-f', conf], /Running as primary controller/, log);
    slurmd = await startDaemon('slurmd', ['/usr/sbin/slurmd', '-D', '-f', conf], /slurmd started/, log);
  }, 120_000);

  afterAll(async () => {
    await stop(slurmd);
    await stop(ctld);
    // munged runs under runuser: its own pid (from its pid file) is the one to stop; runuser then exits.
    const pidFile = join(S, 'munge', 'munged.pid');
    const mungedPid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) : undefined;
    await stop(munged, mungedPid || munged?.pid);
    t?.cleanup();
  }, 120_000);

  it('runs the shards as a 4-task array job (sbatch --wait), whose merge is the unsharded run byte for byte', async () => {
    const ref = join(t.dir, 'ref');
    const cwd = join(t.dir, 'submit');
    mkdirSync(ref);
    mkdirSync(cwd);
    const cli = [process.execPath, join(ROOT, 'bin', 'run.js')];
    const unsharded = await runAsync([...cli, 'run', '--seed', '42', '--provider', 'rules', '--data-dir', 'out/all'], ref);
    expect(unsharded.code).toBe(0);
    const PATH = `${shimBin(join(t.dir, 'bin'))}:${process.env.PATH}`;
    // The script as it is; the command line sets the array (0-3, as in the script), the logs' place and one CPU
    // per task (this node has two; the script asks two, which would run the tasks one after the other).
    const sbatch = await runAsync(
      ['sbatch', '--wait', '--array=0-3', '--cpus-per-task=1', `--output=${join(S, 'task-%a.log')}`, join(ROOT, 'examples/slurm/run.sbatch')],
      cwd,
      {...env, PATH},
    );
    const taskLogs = () =>
      readdirSync(S)
        .filter((f) => f.startsWith('task-'))
        .map((f) => `${f}:\n${readFileSync(join(S, f), 'utf8')}`)
        .join('\n');
    if (sbatch.code !== 0) throw new Error(`sbatch exited ${sbatch.code}: ${sbatch.stderr}\n${taskLogs()}\n${log.join('\n')}`);
    expect(readdirSync(join(cwd, 'out')).sort()).toEqual(['shard-0', 'shard-1', 'shard-2', 'shard-3']);
    const merge = await runAsync([...cli, 'merge', ...[0, 1, 2, 3].map((k) => `out/shard-${k}`), '--data-dir', 'out/all'], cwd);
    expect(merge.code).toBe(0);
    expect(differingFiles(join(ref, 'out/all'), join(cwd, 'out/all'))).toEqual([]);
  }, 600_000);
});
