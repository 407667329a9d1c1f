/**
 * The error classes that callers catch, one per domain (ARCHITECTURE.md, "Errors").
 *
 * Every ELMA error names what is at fault (`where`: a file, a field, a tensor) so the message
 * can be shown to a user as is; the CLI prints `message` only, never a stack trace.
 */
export class ElmaError extends Error {
  /** The file, field or tensor at fault, e.g. `config.json: hidden_act`. */
  readonly where: string;

  constructor(where: string, problem: string) {
    super(where === '' ? problem : `${where}: ${problem}`);
    this.where = where;
    this.name = new.target.name;
  }
}

/** A model configuration or weight set that the engine cannot run (HF config keys, shapes). */
export class ModelConfigError extends ElmaError {}

/** Input to the engine that does not fit the model: sequence too long, ids out of range. */
export class EngineInputError extends ElmaError {}
