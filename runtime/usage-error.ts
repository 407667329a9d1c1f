/** Wrong usage of an option (a name that is not one of the choices): the CLI prints the message and the command's usage line. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
