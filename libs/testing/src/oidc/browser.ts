/**
 * The browser's part of an authorization-code login, without a browser: follow the redirects
 * from the authorization URL, keeping the provider's cookies, until the IdP sends the user back
 * to the app's redirect URI. Returns that callback URL (with code, state, iss).
 */
export async function followAuthorization(
  authorizationUrl: string,
  redirectUri: string,
  maxHops = 10,
): Promise<string> {
  // Cookie paths and expiry are ignored: one login, one provider, a handful of cookies.
  const jar = new Map<string, string>();
  let url = authorizationUrl;
  for (let hop = 0; hop < maxHops; hop++) {
    if (url.startsWith(redirectUri)) return url;
    const cookie = [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
    const response = await fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
    for (const line of response.headers.getSetCookie()) {
      const pair = line.split(';', 1)[0] ?? '';
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (!value || /expires=Thu, 01 Jan 1970/i.test(line)) jar.delete(name);
      else jar.set(name, value);
    }
    const location = response.headers.get('location');
    if (response.status < 300 || response.status >= 400 || !location) {
      const body = (await response.text()).slice(0, 500);
      throw new Error(`The authorization flow stopped at ${url} with HTTP ${response.status}: ${body}`);
    }
    await response.body?.cancel();
    url = new URL(location, url).href;
  }
  throw new Error(`The authorization flow did not reach ${redirectUri} within ${maxHops} redirects`);
}
