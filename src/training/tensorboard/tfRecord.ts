// TFRecord framing, the container of TensorBoard event files: each record is
//   uint64 LE length · uint32 LE masked crc32c(length bytes) · data · uint32 LE masked crc32c(data)
// so a reader can tell a torn or corrupted record from a good one.
import { maskedCrc32c } from './crc32c';

export function encodeRecord(data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length + 4);
  out.writeBigUInt64LE(BigInt(data.length), 0);
  out.writeUInt32LE(maskedCrc32c(out.subarray(0, 8)), 8);
  out.set(data, 12);
  out.writeUInt32LE(maskedCrc32c(data), 12 + data.length);
  return out;
}
