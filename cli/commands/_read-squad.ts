/** Reading a SQuAD JSON file for a command: unreadable or non-JSON files are a SquadFormatError naming the file. */
import { readFileSync } from 'node:fs';
import { parseSquad, SquadFormatError, type SquadExample } from '../../engine/squad/dataset.ts';

export function readSquadFile(file: string): SquadExample[] {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new SquadFormatError(file, `cannot be read as JSON (${(e as Error).message})`);
  }
  return parseSquad(json, { source: file });
}
