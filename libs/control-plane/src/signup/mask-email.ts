/** `ada@example.com` → `a***@example.com`: enough for people to recognise their address, not to harvest it. */
export const maskEmail = (email: string): string => {
  const at = email.lastIndexOf('@');
  return at <= 0 ? '***' : `${email[0]}***${email.slice(at)}`;
};
