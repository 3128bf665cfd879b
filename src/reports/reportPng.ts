// SVG text → PNG bytes with sharp (libvips + librsvg), so the report's charts need no browser or webview: the same
// code runs in the CLI, on a remote host and in CI.
import sharp from 'sharp';

/** librsvg's default: one SVG user unit is one pixel at 72 dpi. */
const BASE_DPI = 72;

/**
 * Renders `svg` to a PNG `scale` times its width and height in user units (2: sharp on a high-density screen, where a
 * report pasted into a PR is mostly read).
 */
export async function svgToPng(svg: string, scale = 2): Promise<Buffer> {
  if (!(scale > 0 && scale <= 8)) throw new Error(`svgToPng: scale must be in (0, 8], got ${scale}`);
  return sharp(Buffer.from(svg, 'utf8'), { density: BASE_DPI * scale }).png({ compressionLevel: 9 }).toBuffer();
}
