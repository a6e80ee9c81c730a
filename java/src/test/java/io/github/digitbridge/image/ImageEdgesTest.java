package io.github.digitbridge.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.digitbridge.image.DigitImage.Box;
import io.github.digitbridge.image.DigitImage.Polarity;
import io.github.digitbridge.image.ImageException.Reason;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Preprocessing at its edges, the Java twin of tests/test_image_edges.py: 1-pixel images, the byte
 * and run limits at their bounds, specks at 1/25, segmentation's merging rule and marks, and the
 * NO_INK, TOO_LARGE and IO lines in full.
 */
class ImageEdgesTest {
  /** A PNG of 8-bit gray {@code rows[y][x]}. */
  private static byte[] png(int[][] rows) throws IOException {
    BufferedImage image =
        new BufferedImage(rows[0].length, rows.length, BufferedImage.TYPE_BYTE_GRAY);
    for (int y = 0; y < rows.length; y++) {
      for (int x = 0; x < rows[0].length; x++) {
        image.getRaster().setSample(x, y, 0, rows[y][x]);
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(image, "png", out);
    return out.toByteArray();
  }

  private static int[][] filled(int h, int w, int value) {
    int[][] rows = new int[h][w];
    for (int[] row : rows) {
      Arrays.fill(row, value);
    }
    return rows;
  }

  /** Sets {@code [y0, y1) x [x0, x1)} to {@code value}. */
  private static int[][] paint(int[][] rows, int y0, int y1, int x0, int x1, int value) {
    for (int y = y0; y < y1; y++) {
      for (int x = x0; x < x1; x++) {
        rows[y][x] = value;
      }
    }
    return rows;
  }

  private static DigitImage mnist(byte[] png) throws ImageException {
    return Preprocessor.preprocess(png, "t", Preprocessor.Mode.MNIST);
  }

  private static String refused(byte[] bytes, String name, Reason reason) {
    ImageException e =
        assertThrows(
            ImageException.class,
            () -> Preprocessor.preprocess(bytes, name, Preprocessor.Mode.MNIST));
    assertEquals(reason, e.reason(), e.getMessage());
    return e.getMessage();
  }

  private static int sum(DigitImage d) {
    int total = 0;
    for (byte v : d.pixels()) {
      total += v & 0xFF;
    }
    return total;
  }

  // ---- the integer helpers ----------------------------------------------------------------------

  @Test
  void runsAndEightConnectedComponents() {
    byte[] mask = new byte[20];
    int[][] ink = {{0, 0}, {0, 1}, {0, 4}, {1, 2}, {2, 4}, {3, 0}, {3, 3}, {3, 4}};
    for (int[] p : ink) {
      mask[p[0] * 5 + p[1]] = (byte) 200;
    }
    assertEquals(6, Components.countRuns(mask, 5, 4, 128));
    assertEquals(6, Components.countRuns(mask, 5, 4, 200));
    assertEquals(0, Components.countRuns(mask, 5, 4, 201));
    List<Components.Component> found = Components.find(mask, 5, 4, 128, 6);
    List<String> summary =
        found.stream()
            .map(
                c ->
                    List.of(c.firstY, c.firstX, c.x0, c.y0, c.x1, c.y1, c.area, c.width())
                        + " "
                        + c.runs.stream().map(Arrays::toString).toList())
            .toList();
    assertEquals(
        List.of(
            "[0, 0, 0, 0, 2, 1, 3, 3] [[0, 0, 2], [1, 2, 3]]", // a diagonal touch joins
            "[0, 4, 4, 0, 4, 0, 1, 1] [[0, 4, 5]]",
            "[2, 4, 3, 2, 4, 3, 3, 2] [[2, 4, 5], [3, 3, 5]]",
            "[3, 0, 0, 3, 0, 3, 1, 1] [[3, 0, 1]]"),
        summary);
    byte[] full = new byte[6];
    Arrays.fill(full, (byte) 255);
    assertEquals(2, Components.countRuns(full, 3, 2, 128));
    assertEquals(0, Components.countRuns(new byte[6], 3, 2, 128));
    // runs two apart in the next row do not touch; one apart they do (8-connected)
    byte[] apart = {(byte) 255, 0, 0, 0, 0, (byte) 255};
    assertEquals(2, Components.find(apart, 3, 2, 128, 2).size());
    byte[] diagonal = {(byte) 255, 0, 0, 0, (byte) 255, 0};
    assertEquals(1, Components.find(diagonal, 3, 2, 128, 2).size());
  }

  @Test
  void componentsJoinedThroughALaterRowKeepTheirFirstPixel() {
    // A U: its two arms are separate runs until the bottom row joins them.
    int[][] u = filled(3, 5, 0);
    paint(u, 0, 2, 0, 1, 255);
    paint(u, 0, 2, 4, 5, 255);
    paint(u, 2, 3, 0, 5, 255);
    byte[] values = new byte[15];
    for (int i = 0; i < 15; i++) {
      values[i] = (byte) u[i / 5][i % 5];
    }
    List<Components.Component> found = Components.find(values, 5, 3, 128, 5);
    assertEquals(1, found.size());
    Components.Component c = found.get(0);
    assertEquals(
        List.of(0, 0, 0, 0, 4, 2, 9L), List.of(c.firstY, c.firstX, c.x0, c.y0, c.x1, c.y1, c.area));
  }

  @Test
  void grayImagesAreValuesWithTheirHeader() {
    ImageHeader header = new ImageHeader(ImageFormat.BMP, 4, 3);
    byte[] values = new byte[12];
    values[5] = (byte) 200;
    GrayImage g = new GrayImage(header, values);
    values[5] = 1;
    assertEquals(200, g.value(1, 1));
    assertEquals(0, g.value(2, 3));
    g.values()[5] = 2;
    assertEquals(200, g.values()[5] & 0xFF);
    assertEquals(new GrayImage(header, g.values()), g);
    assertEquals(new GrayImage(header, g.values()).hashCode(), g.hashCode());
    assertNotEquals(new GrayImage(header, new byte[12]), g);
    assertNotEquals(new GrayImage(new ImageHeader(ImageFormat.PNG, 4, 3), g.values()), g);
    assertNotEquals(g, (Object) "a string");
    assertEquals("GrayImage[BMP 4x3]", g.toString());
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new GrayImage(header, new byte[11]));
    assertEquals("expected 12 values, found 11", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new GrayImage(header, new byte[13]));
  }

  @Test
  void signaturesShorterThanAPrefixAreNotImages() throws Exception {
    assertEquals(ImageFormat.GIF, ImageFormat.sniff("GIF87a".getBytes(), "f"));
    assertEquals(ImageFormat.GIF, ImageFormat.sniff("GIF89a".getBytes(), "f"));
    assertEquals(ImageFormat.BMP, ImageFormat.sniff("BM".getBytes(), "f"));
    assertEquals(ImageFormat.JPEG, ImageFormat.sniff(new byte[] {-1, -40, -1}, "f"));
    ImageException e =
        assertThrows(ImageException.class, () -> ImageFormat.sniff(new byte[] {-1, -40}, "f"));
    assertEquals(
        "f: NOT_AN_IMAGE: expected a PNG, JPEG, GIF or BMP signature, found bytes ff d8",
        e.getMessage());
    e = assertThrows(ImageException.class, () -> ImageFormat.sniff("GIF8".getBytes(), "f"));
    assertEquals(
        "f: NOT_AN_IMAGE: expected a PNG, JPEG, GIF or BMP signature, found bytes 47 49 46 38",
        e.getMessage());
    e =
        assertThrows(
            ImageException.class, () -> ImageFormat.sniff("not an image at all".getBytes(), "f"));
    assertEquals(
        "f: NOT_AN_IMAGE: expected a PNG, JPEG, GIF or BMP signature, found bytes 6e 6f 74 20 61"
            + " 6e 20 69",
        e.getMessage());
    e = assertThrows(ImageException.class, () -> ImageFormat.sniff(new byte[0], "f"));
    assertEquals("f: EMPTY_FILE: expected an image, found an empty file (0 bytes)", e.getMessage());
  }

  /** A 3 x 1 BMP of 16 bits per pixel: 5-5-5 (compression 0) or bit fields 5-6-5 (3). */
  private static byte[] bmp16(int compression, int... pixels) {
    int offset = 54 + (compression == 3 ? 12 : 0);
    ByteBuffer b = ByteBuffer.allocate(offset + 8).order(ByteOrder.LITTLE_ENDIAN);
    b.put((byte) 'B').put((byte) 'M').putInt(b.capacity()).putInt(0).putInt(offset);
    b.putInt(40).putInt(3).putInt(1).putShort((short) 1).putShort((short) 16);
    b.putInt(compression).putInt(8).putInt(2835).putInt(2835).putInt(0).putInt(0);
    if (compression == 3) {
      b.putInt(0xF800).putInt(0x07E0).putInt(0x001F);
    }
    for (int p : pixels) {
      b.putShort((short) p);
    }
    return b.array();
  }

  @Test
  void fieldsOfFewerThanEightBitsAreScaledTo255() throws Exception {
    // 5-5-5: red 31 is 255 (luma 76), green 16 is 16 * 255 / 31 = 131 (luma 77), blue 31 (29)
    GrayImage rgb555 = Preprocessor.decodeGray(bmp16(0, 0x7C00, 16 << 5, 0x001F), "t");
    assertEquals(
        List.of(76, 77, 29), List.of(rgb555.value(0, 0), rgb555.value(0, 1), rgb555.value(0, 2)));
    // 5-6-5: green 32 of 63 is 129 (luma 76)
    GrayImage rgb565 = Preprocessor.decodeGray(bmp16(3, 0xF800, 32 << 5, 0x001F), "t");
    assertEquals(
        List.of(76, 76, 29), List.of(rgb565.value(0, 0), rgb565.value(0, 1), rgb565.value(0, 2)));
  }

  // ---- 1-pixel images ---------------------------------------------------------------------------

  @Test
  void anImageOnePixelHigh() throws Exception {
    int[][] gray = filled(1, 9, 0);
    paint(gray, 0, 1, 3, 6, 200);
    DigitImage d = mnist(png(gray));
    assertEquals(Polarity.LIGHT_ON_DARK, d.polarity());
    assertEquals(0, d.background());
    assertEquals(200, d.inkMax());
    assertEquals(new Box(3, 0, 3, 1), d.box());
    assertEquals(
        List.of(20, 7, 5, 11),
        List.of(d.scaledWidth(), d.scaledHeight(), d.offsetX(), d.offsetY()));
    assertEquals(255 * 20 * 7, sum(d));
  }

  @Test
  void anImageOnePixelWide() throws Exception {
    int[][] gray = filled(9, 1, 0);
    paint(gray, 3, 6, 0, 1, 200);
    DigitImage d = mnist(png(gray));
    assertEquals(new Box(0, 3, 1, 3), d.box());
    assertEquals(
        List.of(7, 20, 11, 5),
        List.of(d.scaledWidth(), d.scaledHeight(), d.offsetX(), d.offsetY()));
    assertEquals(255 * 20 * 7, sum(d));
  }

  @Test
  void aSinglePixelIsABlankPage() throws Exception {
    assertEquals(
        "one.png: NO_INK: no digit found: expected strokes at least 32 grey levels darker or lighter"
            + " than the page, found a blank page (every pixel grey level 0; 0 is black, 255 white)",
        refused(png(filled(1, 1, 0)), "one.png", Reason.NO_INK));
  }

  @Test
  void aSquareDigitFillsTheTwentyPixelBox() throws Exception {
    DigitImage d = mnist(png(paint(filled(10, 10, 0), 2, 8, 2, 8, 255)));
    assertEquals(new Box(2, 2, 6, 6), d.box());
    assertEquals(
        List.of(20, 20, 5, 5),
        List.of(d.scaledWidth(), d.scaledHeight(), d.offsetX(), d.offsetY()));
    assertEquals(255 * 400, sum(d));
    assertEquals(255, d.pixel(5, 5));
    assertEquals(255, d.pixel(24, 24));
  }

  @Test
  void aFlatDigitKeepsAtLeastOneRowOrColumn() throws Exception {
    DigitImage flat = mnist(png(paint(filled(5, 60, 0), 2, 3, 5, 55, 255))); // 50 x 1
    assertEquals(new Box(5, 2, 50, 1), flat.box());
    assertEquals(
        List.of(20, 1, 5, 14),
        List.of(flat.scaledWidth(), flat.scaledHeight(), flat.offsetX(), flat.offsetY()));
    assertEquals(255 * 20, sum(flat));
    DigitImage upright = mnist(png(paint(filled(60, 5, 0), 5, 55, 2, 3, 255))); // 1 x 50
    assertEquals(
        List.of(1, 20, 14, 5),
        List.of(
            upright.scaledWidth(), upright.scaledHeight(), upright.offsetX(), upright.offsetY()));
  }

  @Test
  void theCentreOfMassIsKeptInsideTheField() throws Exception {
    // A thin L whose mass sits in a thick bar: the offset that would put the centre of mass at
    // row 14 would push the box out of the field, so it stops at the field's edge.
    int[][] top = filled(50, 50, 0);
    paint(top, 5, 45, 5, 6, 255);
    paint(top, 5, 15, 5, 45, 255);
    DigitImage d = mnist(png(top));
    assertEquals(List.of(20, 20), List.of(d.scaledWidth(), d.scaledHeight()));
    assertEquals(8, d.offsetY()); // the last row: 28 - 20
    assertEquals(255, d.pixel(8, 10));
    int[][] bottom = filled(50, 50, 0);
    paint(bottom, 5, 45, 5, 6, 255);
    paint(bottom, 35, 45, 5, 45, 255);
    d = mnist(png(bottom));
    assertEquals(0, d.offsetY()); // the first row
    assertEquals(255, d.pixel(19, 10));
    // the same sideways: a thick bar on the left stops at the last column, on the right at the
    // first
    int[][] left = filled(50, 50, 0);
    paint(left, 5, 6, 5, 45, 255);
    paint(left, 5, 45, 5, 15, 255);
    d = mnist(png(left));
    assertEquals(8, d.offsetX());
    assertEquals(255, d.pixel(10, 8));
    int[][] right = filled(50, 50, 0);
    paint(right, 5, 6, 5, 45, 255);
    paint(right, 5, 45, 35, 45, 255);
    d = mnist(png(right));
    assertEquals(0, d.offsetX());
    assertEquals(255, d.pixel(10, 19));
  }

  @Test
  void aDarkDigitOnLightPaperIsInverted() throws Exception {
    DigitImage d = mnist(png(paint(filled(9, 9, 230), 2, 7, 4, 5, 20)));
    assertEquals(Polarity.DARK_ON_LIGHT, d.polarity());
    assertEquals(25, d.background());
    assertEquals(235, d.inkMax());
    assertEquals(new Box(4, 2, 1, 5), d.box());
    assertEquals(4, d.scaledWidth());
    assertEquals(20, d.scaledHeight());
  }

  @Test
  void aPageOfTwoRowsOrColumnsIsAllBorder() throws Exception {
    // Every pixel of a 2-row image is on the border: the median of 0, 0, 0, 255, 255 ... is 0.
    int[][] rows = filled(2, 6, 0);
    paint(rows, 0, 2, 2, 4, 255);
    DigitImage d = mnist(png(rows));
    assertEquals(Polarity.LIGHT_ON_DARK, d.polarity());
    assertEquals(0, d.background());
    assertEquals(new Box(2, 0, 2, 2), d.box());
    // 3 x 5 with the middle column inked: the border holds 2 of its 3 ink pixels.
    int[][] tall = paint(filled(5, 3, 0), 0, 5, 1, 2, 255);
    assertEquals(new Box(1, 0, 1, 5), mnist(png(tall)).box());
    assertEquals(Polarity.LIGHT_ON_DARK, mnist(png(tall)).polarity());
  }

  @Test
  void theRightColumnIsPartOfTheBorder() throws Exception {
    // White top and bottom rows and right column (28 of the 46 border pixels), black left column:
    // the border's median is white, so the black block is the ink.
    int[][] rows = filled(20, 5, 255);
    paint(rows, 1, 19, 0, 4, 0);
    DigitImage d = mnist(png(rows));
    assertEquals(Polarity.DARK_ON_LIGHT, d.polarity());
    assertEquals(new Box(0, 1, 4, 18), d.box());
  }

  @Test
  void polarityComparesTheBordersMedianWithTheMeanOfEveryPixel() throws Exception {
    // A border of 100 and a mean of exactly 100: not brighter than the mean, not inverted.
    int[][] even = filled(5, 5, 100);
    paint(even, 1, 3, 1, 3, 200);
    paint(even, 1, 4, 3, 4, 0);
    even[3][2] = 0;
    DigitImage d = mnist(png(even));
    assertEquals(Polarity.LIGHT_ON_DARK, d.polarity());
    assertEquals(100, d.background());
    assertEquals(new Box(1, 1, 2, 2), d.box());
    // Light ink on a light grey page: every value counts in the mean, those above 127 too.
    DigitImage light = mnist(png(paint(filled(10, 10, 150), 3, 7, 3, 7, 250)));
    assertEquals(Polarity.LIGHT_ON_DARK, light.polarity());
    assertEquals(150, light.background());
    assertEquals(250, light.inkMax());
    assertEquals(new Box(3, 3, 4, 4), light.box());
  }

  // ---- NO_INK, TOO_LARGE and IO lines ---------------------------------------------------------

  @Test
  void noInkLinesInTheUsersGreyLevels() throws Exception {
    int[][] faint = filled(8, 8, 200);
    faint[3][3] = 170; // 30 levels darker: short of the contrast needed
    assertEquals(
        "faint.png: NO_INK: no digit found: expected strokes at least 32 grey levels darker than the"
            + " page, found a page of grey level 200 (0 is black, 255 white) whose darkest pixel is"
            + " only 30 levels darker",
        refused(png(faint), "faint.png", Reason.NO_INK));
    int[][] chalk = filled(8, 8, 10);
    chalk[3][3] = 41;
    assertEquals(
        "chalk.png: NO_INK: no digit found: expected strokes at least 32 grey levels lighter than the"
            + " page, found a page of grey level 10 (0 is black, 255 white) whose lightest pixel is"
            + " only 31 levels lighter",
        refused(png(chalk), "chalk.png", Reason.NO_INK));
    chalk[3][3] = 42; // 32 levels: enough
    assertEquals(42, mnist(png(chalk)).inkMax());
    assertEquals(
        "b.png: NO_INK: no digit found: expected strokes at least 32 grey levels darker or lighter"
            + " than the page, found a blank page (every pixel grey level 255; 0 is black, 255 white)",
        refused(png(filled(8, 8, 255)), "b.png", Reason.NO_INK));
  }

  @Test
  void theInkRunLimitIs65536Runs() throws Exception {
    int[][] stripes = filled(256, 512, 0);
    for (int[] row : stripes) {
      for (int x = 0; x < row.length; x += 2) {
        row[x] = 255;
      }
    }
    assertEquals(new Box(0, 0, 511, 256), mnist(png(stripes)).box()); // 65,536 runs: the limit
    int[][] more = Arrays.copyOf(stripes, 257);
    more[256] = stripes[0];
    assertEquals(
        "s.png: TOO_LARGE: expected at most 65536 ink runs (row stretches of ink), found 65792: too"
            + " many separate marks to be digits",
        refused(png(more), "s.png", Reason.TOO_LARGE));
  }

  @Test
  void bytesInMemoryAreHeldToTheFileLimit() {
    // The 256 MiB limit itself: a PNG signature and a chunk length the walk then refuses.
    byte[] limit = new byte[(int) Preprocessor.MAX_FILE_BYTES];
    byte[] start = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', (byte) 0x80, 0, 0, 0};
    System.arraycopy(start, 0, limit, 0, start.length);
    System.arraycopy("IHDR".getBytes(StandardCharsets.US_ASCII), 0, limit, start.length, 4);
    ImageException walked =
        assertThrows(ImageException.class, () -> Preprocessor.header(limit, "m"));
    assertEquals(
        "m: CORRUPT: expected a chunk length below 2^31, found 2147483648 for 'IHDR'",
        walked.getMessage());
    byte[] over = Arrays.copyOf(limit, limit.length + 1);
    ImageException header =
        assertThrows(ImageException.class, () -> Preprocessor.header(over, "m"));
    assertEquals(
        "m: TOO_LARGE: expected at most 268435456 bytes, found 268435457", header.getMessage());
    assertEquals(
        "m: TOO_LARGE: expected at most 268435456 bytes, found 268435457",
        refused(over, "m", Reason.TOO_LARGE));
  }

  @Test
  void aFileIsHeldToTheLimitByItsSize(@TempDir Path dir) throws Exception {
    byte[] data = png(paint(filled(8, 8, 0), 2, 6, 3, 5, 255));
    Path path = Files.write(dir.resolve("d.png"), data);
    assertArrayEquals(data, Preprocessor.read(path, data.length));
    ImageException e =
        assertThrows(ImageException.class, () -> Preprocessor.read(path, data.length - 1));
    assertEquals(
        path
            + ": TOO_LARGE: expected a file of at most "
            + (data.length - 1)
            + " bytes, found "
            + data.length,
        e.getMessage());
    assertArrayEquals(data, Preprocessor.read(path));
    e = assertThrows(ImageException.class, () -> Preprocessor.read(dir));
    assertEquals(dir + ": IO: expected a file, found a directory", e.getMessage());
    Path none = dir.resolve("none.png");
    e = assertThrows(ImageException.class, () -> Preprocessor.read(none));
    assertEquals(
        none + ": IO: expected a readable file, found: No such file or directory", e.getMessage());
    assertEquals(java.nio.file.NoSuchFileException.class, e.getCause().getClass());
  }

  @Test
  void aSizelessFileOfExactlyTheLimitIsRead(@TempDir Path dir) throws Exception {
    // A pipe reports no size, so its bytes are counted as they come: the limit itself passes.
    Path fifo = dir.resolve("pipe.png");
    Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
    Assumptions.assumeTrue(mkfifo.waitFor() == 0, "no mkfifo");
    byte[] data = Arrays.copyOf(png(filled(2, 2, 0)), 1000);
    Thread writer =
        new Thread(
            () -> {
              try (OutputStream out = Files.newOutputStream(fifo)) {
                out.write(data);
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            });
    writer.setDaemon(true);
    writer.start();
    assertArrayEquals(data, Preprocessor.read(fifo, data.length));
    writer.join(5000);
  }

  // ---- specks and segmentation --------------------------------------------------------------

  @Test
  void aComponentIsASpeckBelowA25thOfTheLargest() throws Exception {
    int[][] gray = paint(filled(20, 20, 0), 2, 12, 2, 12, 255); // area 100
    paint(gray, 15, 16, 15, 19, 255); // area 4: 4 x 25 = 100, kept
    assertEquals(new Box(2, 2, 17, 14), mnist(png(gray)).box());
    gray[15][18] = 0; // area 3: a speck
    assertEquals(new Box(2, 2, 10, 10), mnist(png(gray)).box());
    Segmentation line = Preprocessor.segment(png(gray), "t");
    assertEquals(1, line.specks());
    assertEquals(0, line.marks());
    assertEquals(1, line.digits().size());
  }

  /** Vertical bars {x0, x1, y0, y1} (inclusive) of full ink on a 30 x 60 black page. */
  private static byte[] strokes(int[]... bars) throws IOException {
    int[][] gray = filled(30, 60, 0);
    for (int[] b : bars) {
      paint(gray, b[2], b[3] + 1, b[0], b[1] + 1, 255);
    }
    return png(gray);
  }

  private static List<Box> boxes(Segmentation s) {
    return s.digits().stream().map(DigitImage::box).toList();
  }

  @Test
  void segmentationMergesAtHalfTheNarrowerWidth() throws Exception {
    // 4-wide bars at x 10..13 and 12..15: overlap 2 = half of 4, merged.
    Segmentation merged =
        Preprocessor.segment(strokes(new int[] {10, 13, 2, 10}, new int[] {12, 15, 14, 22}), "t");
    assertEquals(List.of(new Box(10, 2, 6, 21)), boxes(merged));
    // Shifted one column right: overlap 1 < 2, two digits, left to right.
    Segmentation apart =
        Preprocessor.segment(strokes(new int[] {10, 13, 2, 10}, new int[] {13, 16, 14, 22}), "t");
    assertEquals(List.of(new Box(10, 2, 4, 9), new Box(13, 14, 4, 9)), boxes(apart));
    // Side by side without overlap, drawn right to left.
    Segmentation two =
        Preprocessor.segment(strokes(new int[] {30, 33, 2, 20}, new int[] {10, 13, 2, 20}), "t");
    assertEquals(List.of(new Box(10, 2, 4, 19), new Box(30, 2, 4, 19)), boxes(two));
    assertEquals(0, two.marks());
    assertEquals(0, two.specks());
    // Touching columns (x 10..13 and 14..17) do not overlap at all.
    Segmentation touching =
        Preprocessor.segment(strokes(new int[] {10, 13, 2, 10}, new int[] {14, 17, 14, 22}), "t");
    assertEquals(2, touching.digits().size());
    // A 1-wide stroke under a 4-wide one: overlap 1 is half of... its own width 1, merged.
    Segmentation thin =
        Preprocessor.segment(strokes(new int[] {10, 13, 2, 10}, new int[] {13, 13, 14, 22}), "t");
    assertEquals(List.of(new Box(10, 2, 4, 21)), boxes(thin));
  }

  @Test
  void segmentationMergesIntoTheGroupsExtentNotOnlyTheLastComponent() throws Exception {
    // A wide bar, then two narrow ones under its two ends: both join the wide group.
    Segmentation line =
        Preprocessor.segment(
            strokes(new int[] {10, 29, 2, 4}, new int[] {10, 13, 8, 20}, new int[] {26, 29, 8, 20}),
            "t");
    assertEquals(List.of(new Box(10, 2, 20, 19)), boxes(line));
  }

  @Test
  void aGroupUnderHalfTheTallestIsAMark() throws Exception {
    Segmentation line =
        Preprocessor.segment(strokes(new int[] {10, 13, 2, 21}, new int[] {30, 33, 2, 11}), "t");
    assertEquals(2, line.digits().size()); // heights 20 and 10: a digit
    assertEquals(0, line.marks());
    Segmentation dot =
        Preprocessor.segment(strokes(new int[] {10, 13, 2, 21}, new int[] {30, 33, 2, 10}), "t");
    assertEquals(List.of(new Box(10, 2, 4, 20)), boxes(dot)); // height 9 x 2 < 20: a mark
    assertEquals(1, dot.marks());
    // the mark left of the digit, and a group's height spans all its components
    Segmentation stacked =
        Preprocessor.segment(
            strokes(new int[] {2, 5, 2, 10}, new int[] {30, 33, 2, 10}, new int[] {30, 33, 14, 21}),
            "t");
    assertEquals(List.of(new Box(30, 2, 4, 20)), boxes(stacked));
    assertEquals(1, stacked.marks());
  }

  @Test
  void aDigitBoxClearsInkOfOtherDigits() throws Exception {
    // An L (x 2..21) and a bar (x 19..30) reaching into its box: overlap 3 < half of 12, two
    // digits, and the bar's ink inside the L's box is not part of the L.
    int[][] gray = filled(30, 40, 0);
    paint(gray, 2, 22, 2, 6, 255);
    paint(gray, 18, 22, 2, 22, 255);
    byte[] onlyL = png(gray);
    paint(gray, 2, 13, 19, 31, 255);
    Segmentation line = Preprocessor.segment(png(gray), "t");
    assertEquals(List.of(new Box(2, 2, 20, 20), new Box(19, 2, 12, 11)), boxes(line));
    assertArrayEquals(mnist(onlyL).pixels(), line.digits().get(0).pixels());
    // The bar at exactly the ink threshold (128: the L keeps the stretch at 0..255) is still
    // another digit's ink.
    paint(gray, 2, 13, 19, 31, 128);
    Segmentation faint = Preprocessor.segment(png(gray), "t");
    assertEquals(List.of(new Box(2, 2, 20, 20), new Box(19, 2, 12, 11)), boxes(faint));
    assertArrayEquals(mnist(onlyL).pixels(), faint.digits().get(0).pixels());
  }
}
