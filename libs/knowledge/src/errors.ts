/** Domain errors of the knowledge library. Each names what was wrong so an API can answer 4xx. */

/** Bad input from a caller: `field` is the path of the offending value. */
export class KnowledgeInputError extends Error {
  override readonly name = 'KnowledgeInputError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

/** A source could not be turned into text: names the source and the reason; nothing was written. */
export class SourceRejectedError extends Error {
  override readonly name = 'SourceRejectedError';
  constructor(
    readonly source: string,
    readonly reason:
      | 'unsupported-type'
      | 'too-large'
      | 'archive'
      | 'corrupt'
      | 'encrypted'
      | 'encoding'
      | 'empty'
      | 'fetch-refused'
      | 'fetch-failed',
    detail: string,
  ) {
    super(`source "${source}" rejected (${reason}): ${detail}`);
  }
}

/** The actor may not write (or delete) at that level and scope. */
export class KnowledgeForbiddenError extends Error {
  override readonly name = 'KnowledgeForbiddenError';
  constructor(readonly reason: string) {
    super(`refused: ${reason}`);
  }
}

/** The index backend failed or is misconfigured (5xx class; the message carries no secrets). */
export class KnowledgeBackendError extends Error {
  override readonly name = 'KnowledgeBackendError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
