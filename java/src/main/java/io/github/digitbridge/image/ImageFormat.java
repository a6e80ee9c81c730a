package io.github.digitbridge.image;

import io.github.digitbridge.image.ImageException.Reason;
import java.util.Arrays;
import java.util.HexFormat;

/** The containers that are decoded, recognised by their first bytes, never by the file name. */
public enum ImageFormat {
  /** {@code 89 50 4E 47 0D 0A 1A 0A}. */
  PNG("png"),
  /** {@code FF D8 FF}. */
  JPEG("jpeg"),
  /** {@code GIF87a} or {@code GIF89a}; the first frame is used. */
  GIF("gif"),
  /** {@code BM}. */
  BMP("bmp");

  private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

  private final String imageIoName;

  ImageFormat(String imageIoName) {
    this.imageIoName = imageIoName;
  }

  /** The format name javax.imageio knows the format by. */
  String imageIoName() {
    return imageIoName;
  }

  /**
   * The format of a file from its first bytes.
   *
   * @param bytes the file's first bytes (at least 8 when the file has that many)
   * @param file how errors name the file
   * @throws ImageException {@link Reason#EMPTY_FILE} for no bytes, {@link Reason#NOT_AN_IMAGE} for
   *     any other start
   */
  public static ImageFormat sniff(byte[] bytes, String file) throws ImageException {
    if (bytes.length == 0) {
      throw new ImageException(
          Reason.EMPTY_FILE, file, "expected an image, found an empty file (0 bytes)");
    }
    if (startsWith(bytes, PNG_SIGNATURE)) {
      return PNG;
    }
    if (startsWith(bytes, new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF})) {
      return JPEG;
    }
    if (startsWith(bytes, new byte[] {'G', 'I', 'F', '8', '7', 'a'})
        || startsWith(bytes, new byte[] {'G', 'I', 'F', '8', '9', 'a'})) {
      return GIF;
    }
    if (startsWith(bytes, new byte[] {'B', 'M'})) {
      return BMP;
    }
    byte[] head = Arrays.copyOf(bytes, Math.min(8, bytes.length));
    throw new ImageException(
        Reason.NOT_AN_IMAGE,
        file,
        "expected a PNG, JPEG, GIF or BMP signature, found bytes "
            + HexFormat.ofDelimiter(" ").formatHex(head));
  }

  private static boolean startsWith(byte[] bytes, byte[] prefix) {
    if (bytes.length < prefix.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if (bytes[i] != prefix[i]) {
        return false;
      }
    }
    return true;
  }
}
