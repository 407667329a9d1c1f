/**
 * The difficulty levels of synthetic questions, each tagged on its question (`level`) so that
 * `elma eval` can report F1 per level, and the share of each level in a generated data set.
 * SQuAD 2.0's dev set is about half unanswerable; a fifth is enough here to teach "no answer"
 * without starving the span-finding levels.
 */
export type Level = 1 | 2 | 3 | 4 | 5;

export interface LevelInfo {
  readonly level: Level;
  readonly name: string;
  readonly description: string;
  /** Target share of the questions of a data set. */
  readonly share: number;
}

export const LEVELS: readonly LevelInfo[] = [
  { level: 1, name: 'lexical', share: 0.2, description: 'the question repeats the wording of the sentence that answers it; the answer is the only value of its type in the paragraph' },
  { level: 2, name: 'paraphrase', share: 0.2, description: 'the question uses other words (synonyms, another construction) than the answering sentence; the answer is the only value of its type' },
  { level: 3, name: 'distractor', share: 0.2, description: 'the paragraph holds two or more values of the answer\'s type (another town, another year, another person): the reader must find which one the question asks for' },
  { level: 4, name: 'coreference', share: 0.2, description: 'the answering sentence calls the subject "she", "he", "the company", "the town"; the question names it; other values of the answer\'s type are present' },
  { level: 5, name: 'unanswerable', share: 0.2, description: 'the paragraph does not state what is asked (an attribute not given, an attribute of another entity, an entity not in the paragraph), though values of the asked type are present' },
];

export function levelInfo(level: Level): LevelInfo {
  return LEVELS[level - 1] as LevelInfo;
}

/**
 * The tag written into each question's `level` field: "1-lexical" … "5-unanswerable". A string,
 * as engine/squad/dataset.ts reads it, that sorts by difficulty and says what it means.
 */
export function levelTag(level: Level): string {
  return `${level}-${levelInfo(level).name}`;
}
