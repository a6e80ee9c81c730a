package io.github.digitbridge.image;

/**
 * What a container says before any pixel is decoded.
 *
 * @param format the container
 * @param width width in pixels (GIF: the logical screen)
 * @param height height in pixels (GIF: the logical screen)
 */
public record ImageHeader(ImageFormat format, int width, int height) {}
