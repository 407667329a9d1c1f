/** Why `elma serve` / `elma cloud serve` could not listen, in words for their one error line. */
export function listenProblem(e: NodeJS.ErrnoException): string {
  switch (e.code) {
    case 'EADDRINUSE': return 'address already in use';
    case 'EACCES': return 'permission denied (ports below 1024 need privileges)';
    case 'EADDRNOTAVAIL': return 'not an address of this machine';
    case 'ENOTFOUND': case 'EAI_AGAIN': return 'no such host';
    default: return e.message;
  }
}
