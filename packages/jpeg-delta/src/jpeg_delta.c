/*
 * jpeg-delta: which 8x8 blocks of a JPEG changed since the previous one, and
 * the changed region re-packed as a small JPEG, without decoding pixels.
 *
 * Why in the DCT domain: a device re-encodes every screen whole, but a JPEG
 * encoder works block by block, so a block whose pixels did not change comes
 * out with the same quantised coefficients (same tables, same geometry). Reading
 * the coefficients is only the entropy-decoding half of a decode (no IDCT, no
 * upsampling, no colour conversion), comparing them is a memcmp per block, and a
 * crop is the lossless transcoding jpegtran -crop does: the patch a viewer
 * draws decodes to exactly the blocks of the full frame.
 *
 * The library is the system's libjpeg-turbo (libjpeg 6.2 API); this file is
 * the glue and the comparison. One `Delta` per host holds the previous frame's
 * coefficients and parameters; calls are synchronous (about a millisecond for
 * a 936x702 frame on this project's machine, see the package README).
 */
#include <node_api.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <jpeglib.h>
#include <jerror.h>

#ifndef NODE_GYP_MODULE_NAME
#define NODE_GYP_MODULE_NAME jpeg_delta
#endif
#define STRINGIFY2(x) #x
#define STRINGIFY(x) STRINGIFY2(x)

#define DELTA_MAX_COMPONENTS 4
/* More scans than this is no screen capture: refuse it (progressive-JPEG CPU bomb). */
#define MAX_SCANS 64

typedef struct {
  int id, h, v, qtbl;
  JDIMENSION wblocks, hblocks; /* padded to whole iMCUs, as libjpeg allocates them */
  JCOEF *coef;                 /* wblocks * hblocks * DCTSIZE2 */
} Component;

typedef struct {
  int valid; /* holds a frame */
  JDIMENSION width, height;
  int ncomp, maxh, maxv;
  J_COLOR_SPACE colour;
  int has_q[NUM_QUANT_TBLS];
  UINT16 q[NUM_QUANT_TBLS][DCTSIZE2];
  Component comp[DELTA_MAX_COMPONENTS];
} Delta;

typedef struct {
  struct jpeg_error_mgr pub;
  jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
} ErrorMgr;

typedef struct {
  struct jpeg_progress_mgr pub;
  double deadline_ms;
  int timed_out, too_many_scans;
} Progress;

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static void on_error(j_common_ptr cinfo) {
  ErrorMgr *err = (ErrorMgr *)cinfo->err;
  (*cinfo->err->format_message)(cinfo, err->message);
  longjmp(err->jump, 1);
}

/* libjpeg prints warnings to stderr by default; a relay must not. Corrupt data
 * warnings still decode (as a browser would), so they are not fatal. */
static void on_message(j_common_ptr cinfo, int level) {
  (void)cinfo;
  (void)level;
}

static void on_progress(j_common_ptr cinfo) {
  Progress *p = (Progress *)cinfo->progress;
  j_decompress_ptr d = (j_decompress_ptr)cinfo;
  if (d->input_scan_number > MAX_SCANS) {
    p->too_many_scans = 1;
    ERREXIT(cinfo, JERR_NOT_COMPILED); /* message replaced by the caller */
  }
  if (now_ms() > p->deadline_ms) {
    p->timed_out = 1;
    ERREXIT(cinfo, JERR_NOT_COMPILED);
  }
}

static void free_frame(Delta *s) {
  for (int c = 0; c < DELTA_MAX_COMPONENTS; c++) {
    free(s->comp[c].coef);
    s->comp[c].coef = NULL;
  }
  s->valid = 0;
}

static void finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  free_frame((Delta *)data);
  free(data);
}

/* ---- N-API helpers ------------------------------------------------------ */

#define CALL(env, expr)                                   \
  do {                                                    \
    if ((expr) != napi_ok) {                              \
      napi_throw_error((env), "JPEG_DELTA_NAPI", #expr);  \
      return NULL;                                        \
    }                                                     \
  } while (0)

static napi_value throw_code(napi_env env, const char *code, const char *message) {
  napi_throw_error(env, code, message);
  return NULL;
}

static Delta *get_delta(napi_env env, napi_value v) {
  Delta *s = NULL;
  if (napi_get_value_external(env, v, (void **)&s) != napi_ok) return NULL;
  return s;
}

static void set_u32(napi_env env, napi_value obj, const char *key, uint32_t value) {
  napi_value v;
  napi_create_uint32(env, value, &v);
  napi_set_named_property(env, obj, key, v);
}

/* ---- create / reset ----------------------------------------------------- */

static napi_value create(napi_env env, napi_callback_info info) {
  (void)info;
  Delta *s = calloc(1, sizeof(Delta));
  if (!s) return throw_code(env, "JPEG_DELTA_NOMEM", "out of memory");
  napi_value out;
  CALL(env, napi_create_external(env, s, finalize, NULL, &out));
  return out;
}

static napi_value reset(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  Delta *s = argc == 1 ? get_delta(env, argv[0]) : NULL;
  if (!s) return throw_code(env, "JPEG_DELTA_ARG", "reset(handle)");
  free_frame(s);
  return NULL;
}

/* ---- scan --------------------------------------------------------------- */

/* Same geometry, sampling and tables as the held frame: equal coefficients then mean equal pixels. */
static int comparable(const Delta *s, j_decompress_ptr d) {
  if (!s->valid || s->width != d->image_width || s->height != d->image_height || s->ncomp != d->num_components) return 0;
  if (s->colour != d->jpeg_color_space) return 0;
  for (int c = 0; c < d->num_components; c++) {
    const jpeg_component_info *ci = &d->comp_info[c];
    const Component *k = &s->comp[c];
    if (k->h != ci->h_samp_factor || k->v != ci->v_samp_factor) return 0;
    const JQUANT_TBL *q = ci->quant_table;
    if (!q || !s->has_q[k->qtbl] || memcmp(q->quantval, s->q[k->qtbl], sizeof(s->q[0])) != 0) return 0;
  }
  return 1;
}

/*
 * scan(handle, jpeg, maxPixels, timeoutMs) -> { width, height, mcuWidth,
 * mcuHeight, cols, rows, changed } where `changed` is one byte per iMCU
 * (row-major, cols x rows), 1 where any block of any component differs from
 * the held frame, or null when there is nothing comparable (first frame, new
 * geometry or tables). The handle then holds this frame.
 */
static napi_value scan(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  Delta *s = argc == 4 ? get_delta(env, argv[0]) : NULL;
  void *bytes = NULL;
  size_t length = 0;
  double max_pixels = 0, timeout_ms = 0;
  if (!s || napi_get_buffer_info(env, argv[1], &bytes, &length) != napi_ok ||
      napi_get_value_double(env, argv[2], &max_pixels) != napi_ok || napi_get_value_double(env, argv[3], &timeout_ms) != napi_ok)
    return throw_code(env, "JPEG_DELTA_ARG", "scan(handle, jpeg: Buffer, maxPixels: number, timeoutMs: number)");
  if (length == 0 || length > 0x7fffffff) return throw_code(env, "JPEG_DELTA_INPUT", "jpeg: empty or too large");

  struct jpeg_decompress_struct d;
  ErrorMgr err;
  Progress progress;
  memset(&progress, 0, sizeof(progress));
  d.err = jpeg_std_error(&err.pub);
  err.pub.error_exit = on_error;
  err.pub.emit_message = on_message;
  err.message[0] = '\0';
  jpeg_create_decompress(&d);
  uint8_t *volatile changed = NULL;

  if (setjmp(err.jump)) {
    jpeg_destroy_decompress(&d);
    free((void *)changed);
    /* The held frame may be half overwritten: drop it (the next frame is a keyframe). */
    free_frame(s);
    if (progress.timed_out) return throw_code(env, "JPEG_DELTA_TIMEOUT", "jpeg: decoding took longer than timeoutMs");
    if (progress.too_many_scans) return throw_code(env, "JPEG_DELTA_SCANS", "jpeg: too many scans");
    return throw_code(env, "JPEG_DELTA_DECODE", err.message);
  }
  progress.pub.progress_monitor = on_progress;
  progress.deadline_ms = now_ms() + timeout_ms;
  d.progress = &progress.pub;
  jpeg_mem_src(&d, (const unsigned char *)bytes, (unsigned long)length);
  jpeg_read_header(&d, TRUE);
  if ((double)d.image_width * (double)d.image_height > max_pixels) {
    jpeg_destroy_decompress(&d);
    free_frame(s);
    return throw_code(env, "JPEG_DELTA_PIXELS", "jpeg: more pixels than maxPixels");
  }
  if (d.num_components > DELTA_MAX_COMPONENTS || d.data_precision != 8) {
    jpeg_destroy_decompress(&d);
    free_frame(s);
    return throw_code(env, "JPEG_DELTA_UNSUPPORTED", "jpeg: only 8-bit images with up to 4 components");
  }
  jvirt_barray_ptr *arrays = jpeg_read_coefficients(&d);
  int same = comparable(s, &d);

  int maxh = d.max_h_samp_factor, maxv = d.max_v_samp_factor;
  JDIMENSION cols = (d.image_width + maxh * DCTSIZE - 1) / (maxh * DCTSIZE);
  JDIMENSION rows = (d.image_height + maxv * DCTSIZE - 1) / (maxv * DCTSIZE);
  if (same) {
    changed = calloc((size_t)cols * rows, 1);
    if (!changed) ERREXIT(&d, JERR_OUT_OF_MEMORY);
  } else {
    free_frame(s);
  }

  for (int c = 0; c < d.num_components; c++) {
    jpeg_component_info *ci = &d.comp_info[c];
    Component *k = &s->comp[c];
    /* libjpeg pads each component to whole iMCUs; keep the padding blocks too (a crop at the edge needs them). */
    JDIMENSION wb = ((ci->width_in_blocks + ci->h_samp_factor - 1) / ci->h_samp_factor) * ci->h_samp_factor;
    JDIMENSION hb = ((ci->height_in_blocks + ci->v_samp_factor - 1) / ci->v_samp_factor) * ci->v_samp_factor;
    if (wb > cols * ci->h_samp_factor) wb = cols * ci->h_samp_factor;
    if (hb > rows * ci->v_samp_factor) hb = rows * ci->v_samp_factor;
    if (!same) {
      k->id = ci->component_id;
      k->h = ci->h_samp_factor;
      k->v = ci->v_samp_factor;
      k->qtbl = ci->quant_tbl_no;
      k->wblocks = wb;
      k->hblocks = hb;
      k->coef = malloc((size_t)wb * hb * sizeof(JBLOCK));
      if (!k->coef) ERREXIT(&d, JERR_OUT_OF_MEMORY);
    }
    for (JDIMENSION by = 0; by < hb; by++) {
      JBLOCKARRAY row = (*d.mem->access_virt_barray)((j_common_ptr)&d, arrays[c], by, 1, FALSE);
      JCOEF *held = k->coef + (size_t)by * wb * DCTSIZE2;
      if (!same) {
        memcpy(held, row[0], (size_t)wb * sizeof(JBLOCK));
        continue;
      }
      uint8_t *flags = changed + (size_t)(by / k->v) * cols;
      for (JDIMENSION bx = 0; bx < wb; bx++) {
        JCOEF *was = held + (size_t)bx * DCTSIZE2;
        if (memcmp(was, row[0][bx], sizeof(JBLOCK)) != 0) {
          memcpy(was, row[0][bx], sizeof(JBLOCK));
          flags[bx / k->h] = 1;
        }
      }
    }
  }
  if (!same) {
    s->width = d.image_width;
    s->height = d.image_height;
    s->ncomp = d.num_components;
    s->maxh = maxh;
    s->maxv = maxv;
    s->colour = d.jpeg_color_space;
    memset(s->has_q, 0, sizeof(s->has_q));
    for (int c = 0; c < d.num_components; c++) {
      JQUANT_TBL *q = d.comp_info[c].quant_table;
      int t = d.comp_info[c].quant_tbl_no;
      if (!q) ERREXIT(&d, JERR_NO_QUANT_TABLE);
      memcpy(s->q[t], q->quantval, sizeof(s->q[0]));
      s->has_q[t] = 1;
    }
    s->valid = 1;
  }
  jpeg_finish_decompress(&d);
  jpeg_destroy_decompress(&d);

  napi_value out, changed_value;
  CALL(env, napi_create_object(env, &out));
  set_u32(env, out, "width", s->width);
  set_u32(env, out, "height", s->height);
  set_u32(env, out, "mcuWidth", (uint32_t)(maxh * DCTSIZE));
  set_u32(env, out, "mcuHeight", (uint32_t)(maxv * DCTSIZE));
  set_u32(env, out, "cols", cols);
  set_u32(env, out, "rows", rows);
  if (changed) {
    void *data;
    napi_value ab;
    napi_status st = napi_create_arraybuffer(env, (size_t)cols * rows, &data, &ab);
    if (st == napi_ok) {
      memcpy(data, changed, (size_t)cols * rows);
      st = napi_create_typedarray(env, napi_uint8_array, (size_t)cols * rows, ab, 0, &changed_value);
    }
    free(changed);
    if (st != napi_ok) return throw_code(env, "JPEG_DELTA_NAPI", "changed map");
  } else {
    napi_get_null(env, &changed_value);
  }
  napi_set_named_property(env, out, "changed", changed_value);
  return out;
}

/* ---- crop --------------------------------------------------------------- */

static void free_dest(unsigned char **buf) {
  free(*buf);
  *buf = NULL;
}

/*
 * crop(handle, x, y, w, h) -> Buffer: the held frame's region as a baseline
 * JPEG with the same tables (Huffman codes optimised for the region). x and y
 * must be multiples of the iMCU size; the region must lie in the image.
 */
static napi_value crop(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  Delta *s = argc == 5 ? get_delta(env, argv[0]) : NULL;
  uint32_t x = 0, y = 0, w = 0, h = 0;
  if (!s || napi_get_value_uint32(env, argv[1], &x) != napi_ok || napi_get_value_uint32(env, argv[2], &y) != napi_ok ||
      napi_get_value_uint32(env, argv[3], &w) != napi_ok || napi_get_value_uint32(env, argv[4], &h) != napi_ok)
    return throw_code(env, "JPEG_DELTA_ARG", "crop(handle, x, y, w, h)");
  if (!s->valid) return throw_code(env, "JPEG_DELTA_STATE", "crop: no frame held");
  uint32_t mw = s->maxh * DCTSIZE, mh = s->maxv * DCTSIZE;
  if (w == 0 || h == 0 || x % mw != 0 || y % mh != 0 || x + w > s->width || y + h > s->height)
    return throw_code(env, "JPEG_DELTA_RANGE", "crop: region must start on an iMCU boundary and lie inside the image");

  struct jpeg_compress_struct c;
  ErrorMgr err;
  unsigned char *volatile out_buf = NULL;
  unsigned long out_len = 0;
  c.err = jpeg_std_error(&err.pub);
  err.pub.error_exit = on_error;
  err.pub.emit_message = on_message;
  jpeg_create_compress(&c);
  if (setjmp(err.jump)) {
    jpeg_destroy_compress(&c);
    unsigned char *b = out_buf;
    free_dest(&b);
    return throw_code(env, "JPEG_DELTA_ENCODE", err.message);
  }
  c.image_width = w;
  c.image_height = h;
  c.input_components = s->ncomp;
  c.in_color_space = s->colour; /* not used by a coefficient write, but set_defaults needs one */
  jpeg_set_defaults(&c);
  jpeg_set_colorspace(&c, s->colour);
  /* set_colorspace wrote the markers that say how the colours are coded (JFIF, or Adobe for RGB/CMYK). */
  c.optimize_coding = TRUE;
  for (int t = 0; t < NUM_QUANT_TBLS; t++) {
    if (!s->has_q[t]) continue;
    if (!c.quant_tbl_ptrs[t]) c.quant_tbl_ptrs[t] = jpeg_alloc_quant_table((j_common_ptr)&c);
    memcpy(c.quant_tbl_ptrs[t]->quantval, s->q[t], sizeof(s->q[0]));
    c.quant_tbl_ptrs[t]->sent_table = FALSE;
  }
  c.num_components = s->ncomp;
  jvirt_barray_ptr arrays[DELTA_MAX_COMPONENTS];
  JDIMENSION wbs[DELTA_MAX_COMPONENTS], hbs[DELTA_MAX_COMPONENTS];
  for (int k = 0; k < s->ncomp; k++) {
    const Component *src = &s->comp[k];
    jpeg_component_info *ci = &c.comp_info[k];
    ci->component_id = src->id;
    ci->h_samp_factor = src->h;
    ci->v_samp_factor = src->v;
    ci->quant_tbl_no = src->qtbl;
    /* Blocks the region needs, padded to whole iMCUs like the source. */
    JDIMENSION cols = (w + mw - 1) / mw, rows = (h + mh - 1) / mh;
    wbs[k] = cols * src->h;
    hbs[k] = rows * src->v;
    arrays[k] = (*c.mem->request_virt_barray)((j_common_ptr)&c, JPOOL_IMAGE, FALSE, wbs[k], hbs[k], src->v);
  }
  (*c.mem->realize_virt_arrays)((j_common_ptr)&c);
  for (int k = 0; k < s->ncomp; k++) {
    const Component *src = &s->comp[k];
    JDIMENSION bx0 = (x / mw) * src->h, by0 = (y / mh) * src->v;
    for (JDIMENSION by = 0; by < hbs[k]; by++) {
      JBLOCKARRAY row = (*c.mem->access_virt_barray)((j_common_ptr)&c, arrays[k], by, 1, TRUE);
      JDIMENSION sy = by0 + by, n = wbs[k];
      if (sy >= src->hblocks) sy = src->hblocks - 1; /* cannot happen for an in-image region; kept defensive */
      if (bx0 + n > src->wblocks) n = src->wblocks - bx0;
      memcpy(row[0], src->coef + ((size_t)sy * src->wblocks + bx0) * DCTSIZE2, (size_t)n * sizeof(JBLOCK));
      if (n < wbs[k]) memset(row[0] + n, 0, (size_t)(wbs[k] - n) * sizeof(JBLOCK));
    }
  }
  jpeg_mem_dest(&c, (unsigned char **)&out_buf, &out_len);
  jpeg_write_coefficients(&c, arrays);
  jpeg_finish_compress(&c);
  jpeg_destroy_compress(&c);

  napi_value result;
  void *data;
  napi_status st = napi_create_buffer_copy(env, out_len, out_buf, &data, &result);
  unsigned char *b = out_buf;
  free_dest(&b);
  if (st != napi_ok) return throw_code(env, "JPEG_DELTA_NAPI", "crop result");
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"create", NULL, create, NULL, NULL, NULL, napi_default, NULL},
    {"scan", NULL, scan, NULL, NULL, NULL, napi_default, NULL},
    {"crop", NULL, crop, NULL, NULL, NULL, napi_default, NULL},
    {"reset", NULL, reset, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  napi_value version;
  napi_create_string_utf8(env, STRINGIFY(LIBJPEG_TURBO_VERSION), NAPI_AUTO_LENGTH, &version);
  napi_set_named_property(env, exports, "libjpegTurbo", version);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
