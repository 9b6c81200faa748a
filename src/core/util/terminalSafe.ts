// Text that came from the network or from an alert (attacker controlled) must not steer a
// terminal: control characters (ESC, CR, BEL, …, C1 controls, bidi overrides) are escaped.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

export function terminalSafe(s: string, maxLength = 200): string {
  const cut = s.length > maxLength ? `${s.slice(0, maxLength)}…` : s;
  return cut.replace(UNSAFE, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
