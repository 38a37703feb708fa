/** What a use case knows about the request that invoked it. */
export interface RequestContext {
  /** Client IP as the app determined it (trust-proxy aware). */
  ip: string;
  correlationId: string;
}
