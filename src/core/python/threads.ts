// Classes whose daemon flag is frozen by start(), with what a late assignment raises: shared by daemon-after-start
// and the project summaries that record which functions start a thread.
import { dictOf } from '../dict';

const STARTABLE = dictOf<string>({
  'threading.Thread': 'RuntimeError: cannot set daemon status of active thread',
  'threading.Timer': 'RuntimeError: cannot set daemon status of active thread',
  'multiprocessing.Process': 'AssertionError: process has already started',
  'multiprocessing.context.BaseContext.Process': 'AssertionError: process has already started',
});

/** The error a late `daemon` assignment raises on an object of one of `types`, if any is startable. */
export function startableError(types: readonly string[]): string | undefined {
  for (const type of types) if (STARTABLE[type]) return STARTABLE[type];
  return undefined;
}
