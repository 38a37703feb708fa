/** Live slug check for the sign-up form: suggestion from the organisation name, validity, availability. */
import { slugProblem, suggestSlug } from '@cw/tenant-model';
import type { Database } from '@cw/db';
import { ValidationFailedError } from '../errors.js';

export interface SlugAvailability {
  slug: string;
  available: boolean;
  /** Why it is not available (invalid, reserved or taken); absent when available. */
  reason?: string;
  hostname: string;
}

export class SlugAvailabilityUseCase {
  constructor(
    private readonly db: Database,
    private readonly baseDomain: string,
  ) {}

  async execute(query: { slug?: unknown; name?: unknown }): Promise<SlugAvailability> {
    const slug = this.slugFrom(query);
    const problem = slugProblem(slug);
    const base = { slug, hostname: `${slug}.${this.baseDomain}` };
    if (problem) return { ...base, available: false, reason: problem };
    if (await this.db.tenants.isSlugTaken(slug))
      return { ...base, available: false, reason: `"${slug}" is already taken` };
    return { ...base, available: true };
  }

  private slugFrom(query: { slug?: unknown; name?: unknown }): string {
    const { slug, name } = query;
    if (typeof slug === 'string' && slug.length > 0) {
      if (slug.length > 100)
        throw new ValidationFailedError([{ path: 'slug', message: 'is too long (at most 100 characters)' }]);
      return slug.trim().toLowerCase();
    }
    if (typeof name === 'string' && name.length > 0) {
      if (name.length > 200)
        throw new ValidationFailedError([{ path: 'name', message: 'is too long (at most 200 characters)' }]);
      return suggestSlug(name);
    }
    throw new ValidationFailedError([{ path: 'slug', message: 'give `slug` or `name` (one value each)' }]);
  }
}
