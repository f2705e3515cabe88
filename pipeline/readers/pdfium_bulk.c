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

/* Is a (major, minor) key after b's? */
static int after(const int64_t *major, const double *minor, int32_t a, int32_t b) {
    return major[a] > major[b] || (major[a] == major[b] && minor[a] > minor[b]);
}

/* order[0..n) = the indexes sorted by (major, minor), ties in index order (np.lexsort's
 * stable order). The characters of a page come in few ascending stretches, so these are
 * found and merged pairwise (left first on ties: stable) until one is left; in order, the
 * identity. tmp: n ints; bounds: n + 1 ints. */
static void stable_order(int n, const int64_t *major, const double *minor, int32_t *order,
                         int32_t *tmp, int32_t *bounds) {
    int runs = 0;
    for (int i = 0; i < n; i++) {
        order[i] = i;
        if (i == 0 || after(major, minor, i - 1, i))
            bounds[runs++] = i;
    }
    bounds[runs] = n;
    while (runs > 1) {
        int merged = 0;
        for (int r = 0; r < runs; r += 2) {
            int lo = bounds[r], mid = bounds[r + 1];
            int hi = r + 1 < runs ? bounds[r + 2] : mid;
            int a = lo, b = mid, k = lo;
            while (a < mid && b < hi)
                tmp[k++] = after(major, minor, order[a], order[b]) ? order[b++] : order[a++];
            while (a < mid)
                tmp[k++] = order[a++];
            while (b < hi)
                tmp[k++] = order[b++];
            bounds[merged++] = lo;
        }
        bounds[merged] = n;
        runs = merged;
        memcpy(order, tmp, sizeof(int32_t) * n);
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
    int32_t *ints = malloc(sizeof(int32_t) * (nn * 6 + 1));
    if (!k_x0 || !keys || !ints)
        goto done;
    double *k_x1 = k_x0 + nn, *k_top = k_x0 + 2 * nn, *k_size = k_x0 + 3 * nn;
    int64_t *run = keys, *line = keys + nn;
    int32_t *kept = ints, *by_top = ints + nn, *order = ints + 2 * nn, *tmp = ints + 3 * nn;
    int32_t *name = ints + 4 * nn, *bounds = ints + 5 * nn;
    int m = 0;
    for (int i = 0; i < n; i++) {
        uint8_t kind = kinds[code[i] < 0x10000 ? code[i] : 0x10000];
        if ((kind & SKIP) || (code[i] == 32 && generated[i]))
            continue;
        if (isnan(x0[i]) || isnan(x1[i]) || isnan(bottom[i]) || isnan(size[i]))
            goto done;
        double b = height - bottom[i];
        k_x0[m] = x0[i];
        k_x1[m] = x1[i] >= x0[i] ? x1[i] : x0[i]; /* np.maximum */
        k_size[m] = rint(size[i] * 10000.0) / 10000.0; /* np.round(size, 4) */
        k_top[m] = b - k_size[m];
        name[m] = name_of[font_id[i]];
        kept[m++] = i;
    }
    /* runs of one font name and size */
    for (int k = 0; k < m; k++)
        run[k] = k == 0 ? 1 : run[k - 1] + (k_size[k] != k_size[k - 1] || name[k] != name[k - 1]);
    /* lines: inside each run, tops chained within y_tolerance */
    stable_order(m, run, k_top, by_top, tmp, bounds);
    int64_t lines = 0;
    for (int k = 0; k < m; k++) {
        int32_t a = by_top[k], p = k ? by_top[k - 1] : 0;
        lines += k == 0 || run[a] != run[p] || k_top[a] - k_top[p] > y_tolerance;
        line[a] = lines;
    }
    /* reading order: line by line, by x inside a line */
    stable_order(m, line, k_x0, order, tmp, bounds);
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
