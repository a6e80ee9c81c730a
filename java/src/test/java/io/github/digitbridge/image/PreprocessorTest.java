package io.github.digitbridge.image;

import static io.github.digitbridge.testing.Bytes.pngChunk;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.digitbridge.image.ImageException.Reason;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.zip.Deflater;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The steps of docs/preprocessing.md one by one, on images drawn here. */
class PreprocessorTest {
  // ---- drawing test images ------------------------------------------------------------------

  /** A gray image filled with {@code paper}, with {@code ink} rectangles {x, y, w, h}. */
  private static BufferedImage gray(int w, int h, int paper, int ink, int[]... rects) {
    BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        image.getRaster().setSample(x, y, 0, paper);
      }
    }
    for (int[] r : rects) {
      for (int y = r[1]; y < r[1] + r[3]; y++) {
        for (int x = r[0]; x < r[0] + r[2]; x++) {
          image.getRaster().setSample(x, y, 0, ink);
        }
      }
    }
    return image;
  }

  private static byte[] encode(BufferedImage image, String format) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertTrue(ImageIO.write(image, format, out), "no writer for " + format);
    return out.toByteArray();
  }

  private static byte[] png(BufferedImage image) throws IOException {
    return encode(image, "png");
  }

  /** A PNG whose IHDR claims {@code w x h} but whose data is one empty row. */
  private static byte[] claimingPng(int w, int h) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
    out.writeBytes(
        pngChunk("IHDR", ByteBuffer.allocate(13).putInt(w).putInt(h).put((byte) 8).array()));
    out.writeBytes(
        pngChunk("IDAT", new byte[] {0x78, (byte) 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 1}));
    out.writeBytes(pngChunk("IEND", new byte[0]));
    return out.toByteArray();
  }

  private static ImageException.Reason reasonOf(byte[] bytes) {
    return assertThrows(
            ImageException.class,
            () -> Preprocessor.preprocess(bytes, "test", Preprocessor.Mode.MNIST))
        .reason();
  }

  // ---- decoding -------------------------------------------------------------------------------

  @Test
  void lumaUsesTheStatedIntegerWeightsAndCompositesOnWhite() {
    assertEquals(76, Decoder.luma(new int[] {255, 0, 0, 255}));
    assertEquals(150, Decoder.luma(new int[] {0, 255, 0, 255}));
    assertEquals(29, Decoder.luma(new int[] {0, 0, 255, 255}));
    assertEquals(255, Decoder.luma(new int[] {0, 0, 0, 0})); // transparent is white
    assertEquals(127, Decoder.luma(new int[] {0, 0, 0, 128})); // half-transparent black
    assertEquals(128, Decoder.luma(new int[] {128, 128, 128, 255}));
  }

  @Test
  void everyFormatIsRecognisedByContentNotByName() throws Exception {
    BufferedImage image = gray(12, 9, 255, 0, new int[] {3, 2, 5, 5});
    for (String format : List.of("png", "bmp", "gif", "jpeg")) {
      ImageHeader header = Preprocessor.header(encode(image, format), "x.txt");
      assertEquals(format.toUpperCase(Locale.ROOT), header.format().name());
      assertEquals(12, header.width());
      assertEquals(9, header.height());
    }
  }

  @Test
  void decodeGrayGivesTheImagesValues() throws Exception {
    GrayImage g = Preprocessor.decodeGray(png(gray(4, 3, 200, 17, new int[] {1, 1, 2, 1})), "t");
    assertEquals(200, g.value(0, 0));
    assertEquals(17, g.value(1, 1));
    assertEquals(17, g.value(1, 2));
    assertEquals(200, g.value(2, 3));
    assertEquals(12, g.values().length);
  }

  @Test
  void lumaOfAnOpaqueGrayIsTheGrayItself() {
    // Why the decoder copies 8-bit gray rows instead of taking each pixel through luma.
    for (int v = 0; v < 256; v++) {
      assertEquals(v, Decoder.luma(new int[] {v, v, v, 255}));
    }
  }

  @Test
  void anImageDecodedOnceGivesWhatItsBytesGive() throws Exception {
    for (ImageCorpus.Row row : ImageCorpus.rows()) {
      if (row.kind().equals("error")) {
        continue;
      }
      Path file = ImageCorpus.dir().resolve(row.file());
      String name = file.toString();
      byte[] bytes = Preprocessor.read(file);
      GrayImage gray = Preprocessor.decodeGray(bytes, name);
      for (Preprocessor.Mode mode : Preprocessor.Mode.values()) {
        assertEquals(
            Preprocessor.preprocess(bytes, name, mode),
            Preprocessor.preprocess(gray, name, mode),
            row.file() + " " + mode);
      }
      assertEquals(Preprocessor.segment(bytes, name), Preprocessor.segment(gray, name), row.file());
    }
  }

  @Test
  void anImageDecodedOnceIsRefusedAsItsBytesAre() throws Exception {
    GrayImage blank = Preprocessor.decodeGray(png(gray(30, 30, 255, 255)), "blank.png");
    assertEquals(
        Reason.NO_INK,
        assertThrows(
                ImageException.class,
                () -> Preprocessor.preprocess(blank, "blank.png", Preprocessor.Mode.MNIST))
            .reason());
    assertEquals(
        Reason.NO_INK,
        assertThrows(ImageException.class, () -> Preprocessor.segment(blank, "blank.png"))
            .reason());
  }

  // ---- refusals --------------------------------------------------------------------------------

  @Test
  void badBytesAreRefusedWithTheirReason() throws Exception {
    byte[] good = png(gray(30, 30, 255, 0, new int[] {10, 5, 8, 20}));
    assertEquals(Reason.EMPTY_FILE, reasonOf(new byte[0]));
    assertEquals(
        Reason.NOT_AN_IMAGE, reasonOf("GIF90a not really".getBytes(StandardCharsets.UTF_8)));
    assertEquals(Reason.TRUNCATED, reasonOf(Arrays.copyOf(good, good.length - 1)));
    assertEquals(Reason.TRUNCATED, reasonOf(Arrays.copyOf(good, 20)));
    byte[] flipped = good.clone();
    flipped[40] ^= 1;
    assertEquals(Reason.CORRUPT, reasonOf(flipped));
    assertEquals(Reason.NO_INK, reasonOf(png(gray(30, 30, 128, 128))));
    assertEquals(Reason.NO_INK, reasonOf(png(gray(30, 30, 255, 230, new int[] {5, 5, 5, 5}))));
  }

  @Test
  void thePixelLimitIsCheckedFromTheHeaderBeforeDecoding() throws Exception {
    // 4096 x 4096 = MAX_PIXELS passes the header check (the one-row data then fails to decode) ...
    assertEquals(4096, Preprocessor.header(claimingPng(4096, 4096), "t").width());
    assertEquals(Reason.CORRUPT, reasonOf(claimingPng(4096, 4096)));
    // ... one pixel row more does not, and neither does a header claiming 50000 x 50000.
    assertEquals(Reason.TOO_LARGE, reasonOf(claimingPng(4096, 4097)));
    ImageException e =
        assertThrows(
            ImageException.class, () -> Preprocessor.header(claimingPng(50000, 50000), "t"));
    assertEquals(Reason.TOO_LARGE, e.reason());
    assertTrue(e.detail().contains("50000 x 50000"), e.getMessage());
    assertEquals(Reason.CORRUPT, reasonOf(claimingPng(0, 10)));
  }

  @Test
  void aBmpClaimingMorePaletteColoursThanItsDepthAllowsIsCorrupt() throws Exception {
    byte[] bmp = encode(gray(30, 30, 255, 0, new int[] {10, 5, 8, 20}), "bmp"); // 8-bit palette
    ByteBuffer.wrap(bmp).order(ByteOrder.LITTLE_ENDIAN).putInt(46, 257);
    ImageException e = assertThrows(ImageException.class, () -> Preprocessor.header(bmp, "t"));
    assertEquals(Reason.CORRUPT, e.reason());
    assertTrue(e.detail().contains("at most 256 palette colours, found 257"), e.getMessage());
    ByteBuffer.wrap(bmp).order(ByteOrder.LITTLE_ENDIAN).putInt(46, 256);
    assertEquals(
        new DigitImage.Box(10, 5, 8, 20),
        Preprocessor.preprocess(bmp, "t", Preprocessor.Mode.MNIST).box());
  }

  @Test
  void filesThatCannotBeReadAreIoErrors(@TempDir Path dir) throws Exception {
    ImageException missing =
        assertThrows(
            ImageException.class,
            () -> Preprocessor.preprocess(dir.resolve("missing.png"), Preprocessor.Mode.MNIST));
    assertEquals(Reason.IO, missing.reason());
    ImageException directory =
        assertThrows(
            ImageException.class, () -> Preprocessor.preprocess(dir, Preprocessor.Mode.MNIST));
    assertEquals(Reason.IO, directory.reason());
    Path empty = Files.createFile(dir.resolve("empty.png"));
    assertEquals(
        Reason.EMPTY_FILE,
        assertThrows(ImageException.class, () -> Preprocessor.segment(empty)).reason());
  }

  @Test
  void sidesOf2To32DoNotOverflowThePixelCheck() {
    // 4294967295 x 4294967295 is above Long.MAX_VALUE: the product must not wrap to a negative.
    ImageException e =
        assertThrows(ImageException.class, () -> Preprocessor.header(claimingPng(-1, -1), "t"));
    assertEquals(Reason.TOO_LARGE, e.reason());
    assertEquals(
        "expected at most 16777216 pixels, found 4294967295 x 4294967295 = 18446744065119617025",
        e.detail());
    assertEquals(Reason.TOO_LARGE, reasonOf(claimingPng(Integer.MIN_VALUE, Integer.MIN_VALUE)));
  }

  /** {@code chunk} inserted before the image data of a drawn digit. */
  private static byte[] withChunk(byte[] png, byte[] chunk) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(png, 0, 33); // signature and IHDR
    out.writeBytes(chunk);
    out.write(png, 33, png.length - 33);
    return out.toByteArray();
  }

  /** A keyword, its separator bytes and zlib data that inflates to {@code size} zero bytes. */
  private static byte[] compressedPayload(String keyword, byte[] separator, int size) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(keyword.getBytes(StandardCharsets.ISO_8859_1));
    out.writeBytes(separator);
    Deflater deflater = new Deflater(9);
    byte[] zeros = new byte[1 << 20];
    byte[] buffer = new byte[1 << 16];
    for (int at = 0; at < size; at += zeros.length) {
      deflater.setInput(zeros, 0, Math.min(zeros.length, size - at));
      while (!deflater.needsInput()) {
        out.write(buffer, 0, deflater.deflate(buffer));
      }
    }
    deflater.finish();
    while (!deflater.finished()) {
      out.write(buffer, 0, deflater.deflate(buffer));
    }
    deflater.end();
    return out.toByteArray();
  }

  @Test
  void textAndIccChunksAreNotInflated() throws Exception {
    byte[] plain = png(gray(30, 30, 255, 0, new int[] {10, 5, 8, 20}));
    DigitImage expected = Preprocessor.preprocess(plain, "plain", Preprocessor.Mode.MNIST);
    int size = 8 << 20; // above Pillow's 1 MiB limit, which the Python twin would otherwise hit
    List<byte[]> chunks =
        List.of(
            pngChunk("zTXt", compressedPayload("Comment", new byte[] {0, 0}, size)),
            pngChunk("iTXt", compressedPayload("Comment", new byte[] {0, 1, 0, 0, 0}, size)),
            pngChunk("iCCP", compressedPayload("profile", new byte[] {0, 0}, size)),
            pngChunk("tEXt", new byte[2 << 20]),
            pngChunk("abCd", new byte[1000]));
    for (byte[] extra : chunks) {
      byte[] file = withChunk(plain, extra);
      assertEquals(expected, Preprocessor.preprocess(file, "t", Preprocessor.Mode.MNIST));
    }
    byte[] damaged = withChunk(plain, pngChunk("zTXt", compressedPayload("C", new byte[2], 10)));
    damaged[45] ^= 1;
    assertEquals(Reason.CORRUPT, reasonOf(damaged));
  }

  @Test
  void devZeroAndOtherSizelessFilesAreReadWithABound(@TempDir Path dir) throws Exception {
    Path zero = Path.of("/dev/zero");
    if (Files.exists(zero)) { // it reports size 0, yet its bytes never end
      assertEquals(
          Reason.NOT_AN_IMAGE,
          assertThrows(ImageException.class, () -> Preprocessor.read(zero)).reason());
    }
    Path fifo = dir.resolve("endless.png");
    Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
    Assumptions.assumeTrue(mkfifo.waitFor() == 0, "no mkfifo");
    Thread writer =
        new Thread(
            () -> {
              try (OutputStream out = Files.newOutputStream(fifo)) {
                out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
                byte[] zeros = new byte[1 << 16];
                while (true) {
                  out.write(zeros);
                }
              } catch (IOException closedByTheReader) {
                // the reader stopped at its limit
              }
            });
    writer.setDaemon(true);
    writer.start();
    ImageException e = assertThrows(ImageException.class, () -> Preprocessor.read(fifo, 1 << 16));
    assertEquals(Reason.TOO_LARGE, e.reason());
    assertEquals("expected a file of at most 65536 bytes, found more", e.detail());
    writer.join(5000);
  }

  /** A white page with a black pixel at every other row and column. */
  private static byte[] specks(int w, int h) throws IOException {
    BufferedImage page = gray(w, h, 255, 0);
    for (int y = 0; y < h; y += 2) {
      for (int x = 0; x < w; x += 2) {
        page.getRaster().setSample(x, y, 0, 0);
      }
    }
    return png(page);
  }

  @Test
  void tooManyInkRunsAreRefusedBeforeComponentsAreFormed() throws Exception {
    byte[] page = specks(600, 600); // 90,000 one-pixel components
    ImageException e =
        assertThrows(ImageException.class, () -> Preprocessor.segment(page, "specks.png"));
    assertEquals(Reason.TOO_LARGE, e.reason());
    assertEquals(
        "expected at most 65536 ink runs (row stretches of ink), found 90000: too many separate"
            + " marks to be digits",
        e.detail());
    assertEquals(Reason.TOO_LARGE, reasonOf(page));
    // 512 x 512 holds 256 x 256 = 65,536 specks, the limit: read, as 256 columns of specks
    assertEquals(256, Preprocessor.segment(specks(512, 512), "t").digits().size());
  }

  // ---- the integer steps -----------------------------------------------------------------------

  @Test
  void areaFilterMatchesTheWorkedExampleOfTheSpecification() {
    // docs/preprocessing.md: [0, 100, 255] to 2 columns is [33, 203].
    byte[] out = AreaFilter.resize(new byte[] {0, 100, (byte) 255}, 3, 1, 2, 1);
    assertEquals(33, out[0] & 0xFF);
    assertEquals(203, out[1] & 0xFF);
    // Same size: identity. Constant images stay constant whatever the sizes.
    byte[] ramp = new byte[12];
    for (int i = 0; i < ramp.length; i++) {
      ramp[i] = (byte) (i * 20);
    }
    assertArrayEquals(ramp, AreaFilter.resize(ramp, 4, 3, 4, 3));
    byte[] seven = new byte[35];
    Arrays.fill(seven, (byte) 77);
    for (byte v : AreaFilter.resize(seven, 7, 5, 3, 11)) {
      assertEquals(77, v & 0xFF);
    }
    // 2x2 to 1x1: (1 + 2 + 3 + 4) / 4 = 2.5 rounds half up to 3.
    assertEquals(3, AreaFilter.resize(new byte[] {1, 2, 3, 4}, 2, 2, 1, 1)[0]);
  }

  @Test
  void aSquareIsScaledTo20AndCentredByMassAt14() throws Exception {
    DigitImage d =
        Preprocessor.preprocess(
            png(gray(100, 80, 255, 0, new int[] {10, 30, 40, 40})), "t", Preprocessor.Mode.MNIST);
    assertEquals(DigitImage.Polarity.DARK_ON_LIGHT, d.polarity());
    assertEquals(new DigitImage.Box(10, 30, 40, 40), d.box());
    assertEquals(20, d.scaledWidth());
    assertEquals(20, d.scaledHeight());
    // centre of mass 9.5 in the scaled square: offset round(14 - 9.5) = 5 (half up)
    assertEquals(5, d.offsetX());
    assertEquals(5, d.offsetY());
    assertEquals(255, d.pixel(5, 5));
    assertEquals(255, d.pixel(24, 24));
    assertEquals(0, d.pixel(4, 5));
    assertEquals(0, d.pixel(25, 24));
  }

  @Test
  void aTallBarKeepsItsAspectRatio() throws Exception {
    DigitImage d =
        Preprocessor.preprocess(
            png(gray(60, 60, 0, 255, new int[] {25, 10, 10, 40})), "t", Preprocessor.Mode.MNIST);
    assertEquals(DigitImage.Polarity.LIGHT_ON_DARK, d.polarity());
    assertEquals(5, d.scaledWidth()); // round(20 * 10 / 40) = 5
    assertEquals(20, d.scaledHeight());
  }

  @Test
  void bothPolaritiesOfOneDrawingGiveTheSameInput() throws Exception {
    int[][] strokes = {{8, 5, 4, 30}, {8, 5, 18, 4}, {22, 5, 4, 16}};
    DigitImage dark =
        Preprocessor.preprocess(png(gray(40, 44, 255, 0, strokes)), "d", Preprocessor.Mode.MNIST);
    DigitImage light =
        Preprocessor.preprocess(png(gray(40, 44, 0, 255, strokes)), "l", Preprocessor.Mode.MNIST);
    assertEquals(DigitImage.Polarity.DARK_ON_LIGHT, dark.polarity());
    assertEquals(DigitImage.Polarity.LIGHT_ON_DARK, light.polarity());
    assertArrayEquals(dark.pixels(), light.pixels());
    // gray paper and gray ink: the contrast is stretched to the same input again
    DigitImage pencil =
        Preprocessor.preprocess(png(gray(40, 44, 190, 90, strokes)), "p", Preprocessor.Mode.MNIST);
    assertEquals(65, pencil.background());
    assertEquals(165, pencil.inkMax());
    assertArrayEquals(dark.pixels(), pencil.pixels());
  }

  @Test
  void specksAreDroppedFromTheDigitsBox() throws Exception {
    int[] bar = {20, 10, 6, 40};
    DigitImage clean =
        Preprocessor.preprocess(png(gray(64, 64, 255, 0, bar)), "c", Preprocessor.Mode.MNIST);
    DigitImage specked =
        Preprocessor.preprocess(
            png(gray(64, 64, 255, 0, bar, new int[] {2, 2, 1, 1}, new int[] {60, 60, 2, 2})),
            "s",
            Preprocessor.Mode.MNIST);
    assertEquals(clean.box(), specked.box());
    assertArrayEquals(clean.pixels(), specked.pixels());
  }

  @Test
  void rawModeOnlyResizesTheGrayImage() throws Exception {
    DigitImage raw =
        Preprocessor.preprocess(
            png(gray(56, 28, 255, 0, new int[] {0, 0, 28, 28})), "t", Preprocessor.Mode.RAW);
    assertEquals(DigitImage.Polarity.NOT_TESTED, raw.polarity());
    assertEquals(0, raw.pixel(0, 0)); // not inverted: the black left half stays black
    assertEquals(0, raw.pixel(27, 13));
    assertEquals(255, raw.pixel(0, 14));
    assertEquals(255, raw.pixel(27, 27));
  }

  // ---- segmentation ----------------------------------------------------------------------------

  @Test
  void segmentationTakesDigitsLeftToRightMergesDotsAndDropsMarks() throws Exception {
    BufferedImage line =
        gray(
            200,
            60,
            255,
            0,
            new int[] {150, 10, 8, 40}, // third digit, drawn first
            new int[] {10, 10, 8, 40}, // first digit
            new int[] {80, 20, 8, 30}, // second digit: a stroke ...
            new int[] {80, 10, 8, 6}, // ... and its dot above, in the same columns
            new int[] {110, 33, 20, 4}, // a dash: less than half the digits' height
            new int[] {190, 2, 1, 1}); // a speck
    Segmentation s = Preprocessor.segment(png(line), "t");
    assertEquals(3, s.digits().size());
    assertEquals(10, s.digits().get(0).box().x());
    assertEquals(new DigitImage.Box(80, 10, 8, 40), s.digits().get(1).box());
    assertEquals(150, s.digits().get(2).box().x());
    assertEquals(1, s.marks());
    assertEquals(1, s.specks());
  }

  /** Paints {@code value} into the rectangles {x, y, w, h} of an image. */
  private static BufferedImage paint(BufferedImage image, int value, int[]... rects) {
    for (int[] r : rects) {
      for (int y = r[1]; y < r[1] + r[3]; y++) {
        for (int x = r[0]; x < r[0] + r[2]; x++) {
          image.getRaster().setSample(x, y, 0, value);
        }
      }
    }
    return image;
  }

  @Test
  void aDigitFainterThanTheLineIsFoundAndReadAsItWouldBeAlone() throws Exception {
    // A bold bar and a faint one (stretched to 100: under INK_THRESHOLD, over
    // SEGMENT_INK_THRESHOLD), as a pencil pressed lighter or a thinner, blurrier stroke draws it.
    BufferedImage line =
        paint(gray(40, 30, 0, 255, new int[] {5, 3, 4, 22}), 100, new int[] {25, 3, 4, 22});
    Segmentation s = Preprocessor.segment(png(line), "t");
    assertEquals(
        List.of(new DigitImage.Box(5, 3, 4, 22), new DigitImage.Box(25, 3, 4, 22)),
        s.digits().stream().map(DigitImage::box).toList());
    BufferedImage alone = gray(40, 30, 0, 100, new int[] {25, 3, 4, 22});
    assertArrayEquals(
        Preprocessor.preprocess(png(alone), "a", Preprocessor.Mode.MNIST).pixels(),
        s.digits().get(1).pixels());
  }

  @Test
  void aStrokeFaintInTheMiddleDoesNotSplitItsDigit() throws Exception {
    // A ring whose top and bottom are faint in the middle columns: at INK_THRESHOLD a left and a
    // right arc that share no column; at SEGMENT_INK_THRESHOLD one ring.
    BufferedImage ring = gray(40, 30, 0, 255, new int[] {8, 3, 22, 22});
    paint(ring, 0, new int[] {11, 6, 16, 16});
    paint(ring, 90, new int[] {15, 3, 8, 3}, new int[] {15, 22, 8, 3});
    Segmentation s = Preprocessor.segment(png(ring), "t");
    assertEquals(1, s.digits().size());
    assertEquals(0, s.marks());
    assertEquals(new DigitImage.Box(8, 3, 22, 22), s.digits().get(0).box());
    assertArrayEquals(
        Preprocessor.preprocess(png(ring), "r", Preprocessor.Mode.MNIST).pixels(),
        s.digits().get(0).pixels());
  }

  @Test
  void aDigitBrokenByAFaintStretchIsNotAMarkAndKeepsItsPieces() throws Exception {
    // A 6-like shape beside a bold bar: a loop, and a stem whose top is bold and whose middle is
    // faint. At INK_THRESHOLD the stem's top is a speck beside the bar and the loop alone is under
    // half the bar's height (a mark); at SEGMENT_INK_THRESHOLD the stem joins the loop, and read
    // alone the stem's top is no speck beside the loop.
    BufferedImage six =
        gray(
            50,
            40,
            0,
            255,
            new int[] {4, 3, 10, 32}, // the bar
            new int[] {20, 24, 12, 11}, // the loop
            new int[] {20, 3, 2, 4}); // the stem's top
    paint(six, 0, new int[] {23, 26, 6, 7});
    paint(six, 110, new int[] {20, 7, 2, 17}); // the stem's middle, faint
    Segmentation s = Preprocessor.segment(png(six), "t");
    assertEquals(0, s.marks());
    assertEquals(0, s.specks());
    assertEquals(
        List.of(new DigitImage.Box(4, 3, 10, 32), new DigitImage.Box(20, 3, 12, 32)),
        s.digits().stream().map(DigitImage::box).toList());
  }

  @Test
  void aLighterDigitReachesTheModelAsBrightAsASingleImageOfIt() throws Exception {
    // Both bars are ink at INK_THRESHOLD, but the second is drawn lighter (180): stretched to its
    // own brightest pixel it gives the same input as an image of it alone, not a dimmer one.
    BufferedImage line =
        paint(gray(40, 30, 0, 255, new int[] {5, 3, 4, 22}), 180, new int[] {25, 3, 4, 22});
    paint(line, 150, new int[] {29, 10, 2, 2});
    BufferedImage alone =
        paint(gray(40, 30, 0, 180, new int[] {25, 3, 4, 22}), 150, new int[] {29, 10, 2, 2});
    Segmentation s = Preprocessor.segment(png(line), "t");
    assertEquals(2, s.digits().size());
    byte[] second = s.digits().get(1).pixels();
    int max = 0;
    for (byte b : second) {
      max = Math.max(max, b & 0xFF);
    }
    assertEquals(255, max);
    assertArrayEquals(
        Preprocessor.preprocess(png(alone), "a", Preprocessor.Mode.MNIST).pixels(), second);
  }

  // ---- results ---------------------------------------------------------------------------------

  @Test
  void digitImagesAreImmutableAndFeedTheClassifierDirectly() throws Exception {
    DigitImage d =
        Preprocessor.preprocess(
            png(gray(30, 30, 255, 0, new int[] {10, 5, 8, 20})), "t", Preprocessor.Mode.MNIST);
    byte[] copy = d.pixels();
    copy[0] = 99;
    assertNotEquals(99, d.pixels()[0]);
    ByteBuffer buffer = d.buffer();
    assertTrue(buffer.isDirect());
    assertTrue(buffer.isReadOnly());
    assertEquals(784, buffer.remaining());
    assertEquals(2 * 784, DigitImage.batch(List.of(d, d)).remaining());
    assertEquals(
        d,
        Preprocessor.preprocess(
            png(gray(30, 30, 255, 0, new int[] {10, 5, 8, 20})), "t", Preprocessor.Mode.MNIST));
    assertFalse(d.toString().isEmpty());
    assertThrows(
        IllegalArgumentException.class,
        () ->
            new DigitImage(
                new byte[10],
                Preprocessor.Mode.RAW,
                d.header(),
                d.polarity(),
                0,
                0,
                d.box(),
                0,
                0,
                0,
                0));
  }
}
