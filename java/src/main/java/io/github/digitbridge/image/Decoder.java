package io.github.digitbridge.image;

import io.github.digitbridge.image.ImageException.Reason;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * docs/preprocessing.md, step 2: javax.imageio decodes, and the raster's samples (never {@code
 * getRGB}, which would colour-manage) become 8-bit gray: alpha composited on white, then integer
 * luma. The Python twin reads the same samples through Pillow.
 */
final class Decoder {
  private Decoder() {}

  /** Gray values, row-major, {@code header.width() * header.height()} of them. */
  static byte[] gray(byte[] bytes, String file, Containers.Container container)
      throws ImageException {
    ImageHeader header = container.header();
    ImageFormat format = header.format();
    Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(format.imageIoName());
    if (!readers.hasNext()) {
      throw new ImageException(
          Reason.UNSUPPORTED, file, "expected javax.imageio to offer a " + format + " reader");
    }
    ImageReader reader = readers.next();
    BufferedImage image;
    byte[] input = container.decoded() != null ? container.decoded() : bytes;
    try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(input))) {
      reader.setInput(in, true, false);
      // The decoder's own header must agree with the walk (GIF: with the first frame's size).
      DigitImage.Box expected =
          container.frame() != null
              ? container.frame()
              : new DigitImage.Box(0, 0, header.width(), header.height());
      int width = reader.getWidth(0);
      int height = reader.getHeight(0);
      checkSize(file, expected.width(), expected.height(), width, height);
      image = reader.read(0);
    } catch (IOException | RuntimeException e) {
      // Decoders throw IIOException for bad data and sometimes runtime exceptions
      // (ArrayIndexOutOfBounds on malformed streams): both mean the data is corrupt.
      throw ImageException.withCause(
          Reason.CORRUPT,
          file,
          "expected " + format + " data the decoder accepts, found: " + oneLine(e),
          e);
    } finally {
      reader.dispose();
    }
    try {
      return container.frame() != null
          ? gifCanvas(image, file, header, container.frame())
          : samples(image, file, header);
    } catch (RuntimeException e) {
      // A raster the decoder built from bad data (an index past its palette...): corrupt, not a
      // crash.
      throw ImageException.withCause(
          Reason.CORRUPT,
          file,
          "expected " + format + " data the decoder accepts, found: " + oneLine(e),
          e);
    }
  }

  /** The image's pixels, which must have the header's size, as gray values. */
  private static byte[] samples(BufferedImage image, String file, ImageHeader header)
      throws ImageException {
    checkSize(file, header.width(), header.height(), image.getWidth(), image.getHeight());
    byte[] gray = new byte[Math.multiplyExact(header.width(), header.height())];
    Samples samples = new Samples(image, file);
    int[] rgba = new int[4];
    for (int y = 0; y < header.height(); y++) {
      samples.row(y);
      if (samples.opaqueGray8()) {
        samples.copyRow(gray, y * header.width());
        continue;
      }
      for (int x = 0; x < header.width(); x++) {
        samples.rgba(x, rgba);
        gray[y * header.width() + x] = (byte) luma(rgba);
      }
    }
    return gray;
  }

  /** The decoder's size must be the walk's. */
  private static void checkSize(String file, int width, int height, int foundWidth, int foundHeight)
      throws ImageException {
    if (foundWidth != width || foundHeight != height) {
      throw new ImageException(
          Reason.CORRUPT,
          file,
          String.format(
              Locale.ROOT,
              "expected %d x %d pixels, the decoder gave %d x %d",
              width,
              height,
              foundWidth,
              foundHeight));
    }
  }

  /** The first frame on a transparent logical screen, clipped to it. */
  private static byte[] gifCanvas(
      BufferedImage frame, String file, ImageHeader header, DigitImage.Box rect)
      throws ImageException {
    int w = header.width();
    byte[] gray = new byte[Math.multiplyExact(w, header.height())];
    Arrays.fill(gray, (byte) 255); // transparent composited on white
    int x1 = Math.min(rect.x() + rect.width(), w);
    int y1 = Math.min(rect.y() + rect.height(), header.height());
    Samples samples = new Samples(frame, file);
    int[] rgba = new int[4];
    for (int y = rect.y(); y < y1; y++) {
      samples.row(y - rect.y());
      for (int x = rect.x(); x < x1; x++) {
        samples.rgba(x - rect.x(), rgba);
        gray[y * w + x] = (byte) luma(rgba);
      }
    }
    return gray;
  }

  /**
   * Composites on white with round-half-up, {@code c' = (c*a + 255*(255-a) + 127) / 255}, then
   * {@code (299 R + 587 G + 114 B + 500) / 1000}.
   */
  static int luma(int[] rgba) {
    int a = rgba[3];
    int white = 255 * (255 - a) + 127;
    int r = (rgba[0] * a + white) / 255;
    int g = (rgba[1] * a + white) / 255;
    int b = (rgba[2] * a + white) / 255;
    return (299 * r + 587 * g + 114 * b + 500) / 1000;
  }

  /** Reads 8-bit RGBA from a raster of any layout javax.imageio produces, one row at a time. */
  private static final class Samples {
    private final Raster raster;
    private final IndexColorModel palette;
    private final int bands;
    private final int[] bits;
    private final int width;
    private int[] row;

    Samples(BufferedImage image, String file) throws ImageException {
      ColorModel model = image.getColorModel();
      this.raster = image.getRaster();
      this.width = raster.getWidth();
      this.palette = model instanceof IndexColorModel icm ? icm : null;
      this.bands = raster.getNumBands();
      this.bits = raster.getSampleModel().getSampleSize();
      if (model.isAlphaPremultiplied()) {
        throw new ImageException(
            Reason.UNSUPPORTED, file, "expected straight alpha, found premultiplied alpha");
      }
      if (palette == null && (bands < 1 || bands > 4)) {
        throw new ImageException(
            Reason.UNSUPPORTED,
            file,
            "expected a gray, palette or RGB image, found " + bands + " bands");
      }
      this.row = new int[width * bands];
    }

    void row(int y) {
      row = raster.getPixels(0, y, width, 1, row);
    }

    /**
     * One 8-bit gray band, no palette, no alpha: {@link #luma} of such a sample is the sample
     * itself (composited with full alpha it is unchanged, and the weights sum to 1000), so a row is
     * copied rather than taken apart pixel by pixel, which cost a {@code predict} several
     * milliseconds before the JIT compiled the loop.
     */
    boolean opaqueGray8() {
      return palette == null && bands == 1 && bits[0] == 8;
    }

    /** The current row of an {@link #opaqueGray8} image, as gray values. */
    void copyRow(byte[] gray, int offset) {
      for (int x = 0; x < width; x++) {
        gray[offset + x] = (byte) row[x];
      }
    }

    void rgba(int x, int[] out) {
      if (palette != null) {
        int index = row[x * bands];
        out[0] = palette.getRed(index);
        out[1] = palette.getGreen(index);
        out[2] = palette.getBlue(index);
        out[3] = palette.getAlpha(index);
        return;
      }
      int base = x * bands;
      switch (bands) {
        case 1 -> {
          out[0] = out[1] = out[2] = eight(row[base], bits[0]);
          out[3] = 255;
        }
        case 2 -> {
          out[0] = out[1] = out[2] = eight(row[base], bits[0]);
          out[3] = eight(row[base + 1], bits[1]);
        }
        case 3 -> {
          out[0] = eight(row[base], bits[0]);
          out[1] = eight(row[base + 1], bits[1]);
          out[2] = eight(row[base + 2], bits[2]);
          out[3] = 255;
        }
        default -> {
          out[0] = eight(row[base], bits[0]);
          out[1] = eight(row[base + 1], bits[1]);
          out[2] = eight(row[base + 2], bits[2]);
          out[3] = eight(row[base + 3], bits[3]);
        }
      }
    }

    /** 16-bit samples keep their high byte (as Pillow does); fewer bits scale by v*255/(2^b-1). */
    private static int eight(int v, int bits) {
      if (bits == 8) {
        return v;
      }
      if (bits == 16) {
        return v >> 8;
      }
      return v * 255 / ((1 << bits) - 1);
    }
  }

  private static String oneLine(Exception e) {
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    Throwable cause = e.getCause();
    if (cause != null && cause.getMessage() != null) {
      message += " (" + cause.getMessage() + ")";
    }
    return message.strip().replaceAll("\\s*\\R\\s*", " ");
  }
}
