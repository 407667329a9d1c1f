import { ElmaError } from '../../engine/errors.ts';

/**
 * The admin API's own refusals (issue 16): a token file it will not use (empty, readable by others),
 * and requests it answers with an HTTP error. `where` names what is at fault (the token file, a body
 * field such as `stages`, a query parameter); the message is one line a person can act on.
 */
export class AdminError extends ElmaError {}

/**
 * A request the API refuses with `status` (400 bad field, 401 no token, 404, 405, 413); the response
 * body is `{ "error": message }`. Thrown by the request parsing and routing, caught by the server.
 */
export class ApiError extends AdminError {
  readonly status: number;
  /** Extra response headers (405's Allow, 401's WWW-Authenticate). */
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: number, where: string, problem: string, headers: Readonly<Record<string, string>> = {}) {
    super(where, problem);
    this.status = status;
    this.headers = headers;
  }
}
