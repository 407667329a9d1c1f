/**
 * The error classes of the link, one per concern, so that callers (the session, the server, the
 * device) can turn each into a close reason without parsing messages. `where` names the peer,
 * field or file at fault; secrets and key material never appear in a message.
 */
import { ElmaError } from '../engine/errors.ts';

/** An AEAD or DH failure. A failed decryption says only "invalid tag" (ARCHITECTURE.md, Errors):
 *  the receiver cannot tell tampering from a replay or a wrong key, and must not hint at which. */
export class CryptoError extends ElmaError {}

/** A Noise handshake that cannot proceed: wrong length, unknown key, replayed timestamp, timeout. */
export class HandshakeError extends ElmaError {}

/** A frame that breaks the length-prefix framing (too long, too short, over the phase limit). */
export class FrameError extends ElmaError {}

/** A decrypted payload that is not a valid message of the schema (CBOR, type, field, version). */
export class SchemaError extends ElmaError {}

/** A connection-lifecycle failure: timeouts, overflowing buffers, a closed or exhausted session. */
export class LinkError extends ElmaError {}

/** A key file that cannot be read or has the wrong shape. */
export class KeyFileError extends ElmaError {}
