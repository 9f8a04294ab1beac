/**
 * Grouping records into subjects, and the checks that span records of one subject:
 * each ID's records must be contiguous (NONMEM starts a new individual whenever ID changes,
 * so an ID that comes back later would silently become a second individual), and time must
 * not go backwards within a subject except at a reset (EVID 3 or 4).
 */
import type { DataProblem } from '../errors.js';
import type { DataRecord, SubjectData } from './types.js';

/**
 * Subjects of `records` in file order. Appends a problem for every ID that reappears after
 * another ID and every record whose TIME is earlier than the previous record's without a
 * reset. `idColumn` and `timeColumn` are the header names used in the messages.
 */
export function groupSubjects(
  records: readonly DataRecord[],
  file: string,
  idColumn: string | undefined,
  timeColumn: string | undefined,
  problems: DataProblem[],
): SubjectData[] {
  const subjects: SubjectData[] = [];
  const blockOf = new Map<string, { first: number; last: number }>();
  let current: { id: string; indices: number[] } | undefined;
  /** Line span of the current subject's first block (undefined while in a repeated block). */
  let currentBlock: { first: number; last: number } | undefined;
  let prevTime = NaN;
  let prevLine = 0;

  const close = (): void => {
    if (current !== undefined) subjects.push({ id: current.id, recordIndices: Int32Array.from(current.indices) });
  };

  for (const rec of records) {
    if (rec.id === '') {
      // A record without ID (already reported) stays with the subject before it.
      current?.indices.push(rec.index);
      continue;
    }
    if (current === undefined || rec.id !== current.id) {
      const earlier = blockOf.get(rec.id);
      if (earlier !== undefined) {
        problems.push({
          file, line: rec.line, column: idColumn,
          message: `ID ${rec.id} appears again after other IDs (its earlier records are on lines ${earlier.first}-${earlier.last}); `
            + 'NONMEM would read this as a new individual: keep each ID\'s records together or give this block its own ID',
        });
      }
      close();
      current = { id: rec.id, indices: [] };
      currentBlock = undefined;
      if (earlier === undefined) {
        currentBlock = { first: rec.line, last: rec.line };
        blockOf.set(rec.id, currentBlock);
      }
      prevTime = NaN;
    } else if (!Number.isNaN(rec.time) && !Number.isNaN(prevTime) && rec.time < prevTime && rec.evid !== 3 && rec.evid !== 4) {
      problems.push({
        file, line: rec.line, column: timeColumn,
        message: `time goes backwards within ID ${rec.id} (${rec.time} after ${prevTime} on line ${prevLine}) without an EVID 3/4 reset`,
      });
    }
    current.indices.push(rec.index);
    if (currentBlock !== undefined) currentBlock.last = rec.line;
    if (!Number.isNaN(rec.time)) {
      prevTime = rec.time;
      prevLine = rec.line;
    }
  }
  close();
  return subjects;
}
