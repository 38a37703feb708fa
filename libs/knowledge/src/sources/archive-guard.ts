/**
 * Recognises archives and checks a ZIP container (docx) before any decompression: entry count,
 * declared uncompressed size and compression ratio come from the central directory, so a
 * decompression bomb is refused without inflating a byte of it.
 */
export type Sniffed = 'pdf' | 'zip' | 'archive' | 'unknown';

export function sniff(bytes: Uint8Array): Sniffed {
  const b = (i: number) => bytes[i] ?? -1;
  const ascii = (from: number, to: number) => String.fromCharCode(...bytes.subarray(from, to));
  if (ascii(0, Math.min(bytes.length, 1024)).includes('%PDF-')) return 'pdf';
  if (b(0) === 0x50 && b(1) === 0x4b && (b(2) === 3 || b(2) === 5 || b(2) === 7)) return 'zip';
  if (b(0) === 0x1f && b(1) === 0x8b) return 'archive'; // gzip
  if (ascii(0, 3) === 'BZh') return 'archive';
  if (b(0) === 0xfd && ascii(1, 6) === '7zXZ\u0000') return 'archive';
  if (ascii(0, 6) === '7z\u00bc\u00af\u0027\u001c') return 'archive';
  if (ascii(0, 4) === 'Rar!') return 'archive';
  if (b(0) === 0x28 && b(1) === 0xb5 && b(2) === 0x2f && b(3) === 0xfd) return 'archive'; // zstd
  if (bytes.length > 262 && ascii(257, 262) === 'ustar') return 'archive';
  return 'unknown';
}

export interface ZipLimits {
  readonly maxEntries: number;
  readonly maxUncompressedBytes: number;
  readonly maxRatio: number;
}

/** Returns null when acceptable, else the reason. */
export function checkZip(bytes: Uint8Array, limits: ZipLimits): string | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // End of central directory: signature 0x06054b50 within the last 64 KiB + 22 bytes.
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 65_557); i--) {
    if (view.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) return 'not a readable ZIP container (no central directory)';
  const entries = view.getUint16(eocd + 10, true);
  const cdOffset = view.getUint32(eocd + 16, true);
  if (entries === 0xffff || cdOffset === 0xffffffff) return 'ZIP64 containers are not accepted';
  if (entries > limits.maxEntries) return `${entries} entries (limit ${limits.maxEntries})`;
  let total = 0;
  let p = cdOffset;
  for (let n = 0; n < entries; n++) {
    if (p + 46 > bytes.length || view.getUint32(p, true) !== 0x02014b50) return 'corrupt central directory';
    const compressed = view.getUint32(p + 20, true);
    const uncompressed = view.getUint32(p + 24, true);
    total += uncompressed;
    if (total > limits.maxUncompressedBytes)
      return `expands beyond ${limits.maxUncompressedBytes} bytes (decompression bomb?)`;
    if (uncompressed > 1024 * 1024 && uncompressed / Math.max(compressed, 1) > limits.maxRatio)
      return `an entry expands ${Math.round(uncompressed / Math.max(compressed, 1))}x (decompression bomb?)`;
    p += 46 + view.getUint16(p + 28, true) + view.getUint16(p + 30, true) + view.getUint16(p + 32, true);
  }
  return null;
}
