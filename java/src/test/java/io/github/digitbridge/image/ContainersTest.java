package io.github.digitbridge.image;

import static io.github.digitbridge.testing.Bytes.bytes;
import static io.github.digitbridge.testing.Bytes.join;
import static io.github.digitbridge.testing.Bytes.pngChunk;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.digitbridge.image.ImageException.Reason;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The container walks of docs/preprocessing.md, step 1, on files built byte by byte: each check at
 * its edge, and each refusal's whole line (the reason and the detail are what the user reads).
 */
class ContainersTest {
  private static ImageHeader header(byte[] bytes) throws ImageException {
    return Preprocessor.header(bytes, "f");
  }

  /** The whole message of the refusal, after checking its reason. */
  private static String refusal(byte[] bytes, Reason reason) {
    ImageException e = assertThrows(ImageException.class, () -> Preprocessor.header(bytes, "f"));
    assertEquals(reason, e.reason(), e.getMessage());
    return e.getMessage();
  }

  // ---- PNG ------------------------------------------------------------------------------------

  private static final byte[] PNG_SIGNATURE = bytes(0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n');

  private static byte[] ihdr(int w, int h) {
    return pngChunk("IHDR", ByteBuffer.allocate(13).putInt(w).putInt(h).put((byte) 8).array());
  }

  @Test
  void pngChunksAreWalkedToIend() throws Exception {
    byte[] idat = pngChunk("IDAT", new byte[3]);
    byte[] iend = pngChunk("IEND", new byte[0]);
    assertEquals(
        new ImageHeader(ImageFormat.PNG, 3, 2),
        header(join(PNG_SIGNATURE, ihdr(3, 2), idat, iend)));
    assertEquals(
        "f: TRUNCATED: expected a chunk header (the file ends before IEND) (8 bytes at byte 8), found"
            + " 0 bytes",
        refusal(PNG_SIGNATURE, Reason.TRUNCATED));
    assertEquals(
        "f: TRUNCATED: expected a chunk header (the file ends before IEND) (8 bytes at byte 8), found"
            + " 7 bytes",
        refusal(join(PNG_SIGNATURE, new byte[7]), Reason.TRUNCATED));
    byte[] ihdr = ihdr(3, 2);
    assertEquals(
        "f: TRUNCATED: expected the IHDR chunk's data and CRC (17 bytes at byte 16), found 16 bytes",
        refusal(join(PNG_SIGNATURE, Arrays.copyOf(ihdr, 24)), Reason.TRUNCATED));
    assertEquals(
        "f: TRUNCATED: expected a chunk header (the file ends before IEND) (8 bytes at byte 48),"
            + " found 0 bytes",
        refusal(join(PNG_SIGNATURE, ihdr, idat), Reason.TRUNCATED));
    assertEquals(
        "f: CORRUPT: expected an IDAT chunk before IEND, found none",
        refusal(join(PNG_SIGNATURE, ihdr, iend), Reason.CORRUPT));
    assertEquals(
        "f: CORRUPT: expected IHDR of 13 bytes first, found 'IDAT' of 3 bytes",
        refusal(join(PNG_SIGNATURE, idat, ihdr, iend), Reason.CORRUPT));
    assertEquals(
        "f: CORRUPT: expected IHDR of 13 bytes first, found 'IHDR' of 12 bytes",
        refusal(join(PNG_SIGNATURE, pngChunk("IHDR", new byte[12]), idat, iend), Reason.CORRUPT));
    byte[] bad = join(PNG_SIGNATURE, ihdr, idat, iend);
    bad[bad.length - 1] ^= 1; // IEND's CRC
    assertEquals(
        "f: CORRUPT: expected the CRC of the IEND chunk at byte 48 to match, found it does not",
        refusal(bad, Reason.CORRUPT));
    assertEquals(
        "f: CORRUPT: expected a PNG of at least 1 x 1 pixels, found 7 x 0",
        refusal(join(PNG_SIGNATURE, ihdr(7, 0), idat, iend), Reason.CORRUPT));
  }

  @Test
  void aPngChunkLengthIsBelow2To31() {
    byte[] huge =
        join(PNG_SIGNATURE, bytes(0x80, 0, 0, 0), "IHDR".getBytes(StandardCharsets.UTF_8));
    assertEquals(
        "f: CORRUPT: expected a chunk length below 2^31, found 2147483648 for 'IHDR'",
        refusal(huge, Reason.CORRUPT));
    byte[] largest =
        join(PNG_SIGNATURE, bytes(0x7F, 0xFF, 0xFF, 0xFF), "IHDR".getBytes(StandardCharsets.UTF_8));
    assertEquals(
        "f: TRUNCATED: expected the IHDR chunk's data and CRC (2147483651 bytes at byte 16), found 0"
            + " bytes",
        refusal(largest, Reason.TRUNCATED));
  }

  // ---- JPEG -----------------------------------------------------------------------------------

  private static final byte[] SOI = bytes(0xFF, 0xD8);

  /** A frame header: {@code FF marker}, length 11, 8-bit, one component unless given. */
  private static byte[] sof(int marker, int precision, int height, int width, int components) {
    ByteBuffer b = ByteBuffer.allocate(4 + 6 + 3 * components);
    b.put((byte) 0xFF).put((byte) marker).putShort((short) (8 + 3 * components));
    b.put((byte) precision).putShort((short) height).putShort((short) width);
    b.put((byte) components);
    for (int c = 0; c < components; c++) {
      b.put((byte) (c + 1)).put((byte) 0x11).put((byte) 0);
    }
    return b.array();
  }

  private static final byte[] SOS = bytes(0xFF, 0xDA, 0, 8, 1, 1, 0, 0, 0x3F, 0);
  private static final byte[] EOI = bytes(0xFF, 0xD9);

  @Test
  void jpegSegmentsAndEntropyCodedDataAreWalkedToEoi() throws Exception {
    byte[] frame = sof(0xC0, 8, 5, 7, 1);
    // stuffed FF 00, a restart marker, fill bytes before EOI
    byte[] data = bytes(0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56, 0xFF, 0xD7, 0x78, 0xFF, 0xFF);
    ImageHeader expected = new ImageHeader(ImageFormat.JPEG, 7, 5);
    assertEquals(expected, header(join(SOI, frame, SOS, data, EOI)));
    // markers without a length (RST0, RST7, TEM) and fill bytes between segments
    byte[] loose = bytes(0xFF, 0xD0, 0xFF, 0xD7, 0xFF, 0x01, 0xFF, 0xFF);
    assertEquals(expected, header(join(SOI, loose, frame, SOS, data, EOI)));
    // a comment of length 2 (nothing but its length) is a segment like any other
    assertEquals(expected, header(join(SOI, bytes(0xFF, 0xFE, 0, 2), frame, SOS, EOI)));
    // only the first frame header counts: a second one, of a kind refused, is skipped
    assertEquals(expected, header(join(SOI, frame, sof(0xC3, 12, 0, 0, 4), SOS, EOI)));
    // the extended and progressive frames are read; 3 components too
    assertEquals(expected, header(join(SOI, sof(0xC1, 8, 5, 7, 3), SOS, EOI)));
    assertEquals(expected, header(join(SOI, sof(0xC2, 8, 5, 7, 1), SOS, EOI)));
  }

  @Test
  void jpegStructureRefusals() {
    byte[] frame = sof(0xC0, 8, 5, 7, 1);
    assertEquals(
        "f: TRUNCATED: expected a marker (1 bytes at byte 3), found 0 bytes",
        refusal(bytes(0xFF, 0xD8, 0xFF), Reason.TRUNCATED));
    assertEquals(
        "f: CORRUPT: expected a marker (FF) at byte 6, found 12",
        refusal(join(SOI, bytes(0xFF, 0xFE, 0, 2, 0x12)), Reason.CORRUPT));
    assertEquals(
        "f: CORRUPT: expected a scan (SOS) before the end of image, found none",
        refusal(join(SOI, frame, EOI), Reason.CORRUPT));
    assertEquals(
        "f: CORRUPT: expected a scan (SOS) before the end of image, found none",
        refusal(join(SOI, bytes(0xFF, 0xD0, 0xFF, 0xD7), EOI), Reason.CORRUPT));
    assertEquals(
        "f: CORRUPT: expected a segment marker at byte 3, found FF D8",
        refusal(join(SOI, SOI), Reason.CORRUPT));
    assertEquals(
        "f: CORRUPT: expected a segment marker at byte 5, found FF 00",
        refusal(join(SOI, bytes(0xFF, 0xFF, 0xFF, 0x00)), Reason.CORRUPT));
    assertEquals(
        "f: TRUNCATED: expected the length of segment FF FE (2 bytes at byte 4), found 1 bytes",
        refusal(join(SOI, bytes(0xFF, 0xFE, 0)), Reason.TRUNCATED));
    assertEquals(
        "f: CORRUPT: expected a segment length of at least 2, found 1",
        refusal(join(SOI, bytes(0xFF, 0xFE, 0, 1), EOI), Reason.CORRUPT));
    assertEquals(
        "f: TRUNCATED: expected segment FF FE (16 bytes at byte 4), found 5 bytes",
        refusal(join(SOI, bytes(0xFF, 0xFE, 0, 16, 1, 2, 3)), Reason.TRUNCATED));
    assertEquals(
        "f: CORRUPT: expected a frame header (SOF) before the first scan, found none",
        refusal(join(SOI, SOS, EOI), Reason.CORRUPT));
    assertEquals(
        "f: TRUNCATED: expected the end-of-image marker (FF D9), found the file ends",
        refusal(join(SOI, frame, SOS, bytes(1, 2, 3)), Reason.TRUNCATED));
    assertEquals(
        "f: TRUNCATED: expected the end-of-image marker (FF D9), found the file ends",
        refusal(join(SOI, frame, SOS, bytes(1, 2, 0xFF)), Reason.TRUNCATED));
  }

  @Test
  void jpegFrameHeaderRefusals() {
    byte[] seven = bytes(0xFF, 0xC0, 0, 7, 8, 0, 5, 0, 7);
    assertEquals(
        "f: CORRUPT: expected a frame header of at least 8 bytes, found 7",
        refusal(join(SOI, seven, SOS, EOI), Reason.CORRUPT));
    // 8 bytes is enough for the walk: precision, height, width and the component count
    byte[] eight = bytes(0xFF, 0xC0, 0, 8, 8, 0, 5, 0, 7, 1);
    try {
      assertEquals(new ImageHeader(ImageFormat.JPEG, 7, 5), header(join(SOI, eight, SOS, EOI)));
    } catch (ImageException e) {
      throw new AssertionError(e);
    }
    assertEquals(
        "f: UNSUPPORTED: expected the height in the frame header, found 0 (DNL marker)",
        refusal(join(SOI, sof(0xC0, 8, 0, 7, 1), SOS, EOI), Reason.UNSUPPORTED));
    assertEquals(
        "f: CORRUPT: expected a JPEG of at least 1 x 1 pixels, found 0 x 5",
        refusal(join(SOI, sof(0xC0, 8, 5, 0, 1), SOS, EOI), Reason.CORRUPT));
    assertEquals(
        "f: TOO_LARGE: expected at most 16777216 pixels, found 4097 x 4096 = 16781312",
        refusal(join(SOI, sof(0xC0, 8, 4096, 4097, 1), SOS, EOI), Reason.TOO_LARGE));
    assertEquals(
        "f: UNSUPPORTED: expected a baseline, extended or progressive Huffman JPEG, found frame type"
            + " FF C3",
        refusal(join(SOI, sof(0xC3, 8, 5, 7, 1), SOS, EOI), Reason.UNSUPPORTED));
    assertEquals(
        "f: UNSUPPORTED: expected a baseline, extended or progressive Huffman JPEG, found frame type"
            + " FF C9",
        refusal(join(SOI, sof(0xC9, 8, 5, 7, 1), SOS, EOI), Reason.UNSUPPORTED));
    assertEquals(
        "f: UNSUPPORTED: expected 8-bit samples with 1 or 3 components, found 12-bit, 1 components",
        refusal(join(SOI, sof(0xC0, 12, 5, 7, 1), SOS, EOI), Reason.UNSUPPORTED));
    assertEquals(
        "f: UNSUPPORTED: expected 8-bit samples with 1 or 3 components, found 8-bit, 2 components",
        refusal(join(SOI, sof(0xC0, 8, 5, 7, 2), SOS, EOI), Reason.UNSUPPORTED));
    assertEquals(
        "f: UNSUPPORTED: expected 8-bit samples with 1 or 3 components, found 8-bit, 4 components",
        refusal(join(SOI, sof(0xC1, 8, 5, 7, 4), SOS, EOI), Reason.UNSUPPORTED));
  }

  // ---- GIF ------------------------------------------------------------------------------------

  /** A GIF89a logical screen of {@code w x h}, {@code packed} flags, and what follows. */
  private static byte[] gif(int w, int h, int packed, byte[]... rest) {
    ByteBuffer b = ByteBuffer.allocate(13).order(ByteOrder.LITTLE_ENDIAN);
    b.put("GIF89a".getBytes(StandardCharsets.US_ASCII));
    b.putShort((short) w).putShort((short) h).put((byte) packed).put((byte) 0).put((byte) 0);
    byte[][] all = new byte[rest.length + 1][];
    all[0] = b.array();
    System.arraycopy(rest, 0, all, 1, rest.length);
    return join(all);
  }

  /** An image descriptor at (left, top) of {@code w x h} with the given flags. */
  private static byte[] descriptor(int left, int top, int w, int h, int packed) {
    return ByteBuffer.allocate(10)
        .order(ByteOrder.LITTLE_ENDIAN)
        .put((byte) 0x2C)
        .putShort((short) left)
        .putShort((short) top)
        .putShort((short) w)
        .putShort((short) h)
        .put((byte) packed)
        .array();
  }

  /**
   * The minimum code size and sub-blocks of LZW {@code codes}, packed least significant bit first
   * at the widths a decoder reads them (the width grows as the table fills).
   */
  private static byte[] lzw(int codeSize, int... codes) {
    int clear = 1 << codeSize;
    int width = codeSize + 1;
    int next = clear + 2;
    boolean first = true;
    long bits = 0;
    int count = 0;
    ByteArrayOutputStream data = new ByteArrayOutputStream();
    for (int code : codes) {
      bits |= (long) code << count;
      count += width;
      while (count >= 8) {
        data.write((int) (bits & 0xFF));
        bits >>>= 8;
        count -= 8;
      }
      if (code == clear) {
        width = codeSize + 1;
        next = clear + 2;
        first = true;
      } else if (code != clear + 1) {
        if (!first && next < 4096) {
          next++;
          if (next == 1 << width && width < 12) {
            width++;
          }
        }
        first = false;
      }
    }
    if (count > 0) {
      data.write((int) bits);
    }
    byte[] packed = data.toByteArray();
    List<byte[]> out = new ArrayList<>();
    out.add(new byte[] {(byte) codeSize});
    for (int at = 0; at < packed.length; at += 255) {
      int n = Math.min(255, packed.length - at);
      byte[] block = new byte[n + 1];
      block[0] = (byte) n;
      System.arraycopy(packed, at, block, 1, n);
      out.add(block);
    }
    out.add(new byte[] {0});
    return join(out.toArray(new byte[0][]));
  }

  private static final byte[] TWO_COLOURS = bytes(0, 0, 0, 255, 255, 255);

  @Test
  void gifBlocksAreWalkedToTheFirstImage() throws Exception {
    ImageHeader expected = new ImageHeader(ImageFormat.GIF, 5, 4);
    // clear, then 0 and 6 (the code being defined: 0 0), three pixels, then the end code
    byte[] image = join(descriptor(1, 2, 3, 1, 0), lzw(2, 4, 0, 6, 5));
    assertEquals(expected, header(gif(5, 4, 0x80, TWO_COLOURS, image)));
    // an extension with two sub-blocks before the image
    byte[] extension = bytes(0x21, 0xF9, 2, 0, 0, 1, 0, 0);
    assertEquals(expected, header(gif(5, 4, 0x80, TWO_COLOURS, extension, image)));
    // a local colour table instead of a global one
    byte[] local = join(descriptor(0, 0, 3, 1, 0x80), TWO_COLOURS, lzw(2, 4, 0, 6, 5));
    assertEquals(expected, header(gif(5, 4, 0, local)));
    // a frame that ends as soon as it has its pixels, without an end code
    byte[] noEnd = join(descriptor(0, 0, 3, 1, 0), lzw(2, 4, 1, 0, 1));
    assertEquals(expected, header(gif(5, 4, 0x80, TWO_COLOURS, noEnd)));
    // code sizes 2 and 8 are the bounds
    byte[] eight = join(descriptor(0, 0, 2, 1, 0), lzw(8, 256, 7, 200, 257));
    assertEquals(expected, header(gif(5, 4, 0x80, TWO_COLOURS, eight)));
    // a frame of the pixel limit passes its size check
    byte[] limit = join(descriptor(0, 0, 4096, 4096, 0), lzw(2, 4, 0, 5));
    assertEquals(
        "f: CORRUPT: expected 16777216 pixels from the LZW data, found 1",
        refusal(gif(5, 4, 0x80, TWO_COLOURS, limit), Reason.CORRUPT));
  }

  @Test
  void gifRefusals() {
    assertEquals(
        "f: TRUNCATED: expected the logical screen descriptor (7 bytes at byte 6), found 3 bytes",
        refusal(join("GIF87a".getBytes(StandardCharsets.US_ASCII), new byte[3]), Reason.TRUNCATED));
    assertEquals(
        "f: CORRUPT: expected a GIF of at least 1 x 1 pixels, found 0 x 4",
        refusal(gif(0, 4, 0), Reason.CORRUPT));
    assertEquals(
        "f: TRUNCATED: expected the global colour table (37 bytes at byte 0), found 20 bytes",
        refusal(gif(5, 4, 0x82, new byte[7]), Reason.TRUNCATED));
    assertEquals(
        "f: TRUNCATED: expected a block (the file ends before the first image) (1 bytes at byte"
            + " 19), found 0 bytes",
        refusal(gif(5, 4, 0x80, TWO_COLOURS), Reason.TRUNCATED));
    assertEquals(
        "f: CORRUPT: expected an image before the GIF trailer, found none",
        refusal(gif(5, 4, 0x80, TWO_COLOURS, bytes(0x3B)), Reason.CORRUPT));
    assertEquals(
        "f: CORRUPT: expected a GIF block (21, 2C or 3B) at byte 19, found 00",
        refusal(gif(5, 4, 0x80, TWO_COLOURS, bytes(0)), Reason.CORRUPT));
    assertEquals(
        "f: TRUNCATED: expected a data sub-block (3 bytes at byte 22), found 1 bytes",
        refusal(gif(5, 4, 0x80, TWO_COLOURS, bytes(0x21, 0xF9, 3, 0)), Reason.TRUNCATED));
    assertEquals(
        "f: TRUNCATED: expected the image descriptor (9 bytes at byte 20), found 4 bytes",
        refusal(gif(5, 4, 0x80, TWO_COLOURS, bytes(0x2C, 0, 0, 0, 0)), Reason.TRUNCATED));
    assertEquals(
        "f: CORRUPT: expected a first frame of at least 1 x 1 pixels, found 0 x 1",
        refusal(gif(5, 4, 0x80, TWO_COLOURS, descriptor(0, 0, 0, 1, 0)), Reason.CORRUPT));
    assertEquals(
        "f: CORRUPT: expected a first frame of at least 1 x 1 pixels, found 1 x 0",
        refusal(gif(5, 4, 0x80, TWO_COLOURS, descriptor(0, 0, 1, 0, 0)), Reason.CORRUPT));
    assertEquals(
        "f: TOO_LARGE: expected at most 16777216 pixels, found a 4097 x 4096 first frame",
        refusal(gif(5, 4, 0x80, TWO_COLOURS, descriptor(0, 0, 4097, 4096, 0)), Reason.TOO_LARGE));
    assertEquals(
        "f: UNSUPPORTED: expected a global or local colour table, found neither",
        refusal(gif(5, 4, 0, descriptor(0, 0, 3, 1, 0), lzw(2, 4, 0, 5)), Reason.UNSUPPORTED));
    assertEquals(
        "f: TRUNCATED: expected the local colour table (71 bytes at byte 0), found 24 bytes",
        refusal(gif(5, 4, 0, descriptor(0, 0, 3, 1, 0x83), bytes(1)), Reason.TRUNCATED));
    assertEquals(
        "f: TRUNCATED: expected the LZW minimum code size (1 bytes at byte 29), found 0 bytes",
        refusal(gif(5, 4, 0x80, TWO_COLOURS, descriptor(0, 0, 3, 1, 0)), Reason.TRUNCATED));
  }

  @Test
  void gifLzwRefusals() {
    byte[] frame = descriptor(0, 0, 3, 1, 0);
    assertEquals(
        "f: CORRUPT: expected an LZW minimum code size of 2 to 8, found 1",
        refusal(gif(5, 4, 0x80, TWO_COLOURS, frame, lzw(1, 2, 0, 3)), Reason.CORRUPT));
    assertEquals(
        "f: CORRUPT: expected an LZW minimum code size of 2 to 8, found 9",
        refusal(gif(5, 4, 0x80, TWO_COLOURS, frame, bytes(9, 1, 0, 0)), Reason.CORRUPT));
    assertEquals(
        "f: CORRUPT: expected 3 pixels from the LZW data, found 1",
        refusal(gif(5, 4, 0x80, TWO_COLOURS, frame, lzw(2, 4, 0, 5)), Reason.CORRUPT));
    // code size 7: codes of 8 bits, so the data ends exactly after the last one, without an end
    // code
    assertEquals(
        "f: CORRUPT: expected 3 pixels from the LZW data, found 2",
        refusal(gif(5, 4, 0x80, TWO_COLOURS, frame, lzw(7, 128, 1, 2)), Reason.CORRUPT));
    assertEquals(
        "f: CORRUPT: expected LZW codes defined so far (below 6), found 6 after 0 pixels",
        refusal(gif(5, 4, 0x80, TWO_COLOURS, frame, lzw(2, 4, 6, 5)), Reason.CORRUPT));
    assertEquals(
        "f: CORRUPT: expected LZW codes defined so far (below 6), found 7 after 1 pixels",
        refusal(gif(5, 4, 0x80, TWO_COLOURS, frame, lzw(2, 4, 1, 7, 5)), Reason.CORRUPT));
    // a clear code in the middle forgets the codes defined before it
    byte[] six = join(descriptor(0, 0, 5, 1, 0), lzw(2, 4, 1, 0, 4, 6, 5));
    assertEquals(
        "f: CORRUPT: expected LZW codes defined so far (below 6), found 6 after 2 pixels",
        refusal(gif(5, 4, 0x80, TWO_COLOURS, six), Reason.CORRUPT));
    // code 6 right after 1, 0: it is defined (1 0), two pixels
    byte[] seven = join(descriptor(0, 0, 4, 1, 0), lzw(2, 4, 1, 0, 6, 5));
    try {
      assertEquals(
          new ImageHeader(ImageFormat.GIF, 5, 4), header(gif(5, 4, 0x80, TWO_COLOURS, seven)));
    } catch (ImageException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void lzwTablesAtTheirEdges() throws Exception {
    ImageHeader expected = new ImageHeader(ImageFormat.GIF, 5, 4);
    // 0 then 1 defines code 6 (0 1), and 7 is the one being defined: 1 + 1 + 2 pixels
    byte[] seven = join(descriptor(0, 0, 4, 1, 0), lzw(2, 4, 0, 1, 7));
    assertEquals(expected, header(gif(5, 4, 0x80, TWO_COLOURS, seven)));
    // a 1 x 1 frame is complete after one code: what follows is not read, defined or not
    byte[] one = join(descriptor(0, 0, 1, 1, 0), lzw(2, 4, 1, 7));
    assertEquals(expected, header(gif(5, 4, 0x80, TWO_COLOURS, one)));
    // a stream need not start with a clear code
    byte[] unclear = join(descriptor(0, 0, 3, 1, 0), lzw(2, 0, 6));
    assertEquals(expected, header(gif(5, 4, 0x80, TWO_COLOURS, unclear)));
    // the table stops growing at 4096 codes and the width at 12 bits
    int[] codes = new int[4001];
    codes[0] = 256;
    Arrays.fill(codes, 1, codes.length, 1);
    byte[] full = join(descriptor(0, 0, 4000, 1, 0), lzw(8, codes));
    assertEquals(expected, header(gif(5, 4, 0x80, TWO_COLOURS, full)));
    codes[4000] = 4095; // the last code of a full table is defined
    byte[] last = join(descriptor(0, 0, 4000, 1, 0), lzw(8, codes));
    assertEquals(expected, header(gif(5, 4, 0x80, TWO_COLOURS, last)));
  }

  @Test
  void pngChunksTheDecoderNeedNotSeeAreDropped() throws Exception {
    byte[] ihdr = ihdr(3, 2);
    byte[] idat = pngChunk("IDAT", new byte[3]);
    byte[] iend = pngChunk("IEND", new byte[0]);
    byte[] plain = join(PNG_SIGNATURE, ihdr, idat, iend);
    assertEquals(null, Containers.walk(plain, "f").decoded());
    byte[] text = pngChunk("tEXt", "Comment\0hello".getBytes(StandardCharsets.ISO_8859_1));
    byte[] time = pngChunk("tIME", new byte[7]);
    byte[] palette = pngChunk("PLTE", new byte[6]);
    byte[] transparency = pngChunk("tRNS", new byte[2]);
    byte[] busy =
        join(PNG_SIGNATURE, ihdr, text, palette, transparency, idat, time, idat, iend, bytes(1, 2));
    assertArrayEquals(
        join(PNG_SIGNATURE, ihdr, palette, transparency, idat, idat, iend),
        Containers.walk(busy, "f").decoded());
    assertEquals(new ImageHeader(ImageFormat.PNG, 3, 2), Containers.walk(busy, "f").header());
  }

  // ---- BMP ------------------------------------------------------------------------------------

  /**
   * A BMP with a 40-byte info header: {@code w x h} at {@code bits} per pixel, {@code compression},
   * {@code colours} palette entries declared, the pixel data at {@code offset}, and {@code data}
   * bytes of it.
   */
  private static byte[] bmp(
      int w, int h, int bits, int compression, int colours, int offset, int data) {
    ByteBuffer b = ByteBuffer.allocate(Math.max(54, offset) + data).order(ByteOrder.LITTLE_ENDIAN);
    b.put((byte) 'B').put((byte) 'M').putInt(b.capacity()).putInt(0).putInt(offset);
    b.putInt(40).putInt(w).putInt(h).putShort((short) 1).putShort((short) bits);
    b.putInt(compression).putInt(data).putInt(2835).putInt(2835).putInt(colours).putInt(0);
    return b.array();
  }

  @Test
  void bmpHeadersAreChecked() throws Exception {
    assertEquals(new ImageHeader(ImageFormat.BMP, 3, 2), header(bmp(3, 2, 24, 0, 0, 54, 24)));
    assertEquals(new ImageHeader(ImageFormat.BMP, 3, 2), header(bmp(3, -2, 24, 0, 0, 54, 24)));
    assertEquals(new ImageHeader(ImageFormat.BMP, 3, 2), header(bmp(3, 2, 32, 3, 0, 54, 24)));
    assertEquals(new ImageHeader(ImageFormat.BMP, 3, 2), header(bmp(3, 2, 16, 3, 0, 54, 16)));
    // 1 bit per pixel: rows of 4 bytes, 2 palette colours at most
    assertEquals(new ImageHeader(ImageFormat.BMP, 33, 2), header(bmp(33, 2, 1, 0, 2, 62, 16)));
    assertEquals(
        "f: CORRUPT: expected at most 2 palette colours, found 3",
        refusal(bmp(33, 2, 1, 0, 3, 62, 16), Reason.CORRUPT));
    assertEquals(
        "f: TRUNCATED: expected the pixel rows (16 bytes at byte 62), found 15 bytes",
        refusal(bmp(33, 2, 1, 0, 2, 62, 15), Reason.TRUNCATED));
    // RLE: the declared size of the compressed data, at least one byte, must be there
    assertEquals(new ImageHeader(ImageFormat.BMP, 3, 2), header(bmp(3, 2, 8, 1, 0, 54, 10)));
    assertEquals(new ImageHeader(ImageFormat.BMP, 3, 2), header(bmp(3, 2, 4, 2, 0, 54, 1)));
    assertEquals(
        "f: TRUNCATED: expected the compressed pixel data (1 bytes at byte 54), found 0 bytes",
        refusal(bmp(3, 2, 4, 2, 0, 54, 0), Reason.TRUNCATED));
    byte[] rle = bmp(3, 2, 8, 1, 0, 54, 9);
    ByteBuffer.wrap(rle).order(ByteOrder.LITTLE_ENDIAN).putInt(34, 10);
    assertEquals(
        "f: TRUNCATED: expected the compressed pixel data (10 bytes at byte 54), found 9 bytes",
        refusal(rle, Reason.TRUNCATED));
    // the 12-byte core header: 16-bit sizes
    ByteBuffer core = ByteBuffer.allocate(26 + 8).order(ByteOrder.LITTLE_ENDIAN);
    core.put((byte) 'B').put((byte) 'M').putInt(34).putInt(0).putInt(26).putInt(12);
    core.putShort((short) 2).putShort((short) 1).putShort((short) 1).putShort((short) 24);
    assertEquals(new ImageHeader(ImageFormat.BMP, 2, 1), header(core.array()));
  }

  @Test
  void bmpRefusals() {
    assertEquals(
        "f: TRUNCATED: expected the BMP file header and DIB header size (18 bytes at byte 0), found"
            + " 17 bytes",
        refusal(Arrays.copyOf(bmp(3, 2, 24, 0, 0, 54, 24), 17), Reason.TRUNCATED));
    assertEquals(
        "f: TRUNCATED: expected the DIB header (40 bytes at byte 14), found 39 bytes",
        refusal(Arrays.copyOf(bmp(3, 2, 24, 0, 0, 54, 24), 53), Reason.TRUNCATED));
    byte[] dib64 = bmp(3, 2, 24, 0, 0, 54, 24);
    ByteBuffer.wrap(dib64).order(ByteOrder.LITTLE_ENDIAN).putInt(14, 64);
    assertEquals(
        "f: UNSUPPORTED: expected a DIB header of [12, 40, 52, 56, 108, 124] bytes, found 64",
        refusal(dib64, Reason.UNSUPPORTED));
    ByteBuffer.wrap(dib64).order(ByteOrder.LITTLE_ENDIAN).putInt(14, -1);
    assertEquals(
        "f: UNSUPPORTED: expected a DIB header of [12, 40, 52, 56, 108, 124] bytes, found"
            + " 4294967295",
        refusal(dib64, Reason.UNSUPPORTED));
    assertEquals(
        "f: CORRUPT: expected a bottom-up (positive height) RLE bitmap, found a negative height",
        refusal(bmp(3, -2, 8, 1, 0, 54, 10), Reason.CORRUPT));
    assertEquals(
        "f: CORRUPT: expected a bottom-up (positive height) RLE bitmap, found a negative height",
        refusal(bmp(3, -2, 4, 2, 0, 54, 10), Reason.CORRUPT));
    assertEquals(
        "f: CORRUPT: expected a BMP of at least 1 x 1 pixels, found 3 x 0",
        refusal(bmp(3, 0, 8, 1, 0, 54, 10), Reason.CORRUPT));
    assertEquals(
        "f: CORRUPT: expected a BMP of at least 1 x 1 pixels, found -3 x 2",
        refusal(bmp(-3, 2, 24, 0, 0, 54, 24), Reason.CORRUPT));
    assertEquals(
        "f: TOO_LARGE: expected at most 16777216 pixels, found 4097 x 4096 = 16781312",
        refusal(bmp(4097, -4096, 24, 0, 0, 54, 0), Reason.TOO_LARGE));
    for (int[] kind : new int[][] {{0, 2}, {1, 4}, {2, 8}, {3, 24}, {5, 24}, {4, 8}}) {
      assertEquals(
          "f: UNSUPPORTED: expected an uncompressed, RLE or bit-field bitmap of a usual depth,"
              + " found compression "
              + kind[0]
              + " with "
              + kind[1]
              + " bits per pixel",
          refusal(bmp(3, 2, kind[1], kind[0], 0, 54, 24), Reason.UNSUPPORTED));
    }
    assertEquals(
        "f: CORRUPT: expected the pixel data after byte 54, found offset 53",
        refusal(bmp(3, 2, 24, 0, 0, 53, 24), Reason.CORRUPT));
    assertEquals(
        "f: TRUNCATED: expected the pixel rows (24 bytes at byte 54), found 23 bytes",
        refusal(bmp(3, 2, 24, 0, 0, 54, 23), Reason.TRUNCATED));
    assertEquals(
        "f: TRUNCATED: expected the pixel rows (24 bytes at byte 54), found 23 bytes",
        refusal(bmp(3, -2, 24, 0, 0, 54, 23), Reason.TRUNCATED));
  }
}
