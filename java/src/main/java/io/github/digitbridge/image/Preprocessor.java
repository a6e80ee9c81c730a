package io.github.digitbridge.image;

import io.github.digitbridge.image.ImageException.Reason;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * Users' own digit images to 28x28 uint8 model inputs, as docs/preprocessing.md specifies (the Java
 * twin of {@code pybridge.image}).
 *
 * <p>javax.imageio decodes (PNG, JPEG, GIF's first frame, BMP); every later step is integer
 * arithmetic, so this class and the Python twin give the same bytes for the same decoded pixels.
 *
 * <pre>{@code
 * DigitImage seven = Preprocessor.preprocess(Path.of("seven.png"), Preprocessor.Mode.MNIST);
 * try (DigitClassifier classifier = DigitClassifier.open(Path.of("models/deeper_cnn.onnx"))) {
 *   Prediction p = classifier.predict(seven.buffer(), 1).get(0);
 * }
 * Segmentation line = Preprocessor.segment(Path.of("2024.png"));   // one DigitImage per digit
 * }</pre>
 *
 * <p>Stateless and thread-safe.
 */
public final class Preprocessor {
  /** What {@link #preprocess} does after decoding. */
  public enum Mode {
    /**
     * Polarity, contrast, crop to the ink, scale into a 20 px box, centre of mass to the middle of
     * 28x28: what MNIST did to its digits.
     */
    MNIST,
    /** Only resize the whole grayscale image to 28x28 (the tutorial's load_image). */
    RAW
  }

  /** The side of the output. */
  public static final int SIZE = 28;

  /** The longer side of the digit after scaling. */
  public static final int BOX = 20;

  /** Where the centre of mass goes, as a pixel index on both axes (MNIST's convention). */
  public static final int CENTRE = 14;

  /** Images of more pixels are refused from their header, before decoding: 4096 x 4096. */
  public static final long MAX_PIXELS = 1L << 24;

  /** Files of more bytes are refused before they are read: 256 MiB. */
  public static final long MAX_FILE_BYTES = 1L << 28;

  /**
   * Images whose ink forms more runs (stretches of ink in a row) than this are refused before their
   * components are formed: 65,536.
   */
  public static final int MAX_INK_RUNS = 1 << 16;

  /** A pixel is ink when its stretched value is at least this. */
  public static final int INK_THRESHOLD = 128;

  /** Brightest minus background below this: no digit found. */
  public static final int MIN_CONTRAST = 32;

  /** A component whose area times this is below the largest component's area is a speck. */
  public static final int SPECK_RATIO = 25;

  /**
   * Segmentation: a pixel is ink for finding the digits of a line when its stretched value is at
   * least this (a quarter of the brightest ink, so a fainter digit or stroke is not lost).
   */
  public static final int SEGMENT_INK_THRESHOLD = 64;

  /** Segmentation: a group whose height times this is below the tallest group's is a mark. */
  public static final int MARK_HEIGHT_RATIO = 2;

  private Preprocessor() {}

  /**
   * One image file to one 28x28 model input.
   *
   * @param file a PNG, JPEG, GIF or BMP, recognised by content
   * @param mode what to do after decoding
   * @throws ImageException with a {@link Reason}; {@link Reason#NO_INK} means no digit was found
   */
  public static DigitImage preprocess(Path file, Mode mode) throws ImageException {
    return preprocess(read(file), file.toString(), mode);
  }

  /**
   * One image, given as the bytes of its file, to one 28x28 model input.
   *
   * @param bytes the file's bytes
   * @param name how errors name the image
   * @param mode what to do after decoding
   * @throws ImageException with a {@link Reason}
   */
  public static DigitImage preprocess(byte[] bytes, String name, Mode mode) throws ImageException {
    Objects.requireNonNull(mode, "mode");
    return preprocess(decode(bytes, name), name, mode);
  }

  /**
   * One image already decoded by {@link #decodeGray} to one 28x28 model input: the steps after
   * decoding, so that a caller that also segments the image ({@link #segment(GrayImage, String)})
   * decodes it once.
   *
   * @param image the decoded image
   * @param name how errors name the image
   * @param mode what to do after decoding
   * @throws ImageException NO_INK, TOO_LARGE (too many ink runs)
   */
  public static DigitImage preprocess(GrayImage image, String name, Mode mode)
      throws ImageException {
    Objects.requireNonNull(mode, "mode");
    return preprocess(new Decoded(image.header(), image.values()), name, mode);
  }

  private static DigitImage preprocess(Decoded decoded, String name, Mode mode)
      throws ImageException {
    ImageHeader header = decoded.header();
    if (mode == Mode.RAW) {
      byte[] out = AreaFilter.resize(decoded.gray(), header.width(), header.height(), SIZE, SIZE);
      return new DigitImage(
          out,
          Mode.RAW,
          header,
          DigitImage.Polarity.NOT_TESTED,
          0,
          255,
          new DigitImage.Box(0, 0, header.width(), header.height()),
          SIZE,
          SIZE,
          0,
          0);
    }
    Normalized norm = normalize(decoded, name);
    List<Components.Component> kept =
        keep(components(norm.values(), header.width(), header.height(), INK_THRESHOLD, name));
    Crop crop = crop(norm.values(), header.width(), kept, INK_THRESHOLD);
    return place(norm, crop.box(), crop.values());
  }

  /**
   * A line of digits to one 28x28 input per digit, left to right.
   *
   * <p>Components of faint ink (8-connected, {@link #SEGMENT_INK_THRESHOLD}) are taken left to
   * right; one whose columns overlap the previous group's by at least half the narrower width joins
   * it (dots, broken strokes); specks and marks are dropped. Each digit is then read as an image of
   * its own: stretched to its own brightest pixel, then steps 6 to 9.
   *
   * @param file a PNG, JPEG, GIF or BMP
   * @throws ImageException as {@link #preprocess(Path, Mode)}
   */
  public static Segmentation segment(Path file) throws ImageException {
    return segment(read(file), file.toString());
  }

  /**
   * A line of digits, given as the bytes of its file, to one 28x28 input per digit.
   *
   * @param bytes the file's bytes
   * @param name how errors name the image
   * @throws ImageException as {@link #preprocess(Path, Mode)}
   */
  public static Segmentation segment(byte[] bytes, String name) throws ImageException {
    return segment(decode(bytes, name), name);
  }

  /**
   * A line of digits already decoded by {@link #decodeGray} to one 28x28 input per digit.
   *
   * @param image the decoded image
   * @param name how errors name the image
   * @throws ImageException NO_INK, TOO_LARGE (too many ink runs)
   */
  public static Segmentation segment(GrayImage image, String name) throws ImageException {
    return segment(new Decoded(image.header(), image.values()), name);
  }

  private static Segmentation segment(Decoded decoded, String name) throws ImageException {
    Normalized norm = normalize(decoded, name);
    List<Components.Component> all =
        components(
            norm.values(),
            norm.header().width(),
            norm.header().height(),
            SEGMENT_INK_THRESHOLD,
            name);
    List<Components.Component> kept = keep(all);
    List<Components.Component> sorted = new ArrayList<>(kept);
    sorted.sort(
        Comparator.<Components.Component>comparingInt(c -> c.x0)
            .thenComparingInt(c -> c.firstY)
            .thenComparingInt(c -> c.firstX));
    List<List<Components.Component>> groups = new ArrayList<>();
    int left = 0;
    int right = 0;
    for (Components.Component c : sorted) {
      if (!groups.isEmpty()) {
        int overlap = Math.min(right, c.x1) - Math.max(left, c.x0) + 1;
        int narrower = Math.min(right - left + 1, c.width());
        if (overlap > 0 && 2 * overlap >= narrower) {
          groups.get(groups.size() - 1).add(c);
          left = Math.min(left, c.x0);
          right = Math.max(right, c.x1);
          continue;
        }
      }
      groups.add(new ArrayList<>(List.of(c)));
      left = c.x0;
      right = c.x1;
    }
    int[] heights = new int[groups.size()];
    int tallest = 0;
    for (int g = 0; g < groups.size(); g++) {
      int top = Integer.MAX_VALUE;
      int bottom = Integer.MIN_VALUE;
      for (Components.Component c : groups.get(g)) {
        top = Math.min(top, c.y0);
        bottom = Math.max(bottom, c.y1);
      }
      heights[g] = bottom - top + 1;
      tallest = Math.max(tallest, heights[g]);
    }
    List<DigitImage> digits = new ArrayList<>();
    for (int g = 0; g < groups.size(); g++) {
      if ((long) heights[g] * MARK_HEIGHT_RATIO >= tallest) {
        digits.add(alone(norm, groups.get(g), name));
      }
    }
    return new Segmentation(digits, all.size() - kept.size(), groups.size() - digits.size());
  }

  /**
   * Decodes an image to 8-bit gray (alpha composited on white, integer luma): the input of every
   * later step, and the level at which the JPEG bound of docs/preprocessing.md is measured.
   *
   * @param bytes the file's bytes
   * @param name how errors name the image
   * @throws ImageException any reason but IO and NO_INK
   */
  public static GrayImage decodeGray(byte[] bytes, String name) throws ImageException {
    Decoded decoded = decode(bytes, name);
    return new GrayImage(decoded.header(), decoded.gray());
  }

  /**
   * Checks a container's structure without decoding pixels.
   *
   * @param bytes the file's bytes
   * @param name how errors name the image
   * @return its format and size
   * @throws ImageException EMPTY_FILE, NOT_AN_IMAGE, TRUNCATED, CORRUPT, TOO_LARGE or UNSUPPORTED
   */
  public static ImageHeader header(byte[] bytes, String name) throws ImageException {
    checkBytes(bytes, name);
    return Containers.walk(bytes, name).header();
  }

  /**
   * Reads a file after the checks that need no decoding: it exists, is not empty, starts with a
   * known signature and is at most {@link #MAX_FILE_BYTES} long.
   *
   * <p>Never more than {@code MAX_FILE_BYTES + 1} bytes are read: a device or pipe reports no size
   * ({@code /dev/zero}, a process substitution), so its bytes are counted as they come instead.
   *
   * @throws ImageException IO, EMPTY_FILE, NOT_AN_IMAGE or TOO_LARGE
   */
  public static byte[] read(Path file) throws ImageException {
    return read(file, MAX_FILE_BYTES);
  }

  /** {@link #read(Path)} with another byte limit, so that tests need not write 256 MiB. */
  static byte[] read(Path file, long maxBytes) throws ImageException {
    String name = file.toString();
    if (Files.isDirectory(file)) {
      throw new ImageException(Reason.IO, name, "expected a file, found a directory");
    }
    try (InputStream in = Files.newInputStream(file)) {
      byte[] head = in.readNBytes(8);
      ImageFormat.sniff(head, name);
      long size = Files.size(file);
      if (size > maxBytes) {
        throw new ImageException(
            Reason.TOO_LARGE,
            name,
            "expected a file of at most " + maxBytes + " bytes, found " + size);
      }
      byte[] rest =
          in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1 - head.length));
      if (head.length + (long) rest.length > maxBytes) {
        throw new ImageException(
            Reason.TOO_LARGE,
            name,
            "expected a file of at most " + maxBytes + " bytes, found more");
      }
      byte[] all = Arrays.copyOf(head, head.length + rest.length);
      System.arraycopy(rest, 0, all, head.length, rest.length);
      return all;
    } catch (NoSuchFileException e) {
      throw unreadable(name, "No such file or directory", e);
    } catch (IOException e) {
      throw unreadable(name, e.toString(), e);
    }
  }

  private static ImageException unreadable(String name, String found, IOException cause) {
    return ImageException.withCause(
        Reason.IO, name, "expected a readable file, found: " + found, cause);
  }

  private static void checkBytes(byte[] bytes, String name) throws ImageException {
    ImageFormat.sniff(bytes, name);
    if (bytes.length > MAX_FILE_BYTES) {
      throw new ImageException(
          Reason.TOO_LARGE,
          name,
          "expected at most " + MAX_FILE_BYTES + " bytes, found " + bytes.length);
    }
  }

  /** An image decoded to 8-bit gray, row-major, and its container's header. */
  private record Decoded(ImageHeader header, byte[] gray) {}

  /**
   * Checks then decodes, in one order for every entry point, so that a bad file gets the same
   * reason code from each of them.
   */
  private static Decoded decode(byte[] bytes, String name) throws ImageException {
    checkBytes(bytes, name);
    Containers.Container container = Containers.walk(bytes, name);
    return new Decoded(container.header(), Decoder.gray(bytes, name, container));
  }

  // ---- the integer steps -----------------------------------------------------------------------

  /** The stretched, light-on-dark image and what normalising it found. */
  private record Normalized(
      ImageHeader header,
      byte[] values,
      DigitImage.Polarity polarity,
      int background,
      int inkMax) {}

  private static Normalized normalize(Decoded decoded, String name) throws ImageException {
    ImageHeader header = decoded.header();
    byte[] gray = decoded.gray();
    int w = header.width();
    int h = header.height();
    long sum = 0;
    for (byte v : gray) {
      sum += v & 0xFF;
    }
    int borderMedian = lowerMedian(borderHistogram(gray, w, h, false));
    // Inverted when the border's median is brighter than the mean of the whole image.
    boolean inverted = (long) borderMedian * gray.length > sum;
    int background = lowerMedian(borderHistogram(gray, w, h, inverted));
    int inkMax = 0;
    for (byte v : gray) {
      inkMax = Math.max(inkMax, inverted ? 255 - (v & 0xFF) : v & 0xFF);
    }
    if (inkMax - background < MIN_CONTRAST) {
      throw new ImageException(
          Reason.NO_INK, name, noInk(inverted, background, inkMax - background));
    }
    int span = inkMax - background;
    byte[] out = new byte[gray.length];
    for (int i = 0; i < gray.length; i++) {
      int v = inverted ? 255 - (gray[i] & 0xFF) : gray[i] & 0xFF;
      int d = v - background;
      out[i] = (byte) (d > 0 ? (d * 255 + span / 2) / span : 0);
    }
    DigitImage.Polarity polarity =
        inverted ? DigitImage.Polarity.DARK_ON_LIGHT : DigitImage.Polarity.LIGHT_ON_DARK;
    return new Normalized(header, out, polarity, background, inkMax);
  }

  /**
   * The NO_INK detail in the user's own grey levels: the page as drawn, and how far its strokes
   * stand out. Worded on the image as the user drew it, not on the inverted values the test works
   * on: a pen on paper reads "darker", chalk on a board "lighter". Only a uniform image has no
   * contrast at all.
   */
  private static String noInk(boolean inverted, int background, int contrast) {
    int page = inverted ? 255 - background : background;
    if (contrast == 0) {
      return "no digit found: expected strokes at least "
          + MIN_CONTRAST
          + " grey levels darker or lighter than the page, found a blank page (every pixel grey"
          + " level "
          + page
          + "; 0 is black, 255 white)";
    }
    String direction = inverted ? "darker" : "lighter";
    return "no digit found: expected strokes at least "
        + MIN_CONTRAST
        + " grey levels "
        + direction
        + " than the page, found a page of grey level "
        + page
        + " (0 is black, 255 white) whose "
        + (inverted ? "darkest" : "lightest")
        + " pixel is only "
        + contrast
        + " levels "
        + direction;
  }

  /** Histogram of the border pixels (each once; the whole image when a side is at most 2). */
  private static long[] borderHistogram(byte[] gray, int w, int h, boolean inverted) {
    long[] counts = new long[256];
    for (int y = 0; y < h; y++) {
      boolean edgeRow = y == 0 || y == h - 1 || w <= 2 || h <= 2;
      for (int x = 0; x < w; x += edgeRow || x == w - 1 ? 1 : w - 1) {
        int v = gray[y * w + x] & 0xFF;
        counts[inverted ? 255 - v : v]++;
      }
    }
    return counts;
  }

  /** The value at sorted index {@code (n - 1) / 2}. */
  private static int lowerMedian(long[] counts) {
    long n = 0;
    for (long c : counts) {
      n += c;
    }
    long target = (n - 1) / 2 + 1;
    long seen = 0;
    for (int v = 0; v < 256; v++) {
      seen += counts[v];
      if (seen >= target) {
        return v;
      }
    }
    throw new IllegalStateException("empty histogram");
  }

  /** Every component of ink (at {@code threshold}), once its runs are known to be few enough. */
  private static List<Components.Component> components(
      byte[] values, int w, int h, int threshold, String name) throws ImageException {
    long runs = Components.countRuns(values, w, h, threshold);
    if (runs > MAX_INK_RUNS) {
      throw new ImageException(
          Reason.TOO_LARGE,
          name,
          "expected at most "
              + MAX_INK_RUNS
              + " ink runs (row stretches of ink), found "
              + runs
              + ": too many separate marks to be digits");
    }
    return Components.find(values, w, h, threshold, (int) runs);
  }

  private static List<Components.Component> keep(List<Components.Component> all) {
    long largest = 0;
    for (Components.Component c : all) {
      largest = Math.max(largest, c.area);
    }
    List<Components.Component> kept = new ArrayList<>();
    for (Components.Component c : all) {
      if (c.area * SPECK_RATIO >= largest) {
        kept.add(c);
      }
    }
    return kept;
  }

  /** A group's bounding box in an image and the image's values in it. */
  private record Crop(DigitImage.Box box, byte[] values) {}

  /**
   * The group's bounding box in {@code values} (rows of {@code width}) and the values in it, with
   * ink (at {@code threshold}) that is not the group's set to 0.
   */
  private static Crop crop(
      byte[] values, int width, List<Components.Component> group, int threshold) {
    int x0 = Integer.MAX_VALUE;
    int y0 = Integer.MAX_VALUE;
    int x1 = Integer.MIN_VALUE;
    int y1 = Integer.MIN_VALUE;
    for (Components.Component c : group) {
      x0 = Math.min(x0, c.x0);
      y0 = Math.min(y0, c.y0);
      x1 = Math.max(x1, c.x1);
      y1 = Math.max(y1, c.y1);
    }
    int w = x1 - x0 + 1;
    int h = y1 - y0 + 1;
    byte[] crop = new byte[Math.multiplyExact(w, h)];
    for (int y = 0; y < h; y++) {
      System.arraycopy(values, (y0 + y) * width + x0, crop, y * w, w);
    }
    // Ink in the box that is not the group's belongs to other components (specks, other digits)
    // and is cleared. Found from the group's own runs, not by visiting the others: the work is the
    // box and the group, so a line of many digits costs the sum of their boxes, not digits x
    // components.
    boolean[] own = new boolean[crop.length];
    for (Components.Component c : group) {
      for (int[] run : c.runs) {
        int row = (run[0] - y0) * w - x0;
        Arrays.fill(own, row + run[1], row + run[2], true);
      }
    }
    for (int i = 0; i < crop.length; i++) {
      if (!own[i] && (crop[i] & 0xFF) >= threshold) {
        crop[i] = 0;
      }
    }
    return new Crop(new DigitImage.Box(x0, y0, w, h), crop);
  }

  /**
   * One segmented digit read as an image of its own: stretched again to its brightest pixel, then
   * steps 6 to 9 on its box.
   */
  private static DigitImage alone(Normalized norm, List<Components.Component> group, String name)
      throws ImageException {
    Crop outer = crop(norm.values(), norm.header().width(), group, SEGMENT_INK_THRESHOLD);
    byte[] v = outer.values();
    // A digit drawn fainter than the line's boldest (a thinner or blurrier stroke) would otherwise
    // lose the strokes below INK_THRESHOLD and reach the model dimmer than a single image of it:
    // stretched again so its own brightest pixel is 255, as it would be alone. The peak is at least
    // SEGMENT_INK_THRESHOLD (the group's own ink) and only the group's ink reaches it (the others'
    // is cleared), so no value exceeds 255.
    int peak = 0;
    for (byte b : v) {
      peak = Math.max(peak, b & 0xFF);
    }
    for (int i = 0; i < v.length; i++) {
      v[i] = (byte) (((v[i] & 0xFF) * 255 + peak / 2) / peak);
    }
    int w = outer.box().width();
    int h = outer.box().height();
    Crop inner = crop(v, w, keep(components(v, w, h, INK_THRESHOLD, name)), INK_THRESHOLD);
    DigitImage.Box box =
        new DigitImage.Box(
            outer.box().x() + inner.box().x(),
            outer.box().y() + inner.box().y(),
            inner.box().width(),
            inner.box().height());
    return place(norm, box, inner.values());
  }

  /** Scales the crop into the 20 px box and places its centre of mass at (14, 14) in 28x28. */
  private static DigitImage place(Normalized norm, DigitImage.Box box, byte[] crop) {
    int w = box.width();
    int h = box.height();
    int sw;
    int sh;
    if (w >= h) {
      sw = BOX;
      sh = (int) Math.max(1, (2L * BOX * h + w) / (2L * w));
    } else {
      sw = (int) Math.max(1, (2L * BOX * w + h) / (2L * h));
      sh = BOX;
    }
    byte[] small = AreaFilter.resize(crop, w, h, sw, sh);
    long total = 0;
    long sx = 0;
    long sy = 0;
    for (int y = 0; y < sh; y++) {
      for (int x = 0; x < sw; x++) {
        int v = small[y * sw + x] & 0xFF;
        total += v;
        sx += (long) x * v;
        sy += (long) y * v;
      }
    }
    int ox;
    int oy;
    if (total == 0) {
      ox = (SIZE - sw) / 2;
      oy = (SIZE - sh) / 2;
    } else {
      // round half up of CENTRE - (centre of mass), then kept inside the field
      ox = clamp(Math.floorDiv(2 * CENTRE * total + total - 2 * sx, 2 * total), SIZE - sw);
      oy = clamp(Math.floorDiv(2 * CENTRE * total + total - 2 * sy, 2 * total), SIZE - sh);
    }
    byte[] out = new byte[SIZE * SIZE];
    for (int y = 0; y < sh; y++) {
      System.arraycopy(small, y * sw, out, (oy + y) * SIZE + ox, sw);
    }
    return new DigitImage(
        out,
        Mode.MNIST,
        norm.header(),
        norm.polarity(),
        norm.background(),
        norm.inkMax(),
        box,
        sw,
        sh,
        ox,
        oy);
  }

  private static int clamp(long v, int max) {
    return (int) Math.min(Math.max(v, 0), max);
  }
}
