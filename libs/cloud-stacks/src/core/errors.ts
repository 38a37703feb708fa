/** A tenant or platform that has no cloud stack as asked (local cloud, region not served, ...). The message says what to change. */
export class CloudStackError extends Error {
  override name = 'CloudStackError';
}
