package io.github.digitbridge.image;

import io.github.digitbridge.image.ImageException.Reason;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.zip.CRC32;

/**
 * The container walks of docs/preprocessing.md, step 1: the structure of a PNG, JPEG, GIF or BMP
 * checked from its bytes before anything is decoded, so that a truncated or lying file gets the
 * same reason code here and in Python whatever the decoders would make of it.
 */
final class Containers {
  /**
   * A walked container.
   *
   * @param header format and size
   * @param frame GIF: the first image's rectangle on the logical screen; otherwise null
   * @param decoded PNG: the bytes the decoder reads when chunks were dropped; otherwise null (the
   *     file itself)
   */
  record Container(ImageHeader header, DigitImage.Box frame, byte[] decoded) {
    Container(ImageHeader header) {
      this(header, null, null);
    }
  }

  /**
   * The chunks the decoders see. Every other chunk is checked (length, CRC) and dropped: text and
   * ICC profiles are ignored anyway (docs/preprocessing.md, step 2), and a compressed one (zTXt,
   * iTXt, iCCP) would otherwise be inflated by javax.imageio without bound (Pillow refuses it at a
   * limit of its own).
   */
  private static final Set<String> PNG_DECODED = Set.of("IHDR", "PLTE", "tRNS", "IDAT", "IEND");

  private static final List<Integer> BMP_HEADERS = List.of(12, 40, 52, 56, 108, 124);
  private static final Set<Integer> SOF_ALL =
      Set.of(0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF);
  private static final Set<Integer> SOF_SUPPORTED = Set.of(0xC0, 0xC1, 0xC2);

  private final byte[] data;
  private final String file;

  private Containers(byte[] data, String file) {
    this.data = data;
    this.file = file;
  }

  /**
   * Walks the container of a whole file.
   *
   * @throws ImageException EMPTY_FILE, NOT_AN_IMAGE, TRUNCATED, CORRUPT, TOO_LARGE or UNSUPPORTED
   */
  static Container walk(byte[] data, String file) throws ImageException {
    Containers w = new Containers(data, file);
    return switch (ImageFormat.sniff(data, file)) {
      case PNG -> w.png();
      case JPEG -> w.jpeg();
      case GIF -> w.gif();
      case BMP -> w.bmp();
    };
  }

  // ---- bounds-checked reads: running out is TRUNCATED, naming what was expected ----------------

  private void need(long pos, long count, String what) throws ImageException {
    if (pos + count > data.length) {
      long found = Math.max(0, data.length - pos);
      throw fail(
          Reason.TRUNCATED,
          String.format(
              Locale.ROOT,
              "expected %s (%d bytes at byte %d), found %d bytes",
              what,
              count,
              pos,
              found));
    }
  }

  private int u8(int pos, String what) throws ImageException {
    need(pos, 1, what);
    return data[pos] & 0xFF;
  }

  private int u16be(int pos) {
    return (data[pos] & 0xFF) << 8 | (data[pos + 1] & 0xFF);
  }

  private int u16le(int pos) {
    return (data[pos] & 0xFF) | (data[pos + 1] & 0xFF) << 8;
  }

  private long u32be(int pos) {
    return (long) u16be(pos) << 16 | u16be(pos + 2);
  }

  private long u32le(int pos) {
    return u16le(pos) | (long) u16le(pos + 2) << 16;
  }

  private int s32le(int pos) {
    return (int) u32le(pos);
  }

  private ImageException fail(Reason reason, String detail) {
    return new ImageException(reason, file, detail);
  }

  private ImageHeader checkSize(ImageFormat format, long width, long height) throws ImageException {
    if (width < 1 || height < 1) {
      throw fail(
          Reason.CORRUPT,
          "expected a " + format + " of at least 1 x 1 pixels, found " + width + " x " + height);
    }
    // Sides below 2^32 (every format's fields): the product is below 2^64, exact as an unsigned
    // long, where a signed comparison would take 4294967295 x 4294967295 for a negative number.
    long pixels = width * height;
    if (Long.compareUnsigned(pixels, Preprocessor.MAX_PIXELS) > 0) {
      throw fail(
          Reason.TOO_LARGE,
          "expected at most "
              + Preprocessor.MAX_PIXELS
              + " pixels, found "
              + width
              + " x "
              + height
              + " = "
              + Long.toUnsignedString(pixels));
    }
    return new ImageHeader(format, (int) width, (int) height);
  }

  // ---- PNG: chunks with CRCs from IHDR to IEND
  // ----------------------------------------------------

  private Container png() throws ImageException {
    int pos = 8;
    ImageHeader header = null;
    boolean idat = false;
    List<int[]> dropped = new ArrayList<>(); // {start, end} of the chunks the decoder will not see
    while (true) {
      need(pos, 8, "a chunk header (the file ends before IEND)");
      long length = u32be(pos);
      String name = new String(data, pos + 4, 4, StandardCharsets.ISO_8859_1);
      if (length > 0x7FFFFFFFL) {
        throw fail(
            Reason.CORRUPT,
            "expected a chunk length below 2^31, found " + length + " for '" + name + "'");
      }
      need(pos + 8L, length + 4, "the " + name + " chunk's data and CRC");
      int len = (int) length;
      CRC32 crc = new CRC32();
      crc.update(data, pos + 4, 4 + len);
      if (crc.getValue() != u32be(pos + 8 + len)) {
        throw fail(
            Reason.CORRUPT,
            "expected the CRC of the "
                + name
                + " chunk at byte "
                + pos
                + " to match, found it does not");
      }
      if (header == null) {
        if (!name.equals("IHDR") || len != 13) {
          throw fail(
              Reason.CORRUPT,
              "expected IHDR of 13 bytes first, found '" + name + "' of " + len + " bytes");
        }
        header = checkSize(ImageFormat.PNG, u32be(pos + 8), u32be(pos + 12));
      } else if (name.equals("IDAT")) {
        idat = true;
      } else if (name.equals("IEND")) {
        if (!idat) {
          throw fail(Reason.CORRUPT, "expected an IDAT chunk before IEND, found none");
        }
        return new Container(header, null, dropped.isEmpty() ? null : without(dropped, pos + 12));
      } else if (!PNG_DECODED.contains(name)) {
        dropped.add(new int[] {pos, pos + 12 + len});
      }
      pos += 12 + len;
    }
  }

  /** The bytes up to {@code end} without the dropped ranges. */
  private byte[] without(List<int[]> dropped, int end) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int at = 0;
    for (int[] range : dropped) {
      out.write(data, at, range[0] - at);
      at = range[1];
    }
    out.write(data, at, end - at);
    return out.toByteArray();
  }

  // ---- JPEG: segments, and entropy-coded data up to the next marker, until EOI
  // -------------------

  private Container jpeg() throws ImageException {
    int pos = 2;
    ImageHeader header = null;
    boolean scanned = false;
    while (true) {
      if (u8(pos, "a marker") != 0xFF) {
        throw fail(
            Reason.CORRUPT,
            String.format(
                Locale.ROOT,
                "expected a marker (FF) at byte %d, found %02X",
                pos,
                data[pos] & 0xFF));
      }
      while (u8(pos, "a marker") == 0xFF) {
        pos++; // fill bytes
      }
      int marker = data[pos] & 0xFF;
      pos++;
      if (marker == 0xD9) {
        if (!scanned) {
          throw fail(Reason.CORRUPT, "expected a scan (SOS) before the end of image, found none");
        }
        return new Container(header);
      }
      if ((marker >= 0xD0 && marker <= 0xD7) || marker == 0x01) {
        continue; // RSTn, TEM: no length
      }
      if (marker == 0x00 || marker == 0xD8) {
        throw fail(
            Reason.CORRUPT,
            String.format(
                Locale.ROOT,
                "expected a segment marker at byte %d, found FF %02X",
                pos - 1,
                marker));
      }
      String segment = String.format(Locale.ROOT, "segment FF %02X", marker);
      need(pos, 2, "the length of " + segment);
      int length = u16be(pos);
      if (length < 2) {
        throw fail(Reason.CORRUPT, "expected a segment length of at least 2, found " + length);
      }
      need(pos, length, segment);
      if (SOF_ALL.contains(marker) && header == null) {
        if (length < 8) {
          throw fail(
              Reason.CORRUPT, "expected a frame header of at least 8 bytes, found " + length);
        }
        int precision = data[pos + 2] & 0xFF;
        int height = u16be(pos + 3);
        int width = u16be(pos + 5);
        int components = data[pos + 7] & 0xFF;
        if (height == 0) {
          throw fail(
              Reason.UNSUPPORTED, "expected the height in the frame header, found 0 (DNL marker)");
        }
        header = checkSize(ImageFormat.JPEG, width, height);
        if (!SOF_SUPPORTED.contains(marker)) {
          throw fail(
              Reason.UNSUPPORTED,
              String.format(
                  Locale.ROOT,
                  "expected a baseline, extended or progressive Huffman JPEG, found frame type FF %02X",
                  marker));
        }
        if (precision != 8 || (components != 1 && components != 3)) {
          throw fail(
              Reason.UNSUPPORTED,
              "expected 8-bit samples with 1 or 3 components, found "
                  + precision
                  + "-bit, "
                  + components
                  + " components");
        }
      }
      pos += length;
      if (marker == 0xDA) {
        if (header == null) {
          throw fail(
              Reason.CORRUPT, "expected a frame header (SOF) before the first scan, found none");
        }
        scanned = true;
        pos = afterEntropyCodedData(pos);
      }
    }
  }

  /** The position of the first marker after entropy-coded data that is not RSTn or stuffing. */
  private int afterEntropyCodedData(int pos) throws ImageException {
    while (true) {
      int ff = pos;
      while (ff < data.length && data[ff] != (byte) 0xFF) {
        ff++;
      }
      if (ff + 1 >= data.length) {
        throw fail(
            Reason.TRUNCATED, "expected the end-of-image marker (FF D9), found the file ends");
      }
      int following = data[ff + 1] & 0xFF;
      if (following == 0x00 || (following >= 0xD0 && following <= 0xD7)) {
        pos = ff + 2;
      } else if (following == 0xFF) {
        pos = ff + 1;
      } else {
        return ff;
      }
    }
  }

  // ---- GIF: logical screen, extensions, the first image's descriptor and data
  // --------------------

  private Container gif() throws ImageException {
    need(6, 7, "the logical screen descriptor");
    ImageHeader header = checkSize(ImageFormat.GIF, u16le(6), u16le(8));
    int packed = data[10] & 0xFF;
    int pos = 13;
    boolean hasPalette = (packed & 0x80) != 0;
    if (hasPalette) {
      pos += 3 << ((packed & 7) + 1);
      need(0, pos, "the global colour table");
    }
    while (true) {
      int block = u8(pos, "a block (the file ends before the first image)");
      if (block == 0x21) {
        pos = skipSubBlocks(pos + 2);
      } else if (block == 0x2C) {
        need(pos + 1, 9, "the image descriptor");
        int left = u16le(pos + 1);
        int top = u16le(pos + 3);
        int fw = u16le(pos + 5);
        int fh = u16le(pos + 7);
        int framePacked = data[pos + 9] & 0xFF;
        if (fw < 1 || fh < 1) {
          throw fail(
              Reason.CORRUPT,
              "expected a first frame of at least 1 x 1 pixels, found " + fw + " x " + fh);
        }
        if ((long) fw * fh > Preprocessor.MAX_PIXELS) {
          throw fail(
              Reason.TOO_LARGE,
              "expected at most "
                  + Preprocessor.MAX_PIXELS
                  + " pixels, found a "
                  + fw
                  + " x "
                  + fh
                  + " first frame");
        }
        pos += 10;
        if ((framePacked & 0x80) != 0) {
          pos += 3 << ((framePacked & 7) + 1);
          need(0, pos, "the local colour table");
        } else if (!hasPalette) {
          throw fail(Reason.UNSUPPORTED, "expected a global or local colour table, found neither");
        }
        int codeSize = u8(pos, "the LZW minimum code size");
        checkLzw(subBlocks(pos + 1), codeSize, (long) fw * fh);
        return new Container(header, new DigitImage.Box(left, top, fw, fh), null);
      } else if (block == 0x3B) {
        throw fail(Reason.CORRUPT, "expected an image before the GIF trailer, found none");
      } else {
        throw fail(
            Reason.CORRUPT,
            String.format(
                Locale.ROOT,
                "expected a GIF block (21, 2C or 3B) at byte %d, found %02X",
                pos,
                block));
      }
    }
  }

  private int skipSubBlocks(int pos) throws ImageException {
    while (true) {
      int size = u8(pos, "a data sub-block");
      pos++;
      if (size == 0) {
        return pos;
      }
      need(pos, size, "a data sub-block");
      pos += size;
    }
  }

  /** The data of a run of sub-blocks, joined. */
  private byte[] subBlocks(int pos) throws ImageException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    while (true) {
      int size = u8(pos, "a data sub-block");
      pos++;
      if (size == 0) {
        return out.toByteArray();
      }
      need(pos, size, "a data sub-block");
      out.write(data, pos, size);
      pos += size;
    }
  }

  /**
   * Follows the first frame's LZW codes (string lengths only) until they yield {@code pixels}
   * values; every code up to there must be defined. Decoders differ on broken streams (Pillow
   * refuses, javax.imageio fills in), so the walk decides for both twins.
   */
  private void checkLzw(byte[] stream, int codeSize, long pixels) throws ImageException {
    if (codeSize < 2 || codeSize > 8) {
      throw fail(Reason.CORRUPT, "expected an LZW minimum code size of 2 to 8, found " + codeSize);
    }
    int clear = 1 << codeSize;
    int end = clear + 1;
    int[] lengths = new int[4096];
    Arrays.fill(lengths, 0, clear + 2, 1);
    int width = codeSize + 1;
    int nextCode = clear + 2;
    int previous = -1;
    long bits = 0;
    int count = 0;
    int position = 0;
    long produced = 0;
    while (true) {
      while (count < width && position < stream.length) {
        bits |= (long) (stream[position++] & 0xFF) << count;
        count += 8;
      }
      if (count < width) {
        break; // the data ends without an end code
      }
      int code = (int) (bits & ((1 << width) - 1));
      bits >>>= width;
      count -= width;
      if (code == clear) {
        width = codeSize + 1;
        nextCode = clear + 2;
        previous = -1;
        continue;
      }
      if (code == end) {
        break;
      }
      int length;
      if (code < clear || (previous >= 0 && code < nextCode)) {
        length = lengths[code];
      } else if (previous >= 0 && code == nextCode) {
        length = lengths[previous] + 1;
      } else {
        throw fail(
            Reason.CORRUPT,
            "expected LZW codes defined so far (below "
                + nextCode
                + "), found "
                + code
                + " after "
                + produced
                + " pixels");
      }
      if (previous >= 0 && nextCode < 4096) {
        lengths[nextCode] = lengths[previous] + 1;
        nextCode++;
        if (nextCode == 1 << width && width < 12) {
          width++;
        }
      }
      produced += length;
      if (produced >= pixels) {
        return; // the frame is complete: decoders read no further, so neither does the check
      }
      previous = code;
    }
    if (produced < pixels) {
      throw fail(
          Reason.CORRUPT, "expected " + pixels + " pixels from the LZW data, found " + produced);
    }
  }

  // ---- BMP: file header, DIB header, the pixel rows
  // ------------------------------------------------

  private Container bmp() throws ImageException {
    need(0, 18, "the BMP file header and DIB header size");
    long offset = u32le(10);
    long dib = u32le(14);
    if (!BMP_HEADERS.contains((int) Math.min(dib, Integer.MAX_VALUE))) {
      throw fail(
          Reason.UNSUPPORTED, "expected a DIB header of " + BMP_HEADERS + " bytes, found " + dib);
    }
    need(14, dib, "the DIB header");
    long width;
    long height;
    int bits;
    long compression;
    if (dib == 12) {
      width = u16le(18);
      height = u16le(20);
      bits = u16le(24);
      compression = 0;
    } else {
      width = s32le(18);
      height = s32le(22);
      bits = u16le(28);
      compression = u32le(30);
    }
    if ((compression == 1 || compression == 2) && height < 0) {
      throw fail(
          Reason.CORRUPT,
          "expected a bottom-up (positive height) RLE bitmap, found a negative height");
    }
    ImageHeader header = checkSize(ImageFormat.BMP, width, Math.abs(height));
    boolean usual =
        switch ((int) Math.min(compression, 99)) {
          case 0 -> List.of(1, 4, 8, 16, 24, 32).contains(bits);
          case 1 -> bits == 8;
          case 2 -> bits == 4;
          case 3 -> bits == 16 || bits == 32;
          default -> false;
        };
    if (!usual) {
      throw fail(
          Reason.UNSUPPORTED,
          "expected an uncompressed, RLE or bit-field bitmap of a usual depth, found compression "
              + compression
              + " with "
              + bits
              + " bits per pixel");
    }
    if (dib >= 40 && bits <= 8 && u32le(46) > 1L << bits) {
      throw fail(
          Reason.CORRUPT,
          "expected at most " + (1 << bits) + " palette colours, found " + u32le(46));
    }
    if (offset < 14 + dib) {
      throw fail(
          Reason.CORRUPT,
          "expected the pixel data after byte " + (14 + dib) + ", found offset " + offset);
    }
    if (compression == 0 || compression == 3) {
      long stride = (width * bits + 31) / 32 * 4;
      need(offset, stride * Math.abs(height), "the pixel rows");
    } else {
      need(offset, Math.max(1, u32le(34)), "the compressed pixel data");
    }
    return new Container(header);
  }
}
