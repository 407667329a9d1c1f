/**
 * Every constant of the ELMA link, in one place (WireGuard's constants.go is the model), named as
 * the spec that defines it names it, with the citation. Lengths in bytes, times in milliseconds.
 *
 * Sources: the Noise Protocol Framework, revision 34 (2018-07-11) — "Noise rev34"; RFC 8439
 * (ChaCha20-Poly1305); the WireGuard whitepaper (J. Donenfeld, 2020-06-01) — "WireGuard §n";
 * D. J. Bernstein's TAI64 page (cr.yp.to/libtai/tai64.html).
 */

// ---- Noise rev34 --------------------------------------------------------------------------------

/** ELMA's handshake: Noise rev34 §8 (name syntax), §7.5 (IK), §12.1 (25519), §12.3 (ChaChaPoly), §12.8 (BLAKE2s). */
export const PROTOCOL_NAME = 'Noise_IK_25519_ChaChaPoly_BLAKE2s';

/** Noise rev34 §3: "Noise messages ... are limited to 65535 bytes in length." */
export const NOISE_MAX_MESSAGE_LEN = 65535;

/** Noise rev34 §4.1: DHLEN for Curve25519 (and §12.1). */
export const DHLEN = 32;

/** Noise rev34 §5.1 / RFC 8439 §2.8: the Poly1305 authentication tag appended to every ciphertext. */
export const TAGLEN = 16;

/** Noise rev34 §4.2: cipher keys are 32 bytes; RFC 8439 §2.8: ChaCha20-Poly1305 takes a 96-bit nonce. */
export const KEYLEN = 32;
export const NONCELEN = 12;

/** Noise rev34 §9: a pre-shared symmetric key is 32 bytes. */
export const PSKLEN = 32;

// ---- ELMA protocol identity --------------------------------------------------------------------

/** Wire protocol version, named in the Noise prologue (Noise rev34 §6) so that peers of different
 *  versions cannot complete a handshake: a mismatch fails the first AEAD tag, nothing is negotiated. */
export const PROTOCOL_VERSION = 1;
export const PROLOGUE_TEXT = `ELMA link v${PROTOCOL_VERSION}`;

/** Version of the CBOR message schema (transport/schema.ts), carried in every message as `v`. */
export const SCHEMA_VERSION = 1;

// ---- TAI64N handshake timestamps (WireGuard §5.1, tai64.html) ----------------------------------

/** 8-byte TAI64 label plus 4-byte nanoseconds. */
export const TAI64N_LEN = 12;
/** TAI64 label of 1970-01-01 00:00:10 TAI: 2^62 + 10 (the 10 s TAI−UTC offset of 1972, as WireGuard's tai64n.go uses). */
export const TAI64_BASE = 0x400000000000000an;

// ---- Frames ------------------------------------------------------------------------------------

/** ARCHITECTURE.md "Wire": each frame is a 2-byte big-endian length, then one Noise message. */
export const FRAME_HEADER_LEN = 2;
export const MAX_FRAME_LEN = NOISE_MAX_MESSAGE_LEN;
/** The largest CBOR plaintext one transport frame carries. */
export const MAX_FRAME_PLAINTEXT = MAX_FRAME_LEN - TAGLEN;

/** IK message 1 (`e, es, s, ss` + TAI64N payload): e (32) + encrypted s (32+16) + encrypted timestamp (12+16). */
export const HANDSHAKE_INITIATION_LEN = DHLEN + (DHLEN + TAGLEN) + (TAI64N_LEN + TAGLEN);
/** IK message 2 (`e, ee, se` + empty payload): e (32) + the tag of the empty payload (16). */
export const HANDSHAKE_RESPONSE_LEN = DHLEN + TAGLEN;

// ---- Session lifetime (WireGuard §6.1 "Timers", adapted to one TCP connection) -----------------

/** WireGuard §6.1 REKEY_AFTER_MESSAGES is 2^60; ELMA rekeys far sooner so that a key compromised
 *  from memory exposes at most this many messages of one direction (Noise rev34 §11.3 Rekey()). */
export const REKEY_AFTER_MESSAGES = 2 ** 20;
/** WireGuard §6.1 REKEY_AFTER_TIME: 120 s. */
export const REKEY_AFTER_TIME = 120_000;
/** WireGuard §6.1 REJECT_AFTER_MESSAGES is 2^64 − 2^13 − 1; nonces here are JavaScript integers,
 *  exact to 2^53 − 1, which is also far below Noise's reserved 2^64 − 1 (Noise rev34 §5.1). */
export const REJECT_AFTER_MESSAGES = Number.MAX_SAFE_INTEGER;
/** WireGuard §6.1 REKEY_TIMEOUT: 5 s for a handshake to complete; a peer slower than that is closed. */
export const REKEY_TIMEOUT = 5_000;
/** WireGuard §6.5 KEEPALIVE_TIMEOUT: 10 s without sending anything → send a keepalive (a `ping`). */
export const KEEPALIVE_TIMEOUT = 10_000;
/** ELMA: nothing authenticated received for this long (three missed keepalives) → the peer is dead. */
export const DEAD_PEER_TIMEOUT = 3 * KEEPALIVE_TIMEOUT;

// ---- Per-connection bounds (what a hostile peer can make us hold) ------------------------------

/** The largest reassembled message (CBOR bytes) a peer may send; larger ones close the link. */
export const MAX_MESSAGE_LEN = 1 << 20;
/** The largest model chunk a `chunk-req` may ask for (so a reply is at most two frames' worth × 2). */
export const MAX_CHUNK_LEN = 1 << 17;
/** Largest fp16 hidden state an `offload` may carry (512 KiB: 4 features of 256 tokens at
 *  albert-base's 768, or 16 at the default model's 128); a bigger one goes in the text form. */
export const MAX_OFFLOAD_HIDDEN = 1 << 19;
/** Requests one connection may have unanswered at the server; a device keeps its window below it. */
export const MAX_INFLIGHT = 32;
/** Bytes queued towards a peer that does not read; beyond this the peer is closed, not buffered for. */
export const MAX_WRITE_BUFFER = 8 << 20;
/** Most simultaneous connections one server holds (handshaking or open). */
export const MAX_CONNECTIONS = 4096;

/** WireGuard §6.1 REJECT_AFTER_TIME: 180 s; a peer still sending under one key after this is closed. */
export const REJECT_AFTER_TIME = 180_000;

// ---- Reconnecting (device side) ----------------------------------------------------------------

/** Exponential backoff with "full jitter" (M. Brooker, "Exponential Backoff And Jitter", AWS
 *  Architecture Blog, 2015): wait uniform(0, min(cap, base · 2^attempt)). */
export const RECONNECT_BASE = 200;
export const RECONNECT_CAP = 30_000;
