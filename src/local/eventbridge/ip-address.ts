import { isIPv4, isIPv6 } from 'node:net';

/**
 * IP addresses as EventBridge compares them: by their bytes, so that `::1` and
 * `0:0:0:0:0:0:0:1` are one address, and a CIDR block is a range of them.
 */

const ipv4Bytes = (text: string): number[] => text.split('.').map(Number);

const ipv6Bytes = (text: string): number[] => {
  // An embedded IPv4 tail (`::ffff:10.0.0.1`) stands for the last two groups.
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  const v4 = isIPv4(tail) ? ipv4Bytes(tail) : undefined;
  const head = v4 ? `${text.slice(0, lastColon + 1)}0:0` : text;
  const [left = '', right] = head.split('::');
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const leftGroups = groups(left);
  const rightGroups = right === undefined ? [] : groups(right);
  const zeros = Array(8 - leftGroups.length - rightGroups.length).fill('0');
  const bytes = [...leftGroups, ...zeros, ...rightGroups].flatMap((group) => {
    const value = Number.parseInt(group, 16);
    return [value >> 8, value & 0xff];
  });
  if (v4) bytes.splice(12, 4, ...v4);
  return bytes;
};

/** The address's bytes (4 or 16), or undefined when the text is not an IP address literal. */
export const ipBytes = (text: string): number[] | undefined => {
  if (isIPv4(text)) return ipv4Bytes(text);
  if (isIPv6(text) && !text.includes('%')) return ipv6Bytes(text);
  return undefined;
};

const sameBytes = (a: readonly number[], b: readonly number[]): boolean =>
  a.length === b.length && a.every((byte, at) => byte === b[at]);

/** Whether two texts name the same IP address. */
export const sameIpAddress = (a: readonly number[], text: string): boolean => {
  const b = ipBytes(text);
  return b !== undefined && sameBytes(a, b);
};

/** Parses `address/bits`; throws with event-ruler's message when it is malformed. */
export const parseCidr = (text: string): ((address: string) => boolean) => {
  const parts = text.split('/');
  if (parts.length !== 2) throw new Error("Malformed CIDR, one '/' required");
  const [address = '', bitsText = ''] = parts;
  if (!/^[-+]?\d+$/.test(bitsText) || !Number.isSafeInteger(Number(bitsText)))
    throw new Error('Malformed CIDR, mask bits must be an integer');
  const bits = Number(bitsText);
  if (bits < 0) throw new Error('Malformed CIDR, mask bits must not be negative');
  const network = ipBytes(address);
  if (network === undefined)
    // Text shaped like an address is invalid; anything else is not an address at all.
    throw new Error(
      /^[\d.]+$|^[\da-f:.]*:[\da-f:.]*$/i.test(address)
        ? `Invalid IP address: ${address}`
        : `Nonstandard IP address: ${address}`,
    );
  if (network.length === 4 && bits > 31) throw new Error('IPv4 mask bits must be < 32');
  if (network.length === 16 && bits > 127) throw new Error('IPv6 mask bits must be < 128');
  return (candidate) => {
    const bytes = ipBytes(candidate);
    if (bytes === undefined || bytes.length !== network.length) return false;
    for (let bit = 0; bit < bits; bit += 1) {
      const at = bit >> 3;
      const mask = 0x80 >> (bit & 7);
      if (((bytes[at] ?? 0) & mask) !== ((network[at] ?? 0) & mask)) return false;
    }
    return true;
  };
};
