/**
 * Fit-to-window math: the largest size of a `width`×`height` image that fits in
 * a box while keeping its aspect ratio (what CSS `object-fit: contain` does),
 * computed in script so the canvas keeps a crisp, known CSS size.
 */
export interface Size {
  readonly width: number;
  readonly height: number;
}

/**
 * Returns the CSS size of the image inside the box, in whole pixels.
 * A degenerate image or box gives 0×0.
 */
export function fitContain(box: Size, image: Size): Size {
  if (!(box.width > 0 && box.height > 0 && image.width > 0 && image.height > 0)) {
    return { width: 0, height: 0 };
  }
  const scale = Math.min(box.width / image.width, box.height / image.height);
  // Floor so rounding never makes the canvas overflow its box by one pixel (scrollbars).
  return {
    width: Math.max(1, Math.floor(image.width * scale)),
    height: Math.max(1, Math.floor(image.height * scale)),
  };
}
