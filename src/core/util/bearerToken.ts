// Checks `Authorization: Bearer <token>` in constant time (both sides hashed to equal length).
import { createHash, timingSafeEqual } from 'node:crypto';

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

export class BearerToken {
  private readonly expected: Buffer;

  constructor(token: string) {
    this.expected = digest(token);
  }

  /** True when the header carries this token (the scheme name is case-insensitive, RFC 7235). */
  matches(header: string | string[] | undefined): boolean {
    if (typeof header !== 'string' || !/^Bearer /i.test(header)) return false;
    return timingSafeEqual(digest(header.slice(7).trim()), this.expected);
  }
}
