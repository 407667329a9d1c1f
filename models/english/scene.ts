/**
 * A scene: one paragraph's world. The entity it is about (the focus), the entities of the same
 * kind it also talks about (peers: a sister, a rival firm, a neighbouring town, which make the
 * distractors), every fact, and the order in which the paragraph tells them. Scenes are made in scene-person.ts, scene-org.ts and scene-place.ts.
 */
import type { Entity, Fact } from './world.ts';

export interface Scene {
  readonly focus: Entity;
  readonly peers: readonly Entity[];
  readonly facts: readonly Fact[];
  /** The facts in the order the paragraph tells them; the composer groups them into sentences. */
  readonly plan: readonly Fact[];
  /** People the text calls by their first name alone (a sister sharing the surname). */
  readonly firstOnly: ReadonlySet<number>;
}
