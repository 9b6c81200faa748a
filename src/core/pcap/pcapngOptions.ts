// pcapng options (code u16, length u16, value padded to 4 bytes) and the blocks whose options
// we keep: Section Header (comments, hardware, OS, application) and Interface Description
// (name, description, comments, OS, if_tsresol, if_tsoffset).

import { CaptureFormatError } from './types.js';
import type { InterfaceInfo, SectionInfo } from './types.js';
import { TS_MICRO, tsResolutionFromByte } from './timestamps.js';
import type { TsResolution } from './timestamps.js';

const OPT_ENDOFOPT = 0;
export const OPT_COMMENT = 1;

const utf8 = new TextDecoder('utf-8');

/** A string option's value; some writers include a terminating NUL, which is dropped. */
export function optionString(buf: Uint8Array, start: number, len: number): string {
  let end = start + len;
  while (end > start && buf[end - 1] === 0) end--;
  return utf8.decode(buf.subarray(start, end));
}

/** Calls visit(code, valueStart, valueLength) for each option in buf[start .. end) until
 *  opt_endofopt. An option whose value runs past `end` is a CaptureFormatError. */
export function walkOptions(
  dv: DataView,
  le: boolean,
  start: number,
  end: number,
  fileBase: number,
  blockName: string,
  blockStart: number,
  visit: (code: number, valueStart: number, len: number) => void,
): void {
  let p = start;
  while (end - p >= 4) {
    const code = dv.getUint16(p, le);
    const len = dv.getUint16(p + 2, le);
    if (code === OPT_ENDOFOPT) return;
    const vs = p + 4;
    if (len > end - vs) {
      throw new CaptureFormatError(
        `pcapng ${blockName} option ${code} at offset ${fileBase + p} has length ${len}, ` +
          `beyond the end of the block's options at offset ${fileBase + end} (${end - vs} bytes left)`,
        fileBase + p,
        `option length <= ${end - vs}`,
        fileBase + blockStart,
      );
    }
    visit(code, vs, len);
    p = vs + ((len + 3) & ~3);
  }
}

/** Section Header Block fields after the byte-order magic. */
export function parseSectionOptions(
  buf: Uint8Array,
  dv: DataView,
  le: boolean,
  pos: number,
  len: number,
  fileBase: number,
  info: SectionInfo,
): void {
  walkOptions(dv, le, pos + 24, pos + len - 4, fileBase, 'SHB', pos, (code, vs, n) => {
    if (code === OPT_COMMENT) info.comments.push(optionString(buf, vs, n));
    else if (code === 2) info.hardware = optionString(buf, vs, n);
    else if (code === 3) info.os = optionString(buf, vs, n);
    else if (code === 4) info.userApplication = optionString(buf, vs, n);
  });
}

export interface InterfaceState {
  readonly info: InterfaceInfo;
  readonly linkType: number;
  readonly snapLen: number;
  readonly res: TsResolution;
  readonly offsetSec: number;
}

/** Interface Description Block: link type, snaplen, options. */
export function parseInterfaceBlock(
  buf: Uint8Array,
  dv: DataView,
  le: boolean,
  pos: number,
  len: number,
  fileBase: number,
  sectionIndex: number,
  interfaceId: number,
): InterfaceState {
  const linkType = dv.getUint16(pos + 8, le);
  const snapLen = dv.getUint32(pos + 12, le);
  const info: InterfaceInfo = {
    sectionIndex,
    interfaceId,
    linkType,
    snapLen,
    comments: [],
    tsUnitsPerSecond: 1e6,
    tsOffsetSec: 0,
  };
  let res = TS_MICRO;
  let offsetSec = 0;
  walkOptions(dv, le, pos + 16, pos + len - 4, fileBase, 'IDB', pos, (code, vs, n) => {
    switch (code) {
      case OPT_COMMENT:
        info.comments.push(optionString(buf, vs, n));
        break;
      case 2:
        info.name = optionString(buf, vs, n);
        break;
      case 3:
        info.description = optionString(buf, vs, n);
        break;
      case 9:
        if (n >= 1) res = tsResolutionFromByte(buf[vs], fileBase + vs, fileBase + pos);
        break;
      case 12:
        info.os = optionString(buf, vs, n);
        break;
      case 14:
        if (n >= 8) {
          // Signed 64-bit seconds, in the section's byte order.
          const hi = le ? dv.getInt32(vs + 4, true) : dv.getInt32(vs, false);
          const lo = le ? dv.getUint32(vs, true) : dv.getUint32(vs + 4, false);
          offsetSec = hi * 4294967296 + lo;
        }
        break;
      default:
        break;
    }
  });
  info.tsUnitsPerSecond = res.unitsPerSecond;
  info.tsOffsetSec = offsetSec;
  return { info, linkType, snapLen, res, offsetSec };
}
