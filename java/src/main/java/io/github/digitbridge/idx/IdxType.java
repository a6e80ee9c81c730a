package io.github.digitbridge.idx;

import java.util.Optional;

/**
 * The six element types of the IDX format, keyed by the type byte of the header.
 *
 * <p>{@link #typeName()} is the name used in docs/idx-format.md, in the fixture manifest and in the
 * output of both inspectors ({@code ubyte}, {@code byte}, {@code short}, {@code int}, {@code
 * float}, {@code double}).
 */
public enum IdxType {
  /** Unsigned 8-bit integer, type byte 0x08. */
  UBYTE(0x08, 1),
  /** Signed 8-bit integer, type byte 0x09. */
  BYTE(0x09, 1),
  /** Signed 16-bit integer, type byte 0x0B. */
  SHORT(0x0B, 2),
  /** Signed 32-bit integer, type byte 0x0C. */
  INT(0x0C, 4),
  /** IEEE 754 binary32, type byte 0x0D. */
  FLOAT(0x0D, 4),
  /** IEEE 754 binary64, type byte 0x0E. */
  DOUBLE(0x0E, 8);

  private final int code;
  private final int elementSize;

  IdxType(int code, int elementSize) {
    this.code = code;
    this.elementSize = elementSize;
  }

  /** The type byte that identifies this type in an IDX header. */
  public int code() {
    return code;
  }

  /** Size of one element in bytes: 1, 2, 4 or 8. */
  public int elementSize() {
    return elementSize;
  }

  /** The lower-case name the specification uses, e.g. {@code ubyte}. */
  public String typeName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }

  /**
   * The type with the given type byte.
   *
   * @param code the third byte of an IDX header, 0 to 255
   * @return the type, or empty if the byte names none of the six
   */
  public static Optional<IdxType> fromCode(int code) {
    for (IdxType type : values()) {
      if (type.code == code) {
        return Optional.of(type);
      }
    }
    return Optional.empty();
  }

  /** The type bytes of all six types, for messages that list what was expected. */
  static String knownCodes() {
    StringBuilder sb = new StringBuilder("{");
    for (IdxType type : values()) {
      if (sb.length() > 1) {
        sb.append(", ");
      }
      sb.append(String.format("0x%02x", type.code));
    }
    return sb.append('}').toString();
  }
}
