/**
 * Users' own digit images to 28x28 model inputs, as docs/preprocessing.md specifies: the Java twin
 * of {@code pybridge.image}.
 *
 * <p>{@link io.github.digitbridge.image.Preprocessor} decodes a PNG, JPEG, GIF or BMP with
 * javax.imageio, refuses what it cannot read with an {@link
 * io.github.digitbridge.image.ImageException} carrying a reason code, and turns the image into a
 * {@link io.github.digitbridge.image.DigitImage} (one digit) or a {@link
 * io.github.digitbridge.image.Segmentation} (a line of digits) with integer arithmetic only, so
 * that Java and Python give the same bytes.
 */
package io.github.digitbridge.image;
