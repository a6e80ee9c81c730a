package io.github.digitbridge.image;

import java.util.ArrayList;
import java.util.List;

/**
 * 8-connected components of the ink mask, found from horizontal runs with union-find and listed by
 * their first pixel in row-major order, as in the Python twin.
 */
final class Components {
  /** One component: its bounding box (inclusive), area, first pixel and runs. */
  static final class Component {
    final int firstY;
    final int firstX;
    int x0;
    final int y0;
    int x1;
    int y1;
    long area;
    final List<int[]> runs = new ArrayList<>(); // {y, start, end exclusive}

    Component(int y, int start, int end) {
      firstY = y;
      firstX = start;
      x0 = start;
      y0 = y;
      x1 = end - 1;
      y1 = y;
      area = end - start;
      runs.add(new int[] {y, start, end});
    }

    void add(int y, int start, int end) {
      x0 = Math.min(x0, start);
      x1 = Math.max(x1, end - 1);
      y1 = y;
      area += end - start;
      runs.add(new int[] {y, start, end});
    }

    int width() {
      return x1 - x0 + 1;
    }
  }

  private Components() {}

  /**
   * The number of runs (stretches of consecutive pixels in a row) whose value is at least {@code
   * threshold}: what {@link #find} would work on, counted without storing them.
   */
  static long countRuns(byte[] values, int width, int height, int threshold) {
    long runs = 0;
    for (int y = 0; y < height; y++) {
      boolean inside = false;
      for (int i = y * width, end = i + width; i < end; i++) {
        boolean ink = (values[i] & 0xFF) >= threshold;
        if (ink && !inside) {
          runs++;
        }
        inside = ink;
      }
    }
    return runs;
  }

  /**
   * The components of pixels whose value is at least {@code threshold}.
   *
   * @param runs their number of runs, from {@link #countRuns}
   */
  static List<Component> find(byte[] values, int width, int height, int threshold, int runs) {
    int[] ys = new int[runs];
    int[] starts = new int[runs];
    int[] ends = new int[runs];
    int[] rowFirst = new int[height + 1];
    int n = 0;
    for (int y = 0; y < height; y++) {
      rowFirst[y] = n;
      int base = y * width;
      int x = 0;
      while (x < width) {
        if ((values[base + x] & 0xFF) < threshold) {
          x++;
          continue;
        }
        int start = x;
        while (x < width && (values[base + x] & 0xFF) >= threshold) {
          x++;
        }
        ys[n] = y;
        starts[n] = start;
        ends[n] = x;
        n++;
      }
    }
    rowFirst[height] = n;
    int[] parent = new int[n];
    for (int i = 0; i < n; i++) {
      parent[i] = i;
    }
    for (int y = 1; y < height; y++) {
      int a = rowFirst[y - 1];
      int aEnd = rowFirst[y];
      int b = rowFirst[y];
      int bEnd = rowFirst[y + 1];
      while (a < aEnd && b < bEnd) {
        // runs [s, e) touch 8-connectedly across rows when s_a <= e_b and s_b <= e_a
        if (starts[a] <= ends[b] && starts[b] <= ends[a]) {
          int ra = root(parent, a);
          int rb = root(parent, b);
          if (ra != rb) {
            parent[Math.max(ra, rb)] = Math.min(ra, rb);
          }
        }
        if (ends[a] < ends[b]) {
          a++;
        } else {
          b++;
        }
      }
    }
    List<Component> found = new ArrayList<>();
    Component[] byRoot = new Component[n];
    for (int i = 0; i < n; i++) {
      int r = root(parent, i);
      if (byRoot[r] == null) {
        byRoot[r] = new Component(ys[i], starts[i], ends[i]);
        found.add(byRoot[r]);
      } else {
        byRoot[r].add(ys[i], starts[i], ends[i]);
      }
    }
    return found;
  }

  private static int root(int[] parent, int i) {
    while (parent[i] != i) {
      parent[i] = parent[parent[i]];
      i = parent[i];
    }
    return i;
  }
}
