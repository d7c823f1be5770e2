/** The `next` of the sign-in and sign-up pages: only a path of this site is followed, anything else goes home. */
import { describe, expect, it } from 'vitest';
import { nextPath, signInToReturn } from '../../app/(auth)/next-path';

describe('nextPath', () => {
  it('keeps a path of this site, with its query', () => {
    expect(nextPath('/share/pls_abc')).toBe('/share/pls_abc');
    expect(nextPath('/graphs/1?tab=runs')).toBe('/graphs/1?tab=runs');
  });

  it('sends anything else home: other hosts, schemes, relative paths, control characters, lists, nothing', () => {
    for (const value of ['//evil.example/x', '/\\evil.example', 'https://evil.example/', 'javascript:alert(1)', 'share/x', '', '/a\nb', '/\tx', undefined, ['/a', '/b']]) {
      expect(nextPath(value), JSON.stringify(value)).toBe('/');
    }
  });

  it('the sign-in page that comes back: the path encoded as one parameter', () => {
    expect(signInToReturn('/share/pls_a-b')).toBe('/sign-in?next=%2Fshare%2Fpls_a-b');
  });
});
