/* Bulk reads of PDFium pages for pipeline/readers/pdfium_bulk.py, and the grouping of a
 * page's characters into words for pipeline/readers/pdf_fast.py.
 *
 * PDFium answers one character (or one path segment) per call; from Python each call costs
 * a microsecond or more, from C a few nanoseconds. These two loops call PDFium through the
 * function pointers the caller passes (the ones pypdfium2 already loaded, so nothing is
 * linked here) and fill the caller's arrays. ptsm_words does the steps of pdf_fast's numpy
 * grouping (same float operations, same stable orders) in one pass per step.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct { float left, top, right, bottom; } rectf_t;
typedef struct { float a, b, c, d, e, f; } matrix_t;

typedef unsigned int (*get_unicode_t)(void *, int);
typedef int (*is_generated_t)(void *, int);
typedef int (*loose_box_t)(void *, int, rectf_t *);
typedef int (*char_origin_t)(void *, int, double *, double *);
typedef void *(*text_object_t)(void *, int);
typedef double (*font_size_t)(void *, int);
typedef void *(*object_font_t)(void *);

enum { C_UNICODE, C_GENERATED, C_LOOSE_BOX, C_ORIGIN, C_TEXT_OBJECT, C_FONT_SIZE, C_OBJECT_FONT };

/* For each of the n characters of text page tp: its code, whether PDFium generated it, its
 * origin x, the right and bottom of its loose box, its font size, its font handle and the
 * index of that handle in `fonts` (the page's distinct handles, in order of first use).
 * Returns the number of distinct handles. */
int ptsm_chars(void *tp, void **fn, int n, uint32_t *code, uint8_t *generated, double *x0,
               double *x1, double *bottom, double *size, uint64_t *font, int32_t *font_id,
               uint64_t *fonts) {
    void *last = NULL;
    double last_size = 0.0;
    void *last_font = NULL;
    int last_id = 0, n_fonts = 0;
    for (int i = 0; i < n; i++) {
        rectf_t r = {0.0f, 0.0f, 0.0f, 0.0f};
        double ox = 0.0, oy = 0.0;
        code[i] = ((get_unicode_t)fn[C_UNICODE])(tp, i);
        generated[i] = ((is_generated_t)fn[C_GENERATED])(tp, i) == 1;
        ((loose_box_t)fn[C_LOOSE_BOX])(tp, i, &r);
        ((char_origin_t)fn[C_ORIGIN])(tp, i, &ox, &oy);
        x0[i] = ox;
        x1[i] = r.right;
        bottom[i] = r.bottom;
        void *obj = ((text_object_t)fn[C_TEXT_OBJECT])(tp, i);
        if (i == 0 || obj != last) { /* one font and size per text object */
            last = obj;
            last_size = ((font_size_t)fn[C_FONT_SIZE])(tp, i);
            last_font = obj ? ((object_font_t)fn[C_OBJECT_FONT])(obj) : NULL;
            uint64_t handle = (uint64_t)(uintptr_t)last_font;
            for (last_id = 0; last_id < n_fonts && fonts[last_id] != handle; last_id++)
                ;
            if (last_id == n_fonts)
                fonts[n_fonts++] = handle;
        }
        size[i] = last_size;
        font[i] = (uint64_t)(uintptr_t)last_font;
        font_id[i] = last_id;
    }
    return n_fonts;
}

typedef void *(*get_object_t)(void *, int);
typedef int (*object_type_t)(void *);
typedef int (*object_matrix_t)(void *, matrix_t *);
typedef int (*count_segments_t)(void *);
typedef void *(*get_segment_t)(void *, int);
typedef int (*segment_type_t)(void *);
typedef int (*segment_point_t)(void *, float *, float *);
typedef int (*segment_close_t)(void *);

enum { O_GET_OBJECT, O_TYPE, O_MATRIX, O_COUNT_SEGMENTS, O_GET_SEGMENT, O_SEGMENT_TYPE,
       O_SEGMENT_POINT, O_SEGMENT_CLOSE };
enum { SEGMENT_BEZIERTO = 1, SEGMENT_MOVETO = 2, PAGEOBJ_TEXT = 1, PAGEOBJ_PATH = 2 };

static int add_edge(double *edges, int *edge_obj, int k, int max_edges, int obj, double ax,
                    double ay, double bx, double by) {
    if (k < max_edges) {
        edges[4 * k] = ax;
        edges[4 * k + 1] = ay;
        edges[4 * k + 2] = bx;
        edges[4 * k + 3] = by;
        edge_obj[k] = obj;
    }
    return k + 1;
}

/* For each of the n page objects: its type and matrix (a b c d e f); for a path, its curve
 * count and its straight segments (x0 y0 x1 y1 in page space; a closed subpath gets its
 * closing segment). `turned` gets the number of text objects turned or mirrored (|b| or
 * |c| above tilt, a or d not positive). Returns the number of segments, which may exceed
 * max_edges (then only the first max_edges are written: call again with room for all). */
int ptsm_objects(void *page, void **fn, int n, int *kind, float *matrix, int *curves,
                 int max_edges, double *edges, int *edge_obj, float tilt, int *turned) {
    int k = 0;
    *turned = 0;
    for (int i = 0; i < n; i++) {
        void *obj = ((get_object_t)fn[O_GET_OBJECT])(page, i);
        matrix_t m = {1.0f, 0.0f, 0.0f, 1.0f, 0.0f, 0.0f};
        kind[i] = ((object_type_t)fn[O_TYPE])(obj);
        ((object_matrix_t)fn[O_MATRIX])(obj, &m);
        matrix[6 * i] = m.a;
        matrix[6 * i + 1] = m.b;
        matrix[6 * i + 2] = m.c;
        matrix[6 * i + 3] = m.d;
        matrix[6 * i + 4] = m.e;
        matrix[6 * i + 5] = m.f;
        curves[i] = 0;
        if (kind[i] == PAGEOBJ_TEXT
            && (fabsf(m.b) > tilt || fabsf(m.c) > tilt || m.a <= 0 || m.d <= 0))
            (*turned)++;
        if (kind[i] != PAGEOBJ_PATH)
            continue;
        int n_seg = ((count_segments_t)fn[O_COUNT_SEGMENTS])(obj);
        double sx = 0.0, sy = 0.0, px = 0.0, py = 0.0;
        int open = 0;
        for (int s = 0; s < n_seg; s++) {
            void *seg = ((get_segment_t)fn[O_GET_SEGMENT])(obj, s);
            int type = ((segment_type_t)fn[O_SEGMENT_TYPE])(seg);
            float fx = 0.0f, fy = 0.0f;
            if (type == SEGMENT_BEZIERTO) {
                curves[i]++;
                continue;
            }
            ((segment_point_t)fn[O_SEGMENT_POINT])(seg, &fx, &fy);
            double x = (double)m.a * fx + (double)m.c * fy + m.e;
            double y = (double)m.b * fx + (double)m.d * fy + m.f;
            if (type == SEGMENT_MOVETO || !open) {
                sx = x;
                sy = y;
                open = 1;
            } else {
                k = add_edge(edges, edge_obj, k, max_edges, i, px, py, x, y);
            }
            px = x;
            py = y;
            if (((segment_close_t)fn[O_SEGMENT_CLOSE])(seg) && (x != sx || y != sy)) {
                k = add_edge(edges, edge_obj, k, max_edges, i, x, y, sx, sy);
                px = sx;
                py = sy;
            }
        }
    }
    return k;
}

/* ------------------------------------------------------------------ words */

enum { SKIP = 1, SPACE = 2, LIGATURE = 4, PDFIUM_HYPHEN = 0x02 };

/* Sort order[lo..hi) by minor, stably: its ascending stretches (a page's characters come
 * in few) are merged pairwise, left first on ties, until one is left. tmp: as order;
 * bounds: hi - lo + 1 ints. */
static void sort_by_minor(int lo, int hi, const double *minor, int32_t *order, int32_t *tmp,
                          int32_t *bounds) {
    int runs = 0;
    for (int i = lo; i < hi; i++)
        if (i == lo || minor[order[i - 1]] > minor[order[i]])
            bounds[runs++] = i;
    bounds[runs] = hi;
    while (runs > 1) {
        int merged = 0;
        for (int r = 0; r < runs; r += 2) {
            int start = bounds[r], mid = bounds[r + 1];
            int end = r + 1 < runs ? bounds[r + 2] : mid;
            int a = start, b = mid, k = start;
            while (a < mid && b < end)
                tmp[k++] = minor[order[a]] > minor[order[b]] ? order[b++] : order[a++];
            while (a < mid)
                tmp[k++] = order[a++];
            while (b < end)
                tmp[k++] = order[b++];
            bounds[merged++] = start;
        }
        bounds[merged] = hi;
        runs = merged;
        memcpy(order + lo, tmp + lo, sizeof(int32_t) * (size_t)(hi - lo));
    }
}

/* order[0..n) = the indexes sorted by (major, minor), ties in index order (np.lexsort's
 * stable order); the major keys are in 1..n. A counting sort by major (none when the keys
 * already ascend), then each major key's stretch sorted by minor. tmp: n ints; bounds:
 * n + 1 ints; count: n + 2 ints. */
static void stable_order(int n, const int64_t *major, const double *minor, int32_t *order,
                         int32_t *tmp, int32_t *bounds, int32_t *count) {
    int ascending = 1;
    for (int i = 1; i < n && ascending; i++)
        ascending = major[i - 1] <= major[i];
    if (ascending) {
        for (int i = 0; i < n; i++)
            order[i] = i;
    } else {
        memset(count, 0, sizeof(int32_t) * (size_t)(n + 2));
        for (int i = 0; i < n; i++)
            count[major[i] + 1]++;
        for (int v = 1; v < n + 2; v++)
            count[v] += count[v - 1]; /* count[v]: the keys below v */
        for (int i = 0; i < n; i++)
            order[count[major[i]]++] = i;
    }
    for (int lo = 0, hi; lo < n; lo = hi) {
        for (hi = lo + 1; hi < n && major[order[hi]] == major[order[lo]]; hi++)
            ;
        if (hi - lo > 1)
            sort_by_minor(lo, hi, minor, order, tmp, bounds);
    }
}

/* The words of a page's n characters (ptsm_chars' arrays, PDF coordinates; `name_of` maps a
 * font index to an id of its font name; `kinds` classes the code points up to 0x10000),
 * by pdf_fast.group_words' rules. Writes, per word, its box (page space, top down), the
 * font size (rounded to 4 decimals) and font index of its first character, and into
 * `text` the code points of all words, each word preceded by a 0. `counts` gets the
 * length of `text` and whether a ligature was kept. Returns the number of words, or -1
 * when a coordinate is not a number (the numpy grouping then decides). */
int ptsm_words(int n, const uint32_t *code, const uint8_t *generated, const double *x0,
               const double *x1, const double *bottom, const double *size,
               const int32_t *font_id, const int32_t *name_of, const uint8_t *kinds,
               double height, double x_tolerance_ratio, double y_tolerance, uint32_t *text,
               double *w_x0, double *w_x1, double *w_top, double *w_bottom, double *w_size,
               int32_t *w_font, int64_t *counts) {
    int result = -1;
    size_t nn = n > 0 ? (size_t)n : 1;
    double *k_x0 = malloc(sizeof(double) * nn * 4);
    int64_t *keys = malloc(sizeof(int64_t) * nn * 2);
    int32_t *ints = malloc(sizeof(int32_t) * (nn * 7 + 3));
    if (!k_x0 || !keys || !ints)
        goto done;
    double *k_x1 = k_x0 + nn, *k_top = k_x0 + 2 * nn, *k_size = k_x0 + 3 * nn;
    int64_t *run = keys, *line = keys + nn;
    int32_t *kept = ints, *by_top = ints + nn, *order = ints + 2 * nn, *tmp = ints + 3 * nn;
    int32_t *name = ints + 4 * nn, *bounds = ints + 5 * nn, *count = ints + 6 * nn + 1;
    int m = 0;
    double raw_size = 0.0, rounded = 0.0; /* the last size rounded (a text object's) */
    for (int i = 0; i < n; i++) {
        uint8_t kind = kinds[code[i] < 0x10000 ? code[i] : 0x10000];
        if ((kind & SKIP) || (code[i] == 32 && generated[i]))
            continue;
        if (!isfinite(x0[i]) || !isfinite(x1[i]) || !isfinite(bottom[i]) ||
            !isfinite(size[i]))
            goto done;
        double b = height - bottom[i];
        k_x0[m] = x0[i];
        k_x1[m] = x1[i] >= x0[i] ? x1[i] : x0[i]; /* np.maximum */
        if (m == 0 || size[i] != raw_size || signbit(size[i]) != signbit(raw_size)) {
            raw_size = size[i];
            rounded = rint(raw_size * 10000.0) / 10000.0; /* np.round(size, 4) */
        }
        k_size[m] = rounded;
        k_top[m] = b - k_size[m];
        name[m] = name_of[font_id[i]];
        kept[m++] = i;
    }
    /* runs of one font name and size */
    for (int k = 0; k < m; k++)
        run[k] = k == 0 ? 1 : run[k - 1] + (k_size[k] != k_size[k - 1] || name[k] != name[k - 1]);
    /* lines: inside each run, tops chained within y_tolerance */
    stable_order(m, run, k_top, by_top, tmp, bounds, count);
    int64_t lines = 0;
    for (int k = 0; k < m; k++) {
        int32_t a = by_top[k], p = k ? by_top[k - 1] : 0;
        lines += k == 0 || run[a] != run[p] || k_top[a] - k_top[p] > y_tolerance;
        line[a] = lines;
    }
    /* reading order: line by line, by x inside a line */
    stable_order(m, line, k_x0, order, tmp, bounds, count);
    int words = 0, len = 0, ligature = 0, prev_space = 0;
    for (int k = 0; k < m; k++) {
        int32_t a = order[k], p = k ? order[k - 1] : 0;
        int start = k == 0 || line[a] != line[p] || prev_space || k_x0[a] < k_x0[p]
            || k_x0[a] > k_x1[p] + x_tolerance_ratio * k_size[p]
            || fabs(k_top[a] - k_top[p]) > y_tolerance;
        uint32_t c = code[kept[a]];
        uint8_t kind = kinds[c < 0x10000 ? c : 0x10000];
        prev_space = (kind & SPACE) != 0;
        if (prev_space)
            continue;
        double bot = height - bottom[kept[a]];
        if (start || words == 0) { /* a word starts (always at the first solid character) */
            text[len++] = 0;
            w_x0[words] = k_x0[a];
            w_x1[words] = k_x1[a];
            w_top[words] = k_top[a];
            w_bottom[words] = bot;
            w_size[words] = k_size[a];
            w_font[words] = font_id[kept[a]];
            words++;
        } else { /* np.minimum / np.maximum.reduceat: the first of equal values stays */
            int w = words - 1;
            if (!(w_x0[w] <= k_x0[a]))
                w_x0[w] = k_x0[a];
            if (!(w_x1[w] >= k_x1[a]))
                w_x1[w] = k_x1[a];
            if (!(w_top[w] <= k_top[a]))
                w_top[w] = k_top[a];
            if (!(w_bottom[w] >= bot))
                w_bottom[w] = bot;
        }
        text[len++] = c == PDFIUM_HYPHEN ? '-' : c;
        ligature |= (kind & LIGATURE) != 0;
    }
    counts[0] = len;
    counts[1] = ligature;
    result = words;
done:
    free(k_x0);
    free(keys);
    free(ints);
    return result;
}

/* ------------------------------------------------------------ one page, reused buffers */

/* The slots of the buffer table of pdfium_bulk.PageBuffers, which the calls below share:
 * ptsm_chars' arrays; per font index, the id of its name and its boldness; the classes of
 * the code points; ptsm_words' outputs, then per word its boldness and the index of its
 * size in `sizes` (the page's distinct word sizes, in order of first use); the counts. */
enum { B_CODE, B_GENERATED, B_X0, B_X1, B_BOTTOM, B_SIZE, B_FONT, B_FONT_ID, B_FONTS,
       B_NAME_OF, B_BOLD_OF, B_KINDS, B_TEXT, B_W_X0, B_W_X1, B_W_TOP, B_W_BOTTOM,
       B_W_SIZE, B_W_FONT, B_W_BOLD, B_W_SIZE_ID, B_SIZES, B_COUNTS };

/* ptsm_chars into the buffers of table b. */
int ptsm_page_chars(void *tp, void **fn, int n, void **b) {
    return ptsm_chars(tp, fn, n, b[B_CODE], b[B_GENERATED], b[B_X0], b[B_X1], b[B_BOTTOM],
                      b[B_SIZE], b[B_FONT], b[B_FONT_ID], b[B_FONTS]);
}

/* ptsm_words over the buffers of table b, then each word's boldness and size index.
 * counts: the length of `text`, whether a ligature was kept, the number of sizes. Returns
 * the number of words, or -1 (a coordinate is not a number). */
int ptsm_page_words(int n, void **b, double height, double x_tolerance_ratio,
                    double y_tolerance) {
    int64_t *counts = b[B_COUNTS];
    int words = ptsm_words(n, b[B_CODE], b[B_GENERATED], b[B_X0], b[B_X1], b[B_BOTTOM],
                           b[B_SIZE], b[B_FONT_ID], b[B_NAME_OF], b[B_KINDS], height,
                           x_tolerance_ratio, y_tolerance, b[B_TEXT], b[B_W_X0], b[B_W_X1],
                           b[B_W_TOP], b[B_W_BOTTOM], b[B_W_SIZE], b[B_W_FONT], counts);
    const int32_t *font = b[B_W_FONT];
    const uint8_t *bold_of = b[B_BOLD_OF];
    const double *size = b[B_W_SIZE];
    uint8_t *bold = b[B_W_BOLD];
    int32_t *size_id = b[B_W_SIZE_ID];
    double *sizes = b[B_SIZES];
    int n_sizes = 0, s = 0;
    for (int w = 0; w < words; w++) {
        bold[w] = bold_of[font[w]];
        if (!n_sizes || sizes[s] != size[w]) { /* most words have the previous one's size */
            for (s = 0; s < n_sizes && sizes[s] != size[w]; s++)
                ;
            if (s == n_sizes)
                sizes[n_sizes++] = size[w];
        }
        size_id[w] = s;
    }
    counts[2] = n_sizes;
    return words;
}

/* The ruling lines of m straight segments (x0 y0 x1 y1, PDF space) on a page `height`
 * high, as pdf_fast._edges makes them: each segment horizontal (|Δy| <= eps) goes to h,
 * else each vertical one (|Δx| <= eps) to v, as x0 top x1 bottom length (top down, the
 * ends of a flat side made equal). counts: the numbers of v and h edges. Returns 0, or -1
 * when a segment is slanted. */
int ptsm_ruling_edges(int m, const double *segments, double height, double eps, double *v,
                      double *h, int *counts) {
    int nv = 0, nh = 0;
    for (int i = 0; i < m; i++) {
        const double *s = segments + 4 * i;
        double ax = s[0], bx = s[2], ay = height - s[1], by = height - s[3];
        int flat = fabs(ay - by) <= eps;
        if (!flat && !(fabs(ax - bx) <= eps))
            return -1;
        if (flat)
            by = ay;
        else
            bx = ax;
        /* np.minimum, np.maximum: a NaN wins, else the second of equal values (0.0, -0.0) */
        double x0 = (ax < bx || isnan(ax)) ? ax : bx, x1 = (ax > bx || isnan(ax)) ? ax : bx;
        double top = (ay < by || isnan(ay)) ? ay : by;
        double bottom = (ay > by || isnan(ay)) ? ay : by;
        double *e = flat ? h + 5 * nh++ : v + 5 * nv++;
        e[0] = x0;
        e[1] = top;
        e[2] = x1;
        e[3] = bottom;
        e[4] = flat ? x1 - x0 : bottom - top;
    }
    counts[0] = nv;
    counts[1] = nh;
    return 0;
}

typedef float (*page_size_t)(void *);
typedef int (*page_rotation_t)(void *);
typedef int (*media_box_t)(void *, float *, float *, float *, float *);
typedef int (*count_objects_t)(void *);

/* ptsm_inspect's function table: these, then ptsm_objects' (O_*) */
enum { P_WIDTH, P_HEIGHT, P_ROTATION, P_MEDIA_BOX, P_COUNT_OBJECTS, P_OBJECT_FUNCTIONS };
/* its answers (pdf_fast.inspect_page's reasons) */
enum { I_FAST, I_NO_ROTATION, I_ROTATED, I_BOX, I_TOO_MANY, I_FORM, I_TURNED, I_CURVED,
       I_ROOM };
/* the slots of its buffer table (pdfium_bulk.ObjectBuffers) */
enum { S_KIND, S_MATRIX, S_CURVES, S_EDGES, S_EDGE_OBJ, S_V, S_H, S_FACTS };
enum { PAGEOBJ_IMAGE = 3 };

/* pdf_fast.inspect_page in one call: the page's size, rotation, MediaBox (US Letter when
 * it has none) and objects (at most `capacity`; their segments at most `room`), then the
 * ruling lines (ptsm_ruling_edges). facts: width, height, images, v and h edges, then on
 * I_ROOM the objects and segments to make room for. Returns an I_* answer. */
int ptsm_inspect(void *page, void **fn, int max_objects, int capacity, int room, float tilt,
                 double eps, void **b) {
    double *facts = b[S_FACTS];
    double width = ((page_size_t)fn[P_WIDTH])(page);
    double height = ((page_size_t)fn[P_HEIGHT])(page);
    facts[0] = width;
    facts[1] = height;
    int rotation = ((page_rotation_t)fn[P_ROTATION])(page);
    if (rotation == -1)
        return I_NO_ROTATION;
    if (rotation != 0)
        return I_ROTATED;
    float bx0 = 0.0f, by0 = 0.0f, bx1 = 0.0f, by1 = 0.0f;
    double x0 = 0.0, y0 = 0.0, x1 = 612.0, y1 = 792.0;
    if (((media_box_t)fn[P_MEDIA_BOX])(page, &bx0, &by0, &bx1, &by1)) {
        x0 = bx0;
        y0 = by0;
        x1 = bx1;
        y1 = by1;
    }
    if (fabs(x0) > eps || fabs(y0) > eps || fabs(x1 - width) > eps || fabs(y1 - height) > eps)
        return I_BOX;
    int n = ((count_objects_t)fn[P_COUNT_OBJECTS])(page);
    if (n > max_objects)
        return I_TOO_MANY;
    facts[5] = n;
    facts[6] = 0;
    if (n > capacity)
        return I_ROOM;
    int turned = 0, *kind = b[S_KIND], *curves = b[S_CURVES];
    int m = ptsm_objects(page, fn + P_OBJECT_FUNCTIONS, n, kind, b[S_MATRIX], curves, room,
                         b[S_EDGES], b[S_EDGE_OBJ], tilt, &turned);
    facts[6] = m;
    if (m > room)
        return I_ROOM;
    int images = 0, drawn = 0, curved = 0;
    for (int i = 0; i < n; i++) {
        images += kind[i] == PAGEOBJ_IMAGE;
        drawn += kind[i] == PAGEOBJ_TEXT || kind[i] == PAGEOBJ_PATH;
        curved |= curves[i] != 0;
    }
    facts[2] = images;
    if (images + drawn != n)
        return I_FORM;
    if (turned)
        return I_TURNED;
    if (curved)
        return I_CURVED;
    int counts[2] = {0, 0};
    if (ptsm_ruling_edges(m, b[S_EDGES], height, eps, b[S_V], b[S_H], counts) < 0)
        return I_CURVED;
    facts[3] = counts[0];
    facts[4] = counts[1];
    return I_FAST;
}

/* ------------------------------------------------------------ ruled cells */

/* The table finder of pipeline/readers/pdf_ruled.py (pdfplumber's "lines" strategies), step
 * by step with the same float operations and the same orders: edges prefiltered, snapped,
 * joined and filtered; their intersections (points); the cells framed by four connected
 * points; the cells grouped into tables. An edge is x0 top x1 bottom length (5 doubles). */

enum { E_X0, E_TOP, E_X1, E_BOTTOM, E_LENGTH, E_SIZE };
enum { T_PREFILTER, T_SNAP, T_SNAP_X, T_SNAP_Y, T_JOIN_X, T_JOIN_Y, T_MIN_LENGTH,
       T_INTERSECT_X, T_INTERSECT_Y };

/* order[0..n) (a permutation) sorted by key[order[.]], ties kept in their order (stable
 * bottom-up merge sort; tmp: n ints). */
static void sort_by(int n, const double *key, int stride, int32_t *order, int32_t *tmp) {
    for (int width = 1; width < n; width *= 2) {
        for (int lo = 0; lo < n; lo += 2 * width) {
            int mid = lo + width < n ? lo + width : n;
            int hi = lo + 2 * width < n ? lo + 2 * width : n;
            int a = lo, b = mid, k = lo;
            while (a < mid && b < hi)
                tmp[k++] = key[(size_t)order[b] * stride] < key[(size_t)order[a] * stride]
                    ? order[b++] : order[a++];
            while (a < mid)
                tmp[k++] = order[a++];
            while (b < hi)
                tmp[k++] = order[b++];
        }
        memcpy(order, tmp, sizeof(int32_t) * n);
    }
}

/* pdf_ruled._snap: the n edges (in place) clustered by their `key` value (sorted values
 * chained within `tolerance`), ordered by cluster (stable), each moved by its cluster's
 * average (Python's sum: compensated from Python 3.12) minus its own value. ints: 3n + 1. */
static void snap_edges(int n, double *e, double *copy, int key, int other, double tolerance,
                       int compensated, int32_t *ints) {
    int32_t *order = ints, *tmp = ints + n, *cluster = ints + 2 * n + 1;
    if (n == 0)
        return;
    for (int i = 0; i < n; i++)
        order[i] = i;
    sort_by(n, e + key, E_SIZE, order, tmp);
    int clusters = 1;
    cluster[order[0]] = 0;
    for (int k = 1; k < n; k++) {
        double a = e[E_SIZE * order[k - 1] + key], b = e[E_SIZE * order[k] + key];
        if (b != a && !(tolerance != 0 && b <= a + tolerance))
            clusters++;
        cluster[order[k]] = clusters - 1;
    }
    /* the edges by cluster, each cluster in the edges' order: tmp[c] = start of cluster c */
    memset(tmp, 0, sizeof(int32_t) * (clusters + 1));
    for (int i = 0; i < n; i++)
        tmp[cluster[i] + 1]++;
    for (int c = 0; c < clusters; c++)
        tmp[c + 1] += tmp[c];
    for (int i = 0; i < n; i++)
        order[tmp[cluster[i]]++] = i;
    memcpy(copy, e, sizeof(double) * E_SIZE * n);
    for (int start = 0, c = 0; c < clusters; c++) {
        int end = tmp[c];
        double sum = 0.0, comp = 0.0;
        for (int k = start; k < end; k++) {
            double x = copy[E_SIZE * order[k] + key];
            if (compensated && k > start) { /* Neumaier, as CPython's sum of floats */
                double t = sum + x;
                comp += fabs(sum) >= fabs(x) ? (sum - t) + x : (x - t) + sum;
                sum = t;
            } else {
                sum += x;
            }
        }
        if (comp != 0 && isfinite(comp))
            sum += comp;
        double avg = sum / (double)(end - start);
        for (int k = start; k < end; k++) {
            const double *src = copy + E_SIZE * order[k];
            double *dst = e + E_SIZE * k, shift = avg - src[key];
            memcpy(dst, src, sizeof(double) * E_SIZE);
            dst[key] = src[key] + shift;
            dst[other] = src[other] + shift;
        }
        start = end;
    }
}

/* pdf_ruled._join then the length filter: the n edges (in place) sorted by `line` then
 * `lo` (stable), overlapping ones on one line (within tolerance) merged; returns the number
 * of edges kept. ints: 2n. */
static int join_edges(int n, double *e, double *copy, int line, int lo, int hi,
                      double tolerance, double min_length, int32_t *ints) {
    int32_t *order = ints, *tmp = ints + n;
    for (int i = 0; i < n; i++)
        order[i] = i;
    sort_by(n, e + lo, E_SIZE, order, tmp);
    sort_by(n, e + line, E_SIZE, order, tmp);
    memcpy(copy, e, sizeof(double) * E_SIZE * n);
    int m = 0;
    for (int k = 0; k < n; k++) {
        const double *src = copy + E_SIZE * order[k];
        double *last = m ? e + E_SIZE * (m - 1) : NULL;
        if (last && src[line] == last[line] && src[lo] <= last[hi] + tolerance) {
            if (src[hi] > last[hi]) { /* as pdfplumber's resize_object */
                last[E_LENGTH] = hi == E_X1 ? src[hi] - last[E_X0]
                                            : last[E_LENGTH] + (src[hi] - last[hi]);
                last[hi] = src[hi];
            }
        } else {
            memcpy(e + E_SIZE * m++, src, sizeof(double) * E_SIZE);
        }
    }
    int kept = 0;
    for (int k = 0; k < m; k++)
        if (e[E_SIZE * k + E_LENGTH] >= min_length)
            memmove(e + E_SIZE * kept++, e + E_SIZE * k, sizeof(double) * E_SIZE);
    return kept;
}

/* The distinct values of e[.][key] (sorted, into `values`), each edge's value index
 * (`group`) and its index among the edges of that value (`member`); returns the number of
 * values. group_size: n + 1 ints; ints: 2n. */
static int group_edges(int n, const double *e, int key, double *values, int32_t *group,
                       int32_t *member, int32_t *group_size, int32_t *ints) {
    int32_t *order = ints, *tmp = ints + n;
    int groups = 0;
    for (int i = 0; i < n; i++)
        order[i] = i;
    sort_by(n, e + key, E_SIZE, order, tmp);
    for (int k = 0; k < n; k++) {
        double x = e[E_SIZE * order[k] + key];
        if (k == 0 || x != values[groups - 1]) {
            values[groups] = x;
            group_size[groups++] = 0;
        }
        group[order[k]] = groups - 1;
        member[order[k]] = group_size[groups - 1]++;
    }
    return groups;
}

static int meet(const uint64_t *a, const uint64_t *b, int words) {
    for (int w = 0; w < words; w++)
        if (a[w] & b[w])
            return 1;
    return 0;
}


static int crosses(const double *v, const double *h, double x_tolerance, double y_tolerance) {
    return v[E_TOP] <= h[E_TOP] + y_tolerance && v[E_BOTTOM] >= h[E_TOP] - y_tolerance
        && v[E_X0] >= h[E_X0] - x_tolerance && v[E_X0] <= h[E_X1] + x_tolerance;
}

static int negative_zero(int n, const double *e, int key) {
    for (int i = 0; i < n; i++)
        if (e[E_SIZE * i + key] == 0 && signbit(e[E_SIZE * i + key]))
            return 1;
    return 0;
}

#define WORDS(count) (((count) + 63) / 64)

/* The cells of the tables framed by the nv vertical and nh horizontal edges, as
 * pdf_ruled.find_cells_of_lines finds them. `in`: the T_* settings (T_SNAP not 0: snap),
 * then the vertical edges, then the horizontal ones. Writes the tables of two cells or
 * more, top to bottom: their cells (x0 top x1 bottom) one table after the other from
 * out[0], their sizes from out[4 * room]. Returns the number of cells, which may exceed
 * room (then nothing is written: call again with room for all), or -1 when an edge is not
 * finite, a point is at -0.0 (Python's dict keeps the sign seen first there) or memory
 * runs out: the Python steps then decide. */
int ptsm_ruled_cells(int nv, int nh, const double *in, int compensated, int room,
                     double *out) {
    const double *tol = in, *v_in = in + T_INTERSECT_Y + 1, *h_in = v_in + E_SIZE * nv;
    int result = -1;
    size_t nn = (size_t)(nv > nh ? nv : nh) + 1;
    double *v = malloc(sizeof(double) * E_SIZE * 2 * nn);
    double *h = malloc(sizeof(double) * E_SIZE * 2 * nn);
    double *values = malloc(sizeof(double) * 2 * nn);
    int32_t *ints = malloc(sizeof(int32_t) * 9 * nn);
    int32_t *grid = NULL, *pt = NULL;
    uint64_t *masks = NULL;
    double *found = NULL;
    if (!v || !h || !values || !ints)
        goto done;
    for (int k = 0; k < E_SIZE * nv; k++)
        if (!isfinite(v_in[k]))
            goto done;
    for (int k = 0; k < E_SIZE * nh; k++)
        if (!isfinite(h_in[k]))
            goto done;
    /* the edges: prefiltered, snapped, joined, filtered */
    int m = 0;
    for (int i = 0; i < nv; i++)
        if (v_in[E_SIZE * i + E_LENGTH] >= tol[T_PREFILTER])
            memcpy(v + E_SIZE * m++, v_in + E_SIZE * i, sizeof(double) * E_SIZE);
    nv = m;
    m = 0;
    for (int j = 0; j < nh; j++)
        if (h_in[E_SIZE * j + E_LENGTH] >= tol[T_PREFILTER])
            memcpy(h + E_SIZE * m++, h_in + E_SIZE * j, sizeof(double) * E_SIZE);
    nh = m;
    if (nv == 0 || nh == 0) {
        result = 0;
        goto done;
    }
    if (tol[T_SNAP] != 0) {
        snap_edges(nv, v, v + E_SIZE * nv, E_X0, E_X1, tol[T_SNAP_X], compensated, ints);
        snap_edges(nh, h, h + E_SIZE * nh, E_TOP, E_BOTTOM, tol[T_SNAP_Y], compensated, ints);
    }
    nh = join_edges(nh, h, h + E_SIZE * nh, E_TOP, E_X0, E_X1, tol[T_JOIN_X],
                    tol[T_MIN_LENGTH], ints);
    nv = join_edges(nv, v, v + E_SIZE * nv, E_X0, E_TOP, E_BOTTOM, tol[T_JOIN_Y],
                    tol[T_MIN_LENGTH], ints);
    if (negative_zero(nv, v, E_X0) || negative_zero(nh, h, E_TOP))
        goto done;
    if (nv == 0 || nh == 0) {
        result = 0;
        goto done;
    }
    /* the points: where a vertical edge (its x) crosses a horizontal one (its top) */
    double *xs = values, *ys = values + nn;
    int32_t *v_group = ints + 2 * nn, *v_member = ints + 3 * nn, *v_count = ints + 4 * nn;
    int32_t *h_group = ints + 5 * nn, *h_member = ints + 6 * nn, *h_count = ints + 7 * nn;
    int nx = group_edges(nv, v, E_X0, xs, v_group, v_member, v_count, ints);
    int ny = group_edges(nh, h, E_TOP, ys, h_group, h_member, h_count, ints);
    double tx = tol[T_INTERSECT_X], ty = tol[T_INTERSECT_Y];
    grid = malloc(sizeof(int32_t) * ((size_t)nx * ny));  /* x index, y index → point */
    if (!grid)
        goto done;
    for (size_t k = 0; k < (size_t)nx * ny; k++)
        grid[k] = -1;
    int points = 0;
    for (int i = 0; i < nv; i++)
        for (int j = 0; j < nh; j++)
            if (crosses(v + E_SIZE * i, h + E_SIZE * j, tx, ty)
                    && grid[(size_t)v_group[i] * ny + h_group[j]] < 0) {
                grid[(size_t)v_group[i] * ny + h_group[j]] = 0;
                points++;
            }
    /* per point (sorted by x, then y): its x and y index, where its two masks start (a bit
     * per edge of its column / of its row: the edges through it), its place in its row;
     * the points of each row (by x) from row_start[y]; cells_to_tables' lists */
    size_t np = (size_t)points + 1;
    pt = malloc(sizeof(int32_t) * (np * 18 + 2 * ((size_t)ny + 1)));
    found = malloc(sizeof(double) * 6 * np);
    if (!pt || !found)
        goto done;
    int32_t *px = pt, *py = pt + np, *v_off = pt + 2 * np, *h_off = pt + 3 * np;
    int32_t *row_at = pt + 4 * np, *row_points = pt + 5 * np, *right = pt + 6 * np;
    int32_t *corners = pt + 7 * np;  /* 4 per cell */
    int32_t *mark = pt + 11 * np, *rest = pt + 12 * np, *rem = pt + 13 * np;
    int32_t *member = pt + 14 * np, *order = pt + 15 * np, *t_start = pt + 16 * np;
    int32_t *t_size = pt + 17 * np, *row_start = pt + 18 * np, *next = row_start + ny + 1;
    double *t_key = found + 4 * np;  /* per table: top, x0 of its top-left cell */
    size_t words = 0;
    int p = 0;
    for (int x = 0; x < nx; x++)
        for (int y = 0; y < ny; y++)
            if (grid[(size_t)x * ny + y] == 0) {
                grid[(size_t)x * ny + y] = p;
                px[p] = x;
                py[p] = y;
                v_off[p] = (int32_t)words;
                words += WORDS(v_count[x]);
                h_off[p] = (int32_t)words;
                words += WORDS(h_count[y]);
                p++;
            }
    if (words > INT32_MAX)
        goto done;
    masks = calloc(words + 1, sizeof(uint64_t));
    if (!masks)
        goto done;
    for (int i = 0; i < nv; i++)
        for (int j = 0; j < nh; j++)
            if (crosses(v + E_SIZE * i, h + E_SIZE * j, tx, ty)) {
                int q = grid[(size_t)v_group[i] * ny + h_group[j]];
                masks[v_off[q] + v_member[i] / 64] |= (uint64_t)1 << (v_member[i] % 64);
                masks[h_off[q] + h_member[j] / 64] |= (uint64_t)1 << (h_member[j] % 64);
            }
    memset(row_start, 0, sizeof(int32_t) * (ny + 1));
    for (int q = 0; q < points; q++)
        row_start[py[q] + 1]++;
    for (int y = 0; y < ny; y++)
        row_start[y + 1] += row_start[y];
    memcpy(next, row_start, sizeof(int32_t) * ny);
    for (int q = 0; q < points; q++) {
        row_at[q] = next[py[q]] - row_start[py[q]];
        row_points[next[py[q]]++] = q;
    }
    /* pdf_ruled._cells: from each point, the nearest point below and to the right that
     * close a rectangle of connected edges */
    int n_cells = 0;
    for (int q = 0; q + 1 < points; q++) {
        int x = px[q], y = py[q], vw = WORDS(v_count[x]), hw = WORDS(h_count[y]);
        const uint64_t *down = masks + v_off[q], *across = masks + h_off[q];
        const int32_t *row = row_points + row_start[y];
        int r = row_at[q] + 1, end = row_start[y + 1] - row_start[y], n_right = 0;
        while (r < end && !meet(across, masks + h_off[row[r]], hw))
            r++;
        if (r == end)
            continue;
        right[n_right++] = row[r++];  /* the points further right connected to q, as needed */
        for (int b = q + 1; b < points && px[b] == x; b++) {  /* further down, nearest first */
            if (!meet(down, masks + v_off[b], vw))
                continue;
            const uint64_t *bottom = masks + h_off[b];
            int bw = WORDS(h_count[py[b]]), corner = -1, k = 0;
            for (;;) {
                if (k == n_right) {
                    while (r < end && !meet(across, masks + h_off[row[r]], hw))
                        r++;
                    if (r == end)
                        break;
                    right[n_right++] = row[r++];
                }
                int rp = right[k++], c = grid[(size_t)px[rp] * ny + py[b]];
                if (c >= 0 && meet(masks + v_off[c], masks + v_off[rp], WORDS(v_count[px[rp]]))
                        && meet(masks + h_off[c], bottom, bw)) {
                    corner = c;
                    corners[4 * n_cells] = q;
                    corners[4 * n_cells + 1] = b;
                    corners[4 * n_cells + 2] = rp;
                    corners[4 * n_cells + 3] = c;
                    break;
                }
            }
            if (corner >= 0) {
                found[4 * n_cells] = xs[x];
                found[4 * n_cells + 1] = ys[y];
                found[4 * n_cells + 2] = xs[px[corner]];
                found[4 * n_cells + 3] = ys[py[corner]];
                n_cells++;
                break;
            }
        }
    }
    /* pdf_ruled.cells_to_tables: cells sharing a corner (passes over the cells left until
     * one adds none) make a table; tables by their top-left cell; one cell is no table */
    int n_rem = n_cells, n_tab = 0, filled = 0;
    memset(mark, 0, sizeof(int32_t) * points);
    for (int k = 0; k < n_cells; k++)
        rem[k] = k;
    while (n_rem) {
        int stamp = n_tab + 1, start = filled, grew = 1;
        while (grew) {
            int n_rest = 0;
            grew = 0;
            for (int k = 0; k < n_rem; k++) {
                const int32_t *cc = corners + 4 * rem[k];
                if (filled == start || mark[cc[0]] == stamp || mark[cc[1]] == stamp
                        || mark[cc[2]] == stamp || mark[cc[3]] == stamp) {
                    mark[cc[0]] = mark[cc[1]] = mark[cc[2]] = mark[cc[3]] = stamp;
                    member[filled++] = rem[k];
                    grew = 1;
                } else {
                    rest[n_rest++] = rem[k];
                }
            }
            memcpy(rem, rest, sizeof(int32_t) * n_rest);
            n_rem = n_rest;
        }
        t_start[n_tab] = start;
        t_size[n_tab] = filled - start;
        n_tab++;
    }
    int total = 0;
    for (int t = 0; t < n_tab; t++) {  /* the key: min (top, x0) of the table's cells */
        double *key = t_key + 2 * t;
        for (int k = t_start[t]; k < t_start[t] + t_size[t]; k++) {
            const double *c = found + 4 * member[k];
            if (k == t_start[t] || c[1] < key[0] || (c[1] == key[0] && c[0] < key[1])) {
                key[0] = c[1];
                key[1] = c[0];
            }
        }
        order[t] = t;
        total += t_size[t] > 1 ? t_size[t] : 0;
    }
    if (total > room) {
        result = total;
        goto done;
    }
    sort_by(n_tab, t_key + 1, 2, order, rest);
    sort_by(n_tab, t_key, 2, order, rest);
    int written = 0, kept = 0;
    for (int k = 0; k < n_tab; k++) {
        int t = order[k];
        if (t_size[t] < 2)
            continue;
        for (int i = t_start[t]; i < t_start[t] + t_size[t]; i++)
            memcpy(out + 4 * written++, found + 4 * member[i], sizeof(double) * 4);
        out[4 * (size_t)room + kept++] = t_size[t];
    }
    result = written;
done:
    free(v);
    free(h);
    free(values);
    free(ints);
    free(grid);
    free(pt);
    free(masks);
    free(found);
    return result;
}
