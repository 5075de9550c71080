// The host's queue of jobs for its worker, by priority: what the user is waiting for (an edit, a hover, the analysis
// a hover needs) goes ahead of opening other files, which goes ahead of background work (indexing the workspace).

/** 0: interactive, 1: normal, 2: background. */
export type Priority = 0 | 1 | 2;
export const INTERACTIVE: Priority = 0;
export const NORMAL: Priority = 1;
export const BACKGROUND: Priority = 2;

export interface Queued {
  /** A job about one document has its `uri`. */
  job: object;
  priority: Priority;
}

const uriOf = (q: Queued): string | undefined => ('uri' in q.job && typeof q.job.uri === 'string' ? q.job.uri : undefined);

interface Slot<T> {
  item: T;
  /** False once the item was taken, removed, or moved to a more urgent lane (the lane drops it when it gets there). */
  live: boolean;
}

/**
 * FIFO within each priority. A document's jobs must reach the worker in order (its text before an edit, an edit
 * before the analysis of the edited text), so a job for a document raises that document's earlier jobs to its own
 * priority: for each document, an earlier job is never of lower priority than a later one, and the queue takes
 * them in order. Every operation but `all` costs in proportion to one document's jobs, not the whole queue's
 * (10,000 opened files queue 20,000 jobs).
 */
export class JobQueue<T extends Queued> {
  private readonly lanes: [Slot<T>[], Slot<T>[], Slot<T>[]] = [[], [], []];
  private readonly heads = [0, 0, 0];
  /** Each document's live slots, in the order their jobs came. */
  private readonly byUri = new Map<string, Slot<T>[]>();
  private size = 0;

  get length(): number {
    return this.size;
  }

  push(item: T): void {
    const uri = uriOf(item);
    if (uri !== undefined) this.raise(uri, item.priority);
    const slot = this.place(item);
    if (uri !== undefined) this.byUri.set(uri, [...(this.byUri.get(uri) ?? []), slot]);
  }

  /** Puts `item` first among the document's jobs (a replacement worker's re-open), at the priority they have. */
  pushFirst(item: T): void {
    const uri = uriOf(item);
    const mine = uri === undefined ? undefined : this.byUri.get(uri);
    item.priority = mine?.length ? Math.min(...mine.map((s) => s.item.priority)) as Priority : item.priority;
    const slot: Slot<T> = { item, live: true };
    const lane = this.lanes[item.priority];
    // Before the lane's head: unshift on what is left of it.
    lane.splice(this.heads[item.priority], 0, slot);
    this.size++;
    if (uri !== undefined) this.byUri.set(uri, [slot, ...(mine ?? [])]);
  }

  /** Raises the document's queued jobs to `priority` (an interactive request for it is coming). */
  raise(uri: string, priority: Priority): void {
    const mine = this.byUri.get(uri);
    if (!mine) return;
    // Jobs of lower priority are the document's later ones: appended in order, they stay after its earlier ones.
    for (let i = 0; i < mine.length; i++) {
      if (mine[i].item.priority <= priority) continue;
      mine[i].live = false;
      this.size--;
      mine[i].item.priority = priority;
      mine[i] = this.place(mine[i].item);
    }
  }

  /** The most urgent job, first come first served within its priority. */
  shift(): T | undefined {
    for (let lane = 0; lane < this.lanes.length; lane++) {
      const slots = this.lanes[lane];
      while (this.heads[lane] < slots.length) {
        const slot = slots[this.heads[lane]++];
        if (!slot.live) continue;
        this.compact(lane);
        this.forget(slot);
        return slot.item;
      }
      this.compact(lane);
    }
    return undefined;
  }

  remove(item: T): boolean {
    const uri = uriOf(item);
    const slot = uri !== undefined
      ? this.byUri.get(uri)?.find((s) => s.item === item)
      : this.lanes[item.priority].find((s, i) => i >= this.heads[item.priority] && s.live && s.item === item);
    if (!slot?.live) return false;
    this.forget(slot);
    return true;
  }

  /** The document's queued jobs, in order. */
  forUri(uri: string): T[] {
    return (this.byUri.get(uri) ?? []).map((s) => s.item);
  }

  /** Every queued job, most urgent first. */
  all(): T[] {
    return this.lanes.flatMap((slots, lane) => slots.slice(this.heads[lane]).filter((s) => s.live).map((s) => s.item));
  }

  takeAll(): T[] {
    const all = this.all();
    for (let lane = 0; lane < this.lanes.length; lane++) {
      this.lanes[lane as Priority] = [];
      this.heads[lane] = 0;
    }
    this.byUri.clear();
    this.size = 0;
    return all;
  }

  private place(item: T): Slot<T> {
    const slot: Slot<T> = { item, live: true };
    this.lanes[item.priority].push(slot);
    this.size++;
    return slot;
  }

  /** Takes a live slot out: not live, not in its document's list. */
  private forget(slot: Slot<T>): void {
    slot.live = false;
    this.size--;
    const uri = uriOf(slot.item);
    if (uri === undefined) return;
    const mine = this.byUri.get(uri)?.filter((s) => s !== slot);
    if (mine?.length) this.byUri.set(uri, mine);
    else this.byUri.delete(uri);
  }

  /** Drops a lane's consumed head once it is most of the lane (amortised O(1) per job). */
  private compact(lane: number): void {
    const head = this.heads[lane];
    if (head < 1024 || head * 2 < this.lanes[lane].length) return;
    this.lanes[lane as Priority] = this.lanes[lane].slice(head);
    this.heads[lane] = 0;
  }
}
