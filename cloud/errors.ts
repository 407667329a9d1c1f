import { ElmaError } from '../engine/errors.ts';

/** A device registry file that cannot be read, or a registration it refuses (duplicate name or key). */
export class RegistryError extends ElmaError {}
