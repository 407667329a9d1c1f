import { ElmaError } from '../engine/errors.ts';

/** A device registry file that cannot be read, or a registration it refuses (duplicate name or key). */
export class RegistryError extends ElmaError {}

/** A report log the cloud cannot read or append to (damaged lines name the line). */
export class ReportLogError extends ElmaError {}
