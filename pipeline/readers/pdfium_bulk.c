/* Bulk reads of PDFium pages for pipeline/readers/pdfium_bulk.py.
 *
 * PDFium answers one character (or one path segment) per call; from Python each call costs
 * a microsecond or more, from C a few nanoseconds. These two loops call PDFium through the
 * function pointers the caller passes (the ones pypdfium2 already loaded, so nothing is
 * linked here) and fill the caller's arrays.
 */
#include <stddef.h>
#include <stdint.h>

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
 * origin x, the right and bottom of its loose box, its font size and its font handle. */
void ptsm_chars(void *tp, void **fn, int n, uint32_t *code, uint8_t *generated, double *x0,
                double *x1, double *bottom, double *size, uint64_t *font) {
    void *last = NULL;
    double last_size = 0.0;
    void *last_font = NULL;
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
        }
        size[i] = last_size;
        font[i] = (uint64_t)(uintptr_t)last_font;
    }
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
enum { SEGMENT_BEZIERTO = 1, SEGMENT_MOVETO = 2, PAGEOBJ_PATH = 2 };

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
 * closing segment). Returns the number of segments, which may exceed max_edges (then only
 * the first max_edges are written: call again with room for all). */
int ptsm_objects(void *page, void **fn, int n, int *kind, float *matrix, int *curves,
                 int max_edges, double *edges, int *edge_obj) {
    int k = 0;
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
