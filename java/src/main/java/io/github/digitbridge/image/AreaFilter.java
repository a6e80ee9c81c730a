package io.github.digitbridge.image;

import java.util.Arrays;

/**
 * The resampling filter of docs/preprocessing.md: exact area averaging in integers.
 *
 * <p>On an axis scaled by {@code w * outW}, output column {@code j} covers {@code [j*w, (j+1)*w)}
 * and input column {@code c} covers {@code [c*outW, (c+1)*outW)}; an input column's weight is the
 * integer length of the overlap (rows likewise). The weighted sum is divided by {@code w * h} once,
 * rounding half up: {@code (2*sum + w*h) / (2*w*h)}. Downscaling averages; upscaling blends at most
 * two neighbours per axis. Memory is {@code O(outW * outH)}: rows are summed one at a time.
 */
final class AreaFilter {
  private AreaFilter() {}

  /**
   * Resamples unsigned bytes.
   *
   * @param values {@code w * h} values, row-major
   * @return {@code outW * outH} values, row-major
   */
  static byte[] resize(byte[] values, int w, int h, int outW, int outH) {
    long[] sums = new long[outW * outH]; // at most 255 * w * h: far inside a long
    long[] row = new long[outW]; // at most 255 * w
    for (int r = 0; r < h; r++) {
      Arrays.fill(row, 0);
      int base = r * w;
      for (int c = 0; c < w; c++) {
        long v = values[base + c] & 0xFF;
        if (v == 0) {
          continue;
        }
        long lo = (long) c * outW;
        long hi = lo + outW;
        for (int j = (int) (lo / w); j < outW && (long) j * w < hi; j++) {
          row[j] += v * (Math.min(hi, (long) (j + 1) * w) - Math.max(lo, (long) j * w));
        }
      }
      long lo = (long) r * outH;
      long hi = lo + outH;
      for (int i = (int) (lo / h); i < outH && (long) i * h < hi; i++) {
        long overlap = Math.min(hi, (long) (i + 1) * h) - Math.max(lo, (long) i * h);
        for (int j = 0; j < outW; j++) {
          sums[i * outW + j] += overlap * row[j];
        }
      }
    }
    long area = (long) w * h;
    byte[] out = new byte[outW * outH];
    for (int k = 0; k < out.length; k++) {
      out[k] = (byte) ((2 * sums[k] + area) / (2 * area));
    }
    return out;
  }
}
