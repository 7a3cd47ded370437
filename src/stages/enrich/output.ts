import {commitPart, removePart, WriterGroup} from '../../io/writer-group.js';
import type {TableEncoder} from '../../io/formats/index.js';
import type {DataPaths} from '../../io/paths.js';
import type {RejectedRow} from '../../core/ingest.js';
import {rejectCodec} from '../codecs.js';

/**
 * What the enrich stage writes on this thread (one WriterGroup: companies.csv and, under `run`, the simulated
 * tables), and the rejects: written here in the first pass, or by the index thread as a part file (`part`),
 * or not at all (--dry-run). commit and abort treat both alike.
 */
export class EnrichOutput {
  group = new WriterGroup();
  private rejects: TableEncoder | undefined;

  constructor(
    private readonly paths: DataPaths,
    private readonly how: {here: boolean; part: boolean},
  ) {
    this.rejects = this.openRejects();
  }

  private openRejects(): TableEncoder | undefined {
    return this.how.here ? this.group.open(this.paths.rejects, rejectCodec, {perCompany: false}) : undefined;
  }

  writeReject(r: RejectedRow): void {
    if (this.rejects) this.group.write(this.rejects, rejectCodec, r);
  }

  /** The first pass starts over (see IndexOptions.onRestart): what it wrote is dropped. */
  restart(): void {
    void this.group.abort();
    this.group = new WriterGroup();
    this.rejects = this.openRejects();
  }

  async commit(): Promise<void> {
    await this.group.commit();
    if (this.how.part) commitPart(this.paths.rejects);
  }

  /** The group's files are dropped (abortGroup) and the rejects' part file (abortRejects): two clean-ups, each run even when the other fails (see afterFailure). */
  abortGroup(): Promise<void> {
    return this.group.abort();
  }

  abortRejects(): void {
    if (this.how.part) removePart(this.paths.rejects);
  }
}
