// How the language server's analysis worker starts: read by the entry, which starts it before the server's modules
// load, and by the server's host, which takes that worker only when it was started this way.
import { defaultWorkerScript, type WorkerStart } from '../host/spawnWorker';

export function serverWorkerStart(): WorkerStart {
  return {
    script: defaultWorkerScript(),
    init: { limits: { parseTimeoutMs: 5_000 } },
    // Semi-spaces of 4 MB: 24 MB less held between edits, at no measurable cost per edit (bench/edit-profile.ts).
    youngGenerationMb: 12,
  };
}
