/** The device program's structured log on stderr: `--log-format text` (default) or `json` (one object per line). */
export type LogFormat = 'text' | 'json';
export type LogLevel = 'info' | 'warn' | 'error';

export type Logger = (level: LogLevel, msg: string, fields?: Record<string, string | number | boolean>) => void;

export function makeLogger(format: LogFormat, write: (line: string) => void): Logger {
  return (level, msg, fields = {}) => {
    const at = new Date().toISOString();
    if (format === 'json') write(`${JSON.stringify({ at, level, msg, ...fields })}\n`);
    else {
      const extra = Object.entries(fields).map(([k, v]) => ` ${k}=${typeof v === 'string' && /\s/.test(v) ? JSON.stringify(v) : String(v)}`).join('');
      write(`${at} ${level} ${msg}${extra}\n`);
    }
  };
}
