/**
 * The base of every error callers catch (ARCHITECTURE.md, "Errors"), below every part: the kernels,
 * the engine, the transport, the models, the device and the cloud each derive their own classes.
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
